/* ann.c - see ann.h */
#include "ann.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "rng.h"
#include "util.h"

#define MAX_CAND 30      /* candidates sampled per point and round */
#define MAX_ITER 12
#define DELTA 0.01     /* stop when fewer than DELTA n k updates a round */
#define NTREES 2
#define BLOCK 16384    /* points whose local joins share one update round */

typedef struct {
	uint32_t a, b;
	float d;
} update;

typedef struct {
	update *u;
	size_t n, cap;
} ubuf;

typedef struct {
	const float *x;
	size_t n, d, k, mc;
	uint64_t seed, iter;
	float *hd;         /* n x k squared distances, a max-heap per row */
	uint32_t *hi;      /* n x k their points */
	uint8_t *hf;       /* n x k: 1 while the entry is new */
	float *top;        /* n: each heap's greatest distance, hd[v k], kept
	                    * compact so the rejections stay in cache */
	uint32_t *newc, *oldc; /* n x mc candidates, max-heaps by priority */
	uint32_t *newp, *oldp;
	const uint32_t *perm; /* a tree's leaves, as ranges of perm */
	const size_t *leaf;   /* nleaf + 1 boundaries */
	size_t b0;            /* first point of the block being joined */
	ubuf *buf;            /* one per thread */
	float *rows;          /* per thread, 2 mc x d: the candidates' rows */
	uint32_t *ids;        /* per thread, 2 mc: their points */
	size_t *count;        /* updates applied, per thread */
	int nthreads;
} nnd;

/* |a - b|^2 in eight independent lanes, so it vectorises; the same
 * value either way round. */
static float
dist2(const float *a, const float *b, size_t d)
{
	float s[8] = {0};
	size_t j = 0;
	for (; j + 8 <= d; j += 8)
		for (int l = 0; l < 8; l++) {
			float t = a[j + l] - b[j + l];
			s[l] += t * t;
		}
	float r = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
	for (; j < d; j++) {
		float t = a[j] - b[j];
		r += t * t;
	}
	return r;
}

/* Whether j is among the m points of l: no early exit, so the scan
 * vectorises (an exiting loop was the profile's top line at k = 90). */
static int
holds(const uint32_t *l, size_t m, uint32_t j)
{
	int hit = 0;
	for (size_t s = 0; s < m; s++)
		hit |= l[s] == j;
	return hit;
}

static int
after(float da, uint32_t ia, float db, uint32_t ib)
{
	return da > db || (da == db && ia > ib);
}

/* Offer (dd, j) to v's max-heap of k (distance, point) pairs: it
 * replaces the farthest when nearer and not already there.  The heap then
 * holds the k least pairs offered, whatever their order. */
static int
heap_push(nnd *c, size_t v, float dd, uint32_t j)
{
	size_t k = c->k;
	if (dd > c->top[v])
		return 0;
	float *hd = c->hd + v * k;
	uint32_t *hi = c->hi + v * k;
	uint8_t *hf = c->hf + v * k;
	if (!after(hd[0], hi[0], dd, j))
		return 0;
	if (holds(hi, k, j))
		return 0;
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		float md = dd;
		uint32_t mi = j;
		if (l < k && after(hd[l], hi[l], md, mi)) {
			m = l;
			md = hd[l];
			mi = hi[l];
		}
		if (r < k && after(hd[r], hi[r], md, mi))
			m = r;
		if (m == i)
			break;
		hd[i] = hd[m];
		hi[i] = hi[m];
		hf[i] = hf[m];
		i = m;
	}
	hd[i] = dd;
	hi[i] = j;
	hf[i] = 1;
	c->top[v] = hd[0];
	return 1;
}

/* The same for a candidate list, keyed by priority. */
static void
cand_push(uint32_t *cp, uint32_t *ci, size_t mc, uint32_t p, uint32_t j)
{
	if (p > cp[0] || (p == cp[0] && j >= ci[0]))
		return;
	if (holds(ci, mc, j))
		return;
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		uint32_t mp = p, mi = j;
		if (l < mc && (cp[l] > mp || (cp[l] == mp && ci[l] > mi))) {
			m = l;
			mp = cp[l];
			mi = ci[l];
		}
		if (r < mc && (cp[r] > mp || (cp[r] == mp && ci[r] > mi)))
			m = r;
		if (m == i)
			break;
		cp[i] = cp[m];
		ci[i] = ci[m];
		i = m;
	}
	cp[i] = p;
	ci[i] = j;
}

/* A priority for the pair {a, b} in this round: symmetric, so the pair
 * offered from either end is one candidate. */
static uint32_t
priority(uint64_t seed, uint64_t iter, uint32_t a, uint32_t b)
{
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	uint64_t z = seed ^ (iter * 0x9E3779B97F4A7C15ULL) ^ (lo << 32 | hi);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* ---- initial graph ------------------------------------------------------ */

static void
init_random(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	(void)thread;
	for (size_t v = begin; v < end; v++) {
		const uint32_t *hi = c->hi + v * c->k;
		mlv_rng g;
		mlv_rng_stream(&g, c->seed, v);
		size_t got = 0;
		for (size_t s = 0; s < c->k; s++)
			got += hi[s] != UINT32_MAX;
		/* up to k distinct others: k < n, and the heap drops repeats */
		while (got < c->k) {
			uint32_t j = (uint32_t)mlv_rng_below(&g, c->n);
			if (j != v && heap_push(c, v,
			                        dist2(c->x + v * c->d,
			                              c->x + (size_t)j * c->d,
			                              c->d), j))
				got++;
		}
	}
}

/* Split perm into leaves of at most leafsize points by random hyperplanes,
 * each the bisector of two random points of the node (pynndescent's
 * euclidean_random_projection_split); returns the leaf count and fills
 * leaf with the boundaries. */
static size_t
rp_tree(const float *x, size_t n, size_t d, size_t leafsize, mlv_rng *g,
        uint32_t *perm, size_t *leaf, float *normal)
{
	size_t *stack = mlv_malloc(2 * 64 * sizeof *stack), top = 0, nleaf = 0;
	size_t stackcap = 64;
	stack[top++] = 0;
	stack[top++] = n;
	leaf[0] = 0;
	/* depth first, left child first: leaves come out in perm order */
	while (top) {
		size_t hi = stack[--top], lo = stack[--top];
		size_t m = hi - lo;
		if (m <= leafsize) {
			leaf[++nleaf] = hi;
			continue;
		}
		size_t ia = lo + mlv_rng_below(g, m), ib;
		do
			ib = lo + mlv_rng_below(g, m);
		while (ib == ia);
		const float *a = x + (size_t)perm[ia] * d;
		const float *b = x + (size_t)perm[ib] * d;
		double off = 0;
		for (size_t j = 0; j < d; j++) {
			normal[j] = a[j] - b[j];
			off += (double)normal[j] * (a[j] + b[j]) / 2;
		}
		size_t l = lo, r = hi;
		while (l < r) {
			const float *p = x + (size_t)perm[l] * d;
			double s = -off;
			for (size_t j = 0; j < d; j++)
				s += (double)normal[j] * p[j];
			if (s > 0 || (s == 0 && (mlv_rng_u64(g) & 1))) {
				l++;
			} else {
				uint32_t t = perm[l];
				perm[l] = perm[--r];
				perm[r] = t;
			}
		}
		if (l == lo || l == hi) /* all on one side: duplicates */
			l = lo + m / 2;
		if (top + 4 > 2 * stackcap) {
			stackcap *= 2;
			stack = mlv_realloc(stack, 2 * stackcap * sizeof *stack);
		}
		stack[top++] = l;
		stack[top++] = hi;
		stack[top++] = lo;
		stack[top++] = l;
	}
	free(stack);
	return nleaf;
}

/* All pairs within each leaf; a tree's leaves are disjoint, so each
 * thread's leaves touch only their own points' heaps. */
static void
leaf_join(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	(void)thread;
	for (size_t l = begin; l < end; l++)
		for (size_t i = c->leaf[l]; i < c->leaf[l + 1]; i++) {
			uint32_t p = c->perm[i];
			for (size_t j = i + 1; j < c->leaf[l + 1]; j++) {
				uint32_t q = c->perm[j];
				float dd = dist2(c->x + (size_t)p * c->d,
				                 c->x + (size_t)q * c->d, c->d);
				heap_push(c, p, dd, q);
				heap_push(c, q, dd, p);
			}
		}
}

/* ---- NN-descent rounds -------------------------------------------------- */

/* Sample candidates for the points [begin, end) this thread owns: each
 * graph edge v -> j offers j to v and v to j, new edges to the new lists,
 * old ones to the old; every thread reads the whole graph. */
static void
build_candidates(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	size_t k = c->k, mc = c->mc;
	(void)thread;
	for (size_t i = begin * mc; i < end * mc; i++) {
		c->newp[i] = c->oldp[i] = UINT32_MAX;
		c->newc[i] = c->oldc[i] = UINT32_MAX;
	}
	for (size_t v = 0; v < c->n; v++)
		for (size_t s = 0; s < k; s++) {
			uint32_t j = c->hi[v * k + s];
			int mine_v = v >= begin && v < end;
			int mine_j = j >= begin && j < end;
			if (!(mine_v || mine_j))
				continue;
			uint32_t p = priority(c->seed, c->iter, (uint32_t)v, j);
			uint32_t *lc = c->hf[v * k + s] ? c->newc : c->oldc;
			uint32_t *lp = c->hf[v * k + s] ? c->newp : c->oldp;
			if (mine_v)
				cand_push(lp + v * mc, lc + v * mc, mc, p, j);
			if (mine_j)
				cand_push(lp + (size_t)j * mc,
				          lc + (size_t)j * mc, mc, p,
				          (uint32_t)v);
		}
}

/* An edge sampled as new is old from now on: v's list kept the mc least
 * (priority, point) pairs offered, so a new edge is in it when the list
 * has room or the pair is not above its top.  A pass of its own, after
 * build_candidates, which reads every point's flags. */
static void
mark_old(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	size_t k = c->k, mc = c->mc;
	(void)thread;
	for (size_t v = begin; v < end; v++) {
		uint32_t tp = c->newp[v * mc], ti = c->newc[v * mc];
		for (size_t s = 0; s < k; s++) {
			uint32_t j = c->hi[v * k + s];
			if (!c->hf[v * k + s])
				continue;
			uint32_t p = priority(c->seed, c->iter, (uint32_t)v, j);
			if (ti == UINT32_MAX || p < tp || (p == tp && j <= ti))
				c->hf[v * k + s] = 0;
		}
	}
}

static void
emit(nnd *c, ubuf *b, uint32_t p, const float *xp, uint32_t q,
     const float *xq)
{
	if (p == q)
		return;
	float dd = dist2(xp, xq, c->d);
	if (!(dd < c->top[p] || dd < c->top[q]))
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4096;
		b->u = mlv_realloc(b->u, mlv_mul_size(b->cap, sizeof *b->u,
		                                      "ann"));
	}
	b->u[b->n++] = (update){p, q, dd};
}

/* The local join of the block's points [b0 + begin, b0 + end): new
 * candidates against each other and against the old ones. */
static void
local_join(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	ubuf *b = &c->buf[thread];
	size_t mc = c->mc, d = c->d;
	/* the candidates' rows copied together once: the join reads each
	 * about 2 mc times, and scattered over x they miss the cache */
	float *rows = c->rows + (size_t)thread * 2 * mc * d;
	uint32_t *ids = c->ids + (size_t)thread * 2 * mc;
	for (size_t v = c->b0 + begin; v < c->b0 + end; v++) {
		const uint32_t *nc = c->newc + v * mc, *oc = c->oldc + v * mc;
		size_t nn = 0, no = 0;
		for (size_t i = 0; i < mc; i++)
			if (nc[i] != UINT32_MAX)
				ids[nn++] = nc[i];
		for (size_t i = 0; i < mc; i++)
			if (oc[i] != UINT32_MAX)
				ids[nn + no++] = oc[i];
		for (size_t i = 0; i < nn + no; i++)
			memcpy(rows + i * d, c->x + (size_t)ids[i] * d,
			       d * sizeof *rows);
		for (size_t i = 0; i < nn; i++)
			for (size_t j = i + 1; j < nn + no; j++)
				emit(c, b, ids[i], rows + i * d, ids[j],
				     rows + j * d);
	}
}

static void
apply_updates(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	size_t cnt = 0, m = 0, span = end - begin;
	/* counting sort of this thread's pushes by target point, stable in
	 * generation order: consecutive pushes then hit the same heap rows,
	 * where in generation order each one was a cache miss */
	size_t *at = mlv_calloc(span + 1, sizeof *at);
	for (int t = 0; t < c->nthreads; t++)
		for (size_t i = 0; i < c->buf[t].n; i++) {
			update u = c->buf[t].u[i];
			if (u.a >= begin && u.a < end)
				at[u.a - begin + 1]++;
			if (u.b >= begin && u.b < end)
				at[u.b - begin + 1]++;
		}
	for (size_t v = 0; v < span; v++)
		at[v + 1] += at[v];
	m = at[span];
	update *push = mlv_malloc((m ? m : 1) * sizeof *push);
	for (int t = 0; t < c->nthreads; t++)
		for (size_t i = 0; i < c->buf[t].n; i++) {
			update u = c->buf[t].u[i];
			if (u.a >= begin && u.a < end)
				push[at[u.a - begin]++] = u;
			if (u.b >= begin && u.b < end)
				push[at[u.b - begin]++] = (update){u.b, u.a, u.d};
		}
	for (size_t i = 0; i < m; i++)
		cnt += (size_t)heap_push(c, push[i].a, push[i].d, push[i].b);
	free(push);
	free(at);
	c->count[thread] += cnt;
}

typedef struct {
	float d;
	uint32_t i;
} pair;

static int
pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Each heap in ascending order, distances square-rooted. */
static void
finish(void *ctx, size_t begin, size_t end, int thread)
{
	nnd *c = ctx;
	size_t k = c->k;
	pair *row = mlv_malloc(k * sizeof *row);
	(void)thread;
	for (size_t v = begin; v < end; v++) {
		for (size_t s = 0; s < k; s++)
			row[s] = (pair){c->hd[v * k + s], c->hi[v * k + s]};
		qsort(row, k, sizeof *row, pair_cmp);
		for (size_t s = 0; s < k; s++) {
			c->hd[v * k + s] = row[s].d > 0 ? sqrtf(row[s].d) : 0;
			c->hi[v * k + s] = row[s].i;
		}
	}
	free(row);
}

int
mlv_ann_knn(const float *x, size_t n, size_t d, size_t k, uint64_t seed,
            uint32_t *idx, float *dist, int nthreads)
{
	if (k == 0 || n < k + 1 || n > UINT32_MAX - 1)
		return -1;
	int nt = mlv_threads(nthreads);
	size_t mc = k < MAX_CAND ? k : MAX_CAND;
	size_t nk = mlv_mul_size(n, k, "ann");
	size_t nmc = mlv_mul_size(n, mc, "ann");
	nnd c = {.x = x, .n = n, .d = d, .k = k, .mc = mc, .seed = seed,
	         .hd = dist, .hi = idx, .hf = mlv_malloc(nk),
	         .top = mlv_malloc(n * sizeof(float)),
	         .nthreads = nt};
	for (size_t i = 0; i < nk; i++) {
		dist[i] = INFINITY;
		idx[i] = UINT32_MAX;
	}
	for (size_t i = 0; i < n; i++)
		c.top[i] = INFINITY;

	uint32_t *perm = mlv_malloc(n * sizeof *perm);
	size_t leafsize = k + 1 > 32 ? k + 1 : 32;
	size_t *leaf = mlv_malloc((n + 1) * sizeof *leaf);
	float *normal = mlv_malloc((d ? d : 1) * sizeof *normal);
	for (int t = 0; t < NTREES; t++) {
		mlv_rng g;
		mlv_rng_stream(&g, seed ^ 0x5ca1ab1eULL, (uint64_t)t);
		for (size_t i = 0; i < n; i++)
			perm[i] = (uint32_t)i;
		size_t nleaf = rp_tree(x, n, d, leafsize, &g, perm, leaf,
		                       normal);
		c.perm = perm;
		c.leaf = leaf;
		mlv_parallel_for(nleaf, nt, leaf_join, &c);
	}
	mlv_parallel_for(n, nt, init_random, &c);
	free(normal);
	free(leaf);
	free(perm);

	c.newc = mlv_malloc(mlv_mul_size(nmc, sizeof *c.newc, "ann"));
	c.oldc = mlv_malloc(mlv_mul_size(nmc, sizeof *c.oldc, "ann"));
	c.newp = mlv_malloc(mlv_mul_size(nmc, sizeof *c.newp, "ann"));
	c.oldp = mlv_malloc(mlv_mul_size(nmc, sizeof *c.oldp, "ann"));
	c.buf = mlv_calloc((size_t)nt, sizeof *c.buf);
	c.rows = mlv_malloc(mlv_mul_size((size_t)nt * 2 * mc,
	                                 (d ? d : 1) * sizeof *c.rows, "ann"));
	c.ids = mlv_malloc((size_t)nt * 2 * mc * sizeof *c.ids);
	c.count = mlv_calloc((size_t)nt, sizeof *c.count);
	for (int it = 0; it < MAX_ITER; it++) {
		c.iter = (uint64_t)it;
		mlv_parallel_for(n, nt, build_candidates, &c);
		mlv_parallel_for(n, nt, mark_old, &c);
		memset(c.count, 0, (size_t)nt * sizeof *c.count);
		for (c.b0 = 0; c.b0 < n; c.b0 += BLOCK) {
			size_t bn = n - c.b0 < BLOCK ? n - c.b0 : BLOCK;
			for (int t = 0; t < nt; t++)
				c.buf[t].n = 0;
			mlv_parallel_for(bn, nt, local_join, &c);
			mlv_parallel_for(n, nt, apply_updates, &c);
		}
		size_t total = 0;
		for (int t = 0; t < nt; t++)
			total += c.count[t];
		if ((double)total <= DELTA * (double)nk)
			break;
	}
	mlv_parallel_for(n, nt, finish, &c);
	for (int t = 0; t < nt; t++)
		free(c.buf[t].u);
	free(c.buf);
	free(c.rows);
	free(c.ids);
	free(c.count);
	free(c.oldp);
	free(c.newp);
	free(c.oldc);
	free(c.newc);
	free(c.hf);
	free(c.top);
	return 0;
}
