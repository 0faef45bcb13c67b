/* ann.h - approximate k nearest neighbours by NN-descent.
 *
 * W. Dong, M. Charikar and K. Li, "Efficient k-nearest neighbor graph
 * construction for generic similarity measures", WWW 2011: a neighbour of
 * a neighbour is likely a neighbour, so each round compares the points
 * that share a neighbour (the "local join") and keeps the k closest.  The
 * graph starts from random neighbours improved by the leaves of random
 * projection trees (S. Dasgupta and Y. Freund, "Random projection trees and
 * low dimensional manifolds", STOC 2008), as pynndescent (L. McInnes) and
 * uwot do; candidate sampling and the lock-free update rounds follow
 * pynndescent's design.
 *
 * Deterministic for a seed and thread count: random draws come from the
 * seed and the point (never the thread), the candidates a point samples are
 * the ones of least hashed priority (not the first found), and each round's
 * updates are generated into per-thread buffers and then applied by the
 * thread that owns the target point, in thread order.
 */
#ifndef MLV_ANN_H
#define MLV_ANN_H

#include <stddef.h>
#include <stdint.h>

/* The approximate k nearest points of each of the n rows of x (n x d,
 * Euclidean), each point's own entry left out: idx and dist are n x k,
 * nearest first (ties by index), dist the Euclidean distance (not
 * squared).  Same contract as mlv_knn(x, n, x, n, d, k, 1, ...) save that
 * a few neighbours may be missed (recall about 0.95-0.99).  k must be at
 * most n - 1.  nthreads <= 0: all cores.  Returns 0, or -1 for a bad k. */
int mlv_ann_knn(const float *x, size_t n, size_t d, size_t k, uint64_t seed,
                uint32_t *idx, float *dist, int nthreads);

#endif
