/* simmat.h - similarity matrices, retrieval and novelty of row vectors.
 *
 * MusicLatentVIS (2020) §4.2 and tasks T2/T3: the cosine self-similarity
 * of a piece's 10-second segment latents, drawn as a heatmap, shows its
 * sections (squares on the diagonal) and repeats (off-diagonal stripes)
 * (after Foote, "Visualizing music and audio using self-similarity", ACM
 * Multimedia 1999); its aim is retrieval, "find music like this music".
 * This module computes such matrices between the rows of one matrix or of
 * two, streams them a band of rows at a time (a 20,000 x 20,000 float
 * matrix is 1.6 GB; a tool writes each band as it is produced instead of
 * holding the matrix), answers top-K queries without any N x N matrix,
 * and finds section boundaries with Foote's novelty.
 *
 * Every product goes through mlv_gemm_abt (cblas_sgemm) over fixed tiles
 * of rows x columns, so each value is computed by the same call whatever
 * the thread count: results are bitwise identical for any nthreads.
 * Inputs must be finite (checked: -1 otherwise).  Matrices are row-major
 * float32.  nthreads <= 0 means one thread per CPU; OpenBLAS's own
 * threading is switched off while these functions run, since our threads
 * already use every core.
 */
#ifndef MLV_SIMMAT_H
#define MLV_SIMMAT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	/* a.b / (|a| |b|), clamped to [-1, 1].  A zero row has cosine 0
	 * with every row, itself included.  On the diagonal of a
	 * self-similarity a nonzero row gets exactly 1. */
	MLV_SIM_COSINE,
	/* a.b, as sgemm computes it in float. */
	MLV_SIM_DOT,
	/* |a - b|, a distance (smaller is closer); exactly 0 on the
	 * diagonal of a self-similarity.  Computed as
	 * sqrt(max(0, |a|^2 + |b|^2 - 2 a.b)) in float, like mlv_knn, after
	 * centring both matrices on the mean of the second one's rows
	 * (which leaves distances alone and shrinks the cancellation): a
	 * distance near 0 carries an absolute error up to about 1e-3 of the
	 * centred rows' norms, e.g. two equal rows in a and b may come out
	 * 0.003 apart for rows of norm 3. */
	MLV_SIM_EUCLIDEAN,
	/* Pearson r between a and b across their d values: the cosine of
	 * the rows minus their own means, clamped to [-1, 1].  A constant
	 * row has correlation 0 with every row; on the diagonal of a
	 * self-similarity a non-constant row gets exactly 1. */
	MLV_SIM_CORRELATION
} mlv_sim_kind;

/* 0, or -1 for a name that is none of "cosine", "dot", "euclidean",
 * "correlation". */
int mlv_sim_parse(const char *name, mlv_sim_kind *kind);
/* The name mlv_sim_parse accepts; "?" for an unknown kind. */
const char *mlv_sim_name(mlv_sim_kind kind);
/* 1 when larger values mean closer (cosine, dot, correlation); 0 for the
 * euclidean distance. */
int mlv_sim_larger_is_closer(mlv_sim_kind kind);

/* ---- matrices ----------------------------------------------------- */

/* Receives rows [row0, row0 + nrows) of the na x nb matrix: nrows x nb
 * floats, row-major, contiguous, owned by the library and valid only
 * during the call.  Rows arrive in order, on the thread that called
 * mlv_simmat_stream, while the workers go on filling the next bands (up
 * to three bands are held; a band is at most 32 MB, or one row when a
 * row is bigger, and its size depends on nb and d, never on nthreads).
 * Return 0 to go on; any other value stops the computation and is
 * returned by mlv_simmat_stream (use a positive value, e.g. 1 for a
 * write error, to tell it from the library's -1). */
typedef int (*mlv_sim_rows_fn)(void *ctx, size_t row0, size_t nrows,
                               const float *rows, size_t nb);

/* S[i][j] = measure(a_i, b_j) for the na rows of a (na x da) and the nb
 * rows of b (nb x db), handed to fn band by band.  b == NULL means the
 * self-similarity of a (nb and db are then ignored: the matrix is
 * na x na).  na == 0 or nb == 0 produce no calls.
 * Returns 0; -1 with a message in err (errlen bytes, may be 0) for a bad
 * kind, zero width, da != db, a non-finite input value or more than
 * INT_MAX columns; or fn's nonzero return value. */
int mlv_simmat_stream(mlv_sim_kind kind, const float *a, size_t na,
                      size_t da, const float *b, size_t nb, size_t db,
                      int nthreads, mlv_sim_rows_fn fn, void *ctx,
                      char *err, size_t errlen);

/* The same into the caller's buffer out, na x nb (na x na for
 * b == NULL), row-major; out is written directly, without a band copy.
 * Also -1 when na * nb overflows size_t. */
int mlv_simmat(mlv_sim_kind kind, const float *a, size_t na, size_t da,
               const float *b, size_t nb, size_t db, float *out,
               int nthreads, char *err, size_t errlen);

/* ---- retrieval ---------------------------------------------------- */

/* For each of the nq query rows of q (nq x dq), its k closest rows of the
 * collection x (n x dx): idx and val are nq x k, closest first.  Closest
 * means the largest similarity for cosine, dot and correlation, and the
 * smallest distance for euclidean; values are computed as mlv_simmat
 * computes them (exact kNN like mlv_knn, on the same blocked products).
 * Equal values (as reported) are ordered by the lower index, so the
 * result does not depend on the thread count.  x == NULL means "find
 * rows like each row of q among the rows of q": the collection is q and
 * each query's own row is left out (duplicates of it are not).
 * Returns 0, or -1 with a message in err for a bad kind, zero width,
 * dq != dx, k == 0, k larger than the collection (n, or nq - 1 for
 * x == NULL), a collection of more than UINT32_MAX rows or a non-finite
 * input value. */
int mlv_sim_topk(mlv_sim_kind kind, const float *q, size_t nq, size_t dq,
                 const float *x, size_t n, size_t dx, size_t k,
                 uint32_t *idx, float *val, int nthreads, char *err,
                 size_t errlen);

/* ---- novelty and boundaries --------------------------------------- */

/* Foote's novelty (J. Foote, "Automatic audio segmentation using a
 * measure of audio novelty", ICME 2000) of an n x n self-similarity s
 * (larger = more similar, e.g. cosine): the correlation of a 2L x 2L
 * checkerboard kernel with s along its diagonal,
 *
 *   nov[i] = sum over a, b in [-L, L) of K(a, b) s[i+a][i+b],
 *   K(a, b) = sgn(a) sgn(b) g(a) g(b) / Z,   sgn(a) = a < 0 ? -1 : +1,
 *   g(a) = exp(-((a + 1/2) / sigma)^2 / 2),  Z = (sum of g over [-L, L))^2,
 *
 * so nov[i] compares the L rows before i with the L rows from i on: it
 * is high when each side is self-similar and unlike the other, i.e. when
 * a new section starts at row i (the same row a "boundary row" means
 * below).  Z makes the kernel's absolute values sum to 1, so for s in
 * [-1, 1] nov lies in [-1, 1] whatever L; an ideal boundary between two
 * uniform sections (1 within, 0 across) scores 1/2.
 * Zero padding: cells of s beyond the ends count as 0.  For a matrix of positive similarities this inflates the first
 * and last L rows (the outside looks like a section unlike everything):
 * nov[0] scores like half a boundary, and near the end the curve rises
 * toward the last row.  mlv_pick_peaks never reports the first or the
 * last row, which keeps these artefacts out of the boundaries.
 * L (half_width, in rows) sets the time scale: a section shorter than
 * L rows is blurred into its neighbours.  For 10-second segments of
 * pieces of a few minutes, L = 2 to 4 (20-40 s each side) resolves
 * sections of 20 s upwards; L = 8 suits only long pieces.  sigma is the
 * taper's standard deviation in rows; 0 means L / 2 (the kernel's edge
 * at two sigmas).  nov has n values.
 * Returns 0, or -1 with a message for L == 0, a negative or non-finite
 * sigma or a non-finite value of s within L of the diagonal. */
int mlv_novelty(const float *s, size_t n, size_t half_width, double sigma,
                float *nov, char *err, size_t errlen);

/* Peaks of a curve x of n values, e.g. boundary rows from mlv_novelty.
 * The rule, exactly:
 *  1. Only rows 1 .. n-2 can be peaks (a peak needs a neighbour on each
 *     side; novelty at the ends is padding artefact).  lo and hi are the
 *     minimum and maximum of x over those rows.
 *  2. A run of equal values x[s..e] (s <= e) is a local maximum when
 *     x[s-1] < x[s] and x[e+1] < x[e]; its peak row is (s + e) / 2
 *     (rounded down).  So a flat curve has no peaks.
 *  3. The peak is kept when x[peak] >= lo + rel * (hi - lo), rel in
 *     [0, 1] (0: every local maximum; 1: only the highest).
 *  4. Minimum distance: peaks are visited by value, highest first (equal
 *     values: lower row first), and one closer than min_dist rows to a
 *     peak already kept (|i - j| < min_dist) is dropped (min_dist 0 or 1:
 *     no constraint).
 * peaks receives the kept rows in increasing order (room for n / 2
 * values is enough), *npeaks their number.  For the novelty of
 * 10-second segments, rel = 0.2 and min_dist = 2 (no section shorter
 * than 20 s) are a reasonable start: on the sections test corpus
 * (spectral features of 21-24 segments per piece) L = 2 to 4 with
 * rel 0.1 to 0.3 found every boundary to the segment.  Returns 0, or -1 with a
 * message for rel outside [0, 1], a non-finite value in x, or n above
 * UINT32_MAX. */
int mlv_pick_peaks(const float *x, size_t n, double rel, size_t min_dist,
                   uint32_t *peaks, size_t *npeaks, char *err,
                   size_t errlen);

/* Sort k (distance, row) pairs by distance, equal distances by row: the
 * order mlv_sim_topk returns euclidean neighbours in. */
void mlv_sort_distances(float *val, uint32_t *idx, size_t k);

#endif
