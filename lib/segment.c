/* segment.c - see segment.h */
#include "segment.h"

#include <math.h>
#include <string.h>

size_t
mlv_segment_count(const mlv_segment_opts *o, size_t rows)
{
	if (!o->length || !o->hop)
		return 0;
	size_t full = rows >= o->length ? (rows - o->length) / o->hop + 1 : 0;
	if (!o->pad)
		return full;
	/* One more, partial window if the full ones leave rows uncovered. */
	size_t covered = full ? (full - 1) * o->hop + o->length : 0;
	return covered < rows ? full + 1 : full;
}

size_t
mlv_segment_kept(const mlv_segment_opts *o)
{
	size_t every = o->every ? o->every : 1;
	return (o->length + every - 1) / every;
}

void
mlv_segment_copy(const mlv_segment_opts *o, const float *x, size_t rows,
                 size_t cols, size_t w, float *out)
{
	size_t every = o->every ? o->every : 1;
	size_t kept = mlv_segment_kept(o);
	size_t start = w * o->hop;
	for (size_t i = 0; i < kept; i++) {
		size_t r = start + i * every;
		if (r < rows)
			memcpy(out + i * cols, x + r * cols, cols * sizeof(float));
		else
			memset(out + i * cols, 0, cols * sizeof(float));
	}
}

size_t
mlv_segment_pooled_cols(mlv_pool_kind kind, size_t cols)
{
	return kind == MLV_POOL_MEANSTD ? 2 * cols : cols;
}

void
mlv_segment_pool(const mlv_segment_opts *o, mlv_pool_kind kind,
                 const float *x, size_t rows, size_t cols, size_t w,
                 float *out)
{
	size_t every = o->every ? o->every : 1;
	size_t kept = mlv_segment_kept(o), start = w * o->hop;
	for (size_t j = 0; j < cols; j++) {
		double acc = kind == MLV_POOL_MAX ? -INFINITY : 0, acc2 = 0;
		size_t n = 0;
		for (size_t i = 0; i < kept && start + i * every < rows; i++, n++) {
			double v = x[(start + i * every) * cols + j];
			/* a NaN stays, as it does in a sum: max and mean agree
			 * on which windows have no summary */
			if (kind == MLV_POOL_MAX)
				acc = isnan(v) || v > acc ? v : acc;
			else
				acc += v;
		}
		if (kind == MLV_POOL_MAX || n == 0) {
			out[j] = n ? (float)acc : 0;
			if (kind == MLV_POOL_MEANSTD)
				out[cols + j] = 0;
			continue;
		}
		double mean = acc / (double)n;
		out[j] = (float)mean;
		if (kind != MLV_POOL_MEANSTD)
			continue;
		/* Two passes: no cancellation for columns far from 0. */
		for (size_t i = 0; i < kept && start + i * every < rows; i++) {
			double d = x[(start + i * every) * cols + j] - mean;
			acc2 += d * d;
		}
		out[cols + j] = (float)sqrt(acc2 / (double)n);
	}
}

int
mlv_pool_parse(const char *name, mlv_pool_kind *kind)
{
	static const char *const names[] = {"mean", "max", "meanstd"};
	static const mlv_pool_kind kinds[] = {MLV_POOL_MEAN, MLV_POOL_MAX,
	                                      MLV_POOL_MEANSTD};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i])) {
			*kind = kinds[i];
			return 0;
		}
	return -1;
}
