/* simmat.c - see simmat.h */
#include "simmat.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "pool.h"
#include "stats.h"
#include "util.h"

static const char *const sim_names[] = {
	[MLV_SIM_COSINE] = "cosine",
	[MLV_SIM_DOT] = "dot",
	[MLV_SIM_EUCLIDEAN] = "euclidean",
	[MLV_SIM_CORRELATION] = "correlation",
};
#define NKINDS (sizeof sim_names / sizeof sim_names[0])

int
mlv_sim_parse(const char *name, mlv_sim_kind *kind)
{
	for (size_t i = 0; name && i < NKINDS; i++)
		if (!strcmp(name, sim_names[i])) {
			*kind = (mlv_sim_kind)i;
			return 0;
		}
	return -1;
}

const char *
mlv_sim_name(mlv_sim_kind kind)
{
	return (size_t)kind < NKINDS ? sim_names[kind] : "?";
}

int
mlv_sim_larger_is_closer(mlv_sim_kind kind)
{
	return kind != MLV_SIM_EUCLIDEAN;
}

/* ---- preparing the rows ------------------------------------------- */

/* 0, or -1 naming the first non-finite value of n x d. */
static int
check_finite(const float *x, size_t n, size_t d, const char *what,
             char *err, size_t errlen)
{
	size_t i, j;
	if (mlv_find_nonfinite(x, n, d, &i, &j))
		return mlv_errf(err, errlen, "%srow %zu column %zu: non-finite "
		                "value (%g)", what, i, j, (double)x[i * d + j]);
	return 0;
}

/* Rows scaled to unit length (after subtracting each row's own mean when
 * centre is set: Pearson's r is the cosine of the centred rows).  Norms
 * and means are taken in double so that the diagonal of the product is 1
 * to float rounding.  live[i] = 1 for a row that was not all zeros (after
 * centring), 0 for one left at zero. */
static void
unit_rows(const float *x, size_t n, size_t d, int centre, float *out,
          float *live)
{
	for (size_t i = 0; i < n; i++) {
		const float *r = x + i * d;
		double mean = 0, s = 0;
		if (centre) {
			for (size_t j = 0; j < d; j++)
				mean += r[j];
			mean /= (double)d;
		}
		for (size_t j = 0; j < d; j++)
			s += (r[j] - mean) * (r[j] - mean);
		double inv = s > 0 ? 1 / sqrt(s) : 0;
		for (size_t j = 0; j < d; j++)
			out[i * d + j] = (float)((r[j] - mean) * inv);
		live[i] = s > 0;
	}
}

static void
centre_rows(const float *x, size_t n, size_t d, const double *mean,
            float *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			out[i * d + j] = (float)(x[i * d + j] - mean[j]);
}

/* What the products run on: the caller's rows (dot) or prepared copies,
 * with what the finishing pass needs. */
typedef struct {
	mlv_sim_kind kind;
	size_t na, nb, d;
	int self;
	const float *a, *b;   /* na x d, nb x d (b == a for self) */
	float *abuf, *bbuf;   /* copies we own, or NULL */
	float *an2, *bn2;     /* euclidean: squared norms of the rows */
	float *alive;         /* cosine/correlation: 1 for a nonzero row */
} prepared;

static void
prepared_free(prepared *p)
{
	free(p->abuf);
	free(p->bbuf);
	free(p->an2);
	if (p->bn2 != p->an2)
		free(p->bn2);
	free(p->alive);
	memset(p, 0, sizeof *p);
}

/* Check the arguments and prepare the rows.  b == NULL: self.  aname and
 * bname name the two matrices in messages. */
static int
prepare(prepared *p, mlv_sim_kind kind, const float *a, size_t na,
        size_t da, const float *b, size_t nb, size_t db, const char *aname,
        const char *bname, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if ((size_t)kind >= NKINDS)
		return mlv_errf(err, errlen, "unknown similarity measure %d",
		            (int)kind);
	int self = b == NULL;
	if (self) {
		b = a;
		nb = na;
		db = da;
	}
	if (da == 0 || db == 0)
		return mlv_errf(err, errlen, "zero width: rows of %zu and %zu values",
		            da, db);
	if (da != db)
		return mlv_errf(err, errlen, "width mismatch: rows of %zu and %zu "
		            "values", da, db);
	if (da > INT_MAX)
		return mlv_errf(err, errlen, "rows of %zu values: more than %d", da,
		            INT_MAX);
	size_t d = da, asz, bsz;
	if (mlv_checked_mul(na, d, &asz) || mlv_checked_mul(asz, sizeof(float),
	    &asz) || mlv_checked_mul(nb, d, &bsz) ||
	    mlv_checked_mul(bsz, sizeof(float), &bsz))
		return mlv_errf(err, errlen, "%zu and %zu rows of %zu values: size "
		            "overflows", na, nb, d);
	if (check_finite(a, na, d, self ? "" : aname, err, errlen) ||
	    (!self && check_finite(b, nb, d, bname, err, errlen)))
		return -1;

	*p = (prepared){.kind = kind, .na = na, .nb = nb, .d = d,
	                .self = self, .a = a, .b = b};
	switch (kind) {
	case MLV_SIM_DOT:
		break;
	case MLV_SIM_COSINE:
	case MLV_SIM_CORRELATION: {
		int centre = kind == MLV_SIM_CORRELATION;
		p->abuf = mlv_malloc(asz ? asz : 1);
		p->alive = mlv_malloc((na ? na : 1) * sizeof(float));
		unit_rows(a, na, d, centre, p->abuf, p->alive);
		p->a = p->b = p->abuf;
		if (!self) {
			float *scratch = mlv_malloc((nb ? nb : 1) * sizeof(float));
			p->bbuf = mlv_malloc(bsz ? bsz : 1);
			unit_rows(b, nb, d, centre, p->bbuf, scratch);
			free(scratch);
			p->b = p->bbuf;
		}
		break;
	}
	case MLV_SIM_EUCLIDEAN: {
		/* |q|^2 + |x|^2 - 2 q.x loses the small distances to
		 * cancellation when the norms are large; moving the origin
		 * to the collection's mean shrinks the norms and leaves the
		 * distances alone. */
		double *mean = mlv_malloc(d * sizeof(double));
		mlv_column_means(b, nb, d, mean);
		p->abuf = mlv_malloc(asz ? asz : 1);
		centre_rows(a, na, d, mean, p->abuf);
		p->an2 = mlv_malloc((na ? na : 1) * sizeof(float));
		mlv_row_norms2(p->abuf, na, d, p->an2);
		p->a = p->b = p->abuf;
		p->bn2 = p->an2;
		if (!self) {
			p->bbuf = mlv_malloc(bsz ? bsz : 1);
			centre_rows(b, nb, d, mean, p->bbuf);
			p->bn2 = mlv_malloc((nb ? nb : 1) * sizeof(float));
			mlv_row_norms2(p->bbuf, nb, d, p->bn2);
			p->b = p->bbuf;
		}
		free(mean);
		break;
	}
	}
	return 0;
}

/* ---- matrices ----------------------------------------------------- */

/* The matrix is cut into fixed tiles of tr rows x TILE_C columns; each
 * tile is one sgemm call followed by its finishing pass while it is still
 * in cache, and the tile grid depends only on d and nb, so which thread
 * computes a tile never changes a value.  Tall tiles amortise OpenBLAS's
 * packing of the b rows (packed once per call, reused for every row of
 * the tile). */
#define TILE_C 2048
/* A band (rows handed to the callback together) is at most this big. */
#define BAND_BYTES ((size_t)32 << 20)
/* Bands in flight: the callback writes one while the workers fill the
 * others, so computing overlaps writing. */
#define NSLOT 3

static size_t
tile_rows(size_t d, size_t nb)
{
	/* Narrow rows: writing the output is the cost, and a 64 x 2048 tile
	 * (512 KB) is still in L2 for its finishing pass.  Wide rows:
	 * packing costs about d floats per column and call, the product
	 * tr * d multiply-adds per column, so taller tiles pay better. */
	size_t tr = d <= 64 ? 64 : 256;
	size_t cap = BAND_BYTES / (nb * sizeof(float));
	return cap < 1 ? 1 : cap < tr ? cap : tr;
}

typedef struct {
	const prepared *p;
	size_t tr, tc, ntc;   /* tile shape; column tiles per row of tiles */
} grid;

static void
finish_tile(const prepared *p, float *c, size_t i0, size_t m, size_t j0,
            size_t n, size_t ld)
{
	switch (p->kind) {
	case MLV_SIM_DOT:
		break;
	case MLV_SIM_COSINE:
	case MLV_SIM_CORRELATION:
		/* |a.b| of unit rows can exceed 1 by rounding.  Written so
		 * the compiler emits minps/maxps. */
		for (size_t i = 0; i < m; i++) {
			float *row = c + i * ld;
			for (size_t j = 0; j < n; j++) {
				float v = row[j];
				v = v < 1 ? v : 1;
				row[j] = v > -1 ? v : -1;
			}
		}
		break;
	case MLV_SIM_EUCLIDEAN:
		for (size_t i = 0; i < m; i++) {
			float *row = c + i * ld;
			float ai = p->an2[i0 + i];
			const float *bj = p->bn2 + j0;
			for (size_t j = 0; j < n; j++) {
				float v = ai + bj[j] + row[j];
				row[j] = v > 0 ? sqrtf(v) : 0;
			}
		}
		break;
	}
	if (!p->self || p->kind == MLV_SIM_DOT)
		return;
	/* The diagonal exactly: 1 (0 for a zero row) or distance 0. */
	for (size_t i = i0; i < i0 + m; i++)
		if (i >= j0 && i < j0 + n)
			c[(i - i0) * ld + (i - j0)] = p->kind == MLV_SIM_EUCLIDEAN ?
			        0 : p->alive[i];
}

/* Tile t of the grid (rows of tiles first) into dst, which holds row r0
 * of the matrix and the rows after it, nb apart. */
static void
compute_tile(const grid *g, size_t t, float *dst, size_t r0)
{
	const prepared *p = g->p;
	size_t i0 = t / g->ntc * g->tr, j0 = t % g->ntc * g->tc;
	size_t m = p->na - i0 < g->tr ? p->na - i0 : g->tr;
	size_t n = p->nb - j0 < g->tc ? p->nb - j0 : g->tc;
	float *c = dst + (i0 - r0) * p->nb + j0;
	float alpha = p->kind == MLV_SIM_EUCLIDEAN ? -2.0f : 1.0f;
	mlv_gemm_abt(p->a + i0 * p->d, p->b + j0 * p->d, c, m, n, p->d, p->nb,
	             alpha, 0.0f);
	finish_tile(p, c, i0, m, j0, n, p->nb);
}

static void
buffer_tiles(void *ctx, size_t begin, size_t end, int thread)
{
	void **args = ctx;
	(void)thread;
	for (size_t t = begin; t < end; t++)
		compute_tile(args[0], t, args[1], 0);
}

/* The streaming pipeline.  pool.h's mlv_parallel_for starts its threads
 * afresh on every call; a band of a 16-column input takes well under a
 * millisecond, so per-band thread starts would cost more than the
 * products.  Here nthreads workers live for the whole matrix and take
 * tiles in order from a shared counter, running up to NSLOT bands ahead
 * of the calling thread, which hands finished bands to the callback in
 * order. */
typedef struct {
	const grid *g;
	size_t band_tiles;    /* tiles per band: whole rows of tiles */
	size_t ntiles;        /* in the matrix */
	size_t band_rows;
	float *slot[NSLOT];
	pthread_mutex_t mu;
	pthread_cond_t work_cv;  /* a worker waits for a free slot */
	pthread_cond_t done_cv;  /* the caller waits for a finished band */
	size_t next;             /* next tile to hand out */
	size_t consumed;         /* bands given to the callback */
	size_t done[NSLOT];      /* tiles finished of the band in each slot */
	int stop;
} pipeline;

static size_t
band_ntiles(const pipeline *pl, size_t band)
{
	size_t t0 = band * pl->band_tiles;
	return pl->ntiles - t0 < pl->band_tiles ? pl->ntiles - t0 :
	       pl->band_tiles;
}

static void *
pipeline_worker(void *arg)
{
	pipeline *pl = arg;
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		while (!pl->stop && pl->next < pl->ntiles &&
		       pl->next / pl->band_tiles >= pl->consumed + NSLOT)
			pthread_cond_wait(&pl->work_cv, &pl->mu);
		if (pl->stop || pl->next >= pl->ntiles)
			break;
		size_t t = pl->next++, band = t / pl->band_tiles;
		pthread_mutex_unlock(&pl->mu);
		compute_tile(pl->g, t, pl->slot[band % NSLOT],
		             band * pl->band_rows);
		pthread_mutex_lock(&pl->mu);
		if (++pl->done[band % NSLOT] == band_ntiles(pl, band))
			pthread_cond_signal(&pl->done_cv);
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

static int
stream_bands(const grid *g, int nthreads, mlv_sim_rows_fn fn, void *ctx,
             char *err, size_t errlen)
{
	const prepared *p = g->p;
	pipeline pl = {.g = g, .ntiles = (p->na + g->tr - 1) / g->tr * g->ntc};
	/* Bands of whole rows of tiles, several tiles each when nb is
	 * narrow, within BAND_BYTES when it is wide. */
	size_t row_bytes = p->nb * sizeof(float);
	size_t rows_cap = BAND_BYTES / row_bytes / g->tr;
	size_t rows_want = (8 + g->ntc - 1) / g->ntc;
	size_t trows = rows_want < rows_cap ? rows_want : rows_cap;
	trows = trows ? trows : 1;
	pl.band_tiles = trows * g->ntc;
	pl.band_rows = trows * g->tr;
	size_t nbands = (pl.ntiles + pl.band_tiles - 1) / pl.band_tiles;
	size_t nslot = nbands < NSLOT ? nbands : NSLOT;
	size_t band_size = mlv_mul_size(pl.band_rows < p->na ? pl.band_rows :
	                                p->na, row_bytes, "similarity band");
	for (size_t s = 0; s < nslot; s++)
		pl.slot[s] = mlv_malloc(band_size);
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.work_cv, NULL);
	pthread_cond_init(&pl.done_cv, NULL);
	pthread_t *tid = mlv_calloc((size_t)nthreads, sizeof *tid);
	int started = 0, rc = 0;
	for (; started < nthreads; started++) {
		int e = pthread_create(&tid[started], NULL, pipeline_worker, &pl);
		if (e) {
			rc = mlv_errf(err, errlen, "cannot start thread %d of %d (%s)",
			          started + 1, nthreads, strerror(e));
			break;
		}
	}
	for (size_t b = 0; b < nbands && !rc; b++) {
		pthread_mutex_lock(&pl.mu);
		while (pl.done[b % NSLOT] < band_ntiles(&pl, b))
			pthread_cond_wait(&pl.done_cv, &pl.mu);
		pthread_mutex_unlock(&pl.mu);
		size_t r0 = b * pl.band_rows;
		size_t nr = p->na - r0 < pl.band_rows ? p->na - r0 : pl.band_rows;
		rc = fn(ctx, r0, nr, pl.slot[b % NSLOT], p->nb);
		pthread_mutex_lock(&pl.mu);
		pl.done[b % NSLOT] = 0;
		pl.consumed = b + 1;
		pthread_cond_broadcast(&pl.work_cv);
		pthread_mutex_unlock(&pl.mu);
	}
	pthread_mutex_lock(&pl.mu);
	pl.stop = 1;
	pthread_cond_broadcast(&pl.work_cv);
	pthread_mutex_unlock(&pl.mu);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	pthread_cond_destroy(&pl.done_cv);
	pthread_cond_destroy(&pl.work_cv);
	pthread_mutex_destroy(&pl.mu);
	for (size_t s = 0; s < nslot; s++)
		free(pl.slot[s]);
	return rc;
}

static int
simmat_run(mlv_sim_kind kind, const float *a, size_t na, size_t da,
           const float *b, size_t nb, size_t db, float *out,
           mlv_sim_rows_fn fn, void *ctx, int nthreads, char *err,
           size_t errlen)
{
	prepared p;
	if (prepare(&p, kind, a, na, da, b, nb, db, "first matrix: ",
	            "second matrix: ", err, errlen))
		return -1;
	int rc = 0;
	if (p.na == 0 || p.nb == 0)
		goto done;
	if (p.nb > INT_MAX) {
		rc = mlv_errf(err, errlen, "%zu columns: more than %d", p.nb, INT_MAX);
		goto done;
	}
	if (out && mlv_checked_mul(p.na, p.nb, &(size_t){0})) {
		rc = mlv_errf(err, errlen, "%zu x %zu matrix: size overflows", p.na,
		          p.nb);
		goto done;
	}
	nthreads = mlv_threads(nthreads);
	grid g = {.p = &p, .tr = tile_rows(p.d, p.nb), .tc = TILE_C};
	g.ntc = (p.nb + g.tc - 1) / g.tc;
	int blas = mlv_blas_single_thread();
	if (out) {
		void *args[2] = {&g, out};
		mlv_parallel_for((p.na + g.tr - 1) / g.tr * g.ntc, nthreads,
		                 buffer_tiles, args);
	} else {
		rc = stream_bands(&g, nthreads, fn, ctx, err, errlen);
	}
	mlv_blas_restore(blas);
done:
	prepared_free(&p);
	return rc;
}

int
mlv_simmat_stream(mlv_sim_kind kind, const float *a, size_t na, size_t da,
                  const float *b, size_t nb, size_t db, int nthreads,
                  mlv_sim_rows_fn fn, void *ctx, char *err, size_t errlen)
{
	if (!fn)
		return mlv_errf(err, errlen, "no callback for the rows");
	return simmat_run(kind, a, na, da, b, nb, db, NULL, fn, ctx, nthreads,
	                  err, errlen);
}

int
mlv_simmat(mlv_sim_kind kind, const float *a, size_t na, size_t da,
           const float *b, size_t nb, size_t db, float *out, int nthreads,
           char *err, size_t errlen)
{
	if (!out)
		return mlv_errf(err, errlen, "no output buffer");
	return simmat_run(kind, a, na, da, b, nb, db, out, NULL, NULL,
	                  nthreads, err, errlen);
}

/* ---- retrieval ---------------------------------------------------- */

typedef struct {
	const prepared *p;
	size_t k;
	uint32_t *idx;
	float *val;
} topk_ctx;

/* (v, j) ranks before (bv, bj): larger value, then lower index.  The
 * placeholders (-inf, UINT32_MAX) rank after every real candidate, even
 * a dot product that overflowed to -inf. */
static int
before(float v, uint32_t j, float bv, uint32_t bj)
{
	return v > bv || (v == bv && j < bj);
}

void
mlv_sort_distances(float *val, uint32_t *idx, size_t k)
{
	/* Insertion sort: the lists are short and nearly sorted already. */
	for (size_t s = 1; s < k; s++)
		for (size_t t = s; t > 0 && (val[t] < val[t - 1] ||
		     (val[t] == val[t - 1] && idx[t] < idx[t - 1])); t--) {
			float v = val[t];
			val[t] = val[t - 1];
			val[t - 1] = v;
			uint32_t i = idx[t];
			idx[t] = idx[t - 1];
			idx[t - 1] = i;
		}
}

/* The k distances of query q found by |q|^2 + |x|^2 - 2 q.x, recomputed
 * from the differences in double: the expansion loses about
 * FLT_EPSILON * |x|^2 to cancellation, which shows as a distance of
 * 0.004 between identical rows of norm 10.  The order is restored
 * (ties by index) since exact values can swap near neighbours. */
static void
exact_distances(const prepared *p, size_t q, size_t k, uint32_t *idx,
                float *val)
{
	const float *a = p->a + q * p->d;
	for (size_t s = 0; s < k; s++) {
		const float *b = p->b + (size_t)idx[s] * p->d;
		double sum = 0;
		for (size_t j = 0; j < p->d; j++) {
			double e = (double)a[j] - b[j];
			sum += e * e;
		}
		val[s] = (float)sqrt(sum);
	}
	mlv_sort_distances(val, idx, k);
}

/* Lists are kept as scores, larger = closer: the similarity itself, or
 * minus the distance, so one selection serves every measure.  Scores are
 * the values the caller gets (clamped cosines, square-rooted distances),
 * so equal reported values are ordered by index. */
static void
topk_begin(void *vctx, size_t q0, size_t qn)
{
	topk_ctx *c = vctx;
	for (size_t i = 0; i < qn * c->k; i++) {
		c->val[q0 * c->k + i] = -INFINITY;
		c->idx[q0 * c->k + i] = UINT32_MAX;
	}
}

static void
topk_tile(void *vctx, size_t q0, size_t qn, size_t p0, size_t pn,
          float *dots)
{
	topk_ctx *c = vctx;
	const prepared *p = c->p;
	size_t k = c->k;
	int eucl = p->kind == MLV_SIM_EUCLIDEAN;
	if (p->kind == MLV_SIM_COSINE || p->kind == MLV_SIM_CORRELATION)
		finish_tile(p, dots, q0, qn, p0, pn, pn);
	for (size_t i = 0; i < qn; i++) {
		float *best = c->val + (q0 + i) * k;
		uint32_t *bidx = c->idx + (q0 + i) * k;
		const float *row = dots + i * pn;
		float an2 = eucl ? p->an2[q0 + i] : 0;
		for (size_t j = 0; j < pn; j++) {
			uint32_t jj = (uint32_t)(p0 + j);
			float v = row[j];
			if (eucl) {
				/* Points come in increasing index, so a candidate
				 * must beat the k-th distance t strictly: d2 > t*t
				 * (with a margin for rounding) cannot, and skips the
				 * sqrt. */
				float d2 = an2 + p->bn2[jj] + v, t = -best[k - 1];
				if (bidx[k - 1] != UINT32_MAX && d2 > t * t * (1 + 1e-6f))
					continue;
				v = d2 > 0 ? -sqrtf(d2) : 0;
			}
			if (!before(v, jj, best[k - 1], bidx[k - 1]) ||
			    (p->self && jj == q0 + i))
				continue;
			size_t pos = k - 1;
			while (pos > 0 && before(v, jj, best[pos - 1], bidx[pos - 1])) {
				best[pos] = best[pos - 1];
				bidx[pos] = bidx[pos - 1];
				pos--;
			}
			best[pos] = v;
			bidx[pos] = jj;
		}
	}
}

static void
topk_end(void *vctx, size_t q0, size_t qn)
{
	topk_ctx *c = vctx;
	if (c->p->kind == MLV_SIM_EUCLIDEAN)
		for (size_t i = 0; i < qn; i++)
			exact_distances(c->p, q0 + i, c->k, c->idx + (q0 + i) * c->k,
			                c->val + (q0 + i) * c->k);
}

int
mlv_sim_topk(mlv_sim_kind kind, const float *q, size_t nq, size_t dq,
             const float *x, size_t n, size_t dx, size_t k, uint32_t *idx,
             float *val, int nthreads, char *err, size_t errlen)
{
	int self = x == NULL;
	size_t coll = self ? nq : n;
	if ((size_t)kind >= NKINDS)
		return mlv_errf(err, errlen, "unknown similarity measure %d",
		            (int)kind);
	if (k == 0)
		return mlv_errf(err, errlen, "k is 0: nothing to retrieve");
	if (coll > UINT32_MAX)
		return mlv_errf(err, errlen, "collection of %zu rows: more than %u",
		            coll, (unsigned)UINT32_MAX);
	size_t avail = self ? (coll ? coll - 1 : 0) : coll;
	if (k > avail)
		return mlv_errf(err, errlen, "k = %zu but the collection has %zu "
		            "rows%s", k, avail, self ? " besides the query" : "");
	prepared p;
	if (prepare(&p, kind, q, nq, dq, x, n, dx, "queries: ", "collection: ",
	            err, errlen))
		return -1;
	topk_ctx c = {.p = &p, .k = k, .idx = idx, .val = val};
	mlv_blocked_abt(p.a, p.na, p.b, p.nb, p.d,
	                kind == MLV_SIM_EUCLIDEAN ? -2.0f : 1.0f, nthreads,
	                topk_begin, topk_tile, topk_end, &c);
	prepared_free(&p);
	return 0;
}

/* ---- novelty and peaks -------------------------------------------- */

int
mlv_novelty(const float *s, size_t n, size_t half_width, double sigma,
            float *nov, char *err, size_t errlen)
{
	size_t L = half_width;
	if (L == 0)
		return mlv_errf(err, errlen, "novelty kernel of half-width 0");
	if (!(sigma >= 0) || isinf(sigma))
		return mlv_errf(err, errlen, "novelty taper sigma %g: must be finite "
		            "and >= 0", sigma);
	if (sigma == 0)
		sigma = (double)half_width / 2;
	/* w[t], t = 0 .. 2L-1 for offset t - L: sign times taper.  The taper
	 * is divided by its value at the two central offsets, so a tiny
	 * sigma cannot underflow every weight to 0. */
	double *w = mlv_malloc(2 * L * sizeof(double));
	double sum = 0;
	for (size_t t = 0; t < 2 * L; t++) {
		double o = (double)t - (double)L + 0.5;
		double g = exp(-(o * o - 0.25) / (sigma * sigma) / 2);
		w[t] = t < L ? -g : g;
		sum += g;
	}
	double z = sum * sum;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		/* Offsets whose rows lie inside the matrix: zero padding. */
		size_t tlo = i >= L ? 0 : L - i;
		size_t thi = n - i >= L ? 2 * L : L + (n - i);
		double acc = 0;
		for (size_t ta = tlo; ta < thi; ta++) {
			const float *row = s + (i + ta - L) * n;
			double r = 0;
			for (size_t tb = tlo; tb < thi; tb++)
				r += w[tb] * row[i + tb - L];
			acc += w[ta] * r;
		}
		nov[i] = (float)(acc / z);
		if (!isfinite(nov[i])) {
			rc = mlv_errf(err, errlen, "self-similarity near row %zu: "
			          "non-finite value", i);
			break;
		}
	}
	free(w);
	return rc;
}

typedef struct {
	float v;
	uint32_t i;
} peak;

static int
peak_cmp(const void *pa, const void *pb)
{
	const peak *a = pa, *b = pb;
	if (a->v != b->v)
		return a->v > b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static int
row_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return (a > b) - (a < b);
}

int
mlv_pick_peaks(const float *x, size_t n, double rel, size_t min_dist,
               uint32_t *peaks, size_t *npeaks, char *err, size_t errlen)
{
	*npeaks = 0;
	if (!(rel >= 0 && rel <= 1))
		return mlv_errf(err, errlen, "peak threshold %g: not in [0, 1]", rel);
	if (n > UINT32_MAX)
		return mlv_errf(err, errlen, "curve of %zu values: more than %u", n,
		            (unsigned)UINT32_MAX);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return mlv_errf(err, errlen, "curve value %zu: non-finite (%g)", i,
			            (double)x[i]);
	if (n < 3)
		return 0;
	float lo = x[1], hi = x[1];
	for (size_t i = 2; i + 1 < n; i++) {
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	double thr = lo + rel * ((double)hi - lo);
	/* Candidates: the centre of each strict local maximum run. */
	peak *cand = mlv_malloc((n / 2 + 1) * sizeof *cand);
	size_t nc = 0;
	for (size_t s = 1; s + 1 < n;) {
		size_t e = s;
		while (e + 1 < n - 1 && x[e + 1] == x[s])
			e++;
		if (x[s - 1] < x[s] && x[e + 1] < x[e] && x[s] >= thr)
			cand[nc++] = (peak){x[s], (uint32_t)((s + e) / 2)};
		s = e + 1;
	}
	/* Minimum distance, highest first: scipy.signal.find_peaks's
	 * `distance` rule. */
	qsort(cand, nc, sizeof *cand, peak_cmp);
	size_t kept = 0;
	for (size_t c = 0; c < nc; c++) {
		int ok = 1;
		for (size_t j = 0; j < kept && ok; j++) {
			uint32_t a = cand[c].i, b = peaks[j];
			ok = (a > b ? a - b : b - a) >= min_dist;
		}
		if (ok)
			peaks[kept++] = cand[c].i;
	}
	qsort(peaks, kept, sizeof *peaks, row_cmp);
	*npeaks = kept;
	free(cand);
	return 0;
}
