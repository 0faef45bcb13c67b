/* test-explore.c - base64, JSON escaping, paths, matching and the page. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "explore.h"
#include "test.h"

static void
check_base64(const char *in, const char *want)
{
	char out[64];
	size_t len = mlv_base64(out, in, strlen(in));
	CHECK_STR(out, want);
	CHECK_INT(len, strlen(want));
}

/* RFC 4648, section 10. */
TEST(base64_rfc4648)
{
	check_base64("", "");
	check_base64("f", "Zg==");
	check_base64("fo", "Zm8=");
	check_base64("foo", "Zm9v");
	check_base64("foob", "Zm9vYg==");
	check_base64("fooba", "Zm9vYmE=");
	check_base64("foobar", "Zm9vYmFy");
	char out[8];
	mlv_base64(out, "\xff\xfe\x00", 3);
	CHECK_STR(out, "//4A");
}

static void
check_json(const char *in, const char *want)
{
	char *q = mlv_json_quote(in);
	CHECK_STR(q, want);
	free(q);
}

TEST(json_escaping)
{
	check_json("plain", "\"plain\"");
	check_json("<script>alert(1)</script>",
	           "\"\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"");
	check_json("]]> & \"q\" \\", "\"]]\\u003e \\u0026 \\\"q\\\" \\\\\"");
	check_json("a\nb\tc\x01\x7f", "\"a\\nb\\tc\\u0001\\u007f\"");
	/* UTF-8 passes, U+2028 and U+2029 are escaped */
	check_json("Dvo\xc5\x99\xc3\xa1k \xe2\x80\xa8\xe2\x80\xa9 \xf0\x9f\x8e\xb5",
	           "\"Dvo\xc5\x99\xc3\xa1k \\u2028\\u2029 \xf0\x9f\x8e\xb5\"");
	/* bytes that are not UTF-8: a lone continuation, a cut sequence, an
	 * overlong '/', a surrogate */
	check_json("\x80 \xc3 \xc0\xaf \xed\xa0\x80",
	           "\"\\ufffd \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\"");
}

TEST(paths_and_urls)
{
	char *s;
	CHECK_STR(s = mlv_absolute_path("/a/b", "c/./d/../e"), "/a/b/c/e");
	free(s);
	CHECK_STR(s = mlv_absolute_path("/a/b", "../../../x//y/"), "/x/y");
	free(s);
	CHECK_STR(s = mlv_absolute_path("/a", "/abs"), "/abs");
	free(s);
	CHECK_STR(s = mlv_relative_path("/a/b", "/a/c/d"), "../c/d");
	free(s);
	CHECK_STR(s = mlv_relative_path("/a/b", "/a/b/c"), "c");
	free(s);
	CHECK_STR(s = mlv_relative_path("/a/bc", "/a/b/x"), "../b/x");
	free(s);
	CHECK_STR(s = mlv_relative_path("/", "/a/x"), "a/x");
	free(s);
	CHECK_STR(s = mlv_relative_path("/a/b", "/a/b"), ".");
	free(s);
	CHECK_STR(s = mlv_url_encode_path("dir/a b#1?x=%.wav"),
	          "dir/a%20b%231%3Fx%3D%25.wav");
	free(s);
	CHECK_STR(s = mlv_url_encode_path("\xc3\xa9:~"), "%C3%A9%3A~");
	free(s);
}

/* Points of records named ids[i] with rows[i] rows of 2 columns, each
 * row (10 * id + row, row + 0.5). */
static void
make_points(mlv_points *p, const char *const *ids, const size_t *rows,
            size_t nrecs)
{
	memset(p, 0, sizeof *p);
	p->nrecs = nrecs;
	p->d = 2;
	p->recs = calloc(nrecs, sizeof *p->recs);
	p->where = calloc(nrecs, sizeof *p->where);
	p->first = calloc(nrecs, sizeof *p->first);
	for (size_t k = 0; k < nrecs; k++) {
		p->first[k] = p->n;
		p->n += rows[k];
	}
	p->x = malloc((p->n + 1) * 2 * sizeof *p->x);
	for (size_t k = 0; k < nrecs; k++) {
		mlv_record_init(&p->recs[k]);
		mlv_meta_set(&p->recs[k], "id", ids[k]);
		p->recs[k].rows = rows[k];
		p->recs[k].cols = 2;
		p->where[k] = malloc(64);
		snprintf(p->where[k], 64, "t.mlv: record %zu (id=%s)", k + 1, ids[k]);
		for (size_t i = 0; i < rows[k]; i++) {
			p->x[2 * (p->first[k] + i)] = (float)(10 * atoi(ids[k]) + (int)i);
			p->x[2 * (p->first[k] + i) + 1] = (float)i + 0.5f;
		}
	}
}

TEST(matching_by_id_and_row)
{
	static const char *const ids[] = {"1", "2", "3"};
	static const char *const shuffled[] = {"3", "1", "2"};
	static const char *const missing[] = {"3", "1", "4"};
	static const char *const twice[] = {"3", "1", "1"};
	static const size_t rows[] = {2, 3, 1}, rows_shuffled[] = {1, 2, 3};
	static const size_t rows_bad[] = {1, 2, 2};
	mlv_points base, other;
	size_t at[6];
	char err[256];
	make_points(&base, ids, rows, 3);

	make_points(&other, shuffled, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), 0);
	for (size_t i = 0; i < base.n; i++)
		CHECK(other.x[2 * at[i]] == base.x[2 * i] &&
		      other.x[2 * at[i] + 1] == base.x[2 * i + 1]);
	mlv_points_free(&other);

	make_points(&other, shuffled, rows_bad, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 3 (id=2): 2 rows, but t.mlv: record 2 (id=2) "
	          "has 3");
	mlv_points_free(&other);

	make_points(&other, missing, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), -1);
	CHECK_STR(err, "o.mlv: no record with id=2, which t.mlv: record 2 (id=2) "
	          "has (streams are matched by record id and row)");
	mlv_points_free(&other);

	make_points(&other, twice, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), -1);
	CHECK(strstr(err, "t.mlv: record 3 (id=1): a second record with this id"));
	mlv_points_free(&other);

	/* the same records in the same order match row for row, even with
	 * repeated ids */
	make_points(&other, twice, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&other, &other, "o.mlv", at, err, sizeof err), 0);
	for (size_t i = 0; i < other.n; i++)
		CHECK_INT(at[i], i);
	mlv_points_free(&other);
	mlv_points_free(&base);
}

/* The page is the template with the data at its markers. */
TEST(page_template)
{
	static const char *const ids[] = {"1"};
	static const size_t rows[] = {2};
	mlv_points base;
	make_points(&base, ids, rows, 1);
	mlv_explore e;
	char err[256];
	CHECK_INT(mlv_explore_init(&e, &base, "m.mlv", err, sizeof err), 0);
	char path[] = "/tmp/test-explore.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	mlv_writer *w = mlv_writer_open(path);
	CHECK_INT(mlv_explore_write(w, &e, "A<!--MLV-STYLE-->B<!--MLV-DATA-->"
	                            "C<!--MLV-SCRIPT-->D", "css", "js"), 0);
	CHECK_INT(mlv_writer_close(w), 0);
	char page[4096] = "";
	FILE *f = fopen(path, "r");
	size_t len = f ? fread(page, 1, sizeof page - 1, f) : 0;
	page[len] = '\0';
	if (f)
		fclose(f);
	const char *head = "A<style>css</style>B<script type=\"application/json\" "
	                   "id=\"mlv-meta\">{\"version\":1,\"title\":\"m.mlv\","
	                   "\"n\":2,";
	CHECK(!strncmp(page, head, strlen(head)));
	/* (10, 0.5) and (11, 1.5) as little-endian float32 */
	CHECK(strstr(page, "<script type=\"application/octet-stream\" "
	             "id=\"mlv-blob-xy0\">AAAgQQAAAD8AADBBAADAPw==</script>"));
	CHECK(strstr(page, "C<script>js</script>D"));
	CHECK(len > 2 && page[len - 1] == 'D');

	w = mlv_writer_open(path);
	errno = 0;
	CHECK_INT(mlv_explore_write(w, &e, "A<!--MLV-DATA--><!--MLV-STYLE-->"
	                            "<!--MLV-SCRIPT-->", "", ""), -1);
	CHECK_INT(errno, EINVAL);
	mlv_writer_abort(w);
	unlink(path);
	mlv_explore_free(&e);
	mlv_points_free(&base);
}

int
main(void)
{
	RUN(base64_rfc4648);
	RUN(json_escaping);
	RUN(paths_and_urls);
	RUN(matching_by_id_and_row);
	RUN(page_template);
	return TEST_EXIT();
}
