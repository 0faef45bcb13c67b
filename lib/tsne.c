/* tsne.c - see tsne.h
 *
 * Layout of one iteration, FFT method (after FIt-SNE, Linderman et al.
 * 2019, and its reference code KlugerLab/FIt-SNE src/nbodyfft.cpp; written
 * from the paper's description, not copied):
 *   1. the map's bounding box is cut into square boxes of side len, each
 *      with p x p equispaced interpolation nodes, so that all the nodes
 *      form one equispaced grid of spacing len / p;
 *   2. every point spreads a unit charge onto the p x p nodes of its box
 *      with Lagrange weights (the transpose of interpolation);
 *   3. the node-to-node kernel sums are 2-D convolutions with kernels
 *      sampled on the grid: zero-padded real FFTs, rows then columns;
 *   4. every point interpolates the potentials back from its box's nodes.
 * FIt-SNE convolves the charges (1, y, |y|^2) with K2 = (1 + r^2)^-2 and
 * assembles the repulsion sum_j K2(y_i - y_j) (y_i - y_j) as y_i phi_1 -
 * phi_y: 4 forward and 4 inverse transforms.  Here the unit charge alone
 * is convolved with the vector kernel (Kx, Ky) = K2(r) (dx, dy), which
 * gives the repulsion directly: 1 forward and 2 inverse transforms, the
 * kernels' spectra cached while the grid keeps its shape.  (Measured on a
 * 10,000-point map: 3.3% error against 2.2% for the charges on the same
 * grid, for half the transforms; a 15% finer grid would match it.)  The
 * normaliser Z = sum_ij (1 + r^2)^-1 - N is the inner product <W, K1 * W>
 * of the spread unit charges with their K1 = (1 + r^2)^-1 convolution,
 * which Parseval's theorem gives from the spectrum already computed: one
 * more cached kernel spectrum, no transform.
 *
 * Determinism: every parallel step writes disjoint outputs in an order
 * fixed by the data (points spread box row by box row, each grid row and
 * column transformed by one thread) and every sum over points is added in
 * index order by one thread, so results do not depend on the number of
 * threads.
 */
#include "tsne.h"

#include <kiss_fft.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "pca.h"
#include "pool.h"
#include "rng.h"
#include "util.h"

/* FIt-SNE's defaults: 3 interpolation nodes per box and dimension, boxes
 * of 1 map unit (intervals_per_integer = 1), at least 50 boxes across the
 * map's wider side.  MAX_BOXES bounds the grid (and its memory, about
 * 0.6 GB at the limit) when outliers stretch the map: boxes then grow
 * beyond 1 unit and accuracy degrades gently instead. */
#define DEFAULT_NODES 3
#define NODES_MAX 8
#define DEFAULT_BOX 1.0
#define MIN_BOXES 50
#define MAX_BOXES 1000

typedef float v4f __attribute__((vector_size(16)));

void
mlv_tsne_defaults(mlv_tsne_opts *o)
{
	memset(o, 0, sizeof *o);
	o->perplexity = 30;
	o->early_exaggeration = 12;
	o->early_iter = 250;
	o->n_iter = 1000;
	o->exaggeration = 1;
	o->learning_rate = 0;
	o->momentum_early = 0.5;
	o->momentum = 0.8;
	o->init = MLV_TSNE_INIT_PCA;
	o->method = MLV_TSNE_AUTO;
	o->exact_max = 1000;
	o->kl_every = 50;
	o->fft_nodes = DEFAULT_NODES;
	o->fft_box = DEFAULT_BOX;
}

size_t
mlv_tsne_min_points(double perplexity)
{
	return (size_t)floor(3 * perplexity) + 2;
}

double
mlv_tsne_max_perplexity(size_t n)
{
	/* The largest whole number of hundredths m with 3 m < 100 (n - 1). */
	double p = n < 2 ? 0 : (double)((100 * (n - 1) - 1) / 3) / 100;
	return p >= 1 ? p : 0;
}

/* ---------------------------------------------------------------------- */
/* Perplexity calibration */

typedef struct {
	const float *dist;
	float *p;
	size_t k;
	double target;
	double *scratch; /* nthreads x k */
	size_t *failed;  /* per row: 1 when the target was not reached */
} calib_ctx;

/* One row: find beta with H(beta) = log(perplexity).  With D_j = d_j^2 -
 * d_1^2 (the shift leaves p and H unchanged and keeps exp from
 * underflowing), H(beta) = log S + beta <D>, decreasing in beta with
 * dH/dbeta = -beta Var(D).  Newton's steps inside a bisection bracket
 * (bhtsne and openTSNE bisect alone) converge in a handful of steps. */
static int
calibrate_row(const float *dist, float *p, size_t k, double target,
              double *dd)
{
	double mean = 0;
	for (size_t j = 0; j < k; j++) {
		dd[j] = (double)dist[j] * dist[j] - (double)dist[0] * dist[0];
		if (dd[j] < 0)
			dd[j] = 0;
		mean += dd[j];
	}
	mean /= (double)k;
	double beta = mean > 0 ? 1 / mean : 1, lo = 0, hi = INFINITY;
	double s = 0, m1 = 0, h = 0;
	int ok = 0;
	for (int it = 0; it < 200; it++) {
		double m2 = 0;
		s = m1 = 0;
		for (size_t j = 0; j < k; j++) {
			double e = exp(-beta * dd[j]);
			s += e;
			m1 += e * dd[j];
			m2 += e * dd[j] * dd[j];
		}
		m1 /= s;
		m2 /= s;
		h = log(s) + beta * m1;
		double diff = h - target;
		if (fabs(diff) < 1e-5) {
			ok = 1;
			break;
		}
		if (diff > 0)
			lo = beta;
		else
			hi = beta;
		double slope = -beta * (m2 - m1 * m1);
		double next = slope < 0 ? beta - diff / slope : NAN;
		if (!(next > lo && next < hi))
			next = isinf(hi) ? (beta > 0 ? 2 * beta : 1) : (lo + hi) / 2;
		if (next == beta)
			break;
		beta = next;
	}
	double sum = 0;
	for (size_t j = 0; j < k; j++)
		sum += exp(-beta * dd[j]);
	for (size_t j = 0; j < k; j++)
		p[j] = (float)(exp(-beta * dd[j]) / sum);
	return ok;
}

static void
calib_range(void *ctx, size_t begin, size_t end, int thread)
{
	calib_ctx *c = ctx;
	double *dd = c->scratch + (size_t)thread * c->k;
	for (size_t i = begin; i < end; i++)
		c->failed[i] = !calibrate_row(c->dist + i * c->k, c->p + i * c->k,
		                              c->k, c->target, dd);
}

size_t
mlv_tsne_calibrate(const float *dist, size_t n, size_t k, double perplexity,
                   float *p, int nthreads)
{
	if (!n || !k)
		return 0;
	nthreads = mlv_threads(nthreads);
	calib_ctx c = {.dist = dist, .p = p, .k = k, .target = log(perplexity)};
	c.scratch = mlv_malloc(mlv_mul_size(mlv_mul_size((size_t)nthreads, k,
	                                                 "tsne calibration"),
	                                    sizeof(double), "tsne calibration"));
	c.failed = mlv_calloc(n, sizeof *c.failed);
	mlv_parallel_for(n, nthreads, calib_range, &c);
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += c.failed[i];
	free(c.scratch);
	free(c.failed);
	return failed;
}

/* ---------------------------------------------------------------------- */
/* Symmetrisation: P = (P_cond + P_cond^T) / sum, in CSR. */

/* Shell sort (Ciura's gaps) of one row's (column, value) pairs by column:
 * rows are short (3 * perplexity), and this needs no scratch. */
static void
sort_row(uint32_t *col, float *val, size_t k)
{
	static const size_t gaps[] = {132, 57, 23, 10, 4, 1};
	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		size_t gap = gaps[g];
		for (size_t i = gap; i < k; i++) {
			uint32_t c = col[i];
			float v = val[i];
			size_t j = i;
			for (; j >= gap && col[j - gap] > c; j -= gap) {
				col[j] = col[j - gap];
				val[j] = val[j - gap];
			}
			col[j] = c;
			val[j] = v;
		}
	}
}

typedef struct {
	uint32_t *idx;
	float *p;
	float *partner; /* n x k: p_i|j when i is among j's neighbours, else -1 */
	size_t n, k;
	mlv_tsne_p *P;
} sym_ctx;

static void
sym_sort(void *ctx, size_t begin, size_t end, int thread)
{
	sym_ctx *c = ctx;
	(void)thread;
	for (size_t i = begin; i < end; i++)
		sort_row(c->idx + i * c->k, c->p + i * c->k, c->k);
}

static void
sym_partner(void *ctx, size_t begin, size_t end, int thread)
{
	sym_ctx *c = ctx;
	size_t k = c->k;
	(void)thread;
	for (size_t i = begin; i < end; i++)
		for (size_t e = 0; e < k; e++) {
			const uint32_t *row = c->idx + (size_t)c->idx[i * k + e] * k;
			size_t lo = 0, hi = k;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (row[mid] < i)
					lo = mid + 1;
				else
					hi = mid;
			}
			c->partner[i * k + e] = lo < k && row[lo] == i ?
			        c->p[(size_t)c->idx[i * k + e] * k + lo] : -1.0f;
		}
}

static void
sym_own(void *ctx, size_t begin, size_t end, int thread)
{
	sym_ctx *c = ctx;
	size_t k = c->k;
	(void)thread;
	for (size_t i = begin; i < end; i++) {
		size_t o = c->P->row[i];
		for (size_t e = 0; e < k; e++) {
			float pt = c->partner[i * k + e];
			c->P->col[o + e] = c->idx[i * k + e];
			c->P->val[o + e] = c->p[i * k + e] + (pt > 0 ? pt : 0);
		}
	}
}

/* idx and p (n x k) are the kNN graph and its conditional probabilities;
 * both are reordered. */
static void
symmetrise(uint32_t *idx, float *p, size_t n, size_t k, int nthreads,
           mlv_tsne_p *P)
{
	sym_ctx c = {.idx = idx, .p = p, .n = n, .k = k, .P = P};
	size_t nk = mlv_mul_size(n, k, "tsne affinities");
	mlv_parallel_for(n, nthreads, sym_sort, &c);
	c.partner = mlv_malloc(mlv_mul_size(nk, sizeof(float), "tsne affinities"));
	mlv_parallel_for(n, nthreads, sym_partner, &c);
	/* Row i holds its own k neighbours, then every j that has i as a
	 * neighbour without being one of i's. */
	P->n = n;
	P->row = mlv_calloc(n + 1, sizeof *P->row);
	for (size_t e = 0; e < nk; e++)
		if (c.partner[e] < 0)
			P->row[idx[e] + 1]++;
	for (size_t i = 0; i < n; i++)
		P->row[i + 1] += P->row[i] + k;
	size_t nnz = P->row[n];
	P->col = mlv_malloc(mlv_mul_size(nnz, sizeof *P->col, "tsne affinities"));
	P->val = mlv_malloc(mlv_mul_size(nnz, sizeof *P->val, "tsne affinities"));
	mlv_parallel_for(n, nthreads, sym_own, &c);
	size_t *cursor = mlv_malloc(n * sizeof *cursor);
	for (size_t i = 0; i < n; i++)
		cursor[i] = P->row[i] + k;
	for (size_t j = 0; j < n; j++)
		for (size_t e = j * k; e < j * k + k; e++)
			if (c.partner[e] < 0) {
				size_t i = idx[e], o = cursor[i]++;
				P->col[o] = (uint32_t)j;
				P->val[o] = p[e];
			}
	free(cursor);
	free(c.partner);
	double sum = 0;
	for (size_t e = 0; e < nnz; e++)
		sum += P->val[e];
	for (size_t e = 0; e < nnz; e++)
		P->val[e] = (float)(P->val[e] / sum);
}

void
mlv_tsne_p_free(mlv_tsne_p *P)
{
	free(P->row);
	free(P->col);
	free(P->val);
	memset(P, 0, sizeof *P);
}

static size_t
neighbours_for(double perplexity, size_t n)
{
	double k = floor(3 * perplexity);
	return k < (double)(n - 1) ? (size_t)k : n - 1;
}

static int
check_perplexity(double perplexity, size_t n, char *err, size_t errlen)
{
	if (!(perplexity >= 1) || !isfinite(perplexity)) {
		mlv_errf(err, errlen, "perplexity %g: must be at least 1", perplexity);
		return -1;
	}
	if (n < 3 || !(perplexity < (double)neighbours_for(perplexity, n))) {
		mlv_errf(err, errlen, "perplexity %g: too large for %zu points "
		       "(must be below N - 1)", perplexity, n);
		return -1;
	}
	if (n > UINT32_MAX) {
		mlv_errf(err, errlen, "%zu points: too many for t-SNE", n);
		return -1;
	}
	return 0;
}

int
mlv_tsne_affinities(const float *x, size_t n, size_t d, double perplexity,
                    int nthreads, mlv_tsne_p *P, char *err, size_t errlen)
{
	return mlv_tsne_affinities_knn(x, n, d, perplexity, MLV_KNN_EXACT, 0,
	                               nthreads, P, err, errlen);
}

int
mlv_tsne_affinities_knn(const float *x, size_t n, size_t d,
                        double perplexity, mlv_knn_search search,
                        uint64_t seed, int nthreads, mlv_tsne_p *P,
                        char *err, size_t errlen)
{
	memset(P, 0, sizeof *P);
	if (check_perplexity(perplexity, n, err, errlen) < 0)
		return -1;
	nthreads = mlv_threads(nthreads);
	size_t k = neighbours_for(perplexity, n);
	size_t nk = mlv_mul_size(n, k, "tsne neighbours");
	uint32_t *idx = mlv_malloc(mlv_mul_size(nk, sizeof *idx, "tsne neighbours"));
	float *dist = mlv_malloc(mlv_mul_size(nk, sizeof *dist, "tsne neighbours"));
	if (mlv_knn_self(x, n, d, k, search, seed, idx, dist, nthreads) < 0) {
		mlv_errf(err, errlen, "cannot find %zu neighbours among %zu points",
		       k, n);
		free(idx);
		free(dist);
		return -1;
	}
	mlv_tsne_calibrate(dist, n, k, perplexity, dist, nthreads);
	symmetrise(idx, dist, n, k, nthreads, P);
	free(idx);
	free(dist);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Gradient */

struct mlv_tsne_grad {
	size_t n;
	int fft, nthreads;
	double *attr; /* n x 2: sum_j p_ij w_ij (y_i - y_j) */
	double *rep;  /* n x 2: sum_j w_ij^2 (y_i - y_j) */
	double *zrow; /* n, exact method: sum_j w_ij */
	float *yf;    /* n x 2: the map in float, for the attraction */

	/* FFT method.  p x p nodes per box of side box (or less, see
	 * setup_grid); nbx x nby boxes, nx = p nbx by ny = p nby nodes;
	 * transforms of mx = 2 nx by my = 2 ny (zero padding makes the
	 * circular convolution a linear one); hx = mx/2 + 1 columns of half
	 * spectrum. */
	int p;
	double box;
	uint32_t *cell;   /* n: bx + nbx * by */
	float *lag;       /* n x 2p: Lagrange weights in x, then in y */
	uint32_t *order;  /* n: points by box row, index order within */
	size_t *rowstart; /* nby + 1 */
	size_t cap_rows;
	size_t nbx, nby, nx, ny, mx, my, hx;
	double len, x0, y0;
	float *grid;        /* 2 x ny x nx: charges, then the two potentials */
	size_t cap_grid;
	kiss_fft_cpx *spec; /* 2 x hx x ny, column-major half spectra */
	size_t cap_spec;
	float *kern;        /* 3 x hx x my: K1's real spectrum, Kx's and Ky's
	                     * imaginary ones */
	kiss_fft_cpx *ktmp; /* hx x my: a kernel spectrum being computed */
	size_t cap_kern;
	double *zcol;       /* hx: Parseval terms of <W, K1 * W> by column */
	size_t kern_nbx, kern_nby;
	double kern_len;
	size_t plan_mx, plan_my;
	kiss_fftr_cfg *rfwd, *rinv; /* per thread: kiss_fftr writes its cfg */
	kiss_fft_cfg *cfwd, *cinv;  /* per thread too, to be safe */
	float *rbuf;                /* per thread: 2 cap_scratch >= mx */
	kiss_fft_cpx *cbuf;         /* per thread: 3 cap_scratch */
	size_t cap_scratch;         /* >= max(my, hx) */
};

mlv_tsne_grad *
mlv_tsne_grad_new(size_t n, const mlv_tsne_opts *o)
{
	mlv_tsne_grad *g = mlv_calloc(1, sizeof *g);
	g->n = n;
	g->fft = o->method == MLV_TSNE_FFT ||
	         (o->method == MLV_TSNE_AUTO && n > o->exact_max);
	g->nthreads = mlv_threads(o->nthreads);
	g->p = o->fft_nodes >= 2 && o->fft_nodes <= NODES_MAX ? o->fft_nodes :
	       DEFAULT_NODES;
	g->box = o->fft_box > 0 ? o->fft_box : DEFAULT_BOX;
	size_t n1 = n ? n : 1;
	size_t n2 = mlv_mul_size(n1, 2 * sizeof(double), "tsne gradient");
	g->attr = mlv_malloc(n2);
	g->rep = mlv_malloc(n2);
	g->yf = mlv_malloc(mlv_mul_size(n1, 2 * sizeof(float), "tsne gradient"));
	if (g->fft) {
		g->cell = mlv_malloc(n1 * sizeof *g->cell);
		g->lag = mlv_malloc(mlv_mul_size(n1, 2 * (size_t)g->p * sizeof(float),
		                                 "tsne gradient"));
		g->order = mlv_malloc(n1 * sizeof *g->order);
		g->rfwd = mlv_calloc((size_t)g->nthreads, sizeof *g->rfwd);
		g->rinv = mlv_calloc((size_t)g->nthreads, sizeof *g->rinv);
		g->cfwd = mlv_calloc((size_t)g->nthreads, sizeof *g->cfwd);
		g->cinv = mlv_calloc((size_t)g->nthreads, sizeof *g->cinv);
	} else {
		g->zrow = mlv_malloc(n1 * sizeof *g->zrow);
	}
	return g;
}

/* KissFFT plans in memory from util.h's allocator (KissFFT's own
 * interface for caller-supplied memory), released with free(). */
static kiss_fft_cfg
cplan(int n, int inverse)
{
	size_t len = 0;
	kiss_fft_alloc(n, inverse, NULL, &len);
	return kiss_fft_alloc(n, inverse, mlv_malloc(len), &len);
}

static kiss_fftr_cfg
rplan(int n, int inverse)
{
	size_t len = 0;
	kiss_fftr_alloc(n, inverse, NULL, &len);
	return kiss_fftr_alloc(n, inverse, mlv_malloc(len), &len);
}

static void
free_plans(mlv_tsne_grad *g)
{
	for (int t = 0; t < g->nthreads; t++) {
		free(g->rfwd[t]);
		free(g->rinv[t]);
		free(g->cfwd[t]);
		free(g->cinv[t]);
		g->rfwd[t] = g->rinv[t] = NULL;
		g->cfwd[t] = g->cinv[t] = NULL;
	}
	g->plan_mx = g->plan_my = 0;
}

void
mlv_tsne_grad_free(mlv_tsne_grad *g)
{
	if (!g)
		return;
	if (g->fft) {
		free_plans(g);
		free(g->rfwd);
		free(g->rinv);
		free(g->cfwd);
		free(g->cinv);
	}
	free(g->attr);
	free(g->rep);
	free(g->zrow);
	free(g->yf);
	free(g->cell);
	free(g->lag);
	free(g->order);
	free(g->rowstart);
	free(g->grid);
	free(g->spec);
	free(g->kern);
	free(g->ktmp);
	free(g->zcol);
	free(g->rbuf);
	free(g->cbuf);
	free(g);
}

typedef struct {
	mlv_tsne_grad *g;
	const mlv_tsne_p *P;
	const double *y;
	int which; /* kernel being transformed: 0 K1, 1 Kx, 2 Ky */
} grad_ctx;

/* Attraction sum_j p_ij w_ij (y_i - y_j) of rows [begin, end), and for
 * the FFT method each point's box and interpolation weights. */
static void
attract_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	const mlv_tsne_p *P = c->P;
	const double *y = c->y;
	const float *yf = g->yf;
	int p = g->p;
	(void)thread;
	for (size_t i = begin; i < end; i++) {
		/* The costliest loop after the FFTs: entries go 4 at a time
		 * through SSE-width vectors (GCC's and Clang's vector
		 * extension, which any target lowers to what it has), each lane
		 * summing its own entries so that the sums keep one order.  The
		 * float copy of the map halves what the gathers move; its
		 * rounding (1e-7 of the map's extent) is far below the FFT
		 * repulsion's error. */
		float yi0 = yf[2 * i], yi1 = yf[2 * i + 1];
		v4f acc0 = {0, 0, 0, 0}, acc1 = {0, 0, 0, 0}, one = {1, 1, 1, 1};
		size_t e = P->row[i], stop = P->row[i + 1];
		for (; e + 4 <= stop; e += 4) {
			const uint32_t *cj = P->col + e;
			v4f d0 = {yi0 - yf[2 * (size_t)cj[0]], yi0 - yf[2 * (size_t)cj[1]],
			          yi0 - yf[2 * (size_t)cj[2]], yi0 - yf[2 * (size_t)cj[3]]};
			v4f d1 = {yi1 - yf[2 * (size_t)cj[0] + 1],
			          yi1 - yf[2 * (size_t)cj[1] + 1],
			          yi1 - yf[2 * (size_t)cj[2] + 1],
			          yi1 - yf[2 * (size_t)cj[3] + 1]};
			v4f pv;
			memcpy(&pv, P->val + e, sizeof pv);
			v4f pw = pv / (one + d0 * d0 + d1 * d1);
			acc0 += pw * d0;
			acc1 += pw * d1;
		}
		if (e < stop) {
			v4f d0 = {0, 0, 0, 0}, d1 = {0, 0, 0, 0}, pv = {0, 0, 0, 0};
			for (int l = 0; e + (size_t)l < stop; l++) {
				size_t j = P->col[e + (size_t)l];
				d0[l] = yi0 - yf[2 * j];
				d1[l] = yi1 - yf[2 * j + 1];
				pv[l] = P->val[e + (size_t)l];
			}
			v4f pw = pv / (one + d0 * d0 + d1 * d1);
			acc0 += pw * d0;
			acc1 += pw * d1;
		}
		g->attr[2 * i] = ((double)acc0[0] + acc0[1]) + ((double)acc0[2] + acc0[3]);
		g->attr[2 * i + 1] = ((double)acc1[0] + acc1[1]) +
		                     ((double)acc1[2] + acc1[3]);
		double yi0d = y[2 * i], yi1d = y[2 * i + 1];
		if (!g->fft)
			continue;
		/* Box and position u in [0, 1] inside it; the point at the
		 * right edge belongs to the last box (u = 1). */
		double ux = (yi0d - g->x0) / g->len, uy = (yi1d - g->y0) / g->len;
		size_t bx = ux > 0 ? (size_t)ux : 0, by = uy > 0 ? (size_t)uy : 0;
		if (bx >= g->nbx)
			bx = g->nbx - 1;
		if (by >= g->nby)
			by = g->nby - 1;
		ux -= (double)bx;
		uy -= (double)by;
		g->cell[i] = (uint32_t)(bx + g->nbx * by);
		/* Lagrange basis on the nodes (k + 1/2) / p of the box. */
		float *l = g->lag + i * 2 * (size_t)p;
		double u[2] = {ux, uy};
		for (int a = 0; a < 2; a++)
			for (int k = 0; k < p; k++) {
				double num = 1, den = 1, tk = (k + 0.5) / p;
				for (int m = 0; m < p; m++) {
					double tm = (m + 0.5) / p;
					if (m != k) {
						num *= u[a] - tm;
						den *= tk - tm;
					}
				}
				l[a * p + k] = (float)(num / den);
			}
	}
}

/* Exact repulsion, O(N) per point. */
static void
exact_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	const double *y = c->y;
	size_t n = g->n;
	(void)thread;
	for (size_t i = begin; i < end; i++) {
		double yi0 = y[2 * i], yi1 = y[2 * i + 1], z = 0, r0 = 0, r1 = 0;
		for (size_t j = 0; j < n; j++) {
			if (j == i)
				continue;
			double d0 = yi0 - y[2 * j], d1 = yi1 - y[2 * j + 1];
			double w = 1 / (1 + d0 * d0 + d1 * d1);
			z += w;
			r0 += w * w * d0;
			r1 += w * w * d1;
		}
		g->zrow[i] = z;
		g->rep[2 * i] = r0;
		g->rep[2 * i + 1] = r1;
	}
}

/* For box rows [begin, end): spread the unit charges of their points onto
 * their p grid rows, then transform those rows, storing each result down
 * the columns of a column-major half spectrum so that the column pass
 * reads contiguous memory.  A box row's points touch no other box row's
 * nodes, so the rows are independent. */
static void
spread_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	size_t nx = g->nx, p = (size_t)g->p;
	float *in = g->rbuf + (size_t)thread * 2 * g->cap_scratch;
	kiss_fft_cpx *out = g->cbuf + (size_t)thread * 3 * g->cap_scratch;
	for (size_t by = begin; by < end; by++) {
		memset(g->grid + by * p * nx, 0, p * nx * sizeof(float));
		for (size_t o = g->rowstart[by]; o < g->rowstart[by + 1]; o++) {
			size_t i = g->order[o];
			size_t bx = g->cell[i] % g->nbx;
			const float *l = g->lag + i * 2 * p;
			for (size_t b = 0; b < p; b++) {
				float *row = g->grid + (by * p + b) * nx + bx * p;
				for (size_t a = 0; a < p; a++)
					row[a] += l[a] * l[p + b];
			}
		}
		for (size_t r = by * p; r < by * p + p; r++) {
			memcpy(in, g->grid + r * nx, nx * sizeof(float));
			memset(in + nx, 0, (g->mx - nx) * sizeof(float));
			kiss_fftr(g->rfwd[thread], in, out);
			kiss_fft_cpx *s = g->spec + r;
			for (size_t col = 0; col < g->hx; col++)
				s[col * g->ny] = out[col];
		}
	}
}

/* Column transforms of the charges, Z's Parseval terms, the products with
 * Kx's and Ky's spectra and their inverse column transforms. */
static void
col_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	kiss_fft_cpx *a = g->cbuf + (size_t)thread * 3 * g->cap_scratch;
	kiss_fft_cpx *b = a + g->cap_scratch, *o = b + g->cap_scratch;
	size_t ny = g->ny, my = g->my, plane = g->hx * g->my;
	for (size_t col = begin; col < end; col++) {
		const float *k1 = g->kern + col * my;
		memcpy(a, g->spec + col * ny, ny * sizeof *a);
		memset(a + ny, 0, (my - ny) * sizeof *a);
		kiss_fft(g->cfwd[thread], a, b);
		double z = 0;
		for (size_t r = 0; r < my; r++)
			z += k1[r] * ((double)b[r].r * b[r].r + (double)b[r].i * b[r].i);
		g->zcol[col] = z;
		for (size_t q = 0; q < 2; q++) {
			/* Kx and Ky are odd: their spectra are i times a real one. */
			const float *kq = g->kern + (q + 1) * plane + col * my;
			for (size_t r = 0; r < my; r++) {
				a[r].r = -b[r].i * kq[r];
				a[r].i = b[r].r * kq[r];
			}
			kiss_fft(g->cinv[thread], a, o);
			memcpy(g->spec + (q * g->hx + col) * ny, o, ny * sizeof *o);
		}
	}
}

/* For box rows [begin, end): the inverse transforms of their grid rows,
 * the two potentials on the first nx nodes of each, then the repulsion at
 * their points, interpolated from their boxes' nodes. */
static void
gather_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	size_t nx = g->nx, ny = g->ny, plane = g->nx * g->ny, p = (size_t)g->p;
	float *out = g->rbuf + (size_t)thread * 2 * g->cap_scratch;
	kiss_fft_cpx *in = g->cbuf + (size_t)thread * 3 * g->cap_scratch;
	float scale = (float)(1.0 / ((double)g->mx * (double)g->my));
	for (size_t by = begin; by < end; by++) {
		for (size_t q = 0; q < 2; q++)
			for (size_t r = by * p; r < by * p + p; r++) {
				const kiss_fft_cpx *s = g->spec + q * g->hx * ny + r;
				for (size_t col = 0; col < g->hx; col++)
					in[col] = s[col * ny];
				kiss_fftri(g->rinv[thread], in, out);
				float *dst = g->grid + q * plane + r * nx;
				for (size_t x = 0; x < nx; x++)
					dst[x] = out[x] * scale;
			}
		for (size_t o = g->rowstart[by]; o < g->rowstart[by + 1]; o++) {
			size_t i = g->order[o];
			size_t bx = g->cell[i] % g->nbx;
			const float *l = g->lag + i * 2 * p;
			double r0 = 0, r1 = 0;
			for (size_t b = 0; b < p; b++) {
				const float *row = g->grid + (by * p + b) * nx + bx * p;
				double s0 = 0, s1 = 0;
				for (size_t a = 0; a < p; a++) {
					s0 += (double)l[a] * row[a];
					s1 += (double)l[a] * row[plane + a];
				}
				r0 += l[p + b] * s0;
				r1 += l[p + b] * s1;
			}
			g->rep[2 * i] = r0;
			g->rep[2 * i + 1] = r1;
		}
	}
}

/* Rows 0..ny of the circulant embedding of kernel c->which sampled at
 * the node offsets, transformed; stored column-major in ktmp.  Rows
 * ny+1..my-1 are those rows mirrored (negated for Ky, odd in y), and so
 * are their transforms: kerncol_range copies them. */
static void
kernrow_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	float *in = g->rbuf + (size_t)thread * 2 * g->cap_scratch;
	kiss_fft_cpx *out = g->cbuf + (size_t)thread * 3 * g->cap_scratch;
	double h = g->len / g->p;
	for (size_t r = begin; r < end; r++) {
		/* Offsets 0..n-1, then -(n-1)..-1; the one between, n, never
		 * occurs in a linear convolution of n nodes: 0 there keeps
		 * the embedding exactly even (K1) or odd (Kx, Ky). */
		double oy = r < g->ny ? (double)r : -(double)(g->my - r);
		for (size_t x = 0; x < g->mx; x++) {
			double ox = x < g->nx ? (double)x : -(double)(g->mx - x);
			double w = 1 / (1 + h * h * (ox * ox + oy * oy));
			double v = c->which == 0 ? w : w * w * h *
			           (c->which == 1 ? ox : oy);
			in[x] = r == g->ny || x == g->nx ? 0 : (float)v;
		}
		kiss_fftr(g->rfwd[thread], in, out);
		for (size_t col = 0; col < g->hx; col++)
			g->ktmp[col * g->my + r] = out[col];
	}
}

static void
kerncol_range(void *ctx, size_t begin, size_t end, int thread)
{
	grad_ctx *c = ctx;
	mlv_tsne_grad *g = c->g;
	kiss_fft_cpx *b = g->cbuf + (size_t)thread * 3 * g->cap_scratch;
	float *dst = g->kern + (size_t)c->which * g->hx * g->my;
	float sign = c->which == 2 ? -1 : 1;
	for (size_t col = begin; col < end; col++) {
		kiss_fft_cpx *t = g->ktmp + col * g->my;
		for (size_t r = g->ny + 1; r < g->my; r++) {
			t[r].r = sign * t[g->my - r].r;
			t[r].i = sign * t[g->my - r].i;
		}
		kiss_fft(g->cfwd[thread], t, b);
		for (size_t r = 0; r < g->my; r++)
			dst[col * g->my + r] = c->which == 0 ? b[r].r : b[r].i;
	}
}

/* 5-smooth numbers keep KissFFT on its radix-2, 3, 4 and 5 butterflies. */
static size_t
smooth5(size_t n)
{
	for (;; n++) {
		size_t m = n;
		while (m % 2 == 0)
			m /= 2;
		while (m % 3 == 0)
			m /= 3;
		while (m % 5 == 0)
			m /= 5;
		if (m == 1)
			return n;
	}
}

/* A buffer of at least need items; its old contents are dropped. */
static void *
grow(void *p, size_t *cap, size_t need, size_t size, const char *what)
{
	if (need <= *cap)
		return p;
	/* A quarter of slack: the grid grows with the map, a little at a
	 * time, and should not be reallocated at every step of that. */
	size_t want = need + need / 4;
	free(p);
	*cap = want;
	return mlv_malloc(mlv_mul_size(want, size, what));
}

/* Lay the grid over the map y and make sure plans, buffers and kernel
 * spectra fit it. */
static void
setup_grid(mlv_tsne_grad *g, const double *y)
{
	size_t n = g->n;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double a = y[2 * i], b = y[2 * i + 1];
		xmin = a < xmin ? a : xmin;
		xmax = a > xmax ? a : xmax;
		ymin = b < ymin ? b : ymin;
		ymax = b > ymax ? b : ymax;
	}
	/* Boxes of side g->box, or smaller while the map is narrower than
	 * MIN_BOXES of them (FIt-SNE's rule).  The kernel spectra depend on
	 * the box size and the box counts and cost about as much as an
	 * iteration's transforms, so both move in steps rather than with
	 * every iteration's growth: the size to a power of sqrt(2) (while it
	 * is below g->box the map is small and the kernel well resolved
	 * anyway; above it when outliers stretch the map beyond MAX_BOXES
	 * boxes), and the counts only when the map has outgrown them or
	 * shrunk well inside them.  (Growing them with slack, to recompute
	 * less often, cost more in bigger transforms than it saved.) */
	double wx = xmax - xmin, wy = ymax - ymin, w = wx > wy ? wx : wy;
	double len = w / MIN_BOXES;
	if (len > g->box)
		len = g->box;
	if (len < w / MAX_BOXES) /* outliers: coarser boxes, bounded grid */
		len = w / MAX_BOXES;
	len = len > 0 ? g->box * exp2(ceil(2 * log2(len / g->box)) / 2) : g->box;
	double needx = ceil(wx / len), needy = ceil(wy / len);
	needx = needx < 1 ? 1 : needx;
	needy = needy < 1 ? 1 : needy;
	if (len != g->kern_len || (double)g->nbx < needx ||
	    (double)g->nby < needy || (double)g->nbx > 1.25 * needx + 2 ||
	    (double)g->nby > 1.25 * needy + 2) {
		g->nbx = smooth5((size_t)needx);
		g->nby = smooth5((size_t)needy);
	}
	g->len = len;
	g->x0 = xmin;
	g->y0 = ymin;
	g->nx = (size_t)g->p * g->nbx;
	g->ny = (size_t)g->p * g->nby;
	g->mx = 2 * g->nx;
	g->my = 2 * g->ny;
	g->hx = g->mx / 2 + 1;

	int nt = g->nthreads;
	g->rowstart = grow(g->rowstart, &g->cap_rows, g->nby + 1,
	                   sizeof *g->rowstart, "tsne grid");
	g->grid = grow(g->grid, &g->cap_grid,
	               mlv_mul_size(2 * g->nx, g->ny, "tsne grid"), sizeof(float),
	               "tsne grid");
	g->spec = grow(g->spec, &g->cap_spec,
	               mlv_mul_size(2 * g->hx, g->ny, "tsne grid"),
	               sizeof(kiss_fft_cpx), "tsne grid");
	size_t kern = mlv_mul_size(g->hx, g->my, "tsne grid");
	if (kern > g->cap_kern) {
		size_t cap = g->cap_kern, cap3 = 0;
		g->ktmp = grow(g->ktmp, &cap, kern, sizeof(kiss_fft_cpx), "tsne grid");
		g->kern = grow(g->kern, &cap3, mlv_mul_size(3, cap, "tsne grid"),
		               sizeof(float), "tsne grid");
		g->cap_kern = cap;
		g->kern_nbx = 0; /* the spectra went with the old buffers */
		free(g->zcol);
		g->zcol = mlv_malloc(cap * sizeof *g->zcol); /* cap >= hx */
	}
	size_t scr = g->my > g->hx ? g->my : g->hx;
	if (scr > g->cap_scratch) {
		size_t cap = scr + scr / 4;
		free(g->cbuf);
		free(g->rbuf);
		g->cap_scratch = cap;
		g->cbuf = mlv_malloc(mlv_mul_size((size_t)nt,
		                                  3 * cap * sizeof(kiss_fft_cpx),
		                                  "tsne grid"));
		/* mx = 2 (hx - 1) < 2 cap */
		g->rbuf = mlv_malloc(mlv_mul_size((size_t)nt, 2 * cap * sizeof(float),
		                                  "tsne grid"));
	}
	if (g->mx != g->plan_mx || g->my != g->plan_my) {
		free_plans(g);
		for (int t = 0; t < nt; t++) {
			g->rfwd[t] = rplan((int)g->mx, 0);
			g->rinv[t] = rplan((int)g->mx, 1);
			g->cfwd[t] = cplan((int)g->my, 0);
			g->cinv[t] = cplan((int)g->my, 1);
		}
		g->plan_mx = g->mx;
		g->plan_my = g->my;
	}
	if (g->nbx != g->kern_nbx || g->nby != g->kern_nby || len != g->kern_len) {
		grad_ctx c = {.g = g};
		for (c.which = 0; c.which < 3; c.which++) {
			mlv_parallel_for(g->ny + 1, nt, kernrow_range, &c);
			mlv_parallel_for(g->hx, nt, kerncol_range, &c);
		}
		g->kern_nbx = g->nbx;
		g->kern_nby = g->nby;
		g->kern_len = len;
	}
}

/* Z and the repulsion sum_j w_ij^2 (y_i - y_j) by interpolation, after
 * attract_range placed the points in their boxes. */
static double
repulse_fft(mlv_tsne_grad *g, grad_ctx *c)
{
	size_t n = g->n;
	int nt = g->nthreads;
	/* Counting sort of the points by box row, in index order. */
	memset(g->rowstart, 0, (g->nby + 1) * sizeof *g->rowstart);
	for (size_t i = 0; i < n; i++)
		g->rowstart[g->cell[i] / g->nbx + 1]++;
	for (size_t b = 0; b < g->nby; b++)
		g->rowstart[b + 1] += g->rowstart[b];
	for (size_t i = 0; i < n; i++)
		g->order[g->rowstart[g->cell[i] / g->nbx]++] = (uint32_t)i;
	for (size_t b = g->nby; b > 0; b--)
		g->rowstart[b] = g->rowstart[b - 1];
	g->rowstart[0] = 0;
	mlv_parallel_for(g->nby, nt, spread_range, c);
	mlv_parallel_for(g->hx, nt, col_range, c);
	mlv_parallel_for(g->nby, nt, gather_range, c);
	/* Parseval: <W, K1 * W> = sum over the full spectrum of K1^ |W^|^2
	 * / (mx my); the half spectrum stands for its inner columns twice. */
	double z = 0;
	for (size_t col = 0; col < g->hx; col++)
		z += (col == 0 || col == g->hx - 1 ? 1 : 2) * g->zcol[col];
	return z / ((double)g->mx * (double)g->my) - (double)n;
}

double
mlv_tsne_gradient(mlv_tsne_grad *g, const mlv_tsne_p *P, const double *y,
                  double exaggeration, double *grad)
{
	size_t n = g->n;
	int nt = g->nthreads;
	grad_ctx c = {.g = g, .P = P, .y = y};
	if (n < 2) {
		memset(grad, 0, n * 2 * sizeof *grad);
		return 0;
	}
	for (size_t i = 0; i < 2 * n; i++)
		g->yf[i] = (float)y[i];
	double z = 0;
	if (g->fft) {
		setup_grid(g, y);
		mlv_parallel_for(n, nt, attract_range, &c);
		z = repulse_fft(g, &c);
	} else {
		mlv_parallel_for(n, nt, attract_range, &c);
		mlv_parallel_for(n, nt, exact_range, &c);
		for (size_t i = 0; i < n; i++)
			z += g->zrow[i];
	}
	for (size_t i = 0; i < 2 * n; i++)
		grad[i] = 4 * (exaggeration * g->attr[i] - g->rep[i] / z);
	return z;
}

typedef struct {
	const mlv_tsne_p *P;
	const double *y;
	double *part;
} kl_ctx;

static void
kl_range(void *ctx, size_t begin, size_t end, int thread)
{
	kl_ctx *c = ctx;
	const mlv_tsne_p *P = c->P;
	const double *y = c->y;
	(void)thread;
	for (size_t i = begin; i < end; i++) {
		double s = 0, sp = 0;
		for (size_t e = P->row[i]; e < P->row[i + 1]; e++) {
			size_t j = P->col[e];
			double d0 = y[2 * i] - y[2 * j], d1 = y[2 * i + 1] - y[2 * j + 1];
			double p = P->val[e];
			if (p > 0)
				s += p * (log(p) + log1p(d0 * d0 + d1 * d1));
			sp += p;
		}
		c->part[2 * i] = s;
		c->part[2 * i + 1] = sp;
	}
}

double
mlv_tsne_kl(const mlv_tsne_p *P, const double *y, double z, int nthreads)
{
	/* sum p log(p / q) with q = w / z: sum p (log p - log w) + log z sum p. */
	kl_ctx c = {.P = P, .y = y};
	c.part = mlv_malloc(mlv_mul_size(P->n ? P->n : 1, 2 * sizeof(double),
	                                 "tsne kl"));
	mlv_parallel_for(P->n, mlv_threads(nthreads), kl_range, &c);
	double s = 0, sp = 0;
	for (size_t i = 0; i < P->n; i++) {
		s += c.part[2 * i];
		sp += c.part[2 * i + 1];
	}
	free(c.part);
	return s + log(z) * sp;
}

/* ---------------------------------------------------------------------- */
/* The optimisation */

typedef struct {
	double *y, *grad, *upd, *gains;
	double lr, mom;
} step_ctx;

static double
sgn(double v)
{
	return v == 0 ? 0 : v < 0 ? -1 : 1;
}

/* bhtsne's step: gains grow by 0.2 where the gradient turned against the
 * last update and shrink by 0.8 where it kept its direction, at least
 * 0.01; the learning rate applies to the gradient without its factor 4. */
static void
step_range(void *ctx, size_t begin, size_t end, int thread)
{
	step_ctx *c = ctx;
	(void)thread;
	for (size_t i = begin; i < end; i++) {
		double gr = c->grad[i] / 4;
		double gain = sgn(gr) != sgn(c->upd[i]) ? c->gains[i] + 0.2 :
		              c->gains[i] * 0.8;
		if (gain < 0.01)
			gain = 0.01;
		c->gains[i] = gain;
		c->upd[i] = c->mom * c->upd[i] - c->lr * gain * gr;
		c->y[i] += c->upd[i];
	}
}

static int
init_pca(const float *x, size_t n, size_t d, double *y)
{
	mlv_pca p;
	if (d < 2 || mlv_pca_fit(&p, x, n, d, 2, 0, NULL, 0) < 0)
		return -1;
	size_t block = 4096;
	float *tmp = mlv_malloc(block * 2 * sizeof *tmp);
	double mean = 0, ss = 0;
	for (size_t i0 = 0; i0 < n; i0 += block) {
		size_t m = n - i0 < block ? n - i0 : block;
		mlv_pca_apply(&p, x + i0 * d, m, tmp);
		for (size_t i = 0; i < 2 * m; i++)
			y[2 * i0 + i] = tmp[i];
	}
	free(tmp);
	mlv_pca_free(&p);
	for (size_t i = 0; i < n; i++)
		mean += y[2 * i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (y[2 * i] - mean) * (y[2 * i] - mean);
	double sd = sqrt(ss / (double)n);
	if (!(sd > 0))
		return -1;
	for (size_t i = 0; i < 2 * n; i++)
		y[i] *= 1e-4 / sd;
	return 0;
}

int
mlv_tsne_run(const float *x, size_t n, size_t d, const mlv_tsne_opts *o,
             float *yout, double *kl_out, char *err, size_t errlen)
{
	mlv_tsne_p P = {0};
	mlv_tsne_grad *g = NULL;
	double *y = NULL, *grad = NULL, *upd = NULL, *gains = NULL;
	int rc = -1;
	if (o->n_iter < 0 || o->early_iter < 0 || !(o->learning_rate >= 0) ||
	    !(o->early_exaggeration > 0) || !(o->exaggeration > 0) ||
	    !(o->momentum >= 0 && o->momentum < 1) ||
	    !(o->momentum_early >= 0 && o->momentum_early < 1) || d == 0) {
		mlv_errf(err, errlen, "t-SNE: bad options (iterations %d, early %d, "
		       "learning rate %g, exaggeration %g/%g, momentum %g/%g, %zu "
		       "columns)", o->n_iter, o->early_iter, o->learning_rate,
		       o->early_exaggeration, o->exaggeration, o->momentum_early,
		       o->momentum, d);
		return -1;
	}
	if (check_perplexity(o->perplexity, n, err, errlen) < 0)
		return -1;
	size_t nd = mlv_mul_size(n, d, "tsne input");
	for (size_t i = 0; i < nd; i++)
		if (!isfinite(x[i])) {
			mlv_errf(err, errlen, "row %zu column %zu: value not finite",
			       i / d, i % d);
			return -1;
		}
	int nt = mlv_threads(o->nthreads);
	if (mlv_tsne_affinities_knn(x, n, d, o->perplexity, o->knn, o->seed, nt,
	                            &P, err, errlen) < 0)
		return -1;

	size_t n2 = mlv_mul_size(n, 2, "tsne map");
	y = mlv_malloc(n2 * sizeof *y);
	grad = mlv_malloc(n2 * sizeof *grad);
	upd = mlv_calloc(n2, sizeof *upd);
	gains = mlv_malloc(n2 * sizeof *gains);
	for (size_t i = 0; i < n2; i++)
		gains[i] = 1;
	if (o->init == MLV_TSNE_INIT_GIVEN) {
		for (size_t i = 0; i < n2; i++) {
			if (!isfinite(yout[i])) {
				mlv_errf(err, errlen, "initial map row %zu: value not finite",
				       i / 2);
				goto fail;
			}
			y[i] = yout[i];
		}
	} else if (o->init != MLV_TSNE_INIT_PCA || init_pca(x, n, d, y) < 0) {
		/* Random, or PCA of data with fewer than 2 columns or no
		 * spread. */
		mlv_rng rng;
		mlv_rng_seed(&rng, o->seed);
		for (size_t i = 0; i < n2; i++)
			y[i] = 1e-4 * mlv_rng_normal(&rng);
	}

	g = mlv_tsne_grad_new(n, o);
	step_ctx sc = {.y = y, .grad = grad, .upd = upd, .gains = gains};
	sc.lr = o->learning_rate > 0 ? o->learning_rate :
	        fmax((double)n / o->early_exaggeration, 50);
	double kl = NAN;
	for (int it = 0; it < o->n_iter; it++) {
		int early = it < o->early_iter;
		double z = mlv_tsne_gradient(g, &P, y, early ? o->early_exaggeration :
		                             o->exaggeration, grad);
		double klit = NAN;
		if (it + 1 == o->n_iter ||
		    (o->kl_every > 0 && (it + 1) % o->kl_every == 0))
			kl = klit = mlv_tsne_kl(&P, y, z, nt);
		sc.mom = early ? o->momentum_early : o->momentum;
		mlv_parallel_for(n2, nt, step_range, &sc);
		if (o->progress)
			o->progress(o->progress_ctx, it + 1, o->n_iter, klit);
	}
	/* Centre the map: the exact gradient sums to zero, so this moves it
	 * only by what interpolation and rounding drifted. */
	double m0 = 0, m1 = 0;
	for (size_t i = 0; i < n; i++) {
		m0 += y[2 * i];
		m1 += y[2 * i + 1];
	}
	m0 /= (double)n;
	m1 /= (double)n;
	for (size_t i = 0; i < n; i++) {
		yout[2 * i] = (float)(y[2 * i] - m0);
		yout[2 * i + 1] = (float)(y[2 * i + 1] - m1);
	}
	if (kl_out)
		*kl_out = kl;
	rc = 0;
fail:
	mlv_tsne_grad_free(g);
	mlv_tsne_p_free(&P);
	free(y);
	free(grad);
	free(upd);
	free(gains);
	return rc;
}
