/* mlv-cluster - k-means, hierarchical clustering and DBSCAN of rows. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "labels.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

enum method { KMEANS, HCLUST, DBSCAN };

static void
usage(void)
{
	printf("usage: mlv-cluster [-m METHOD] [-k K | --height H] [--eps E] "
	       "[--min-samples M]\n"
	       "                  [--seed S] [--n-init N] [--max-iter N] "
	       "[--tol T] [--tree FILE]\n"
	       "                  [--truth KEY] [--silhouette] [-j N] [-o FILE] "
	       "[FILE...]\n"
	       "Cluster all rows of all records; write the records back with "
	       "one column, the\ncluster id (noise -1), kind=cluster.\n\n"
	       "  -m, --method M         ward (default), complete, average, "
	       "single, kmeans,\n"
	       "                         dbscan\n"
	       "  -k, --clusters K       clusters (k-means; or cut the tree at "
	       "K)\n"
	       "      --height H         cut the tree at merge height H "
	       "instead\n"
	       "      --tree FILE        also write the merge tree ((N-1) x 4: "
	       "a, b, height,\n"
	       "                         size, as scipy's linkage) for a "
	       "dendrogram\n"
	       "      --max-memory SIZE  refuse a tree needing more working "
	       "memory (8G)\n"
	       "      --n-init N         k-means restarts, best inertia kept "
	       "(1)\n"
	       "      --max-iter N       k-means iterations per restart (300)\n"
	       "      --tol T            k-means tolerance, relative to the "
	       "data's variance (1e-4)\n"
	       "      --seed S           k-means seed (0)\n"
	       "      --eps E            DBSCAN neighbourhood radius\n"
	       "      --min-samples M    DBSCAN core points' neighbours, itself "
	       "included (5)\n"
	       "      --truth KEY        score against a label (label.NAME): "
	       "ARI, NMI, purity\n"
	       "      --silhouette       report the silhouette score\n"
	       "  -j, --jobs N           threads (default: all cores)\n"
	       "  -o, --output FILE      write FILE (atomically) instead of "
	       "stdout\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n");
	exit(0);
}

/* What the options ask for. */
typedef struct {
	enum method method;
	mlv_linkage linkage;
	mlv_kmeans_opts km;     /* km.k: -k for every method (0: not given) */
	double height, eps;     /* -1, 0: not given */
	size_t min_samples, max_bytes;
	const char *output, *tree, *truth_key;
	int silhouette, nthreads;
} settings;

static void
parse_options(int argc, char **argv, settings *s)
{
	enum { OPT_HEIGHT = 256, OPT_TREE, OPT_MAXMEM, OPT_NINIT, OPT_MAXITER,
	       OPT_TOL, OPT_SEED, OPT_EPS, OPT_MINS, OPT_TRUTH, OPT_SIL,
	       OPT_VERSION };
	static const struct option longopts[] = {
		{"method", required_argument, NULL, 'm'},
		{"clusters", required_argument, NULL, 'k'},
		{"height", required_argument, NULL, OPT_HEIGHT},
		{"tree", required_argument, NULL, OPT_TREE},
		{"max-memory", required_argument, NULL, OPT_MAXMEM},
		{"n-init", required_argument, NULL, OPT_NINIT},
		{"max-iter", required_argument, NULL, OPT_MAXITER},
		{"tol", required_argument, NULL, OPT_TOL},
		{"seed", required_argument, NULL, OPT_SEED},
		{"eps", required_argument, NULL, OPT_EPS},
		{"min-samples", required_argument, NULL, OPT_MINS},
		{"truth", required_argument, NULL, OPT_TRUTH},
		{"silhouette", no_argument, NULL, OPT_SIL},
		{"jobs", required_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
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
	while ((c = getopt_long(argc, argv, "m:k:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "kmeans"))
				s->method = KMEANS;
			else if (!strcmp(optarg, "dbscan"))
				s->method = DBSCAN;
			else if (!mlv_linkage_parse(optarg, &s->linkage))
				s->method = HCLUST;
			else
				mlv_usage_error("--method %s: unknown (ward, complete, "
				                "average, single, kmeans or dbscan)", optarg);
			break;
		case 'k':
			s->km.k = (size_t)mlv_parse_int(optarg, 1, 1LL << 32,
			                                "--clusters");
			break;
		case OPT_HEIGHT:
			s->height = mlv_parse_double(optarg, 0, 1e300, "--height");
			break;
		case OPT_TREE: s->tree = optarg; break;
		case OPT_MAXMEM:
			s->max_bytes = (size_t)mlv_parse_size(optarg, "--max-memory");
			max_memory_given = 1;
			break;
		case OPT_NINIT:
			s->km.n_init = (int)mlv_parse_int(optarg, 1, 1000, "--n-init");
			kmeans_opts = 1;
			break;
		case OPT_MAXITER:
			s->km.max_iter = (int)mlv_parse_int(optarg, 1, 1 << 30,
			                                    "--max-iter");
			kmeans_opts = 1;
			break;
		case OPT_TOL:
			s->km.tol = mlv_parse_double(optarg, 0, 1, "--tol");
			kmeans_opts = 1;
			break;
		case OPT_SEED:
			s->km.seed = (uint64_t)mlv_parse_int(optarg, 0, INT64_MAX,
			                                     "--seed");
			kmeans_opts = 1;
			break;
		case OPT_EPS:
			s->eps = mlv_parse_double(optarg, 0, 1e300, "--eps");
			if (s->eps <= 0)
				mlv_usage_error("--eps %s: must be above 0", optarg);
			break;
		case OPT_MINS:
			s->min_samples = (size_t)mlv_parse_int(optarg, 1, 1LL << 32,
			                                       "--min-samples");
			min_samples_given = 1;
			break;
		case OPT_TRUTH:
			if (!mlv_key_valid(optarg))
				mlv_usage_error("--truth %s: not a metadata key", optarg);
			s->truth_key = optarg;
			break;
		case OPT_SIL: s->silhouette = 1; break;
		case 'j':
			s->nthreads = mlv_parse_jobs(optarg);
			break;
		case 'o': s->output = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); exit(0);
		default: mlv_try_help();
		}
	}
	enum method m = s->method;
	if (m == KMEANS && !s->km.k)
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

int
main(int argc, char **argv)
{
	settings s;
	mlv_init(argv);
	parse_options(argc, argv, &s);

	mlv_outputs_check_or_die(2, s.output, s.tree);
	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	if (p.n < 2)
		mlv_die("%s: %zu rows; clustering needs at least 2", input, p.n);
	if (s.km.k > p.n)
		mlv_die("%s: -k %zu is more than the %zu rows", input, s.km.k, p.n);
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
	size_t nclusters = s.method == KMEANS ?
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
	mlv_points_free(&p);
	return 0;
}
