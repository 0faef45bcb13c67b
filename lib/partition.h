/* partition.h - scores that compare partitions: ARI, NMI, purity,
 * silhouette.
 *
 * What mlv-cluster --truth and mlv-eval clusters report, with
 * scikit-learn's formulas.
 *
 * Functions that can fail return -1 and leave a message in err[errlen]
 * (err may be NULL); none prints or exits, except that memory comes from
 * util.h's allocator, which dies when the system has none.  nthreads <= 0
 * means one thread per CPU; results never depend on it.
 */
#ifndef MLV_PARTITION_H
#define MLV_PARTITION_H

#include <stddef.h>
#include <stdint.h>

/* Labels are any int32 values (-1, DBSCAN's noise, is a cluster like any
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
/* The three above, as mlv-cluster --truth and mlv-eval clusters report
 * them. */
typedef struct {
	double ari, nmi, purity;
} mlv_partition_scores;
void mlv_partition_compare(const int32_t *truth, const int32_t *pred,
                           size_t n, mlv_partition_scores *s);
/* Mean silhouette (Rousseeuw 1987), Euclidean: for each point,
 * (b - a) / max(a, b) with a its mean distance to the rest of its cluster
 * and b the lowest mean distance to another cluster; 0 for a point alone
 * in its cluster.  O(n^2 d) by blocked sgemm.  Returns -1 unless
 * 2 <= clusters <= n - 1 (scikit-learn's condition). */
int mlv_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
                   int nthreads, double *score, char *err, size_t errlen);

#endif
