/* neighbours.c - see neighbours.h */
#include "neighbours.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "stats.h"
#include "util.h"

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
		size_t spare = mlv_largest_class(group, n) - 1;
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
	mlv_rows_by_class(within, n, &m, &start, &rows);
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
	mlv_rows_by_class(within, n, &m, &start, &rows);
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
