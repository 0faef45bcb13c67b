/* crossval.c - see crossval.h */
#include "crossval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "regress.h"
#include "rng.h"
#include "util.h"

int
mlv_group_folds(const int32_t *group, const int32_t *cls, size_t n,
                size_t ngroups, size_t nclasses, size_t k, uint64_t seed,
                int32_t *fold, size_t *ngroups_of, char *err, size_t errlen)
{
	if (k < 2)
		return mlv_errf(err, errlen, "%zu folds: at least 2 are needed", k);
	if (ngroups < k)
		return mlv_errf(err, errlen, "%zu groups for %zu folds: every fold "
		                "needs a group", ngroups, k);
	if (!cls)
		nclasses = 1;
	/* Each group's class: the most frequent of its rows. */
	size_t *count = mlv_calloc(mlv_mul_size(ngroups, nclasses,
	                                        "groups x classes"),
	                           sizeof *count);
	for (size_t i = 0; i < n; i++)
		count[(size_t)group[i] * nclasses + (cls ? (size_t)cls[i] : 0)]++;
	int32_t *gcls = mlv_malloc(ngroups * sizeof *gcls);
	if (ngroups_of)
		for (size_t c = 0; c < nclasses; c++) {
			ngroups_of[c] = 0;
			for (size_t g = 0; g < ngroups; g++)
				ngroups_of[c] += count[g * nclasses + c] > 0;
		}
	for (size_t g = 0; g < ngroups; g++) {
		size_t best = 0;
		for (size_t c = 1; c < nclasses; c++)
			if (count[g * nclasses + c] > count[g * nclasses + best])
				best = c;
		gcls[g] = (int32_t)best;
	}
	free(count);
	size_t nc, *start;
	uint32_t *members;
	mlv_rows_by_class(gcls, ngroups, &nc, &start, &members);
	size_t next = 0;
	for (size_t c = 0; c < nclasses; c++) {
		size_t m = c < nc ? start[c + 1] - start[c] : 0;
		if (!m)
			continue;
		/* A stream per class: a class's order does not depend on
		 * how many groups the classes before it have. */
		mlv_rng g;
		mlv_rng_stream(&g, seed, c);
		mlv_rng_shuffle(&g, members + start[c], m);
		for (size_t j = 0; j < m; j++)
			fold[members[start[c] + j]] = (int32_t)((next + j) % k);
		next = (next + m) % k;
	}
	free(start);
	free(members);
	free(gcls);
	return 0;
}

void
mlv_folds_of_classes(const int32_t *y, const int32_t *fold, size_t n,
                     size_t nclasses, size_t k, size_t *nfolds)
{
	unsigned char *seen = mlv_calloc(mlv_mul_size(nclasses ? nclasses : 1, k,
	                                              "classes x folds"), 1);
	for (size_t i = 0; i < n; i++)
		seen[(size_t)y[i] * k + (size_t)fold[i]] = 1;
	for (size_t c = 0; c < nclasses; c++) {
		nfolds[c] = 0;
		for (size_t f = 0; f < k; f++)
			nfolds[c] += seen[c * k + f];
	}
	free(seen);
}

size_t
mlv_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double sum = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			sum += v[i];
			m++;
		}
	if (!m) {
		*mean = *sd = NAN;
		return 0;
	}
	double mu = sum / (double)m, ss = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			ss += (v[i] - mu) * (v[i] - mu);
	*mean = mu;
	*sd = m > 1 ? sqrt(ss / (double)(m - 1)) : 0;
	return m;
}

int
mlv_probe_classify(const mlv_probe_opts *o, const float *train, size_t n,
                   const int32_t *y, size_t nclasses, const float *test,
                   size_t nt, size_t d, int32_t *pred, int *not_converged,
                   char *err, size_t errlen)
{
	*not_converged = 0;
	/* The classes the training rows have, numbered 0..m-1: a class
	 * without rows cannot be fitted (its intercept would diverge). */
	int32_t *to = mlv_malloc((nclasses ? nclasses : 1) * sizeof *to);
	int32_t *from = mlv_malloc((nclasses ? nclasses : 1) * sizeof *from);
	for (size_t c = 0; c < nclasses; c++)
		to[c] = -1;
	for (size_t i = 0; i < n; i++)
		to[y[i]] = 0;
	size_t m = 0;
	for (size_t c = 0; c < nclasses; c++)
		if (to[c] == 0) {
			from[m] = (int32_t)c;
			to[c] = (int32_t)m++;
		}
	int ret = 0;
	if (m < 2)
		ret = mlv_errf(err, errlen, "%zu class%s in the training rows: a "
		               "classifier needs at least 2", m, m == 1 ? "" : "es");
	else if (o->use_knn && (o->k == 0 || o->k > n))
		ret = mlv_errf(err, errlen, "%zu training rows; -n %zu needs at "
		               "least %zu", n, o->k, o->k);
	int32_t *yc = NULL;
	if (!ret) {
		yc = mlv_malloc(n * sizeof *yc);
		for (size_t i = 0; i < n; i++)
			yc[i] = to[y[i]];
	}
	if (!ret && o->use_knn) {
		float *a = mlv_malloc(mlv_mul_size(n, d * sizeof *a, "rows"));
		float *b = mlv_malloc(mlv_mul_size(nt ? nt : 1, d * sizeof *b,
		                                   "rows"));
		memcpy(a, train, n * d * sizeof *a);
		memcpy(b, test, nt * d * sizeof *b);
		if (o->lo.standardize) {
			double *mean = mlv_malloc(2 * d * sizeof *mean);
			mlv_standardize_fit(a, n, d, mean, mean + d);
			mlv_standardize_apply(mean, mean + d, a, n, d);
			mlv_standardize_apply(mean, mean + d, b, nt, d);
			free(mean);
		}
		ret = mlv_knn_classify(o->kind, a, n, yc, m, b, nt, d, o->k, pred,
		                       o->nthreads, err, errlen);
		free(a);
		free(b);
	} else if (!ret) {
		mlv_logreg lr;
		ret = mlv_logreg_fit(&lr, train, n, d, yc, m, &o->lo, err, errlen);
		if (!ret) {
			*not_converged = lr.fit.status == MLV_LBFGS_MAX_ITER;
			mlv_logreg_predict(&lr, test, nt, pred);
		}
		mlv_logreg_free(&lr);
	}
	for (size_t i = 0; !ret && i < nt; i++)
		pred[i] = from[pred[i]];
	free(yc);
	free(to);
	free(from);
	return ret;
}

/* The rows of x (n x d) whose fold is (or, when out, is not) f. */
static size_t
gather(const float *x, size_t n, size_t d, const int32_t *fold, int32_t f,
       int out, float *xs, uint32_t *rows)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if ((fold[i] == f) != out) {
			memcpy(xs + m * d, x + i * d, d * sizeof *xs);
			rows[m++] = (uint32_t)i;
		}
	return m;
}

int
mlv_crossval_classify(const mlv_probe_opts *o, const float *x, size_t n,
                      size_t d, const int32_t *y, size_t nclasses,
                      const int32_t *track, const int32_t *fold_of_row,
                      size_t k, int32_t *pred, mlv_fold_scores *s, char *err,
                      size_t errlen)
{
	float *xa = mlv_malloc(mlv_mul_size(n ? n : 1, d * sizeof *xa, "rows"));
	float *xb = mlv_malloc(mlv_mul_size(n ? n : 1, d * sizeof *xb, "rows"));
	uint32_t *ra = mlv_malloc((n ? n : 1) * sizeof *ra);
	uint32_t *rb = mlv_malloc((n ? n : 1) * sizeof *rb);
	int32_t *ya = mlv_malloc((n ? n : 1) * 4 * sizeof *ya);
	int32_t *yb = ya + n, *tb = yb + n, *pb = tb + n;
	char msg[400];
	int ret = 0;
	for (size_t f = 0; f < k && !ret; f++) {
		size_t na = gather(x, n, d, fold_of_row, (int32_t)f, 1, xa, ra);
		size_t nb = gather(x, n, d, fold_of_row, (int32_t)f, 0, xb, rb);
		if (!nb || !na) {
			ret = mlv_errf(err, errlen, "fold %zu: no %s rows", f + 1,
			               nb ? "training" : "test");
			break;
		}
		for (size_t i = 0; i < na; i++)
			ya[i] = y[ra[i]];
		for (size_t i = 0; i < nb; i++) {
			yb[i] = y[rb[i]];
			tb[i] = track[rb[i]];
		}
		if (mlv_probe_classify(o, xa, na, ya, nclasses, xb, nb, d, pb,
		                       &s[f].not_converged, msg, sizeof msg)) {
			ret = mlv_errf(err, errlen, "fold %zu: %s", f + 1, msg);
			break;
		}
		for (size_t i = 0; i < nb; i++)
			pred[rb[i]] = pb[i];
		size_t conflict[2];
		mlv_classify_score(yb, pb, nb, nclasses, &s[f].accuracy,
		                   &s[f].balanced);
		if (mlv_track_accuracy(yb, pb, tb, nb, nclasses, &s[f].track_accuracy,
		                       &s[f].ntracks, conflict)) {
			ret = mlv_errf(err, errlen, "rows %u and %u: one track of two "
			               "classes", rb[conflict[0]], rb[conflict[1]]);
			break;
		}
		int32_t major = mlv_majority_class(ya, na, nclasses);
		size_t hits = 0;
		for (size_t i = 0; i < nb; i++)
			hits += yb[i] == major;
		s[f].majority = (double)hits / (double)nb;
		s[f].ntrain = na;
		s[f].ntest = nb;
	}
	free(xa);
	free(xb);
	free(ra);
	free(rb);
	free(ya);
	return ret;
}

int
mlv_crossval_regress(const float *x, size_t n, size_t d, const double *y,
                     const int32_t *within, size_t nwithin,
                     const int32_t *fold_of_row, size_t k, double alpha,
                     double *pred, mlv_fold_regress *s, char *err,
                     size_t errlen)
{
	float *xa = mlv_malloc(mlv_mul_size(n ? n : 1, d * sizeof *xa, "rows"));
	float *xb = mlv_malloc(mlv_mul_size(n ? n : 1, d * sizeof *xb, "rows"));
	uint32_t *ra = mlv_malloc((n ? n : 1) * 2 * sizeof *ra), *rb = ra + n;
	double *ya = mlv_malloc((n ? n : 1) * 3 * sizeof *ya), *yb = ya + n;
	double *pb = yb + n;
	int32_t *wb = mlv_malloc((n ? n : 1) * sizeof *wb);
	double *rho = mlv_malloc((nwithin ? nwithin : 1) * sizeof *rho), sd;
	char msg[400];
	int ret = 0;
	for (size_t f = 0; f < k && !ret; f++) {
		size_t na = gather(x, n, d, fold_of_row, (int32_t)f, 1, xa, ra);
		size_t nb = gather(x, n, d, fold_of_row, (int32_t)f, 0, xb, rb);
		if (!nb || !na) {
			ret = mlv_errf(err, errlen, "fold %zu: no %s rows", f + 1,
			               nb ? "training" : "test");
			break;
		}
		for (size_t i = 0; i < na; i++)
			ya[i] = y[ra[i]];
		for (size_t i = 0; i < nb; i++) {
			yb[i] = y[rb[i]];
			wb[i] = within ? within[rb[i]] : 0;
		}
		mlv_ridge m;
		if (mlv_ridge_fit(&m, xa, na, d, ya, alpha, msg, sizeof msg)) {
			mlv_ridge_free(&m);
			ret = mlv_errf(err, errlen, "fold %zu: %s", f + 1, msg);
			break;
		}
		mlv_ridge_predict(&m, xb, nb, pb);
		mlv_ridge_free(&m);
		for (size_t i = 0; i < nb; i++)
			pred[rb[i]] = pb[i];
		s[f].r2 = mlv_r2(yb, pb, nb);
		s[f].spearman = mlv_spearman(yb, pb, nb);
		s[f].ntest = nb;
		s[f].spearman_within = NAN;
		s[f].ngroups = 0;
		if (within) {
			mlv_spearman_within(yb, pb, wb, nb, nwithin, rho);
			s[f].ngroups = mlv_mean_sd(rho, nwithin, &s[f].spearman_within,
			                           &sd);
		}
	}
	free(xa);
	free(xb);
	free(ra);
	free(ya);
	free(wb);
	free(rho);
	return ret;
}

void
mlv_confusion(const int32_t *truth, const int32_t *pred, size_t n,
              size_t nclasses, size_t *m)
{
	memset(m, 0, nclasses * nclasses * sizeof *m);
	for (size_t i = 0; i < n; i++)
		m[(size_t)truth[i] * nclasses + (size_t)pred[i]]++;
}
