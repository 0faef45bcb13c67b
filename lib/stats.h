/* stats.h - summary statistics of float data. */
#ifndef MLV_STATS_H
#define MLV_STATS_H

#include <stddef.h>

typedef struct {
	size_t count;     /* finite values */
	size_t nonfinite; /* NaN and +-Inf, left out of the rest */
	double min, max;  /* NaN when count is 0 */
	double mean, std; /* population standard deviation */
} mlv_summary;

/* Summarize n values; sums are in double, and the variance uses Welford's
 * update so large offsets do not cancel it away. */
void mlv_summarize(const float *x, size_t n, mlv_summary *s);

#endif
