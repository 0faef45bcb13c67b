/* test-index.c - the sidecar index: build, write, load, look up, fetch. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "test.h"

static char dir[] = "/tmp/mlv-test-index.XXXXXX";

static const char *
in_dir(const char *name)
{
	static char path[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
	return path[k];
}

/* A stream of records with these ids (NULL: no id), record i of i+1 rows
 * of 2 columns holding i. */
static void
write_stream(const char *name, const char *const *ids, size_t n)
{
	mlv_writer *w = mlv_writer_open(in_dir(name));
	mlv_record r;
	mlv_record_init(&r);
	for (size_t i = 0; i < n; i++) {
		mlv_record_resize(&r, i + 1, 2);
		for (size_t k = 0; k < r.rows * r.cols; k++)
			r.data[k] = (float)i;
		mlv_meta_clear(&r);
		if (ids[i])
			mlv_meta_set(&r, "id", ids[i]);
		mlv_write(w, &r);
	}
	mlv_writer_close(w);
	mlv_record_free(&r);
}

TEST(build_write_load_round_trip)
{
	static const char *const ids[] = {"a", NULL, "b c%", "a", "ü#1"};
	write_stream("s.mlv", ids, 5);
	mlv_index ix;
	char err[512];
	mlv_index_init(&ix);
	CHECK_INT(mlv_index_add_stream(&ix, in_dir("s.mlv"), "s.mlv", err,
	                               sizeof err), 0);
	CHECK_INT(ix.n, 4);
	CHECK_INT(ix.files[0].no_id, 1);
	CHECK_INT(ix.entries[1].record, 3);
	CHECK_INT(ix.entries[0].offset, 0);
	/* Each entry ends where the next record starts. */
	CHECK_INT(ix.entries[2].offset, ix.entries[1].offset + ix.entries[1].length);

	mlv_writer *w = mlv_writer_open_text(in_dir("s.idx"));
	CHECK_INT(mlv_index_write(&ix, w, dir), 0);
	CHECK_INT(mlv_writer_close(w), 0);
	mlv_index back;
	mlv_index_init(&back);
	CHECK_INT(mlv_index_load(&back, in_dir("s.idx"), err, sizeof err), 0);
	CHECK_INT(back.n, 4);
	CHECK_STR(back.files[0].path, "s.mlv");
	CHECK_STR(back.files[0].open_path, in_dir("s.mlv"));
	CHECK_INT(back.files[0].sum, ix.files[0].sum);
	CHECK_INT(back.files[0].mtime_nsec, ix.files[0].mtime_nsec);
	for (size_t i = 0; i < 4; i++) {
		CHECK_STR(back.entries[i].id, ix.entries[i].id);
		CHECK_INT(back.entries[i].offset, ix.entries[i].offset);
		CHECK_INT(back.entries[i].length, ix.entries[i].length);
	}

	size_t count;
	const mlv_index_entry *e = mlv_index_find(&back, "a", &count);
	CHECK_INT(count, 2);
	CHECK(e == &back.entries[0]);
	e = mlv_index_find(&back, "b c%", &count);
	CHECK_INT(count, 1);
	CHECK(mlv_index_find(&back, "b", &count) == NULL);
	CHECK_INT(count, 0);
	CHECK_STR(mlv_index_nearest(&back, "b c"), "b c%");
	CHECK(mlv_index_nearest(&back, "zzzz") == NULL);
	size_t pos = 0;
	e = mlv_index_next_duplicate(&back, &pos, &count);
	CHECK(e && !strcmp(e->id, "a") && count == 2);
	CHECK(mlv_index_next_duplicate(&back, &pos, &count) == NULL);

	mlv_record r;
	mlv_record_init(&r);
	e = mlv_index_find(&back, "ü#1", &count);
	mlv_reader *rd = mlv_index_fetch(&back, e, &r, err, sizeof err);
	CHECK(rd != NULL);
	CHECK_INT(r.rows, 5);
	CHECK_NEAR(r.data[9], 4, 0);
	CHECK_INT(mlv_reader_index(rd), 5);
	CHECK_INT(mlv_reader_offset(rd), e->offset);
	mlv_record_free(&r);
	mlv_index_free(&back);
	mlv_index_free(&ix);
}

/* An index refused, with the message's end. */
static void
refused(const char *text, const char *why)
{
	FILE *f = fopen(in_dir("bad.idx"), "w");
	fputs(text, f);
	fclose(f);
	mlv_index ix;
	char err[512];
	mlv_index_init(&ix);
	CHECK_INT(mlv_index_load(&ix, in_dir("bad.idx"), err, sizeof err), -1);
	const char *tail = strstr(err, ": line ");
	CHECK_STR(tail, why);
	mlv_index_free(&ix);
}

TEST(malformed_indexes_are_refused)
{
	const char *head = "mlvidx1 file=x.mlv size=100 mtime=5.000000001 "
	                   "sum=0123456789abcdef records=2\n";
	char buf[512];
	refused("", ": line 0: empty (not an MLV index)");
	refused("a 1 0 10\n", ": line 1: not an MLV index (no mlvidx1 line first)");
	snprintf(buf, sizeof buf, "%sa 1 0 10\nb 2 10 10", head);
	refused(buf, ": line 3: truncated (no newline at the end)");
	snprintf(buf, sizeof buf, "%sa 1 0 10\n", head);
	refused(buf, ": line 3: truncated (fewer entries than its file line's records=)");
	snprintf(buf, sizeof buf, "%sa 1 0 10\nb 2 11 10\n", head);
	refused(buf, ": line 3: records out of order or overlapping");
	snprintf(buf, sizeof buf, "%sa 1 0 10\nb 3 5 10\n", head);
	refused(buf, ": line 3: records out of order or overlapping");
	snprintf(buf, sizeof buf, "%sa 1 0 10\nb 3 95 10\n", head);
	refused(buf, ": line 3: record beyond the end of its file");
	snprintf(buf, sizeof buf, "%sa 1 0 10\nb%%zz 2 10 10\n", head);
	refused(buf, ": line 3: bad id");
	snprintf(buf, sizeof buf, "%sa 1 0 10\nb 2 10 18446744073709551616\n", head);
	refused(buf, ": line 3: bad number");
	refused("mlvidx1 file=x.mlv size=1 mtime=5.1 sum=0123456789abcdef records=0\n",
	        ": line 1: bad mtime");
	refused("mlvidx1 file=x.mlv size=1 mtime=5.000000000 sum=0123 records=0\n",
	        ": line 1: bad sum");
	/* Unknown keys are for later versions; a file of no entries is fine. */
	FILE *f = fopen(in_dir("ok.idx"), "w");
	fputs("mlvidx1 file=x.mlv size=0 mtime=0.000000000 sum=0123456789abcdef "
	      "records=0 later=1\n", f);
	fclose(f);
	mlv_index ix;
	char err[512];
	mlv_index_init(&ix);
	CHECK_INT(mlv_index_load(&ix, in_dir("ok.idx"), err, sizeof err), 0);
	CHECK_INT(ix.nfiles, 1);
	mlv_index_free(&ix);
}

TEST(stale_stream_is_refused)
{
	static const char *const ids[] = {"a", "b"};
	write_stream("t.mlv", ids, 2);
	mlv_index ix;
	char err[512];
	mlv_index_init(&ix);
	CHECK_INT(mlv_index_add_stream(&ix, in_dir("t.mlv"), "t.mlv", err,
	                               sizeof err), 0);
	/* The same size and mtime, other bytes. */
	struct stat st;
	stat(in_dir("t.mlv"), &st);
	FILE *f = fopen(in_dir("t.mlv"), "r+");
	fseek(f, -1, SEEK_END);
	fputc('x', f);
	fclose(f);
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	utimensat(AT_FDCWD, in_dir("t.mlv"), times, 0);
	mlv_record r;
	mlv_record_init(&r);
	CHECK(mlv_index_fetch(&ix, &ix.entries[0], &r, err, sizeof err) == NULL);
	CHECK(strstr(err, "stale index (the file's checksum changed") != NULL);
	mlv_record_free(&r);
	mlv_index_free(&ix);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(build_write_load_round_trip);
	RUN(malformed_indexes_are_refused);
	RUN(stale_stream_is_refused);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return TEST_EXIT();
}
