/* util.h - errors, checked allocation, option parsing, progress.
 *
 * One error idiom for every tool:  "mlv-X: <file or record>: <what> (<why>)"
 * on stderr.  Exit status 1 means bad input or a run-time failure, 2 means
 * bad usage.  Library modules other than this one never print or exit; they
 * return an error and leave a message for the tool to pass to mlv_die().
 */
#ifndef MLV_UTIL_H
#define MLV_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef MLV_VERSION
#define MLV_VERSION "0.0.0"
#endif

#define MLV_EXIT_FAILURE 1
#define MLV_EXIT_USAGE 2

#if defined(__GNUC__)
#define MLV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MLV_NORETURN __attribute__((noreturn))
#else
#define MLV_PRINTF(f, a)
#define MLV_NORETURN
#endif

/* The tool's name for messages; set once by mlv_init(). */
extern const char *mlv_progname;

/* Call first in main(): records the tool name (and shortens argv[0] to it,
 * so getopt's own messages read "mlv-X: ...") and arranges that temporary
 * output files are removed when the process dies on an error or a signal.
 * A file size limit (SIGXFSZ) becomes a write error (EFBIG) reported like
 * a full disk, and text printed to stdout (help, version) is checked at
 * exit, so a failed write is an error too. */
void mlv_init(char **argv);

/* fn runs in mlv_die() before temporary files are removed (one hook: the
 * stream writer's, passing on the whole records it holds). */
void mlv_at_die(void (*fn)(void));

/* Print "progname: message" and exit 1.  Callers spell the whole message,
 * "<file or record>: <what> (<why>)", so every tool's errors keep one shape. */
MLV_NORETURN void mlv_die(const char *fmt, ...) MLV_PRINTF(1, 2);
/* Same message, exit status 2, plus a hint to run --help. */
MLV_NORETURN void mlv_usage_error(const char *fmt, ...) MLV_PRINTF(1, 2);
/* After getopt has reported a bad option: the hint, and exit status 2. */
MLV_NORETURN void mlv_try_help(void);
/* A warning line; none when -q/--quiet set mlv_quiet, which also keeps
 * progress lines off. */
extern int mlv_quiet;
void mlv_warn(const char *fmt, ...) MLV_PRINTF(1, 2);
void mlv_vwarn(const char *fmt, va_list ap);

/* Quit the way a Unix filter does when its reader went away: quietly, by
 * SIGPIPE, after removing temporary files. */
MLV_NORETURN void mlv_exit_broken_pipe(void);

/* Format a message into a caller's buffer (err may be NULL or errlen 0)
 * and return -1: how library functions report what went wrong. */
int mlv_errf(char *err, size_t errlen, const char *fmt, ...) MLV_PRINTF(3, 4);

/* Checked allocation: die with the size on failure.  Sizes are products
 * checked with mlv_mul_size() first, never raw int arithmetic. */
void *mlv_malloc(size_t n);
void *mlv_calloc(size_t count, size_t size);
void *mlv_realloc(void *p, size_t n);
char *mlv_strdup(const char *s);
/* A stream writing into *buf (malloc'd, NUL-terminated, *len bytes), as
 * open_memstream(3), but whose running out of memory is an error of the
 * stream: glibc's memory streams drop the bytes silently.  Close it with
 * mlv_memstream_close_or_die, which dies "out of memory (WHAT)" then. */
FILE *mlv_memstream(char **buf, size_t *len);
void mlv_memstream_close_or_die(FILE *f, const char *what);
/* a*b, or die naming what overflowed. */
size_t mlv_mul_size(size_t a, size_t b, const char *what);
/* a*b into *out; returns -1 on overflow. */
int mlv_checked_mul(size_t a, size_t b, size_t *out);

/* Option values: die with exit 2 and "--opt VALUE: why" when the text is not
 * a number or lies outside [min, max]. */
long long mlv_parse_int(const char *arg, long long min, long long max,
                        const char *opt);
double mlv_parse_double(const char *arg, double min, double max,
                        const char *opt);
/* Byte counts with an optional K, M, G or T suffix (powers of 1024). */
uint64_t mlv_parse_size(const char *arg, const char *opt);

/* Standard --version text, printed to stdout. */
void mlv_print_version(void);

/* Create an empty temporary file beside path (".NAME.XXXXXX" in its
 * directory, so a rename onto path stays on one file system), with the
 * mode open() would give, registered for removal at death.  Returns its
 * descriptor and sets *tmp (malloc'd), or -1 with errno set. */
int mlv_temp_beside(const char *path, char **tmp);

/* Temporary files that die/signal handlers must unlink. */
void mlv_cleanup_add(const char *path);
void mlv_cleanup_remove(const char *path);

/* A progress line on stderr, redrawn at most ten times a second, only when
 * stderr is a terminal, so logs and pipelines stay clean. */
typedef struct {
	const char *what;
	double start, last;
	int active;
} mlv_progress;
void mlv_progress_begin(mlv_progress *p, const char *what);
/* "12 s left", "3 min 05 s left": the rest of a job that took elapsed
 * seconds for done of total units, at the same rate; written to buf. */
const char *mlv_eta(char *buf, size_t len, double elapsed, uint64_t done,
                    uint64_t total);
void mlv_progress_update(mlv_progress *p, uint64_t done, uint64_t total,
                         const char *unit);
void mlv_progress_end(mlv_progress *p);

/* Monotonic seconds, for progress and benchmarks. */
double mlv_now(void);

/* Number of online processors, at least 1. */
int mlv_ncpu(void);

#endif
