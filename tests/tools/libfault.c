/* libfault.c - an LD_PRELOAD shim for tests/cli/test-faults.sh: makes the
 * Nth call of write(2) (to any descriptor but stderr, where the message
 * must still go) or rename(2) fail, and can make read(2) return one byte
 * at a time.  Those two are the calls through which mlv's outputs are
 * written and committed; both are called by name from lib/, so the shim
 * sees every one (glibc's stdio writes underneath, unseen, but mlv does
 * not write its outputs with stdio).
 *
 *   MLV_FAULT=N              the Nth write or rename fails (write with
 *                            ENOSPC, rename with EIO)
 *   MLV_FAULT_COUNT=FILE     at exit, append the number of those calls
 *   MLV_FAULT_SHORT_READS=1  every read returns at most one byte
 *
 * The variables and LD_PRELOAD are removed at start, so that child
 * processes (gnuplot) run unharmed: only the mlv tool is tested. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_rename)(const char *, const char *);
static unsigned long fail_at, calls;
static int short_reads;
static char count_file[4096];

__attribute__((constructor)) static void
start(void)
{
	*(void **)&real_write = dlsym(RTLD_NEXT, "write");
	*(void **)&real_read = dlsym(RTLD_NEXT, "read");
	*(void **)&real_rename = dlsym(RTLD_NEXT, "rename");
	const char *s = getenv("MLV_FAULT");
	fail_at = s ? strtoul(s, NULL, 10) : 0;
	s = getenv("MLV_FAULT_COUNT");
	snprintf(count_file, sizeof count_file, "%s", s ? s : "");
	s = getenv("MLV_FAULT_SHORT_READS");
	short_reads = s && *s == '1';
	unsetenv("MLV_FAULT");
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
		dprintf(fd, "%lu\n", __atomic_load_n(&calls, __ATOMIC_SEQ_CST));
		close(fd);
	}
}

/* Whether this call is the one to fail. */
static int
faulty(void)
{
	return __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST) == fail_at;
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
