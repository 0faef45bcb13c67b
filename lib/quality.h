/* quality.h - how well a map keeps its input's neighbourhoods.
 *
 * Two figures for a map y of the rows of x (any dimensions, usually 2),
 * defined exactly as the peer benchmark's knn_quality.py
 * (shared/bench/peers/common.py) defines them, so mlv's numbers and the
 * peers' in RESULTS.md compare directly:
 *
 *   k-NN preservation: the mean over points of |N_x(i) & N_y(i)| / k,
 *     N(i) being the k nearest other points of i in that space.
 *
 *   trustworthiness (Venna and Kaski 2001; sklearn.manifold.
 *     trustworthiness):  1 - 2 / (n k (2n - 3k - 1)) sum_i sum_{j in
 *     N_y(i) \ N_x(i)} (r(i, j) - k), where r(i, j) = 1 + the number of
 *     other points strictly closer to i than j in x.
 *
 * Distances are Euclidean and decided in double precision: candidates
 * come from mlv_knn (float, blocked sgemm) with a margin, and every
 * comparison that float rounding could decide wrongly is redone in double
 * from the input rows, so the neighbour sets and ranks are those of a
 * double-precision search (ties aside, which have no defined order).
 *
 * Cost: two neighbour searches and the rank count, each O(m n d) for m
 * evaluated points among all n: exact (m = n) is quadratic.  Measured on
 * this project's 2-core machine (the 16-d mixture of the peer benchmark
 * and a t-SNE map of it): 10,000 points 0.2 s, 100,000 points 16.6 s and
 * 58 MB; a sample of 20,000 of those 100,000, 3.0 s.  A sample of m
 * points estimates both figures without bias (each sampled point is still
 * compared with all n) with a standard error of about sqrt(var / m):
 * 100,000 points, exact 0.997597 and 0.278385, sampled 20,000: 0.997615
 * and 0.278720.  mlv_quality_sample() gives the policy tools should use.
 */
#ifndef MLV_QUALITY_H
#define MLV_QUALITY_H

#include <stddef.h>
#include <stdint.h>

/* Every point up to this many; beyond, a sample costing as much. */
#define MLV_QUALITY_EXACT_MAX 100000

typedef struct {
	double trustworthiness;   /* NaN when not asked for */
	double knn_preservation;
	size_t evaluated;         /* points averaged over: n or the sample */
} mlv_quality;

/* Compare the n rows of x (n x dx) with those of y (n x dy), for k
 * neighbours (10 in the peers' figures).  sample = 0 or >= n evaluates
 * every point; otherwise `sample` distinct points drawn with the seed.
 * trust = 0 skips trustworthiness, the costlier figure.  nthreads <= 0:
 * all cores.  Returns 0, or -1 with a message in err when k is 0, n is
 * below k + 2, 2n - 3k - 1 is not positive, or a value is not finite. */
int mlv_map_quality(const float *x, size_t dx, const float *y, size_t dy,
                    size_t n, size_t k, size_t sample, uint64_t seed,
                    int trust, int nthreads, mlv_quality *q, char *err,
                    size_t errlen);

/* The sample size for n points: 0 (all of them) up to
 * MLV_QUALITY_EXACT_MAX, then MLV_QUALITY_EXACT_MAX^2 / n (10,000 of a
 * million points), so the cost stays that of the exact 100,000. */
size_t mlv_quality_sample(size_t n);

#endif
