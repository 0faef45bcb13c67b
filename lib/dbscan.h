/* dbscan.h - density-based clustering (DBSCAN).
 *
 * MusicLatentVIS (2020, section 4.1) lets the user cluster the 16-d
 * segment latents with DBSCAN; partitions are checked against
 * scikit-learn's DBSCAN.
 * The conventions of data, errors and threads are cluster.h's.
 */
#ifndef MLV_DBSCAN_H
#define MLV_DBSCAN_H

#include <stddef.h>
#include <stdint.h>

/* Ester et al. 1996, with scikit-learn's conventions: a point is a core
 * point when at least min_samples points, itself included, lie within
 * Euclidean distance eps (<=); clusters are numbered 0, 1, ... in the
 * order of their lowest-numbered core point; a border point joins the
 * lowest-numbered cluster with a core point in its reach (the first
 * cluster sklearn's depth-first expansion would reach it from); the rest
 * is noise, -1.  Neighbours are found by blocked sgemm over the leaves of
 * a kd-tree, skipping leaf pairs whose bounding boxes lie farther apart
 * than eps; the few distances the float sgemm cannot settle (those
 * within its error bound of eps) are recomputed in double from the
 * input, so the partition is scikit-learn's exactly.  Memory is O(n d)
 * plus the leaf pairs.
 *   labels  n cluster numbers or -1
 *   core    n flags, 1 for core points (may be NULL)
 * Returns 0, or -1 for eps <= 0 or not finite, min_samples < 1 or a
 * non-finite value. */
int mlv_dbscan(const float *x, size_t n, size_t d, double eps,
               size_t min_samples, int nthreads, int32_t *labels,
               uint8_t *core, size_t *nclusters, char *err, size_t errlen);

#endif
