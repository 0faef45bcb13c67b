/* test-web.c - base64, JSON escaping for <script> elements, URL paths. */
#include <math.h>
#include <stdlib.h>

#include "test.h"
#include "web.h"

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

static void
check_number(double x, const char *want)
{
	char out[32];
	mlv_json_number(out, x);
	CHECK_STR(out, want);
}

TEST(json_numbers)
{
	check_number(0, "0");
	check_number(0.5, "0.5");
	check_number(30, "30");
	check_number(1500.25, "1500.25");
	check_number(-2.25e-7, "-2.25e-07");
	check_number(0.1 + 0.2, "0.30000000000000004");
	check_number(1024.0 / 44100, "0.023219954648526078");
	check_number(NAN, "null");
	check_number(-INFINITY, "null");
}

TEST(paths_and_urls)
{
	static const struct {
		char *(*fn)(const char *, const char *);
		const char *a, *b, *want;
	} paths[] = {
		{mlv_absolute_path, "/a/b", "c/./d/../e", "/a/b/c/e"},
		{mlv_absolute_path, "/a/b", "../../../x//y/", "/x/y"},
		{mlv_absolute_path, "/a", "/abs", "/abs"},
		{mlv_relative_path, "/a/b", "/a/c/d", "../c/d"},
		{mlv_relative_path, "/a/b", "/a/b/c", "c"},
		{mlv_relative_path, "/a/bc", "/a/b/x", "../b/x"},
		{mlv_relative_path, "/", "/a/x", "a/x"},
		{mlv_relative_path, "/a/b", "/a/b", "."},
	};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		char *s = paths[i].fn(paths[i].a, paths[i].b);
		CHECK_STR(s, paths[i].want);
		free(s);
	}
	static const char *const urls[][2] = {
		{"dir/a b#1?x=%.wav", "dir/a%20b%231%3Fx%3D%25.wav"},
		{"\xc3\xa9:~", "%C3%A9%3A~"},
	};
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		char *s = mlv_url_encode_path(urls[i][0]);
		CHECK_STR(s, urls[i][1]);
		free(s);
	}
}

int
main(void)
{
	RUN(base64_rfc4648);
	RUN(json_escaping);
	RUN(json_numbers);
	RUN(paths_and_urls);
	return TEST_EXIT();
}
