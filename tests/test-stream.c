/* test-stream.c - the MLV stream reader, writer and metadata. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream.h"
#include "test.h"

static char tmpdir[] = "/tmp/mlv-test-stream.XXXXXX";
static int file_counter;

/* Write bytes to a fresh file and return its path (static storage). */
static const char *
file_with(const void *buf, size_t n)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/in%d.mlv", tmpdir, file_counter++);
	FILE *f = fopen(path, "wb");
	fwrite(buf, 1, n, f);
	fclose(f);
	return path;
}

/* Read every record of the bytes; return what the last mlv_read returned,
 * the number of records read, and the reader's error text. */
static int
read_all(const void *buf, size_t n, size_t *records, char *err, size_t errlen)
{
	mlv_reader *rd = mlv_reader_open(file_with(buf, n));
	mlv_record r;
	mlv_record_init(&r);
	int rc;
	*records = 0;
	while ((rc = mlv_read(rd, &r)) > 0)
		(*records)++;
	snprintf(err, errlen, "%s", mlv_reader_error(rd));
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return rc;
}

/* The reader refuses `text` with a message containing `want`. */
static int
refuses(const char *text, size_t n, const char *want)
{
	char err[1024];
	size_t records;
	int rc = read_all(text, n, &records, err, sizeof err);
	if (rc != -1 || !strstr(err, want)) {
		printf("#   input '%.40s': rc %d, error '%s', expected '%s'\n",
		       text, rc, err, want);
		return 0;
	}
	return 1;
}

TEST(encode_decode_every_byte)
{
	char in[256], enc[3 * 256 + 1];
	for (int i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	size_t n = mlv_encode(enc, in);
	CHECK_INT(n, strlen(enc));
	for (size_t i = 0; i < n; i++)
		CHECK(enc[i] > ' ' && enc[i] <= '~');
	CHECK(mlv_decode(enc) == 0);
	CHECK(!strcmp(enc, in));
	char lower[] = "a%2fb%2Fc";
	CHECK(mlv_decode(lower) == 0);
	CHECK_STR(lower, "a/b/c");
	char bad1[] = "x%4", bad2[] = "x%G1", bad3[] = "x%00y";
	CHECK(mlv_decode(bad1) == -1);
	CHECK(mlv_decode(bad2) == -1);
	CHECK(mlv_decode(bad3) == -1);
}

TEST(keys)
{
	CHECK(mlv_key_valid("label.performer"));
	CHECK(mlv_key_valid("a_b-c:d+e"));
	CHECK(!mlv_key_valid(""));
	CHECK(!mlv_key_valid("a b"));
	CHECK(!mlv_key_valid("a=b"));
	CHECK(!mlv_key_valid("caf\xc3\xa9"));
}

TEST(nearest_key)
{
	const char *keys[] = {"id", "kind", "label.performer", "label.piece",
	                      "t0", "dt"};
	size_t n = sizeof keys / sizeof *keys;
	CHECK_STR(mlv_nearest_key("label.performr", keys, n), "label.performer");
	CHECK_STR(mlv_nearest_key("lable.piece", keys, n), "label.piece");
	CHECK_STR(mlv_nearest_key("label.Piece", keys, n), "label.piece");
	CHECK_STR(mlv_nearest_key("Id", keys, n), "id");
	CHECK_STR(mlv_nearest_key("kid", keys, n), "id"); /* the first of two */
	/* a key that exists, one too far, and no keys: no suggestion */
	CHECK(mlv_nearest_key("kind", keys, n) == NULL);
	CHECK(mlv_nearest_key("label.composer", keys, n) == NULL);
	CHECK(mlv_nearest_key("zz", keys, n) == NULL);
	CHECK(mlv_nearest_key("id", keys, 0) == NULL);
	/* a third of the length: 13 letters allow 5 edits, not 6 */
	const char *one[] = {"abcdefghijklm"};
	CHECK_STR(mlv_nearest_key("abcdefghVWXYZ", one, 1), "abcdefghijklm");
	CHECK(mlv_nearest_key("abcdefgUVWXYZ", one, 1) == NULL);
}

TEST(metadata)
{
	mlv_record r, s;
	mlv_record_init(&r);
	mlv_record_init(&s);
	mlv_meta_set(&r, "id", "a");
	mlv_meta_set(&r, "kind", "spec");
	mlv_meta_setf(&r, "t0", "%.3f", 1.5);
	mlv_meta_set(&r, "id", "b");
	CHECK_INT(r.nmeta, 3);
	CHECK_STR(r.meta[0].key, "id");
	CHECK_STR(mlv_meta_get(&r, "id"), "b");
	double v = 0;
	CHECK_INT(mlv_meta_get_double(&r, "t0", &v), 0);
	CHECK_NEAR(v, 1.5, 0);
	CHECK_INT(mlv_meta_get_double(&r, "kind", &v), -2);
	CHECK_INT(mlv_meta_get_double(&r, "dur", &v), -1);
	mlv_meta_unset(&r, "kind");
	CHECK(mlv_meta_get(&r, "kind") == NULL);
	CHECK_STR(r.meta[1].key, "t0");
	mlv_meta_set(&s, "id", "s");
	mlv_meta_set(&s, "label.x", "y");
	mlv_meta_merge(&r, &s, 0);
	CHECK_STR(mlv_meta_get(&r, "id"), "b");
	CHECK_STR(mlv_meta_get(&r, "label.x"), "y");
	mlv_meta_merge(&r, &s, 1);
	CHECK_STR(mlv_meta_get(&r, "id"), "s");
	mlv_record_free(&r);
	mlv_record_free(&s);
}

TEST(write_then_read)
{
	char path[256];
	snprintf(path, sizeof path, "%s/rt.mlv", tmpdir);
	mlv_writer *w = mlv_writer_open(path);
	CHECK(w != NULL);
	mlv_record r;
	mlv_record_init(&r);
	size_t shapes[][2] = {{3, 4}, {0, 5}, {5, 0}, {1, 1}, {700, 600}};
	for (size_t k = 0; k < 5; k++) {
		mlv_record_resize(&r, shapes[k][0], shapes[k][1]);
		for (size_t i = 0; i < r.rows * r.cols; i++)
			r.data[i] = (float)(k * 1000 + i) * 0.5f - 3.25f;
		mlv_meta_clear(&r);
		mlv_meta_setf(&r, "id", "track %zu.wav#%zu", k, k);
		mlv_meta_set(&r, "label.title", "caf\xc3\xa9 = \"100%\"\n<&>\t!");
		CHECK(mlv_write(w, &r) == 0);
	}
	/* Nothing is visible under the final name until close. */
	struct stat st;
	CHECK(stat(path, &st) == -1 && errno == ENOENT);
	CHECK(mlv_writer_close(w) == 0);
	CHECK(stat(path, &st) == 0);

	mlv_reader *rd = mlv_reader_open(path);
	mlv_record q;
	mlv_record_init(&q);
	for (size_t k = 0; k < 5; k++) {
		CHECK_INT(mlv_read(rd, &q), 1);
		CHECK_INT(q.rows, shapes[k][0]);
		CHECK_INT(q.cols, shapes[k][1]);
		int same = 1;
		for (size_t i = 0; i < q.rows * q.cols; i++)
			same &= q.data[i] == (float)(k * 1000 + i) * 0.5f - 3.25f;
		CHECK(same);
		char id[64];
		snprintf(id, sizeof id, "track %zu.wav#%zu", k, k);
		CHECK_STR(mlv_meta_get(&q, "id"), id);
		CHECK_STR(mlv_meta_get(&q, "label.title"),
		          "caf\xc3\xa9 = \"100%\"\n<&>\t!");
		CHECK_INT(mlv_reader_index(rd), k + 1);
	}
	CHECK_INT(mlv_read(rd, &q), 0);
	CHECK_INT(mlv_read(rd, &q), 0);
	mlv_reader_close(rd);
	mlv_record_free(&q);
	mlv_record_free(&r);
}

TEST(header_is_readable_text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/hdr.mlv", tmpdir);
	mlv_writer *w = mlv_writer_open(path);
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, 2, 3);
	memset(r.data, 0, 6 * sizeof(float));
	r.data[0] = 1.0f;
	mlv_meta_set(&r, "id", "a b");
	mlv_meta_set(&r, "kind", "spec");
	mlv_write(w, &r);
	mlv_writer_close(w);
	FILE *f = fopen(path, "rb");
	unsigned char buf[64];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	const char *want = "MLV1 2 3 id=a%20b kind=spec\n";
	CHECK_INT(n, strlen(want) + 24);
	CHECK(!memcmp(buf, want, strlen(want)));
	/* 1.0f little-endian */
	const unsigned char one[4] = {0x00, 0x00, 0x80, 0x3f};
	CHECK(!memcmp(buf + strlen(want), one, 4));
	mlv_record_free(&r);
}

TEST(empty_stream)
{
	char err[256];
	size_t records;
	CHECK_INT(read_all("", 0, &records, err, sizeof err), 0);
	CHECK_INT(records, 0);
}

/* An in-memory source reads as a regular file of that size would: whole
 * records, the bytes left known, a cut payload named. */
TEST(memory_source)
{
	static const char two[] = "MLV1 1 1 id=a\n\0\0\200?MLV1 1 1 id=b\n\0\0";
	mlv_reader *rd = mlv_reader_memopen(two, sizeof two - 1, "mem");
	mlv_record r;
	mlv_record_init(&r);
	uint64_t left;
	CHECK_INT(mlv_read(rd, &r), 1);
	CHECK_STR(mlv_meta_get(&r, "id"), "a");
	CHECK(r.data[0] == 1.0f);
	CHECK_INT(mlv_reader_bytes_left(rd, &left), 0);
	CHECK_INT(left, 16);
	CHECK_INT(mlv_read(rd, &r), -1);
	CHECK(strstr(mlv_reader_error(rd), "mem: record 2 at byte 18: ") != NULL);
	mlv_record_free(&r);
	mlv_reader_close(rd);
}

/* A pipe read ahead to its end knows the bytes left; read ahead only in
 * part, it does not, and the records still read whole in order. */
TEST(pipe_read_ahead)
{
	static const char two[] = "MLV1 1 1 id=a\n\0\0\200?MLV1 1 1 id=b\n\0\0\0@";
	for (uint64_t max = 8; max <= 64; max += 56) {
		int fd[2];
		CHECK_INT(pipe(fd), 0);
		CHECK_INT(write(fd[1], two, sizeof two - 1), (long)(sizeof two - 1));
		close(fd[1]);
		mlv_reader *rd = mlv_reader_fdopen(fd[0], "pipe");
		mlv_record r;
		mlv_record_init(&r);
		uint64_t left = 0;
		CHECK_INT(mlv_reader_bytes_left(rd, &left), -1);
		CHECK_INT(mlv_reader_read_ahead(rd, max), 0);
		CHECK_INT(mlv_reader_bytes_left(rd, &left), max < 64 ? -1 : 0);
		CHECK_INT(left, max < 64 ? 0 : 36);
		CHECK_INT(mlv_read(rd, &r), 1);
		CHECK_INT(mlv_read(rd, &r), 1);
		CHECK_STR(mlv_meta_get(&r, "id"), "b");
		CHECK(r.data[0] == 2.0f);
		CHECK_INT(mlv_read(rd, &r), 0);
		mlv_record_free(&r);
		mlv_reader_close(rd);
		close(fd[0]);
	}
}

TEST(bad_headers)
{
	CHECK(refuses("MLV1 2", 6, "truncated header"));
	CHECK(refuses("MLV1 2 2\n\0\0", 11, "truncated payload (expected 16 "
	              "bytes for 2 x 2 floats, got 2)"));
	CHECK(refuses("MLV1 -2 2\n", 10, "ROWS '-2'"));
	CHECK(refuses("MLV1 2 x\n", 9, "COLS 'x'"));
	CHECK(refuses("MLV1 99999999999999999999 1\n", 28, "ROWS"));
	CHECK(refuses("MLV1 4294967296 4294967296\n", 27, "record too large"));
	CHECK(refuses("MLV1 2\n", 7, "expected 'MLV1 ROWS COLS'"));
	CHECK(refuses("MLV2 1 1\n", 9, "unsupported format version (MLV2"));
	CHECK(refuses("\x7f" "ELF\x02\x01", 6, "not an MLV record (starts "
	              "with '\\x7FELF\\x02\\x01')"));
	CHECK(refuses("hello world\n", 12, "not an MLV record"));
	CHECK(refuses("MLV1 0 0 id\n", 12, "is not key=value"));
	CHECK(refuses("MLV1 0 0 a=1 a=2\n", 17, "duplicate key 'a'"));
	CHECK(refuses("MLV1 0 0 a%=1\n", 14, "invalid key"));
	CHECK(refuses("MLV1 0 0 a=%zz\n", 15, "bad percent-encoding"));
	CHECK(refuses("MLV1 0 0 a=\xc3\xa9\n", 14, "byte 0xC3 at column 12"));
	CHECK(refuses("MLV1 0 0 a=b\r\n", 14, "byte 0x0D"));
}

/* A header of 8,000 distinct keys reads, and one more key given twice,
 * far apart, is found (the check sorts the keys: pairwise it took
 * seconds per record). */
TEST(many_keys)
{
	size_t cap = 8000 * 8 + 64, n = 0;
	char *h = malloc(cap);
	n += (size_t)sprintf(h + n, "MLV1 0 0 dup=1");
	for (int i = 0; i < 8000; i++)
		n += (size_t)sprintf(h + n, " k%d=", i);
	char err[256];
	size_t records;
	memcpy(h + n, "\n", 2);
	CHECK_INT(read_all(h, n + 1, &records, err, sizeof err), 0);
	CHECK_INT(records, 1);
	memcpy(h + n, " dup=2\n", 8);
	CHECK(refuses(h, n + 7, "duplicate key 'dup'"));
	free(h);
}

TEST(error_names_record_and_offset)
{
	/* Record 2 starts at byte 13; its payload is short. */
	const char in[] = "MLV1 1 1 a=b\n\0\0\0\0MLV1 1 2 id=x\n\0\0\0\0";
	char err[1024];
	size_t records;
	CHECK_INT(read_all(in, sizeof in - 1, &records, err, sizeof err), -1);
	CHECK_INT(records, 1);
	CHECK(strstr(err, ": record 2 at byte 17: truncated payload") != NULL);
}

TEST(long_header_refused)
{
	size_t n = MLV_HEADER_MAX + 100;
	char *buf = malloc(n);
	memcpy(buf, "MLV1 0 0 a=", 11);
	memset(buf + 11, 'x', n - 11);
	CHECK(refuses(buf, n, "header line longer than 65536 bytes"));
	buf[n - 1] = '\n';
	CHECK(refuses(buf, n, "header line longer than 65536 bytes"));
	free(buf);
}

TEST(record_cap_from_environment)
{
	setenv("MLV_MAX_RECORD", "1K", 1);
	CHECK(refuses("MLV1 16 17\n", 11, "limit is 1024 bytes"));
	unsetenv("MLV_MAX_RECORD");
	CHECK_INT(mlv_max_record_bytes(), MLV_DEFAULT_MAX_RECORD);
}

TEST(lying_header_costs_only_what_arrives)
{
	/* Claims 1 GiB, holds 8 bytes: refused without a 1 GiB allocation
	 * (ASan's allocator would report the failure if it tried and could
	 * not; here we check the message and that it is quick). */
	const char in[] = "MLV1 16384 16384\n12345678";
	CHECK(refuses(in, sizeof in - 1, "got 8)"));
}

TEST(writer_abort_keeps_old_file)
{
	char path[256];
	snprintf(path, sizeof path, "%s/keep.mlv", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	mlv_writer *w = mlv_writer_open(path);
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, 10, 10);
	memset(r.data, 0, 100 * sizeof(float));
	CHECK(mlv_write(w, &r) == 0);
	mlv_writer_abort(w);
	f = fopen(path, "r");
	char buf[16] = {0};
	CHECK(fread(buf, 1, sizeof buf, f) == 3);
	fclose(f);
	CHECK_STR(buf, "old");
	mlv_record_free(&r);
}

TEST(writer_refuses_directory)
{
	CHECK(mlv_writer_open(tmpdir) == NULL);
	CHECK_INT(errno, EISDIR);
	CHECK(mlv_reader_open(tmpdir) == NULL);
	CHECK_INT(errno, EISDIR);
}

TEST(count_nonfinite)
{
	float x[] = {1, NAN, INFINITY, -INFINITY, 0, -0.0f, 1e-45f};
	CHECK_INT(mlv_count_nonfinite(x, 7), 3);
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(encode_decode_every_byte);
	RUN(keys);
	RUN(nearest_key);
	RUN(metadata);
	RUN(write_then_read);
	RUN(header_is_readable_text);
	RUN(empty_stream);
	RUN(memory_source);
	RUN(pipe_read_ahead);
	RUN(bad_headers);
	RUN(many_keys);
	RUN(error_names_record_and_offset);
	RUN(long_header_refused);
	RUN(record_cap_from_environment);
	RUN(lying_header_costs_only_what_arrives);
	RUN(writer_abort_keeps_old_file);
	RUN(writer_refuses_directory);
	RUN(count_nonfinite);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return TEST_EXIT();
}
