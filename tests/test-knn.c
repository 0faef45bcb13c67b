/* test-knn.c - exact nearest neighbours against brute force. */
#include <stdlib.h>

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

int
main(void)
{
	RUN(self_knn_matches_brute_force);
	RUN(queries_against_points);
	RUN(same_result_for_any_thread_count);
	RUN(bad_k);
	return TEST_EXIT();
}
