/* test-knn.c - exact nearest neighbours against brute force. */
#include <stdlib.h>

#include "ann.h"
#include "knn.h"
#include "rng.h"
#include "test.h"

static double
dist2(const float *a, const float *b, size_t d)
{
	double s = 0;
	for (size_t j = 0; j < d; j++)
		s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
	return s;
}

/* Every reported neighbour list equals the brute-force one in distance
 * (indices may differ only between points at equal distance). */
static int
matches_brute_force(const float *x, size_t n, const float *q, size_t nq,
                    size_t d, size_t k, int self, const uint32_t *idx,
                    const float *dist)
{
	int good = 1;
	double *all = malloc(n * sizeof(double));
	for (size_t i = 0; i < nq && good; i++) {
		for (size_t j = 0; j < n; j++)
			all[j] = self && j == i ? INFINITY : dist2(q + i * d, x + j * d, d);
		for (size_t r = 0; r < k; r++) {
			/* the r-th smallest brute-force distance */
			size_t below = 0;
			double want = sqrt(dist2(q + i * d, x + idx[i * k + r] * d, d));
			for (size_t j = 0; j < n; j++)
				below += sqrt(all[j]) < want - 1e-4;
			if (below > r || fabs(dist[i * k + r] - want) > 1e-4 * (1 + want) ||
			    (self && idx[i * k + r] == i)) {
				printf("#   query %zu rank %zu: index %u dist %g, "
				       "%zu closer points\n", i, r, idx[i * k + r],
				       dist[i * k + r], below);
				good = 0;
				break;
			}
		}
	}
	free(all);
	return good;
}

TEST(self_knn_matches_brute_force)
{
	size_t n = 3000, d = 16, k = 10;
	float *x = test_normal_points(n, d, 1);
	uint32_t *idx = malloc(n * k * sizeof *idx);
	float *dist = malloc(n * k * sizeof *dist);
	CHECK_INT(mlv_knn(x, n, x, n, d, k, 1, idx, dist, 2), 0);
	CHECK(matches_brute_force(x, n, x, n, d, k, 1, idx, dist));
	free(x);
	free(idx);
	free(dist);
}

TEST(queries_against_points)
{
	size_t n = 2500, nq = 300, d = 7, k = 5;
	float *x = test_normal_points(n, d, 2), *q = test_normal_points(nq, d, 3);
	uint32_t *idx = malloc(nq * k * sizeof *idx);
	float *dist = malloc(nq * k * sizeof *dist);
	CHECK_INT(mlv_knn(x, n, q, nq, d, k, 0, idx, dist, 1), 0);
	CHECK(matches_brute_force(x, n, q, nq, d, k, 0, idx, dist));
	free(x);
	free(q);
	free(idx);
	free(dist);
}

TEST(same_result_for_any_thread_count)
{
	size_t n = 2000, d = 4, k = 8;
	float *x = test_normal_points(n, d, 4);
	/* duplicates make ties that must break the same way every time */
	memcpy(x + 10 * d, x + 20 * d, d * sizeof(float));
	memcpy(x + 30 * d, x + 20 * d, d * sizeof(float));
	uint32_t *i1 = malloc(n * k * sizeof *i1), *i3 = malloc(n * k * sizeof *i3);
	float *d1 = malloc(n * k * sizeof *d1), *d3 = malloc(n * k * sizeof *d3);
	mlv_knn(x, n, x, n, d, k, 1, i1, d1, 1);
	mlv_knn(x, n, x, n, d, k, 1, i3, d3, 3);
	CHECK(!memcmp(i1, i3, n * k * sizeof *i1));
	CHECK(!memcmp(d1, d3, n * k * sizeof *d1));
	CHECK_INT(i1[20 * k], 10);
	CHECK_INT(i1[20 * k + 1], 30);
	CHECK(d1[20 * k] == 0);
	free(x);
	free(i1);
	free(i3);
	free(d1);
	free(d3);
}

TEST(bad_k)
{
	float x[6] = {0, 1, 2, 3, 4, 5};
	uint32_t idx[6];
	float dist[6];
	CHECK_INT(mlv_knn(x, 3, x, 3, 2, 3, 1, idx, dist, 1), -1);
	CHECK_INT(mlv_knn(x, 3, x, 3, 2, 0, 0, idx, dist, 1), -1);
	CHECK_INT(mlv_knn(x, 0, x, 0, 2, 1, 1, idx, dist, 1), -1);
	CHECK_INT(mlv_knn(x, 3, x, 3, 2, 2, 1, idx, dist, 1), 0);
	CHECK_INT(idx[0], 1);
	CHECK_NEAR(dist[0], sqrt(8), 1e-6);
}

/* A 12-cluster Gaussian mixture in d dimensions, as the benches use. */
static float *
mixture(size_t n, size_t d, uint64_t seed)
{
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	float *c = malloc(12 * d * sizeof *c), *x = malloc(n * d * sizeof *x);
	for (size_t i = 0; i < 12 * d; i++)
		c[i] = (float)(3 * mlv_rng_normal(&g));
	for (size_t i = 0; i < n; i++) {
		size_t m = mlv_rng_below(&g, 12);
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = c[m * d + j] + (float)mlv_rng_normal(&g);
	}
	free(c);
	return x;
}

TEST(ann_recall_and_determinism)
{
	size_t n = 6000, d = 16, k = 30;
	float *x = mixture(n, d, 5);
	uint32_t *ie = malloc(n * k * sizeof *ie), *ia = malloc(n * k * sizeof *ia);
	uint32_t *ib = malloc(n * k * sizeof *ib);
	float *de = malloc(n * k * sizeof *de), *da = malloc(n * k * sizeof *da);
	float *db = malloc(n * k * sizeof *db);
	CHECK_INT(mlv_knn(x, n, x, n, d, k, 1, ie, de, 2), 0);
	CHECK_INT(mlv_ann_knn(x, n, d, k, 7, ia, da, 2), 0);
	size_t hit = 0, sorted = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < k; r++) {
			for (size_t s = 0; s < k; s++)
				if (ia[i * k + r] == ie[i * k + s]) {
					hit++;
					break;
				}
			if (ia[i * k + r] == i || (r && da[i * k + r] < da[i * k + r - 1]))
				sorted = 0;
		}
	double recall = (double)hit / (double)(n * k);
	printf("#   recall@%zu %.4f\n", k, recall);
	CHECK(recall >= 0.95);
	CHECK(sorted);
	/* the same seed and thread count: the same graph, byte for byte */
	CHECK_INT(mlv_ann_knn(x, n, d, k, 7, ib, db, 2), 0);
	CHECK(!memcmp(ia, ib, n * k * sizeof *ia));
	CHECK(!memcmp(da, db, n * k * sizeof *da));
	CHECK_INT(mlv_ann_knn(x, 20, d, 20, 7, ib, db, 1), -1);
	free(x);
	free(ie);
	free(ia);
	free(ib);
	free(de);
	free(da);
	free(db);
}

TEST(search_choice)
{
	CHECK_INT(mlv_knn_search_parse("auto"), MLV_KNN_AUTO);
	CHECK_INT(mlv_knn_search_parse("exact"), MLV_KNN_EXACT);
	CHECK_INT(mlv_knn_search_parse("ann"), MLV_KNN_ANN);
	CHECK_INT(mlv_knn_search_parse("hnsw"), -1);
	CHECK(mlv_knn_exact_pays(50000, 14) && !mlv_knn_exact_pays(50001, 14));
	CHECK(mlv_knn_exact_pays(180000, 90) && !mlv_knn_exact_pays(180001, 90));
	/* AUTO below the threshold is the exact search, bit for bit */
	size_t n = 500, d = 5, k = 6;
	float *x = test_normal_points(n, d, 8);
	uint32_t *i1 = malloc(n * k * sizeof *i1), *i2 = malloc(n * k * sizeof *i2);
	float *d1 = malloc(n * k * sizeof *d1), *d2 = malloc(n * k * sizeof *d2);
	mlv_knn(x, n, x, n, d, k, 1, i1, d1, 1);
	CHECK_INT(mlv_knn_self(x, n, d, k, MLV_KNN_AUTO, 3, i2, d2, 1), 0);
	CHECK(!memcmp(i1, i2, n * k * sizeof *i1));
	CHECK(!memcmp(d1, d2, n * k * sizeof *d1));
	free(x);
	free(i1);
	free(i2);
	free(d1);
	free(d2);
}

int
main(void)
{
	RUN(self_knn_matches_brute_force);
	RUN(queries_against_points);
	RUN(same_result_for_any_thread_count);
	RUN(bad_k);
	RUN(ann_recall_and_determinism);
	RUN(search_choice);
	return TEST_EXIT();
}
