/* cluster.h - k-means, hierarchical clustering, DBSCAN and the scores
 * that compare partitions.
 *
 * MusicLatentVIS (2020, section 4.1; Ward in the case study of 4.2) lets
 * the user cluster the 16-d segment latents with hierarchical clustering,
 * k-means or DBSCAN;
 * these are those three, written so their results can be checked against
 * the tools a researcher would otherwise use: scikit-learn's KMeans and
 * DBSCAN, scipy.cluster.hierarchy.linkage / fcluster and fastcluster.
 *
 * Data are n rows of d float32 values, row-major, and must be finite.
 * Every function that can fail returns -1 and leaves a message in
 * err[errlen] (err may be NULL); none prints or exits, except that memory
 * comes from util.h's allocator, which dies when the system has none.
 * nthreads <= 0 means one thread per CPU.  Results depend only on the
 * inputs and the seed, never on the thread count or on timing.
 */
#ifndef MLV_CLUSTER_H
#define MLV_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

/* ---- k-means ---------------------------------------------------------- */

typedef struct {
	size_t k;         /* clusters, 1..n */
	int n_init;       /* restarts from new seeds; the lowest inertia wins */
	int max_iter;     /* Lloyd iterations per restart */
	double tol;       /* stop when the summed squared centre shift is at most
	                   * tol * (mean over columns of the column variance),
	                   * scikit-learn's rule */
	uint64_t seed;    /* restart r draws from mlv_rng_stream(seed, r) */
	int nthreads;
} mlv_kmeans_opts;

/* k 8, n_init 1 (scikit-learn >= 1.4's "auto" for k-means++), max_iter
 * 300, tol 1e-4, seed 0, all threads. */
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

/* ---- hierarchical (agglomerative) clustering ----------------------------
 *
 * The merge tree is scipy's linkage matrix: n-1 rows of 4 doubles
 * (a, b, height, size), a < b.  Clusters 0..n-1 are the points and row i
 * creates cluster n+i.  Rows are in increasing height, equal heights in
 * the order the algorithm found them, numbered afterwards with a
 * union-find, exactly as scipy.cluster.hierarchy.linkage does; heights are
 * Euclidean and on scipy's scale (Ward: sqrt(2 |A||B| / (|A|+|B|)) times
 * the distance of the centroids, the Lance-Williams Ward update on
 * Euclidean distances).  The algorithms are Muellner's ("Modern
 * hierarchical, agglomerative clustering algorithms", 2011), as scipy and
 * fastcluster implement them:
 *   ward     nearest-neighbour chain on centroids and sizes, O(n^2 d) time,
 *            O(n d) memory
 *   single   Prim's minimum spanning tree on the vectors, O(n^2 d) time,
 *            O(n d) memory
 *   complete, average
 *            nearest-neighbour chain on the condensed matrix of n(n-1)/2
 *            double distances, O(n^2) memory
 * and they make the choices scipy's do, step for step, so ties resolve
 * the same way: single, complete and average trees equal scipy's bit for
 * bit.  Ward's heights come from centroids rather than scipy's
 * Lance-Williams recursion; they agree to about 1e-15, and only merges
 * tied in exact arithmetic can be ordered differently (scipy and
 * fastcluster disagree with each other there too). */
typedef enum {
	MLV_LINK_WARD,
	MLV_LINK_SINGLE,
	MLV_LINK_COMPLETE,
	MLV_LINK_AVERAGE
} mlv_linkage;

/* 0, or -1 for a name other than ward, single, complete, average. */
int mlv_linkage_parse(const char *name, mlv_linkage *method);
const char *mlv_linkage_name(mlv_linkage method);

/* Bytes the method needs beyond the input and z (for the caller's
 * memory limit and messages); 0 when n*n overflows. */
size_t mlv_hclust_bytes(size_t n, size_t d, mlv_linkage method);

/* The merge tree of x (n x d, n >= 2) into z ((n-1) x 4).  max_bytes
 * caps the working memory (0: no cap); a method that would need more is
 * refused with a message naming the size.  nthreads compute complete's
 * and average's distance matrix; the chains and Prim's tree are
 * sequential.  Returns 0 or -1 (n < 2, a non-finite value, the cap). */
int mlv_hclust(const float *x, size_t n, size_t d, mlv_linkage method,
               size_t max_bytes, int nthreads, double *z, char *err,
               size_t errlen);

/* Flat clusters from a merge tree, as scipy's fcluster: labels[n] get the
 * numbers fcluster gives minus one (0-based, in the order of fcluster's
 * depth-first walk from the root), and *nclusters (may be NULL) the
 * count.  z is checked to be a valid merge tree first.
 *   cut_k       criterion='maxclust': the lowest cut that leaves at most k
 *               clusters (fewer when several merges share a height; every
 *               point alone for k >= n; for k >= n - 1 scipy 1.10 returns
 *               fewer, its search never trying the lowest merge)
 *   cut_height  criterion='distance': merges at heights <= t are joined
 * Returns 0, or -1 for a tree that is not one, k == 0 or t NaN. */
int mlv_hclust_cut_k(const double *z, size_t n, size_t k, int32_t *labels,
                     size_t *nclusters, char *err, size_t errlen);
int mlv_hclust_cut_height(const double *z, size_t n, double t,
                          int32_t *labels, size_t *nclusters, char *err,
                          size_t errlen);

/* ---- DBSCAN -------------------------------------------------------------
 *
 * Ester et al. 1996, with scikit-learn's conventions: a point is a core
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

/* ---- comparing partitions -----------------------------------------------
 *
 * Labels are any int32 values (-1, DBSCAN's noise, is a cluster like any
 * other, as in scikit-learn), n of them, n < 2^32.  Formulas are
 * scikit-learn 1.2's; ARI and NMI are symmetric in their arguments. */

/* Adjusted Rand index (Hubert and Arabie 1985) through the pair confusion
 * matrix; 1 for identical partitions (and for n < 2). */
double mlv_ari(const int32_t *truth, const int32_t *pred, size_t n);
/* Normalized mutual information, arithmetic-mean normalisation
 * (sklearn's default); 1 when both have a single cluster, 0 when the
 * mutual information is 0. */
double mlv_nmi(const int32_t *truth, const int32_t *pred, size_t n);
/* Fraction of points whose true class is the most common one in their
 * predicted cluster; 1 for n == 0. */
double mlv_purity(const int32_t *truth, const int32_t *pred, size_t n);
/* Mean silhouette (Rousseeuw 1987), Euclidean: for each point,
 * (b - a) / max(a, b) with a its mean distance to the rest of its cluster
 * and b the lowest mean distance to another cluster; 0 for a point alone
 * in its cluster.  O(n^2 d) by blocked sgemm.  Returns -1 unless
 * 2 <= clusters <= n - 1 (scikit-learn's condition). */
int mlv_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
                   int nthreads, double *score, char *err, size_t errlen);

#endif
