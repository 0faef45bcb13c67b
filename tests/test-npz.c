/* test-npz.c - the .npz writer's limits without ZIP64: what would pass
 * them is refused before any of it is read or written. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npz.h"
#include "test.h"

static char tmpdir[] = "/tmp/mlv-test-npz.XXXXXX";

static long long
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long long)st.st_size;
}

/* A record of 4 GiB and more, on pages mapped but never touched (the
 * refusal comes before the CRC pass, so they stay unbacked): EFBIG, and
 * the archive written around it holds none of its bytes. */
TEST(over_4gib_refused_before_the_data)
{
	char path[256];
	snprintf(path, sizeof path, "%s/big.npz", tmpdir);
	size_t rows = 1 << 20, cols = 1025; /* 4 GiB + 4 MiB */
	size_t bytes = rows * cols * sizeof(float);
	float *x = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
	                MAP_NORESERVE, -1, 0);
	if (x == MAP_FAILED) {
		printf("# skip: cannot map %zu bytes\n", bytes);
		return;
	}
	mlv_record r;
	mlv_record_init(&r);
	r.rows = rows;
	r.cols = cols;
	r.data = x;
	mlv_writer *w = mlv_writer_open(path);
	mlv_npz_writer *z = mlv_npz_begin(w);
	errno = 0;
	CHECK_INT(mlv_npz_add(z, &r), -1);
	CHECK_INT(errno, EFBIG);
	CHECK_INT(mlv_npz_end(z), 0);
	CHECK_INT(mlv_writer_close(w), 0);
	long long n = file_size(path);
	CHECK(n > 0 && n < 4096);
	r.data = NULL;
	mlv_record_free(&r);
	munmap(x, bytes);
}

/* 65534 records and meta.json fill a ZIP's 65535 entries; the next
 * record is refused as it comes, and the archive still ends whole. */
TEST(entries_refused_past_65534)
{
	char path[256];
	snprintf(path, sizeof path, "%s/many.npz", tmpdir);
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, 1, 1);
	r.data[0] = 1;
	mlv_writer *w = mlv_writer_open(path);
	mlv_npz_writer *z = mlv_npz_begin(w);
	int rc = 0;
	for (int i = 0; i < 65534 && !rc; i++)
		rc = mlv_npz_add(z, &r);
	CHECK_INT(rc, 0);
	errno = 0;
	CHECK_INT(mlv_npz_add(z, &r), -1);
	CHECK_INT(errno, EFBIG);
	CHECK_INT(mlv_npz_end(z), 0);
	CHECK_INT(mlv_writer_close(w), 0);
	mlv_reader *rd = mlv_reader_open(path);
	mlv_record *recs = NULL;
	size_t n = 0;
	char err[256] = "";
	CHECK_INT(mlv_npz_read(rd, &recs, &n, err, sizeof err), 0);
	CHECK_INT(n, 65534);
	for (size_t i = 0; i < n; i++)
		mlv_record_free(&recs[i]);
	free(recs);
	mlv_reader_close(rd);
	mlv_record_free(&r);
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(over_4gib_refused_before_the_data);
	RUN(entries_refused_past_65534);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return TEST_EXIT();
}
