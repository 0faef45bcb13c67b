/* moments.h - mergeable sufficient statistics of rows: count, mean, the
 * sums of squared deviations (and optionally the cross products) and the
 * range of each column, kept in double.
 *
 * Kaldi's CMVN statistics, generalised: statistics of shards, written as
 * MLV records (kind=moments), concatenate with `cat` and merge into the
 * statistics of all the rows, so normalisation and PCA can be fitted
 * once on a collection extracted on many machines.  Shards are merged by
 * Chan, Golub and LeVeque's pairwise update (1979) of count, mean and
 * centred sums, M = M_a + M_b + delta delta^T n_a n_b / n, rather than
 * by adding raw sums (or sums shifted by a constant): centred sums never
 * cancel, whatever the data's offset (dB spectra sit near -40 with a
 * spread of a few dB, where a raw sum of squares loses 3 digits), and
 * need no shift agreed before the shards run.  Within a stream, rows are
 * taken in blocks of fixed size, each block's mean and centred products
 * computed directly (dsyrk) and merged in order, so the result does not
 * depend on how the caller splits its calls.
 *
 * Bound: the merged statistics differ from one pass over all rows by
 * rounding alone, a few units of 1e-16 of the data's scale per merge in
 * the mean and the sums (Chan et al.), far below the float32 in which
 * fits are saved; so statistics saved from shards almost always round to
 * the same floats as those of one process, and to within 1 ulp unless
 * the value itself is near 0 by cancellation (a z-scored column's mean),
 * where that absolute error is a larger part of it.
 *
 * A record stores each double as two floats, hi = (float)v and
 * lo = (float)(v - hi), which keep 48 of its 53 bits: 4e-15 relative.
 */
#ifndef MLV_MOMENTS_H
#define MLV_MOMENTS_H

#include <stddef.h>

#include "stream.h"

typedef struct {
	size_t d;       /* columns */
	int cross;      /* m2 holds all d x d cross products, else d */
	double count;   /* rows */
	double *mean;   /* d */
	double *m2;     /* cross ? d x d, symmetric : d; sums of products of
	                   deviations from the mean */
	double *lo, *hi;/* d: the range; +-Inf when count is 0 */
} mlv_moments;

void mlv_moments_init(mlv_moments *m, size_t d, int cross);
void mlv_moments_free(mlv_moments *m);
/* Add rows x m->d values (row-major).  -1 with a message in err (row and
 * column, counted from first_row) when a value is not finite: moments
 * of some values of a row would not describe its cross products. */
int mlv_moments_add(mlv_moments *m, const float *x, size_t rows,
                    size_t first_row, char *err, size_t errlen);
/* dst += src.  Moments of no rows merge with any: an empty shard adds
 * nothing, and an empty dst takes src's width.  -1 with a message when
 * their columns differ, or src has no cross products and dst has. */
int mlv_moments_merge(mlv_moments *dst, const mlv_moments *src, char *err,
                      size_t errlen);

/* The moments as a record: id=moments kind=moments count=N width=d
 * cross=0|1, d columns and rows mean (hi, lo), min, max, then m2's hi
 * rows and its lo rows (d each with cross products, else 1).  Metadata
 * of r other than these keys is left as it is.  -1 when a sum overflows
 * float. */
int mlv_moments_to_record(const mlv_moments *m, mlv_record *r, char *err,
                          size_t errlen);
/* Load a record written by mlv_moments_to_record; m must be free.  -1
 * with a message when r is not such a record. */
int mlv_moments_from_record(mlv_moments *m, const mlv_record *r, char *err,
                            size_t errlen);
/* The sum of all the moments records of the stream at path (as cat
 * leaves shards' statistics); m must be free.  -1 with a message naming
 * the record when one is not moments, or the file has none. */
int mlv_moments_load(mlv_moments *m, const char *path, char *err,
                     size_t errlen);
/* Keep in dst only the metadata keys src has with the same value (the
 * settings all merged records share, such as the feature's). */
void mlv_moments_common_meta(mlv_record *dst, const mlv_record *src);

#endif
