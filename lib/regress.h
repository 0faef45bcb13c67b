/* regress.h - linear probes of a numeric label (ridge regression) and
 * their scores: R^2 and Spearman's rank correlation, within groups.
 * The conventions of labels, rows and errors are eval.h's.
 *
 * MusicLatentVIS asks whether latent vectors order notes by loudness;
 * neighbour agreement cannot say (a note's nearest notes are the same
 * pitch and instrument at other levels), a linear probe fitted on some
 * notes and ranked against the velocity of others, within each pitch and
 * instrument, can.
 */
#ifndef MLV_REGRESS_H
#define MLV_REGRESS_H

#include <stddef.h>
#include <stdint.h>

/* Ridge regression on standardised columns, scikit-learn's
 * make_pipeline(StandardScaler(), Ridge(alpha)):
 *
 *   minimise |y - X w - b|^2 + alpha |w|^2    (b not penalised)
 *
 * with X the rows standardised by the training mean and std. */
typedef struct {
	size_t d;
	double *mean, *scale; /* d each, the training columns' */
	double *coef;         /* d, acting on (x - mean) / scale */
	double intercept;     /* the training targets' mean */
} mlv_ridge;

/* Fit on x (n x d) and targets y[n], alpha >= 0, solving the normal
 * equations in d x d, or in n x n through the rows' Gram matrix when
 * there are fewer rows than columns (the same w).  -1 with a message for
 * n < 2, d == 0, or a system that is singular (alpha 0 and collinear
 * columns). */
int mlv_ridge_fit(mlv_ridge *m, const float *x, size_t n, size_t d,
                  const double *y, double alpha, char *err, size_t errlen);
void mlv_ridge_predict(const mlv_ridge *m, const float *x, size_t n,
                       double *pred);
void mlv_ridge_free(mlv_ridge *m);

/* The coefficient of determination of pred against y (scikit-learn's
 * r2_score): 1 - sum (y - pred)^2 / sum (y - mean y)^2; NaN when y is
 * constant or n == 0. */
double mlv_r2(const double *y, const double *pred, size_t n);

/* rank[n]: the ranks of v from 1, ties given the mean of their ranks
 * (scipy.stats.rankdata's 'average'). */
void mlv_rank_average(const double *v, size_t n, double *rank);
/* Spearman's rank correlation (scipy.stats.spearmanr): the Pearson
 * correlation of the average ranks; NaN for n < 2 or a constant input. */
double mlv_spearman(const double *a, const double *b, size_t n);
/* rho[ngroups]: Spearman's correlation of a and b over the rows of each
 * group (group: n ids in 0..ngroups-1); NaN for a group it is undefined
 * on (fewer than 2 rows, or a or b constant there). */
void mlv_spearman_within(const double *a, const double *b,
                         const int32_t *group, size_t n, size_t ngroups,
                         double *rho);

#endif
