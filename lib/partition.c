/* partition.c - see partition.h */
#include "partition.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "pool.h"
#include "stats.h"
#include "util.h"

typedef struct {
	int32_t v;
	uint32_t i;
} lab_item;

static int
lab_cmp(const void *pa, const void *pb)
{
	const lab_item *a = pa, *b = pb;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Dense numbers 0..count-1 in the order of the label values (numpy's
 * unique(return_inverse=True)); returns the count. */
static size_t
dense_labels(const int32_t *lab, size_t n, uint32_t *out)
{
	if (!n)
		return 0;
	lab_item *t = mlv_malloc(mlv_mul_size(n, sizeof *t, "labels"));
	for (size_t i = 0; i < n; i++) {
		t[i].v = lab[i];
		t[i].i = (uint32_t)i;
	}
	qsort(t, n, sizeof *t, lab_cmp);
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && t[i].v != t[i - 1].v)
			c++;
		out[t[i].i] = (uint32_t)c;
	}
	free(t);
	return c + 1;
}

static int
u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

/* The sparse contingency table of two labellings: cells (class, cluster,
 * count) with count > 0, plus class and cluster totals. */
typedef struct {
	size_t nclass, nclust, ncell;
	uint32_t *row, *col;
	uint64_t *cnt;
	uint64_t *a, *b;  /* class sizes, cluster sizes */
} contingency;

static void
contingency_make(contingency *t, const int32_t *truth, const int32_t *pred,
                 size_t n)
{
	uint32_t *u = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof(uint32_t),
	                                      "labels"));
	uint32_t *v = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof(uint32_t),
	                                      "labels"));
	uint64_t *key = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof(uint64_t),
	                                        "labels"));
	t->nclass = dense_labels(truth, n, u);
	t->nclust = dense_labels(pred, n, v);
	for (size_t i = 0; i < n; i++)
		key[i] = (uint64_t)u[i] << 32 | v[i];
	qsort(key, n, sizeof *key, u64_cmp);
	t->row = mlv_malloc((n ? n : 1) * sizeof(uint32_t));
	t->col = mlv_malloc((n ? n : 1) * sizeof(uint32_t));
	t->cnt = mlv_malloc((n ? n : 1) * sizeof(uint64_t));
	t->a = mlv_calloc(t->nclass + 1, sizeof(uint64_t));
	t->b = mlv_calloc(t->nclust + 1, sizeof(uint64_t));
	t->ncell = 0;
	for (size_t i = 0; i < n; i++) {
		if (!i || key[i] != key[i - 1]) {
			t->row[t->ncell] = (uint32_t)(key[i] >> 32);
			t->col[t->ncell] = (uint32_t)key[i];
			t->cnt[t->ncell++] = 0;
		}
		t->cnt[t->ncell - 1]++;
		t->a[key[i] >> 32]++;
		t->b[(uint32_t)key[i]]++;
	}
	free(key);
	free(v);
	free(u);
}

static void
contingency_free(contingency *t)
{
	free(t->row);
	free(t->col);
	free(t->cnt);
	free(t->a);
	free(t->b);
}

double
mlv_ari(const int32_t *truth, const int32_t *pred, size_t n)
{
	contingency t;
	contingency_make(&t, truth, pred, n);
	/* sklearn's pair_confusion_matrix: counts of ordered pairs */
	__int128 nn = n, sq = 0, ca = 0, cb = 0;
	for (size_t c = 0; c < t.ncell; c++) {
		__int128 v = t.cnt[c];
		sq += v * v;
		ca += v * (__int128)t.b[t.col[c]];
		cb += v * (__int128)t.a[t.row[c]];
	}
	contingency_free(&t);
	__int128 tp = sq - nn, fp = ca - sq, fn = cb - sq;
	__int128 tn = nn * nn - fp - fn - sq;
	if (fn == 0 && fp == 0)
		return 1.0;
	__int128 num = tp * tn - fn * fp;
	__int128 den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
	return 2.0 * (double)num / (double)den;
}

static double
entropy(const uint64_t *size, size_t k, double total)
{
	double h = 0, lt = log(total);
	for (size_t i = 0; i < k; i++)
		if (size[i])
			h -= ((double)size[i] / total) * (log((double)size[i]) - lt);
	return h;
}

double
mlv_nmi(const int32_t *truth, const int32_t *pred, size_t n)
{
	contingency t;
	contingency_make(&t, truth, pred, n);
	double r;
	if (t.nclass == t.nclust && t.nclass <= 1) {
		r = 1.0; /* neither labelling splits the data */
	} else if (t.nclass == 1 || t.nclust == 1) {
		r = 0.0;
	} else {
		/* sklearn's mutual_info_score, term by term */
		double N = (double)n, logn = log(N), mi = 0;
		for (size_t c = 0; c < t.ncell; c++) {
			double v = (double)t.cnt[c], pn = v / N;
			double outer = (double)t.a[t.row[c]] * (double)t.b[t.col[c]];
			double term = pn * (log(v) - logn) + pn * (-log(outer) + logn +
			                                           logn);
			if (fabs(term) >= 0x1p-52)
				mi += term;
		}
		if (mi < 0)
			mi = 0;
		if (mi == 0) {
			r = 0.0;
		} else {
			double norm = (entropy(t.a, t.nclass, N) +
			               entropy(t.b, t.nclust, N)) / 2;
			r = mi / (norm > 0x1p-52 ? norm : 0x1p-52);
		}
	}
	contingency_free(&t);
	return r;
}

double
mlv_purity(const int32_t *truth, const int32_t *pred, size_t n)
{
	if (!n)
		return 1.0;
	contingency t;
	contingency_make(&t, truth, pred, n);
	uint64_t *best = mlv_calloc(t.nclust + 1, sizeof(uint64_t));
	for (size_t c = 0; c < t.ncell; c++)
		if (t.cnt[c] > best[t.col[c]])
			best[t.col[c]] = t.cnt[c];
	uint64_t s = 0;
	for (size_t k = 0; k < t.nclust; k++)
		s += best[k];
	free(best);
	contingency_free(&t);
	return (double)s / (double)n;
}

void
mlv_partition_compare(const int32_t *truth, const int32_t *pred, size_t n,
                      mlv_partition_scores *s)
{
	s->ari = mlv_ari(truth, pred, n);
	s->nmi = mlv_nmi(truth, pred, n);
	s->purity = mlv_purity(truth, pred, n);
}

/* ---- silhouette --------------------------------------------------------- */

#define SIL_COLS 2048

typedef struct {
	const float *x, *xn;
	const uint32_t *lab;
	const uint64_t *size;
	size_t n, d, k, rows, nblocks;
	double *sums;   /* per thread: rows x k */
	float *dots;    /* per thread: rows x SIL_COLS */
	double *s;      /* per point */
} sil_ctx;

static void
sil_rows(void *ctx, size_t item, int thread)
{
	sil_ctx *c = ctx;
	size_t k = c->k, i0 = item * c->rows, m = c->n - i0 < c->rows ? c->n - i0 : c->rows;
	double *sums = c->sums + (size_t)thread * c->rows * k;
	float *dots = c->dots + (size_t)thread * c->rows * SIL_COLS;
	memset(sums, 0, m * k * sizeof(double));
	for (size_t j0 = 0; j0 < c->n; j0 += SIL_COLS) {
		size_t nc = c->n - j0 < SIL_COLS ? c->n - j0 : SIL_COLS;
		mlv_gemm_abt(c->x + i0 * c->d, c->x + j0 * c->d, dots, m, nc, c->d,
		             SIL_COLS, 1.0f, 0.0f);
		for (size_t r = 0; r < m; r++) {
			float *row = dots + r * SIL_COLS;
			float an = c->xn[i0 + r];
			for (size_t j = 0; j < nc; j++) {
				float d2 = an + c->xn[j0 + j] - 2 * row[j];
				row[j] = d2 > 0 ? sqrtf(d2) : 0;
			}
			if (i0 + r >= j0 && i0 + r < j0 + nc)
				row[i0 + r - j0] = 0; /* itself */
			double *s = sums + r * k;
			const uint32_t *lab = c->lab + j0;
			for (size_t j = 0; j < nc; j++)
				s[lab[j]] += row[j];
		}
	}
	for (size_t r = 0; r < m; r++) {
		size_t i = i0 + r, own = c->lab[i];
		const double *s = sums + r * k;
		if (c->size[own] < 2) {
			c->s[i] = 0; /* sklearn: a point alone scores 0 */
			continue;
		}
		double a = s[own] / (double)(c->size[own] - 1), b = INFINITY;
		for (size_t l = 0; l < k; l++)
			if (l != own && s[l] / (double)c->size[l] < b)
				b = s[l] / (double)c->size[l];
		double mx = a > b ? a : b;
		c->s[i] = mx > 0 ? (b - a) / mx : 0;
	}
}

int
mlv_silhouette(const float *x, size_t n, size_t d, const int32_t *labels,
               int nthreads, double *score, char *err, size_t errlen)
{
	if (n == 0 || d == 0)
		return mlv_errf(err, errlen, "silhouette needs points (got %zu x %zu)",
		               n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "silhouette: %zu points is more than %d",
		               n, INT32_MAX);
	if (mlv_check_finite(x, n, d, "clustering", err, errlen))
		return -1;
	uint32_t *lab = mlv_malloc(n * sizeof(uint32_t));
	size_t k = dense_labels(labels, n, lab);
	if (k < 2 || k > n - 1) {
		free(lab);
		return mlv_errf(err, errlen, "silhouette needs between 2 and n - 1 = "
		               "%zu clusters, got %zu", n - 1, k);
	}
	int nt = mlv_threads(nthreads);
	int blas = mlv_blas_single_thread();
	sil_ctx c = {.n = n, .d = d, .k = k, .lab = lab};
	uint64_t *size = mlv_calloc(k, sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		size[lab[i]]++;
	c.size = size;
	double *mean = mlv_malloc(d * sizeof(double));
	mlv_column_means(x, n, d, mean);
	/* the silhouette does not change with the scale */
	float *xc = mlv_centred_copy(x, n, d, mean, mlv_range_scale(x, n, d, mean), NULL);
	float *xn = mlv_malloc(n * sizeof(float));
	mlv_row_norms2(xc, n, d, xn);
	c.x = xc;
	c.xn = xn;
	/* a block's per-cluster sums within 8 MiB */
	c.rows = ((size_t)1 << 20) / k;
	c.rows = c.rows < 1 ? 1 : c.rows > 256 ? 256 : c.rows;
	c.nblocks = (n + c.rows - 1) / c.rows;
	c.sums = mlv_malloc(mlv_mul_size((size_t)nt, mlv_mul_size(c.rows,
	                    k * sizeof(double), "silhouette"), "silhouette"));
	c.dots = mlv_malloc(mlv_mul_size((size_t)nt, c.rows * SIL_COLS *
	                                 sizeof(float), "silhouette"));
	c.s = mlv_malloc(n * sizeof(double));
	mlv_parallel_items(c.nblocks, nt, sil_rows, &c);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += c.s[i];
	*score = total / (double)n;
	free(c.s);
	free(c.dots);
	free(c.sums);
	free(xn);
	free(xc);
	free(mean);
	free(size);
	free(lab);
	mlv_blas_restore(blas);
	return 0;
}
