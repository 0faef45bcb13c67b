/* libfault.c - an LD_PRELOAD shim for tests/cli/test-faults.sh: makes the
 * Nth call of write(2) (to any descriptor but stderr, where the message
 * must still go), fsync(2) or rename(2) fail, or the Nth allocation, and
 * can make read(2) return one byte at a time.  write, fsync and rename are
 * the calls through which mlv's outputs are written and committed; all are
 * called by name from lib/, so the shim sees every one (glibc's stdio
 * writes underneath, unseen, but mlv does not write its outputs with
 * stdio).
 *
 *   MLV_FAULT=N              the Nth write, fsync or rename fails (write
 *                            with ENOSPC, fsync and rename with EIO)
 *   MLV_FAULT_ALLOC=N        the Nth malloc, calloc, realloc, memalign,
 *                            posix_memalign or aligned_alloc fails (ENOMEM)
 *   MLV_FAULT_COUNT=FILE     at exit, append "WRITES ALLOCATIONS"
 *   MLV_FAULT_SHORT_READS=1  every read returns at most one byte
 *
 * Allocations are counted from the start of main, by any caller: mlv's
 * own, and those libc, libsndfile, libyaml and OpenBLAS make on its behalf
 * (getline, fopen, sf_open), whose failures mlv must report as well.
 * What the loader and the libraries' constructors allocate before main is
 * not counted: no program can report a failure there.  Nor is what
 * libsoxr and libsndfile allocate: each uses some failed allocation and
 * crashes (found by this sweep: libsoxr 0.1.3 in soxr_process, libsndfile
 * 1.2.0 in sf_open_fd), which mlv cannot guard against.
 *
 * The variables and LD_PRELOAD are removed at start, so that child
 * processes (gnuplot) run unharmed: only the mlv tool is tested. */
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* glibc's own allocator under its exported second names: calling these
 * needs no dlsym, which itself allocates. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_rename)(const char *, const char *);
static int (*real_fsync)(int);
static unsigned long fail_at, calls, alloc_fail_at, allocs;
static int short_reads, in_main;
static char count_file[4096];

__attribute__((constructor)) static void
start(void)
{
	*(void **)&real_write = dlsym(RTLD_NEXT, "write");
	*(void **)&real_read = dlsym(RTLD_NEXT, "read");
	*(void **)&real_rename = dlsym(RTLD_NEXT, "rename");
	*(void **)&real_fsync = dlsym(RTLD_NEXT, "fsync");
	const char *s = getenv("MLV_FAULT");
	fail_at = s ? strtoul(s, NULL, 10) : 0;
	s = getenv("MLV_FAULT_ALLOC");
	alloc_fail_at = s ? strtoul(s, NULL, 10) : 0;
	s = getenv("MLV_FAULT_COUNT");
	snprintf(count_file, sizeof count_file, "%s", s ? s : "");
	s = getenv("MLV_FAULT_SHORT_READS");
	short_reads = s && *s == '1';
	unsetenv("MLV_FAULT");
	unsetenv("MLV_FAULT_ALLOC");
	unsetenv("MLV_FAULT_COUNT");
	unsetenv("MLV_FAULT_SHORT_READS");
	unsetenv("LD_PRELOAD");
}

__attribute__((destructor)) static void
finish(void)
{
	if (!*count_file)
		return;
	int fd = open(count_file, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		dprintf(fd, "%lu %lu\n", __atomic_load_n(&calls, __ATOMIC_SEQ_CST),
		        __atomic_load_n(&allocs, __ATOMIC_SEQ_CST));
		close(fd);
	}
}

/* The code of the libraries whose allocations are not counted. */
#define MAX_EXEMPT 8
static struct { uintptr_t lo, hi; } exempt[MAX_EXEMPT];
static int nexempt;

static int
find_exempt(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	if (!strstr(info->dlpi_name, "/libsoxr.") &&
	    !strstr(info->dlpi_name, "/libsndfile."))
		return 0;
	for (int i = 0; i < info->dlpi_phnum && nexempt < MAX_EXEMPT; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			exempt[nexempt].lo = info->dlpi_addr + ph->p_vaddr;
			exempt[nexempt].hi = exempt[nexempt].lo + ph->p_memsz;
			nexempt++;
		}
	}
	return 0;
}

/* main runs wrapped, so that allocations are counted from its start. */
static int (*real_main)(int, char **, char **);

static int
counted_main(int argc, char **argv, char **envp)
{
	dl_iterate_phdr(find_exempt, NULL);
	__atomic_store_n(&in_main, 1, __ATOMIC_SEQ_CST);
	return real_main(argc, argv, envp);
}

int __libc_start_main(int (*)(int, char **, char **), int, char **,
                      void (*)(void), void (*)(void), void (*)(void), void *);

int
__libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                  void (*init)(void), void (*fini)(void),
                  void (*rtld_fini)(void), void *stack_end)
{
	int (*next)(int (*)(int, char **, char **), int, char **, void (*)(void),
	            void (*)(void), void (*)(void), void *);
	*(void **)&next = dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return next(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* Whether this call is the one to fail. */
static int
faulty(void)
{
	return __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST) == fail_at;
}

static int
alloc_faulty(const void *caller)
{
	if (!__atomic_load_n(&in_main, __ATOMIC_SEQ_CST))
		return 0;
	for (int i = 0; i < nexempt; i++)
		if ((uintptr_t)caller >= exempt[i].lo &&
		    (uintptr_t)caller < exempt[i].hi)
			return 0;
	if (__atomic_add_fetch(&allocs, 1, __ATOMIC_SEQ_CST) != alloc_fail_at)
		return 0;
	errno = ENOMEM;
	return 1;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	if (fd != STDERR_FILENO && faulty()) {
		errno = ENOSPC;
		return -1;
	}
	return real_write(fd, buf, n);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	return real_read(fd, buf, short_reads && n > 1 ? 1 : n);
}

int
rename(const char *from, const char *to)
{
	if (faulty()) {
		errno = EIO;
		return -1;
	}
	return real_rename(from, to);
}

int
fsync(int fd)
{
	if (faulty()) {
		errno = EIO;
		return -1;
	}
	return real_fsync(fd);
}

void *
malloc(size_t n)
{
	return alloc_faulty(__builtin_return_address(0)) ? NULL : __libc_malloc(n);
}

void *
calloc(size_t count, size_t size)
{
	return alloc_faulty(__builtin_return_address(0)) ? NULL : __libc_calloc(count, size);
}

void *
realloc(void *p, size_t n)
{
	return alloc_faulty(__builtin_return_address(0)) ? NULL : __libc_realloc(p, n);
}

void *
memalign(size_t align, size_t n)
{
	return alloc_faulty(__builtin_return_address(0)) ? NULL : __libc_memalign(align, n);
}

void *
aligned_alloc(size_t align, size_t n)
{
	return alloc_faulty(__builtin_return_address(0)) ? NULL : __libc_memalign(align, n);
}

int
posix_memalign(void **p, size_t align, size_t n)
{
	if (alloc_faulty(__builtin_return_address(0)))
		return ENOMEM;
	void *q = __libc_memalign(align, n);
	if (!q)
		return ENOMEM;
	*p = q;
	return 0;
}
