/* test-manifest.c - TSV manifests of audio files. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "manifest.h"
#include "test.h"

static char dir[] = "/tmp/mlv-test-manifest.XXXXXX";

static const char *
write_bytes(const char *name, const char *text, size_t len)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fwrite(text, 1, len, f);
	fclose(f);
	return path;
}

static const char *
write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text));
}

TEST(columns_by_name_and_relative_paths)
{
	const char *p = write_file("m.tsv",
	        "# notes\nfile\tstart_s\tend_s\tpitch\tinstrument\n"
	        "a.wav\t0.5\t1.25\tD4\tpipa\n\n/abs/b.flac\t0\t0\tE4\terhu\r\n");
	mlv_manifest m;
	char err[256];
	CHECK_INT(mlv_manifest_read(&m, p, err, sizeof err), 0);
	CHECK_INT(m.n, 2);
	CHECK_INT(m.nlabels, 2);
	CHECK_STR(m.label_names[0], "label.pitch");
	CHECK_STR(m.label_names[1], "label.instrument");
	char want[300];
	snprintf(want, sizeof want, "%s/a.wav", dir);
	CHECK_STR(m.rows[0].path, want);
	CHECK_STR(m.rows[1].path, "/abs/b.flac");
	CHECK_NEAR(m.rows[0].start, 0.5, 0);
	CHECK_NEAR(m.rows[0].end, 1.25, 0);
	CHECK_STR(m.rows[1].labels[1], "erhu");
	CHECK_INT(m.rows[1].line, 5);
	mlv_manifest_free(&m);
}

TEST(path_only)
{
	const char *p = write_file("p.tsv", "path\nx.ogg\n");
	mlv_manifest m;
	char err[256];
	CHECK_INT(mlv_manifest_read(&m, p, err, sizeof err), 0);
	CHECK_INT(m.n, 1);
	CHECK_INT(m.nlabels, 0);
	CHECK_NEAR(m.rows[0].end, 0, 0);
	mlv_manifest_free(&m);
}

static int
refused_bytes(const char *text, size_t len, const char *want)
{
	mlv_manifest m;
	char err[256] = "";
	int rc = mlv_manifest_read(&m, write_bytes("bad.tsv", text, len), err,
	                           sizeof err);
	if (rc != -1 || !strstr(err, want)) {
		printf("#   rc %d, error '%s', expected '%s'\n", rc, err, want);
		return 0;
	}
	return 1;
}

static int
refused(const char *text, const char *want)
{
	return refused_bytes(text, strlen(text), want);
}

TEST(bad_manifests)
{
	CHECK(refused("", "empty manifest"));
	CHECK(refused("name\tpitch\nx\ty\n", "no 'path' or 'file' column"));
	CHECK(refused("path\tpitch\nx\n", "line 2: 1 fields (the header has 2)"));
	CHECK(refused("path\tstart\nx\t-1\n", "line 2: start and end must be"));
	CHECK(refused("path\tstart\tend\nx\t2\t1\n", "end 1 is not after start 2"));
	CHECK(refused("path\tbad name\nx\ty\n", "'bad name' is not usable"));
	CHECK(refused("path\n\t\n", "line 2: 2 fields (the header has 1)"));
	CHECK(refused("path\tx\n\ty\n", "line 2: empty path"));
	/* Labels are text: cut at a NUL, or one of two same-named columns
	 * dropped, they would change silently. */
	static const char nul[] = "path\tsinger\tyear\nx.wav\tThelon\0ious\t1957\n";
	CHECK(refused_bytes(nul, sizeof nul - 1,
	                    "line 2, column 2 (singer): a NUL byte"));
	CHECK(refused("path\tsinger\tyear\tsinger\nx\ta\t1\tb\n",
	              "line 1: columns 2 and 4 are both named 'singer'"));
	mlv_manifest m;
	char err[256];
	CHECK_INT(mlv_manifest_read(&m, "/nonexistent/m.tsv", err, sizeof err), -1);
	CHECK(strstr(err, "cannot open (No such file") != NULL);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(columns_by_name_and_relative_paths);
	RUN(path_only);
	RUN(bad_manifests);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return TEST_EXIT();
}
