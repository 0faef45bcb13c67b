/* kmeans.h - k-means clustering.
 *
 * MusicLatentVIS (2020, section 4.1) lets the user cluster the 16-d
 * segment latents with k-means; results are checked against
 * scikit-learn's KMeans.
 * The conventions of data, errors and threads are cluster.h's.
 */
#ifndef MLV_KMEANS_H
#define MLV_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "moments.h"

typedef struct {
	size_t k;         /* clusters, 1..n */
	int n_init;       /* restarts from new seeds; the lowest inertia wins */
	int max_iter;     /* Lloyd iterations per restart */
	double tol;       /* stop when the summed squared centre shift is at most
	                   * tol * (mean over columns of the column variance),
	                   * scikit-learn's rule */
	uint64_t seed;    /* restart r draws from mlv_rng_stream(seed, r) */
	const float *init;/* k x d starting centres instead of k-means++ (one
	                   * run, whatever n_init), or NULL */
	int nthreads;
} mlv_kmeans_opts;

/* k 8, n_init 1 (scikit-learn >= 1.4's "auto" for k-means++), max_iter
 * 300, tol 1e-4, seed 0, k-means++ (init NULL), all threads. */
void mlv_kmeans_defaults(mlv_kmeans_opts *o);

/* Lloyd's algorithm from greedy k-means++ seeds (Arthur and Vassilvitskii
 * 2007, with scikit-learn's greedy variant: 2 + floor(ln k) candidates per
 * centre, the one that lowers the potential most is kept).
 *   labels     n cluster numbers in 0..k-1
 *   centroids  k x d, the centres of the last update (the means of the
 *              clusters they were computed from)
 *   inertia    sum of squared distances of the points to their centroids
 *   iterations Lloyd iterations of the winning restart
 * Any output may be NULL.  After the last iteration the points are
 * assigned once more to the final centroids, so labels, centroids and
 * inertia agree (as in scikit-learn).  Returns 0, or -1 for k outside
 * 1..n, max_iter or n_init below 1, a negative tol or a non-finite value. */
int mlv_kmeans(const float *x, size_t n, size_t d, const mlv_kmeans_opts *o,
               int32_t *labels, float *centroids, double *inertia,
               int *iterations, char *err, size_t errlen);

/* One Lloyd assignment step for a shard of a distributed k-means: each
 * of the n rows of x goes to the nearest of the k centres (k x d, in
 * double; distances in double, ties to the lower index), its cluster
 * number to labels (may be NULL) and its values into clusters[cluster]
 * (k moments of width d, initialised by the caller).  Merging the
 * clusters' moments of all shards (moments.h) gives the means that are
 * the next centres, whatever the shards. */
int mlv_kmeans_assign_moments(const float *x, size_t n, size_t d,
                              const double *centres, size_t k,
                              mlv_moments *clusters, int32_t *labels,
                              char *err, size_t errlen);

#endif
