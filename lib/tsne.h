/* tsne.h - t-distributed stochastic neighbour embedding in 2-D.
 *
 * t-SNE (van der Maaten and Hinton, JMLR 2008) as MusicLatentVIS and
 * music-explore use it to draw latent spaces, with the choices of today's
 * fast implementations (bhtsne, openTSNE, FIt-SNE):
 *   - input affinities on each point's floor(3 * perplexity) nearest
 *     neighbours (mlv_knn_self: exact, or NN-descent for large N), each row's Gaussian calibrated to the
 *     perplexity, then symmetrised and normalised to sum 1;
 *   - gradient descent with early exaggeration, momentum and the
 *     delta-bar-delta gains of bhtsne;
 *   - repulsion exact in O(N^2) for small N, and for large N by the
 *     FFT-accelerated interpolation of FIt-SNE (Linderman, Rachh,
 *     Hoskins, Steinerberger and Kluger, Nature Methods 16, 2019): the
 *     kernel sums over all pairs become convolutions on an equispaced grid
 *     of interpolation nodes, done with KissFFT, in O(N + G log G).
 * The map is always 2-D.  Everything is deterministic for a given seed and
 * thread count (with exact neighbours, for a seed alone: no result then
 * depends on how the work is split among threads).
 *
 * Iteration count: n_iter counts all iterations, the early-exaggeration
 * ones included, as scikit-learn, bhtsne/Rtsne and FIt-SNE count their
 * 1000 (openTSNE runs 250 + 500 instead).
 *
 * Accuracy of the FFT method: fft_nodes and fft_box are FIt-SNE's
 * n_interpolation_points and 1 / intervals_per_integer, with its defaults
 * (3 and 1).  The repulsion is then accurate to about 3% on a converged
 * map of 10,000 points (to 1e-3 or better while the map is small), which
 * costs a little of the optimum.  On the peers' 10,000-point mixture
 * (KL, KNN10, TRUST10, CPU seconds):
 *   defaults                   1.698  0.397  0.9961   7
 *   fft_box 0.7 (2x the grid)  1.616  0.410  0.9964  14
 *   fft_nodes 5 (2.8x)         1.559  0.415  0.9965  22
 *   scikit-learn 1.2.1         1.546  0.416  0.9965  72 (Barnes-Hut; its KL)
 *
 * Units of the learning rate: those of bhtsne, openTSNE and FIt-SNE,
 * whose update omits the factor 4 of the gradient (eq. 5 of the paper);
 * scikit-learn's learning rate is 4 times smaller for the same step.  The
 * gradient functions below return the true gradient, factor 4 included.
 */
#ifndef MLV_TSNE_H
#define MLV_TSNE_H

#include <stddef.h>
#include <stdint.h>

#include "knn.h"

typedef enum {
	MLV_TSNE_AUTO,  /* exact up to opts.exact_max points, FFT beyond */
	MLV_TSNE_EXACT, /* O(N^2) repulsion per iteration */
	MLV_TSNE_FFT    /* FIt-SNE interpolation */
} mlv_tsne_method;

typedef enum {
	MLV_TSNE_INIT_PCA,    /* first 2 principal components of x, scaled so
	                       * the first has std 1e-4 (openTSNE); random
	                       * when x has 1 column or no spread */
	MLV_TSNE_INIT_RANDOM, /* N(0, 1e-4^2) from the seed (bhtsne, FIt-SNE) */
	MLV_TSNE_INIT_GIVEN   /* start from the n x 2 values in y */
} mlv_tsne_init;

/* Called after every iteration; iter counts from 1 to n_iter.  kl is the
 * KL divergence of the map before that iteration's step, computed every
 * kl_every iterations and at the last one, and NaN otherwise. */
typedef void (*mlv_tsne_progress_fn)(void *ctx, int iter, int n_iter,
                                     double kl);

typedef struct {
	double perplexity;         /* 30; at least 1, below N - 1 */
	double early_exaggeration; /* 12 */
	int early_iter;            /* 250 iterations of it */
	int n_iter;                /* 1000 in all, early ones included */
	double exaggeration;       /* 1 after the early phase */
	double learning_rate;      /* 0: max(N / early_exaggeration, 50) */
	double momentum_early;     /* 0.5 during early exaggeration */
	double momentum;           /* 0.8 after */
	mlv_tsne_init init;        /* MLV_TSNE_INIT_PCA */
	mlv_tsne_method method;    /* MLV_TSNE_AUTO */
	size_t exact_max;          /* 1000: AUTO's limit for exact */
	mlv_knn_search knn;        /* MLV_KNN_AUTO: the neighbour search */
	uint64_t seed;             /* 0; random init and ANN */
	int nthreads;              /* 0: all cores */
	int kl_every;              /* 50 */
	int fft_nodes;             /* 3 interpolation nodes per box side, 2..8 */
	double fft_box;            /* 1: box side in map units */
	mlv_tsne_progress_fn progress; /* NULL: none */
	void *progress_ctx;
} mlv_tsne_opts;

void mlv_tsne_defaults(mlv_tsne_opts *o);

/* Points a perplexity needs: its floor(3 perplexity) neighbours of each
 * point and one more point, so that the perplexity stays below N - 1. */
size_t mlv_tsne_min_points(double perplexity);
/* The largest perplexity n points allow, 3 perplexity < n - 1 (Rtsne's
 * and openTSNE's checks, strict since floor(3 perplexity) neighbours
 * besides the point itself must exist), in whole hundredths so that the
 * value printed is the value used; 0 when even perplexity 1 needs more
 * points. */
double mlv_tsne_max_perplexity(size_t n);

/* Embed the n x d rows of x into y (n x 2, row-major float), centred on
 * the origin.  *kl (may be NULL) gets the final KL divergence.
 * Memory, with K = floor(3 perplexity) and the symmetrised P holding
 * about 1.4 K entries a row (2 K at most): 12 K + 8 * 1.4 K bytes a point
 * at the peak of the affinity step (kNN, conditional P, partner values,
 * CSR), then 8 * 1.4 K + 136 bytes a point while optimising, plus the FFT
 * grid (under 20 MB for maps up to 500 units wide, 0.6 GB at the most).
 * For perplexity 30 that is about 2.1 GB at 10^6 points (2.5 GB if every
 * neighbourhood were one-sided); 100,000 points measured 222 MB.
 * Returns 0, or -1 with a message in err for bad options, too few points
 * for the perplexity, or a value in x that is not finite. */
int mlv_tsne_run(const float *x, size_t n, size_t d,
                 const mlv_tsne_opts *o, float *y, double *kl, char *err,
                 size_t errlen);

/* ---- the steps, for tests and for tools that reuse them ---- */

/* Symmetric affinities as a sparse matrix in CSR form: row i holds
 * val[row[i] .. row[i+1]) at columns col[...]; p_ij = p_ji, no diagonal,
 * the values sum to 1. */
typedef struct {
	size_t n;
	size_t *row;   /* n + 1 */
	uint32_t *col; /* row[n] */
	float *val;    /* row[n] */
} mlv_tsne_p;

/* Calibrate each row of dist (n x k Euclidean distances to neighbours,
 * nearest first, as mlv_knn gives) into conditional probabilities p (n x
 * k, may be dist itself): p_j|i proportional to exp(-beta_i d_ij^2) with
 * beta_i found so that the row's entropy (natural log) is
 * log(perplexity) within 1e-5.  Returns the number of rows for which that
 * entropy cannot be reached (k < perplexity, or too many ties at the
 * nearest distance); those rows get the closest attainable one. */
size_t mlv_tsne_calibrate(const float *dist, size_t n, size_t k,
                          double perplexity, float *p, int nthreads);

/* Affinities of the n x d rows of x for a perplexity: kNN, calibration,
 * (P + P^T) / sum.  P must be released with mlv_tsne_p_free.  Returns 0,
 * or -1 with a message in err. */
int mlv_tsne_affinities(const float *x, size_t n, size_t d,
                        double perplexity, int nthreads, mlv_tsne_p *P,
                        char *err, size_t errlen);
/* The same with the neighbours found by search (knn.h; mlv_tsne_affinities
 * is MLV_KNN_EXACT). */
int mlv_tsne_affinities_knn(const float *x, size_t n, size_t d,
                            double perplexity, mlv_knn_search search,
                            uint64_t seed, int nthreads, mlv_tsne_p *P,
                            char *err, size_t errlen);
void mlv_tsne_p_free(mlv_tsne_p *P);

/* Gradient workspace for maps of n points: buffers for the forces and, for
 * the FFT method, the interpolation grid and KissFFT plans, grown as the
 * map spreads and reused every iteration.  Of the options it takes the
 * method (AUTO decided by n), nthreads, fft_nodes and fft_box. */
typedef struct mlv_tsne_grad mlv_tsne_grad;
mlv_tsne_grad *mlv_tsne_grad_new(size_t n, const mlv_tsne_opts *o);
void mlv_tsne_grad_free(mlv_tsne_grad *g);

/* grad (n x 2) = dKL(P || Q)/dy at the map y (n x 2, row-major; n of
 * the workspace and of P), with the attraction multiplied by
 * exaggeration:
 *   4 sum_j (exaggeration p_ij - q_ij) (1 + |y_i - y_j|^2)^-1 (y_i - y_j).
 * The attraction is summed in float SIMD lanes (relative error about
 * 1e-6 of each term), the repulsion exactly in double or by the FFT.
 * Returns Z = sum_{i != j} (1 + |y_i - y_j|^2)^-1, q_ij's normaliser. */
double mlv_tsne_gradient(mlv_tsne_grad *g, const mlv_tsne_p *P,
                         const double *y, double exaggeration, double *grad);

/* KL(P || Q) = sum p_ij log(p_ij / q_ij) over the stored p_ij, for the
 * map y whose normaliser is z (from mlv_tsne_gradient). */
double mlv_tsne_kl(const mlv_tsne_p *P, const double *y, double z,
                   int nthreads);

#endif
