/* pool.h - run a loop body on several threads.
 *
 * Work is split into `nthreads` contiguous, equal ranges fixed before any
 * thread starts, so which thread computes which item never depends on
 * timing: a tool that reduces per-thread results in thread order is
 * deterministic for a given thread count.
 */
#ifndef MLV_POOL_H
#define MLV_POOL_H

#include <stddef.h>

/* Called once per thread with its half-open range [begin, end) of [0, n)
 * and its thread index. */
typedef void (*mlv_range_fn)(void *ctx, size_t begin, size_t end, int thread);

/* Run fn over [0, n) on up to nthreads threads (the calling thread is one
 * of them) and wait for all.  nthreads <= 0 means one per CPU. */
void mlv_parallel_for(size_t n, int nthreads, mlv_range_fn fn, void *ctx);

/* Dynamic scheduling for items of uneven cost (files of different
 * lengths): threads take the next item index from a shared counter.  fn is
 * called once per item. */
typedef void (*mlv_item_fn)(void *ctx, size_t item, int thread);
void mlv_parallel_items(size_t n, int nthreads, mlv_item_fn fn, void *ctx);

/* The thread count a tool uses for -j 0 or no -j: the CPU count. */
int mlv_default_threads(void);
/* nthreads, or mlv_default_threads() for nthreads <= 0: what the library
 * functions taking an nthreads argument run on. */
int mlv_threads(int nthreads);
/* A -j/--jobs argument: 1 to 1024 threads, or 0 for the default. */
int mlv_parse_jobs(const char *arg);

#endif
