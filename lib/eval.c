/* eval.c - see eval.h */
#include "eval.h"

#include <cblas.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "stats.h"
#include "util.h"

/* ---- class labels ------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
mlv_classes_collect(mlv_classes *c, const mlv_points *p, const char *key,
                    char *err, size_t errlen)
{
	c->names = NULL;
	c->n = 0;
	if (!p->nrecs)
		return 0;
	const char **v = mlv_malloc(p->nrecs * sizeof *v);
	size_t nv = 0;
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *val = mlv_meta_get(&p->recs[r], key);
		if (!val) {
			free(v);
			return mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		}
		/* A class is a class of rows: an empty record adds none. */
		if (p->recs[r].rows)
			v[nv++] = val;
	}
	qsort(v, nv, sizeof *v, cmp_str);
	c->names = mlv_malloc((nv ? nv : 1) * sizeof *c->names);
	for (size_t r = 0; r < nv; r++)
		if (r == 0 || strcmp(v[r], v[r - 1]))
			c->names[c->n++] = mlv_strdup(v[r]);
	free(v);
	return 0;
}

int32_t
mlv_classes_find(const mlv_classes *c, const char *name)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int s = strcmp(c->names[mid], name);
		if (!s)
			return (int32_t)mid;
		if (s < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
mlv_classes_of_rows(const mlv_classes *c, const mlv_points *p,
                    const char *key, int32_t *out, char *err, size_t errlen)
{
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *v = mlv_meta_get(&p->recs[r], key);
		if (!v)
			return mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		int32_t k = mlv_classes_find(c, v);
		for (size_t i = 0; i < p->recs[r].rows; i++)
			out[p->first[r] + i] = k;
	}
	return 0;
}

void
mlv_classes_free(mlv_classes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->n = 0;
}

/* ---- nearest-neighbour agreement ---------------------------------- */

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* How many of the n sorted values equal v. */
static size_t
count_sorted(const uint64_t *sorted, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t first = lo;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - first;
}

static uint64_t
pair_code(int32_t a, int32_t b)
{
	return (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
}

/* The size of the largest group. */
static size_t
largest_group(const int32_t *group, size_t n)
{
	int32_t *g = mlv_malloc(n * sizeof *g);
	memcpy(g, group, n * sizeof *g);
	qsort(g, n, sizeof *g, cmp_i32);
	size_t best = 0;
	for (size_t i = 0, run = 0; i < n; i++) {
		run = i && g[i] == g[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	free(g);
	return best;
}

/* Whether a list of kk candidates of which the k-th best has the value
 * v certainly holds every candidate as good as v: v is strictly better
 * than the last one's (distances grow, similarities shrink), or the list
 * holds the whole collection of m.  Otherwise candidates equal to v but
 * of lower index may have been left out. */
static int
list_decides(mlv_sim_kind kind, float v, const float *val, size_t kk,
             size_t m)
{
	if (kk >= m)
		return 1;
	return kind == MLV_SIM_EUCLIDEAN ? v < val[kk - 1] : v > val[kk - 1];
}

/* Candidates asked for beyond k, so that rows whose own group is close
 * and ties at the k-th place rarely need a second search. */
static size_t
spare_candidates(size_t k)
{
	return 2 * k + 64;
}

/* The distances mlv_sim_topk reports for query row q of x among all n
 * rows of x, for the kk candidates idx (rows map[idx]) of a search among
 * some of them, and the candidates in their order: mlv_sim_topk moves
 * the origin to its collection's mean (mean) and recomputes the
 * distances of the centred rows in double, so the same pair at another
 * origin can round to another value and break a tie the other way. */
static void
distances_among_all(const float *x, size_t d, const double *mean,
                    uint32_t q, const uint32_t *map, size_t kk,
                    uint32_t *idx, float *val)
{
	for (size_t s = 0; s < kk; s++) {
		const float *b = x + (size_t)map[idx[s]] * d;
		double sum = 0;
		for (size_t j = 0; j < d; j++) {
			double e = (double)(float)(x[(size_t)q * d + j] - mean[j]) -
			           (double)(float)(b[j] - mean[j]);
			sum += e * e;
		}
		val[s] = (float)sqrt(sum);
	}
	mlv_sort_distances(val, idx, kk);
}

/* The rows whose candidate lists did not decide their neighbours: their
 * k neighbours from the rows outside their group, one group at a time,
 * searching a copy of those rows (kept in row order, so ties still go
 * to the lower row), with twice the candidates while a tie at the k-th
 * place runs past the list's end.  A group costs its rows times the
 * others, however large it is. */
static int
neighbours_outside(mlv_sim_kind kind, const float *x, size_t n, size_t d,
                   size_t k, const int32_t *group, const uint32_t *row_name,
                   const uint32_t *undecided, size_t nundecided, uint32_t *nbr,
                   int nthreads, char *err, size_t errlen)
{
	/* by group, then row: each group's rows become one query block */
	uint64_t *sorted = mlv_malloc(nundecided * sizeof *sorted);
	for (size_t i = 0; i < nundecided; i++)
		sorted[i] = pair_code(group[undecided[i]], (int32_t)undecided[i]);
	qsort(sorted, nundecided, sizeof *sorted, cmp_u64);
	float *q = mlv_malloc(mlv_mul_size(nundecided, d * sizeof *q, "queries"));
	float *coll = mlv_malloc(mlv_mul_size(n, d * sizeof *coll, "rows"));
	uint32_t *map = mlv_malloc(n * sizeof *map);
	uint32_t *idx = NULL;
	float *val = NULL;
	double *mean = NULL;
	if (kind == MLV_SIM_EUCLIDEAN) {
		mean = mlv_malloc(d * sizeof *mean);
		mlv_column_means(x, n, d, mean);
	}
	int ret = 0;
	for (size_t a = 0, b; a < nundecided && !ret; a = b) {
		int32_t g = group[(uint32_t)sorted[a]];
		for (b = a; b < nundecided && sorted[b] >> 32 == sorted[a] >> 32; b++)
			memcpy(q + (b - a) * d, x + (size_t)(uint32_t)sorted[b] * d,
			       d * sizeof *q);
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (group[i] != g) {
				memcpy(coll + m * d, x + i * d, d * sizeof *coll);
				map[m++] = (uint32_t)i;
			}
		if (m < k) {
			uint32_t r = (uint32_t)sorted[a];
			ret = mlv_errf(err, errlen, "row %lu: %zu rows outside its "
			               "group, fewer than the %zu neighbours asked for",
			               (unsigned long)(row_name ? row_name[r] : r), m,
			               k);
			break;
		}
		size_t kk = k + spare_candidates(k), decided;
		do {
			kk = kk < m ? kk : m;
			idx = mlv_realloc(idx, mlv_mul_size(b - a, kk * sizeof *idx,
			                                    "neighbours"));
			val = mlv_realloc(val, mlv_mul_size(b - a, kk * sizeof *val,
			                                    "neighbours"));
			ret = mlv_sim_topk(kind, q, b - a, d, coll, m, d, kk, idx, val,
			                   nthreads, err, errlen);
			for (size_t i = a; mean && !ret && i < b; i++)
				distances_among_all(x, d, mean, (uint32_t)sorted[i], map, kk,
				                    idx + (i - a) * kk, val + (i - a) * kk);
			decided = 0;
			while (!ret && decided < b - a &&
			       list_decides(kind, val[decided * kk + k - 1],
			                    val + decided * kk, kk, m))
				decided++;
			kk *= 2;
		} while (!ret && decided < b - a);
		kk = kk / 2 < m ? kk / 2 : m;
		for (size_t i = a; i < b && !ret; i++)
			for (size_t j = 0; j < k; j++)
				nbr[(size_t)(uint32_t)sorted[i] * k + j] =
				        map[idx[(i - a) * kk + j]];
	}
	free(mean);
	free(val);
	free(idx);
	free(map);
	free(coll);
	free(q);
	free(sorted);
	return ret;
}

/* mlv_neighbours, naming row i as row_name[i] (NULL: i) in messages. */
static int
neighbours(mlv_sim_kind kind, const float *x, size_t n, size_t d, size_t k,
           const int32_t *group, const uint32_t *row_name, uint32_t *nbr,
           int nthreads, char *err, size_t errlen)
{
	if (k == 0 || k >= n) {
		if (row_name && n)
			return mlv_errf(err, errlen, "row %lu: %zu rows in its "
			                "within-group; %zu neighbours need at least %zu",
			                (unsigned long)row_name[0], n, k, k + 1);
		return mlv_errf(err, errlen, "%zu neighbours of %zu rows: k must "
		                "be 1 to the rows less one", k, n);
	}
	/* A few candidates beyond k serve most rows; the rows whose group
	 * crowds them out are searched again outside their group.  Asking
	 * every row for k + (largest group - 1) candidates instead costs
	 * n^2 (k + largest) when one group is most of the rows. */
	size_t kk = k;
	if (group) {
		size_t spare = largest_group(group, n) - 1;
		kk += spare < spare_candidates(k) ? spare : spare_candidates(k);
	}
	if (kk > n - 1)
		kk = n - 1;
	uint32_t *idx = mlv_malloc(mlv_mul_size(n, kk * sizeof *idx,
	                                        "neighbours"));
	float *val = mlv_malloc(mlv_mul_size(n, kk * sizeof *val, "neighbours"));
	uint32_t *undecided = NULL;
	size_t nundecided = 0;
	int ret = mlv_sim_topk(kind, x, n, d, NULL, 0, d, kk, idx, val, nthreads,
	                       err, errlen);
	for (size_t i = 0; !ret && i < n; i++) {
		size_t m = 0, j = 0;
		for (; j < kk && m < k; j++) {
			uint32_t c = idx[i * kk + j];
			if (!group || group[c] != group[i])
				nbr[i * k + m++] = c;
		}
		if (m < k || (group && !list_decides(kind, val[i * kk + j - 1],
		                                     val + i * kk, kk, n - 1))) {
			if (!undecided)
				undecided = mlv_malloc(n * sizeof *undecided);
			undecided[nundecided++] = (uint32_t)i;
		}
	}
	free(idx);
	free(val);
	if (!ret && nundecided)
		ret = neighbours_outside(kind, x, n, d, k, group, row_name, undecided,
		                         nundecided, nbr, nthreads, err, errlen);
	free(undecided);
	return ret;
}

int
mlv_neighbours(mlv_sim_kind kind, const float *x, size_t n, size_t d,
               size_t k, const int32_t *group, uint32_t *nbr, int nthreads,
               char *err, size_t errlen)
{
	return neighbours(kind, x, n, d, k, group, NULL, nbr, nthreads, err,
	                  errlen);
}

int32_t
mlv_vote(const uint32_t *nbr, size_t k, const int32_t *labels,
         size_t nclasses, uint32_t *counts)
{
	if (!k)
		return -1;
	memset(counts, 0, nclasses * sizeof *counts);
	uint32_t most = 0;
	for (size_t j = 0; j < k; j++) {
		uint32_t c = ++counts[labels[nbr[j]]];
		if (c > most)
			most = c;
	}
	for (size_t j = 0;; j++)
		if (counts[labels[nbr[j]]] == most)
			return labels[nbr[j]];
}

void
mlv_knn_score(const uint32_t *nbr, size_t n, size_t k, const int32_t *labels,
              size_t nclasses, mlv_knn_scores *s)
{
	uint32_t *counts = mlv_malloc(nclasses * sizeof *counts);
	double agree = 0;
	size_t right = 0;
	for (size_t i = 0; i < n; i++) {
		const uint32_t *row = nbr + i * k;
		size_t same = 0;
		for (size_t j = 0; j < k; j++)
			same += labels[row[j]] == labels[i];
		agree += (double)same / (double)k;
		right += mlv_vote(row, k, labels, nclasses, counts) == labels[i];
	}
	s->agreement = n ? agree / (double)n : NAN;
	s->accuracy = n ? (double)right / (double)n : NAN;
	free(counts);
}

double
mlv_chance_agreement(const int32_t *labels, const int32_t *group, size_t n)
{
	/* Row i may meet the rows outside its group (without groups: every
	 * other row), of which (its class) - (its class in its group) share
	 * its class; the counts come from sorted codes by binary search. */
	uint64_t *cls = mlv_malloc(mlv_mul_size(3 * sizeof *cls, n, "chance"));
	uint64_t *grp = cls + n, *both = grp + n;
	for (size_t i = 0; i < n; i++) {
		cls[i] = (uint32_t)labels[i];
		if (group) {
			grp[i] = (uint32_t)group[i];
			both[i] = pair_code(group[i], labels[i]);
		}
	}
	qsort(cls, n, sizeof *cls, cmp_u64);
	if (group) {
		qsort(grp, n, sizeof *grp, cmp_u64);
		qsort(both, n, sizeof *both, cmp_u64);
	}
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		size_t own = 1, own_class = 1;
		if (group) {
			own = count_sorted(grp, n, (uint32_t)group[i]);
			own_class = count_sorted(both, n, pair_code(group[i],
			                                            labels[i]));
		}
		if (n == own) {
			sum = NAN;
			break;
		}
		sum += (double)(count_sorted(cls, n, (uint32_t)labels[i]) -
		                own_class) / (double)(n - own);
	}
	free(cls);
	return n ? sum / (double)n : NAN;
}

/* The rows of each class of within, in row order: rows[start[c] ..
 * start[c + 1]) are class c's; nclasses is the largest class + 1. */
static void
rows_by_class(const int32_t *within, size_t n, size_t *nclasses,
              size_t **start, uint32_t **rows)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		m = (size_t)within[i] + 1 > m ? (size_t)within[i] + 1 : m;
	*nclasses = m;
	*start = mlv_calloc(m + 1, sizeof **start);
	*rows = mlv_malloc((n ? n : 1) * sizeof **rows);
	for (size_t i = 0; i < n; i++)
		(*start)[within[i] + 1]++;
	for (size_t c = 0; c < m; c++)
		(*start)[c + 1] += (*start)[c];
	size_t *fill = mlv_malloc((m ? m : 1) * sizeof *fill);
	memcpy(fill, *start, m * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		(*rows)[fill[within[i]]++] = (uint32_t)i;
	free(fill);
}

int
mlv_neighbours_within(mlv_sim_kind kind, const float *x, size_t n, size_t d,
                      size_t k, const int32_t *within, const int32_t *group,
                      uint32_t *nbr, int nthreads, char *err, size_t errlen)
{
	if (!within)
		return mlv_neighbours(kind, x, n, d, k, group, nbr, nthreads, err,
		                      errlen);
	size_t m, *start;
	uint32_t *rows;
	rows_by_class(within, n, &m, &start, &rows);
	size_t big = 0;
	for (size_t c = 0; c < m; c++)
		big = start[c + 1] - start[c] > big ? start[c + 1] - start[c] : big;
	float *sx = mlv_malloc(mlv_mul_size(big ? big : 1, d * sizeof *sx,
	                                    "neighbours within"));
	int32_t *sg = group ? mlv_malloc(big * sizeof *sg) : NULL;
	uint32_t *snbr = mlv_malloc(mlv_mul_size(big ? big : 1,
	                                         k * sizeof *snbr, "neighbours"));
	int rc = 0;
	for (size_t c = 0; c < m && !rc; c++) {
		size_t cn = start[c + 1] - start[c];
		const uint32_t *r = rows + start[c];
		if (!cn)
			continue;
		for (size_t i = 0; i < cn; i++) {
			memcpy(sx + i * d, x + (size_t)r[i] * d, d * sizeof *sx);
			if (group)
				sg[i] = group[r[i]];
		}
		rc = neighbours(kind, sx, cn, d, k, sg, r, snbr, nthreads, err,
		                errlen);
		for (size_t i = 0; i < cn && !rc; i++)
			for (size_t j = 0; j < k; j++)
				nbr[(size_t)r[i] * k + j] = r[snbr[i * k + j]];
	}
	free(snbr);
	free(sg);
	free(sx);
	free(rows);
	free(start);
	return rc;
}

void
mlv_comparable_rows(const int32_t *within, const int32_t *group, size_t n,
                    size_t *out)
{
	/* Row i's within-class less the rows of it in i's group, the
	 * counts coming from sorted codes by binary search. */
	uint64_t *w = mlv_malloc(mlv_mul_size(2 * sizeof *w, n ? n : 1,
	                                      "comparable rows"));
	uint64_t *both = w + n;
	for (size_t i = 0; i < n; i++) {
		w[i] = within ? (uint32_t)within[i] : 0;
		both[i] = pair_code(within ? within[i] : 0,
		                    group ? group[i] : (int32_t)i);
	}
	qsort(w, n, sizeof *w, cmp_u64);
	qsort(both, n, sizeof *both, cmp_u64);
	for (size_t i = 0; i < n; i++)
		out[i] = count_sorted(w, n, within ? (uint32_t)within[i] : 0) -
		         count_sorted(both, n, pair_code(within ? within[i] : 0,
		                                         group ? group[i] :
		                                         (int32_t)i));
	free(w);
}

double
mlv_chance_agreement_within(const int32_t *labels, const int32_t *group,
                            const int32_t *within, size_t n)
{
	if (!within)
		return mlv_chance_agreement(labels, group, n);
	size_t m, *start;
	uint32_t *rows;
	rows_by_class(within, n, &m, &start, &rows);
	int32_t *sl = mlv_malloc((n ? n : 1) * sizeof *sl);
	int32_t *sg = group ? mlv_malloc(n * sizeof *sg) : NULL;
	double sum = 0;
	for (size_t c = 0; c < m; c++) {
		size_t cn = start[c + 1] - start[c];
		for (size_t i = 0; i < cn; i++) {
			sl[i] = labels[rows[start[c] + i]];
			if (group)
				sg[i] = group[rows[start[c] + i]];
		}
		if (cn)
			sum += (double)cn * mlv_chance_agreement(sl, sg, cn);
	}
	free(sg);
	free(sl);
	free(rows);
	free(start);
	return n ? sum / (double)n : NAN;
}

/* ---- classifiers -------------------------------------------------- */

void
mlv_standardize_fit(const float *x, size_t n, size_t d, double *mean,
                    double *scale)
{
	mlv_column_stats(x, n, d, mean, scale);
	for (size_t j = 0; j < d; j++) {
		/* scikit-learn's test for a constant column: a variance
		 * within the rounding error of its computation. */
		double var = scale[j], eps = DBL_EPSILON, nn = (double)n;
		double bound = nn * eps * var + (nn * mean[j] * eps) *
		               (nn * mean[j] * eps);
		scale[j] = var <= bound ? 1 : sqrt(var);
	}
}

void
mlv_standardize_apply(const double *mean, const double *scale, float *x,
                      size_t n, size_t d)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)((x[i * d + j] - mean[j]) / scale[j]);
}

void
mlv_logreg_defaults(mlv_logreg_opts *o)
{
	o->C = 1;
	o->max_iter = 2000;
	o->tol = 1e-6;
	o->standardize = 1;
}

typedef struct {
	const double *x;
	const int32_t *y;
	size_t n, d, k;
	double C;
	double *z; /* n x k: logits, then their gradient */
} logreg_ctx;

/* The objective and its gradient: Z = X W^T + b by dgemm, then per row
 * the log-sum-exp shifted by its maximum (no overflow), and
 * dW = (P - Y)^T X + W / C, db = column sums of P - Y. */
static double
logreg_eval(const logreg_ctx *c, const double *w, double *grad)
{
	size_t n = c->n, d = c->d, k = c->k;
	const double *b = w + k * d;
	if (n && d)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k,
		            (int)d, 1.0, c->x, (int)d, w, (int)d, 0.0, c->z, (int)k);
	else
		memset(c->z, 0, n * k * sizeof *c->z);
	double loss = 0;
	for (size_t i = 0; i < n; i++) {
		double *z = c->z + i * k, top = -INFINITY, sum = 0;
		for (size_t j = 0; j < k; j++) {
			z[j] += b[j];
			if (z[j] > top)
				top = z[j];
		}
		for (size_t j = 0; j < k; j++)
			sum += exp(z[j] - top);
		double lse = top + log(sum);
		loss += lse - z[c->y[i]];
		for (size_t j = 0; j < k; j++)
			z[j] = exp(z[j] - lse);
		z[c->y[i]] -= 1;
	}
	double norm2 = 0;
	for (size_t i = 0; i < k * d; i++)
		norm2 += w[i] * w[i];
	if (grad) {
		for (size_t i = 0; i < k * d; i++)
			grad[i] = w[i] / c->C;
		if (n && d)
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k,
			            (int)d, (int)n, 1.0, c->z, (int)k, c->x, (int)d, 1.0,
			            grad, (int)d);
		double *gb = grad + k * d;
		memset(gb, 0, k * sizeof *gb);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < k; j++)
				gb[j] += c->z[i * k + j];
	}
	return loss + norm2 / (2 * c->C);
}

double
mlv_logreg_loss(const double *w, const double *x, size_t n, size_t d,
                const int32_t *y, size_t nclasses, double C, double *grad)
{
	logreg_ctx c = {x, y, n, d, nclasses, C, NULL};
	c.z = mlv_malloc(mlv_mul_size(n, nclasses * sizeof *c.z, "logits"));
	double f = logreg_eval(&c, w, grad);
	free(c.z);
	return f;
}

/* L-BFGS sees the objective divided by the rows, so its tolerances mean
 * the same for 100 rows as for 100,000 (scikit-learn >= 1.2 scales its
 * loss the same way); the minimiser is the same. */
static double
logreg_mean(void *ctx, const double *w, double *grad, size_t nw)
{
	const logreg_ctx *c = ctx;
	double f = logreg_eval(c, w, grad);
	for (size_t i = 0; i < nw; i++)
		grad[i] /= (double)c->n;
	return f / (double)c->n;
}

int
mlv_logreg_fit(mlv_logreg *m, const float *x, size_t n, size_t d,
               const int32_t *y, size_t nclasses, const mlv_logreg_opts *o,
               char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (!n || !d)
		return mlv_errf(err, errlen, "%zu rows of %zu columns: nothing to "
		                "fit", n, d);
	if (nclasses < 2)
		return mlv_errf(err, errlen, "%zu class: a classifier needs at "
		                "least 2", nclasses);
	if (!(o->C > 0) || !isfinite(o->C) || o->max_iter < 1 || !(o->tol >= 0))
		return mlv_errf(err, errlen, "bad options (C %g, max_iter %d, tol "
		                "%g)", o->C, o->max_iter, o->tol);
	size_t *count = mlv_calloc(nclasses, sizeof *count);
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0 || (size_t)y[i] >= nclasses) {
			free(count);
			return mlv_errf(err, errlen, "row %zu: class %d is not in 0..%zu",
			                i, y[i], nclasses - 1);
		}
		count[y[i]]++;
	}
	for (size_t c = 0; c < nclasses; c++)
		if (!count[c]) {
			free(count);
			/* Its intercept would run off to -infinity. */
			return mlv_errf(err, errlen, "class %zu has no rows", c);
		}
	free(count);
	m->d = d;
	m->nclasses = nclasses;
	m->mean = mlv_malloc(2 * d * sizeof *m->mean);
	m->scale = m->mean + d;
	size_t nw = mlv_mul_size(d + 1, nclasses, "coefficients");
	m->coef = mlv_calloc(nw, sizeof *m->coef);
	m->intercept = m->coef + d * nclasses;
	/* Centred columns, standardised or not: W x + b = W (x - mean) +
	 * (b + W mean) and b is not penalised, so centring changes nothing
	 * but the conditioning, which columns far from 0 ruin (L-BFGS, and
	 * scikit-learn's too, then stops far from the optimum). */
	mlv_standardize_fit(x, n, d, m->mean, m->scale);
	if (!o->standardize)
		for (size_t j = 0; j < d; j++)
			m->scale[j] = 1;
	double *xs = mlv_malloc(mlv_mul_size(n, d * sizeof *xs, "rows"));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			xs[i * d + j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
	logreg_ctx c = {xs, y, n, d, nclasses, o->C, NULL};
	c.z = mlv_malloc(mlv_mul_size(n, nclasses * sizeof *c.z, "logits"));
	mlv_lbfgs_opts lo;
	mlv_lbfgs_defaults(&lo);
	lo.max_iter = o->max_iter;
	lo.gtol = o->tol;
	/* OpenBLAS on one thread: its split of a product among threads can
	 * change the last bits, and the fit must not depend on the machine. */
	int blas = mlv_blas_single_thread();
	int ret = mlv_lbfgs(m->coef, nw, logreg_mean, &c, &lo, &m->fit, err,
	                    errlen);
	if (!ret)
		m->objective = logreg_eval(&c, m->coef, NULL);
	mlv_blas_restore(blas);
	free(c.z);
	free(xs);
	return ret;
}

void
mlv_logreg_predict(const mlv_logreg *m, const float *x, size_t n,
                   int32_t *pred)
{
	size_t d = m->d, k = m->nclasses;
	double *xs = mlv_malloc(d * sizeof *xs);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < d; j++)
			xs[j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
		double best = -INFINITY;
		pred[i] = 0;
		for (size_t c = 0; c < k; c++) {
			double z = m->intercept[c];
			for (size_t j = 0; j < d; j++)
				z += m->coef[c * d + j] * xs[j];
			if (z > best) {
				best = z;
				pred[i] = (int32_t)c;
			}
		}
	}
	free(xs);
}

void
mlv_logreg_free(mlv_logreg *m)
{
	free(m->mean);
	free(m->coef);
	memset(m, 0, sizeof *m);
}

int
mlv_knn_classify(mlv_sim_kind kind, const float *train, size_t n,
                 const int32_t *y, size_t nclasses, const float *test,
                 size_t nt, size_t d, size_t k, int32_t *pred, int nthreads,
                 char *err, size_t errlen)
{
	if (k == 0 || k > n)
		return mlv_errf(err, errlen, "%zu neighbours among %zu training "
		                "rows: k must be 1 to the rows", k, n);
	if (!nt)
		return 0;
	uint32_t *idx = mlv_malloc(mlv_mul_size(nt, k * sizeof *idx,
	                                        "neighbours"));
	float *val = mlv_malloc(mlv_mul_size(nt, k * sizeof *val, "neighbours"));
	uint32_t *counts = mlv_malloc(nclasses * sizeof *counts);
	int ret = mlv_sim_topk(kind, test, nt, d, train, n, d, k, idx, val,
	                       nthreads, err, errlen);
	for (size_t i = 0; !ret && i < nt; i++)
		pred[i] = mlv_vote(idx + i * k, k, y, nclasses, counts);
	free(idx);
	free(val);
	free(counts);
	return ret;
}

void
mlv_classify_score(const int32_t *truth, const int32_t *pred, size_t n,
                   size_t nclasses, double *accuracy, double *balanced)
{
	size_t *rows = mlv_calloc(2 * nclasses, sizeof *rows), *right =
	        rows + nclasses, total = 0;
	for (size_t i = 0; i < n; i++) {
		rows[truth[i]]++;
		if (pred[i] == truth[i]) {
			right[truth[i]]++;
			total++;
		}
	}
	double sum = 0;
	size_t present = 0;
	for (size_t c = 0; c < nclasses; c++)
		if (rows[c]) {
			sum += (double)right[c] / (double)rows[c];
			present++;
		}
	*accuracy = n ? (double)total / (double)n : NAN;
	*balanced = present ? sum / (double)present : NAN;
	free(rows);
}

typedef struct {
	char *name; /* NULL: a record without a name, a track of its own */
	size_t rec;
} track_name;

static int
cmp_track_name(const void *a, const void *b)
{
	const track_name *x = a, *y = b;
	if (x->name && y->name) {
		int s = strcmp(x->name, y->name);
		if (s)
			return s;
	} else if (x->name || y->name) {
		return x->name ? 1 : -1;
	}
	return (x->rec > y->rec) - (x->rec < y->rec);
}

int
mlv_tracks_of_rows(const mlv_points *p, const char *key, int32_t *track,
                   size_t *ntracks, char *err, size_t errlen)
{
	track_name *t = mlv_calloc(p->nrecs ? p->nrecs : 1, sizeof *t);
	int ret = 0;
	for (size_t r = 0; r < p->nrecs && !ret; r++) {
		const mlv_record *rec = &p->recs[r];
		const char *v = mlv_meta_get(rec, key ? key : "src");
		t[r].rec = r;
		if (v) {
			t[r].name = mlv_strdup(v);
		} else if (key) {
			ret = mlv_errf(err, errlen, "%s: no %s", p->where[r], key);
		} else if ((v = mlv_meta_get(rec, "id"))) {
			t[r].name = mlv_strdup(v);
			t[r].name[strcspn(t[r].name, "#")] = '\0';
		}
	}
	*ntracks = 0;
	if (!ret) {
		qsort(t, p->nrecs, sizeof *t, cmp_track_name);
		for (size_t i = 0; i < p->nrecs; i++) {
			if (i == 0 || !t[i].name || !t[i - 1].name ||
			    strcmp(t[i].name, t[i - 1].name))
				(*ntracks)++;
			const mlv_record *rec = &p->recs[t[i].rec];
			for (size_t j = 0; j < rec->rows; j++)
				track[p->first[t[i].rec] + j] = (int32_t)(*ntracks - 1);
		}
	}
	for (size_t r = 0; r < p->nrecs; r++)
		free(t[r].name);
	free(t);
	return ret;
}

int
mlv_track_accuracy(const int32_t *truth, const int32_t *pred,
                   const int32_t *track, size_t n, size_t nclasses,
                   double *accuracy, size_t *ntracks, size_t conflict[2])
{
	/* the rows of each track, in row order */
	uint64_t *code = mlv_malloc((n ? n : 1) * sizeof *code);
	for (size_t i = 0; i < n; i++)
		code[i] = pair_code(track[i], (int32_t)i);
	qsort(code, n, sizeof *code, cmp_u64);
	uint32_t *rows = mlv_malloc((n ? n : 1) * sizeof *rows);
	uint32_t *counts = mlv_malloc((nclasses ? nclasses : 1) *
	                              sizeof *counts);
	size_t tracks = 0, right = 0;
	int ret = 0;
	for (size_t a = 0, b; a < n && !ret; a = b) {
		size_t m = 0;
		for (b = a; b < n && code[b] >> 32 == code[a] >> 32; b++)
			rows[m++] = (uint32_t)code[b];
		for (size_t j = 1; j < m && !ret; j++)
			if (truth[rows[j]] != truth[rows[0]]) {
				conflict[0] = rows[0];
				conflict[1] = rows[j];
				ret = -1;
			}
		tracks++;
		right += mlv_vote(rows, m, pred, nclasses, counts) ==
		         truth[rows[0]];
	}
	*ntracks = tracks;
	*accuracy = tracks ? (double)right / (double)tracks : NAN;
	free(counts);
	free(rows);
	free(code);
	return ret;
}

int32_t
mlv_majority_class(const int32_t *y, size_t n, size_t nclasses)
{
	size_t *count = mlv_calloc(nclasses, sizeof *count);
	for (size_t i = 0; i < n; i++)
		count[y[i]]++;
	size_t best = 0;
	for (size_t c = 1; c < nclasses; c++)
		if (count[c] > count[best])
			best = c;
	free(count);
	return (int32_t)best;
}

/* ---- clusters ----------------------------------------------------- */

int
mlv_cluster_ids(const mlv_points *p, int32_t *ids, size_t *nclusters,
                char *err, size_t errlen)
{
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *kind = mlv_meta_get(&p->recs[r], "kind");
		if (!kind || strcmp(kind, "cluster"))
			return mlv_errf(err, errlen, "%s: kind=%s, not cluster (cluster "
			                "ids come from mlv-cluster)", p->where[r],
			                kind ? kind : "(none)");
		if (p->recs[r].cols != 1)
			return mlv_errf(err, errlen, "%s: %zu columns; cluster ids are "
			                "one", p->where[r], p->recs[r].cols);
		for (size_t i = 0; i < p->recs[r].rows; i++) {
			float v = p->x[p->first[r] + i];
			if (v != floorf(v) || v < -2147483648.0f || v >= 2147483648.0f)
				return mlv_errf(err, errlen, "%s: row %zu: %g is not a "
				                "cluster id (an integer)", p->where[r], i + 1,
				                (double)v);
			ids[p->first[r] + i] = (int32_t)v;
		}
	}
	int32_t *s = mlv_malloc((p->n ? p->n : 1) * sizeof *s);
	memcpy(s, ids, p->n * sizeof *s);
	qsort(s, p->n, sizeof *s, cmp_i32);
	*nclusters = 0;
	for (size_t i = 0; i < p->n; i++)
		*nclusters += i == 0 || s[i] != s[i - 1];
	free(s);
	return 0;
}

/* ---- section boundaries ------------------------------------------- */

/* Kuhn's augmenting paths: try to give reference r an estimate, moving
 * the estimates' current partners along if they can go elsewhere. */
static int
augment(size_t r, const double *ref, const double *est, size_t nest,
        double tol, size_t *owner, unsigned char *seen)
{
	for (size_t e = 0; e < nest; e++) {
		if (seen[e] || !(fabs(est[e] - ref[r]) <= tol))
			continue;
		seen[e] = 1;
		if (owner[e] == SIZE_MAX ||
		    augment(owner[e], ref, est, nest, tol, owner, seen)) {
			owner[e] = r;
			return 1;
		}
	}
	return 0;
}

size_t
mlv_match_events(const double *ref, size_t nref, const double *est,
                 size_t nest, double tol)
{
	size_t *owner = mlv_malloc((nest ? nest : 1) * sizeof *owner);
	unsigned char *seen = mlv_malloc(nest ? nest : 1);
	for (size_t e = 0; e < nest; e++)
		owner[e] = SIZE_MAX;
	size_t hits = 0;
	for (size_t r = 0; r < nref; r++) {
		memset(seen, 0, nest);
		hits += (size_t)augment(r, ref, est, nest, tol, owner, seen);
	}
	free(owner);
	free(seen);
	return hits;
}

void
mlv_prf(size_t hits, size_t nref, size_t nest, double *precision,
        double *recall, double *f)
{
	*precision = nest ? (double)hits / (double)nest : 0;
	*recall = nref ? (double)hits / (double)nref : 0;
	*f = *precision + *recall > 0 ?
	     2 * *precision * *recall / (*precision + *recall) : 0;
}

int
mlv_parse_times(const char *text, double **out, size_t *n, char *err,
                size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (!*text)
		return 0;
	size_t cap = 1;
	for (const char *s = text; *s; s++)
		cap += *s == ',';
	double *v = mlv_malloc(cap * sizeof *v);
	const char *s = text;
	for (;;) {
		char *end;
		errno = 0;
		double t = strtod(s, &end);
		if (end == s || (*end && *end != ',') || errno || !isfinite(t)) {
			free(v);
			return mlv_errf(err, errlen, "\"%s\" is not a comma-separated "
			                "list of times", text);
		}
		v[(*n)++] = t;
		if (!*end)
			break;
		s = end + 1;
	}
	*out = v;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Split a line at tabs in place: fields[] point into it. */
static size_t
split_tabs(char *line, char ***fields, size_t *cap)
{
	size_t n = 0;
	for (char *s = line;;) {
		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*fields = mlv_realloc(*fields, *cap * sizeof **fields);
		}
		(*fields)[n++] = s;
		char *tab = strchr(s, '\t');
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	return n;
}

int
mlv_sections_read(mlv_sections *s, const char *path, char *err,
                  size_t errlen)
{
	memset(s, 0, sizeof *s);
	FILE *f = fopen(path, "r");
	if (!f)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(errno));
	char *line = NULL, **fields = NULL;
	size_t linecap = 0, fcap = 0, cap = 0, lineno = 0;
	long file_col = -1, start_col = -1;
	ssize_t len;
	int ret = 0;
	while (!ret && (len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		size_t nf = split_tabs(line, &fields, &fcap);
		if (file_col < 0) {
			for (size_t i = 0; i < nf; i++) {
				if (file_col < 0 && (!strcmp(fields[i], "file") ||
				                     !strcmp(fields[i], "path")))
					file_col = (long)i;
				if (start_col < 0 && (!strcmp(fields[i], "start_s") ||
				                      !strcmp(fields[i], "start")))
					start_col = (long)i;
			}
			if (file_col < 0 || start_col < 0)
				ret = mlv_errf(err, errlen, "%s: line %zu: no %s column in "
				               "the header (\"file\" or \"path\", "
				               "\"start_s\" or \"start\")", path, lineno,
				               file_col < 0 ? "file" : "start");
			continue;
		}
		if ((long)nf <= file_col || (long)nf <= start_col) {
			ret = mlv_errf(err, errlen, "%s: line %zu: %zu fields, the "
			               "header has more", path, lineno, nf);
			break;
		}
		char *end;
		errno = 0;
		double t = strtod(fields[start_col], &end);
		if (end == fields[start_col] || *end || errno || !isfinite(t)) {
			ret = mlv_errf(err, errlen, "%s: line %zu: start \"%s\" is not "
			               "a number of seconds", path, lineno,
			               fields[start_col]);
			break;
		}
		if (s->n == cap) {
			cap = cap ? 2 * cap : 64;
			s->file = mlv_realloc(s->file, cap * sizeof *s->file);
			s->start = mlv_realloc(s->start, cap * sizeof *s->start);
		}
		s->file[s->n] = mlv_strdup(fields[file_col]);
		s->start[s->n++] = t;
	}
	if (!ret && ferror(f))
		ret = mlv_errf(err, errlen, "%s: read error (%s)", path,
		               strerror(errno));
	else if (!ret && file_col < 0)
		ret = mlv_errf(err, errlen, "%s: empty (a header line and a line "
		               "per section were expected)", path);
	fclose(f);
	free(line);
	free(fields);
	if (ret)
		mlv_sections_free(s);
	return ret;
}

/* The path components of name, last first: comp[i] (not terminated)
 * of length len[i], leaving out empty and "." components and a "#..."
 * fragment after the last slash (mlv-spec's "#t=0,10").  At most max;
 * returns how many there are. */
static size_t
path_components(const char *name, const char **comp, size_t *len,
                size_t max)
{
	const char *slash = strrchr(name, '/');
	const char *hash = strchr(slash ? slash + 1 : name, '#');
	const char *end = hash ? hash : name + strlen(name);
	size_t n = 0;
	while (end > name) {
		const char *c = end;
		while (c > name && c[-1] != '/')
			c--;
		size_t l = (size_t)(end - c);
		if (l && !(l == 1 && *c == '.')) {
			if (n < max) {
				comp[n] = c;
				len[n] = l;
			}
			n++;
		}
		end = c > name ? c - 1 : name;
	}
	return n;
}

#define MAX_COMPONENTS 64

/* How many trailing components two paths share when all of the shorter
 * one's are shared (disc1/01.wav and /music/disc1/01.wav: 2), else 0:
 * sub/p2.wav and /b/p2.wav are different files. */
static size_t
suffix_match(const char *const *ac, const size_t *al, size_t an,
             const char *path)
{
	const char *bc[MAX_COMPONENTS];
	size_t bl[MAX_COMPONENTS];
	size_t bn = path_components(path, bc, bl, MAX_COMPONENTS);
	size_t m = an < bn ? an : bn;
	if (m > MAX_COMPONENTS)
		m = MAX_COMPONENTS;
	for (size_t i = 0; i < m; i++)
		if (al[i] != bl[i] || memcmp(ac[i], bc[i], al[i]))
			return 0;
	return m;
}

/* Whether two annotation paths name the same file (a/x.wav, ./a/x.wav). */
static int
same_path(const char *a, const char *b)
{
	const char *ac[MAX_COMPONENTS];
	size_t al[MAX_COMPONENTS];
	size_t an = path_components(a, ac, al, MAX_COMPONENTS);
	const char *bc[MAX_COMPONENTS];
	size_t bl[MAX_COMPONENTS];
	return an == path_components(b, bc, bl, MAX_COMPONENTS) &&
	       suffix_match(ac, al, an, b) == (an < MAX_COMPONENTS ? an :
	                                       MAX_COMPONENTS);
}

int
mlv_sections_boundaries(const mlv_sections *s, const char *name, double *out,
                        size_t *nout, size_t *nlines, char *err,
                        size_t errlen)
{
	const char *nc[MAX_COMPONENTS];
	size_t nl[MAX_COMPONENTS];
	size_t nn = path_components(name, nc, nl, MAX_COMPONENTS);
	size_t best = 0, first = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t m = suffix_match(nc, nl, nn, s->file[i]);
		if (m > best) {
			best = m;
			first = i;
		}
	}
	*nout = *nlines = 0;
	if (!best)
		return 0;
	/* The files other than the first that match as well: naming them
	 * all, up to what err holds, tells which path to lengthen. */
	size_t others = 0, len = 0;
	char list[256] = "";
	for (size_t i = first + 1; i < s->n; i++) {
		if (suffix_match(nc, nl, nn, s->file[i]) != best ||
		    same_path(s->file[i], s->file[first]))
			continue;
		int dup = 0;
		for (size_t j = first + 1; j < i && !dup; j++)
			dup = suffix_match(nc, nl, nn, s->file[j]) == best &&
			      same_path(s->file[j], s->file[i]);
		if (dup)
			continue;
		others++;
		if (len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, ", %s",
			                        s->file[i]);
	}
	if (others)
		return mlv_errf(err, errlen, "%s matches %zu annotated files "
		                "equally well: %s%s (ambiguous; more of the path would tell "
		                "them apart)", name,
		                others + 1, s->file[first], list);
	size_t m = 0;
	for (size_t i = first; i < s->n; i++) {
		if (!same_path(s->file[i], s->file[first]))
			continue;
		(*nlines)++;
		if (s->start[i] > 0)
			out[m++] = s->start[i];
	}
	qsort(out, m, sizeof *out, cmp_double);
	for (size_t i = 0; i < m; i++)
		if (i == 0 || out[i] != out[i - 1])
			out[(*nout)++] = out[i];
	return 0;
}

void
mlv_sections_free(mlv_sections *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->file[i]);
	free(s->file);
	free(s->start);
	memset(s, 0, sizeof *s);
}
