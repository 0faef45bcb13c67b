/* cluster.h - the clustering family: k-means, hierarchical clustering,
 * DBSCAN and the scores that compare partitions, one header each.
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

#include "dbscan.h"
#include "kmeans.h"
#include "linkage.h"
#include "partition.h"

#endif
