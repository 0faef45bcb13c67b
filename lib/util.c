/* util.c - see util.h */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *mlv_progname = "mlv";

/* Fixed storage, not a malloc'd list: the signal handler reads it, and a
 * handler may touch only memory that is never freed or resized.  Threads
 * writing files at once (mlv-corpus) take the lock to change it; the
 * handler reads it without (it cannot wait), at worst missing a name
 * being written. */
#define MAX_CLEANUP 64
static char cleanup_paths[MAX_CLEANUP][PATH_MAX];
static pthread_mutex_t cleanup_lock = PTHREAD_MUTEX_INITIALIZER;

void
mlv_cleanup_add(const char *path)
{
	if (strlen(path) >= PATH_MAX)
		mlv_die("%s: path too long", path);
	pthread_mutex_lock(&cleanup_lock);
	for (int i = 0; i < MAX_CLEANUP; i++) {
		if (!cleanup_paths[i][0]) {
			strcpy(cleanup_paths[i], path);
			pthread_mutex_unlock(&cleanup_lock);
			return;
		}
	}
	pthread_mutex_unlock(&cleanup_lock);
	mlv_die("%s: too many temporary files open", path);
}

int
mlv_temp_beside(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path) + 16;
	char *t = mlv_malloc(n);
	snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
	/* Signals stay blocked until the name mkstemp chose is registered for
	 * removal, so no signal can leave the temporary file behind. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int fd = mkstemp(t);
	if (fd >= 0)
		mlv_cleanup_add(t);
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		free(t);
		errno = e;
		return -1;
	}
	/* mkstemp creates 0600; give the file the mode open() would have. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	*tmp = t;
	return fd;
}

void
mlv_cleanup_remove(const char *path)
{
	pthread_mutex_lock(&cleanup_lock);
	for (int i = 0; i < MAX_CLEANUP; i++)
		if (!strcmp(cleanup_paths[i], path))
			cleanup_paths[i][0] = '\0';
	pthread_mutex_unlock(&cleanup_lock);
}

static void
run_cleanup(void)
{
	for (int i = 0; i < MAX_CLEANUP; i++)
		if (cleanup_paths[i][0]) {
			unlink(cleanup_paths[i]);
			cleanup_paths[i][0] = '\0';
		}
}

static void
on_fatal_signal(int sig)
{
	run_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void (*at_die)(void);

void
mlv_at_die(void (*fn)(void))
{
	at_die = fn;
}

static void
check_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	if (errno == EPIPE)
		mlv_exit_broken_pipe();
	mlv_die("<stdout>: write error (%s)", strerror(errno));
}

void
mlv_init(char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	mlv_progname = slash ? slash + 1 : argv[0];
	argv[0] = (char *)mlv_progname;
	/* Write errors on a closed pipe come back as EPIPE, so temporary files
	 * are removed before we leave through mlv_exit_broken_pipe(). */
	signal(SIGPIPE, SIG_IGN);
	/* Past ulimit -f, a write fails with EFBIG instead of killing us
	 * silently with the temporary file left behind. */
	signal(SIGXFSZ, SIG_IGN);
	atexit(check_stdout);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

int mlv_quiet;

/* Set by the first thread to die: its line is the last one. */
static int dying;

static void
say(const char *fmt, va_list ap)
{
	/* One locked line: workers of a parallel tool may warn at once. */
	flockfile(stderr);
	fprintf(stderr, "%s: ", mlv_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
mlv_vwarn(const char *fmt, va_list ap)
{
	flockfile(stderr);
	if (!mlv_quiet && !dying)
		say(fmt, ap);
	funlockfile(stderr);
}

void
mlv_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mlv_vwarn(fmt, ap);
	va_end(ap);
}

void
mlv_die(const char *fmt, ...)
{
	/* One line however many threads die at once: the others wait for
	 * the first to end the process. */
	flockfile(stderr);
	if (dying) {
		funlockfile(stderr);
		for (;;)
			pause();
	}
	dying = 1;
	va_list ap;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	funlockfile(stderr);
	if (at_die)
		at_die();
	run_cleanup();
	fflush(NULL);
	/* _exit, not exit: a worker thread may die while others still run,
	 * and exit's atexit handlers and stdio teardown would race them. */
	_exit(MLV_EXIT_FAILURE);
}

void
mlv_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", mlv_progname);
	run_cleanup();
	fflush(NULL);
	_exit(MLV_EXIT_USAGE);
}

void
mlv_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	mlv_try_help();
}

void
mlv_exit_broken_pipe(void)
{
	run_cleanup();
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

int
mlv_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void *
mlv_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		mlv_die("out of memory (allocating %zu bytes)", n);
	return p;
}

void *
mlv_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		mlv_die("out of memory (allocating %zu x %zu bytes)", count, size);
	return p;
}

void *
mlv_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		mlv_die("out of memory (allocating %zu bytes)", n);
	return q;
}

char *
mlv_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(mlv_malloc(n), s, n);
}

typedef struct {
	char **buf;
	size_t *len, cap;
} memsink;

/* Fails (the stream's error flag set) rather than dying: stdio holds the
 * stream's lock here, and mlv_die flushes every stream. */
static ssize_t
memsink_write(void *cookie, const char *p, size_t n)
{
	memsink *m = cookie;
	if (*m->len + n + 1 > m->cap) {
		size_t cap = 2 * (*m->len + n + 1);
		char *b = realloc(*m->buf, cap);
		if (!b) {
			errno = ENOMEM;
			return -1;
		}
		*m->buf = b;
		m->cap = cap;
	}
	memcpy(*m->buf + *m->len, p, n);
	*m->len += n;
	(*m->buf)[*m->len] = '\0';
	return (ssize_t)n;
}

static int
memsink_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *
mlv_memstream(char **buf, size_t *len)
{
	memsink *m = mlv_malloc(sizeof *m);
	*buf = mlv_calloc(1, 1);
	*len = 0;
	*m = (memsink){buf, len, 1};
	cookie_io_functions_t io = {NULL, memsink_write, NULL, memsink_close};
	FILE *f = fopencookie(m, "w", io);
	if (!f)
		mlv_die("out of memory (opening a stream in memory)");
	return f;
}

void
mlv_memstream_close_or_die(FILE *f, const char *what)
{
	int bad = fflush(f) || ferror(f);
	if (fclose(f) || bad)
		mlv_die("out of memory (%s)", what);
}

int
mlv_checked_mul(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

size_t
mlv_mul_size(size_t a, size_t b, const char *what)
{
	size_t r;
	if (mlv_checked_mul(a, b, &r))
		mlv_die("%s: size overflows (%zu x %zu)", what, a, b);
	return r;
}

long long
mlv_parse_int(const char *arg, long long min, long long max, const char *opt)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end || errno == ERANGE)
		mlv_usage_error("%s %s: not an integer", opt, arg);
	if (v < min)
		mlv_usage_error("%s %s: too small (minimum %lld)", opt, arg, min);
	if (v > max)
		mlv_usage_error("%s %s: too large (maximum %lld)", opt, arg, max);
	return v;
}

double
mlv_parse_double(const char *arg, double min, double max, const char *opt)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno == ERANGE || !isfinite(v))
		mlv_usage_error("%s %s: not a finite number", opt, arg);
	if (v < min)
		mlv_usage_error("%s %s: too small (minimum %g)", opt, arg, min);
	if (v > max)
		mlv_usage_error("%s %s: too large (maximum %g)", opt, arg, max);
	return v;
}

uint64_t
mlv_parse_size(const char *arg, const char *opt)
{
	char *end;
	errno = 0;
	if (*arg == '-')
		mlv_usage_error("%s %s: not a size", opt, arg);
	unsigned long long v = strtoull(arg, &end, 10);
	if (end == arg || errno == ERANGE)
		mlv_usage_error("%s %s: not a size", opt, arg);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end)
		mlv_usage_error("%s %s: not a size (use digits with K, M, G or T)",
		                opt, arg);
	if (shift && v > (UINT64_MAX >> shift))
		mlv_usage_error("%s %s: too large", opt, arg);
	return (uint64_t)v << shift;
}

/* Levenshtein distance over one row of the table, case folded. */
void
mlv_print_version(void)
{
	printf("%s (mlv) %s\n", mlv_progname, MLV_VERSION);
}

double
mlv_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
mlv_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

const char *
mlv_eta(char *buf, size_t len, double elapsed, uint64_t done, uint64_t total)
{
	if (done == 0 || done > total) {
		snprintf(buf, len, "time left unknown");
		return buf;
	}
	double left = elapsed * (double)(total - done) / (double)done;
	if (left < 60)
		snprintf(buf, len, "%.0f s left", left);
	else if (left < 3600)
		snprintf(buf, len, "%.0f min %02.0f s left", floor(left / 60),
		         fmod(left, 60));
	else
		snprintf(buf, len, "%.0f h %02.0f min left", floor(left / 3600),
		         fmod(left / 60, 60));
	return buf;
}

void
mlv_progress_begin(mlv_progress *p, const char *what)
{
	p->what = what;
	p->start = p->last = mlv_now();
	p->active = !mlv_quiet && isatty(STDERR_FILENO);
}

void
mlv_progress_update(mlv_progress *p, uint64_t done, uint64_t total,
                    const char *unit)
{
	if (!p->active)
		return;
	double t = mlv_now();
	if (t - p->last < 0.1 && done < total)
		return;
	p->last = t;
	char eta[32];
	if (total)
		fprintf(stderr, "\r%s: %s: %llu/%llu %s (%.0f%%, %.1f s, %s)\033[K",
		        mlv_progname, p->what, (unsigned long long)done,
		        (unsigned long long)total, unit, 100.0 * done / total,
		        t - p->start, mlv_eta(eta, sizeof eta, t - p->start, done, total));
	else
		fprintf(stderr, "\r%s: %s: %llu %s (%.1f s)\033[K", mlv_progname,
		        p->what, (unsigned long long)done, unit, t - p->start);
}

void
mlv_progress_end(mlv_progress *p)
{
	if (p->active)
		fputs("\r\033[K", stderr);
	p->active = 0;
}
