/* kmeans.c - see kmeans.h */
#include "kmeans.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "pool.h"
#include "rng.h"
#include "stats.h"
#include "util.h"

void
mlv_kmeans_defaults(mlv_kmeans_opts *o)
{
	o->k = 8;
	o->n_init = 1;
	o->max_iter = 300;
	o->tol = 1e-4;
	o->seed = 0;
	o->init = NULL;
	o->nthreads = 0;
}

/* Points per block: the block's distances to all centres (rows x k
 * floats) stay within 1 MiB.  The blocks depend on n and k only, so the
 * sums made over them do not depend on the thread count. */
static size_t
km_rows(size_t k)
{
	size_t r = ((size_t)1 << 18) / k;
	return r < 64 ? 64 : r > 4096 ? 4096 : r;
}

typedef struct {
	const float *x, *xn;  /* centred data (n x d), squared norms */
	size_t n, d, k, rows, nblocks;
	float *scratch;       /* per thread: rows x max(k, trials) */
	/* assignment */
	const float *c, *cn;  /* centres (k x d), squared norms */
	int32_t *labels;
	float *mind;          /* squared distance to the own centre (sgemm) */
	size_t *changed;      /* per block */
	double *sse;          /* per block: exact inertia, when exact */
	int exact;
	/* centre update */
	const size_t *start;  /* k + 1 offsets into members */
	const uint32_t *members;
	double *sums;         /* k x d */
	/* k-means++ */
	const float *cand, *candn; /* trials x d, squared norms */
	size_t trials;
	const float *closest; /* n: squared distance to the nearest centre */
	float *d2;            /* trials x n */
	double *pot;          /* per block x trials */
} km_ctx;

static void
km_assign(void *ctx, size_t begin, size_t end, int thread)
{
	km_ctx *c = ctx;
	size_t k = c->k, d = c->d;
	float *dots = c->scratch + (size_t)thread * c->rows * k;
	for (size_t blk = begin; blk < end; blk++) {
		size_t i0 = blk * c->rows, m = c->n - i0 < c->rows ? c->n - i0 : c->rows;
		size_t changed = 0;
		double sse = 0;
		mlv_gemm_abt(c->x + i0 * d, c->c, dots, m, k, d, k, 1.0f, 0.0f);
		for (size_t r = 0; r < m; r++) {
			const float *row = dots + r * k;
			size_t i = i0 + r;
			int32_t best = 0;
			float bv = c->cn[0] - 2 * row[0];
			for (size_t j = 1; j < k; j++) {
				float v = c->cn[j] - 2 * row[j];
				if (v < bv) {
					bv = v;
					best = (int32_t)j;
				}
			}
			float d2 = c->xn[i] + bv;
			c->mind[i] = d2 > 0 ? d2 : 0;
			if (c->labels[i] != best) {
				c->labels[i] = best;
				changed++;
			}
			if (c->exact)
				sse += mlv_dist2_double(c->x + i * d, c->c + (size_t)best * d, d);
		}
		c->changed[blk] = changed;
		c->sse[blk] = sse;
	}
}

/* Each cluster's sum over its members in increasing point order. */
static void
km_sums(void *ctx, size_t begin, size_t end, int thread)
{
	(void)thread;
	km_ctx *c = ctx;
	size_t d = c->d;
	for (size_t cl = begin; cl < end; cl++) {
		double *s = c->sums + cl * d;
		for (size_t j = 0; j < d; j++)
			s[j] = 0;
		for (size_t m = c->start[cl]; m < c->start[cl + 1]; m++) {
			const float *p = c->x + (size_t)c->members[m] * d;
			for (size_t j = 0; j < d; j++)
				s[j] += p[j];
		}
	}
}

/* Squared distances from every point to each of the trial centres, and
 * per block the potential sum(min(closest, d2)) each trial would give. */
static void
km_trials(void *ctx, size_t begin, size_t end, int thread)
{
	km_ctx *c = ctx;
	size_t t = c->trials, d = c->d;
	float *dots = c->scratch + (size_t)thread * c->rows * (c->k > t ? c->k : t);
	for (size_t blk = begin; blk < end; blk++) {
		size_t i0 = blk * c->rows, m = c->n - i0 < c->rows ? c->n - i0 : c->rows;
		double *pot = c->pot + blk * t;
		mlv_gemm_abt(c->x + i0 * d, c->cand, dots, m, t, d, t, 1.0f, 0.0f);
		const float *xn = c->xn + i0, *cl = c->closest + i0;
		for (size_t tt = 0; tt < t; tt++) {
			float *out = c->d2 + tt * c->n + i0, cn = c->candn[tt];
			/* four running sums, so the adds need not wait for each
			 * other; their order is fixed, so is the result */
			double s[4] = {0, 0, 0, 0};
			for (size_t r = 0; r < m; r++) {
				float v = xn[r] + cn - 2 * dots[r * t + tt];
				v = v > 0 ? v : 0;
				out[r] = v;
				s[r & 3] += v < cl[r] ? v : cl[r];
			}
			pot[tt] = (s[0] + s[1]) + (s[2] + s[3]);
		}
	}
}

/* Greedy k-means++ as scikit-learn's _kmeans_plusplus: the first centre
 * uniformly, then for each further centre 2 + floor(ln k) candidates drawn
 * with probability proportional to the squared distance to the nearest
 * centre so far; the candidate that lowers the total most is kept. */
static void
km_seed(km_ctx *c, mlv_rng *g, float *centres, float *closest, double *cum,
        int nthreads)
{
	size_t n = c->n, d = c->d, k = c->k;
	size_t trials = 2 + (size_t)log((double)k);
	float *cand = mlv_malloc(mlv_mul_size(trials, d * sizeof(float), "seeds"));
	float candn[32];    /* trials <= 2 + ln(2^31) = 23 */
	uint32_t pick[32];
	c->cand = cand;
	c->candn = candn;
	c->closest = closest;

	pick[0] = (uint32_t)mlv_rng_below(g, n);
	memcpy(centres, c->x + (size_t)pick[0] * d, d * sizeof(float));
	memcpy(cand, centres, d * sizeof(float));
	candn[0] = c->xn[pick[0]];
	for (size_t i = 0; i < n; i++)
		closest[i] = INFINITY;
	c->trials = 1;
	mlv_parallel_for(c->nblocks, nthreads, km_trials, c);
	memcpy(closest, c->d2, n * sizeof(float));

	for (size_t cl = 1; cl < k; cl++) {
		double run = 0;
		for (size_t i = 0; i < n; i++)
			cum[i] = run += closest[i];
		for (size_t t = 0; t < trials; t++) {
			double r = mlv_rng_uniform(g) * run;
			/* first point whose cumulative weight exceeds r, so points
			 * already at a centre (weight 0) are never drawn */
			size_t lo = 0, hi = n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (cum[mid] > r)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (lo == n) /* every point sits on a centre */
				lo = (size_t)mlv_rng_below(g, n);
			pick[t] = (uint32_t)lo;
			memcpy(cand + t * d, c->x + lo * d, d * sizeof(float));
			candn[t] = c->xn[lo];
		}
		c->trials = trials;
		mlv_parallel_for(c->nblocks, nthreads, km_trials, c);
		size_t best = 0;
		double best_pot = INFINITY;
		for (size_t t = 0; t < trials; t++) {
			double p = 0;
			for (size_t b = 0; b < c->nblocks; b++)
				p += c->pot[b * trials + t];
			if (p < best_pot) {
				best_pot = p;
				best = t;
			}
		}
		const float *bd = c->d2 + best * n;
		for (size_t i = 0; i < n; i++)
			if (bd[i] < closest[i])
				closest[i] = bd[i];
		memcpy(centres + cl * d, c->x + (size_t)pick[best] * d,
		       d * sizeof(float));
	}
	free(cand);
}

static size_t
km_run_assign(km_ctx *c, const float *centres, float *cn, int exact,
              int nthreads, double *sse)
{
	mlv_row_norms2(centres, c->k, c->d, cn);
	c->c = centres;
	c->cn = cn;
	c->exact = exact;
	mlv_parallel_for(c->nblocks, nthreads, km_assign, c);
	size_t changed = 0;
	double s = 0;
	for (size_t b = 0; b < c->nblocks; b++) {
		changed += c->changed[b];
		s += c->sse[b];
	}
	if (sse)
		*sse = s;
	return changed;
}

/* New centres from the labels: the mean of each cluster's points.  An
 * empty cluster takes the point farthest from its own centre, as
 * scikit-learn's _relocate_empty_clusters does (the point keeps its label
 * until the next assignment).  Returns the summed squared shift. */
static double
km_update(km_ctx *c, const float *old, float *new, size_t *start,
          uint32_t *members, size_t *fill, uint8_t *taken, int nthreads)
{
	size_t n = c->n, d = c->d, k = c->k;
	for (size_t cl = 0; cl <= k; cl++)
		start[cl] = 0;
	for (size_t i = 0; i < n; i++)
		start[c->labels[i] + 1]++;
	for (size_t cl = 0; cl < k; cl++)
		start[cl + 1] += start[cl];
	for (size_t cl = 0; cl < k; cl++)
		fill[cl] = start[cl];
	for (size_t i = 0; i < n; i++)
		members[fill[c->labels[i]]++] = (uint32_t)i;
	for (size_t cl = 0; cl < k; cl++)
		fill[cl] = start[cl + 1] - start[cl];
	c->start = start;
	c->members = members;
	mlv_parallel_for(k, nthreads, km_sums, c);

	int any_empty = 0;
	for (size_t cl = 0; cl < k; cl++)
		any_empty |= fill[cl] == 0;
	if (any_empty) {
		memset(taken, 0, n);
		for (size_t cl = 0; cl < k; cl++) {
			if (fill[cl])
				continue;
			size_t far = n;
			for (size_t i = 0; i < n; i++)
				if (!taken[i] && fill[c->labels[i]] > 1 &&
				    (far == n || c->mind[i] > c->mind[far]))
					far = i;
			if (far == n)
				break; /* fewer distinct points than clusters */
			taken[far] = 1;
			size_t from = (size_t)c->labels[far];
			const float *p = c->x + far * d;
			for (size_t j = 0; j < d; j++) {
				c->sums[from * d + j] -= p[j];
				c->sums[cl * d + j] = p[j];
			}
			fill[from]--;
			fill[cl] = 1;
		}
	}
	double shift = 0;
	for (size_t cl = 0; cl < k; cl++)
		for (size_t j = 0; j < d; j++) {
			float v = fill[cl] ? (float)(c->sums[cl * d + j] / (double)fill[cl])
			                   : old[cl * d + j];
			double t = (double)v - old[cl * d + j];
			shift += t * t;
			new[cl * d + j] = v;
		}
	return shift;
}

/* Each Lloyd iteration assigns points by sgemm over fixed blocks of
 * points (threads take whole blocks) and sums each cluster over its
 * members in point order, after a counting sort of the labels: no sum
 * depends on which thread made it, so the result is the same for any
 * thread count.  Elkan's and Hamerly's bounds save distance computations;
 * with sgemm and k x d in the hundreds those cost about as much as
 * reading the points once, and seeding dominates (on the 200,000-point
 * peer data Lloyd converges in 2-6 iterations), so plain Lloyd is kept. */
int
mlv_kmeans(const float *x, size_t n, size_t d, const mlv_kmeans_opts *o,
           int32_t *labels, float *centroids, double *inertia,
           int *iterations, char *err, size_t errlen)
{
	if (n == 0 || d == 0)
		return mlv_errf(err, errlen, "k-means needs at least one point of "
		               "at least one dimension (got %zu x %zu)", n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "k-means: %zu points is more than "
		               "%d", n, INT32_MAX);
	if (o->k < 1 || o->k > n)
		return mlv_errf(err, errlen, "k-means: k %zu must be between 1 and "
		               "the number of points, %zu", o->k, n);
	if (o->max_iter < 1 || o->n_init < 1)
		return mlv_errf(err, errlen, "k-means: max_iter %d and n_init %d "
		               "must be at least 1", o->max_iter, o->n_init);
	if (!(o->tol >= 0) || !isfinite(o->tol))
		return mlv_errf(err, errlen, "k-means: tolerance %g must be a finite "
		               "number >= 0", o->tol);
	if (mlv_check_finite(x, n, d, "clustering", err, errlen))
		return -1;

	size_t k = o->k;
	int nt = mlv_threads(o->nthreads);
	int blas = mlv_blas_single_thread();
	double *mean = mlv_malloc(d * sizeof(double));
	mlv_column_means(x, n, d, mean);
	km_ctx c = {.n = n, .d = d, .k = k};
	double scale = mlv_range_scale(x, n, d, mean);
	float *xc = mlv_centred_copy(x, n, d, mean, scale, NULL);
	float *xn = mlv_malloc(n * sizeof(float));
	mlv_row_norms2(xc, n, d, xn);
	/* scikit-learn's tolerance: tol times the mean column variance (in
	 * the scaled units the iterations work in) */
	double var = 0;
	for (size_t i = 0; i < n; i++)
		var += xn[i];
	double tol = o->tol * var / (double)n / (double)d;
	c.x = xc;
	c.xn = xn;
	c.rows = km_rows(k);
	c.nblocks = (n + c.rows - 1) / c.rows;
	size_t trials = 2 + (size_t)log((double)k);
	size_t width = k > trials ? k : trials;
	size_t kd = mlv_mul_size(k, d, "centres");
	c.scratch = mlv_malloc(mlv_mul_size((size_t)nt, mlv_mul_size(c.rows,
	                       width * sizeof(float), "k-means"), "k-means"));
	c.changed = mlv_malloc(c.nblocks * sizeof(size_t));
	c.sse = mlv_malloc(c.nblocks * sizeof(double));
	c.pot = mlv_malloc(mlv_mul_size(c.nblocks, trials * sizeof(double),
	                                "k-means"));
	c.d2 = mlv_malloc(mlv_mul_size(n, trials * sizeof(float), "k-means"));
	c.labels = mlv_malloc(n * sizeof(int32_t));
	c.mind = mlv_malloc(n * sizeof(float));
	c.sums = mlv_malloc(kd * sizeof(double));
	float *cen = mlv_malloc(kd * sizeof(float));
	float *cen2 = mlv_malloc(kd * sizeof(float));
	float *cn = mlv_malloc(k * sizeof(float));
	float *closest = mlv_malloc(n * sizeof(float));
	double *cum = mlv_malloc(n * sizeof(double));
	size_t *start = mlv_malloc((k + 1) * sizeof(size_t));
	size_t *fill = mlv_malloc(k * sizeof(size_t));
	uint32_t *members = mlv_malloc(n * sizeof(uint32_t));
	uint8_t *taken = mlv_malloc(n);
	int32_t *best_labels = mlv_malloc(n * sizeof(int32_t));
	float *best_cen = mlv_malloc(kd * sizeof(float));
	double best_sse = INFINITY;
	int best_iter = 0;

	for (int run = 0; run < (o->init ? 1 : o->n_init); run++) {
		mlv_rng g;
		mlv_rng_stream(&g, o->seed, (uint64_t)run);
		if (o->init)
			for (size_t i = 0; i < kd; i++)
				cen[i] = (float)((o->init[i] - mean[i % d]) * scale);
		else
			km_seed(&c, &g, cen, closest, cum, nt);
		for (size_t i = 0; i < n; i++)
			c.labels[i] = -1;
		int it;
		for (it = 0; it < o->max_iter; it++) {
			size_t changed = km_run_assign(&c, cen, cn, 0, nt, NULL);
			double shift = km_update(&c, cen, cen2, start, members, fill,
			                         taken, nt);
			float *t = cen;
			cen = cen2;
			cen2 = t;
			/* scikit-learn's tests: labels unchanged (strict
			 * convergence), else the centres moved by at most tol */
			if (changed == 0 || shift <= tol) {
				it++;
				break;
			}
		}
		/* one more assignment, so the labels belong to the final
		 * centres, with the exact inertia */
		double sse;
		km_run_assign(&c, cen, cn, 1, nt, &sse);
		if (sse < best_sse) {
			best_sse = sse;
			best_iter = it;
			memcpy(best_labels, c.labels, n * sizeof(int32_t));
			memcpy(best_cen, cen, kd * sizeof(float));
		}
	}
	if (labels)
		memcpy(labels, best_labels, n * sizeof(int32_t));
	if (centroids)
		for (size_t cl = 0; cl < k; cl++)
			for (size_t j = 0; j < d; j++)
				centroids[cl * d + j] =
				        (float)(best_cen[cl * d + j] / scale + mean[j]);
	if (inertia)
		*inertia = best_sse / (scale * scale);
	if (iterations)
		*iterations = best_iter;

	free(best_cen);
	free(best_labels);
	free(taken);
	free(members);
	free(fill);
	free(start);
	free(cum);
	free(closest);
	free(cn);
	free(cen2);
	free(cen);
	free(c.sums);
	free(c.mind);
	free(c.labels);
	free(c.d2);
	free(c.pot);
	free(c.sse);
	free(c.changed);
	free(c.scratch);
	free(xn);
	free(xc);
	free(mean);
	mlv_blas_restore(blas);
	return 0;
}

int
mlv_kmeans_assign_moments(const float *x, size_t n, size_t d,
                          const double *centres, size_t k,
                          mlv_moments *clusters, int32_t *labels, char *err,
                          size_t errlen)
{
	if (mlv_check_finite(x, n, d, "clustering", err, errlen))
		return -1;
	int32_t *lab = labels ? labels : mlv_malloc((n ? n : 1) * sizeof *lab);
	size_t *count = mlv_calloc(k + 1, sizeof *count);
	for (size_t i = 0; i < n; i++) {
		double best = INFINITY;
		int32_t bj = 0;
		for (size_t j = 0; j < k; j++) {
			double s = 0;
			for (size_t l = 0; l < d; l++) {
				double t = x[i * d + l] - centres[j * d + l];
				s += t * t;
			}
			if (s < best) {
				best = s;
				bj = (int32_t)j;
			}
		}
		lab[i] = bj;
		count[bj + 1]++;
	}
	/* Each cluster's rows together and in order, then its moments. */
	for (size_t j = 0; j < k; j++)
		count[j + 1] += count[j];
	float *sorted = mlv_malloc(mlv_mul_size(n ? n : 1, d, "k-means rows") *
	                           sizeof *sorted);
	size_t *fill = mlv_malloc((k ? k : 1) * sizeof *fill);
	memcpy(fill, count, k * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		memcpy(sorted + fill[lab[i]]++ * d, x + i * d, d * sizeof *sorted);
	int rc = 0;
	for (size_t j = 0; j < k && !rc; j++)
		rc = mlv_moments_add(&clusters[j], sorted + count[j] * d,
		                     count[j + 1] - count[j], 0, err, errlen);
	free(sorted);
	free(fill);
	free(count);
	if (!labels)
		free(lab);
	return rc;
}
