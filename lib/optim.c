/* optim.c - see optim.h */
#include "optim.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

/* Strong Wolfe constants: sufficient decrease and curvature (Nocedal and
 * Wright's choice for quasi-Newton methods, p. 142). */
#define WOLFE_C1 1e-4
#define WOLFE_C2 0.9

void
mlv_lbfgs_defaults(mlv_lbfgs_opts *o)
{
	o->memory = 10;
	o->max_iter = 1000;
	o->max_ls = 50;
	o->gtol = 1e-8;
	o->ftol = 64 * DBL_EPSILON;
}

const char *
mlv_lbfgs_status_text(mlv_lbfgs_status status)
{
	switch (status) {
	case MLV_LBFGS_GTOL: return "converged (gradient below tolerance)";
	case MLV_LBFGS_FTOL: return "converged (objective no longer decreasing)";
	case MLV_LBFGS_MAX_ITER: return "stopped at the iteration limit";
	case MLV_LBFGS_LINE_SEARCH: return "stopped: no step lowered the objective";
	}
	return "?";
}

static double
max_abs(const double *a, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (!(fabs(a[i]) <= m))
			m = fabs(a[i]);
	return m;
}

/* The function along the search direction: phi(a) = f(x + a d). */
typedef struct {
	mlv_objective_fn fn;
	void *ctx;
	size_t n;
	const double *x, *d;
	double *xt, *gt;   /* the last trial point and its gradient */
	double f0, dphi0;  /* phi(0), phi'(0) < 0 */
	int evals;         /* in this line search */
	int total;         /* in the whole minimisation */
} line;

static double
phi(line *l, double a, double *dphi)
{
	for (size_t i = 0; i < l->n; i++)
		l->xt[i] = l->x[i] + a * l->d[i];
	double f = l->fn(l->ctx, l->xt, l->gt, l->n);
	l->evals++;
	l->total++;
	*dphi = mlv_dot(l->gt, l->d, l->n);
	/* An overflow is a step too long: the search backs off from it. */
	if (!isfinite(f) || !isfinite(*dphi)) {
		f = INFINITY;
		*dphi = NAN;
	}
	return f;
}

static int
sufficient_decrease(const line *l, double a, double f)
{
	return f <= l->f0 + WOLFE_C1 * a * l->dphi0;
}

static int
curvature(const line *l, double dphi)
{
	return fabs(dphi) <= -WOLFE_C2 * l->dphi0;
}

/* The minimiser of the cubic through (a, fa, ga) and (b, fb, gb)
 * (Nocedal and Wright eq. 3.59), kept inside the middle 80% of the
 * interval; bisection when the cubic has no minimum there. */
static double
cubic_step(double a, double fa, double ga, double b, double fb, double gb)
{
	double lo = fmin(a, b), w = fabs(b - a), t = NAN;
	double d1 = ga + gb - 3 * (fa - fb) / (a - b);
	double disc = d1 * d1 - ga * gb;
	if (isfinite(fb) && isfinite(gb) && disc >= 0) {
		double d2 = copysign(sqrt(disc), b - a);
		t = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2 * d2);
	}
	if (!(t >= lo + 0.1 * w && t <= lo + 0.9 * w))
		t = lo + 0.5 * w;
	return t;
}

/* Algorithm 3.6: an interval [lo, hi] (either order) known to hold a
 * point satisfying the strong Wolfe conditions; lo is the best point so
 * far that satisfies sufficient decrease.  Returns the step, with the
 * trial point and gradient in l->xt, l->gt and its value in *fa, or 0. */
static double
zoom(line *l, int max_ls, double lo, double flo, double dlo, double hi,
     double fhi, double dhi, double *fa)
{
	while (l->evals < max_ls) {
		double a = cubic_step(lo, flo, dlo, hi, fhi, dhi);
		if (a == lo || a == hi)
			break; /* the interval is below the resolution of doubles */
		double da, f = phi(l, a, &da);
		if (!sufficient_decrease(l, a, f) || f >= flo) {
			hi = a;
			fhi = f;
			dhi = da;
		} else {
			if (curvature(l, da)) {
				*fa = f;
				return a;
			}
			if (da * (hi - lo) >= 0) {
				hi = lo;
				fhi = flo;
				dhi = dlo;
			}
			lo = a;
			flo = f;
			dlo = da;
		}
	}
	/* Out of evaluations: a step that lowered f is still progress. */
	if (lo > 0 && flo < l->f0) {
		double da;
		*fa = phi(l, lo, &da);
		if (*fa == flo)
			return lo;
	}
	return 0;
}

/* Algorithm 3.5: try a1, extrapolate while the slope stays steep and
 * negative, zoom once an interval brackets an acceptable step. */
static double
line_search(line *l, int max_ls, double a1, double *fa)
{
	double a_prev = 0, f_prev = l->f0, d_prev = l->dphi0, a = a1;
	l->evals = 0;
	while (l->evals < max_ls) {
		double da, f = phi(l, a, &da);
		if (!sufficient_decrease(l, a, f) || (a_prev > 0 && f >= f_prev))
			return zoom(l, max_ls, a_prev, f_prev, d_prev, a, f, da, fa);
		if (curvature(l, da)) {
			*fa = f;
			return a;
		}
		if (da >= 0)
			return zoom(l, max_ls, a, f, da, a_prev, f_prev, d_prev, fa);
		a_prev = a;
		f_prev = f;
		d_prev = da;
		a *= 2;
	}
	/* Out of evaluations while f kept falling: the last trial, a_prev,
	 * is in l->xt and is progress. */
	*fa = f_prev;
	return a_prev;
}

/* d = -H g by the two-loop recursion (Algorithm 7.4) over the k newest
 * pairs, the newest at slot (head - 1) mod m, with H0 = (s.y / y.y) I. */
static void
direction(double *d, const double *g, size_t n, const double *s,
          const double *y, const double *rho, double *alpha, int m, int k,
          int head)
{
	for (size_t i = 0; i < n; i++)
		d[i] = -g[i];
	for (int j = 0; j < k; j++) {
		int p = ((head - 1 - j) % m + m) % m;
		alpha[p] = rho[p] * mlv_dot(s + (size_t)p * n, d, n);
		const double *yp = y + (size_t)p * n;
		for (size_t i = 0; i < n; i++)
			d[i] -= alpha[p] * yp[i];
	}
	if (k > 0) {
		int p = ((head - 1) % m + m) % m;
		const double *yp = y + (size_t)p * n;
		double gamma = 1 / (rho[p] * mlv_dot(yp, yp, n));
		for (size_t i = 0; i < n; i++)
			d[i] *= gamma;
	}
	for (int j = k - 1; j >= 0; j--) {
		int p = ((head - 1 - j) % m + m) % m;
		double beta = rho[p] * mlv_dot(y + (size_t)p * n, d, n);
		const double *sp = s + (size_t)p * n;
		for (size_t i = 0; i < n; i++)
			d[i] += (alpha[p] - beta) * sp[i];
	}
}

int
mlv_lbfgs(double *x, size_t n, mlv_objective_fn fn, void *ctx,
          const mlv_lbfgs_opts *o, mlv_lbfgs_result *res, char *err,
          size_t errlen)
{
	if (n == 0)
		return mlv_errf(err, errlen, "L-BFGS: no variables");
	if (o->memory < 1 || o->max_iter < 1 || o->max_ls < 1 ||
	    !(o->gtol >= 0) || !(o->ftol >= 0))
		return mlv_errf(err, errlen, "L-BFGS: bad options (memory %d, "
		                "max_iter %d, max_ls %d, gtol %g, ftol %g)",
		                o->memory, o->max_iter, o->max_ls, o->gtol, o->ftol);
	int m = o->memory;
	size_t mn = mlv_mul_size((size_t)m, n, "L-BFGS memory");
	double *g = mlv_malloc(mlv_mul_size(4, n, "L-BFGS") * sizeof *g);
	double *d = g + n, *xt = d + n, *gt = xt + n;
	double *s = mlv_malloc(mlv_mul_size(mn, 2 * sizeof *s, "L-BFGS memory"));
	double *y = s + mn;
	double *rho = mlv_malloc(2 * (size_t)m * sizeof *rho), *alpha = rho + m;
	line l = {fn, ctx, n, x, d, xt, gt, 0, 0, 0, 1};
	double f = fn(ctx, x, g, n);
	int ret = 0;
	if (!isfinite(f) || !isfinite(mlv_dot(g, g, n))) {
		ret = mlv_errf(err, errlen, "L-BFGS: the objective or its gradient "
		               "is not finite at the starting point");
		goto done;
	}
	mlv_lbfgs_status status;
	int iter = 0, k = 0, head = 0;
	for (;;) {
		if (max_abs(g, n) <= o->gtol) {
			status = MLV_LBFGS_GTOL;
			break;
		}
		if (iter >= o->max_iter) {
			status = MLV_LBFGS_MAX_ITER;
			break;
		}
		direction(d, g, n, s, y, rho, alpha, m, k, head);
		l.dphi0 = mlv_dot(g, d, n);
		if (!(l.dphi0 < 0)) {
			/* Rounding spoiled the curvature pairs: start afresh
			 * from steepest descent. */
			k = 0;
			for (size_t i = 0; i < n; i++)
				d[i] = -g[i];
			l.dphi0 = -mlv_dot(g, g, n);
		}
		l.f0 = f;
		/* Without curvature pairs the direction has the gradient's
		 * scale: a first step of unit length, as L-BFGS-B takes. */
		double a1 = k ? 1 : 1 / sqrt(-l.dphi0), ft;
		double a = line_search(&l, o->max_ls, a1, &ft);
		if (a <= 0 || !(ft < f)) {
			status = MLV_LBFGS_LINE_SEARCH;
			break;
		}
		iter++;
		double *sp = s + (size_t)head * n, *yp = y + (size_t)head * n;
		for (size_t i = 0; i < n; i++) {
			sp[i] = xt[i] - x[i];
			yp[i] = gt[i] - g[i];
		}
		double sy = mlv_dot(sp, yp, n);
		/* Keep the pair only when it has positive curvature, which
		 * keeps H positive definite. */
		if (sy > 0) {
			rho[head] = 1 / sy;
			head = (head + 1) % m;
			if (k < m)
				k++;
		}
		double f_prev = f;
		memcpy(x, xt, n * sizeof *x);
		memcpy(g, gt, n * sizeof *g);
		f = ft;
		if (f_prev - f <= o->ftol * fmax(fmax(fabs(f_prev), fabs(f)), 1)) {
			status = MLV_LBFGS_FTOL;
			break;
		}
	}
	if (res) {
		res->status = status;
		res->iterations = iter;
		res->evaluations = l.total;
		res->f = f;
		res->gmax = max_abs(g, n);
	}
done:
	free(g);
	free(s);
	free(rho);
	return ret;
}
