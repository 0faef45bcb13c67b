/* linkage.h - hierarchical (agglomerative) clustering and its flat clusters.
 *
 * MusicLatentVIS (2020, section 4.1; Ward in the case study of 4.2) lets
 * the user cluster the 16-d segment latents hierarchically; trees are
 * checked against scipy.cluster.hierarchy.linkage / fcluster and
 * fastcluster.
 * The conventions of data, errors and threads are cluster.h's.
 */
#ifndef MLV_LINKAGE_H
#define MLV_LINKAGE_H

#include <stddef.h>
#include <stdint.h>

/* The merge tree is scipy's linkage matrix: n-1 rows of 4 doubles
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

#endif
