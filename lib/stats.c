/* stats.c - see stats.h */
#include "stats.h"

#include <math.h>

void
mlv_summarize(const float *x, size_t n, mlv_summary *s)
{
	double mean = 0, m2 = 0, lo = INFINITY, hi = -INFINITY;
	size_t count = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		if (!isfinite(v)) {
			bad++;
			continue;
		}
		count++;
		double d = v - mean;
		mean += d / (double)count;
		m2 += d * (v - mean);
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	s->count = count;
	s->nonfinite = bad;
	s->min = count ? lo : NAN;
	s->max = count ? hi : NAN;
	s->mean = count ? mean : NAN;
	s->std = count ? sqrt(m2 / (double)count) : NAN;
}
