/* norm.h - min-max and z-score normalisation, fitted on one stream and
 * applied to another.
 *
 * Statistics are accumulated over any number of blocks of rows, so they
 * can be fitted on a whole training collection, saved as an MLV record
 * (kind=stats) and applied to test data exactly as to training data: the
 * seed papers scaled each split by its own statistics, which leaks test
 * information into training.
 */
#ifndef MLV_NORM_H
#define MLV_NORM_H

#include <stddef.h>

#include "moments.h"
#include "stream.h"

typedef enum { MLV_NORM_NONE, MLV_NORM_MINMAX, MLV_NORM_ZSCORE } mlv_norm_kind;

typedef struct {
	mlv_norm_kind kind;
	int per_column;   /* one statistic per column, or one for all values */
	size_t cols;      /* columns of the data (statistics: per_column ? cols : 1) */
	size_t n;         /* statistics */
	double *lo, *hi;  /* min and max, finite values only */
	double *mean, *m2;/* running mean and sum of squared deviations */
	double *count;
} mlv_norm;

/* 0, or -1 for a name that is none of "none", "minmax", "zscore". */
int mlv_norm_parse(const char *name, mlv_norm_kind *kind);
const char *mlv_norm_name(mlv_norm_kind kind);

void mlv_norm_init(mlv_norm *s, mlv_norm_kind kind, int per_column,
                   size_t cols);
void mlv_norm_free(mlv_norm *s);
/* Accumulate rows x cols values (cols must equal s->cols); NaN and Inf are
 * left out. */
void mlv_norm_add(mlv_norm *s, const float *x, size_t rows);
/* Scale rows x cols values in place: (x-min)/(max-min) or (x-mean)/std.
 * A constant statistic (max == min, std == 0) maps its values to 0 rather
 * than dividing by zero. */
void mlv_norm_apply(const mlv_norm *s, float *x, size_t rows);
/* The inverse of mlv_norm_apply, back to the scale the statistics were
 * fitted on (a constant statistic maps back to its constant). */
void mlv_norm_invert(const mlv_norm *s, float *x, size_t rows);
/* The same on up to nthreads threads, with results identical to the
 * single-threaded calls. */
void mlv_norm_add_parallel(mlv_norm *s, const float *x, size_t rows,
                           int nthreads);
void mlv_norm_apply_parallel(const mlv_norm *s, float *x, size_t rows,
                             int nthreads);

/* The statistics of kind, per column or global, of the rows that m
 * describes (s initialised here): what mlv_norm_add over those rows
 * gives, up to rounding (moments.h), so shards' merged moments fit the
 * normalisation of the whole collection. */
void mlv_norm_from_moments(mlv_norm *s, const mlv_moments *m,
                           mlv_norm_kind kind, int per_column);

/* The statistics as a record: kind=stats norm=minmax|zscore
 * axis=column|global, 2 rows (min and max, or mean and std) of n values. */
void mlv_norm_to_record(const mlv_norm *s, mlv_record *r);
/* Load statistics saved by mlv_norm_to_record, for data of `cols` columns.
 * -1 with a message in err when the record is not such statistics or was
 * fitted on data of another width. */
int mlv_norm_from_record(mlv_norm *s, const mlv_record *r, size_t cols,
                         char *err, size_t errlen);

#endif
