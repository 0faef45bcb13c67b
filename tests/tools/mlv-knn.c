/* mlv-knn - time the k-nearest-neighbour search of every row of a stream.
 *
 *   mlv-knn [-k K] [--search auto|exact|ann] [--seed S] [-j N]
 *           [--sample Q] FILE
 *
 * Prints "SECONDS s" for mlv_knn_self alone (not the reading), then, for
 * Q rows spread evenly over the stream (1000), "RECALL r": the fraction
 * of their k exact neighbours found, and "EXACT_EST s": the exact
 * search's time for those rows scaled to all rows (the blocked search's
 * cost is linear in the queries).  A bench helper, not installed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "knn.h"
#include "points.h"
#include "util.h"

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"search", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'S'},
		{"sample", required_argument, NULL, 'Q'},
		{NULL, 0, NULL, 0},
	};
	size_t k = 90, nq = 1000;
	uint64_t seed = 0;
	int nthreads = 0, search = MLV_KNN_AUTO, c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "k:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': k = (size_t)mlv_parse_int(optarg, 1, 1 << 20, "-k"); break;
		case 'j': nthreads = (int)mlv_parse_int(optarg, 0, 1024, "-j"); break;
		case 'S': seed = (uint64_t)mlv_parse_int(optarg, 0, INT64_MAX, "--seed"); break;
		case 'Q': nq = (size_t)mlv_parse_int(optarg, 0, 1 << 24, "--sample"); break;
		case 's':
			if ((search = mlv_knn_search_parse(optarg)) < 0)
				mlv_die("--search %s: auto, exact or ann", optarg);
			break;
		default: return 2;
		}
	}
	if (optind != argc - 1)
		mlv_die("usage: mlv-knn [-k K] [--search M] [--seed S] [-j N] "
		        "[--sample Q] FILE");
	mlv_points p;
	mlv_points_read(&p, argv + optind, 1);
	size_t n = p.n, d = p.d;
	if (n < k + 1)
		mlv_die("%s: %zu rows, -k %zu needs more", argv[optind], n, k);
	uint32_t *idx = mlv_malloc(mlv_mul_size(n, k * sizeof *idx, "knn"));
	float *dist = mlv_malloc(mlv_mul_size(n, k * sizeof *dist, "knn"));
	double t0 = mlv_now();
	mlv_knn_self(p.x, n, d, k, (mlv_knn_search)search, seed, idx, dist,
	             nthreads);
	printf("SECONDS %.3f\n", mlv_now() - t0);
	if (nq > n)
		nq = n;
	if (nq) {
		float *q = mlv_malloc(mlv_mul_size(nq, d * sizeof *q, "knn"));
		uint32_t *ei = mlv_malloc(mlv_mul_size(nq, (k + 1) * sizeof *ei, "knn"));
		float *ed = mlv_malloc(mlv_mul_size(nq, (k + 1) * sizeof *ed, "knn"));
		for (size_t i = 0; i < nq; i++)
			for (size_t j = 0; j < d; j++)
				q[i * d + j] = p.x[(i * n / nq) * d + j];
		t0 = mlv_now();
		mlv_knn(p.x, n, q, nq, d, k + 1, 0, ei, ed, nthreads);
		double te = mlv_now() - t0;
		size_t hit = 0;
		for (size_t i = 0; i < nq; i++) {
			size_t v = i * n / nq;
			for (size_t a = 0; a < k; a++)
				for (size_t b = 0; b < k + 1; b++)
					if (ei[i * (k + 1) + b] == idx[v * k + a] &&
					    ei[i * (k + 1) + b] != v) {
						hit++;
						break;
					}
		}
		printf("RECALL %.4f\nEXACT_EST %.1f\n", (double)hit / (double)(nq * k),
		       te * (double)n / (double)nq);
		free(q);
		free(ei);
		free(ed);
	}
	free(idx);
	free(dist);
	mlv_points_free(&p);
	return 0;
}
