/* knn.c - see knn.h */
#include "knn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ann.h"
#include "blas.h"
#include "util.h"

typedef struct {
	const float *xn, *qn;
	size_t k;
	int self;
	uint32_t *idx;
	float *dist;
} knn_ctx;

/* Insert (d2, j) into a row's k best, kept sorted ascending; equal
 * distances keep the earlier (lower) index first. */
static void
insert(float *best, uint32_t *bidx, size_t k, float d2, uint32_t j)
{
	size_t pos = k - 1;
	while (pos > 0 && best[pos - 1] > d2) {
		best[pos] = best[pos - 1];
		bidx[pos] = bidx[pos - 1];
		pos--;
	}
	best[pos] = d2;
	bidx[pos] = j;
}

static void
knn_begin(void *ctx, size_t q0, size_t qn)
{
	knn_ctx *c = ctx;
	for (size_t i = 0; i < qn * c->k; i++) {
		c->dist[q0 * c->k + i] = INFINITY;
		c->idx[q0 * c->k + i] = UINT32_MAX;
	}
}

static void
knn_tile(void *ctx, size_t q0, size_t qn, size_t p0, size_t pn, float *dots)
{
	knn_ctx *c = ctx;
	for (size_t i = 0; i < qn; i++) {
		float *best = c->dist + (q0 + i) * c->k;
		uint32_t *bidx = c->idx + (q0 + i) * c->k;
		const float *row = dots + i * pn;
		float qn2 = c->qn[q0 + i];
		for (size_t j = 0; j < pn; j++) {
			float d2 = qn2 + c->xn[p0 + j] - 2 * row[j];
			if (d2 < best[c->k - 1] && !(c->self && p0 + j == q0 + i))
				insert(best, bidx, c->k, d2, (uint32_t)(p0 + j));
		}
	}
}

static void
knn_end(void *ctx, size_t q0, size_t qn)
{
	knn_ctx *c = ctx;
	for (size_t i = 0; i < qn * c->k; i++) {
		float v = c->dist[q0 * c->k + i];
		c->dist[q0 * c->k + i] = v > 0 ? sqrtf(v) : 0;
	}
}

int
mlv_knn(const float *x, size_t n, const float *q, size_t nq, size_t d,
        size_t k, int self, uint32_t *idx, float *dist, int nthreads)
{
	if (k == 0 || n < k + (self ? 1 : 0) || n > UINT32_MAX)
		return -1;
	knn_ctx c = {.k = k, .self = self, .idx = idx, .dist = dist};
	float *xn = mlv_malloc(n * sizeof(float));
	float *qnorm = self ? xn : mlv_malloc((nq ? nq : 1) * sizeof(float));
	mlv_row_norms2(x, n, d, xn);
	if (!self)
		mlv_row_norms2(q, nq, d, qnorm);
	c.xn = xn;
	c.qn = qnorm;
	mlv_blocked_abt(q, nq, x, n, d, 1.0f, nthreads, knn_begin, knn_tile,
	                knn_end, &c);
	if (!self)
		free(qnorm);
	free(xn);
	return 0;
}

int
mlv_knn_search_parse(const char *name)
{
	static const char *const names[] = {"auto", "exact", "ann"};
	for (int i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
mlv_knn_exact_pays(size_t n, size_t k)
{
	return n <= 2000 * (k > 25 ? k : 25);
}

int
mlv_knn_self(const float *x, size_t n, size_t d, size_t k,
             mlv_knn_search search, uint64_t seed, uint32_t *idx,
             float *dist, int nthreads)
{
	if (search == MLV_KNN_ANN ||
	    (search == MLV_KNN_AUTO && !mlv_knn_exact_pays(n, k)))
		return mlv_ann_knn(x, n, d, k, seed, idx, dist, nthreads);
	return mlv_knn(x, n, x, n, d, k, 1, idx, dist, nthreads);
}
