/* dbscan.c - see dbscan.h */
#include "dbscan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "pool.h"
#include "stats.h"
#include "util.h"

/* Points per kd-tree leaf: one leaf pair is one sgemm of up to
 * DB_LEAF x DB_LEAF x d.  On 100,000 points of the 16-d mixture, 128 ran
 * 1.3-1.4x faster than 256 or 64 (smaller boxes prune more pairs, but
 * calls and bookkeeping grow). */
#define DB_LEAF 128

typedef struct {
	size_t start, count;      /* rows of the leaf-ordered data */
	size_t cstart, ncore;     /* rows of the leaf-ordered core points */
	float maxn;               /* largest squared norm (centred) */
	int32_t minlabel;         /* lowest cluster among its core points */
} db_leaf;

typedef struct {
	uint32_t a, b;            /* a <= b */
	int full;                 /* every pair within eps */
} db_pair;

typedef struct {
	const float *x;           /* the input, for exact checks */
	const float *xs, *xsn;    /* centred, leaf order; squared norms */
	const float *xc, *xcn;    /* core points only, leaf order */
	const uint32_t *perm;     /* leaf-order row -> point */
	const uint32_t *cperm;    /* core row -> point */
	size_t n, d, ncore, nthreads;
	double eps2;              /* eps^2, for the exact checks */
	double eps2s;             /* (eps * scale)^2, for the scaled sgemm */
	const db_leaf *leaf;
	const db_pair *pair;
	const size_t *adj_start;  /* leaf adjacency, both directions */
	const db_pair *adj;       /* .b is the neighbour leaf */
	const uint8_t *is_core;   /* per row */
	const uint32_t *count;    /* per row: neighbours, itself included */
	uint32_t *tcount;         /* pass 1: per thread, per row */
	uint32_t *tparent;        /* pass 2: per thread union-find over cores */
	const int32_t *clabel;    /* per core row */
	int32_t *labels;          /* per point */
	float *scratch;           /* per thread: DB_LEAF^2 + DB_LEAF * d */
} db_ctx;

/* Whether rows ra (of data a) and rb (of b) are within eps, given the
 * sgemm's squared distance d2: inside [lo, hi] the float result may err
 * either way, and the distance is recomputed in double from the input,
 * as scikit-learn computes it. */
static int
db_near(const db_ctx *c, float d2, float lo, float hi, uint32_t pa,
        uint32_t pb)
{
	if (d2 <= lo)
		return 1;
	if (d2 > hi)
		return 0;
	return mlv_dist2_double(c->x + (size_t)pa * c->d, c->x + (size_t)pb * c->d,
	                    c->d) <= c->eps2;
}

/* The band around eps^2 where the float result is not trusted: sgemm and
 * norm rounding of the centred data, (d + 2) u (|a|^2 + |b|^2), and the
 * rounding of the centring, 2 u eps (|a| + |b|), with room to spare. */
static void
db_band(const db_ctx *c, float maxa, float maxb, float *lo, float *hi)
{
	double m = (double)(c->d + 16) * 0x1p-21 *
	           ((double)maxa + (double)maxb + c->eps2s);
	*lo = (float)(c->eps2s - m);
	*hi = (float)(c->eps2s + m);
}

/* One row's neighbours among nb columns: those surely within eps are
 * counted in a loop without branches (so it vectorises), adding 1 to
 * col[j] too when col is not NULL; the rare ones in the uncertain band
 * are settled in double afterwards. */
static uint32_t
db_count_row(const db_ctx *c, const float *row, float an, const float *bn,
             size_t nb, float lo, float hi, uint32_t *col, uint32_t pa,
             const uint32_t *pb)
{
	uint32_t here = 0, band = 0;
	if (col)
		for (size_t j = 0; j < nb; j++) {
			float d2 = an + bn[j] - 2 * row[j];
			uint32_t in = d2 <= lo;
			here += in;
			col[j] += in;
			band |= (d2 <= hi) & !in;
		}
	else
		for (size_t j = 0; j < nb; j++) {
			float d2 = an + bn[j] - 2 * row[j];
			uint32_t in = d2 <= lo;
			here += in;
			band |= (d2 <= hi) & !in;
		}
	if (band)
		for (size_t j = 0; j < nb; j++) {
			float d2 = an + bn[j] - 2 * row[j];
			if (d2 > lo && d2 <= hi && db_near(c, d2, lo, hi, pa, pb[j])) {
				here++;
				if (col)
					col[j]++;
			}
		}
	return here;
}

static void
db_count(void *ctx, size_t item, int thread)
{
	db_ctx *c = ctx;
	const db_pair *p = &c->pair[item];
	const db_leaf *A = &c->leaf[p->a], *B = &c->leaf[p->b];
	uint32_t *cnt = c->tcount + (size_t)thread * c->n;
	size_t na = A->count, nb = B->count;
	if (p->full) {
		for (size_t i = 0; i < na; i++)
			cnt[A->start + i] += (uint32_t)nb;
		if (p->a != p->b)
			for (size_t j = 0; j < nb; j++)
				cnt[B->start + j] += (uint32_t)na;
		return;
	}
	float *dots = c->scratch + (size_t)thread * (DB_LEAF * DB_LEAF +
	                                             DB_LEAF * c->d);
	float lo, hi;
	db_band(c, A->maxn, B->maxn, &lo, &hi);
	mlv_gemm_abt(c->xs + A->start * c->d, c->xs + B->start * c->d, dots,
	             na, nb, c->d, nb, 1.0f, 0.0f);
	/* a leaf against itself: the full square counts each row once */
	uint32_t *col = p->a != p->b ? cnt + B->start : NULL;
	for (size_t i = 0; i < na; i++) {
		size_t ra = A->start + i;
		cnt[ra] += db_count_row(c, dots + i * nb, c->xsn[ra],
		                        c->xsn + B->start, nb, lo, hi, col,
		                        c->perm[ra], c->perm + B->start);
	}
}

/* Union-find over core rows whose root is always the core point with the
 * lowest number, so a component's root names it in sklearn's order. */
static uint32_t
db_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static void
db_union(uint32_t *parent, const uint32_t *key, uint32_t a, uint32_t b)
{
	a = db_find(parent, a);
	b = db_find(parent, b);
	if (a == b)
		return;
	if (key[a] < key[b])
		parent[b] = a;
	else
		parent[a] = b;
}

/* The one root all core rows [s, s + cnt) share, or UINT32_MAX. */
static uint32_t
db_common_root(uint32_t *uf, size_t s, size_t cnt)
{
	uint32_t r = db_find(uf, (uint32_t)s);
	for (size_t i = 1; i < cnt; i++)
		if (db_find(uf, (uint32_t)(s + i)) != r)
			return UINT32_MAX;
	return r;
}

#define DB_JOIN_ROWS 32

/* Join the core points of a leaf pair that lie within eps.  Most pairs
 * link leaves already joined: rows whose set is already that of every
 * core of the other leaf are skipped, and the rest go through sgemm a
 * few rows at a time, stopping once both leaves are one set. */
static void
db_join_pair(db_ctx *c, const db_pair *p, uint32_t *uf, float *scratch)
{
	const db_leaf *A = &c->leaf[p->a], *B = &c->leaf[p->b];
	size_t na = A->ncore, nb = B->ncore, d = c->d;
	if (!na || !nb)
		return;
	uint32_t ra = db_common_root(uf, A->cstart, na);
	uint32_t rb = db_common_root(uf, B->cstart, nb);
	if (ra != UINT32_MAX && ra == rb)
		return;
	if (p->full) {
		for (size_t i = 0; i < na; i++)
			db_union(uf, c->cperm, (uint32_t)B->cstart,
			         (uint32_t)(A->cstart + i));
		for (size_t j = 1; j < nb; j++)
			db_union(uf, c->cperm, (uint32_t)B->cstart,
			         (uint32_t)(B->cstart + j));
		return;
	}
	float *dots = scratch, *rows = scratch + DB_LEAF * DB_LEAF;
	uint32_t which[DB_JOIN_ROWS];
	float lo, hi;
	db_band(c, A->maxn, B->maxn, &lo, &hi);
	const float *bn = c->xcn + B->cstart;
	for (size_t i0 = 0; i0 < na; i0 += DB_JOIN_ROWS) {
		if (i0) {
			ra = db_common_root(uf, A->cstart, na);
			rb = db_common_root(uf, B->cstart, nb);
			if (ra != UINT32_MAX && ra == rb)
				return;
		}
		size_t m = 0;
		for (size_t i = i0; i < na && i < i0 + DB_JOIN_ROWS; i++) {
			uint32_t r = (uint32_t)(A->cstart + i);
			if (rb != UINT32_MAX && db_find(uf, r) == rb)
				continue;
			which[m] = r;
			memcpy(rows + m * d, c->xc + (size_t)r * d, d * sizeof(float));
			m++;
		}
		if (!m)
			continue;
		mlv_gemm_abt(rows, c->xc + B->cstart * d, dots, m, nb, d, nb, 1.0f,
		             0.0f);
		for (size_t i = 0; i < m; i++) {
			const float *row = dots + i * nb;
			float an = c->xcn[which[i]];
			for (size_t j = 0; j < nb; j++) {
				float d2 = an + bn[j] - 2 * row[j];
				if (d2 > hi)
					continue;
				uint32_t r2 = (uint32_t)(B->cstart + j);
				if (r2 != which[i] &&
				    db_find(uf, which[i]) != db_find(uf, r2) &&
				    db_near(c, d2, lo, hi, c->cperm[which[i]], c->cperm[r2]))
					db_union(uf, c->cperm, which[i], r2);
			}
		}
	}
}

/* Leaves against themselves first, into one union-find: their unions
 * touch only their own cores, so threads never share a pointer. */
static void
db_join_self(void *ctx, size_t leaf, int thread)
{
	db_ctx *c = ctx;
	db_pair p = {(uint32_t)leaf, (uint32_t)leaf, 0};
	for (size_t e = c->adj_start[leaf]; e < c->adj_start[leaf + 1]; e++)
		if (c->adj[e].b == leaf)
			p.full = c->adj[e].full;
	db_join_pair(c, &p, c->tparent, c->scratch + (size_t)thread *
	             (DB_LEAF * DB_LEAF + DB_LEAF * c->d));
}

/* Then the pairs of different leaves, each thread into its own copy. */
static void
db_join(void *ctx, size_t item, int thread)
{
	db_ctx *c = ctx;
	const db_pair *p = &c->pair[item];
	if (p->a == p->b)
		return;
	db_join_pair(c, p, c->tparent + (size_t)thread * c->ncore,
	             c->scratch + (size_t)thread * (DB_LEAF * DB_LEAF +
	                                            DB_LEAF * c->d));
}

/* Border points of leaf `item` take the lowest cluster among the core
 * points within eps. */
static void
db_border(void *ctx, size_t item, int thread)
{
	db_ctx *c = ctx;
	const db_leaf *A = &c->leaf[item];
	size_t d = c->d;
	float *dots = c->scratch + (size_t)thread * (DB_LEAF * DB_LEAF +
	                                             DB_LEAF * d);
	float *rows = dots + DB_LEAF * DB_LEAF;
	uint32_t which[DB_LEAF];
	size_t m = 0;
	for (size_t i = 0; i < A->count; i++) {
		size_t r = A->start + i;
		if (!c->is_core[r] && c->count[r] > 1) {
			which[m] = (uint32_t)r;
			memcpy(rows + m * d, c->xs + r * d, d * sizeof(float));
			m++;
		}
	}
	if (!m)
		return;
	int32_t best[DB_LEAF];
	for (size_t i = 0; i < m; i++)
		best[i] = INT32_MAX;
	for (size_t e = c->adj_start[item]; e < c->adj_start[item + 1]; e++) {
		const db_leaf *B = &c->leaf[c->adj[e].b];
		size_t nb = B->ncore;
		if (!nb)
			continue;
		if (c->adj[e].full) {
			for (size_t i = 0; i < m; i++)
				if (B->minlabel < best[i])
					best[i] = B->minlabel;
			continue;
		}
		float lo, hi;
		db_band(c, A->maxn, B->maxn, &lo, &hi);
		mlv_gemm_abt(rows, c->xc + B->cstart * d, dots, m, nb, d, nb, 1.0f,
		             0.0f);
		for (size_t i = 0; i < m; i++) {
			const float *row = dots + i * nb;
			float an = c->xsn[which[i]];
			for (size_t j = 0; j < nb; j++) {
				size_t rb = B->cstart + j;
				if (c->clabel[rb] < best[i] &&
				    db_near(c, an + c->xcn[rb] - 2 * row[j], lo, hi,
				            c->perm[which[i]], c->cperm[rb]))
					best[i] = c->clabel[rb];
			}
		}
	}
	for (size_t i = 0; i < m; i++)
		if (best[i] != INT32_MAX)
			c->labels[c->perm[which[i]]] = best[i];
}

/* Put idx[kth] at its place in the order of coordinate `dim`, smaller
 * before, larger after (quickselect, three-way partition so runs of equal
 * values cost no more than distinct ones). */
static void
db_select(uint32_t *idx, size_t cnt, const float *x, size_t d, size_t dim,
          size_t kth)
{
	size_t lo = 0, hi = cnt;
	while (hi - lo > 1) {
		float a = x[(size_t)idx[lo] * d + dim];
		float b = x[(size_t)idx[lo + (hi - lo) / 2] * d + dim];
		float e = x[(size_t)idx[hi - 1] * d + dim];
		float piv = a < b ? (b < e ? b : a < e ? e : a)
		                  : (a < e ? a : b < e ? e : b);
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			uint32_t t = idx[i];
			float v = x[(size_t)t * d + dim];
			if (v < piv) {
				idx[i++] = idx[lt];
				idx[lt++] = t;
			} else if (v > piv) {
				idx[i] = idx[--gt];
				idx[gt] = t;
			} else {
				i++;
			}
		}
		if (kth < lt)
			hi = lt;
		else if (kth >= gt)
			lo = gt;
		else
			return;
	}
}

/* Leaves of a kd-tree: split at the median of the widest coordinate until
 * at most DB_LEAF points remain, leaves in depth-first order so that
 * nearby points get nearby rows. */
static size_t
db_leaves(const float *x, size_t n, size_t d, uint32_t *perm, db_leaf *leaf)
{
	size_t stack[2 * 64 + 2][2], top = 0, nleaf = 0;
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	stack[top][0] = 0;
	stack[top++][1] = n;
	while (top) {
		top--;
		size_t s = stack[top][0], cnt = stack[top][1];
		if (cnt <= DB_LEAF) {
			leaf[nleaf].start = s;
			leaf[nleaf++].count = cnt;
			continue;
		}
		size_t dim = 0;
		float spread = -1;
		for (size_t j = 0; j < d; j++) {
			float lo = INFINITY, hi = -INFINITY;
			for (size_t i = s; i < s + cnt; i++) {
				float v = x[(size_t)perm[i] * d + j];
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
			if (hi - lo > spread) {
				spread = hi - lo;
				dim = j;
			}
		}
		db_select(perm + s, cnt, x, d, dim, cnt / 2);
		stack[top][0] = s + cnt / 2;
		stack[top++][1] = cnt - cnt / 2;
		stack[top][0] = s;
		stack[top++][1] = cnt / 2;
	}
	return nleaf;
}

int
mlv_dbscan(const float *x, size_t n, size_t d, double eps,
           size_t min_samples, int nthreads, int32_t *labels,
           uint8_t *core, size_t *nclusters, char *err, size_t errlen)
{
	if (n == 0 || d == 0)
		return mlv_errf(err, errlen, "DBSCAN needs at least one point of at "
		               "least one dimension (got %zu x %zu)", n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "DBSCAN: %zu points is more than %d", n,
		               INT32_MAX);
	if (!(eps > 0) || !isfinite(eps))
		return mlv_errf(err, errlen, "DBSCAN: eps %g must be a finite "
		               "distance > 0", eps);
	if (min_samples < 1)
		return mlv_errf(err, errlen, "DBSCAN: min_samples must be at least 1 "
		               "(it counts the point itself)");
	if (mlv_check_finite(x, n, d, "clustering", err, errlen))
		return -1;

	int nt = mlv_threads(nthreads);
	int blas = mlv_blas_single_thread();
	db_ctx c = {.x = x, .n = n, .d = d, .eps2 = eps * eps, .labels = labels,
	            .nthreads = (size_t)nt};
	double *mean = mlv_malloc(d * sizeof(double));
	uint32_t *perm = mlv_malloc(n * sizeof(uint32_t));
	size_t maxleaf = n / (DB_LEAF / 2) + 2;
	db_leaf *leaf = mlv_calloc(maxleaf, sizeof *leaf);
	mlv_column_means(x, n, d, mean);
	size_t nleaf = db_leaves(x, n, d, perm, leaf);

	/* leaf-ordered centred copy, and each leaf's box in the input's
	 * coordinates (exact, in double) */
	double scale = mlv_range_scale(x, n, d, mean);
	/* scaled distances^2 are below 16 d, so a larger eps^2 works as 1e30
	 * and float stays finite */
	c.eps2s = eps * scale * (eps * scale);
	c.eps2s = c.eps2s < 1e30 ? c.eps2s : 1e30;
	float *xs = mlv_centred_copy(x, n, d, mean, scale, perm);
	float *xsn = mlv_malloc(n * sizeof(float));
	double *box = mlv_malloc(mlv_mul_size(nleaf, 2 * d * sizeof(double),
	                                      "boxes"));
	mlv_row_norms2(xs, n, d, xsn);
	for (size_t l = 0; l < nleaf; l++) {
		double *lo = box + l * 2 * d, *hi = lo + d;
		for (size_t j = 0; j < d; j++) {
			lo[j] = INFINITY;
			hi[j] = -INFINITY;
		}
		leaf[l].maxn = 0;
		for (size_t r = leaf[l].start; r < leaf[l].start + leaf[l].count;
		     r++) {
			const float *p = x + (size_t)perm[r] * d;
			for (size_t j = 0; j < d; j++) {
				lo[j] = p[j] < lo[j] ? p[j] : lo[j];
				hi[j] = p[j] > hi[j] ? p[j] : hi[j];
			}
			if (xsn[r] > leaf[l].maxn)
				leaf[l].maxn = xsn[r];
		}
	}

	/* leaf pairs whose boxes come within eps; a pair whose farthest
	 * corners are within eps needs no distances at all */
	size_t npair = 0, cap = nleaf * 4;
	db_pair *pair = mlv_malloc(cap * sizeof *pair);
	double in = c.eps2 * (1 + 1e-9), all = c.eps2 * (1 - 1e-9);
	for (size_t a = 0; a < nleaf; a++) {
		const double *alo = box + a * 2 * d, *ahi = alo + d;
		for (size_t b = a; b < nleaf; b++) {
			const double *blo = box + b * 2 * d, *bhi = blo + d;
			double near = 0, far = 0;
			for (size_t j = 0; j < d; j++) {
				double g = blo[j] - ahi[j], g2 = alo[j] - bhi[j];
				g = g > g2 ? g : g2;
				if (g > 0)
					near += g * g;
				double f = bhi[j] - alo[j], f2 = ahi[j] - blo[j];
				f = f > f2 ? f : f2;
				far += f * f;
			}
			if (near > in)
				continue;
			if (npair == cap) {
				cap = mlv_mul_size(cap, 2, "leaf pairs");
				pair = mlv_realloc(pair, mlv_mul_size(cap, sizeof *pair,
				                                      "leaf pairs"));
			}
			pair[npair].a = (uint32_t)a;
			pair[npair].b = (uint32_t)b;
			pair[npair++].full = far <= all;
		}
	}
	size_t *adj_start = mlv_calloc(nleaf + 1, sizeof(size_t));
	db_pair *adj = mlv_malloc(mlv_mul_size(2 * npair, sizeof *adj, "pairs"));
	for (size_t p = 0; p < npair; p++) {
		adj_start[pair[p].a + 1]++;
		if (pair[p].a != pair[p].b)
			adj_start[pair[p].b + 1]++;
	}
	for (size_t l = 0; l < nleaf; l++)
		adj_start[l + 1] += adj_start[l];
	size_t *fill = mlv_malloc((nleaf + 1) * sizeof(size_t));
	memcpy(fill, adj_start, (nleaf + 1) * sizeof(size_t));
	for (size_t p = 0; p < npair; p++) {
		db_pair e = pair[p];
		adj[fill[e.a]++] = e;
		if (e.a != e.b) {
			e.b = pair[p].a;
			adj[fill[pair[p].b]++] = e;
		}
	}

	c.xs = xs;
	c.xsn = xsn;
	c.perm = perm;
	c.leaf = leaf;
	c.pair = pair;
	c.adj_start = adj_start;
	c.adj = adj;
	c.scratch = mlv_malloc(mlv_mul_size((size_t)nt, (DB_LEAF * DB_LEAF +
	        DB_LEAF * d) * sizeof(float), "DBSCAN"));

	/* pass 1: neighbour counts */
	c.tcount = mlv_calloc(mlv_mul_size((size_t)nt, n, "counts"),
	                      sizeof(uint32_t));
	mlv_parallel_items(npair, nt, db_count, &c);
	uint32_t *count = c.tcount;
	for (int t = 1; t < nt; t++)
		for (size_t r = 0; r < n; r++)
			count[r] += c.tcount[(size_t)t * n + r];
	c.count = count;
	uint8_t *is_core = mlv_malloc(n);
	size_t ncore = 0;
	for (size_t r = 0; r < n; r++) {
		is_core[r] = count[r] >= min_samples;
		ncore += is_core[r];
	}
	c.is_core = is_core;

	/* core points gathered leaf by leaf */
	float *xc = mlv_malloc(mlv_mul_size(ncore ? ncore : 1, d * sizeof(float),
	                                    "cores"));
	float *xcn = mlv_malloc((ncore ? ncore : 1) * sizeof(float));
	uint32_t *cperm = mlv_malloc((ncore ? ncore : 1) * sizeof(uint32_t));
	int32_t *clabel = mlv_malloc((ncore ? ncore : 1) * sizeof(int32_t));
	size_t w = 0;
	for (size_t l = 0; l < nleaf; l++) {
		leaf[l].cstart = w;
		for (size_t r = leaf[l].start; r < leaf[l].start + leaf[l].count; r++)
			if (is_core[r]) {
				memcpy(xc + w * d, xs + r * d, d * sizeof(float));
				xcn[w] = xsn[r];
				cperm[w++] = perm[r];
			}
		leaf[l].ncore = w - leaf[l].cstart;
	}
	c.xc = xc;
	c.xcn = xcn;
	c.cperm = cperm;
	c.ncore = ncore;

	/* pass 2: connected components of the core points: each leaf by
	 * itself, then the pairs of leaves, one union-find per thread,
	 * merged afterwards (components do not depend on the order the
	 * pairs were seen in) */
	c.tparent = mlv_malloc(mlv_mul_size((size_t)nt, (ncore ? ncore : 1) *
	                                    sizeof(uint32_t), "components"));
	for (size_t i = 0; i < ncore; i++)
		c.tparent[i] = (uint32_t)i;
	if (ncore)
		mlv_parallel_items(nleaf, nt, db_join_self, &c);
	for (size_t t = 1; t < (size_t)nt; t++)
		memcpy(c.tparent + t * ncore, c.tparent, ncore * sizeof(uint32_t));
	if (ncore)
		mlv_parallel_items(npair, nt, db_join, &c);
	uint32_t *uf = c.tparent;
	for (size_t t = 1; t < (size_t)nt; t++)
		for (size_t i = 0; i < ncore; i++)
			db_union(uf, cperm, (uint32_t)i, c.tparent[t * ncore + i]);

	/* clusters numbered by their lowest core point, as sklearn's
	 * dbscan_inner meets them */
	int32_t *rootlabel = mlv_malloc((ncore ? ncore : 1) * sizeof(int32_t));
	uint32_t *crow = mlv_malloc(n * sizeof(uint32_t));
	for (size_t i = 0; i < ncore; i++) {
		rootlabel[i] = -1;
		crow[cperm[i]] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++)
		labels[i] = -1;
	uint8_t *pcore = mlv_calloc(n, 1);
	for (size_t i = 0; i < ncore; i++)
		pcore[cperm[i]] = 1;
	int32_t nlab = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pcore[i])
			continue;
		uint32_t r = db_find(uf, crow[i]);
		if (rootlabel[r] < 0)
			rootlabel[r] = nlab++;
		labels[i] = rootlabel[r];
	}
	for (size_t i = 0; i < ncore; i++)
		clabel[i] = labels[cperm[i]];
	for (size_t l = 0; l < nleaf; l++) {
		leaf[l].minlabel = INT32_MAX;
		for (size_t i = 0; i < leaf[l].ncore; i++)
			if (clabel[leaf[l].cstart + i] < leaf[l].minlabel)
				leaf[l].minlabel = clabel[leaf[l].cstart + i];
	}
	c.clabel = clabel;

	/* pass 3: border points */
	if (ncore)
		mlv_parallel_items(nleaf, nt, db_border, &c);
	if (core)
		memcpy(core, pcore, n);
	if (nclusters)
		*nclusters = (size_t)nlab;

	free(pcore);
	free(crow);
	free(rootlabel);
	free(c.tparent);
	free(clabel);
	free(cperm);
	free(xcn);
	free(xc);
	free(is_core);
	free(c.tcount);
	free(c.scratch);
	free(fill);
	free(adj);
	free(adj_start);
	free(pair);
	free(box);
	free(xsn);
	free(xs);
	free(leaf);
	free(perm);
	free(mean);
	mlv_blas_restore(blas);
	return 0;
}
