/* cluster.c - see cluster.h */
#include "cluster.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "pool.h"
#include "rng.h"
#include "stats.h"
#include "util.h"

static int
check_finite(const float *x, size_t n, size_t d, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			if (!isfinite(x[i * d + j]))
				return mlv_errf(err, errlen, "row %zu column %zu is %g "
				               "(clustering needs finite values)", i, j,
				               (double)x[i * d + j]);
	return 0;
}

static int
threads(int nthreads)
{
	return nthreads > 0 ? nthreads : mlv_default_threads();
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Centring: the points minus their column means (mlv_column_means, in
 * double) are what the sgemm distance formulas see, so |x|^2 - 2 x.c +
 * |c|^2 does not cancel away an offset common to all points
 * (scikit-learn centres its k-means input for the same reason). */

/* A power of two that brings the largest |x - mean| into [1, 2), so
 * float squares and their sums neither overflow nor underflow whatever
 * the data's range; exact, so results scale back exactly. */
static double
range_scale(const float *x, size_t n, size_t d, const double *mean)
{
	double a = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double t = fabs(x[i * d + j] - mean[j]);
			a = t > a ? t : a;
		}
	return a > 0 ? ldexp(1, -ilogb(a)) : 1;
}

/* (x - mean) * scale in float; perm (may be NULL) picks the rows. */
static float *
centred_copy(const float *x, size_t n, size_t d, const double *mean,
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

static double
dist2_double(const float *a, const float *b, size_t d)
{
	double s = 0;
	for (size_t j = 0; j < d; j++) {
		double t = (double)a[j] - (double)b[j];
		s += t * t;
	}
	return s;
}

/* ======================================================================
 * k-means
 * ====================================================================== */

void
mlv_kmeans_defaults(mlv_kmeans_opts *o)
{
	o->k = 8;
	o->n_init = 1;
	o->max_iter = 300;
	o->tol = 1e-4;
	o->seed = 0;
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
		size_t i0 = blk * c->rows, m = min_size(c->rows, c->n - i0);
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
				sse += dist2_double(c->x + i * d, c->c + (size_t)best * d, d);
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
		size_t i0 = blk * c->rows, m = min_size(c->rows, c->n - i0);
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
	if (check_finite(x, n, d, err, errlen))
		return -1;

	size_t k = o->k;
	int nt = threads(o->nthreads);
	int blas = mlv_blas_single_thread();
	double *mean = mlv_malloc(d * sizeof(double));
	mlv_column_means(x, n, d, mean);
	km_ctx c = {.n = n, .d = d, .k = k};
	double scale = range_scale(x, n, d, mean);
	float *xc = centred_copy(x, n, d, mean, scale, NULL);
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

	for (int run = 0; run < o->n_init; run++) {
		mlv_rng g;
		mlv_rng_stream(&g, o->seed, (uint64_t)run);
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

/* ======================================================================
 * hierarchical clustering
 * ====================================================================== */

static const char *const linkage_names[] = {
	[MLV_LINK_WARD] = "ward",
	[MLV_LINK_SINGLE] = "single",
	[MLV_LINK_COMPLETE] = "complete",
	[MLV_LINK_AVERAGE] = "average",
};

int
mlv_linkage_parse(const char *name, mlv_linkage *method)
{
	for (int m = MLV_LINK_WARD; m <= MLV_LINK_AVERAGE; m++)
		if (!strcmp(name, linkage_names[m])) {
			*method = (mlv_linkage)m;
			return 0;
		}
	return -1;
}

const char *
mlv_linkage_name(mlv_linkage method)
{
	return method <= MLV_LINK_AVERAGE ? linkage_names[method] : "unknown";
}

size_t
mlv_hclust_bytes(size_t n, size_t d, mlv_linkage method)
{
	size_t per_point, vec, pairs, bytes;
	/* ward, single: the points in double and float, sizes, positions,
	 * one scan's results and the chain, 12 d + 64 bytes a point; the
	 * sort and union-find that number the merges, 80 */
	if (d > SIZE_MAX / 16 || mlv_checked_mul(n, 12 * d + 64 + 80, &vec))
		return 0;
	if (method == MLV_LINK_WARD || method == MLV_LINK_SINGLE)
		return vec;
	if (mlv_checked_mul(n, n > 0 ? n - 1 : 0, &pairs) ||
	    mlv_checked_mul(pairs / 2, sizeof(double), &bytes) ||
	    mlv_checked_mul(n, 4 * sizeof(size_t) + 80, &per_point) ||
	    bytes + per_point < bytes)
		return 0;
	return bytes + per_point;
}

/* "9.3 GiB" */
static const char *
human_bytes(double b, char *buf, size_t len)
{
	const char *unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int u = 0;
	while (b >= 1024 && u < 5) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
	return buf;
}

typedef struct {
	double h;
	size_t i;
} hc_row;

static int
hc_row_cmp(const void *pa, const void *pb)
{
	const hc_row *a = pa, *b = pb;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static size_t
uf_find(size_t *parent, size_t x)
{
	size_t root = x;
	while (parent[root] != root)
		root = parent[root];
	while (parent[x] != root) {
		size_t next = parent[x];
		parent[x] = root;
		x = next;
	}
	return root;
}

/* The merges as the algorithm found them name their clusters by a member
 * point ("slot"); scipy sorts them by height (stably) and renumbers them
 * with a union-find, the i-th merge becoming cluster n + i (scipy's
 * _hierarchy.label).  Doing the same gives scipy's rows exactly. */
static void
hc_finish(double *z, size_t n)
{
	size_t m = n - 1;
	hc_row *r = mlv_malloc(m * sizeof *r);
	double *sorted = mlv_malloc(mlv_mul_size(m, 4 * sizeof(double), "tree"));
	size_t *parent = mlv_malloc(mlv_mul_size(2 * n, sizeof(size_t), "tree"));
	size_t *size = mlv_malloc(mlv_mul_size(2 * n, sizeof(size_t), "tree"));
	for (size_t i = 0; i < m; i++) {
		r[i].h = z[4 * i + 2];
		r[i].i = i;
	}
	qsort(r, m, sizeof *r, hc_row_cmp);
	for (size_t i = 0; i < m; i++)
		memcpy(sorted + 4 * i, z + 4 * r[i].i, 4 * sizeof(double));
	for (size_t i = 0; i < 2 * n - 1; i++) {
		parent[i] = i;
		size[i] = i < n;
	}
	for (size_t i = 0; i < m; i++) {
		size_t a = uf_find(parent, (size_t)sorted[4 * i]);
		size_t b = uf_find(parent, (size_t)sorted[4 * i + 1]);
		size_t id = n + i;
		parent[a] = parent[b] = id;
		size[id] = size[a] + size[b];
		z[4 * i] = (double)(a < b ? a : b);
		z[4 * i + 1] = (double)(a < b ? b : a);
		z[4 * i + 2] = sorted[4 * i + 2];
		z[4 * i + 3] = (double)size[id];
	}
	free(size);
	free(parent);
	free(sorted);
	free(r);
}

/* One merge, recorded by slots.  The height is raised, if need be, to
 * those of the merges that made the two parts: with exact arithmetic the
 * chain methods never produce a lower merge above a higher one
 * (reducibility), and a rounding inversion would otherwise reorder parent
 * before child in the sort. */
static void
hc_record(double *z, size_t *last, size_t k, size_t sx, size_t sy, double h,
          double size)
{
	if (last[sx] != SIZE_MAX && z[4 * last[sx] + 2] > h)
		h = z[4 * last[sx] + 2];
	if (last[sy] != SIZE_MAX && z[4 * last[sy] + 2] > h)
		h = z[4 * last[sy] + 2];
	z[4 * k] = (double)sx;
	z[4 * k + 1] = (double)sy;
	z[4 * k + 2] = h;
	z[4 * k + 3] = size;
	last[sy] = k;
	last[sx] = SIZE_MAX;
}

/* ---- on vectors: single linkage ----------------------------------------
 *
 * Coordinates are kept column-wise (coordinate j of position p at
 * j * cap + p), so one query's squared distances to all positions are a
 * loop over the positions that the compiler vectorises, summing over the
 * coordinates in order j = 0..d-1: the distance from a to b is then the
 * same double as from b to a, which the chain's termination relies on.
 * Positions follow the point order; merged-away positions are squeezed
 * out now and then, so scans stay as long as the live clusters. */
typedef struct {
	size_t d, m, cap;
	double *cent;    /* d x cap */
	double *sz;      /* cluster size; 0 once merged away */
	uint32_t *slot;  /* the point that names the cluster (scipy's index) */
	double *out;     /* one scan's results */
	size_t *map;     /* old position -> new, while squeezing */
	size_t dead;
} hc_vec;

#define HC_SCAN 64

static void
hc_scan(const hc_vec *v, const double *q)
{
	size_t m = v->m, d = v->d;
	for (size_t p0 = 0; p0 < m; p0 += HC_SCAN) {
		size_t np = min_size(HC_SCAN, m - p0);
		double acc[HC_SCAN] = {0};
		for (size_t j = 0; j < d; j++) {
			const double *c = v->cent + j * v->cap + p0;
			double qj = q[j];
			for (size_t p = 0; p < np; p++) {
				double t = c[p] - qj;
				acc[p] += t * t;
			}
		}
		memcpy(v->out + p0, acc, np * sizeof(double));
	}
}

static void
hc_vec_init(hc_vec *v, const float *x, size_t n, size_t d)
{
	v->d = d;
	v->m = v->cap = n;
	v->cent = mlv_malloc(mlv_mul_size(mlv_mul_size(n, d, "points"),
	                                  sizeof(double), "points"));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			v->cent[j * n + i] = x[i * d + j];
	v->sz = mlv_malloc(n * sizeof(double));
	v->slot = mlv_malloc(n * sizeof(uint32_t));
	v->out = mlv_malloc(n * sizeof(double));
	v->map = mlv_malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		v->sz[i] = 1;
		v->slot[i] = (uint32_t)i;
	}
	v->dead = 0;
}

static void
hc_vec_free(hc_vec *v)
{
	free(v->cent);
	free(v->sz);
	free(v->slot);
	free(v->out);
	free(v->map);
}

/* Drop merged-away positions once they are an eighth of the scan;
 * positions listed in keep[nkeep] are renumbered and extra (may be NULL)
 * moves with the positions. */
static void
hc_squeeze(hc_vec *v, size_t *keep, size_t nkeep, double *extra)
{
	if (v->dead < 32 || v->dead * 8 < v->m)
		return;
	for (size_t j = 0; j < v->d; j++) {
		double *c = v->cent + j * v->cap;
		size_t o = 0;
		for (size_t p = 0; p < v->m; p++)
			if (v->sz[p] > 0)
				c[o++] = c[p];
	}
	size_t w = 0;
	for (size_t p = 0; p < v->m; p++) {
		v->map[p] = w;
		if (v->sz[p] > 0) {
			v->sz[w] = v->sz[p];
			v->slot[w] = v->slot[p];
			if (extra)
				extra[w] = extra[p];
			w++;
		}
	}
	for (size_t i = 0; i < nkeep; i++)
		keep[i] = v->map[keep[i]];
	v->m = w;
	v->dead = 0;
}

/* Ward by the nearest-neighbour chain (Muellner 2011, section 4; scipy's
 * _hierarchy.nn_chain, step for step: the chain starts at the lowest live
 * cluster, a nearest neighbour is the first strictly closest in point
 * order with the chain's previous element preferred, the merged cluster
 * takes the higher slot).  The Ward dissimilarity of clusters A and B is
 * |A||B| / (|A|+|B|) |c_A - c_B|^2, half the square of scipy's height.
 *
 * The chain's scans run on centred, scaled float copies of the
 * centroids, four to a vector, which settle almost every candidate; the
 * few whose float dissimilarity lies within the float error bound of the
 * smallest are recomputed from the double centroids with the one double
 * formula, so the chain makes exactly the choices of an all-double chain
 * (checked bit for bit against one on offset, tiny, tied and duplicated
 * data) at a third of its time: 1.1 s against 3.5 s for 20,000 points
 * in 16-d.  Ward heights from centroids equal scipy's Lance-Williams ones
 * to rounding (1e-15 relative); where exact ties exist only in real
 * arithmetic, the two roundings may break them differently, as scipy's
 * and fastcluster's own implementations do between themselves. */

/* Positions are scanned WARD_LANES at a time with the sums kept in
 * registers; arrays are padded to a multiple of it with dead entries. */
#define WARD_LANES 16

typedef struct {
	size_t n, d, m, cap;
	double *cent;    /* n x d by slot: centroids in the input's coordinates */
	float *f;        /* d x cap by position: centroid - mean, in float */
	float *fsz;      /* by position: size, 0 once merged away */
	float *pen;      /* by position: 0, or INFINITY once merged away */
	uint32_t *slot;  /* by position */
	float *out;      /* by position: one scan's float dissimilarities */
	size_t dead;
} ward_vec;

/* |A||B| / (|A|+|B|) |c_A - c_B|^2, the same double for (a, b) and (b, a) */
static double
ward_delta(const ward_vec *v, size_t sa, size_t sb, double na, double nb)
{
	const double *a = v->cent + sa * v->d, *b = v->cent + sb * v->d;
	double s = 0;
	for (size_t j = 0; j < v->d; j++) {
		double t = a[j] - b[j];
		s += t * t;
	}
	return na * nb / (na + nb) * s;
}

/* Four floats as one value (GCC and Clang vector extensions): the
 * compiler emits SSE, AVX or NEON operations for them without
 * machine-specific code here. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static v4f
v4_load(const float *p)
{
	v4f v;
	memcpy(&v, p, sizeof v);
	return v;
}

static v4f
v4_min(v4f a, v4f b)
{
	v4i m = a < b;
	return (v4f)(((v4i)a & m) | ((v4i)b & ~m));
}

/* The float dissimilarities of q (size nq) to every position into
 * v->out; returns the smallest.  Dead positions have weight 0 and
 * penalty INFINITY, so the loop has no branches. */
static float
ward_scan(ward_vec *v, const float *q, float nq)
{
	size_t mm = (v->m + WARD_LANES - 1) / WARD_LANES * WARD_LANES;
	v4f inf = {INFINITY, INFINITY, INFINITY, INFINITY};
	v4f mn = inf, vnq = {nq, nq, nq, nq};
	for (size_t p0 = 0; p0 < mm; p0 += WARD_LANES) {
		v4f a[WARD_LANES / 4] = {{0}};
		for (size_t j = 0; j < v->d; j++) {
			const float *c = v->f + j * v->cap + p0;
			v4f qj = {q[j], q[j], q[j], q[j]};
			for (size_t l = 0; l < WARD_LANES / 4; l++) {
				v4f t = v4_load(c + 4 * l) - qj;
				a[l] += t * t;
			}
		}
		for (size_t l = 0; l < WARD_LANES / 4; l++) {
			size_t p = p0 + 4 * l;
			v4f sz = v4_load(v->fsz + p);
			v4f o = a[l] * (sz * vnq / (sz + vnq)) + v4_load(v->pen + p);
			memcpy(v->out + p, &o, sizeof o);
			mn = v4_min(o, mn);
		}
	}
	float m = mn[0];
	for (int l = 1; l < 4; l++)
		m = mn[l] < m ? mn[l] : m;
	return m;
}

/* Whether any of the WARD_LANES values at o is <= t. */
static int
ward_any_below(const float *o, float t)
{
	v4f vt = {t, t, t, t};
	v4i any = {0, 0, 0, 0};
	for (size_t l = 0; l < WARD_LANES / 4; l++)
		any |= v4_load(o + 4 * l) <= vt;
	return (any[0] | any[1] | any[2] | any[3]) != 0;
}

static void
ward_squeeze(ward_vec *v, size_t *keep, size_t nkeep, size_t *map)
{
	if (v->dead < 32 || v->dead * 8 < v->m)
		return;
	size_t mm = (v->m + WARD_LANES - 1) / WARD_LANES * WARD_LANES, w = 0;
	for (size_t j = 0; j < v->d; j++) {
		float *c = v->f + j * v->cap;
		w = 0;
		for (size_t p = 0; p < v->m; p++)
			if (v->fsz[p] > 0)
				c[w++] = c[p];
		for (size_t p = w; p < mm; p++)
			c[p] = 0;
	}
	w = 0;
	for (size_t p = 0; p < v->m; p++) {
		map[p] = w;
		if (v->fsz[p] > 0) {
			v->fsz[w] = v->fsz[p];
			v->pen[w] = 0;
			v->slot[w++] = v->slot[p];
		}
	}
	for (size_t p = w; p < mm; p++) {
		v->fsz[p] = 0;
		v->pen[p] = INFINITY;
	}
	for (size_t i = 0; i < nkeep; i++)
		keep[i] = map[keep[i]];
	v->m = w;
	v->dead = 0;
}

static void
hc_ward(const float *x, size_t n, size_t d, double *z)
{
	size_t cap = (n + WARD_LANES - 1) / WARD_LANES * WARD_LANES;
	ward_vec v = {.n = n, .d = d, .m = n, .cap = cap};
	v.cent = mlv_malloc(mlv_mul_size(mlv_mul_size(n, d, "points"),
	                                 sizeof(double), "points"));
	v.f = mlv_malloc(mlv_mul_size(mlv_mul_size(cap, d, "points"),
	                              sizeof(float), "points"));
	v.fsz = mlv_malloc(cap * sizeof(float));
	v.pen = mlv_malloc(cap * sizeof(float));
	v.slot = mlv_malloc(cap * sizeof(uint32_t));
	v.out = mlv_malloc(cap * sizeof(float));
	double *sz = mlv_malloc(n * sizeof(double));      /* by slot */
	double *mean = mlv_malloc(d * sizeof(double));
	float *q = mlv_malloc(d * sizeof(float));
	size_t *chain = mlv_malloc(n * sizeof(size_t));
	size_t *last = mlv_malloc(n * sizeof(size_t));
	size_t *map = mlv_malloc(n * sizeof(size_t));
	mlv_column_means(x, n, d, mean);
	/* The float copies are (c - mean) * scale (range_scale), so A = 2
	 * bounds every scaled |centroid - mean|. */
	double scale = range_scale(x, n, d, mean), A = 2;
	for (size_t j = 0; j < d; j++)
		for (size_t i = n; i < cap; i++)
			v.f[j * cap + i] = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double c = x[i * d + j];
			v.cent[i * d + j] = c;
			v.f[j * cap + i] = (float)((c - mean[j]) * scale);
		}
	for (size_t i = 0; i < cap; i++) {
		v.fsz[i] = i < n;
		v.pen[i] = i < n ? 0 : INFINITY;
		v.slot[i] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++) {
		sz[i] = 1;
		last[i] = SIZE_MAX;
	}
	/* Float error bounds, in scaled units (u = 2^-24, each doubled or
	 * more for room): the float difference vector is within
	 * E = sqrt(d) (2 u A + tiny) of the exact one, so sqrt(delta) is off
	 * by at most sqrt(w) E plus a relative (d + 16) u from the float sums
	 * and weights. */
	double E = sqrt((double)d) * (A * 0x1p-21 + 0x1p-126);
	double g = (double)(d + 16) * 0x1p-23;
	size_t len = 0;
	for (size_t k = 0; k + 1 < n; k++) {
		ward_squeeze(&v, chain, len, map);
		if (len == 0) {
			size_t p = 0;
			while (v.fsz[p] == 0)
				p++;
			chain[len++] = p;
		}
		size_t px, py;
		double cur;
		for (;;) {
			px = chain[len - 1];
			size_t sx = v.slot[px];
			for (size_t j = 0; j < d; j++)
				q[j] = v.f[j * cap + px];
			/* the query itself must not count */
			float keep = v.pen[px];
			v.pen[px] = INFINITY;
			float fmin = ward_scan(&v, q, v.fsz[px]);
			v.pen[px] = keep;
			/* every candidate that could be within rounding of the
			 * smallest: sqrt(delta_p) <= sqrt(delta_min) + 2 sqrt(w) E,
			 * w < |x| */
			double ew = sqrt(sz[sx]) * E;
			double t = (sqrt(fmin / (1 - g)) + ew) * (1 + 0x1p-22) + ew;
			double thr = (1 + g) * t * t * (1 + 1e-9) +
			             sz[sx] * (double)(d + 1) * 0x1p-126;
			float fthr = (float)thr;
			if ((double)fthr < thr)
				fthr = nextafterf(fthr, INFINITY);
			py = len > 1 ? chain[len - 2] : SIZE_MAX;
			cur = len > 1 ? ward_delta(&v, sx, v.slot[py], sz[sx],
			                           sz[v.slot[py]]) : INFINITY;
			for (size_t p0 = 0; p0 < v.m; p0 += WARD_LANES) {
				if (!ward_any_below(v.out + p0, fthr))
					continue;
				for (size_t p = p0; p < p0 + WARD_LANES && p < v.m; p++) {
					if (!(v.out[p] <= fthr) || p == px || v.fsz[p] == 0)
						continue;
					size_t sp = v.slot[p];
					double dl = ward_delta(&v, sx, sp, sz[sx], sz[sp]);
					if (dl < cur) {
						cur = dl;
						py = p;
					}
				}
			}
			if (len > 1 && py == chain[len - 2])
				break;
			chain[len++] = py;
		}
		len -= 2;
		if (px > py) {
			size_t t = px;
			px = py;
			py = t;
		}
		size_t sx = v.slot[px], sy = v.slot[py];
		double nx = sz[sx], ny = sz[sy];
		double *cx = v.cent + sx * d, *cy = v.cent + sy * d;
		for (size_t j = 0; j < d; j++) {
			cy[j] = (nx * cx[j] + ny * cy[j]) / (nx + ny);
			v.f[j * cap + py] = (float)((cy[j] - mean[j]) * scale);
		}
		hc_record(z, last, k, sx, sy, sqrt(2 * cur), nx + ny);
		sz[sy] = nx + ny;
		sz[sx] = 0;
		v.fsz[py] = (float)(nx + ny);
		v.fsz[px] = 0;
		v.pen[px] = INFINITY;
		v.dead++;
	}
	free(map);
	free(last);
	free(chain);
	free(q);
	free(mean);
	free(sz);
	free(v.out);
	free(v.slot);
	free(v.pen);
	free(v.fsz);
	free(v.f);
	free(v.cent);
}

/* Single linkage by Prim's algorithm on the vectors (scipy's
 * _hierarchy.mst_single_linkage with the distances computed on the fly,
 * so memory is O(n d)).  Squared distances are compared, which orders the
 * candidates as their square roots do (short of ties the rounding of a
 * root would create). */
static void
hc_single(const float *x, size_t n, size_t d, double *z)
{
	hc_vec v;
	hc_vec_init(&v, x, n, d);
	double *best = mlv_malloc(n * sizeof(double));
	double *q = mlv_malloc(d * sizeof(double));
	for (size_t i = 0; i < n; i++)
		best[i] = INFINITY;
	size_t px = 0;
	for (size_t k = 0; k + 1 < n; k++) {
		v.sz[px] = 0;
		v.dead++;
		for (size_t j = 0; j < d; j++)
			q[j] = v.cent[j * v.cap + px];
		hc_scan(&v, q);
		double cur = INFINITY;
		size_t py = 0;
		for (size_t p = 0; p < v.m; p++) {
			if (v.sz[p] == 0)
				continue;
			if (best[p] > v.out[p])
				best[p] = v.out[p];
			if (best[p] < cur) {
				cur = best[p];
				py = p;
			}
		}
		z[4 * k] = v.slot[px];
		z[4 * k + 1] = v.slot[py];
		z[4 * k + 2] = sqrt(cur);
		z[4 * k + 3] = 0;
		px = py;
		hc_squeeze(&v, &px, 1, best);
	}
	free(q);
	free(best);
	hc_vec_free(&v);
}

/* ---- on the condensed distance matrix: complete and average ---------- */

/* Row i, column j > i of the condensed matrix (scipy's condensed_index). */
static size_t
cidx(size_t n, size_t i, size_t j)
{
	return n * i - i * (i + 1) / 2 + (j - i - 1);
}

typedef struct {
	const float *x;
	size_t n, d;
	double *dist;
} pdist_ctx;

#define PDIST_ROWS 64

static void
pdist_rows(void *ctx, size_t item, int thread)
{
	(void)thread;
	pdist_ctx *c = ctx;
	size_t i0 = item * PDIST_ROWS, i1 = min_size(c->n, i0 + PDIST_ROWS);
	for (size_t i = i0; i < i1; i++) {
		double *row = c->dist + cidx(c->n, i, i + 1);
		for (size_t j = i + 1; j < c->n; j++)
			row[j - i - 1] = sqrt(dist2_double(c->x + i * c->d,
			                                   c->x + j * c->d, c->d));
	}
}

/* Complete or average linkage by the nearest-neighbour chain on the
 * matrix with the Lance-Williams updates, as scipy's _hierarchy.nn_chain
 * (same scan order and ties). */
static void
hc_matrix(const float *x, size_t n, size_t d, mlv_linkage method,
          int nthreads, double *z)
{
	size_t pairs = n * (n - 1) / 2;
	pdist_ctx pc = {.x = x, .n = n, .d = d};
	pc.dist = mlv_malloc(mlv_mul_size(pairs, sizeof(double), "distances"));
	mlv_parallel_items((n + PDIST_ROWS - 1) / PDIST_ROWS, nthreads,
	                   pdist_rows, &pc);
	double *D = pc.dist;
	size_t *size = mlv_malloc(n * sizeof(size_t));
	size_t *live = mlv_malloc(n * sizeof(size_t));
	size_t *chain = mlv_malloc(n * sizeof(size_t));
	size_t *last = mlv_malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		size[i] = 1;
		live[i] = i;
		last[i] = SIZE_MAX;
	}
	size_t nlive = n, dead = 0, len = 0;
	for (size_t k = 0; k + 1 < n; k++) {
		if (dead >= 32 && dead * 8 >= nlive) {
			size_t w = 0;
			for (size_t t = 0; t < nlive; t++)
				if (size[live[t]])
					live[w++] = live[t];
			nlive = w;
			dead = 0;
		}
		if (len == 0) {
			size_t t = 0;
			while (!size[live[t]])
				t++;
			chain[len++] = live[t];
		}
		size_t cx, cy;
		double cur;
		for (;;) {
			cx = chain[len - 1];
			cy = len > 1 ? chain[len - 2] : SIZE_MAX;
			cur = len > 1 ? D[cx < cy ? cidx(n, cx, cy) : cidx(n, cy, cx)]
			              : INFINITY;
			for (size_t t = 0; t < nlive; t++) {
				size_t i = live[t];
				if (!size[i] || i == cx)
					continue;
				double v = D[i < cx ? cidx(n, i, cx) : cidx(n, cx, i)];
				if (v < cur) {
					cur = v;
					cy = i;
				}
			}
			if (len > 1 && cy == chain[len - 2])
				break;
			chain[len++] = cy;
		}
		len -= 2;
		if (cx > cy) {
			size_t t = cx;
			cx = cy;
			cy = t;
		}
		size_t nx = size[cx], ny = size[cy];
		hc_record(z, last, k, cx, cy, cur, (double)(nx + ny));
		size[cx] = 0;
		size[cy] = nx + ny;
		dead++;
		for (size_t t = 0; t < nlive; t++) {
			size_t i = live[t];
			if (!size[i] || i == cy)
				continue;
			double dx = D[i < cx ? cidx(n, i, cx) : cidx(n, cx, i)];
			double *dy = &D[i < cy ? cidx(n, i, cy) : cidx(n, cy, i)];
			if (method == MLV_LINK_COMPLETE)
				*dy = dx > *dy ? dx : *dy;
			else
				*dy = ((double)nx * dx + (double)ny * *dy) /
				      (double)(nx + ny);
		}
	}
	free(last);
	free(chain);
	free(live);
	free(size);
	free(D);
}

int
mlv_hclust(const float *x, size_t n, size_t d, mlv_linkage method,
           size_t max_bytes, int nthreads, double *z, char *err,
           size_t errlen)
{
	if (method > MLV_LINK_AVERAGE)
		return mlv_errf(err, errlen, "unknown linkage method %d", (int)method);
	const char *name = linkage_names[method];
	if (n < 2 || d == 0)
		return mlv_errf(err, errlen, "%s linkage needs at least 2 points of at "
		               "least one dimension (got %zu x %zu)", name, n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "%s linkage: %zu points is more than %d",
		               name, n, INT32_MAX);
	size_t need = mlv_hclust_bytes(n, d, method);
	int matrix = method == MLV_LINK_COMPLETE || method == MLV_LINK_AVERAGE;
	if (need == 0 || (max_bytes && need > max_bytes)) {
		double want = matrix ? (double)n * (double)(n - 1) / 2 * 8 +
		                       (double)n * 112
		                     : (double)n * ((double)d * 12 + 144);
		char b1[32], b2[48] = "can be addressed";
		human_bytes(want, b1, sizeof b1);
		if (need) {
			human_bytes((double)max_bytes, b2, sizeof b2);
			strcat(b2, " allowed");
		}
		return mlv_errf(err, errlen, "%s linkage of %zu points needs %s%s, "
		               "more than %s%s", name, n, b1,
		               matrix ? " for its n(n-1)/2 double distances" : "",
		               b2, matrix ? " (ward and single need O(n d))" : "");
	}
	if (check_finite(x, n, d, err, errlen))
		return -1;
	switch (method) {
	case MLV_LINK_WARD:
		hc_ward(x, n, d, z);
		break;
	case MLV_LINK_SINGLE:
		hc_single(x, n, d, z);
		break;
	default:
		hc_matrix(x, n, d, method, threads(nthreads), z);
		break;
	}
	hc_finish(z, n);
	return 0;
}

/* ---- flat clusters from the tree -------------------------------------- */

static int
hc_check_tree(const double *z, size_t n, size_t *size, uint8_t *used,
              char *err, size_t errlen)
{
	for (size_t i = 0; i < 2 * n - 1; i++) {
		size[i] = i < n;
		used[i] = 0;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		const double *r = z + 4 * i;
		for (int s = 0; s < 2; s++)
			if (!(r[s] >= 0 && r[s] < (double)(n + i) && r[s] == floor(r[s])))
				return mlv_errf(err, errlen, "merge tree row %zu: cluster "
				               "%g is not one of the %zu formed so far",
				               i, r[s], n + i);
		size_t a = (size_t)r[0], b = (size_t)r[1];
		if (a == b || used[a] || used[b])
			return mlv_errf(err, errlen, "merge tree row %zu: cluster %zu "
			               "is merged twice", i, used[a] || a == b ? a : b);
		if (!(r[2] >= 0) || !isfinite(r[2]))
			return mlv_errf(err, errlen, "merge tree row %zu: height %g is "
			               "not a finite distance", i, r[2]);
		if (r[3] != (double)(size[a] + size[b]))
			return mlv_errf(err, errlen, "merge tree row %zu: size %g, but "
			               "its parts have %zu points", i, r[3],
			               size[a] + size[b]);
		used[a] = used[b] = 1;
		size[n + i] = size[a] + size[b];
	}
	return 0;
}

/* scipy's _hierarchy.cluster_monocrit: walk the tree depth first from the
 * root (left part, then right), numbering a cluster when the walk enters
 * the first subtree whose criterion is <= cutoff, and a point on its own
 * when it is met outside any such subtree. */
static size_t
hc_monocrit(const double *z, const double *mc, size_t n, double cutoff,
            int32_t *labels, uint8_t *visited, size_t *stack)
{
	size_t nc = 0, leader = SIZE_MAX;
	memset(visited, 0, 2 * n - 1);
	ptrdiff_t k = 0;
	stack[0] = 2 * n - 2;
	while (k >= 0) {
		size_t root = stack[k] - n;
		size_t lc = (size_t)z[4 * root], rc = (size_t)z[4 * root + 1];
		if (leader == SIZE_MAX && mc[root] <= cutoff) {
			leader = root;
			nc++;
		}
		if (lc >= n && !visited[lc]) {
			visited[lc] = 1;
			stack[++k] = lc;
			continue;
		}
		if (rc >= n && !visited[rc]) {
			visited[rc] = 1;
			stack[++k] = rc;
			continue;
		}
		if (lc < n) {
			if (leader == SIZE_MAX)
				nc++;
			labels[lc] = (int32_t)(nc - 1);
		}
		if (rc < n) {
			if (leader == SIZE_MAX)
				nc++;
			labels[rc] = (int32_t)(nc - 1);
		}
		if (leader == root)
			leader = SIZE_MAX;
		k--;
	}
	return nc;
}

static int
dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

/* by_k: cut so at most k clusters remain; else at height t. */
static int
hc_cut(const double *z, size_t n, int by_k, size_t k, double t,
       int32_t *labels, size_t *nclusters, char *err, size_t errlen)
{
	if (n == 0)
		return mlv_errf(err, errlen, "cannot cut a tree of no points");
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "a tree of %zu points is more than %d",
		               n, INT32_MAX);
	if (by_k && k == 0)
		return mlv_errf(err, errlen, "cannot cut a tree into 0 clusters");
	if (!by_k && isnan(t))
		return mlv_errf(err, errlen, "cut height is NaN");
	if (n == 1) {
		labels[0] = 0;
		if (nclusters)
			*nclusters = 1;
		return 0;
	}
	size_t m = n - 1;
	size_t *size = mlv_malloc(mlv_mul_size(2 * n, sizeof(size_t), "tree"));
	uint8_t *used = mlv_malloc(2 * n);
	double *mc = mlv_malloc(m * sizeof(double));
	double *sorted = mlv_malloc(m * sizeof(double));
	int rc = -1;
	if (hc_check_tree(z, n, size, used, err, errlen))
		goto done;
	/* the highest merge in each subtree (scipy's
	 * get_max_dist_for_each_cluster): the heights themselves unless
	 * the tree has inversions */
	for (size_t i = 0; i < m; i++) {
		double h = z[4 * i + 2];
		for (int s = 0; s < 2; s++) {
			size_t c = (size_t)z[4 * i + s];
			if (c >= n && mc[c - n] > h)
				h = mc[c - n];
		}
		mc[i] = h;
	}
	double cutoff = t;
	if (by_k) {
		/* scipy's maxclust: the lowest of the subtree maxima that leaves
		 * at most k clusters; with n - 1 merges, merging the n - k
		 * lowest leaves k, so the (n-k)-th smallest.  (scipy 1.10's
		 * binary search never tries the lowest, so for k >= n - 1 it
		 * returns fewer clusters than this.) */
		if (k >= n) {
			cutoff = -INFINITY;
		} else {
			memcpy(sorted, mc, m * sizeof(double));
			qsort(sorted, m, sizeof(double), dbl_cmp);
			cutoff = sorted[n - k - 1];
		}
	}
	size_t nc = hc_monocrit(z, mc, n, cutoff, labels, used, size);
	if (nclusters)
		*nclusters = nc;
	rc = 0;
done:
	free(sorted);
	free(mc);
	free(used);
	free(size);
	return rc;
}

int
mlv_hclust_cut_k(const double *z, size_t n, size_t k, int32_t *labels,
                 size_t *nclusters, char *err, size_t errlen)
{
	return hc_cut(z, n, 1, k, 0, labels, nclusters, err, errlen);
}

int
mlv_hclust_cut_height(const double *z, size_t n, double t, int32_t *labels,
                      size_t *nclusters, char *err, size_t errlen)
{
	return hc_cut(z, n, 0, 0, t, labels, nclusters, err, errlen);
}

/* ======================================================================
 * DBSCAN
 * ====================================================================== */

/* Points per kd-tree leaf: one leaf pair is one sgemm of up to
 * DB_LEAF x DB_LEAF x d.  On 100,000 points of the 16-d mixture, 128 ran
 * 1.3-1.4x faster than 256 or 64 (smaller boxes prune more pairs, but
 * calls and bookkeeping grow). */
#define DB_LEAF 128

typedef struct {
	size_t start, count;      /* rows of the leaf-ordered data */
	size_t cstart, ncore;     /* rows of the leaf-ordered core points */
	float maxn;               /* largest squared norm (centred) */
	int32_t minlabel;         /* lowest cluster among its core points */
} db_leaf;

typedef struct {
	uint32_t a, b;            /* a <= b */
	int full;                 /* every pair within eps */
} db_pair;

typedef struct {
	const float *x;           /* the input, for exact checks */
	const float *xs, *xsn;    /* centred, leaf order; squared norms */
	const float *xc, *xcn;    /* core points only, leaf order */
	const uint32_t *perm;     /* leaf-order row -> point */
	const uint32_t *cperm;    /* core row -> point */
	size_t n, d, ncore, nthreads;
	double eps2;              /* eps^2, for the exact checks */
	double eps2s;             /* (eps * scale)^2, for the scaled sgemm */
	const db_leaf *leaf;
	const db_pair *pair;
	const size_t *adj_start;  /* leaf adjacency, both directions */
	const db_pair *adj;       /* .b is the neighbour leaf */
	const uint8_t *is_core;   /* per row */
	const uint32_t *count;    /* per row: neighbours, itself included */
	uint32_t *tcount;         /* pass 1: per thread, per row */
	uint32_t *tparent;        /* pass 2: per thread union-find over cores */
	const int32_t *clabel;    /* per core row */
	int32_t *labels;          /* per point */
	float *scratch;           /* per thread: DB_LEAF^2 + DB_LEAF * d */
} db_ctx;

/* Whether rows ra (of data a) and rb (of b) are within eps, given the
 * sgemm's squared distance d2: inside [lo, hi] the float result may err
 * either way, and the distance is recomputed in double from the input,
 * as scikit-learn computes it. */
static int
db_near(const db_ctx *c, float d2, float lo, float hi, uint32_t pa,
        uint32_t pb)
{
	if (d2 <= lo)
		return 1;
	if (d2 > hi)
		return 0;
	return dist2_double(c->x + (size_t)pa * c->d, c->x + (size_t)pb * c->d,
	                    c->d) <= c->eps2;
}

/* The band around eps^2 where the float result is not trusted: sgemm and
 * norm rounding of the centred data, (d + 2) u (|a|^2 + |b|^2), and the
 * rounding of the centring, 2 u eps (|a| + |b|), with room to spare. */
static void
db_band(const db_ctx *c, float maxa, float maxb, float *lo, float *hi)
{
	double m = (double)(c->d + 16) * 0x1p-21 *
	           ((double)maxa + (double)maxb + c->eps2s);
	*lo = (float)(c->eps2s - m);
	*hi = (float)(c->eps2s + m);
}

/* One row's neighbours among nb columns: those surely within eps are
 * counted in a loop without branches (so it vectorises), adding 1 to
 * col[j] too when col is not NULL; the rare ones in the uncertain band
 * are settled in double afterwards. */
static uint32_t
db_count_row(const db_ctx *c, const float *row, float an, const float *bn,
             size_t nb, float lo, float hi, uint32_t *col, uint32_t pa,
             const uint32_t *pb)
{
	uint32_t here = 0, band = 0;
	if (col)
		for (size_t j = 0; j < nb; j++) {
			float d2 = an + bn[j] - 2 * row[j];
			uint32_t in = d2 <= lo;
			here += in;
			col[j] += in;
			band |= (d2 <= hi) & !in;
		}
	else
		for (size_t j = 0; j < nb; j++) {
			float d2 = an + bn[j] - 2 * row[j];
			uint32_t in = d2 <= lo;
			here += in;
			band |= (d2 <= hi) & !in;
		}
	if (band)
		for (size_t j = 0; j < nb; j++) {
			float d2 = an + bn[j] - 2 * row[j];
			if (d2 > lo && d2 <= hi && db_near(c, d2, lo, hi, pa, pb[j])) {
				here++;
				if (col)
					col[j]++;
			}
		}
	return here;
}

static void
db_count(void *ctx, size_t item, int thread)
{
	db_ctx *c = ctx;
	const db_pair *p = &c->pair[item];
	const db_leaf *A = &c->leaf[p->a], *B = &c->leaf[p->b];
	uint32_t *cnt = c->tcount + (size_t)thread * c->n;
	size_t na = A->count, nb = B->count;
	if (p->full) {
		for (size_t i = 0; i < na; i++)
			cnt[A->start + i] += (uint32_t)nb;
		if (p->a != p->b)
			for (size_t j = 0; j < nb; j++)
				cnt[B->start + j] += (uint32_t)na;
		return;
	}
	float *dots = c->scratch + (size_t)thread * (DB_LEAF * DB_LEAF +
	                                             DB_LEAF * c->d);
	float lo, hi;
	db_band(c, A->maxn, B->maxn, &lo, &hi);
	mlv_gemm_abt(c->xs + A->start * c->d, c->xs + B->start * c->d, dots,
	             na, nb, c->d, nb, 1.0f, 0.0f);
	/* a leaf against itself: the full square counts each row once */
	uint32_t *col = p->a != p->b ? cnt + B->start : NULL;
	for (size_t i = 0; i < na; i++) {
		size_t ra = A->start + i;
		cnt[ra] += db_count_row(c, dots + i * nb, c->xsn[ra],
		                        c->xsn + B->start, nb, lo, hi, col,
		                        c->perm[ra], c->perm + B->start);
	}
}

/* Union-find over core rows whose root is always the core point with the
 * lowest number, so a component's root names it in sklearn's order. */
static uint32_t
db_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static void
db_union(uint32_t *parent, const uint32_t *key, uint32_t a, uint32_t b)
{
	a = db_find(parent, a);
	b = db_find(parent, b);
	if (a == b)
		return;
	if (key[a] < key[b])
		parent[b] = a;
	else
		parent[a] = b;
}

/* The one root all core rows [s, s + cnt) share, or UINT32_MAX. */
static uint32_t
db_common_root(uint32_t *uf, size_t s, size_t cnt)
{
	uint32_t r = db_find(uf, (uint32_t)s);
	for (size_t i = 1; i < cnt; i++)
		if (db_find(uf, (uint32_t)(s + i)) != r)
			return UINT32_MAX;
	return r;
}

#define DB_JOIN_ROWS 32

/* Join the core points of a leaf pair that lie within eps.  Most pairs
 * link leaves already joined: rows whose set is already that of every
 * core of the other leaf are skipped, and the rest go through sgemm a
 * few rows at a time, stopping once both leaves are one set. */
static void
db_join_pair(db_ctx *c, const db_pair *p, uint32_t *uf, float *scratch)
{
	const db_leaf *A = &c->leaf[p->a], *B = &c->leaf[p->b];
	size_t na = A->ncore, nb = B->ncore, d = c->d;
	if (!na || !nb)
		return;
	uint32_t ra = db_common_root(uf, A->cstart, na);
	uint32_t rb = db_common_root(uf, B->cstart, nb);
	if (ra != UINT32_MAX && ra == rb)
		return;
	if (p->full) {
		for (size_t i = 0; i < na; i++)
			db_union(uf, c->cperm, (uint32_t)B->cstart,
			         (uint32_t)(A->cstart + i));
		for (size_t j = 1; j < nb; j++)
			db_union(uf, c->cperm, (uint32_t)B->cstart,
			         (uint32_t)(B->cstart + j));
		return;
	}
	float *dots = scratch, *rows = scratch + DB_LEAF * DB_LEAF;
	uint32_t which[DB_JOIN_ROWS];
	float lo, hi;
	db_band(c, A->maxn, B->maxn, &lo, &hi);
	const float *bn = c->xcn + B->cstart;
	for (size_t i0 = 0; i0 < na; i0 += DB_JOIN_ROWS) {
		if (i0) {
			ra = db_common_root(uf, A->cstart, na);
			rb = db_common_root(uf, B->cstart, nb);
			if (ra != UINT32_MAX && ra == rb)
				return;
		}
		size_t m = 0;
		for (size_t i = i0; i < na && i < i0 + DB_JOIN_ROWS; i++) {
			uint32_t r = (uint32_t)(A->cstart + i);
			if (rb != UINT32_MAX && db_find(uf, r) == rb)
				continue;
			which[m] = r;
			memcpy(rows + m * d, c->xc + (size_t)r * d, d * sizeof(float));
			m++;
		}
		if (!m)
			continue;
		mlv_gemm_abt(rows, c->xc + B->cstart * d, dots, m, nb, d, nb, 1.0f,
		             0.0f);
		for (size_t i = 0; i < m; i++) {
			const float *row = dots + i * nb;
			float an = c->xcn[which[i]];
			for (size_t j = 0; j < nb; j++) {
				float d2 = an + bn[j] - 2 * row[j];
				if (d2 > hi)
					continue;
				uint32_t r2 = (uint32_t)(B->cstart + j);
				if (r2 != which[i] &&
				    db_find(uf, which[i]) != db_find(uf, r2) &&
				    db_near(c, d2, lo, hi, c->cperm[which[i]], c->cperm[r2]))
					db_union(uf, c->cperm, which[i], r2);
			}
		}
	}
}

/* Leaves against themselves first, into one union-find: their unions
 * touch only their own cores, so threads never share a pointer. */
static void
db_join_self(void *ctx, size_t leaf, int thread)
{
	db_ctx *c = ctx;
	db_pair p = {(uint32_t)leaf, (uint32_t)leaf, 0};
	for (size_t e = c->adj_start[leaf]; e < c->adj_start[leaf + 1]; e++)
		if (c->adj[e].b == leaf)
			p.full = c->adj[e].full;
	db_join_pair(c, &p, c->tparent, c->scratch + (size_t)thread *
	             (DB_LEAF * DB_LEAF + DB_LEAF * c->d));
}

/* Then the pairs of different leaves, each thread into its own copy. */
static void
db_join(void *ctx, size_t item, int thread)
{
	db_ctx *c = ctx;
	const db_pair *p = &c->pair[item];
	if (p->a == p->b)
		return;
	db_join_pair(c, p, c->tparent + (size_t)thread * c->ncore,
	             c->scratch + (size_t)thread * (DB_LEAF * DB_LEAF +
	                                            DB_LEAF * c->d));
}

/* Border points of leaf `item` take the lowest cluster among the core
 * points within eps. */
static void
db_border(void *ctx, size_t item, int thread)
{
	db_ctx *c = ctx;
	const db_leaf *A = &c->leaf[item];
	size_t d = c->d;
	float *dots = c->scratch + (size_t)thread * (DB_LEAF * DB_LEAF +
	                                             DB_LEAF * d);
	float *rows = dots + DB_LEAF * DB_LEAF;
	uint32_t which[DB_LEAF];
	size_t m = 0;
	for (size_t i = 0; i < A->count; i++) {
		size_t r = A->start + i;
		if (!c->is_core[r] && c->count[r] > 1) {
			which[m] = (uint32_t)r;
			memcpy(rows + m * d, c->xs + r * d, d * sizeof(float));
			m++;
		}
	}
	if (!m)
		return;
	int32_t best[DB_LEAF];
	for (size_t i = 0; i < m; i++)
		best[i] = INT32_MAX;
	for (size_t e = c->adj_start[item]; e < c->adj_start[item + 1]; e++) {
		const db_leaf *B = &c->leaf[c->adj[e].b];
		size_t nb = B->ncore;
		if (!nb)
			continue;
		if (c->adj[e].full) {
			for (size_t i = 0; i < m; i++)
				if (B->minlabel < best[i])
					best[i] = B->minlabel;
			continue;
		}
		float lo, hi;
		db_band(c, A->maxn, B->maxn, &lo, &hi);
		mlv_gemm_abt(rows, c->xc + B->cstart * d, dots, m, nb, d, nb, 1.0f,
		             0.0f);
		for (size_t i = 0; i < m; i++) {
			const float *row = dots + i * nb;
			float an = c->xsn[which[i]];
			for (size_t j = 0; j < nb; j++) {
				size_t rb = B->cstart + j;
				if (c->clabel[rb] < best[i] &&
				    db_near(c, an + c->xcn[rb] - 2 * row[j], lo, hi,
				            c->perm[which[i]], c->cperm[rb]))
					best[i] = c->clabel[rb];
			}
		}
	}
	for (size_t i = 0; i < m; i++)
		if (best[i] != INT32_MAX)
			c->labels[c->perm[which[i]]] = best[i];
}

/* Put idx[kth] at its place in the order of coordinate `dim`, smaller
 * before, larger after (quickselect, three-way partition so runs of equal
 * values cost no more than distinct ones). */
static void
db_select(uint32_t *idx, size_t cnt, const float *x, size_t d, size_t dim,
          size_t kth)
{
	size_t lo = 0, hi = cnt;
	while (hi - lo > 1) {
		float a = x[(size_t)idx[lo] * d + dim];
		float b = x[(size_t)idx[lo + (hi - lo) / 2] * d + dim];
		float e = x[(size_t)idx[hi - 1] * d + dim];
		float piv = a < b ? (b < e ? b : a < e ? e : a)
		                  : (a < e ? a : b < e ? e : b);
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			uint32_t t = idx[i];
			float v = x[(size_t)t * d + dim];
			if (v < piv) {
				idx[i++] = idx[lt];
				idx[lt++] = t;
			} else if (v > piv) {
				idx[i] = idx[--gt];
				idx[gt] = t;
			} else {
				i++;
			}
		}
		if (kth < lt)
			hi = lt;
		else if (kth >= gt)
			lo = gt;
		else
			return;
	}
}

/* Leaves of a kd-tree: split at the median of the widest coordinate until
 * at most DB_LEAF points remain, leaves in depth-first order so that
 * nearby points get nearby rows. */
static size_t
db_leaves(const float *x, size_t n, size_t d, uint32_t *perm, db_leaf *leaf)
{
	size_t stack[2 * 64 + 2][2], top = 0, nleaf = 0;
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	stack[top][0] = 0;
	stack[top++][1] = n;
	while (top) {
		top--;
		size_t s = stack[top][0], cnt = stack[top][1];
		if (cnt <= DB_LEAF) {
			leaf[nleaf].start = s;
			leaf[nleaf++].count = cnt;
			continue;
		}
		size_t dim = 0;
		float spread = -1;
		for (size_t j = 0; j < d; j++) {
			float lo = INFINITY, hi = -INFINITY;
			for (size_t i = s; i < s + cnt; i++) {
				float v = x[(size_t)perm[i] * d + j];
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
			if (hi - lo > spread) {
				spread = hi - lo;
				dim = j;
			}
		}
		db_select(perm + s, cnt, x, d, dim, cnt / 2);
		stack[top][0] = s + cnt / 2;
		stack[top++][1] = cnt - cnt / 2;
		stack[top][0] = s;
		stack[top++][1] = cnt / 2;
	}
	return nleaf;
}

int
mlv_dbscan(const float *x, size_t n, size_t d, double eps,
           size_t min_samples, int nthreads, int32_t *labels,
           uint8_t *core, size_t *nclusters, char *err, size_t errlen)
{
	if (n == 0 || d == 0)
		return mlv_errf(err, errlen, "DBSCAN needs at least one point of at "
		               "least one dimension (got %zu x %zu)", n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "DBSCAN: %zu points is more than %d", n,
		               INT32_MAX);
	if (!(eps > 0) || !isfinite(eps))
		return mlv_errf(err, errlen, "DBSCAN: eps %g must be a finite "
		               "distance > 0", eps);
	if (min_samples < 1)
		return mlv_errf(err, errlen, "DBSCAN: min_samples must be at least 1 "
		               "(it counts the point itself)");
	if (check_finite(x, n, d, err, errlen))
		return -1;

	int nt = threads(nthreads);
	int blas = mlv_blas_single_thread();
	db_ctx c = {.x = x, .n = n, .d = d, .eps2 = eps * eps, .labels = labels,
	            .nthreads = (size_t)nt};
	double *mean = mlv_malloc(d * sizeof(double));
	uint32_t *perm = mlv_malloc(n * sizeof(uint32_t));
	size_t maxleaf = n / (DB_LEAF / 2) + 2;
	db_leaf *leaf = mlv_calloc(maxleaf, sizeof *leaf);
	mlv_column_means(x, n, d, mean);
	size_t nleaf = db_leaves(x, n, d, perm, leaf);

	/* leaf-ordered centred copy, and each leaf's box in the input's
	 * coordinates (exact, in double) */
	double scale = range_scale(x, n, d, mean);
	/* scaled distances^2 are below 16 d, so a larger eps^2 works as 1e30
	 * and float stays finite */
	c.eps2s = eps * scale * (eps * scale);
	c.eps2s = c.eps2s < 1e30 ? c.eps2s : 1e30;
	float *xs = centred_copy(x, n, d, mean, scale, perm);
	float *xsn = mlv_malloc(n * sizeof(float));
	double *box = mlv_malloc(mlv_mul_size(nleaf, 2 * d * sizeof(double),
	                                      "boxes"));
	mlv_row_norms2(xs, n, d, xsn);
	for (size_t l = 0; l < nleaf; l++) {
		double *lo = box + l * 2 * d, *hi = lo + d;
		for (size_t j = 0; j < d; j++) {
			lo[j] = INFINITY;
			hi[j] = -INFINITY;
		}
		leaf[l].maxn = 0;
		for (size_t r = leaf[l].start; r < leaf[l].start + leaf[l].count;
		     r++) {
			const float *p = x + (size_t)perm[r] * d;
			for (size_t j = 0; j < d; j++) {
				lo[j] = p[j] < lo[j] ? p[j] : lo[j];
				hi[j] = p[j] > hi[j] ? p[j] : hi[j];
			}
			if (xsn[r] > leaf[l].maxn)
				leaf[l].maxn = xsn[r];
		}
	}

	/* leaf pairs whose boxes come within eps; a pair whose farthest
	 * corners are within eps needs no distances at all */
	size_t npair = 0, cap = nleaf * 4;
	db_pair *pair = mlv_malloc(cap * sizeof *pair);
	double in = c.eps2 * (1 + 1e-9), all = c.eps2 * (1 - 1e-9);
	for (size_t a = 0; a < nleaf; a++) {
		const double *alo = box + a * 2 * d, *ahi = alo + d;
		for (size_t b = a; b < nleaf; b++) {
			const double *blo = box + b * 2 * d, *bhi = blo + d;
			double near = 0, far = 0;
			for (size_t j = 0; j < d; j++) {
				double g = blo[j] - ahi[j], g2 = alo[j] - bhi[j];
				g = g > g2 ? g : g2;
				if (g > 0)
					near += g * g;
				double f = bhi[j] - alo[j], f2 = ahi[j] - blo[j];
				f = f > f2 ? f : f2;
				far += f * f;
			}
			if (near > in)
				continue;
			if (npair == cap) {
				cap = mlv_mul_size(cap, 2, "leaf pairs");
				pair = mlv_realloc(pair, mlv_mul_size(cap, sizeof *pair,
				                                      "leaf pairs"));
			}
			pair[npair].a = (uint32_t)a;
			pair[npair].b = (uint32_t)b;
			pair[npair++].full = far <= all;
		}
	}
	size_t *adj_start = mlv_calloc(nleaf + 1, sizeof(size_t));
	db_pair *adj = mlv_malloc(mlv_mul_size(2 * npair, sizeof *adj, "pairs"));
	for (size_t p = 0; p < npair; p++) {
		adj_start[pair[p].a + 1]++;
		if (pair[p].a != pair[p].b)
			adj_start[pair[p].b + 1]++;
	}
	for (size_t l = 0; l < nleaf; l++)
		adj_start[l + 1] += adj_start[l];
	size_t *fill = mlv_malloc((nleaf + 1) * sizeof(size_t));
	memcpy(fill, adj_start, (nleaf + 1) * sizeof(size_t));
	for (size_t p = 0; p < npair; p++) {
		db_pair e = pair[p];
		adj[fill[e.a]++] = e;
		if (e.a != e.b) {
			e.b = pair[p].a;
			adj[fill[pair[p].b]++] = e;
		}
	}

	c.xs = xs;
	c.xsn = xsn;
	c.perm = perm;
	c.leaf = leaf;
	c.pair = pair;
	c.adj_start = adj_start;
	c.adj = adj;
	c.scratch = mlv_malloc(mlv_mul_size((size_t)nt, (DB_LEAF * DB_LEAF +
	        DB_LEAF * d) * sizeof(float), "DBSCAN"));

	/* pass 1: neighbour counts */
	c.tcount = mlv_calloc(mlv_mul_size((size_t)nt, n, "counts"),
	                      sizeof(uint32_t));
	mlv_parallel_items(npair, nt, db_count, &c);
	uint32_t *count = c.tcount;
	for (int t = 1; t < nt; t++)
		for (size_t r = 0; r < n; r++)
			count[r] += c.tcount[(size_t)t * n + r];
	c.count = count;
	uint8_t *is_core = mlv_malloc(n);
	size_t ncore = 0;
	for (size_t r = 0; r < n; r++) {
		is_core[r] = count[r] >= min_samples;
		ncore += is_core[r];
	}
	c.is_core = is_core;

	/* core points gathered leaf by leaf */
	float *xc = mlv_malloc(mlv_mul_size(ncore ? ncore : 1, d * sizeof(float),
	                                    "cores"));
	float *xcn = mlv_malloc((ncore ? ncore : 1) * sizeof(float));
	uint32_t *cperm = mlv_malloc((ncore ? ncore : 1) * sizeof(uint32_t));
	int32_t *clabel = mlv_malloc((ncore ? ncore : 1) * sizeof(int32_t));
	size_t w = 0;
	for (size_t l = 0; l < nleaf; l++) {
		leaf[l].cstart = w;
		for (size_t r = leaf[l].start; r < leaf[l].start + leaf[l].count; r++)
			if (is_core[r]) {
				memcpy(xc + w * d, xs + r * d, d * sizeof(float));
				xcn[w] = xsn[r];
				cperm[w++] = perm[r];
			}
		leaf[l].ncore = w - leaf[l].cstart;
	}
	c.xc = xc;
	c.xcn = xcn;
	c.cperm = cperm;
	c.ncore = ncore;

	/* pass 2: connected components of the core points: each leaf by
	 * itself, then the pairs of leaves, one union-find per thread,
	 * merged afterwards (components do not depend on the order the
	 * pairs were seen in) */
	c.tparent = mlv_malloc(mlv_mul_size((size_t)nt, (ncore ? ncore : 1) *
	                                    sizeof(uint32_t), "components"));
	for (size_t i = 0; i < ncore; i++)
		c.tparent[i] = (uint32_t)i;
	if (ncore)
		mlv_parallel_items(nleaf, nt, db_join_self, &c);
	for (size_t t = 1; t < (size_t)nt; t++)
		memcpy(c.tparent + t * ncore, c.tparent, ncore * sizeof(uint32_t));
	if (ncore)
		mlv_parallel_items(npair, nt, db_join, &c);
	uint32_t *uf = c.tparent;
	for (size_t t = 1; t < (size_t)nt; t++)
		for (size_t i = 0; i < ncore; i++)
			db_union(uf, cperm, (uint32_t)i, c.tparent[t * ncore + i]);

	/* clusters numbered by their lowest core point, as sklearn's
	 * dbscan_inner meets them */
	int32_t *rootlabel = mlv_malloc((ncore ? ncore : 1) * sizeof(int32_t));
	uint32_t *crow = mlv_malloc(n * sizeof(uint32_t));
	for (size_t i = 0; i < ncore; i++) {
		rootlabel[i] = -1;
		crow[cperm[i]] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++)
		labels[i] = -1;
	uint8_t *pcore = mlv_calloc(n, 1);
	for (size_t i = 0; i < ncore; i++)
		pcore[cperm[i]] = 1;
	int32_t nlab = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pcore[i])
			continue;
		uint32_t r = db_find(uf, crow[i]);
		if (rootlabel[r] < 0)
			rootlabel[r] = nlab++;
		labels[i] = rootlabel[r];
	}
	for (size_t i = 0; i < ncore; i++)
		clabel[i] = labels[cperm[i]];
	for (size_t l = 0; l < nleaf; l++) {
		leaf[l].minlabel = INT32_MAX;
		for (size_t i = 0; i < leaf[l].ncore; i++)
			if (clabel[leaf[l].cstart + i] < leaf[l].minlabel)
				leaf[l].minlabel = clabel[leaf[l].cstart + i];
	}
	c.clabel = clabel;

	/* pass 3: border points */
	if (ncore)
		mlv_parallel_items(nleaf, nt, db_border, &c);
	if (core)
		memcpy(core, pcore, n);
	if (nclusters)
		*nclusters = (size_t)nlab;

	free(pcore);
	free(crow);
	free(rootlabel);
	free(c.tparent);
	free(clabel);
	free(cperm);
	free(xcn);
	free(xc);
	free(is_core);
	free(c.tcount);
	free(c.scratch);
	free(fill);
	free(adj);
	free(adj_start);
	free(pair);
	free(box);
	free(xsn);
	free(xs);
	free(leaf);
	free(perm);
	free(mean);
	mlv_blas_restore(blas);
	return 0;
}

/* ======================================================================
 * comparing partitions
 * ====================================================================== */

typedef struct {
	int32_t v;
	uint32_t i;
} lab_item;

static int
lab_cmp(const void *pa, const void *pb)
{
	const lab_item *a = pa, *b = pb;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Dense numbers 0..count-1 in the order of the label values (numpy's
 * unique(return_inverse=True)); returns the count. */
static size_t
dense_labels(const int32_t *lab, size_t n, uint32_t *out)
{
	if (!n)
		return 0;
	lab_item *t = mlv_malloc(mlv_mul_size(n, sizeof *t, "labels"));
	for (size_t i = 0; i < n; i++) {
		t[i].v = lab[i];
		t[i].i = (uint32_t)i;
	}
	qsort(t, n, sizeof *t, lab_cmp);
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && t[i].v != t[i - 1].v)
			c++;
		out[t[i].i] = (uint32_t)c;
	}
	free(t);
	return c + 1;
}

static int
u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

/* The sparse contingency table of two labellings: cells (class, cluster,
 * count) with count > 0, plus class and cluster totals. */
typedef struct {
	size_t nclass, nclust, ncell;
	uint32_t *row, *col;
	uint64_t *cnt;
	uint64_t *a, *b;  /* class sizes, cluster sizes */
} contingency;

static void
contingency_make(contingency *t, const int32_t *truth, const int32_t *pred,
                 size_t n)
{
	uint32_t *u = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof(uint32_t),
	                                      "labels"));
	uint32_t *v = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof(uint32_t),
	                                      "labels"));
	uint64_t *key = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof(uint64_t),
	                                        "labels"));
	t->nclass = dense_labels(truth, n, u);
	t->nclust = dense_labels(pred, n, v);
	for (size_t i = 0; i < n; i++)
		key[i] = (uint64_t)u[i] << 32 | v[i];
	qsort(key, n, sizeof *key, u64_cmp);
	t->row = mlv_malloc((n ? n : 1) * sizeof(uint32_t));
	t->col = mlv_malloc((n ? n : 1) * sizeof(uint32_t));
	t->cnt = mlv_malloc((n ? n : 1) * sizeof(uint64_t));
	t->a = mlv_calloc(t->nclass + 1, sizeof(uint64_t));
	t->b = mlv_calloc(t->nclust + 1, sizeof(uint64_t));
	t->ncell = 0;
	for (size_t i = 0; i < n; i++) {
		if (!i || key[i] != key[i - 1]) {
			t->row[t->ncell] = (uint32_t)(key[i] >> 32);
			t->col[t->ncell] = (uint32_t)key[i];
			t->cnt[t->ncell++] = 0;
		}
		t->cnt[t->ncell - 1]++;
		t->a[key[i] >> 32]++;
		t->b[(uint32_t)key[i]]++;
	}
	free(key);
	free(v);
	free(u);
}

static void
contingency_free(contingency *t)
{
	free(t->row);
	free(t->col);
	free(t->cnt);
	free(t->a);
	free(t->b);
}

double
mlv_ari(const int32_t *truth, const int32_t *pred, size_t n)
{
	contingency t;
	contingency_make(&t, truth, pred, n);
	/* sklearn's pair_confusion_matrix: counts of ordered pairs */
	__int128 nn = n, sq = 0, ca = 0, cb = 0;
	for (size_t c = 0; c < t.ncell; c++) {
		__int128 v = t.cnt[c];
		sq += v * v;
		ca += v * (__int128)t.b[t.col[c]];
		cb += v * (__int128)t.a[t.row[c]];
	}
	contingency_free(&t);
	__int128 tp = sq - nn, fp = ca - sq, fn = cb - sq;
	__int128 tn = nn * nn - fp - fn - sq;
	if (fn == 0 && fp == 0)
		return 1.0;
	__int128 num = tp * tn - fn * fp;
	__int128 den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
	return 2.0 * (double)num / (double)den;
}

static double
entropy(const uint64_t *size, size_t k, double total)
{
	double h = 0, lt = log(total);
	for (size_t i = 0; i < k; i++)
		if (size[i])
			h -= ((double)size[i] / total) * (log((double)size[i]) - lt);
	return h;
}

double
mlv_nmi(const int32_t *truth, const int32_t *pred, size_t n)
{
	contingency t;
	contingency_make(&t, truth, pred, n);
	double r;
	if (t.nclass == t.nclust && t.nclass <= 1) {
		r = 1.0; /* neither labelling splits the data */
	} else if (t.nclass == 1 || t.nclust == 1) {
		r = 0.0;
	} else {
		/* sklearn's mutual_info_score, term by term */
		double N = (double)n, logn = log(N), mi = 0;
		for (size_t c = 0; c < t.ncell; c++) {
			double v = (double)t.cnt[c], pn = v / N;
			double outer = (double)t.a[t.row[c]] * (double)t.b[t.col[c]];
			double term = pn * (log(v) - logn) + pn * (-log(outer) + logn +
			                                           logn);
			if (fabs(term) >= 0x1p-52)
				mi += term;
		}
		if (mi < 0)
			mi = 0;
		if (mi == 0) {
			r = 0.0;
		} else {
			double norm = (entropy(t.a, t.nclass, N) +
			               entropy(t.b, t.nclust, N)) / 2;
			r = mi / (norm > 0x1p-52 ? norm : 0x1p-52);
		}
	}
	contingency_free(&t);
	return r;
}

double
mlv_purity(const int32_t *truth, const int32_t *pred, size_t n)
{
	if (!n)
		return 1.0;
	contingency t;
	contingency_make(&t, truth, pred, n);
	uint64_t *best = mlv_calloc(t.nclust + 1, sizeof(uint64_t));
	for (size_t c = 0; c < t.ncell; c++)
		if (t.cnt[c] > best[t.col[c]])
			best[t.col[c]] = t.cnt[c];
	uint64_t s = 0;
	for (size_t k = 0; k < t.nclust; k++)
		s += best[k];
	free(best);
	contingency_free(&t);
	return (double)s / (double)n;
}

/* ---- silhouette --------------------------------------------------------- */

#define SIL_COLS 2048

typedef struct {
	const float *x, *xn;
	const uint32_t *lab;
	const uint64_t *size;
	size_t n, d, k, rows, nblocks;
	double *sums;   /* per thread: rows x k */
	float *dots;    /* per thread: rows x SIL_COLS */
	double *s;      /* per point */
} sil_ctx;

static void
sil_rows(void *ctx, size_t item, int thread)
{
	sil_ctx *c = ctx;
	size_t k = c->k, i0 = item * c->rows, m = min_size(c->rows, c->n - i0);
	double *sums = c->sums + (size_t)thread * c->rows * k;
	float *dots = c->dots + (size_t)thread * c->rows * SIL_COLS;
	memset(sums, 0, m * k * sizeof(double));
	for (size_t j0 = 0; j0 < c->n; j0 += SIL_COLS) {
		size_t nc = min_size(SIL_COLS, c->n - j0);
		mlv_gemm_abt(c->x + i0 * c->d, c->x + j0 * c->d, dots, m, nc, c->d,
		             SIL_COLS, 1.0f, 0.0f);
		for (size_t r = 0; r < m; r++) {
			float *row = dots + r * SIL_COLS;
			float an = c->xn[i0 + r];
			for (size_t j = 0; j < nc; j++) {
				float d2 = an + c->xn[j0 + j] - 2 * row[j];
				row[j] = d2 > 0 ? sqrtf(d2) : 0;
			}
			if (i0 + r >= j0 && i0 + r < j0 + nc)
				row[i0 + r - j0] = 0; /* itself */
			double *s = sums + r * k;
			const uint32_t *lab = c->lab + j0;
			for (size_t j = 0; j < nc; j++)
				s[lab[j]] += row[j];
		}
	}
	for (size_t r = 0; r < m; r++) {
		size_t i = i0 + r, own = c->lab[i];
		const double *s = sums + r * k;
		if (c->size[own] < 2) {
			c->s[i] = 0; /* sklearn: a point alone scores 0 */
			continue;
		}
		double a = s[own] / (double)(c->size[own] - 1), b = INFINITY;
		for (size_t l = 0; l < k; l++)
			if (l != own && s[l] / (double)c->size[l] < b)
				b = s[l] / (double)c->size[l];
		double mx = a > b ? a : b;
		c->s[i] = mx > 0 ? (b - a) / mx : 0;
	}
}

int
mlv_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
               int nthreads, double *score, char *err, size_t errlen)
{
	if (n == 0 || d == 0)
		return mlv_errf(err, errlen, "silhouette needs points (got %zu x %zu)",
		               n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "silhouette: %zu points is more than %d",
		               n, INT32_MAX);
	if (check_finite(x, n, d, err, errlen))
		return -1;
	uint32_t *lab = mlv_malloc(n * sizeof(uint32_t));
	size_t k = dense_labels(labels, n, lab);
	if (k < 2 || k > n - 1) {
		free(lab);
		return mlv_errf(err, errlen, "silhouette needs between 2 and n - 1 = "
		               "%zu clusters, got %zu", n - 1, k);
	}
	int nt = threads(nthreads);
	int blas = mlv_blas_single_thread();
	sil_ctx c = {.n = n, .d = d, .k = k, .lab = lab};
	uint64_t *size = mlv_calloc(k, sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		size[lab[i]]++;
	c.size = size;
	double *mean = mlv_malloc(d * sizeof(double));
	mlv_column_means(x, n, d, mean);
	/* the silhouette does not change with the scale */
	float *xc = centred_copy(x, n, d, mean, range_scale(x, n, d, mean), NULL);
	float *xn = mlv_malloc(n * sizeof(float));
	mlv_row_norms2(xc, n, d, xn);
	c.x = xc;
	c.xn = xn;
	/* a block's per-cluster sums within 8 MiB */
	c.rows = ((size_t)1 << 20) / k;
	c.rows = c.rows < 1 ? 1 : c.rows > 256 ? 256 : c.rows;
	c.nblocks = (n + c.rows - 1) / c.rows;
	c.sums = mlv_malloc(mlv_mul_size((size_t)nt, mlv_mul_size(c.rows,
	                    k * sizeof(double), "silhouette"), "silhouette"));
	c.dots = mlv_malloc(mlv_mul_size((size_t)nt, c.rows * SIL_COLS *
	                                 sizeof(float), "silhouette"));
	c.s = mlv_malloc(n * sizeof(double));
	mlv_parallel_items(c.nblocks, nt, sil_rows, &c);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += c.s[i];
	*score = total / (double)n;
	free(c.s);
	free(c.dots);
	free(c.sums);
	free(xn);
	free(xc);
	free(mean);
	free(size);
	free(lab);
	mlv_blas_restore(blas);
	return 0;
}
