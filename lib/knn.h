/* knn.h - exact nearest neighbours by blocked matrix products.
 *
 * Squared Euclidean distances |q|^2 + |x|^2 - 2 q.x come from cblas_sgemm
 * over blocks of queries and points, so the cost is that of OpenBLAS's
 * matrix product, in memory proportional to the block, not to N^2.  Every
 * tool that needs neighbours (t-SNE and UMAP affinities, retrieval,
 * DBSCAN, map quality) goes through here.
 */
#ifndef MLV_KNN_H
#define MLV_KNN_H

#include <stddef.h>
#include <stdint.h>

/* C = alpha * A * B^T + beta * C for row-major A (m x k), B (n x k),
 * C (m x n, leading dimension ldc): the one sgemm call mlv makes, so its
 * threading is set in one place. */
void mlv_gemm_abt(const float *a, const float *b, float *c, size_t m,
                  size_t n, size_t k, size_t ldc, float alpha, float beta);

/* Set OpenBLAS to one thread and return its previous count, for
 * mlv_blas_restore.  Our own threads split every product into blocks
 * fixed by the data, one sgemm per block: OpenBLAS's threads would only
 * compete with ours for the cores, and how OpenBLAS splits a product
 * among its threads changes the last bits on some CPUs (its Haswell
 * kernels, on AMD Zen too, round edge tiles differently), so results
 * would depend on the thread count even when we run one. */
int mlv_blas_single_thread(void);
void mlv_blas_restore(int nthreads);

/* Squared norms of n rows of d values. */
void mlv_row_norms2(const float *x, size_t n, size_t d, float *out);

/* The k nearest points of x (n x d) to each query of q (nq x d): idx and
 * dist are nq x k, nearest first; dist holds Euclidean distances (not
 * squared), computed in float and clamped at 0.  When q is x itself
 * (self != 0), each point's own entry is left out.  Ties are broken by
 * the lower index, so the result is deterministic for any thread count.
 * k must not exceed n (n - 1 with self).  nthreads <= 0: all cores.
 * Returns 0, or -1 for a bad k. */
int mlv_knn(const float *x, size_t n, const float *q, size_t nq, size_t d,
            size_t k, int self, uint32_t *idx, float *dist, int nthreads);

#endif
