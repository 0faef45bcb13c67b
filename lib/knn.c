/* knn.c - see knn.h */
#include "knn.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

/* Blocks sized so one thread's products (QUERY_BLOCK x POINT_BLOCK
 * floats, 2 MiB) stay in its share of cache while selection reads them. */
#define QUERY_BLOCK 256
#define POINT_BLOCK 2048

void
mlv_gemm_abt(const float *a, const float *b, float *c, size_t m, size_t n,
             size_t k, size_t ldc, float alpha, float beta)
{
	if (!m || !n)
		return;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n,
	            (int)k, alpha, a, (int)k, b, (int)k, beta, c, (int)ldc);
}

int
mlv_blas_single_thread(void)
{
	int t = openblas_get_num_threads();
	openblas_set_num_threads(1);
	return t;
}

void
mlv_blas_restore(int nthreads)
{
	openblas_set_num_threads(nthreads);
}

void
mlv_row_norms2(const float *x, size_t n, size_t d, float *out)
{
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t j = 0; j < d; j++)
			s += (double)x[i * d + j] * x[i * d + j];
		out[i] = (float)s;
	}
}

typedef struct {
	const float *x, *q;
	const float *xn, *qn;
	size_t n, nq, d, k;
	int self;
	uint32_t *idx;
	float *dist;
	float *scratch; /* per thread: QUERY_BLOCK x POINT_BLOCK */
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
knn_blocks(void *ctx, size_t begin, size_t end, int thread)
{
	knn_ctx *c = ctx;
	float *dots = c->scratch + (size_t)thread * QUERY_BLOCK * POINT_BLOCK;
	for (size_t blk = begin; blk < end; blk++) {
		size_t q0 = blk * QUERY_BLOCK;
		size_t qn = c->nq - q0 < QUERY_BLOCK ? c->nq - q0 : QUERY_BLOCK;
		for (size_t i = 0; i < qn; i++)
			for (size_t r = 0; r < c->k; r++) {
				c->dist[(q0 + i) * c->k + r] = INFINITY;
				c->idx[(q0 + i) * c->k + r] = UINT32_MAX;
			}
		for (size_t p0 = 0; p0 < c->n; p0 += POINT_BLOCK) {
			size_t pn = c->n - p0 < POINT_BLOCK ? c->n - p0 : POINT_BLOCK;
			mlv_gemm_abt(c->q + q0 * c->d, c->x + p0 * c->d, dots, qn, pn,
			             c->d, pn, 1.0f, 0.0f);
			for (size_t i = 0; i < qn; i++) {
				float *best = c->dist + (q0 + i) * c->k;
				uint32_t *bidx = c->idx + (q0 + i) * c->k;
				const float *row = dots + i * pn;
				float qn2 = c->qn[q0 + i];
				for (size_t j = 0; j < pn; j++) {
					float d2 = qn2 + c->xn[p0 + j] - 2 * row[j];
					if (d2 < best[c->k - 1] &&
					    !(c->self && p0 + j == q0 + i))
						insert(best, bidx, c->k, d2, (uint32_t)(p0 + j));
				}
			}
		}
		for (size_t i = 0; i < qn * c->k; i++) {
			float v = c->dist[q0 * c->k + i];
			c->dist[q0 * c->k + i] = v > 0 ? sqrtf(v) : 0;
		}
	}
}

int
mlv_knn(const float *x, size_t n, const float *q, size_t nq, size_t d,
        size_t k, int self, uint32_t *idx, float *dist, int nthreads)
{
	if (k == 0 || n < k + (self ? 1 : 0) || n > UINT32_MAX)
		return -1;
	if (nthreads <= 0)
		nthreads = mlv_default_threads();
	size_t nblocks = (nq + QUERY_BLOCK - 1) / QUERY_BLOCK;
	if ((size_t)nthreads > nblocks)
		nthreads = nblocks ? (int)nblocks : 1;
	knn_ctx c = {.x = x, .q = q, .n = n, .nq = nq, .d = d, .k = k,
	             .self = self, .idx = idx, .dist = dist};
	float *xn = mlv_malloc(n * sizeof(float));
	float *qnorm = self ? xn : mlv_malloc((nq ? nq : 1) * sizeof(float));
	mlv_row_norms2(x, n, d, xn);
	if (!self)
		mlv_row_norms2(q, nq, d, qnorm);
	c.xn = xn;
	c.qn = qnorm;
	c.scratch = mlv_malloc(mlv_mul_size((size_t)nthreads,
	        (size_t)QUERY_BLOCK * POINT_BLOCK * sizeof(float), "knn"));
	int blas = mlv_blas_single_thread();
	mlv_parallel_for(nblocks, nthreads, knn_blocks, &c);
	mlv_blas_restore(blas);
	free(c.scratch);
	if (!self)
		free(qnorm);
	free(xn);
	return 0;
}
