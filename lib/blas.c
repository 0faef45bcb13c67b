/* blas.c - see blas.h */
#include "blas.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "pool.h"
#include "util.h"

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
	const float *q, *x;
	size_t nq, n, d;
	float alpha;
	mlv_block_fn begin, end;
	mlv_tile_fn tile;
	void *ctx;
	float *scratch; /* per thread: QUERY_BLOCK x POINT_BLOCK */
} blocked_ctx;

static void
blocked_run(void *vctx, size_t first, size_t last, int thread)
{
	blocked_ctx *c = vctx;
	float *dots = c->scratch + (size_t)thread * QUERY_BLOCK * POINT_BLOCK;
	for (size_t blk = first; blk < last; blk++) {
		size_t q0 = blk * QUERY_BLOCK;
		size_t qn = c->nq - q0 < QUERY_BLOCK ? c->nq - q0 : QUERY_BLOCK;
		if (c->begin)
			c->begin(c->ctx, q0, qn);
		for (size_t p0 = 0; p0 < c->n; p0 += POINT_BLOCK) {
			size_t pn = c->n - p0 < POINT_BLOCK ? c->n - p0 : POINT_BLOCK;
			mlv_gemm_abt(c->q + q0 * c->d, c->x + p0 * c->d, dots, qn, pn,
			             c->d, pn, c->alpha, 0.0f);
			c->tile(c->ctx, q0, qn, p0, pn, dots);
		}
		if (c->end)
			c->end(c->ctx, q0, qn);
	}
}

void
mlv_blocked_abt(const float *q, size_t nq, const float *x, size_t n,
                size_t d, float alpha, int nthreads, mlv_block_fn begin,
                mlv_tile_fn tile, mlv_block_fn end, void *ctx)
{
	nthreads = mlv_threads(nthreads);
	size_t nblocks = (nq + QUERY_BLOCK - 1) / QUERY_BLOCK;
	if ((size_t)nthreads > nblocks)
		nthreads = nblocks ? (int)nblocks : 1;
	blocked_ctx c = {.q = q, .x = x, .nq = nq, .n = n, .d = d,
	                 .alpha = alpha, .begin = begin, .end = end,
	                 .tile = tile, .ctx = ctx};
	c.scratch = mlv_malloc(mlv_mul_size((size_t)nthreads,
	        (size_t)QUERY_BLOCK * POINT_BLOCK * sizeof(float), "products"));
	int blas = mlv_blas_single_thread();
	mlv_parallel_for(nblocks, nthreads, blocked_run, &c);
	mlv_blas_restore(blas);
	free(c.scratch);
}

double
mlv_range_scale(const float *x, size_t n, size_t d, const double *mean)
{
	double a = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double t = fabs(x[i * d + j] - mean[j]);
			a = t > a ? t : a;
		}
	return a > 0 ? ldexp(1, -ilogb(a)) : 1;
}

float *
mlv_centred_copy(const float *x, size_t n, size_t d, const double *mean,
                 double scale, const uint32_t *perm)
{
	float *xc = mlv_malloc(mlv_mul_size(mlv_mul_size(n, d, "points"),
	                                    sizeof(float), "points"));
	for (size_t i = 0; i < n; i++) {
		const float *p = x + (perm ? (size_t)perm[i] : i) * d;
		for (size_t j = 0; j < d; j++)
			xc[i * d + j] = (float)((p[j] - mean[j]) * scale);
	}
	return xc;
}

double
mlv_dist2_double(const float *a, const float *b, size_t d)
{
	double s = 0;
	for (size_t j = 0; j < d; j++) {
		double t = (double)a[j] - (double)b[j];
		s += t * t;
	}
	return s;
}

int
mlv_find_nonfinite(const float *x, size_t n, size_t d, size_t *row,
                   size_t *col)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			if (!isfinite(x[i * d + j])) {
				*row = i;
				*col = j;
				return 1;
			}
	return 0;
}

int
mlv_check_finite(const float *x, size_t n, size_t d, const char *needs,
                 char *err, size_t errlen)
{
	size_t i, j;
	if (mlv_find_nonfinite(x, n, d, &i, &j))
		return mlv_errf(err, errlen, "row %zu column %zu is %g (%s needs "
		                "finite values)", i, j, (double)x[i * d + j], needs);
	return 0;
}

void
mlv_lapack_check_memory(int info, const char *routine)
{
	if (info == LAPACK_WORK_MEMORY_ERROR ||
	    info == LAPACK_TRANSPOSE_MEMORY_ERROR)
		mlv_die("out of memory (%s's workspace)", routine);
}

/* OpenBLAS's BUFFER_SIZE on x86-64 (32 << 22), with its guard page. */
#define OPENBLAS_BUFFER ((size_t)(128 << 20) + 4096)
#define WARM_UP 512 /* a product OpenBLAS splits over all its threads */

void
mlv_blas_check_room(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return;
	int want = openblas_get_num_threads();
	want = want < 1 ? 1 : want > 64 ? 64 : want;
	void *probe[64];
	int got = 0;
	/* malloc, not mlv_malloc: a refusal here is the answer, not a death */
	while (got < want && (probe[got] = malloc(OPENBLAS_BUFFER)))
		got++;
	for (int i = 0; i < got; i++)
		free(probe[i]);
	if (got < want)
		mlv_die("out of memory: the address-space limit (ulimit -v, "
		        "prlimit --as) of %llu MiB leaves no room for OpenBLAS's "
		        "%d work buffers of 128 MiB (raise it, or bound memory "
		        "with a cgroup: systemd-run --scope -p MemoryMax=...)",
		        (unsigned long long)(rl.rlim_cur >> 20), want);
	size_t n = (size_t)WARM_UP * WARM_UP;
	float *a = mlv_calloc(3 * n, sizeof *a);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, WARM_UP, WARM_UP,
	            WARM_UP, 1.0f, a, WARM_UP, a + n, WARM_UP, 0.0f, a + 2 * n,
	            WARM_UP);
	free(a);
}
