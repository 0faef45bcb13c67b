/* explore.c - see explore.h */
#include "explore.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ann.h"
#include "audio.h"
#include "blas.h"
#include "groups.h"
#include "pool.h"
#include "simmat.h"
#include "util.h"
#include "web.h"

/* ---- names and ids ---------------------------------------------------- */

/* colnames[i] of r (malloc'd), or NULL when r has fewer names. */
static char *
colname(const mlv_record *r, size_t i)
{
	const char *p = mlv_meta_get(r, "colnames");
	for (; p; i--) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (i == 0) {
			char *s = mlv_malloc(len + 1);
			memcpy(s, p, len);
			s[len] = '\0';
			return s;
		}
		p = comma ? comma + 1 : NULL;
	}
	return NULL;
}

/* colnames[i], or prefix and i. */
static char *
colname_or(const mlv_record *r, size_t i, const char *prefix)
{
	char *s = colname(r, i);
	if (!s) {
		s = mlv_malloc(strlen(prefix) + 24);
		sprintf(s, "%s%zu", prefix, i);
	}
	return s;
}

/* p's records numbered by id in d (record k has code k); -1, naming the
 * record, for an id seen before. */
static int
ids_of(mlv_dict *d, const mlv_points *p, char *err, size_t errlen)
{
	mlv_dict_init(d);
	for (size_t k = 0; k < p->nrecs; k++)
		if (mlv_dict_code(d, mlv_record_id(&p->recs[k])) != k) {
			mlv_dict_free(d);
			return mlv_errf(err, errlen, "%s: a second record with this "
			                "id (records are matched by id, so ids must be "
			                "unique)", p->where[k]);
		}
	return 0;
}

/* ---- the first map ---------------------------------------------------- */

static const struct {
	const char *projection, *axis;
} axis_names[] = {
	{"pca", "PCA"}, {"std-pca", "STD-PCA"}, {"tsne", "t-SNE"},
	{"umap", "UMAP"},
};

static void
set_axes(mlv_explore_map *m, const mlv_record *r)
{
	const char *proj = mlv_meta_get(r, "projection");
	for (size_t i = 0; proj && i < sizeof axis_names / sizeof *axis_names;
	     i++)
		if (!strcmp(proj, axis_names[i].projection)) {
			for (int a = 0; a < 2; a++) {
				m->axes[a] = mlv_malloc(strlen(axis_names[i].axis) + 3);
				sprintf(m->axes[a], "%s %d", axis_names[i].axis, a + 1);
			}
			return;
		}
	for (int a = 0; a < 2; a++) {
		m->axes[a] = colname(r, (size_t)a);
		if (!m->axes[a])
			m->axes[a] = mlv_strdup(a ? "y" : "x");
	}
}

/* Its first two columns as a map; -1 for a stream that is not a map. */
static int
take_map(mlv_explore_map *m, const mlv_points *p, const size_t *at,
         const char *name, char *err, size_t errlen)
{
	if (!p->nrecs || !p->n)
		return mlv_errf(err, errlen, "%s: no rows (a map has a point per "
		                "row)", name);
	if (p->d < 2)
		return mlv_errf(err, errlen, "%s: %zu column%s (a map needs 2 "
		                "coordinate columns)", p->where[0], p->d,
		                p->d == 1 ? "" : "s");
	char *third = colname(&p->recs[0], 2);
	int is_3d = third && !strcmp(third, "z");
	free(third);
	if (is_3d)
		return mlv_errf(err, errlen, "%s: 3 coordinate columns x, y, z "
		                "(mlv-explore draws 2-D maps: mlv-project --dims "
		                "2)", p->where[0]);
	m->name = mlv_strdup(name);
	set_axes(m, &p->recs[0]);
	size_t n = p->n;
	m->xy = mlv_malloc(mlv_mul_size(n, 2 * sizeof(float), "map"));
	for (size_t i = 0; i < n; i++) {
		const float *row = p->x + (at ? at[i] : i) * p->d;
		m->xy[2 * i] = row[0];
		m->xy[2 * i + 1] = row[1];
	}
	return 0;
}

static void
set_times(mlv_explore *e, const mlv_points *p)
{
	for (size_t k = 0; k < p->nrecs; k++) {
		const mlv_record *r = &p->recs[k];
		double t0 = 0, dt = NAN, dur = NAN;
		if (mlv_meta_get_double(r, "dt", &dt))
			dt = NAN;
		mlv_meta_get_double(r, "t0", &t0);
		if (mlv_meta_get_double(r, "dur", &dur) || !(dur >= 0))
			dur = dt;
		e->rec_t0[k] = t0;
		e->rec_dt[k] = dt;
		e->rec_dur[k] = dur;
	}
}

void
mlv_explore_point_times(const mlv_explore *e, size_t i, double *start,
                        double *end)
{
	size_t k = e->point_record[i];
	*start = e->rec_t0[k] + (double)(i - e->rec_first[k]) * e->rec_dt[k];
	*end = *start + e->rec_dur[k];
}

static void
set_labels(mlv_explore *e, const mlv_points *p)
{
	const char **keys = mlv_record_keys(p->recs, p->nrecs, "label.",
	                                    &e->nlabels);
	e->labels = mlv_calloc(e->nlabels ? e->nlabels : 1, sizeof *e->labels);
	for (size_t l = 0; l < e->nlabels; l++) {
		mlv_explore_label *lab = &e->labels[l];
		mlv_dict values;
		mlv_dict_init(&values);
		lab->key = mlv_strdup(keys[l]);
		lab->codes = mlv_malloc((p->nrecs ? p->nrecs : 1) *
		                        sizeof *lab->codes);
		for (size_t k = 0; k < p->nrecs; k++) {
			const char *v = mlv_meta_get(&p->recs[k], keys[l]);
			lab->codes[k] = v ? mlv_dict_code(&values, v) :
			                MLV_EXPLORE_MISSING;
		}
		uint32_t *sorted = mlv_dict_sort(&values);
		for (size_t k = 0; k < p->nrecs; k++)
			if (lab->codes[k] != MLV_EXPLORE_MISSING)
				lab->codes[k] = sorted[lab->codes[k]];
		free(sorted);
		lab->nvalues = values.n;
		lab->values = mlv_dict_take(&values);
	}
	free(keys);
}

/* Column c of p's rows (matched by at, or in order) as cluster ids; -1
 * naming the row for a value that is not an integer >= -1. */
static int
take_clusters(int32_t **out, const mlv_points *p, size_t c, const size_t *at,
              size_t n, char *err, size_t errlen)
{
	int32_t *ids = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof *ids,
	                                       "clusters"));
	for (size_t i = 0; i < n; i++) {
		size_t j = at ? at[i] : i;
		float v = p->x[j * p->d + c];
		if (!(v >= -1 && v < 2147483648.0f) || v != floorf(v)) {
			size_t k = mlv_points_record_of(p, j);
			free(ids);
			return mlv_errf(err, errlen, "%s: row %zu: cluster id %g is "
			                "not an integer >= -1", p->where[k],
			                j - p->first[k] + 1, (double)v);
		}
		ids[i] = (int32_t)v;
	}
	*out = ids;
	return 0;
}

int
mlv_explore_init(mlv_explore *e, const mlv_points *map, const char *name,
                 char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	if (map->n > UINT32_MAX - 1)
		return mlv_errf(err, errlen, "%s: %zu rows (at most %u points)",
		                name, map->n, UINT32_MAX - 1);
	if (take_map(&e->maps[0], map, NULL, name, err, errlen))
		return -1;
	e->nmaps = 1;
	e->title = mlv_strdup(name);
	e->n = map->n;
	e->nrecs = map->nrecs;
	e->rec_id = mlv_malloc(map->nrecs * sizeof *e->rec_id);
	e->rec_src = mlv_calloc(map->nrecs, sizeof *e->rec_src);
	e->rec_first = mlv_malloc((map->nrecs + 1) * sizeof *e->rec_first);
	e->rec_t0 = mlv_malloc(map->nrecs * sizeof *e->rec_t0);
	e->rec_dt = mlv_malloc(map->nrecs * sizeof *e->rec_dt);
	e->rec_dur = mlv_malloc(map->nrecs * sizeof *e->rec_dur);
	e->point_record = mlv_malloc(e->n * sizeof *e->point_record);
	for (size_t k = 0; k < map->nrecs; k++) {
		e->rec_id[k] = mlv_strdup(mlv_record_id(&map->recs[k]));
		e->rec_first[k] = map->first[k];
		for (size_t i = 0; i < map->recs[k].rows; i++)
			e->point_record[map->first[k] + i] = (uint32_t)k;
	}
	e->rec_first[map->nrecs] = e->n;
	e->id_parts = mlv_id_parts(map->recs, map->nrecs);
	set_times(e, map);
	set_labels(e, map);

	e->columns = mlv_calloc(map->d, sizeof *e->columns);
	for (size_t c = 2; c < map->d; c++) {
		char *cname = colname_or(&map->recs[0], c, "c");
		if (!e->clusters && !strcmp(cname, "cluster")) {
			if (take_clusters(&e->clusters, map, c, NULL, e->n, err,
			                  errlen)) {
				free(cname);
				return -1;
			}
			e->clusters_name = cname;
			continue;
		}
		mlv_explore_column *col = &e->columns[e->ncolumns++];
		col->name = cname;
		col->values = mlv_malloc(e->n * sizeof *col->values);
		for (size_t i = 0; i < e->n; i++)
			col->values[i] = map->x[i * map->d + c];
	}
	return 0;
}

static void
free_strings(char **s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

static void
clear_neighbours(mlv_explore *e)
{
	free(e->nn_index);
	free(e->nn_dist);
	free(e->nn_measure);
	e->nn_index = NULL;
	e->nn_dist = NULL;
	e->nn_measure = NULL;
	e->k = 0;
}

void
mlv_explore_free(mlv_explore *e)
{
	for (size_t m = 0; m < e->nmaps; m++) {
		free(e->maps[m].name);
		free(e->maps[m].axes[0]);
		free(e->maps[m].axes[1]);
		free(e->maps[m].xy);
	}
	free(e->title);
	free_strings(e->rec_id, e->nrecs);
	free_strings(e->rec_src, e->nrecs);
	free(e->rec_first);
	free(e->rec_t0);
	free(e->rec_dt);
	free(e->rec_dur);
	free(e->point_record);
	for (size_t l = 0; l < e->nlabels; l++) {
		free(e->labels[l].key);
		free_strings(e->labels[l].values, e->labels[l].nvalues);
		free(e->labels[l].codes);
	}
	free(e->labels);
	free(e->clusters_name);
	free(e->clusters);
	for (size_t c = 0; c < e->ncolumns; c++) {
		free(e->columns[c].name);
		free(e->columns[c].values);
	}
	free(e->columns);
	free_strings(e->latent_names, e->dims);
	free(e->latent);
	clear_neighbours(e);
	free_strings(e->urls, e->nrecs);
	free(e->clips);
	free(e->clip_offset);
	memset(e, 0, sizeof *e);
}

/* ---- matching other streams to the points ------------------------------ */

int
mlv_explore_match(const mlv_points *base, const mlv_points *other,
                  const char *name, size_t *at, char *err, size_t errlen)
{
	int same_order = base->nrecs == other->nrecs;
	for (size_t k = 0; same_order && k < base->nrecs; k++)
		same_order = base->recs[k].rows == other->recs[k].rows &&
		             !strcmp(mlv_record_id(&base->recs[k]), mlv_record_id(&other->recs[k]));
	if (same_order) {
		for (size_t i = 0; i < base->n; i++)
			at[i] = i;
		return 0;
	}
	mlv_dict t;
	if (ids_of(&t, other, err, errlen))
		return -1;
	unsigned char *used = mlv_calloc(other->nrecs ? other->nrecs : 1, 1);
	int status = 0;
	for (size_t k = 0; k < base->nrecs && !status; k++) {
		const mlv_record *r = &base->recs[k];
		long long j = mlv_dict_find(&t, mlv_record_id(r));
		if (j < 0)
			status = mlv_errf(err, errlen, "%s: no record with id=%s, "
			                  "which %s has (streams are matched by record "
			                  "id and row)", name, mlv_record_id(r), base->where[k]);
		else if (used[j])
			status = mlv_errf(err, errlen, "%s: a second record with this "
			                  "id (records are matched by id, so ids must "
			                  "be unique)", base->where[k]);
		else if (other->recs[j].rows != r->rows)
			status = mlv_errf(err, errlen, "%s: %zu rows, but %s has %zu",
			                  other->where[j], other->recs[j].rows,
			                  base->where[k], r->rows);
		else {
			used[j] = 1;
			for (size_t i = 0; i < r->rows; i++)
				at[base->first[k] + i] = other->first[j] + i;
		}
	}
	for (size_t j = 0; j < other->nrecs && !status; j++)
		if (!used[j])
			status = mlv_errf(err, errlen, "%s: no record with this id in "
			                  "the map (streams are matched by record id "
			                  "and row)", other->where[j]);
	free(used);
	mlv_dict_free(&t);
	return status;
}

/* at[] for other, or NULL with a message. */
static size_t *
match_or_null(const mlv_explore *e, const mlv_points *base,
              const mlv_points *other, const char *name, char *err,
              size_t errlen)
{
	size_t *at = mlv_malloc((e->n ? e->n : 1) * sizeof *at);
	if (mlv_explore_match(base, other, name, at, err, errlen)) {
		free(at);
		return NULL;
	}
	return at;
}

int
mlv_explore_add_map(mlv_explore *e, const mlv_points *base,
                    const mlv_points *map, const char *name, char *err,
                    size_t errlen)
{
	if (e->nmaps == MLV_EXPLORE_MAXMAPS)
		return mlv_errf(err, errlen, "%s: more than %d maps", name,
		                MLV_EXPLORE_MAXMAPS);
	size_t *at = match_or_null(e, base, map, name, err, errlen);
	if (!at)
		return -1;
	int status = take_map(&e->maps[e->nmaps], map, at, name, err, errlen);
	if (!status)
		e->nmaps++;
	free(at);
	return status;
}

int
mlv_explore_set_latent(mlv_explore *e, const mlv_points *base,
                       const mlv_points *latent, const char *name, char *err,
                       size_t errlen)
{
	if (!latent->d)
		return mlv_errf(err, errlen, "%s: no columns", name);
	size_t *at = match_or_null(e, base, latent, name, err, errlen);
	if (!at)
		return -1;
	e->dims = latent->d;
	e->latent = mlv_malloc(mlv_mul_size(e->n, e->dims * sizeof(float),
	                                    "latent rows"));
	for (size_t i = 0; i < e->n; i++)
		memcpy(e->latent + i * e->dims, latent->x + at[i] * e->dims,
		       e->dims * sizeof(float));
	e->latent_names = mlv_malloc(e->dims * sizeof *e->latent_names);
	for (size_t c = 0; c < e->dims; c++)
		e->latent_names[c] = colname_or(&latent->recs[0], c, "z");
	free(at);
	return 0;
}

int
mlv_explore_set_clusters(mlv_explore *e, const mlv_points *base,
                         const mlv_points *clusters, const char *name,
                         char *err, size_t errlen)
{
	size_t c = 0;
	if (clusters->d != 1) {
		for (c = 0; c < clusters->d; c++) {
			char *cname = colname(&clusters->recs[0], c);
			int hit = cname && !strcmp(cname, "cluster");
			free(cname);
			if (hit)
				break;
		}
		if (c == clusters->d)
			return mlv_errf(err, errlen, "%s: %zu columns, none named "
			                "cluster (--clusters takes one integer column "
			                "per row)", name, clusters->d);
	}
	size_t *at = match_or_null(e, base, clusters, name, err, errlen);
	if (!at)
		return -1;
	int32_t *ids = NULL;
	int status = take_clusters(&ids, clusters, c, at, e->n, err, errlen);
	if (!status) {
		free(e->clusters);
		free(e->clusters_name);
		e->clusters = ids;
		e->clusters_name = colname(&clusters->recs[0], c);
		if (!e->clusters_name)
			e->clusters_name = mlv_strdup("cluster");
	}
	free(at);
	return status;
}

/* ---- neighbours ------------------------------------------------------- */

int
mlv_explore_knn(mlv_explore *e, size_t k, mlv_knn_search search,
                uint64_t seed, int nthreads, char *err, size_t errlen)
{
	if (!e->dims)
		return mlv_errf(err, errlen, "--neighbours needs --latent (neighbours "
		                "are found among the latent rows)");
	if (k >= e->n)
		return mlv_errf(err, errlen, "--neighbours %zu: there are only %zu other "
		                "points", k, e->n ? e->n - 1 : 0);
	if (!k)
		return 0;
	uint32_t *idx = mlv_malloc(mlv_mul_size(e->n, k * sizeof *idx, "--neighbours"));
	float *dist = mlv_malloc(mlv_mul_size(e->n, k * sizeof *dist, "--neighbours"));
	int ann = search == MLV_KNN_ANN ||
	          (search == MLV_KNN_AUTO && !mlv_knn_exact_pays(e->n, k));
	if (ann ? mlv_check_finite(e->latent, e->n, e->dims, "--neighbours",
	                           err, errlen) ||
	          mlv_ann_knn(e->latent, e->n, e->dims, k, seed, idx, dist,
	                      nthreads) :
	          mlv_sim_topk(MLV_SIM_EUCLIDEAN, e->latent, e->n, e->dims, NULL,
	                       0, 0, k, idx, dist, nthreads, err, errlen)) {
		free(idx);
		free(dist);
		return -1;
	}
	clear_neighbours(e);
	e->k = k;
	e->nn_index = idx;
	e->nn_dist = dist;
	e->nn_measure = mlv_strdup(mlv_sim_name(MLV_SIM_EUCLIDEAN));
	return 0;
}

/* Undo mlv_text_write_field's TSV escapes (\t \n \\) in place. */
static void
tsv_unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '\\' && (s[1] == 't' || s[1] == 'n' || s[1] == '\\')) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : '\\';
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Split line at tabs into f[want]; 0 when it has exactly that many. */
static int
split_tabs(char *line, char **f, int want)
{
	int n = 0;
	for (char *p = line;; p++) {
		if (n < want)
			f[n] = p;
		n++;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p = '\0';
	}
	return n == want ? 0 : -1;
}

/* The row of record r at time t as mlv_points_time gives it (printed with
 * 6 significant digits by mlv-simmat, so within 5e-6 |t|). */
static int
row_at_time(const mlv_record *r, double t, size_t *row, int *ambiguous)
{
	double t0 = 0, dt = 1;
	if (mlv_meta_get_double(r, "dt", &dt))
		dt = 1;
	else
		mlv_meta_get_double(r, "t0", &t0);
	double tol = 5e-6 * fabs(t) + 1e-9;
	double x = dt != 0 ? (t - t0) / dt : 0;
	if (!(x > -1 && x < (double)r->rows))
		return -1;
	long long i = llround(x);
	if (i < 0 || (size_t)i >= r->rows ||
	    !(fabs(t0 + (double)i * dt - t) <= tol))
		return -1;
	*ambiguous = (i > 0 && fabs(t0 + (double)(i - 1) * dt - t) <= tol) ||
	             ((size_t)i + 1 < r->rows &&
	              fabs(t0 + (double)(i + 1) * dt - t) <= tol);
	*row = (size_t)i;
	return 0;
}

typedef struct {
	const mlv_points *base;
	mlv_dict ids;
	const char *path;
	size_t line;
} nn_reader;

/* The point at (id field, time field); -1 with a message. */
static int
nn_point(nn_reader *nr, char *id, const char *time, size_t *point, char *err,
         size_t errlen)
{
	tsv_unescape(id);
	char *end;
	errno = 0;
	double t = strtod(time, &end);
	if (end == time || *end || errno)
		return mlv_errf(err, errlen, "%s: line %zu: time '%s' is not a "
		                "number", nr->path, nr->line, time);
	long long k = mlv_dict_find(&nr->ids, id);
	if (k < 0)
		return mlv_errf(err, errlen, "%s: line %zu: no record id=%s in the "
		                "map", nr->path, nr->line, id);
	size_t row;
	int ambiguous;
	if (row_at_time(&nr->base->recs[k], t, &row, &ambiguous))
		return mlv_errf(err, errlen, "%s: line %zu: %s has no row at time "
		                "%s", nr->path, nr->line, nr->base->where[k], time);
	if (ambiguous)
		return mlv_errf(err, errlen, "%s: line %zu: time %s of id=%s fits "
		                "several rows (times have 6 digits; use --neighbours "
		                "with --latent instead)", nr->path, nr->line, time, id);
	*point = nr->base->first[k] + row;
	return 0;
}

/* Keep k of a query's found points, less the query itself (or else its
 * last); -1 for a count unlike the first query's. */
static int
nn_keep(mlv_explore *e, nn_reader *nr, size_t q, const size_t *found,
        const float *val, size_t count, unsigned char *seen, char *err,
        size_t errlen)
{
	if (!e->nn_index) {
		if (count < 2)
			return mlv_errf(err, errlen, "%s: one row per query (make it "
			                "with mlv-simmat -n K+1: the first is the "
			                "point itself)", nr->path);
		e->k = count - 1;
		e->nn_index = mlv_malloc(mlv_mul_size(e->n, e->k * sizeof(uint32_t),
		                                      "neighbours"));
		e->nn_dist = mlv_malloc(mlv_mul_size(e->n, e->k * sizeof(float),
		                                     "neighbours"));
	}
	if (count != e->k + 1)
		return mlv_errf(err, errlen, "%s: line %zu: %zu neighbours, the "
		                "first query has %zu", nr->path, nr->line - 1, count,
		                e->k + 1);
	if (seen[q])
		return mlv_errf(err, errlen, "%s: line %zu: a second list of "
		                "neighbours for this query", nr->path, nr->line - 1);
	seen[q] = 1;
	size_t self = count - 1;
	for (size_t r = 0; r < count; r++)
		if (found[r] == q) {
			self = r;
			break;
		}
	for (size_t r = 0, o = 0; r < count; r++)
		if (r != self) {
			e->nn_index[q * e->k + o] = (uint32_t)found[r];
			e->nn_dist[q * e->k + o++] = val[r];
		}
	return 0;
}

int
mlv_explore_read_neighbours(mlv_explore *e, const mlv_points *base,
                            const char *path, char *err, size_t errlen)
{
	static const char *const head[] = {"query_id", "query_t", "rank", "id",
	                                   "t"};
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(errno));
	nn_reader nr = {.base = base, .path = path};
	if (ids_of(&nr.ids, base, err, errlen)) {
		if (f != stdin)
			fclose(f);
		return -1;
	}
	clear_neighbours(e);
	unsigned char *seen = mlv_calloc(e->n ? e->n : 1, 1);
	size_t cap = 16, count = 0, query = SIZE_MAX;
	size_t *found = mlv_malloc(cap * sizeof *found);
	float *val = mlv_malloc(cap * sizeof *val);
	char *line = NULL, *f6[6];
	size_t line_cap = 0;
	ssize_t len;
	int status = 0;
	while (!status && (len = getline(&line, &line_cap, f)) >= 0) {
		nr.line++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (split_tabs(line, f6, 6)) {
			status = mlv_errf(err, errlen, "%s: line %zu: not 6 "
			                  "tab-separated fields (mlv-simmat -n "
			                  "output)", path, nr.line);
			break;
		}
		if (nr.line == 1) {
			for (int c = 0; c < 5 && !status; c++)
				if (strcmp(f6[c], head[c]))
					status = mlv_errf(err, errlen, "%s: line 1: column %d "
					                  "is '%s', not %s (mlv-simmat -n "
					                  "output)", path, c + 1, f6[c],
					                  head[c]);
			e->nn_measure = mlv_strdup(f6[5]);
			continue;
		}
		size_t q, p;
		char *end;
		unsigned long rank = strtoul(f6[2], &end, 10);
		if (nn_point(&nr, f6[0], f6[1], &q, err, errlen) ||
		    nn_point(&nr, f6[3], f6[4], &p, err, errlen)) {
			status = -1;
			break;
		}
		if (q != query && count) {
			status = nn_keep(e, &nr, query, found, val, count, seen, err,
			                 errlen);
			count = 0;
		}
		query = q;
		if (!status && (*end || rank != count + 1))
			status = mlv_errf(err, errlen, "%s: line %zu: rank %s, "
			                  "expected %zu", path, nr.line, f6[2],
			                  count + 1);
		if (count == cap) {
			cap *= 2;
			found = mlv_realloc(found, cap * sizeof *found);
			val = mlv_realloc(val, cap * sizeof *val);
		}
		found[count] = p;
		val[count++] = strtof(f6[5], NULL);
	}
	if (!status && ferror(f))
		status = mlv_errf(err, errlen, "%s: read error (%s)", path,
		                  strerror(errno));
	nr.line++;
	if (!status && count)
		status = nn_keep(e, &nr, query, found, val, count, seen, err, errlen);
	for (size_t i = 0; !status && i < e->n; i++)
		if (!seen[i]) {
			size_t k = mlv_points_record_of(base, i);
			status = mlv_errf(err, errlen, "%s: no neighbours of %s row %zu "
			                  "(every point must be a query)", path,
			                  base->where[k], i - base->first[k] + 1);
		}
	free(line);
	free(found);
	free(val);
	free(seen);
	mlv_dict_free(&nr.ids);
	if (f != stdin)
		fclose(f);
	return status;
}

/* ---- colouring ----------------------------------------------------------- */

int
mlv_explore_check_color(const mlv_explore *e, const char *key, char *err,
                        size_t errlen)
{
	if (e->clusters && !strcmp(key, "cluster"))
		return 0;
	for (size_t l = 0; l < e->nlabels; l++)
		if (!strcmp(key, e->labels[l].key))
			return 0;
	size_t len = 1;
	for (size_t l = 0; l < e->nlabels; l++)
		len += strlen(e->labels[l].key) + 2;
	char *keys = mlv_malloc(len + 16);
	keys[0] = '\0';
	for (size_t l = 0; l < e->nlabels; l++) {
		strcat(keys, l ? ", " : "");
		strcat(keys, e->labels[l].key);
	}
	if (e->clusters)
		strcat(keys, e->nlabels ? ", cluster" : "cluster");
	mlv_errf(err, errlen, "--color %s: no such key (%s%s)", key,
	         keys[0] ? "the points have " : "the points have no labels or "
	         "clusters", keys);
	free(keys);
	return -1;
}

/* ---- audio files and URLs -------------------------------------------- */

static int
is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir as an absolute path, symbolic links resolved when it exists. */
static char *
absolute_dir(const char *dir)
{
	char *real = realpath(dir ? dir : ".", NULL);
	if (real)
		return real;
	char *cwd = getcwd(NULL, 0);
	char *abs = mlv_absolute_path(cwd ? cwd : "/", dir ? dir : ".");
	free(cwd);
	return abs;
}

char *
mlv_explore_audio_file(const mlv_explore *e, size_t rec, const char *root)
{
	const char *src = e->rec_src[rec];
	if (!src)
		return NULL;
	if (!root || src[0] == '/')
		return mlv_strdup(src);
	char *path = mlv_malloc(strlen(root) + strlen(src) + 2);
	sprintf(path, "%s/%s", root, src);
	return path;
}

/* Each record's audio file (src, or an id that is a file under root). */
static void
find_sources(mlv_explore *e, const mlv_points *base, const char *rootdir)
{
	for (size_t k = 0; k < e->nrecs; k++) {
		free(e->rec_src[k]);
		e->rec_src[k] = NULL;
		const char *src = mlv_meta_get(&base->recs[k], "src");
		if (src && *src) {
			e->rec_src[k] = mlv_strdup(src);
			continue;
		}
		if (!e->rec_id[k][0])
			continue;
		char *file = mlv_absolute_path(rootdir, e->rec_id[k]);
		if (is_file(file))
			e->rec_src[k] = mlv_strdup(e->rec_id[k]);
		free(file);
	}
}

int
mlv_explore_audio_urls(mlv_explore *e, const mlv_points *base,
                       const char *page_dir, const char *root,
                       const char *base_url, char *err, size_t errlen)
{
	char *rootdir = absolute_dir(root);
	char *pagedir = absolute_dir(page_dir);
	find_sources(e, base, rootdir);
	e->audio = MLV_EXPLORE_AUDIO_NONE;
	free_strings(e->urls, e->nrecs);
	e->urls = mlv_calloc(e->nrecs ? e->nrecs : 1, sizeof *e->urls);
	int status = 0;
	for (size_t k = 0; k < e->nrecs && !status; k++) {
		if (!e->rec_src[k])
			continue;
		char *file = mlv_absolute_path(rootdir, e->rec_src[k]);
		char *rel = mlv_relative_path(base_url ? rootdir : pagedir, file);
		if (base_url && !strncmp(rel, "..", 2)) {
			status = mlv_errf(err, errlen, "%s: record %zu (id=%s): %s lies "
			                  "outside the audio root %s, so it has no URL "
			                  "under --audio-base", e->maps[0].name, k + 1,
			                  e->rec_id[k], e->rec_src[k], rootdir);
		} else {
			char *enc = mlv_url_encode_path(rel);
			if (base_url) {
				size_t bl = strlen(base_url);
				int slash = bl && base_url[bl - 1] == '/';
				e->urls[k] = mlv_malloc(bl + strlen(enc) + 2);
				sprintf(e->urls[k], "%s%s%s", base_url, slash ? "" : "/",
				        enc);
				free(enc);
			} else {
				e->urls[k] = enc;
			}
			e->audio = MLV_EXPLORE_AUDIO_URL;
		}
		free(rel);
		free(file);
	}
	free(rootdir);
	free(pagedir);
	return status;
}

/* ---- embedded clips ------------------------------------------------- */

typedef struct {
	const mlv_explore *e;
	const char *root;
	uint64_t max_bytes;
	unsigned char **clip;
	size_t *len;
	pthread_mutex_t lock;
	uint64_t total;
	size_t failed;   /* the lowest point that failed; n: none */
	int over;        /* the clips passed max_bytes */
	char *err;
	size_t errlen;
} clip_job;

static void
encode_clip(void *ctx, size_t i, int thread)
{
	(void)thread;
	clip_job *j = ctx;
	pthread_mutex_lock(&j->lock);
	int skip = j->over || i > j->failed;
	pthread_mutex_unlock(&j->lock);
	if (skip)
		return;
	const mlv_explore *e = j->e;
	char err[1024];
	char *path = mlv_explore_audio_file(e, e->point_record[i], j->root);
	mlv_audio_opts o = {.target_sr = MLV_OPUS_SR};
	double start, end;
	mlv_explore_point_times(e, i, &start, &end);
	/* a point without times plays its whole record */
	if (isfinite(start) && isfinite(end)) {
		o.start = start > 0 ? start : 0;
		o.end = end > o.start ? end : 0;
	}
	mlv_audio a;
	int status = mlv_audio_load(&a, path, &o, err, sizeof err);
	if (!status && mlv_audio_encode_opus(a.x, a.n, a.sr, &j->clip[i],
	                                     &j->len[i], err, sizeof err)) {
		char what[1024];
		memcpy(what, err, sizeof what);
		status = mlv_errf(err, sizeof err, "%s: %s", path, what);
	}
	mlv_audio_free(&a);
	free(path);
	pthread_mutex_lock(&j->lock);
	if (status && i < j->failed) {
		j->failed = i;
		snprintf(j->err, j->errlen, "%s", err);
	}
	if (!status && (j->total += j->len[i]) > j->max_bytes)
		j->over = 1;
	pthread_mutex_unlock(&j->lock);
}

int
mlv_explore_embed_audio(mlv_explore *e, const mlv_points *base,
                        const char *root, uint64_t max_bytes, int nthreads,
                        char *err, size_t errlen)
{
	char *rootdir = absolute_dir(root);
	find_sources(e, base, rootdir);
	free(rootdir);
	for (size_t k = 0; k < e->nrecs; k++)
		if (!e->rec_src[k] && base->recs[k].rows)
			return mlv_errf(err, errlen, "%s: no audio file (no src, and "
			                "the id is no file under %s)", base->where[k],
			                root ? root : ".");
	if (max_bytes > UINT32_MAX)
		max_bytes = UINT32_MAX;
	clip_job j = {.e = e, .root = root, .max_bytes = max_bytes,
	              .failed = e->n, .err = err, .errlen = errlen};
	j.clip = mlv_calloc(e->n ? e->n : 1, sizeof *j.clip);
	j.len = mlv_calloc(e->n ? e->n : 1, sizeof *j.len);
	pthread_mutex_init(&j.lock, NULL);
	mlv_parallel_items(e->n, nthreads, encode_clip, &j);
	pthread_mutex_destroy(&j.lock);
	int status = 0;
	if (j.failed < e->n)
		status = -1;
	else if (j.over)
		status = mlv_errf(err, errlen, "--embed-audio: the clips of %zu "
		                  "points take more than --max-audio %llu bytes "
		                  "(raise it, or link the files with "
		                  "--audio-root)", e->n,
		                  (unsigned long long)max_bytes);
	if (!status) {
		free(e->clips);
		free(e->clip_offset);
		e->clips = mlv_malloc(j.total ? j.total : 1);
		e->clip_offset = mlv_malloc((e->n + 1) * sizeof *e->clip_offset);
		size_t off = 0;
		for (size_t i = 0; i < e->n; i++) {
			e->clip_offset[i] = (uint32_t)off;
			memcpy(e->clips + off, j.clip[i], j.len[i]);
			off += j.len[i];
		}
		e->clip_offset[e->n] = (uint32_t)off;
		e->audio = MLV_EXPLORE_AUDIO_EMBEDDED;
	}
	for (size_t i = 0; i < e->n; i++)
		free(j.clip[i]);
	free(j.clip);
	free(j.len);
	return status;
}

/* ---- writing the page ---------------------------------------------------- */

typedef struct {
	char name[32];
	const char *type; /* f32, u32, i32, u16, u8 */
	const void *data; /* native byte order */
	void *owned;      /* data when the page made it, freed once written */
	size_t n, size;   /* elements, bytes each */
} blob;

typedef struct {
	mlv_writer *w;
	blob *blobs;
	size_t nblobs, cap;
	int failed;
} page;

static void
put(page *pg, const char *s)
{
	if (!pg->failed && mlv_write_bytes(pg->w, s, strlen(s)))
		pg->failed = 1;
}

static void
put_fmt(page *pg, const char *fmt, ...) MLV_PRINTF(2, 3);

static void
put_fmt(page *pg, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	put(pg, buf);
}

static void
put_str(page *pg, const char *s)
{
	if (!s) {
		put(pg, "null");
		return;
	}
	char *q = mlv_json_quote(s);
	put(pg, q);
	free(q);
}

static void
put_strings(page *pg, char *const *s, size_t n)
{
	put(pg, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(pg, ",");
		put_str(pg, s[i]);
	}
	put(pg, "]");
}

/* Exact numbers, null for NaN. */
static void
put_numbers(page *pg, const double *x, size_t n)
{
	char num[32];
	put(pg, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(pg, ",");
		mlv_json_number(num, x[i]);
		put(pg, num);
	}
	put(pg, "]");
}

/* A reference to a blob, to be written after the JSON. */
static void
put_blob(page *pg, const char *name, const char *type, const void *data,
         size_t n, size_t size)
{
	if (pg->nblobs == pg->cap) {
		pg->cap = pg->cap ? 2 * pg->cap : 16;
		pg->blobs = mlv_realloc(pg->blobs, pg->cap * sizeof *pg->blobs);
	}
	blob *b = &pg->blobs[pg->nblobs++];
	snprintf(b->name, sizeof b->name, "%s", name);
	b->type = type;
	b->data = data;
	b->owned = NULL;
	b->n = n;
	b->size = size;
	put_fmt(pg, "{\"blob\":\"%s\",\"type\":\"%s\",\"length\":%zu}", b->name,
	        type, n);
}

/* Codes below limit, or MLV_EXPLORE_MISSING, in the narrowest of u8, u16
 * and u32 that holds them, MISSING becoming its type's largest value. */
static void
put_codes(page *pg, const char *name, const uint32_t *codes, size_t n,
          size_t limit)
{
	if (limit >= 0xFFFF) {
		put_blob(pg, name, "u32", codes, n, 4);
		return;
	}
	int wide = limit >= 0xFF;
	unsigned char *narrow = mlv_malloc(mlv_mul_size(n ? n : 1, wide ? 2 : 1,
	                                                "codes"));
	for (size_t i = 0; i < n; i++) {
		uint32_t v = codes[i] == MLV_EXPLORE_MISSING ?
		             (wide ? 0xFFFF : 0xFF) : codes[i];
		if (wide) {
			uint16_t h = (uint16_t)v;
			memcpy(narrow + 2 * i, &h, 2);
		} else {
			narrow[i] = (unsigned char)v;
		}
	}
	put_blob(pg, name, wide ? "u16" : "u8", narrow, n, wide ? 2 : 1);
	pg->blobs[pg->nblobs - 1].owned = narrow;
}

/* Its values little-endian, base64, in pieces a multiple of 3 bytes and
 * of the value size. */
static void
write_blob(page *pg, const blob *b)
{
	enum { CHUNK = 3 * 4096 };
	unsigned char bytes[CHUNK];
	char text[CHUNK / 3 * 4 + 1];
	put_fmt(pg, "<script type=\"application/octet-stream\" "
	        "id=\"mlv-blob-%s\">", b->name);
	const unsigned char *p = b->data;
	size_t total = b->n * b->size;
	for (size_t off = 0; off < total; off += CHUNK) {
		size_t len = total - off < CHUNK ? total - off : CHUNK;
		for (size_t i = 0; i < len; i += b->size) {
			uint32_t v = p[off + i];
			if (b->size == 4) {
				memcpy(&v, p + off + i, 4);
			} else if (b->size == 2) {
				uint16_t h;
				memcpy(&h, p + off + i, 2);
				v = h;
			}
			for (size_t k = 0; k < b->size; k++)
				bytes[i + k] = (unsigned char)(v >> 8 * k);
		}
		mlv_base64(text, bytes, len);
		put(pg, text);
	}
	put(pg, "</script>\n");
}

static void
put_meta(page *pg, const mlv_explore *e)
{
	char name[32];
	put(pg, "{\"version\":2,\"title\":");
	put_str(pg, e->title);
	put_fmt(pg, ",\"n\":%zu,\"maps\":[", e->n);
	for (size_t m = 0; m < e->nmaps; m++) {
		put(pg, m ? ",{\"name\":" : "{\"name\":");
		put_str(pg, e->maps[m].name);
		put(pg, ",\"axes\":");
		put_strings(pg, e->maps[m].axes, 2);
		put(pg, ",\"xy\":");
		snprintf(name, sizeof name, "xy%zu", m);
		put_blob(pg, name, "f32", e->maps[m].xy, 2 * e->n, 4);
		put(pg, "}");
	}
	put(pg, "],\"records\":{\"id\":");
	put_strings(pg, e->rec_id, e->nrecs);
	put(pg, ",\"name\":[");
	for (size_t k = 0; k < e->nrecs; k++) {
		if (k)
			put(pg, ",");
		put_str(pg, mlv_id_tail(e->rec_id[k], e->id_parts));
	}
	put(pg, "],\"src\":");
	put_strings(pg, e->rec_src, e->nrecs);
	put(pg, ",\"rows\":[");
	for (size_t k = 0; k < e->nrecs; k++)
		put_fmt(pg, k ? ",%zu" : "%zu", e->rec_first[k + 1] - e->rec_first[k]);
	put(pg, "],\"t0\":");
	put_numbers(pg, e->rec_t0, e->nrecs);
	put(pg, ",\"dt\":");
	put_numbers(pg, e->rec_dt, e->nrecs);
	put(pg, ",\"dur\":");
	put_numbers(pg, e->rec_dur, e->nrecs);
	put(pg, "},\"labels\":[");
	for (size_t l = 0; l < e->nlabels; l++) {
		put(pg, l ? ",{\"key\":" : "{\"key\":");
		put_str(pg, e->labels[l].key);
		put(pg, ",\"values\":");
		put_strings(pg, e->labels[l].values, e->labels[l].nvalues);
		put(pg, ",\"codes\":");
		snprintf(name, sizeof name, "label%zu", l);
		put_codes(pg, name, e->labels[l].codes, e->nrecs,
		          e->labels[l].nvalues);
		put(pg, "}");
	}
	put(pg, "],\"clusters\":");
	if (e->clusters) {
		put(pg, "{\"name\":");
		put_str(pg, e->clusters_name);
		put(pg, ",\"codes\":");
		put_blob(pg, "clusters", "i32", e->clusters, e->n, 4);
		put(pg, "}");
	} else {
		put(pg, "null");
	}
	put(pg, ",\"columns\":[");
	for (size_t c = 0; c < e->ncolumns; c++) {
		put(pg, c ? ",{\"name\":" : "{\"name\":");
		put_str(pg, e->columns[c].name);
		put(pg, ",\"values\":");
		snprintf(name, sizeof name, "column%zu", c);
		put_blob(pg, name, "f32", e->columns[c].values, e->n, 4);
		put(pg, "}");
	}
	put(pg, "],\"latent\":");
	if (e->dims) {
		put_fmt(pg, "{\"dims\":%zu,\"names\":", e->dims);
		put_strings(pg, e->latent_names, e->dims);
		put(pg, ",\"values\":");
		put_blob(pg, "latent", "f32", e->latent, e->n * e->dims, 4);
		put(pg, "}");
	} else {
		put(pg, "null");
	}
	put(pg, ",\"neighbours\":");
	if (e->k) {
		put_fmt(pg, "{\"k\":%zu,\"measure\":", e->k);
		put_str(pg, e->nn_measure);
		put(pg, ",\"index\":");
		put_codes(pg, "nn_index", e->nn_index, e->n * e->k, e->n);
		put(pg, ",\"dist\":");
		put_blob(pg, "nn_dist", "f32", e->nn_dist, e->n * e->k, 4);
		put(pg, "}");
	} else {
		put(pg, "null");
	}
	static const char *const modes[] = {"none", "url", "embedded"};
	put_fmt(pg, ",\"audio\":{\"mode\":\"%s\",\"url\":", modes[e->audio]);
	if (e->audio == MLV_EXPLORE_AUDIO_URL)
		put_strings(pg, e->urls, e->nrecs);
	else
		put(pg, "null");
	put(pg, ",\"clips\":");
	if (e->audio == MLV_EXPLORE_AUDIO_EMBEDDED) {
		put(pg, "{\"data\":");
		put_blob(pg, "clips", "u8", e->clips, e->clip_offset[e->n], 1);
		put(pg, ",\"offset\":");
		put_blob(pg, "clip_offset", "u32", e->clip_offset, e->n + 1, 4);
		put(pg, ",\"mime\":\"audio/ogg\"}");
	} else {
		put(pg, "null");
	}
	put(pg, "},\"initial\":{\"color\":");
	put_str(pg, e->color);
	put(pg, "}}");
}

int
mlv_explore_write(mlv_writer *w, const mlv_explore *e, const char *html,
                  const char *css, const char *js)
{
	static const char *const marker[3] = {
		"<!--MLV-STYLE-->", "<!--MLV-DATA-->", "<!--MLV-SCRIPT-->"};
	const char *at[3];
	for (int m = 0; m < 3; m++) {
		at[m] = strstr(html, marker[m]);
		if (!at[m] || strstr(at[m] + 1, marker[m]) ||
		    (m && at[m] < at[m - 1])) {
			errno = EINVAL;
			return -1;
		}
	}
	page pg = {.w = w};
	const char *p = html;
	for (int m = 0; m < 3 && !pg.failed; m++) {
		if (mlv_write_bytes(w, p, (size_t)(at[m] - p)))
			pg.failed = 1;
		p = at[m] + strlen(marker[m]);
		if (m == 0) {
			put(&pg, "<style>");
			put(&pg, css);
			put(&pg, "</style>");
		} else if (m == 1) {
			put(&pg, "<script type=\"application/json\" id=\"mlv-meta\">");
			put_meta(&pg, e);
			put(&pg, "</script>\n");
			for (size_t b = 0; b < pg.nblobs; b++)
				write_blob(&pg, &pg.blobs[b]);
		} else {
			put(&pg, "<script>");
			put(&pg, js);
			put(&pg, "</script>");
		}
	}
	put(&pg, p);
	for (size_t b = 0; b < pg.nblobs; b++)
		free(pg.blobs[b].owned);
	free(pg.blobs);
	return pg.failed ? -1 : 0;
}
