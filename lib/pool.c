/* pool.c - see pool.h */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
mlv_default_threads(void)
{
	return mlv_ncpu();
}

int
mlv_threads(int nthreads)
{
	return nthreads > 0 ? nthreads : mlv_default_threads();
}

int
mlv_parse_jobs(const char *arg)
{
	int n = (int)mlv_parse_int(arg, 0, 1024, "--jobs");
	return n ? n : mlv_default_threads();
}

typedef struct {
	size_t n;
	int nthreads;
	mlv_range_fn range_fn;
	mlv_item_fn item_fn;
	void *ctx;
	atomic_size_t next;
} job;

typedef struct {
	job *j;
	int index;
} worker;

static void *
run_worker(void *arg)
{
	worker *w = arg;
	job *j = w->j;
	if (j->range_fn) {
		size_t begin = j->n * (size_t)w->index / (size_t)j->nthreads;
		size_t end = j->n * (size_t)(w->index + 1) / (size_t)j->nthreads;
		if (begin < end)
			j->range_fn(j->ctx, begin, end, w->index);
		return NULL;
	}
	for (;;) {
		size_t item = atomic_fetch_add(&j->next, 1);
		if (item >= j->n)
			break;
		j->item_fn(j->ctx, item, w->index);
	}
	return NULL;
}

static void
run(job *j, int nthreads)
{
	if (nthreads <= 0)
		nthreads = mlv_default_threads();
	if ((size_t)nthreads > j->n)
		nthreads = j->n ? (int)j->n : 1;
	j->nthreads = nthreads;
	atomic_init(&j->next, 0);
	worker *ws = mlv_calloc((size_t)nthreads, sizeof *ws);
	pthread_t *tids = mlv_calloc((size_t)nthreads, sizeof *tids);
	for (int i = 0; i < nthreads; i++) {
		ws[i].j = j;
		ws[i].index = i;
	}
	for (int i = 1; i < nthreads; i++) {
		int rc = pthread_create(&tids[i], NULL, run_worker, &ws[i]);
		if (rc)
			mlv_die("cannot start thread %d of %d (%s)", i + 1, nthreads,
			        strerror(rc));
	}
	run_worker(&ws[0]);
	for (int i = 1; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	free(ws);
	free(tids);
}

void
mlv_parallel_for(size_t n, int nthreads, mlv_range_fn fn, void *ctx)
{
	job j = {.n = n, .range_fn = fn, .ctx = ctx};
	run(&j, nthreads);
}

void
mlv_parallel_items(size_t n, int nthreads, mlv_item_fn fn, void *ctx)
{
	job j = {.n = n, .item_fn = fn, .ctx = ctx};
	run(&j, nthreads);
}
