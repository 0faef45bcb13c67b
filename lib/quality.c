/* quality.c - see quality.h */
#include "quality.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "knn.h"
#include "pool.h"
#include "rng.h"
#include "util.h"

/* Candidates beyond k that mlv_knn returns, re-ranked in double. */
#define MARGIN 8
/* The rank pass's blocks, as mlv_knn's: a thread's QUERY_BLOCK x
 * POINT_BLOCK products (2 MiB) stay in its share of cache. */
#define QUERY_BLOCK 256
#define POINT_BLOCK 2048

static double
dist2(const float *a, const float *b, size_t d)
{
	double s = 0;
	for (size_t j = 0; j < d; j++) {
		double t = (double)a[j] - b[j];
		s += t * t;
	}
	return s;
}

/* A bound on the error of |q|^2 + |x|^2 - 2 q.x in float, for rows of d
 * values whose squared norms sum to s: about (d + 2) roundings of the
 * largest terms, with room to spare.  It only decides which comparisons
 * are redone in double, so generous costs little. */
static double
float_tol(size_t d, double s)
{
	return 4e-7 * (double)(d + 4) * s;
}

/* x minus its column means, in float: distances are the same, and the
 * float products lose less to cancellation near the origin. */
static float *
centred(const float *x, size_t n, size_t d, float *norm2, double *maxnorm2)
{
	double *mean = mlv_calloc(d, sizeof *mean);
	float *c = mlv_malloc(mlv_mul_size(mlv_mul_size(n, d, "quality"),
	                                   sizeof *c, "quality"));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			mean[j] += x[i * d + j];
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			c[i * d + j] = (float)(x[i * d + j] - mean[j]);
	mlv_row_norms2(c, n, d, norm2);
	*maxnorm2 = 0;
	for (size_t i = 0; i < n; i++)
		if (norm2[i] > *maxnorm2)
			*maxnorm2 = norm2[i];
	free(mean);
	return c;
}

typedef struct {
	const float *x;     /* original rows, for double distances */
	const float *xc;    /* centred rows */
	const float *norm2; /* their squared norms */
	double maxnorm2;
	size_t n, d, k, kc, m;
	const uint32_t *query; /* m point indices */
	const uint32_t *cand;  /* m x kc2 from mlv_knn */
	const float *cdist;
	size_t kc2;            /* candidates per query (kc, or kc + 1) */
	uint32_t *out;         /* m x k */
	double *work;          /* per thread: kc2 + k doubles */
	uint32_t *iwork;       /* per thread: kc2 + k indices */
} refine_ctx;

/* Insert (v, j) into the ascending top list of size `have` <= cap, ties
 * by index; returns the new size. */
static size_t
top_insert(double *best, uint32_t *bidx, size_t have, size_t cap, double v,
           uint32_t j)
{
	if (have == cap && (v > best[cap - 1] ||
	                    (v == best[cap - 1] && j > bidx[cap - 1])))
		return have;
	size_t pos = have < cap ? have++ : cap - 1;
	while (pos > 0 && (best[pos - 1] > v ||
	                   (best[pos - 1] == v && bidx[pos - 1] > j))) {
		best[pos] = best[pos - 1];
		bidx[pos] = bidx[pos - 1];
		pos--;
	}
	best[pos] = v;
	bidx[pos] = j;
	return have;
}

/* The k nearest of each query in double: the candidates re-ranked, and
 * the whole set scanned again when float rounding could have left a
 * nearer point out of them. */
static void
refine_range(void *ctx, size_t begin, size_t end, int thread)
{
	refine_ctx *c = ctx;
	size_t k = c->k, d = c->d;
	double *best = c->work + (size_t)thread * (c->kc2 + k);
	uint32_t *bidx = c->iwork + (size_t)thread * (c->kc2 + k);
	for (size_t q = begin; q < end; q++) {
		uint32_t i = c->query[q];
		const float *xi = c->x + (size_t)i * d;
		size_t have = 0;
		for (size_t r = 0; r < c->kc2; r++) {
			uint32_t j = c->cand[q * c->kc2 + r];
			if (j == i || j == UINT32_MAX)
				continue;
			have = top_insert(best, bidx, have, k, dist2(xi, c->x + (size_t)j * d,
			                                              d), j);
		}
		/* Every point left out has float distance at least the last
		 * candidate's; if that, less the rounding bound, still exceeds
		 * the k-th exact distance, none of them can be nearer. */
		double flast = c->cdist[q * c->kc2 + c->kc2 - 1];
		flast *= flast;
		double tol = float_tol(d, c->norm2[i] + c->maxnorm2);
		if (have < k || !(best[k - 1] < flast - tol)) {
			have = 0;
			for (size_t j = 0; j < c->n; j++)
				if (j != i)
					have = top_insert(best, bidx, have, k,
					                  dist2(xi, c->x + j * d, d), (uint32_t)j);
		}
		memcpy(c->out + q * k, bidx, k * sizeof *bidx);
	}
}

/* Exact k nearest neighbours (other than themselves) of the m query
 * points among all n rows of x. */
static void
neighbours(const float *x, size_t n, size_t d, const uint32_t *query,
           size_t m, int all, size_t k, int nthreads, uint32_t *out)
{
	float *norm2 = mlv_malloc(n * sizeof *norm2);
	double maxnorm2;
	float *xc = centred(x, n, d, norm2, &maxnorm2);
	size_t kc = k + MARGIN < n - 1 ? k + MARGIN : n - 1;
	/* A sample's queries find themselves first (distance 0), so they
	 * ask for one candidate more. */
	size_t kc2 = all ? kc : kc + 1;
	uint32_t *cand = mlv_malloc(mlv_mul_size(m, kc2 * sizeof *cand, "quality"));
	float *cdist = mlv_malloc(mlv_mul_size(m, kc2 * sizeof *cdist, "quality"));
	if (all) {
		mlv_knn(xc, n, xc, n, d, kc, 1, cand, cdist, nthreads);
	} else {
		float *qx = mlv_malloc(mlv_mul_size(m, d * sizeof *qx, "quality"));
		for (size_t q = 0; q < m; q++)
			memcpy(qx + q * d, xc + (size_t)query[q] * d, d * sizeof *qx);
		mlv_knn(xc, n, qx, m, d, kc2, 0, cand, cdist, nthreads);
		free(qx);
	}
	refine_ctx c = {.x = x, .xc = xc, .norm2 = norm2, .maxnorm2 = maxnorm2,
	                .n = n, .d = d, .k = k, .kc = kc, .m = m, .query = query,
	                .cand = cand, .cdist = cdist, .kc2 = kc2, .out = out};
	int nt = nthreads > 0 ? nthreads : mlv_default_threads();
	c.work = mlv_malloc((size_t)nt * (kc2 + k) * sizeof *c.work);
	c.iwork = mlv_malloc((size_t)nt * (kc2 + k) * sizeof *c.iwork);
	mlv_parallel_for(m, nt, refine_range, &c);
	free(c.work);
	free(c.iwork);
	free(cand);
	free(cdist);
	free(xc);
	free(norm2);
}

typedef struct {
	const float *x, *xc, *norm2;
	size_t n, d, k;
	const uint32_t *query; /* point index of each ranked query */
	const double *thr;     /* r x k ascending squared distances, padded
	                        * with -1 */
	size_t nthr_max;
	uint64_t *count;       /* r x k: points strictly closer */
	size_t r;              /* queries to rank */
	float *qbuf;           /* per thread: QUERY_BLOCK x d */
	float *dots;           /* per thread: QUERY_BLOCK x POINT_BLOCK */
	float *qn;             /* per thread: QUERY_BLOCK */
} rank_ctx;

/* Counts, for each query and each of its thresholds t, the points l != i
 * with d(i, l)^2 < t: decided in float where rounding cannot matter, in
 * double where it might. */
static void
rank_blocks(void *ctx, size_t begin, size_t end, int thread)
{
	rank_ctx *c = ctx;
	size_t d = c->d, k = c->k;
	float *qbuf = c->qbuf + (size_t)thread * QUERY_BLOCK * d;
	float *dots = c->dots + (size_t)thread * QUERY_BLOCK * POINT_BLOCK;
	float *qn = c->qn + (size_t)thread * QUERY_BLOCK;
	for (size_t blk = begin; blk < end; blk++) {
		size_t q0 = blk * QUERY_BLOCK;
		size_t nq = c->r - q0 < QUERY_BLOCK ? c->r - q0 : QUERY_BLOCK;
		for (size_t a = 0; a < nq; a++) {
			size_t i = c->query[q0 + a];
			memcpy(qbuf + a * d, c->xc + i * d, d * sizeof *qbuf);
			qn[a] = c->norm2[i];
		}
		for (size_t p0 = 0; p0 < c->n; p0 += POINT_BLOCK) {
			size_t np = c->n - p0 < POINT_BLOCK ? c->n - p0 : POINT_BLOCK;
			float xnmax = 0;
			for (size_t l = 0; l < np; l++)
				if (c->norm2[p0 + l] > xnmax)
					xnmax = c->norm2[p0 + l];
			mlv_gemm_abt(qbuf, c->xc + p0 * d, dots, nq, np, d, np, 1.0f, 0.0f);
			for (size_t a = 0; a < nq; a++) {
				size_t i = c->query[q0 + a];
				const double *thr = c->thr + (q0 + a) * k;
				uint64_t *cnt = c->count + (q0 + a) * k;
				size_t nt = 0;
				while (nt < k && thr[nt] >= 0)
					nt++;
				double tol = float_tol(d, (double)qn[a] + xnmax);
				double hi = thr[nt - 1] + tol;
				const float *row = dots + a * np;
				for (size_t l = 0; l < np; l++) {
					double d2 = (double)qn[a] + c->norm2[p0 + l] - 2.0 * row[l];
					if (d2 >= hi || p0 + l == i)
						continue;
					double exact = -1;
					for (size_t t = 0; t < nt; t++) {
						if (d2 < thr[t] - tol) {
							cnt[t]++;
						} else if (d2 <= thr[t] + tol) {
							if (exact < 0)
								exact = dist2(c->x + i * d,
								              c->x + (p0 + l) * d, d);
							cnt[t] += exact < thr[t];
						}
					}
				}
			}
		}
	}
}

size_t
mlv_quality_sample(size_t n)
{
	if (n <= MLV_QUALITY_EXACT_MAX)
		return 0;
	return (size_t)((double)MLV_QUALITY_EXACT_MAX * MLV_QUALITY_EXACT_MAX /
	                (double)n);
}

int
mlv_map_quality(const float *x, size_t dx, const float *y, size_t dy,
                size_t n, size_t k, size_t sample, uint64_t seed, int trust,
                int nthreads, mlv_quality *q, char *err, size_t errlen)
{
	q->trustworthiness = NAN;
	q->knn_preservation = NAN;
	q->evaluated = 0;
	if (k == 0 || n < k + 2 || 2 * n <= 3 * k + 1 || !dx || !dy ||
	    n > UINT32_MAX) {
		mlv_errf(err, errlen, "%zu neighbours of %zu points: cannot measure",
		       k, n);
		return -1;
	}
	size_t nx = mlv_mul_size(n, dx, "quality"), ny = mlv_mul_size(n, dy,
	                                                              "quality");
	for (size_t i = 0; i < nx; i++)
		if (!isfinite(x[i])) {
			mlv_errf(err, errlen, "input row %zu: value not finite", i / dx);
			return -1;
		}
	for (size_t i = 0; i < ny; i++)
		if (!isfinite(y[i])) {
			mlv_errf(err, errlen, "map row %zu: value not finite", i / dy);
			return -1;
		}
	int nt = nthreads > 0 ? nthreads : mlv_default_threads();
	int all = sample == 0 || sample >= n;
	size_t m = all ? n : sample;
	uint32_t *query = mlv_malloc(n * sizeof *query);
	for (size_t i = 0; i < n; i++)
		query[i] = (uint32_t)i;
	if (!all) {
		/* m distinct points, then in index order for locality. */
		mlv_rng g;
		mlv_rng_seed(&g, seed);
		mlv_rng_shuffle(&g, query, n);
		size_t *cnt = mlv_calloc(n, sizeof *cnt);
		for (size_t a = 0; a < m; a++)
			cnt[query[a]] = 1;
		size_t o = 0;
		for (size_t i = 0; i < n; i++)
			if (cnt[i])
				query[o++] = (uint32_t)i;
		free(cnt);
	}
	uint32_t *nbx = mlv_malloc(mlv_mul_size(m, k * sizeof *nbx, "quality"));
	uint32_t *nby = mlv_malloc(mlv_mul_size(m, k * sizeof *nby, "quality"));
	neighbours(x, n, dx, query, m, all, k, nt, nbx);
	neighbours(y, n, dy, query, m, all, k, nt, nby);

	uint64_t kept = 0;
	for (size_t a = 0; a < m; a++)
		for (size_t r = 0; r < k; r++)
			for (size_t s = 0; s < k; s++)
				if (nby[a * k + r] == nbx[a * k + s]) {
					kept++;
					break;
				}
	q->knn_preservation = (double)kept / ((double)k * (double)m);
	q->evaluated = m;

	if (trust) {
		/* The queries with map neighbours that are not input
		 * neighbours, and those neighbours' squared distances. */
		uint32_t *rq = mlv_malloc(m * sizeof *rq);
		double *thr = mlv_malloc(mlv_mul_size(m, k * sizeof *thr, "quality"));
		size_t r = 0;
		for (size_t a = 0; a < m; a++) {
			size_t i = query[a], c = 0;
			double *t = thr + r * k;
			for (size_t s = 0; s < k; s++) {
				uint32_t j = nby[a * k + s];
				int found = 0;
				for (size_t u = 0; u < k && !found; u++)
					found = nbx[a * k + u] == j;
				if (!found)
					t[c++] = dist2(x + i * dx, x + (size_t)j * dx, dx);
			}
			if (!c)
				continue;
			for (size_t s = 1; s < c; s++) /* insertion sort, c <= k */
				for (size_t u = s; u > 0 && t[u - 1] > t[u]; u--) {
					double tmp = t[u];
					t[u] = t[u - 1];
					t[u - 1] = tmp;
				}
			for (size_t s = c; s < k; s++)
				t[s] = -1;
			rq[r++] = (uint32_t)i;
		}
		double penalty = 0;
		if (r) {
			float *norm2 = mlv_malloc(n * sizeof *norm2);
			double maxnorm2;
			float *xc = centred(x, n, dx, norm2, &maxnorm2);
			rank_ctx c = {.x = x, .xc = xc, .norm2 = norm2, .n = n, .d = dx,
			              .k = k, .query = rq, .thr = thr, .r = r};
			c.count = mlv_calloc(mlv_mul_size(r, k, "quality"), sizeof *c.count);
			size_t nblocks = (r + QUERY_BLOCK - 1) / QUERY_BLOCK;
			int bt = (size_t)nt < nblocks ? nt : (int)nblocks;
			c.qbuf = mlv_malloc(mlv_mul_size((size_t)bt, QUERY_BLOCK * dx *
			                                 sizeof(float), "quality"));
			c.dots = mlv_malloc(mlv_mul_size((size_t)bt, (size_t)QUERY_BLOCK *
			                                 POINT_BLOCK * sizeof(float),
			                                 "quality"));
			c.qn = mlv_malloc((size_t)bt * QUERY_BLOCK * sizeof(float));
			int blas = mlv_blas_single_thread();
			mlv_parallel_for(nblocks, bt, rank_blocks, &c);
			mlv_blas_restore(blas);
			for (size_t a = 0; a < r; a++)
				for (size_t s = 0; s < k && thr[a * k + s] >= 0; s++) {
					double rank = 1 + (double)c.count[a * k + s];
					if (rank > (double)k)
						penalty += rank - (double)k;
				}
			free(c.count);
			free(c.qbuf);
			free(c.dots);
			free(c.qn);
			free(xc);
			free(norm2);
		}
		q->trustworthiness = 1 - penalty * (2.0 / ((double)m * (double)k *
		                                          (2.0 * (double)n -
		                                           3.0 * (double)k - 1.0)));
		free(rq);
		free(thr);
	}
	free(query);
	free(nbx);
	free(nby);
	return 0;
}
