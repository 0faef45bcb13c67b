/* points.c - see points.h */
#include "points.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
mlv_points_read(mlv_points *p, char **paths, int npaths)
{
	memset(p, 0, sizeof *p);
	size_t cap = 0, rec_cap = 0;
	mlv_record r;
	mlv_record_init(&r);
	int nfiles = npaths ? npaths : 1;
	for (int f = 0; f < nfiles; f++) {
		mlv_reader *rd = mlv_reader_open_or_die(npaths ? paths[f] : "-");
		while (mlv_read_or_die(rd, &r)) {
			const char *where = mlv_reader_where(rd, &r);
			if (p->nrecs == 0)
				p->d = r.cols;
			else if (r.cols != p->d)
				mlv_die("%s: %zu columns, but the records before have %zu "
				        "(all rows must have the same width)", where,
				        r.cols, p->d);
			for (size_t i = 0; i < r.rows * r.cols; i++)
				if (!isfinite(r.data[i]))
					mlv_die("%s: row %zu: %s value (rows must be finite)",
					        where, i / r.cols + 1,
					        isnan(r.data[i]) ? "NaN" : "infinite");
			if (p->nrecs == rec_cap) {
				rec_cap = rec_cap ? 2 * rec_cap : 64;
				p->recs = mlv_realloc(p->recs, rec_cap * sizeof *p->recs);
				p->where = mlv_realloc(p->where, rec_cap * sizeof *p->where);
				p->first = mlv_realloc(p->first, rec_cap * sizeof *p->first);
			}
			size_t need = mlv_mul_size(p->n + r.rows, p->d, "points");
			if (need > cap) {
				cap = need > 2 * cap ? need : 2 * cap;
				p->x = mlv_realloc(p->x, mlv_mul_size(cap, sizeof(float),
				                                      "points"));
			}
			if (r.rows && r.cols)
				memcpy(p->x + p->n * p->d, r.data,
				       r.rows * r.cols * sizeof(float));
			mlv_record *keep = &p->recs[p->nrecs];
			mlv_record_init(keep);
			mlv_meta_merge(keep, &r, 1);
			keep->rows = r.rows;
			keep->cols = r.cols;
			p->where[p->nrecs] = mlv_strdup(where);
			p->first[p->nrecs] = p->n;
			p->n += r.rows;
			p->nrecs++;
		}
		mlv_reader_close(rd);
	}
	mlv_record_free(&r);
}

void
mlv_points_free(mlv_points *p)
{
	for (size_t i = 0; i < p->nrecs; i++) {
		mlv_record_free(&p->recs[i]);
		free(p->where[i]);
	}
	free(p->recs);
	free(p->where);
	free(p->first);
	free(p->x);
	memset(p, 0, sizeof *p);
}

size_t
mlv_points_record_of(const mlv_points *p, size_t i)
{
	size_t lo = 0, hi = p->nrecs;
	/* the last record whose first row is <= i */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->first[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

double
mlv_points_time(const mlv_points *p, size_t i)
{
	size_t k = mlv_points_record_of(p, i);
	double t0 = 0, dt = 0, row = (double)(i - p->first[k]);
	if (mlv_meta_get_double(&p->recs[k], "dt", &dt) < 0)
		return row;
	mlv_meta_get_double(&p->recs[k], "t0", &t0);
	return t0 + row * dt;
}

void
mlv_points_write(const mlv_points *p, mlv_writer *w, const float *y,
                 size_t cols, const char *kind, const char *colnames,
                 size_t steps)
{
	mlv_record out;
	mlv_record_init(&out);
	for (size_t k = 0; k < p->nrecs; k++) {
		mlv_meta_clear(&out);
		mlv_meta_merge(&out, &p->recs[k], 1);
		mlv_meta_set(&out, "kind", kind);
		if (colnames)
			mlv_meta_set(&out, "colnames", colnames);
		else
			mlv_meta_unset(&out, "colnames");
		if (steps)
			mlv_meta_setf(&out, "steps", "%zu", steps);
		else
			mlv_meta_unset(&out, "steps");
		out.rows = p->recs[k].rows;
		out.cols = cols;
		if (mlv_write_header(w, &out) ||
		    mlv_write_floats(w, y + p->first[k] * cols, out.rows * cols))
			mlv_writer_die(w);
	}
	mlv_record_free(&out);
}
