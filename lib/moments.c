/* moments.c - see moments.h */
#include "moments.h"

#include <cblas.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Rows per block: at most 4096 and 2^20 values. */
static size_t
block_rows(size_t d)
{
	size_t m = ((size_t)1 << 20) / (d ? d : 1);
	return m < 1 ? 1 : m > 4096 ? 4096 : m;
}

void
mlv_moments_init(mlv_moments *m, size_t d, int cross)
{
	memset(m, 0, sizeof *m);
	m->d = d;
	m->cross = cross != 0;
	m->mean = mlv_calloc(d ? d : 1, sizeof *m->mean);
	m->m2 = mlv_calloc(cross ? mlv_mul_size(d, d, "cross products") :
	                   d ? d : 1, sizeof *m->m2);
	m->lo = mlv_malloc((d ? d : 1) * sizeof *m->lo);
	m->hi = mlv_malloc((d ? d : 1) * sizeof *m->hi);
	for (size_t j = 0; j < d; j++) {
		m->lo[j] = INFINITY;
		m->hi[j] = -INFINITY;
	}
}

void
mlv_moments_free(mlv_moments *m)
{
	free(m->mean);
	free(m->m2);
	free(m->lo);
	free(m->hi);
	memset(m, 0, sizeof *m);
}

/* dst += src, both valid and of one width; src->cross >= dst->cross. */
static void
merge(mlv_moments *dst, const mlv_moments *src)
{
	size_t d = dst->d;
	if (src->count == 0)
		return;
	double na = dst->count, nb = src->count, n = na + nb;
	double f = na * nb / n;
	for (size_t j = 0; j < d; j++) {
		if (src->lo[j] < dst->lo[j])
			dst->lo[j] = src->lo[j];
		if (src->hi[j] > dst->hi[j])
			dst->hi[j] = src->hi[j];
	}
	for (size_t j = 0; j < d; j++) {
		double dj = src->mean[j] - dst->mean[j];
		if (dst->cross)
			for (size_t l = 0; l < d; l++)
				dst->m2[j * d + l] += src->m2[j * d + l] +
				                      dj * (src->mean[l] - dst->mean[l]) * f;
		else
			dst->m2[j] += (src->cross ? src->m2[j * d + j] : src->m2[j]) +
			              dj * dj * f;
	}
	for (size_t j = 0; j < d; j++)
		dst->mean[j] += (src->mean[j] - dst->mean[j]) * (nb / n);
	dst->count = n;
}

int
mlv_moments_add(mlv_moments *m, const float *x, size_t rows,
                size_t first_row, char *err, size_t errlen)
{
	size_t d = m->d, step = block_rows(d);
	if (!rows || !d)
		return 0;
	mlv_moments b;
	mlv_moments_init(&b, d, m->cross);
	double *blk = mlv_malloc(mlv_mul_size(step, d, "moments block") *
	                         sizeof *blk);
	int rc = 0;
	for (size_t i0 = 0; i0 < rows && !rc; i0 += step) {
		size_t nb = rows - i0 < step ? rows - i0 : step;
		const float *xb = x + i0 * d;
		for (size_t j = 0; j < d; j++) {
			b.mean[j] = 0;
			b.lo[j] = INFINITY;
			b.hi[j] = -INFINITY;
		}
		for (size_t i = 0; i < nb && !rc; i++)
			for (size_t j = 0; j < d; j++) {
				double v = xb[i * d + j];
				if (!isfinite(v)) {
					mlv_errf(err, errlen, "row %zu column %zu: value not "
					         "finite", first_row + i0 + i, j);
					rc = -1;
					break;
				}
				b.mean[j] += v;
				b.lo[j] = v < b.lo[j] ? v : b.lo[j];
				b.hi[j] = v > b.hi[j] ? v : b.hi[j];
			}
		if (rc)
			break;
		for (size_t j = 0; j < d; j++)
			b.mean[j] /= (double)nb;
		for (size_t i = 0; i < nb; i++)
			for (size_t j = 0; j < d; j++)
				blk[i * d + j] = xb[i * d + j] - b.mean[j];
		if (m->cross) {
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d,
			            (int)nb, 1.0, blk, (int)d, 0.0, b.m2, (int)d);
			for (size_t j = 0; j < d; j++)
				for (size_t l = 0; l < j; l++)
					b.m2[j * d + l] = b.m2[l * d + j];
		} else {
			for (size_t j = 0; j < d; j++)
				b.m2[j] = 0;
			for (size_t i = 0; i < nb; i++)
				for (size_t j = 0; j < d; j++)
					b.m2[j] += blk[i * d + j] * blk[i * d + j];
		}
		b.count = (double)nb;
		merge(m, &b);
	}
	free(blk);
	mlv_moments_free(&b);
	return rc;
}

int
mlv_moments_merge(mlv_moments *dst, const mlv_moments *src, char *err,
                  size_t errlen)
{
	/* No rows (an empty shard) are no statistics, of any width. */
	if (src->count == 0)
		return 0;
	if (dst->count == 0 && dst->d != src->d) {
		int cross = dst->cross;
		mlv_moments_free(dst);
		mlv_moments_init(dst, src->d, cross);
	}
	if (src->d != dst->d) {
		mlv_errf(err, errlen, "moments of %zu columns, expected %zu",
		         src->d, dst->d);
		return -1;
	}
	if (dst->cross && !src->cross) {
		mlv_errf(err, errlen, "moments without cross products (written "
		         "without --cross)");
		return -1;
	}
	merge(dst, src);
	return 0;
}

/* v as hi + lo floats; -1 when v does not fit a float. */
static int
split(double v, float *hi, float *lo)
{
	if (fabs(v) > FLT_MAX && isfinite(v))
		return -1;
	*hi = (float)v;
	*lo = isfinite(v) ? (float)(v - (double)*hi) : 0;
	return 0;
}

int
mlv_moments_to_record(const mlv_moments *m, mlv_record *r, char *err,
                      size_t errlen)
{
	size_t d = m->d, mr = m->cross ? d : 1;
	mlv_record_resize(r, 4 + 2 * mr, d);
	float *mean_hi = r->data, *mean_lo = mean_hi + d, *lo = mean_lo + d;
	float *hi = lo + d, *m2_hi = hi + d, *m2_lo = m2_hi + mr * d;
	int bad = 0;
	for (size_t j = 0; j < d; j++) {
		bad |= split(m->mean[j], &mean_hi[j], &mean_lo[j]);
		lo[j] = (float)m->lo[j];
		hi[j] = (float)m->hi[j];
	}
	for (size_t i = 0; i < mr * d; i++)
		bad |= split(m->m2[i], &m2_hi[i], &m2_lo[i]);
	if (bad) {
		mlv_errf(err, errlen, "a sum exceeds the range of float");
		return -1;
	}
	mlv_meta_set(r, "id", "moments");
	mlv_meta_set(r, "kind", "moments");
	mlv_meta_setf(r, "count", "%.17g", m->count);
	mlv_meta_setf(r, "width", "%zu", d);
	mlv_meta_set(r, "cross", m->cross ? "1" : "0");
	return 0;
}

int
mlv_moments_from_record(mlv_moments *m, const mlv_record *r, char *err,
                        size_t errlen)
{
	const char *kind = mlv_meta_get(r, "kind"), *cross = mlv_meta_get(r,
	                                                                   "cross");
	double count, width;
	memset(m, 0, sizeof *m);
	if (!kind || strcmp(kind, "moments") || !cross ||
	    (strcmp(cross, "0") && strcmp(cross, "1")) ||
	    mlv_meta_get_double(r, "count", &count) || !(count >= 0) ||
	    count != floor(count) ||
	    mlv_meta_get_double(r, "width", &width) || width != (double)r->cols) {
		mlv_errf(err, errlen, "not moments (expected kind=moments with "
		         "count, width and cross, as mlv-stats --moments writes)");
		return -1;
	}
	size_t d = r->cols, mr = cross[0] == '1' ? d : 1;
	if (r->rows != 4 + 2 * mr) {
		mlv_errf(err, errlen, "moments of %zu columns%s have %zu rows, "
		         "not %zu", d, mr > 1 ? " with cross products" : "",
		         r->rows, 4 + 2 * mr);
		return -1;
	}
	mlv_moments_init(m, d, cross[0] == '1');
	const float *mean_hi = r->data, *mean_lo = mean_hi + d;
	const float *lo = mean_lo + d, *hi = lo + d, *m2_hi = hi + d;
	const float *m2_lo = m2_hi + mr * d;
	m->count = count;
	for (size_t j = 0; j < d; j++) {
		m->mean[j] = (double)mean_hi[j] + mean_lo[j];
		m->lo[j] = lo[j];
		m->hi[j] = hi[j];
	}
	for (size_t i = 0; i < mr * d; i++)
		m->m2[i] = (double)m2_hi[i] + m2_lo[i];
	return 0;
}

void
mlv_moments_common_meta(mlv_record *dst, const mlv_record *src)
{
	for (size_t i = 0; i < dst->nmeta;) {
		const char *v = mlv_meta_get(src, dst->meta[i].key);
		if (v && !strcmp(v, dst->meta[i].val)) {
			i++;
			continue;
		}
		mlv_meta_unset(dst, dst->meta[i].key);
	}
}

int
mlv_moments_load(mlv_moments *m, const char *path, char *err, size_t errlen)
{
	mlv_reader *rd = mlv_reader_open(path);
	memset(m, 0, sizeof *m);
	if (!rd) {
		mlv_errf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
		return -1;
	}
	mlv_record r;
	mlv_record_init(&r);
	int got, rc = 0, first = 1;
	char why[200];
	while (!rc && (got = mlv_read(rd, &r)) == 1) {
		mlv_moments part;
		if (mlv_moments_from_record(&part, &r, why, sizeof why)) {
			rc = -1;
		} else if (first) {
			*m = part;
			first = 0;
		} else {
			rc = mlv_moments_merge(m, &part, why, sizeof why);
			mlv_moments_free(&part);
		}
		if (rc)
			mlv_errf(err, errlen, "%s: %s", mlv_reader_where(rd, &r), why);
	}
	if (!rc && got < 0) {
		mlv_errf(err, errlen, "%s", mlv_reader_error(rd));
		rc = -1;
	} else if (!rc && first) {
		mlv_errf(err, errlen, "%s: no moments (expected records of "
		         "mlv-stats --moments)", mlv_reader_name(rd));
		rc = -1;
	}
	if (rc)
		mlv_moments_free(m);
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return rc;
}
