/* umap.c - see umap.h
 *
 * References, read for the method and cited where a detail comes from one
 * of them (no code is copied):
 *   [UL] umap-learn, lmcinnes/umap, umap/umap_.py (smooth_knn_dist,
 *        fuzzy_simplicial_set, find_ab_params, simplicial_set_embedding),
 *        umap/spectral.py and umap/layouts.py.
 *   [UW] uwot, jlmelville/uwot: inst/include/uwot/smooth_knn.h, sampler.h,
 *        gradient.h, update.h, epoch.h, optimize.h; R/uwot.R, R/init.R,
 *        R/affinity.R, R/rspectra_init.R.
 */
#include "umap.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "knn.h"
#include "pca.h"
#include "pool.h"
#include "rng.h"
#include "stats.h"
#include "util.h"

/* Independent random streams of one seed (rng.h's mlv_rng_stream). */
enum { STREAM_LANCZOS = 1, STREAM_INIT = 2, STREAM_SGD = 3 };

/* Smooth kNN bisection, as [UL] and [UW] (SMOOTH_K_TOLERANCE, n_iter 64,
 * MIN_K_DIST_SCALE). */
#define SMOOTH_TOL 1e-5
#define SMOOTH_ITERS 64
#define MIN_K_DIST_SCALE 1e-3

/* Spectral initialisation: a Ritz pair counts as converged when its
 * residual |M v - theta v| is below SPEC_TOL (M has norm 2).  RSpectra, as
 * [UW] calls it, asks for 1e-4 relative to the Laplacian eigenvalue, which
 * for the small ones wanted here is about 1e-6 absolute. */
#define SPEC_TOL 1e-6
#define SPEC_MAX_RESTARTS 200

/* [UW] gradient.h: gradients are clipped per coordinate at 4; distances
 * below FLT_EPSILON count as FLT_EPSILON; the repulsion adds 0.001 to the
 * squared distance so that coincident points do not divide by zero. */
#define GRAD_CLIP 4.0f
#define REPULSION_EPS 0.001f

void
mlv_umap_defaults(mlv_umap_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n_neighbors = 15;
	o->dims = 2;
	o->min_dist = 0.01;
	o->spread = 1;
	o->n_epochs = -1;
	o->negative_sample_rate = 5;
	o->learning_rate = 1;
	o->init = MLV_UMAP_INIT_SPECTRAL;
	o->seed = 0;
	o->nthreads = 0;
}

static const char *const init_names[] = {"spectral", "pca", "random"};

int
mlv_umap_init_parse(const char *name, mlv_umap_init *init)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, init_names[i])) {
			*init = (mlv_umap_init)i;
			return 0;
		}
	return -1;
}

const char *
mlv_umap_init_name(mlv_umap_init init)
{
	return (unsigned)init < 3 ? init_names[init] : "unknown";
}

/* ---- a and b ---------------------------------------------------------- */

#define AB_POINTS 300

/* Sum of squared residuals of 1 / (1 + a x^2b) against ys. */
static double
ab_cost(const double *xs, const double *ys, double a, double b)
{
	double s = 0;
	for (int i = 0; i < AB_POINTS; i++) {
		double f = 1 / (1 + a * pow(xs[i], 2 * b));
		s += (f - ys[i]) * (f - ys[i]);
	}
	return s;
}

int
mlv_umap_find_ab(double min_dist, double spread, double *a, double *b)
{
	if (!(spread > 0) || !isfinite(spread) || !(min_dist >= 0) ||
	    min_dist > spread)
		return -1;
	double xs[AB_POINTS], ys[AB_POINTS];
	for (int i = 0; i < AB_POINTS; i++) {
		xs[i] = 3 * spread * i / (AB_POINTS - 1);
		ys[i] = xs[i] < min_dist ? 1
		                         : exp(-(xs[i] - min_dist) / spread);
	}
	/* Levenberg-Marquardt from (1, 1), the start of both [UL]'s
	 * curve_fit and [UW]'s nls; the least-squares minimum is the same. */
	double pa = 1, pb = 1, lambda = 1e-3;
	double cost = ab_cost(xs, ys, pa, pb);
	for (int iter = 0; iter < 1000; iter++) {
		double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
		for (int i = 0; i < AB_POINTS; i++) {
			if (xs[i] <= 0) {
				/* f = 1 whatever a and b: no gradient */
				continue;
			}
			double p = pow(xs[i], 2 * pb), q = 1 + pa * p;
			double f = 1 / q, r = f - ys[i];
			double da = -p / (q * q);
			double db = -pa * p * 2 * log(xs[i]) / (q * q);
			jaa += da * da;
			jab += da * db;
			jbb += db * db;
			ga += da * r;
			gb += db * r;
		}
		int accepted = 0;
		double step = 0;
		while (lambda < 1e20) {
			double m00 = jaa * (1 + lambda);
			double m11 = jbb * (1 + lambda);
			double det = m00 * m11 - jab * jab;
			if (det > 0) {
				double sa = -(m11 * ga - jab * gb) / det;
				double sb = -(m00 * gb - jab * ga) / det;
				double na = pa + sa, nb = pb + sb;
				if (na > 0 && nb > 0) {
					double nc = ab_cost(xs, ys, na, nb);
					if (nc <= cost) {
						step = fabs(sa) / pa +
						       fabs(sb) / pb;
						pa = na;
						pb = nb;
						cost = nc;
						accepted = 1;
						break;
					}
				}
			}
			lambda *= 10;
		}
		if (!accepted || step < 1e-13)
			break;
		lambda = fmax(lambda / 10, 1e-12);
	}
	if (!isfinite(pa) || !isfinite(pb) || pa <= 0 || pb <= 0)
		return -1;
	*a = pa;
	*b = pb;
	return 0;
}

/* ---- smooth kNN distances --------------------------------------------- */

typedef struct {
	const float *dist;
	size_t m;
	double target, mean_all;
	float *w, *rho, *sigma;
} smooth_ctx;

/* One point: [UL] smooth_knn_dist with local_connectivity 1 and
 * bandwidth 1, as [UW] smooth_knn.h does it. */
static void
smooth_row(const float *dist, size_t m, double target, double mean_all,
           float *w, float *rho_out, float *sigma_out)
{
	/* rho: the distance to the nearest neighbour that is not a
	 * duplicate, so that every point is fully connected to at least one
	 * other (the local connectivity assumption of the paper, sec. 3.1) */
	double rho = 0, mean = 0;
	for (size_t j = 0; j < m; j++) {
		if (rho == 0 && dist[j] > 0)
			rho = dist[j];
		mean += dist[j];
	}
	/* the mean over the k listed neighbours, self (at 0) included */
	mean /= (double)(m + 1);
	double lo = 0, hi = INFINITY, sigma = 1, best = 1, best_diff = INFINITY;
	int converged = 0;
	for (int it = 0; it < SMOOTH_ITERS; it++) {
		double s = 0;
		for (size_t j = 0; j < m; j++) {
			double r = dist[j] - rho;
			s += r <= 0 ? 1 : exp(-r / sigma);
		}
		double diff = fabs(s - target);
		if (diff < SMOOTH_TOL) {
			converged = 1;
			break;
		}
		if (diff < best_diff) {
			best_diff = diff;
			best = sigma;
		}
		if (s > target) {
			hi = sigma;
			sigma = (lo + hi) / 2;
		} else {
			lo = sigma;
			sigma = isinf(hi) ? sigma * 2 : (lo + hi) / 2;
		}
	}
	/* [UW] keeps the best sigma seen when bisection fails (duplicates) */
	if (!converged)
		sigma = best;
	/* floor sigma at a thousandth of the typical distance so that a point
	 * among near-duplicates does not get an infinitely sharp kernel */
	double floor = MIN_K_DIST_SCALE * (rho > 0 ? mean : mean_all);
	if (sigma < floor)
		sigma = floor;
	for (size_t j = 0; j < m; j++) {
		double r = dist[j] - rho;
		w[j] = r <= 0 ? 1.0f : (float)exp(-r / sigma);
	}
	if (rho_out)
		*rho_out = (float)rho;
	if (sigma_out)
		*sigma_out = (float)sigma;
}

static void
smooth_range(void *ctx, size_t begin, size_t end, int thread)
{
	smooth_ctx *c = ctx;
	(void)thread;
	for (size_t i = begin; i < end; i++)
		smooth_row(c->dist + i * c->m, c->m, c->target, c->mean_all,
		           c->w + i * c->m, c->rho ? c->rho + i : NULL,
		           c->sigma ? c->sigma + i : NULL);
}

void
mlv_umap_smooth_knn(const float *dist, size_t n, size_t m, float *w,
                    float *rho, float *sigma, int nthreads)
{
	/* the mean over all listed distances, self included, for points
	 * whose neighbours all sit at distance 0 ([UL] mean_distances) */
	double sum = 0;
	for (size_t i = 0; i < n * m; i++)
		sum += dist[i];
	smooth_ctx c = {.dist = dist, .m = m, .w = w, .rho = rho,
	                .sigma = sigma, .target = log2((double)(m + 1))};
	c.mean_all = n ? sum / ((double)n * (double)(m + 1)) : 0;
	mlv_parallel_for(n, nthreads, smooth_range, &c);
}

/* ---- fuzzy union -------------------------------------------------------- */

typedef struct {
	uint32_t col;
	float val;
} entry;

static int
cmp_entry(const void *pa, const void *pb)
{
	const entry *a = pa, *b = pb;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	/* equal columns are merged symmetrically; order by value only so
	 * that qsort's arrangement is fixed */
	return (a->val > b->val) - (a->val < b->val);
}

static void
sort_entries(entry *e, size_t len)
{
	if (len > 32) {
		qsort(e, len, sizeof *e, cmp_entry);
		return;
	}
	for (size_t i = 1; i < len; i++) {
		entry t = e[i];
		size_t j = i;
		while (j > 0 && cmp_entry(&e[j - 1], &t) > 0) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = t;
	}
}

void
mlv_umap_fuzzy_union(mlv_umap_graph *g, const uint32_t *idx, const float *w,
                     size_t n, size_t m)
{
	size_t *start = mlv_calloc(n + 1, sizeof *start);
	/* each directed membership i -> j lands in row i and, transposed,
	 * in row j: P + P^T - P o P^T ([UL] fuzzy_simplicial_set with
	 * set_op_mix_ratio 1; [UW] fuzzy_set_union) */
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < m; r++)
			if (w[i * m + r] > 0) {
				start[i + 1]++;
				start[idx[i * m + r] + 1]++;
			}
	for (size_t i = 0; i < n; i++)
		start[i + 1] += start[i];
	entry *all = mlv_malloc(mlv_mul_size(start[n] ? start[n] : 1,
	                                     sizeof *all, "umap graph"));
	size_t *fill = mlv_malloc((n + 1) * sizeof *fill);
	memcpy(fill, start, (n + 1) * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < m; r++) {
			float v = w[i * m + r];
			uint32_t j = idx[i * m + r];
			if (v > 0) {
				all[fill[i]++] = (entry){j, v};
				all[fill[j]++] = (entry){(uint32_t)i, v};
			}
		}
	g->n = n;
	g->ptr = mlv_malloc((n + 1) * sizeof *g->ptr);
	g->col = mlv_malloc((start[n] ? start[n] : 1) * sizeof *g->col);
	g->val = mlv_malloc((start[n] ? start[n] : 1) * sizeof *g->val);
	size_t out = 0;
	g->ptr[0] = 0;
	for (size_t i = 0; i < n; i++) {
		entry *e = all + start[i];
		size_t len = start[i + 1] - start[i];
		sort_entries(e, len);
		for (size_t s = 0; s < len; s++) {
			float v = e[s].val;
			/* i -> j and j -> i both listed: a row holds at most
			 * these two for one column */
			if (s + 1 < len && e[s + 1].col == e[s].col) {
				float u = e[s + 1].val;
				v = v + u - v * u;
				s++;
			}
			g->col[out] = e[s].col;
			g->val[out] = v;
			out++;
		}
		g->ptr[i + 1] = out;
	}
	free(fill);
	free(all);
	free(start);
}

void
mlv_umap_graph_free(mlv_umap_graph *g)
{
	free(g->ptr);
	free(g->col);
	free(g->val);
	memset(g, 0, sizeof *g);
}

/* ---- connected components ---------------------------------------------- */

static uint32_t
find_root(uint32_t *parent, uint32_t v)
{
	while (parent[v] != v) {
		parent[v] = parent[parent[v]];
		v = parent[v];
	}
	return v;
}

size_t
mlv_umap_components(const mlv_umap_graph *g, uint32_t *label)
{
	size_t n = g->n;
	uint32_t *parent = mlv_malloc((n ? n : 1) * sizeof *parent);
	for (size_t i = 0; i < n; i++)
		parent[i] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		for (size_t e = g->ptr[i]; e < g->ptr[i + 1]; e++) {
			uint32_t a = find_root(parent, (uint32_t)i);
			uint32_t b = find_root(parent, g->col[e]);
			/* the lower vertex is the root: labels follow it */
			if (a < b)
				parent[b] = a;
			else if (b < a)
				parent[a] = b;
		}
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = find_root(parent, (uint32_t)i);
		if (r == i) {
			if (label)
				label[i] = (uint32_t)count;
			count++;
		} else if (label) {
			label[i] = label[r]; /* r < i: labelled already */
		}
	}
	free(parent);
	return count;
}

/* ---- spectral initialisation ------------------------------------------- */

/* Wanted are the eigenvectors of L = I - D^-1/2 W D^-1/2 for the smallest
 * eigenvalues after the trivial 0 ([UL] spectral_layout; [UW]
 * spectral_init).  We take the largest of M = 2I - L = I + D^-1/2 W D^-1/2
 * instead (eigenvalues in [0, 2]; [UW] form_modified_laplacian), which a
 * Krylov method finds without a shift-invert solve, with the trivial
 * eigenvector D^1/2 1 (eigenvalue 2 on a connected graph) projected out of
 * every basis vector.  The iteration is Krylov-Schur (Stewart, SIAM J.
 * Matrix Anal. Appl. 23, 2001), which for a symmetric matrix is the
 * thick-restart Lanczos method of Wu and Simon (SIAM J. Matrix Anal. Appl.
 * 22, 2000): Lanczos with full reorthogonalisation to m vectors, then a
 * restart that keeps the best Ritz vectors. */

typedef struct {
	size_t n;
	const size_t *ptr;
	const uint32_t *col;
	double *sw;  /* ptr[n] weights scaled by D^-1/2 on both sides */
} lap_op;

static void
lap_apply(const lap_op *op, const double *x, double *y)
{
	for (size_t i = 0; i < op->n; i++) {
		double s = x[i];
		for (size_t e = op->ptr[i]; e < op->ptr[i + 1]; e++)
			s += op->sw[e] * x[op->col[e]];
		y[i] = s;
	}
}

/* w -= its components along u (unit) and the k rows of v (orthonormal),
 * twice (classical Gram-Schmidt twice is enough: Giraud et al., Numer.
 * Math. 101, 2005); h (k, may be NULL) gets the coefficients. */
static void
orthogonalize(double *w, const double *u, const double *v, size_t k,
              size_t n, double *h, double *c)
{
	if (h)
		memset(h, 0, k * sizeof *h);
	for (int pass = 0; pass < 2; pass++) {
		double cu = mlv_dot(u, w, n);
		for (size_t i = 0; i < n; i++)
			w[i] -= cu * u[i];
		for (size_t r = 0; r < k; r++)
			c[r] = mlv_dot(v + r * n, w, n);
		for (size_t r = 0; r < k; r++) {
			const double *vr = v + r * n;
			for (size_t i = 0; i < n; i++)
				w[i] -= c[r] * vr[i];
			if (h)
				h[r] += c[r];
		}
	}
}

/* A random unit vector orthogonal to u and the k rows of v. */
static void
random_orthogonal(double *w, const double *u, const double *v, size_t k,
                  size_t n, mlv_rng *g, double *c)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		for (size_t i = 0; i < n; i++)
			w[i] = mlv_rng_normal(g);
		orthogonalize(w, u, v, k, n, NULL, c);
		double nrm = sqrt(mlv_dot(w, w, n));
		if (nrm > 1e-8) {
			for (size_t i = 0; i < n; i++)
				w[i] /= nrm;
			return;
		}
	}
	memset(w, 0, n * sizeof *w); /* k + 1 = n: nothing is left */
}

int
mlv_umap_spectral(const mlv_umap_graph *g, size_t dims, uint64_t seed,
                  float *y, char *err, size_t errlen)
{
	size_t n = g->n;
	if (dims < 1 || n < dims + 2)
		return mlv_errf(err, errlen, "spectral layout: %zu vertices are "
		               "too few for %zu dimensions", n, dims);
	size_t ncomp = mlv_umap_components(g, NULL);
	if (ncomp > 1)
		return mlv_errf(err, errlen, "spectral layout: graph has %zu "
		               "connected components", ncomp);

	/* basis size m and vectors kept at a restart: enough beyond the
	 * wanted ones that near-equal eigenvalues (weakly joined clusters)
	 * do not stall the restarts */
	size_t nkeep = dims + 8, m = nkeep + 24;
	if (m > n - 1)
		m = n - 1;
	if (nkeep > m - 1)
		nkeep = m - 1 > dims ? m - 1 : dims;

	int converged = 0;
	lap_op op = {.n = n, .ptr = g->ptr, .col = g->col};
	op.sw = mlv_malloc(mlv_mul_size(g->ptr[n] ? g->ptr[n] : 1,
	                                sizeof *op.sw, "spectral"));
	double *dis = mlv_malloc(n * sizeof *dis);
	double *u = mlv_malloc(n * sizeof *u);
	double *v = mlv_malloc(mlv_mul_size(mlv_mul_size(m + 1, n, "spectral"),
	                                    sizeof *v, "spectral"));
	double *keep = mlv_malloc(mlv_mul_size(mlv_mul_size(nkeep, n,
	                          "spectral"), sizeof *keep, "spectral"));
	double *h = mlv_calloc(m * m, sizeof *h);
	double *s = mlv_malloc(m * m * sizeof *s);
	double *theta = mlv_malloc(m * sizeof *theta);
	double *hc = mlv_malloc((m + 1) * sizeof *hc);
	double *c = mlv_malloc((m + 1) * sizeof *c);

	double unorm = 0;
	for (size_t i = 0; i < n; i++) {
		double deg = 0;
		for (size_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
			deg += g->val[e];
		dis[i] = 1 / sqrt(deg);  /* connected: every degree > 0 */
		u[i] = sqrt(deg);
		unorm += deg;
	}
	unorm = sqrt(unorm);
	for (size_t i = 0; i < n; i++) {
		u[i] /= unorm;
		for (size_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
			op.sw[e] = dis[i] * g->val[e] * dis[g->col[e]];
	}

	mlv_rng rng;
	mlv_rng_stream(&rng, seed, STREAM_LANCZOS);
	random_orthogonal(v, u, v, 0, n, &rng, c);
	size_t k = 0;
	double beta = 0;
	for (int restart = 0;; restart++) {
		for (size_t j = k; j < m; j++) {
			double *w = v + (j + 1) * n;
			lap_apply(&op, v + j * n, w);
			orthogonalize(w, u, v, j + 1, n, hc, c);
			for (size_t r = 0; r <= j; r++)
				h[r * m + j] = h[j * m + r] = hc[r];
			beta = sqrt(mlv_dot(w, w, n));
			if (beta > 1e-10) {
				for (size_t i = 0; i < n; i++)
					w[i] /= beta;
			} else {
				/* an invariant subspace: continue from a fresh
				 * direction, which M does not couple to it */
				beta = 0;
				random_orthogonal(w, u, v, j + 1, n, &rng, c);
			}
		}
		memcpy(s, h, m * m * sizeof *s);
		lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U',
		                                (lapack_int)m, s, (lapack_int)m,
		                                theta);
		mlv_lapack_check_memory(info, "LAPACKE_dsyev");
		if (info != 0)
			break; /* keep what the basis gives (not seen) */
		/* residual of Ritz pair c: |beta * last component| (the
		 * Krylov relation M V = V H + beta v_m e_m^T) */
		converged = 1;
		for (size_t r = 0; r < dims; r++) {
			double last = s[(m - 1) * m + (m - 1 - r)];
			if (fabs(beta * last) > SPEC_TOL)
				converged = 0;
		}
		if (converged || restart >= SPEC_MAX_RESTARTS || m == n - 1)
			break;
		/* keep the nkeep largest Ritz vectors, then continue from the
		 * residual direction v_m */
		for (size_t r = 0; r < nkeep; r++) {
			double *kr = keep + r * n;
			memset(kr, 0, n * sizeof *kr);
			for (size_t q = 0; q < m; q++) {
				double sq = s[q * m + (m - 1 - r)];
				const double *vq = v + q * n;
				for (size_t i = 0; i < n; i++)
					kr[i] += sq * vq[i];
			}
		}
		memcpy(v, keep, nkeep * n * sizeof *v);
		memmove(v + nkeep * n, v + m * n, n * sizeof *v);
		memset(h, 0, m * m * sizeof *h);
		for (size_t r = 0; r < nkeep; r++)
			h[r * m + r] = theta[m - 1 - r];
		k = nkeep;
	}
	if (m == n - 1)
		converged = 1; /* the basis spans the whole complement of u */

	for (size_t r = 0; r < dims; r++) {
		/* Ritz vector r: the (r+1)-th largest of M */
		double *kr = keep;
		memset(kr, 0, n * sizeof *kr);
		for (size_t q = 0; q < m; q++) {
			double sq = s[q * m + (m - 1 - r)];
			const double *vq = v + q * n;
			for (size_t i = 0; i < n; i++)
				kr[i] += sq * vq[i];
		}
		double nrm = sqrt(mlv_dot(kr, kr, n)), big = 0;
		for (size_t i = 0; i < n; i++)
			if (fabs(kr[i]) > fabs(big))
				big = kr[i];
		double scale = (big < 0 ? -1 : 1) / (nrm > 0 ? nrm : 1);
		for (size_t i = 0; i < n; i++)
			y[i * dims + r] = (float)(kr[i] * scale);
	}

	free(c);
	free(hc);
	free(theta);
	free(s);
	free(h);
	free(keep);
	free(v);
	free(u);
	free(dis);
	free(op.sw);
	return converged;
}

/* ---- SGD ---------------------------------------------------------------- */

/* The optimisation follows [UL] optimize_layout_euclidean and [UW]
 * epoch.h/sampler.h: an edge of weight w is sampled every wmax / w epochs;
 * each sample pulls its two ends together and pushes the head away from
 * negative_sample_rate vertices drawn uniformly, from a random stream
 * keyed on (seed, epoch, head).  Two schemes share that schedule, and
 * neither result depends on the thread count:
 *
 * In place (the default): as [UW]'s default single-threaded SGD and
 * [UL]'s, every update reads the current layout and an attraction moves
 * both ends.  One thread runs it, LANES heads interleaved (see below): the
 * lanes' updates of one step are computed from the layout as it stood
 * before the step and then added in lane order, a fixed sequence.  A
 * second thread, if there is one, draws the schedule of the next block of
 * heads meanwhile (a quarter of the work), which leaves that sequence as
 * it is.
 *
 * Parallel: each vertex is moved only through its own row of edges (as
 * head), by the one thread that owns it, while every other vertex is read
 * from a copy of the layout taken at the start of the epoch.  The tail of
 * an edge is not moved by it; the symmetric edge, in the tail's own row,
 * moves the tail at the same rate, and the head takes twice the per-end
 * step so the attraction keeps its strength ([UW] update.h does the same
 * in its batch mode).  On gmm16_n10000 this ran 2x faster on 2 cores with
 * 10-NN preservation as good, but trustworthiness lower by 3e-4 (0.9886
 * against 0.9889-0.9890 for the in-place scheme and for uwot): each end
 * gets one double kick an epoch from a stale partner instead of two from
 * a current one, which leaves the final layout slightly noisier. */

/* One directed edge, in its head's row. */
typedef struct {
	uint32_t tail;
	float eps;      /* epochs per sample: max weight / weight */
	float next;     /* epoch of the next sample */
	float eps_neg;  /* epochs per negative sample: eps / rate */
	float next_neg; /* epoch of the next negative sample */
} sgd_edge;

/* Heads are processed LANES at a time, in step: one vertex's updates form
 * a chain each link of which waits for the last (a power, two divisions),
 * so the chains of eight vertices are computed side by side, one loop over
 * the lanes per update, which the compiler turns into SIMD. */
#define LANES 8

typedef struct {
	const size_t *ptr;
	sgd_edge *edges;
	float *y;           /* live layout (parallel: row i written only by
	                     * the thread that owns vertex i) */
	const float *snap;  /* parallel: the layout at the start of the epoch */
	size_t n, dims;
	const size_t *chunk; /* nthreads + 1 head boundaries */
	uint32_t *ops;      /* per thread: LANES x cap targets */
	uint8_t *attract;   /* per thread: LANES x cap kinds (1 attract) */
	float *steps;       /* per thread: dims floats */
	size_t cap;         /* most ops one head can have in an epoch */
	size_t maxneg;      /* most negative samples per positive one */
	float a, b, attr, rep; /* attr = -2ab, rep = 2 gamma b (gamma 1) */
	float alpha;        /* learning rate this epoch */
	float alpha_att;    /* the attraction's: alpha (in place), 2 alpha */
	float epoch;        /* as a float, for the sampling schedule */
	uint64_t epoch_index, key;
} sgd_ctx;

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Branch-free (minss/maxss): a mispredicted branch would stall the
 * interleaved lanes below. */
static inline float
clip(float v)
{
	v = v < GRAD_CLIP ? v : GRAD_CLIP;
	return v > -GRAD_CLIP ? v : -GRAD_CLIP;
}

/* x^b for the gradients, which dominate the run time (libm's powf took
 * about 45% of it): exp2(b log2 x) from the series below, to a relative
 * error near 1e-7, below what a float gradient step resolves.  [UW] offers
 * a cruder approximation (fastPrecisePow) as an option.  x is a positive
 * normal float (squared distances are floored at FLT_EPSILON). */
static inline float
fast_log2(float x)
{
	union {
		float f;
		uint32_t u;
	} v = {x};
	/* x = 2^e m with m in [sqrt(1/2), sqrt(2)): a mantissa at or above
	 * sqrt(2)'s (0x3504f3) moves to the next exponent, by a comparison
	 * (setcc), not a branch */
	uint32_t mant = v.u & 0x7fffff, up = mant >= 0x3504f3;
	int e = (int)((v.u >> 23) & 0xff) - 127 + (int)up;
	v.u = mant | ((127 - up) << 23);
	float m = v.f;
	/* log2 m = (2 / ln 2) atanh s, s = (m - 1) / (m + 1), |s| <= 0.172:
	 * the series to s^9 leaves an error below 1e-9 */
	float s = (m - 1) / (m + 1), s2 = s * s;
	float p = s * (2.88539008f + s2 * (0.961796694f + s2 * (0.577078016f +
	          s2 * (0.412198583f + s2 * 0.320598898f))));
	return (float)e + p;
}

static inline float
fast_exp2(float y)
{
	/* y = k + f with k = round(y), |f| <= 1/2; truncating a positive
	 * number floors it, with no need for SSE4.1's roundss.  |y| stays far
	 * below 2^31 (|log2 x| <= 128, b < 2 for min_dist <= spread); k is
	 * clamped as an integer, since gcc will not vectorise a float clamp
	 * ahead of the conversion */
	int k = (int)(y + 126.5f) - 126;
	k = k < -126 ? -126 : k;
	k = k > 126 ? 126 : k;
	float x = (y - (float)k) * 0.693147181f;
	/* e^x by its Taylor series to x^6: error below 1.2e-7, |x| <= 0.35 */
	float p = 1 + x * (1 + x * (0.5f + x * (0.166666667f +
	          x * (0.0416666667f + x * (0.00833333333f +
	          x * 0.00138888889f)))));
	union {
		uint32_t u;
		float f;
	} scale = {(uint32_t)(k + 127) << 23};
	return p * scale.f;
}

/* max(x, FLT_EPSILON) for x >= 0, whose bits order as unsigned integers:
 * gcc does not vectorise the float comparison ahead of fast_log2. */
static inline float
floor_eps(float x)
{
	union {
		float f;
		uint32_t u;
	} v = {x}, e = {FLT_EPSILON};
	v.u = v.u > e.u ? v.u : e.u;
	return v.f;
}

static inline float
fast_pow(float x, float b)
{
	return fast_exp2(b * fast_log2(x));
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Head i's work this epoch, as a list of ops: the tails of its edges due
 * for a sample (attract 1), each followed by its negative samples
 * (attract 0).  None of it depends on the layout.  Returns the count. */
static size_t
schedule(const sgd_ctx *c, size_t i, uint32_t *ops, uint8_t *attract)
{
	const float epoch = c->epoch;
	const uint64_t n = c->n;
	const int maxneg = (int)c->maxneg;
	uint64_t state = mix64(c->key ^ mix64(c->epoch_index * n + i));
	size_t len = 0;
	for (size_t e = c->ptr[i]; e < c->ptr[i + 1]; e++) {
		sgd_edge *ed = c->edges + e;
		if (ed->next > epoch)
			continue;
		ops[len] = ed->tail;
		attract[len++] = 1;
		/* [UW] sampler.h: the negative samples owed since the last */
		int nneg = (int)((epoch - ed->next_neg) / ed->eps_neg);
		if (nneg > maxneg)
			nneg = maxneg; /* unreachable: see maxneg */
		if (nneg < 0)
			nneg = 0; /* a rate below 1 owes none yet */
		for (int s = 0; s < nneg; s++) {
			state += 0x9E3779B97F4A7C15ULL;
			/* Lemire's multiply-shift: bias below n / 2^32 */
			uint64_t r = mix64(state) >> 32;
			uint32_t k = (uint32_t)((r * n) >> 32);
			if (k != i) {
				ops[len] = k;
				attract[len++] = 0;
			}
		}
		ed->next += ed->eps;
		ed->next_neg += (float)nneg * ed->eps_neg;
	}
	return len;
}

/* The step of one op on a head at p (dims coordinates) against vertex q,
 * of kind at (0 repel, 1 attract), into st: [UW] gradient.h,
 * base_umap_gradient.  For q = 1 / (1 + a d^2b), the attraction is
 * -2ab d^(2b-2) / (1 + a d^2b) times the displacement and the repulsion
 * 2b / ((0.001 + d^2)(1 + a d^2b)) times it, each coordinate clipped at 4
 * before the learning rate.  The kinds are blended by at rather than
 * branched on (branches do not vectorise); with at 0 or 1 the blend is
 * exact. */
static ALWAYS_INLINE void
step(const sgd_ctx *c, const float *p, const float *q, size_t dims,
     float at, float *restrict st)
{
	float d2 = 0;
	for (size_t k = 0; k < dims; k++)
		d2 += (p[k] - q[k]) * (p[k] - q[k]);
	d2 = floor_eps(d2); /* [UW] d2diff's dist_eps */
	float pw = fast_pow(d2, c->b);
	float den = (d2 + (1 - at) * REPULSION_EPS) * (c->a * pw + 1);
	float g = (at * c->attr * pw + (1 - at) * c->rep) / den;
	float sc = (1 - at) * c->alpha + at * c->alpha_att;
	for (size_t k = 0; k < dims; k++)
		st[k] = sc * clip(g * (p[k] - q[k]));
}

/* step() for two dims on LANES heads at once. */
static ALWAYS_INLINE void
step_lanes(const sgd_ctx *c, const float *restrict px,
           const float *restrict py, const float *restrict qx,
           const float *restrict qy, const float *restrict at,
           float *restrict sx, float *restrict sy)
{
	const float a = c->a, b = c->b, attr = c->attr, rep = c->rep;
	const float alpha = c->alpha, alpha_att = c->alpha_att;
	for (int l = 0; l < LANES; l++) {
		float dx = px[l] - qx[l], dy = py[l] - qy[l];
		float d2 = floor_eps(dx * dx + dy * dy);
		float pw = fast_pow(d2, b);
		float den = (d2 + (1 - at[l]) * REPULSION_EPS) * (a * pw + 1);
		float g = (at[l] * attr * pw + (1 - at[l]) * rep) / den;
		float sc = (1 - at[l]) * alpha + at[l] * alpha_att;
		sx[l] = sc * clip(g * dx);
		sy[l] = sc * clip(g * dy);
	}
}

/* The ops of heads [begin, end) of one epoch, scheduled ahead of the
 * in-place descent: head begin + k's are ops[off[k] .. off[k + 1]). */
typedef struct {
	size_t begin, end;
	size_t *off;
	uint32_t *ops;
	uint8_t *att;
} sgd_block;

/* Lanes that each work through the ops of one head after another, taken
 * from schedule() or, when blk is set, from blk (heads up to blk->end;
 * the lanes pause for the next block there). */
typedef struct {
	size_t head[LANES], len[LANES], pos[LANES], next, end;
	uint32_t *ops[LANES];
	uint8_t *att[LANES];
	const sgd_block *blk;
	int paused;
} lanes;

static void
lanes_init(lanes *ln, const sgd_ctx *c, size_t begin, size_t end,
           uint32_t *ops, uint8_t *att)
{
	ln->next = begin;
	ln->end = end;
	for (int l = 0; l < LANES; l++) {
		ln->ops[l] = ops + (size_t)l * c->cap;
		ln->att[l] = att + (size_t)l * c->cap;
		ln->len[l] = ln->pos[l] = 0;
		ln->head[l] = SIZE_MAX;
	}
	ln->blk = NULL;
	ln->paused = 0;
}

/* Give every lane that finished its head the next head that has work
 * (done(l) is called first for a lane whose head is finished; a lane left
 * without heads gets head SIZE_MAX).  Returns how many ops every working
 * lane can take before one of them needs a new head, or 0 when all are
 * out of heads or (paused set) one needs a head past blk; called again
 * with the next block, it goes on exactly as if it had not paused. */
static size_t
lanes_refill(lanes *ln, const sgd_ctx *c, float *y, float *px, float *py)
{
	size_t burst = SIZE_MAX;
	ln->paused = 0;
	for (int l = 0; l < LANES; l++) {
		while (ln->head[l] == SIZE_MAX || ln->pos[l] == ln->len[l]) {
			if (ln->head[l] != SIZE_MAX && px) {
				y[2 * ln->head[l]] = px[l];
				y[2 * ln->head[l] + 1] = py[l];
			}
			if (ln->blk && ln->next == ln->blk->end &&
			    ln->next < ln->end) {
				ln->paused = 1;
				return 0;
			}
			ln->head[l] = SIZE_MAX;
			if (ln->next == ln->end)
				break;
			size_t h = ln->next++;
			ln->head[l] = h;
			if (ln->blk) {
				const sgd_block *b = ln->blk;
				size_t o = b->off[h - b->begin];
				size_t len = b->off[h - b->begin + 1] - o;
				memcpy(ln->ops[l], b->ops + o,
				       len * sizeof *b->ops);
				memcpy(ln->att[l], b->att + o, len);
				ln->len[l] = len;
			} else {
				ln->len[l] = schedule(c, h, ln->ops[l],
				                      ln->att[l]);
			}
			ln->pos[l] = 0;
			if (px) {
				px[l] = y[2 * h];
				py[l] = y[2 * h + 1];
			}
		}
		if (ln->head[l] != SIZE_MAX && ln->len[l] - ln->pos[l] < burst)
			burst = ln->len[l] - ln->pos[l];
	}
	return burst == SIZE_MAX ? 0 : burst;
}

/* Parallel scheme, two dims: heads [begin, end) of one thread, each kept
 * in its lane's registers until its ops are done; a lane left without
 * heads runs zero steps (against its own position) until the others end. */
static void
parallel_2d(const sgd_ctx *c, size_t begin, size_t end, uint32_t *ops,
            uint8_t *att)
{
	lanes ln;
	float px[LANES] = {0}, py[LANES] = {0}, qx[LANES], qy[LANES];
	float at[LANES], sx[LANES], sy[LANES];
	lanes_init(&ln, c, begin, end, ops, att);
	size_t burst;
	while ((burst = lanes_refill(&ln, c, c->y, px, py)) > 0) {
		for (size_t s = 0; s < burst; s++) {
			for (int l = 0; l < LANES; l++) {
				size_t o = ln.pos[l] + s;
				if (ln.head[l] == SIZE_MAX) {
					qx[l] = px[l];
					qy[l] = py[l];
					at[l] = 0;
					continue;
				}
				const float *q = c->snap +
				                 2 * (size_t)ln.ops[l][o];
				qx[l] = q[0];
				qy[l] = q[1];
				at[l] = ln.att[l][o];
			}
			step_lanes(c, px, py, qx, qy, at, sx, sy);
			for (int l = 0; l < LANES; l++) {
				px[l] += sx[l];
				py[l] += sy[l];
			}
		}
		for (int l = 0; l < LANES; l++)
			if (ln.head[l] != SIZE_MAX)
				ln.pos[l] += burst;
	}
}

/* In-place scheme, two dims, one thread: each step reads the heads and
 * targets of all lanes, then adds the steps to the heads (and, for an
 * attraction, subtracts them from the tail) in lane order; the lanes run
 * until they are done or paused at the end of their block. */
static void
inplace_2d(const sgd_ctx *c, lanes *lp)
{
	lanes ln = *lp;
	float px[LANES], py[LANES], qx[LANES], qy[LANES];
	float at[LANES], sx[LANES], sy[LANES];
	uint32_t t[LANES];
	float *y = c->y;
	size_t burst;
	while ((burst = lanes_refill(&ln, c, y, NULL, NULL)) > 0) {
		for (size_t s = 0; s < burst; s++) {
			for (int l = 0; l < LANES; l++) {
				size_t o = ln.pos[l] + s, h = ln.head[l];
				if (h == SIZE_MAX) {
					px[l] = py[l] = 0;
					qx[l] = qy[l] = at[l] = 0;
					continue;
				}
				t[l] = ln.ops[l][o];
				px[l] = y[2 * h];
				py[l] = y[2 * h + 1];
				qx[l] = y[2 * (size_t)t[l]];
				qy[l] = y[2 * (size_t)t[l] + 1];
				at[l] = ln.att[l][o];
			}
			step_lanes(c, px, py, qx, qy, at, sx, sy);
			for (int l = 0; l < LANES; l++) {
				size_t h = ln.head[l];
				if (h == SIZE_MAX)
					continue;
				y[2 * h] += sx[l];
				y[2 * h + 1] += sy[l];
				if (at[l] != 0) {
					y[2 * (size_t)t[l]] -= sx[l];
					y[2 * (size_t)t[l] + 1] -= sy[l];
				}
			}
		}
		for (int l = 0; l < LANES; l++)
			if (ln.head[l] != SIZE_MAX)
				ln.pos[l] += burst;
	}
	*lp = ln;
}

/* Any dims, one head at a time: parallel (heads [begin, end) against the
 * snapshot) or in place (the heads of blk, one thread); st holds dims
 * floats. */
static void
sgd_any(const sgd_ctx *c, size_t begin, size_t end, uint32_t *ops,
        uint8_t *att, float *st, const sgd_block *blk)
{
	size_t dims = c->dims;
	int in_place = blk != NULL;
	for (size_t i = begin; i < end; i++) {
		size_t len;
		if (blk) {
			size_t o = blk->off[i - blk->begin];
			len = blk->off[i - blk->begin + 1] - o;
			ops = blk->ops + o;
			att = blk->att + o;
		} else {
			len = schedule(c, i, ops, att);
		}
		float *p = c->y + i * dims;
		for (size_t s = 0; s < len; s++) {
			size_t t = (size_t)ops[s] * dims;
			const float *q = in_place ? c->y + t : c->snap + t;
			float at = att[s];
			step(c, p, q, dims, at, st);
			for (size_t k = 0; k < dims; k++)
				p[k] += st[k];
			if (in_place && at != 0)
				for (size_t k = 0; k < dims; k++)
					c->y[t + k] -= st[k];
		}
	}
}

static void
sgd_thread(void *ctx, size_t begin, size_t end, int thread)
{
	const sgd_ctx *c = ctx;
	(void)thread;
	for (size_t t = begin; t < end; t++) {
		uint32_t *ops = c->ops + t * LANES * c->cap;
		uint8_t *att = c->attract + t * LANES * c->cap;
		if (c->dims == 2)
			parallel_2d(c, c->chunk[t], c->chunk[t + 1], ops, att);
		else
			sgd_any(c, c->chunk[t], c->chunk[t + 1], ops, att,
			        c->steps + t * c->dims, NULL);
	}
}

/* The in-place scheme on two threads: a head's ops do not depend on the
 * layout, so one thread schedules the next block of heads (in the epoch
 * or the next one) while the other runs the descent over this one; every
 * update is applied in the one-thread order, so the map does not depend
 * on the thread count. */
#define BLOCK_HEADS 2048

typedef struct {
	sgd_ctx *c;     /* the descent's: alpha of the epoch being run */
	sgd_ctx sched;  /* the scheduler's: epoch of the block being filled */
	sgd_block blk[2];
	lanes ln;       /* two dims: kept across the blocks of an epoch */
	size_t nb, s;   /* blocks per epoch; the block being run */
} sgd_pipe;

static void
fill_block(sgd_pipe *p, size_t s)
{
	sgd_block *b = &p->blk[s % 2];
	size_t epoch = s / p->nb, n = p->c->n;
	p->sched.epoch = (float)epoch;
	p->sched.epoch_index = (uint64_t)epoch;
	b->begin = s % p->nb * BLOCK_HEADS;
	b->end = n - b->begin < BLOCK_HEADS ? n : b->begin + BLOCK_HEADS;
	b->off[0] = 0;
	for (size_t h = b->begin; h < b->end; h++) {
		size_t o = b->off[h - b->begin];
		b->off[h - b->begin + 1] = o + schedule(&p->sched, h,
		                                        b->ops + o, b->att + o);
	}
}

static void
run_block(sgd_pipe *p, size_t s)
{
	const sgd_block *b = &p->blk[s % 2];
	if (p->c->dims == 2) {
		p->ln.blk = b;
		inplace_2d(p->c, &p->ln);
	} else {
		sgd_any(p->c, b->begin, b->end, NULL, NULL, p->c->steps, b);
	}
}

/* items 0 (run block s) and 1 (fill block s + 1), one a thread */
static void
pipe_range(void *ctx, size_t begin, size_t end, int thread)
{
	sgd_pipe *p = ctx;
	(void)thread;
	for (size_t item = begin; item < end; item++) {
		if (item == 0)
			run_block(p, p->s);
		else
			fill_block(p, p->s + 1);
	}
}

void
mlv_umap_optimize(const mlv_umap_graph *g, float *y, size_t dims,
                  double a, double b, const mlv_umap_opts *o)
{
	size_t n = g->n, nnz = g->ptr[n];
	int n_epochs = o->n_epochs;
	if (n_epochs <= 0 || nnz == 0)
		return;
	float wmax = 0;
	for (size_t e = 0; e < nnz; e++)
		if (g->val[e] > wmax)
			wmax = g->val[e];
	/* edges that would be sampled less than once are dropped ([UL]
	 * simplicial_set_embedding; [UW] umap(): V@x < max(V@x) / n_epochs) */
	float cut = wmax / (float)n_epochs;
	float nsr = (float)o->negative_sample_rate;
	size_t *ptr = mlv_malloc((n + 1) * sizeof *ptr);
	sgd_edge *edges = mlv_malloc(mlv_mul_size(nnz, sizeof *edges, "umap"));
	size_t ne = 0, maxdeg = 0;
	ptr[0] = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
			if (g->val[e] >= cut) {
				/* [UL] make_epochs_per_sample: an edge
				 * of weight w is sampled n_epochs w / wmax
				 * times */
				float eps = wmax / g->val[e];
				edges[ne++] = (sgd_edge){g->col[e], eps, eps,
				                         eps / nsr, eps / nsr};
			}
		ptr[i + 1] = ne;
		if (ne - ptr[i] > maxdeg)
			maxdeg = ne - ptr[i];
	}
	int parallel = o->sgd_parallel != 0;
	int nthreads = !parallel ? 1 : o->nthreads > 0 ? o->nthreads
	                                                : mlv_default_threads();
	if ((size_t)nthreads > n)
		nthreads = (int)n;
	/* chunks of about equal edge counts, one per thread */
	size_t *chunk = mlv_malloc(((size_t)nthreads + 1) * sizeof *chunk);
	chunk[0] = 0;
	for (int t = 1; t <= nthreads; t++) {
		size_t want = (size_t)((double)ne * t / nthreads);
		size_t h = chunk[t - 1];
		while (h < n && ptr[h] < want)
			h++;
		chunk[t] = t == nthreads ? n : h;
	}
	/* an edge is sampled at most once an epoch (eps = wmax / w >= 1),
	 * and then with the negative samples owed since its last sample:
	 * fewer than (floor(eps) + 1 + eps / rate) / (eps / rate), at most
	 * 2 rate + 1, as samples fall on whole epochs at most floor(eps) + 1
	 * apart */
	size_t maxneg = 2 * (size_t)ceil(o->negative_sample_rate) + 1;
	size_t opcap = mlv_mul_size(maxdeg ? maxdeg : 1, maxneg + 1, "umap");
	size_t nops = mlv_mul_size((size_t)nthreads * LANES, opcap, "umap");
	size_t ny = mlv_mul_size(n, dims, "umap");
	mlv_rng rng;
	mlv_rng_stream(&rng, o->seed, STREAM_SGD);
	sgd_ctx c = {.ptr = ptr, .edges = edges, .y = y, .n = n, .dims = dims,
	             .chunk = chunk, .cap = opcap, .maxneg = maxneg,
	             .ops = mlv_malloc(mlv_mul_size(nops, sizeof(uint32_t),
	                                            "umap")),
	             .attract = mlv_malloc(nops),
	             .steps = mlv_malloc(mlv_mul_size((size_t)nthreads,
	                                 dims * sizeof *c.steps, "umap")),
	             .a = (float)a, .b = (float)b, .attr = (float)(-2 * a * b),
	             .rep = (float)(2 * b), .key = mlv_rng_u64(&rng)};
	float *snap = NULL;
	if (parallel)
		c.snap = snap = mlv_malloc(mlv_mul_size(ny, sizeof *snap,
		                                        "umap"));
	sgd_pipe pipe = {.c = &c, .nb = (n + BLOCK_HEADS - 1) / BLOCK_HEADS};
	int pipe_threads = o->nthreads > 0 ? o->nthreads
	                                   : mlv_default_threads();
	size_t total = (size_t)n_epochs * pipe.nb;
	if (!parallel) {
		size_t blkcap = 1;
		for (size_t k = 0; k < n; k += BLOCK_HEADS) {
			size_t e = n - k < BLOCK_HEADS ? n : k + BLOCK_HEADS;
			if (ptr[e] - ptr[k] > blkcap)
				blkcap = ptr[e] - ptr[k];
		}
		blkcap = mlv_mul_size(blkcap, maxneg + 1, "umap");
		for (int i = 0; i < 2; i++) {
			sgd_block *bk = &pipe.blk[i];
			bk->off = mlv_malloc((BLOCK_HEADS + 1) * sizeof *bk->off);
			bk->ops = mlv_malloc(mlv_mul_size(blkcap,
			                                  sizeof *bk->ops,
			                                  "umap"));
			bk->att = mlv_malloc(blkcap);
		}
		pipe.sched = c;
		fill_block(&pipe, 0);
	}
	for (int epoch = 0; epoch < n_epochs; epoch++) {
		/* [UL] and [UW] (optimize.h, linear_decay): after epoch e the
		 * rate becomes lr (1 - e / n_epochs) */
		double done = epoch == 0 ? 0 : (double)(epoch - 1) / n_epochs;
		double alpha = o->learning_rate * (1 - done);
		c.alpha = (float)alpha;
		c.alpha_att = (float)(parallel ? 2 * alpha : alpha);
		c.epoch = (float)epoch;
		c.epoch_index = (uint64_t)epoch;
		if (parallel) {
			memcpy(snap, y, ny * sizeof *snap);
			mlv_parallel_for((size_t)nthreads, nthreads, sgd_thread,
			                 &c);
		} else {
			if (dims == 2)
				lanes_init(&pipe.ln, &c, 0, n, c.ops,
				           c.attract);
			for (size_t k = 0; k < pipe.nb; k++) {
				pipe.s = (size_t)epoch * pipe.nb + k;
				if (pipe.s + 1 < total)
					mlv_parallel_for(2, pipe_threads,
					                 pipe_range, &pipe);
				else
					run_block(&pipe, pipe.s);
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		free(pipe.blk[i].off);
		free(pipe.blk[i].ops);
		free(pipe.blk[i].att);
	}
	free(snap);
	free(c.steps);
	free(c.attract);
	free(c.ops);
	free(chunk);
	free(edges);
	free(ptr);
}

/* ---- the whole method -------------------------------------------------- */

/* The first dims principal components of x, or -1. */
static int
pca_layout(const float *x, size_t n, size_t d, size_t dims, float *y,
           char *err, size_t errlen)
{
	mlv_pca p;
	memset(&p, 0, sizeof p);
	if (mlv_pca_fit(&p, x, n, d, dims, 0, err, errlen) < 0)
		return -1;
	mlv_pca_apply(&p, x, n, y);
	mlv_pca_free(&p);
	return 0;
}

/* Scale each column to standard deviation sd ([UW] scale_coords). */
static void
scale_sdev(float *y, size_t n, size_t dims, double sd)
{
	for (size_t q = 0; q < dims; q++) {
		double mean = 0, m2 = 0;
		for (size_t i = 0; i < n; i++)
			mean += y[i * dims + q];
		mean /= (double)n;
		for (size_t i = 0; i < n; i++) {
			double v = y[i * dims + q] - mean;
			m2 += v * v;
		}
		double s = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
		double f = s > 0 ? sd / s : 1;
		for (size_t i = 0; i < n; i++)
			y[i * dims + q] = (float)((y[i * dims + q] - mean) * f);
	}
}

/* Scale so that the largest |coordinate| is 10, then add N(0, 1e-4)
 * noise ([UL] noisy_scale_coords; [UW] scale_and_jitter). */
static void
scale_and_jitter(float *y, size_t n, size_t dims, mlv_rng *g)
{
	double big = 0;
	for (size_t i = 0; i < n * dims; i++)
		if (fabs(y[i]) > big)
			big = fabs(y[i]);
	double f = big > 0 ? 10 / big : 1;
	for (size_t i = 0; i < n * dims; i++)
		y[i] = (float)(y[i] * f + 1e-4 * mlv_rng_normal(g));
}

static void
random_layout(float *y, size_t n, size_t dims, mlv_rng *g)
{
	for (size_t i = 0; i < n * dims; i++)
		y[i] = (float)(20 * mlv_rng_uniform(g) - 10);
}

static int
check_opts(const mlv_umap_opts *o, size_t n, size_t d, char *err,
           size_t errlen)
{
	if (n < 2)
		return mlv_errf(err, errlen, "umap: %zu points (needs at "
		               "least 2)", n);
	if (n > UINT32_MAX)
		return mlv_errf(err, errlen, "umap: %zu points (at most %u)", n,
		               UINT32_MAX);
	if (d < 1)
		return mlv_errf(err, errlen, "umap: points have no columns");
	if (o->n_neighbors < 2 || o->n_neighbors > n)
		return mlv_errf(err, errlen, "umap: n_neighbors %zu (must be "
		               "2..%zu, the point itself included)",
		               o->n_neighbors, n);
	if (o->dims < 1)
		return mlv_errf(err, errlen, "umap: 0 output dimensions");
	if (!(o->spread > 0) || !isfinite(o->spread))
		return mlv_errf(err, errlen, "umap: spread %g (must be > 0)",
		               o->spread);
	if (!(o->min_dist >= 0) || o->min_dist > o->spread)
		return mlv_errf(err, errlen, "umap: min_dist %g (must be "
		               "0..spread %g)", o->min_dist, o->spread);
	if (o->n_epochs < -1)
		return mlv_errf(err, errlen, "umap: n_epochs %d (must be >= "
		               "0, or -1 for the default)", o->n_epochs);
	if (!(o->negative_sample_rate > 0) || o->negative_sample_rate > 1000)
		return mlv_errf(err, errlen, "umap: negative sample rate %g "
		               "(must be in (0, 1000])",
		               o->negative_sample_rate);
	if (!(o->learning_rate > 0) || !isfinite(o->learning_rate))
		return mlv_errf(err, errlen, "umap: learning rate %g (must be "
		               "> 0)", o->learning_rate);
	if ((unsigned)o->init > MLV_UMAP_INIT_RANDOM)
		return mlv_errf(err, errlen, "umap: unknown initialisation %d",
		               (int)o->init);
	if (o->init == MLV_UMAP_INIT_PCA && o->dims > d)
		return mlv_errf(err, errlen, "umap: pca initialisation of "
		               "%zu dimensions needs at least %zu input "
		               "columns, not %zu", o->dims, o->dims, d);
	return 0;
}

int
mlv_umap(const float *x, size_t n, size_t d, const mlv_umap_opts *o,
         float *y, mlv_umap_info *info, char *err, size_t errlen)
{
	mlv_umap_info inf;
	memset(&inf, 0, sizeof inf);
	if (check_opts(o, n, d, err, errlen) < 0)
		return -1;
	if (mlv_umap_find_ab(o->min_dist, o->spread, &inf.a, &inf.b) < 0)
		return mlv_errf(err, errlen, "umap: cannot fit the curve to "
		               "min_dist %g, spread %g", o->min_dist,
		               o->spread);
	size_t nd = mlv_mul_size(n, d, "umap input");
	for (size_t i = 0; i < nd; i++)
		if (!isfinite(x[i]))
			return mlv_errf(err, errlen, "umap: row %zu column %zu "
			               "is not finite (%g)", i / d, i % d,
			               (double)x[i]);
	inf.n_epochs = o->n_epochs >= 0 ? o->n_epochs : n <= 10000 ? 500 : 200;

	int rc = -1;
	size_t m = o->n_neighbors - 1, dims = o->dims;
	size_t nm = mlv_mul_size(n, m, "umap neighbours");
	uint32_t *idx = mlv_malloc(mlv_mul_size(nm, sizeof *idx, "umap"));
	float *dist = mlv_malloc(nm * sizeof *dist);
	float *w = mlv_malloc(nm * sizeof *w);
	mlv_umap_graph g;
	memset(&g, 0, sizeof g);
	if (mlv_knn_self(x, n, d, m, o->knn, o->seed, idx, dist, o->nthreads)
	    < 0) {
		mlv_errf(err, errlen, "umap: nearest neighbours failed");
		goto fail;
	}
	mlv_umap_smooth_knn(dist, n, m, w, NULL, NULL, o->nthreads);
	mlv_umap_fuzzy_union(&g, idx, w, n, m);
	free(idx);
	free(dist);
	free(w);
	idx = NULL;
	dist = w = NULL;
	inf.components = mlv_umap_components(&g, NULL);
	inf.edges = g.ptr[n];

	mlv_rng rng;
	mlv_rng_stream(&rng, o->seed, STREAM_INIT);
	inf.init = o->init;
	if (o->init == MLV_UMAP_INIT_SPECTRAL) {
		if (inf.components > 1 || n < dims + 2) {
			/* [UW] umap(): more than one component makes the
			 * Laplacian's low eigenvectors component indicators,
			 * so fall back to PCA scaled to sd 1 ("spca" with
			 * init_sdev 1), or to random without enough columns;
			 * so too below dims + 2 points, too few for the
			 * eigenvectors ([UW] spectral_init: random below 3) */
			inf.init = dims <= d ? MLV_UMAP_INIT_PCA
			                     : MLV_UMAP_INIT_RANDOM;
			if (inf.init == MLV_UMAP_INIT_PCA) {
				if (pca_layout(x, n, d, dims, y, err,
				               errlen) < 0)
					goto fail;
				scale_sdev(y, n, dims, 1);
			} else {
				random_layout(y, n, dims, &rng);
			}
		} else {
			int conv = mlv_umap_spectral(&g, dims, o->seed, y, err,
			                             errlen);
			if (conv < 0)
				goto fail;
			inf.spectral_converged = conv;
			scale_and_jitter(y, n, dims, &rng);
		}
	} else if (o->init == MLV_UMAP_INIT_PCA) {
		if (pca_layout(x, n, d, dims, y, err, errlen) < 0)
			goto fail;
		scale_and_jitter(y, n, dims, &rng);
	} else {
		random_layout(y, n, dims, &rng);
	}

	if (inf.n_epochs > 0) {
		mlv_umap_opts run = *o;
		run.n_epochs = inf.n_epochs;
		mlv_umap_optimize(&g, y, dims, inf.a, inf.b, &run);
		/* [UW] centres the result; umap-learn does not */
		for (size_t q = 0; q < dims; q++) {
			double mean = 0;
			for (size_t i = 0; i < n; i++)
				mean += y[i * dims + q];
			mean /= (double)n;
			for (size_t i = 0; i < n; i++)
				y[i * dims + q] -= (float)mean;
		}
	}
	if (info)
		*info = inf;
	rc = 0;
fail:
	mlv_umap_graph_free(&g);
	free(w);
	free(dist);
	free(idx);
	return rc;
}
