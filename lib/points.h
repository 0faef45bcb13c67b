/* points.h - all rows of all records of some streams as one point set.
 *
 * mlv-project, mlv-cluster and mlv-simmat treat the rows of every record
 * they read as one set of points, compute something per row, and write
 * the records back with the new columns and their metadata intact.  This
 * is that plumbing, once.
 */
#ifndef MLV_POINTS_H
#define MLV_POINTS_H

#include <stddef.h>

#include "stream.h"

typedef struct {
	mlv_record *recs; /* metadata and shape of each record (no data) */
	char **where;     /* "<file>: record N (id=...)" of each, for messages */
	size_t nrecs;
	size_t *first;    /* first row of each record in x */
	float *x;         /* n x d, row-major */
	size_t n, d;
} mlv_points;

/* Read every record of paths (stdin when npaths is 0; "-" is stdin).
 * Dies with one line naming the file, record and row for a width that
 * differs from the first record's, or a NaN or infinite value (rows must
 * be finite: projections, clusters and similarities are undefined
 * otherwise). */
void mlv_points_read(mlv_points *p, char **paths, int npaths);
void mlv_points_free(mlv_points *p);
/* The record holding row i, and the row's time (t0 + r*dt of its record,
 * or the row index within the record when the record has no times). */
size_t mlv_points_record_of(const mlv_points *p, size_t i);
double mlv_points_time(const mlv_points *p, size_t i);

/* Write every record with its rows of y (n x cols) instead of its data:
 * the same metadata, with kind set, colnames replaced (NULL: removed) and
 * steps set (0: removed, since the input's steps rarely fit new columns). */
void mlv_points_write(const mlv_points *p, mlv_writer *w, const float *y,
                      size_t cols, const char *kind, const char *colnames,
                      size_t steps);

#endif
