/* pca.h - principal component analysis, fitted on one point set and
 * applied to another.
 *
 * PCA and STD-PCA (every column standardised over the population first)
 * are two of the 2-D maps of music-explore (2020/2022); t-SNE and UMAP use
 * a 2-component PCA as their initial layout.  The fit is a plain struct of
 * arrays so a tool can save it as an MLV stream (mean, scale, components,
 * variance) and load it again with mlv_pca_alloc(): a loaded fit maps rows
 * exactly as the fitted one did, because both apply the same float arrays.
 *
 * Definitions, chosen to agree with scikit-learn's StandardScaler and PCA:
 *   mean[j]     column mean over the n fitted rows
 *   scale[j]    STD-PCA: population standard deviation of column j
 *               (ddof = 0, as StandardScaler); a constant column (all its
 *               values equal) gets scale 1, not a division by zero, so it
 *               maps to 0 and adds nothing to any component.
 *               Plain PCA: 1 for every column.
 *   components  k unit rows of d loadings, row-major, in order of
 *               decreasing variance: the eigenvectors of the covariance of
 *               (x - mean) / scale.
 *   variance[c] the variance of the data along component c, with the
 *               n - 1 divisor (sklearn's explained_variance_);
 *               variance[c] / total_variance is its explained_variance_ratio_.
 *   total_variance  the trace of that covariance: the sum of all d
 *               eigenvalues, kept or not.
 * Sign convention: each component's loading of largest magnitude is
 * positive, which is what sklearn's svd_flip(u_based_decision=False) does
 * to the rows of Vt, so the same data give the same axes, not mirror
 * images, whatever LAPACK returns.  Magnitudes within a relative 1e-6 of
 * the largest count as equal, and the first such column decides: a
 * component (1, -1)/sqrt(2) is reported as that, never as (-1, 1)/sqrt(2)
 * because rounding made the second loading larger.
 */
#ifndef MLV_PCA_H
#define MLV_PCA_H

#include <stddef.h>
#include <stdint.h>

#include "moments.h"

typedef struct {
	size_t d;              /* input columns */
	size_t k;              /* components kept, 1 <= k <= d */
	int standardize;       /* 1 for STD-PCA, 0 for PCA */
	double total_variance; /* trace of the (scaled) covariance */
	float *mean;           /* d */
	float *scale;          /* d; all 1 unless standardize */
	float *components;     /* k x d, row-major, unit rows */
	float *variance;       /* k, decreasing */
} mlv_pca;

/* Allocate the arrays of a d x k fit (mean 0, scale 1, components and
 * variance 0), for a tool that loads a saved fit into them.  p must not
 * hold arrays (zeroed, or freed).  Dies only when memory runs out
 * (util.h's allocator).  Returns 0, or -1 (p zeroed) when k is 0 or
 * exceeds d. */
int mlv_pca_alloc(mlv_pca *p, size_t d, size_t k);
/* Free the arrays and zero the struct; a zeroed struct may be freed. */
void mlv_pca_free(mlv_pca *p);

/* How the components are found; all centre (and scale) the rows first.
 *   COVARIANCE  eigenvectors of the d x d covariance: exact, O(n d^2 + d^3)
 *               flops, O(d^2) memory whatever n; for narrow data.
 *   GRAM        eigenvectors u of the n x n Gram matrix B B^T of the
 *               centred rows B, mapped back as B^T u / sqrt(lambda): the
 *               same components in exact arithmetic, O(n^2 d) flops and
 *               O(n^2) memory; for wide data (n < d), k < n.
 *   RANDOMIZED  Halko, Martinsson and Tropp (2011), algorithm 4.4: a
 *               Gaussian test matrix of k + 10 columns (seeded), power
 *               iterations with QR re-orthonormalisation, then the exact
 *               SVD of the small projected matrix; O(n d (k + 10) q)
 *               flops, O((n + d) k) memory, approximate (the error decays
 *               with the spectral gap to the power 2q + 1); any shape,
 *               k <= min(n, d).
 *   AUTO        GRAM when n < d, n <= 4096 and k < n; else COVARIANCE
 *               when d <= 4096; else RANDOMIZED. */
typedef enum {
	MLV_PCA_AUTO, MLV_PCA_COVARIANCE, MLV_PCA_GRAM, MLV_PCA_RANDOMIZED
} mlv_pca_solver;

typedef struct {
	mlv_pca_solver solver;
	int power_iter;  /* RANDOMIZED: power iterations q (default 7) */
	uint64_t seed;   /* RANDOMIZED: the test matrix */
} mlv_pca_opts;

void mlv_pca_defaults(mlv_pca_opts *o);
/* 0, or -1 for a name that is none of auto, covariance, gram,
 * randomized. */
int mlv_pca_solver_parse(const char *name, mlv_pca_solver *s);
/* The solver AUTO means for n rows of d values and k components. */
mlv_pca_solver mlv_pca_solver_auto(size_t n, size_t d, size_t k);

/* Fit k components to the n x d rows of x (row-major) with the solver of
 * o (NULL: defaults, AUTO).  p must not hold arrays (zeroed, or freed);
 * on success it owns new ones, to be released with mlv_pca_free.
 * Returns 0, or -1 with a message in err (errlen bytes, may be 0) when
 * n < 2, k is 0 or exceeds d, a value is not finite, the solver cannot
 * give k components of this shape, or LAPACK fails. */
int mlv_pca_fit_opts(mlv_pca *p, const float *x, size_t n, size_t d,
                     size_t k, int standardize, const mlv_pca_opts *o,
                     char *err, size_t errlen);
/* mlv_pca_fit_opts with the defaults. */
int mlv_pca_fit(mlv_pca *p, const float *x, size_t n, size_t d, size_t k,
                int standardize, char *err, size_t errlen);

/* Fit k components to the merged statistics of rows (moments.h; with
 * cross products), exactly as mlv_pca_fit_opts's covariance solver fits
 * the rows themselves, up to rounding (see moments.h for the bound).  A
 * column is constant for STD-PCA when its minimum equals its maximum.
 * Returns 0, or -1 with a message as mlv_pca_fit_opts. */
int mlv_pca_fit_moments(mlv_pca *p, const mlv_moments *m, size_t k,
                        int standardize, char *err, size_t errlen);

/* Project n rows of p->d values onto the fit: y (n x p->k, row-major)
 * gets ((x - mean) / scale) . components^T.  x and y must not overlap. */
void mlv_pca_apply(const mlv_pca *p, const float *x, size_t n, float *y);

#endif
