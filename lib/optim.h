/* optim.h - minimising smooth functions of many variables: L-BFGS.
 *
 * Full-batch, double-precision minimisation for the models that are fitted
 * exactly rather than trained by stochastic steps: the logistic-regression
 * probes of lib/eval.h today, any convex fit tomorrow.  Nocedal and
 * Wright, "Numerical Optimization" (2nd ed., 2006): limited-memory BFGS
 * (Algorithm 7.4, the two-loop recursion with the scaling of eq. 7.20) and
 * a line search for the strong Wolfe conditions (Algorithms 3.5 and 3.6,
 * cubic interpolation).  The same inputs give the same iterates: nothing
 * here depends on threads or timing.
 */
#ifndef MLV_OPTIM_H
#define MLV_OPTIM_H

#include <stddef.h>

/* f(x) for x of n values; writes the gradient into grad (n values).  A
 * non-finite value tells the line search the step went too far. */
typedef double (*mlv_objective_fn)(void *ctx, const double *x, double *grad,
                                   size_t n);

typedef struct {
	int memory;      /* correction pairs kept, >= 1 (10) */
	int max_iter;    /* iterations, >= 1 (1000) */
	int max_ls;      /* function evaluations per line search (50) */
	double gtol;     /* converged when max |grad_i| <= gtol (1e-8) */
	double ftol;     /* converged when an iteration lowers f by at most
	                  * ftol * max(|f|, 1): 64 DBL_EPSILON, the value
	                  * scikit-learn gives scipy's L-BFGS-B */
} mlv_lbfgs_opts;

void mlv_lbfgs_defaults(mlv_lbfgs_opts *o);

typedef enum {
	MLV_LBFGS_GTOL,       /* the gradient is below gtol */
	MLV_LBFGS_FTOL,       /* f stopped decreasing (relative to ftol) */
	MLV_LBFGS_MAX_ITER,   /* max_iter iterations without either */
	MLV_LBFGS_LINE_SEARCH /* no step lowered f: at the limit of the
	                       * arithmetic, or a gradient that is not f's */
} mlv_lbfgs_status;

typedef struct {
	mlv_lbfgs_status status;
	int iterations, evaluations;
	double f;         /* f at the returned x */
	double gmax;      /* max |grad_i| there */
} mlv_lbfgs_result;

/* What a status means, for messages ("converged", "reached --max-iter",
 * ...). */
const char *mlv_lbfgs_status_text(mlv_lbfgs_status status);

/* Minimise fn from x (n values, the starting point), leaving the best
 * point found in x.  res may be NULL.  Returns 0 whatever the status
 * (the caller judges MAX_ITER and LINE_SEARCH), or -1 with a message for
 * bad options or a non-finite f or gradient at the start. */
int mlv_lbfgs(double *x, size_t n, mlv_objective_fn fn, void *ctx,
              const mlv_lbfgs_opts *o, mlv_lbfgs_result *res, char *err,
              size_t errlen);

#endif
