/* labels.c - see labels.h */
#include "labels.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
mlv_classes_collect(mlv_classes *c, const mlv_points *p, const char *key,
                    char *err, size_t errlen)
{
	c->names = NULL;
	c->n = 0;
	if (!p->nrecs)
		return 0;
	const char **v = mlv_malloc(p->nrecs * sizeof *v);
	size_t nv = 0;
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *val = mlv_meta_get(&p->recs[r], key);
		if (!val) {
			free(v);
			return mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		}
		/* A class is a class of rows: an empty record adds none. */
		if (p->recs[r].rows)
			v[nv++] = val;
	}
	qsort(v, nv, sizeof *v, cmp_str);
	c->names = mlv_malloc((nv ? nv : 1) * sizeof *c->names);
	for (size_t r = 0; r < nv; r++)
		if (r == 0 || strcmp(v[r], v[r - 1]))
			c->names[c->n++] = mlv_strdup(v[r]);
	free(v);
	return 0;
}

int32_t
mlv_classes_find(const mlv_classes *c, const char *name)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int s = strcmp(c->names[mid], name);
		if (!s)
			return (int32_t)mid;
		if (s < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
mlv_classes_of_rows(const mlv_classes *c, const mlv_points *p,
                    const char *key, int32_t *out, char *err, size_t errlen)
{
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *v = mlv_meta_get(&p->recs[r], key);
		if (!v)
			return mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		int32_t k = mlv_classes_find(c, v);
		for (size_t i = 0; i < p->recs[r].rows; i++)
			out[p->first[r] + i] = k;
	}
	return 0;
}

void
mlv_classes_free(mlv_classes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->n = 0;
}

int
mlv_classes_of_key(mlv_classes *c, const mlv_points *p, const char *key,
                   int32_t *out, char *err, size_t errlen)
{
	return mlv_classes_collect(c, p, key, err, errlen) ||
	       mlv_classes_of_rows(c, p, key, out, err, errlen) ? -1 : 0;
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

int
mlv_values_of_rows(const mlv_points *p, const char *key, double *out,
                   char *err, size_t errlen)
{
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *v = mlv_meta_get(&p->recs[r], key);
		if (!v)
			return mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		char *end;
		errno = 0;
		double x = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(x))
			return mlv_errf(err, errlen, "%s: %s=%s is not a number",
			                p->where[r], key, v);
		for (size_t i = 0; i < p->recs[r].rows; i++)
			out[p->first[r] + i] = x;
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int
mlv_groups_of_keys(const mlv_points *p, char *const *keys, size_t nkeys,
                   int32_t *out, size_t *ngroups, char *err, size_t errlen)
{
	size_t n = p->n, m = 1;
	int32_t *ids = mlv_malloc((n ? n : 1) * sizeof *ids);
	uint64_t *code = mlv_calloc(n ? n : 1, sizeof *code);
	uint64_t *sorted = mlv_malloc((n ? n : 1) * sizeof *sorted);
	int ret = 0;
	/* Mixed radix, key by key, renumbered densely after each: the
	 * codes stay below n times the classes of one key. */
	for (size_t k = 0; k < nkeys && !ret; k++) {
		mlv_classes c;
		if ((ret = mlv_classes_of_key(&c, p, keys[k], ids, err, errlen)))
			break;
		for (size_t i = 0; i < n; i++)
			code[i] = code[i] * c.n + (uint64_t)ids[i];
		mlv_classes_free(&c);
		memcpy(sorted, code, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, cmp_u64);
		m = 0;
		for (size_t i = 0; i < n; i++)
			if (!i || sorted[i] != sorted[i - 1])
				sorted[m++] = sorted[i];
		for (size_t i = 0; i < n; i++) {
			uint64_t *at = bsearch(&code[i], sorted, m, sizeof *sorted,
			                       cmp_u64);
			code[i] = (uint64_t)(at - sorted);
		}
	}
	for (size_t i = 0; i < n && !ret; i++)
		out[i] = (int32_t)code[i];
	*ngroups = ret ? 0 : m;
	free(ids);
	free(code);
	free(sorted);
	return ret;
}

size_t
mlv_largest_class(const int32_t *ids, size_t n)
{
	int32_t *g = mlv_malloc(n * sizeof *g);
	memcpy(g, ids, n * sizeof *g);
	qsort(g, n, sizeof *g, cmp_i32);
	size_t best = 0;
	for (size_t i = 0, run = 0; i < n; i++) {
		run = i && g[i] == g[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	free(g);
	return best;
}

void
mlv_rows_by_class(const int32_t *ids, size_t n, size_t *nclasses,
                  size_t **start, uint32_t **rows)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		m = (size_t)ids[i] + 1 > m ? (size_t)ids[i] + 1 : m;
	*nclasses = m;
	*start = mlv_calloc(m + 1, sizeof **start);
	*rows = mlv_malloc((n ? n : 1) * sizeof **rows);
	for (size_t i = 0; i < n; i++)
		(*start)[ids[i] + 1]++;
	for (size_t c = 0; c < m; c++)
		(*start)[c + 1] += (*start)[c];
	size_t *fill = mlv_malloc((m ? m : 1) * sizeof *fill);
	memcpy(fill, *start, m * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		(*rows)[fill[ids[i]]++] = (uint32_t)i;
	free(fill);
}

typedef struct {
	char *name; /* NULL: a record without a name, a track of its own */
	size_t rec;
} track_name;

static int
cmp_track_name(const void *a, const void *b)
{
	const track_name *x = a, *y = b;
	if (x->name && y->name) {
		int s = strcmp(x->name, y->name);
		if (s)
			return s;
	} else if (x->name || y->name) {
		return x->name ? 1 : -1;
	}
	return (x->rec > y->rec) - (x->rec < y->rec);
}

int
mlv_tracks_of_rows(const mlv_points *p, const char *key, int32_t *track,
                   size_t *ntracks, char *err, size_t errlen)
{
	track_name *t = mlv_calloc(p->nrecs ? p->nrecs : 1, sizeof *t);
	int ret = 0;
	for (size_t r = 0; r < p->nrecs && !ret; r++) {
		const mlv_record *rec = &p->recs[r];
		const char *v = mlv_meta_get(rec, key ? key : "src");
		t[r].rec = r;
		if (v) {
			t[r].name = mlv_strdup(v);
		} else if (key) {
			ret = mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		} else if ((v = mlv_meta_get(rec, "id"))) {
			t[r].name = mlv_strdup(v);
			t[r].name[strcspn(t[r].name, "#")] = '\0';
		}
	}
	*ntracks = 0;
	if (!ret) {
		qsort(t, p->nrecs, sizeof *t, cmp_track_name);
		for (size_t i = 0; i < p->nrecs; i++) {
			if (i == 0 || !t[i].name || !t[i - 1].name ||
			    strcmp(t[i].name, t[i - 1].name))
				(*ntracks)++;
			const mlv_record *rec = &p->recs[t[i].rec];
			for (size_t j = 0; j < rec->rows; j++)
				track[p->first[t[i].rec] + j] = (int32_t)(*ntracks - 1);
		}
	}
	for (size_t r = 0; r < p->nrecs; r++)
		free(t[r].name);
	free(t);
	return ret;
}

int
mlv_cluster_ids(const mlv_points *p, int32_t *ids, size_t *nclusters,
                char *err, size_t errlen)
{
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *kind = mlv_meta_get(&p->recs[r], "kind");
		if (!kind || strcmp(kind, "cluster"))
			return mlv_errf(err, errlen, "%s: kind=%s, not cluster (cluster "
			                "ids come from mlv-cluster)", p->where[r],
			                kind ? kind : "(none)");
		if (p->recs[r].cols != 1)
			return mlv_errf(err, errlen, "%s: %zu columns; cluster ids are "
			                "one", p->where[r], p->recs[r].cols);
		for (size_t i = 0; i < p->recs[r].rows; i++) {
			float v = p->x[p->first[r] + i];
			if (v != floorf(v) || v < -2147483648.0f || v >= 2147483648.0f)
				return mlv_errf(err, errlen, "%s: row %zu: %g is not a "
				                "cluster id (an integer)", p->where[r], i + 1,
				                (double)v);
			ids[p->first[r] + i] = (int32_t)v;
		}
	}
	int32_t *s = mlv_malloc((p->n ? p->n : 1) * sizeof *s);
	memcpy(s, ids, p->n * sizeof *s);
	qsort(s, p->n, sizeof *s, cmp_i32);
	*nclusters = 0;
	for (size_t i = 0; i < p->n; i++)
		*nclusters += i == 0 || s[i] != s[i - 1];
	free(s);
	return 0;
}
