/* stats.h - summary statistics of float data. */
#ifndef MLV_STATS_H
#define MLV_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	size_t count;     /* finite values */
	size_t nonfinite; /* NaN and +-Inf, left out of the rest */
	double min, max;  /* NaN when count is 0 */
	double mean, std; /* population standard deviation */
} mlv_summary;

/* Summarize n values; sums are in double, and the variance uses Welford's
 * update so large offsets do not cancel it away. */
void mlv_summarize(const float *x, size_t n, mlv_summary *s);

/* Per-column mean and population variance (divided by rows) of rows x cols
 * values, row-major: MusicLatentVIS's sorted-variance panel (Fig. 6 C-D)
 * ranks the latent dimensions of a selection by this variance.  mean and
 * var hold cols values.  Two passes in double (the mean, then the squared
 * deviations from it), so a large common offset does not cancel the
 * variance away.  A non-finite value makes its column's mean and variance
 * non-finite; rows == 0 gives NaN. */
void mlv_column_stats(const float *x, size_t rows, size_t cols,
                      double *mean, double *var);
/* The dot product of two vectors of n doubles, summed in order. */
double mlv_dot(const double *a, const double *b, size_t n);

/* The column means alone (one pass, in double). */
void mlv_column_means(const float *x, size_t rows, size_t cols, double *mean);

/* order[0 .. n) = the indices of v sorted by value, largest first; equal
 * values keep increasing index (a stable sort) and NaNs come last, in
 * increasing index.  n must not exceed UINT32_MAX. */
void mlv_rank_desc(const double *v, size_t n, uint32_t *order);

#endif
