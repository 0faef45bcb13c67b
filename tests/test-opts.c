/* test-opts.c - the option table: optstring, aliases, headings, --help
 * lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "opts.h"
#include "test.h"
#include "util.h"

enum { KIND = MLV_OPT_OWN, SCALE };

static const mlv_opt own[] = {
	{"clusters", 'k', "K", "number of clusters", 'k', NULL},
	{"kind", 0, "KIND", "scatter or lines\n(scatter by default)", KIND, NULL},
	{NULL, 0, NULL, "  lines:", 0, NULL},
	{"log", 0, NULL, "log scale", SCALE, NULL},
	{"exaggeration-iter", 0, "N", "its iterations\n(250)", SCALE, NULL},
	{NULL, 'K', NULL, NULL, 0, "kind"},
	{"sort", 0, NULL, NULL, 0, "kind"},
	{0},
};
static const mlv_opt *const table[] = {own, mlv_opts_neighbours,
                                       mlv_opts_output, mlv_opts_common,
                                       NULL};
static const mlv_about about = {"mlv-x [-k K] [FILE...]", "Does x.",
                                "Example:\n  mlv-x -k 3\n"};

/* Parse argv (NULL-ended), return the ids seen, comma-separated with their
 * arguments, and what went to stderr. */
static void
parse(char **argv, char *ids, size_t idlen, char *err, size_t errlen)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	mlv_opts o;
	optind = 1;
	mlv_opts_begin(&o, argc, argv, &about, table);
	size_t len = 0;
	ids[0] = '\0';
	int c;
	while ((c = mlv_opts_next(&o)) != -1)
		len += (size_t)snprintf(ids + len, idlen - len, "%s%d%s%s",
		                        len ? "," : "", c, o.arg ? "=" : "",
		                        o.arg ? o.arg : "");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	size_t n = fread(err, 1, errlen - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
}

TEST(optstring_from_entries)
{
	mlv_opts o;
	char *argv[] = {"mlv-x", NULL};
	mlv_opts_begin(&o, 1, argv, &about, table);
	CHECK_STR(o.optstring, "k:K:n:o:qh");
}

TEST(canonical_and_alias_spellings)
{
	char ids[256], err[512], expect[256];
	char *argv[] = {"mlv-x", "-k", "3", "--kind", "lines", "-K", "dots",
	                "--sort", "bars", "-K", "more", "--neighbors", "5",
	                "--log", "file", NULL};
	parse(argv, ids, sizeof ids, err, sizeof err);
	snprintf(expect, sizeof expect,
	         "%d=3,%d=lines,%d=dots,%d=bars,%d=more,%d=5,%d", 'k', KIND, KIND,
	         KIND, KIND, 'n', SCALE);
	CHECK_STR(ids, expect);
	/* One line per old spelling, however often it is used. */
	CHECK_STR(err, "test-opts: -K is now --kind (the old spelling will go)\n"
	               "test-opts: --sort is now --kind (the old spelling will go)\n"
	               "test-opts: --neighbors is now --neighbours (the old "
	               "spelling will go)\n");
	CHECK_INT(optind, 14);
}

TEST(quiet_silences_warnings_not_errors)
{
	char ids[256], err[512];
	char *argv[] = {"mlv-x", "-q", "--knn", "4", NULL};
	parse(argv, ids, sizeof ids, err, sizeof err);
	char expect[32];
	snprintf(expect, sizeof expect, "%d=4", 'n');
	CHECK_STR(ids, expect);
	CHECK_STR(err, "");
	CHECK(mlv_quiet);
	mlv_quiet = 0;
}

TEST(help_lists_canonical_options_aligned)
{
	mlv_opts o;
	char *argv[] = {"mlv-x", NULL};
	mlv_opts_begin(&o, 1, argv, &about, table);
	char *h = mlv_opts_help(&o);
	CHECK_STR(h,
	          "usage: mlv-x [-k K] [FILE...]\n"
	          "Does x.\n\n"
	          "  -k, --clusters K    number of clusters\n"
	          "      --kind KIND     scatter or lines\n"
	          "                      (scatter by default)\n"
	          "  lines:\n"
	          "      --log           log scale\n"
	          "      --exaggeration-iter N its iterations\n"
	          "                      (250)\n"
	          "  -n, --neighbours K  K nearest neighbours per point\n"
	          "  -o, --output FILE   write FILE (atomically) instead of stdout\n"
	          "  -q, --quiet         no warnings or progress on stderr\n"
	          "  -h, --help          show this help\n"
	          "      --version       show the version\n"
	          "\nExample:\n  mlv-x -k 3\n");
	free(h);
}

int
main(int argc, char **argv)
{
	(void)argc;
	mlv_init(argv);
	RUN(optstring_from_entries);
	RUN(canonical_and_alias_spellings);
	RUN(quiet_silences_warnings_not_errors);
	RUN(help_lists_canonical_options_aligned);
	return TEST_EXIT();
}
