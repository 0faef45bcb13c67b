/* segment.c - see segment.h */
#include "segment.h"

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
