/* blas.h - the one sgemm call, OpenBLAS's threading, blocked products and
 * the points prepared for them.
 *
 * Squared Euclidean distances |q|^2 + |x|^2 - 2 q.x come from cblas_sgemm
 * over blocks of rows, so the cost is that of OpenBLAS's matrix product,
 * in memory proportional to the block, not to N^2.  Every block is one
 * call whose shape depends on the data only, never on the thread count,
 * so results are the same for any nthreads.
 */
#ifndef MLV_BLAS_H
#define MLV_BLAS_H

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

/* Called by mlv_blocked_abt for a block of queries [q0, q0 + qn): before
 * its tiles, and after them. */
typedef void (*mlv_block_fn)(void *ctx, size_t q0, size_t qn);
/* Called for each tile, in increasing p0 within a block of queries, on
 * the thread that owns the block: dots (qn x pn, row-major) holds alpha
 * times the products of queries [q0, q0 + qn) with points [p0, p0 + pn);
 * it is the thread's scratch, valid during the call. */
typedef void (*mlv_tile_fn)(void *ctx, size_t q0, size_t qn, size_t p0,
                            size_t pn, float *dots);

/* The products of the nq rows of q with the n rows of x (both d wide),
 * tile by tile: blocks of 256 queries go to the threads, each block meets
 * the points 2048 at a time, so a thread's products (2 MiB) stay in its
 * share of cache while the caller's tile function reads them.  OpenBLAS
 * runs on one thread meanwhile.  begin and end may be NULL. */
void mlv_blocked_abt(const float *q, size_t nq, const float *x, size_t n,
                     size_t d, float alpha, int nthreads, mlv_block_fn begin,
                     mlv_tile_fn tile, mlv_block_fn end, void *ctx);

/* ---- points prepared for the products ---------------------------------
 *
 * The points minus their column means (mlv_column_means, in double) are
 * what the sgemm distance formulas should see, so |x|^2 - 2 x.c + |c|^2
 * does not cancel away an offset common to all points (scikit-learn
 * centres its k-means input for the same reason). */

/* A power of two that brings the largest |x - mean| into [1, 2), so
 * float squares and their sums neither overflow nor underflow whatever
 * the data's range; exact, so results scale back exactly. */
double mlv_range_scale(const float *x, size_t n, size_t d,
                       const double *mean);
/* (x - mean) * scale in float, n x d, malloc'd; perm (may be NULL) picks
 * the rows. */
float *mlv_centred_copy(const float *x, size_t n, size_t d,
                        const double *mean, double scale,
                        const uint32_t *perm);
/* |a - b|^2 of two rows of d values, summed in double. */
double mlv_dist2_double(const float *a, const float *b, size_t d);
/* 0 when the n x d values are finite; else 1, with the first other
 * value's row and column. */
int mlv_find_nonfinite(const float *x, size_t n, size_t d, size_t *row,
                       size_t *col);
/* 0 when the n x d values are finite; else -1 and the message "row R
 * column C is V (<needs> needs finite values)". */
int mlv_check_finite(const float *x, size_t n, size_t d, const char *needs,
                     char *err, size_t errlen);

/* Dies with "out of memory" when a LAPACKE call's info says it could not
 * allocate its workspace, as a failed allocation anywhere else does:
 * callers that fall back on a solver's failure (t-SNE's initialisation)
 * must not turn a memory shortage into another result. */
void mlv_lapack_check_memory(int info, const char *routine);

/* OpenBLAS takes a work buffer of about 128 MiB per thread on first use
 * and, when the address space has no room for it, retries forever
 * (blas_memory_alloc in its driver/others/memory.c): under ulimit -v or
 * prlimit --as a tool would hang.  Called first by the tools that use
 * BLAS: under such a limit, dies with a message when there is no room
 * for the buffers, and otherwise makes OpenBLAS take them now, before
 * the data can fill that room (a later shortage is then an ordinary
 * "out of memory"). */
void mlv_blas_check_room(void);

#endif
