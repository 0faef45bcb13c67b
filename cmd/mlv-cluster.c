/* mlv-cluster - k-means, hierarchical clustering and DBSCAN of rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "cluster.h"
#include "labels.h"
#include "moments.h"
#include "opts.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

enum method { KMEANS, HCLUST, DBSCAN };

enum { OPT_HEIGHT = MLV_OPT_OWN, OPT_TREE, OPT_MAXMEM, OPT_NINIT,
       OPT_MAXITER, OPT_TOL, OPT_EPS, OPT_MINS, OPT_SIL , OPT_CENTROIDS, OPT_MOMENTS };

static const mlv_about about = {
	"mlv-cluster [-m METHOD] [-k K | --height H] [--eps E] "
	"[--min-samples M]\n"
	"                  [--seed S] [--n-init N] [--max-iter N] "
	"[--tol T] [--tree FILE]\n"
	"                  [--truth KEY] [--silhouette] [-j N] [-q] "
	"[-o FILE] [FILE...]",
	"Cluster all rows of all records; write the records back with "
	"one column, the\n"
	"cluster id (noise -1), kind=cluster.",
	NULL,
};

static const mlv_opt cluster_options[] = {
	{"method", 'm', "M", "ward (default), complete, average, single, kmeans,\n"
	 "dbscan", 'm', NULL},
	{"clusters", 'k', "K", "clusters (k-means; or cut the tree at K)",
	 'k', NULL},
	{"height", 0, "H", "cut the tree at merge height H instead",
	 OPT_HEIGHT, NULL},
	{"tree", 0, "FILE", "also write the merge tree ((N-1) x 4: a, b, height,\n"
	 "size, as scipy's linkage) for a dendrogram", OPT_TREE, NULL},
	{"max-memory", 0, "SIZE", "refuse a tree needing more working memory "
	 "(8G)", OPT_MAXMEM, NULL},
	{"n-init", 0, "N", "k-means restarts, best inertia kept (1)",
	 OPT_NINIT, NULL},
	{"max-iter", 0, "N", "k-means iterations per restart (300); 0 with\n"
	 "--centroids: assign the rows to them only",
	 OPT_MAXITER, NULL},
	{"tol", 0, "T", "k-means tolerance, relative to the data's variance (1e-4)",
	 OPT_TOL, NULL},
	{"eps", 0, "E", "DBSCAN neighbourhood radius", OPT_EPS, NULL},
	{"min-samples", 0, "M", "DBSCAN core points' neighbours, itself "
	 "included (5)", OPT_MINS, NULL},
	{"silhouette", 0, NULL, "report the silhouette score", OPT_SIL, NULL},
	{"centroids", 0, "FILE", "k-means: start from the means of FILE's "
	 "moments\nrecords, one per cluster (k their number)", OPT_CENTROIDS,
	 NULL},
	{"moments", 0, NULL, "k-means: write each cluster's moments instead of\n"
	 "the labels; with --centroids, of one assignment to\nthem: a shard's "
	 "step of k-means over shards", OPT_MOMENTS, NULL},
	{0},
};

/* What the options ask for. */
typedef struct {
	enum method method;
	mlv_linkage linkage;
	mlv_kmeans_opts km;     /* km.k: -k for every method (0: not given) */
	double height, eps;     /* -1, 0: not given */
	size_t min_samples, max_bytes;
	const char *output, *tree, *truth_key, *centroids;
	int silhouette, nthreads, moments;
} settings;

static void
parse_options(int argc, char **argv, settings *s)
{
	static const mlv_opt *const options[] = {cluster_options, mlv_opts_truth,
	                                         mlv_opts_seed, mlv_opts_jobs,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	memset(s, 0, sizeof *s);
	s->method = HCLUST;
	s->linkage = MLV_LINK_WARD;
	mlv_kmeans_defaults(&s->km);
	s->km.k = 0;
	s->output = "-";
	s->height = -1;
	s->min_samples = 5;
	s->max_bytes = (size_t)8 << 30;
	s->nthreads = mlv_default_threads();
	int kmeans_opts = 0, min_samples_given = 0, max_memory_given = 0, c;
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(cli.arg, "kmeans"))
				s->method = KMEANS;
			else if (!strcmp(cli.arg, "dbscan"))
				s->method = DBSCAN;
			else if (!mlv_linkage_parse(cli.arg, &s->linkage))
				s->method = HCLUST;
			else
				mlv_usage_error("--method %s: unknown (ward, complete, "
				                "average, single, kmeans or dbscan)", cli.arg);
			break;
		case 'k':
			s->km.k = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 32,
			                                "--clusters");
			break;
		case OPT_HEIGHT:
			s->height = mlv_parse_double(cli.arg, 0, 1e300, "--height");
			break;
		case OPT_TREE: s->tree = cli.arg; break;
		case OPT_MAXMEM:
			s->max_bytes = (size_t)mlv_parse_size(cli.arg, "--max-memory");
			max_memory_given = 1;
			break;
		case OPT_NINIT:
			s->km.n_init = (int)mlv_parse_int(cli.arg, 1, 1000, "--n-init");
			kmeans_opts = 1;
			break;
		case OPT_MAXITER:
			s->km.max_iter = (int)mlv_parse_int(cli.arg, 0, 1 << 30,
			                                    "--max-iter");
			kmeans_opts = 1;
			break;
		case OPT_TOL:
			s->km.tol = mlv_parse_double(cli.arg, 0, 1, "--tol");
			kmeans_opts = 1;
			break;
		case MLV_OPT_SEED:
			s->km.seed = (uint64_t)mlv_parse_int(cli.arg, 0, INT64_MAX,
			                                     "--seed");
			kmeans_opts = 1;
			break;
		case OPT_EPS:
			s->eps = mlv_parse_double(cli.arg, 0, 1e300, "--eps");
			if (s->eps <= 0)
				mlv_usage_error("--eps %s: must be above 0", cli.arg);
			break;
		case OPT_MINS:
			s->min_samples = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 32,
			                                       "--min-samples");
			min_samples_given = 1;
			break;
		case MLV_OPT_TRUTH:
			if (!mlv_key_valid(cli.arg))
				mlv_usage_error("--truth %s: not a metadata key", cli.arg);
			s->truth_key = cli.arg;
			break;
		case OPT_SIL: s->silhouette = 1; break;
		case OPT_CENTROIDS: s->centroids = cli.arg; break;
		case OPT_MOMENTS: s->moments = 1; break;
		case 'j':
			s->nthreads = mlv_parse_jobs(cli.arg);
			break;
		case 'o': s->output = cli.arg; break;
		}
	}
	enum method m = s->method;
	if (m != KMEANS && (s->centroids || s->moments))
		mlv_usage_error("--centroids and --moments go with -m kmeans");
	if (s->centroids && (s->km.k || s->km.n_init != 1))
		mlv_usage_error("--centroids gives k and the start (no -k or "
		                "--n-init)");
	if (s->km.max_iter == 0 && !s->centroids)
		mlv_usage_error("--max-iter 0 (assign only) needs --centroids");
	if (s->moments && (s->truth_key || s->silhouette))
		mlv_usage_error("--moments writes no labels to score");
	if (m == KMEANS && !s->km.k && !s->centroids)
		mlv_usage_error("k-means needs -k");
	if (m == HCLUST && !s->km.k == (s->height < 0))
		mlv_usage_error("cut the tree with -k or --height (one of them)");
	if (m == DBSCAN && (s->eps <= 0 || s->km.k || s->height >= 0))
		mlv_usage_error("DBSCAN needs --eps and takes no -k or --height");
	if (m != DBSCAN && (s->eps > 0 || min_samples_given))
		mlv_usage_error("--eps and --min-samples go with -m dbscan");
	if (m == KMEANS && s->height >= 0)
		mlv_usage_error("--height cuts a tree; k-means takes -k");
	if (m != KMEANS && kmeans_opts)
		mlv_usage_error("--n-init, --max-iter, --tol and --seed go with "
		                "-m kmeans");
	if (m != HCLUST && (s->tree || max_memory_given))
		mlv_usage_error("--tree and --max-memory go with a hierarchical "
		                "method");
	s->km.nthreads = s->nthreads;
}

/* Each method: labels[p->n] and the clusters found; its own keys go to
 * info. */
static size_t
run_kmeans(const settings *s, const mlv_points *p, const char *input,
           int32_t *labels, mlv_record *info)
{
	char err[512];
	double inertia;
	int iterations;
	if (mlv_kmeans(p->x, p->n, p->d, &s->km, labels, NULL, &inertia,
	               &iterations, err, sizeof err))
		mlv_die("%s: %s", input, err);
	mlv_meta_setf(info, "inertia", "%.9g", inertia);
	mlv_meta_setf(info, "iterations", "%d", iterations);
	return s->km.k;
}

static size_t
run_dbscan(const settings *s, const mlv_points *p, const char *input,
           int32_t *labels, mlv_record *info)
{
	char err[512];
	size_t nclusters, noise = 0;
	if (mlv_dbscan(p->x, p->n, p->d, s->eps, s->min_samples, s->nthreads,
	               labels, NULL, &nclusters, err, sizeof err))
		mlv_die("%s: %s", input, err);
	for (size_t i = 0; i < p->n; i++)
		noise += labels[i] < 0;
	mlv_meta_setf(info, "noise", "%zu", noise);
	return nclusters;
}

/* The merge tree as one record, (n-1) x 4, for mlv-plot's dendrogram. */
static void
write_tree(mlv_writer *w, const double *z, size_t n, mlv_linkage linkage)
{
	mlv_record t;
	mlv_record_init(&t);
	mlv_record_resize(&t, n - 1, 4);
	for (size_t i = 0; i < 4 * (n - 1); i++)
		t.data[i] = (float)z[i];
	mlv_meta_set(&t, "id", "tree");
	mlv_meta_set(&t, "kind", "tree");
	mlv_meta_set(&t, "method", mlv_linkage_name(linkage));
	mlv_meta_set(&t, "colnames", "a,b,height,size");
	mlv_meta_setf(&t, "points", "%zu", n);
	mlv_write_or_die(w, &t);
	mlv_record_free(&t);
}

static size_t
run_hclust(const settings *s, const mlv_points *p, const char *input,
           int32_t *labels, mlv_writer *tree)
{
	char err[512];
	size_t nclusters = 0;
	double *z = mlv_malloc(mlv_mul_size(p->n - 1, 4 * sizeof(double),
	                                    "merge tree"));
	if (mlv_hclust(p->x, p->n, p->d, s->linkage, s->max_bytes, s->nthreads,
	               z, err, sizeof err))
		mlv_die("%s: %s", input, err);
	if (s->km.k ? mlv_hclust_cut_k(z, p->n, s->km.k, labels, &nclusters,
	                               err, sizeof err) :
	              mlv_hclust_cut_height(z, p->n, s->height, labels,
	                                    &nclusters, err, sizeof err))
		mlv_die("%s: %s", input, err);
	if (tree)
		write_tree(tree, z, p->n, s->linkage);
	free(z);
	return nclusters;
}

/* On stderr: the partition against the classes truth[] (nclasses), and
 * the silhouette when asked. */
static void
report_scores(const settings *s, const mlv_points *p, const int32_t *labels,
              const int32_t *truth, size_t nclasses)
{
	if (truth) {
		mlv_partition_scores ps;
		mlv_partition_compare(truth, labels, p->n, &ps);
		mlv_warn("against %s (%zu classes): ARI %.4f, NMI %.4f, purity %.4f",
		         s->truth_key, nclasses, ps.ari, ps.nmi, ps.purity);
	}
	if (s->silhouette) {
		char err[512];
		double score;
		/* Undefined for one cluster (DBSCAN may find just one): the
		 * clusters are still worth writing. */
		if (mlv_silhouette(p->x, p->n, p->d, labels, s->nthreads, &score,
		                   err, sizeof err))
			mlv_warn("silhouette: not defined here (%s)", err);
		else
			mlv_warn("silhouette %.4f", score);
	}
}

/* The centres of --centroids: the means of its moments records, merged
 * by id as mlv-stats --merge leaves them; k and d from the file. */
static double *
load_centroids(const char *path, size_t *k, size_t *d)
{
	mlv_reader *rd = mlv_reader_open_or_die(path);
	mlv_record r;
	mlv_record_init(&r);
	double *c = NULL;
	char err[256];
	*k = 0;
	while (mlv_read_or_die(rd, &r)) {
		mlv_moments m;
		if (mlv_moments_from_record(&m, &r, err, sizeof err))
			mlv_die("%s: %s", mlv_reader_where(rd, &r), err);
		if (*k && m.d != *d)
			mlv_die("%s: moments of %zu columns, expected %zu",
			        mlv_reader_where(rd, &r), m.d, *d);
		/* A cluster left without rows has no mean to go on from. */
		if (m.count == 0)
			mlv_die("%s: an empty cluster (start again with fewer, or "
			        "other centroids)", mlv_reader_where(rd, &r));
		*d = m.d;
		c = mlv_realloc(c, mlv_mul_size(*k + 1, *d, "centroids") *
		                sizeof *c);
		memcpy(c + *k * *d, m.mean, *d * sizeof *c);
		(*k)++;
		mlv_moments_free(&m);
	}
	if (!*k)
		mlv_die("%s: no centroids (expected the moments records of "
		        "mlv-cluster --moments)", path);
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return c;
}

/* The rows assigned to centres (k x d): their labels when labels is
 * given, else (--moments) each cluster's moments written as records
 * cluster/J. */
static void
assign(const settings *s, const mlv_points *p, const char *input,
       const double *centres, size_t k, size_t d, int32_t *labels)
{
	char err[256];
	if (p->n && p->d != d)
		mlv_die("%s: rows of %zu values, but the centroids have %zu", input,
		        p->d, d);
	mlv_moments *m = mlv_malloc(k * sizeof *m);
	for (size_t j = 0; j < k; j++)
		mlv_moments_init(&m[j], d, 0);
	if (mlv_kmeans_assign_moments(p->x, p->n, d, centres, k, m, labels,
	                              err, sizeof err))
		mlv_die("%s: %s", input, err);
	if (labels) {
		for (size_t j = 0; j < k; j++)
			mlv_moments_free(&m[j]);
		free(m);
		return;
	}
	mlv_writer *w = mlv_writer_open_or_die(s->output);
	mlv_record r;
	mlv_record_init(&r);
	for (size_t j = 0; j < k; j++) {
		mlv_meta_clear(&r);
		if (mlv_moments_to_record(&m[j], &r, err, sizeof err))
			mlv_die("%s: %s", input, err);
		mlv_meta_setf(&r, "id", "cluster/%zu", j);
		mlv_meta_setf(&r, "cluster", "%zu", j);
		mlv_write_or_die(w, &r);
		mlv_moments_free(&m[j]);
	}
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
	free(m);
}

int
main(int argc, char **argv)
{
	settings s;
	mlv_init(argv);
	mlv_blas_check_room();
	parse_options(argc, argv, &s);

	mlv_outputs_check_or_die(2, s.output, s.tree);
	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	size_t k0 = 0, d0 = 0;
	double *start = s.centroids ? load_centroids(s.centroids, &k0, &d0) :
	                NULL;
	if (start && s.moments) {
		/* A shard's step: any number of rows, none too. */
		assign(&s, &p, input, start, k0, d0, NULL);
		free(start);
		mlv_points_free(&p);
		return 0;
	}
	float *init = NULL;
	if (start) {
		if (p.n && p.d != d0)
			mlv_die("%s: rows of %zu values, but the centroids have %zu",
			        input, p.d, d0);
		init = mlv_malloc(k0 * d0 * sizeof *init);
		for (size_t i = 0; i < k0 * d0; i++)
			init[i] = (float)start[i];
		s.km.k = k0;
		s.km.init = init;
	}
	/* Assigning rows to given centroids takes any number of them. */
	if (p.n < 2 && s.km.max_iter)
		mlv_die("%s: %zu rows; clustering needs at least 2", input, p.n);
	if (s.km.k > p.n && s.km.max_iter)
		mlv_die("%s: -k %zu is more than the %zu rows", input, s.km.k, p.n);
	if (s.moments) {
		/* The clusters' moments at k-means' final centroids. */
		char err[512];
		size_t kd = mlv_mul_size(s.km.k, p.d, "centroids");
		float *cen = mlv_malloc(kd * sizeof *cen);
		double *c = mlv_malloc(kd * sizeof *c);
		if (mlv_kmeans(p.x, p.n, p.d, &s.km, NULL, cen, NULL, NULL, err,
		               sizeof err))
			mlv_die("%s: %s", input, err);
		for (size_t i = 0; i < kd; i++)
			c[i] = cen[i];
		assign(&s, &p, input, c, s.km.k, p.d, NULL);
		free(cen);
		free(c);
		free(init);
		free(start);
		mlv_points_free(&p);
		return 0;
	}
	/* The label is checked before the clustering, not after. */
	int32_t *truth = NULL;
	mlv_classes classes = {NULL, 0};
	if (s.truth_key) {
		char err[512];
		truth = mlv_malloc(p.n * sizeof *truth);
		if (mlv_classes_of_key(&classes, &p, s.truth_key, truth, err,
		                       sizeof err))
			mlv_die("%s to score against (--truth)", err);
	}
	int32_t *labels = mlv_malloc(p.n * sizeof *labels);
	mlv_record info;
	mlv_record_init(&info);
	mlv_writer *tw = s.tree ? mlv_writer_open_or_die(s.tree) : NULL;
	size_t nclusters = s.km.max_iter == 0 ?
	                   (assign(&s, &p, input, start, k0, d0, labels), k0) :
	                   s.method == KMEANS ?
	                   run_kmeans(&s, &p, input, labels, &info) :
	                   s.method == DBSCAN ?
	                   run_dbscan(&s, &p, input, labels, &info) :
	                   run_hclust(&s, &p, input, labels, tw);
	const char *mname = s.method == KMEANS ? "kmeans" : s.method == DBSCAN ?
	                    "dbscan" : mlv_linkage_name(s.linkage);
	mlv_meta_setf(&info, "clusters", "%zu", nclusters);
	report_scores(&s, &p, labels, truth, classes.n);

	float *y = mlv_malloc(p.n * sizeof *y);
	for (size_t i = 0; i < p.n; i++)
		y[i] = (float)labels[i];
	for (size_t r = 0; r < p.nrecs; r++) {
		mlv_meta_set(&p.recs[r], "method", mname);
		mlv_meta_merge(&p.recs[r], &info, 1);
	}
	mlv_writer *w = mlv_writer_open_or_die(s.output);
	mlv_points_write(&p, w, y, 1, "cluster", "cluster", 0);
	mlv_writer_close_or_die(w);
	if (tw)
		mlv_writer_close_or_die(tw);
	mlv_record_free(&info);
	mlv_classes_free(&classes);
	free(truth);
	free(y);
	free(labels);
	free(init);
	free(start);
	mlv_points_free(&p);
	return 0;
}
