/* segment.h - windows over the rows of a record.
 *
 * MusicLatentVIS groups 10 s of 0.025 s spectrogram columns (400 rows) into
 * a segment, keeps every 20th row and regroups the 20 kept rows of 32
 * values as 4 time steps of 5 x 32 = 160: a window of `length` rows every
 * `hop` rows, every `every`-th row kept, optionally stacked into one row.
 */
#ifndef MLV_SEGMENT_H
#define MLV_SEGMENT_H

#include <stddef.h>

/* How mlv-frame --pool summarises a window's kept rows, column by column:
 * a clip or note as one vector (Symphony2vec's clip embeddings, a track's
 * average in music-explore).  meanstd gives the means, then the
 * (population) standard deviations: 2 x cols values. */
typedef enum { MLV_POOL_NONE, MLV_POOL_MEAN, MLV_POOL_MAX, MLV_POOL_MEANSTD }
        mlv_pool_kind;

typedef struct {
	size_t length; /* rows per window */
	size_t hop;    /* rows between window starts */
	size_t every;  /* keep rows 0, every, 2*every, ... of each window */
	int pad;       /* a last, partial window is kept, zero-padded */
} mlv_segment_opts;

/* Windows over rows rows: full ones, plus a partial last one with pad
 * when some rows are not yet covered. */
size_t mlv_segment_count(const mlv_segment_opts *o, size_t rows);
/* Rows kept from one window: ceil(length / every). */
size_t mlv_segment_kept(const mlv_segment_opts *o);
/* Copy the kept rows of window w of x (rows x cols) to out (kept x cols,
 * row-major, which is also one stacked row), zeros past the end. */
void mlv_segment_copy(const mlv_segment_opts *o, const float *x, size_t rows,
                      size_t cols, size_t w, float *out);

/* Values per row that pooling cols columns gives. */
size_t mlv_segment_pooled_cols(mlv_pool_kind kind, size_t cols);
/* Pool the kept rows of window w that lie inside the record (a padded tail
 * window pools only its real rows) into out (mlv_segment_pooled_cols
 * values).  Sums are taken in double.  A NaN among a column's rows makes
 * its summary NaN, for max as for mean and meanstd. */
void mlv_segment_pool(const mlv_segment_opts *o, mlv_pool_kind kind,
                      const float *x, size_t rows, size_t cols, size_t w,
                      float *out);
/* 0 and *kind for "mean", "max" or "meanstd"; -1 for anything else. */
int mlv_pool_parse(const char *name, mlv_pool_kind *kind);

#endif
