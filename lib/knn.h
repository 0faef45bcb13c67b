/* knn.h - exact nearest neighbours by blocked matrix products.
 *
 * Squared Euclidean distances |q|^2 + |x|^2 - 2 q.x come from
 * mlv_blocked_abt (blas.h).  Every tool that needs neighbours (t-SNE and
 * UMAP affinities, map quality) goes through here.
 */
#ifndef MLV_KNN_H
#define MLV_KNN_H

#include <stddef.h>
#include <stdint.h>

/* The k nearest points of x (n x d) to each query of q (nq x d): idx and
 * dist are nq x k, nearest first; dist holds Euclidean distances (not
 * squared), computed in float and clamped at 0.  When q is x itself
 * (self != 0), each point's own entry is left out.  Ties are broken by
 * the lower index, so the result is deterministic for any thread count.
 * k must not exceed n (n - 1 with self).  nthreads <= 0: all cores.
 * Returns 0, or -1 for a bad k. */
int mlv_knn(const float *x, size_t n, const float *q, size_t nq, size_t d,
            size_t k, int self, uint32_t *idx, float *dist, int nthreads);

/* Which search mlv_knn_self runs. */
typedef enum {
	MLV_KNN_AUTO,  /* exact while mlv_knn_exact_pays, else ANN */
	MLV_KNN_EXACT, /* mlv_knn */
	MLV_KNN_ANN    /* mlv_ann_knn (ann.h) */
} mlv_knn_search;

/* AUTO's choice: exact for n <= 2000 max(k, 25) points (50,000 for
 * UMAP's 14 neighbours, 180,000 for t-SNE's 90).  The exact search costs
 * n^2 d in sgemm whatever k; NN-descent's heaps and candidate lists grow
 * with k, so the crossover does too; 2000 per neighbour is where runs on gmm16
 * (100,000 x 16, k = 14 and 90, two cores) put it. */
int mlv_knn_exact_pays(size_t n, size_t k);
/* "auto", "exact" or "ann" as mlv_knn_search, or -1. */
int mlv_knn_search_parse(const char *name);

/* Each of the n points' k nearest others, as mlv_knn(x, n, x, n, d, k, 1,
 * ...) returns them, by the search asked for (seed: ANN's random
 * draws). */
int mlv_knn_self(const float *x, size_t n, size_t d, size_t k,
                 mlv_knn_search search, uint64_t seed, uint32_t *idx,
                 float *dist, int nthreads);

#endif
