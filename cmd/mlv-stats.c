/* mlv-stats - per-dimension mean and variance of rows, ranked; or the
 * mergeable moments of rows (moments.h), summed over shards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "moments.h"
#include "norm.h"
#include "opts.h"
#include "points.h"
#include "stats.h"
#include "stream.h"
#include "util.h"

enum { OPT_MOMENTS = MLV_OPT_OWN, OPT_CROSS, OPT_MERGE, OPT_NORM,
       OPT_AXIS };

static const mlv_about about = {
	"mlv-stats [--moments [--cross] | --merge] [--norm KIND [--norm-axis "
	"AXIS]] [-q]\n"
	"                 [-o FILE] [FILE...]",
	"Mean and variance of each column over all rows of all records, the "
	"columns\nranked by variance, largest first: which latent dimensions "
	"vary most within\na selection (MusicLatentVIS's sorted-variance "
	"panel).  One record of a row\nper column: column index, mean, "
	"variance (population).  With --moments or\n--merge, the mergeable "
	"statistics of shards instead.",
	"The dimensions that vary most among one performer's segments:\n"
	"  mlv-cat --where label.performer=Chai seg.mlv | mlv-stats | "
	"mlv-cat -t tsv\n"
	"Statistics of shards, merged, fitting PCA and z-scores once:\n"
	"  mlv-stats --moments --cross shard-1.mlv > 1.mom   (and so on)\n"
	"  cat *.mom | mlv-stats --merge > all.mom\n"
	"  mlv-project --moments all.mom --fit pca.mlv shard-1.mlv\n"
	"  mlv-stats --merge --norm zscore all.mom > zscore.mlv\n",
};

static const mlv_opt stats_options[] = {
	{"moments", 0, NULL, "write the rows' mergeable moments (kind=moments)",
	 OPT_MOMENTS, NULL},
	{"cross", 0, NULL, "with --moments: the cross products too (for PCA)",
	 OPT_CROSS, NULL},
	{"merge", 0, NULL, "sum the moments records of the inputs into one",
	 OPT_MERGE, NULL},
	{"norm", 0, "KIND", "with --moments or --merge: write minmax or "
	 "zscore\nstatistics (kind=stats) as mlv-spec --fit-stats does",
	 OPT_NORM, NULL},
	{"norm-axis", 0, "AXIS", "global (default) or column", OPT_AXIS, NULL},
	{0},
};

/* The ranked variance of the rows of the inputs. */
static void
ranked_variance(char **paths, int npaths, mlv_writer *w)
{
	mlv_points p;
	mlv_points_read(&p, paths, npaths);
	if (!p.n)
		mlv_die("%s: no rows to summarise", npaths ? paths[0] : "<stdin>");
	double *mean = mlv_malloc(p.d * sizeof *mean);
	double *var = mlv_malloc(p.d * sizeof *var);
	uint32_t *order = mlv_malloc(p.d * sizeof *order);
	mlv_column_stats(p.x, p.n, p.d, mean, var);
	mlv_rank_desc(var, p.d, order);

	mlv_record out;
	mlv_record_init(&out);
	mlv_record_resize(&out, p.d, 3);
	for (size_t i = 0; i < p.d; i++) {
		out.data[3 * i] = (float)order[i];
		out.data[3 * i + 1] = (float)mean[order[i]];
		out.data[3 * i + 2] = (float)var[order[i]];
	}
	mlv_meta_set(&out, "id", "variance");
	mlv_meta_set(&out, "kind", "variance");
	mlv_meta_set(&out, "colnames", "column,mean,variance");
	mlv_meta_setf(&out, "rows_summarised", "%zu", p.n);
	mlv_meta_setf(&out, "records", "%zu", p.nrecs);
	mlv_write_or_die(w, &out);
	mlv_record_free(&out);
	free(mean);
	free(var);
	free(order);
	mlv_points_free(&p);
}

/* Statistics of one id: the moments and the metadata all its records
 * with rows share. */
typedef struct {
	char *id;
	mlv_moments m;
	mlv_record meta;
	int have_meta;
} group;

/* The group of id in g[0 .. *n), added when new. */
static group *
group_of(group **g, size_t *n, const char *id, size_t d, int cross)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*g)[i].id, id))
			return &(*g)[i];
	*g = mlv_realloc(*g, (*n + 1) * sizeof **g);
	group *e = &(*g)[(*n)++];
	e->id = mlv_strdup(id);
	mlv_moments_init(&e->m, d, cross);
	mlv_record_init(&e->meta);
	e->have_meta = 0;
	return e;
}

/* The moments of the rows of the inputs (merge 0: one group), or the sums
 * of their moments records, one per id in order of appearance (merge 1:
 * shards' statistics of several sets, such as k-means clusters), read a
 * record at a time.  Inputs without rows give the moments of no rows,
 * which merge with any. */
static group *
gather(char **paths, int npaths, int merge, int cross, size_t *ngroups)
{
	char *stdin_path = "-";
	if (!npaths) {
		paths = &stdin_path;
		npaths = 1;
	}
	group *g = NULL;
	*ngroups = 0;
	mlv_record r;
	mlv_record_init(&r);
	char err[256];
	for (int f = 0; f < npaths; f++) {
		mlv_reader *rd = mlv_reader_open_or_die(paths[f]);
		while (mlv_read_or_die(rd, &r)) {
			mlv_moments part;
			const char *id = mlv_meta_get(&r, "id");
			if (merge && mlv_moments_from_record(&part, &r, err, sizeof err))
				mlv_die("%s: %s", mlv_reader_where(rd, &r), err);
			group *e = group_of(&g, ngroups, merge && id ? id : "moments",
			                    merge ? part.d : r.cols,
			                    merge ? part.cross : cross);
			if (merge ? part.count > 0 : r.rows > 0) {
				if (!e->have_meta++)
					mlv_meta_merge(&e->meta, &r, 1);
				mlv_moments_common_meta(&e->meta, &r);
			}
			if (merge) {
				if (mlv_moments_merge(&e->m, &part, err, sizeof err))
					mlv_die("%s: %s", mlv_reader_where(rd, &r), err);
				mlv_moments_free(&part);
			} else if (r.cols != e->m.d) {
				mlv_die("%s: rows of %zu values, expected %zu",
				        mlv_reader_where(rd, &r), r.cols, e->m.d);
			} else if (mlv_moments_add(&e->m, r.data, r.rows, 0, err,
			                           sizeof err)) {
				mlv_die("%s: %s", mlv_reader_where(rd, &r), err);
			}
		}
		mlv_reader_close(rd);
	}
	if (!*ngroups && merge)
		mlv_die("%s: no moments to merge", paths[0]);
	if (!*ngroups)
		group_of(&g, ngroups, "moments", 0, cross);
	/* Keys that describe the records read, not the statistics. */
	static const char *const drop[] = {"kind", "count", "cross", "width",
	                                   "steps", "rownames"};
	for (size_t k = 0; k < *ngroups; k++) {
		for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
			mlv_meta_unset(&g[k].meta, drop[i]);
		mlv_meta_set(&g[k].meta, "id", g[k].id);
	}
	mlv_record_free(&r);
	return g;
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {stats_options,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	const char *output = "-", *axis = NULL;
	int moments = 0, cross = 0, merge = 0, c;
	mlv_norm_kind norm = MLV_NORM_NONE;
	mlv_opts o;
	mlv_init(argv);
	mlv_blas_check_room();
	mlv_opts_begin(&o, argc, argv, &about, options);
	while ((c = mlv_opts_next(&o)) != -1) {
		switch (c) {
		case OPT_MOMENTS: moments = 1; break;
		case OPT_CROSS: cross = 1; break;
		case OPT_MERGE: merge = 1; break;
		case OPT_NORM:
			if (mlv_norm_parse(o.arg, &norm) || norm == MLV_NORM_NONE)
				mlv_usage_error("--norm %s: minmax or zscore", o.arg);
			break;
		case OPT_AXIS:
			if (strcmp(o.arg, "global") && strcmp(o.arg, "column"))
				mlv_usage_error("--norm-axis %s: global or column", o.arg);
			axis = o.arg;
			break;
		case 'o': output = o.arg; break;
		}
	}
	if (moments && merge)
		mlv_usage_error("--moments and --merge exclude each other");
	if (cross && !moments)
		mlv_usage_error("--cross goes with --moments");
	if (norm != MLV_NORM_NONE && !moments && !merge)
		mlv_usage_error("--norm goes with --moments or --merge");
	if (axis && norm == MLV_NORM_NONE)
		mlv_usage_error("--norm-axis goes with --norm");
	mlv_writer *w = mlv_writer_open_or_die(output);
	if (!moments && !merge) {
		ranked_variance(argv + optind, argc - optind, w);
		mlv_writer_close_or_die(w);
		return 0;
	}
	size_t ngroups;
	group *g = gather(argv + optind, argc - optind, merge, cross, &ngroups);
	char err[256];
	for (size_t k = 0; k < ngroups; k++) {
		mlv_record *out = &g[k].meta;
		if (norm != MLV_NORM_NONE) {
			/* As mlv-spec --fit-stats writes them, with the settings all
			 * inputs share (mlv-spec --stats checks the feature's). */
			mlv_norm s;
			mlv_record kept;
			mlv_record_init(&kept);
			mlv_meta_merge(&kept, out, 1);
			mlv_norm_from_moments(&s, &g[k].m, norm,
			                      axis && !strcmp(axis, "column"));
			mlv_norm_to_record(&s, out);
			mlv_meta_merge(out, &kept, 0);
			mlv_norm_free(&s);
			mlv_record_free(&kept);
		} else if (mlv_moments_to_record(&g[k].m, out, err, sizeof err)) {
			mlv_die("%s: %s", output, err);
		}
		if (strcmp(g[k].id, "moments"))
			mlv_meta_set(out, "id", g[k].id);
		mlv_write_or_die(w, out);
		mlv_record_free(out);
		mlv_moments_free(&g[k].m);
		free(g[k].id);
	}
	free(g);
	mlv_writer_close_or_die(w);
	return 0;
}
