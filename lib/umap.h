/* umap.h - UMAP: uniform manifold approximation and projection.
 *
 * McInnes, Healy and Melville, "UMAP: Uniform Manifold Approximation and
 * Projection for Dimension Reduction" (2018), as the two reference
 * implementations run it: umap-learn (lmcinnes/umap, umap/umap_.py) and
 * uwot (jlmelville/uwot, inst/include/uwot/ and R/).  The steps:
 *
 *   1. k nearest neighbours (knn.h: exact, or NN-descent for large n);
 *   2. smooth kNN distances: per point, rho = distance to the nearest
 *      neighbour at a non-zero distance and sigma by bisection so that the
 *      memberships exp(-(d - rho) / sigma) of its neighbours sum to
 *      log2(n_neighbors);
 *   3. fuzzy union: w = p + q - p q of the two directed memberships;
 *   4. initial layout: spectral (eigenvectors of the normalized Laplacian
 *      of that graph), PCA or uniform random;
 *   5. stochastic gradient descent on the fuzzy cross-entropy, each edge
 *      sampled in proportion to its weight, with negative sampling, the
 *      low-dimensional curve 1 / (1 + a d^2b) fitted to min_dist and
 *      spread, gradients clipped at 4 and a learning rate decaying linearly.
 *
 * Counting follows both references: n_neighbors includes the point
 * itself, so 15 means the point and its 14 nearest others.
 *
 * Results are deterministic for a given seed and identical for every
 * thread count: the neighbours are exact and tie-broken by index (or,
 * from NN-descent, fixed by the seed and thread count), the
 * graph is built in a fixed order, the eigensolver runs on one thread, and
 * the SGD either runs on one thread (the default, in place, as uwot's
 * default) or, with sgd_parallel, moves each vertex only on the thread
 * that owns it while reading every other vertex from the layout as it
 * stood at the start of the epoch (see umap.c).  uwot and umap-learn are
 * reproducible only single-threaded.
 */
#ifndef MLV_UMAP_H
#define MLV_UMAP_H

#include <stddef.h>
#include <stdint.h>

#include "knn.h"

typedef enum {
	MLV_UMAP_INIT_SPECTRAL, /* Laplacian eigenvectors (PCA if the graph
	                         * is disconnected) */
	MLV_UMAP_INIT_PCA,      /* first principal components */
	MLV_UMAP_INIT_RANDOM    /* uniform in [-10, 10] */
} mlv_umap_init;

typedef struct {
	size_t n_neighbors;   /* 15; counts the point itself; 2..n */
	size_t dims;          /* output dimensions: 2 */
	double min_dist;      /* 0.01 (uwot's default and the peer run's;
	                       * umap-learn's is 0.1); 0..spread */
	double spread;        /* 1; > 0 */
	int n_epochs;         /* -1: 500 for n <= 10,000, else 200 (both
	                       * references); 0: return the initial layout */
	double negative_sample_rate; /* 5; in (0, 1000] */
	double learning_rate; /* 1; > 0 */
	mlv_umap_init init;   /* MLV_UMAP_INIT_SPECTRAL */
	mlv_knn_search knn;   /* MLV_KNN_AUTO: the neighbour search (knn.h) */
	uint64_t seed;        /* 0 */
	int nthreads;         /* <= 0: one per CPU; does not change results */
	int sgd_parallel;     /* 0: the SGD runs in place on one thread, as
	                       * uwot's default does; 1: on nthreads threads,
	                       * each vertex moved only by its owner against a
	                       * per-epoch copy of the layout (about 2x faster
	                       * on 2 cores; trustworthiness 3e-4 lower on
	                       * gmm16_n10000).  Either way the result does not
	                       * depend on nthreads. */
} mlv_umap_opts;

/* What a run did, for the tool's metadata and messages. */
typedef struct {
	double a, b;            /* the fitted curve */
	int n_epochs;           /* epochs run */
	mlv_umap_init init;     /* the initialisation used: for spectral on a
	                         * disconnected graph (or fewer than dims + 2
	                         * points), PCA scaled to sd 1 per column, as
	                         * uwot does, or random when dims exceeds the
	                         * input's columns */
	size_t components;      /* connected components of the fuzzy graph */
	size_t edges;           /* directed edges of the graph (each pair
	                         * twice), before the SGD drops the weakest */
	int spectral_converged; /* 1 when every eigenvector met the tolerance */
} mlv_umap_info;

void mlv_umap_defaults(mlv_umap_opts *o);
/* 0, or -1 for a name that is not "spectral", "pca" or "random". */
int mlv_umap_init_parse(const char *name, mlv_umap_init *init);
const char *mlv_umap_init_name(mlv_umap_init init);

/* Embed the n x d rows of x (row-major) into y (n x o->dims, row-major),
 * centred on the origin after optimisation (as uwot does).  info may be
 * NULL.  Memory: O(n * n_neighbors) for the graph and the SGD's edges,
 * (2 dims + 41) n doubles for the spectral layout, besides knn.h's
 * blocks.  Returns 0, or -1 with a message in err (errlen bytes) for bad
 * options (checked before any work) or a value of x that is not finite. */
int mlv_umap(const float *x, size_t n, size_t d, const mlv_umap_opts *o,
             float *y, mlv_umap_info *info, char *err, size_t errlen);

/* ---- The steps, for tests and for tools that bring their own graph. ---- */

/* Fit a, b of 1 / (1 + a x^(2b)) by least squares to 1 for x < min_dist
 * and exp(-(x - min_dist) / spread) beyond, on 300 points spaced evenly
 * over [0, 3 spread] (umap-learn's find_ab_params; uwot's is the same fit
 * by R's nls).  (0.1, 1) gives a = 1.577, b = 0.895; (0.01, 1) gives
 * 1.896, 0.801.  Returns 0, or -1 when the parameters are out of range
 * (0 <= min_dist <= spread, spread > 0) or the fit fails. */
int mlv_umap_find_ab(double min_dist, double spread, double *a, double *b);

/* Memberships of n points to their m nearest other points (m >= 1):
 * dist (n x m, each row ascending, self left out as mlv_knn(self=1) does)
 * gives w (n x m) with each row summing to log2(m + 1) within 1e-5 unless
 * the bisection cannot reach it (fewer distinct distances than that sum
 * needs).  rho and sigma (n each) may be NULL. */
void mlv_umap_smooth_knn(const float *dist, size_t n, size_t m, float *w,
                         float *rho, float *sigma, int nthreads);

/* A symmetric sparse graph in compressed rows. */
typedef struct {
	size_t n;      /* vertices */
	size_t *ptr;   /* n + 1 row starts */
	uint32_t *col; /* ptr[n] neighbours, ascending in each row, no self */
	float *val;    /* ptr[n] weights in (0, 1] */
} mlv_umap_graph;

/* The fuzzy union of directed memberships: idx and w are n x m (row i
 * lists i's neighbours, none equal to i, none repeated); the graph gets
 * w_ij + w_ji - w_ij w_ji on every pair where either is non-zero.  g owns
 * new arrays afterwards; release them with mlv_umap_graph_free. */
void mlv_umap_fuzzy_union(mlv_umap_graph *g, const uint32_t *idx,
                          const float *w, size_t n, size_t m);
void mlv_umap_graph_free(mlv_umap_graph *g);

/* Connected components of g; label (n, may be NULL) gets each vertex's
 * component numbered 0.. in order of the lowest vertex. */
size_t mlv_umap_components(const mlv_umap_graph *g, uint32_t *label);

/* The spectral layout: y (g->n x dims) gets, in column c, the eigenvector
 * of the normalized Laplacian I - D^-1/2 W D^-1/2 for its (c+2)-th
 * smallest eigenvalue, unit length, signed so that its entry of largest
 * magnitude is positive, found by a thick-restarted Lanczos iteration
 * started from a vector drawn from seed.  Unscaled: mlv_umap scales it to
 * a largest coordinate of 10 and adds noise of sd 1e-4, as both
 * references do.  Returns 1 when every vector met the tolerance, 0 when
 * the iteration cap came first (y then holds the best approximations),
 * -1 with a message when g is disconnected or has fewer than dims + 2
 * vertices. */
int mlv_umap_spectral(const mlv_umap_graph *g, size_t dims, uint64_t seed,
                      float *y, char *err, size_t errlen);

/* Run the SGD on y (g->n x dims, the initial layout, updated in place)
 * over the edges of g, with o's n_epochs (here > 0; -1 and 0 do nothing),
 * negative_sample_rate, learning_rate, seed, sgd_parallel and nthreads.
 * Edges below max weight / n_epochs are left out, as both references do.
 * y is not centred (mlv_umap does that). */
void mlv_umap_optimize(const mlv_umap_graph *g, float *y, size_t dims,
                       double a, double b, const mlv_umap_opts *o);

#endif
