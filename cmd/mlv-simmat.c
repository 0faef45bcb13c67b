/* mlv-simmat - similarity matrices, retrieval and novelty of rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "convert.h"
#include "opts.h"
#include "points.h"
#include "pool.h"
#include "simmat.h"
#include "stream.h"
#include "util.h"

enum mode { WITHIN, ALL, BETWEEN };

static mlv_sim_kind measure = MLV_SIM_COSINE;
static int nthreads;

enum { OPT_ALL = MLV_OPT_OWN, OPT_MEASURE, OPT_BETWEEN, OPT_NOVELTY, OPT_SIGMA,
       OPT_THRESH, OPT_GAP, OPT_QUERY };

static const mlv_about about = {
	"mlv-simmat [--measure M] [--all | --between FILE] [-j N] [-q] "
	"[-o FILE] [FILE...]\n"
	"       mlv-simmat [--measure M] --novelty L [--sigma S] "
	"[--threshold REL]\n"
	"                  [--min-gap N] [-q] [-o FILE] [FILE...]\n"
	"       mlv-simmat [--measure M] --query FILE -n K [-q] [-o "
	"FILE] [FILE...]",
	"Similarities between rows: each record's self-similarity "
	"(default), one\n"
	"matrix over all rows, or between two streams; Foote's novelty "
	"curve and\n"
	"section boundaries; or the K rows of the collection most like "
	"each query row.",
	NULL,
};

static const mlv_opt simmat_options[] = {
	{"measure", 0, "M", "cosine (default), dot, euclidean (a distance),\n"
	 "correlation", OPT_MEASURE, NULL},
	{NULL, 'm', NULL, NULL, 0, "measure"},
	{"all", 0, NULL, "one matrix over all rows of all records",
	 OPT_ALL, NULL},
	{"between", 0, "FILE", "rows of the input against rows of FILE",
	 OPT_BETWEEN, NULL},
	{"novelty", 0, "L", "per record: novelty with a checkerboard kernel of L\n"
	 "rows each side, and its peaks as boundaries", OPT_NOVELTY, NULL},
	{"sigma", 0, "S", "the kernel's Gaussian taper in rows (L/2)",
	 OPT_SIGMA, NULL},
	{"threshold", 0, "REL", "peaks above this fraction of the curve's "
	 "range (0.1)", OPT_THRESH, NULL},
	{"min-gap", 0, "N", "rows between boundaries, at least (L)",
	 OPT_GAP, NULL},
	{"query", 0, "FILE", "rows to look up in the collection (the input)",
	 OPT_QUERY, NULL},
	{0},
};

typedef struct {
	mlv_writer *w;
} band_ctx;

static int
write_band(void *ctx, size_t row0, size_t nrows, const float *rows, size_t nb)
{
	(void)row0;
	band_ctx *c = ctx;
	return mlv_write_floats(c->w, rows, nrows * nb) ? 1 : 0;
}

/* One na x nb matrix record: header from meta, then the bands. */
static void
write_matrix(mlv_writer *w, mlv_record *meta, const float *a, size_t na,
             const float *b, size_t nb, size_t d)
{
	char err[512];
	meta->rows = na;
	meta->cols = b ? nb : na;
	mlv_meta_set(meta, "kind", "simmat");
	mlv_meta_set(meta, "measure", mlv_sim_name(measure));
	mlv_meta_unset(meta, "colnames");
	mlv_meta_unset(meta, "steps");
	if (mlv_write_header(w, meta))
		mlv_writer_die(w);
	band_ctx c = {w};
	/* Empty matrices have a header and nothing to compute (b == NULL
	 * would mean a self-similarity, so an empty b is skipped here). */
	int rc = 0;
	if (na && (!b || nb))
		rc = mlv_simmat_stream(measure, a, na, d, b, nb, d, nthreads,
		                       write_band, &c, err, sizeof err);
	if (rc > 0)
		mlv_writer_die(w);
	if (rc < 0)
		mlv_die("%s: %s", mlv_meta_get(meta, "id") ?
		        mlv_meta_get(meta, "id") : "input", err);
}

static void
novelty(mlv_writer *w, const mlv_points *p, size_t half, double sigma,
        double rel, size_t gap)
{
	char err[512];
	mlv_record out;
	mlv_record_init(&out);
	for (size_t k = 0; k < p->nrecs; k++) {
		size_t n = p->recs[k].rows;
		const float *x = p->x + p->first[k] * p->d;
		float *s = mlv_malloc(mlv_mul_size(mlv_mul_size(n, n, "matrix"),
		                                   sizeof(float), "matrix"));
		mlv_record_resize(&out, n, 1);
		if (n && (mlv_simmat(measure, x, n, p->d, NULL, 0, 0, s, nthreads,
		                     err, sizeof err) ||
		          mlv_novelty(s, n, half, sigma, out.data, err, sizeof err)))
			mlv_die("%s: %s", p->where[k], err);
		free(s);
		uint32_t *peaks = mlv_malloc((n / 2 + 1) * sizeof *peaks);
		size_t npeaks = 0;
		if (n && mlv_pick_peaks(out.data, n, rel, gap, peaks, &npeaks, err,
		                        sizeof err))
			mlv_die("%s: %s", p->where[k], err);
		/* Boundaries as rows and as times, for plots and for scoring
		 * against annotations. */
		char *rows = mlv_malloc(npeaks * 24 + 1), *times =
		        mlv_malloc(npeaks * 32 + 1);
		rows[0] = times[0] = '\0';
		for (size_t i = 0, ro = 0, to = 0; i < npeaks; i++) {
			ro += (size_t)sprintf(rows + ro, "%s%u", i ? "," : "", peaks[i]);
			to += (size_t)sprintf(times + to, "%s%.6g", i ? "," : "",
			                      mlv_points_time(p, p->first[k] + peaks[i]));
		}
		mlv_meta_clear(&out);
		mlv_meta_merge(&out, &p->recs[k], 1);
		mlv_meta_set(&out, "kind", "novelty");
		mlv_meta_unset(&out, "steps");
		mlv_meta_set(&out, "colnames", "novelty");
		mlv_meta_set(&out, "measure", mlv_sim_name(measure));
		mlv_meta_setf(&out, "kernel", "%zu", half);
		mlv_meta_set(&out, "boundary_rows", rows);
		mlv_meta_set(&out, "boundaries", times);
		mlv_write_or_die(w, &out);
		free(rows);
		free(times);
		free(peaks);
	}
	mlv_record_free(&out);
}

/* One TSV line per query row and rank: the seed of a playlist. */
static void
knn(mlv_writer *w, const mlv_points *coll, const char *query_path, size_t k)
{
	mlv_points q;
	char err[512];
	char *qpath = (char *)query_path;
	mlv_points_read(&q, &qpath, 1);
	if (q.n && q.d != coll->d)
		mlv_die("%s: queries have %zu columns, the collection %zu",
		        query_path, q.d, coll->d);
	if (k > coll->n)
		mlv_die("--neighbours %zu: the collection has only %zu rows", k, coll->n);
	uint32_t *idx = mlv_malloc(mlv_mul_size(q.n ? q.n : 1, k,
	                                        "--neighbours") * sizeof *idx);
	float *val = mlv_malloc(mlv_mul_size(q.n ? q.n : 1, k, "--neighbours") *
	                        sizeof *val);
	if (q.n && mlv_sim_topk(measure, q.x, q.n, q.d, coll->x, coll->n,
	                        coll->d, k, idx, val, nthreads, err, sizeof err))
		mlv_die("%s: %s", query_path, err);
	mlv_writer_printf_or_die(w, "query_id\tquery_t\trank\tid\tt\t%s\n",
	                         mlv_sim_name(measure));
	for (size_t i = 0; i < q.n; i++) {
		const char *qid = mlv_meta_get(&q.recs[mlv_points_record_of(&q, i)],
		                               "id");
		for (size_t r = 0; r < k; r++) {
			size_t j = idx[i * k + r];
			const char *id = mlv_meta_get(
			        &coll->recs[mlv_points_record_of(coll, j)], "id");
			if (mlv_text_write_field(w, qid ? qid : "", '\t'))
				mlv_writer_die(w);
			mlv_writer_printf_or_die(w, "\t%.6g\t%zu\t",
			                         mlv_points_time(&q, i), r + 1);
			if (mlv_text_write_field(w, id ? id : "", '\t'))
				mlv_writer_die(w);
			mlv_writer_printf_or_die(w, "\t%.6g\t%.9g\n",
			                         mlv_points_time(coll, j), val[i * k + r]);
		}
	}
	free(idx);
	free(val);
	mlv_points_free(&q);
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {simmat_options,
	                                         mlv_opts_neighbours,
	                                         mlv_opts_jobs,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	enum mode mode = WITHIN;
	const char *output = "-", *between = NULL, *query = NULL;
	size_t half = 0, gap = 0, k = 0;
	double sigma = 0, rel = 0.1;
	int gap_given = 0, peak_opts = 0;
	int c;
	mlv_init(argv);
	mlv_blas_check_room();
	nthreads = mlv_default_threads();
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case OPT_MEASURE:
			if (mlv_sim_parse(cli.arg, &measure))
				mlv_usage_error("--measure %s: unknown (cosine, dot, "
				                "euclidean or correlation)", cli.arg);
			break;
		case OPT_ALL: mode = ALL; break;
		case OPT_BETWEEN: mode = BETWEEN; between = cli.arg; break;
		case OPT_NOVELTY:
			half = (size_t)mlv_parse_int(cli.arg, 1, 1 << 20, "--novelty");
			break;
		case OPT_SIGMA:
			sigma = mlv_parse_double(cli.arg, 1e-3, 1e6, "--sigma");
			peak_opts = 1;
			break;
		case OPT_THRESH:
			rel = mlv_parse_double(cli.arg, 0, 1, "--threshold");
			peak_opts = 1;
			break;
		case OPT_GAP:
			gap = (size_t)mlv_parse_int(cli.arg, 0, 1 << 30, "--min-gap");
			gap_given = peak_opts = 1;
			break;
		case OPT_QUERY: query = cli.arg; break;
		case 'n':
			k = (size_t)mlv_parse_int(cli.arg, 1, 1 << 20, "--neighbours");
			break;
		case 'j':
			nthreads = mlv_parse_jobs(cli.arg);
			break;
		case 'o': output = cli.arg; break;
		}
	}
	if (!query != !k)
		mlv_usage_error("--query and --neighbours go together");
	if ((half || query) && mode != WITHIN)
		mlv_usage_error("--all and --between make matrices; not with "
		                "--novelty or --query");
	if (half && query)
		mlv_usage_error("--novelty and --query exclude each other");
	if (peak_opts && !half)
		mlv_usage_error("--sigma, --threshold and --min-gap go with "
		                "--novelty");
	if (half && measure == MLV_SIM_EUCLIDEAN)
		mlv_usage_error("--novelty needs a similarity (larger = more "
		                "alike), not the euclidean distance");
	if (!gap_given)
		gap = half;

	mlv_writer *w = query ? mlv_writer_open_text_or_die(output) :
	                mlv_writer_open_or_die(output);
	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	if (query) {
		knn(w, &p, query, k);
	} else if (half) {
		novelty(w, &p, half, sigma, rel, gap);
	} else if (mode == WITHIN) {
		for (size_t r = 0; r < p.nrecs; r++)
			write_matrix(w, &p.recs[r], p.x + p.first[r] * p.d,
			             p.recs[r].rows, NULL, 0, p.d);
	} else {
		mlv_points b;
		memset(&b, 0, sizeof b);
		mlv_record meta;
		mlv_record_init(&meta);
		if (mode == BETWEEN) {
			char *bp = (char *)between;
			mlv_points_read(&b, &bp, 1);
			if (b.n && p.n && b.d != p.d)
				mlv_die("%s: %zu columns, the input %zu", between, b.d, p.d);
		}
		mlv_meta_set(&meta, "id", mode == ALL ? "all" : "between");
		mlv_meta_setf(&meta, "records", "%zu", p.nrecs);
		/* A non-NULL b marks the cross case even when b is empty. */
		static const float none[1];
		const float *bx = mode == BETWEEN ? (b.x ? b.x : none) : NULL;
		write_matrix(w, &meta, p.x, p.n, bx, b.n, p.d);
		if (mode == BETWEEN)
			mlv_points_free(&b);
		mlv_record_free(&meta);
	}
	mlv_writer_close_or_die(w);
	mlv_points_free(&p);
	return 0;
}
