/* mlv-cluster - k-means, hierarchical clustering and DBSCAN of rows. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
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

/* Class numbers for a label's values, in order of first appearance. */
static size_t
truth_classes(const mlv_points *p, const char *key, int32_t *truth)
{
	char **seen = NULL;
	size_t nseen = 0;
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *v = mlv_meta_get(&p->recs[r], key);
		if (!v)
			mlv_die("%s: no %s to score against (--truth)", p->where[r],
			        key);
		size_t c = 0;
		while (c < nseen && strcmp(seen[c], v))
			c++;
		if (c == nseen) {
			seen = mlv_realloc(seen, (nseen + 1) * sizeof *seen);
			seen[nseen++] = mlv_strdup(v);
		}
		for (size_t i = 0; i < p->recs[r].rows; i++)
			truth[p->first[r] + i] = (int32_t)c;
	}
	for (size_t c = 0; c < nseen; c++)
		free(seen[c]);
	free(seen);
	return nseen;
}

int
main(int argc, char **argv)
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
	enum method method = HCLUST;
	mlv_linkage linkage = MLV_LINK_WARD;
	mlv_kmeans_opts km;
	mlv_kmeans_defaults(&km);
	km.k = 0;
	const char *output = "-", *tree = NULL, *truth_key = NULL;
	double height = -1, eps = 0;
	size_t min_samples = 5, max_bytes = (size_t)8 << 30;
	int silhouette = 0, nthreads = mlv_default_threads(), kmeans_opts = 0;
	int min_samples_given = 0, max_memory_given = 0;
	int c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "m:k:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "kmeans"))
				method = KMEANS;
			else if (!strcmp(optarg, "dbscan"))
				method = DBSCAN;
			else if (!mlv_linkage_parse(optarg, &linkage))
				method = HCLUST;
			else
				mlv_usage_error("--method %s: unknown (ward, complete, "
				                "average, single, kmeans or dbscan)", optarg);
			break;
		case 'k':
			km.k = (size_t)mlv_parse_int(optarg, 1, 1LL << 32, "--clusters");
			break;
		case OPT_HEIGHT:
			height = mlv_parse_double(optarg, 0, 1e300, "--height");
			break;
		case OPT_TREE: tree = optarg; break;
		case OPT_MAXMEM:
			max_bytes = (size_t)mlv_parse_size(optarg, "--max-memory");
			max_memory_given = 1;
			break;
		case OPT_NINIT:
			km.n_init = (int)mlv_parse_int(optarg, 1, 1000, "--n-init");
			kmeans_opts = 1;
			break;
		case OPT_MAXITER:
			km.max_iter = (int)mlv_parse_int(optarg, 1, 1 << 30, "--max-iter");
			kmeans_opts = 1;
			break;
		case OPT_TOL:
			km.tol = mlv_parse_double(optarg, 0, 1, "--tol");
			kmeans_opts = 1;
			break;
		case OPT_SEED:
			km.seed = (uint64_t)mlv_parse_int(optarg, 0, INT64_MAX, "--seed");
			kmeans_opts = 1;
			break;
		case OPT_EPS:
			eps = mlv_parse_double(optarg, 0, 1e300, "--eps");
			if (eps <= 0)
				mlv_usage_error("--eps %s: must be above 0", optarg);
			break;
		case OPT_MINS:
			min_samples = (size_t)mlv_parse_int(optarg, 1, 1LL << 32,
			                                    "--min-samples");
			min_samples_given = 1;
			break;
		case OPT_TRUTH:
			if (!mlv_key_valid(optarg))
				mlv_usage_error("--truth %s: not a metadata key", optarg);
			truth_key = optarg;
			break;
		case OPT_SIL: silhouette = 1; break;
		case 'j':
			nthreads = mlv_parse_jobs(optarg);
			break;
		case 'o': output = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
		}
	}
	if (method == KMEANS && !km.k)
		mlv_usage_error("k-means needs -k");
	if (method == HCLUST && !km.k == (height < 0))
		mlv_usage_error("cut the tree with -k or --height (one of them)");
	if (method == DBSCAN && (eps <= 0 || km.k || height >= 0))
		mlv_usage_error("DBSCAN needs --eps and takes no -k or --height");
	if (method != DBSCAN && (eps > 0 || min_samples_given))
		mlv_usage_error("--eps and --min-samples go with -m dbscan");
	if (method == KMEANS && height >= 0)
		mlv_usage_error("--height cuts a tree; k-means takes -k");
	if (method != KMEANS && kmeans_opts)
		mlv_usage_error("--n-init, --max-iter, --tol and --seed go with "
		                "-m kmeans");
	if (method != HCLUST && (tree || max_memory_given))
		mlv_usage_error("--tree and --max-memory go with a hierarchical "
		                "method");
	km.nthreads = nthreads;

	mlv_outputs_check_or_die(2, output, tree);
	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	if (p.n < 2)
		mlv_die("%s: %zu rows; clustering needs at least 2", input, p.n);
	if (km.k > p.n)
		mlv_die("%s: -k %zu is more than the %zu rows", input, km.k, p.n);
	int32_t *labels = mlv_malloc(p.n * sizeof *labels);
	char err[512];
	size_t nclusters = 0;
	mlv_record info;
	mlv_record_init(&info);
	mlv_writer *tw = tree ? mlv_writer_open_or_die(tree) : NULL;
	if (method == KMEANS) {
		double inertia;
		int iterations;
		if (mlv_kmeans(p.x, p.n, p.d, &km, labels, NULL, &inertia,
		               &iterations, err, sizeof err))
			mlv_die("%s: %s", input, err);
		nclusters = km.k;
		mlv_meta_setf(&info, "inertia", "%.9g", inertia);
		mlv_meta_setf(&info, "iterations", "%d", iterations);
	} else if (method == DBSCAN) {
		if (mlv_dbscan(p.x, p.n, p.d, eps, min_samples, nthreads, labels,
		               NULL, &nclusters, err, sizeof err))
			mlv_die("%s: %s", input, err);
		size_t noise = 0;
		for (size_t i = 0; i < p.n; i++)
			noise += labels[i] < 0;
		mlv_meta_setf(&info, "noise", "%zu", noise);
	} else {
		double *z = mlv_malloc(mlv_mul_size(p.n - 1, 4 * sizeof(double),
		                                    "merge tree"));
		if (mlv_hclust(p.x, p.n, p.d, linkage, max_bytes, nthreads, z, err,
		               sizeof err))
			mlv_die("%s: %s", input, err);
		if (km.k ? mlv_hclust_cut_k(z, p.n, km.k, labels, &nclusters, err,
		                            sizeof err) :
		           mlv_hclust_cut_height(z, p.n, height, labels, &nclusters,
		                                 err, sizeof err))
			mlv_die("%s: %s", input, err);
		if (tw) {
			mlv_record t;
			mlv_record_init(&t);
			mlv_record_resize(&t, p.n - 1, 4);
			for (size_t i = 0; i < 4 * (p.n - 1); i++)
				t.data[i] = (float)z[i];
			mlv_meta_set(&t, "id", "tree");
			mlv_meta_set(&t, "kind", "tree");
			mlv_meta_set(&t, "method", mlv_linkage_name(linkage));
			mlv_meta_set(&t, "colnames", "a,b,height,size");
			mlv_meta_setf(&t, "points", "%zu", p.n);
			mlv_write_or_die(tw, &t);
			mlv_record_free(&t);
		}
		free(z);
	}
	const char *mname = method == KMEANS ? "kmeans" : method == DBSCAN ?
	                    "dbscan" : mlv_linkage_name(linkage);
	mlv_meta_setf(&info, "clusters", "%zu", nclusters);

	if (truth_key) {
		int32_t *truth = mlv_malloc(p.n * sizeof *truth);
		size_t classes = truth_classes(&p, truth_key, truth);
		mlv_warn("against %s (%zu classes): ARI %.4f, NMI %.4f, purity %.4f",
		         truth_key, classes, mlv_ari(truth, labels, p.n),
		         mlv_nmi(truth, labels, p.n), mlv_purity(truth, labels, p.n));
		free(truth);
	}
	if (silhouette) {
		double score;
		/* Undefined for one cluster (DBSCAN may find just one): the
		 * clusters are still worth writing. */
		if (mlv_silhouette(p.x, p.n, p.d, labels, nthreads, &score, err,
		                   sizeof err))
			mlv_warn("silhouette: not defined here (%s)", err);
		else
			mlv_warn("silhouette %.4f", score);
	}

	float *y = mlv_malloc(p.n * sizeof *y);
	for (size_t i = 0; i < p.n; i++)
		y[i] = (float)labels[i];
	for (size_t r = 0; r < p.nrecs; r++) {
		mlv_meta_set(&p.recs[r], "method", mname);
		mlv_meta_merge(&p.recs[r], &info, 1);
	}
	mlv_writer *w = mlv_writer_open_or_die(output);
	mlv_points_write(&p, w, y, 1, "cluster", "cluster", 0);
	mlv_writer_close_or_die(w);
	if (tw)
		mlv_writer_close_or_die(tw);
	mlv_record_free(&info);
	free(y);
	free(labels);
	mlv_points_free(&p);
	return 0;
}
