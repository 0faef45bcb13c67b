/* opts.h - one option table per tool, shared groups declared once.
 *
 * After Kaldi's ParseOptions: the options several tools share (output,
 * jobs, seed, quiet, label keys, neighbours) are declared here once with
 * their help text, and each tool lists the groups it takes beside its own
 * entries.  getopt_long's table, its optstring and the --help listing are
 * all generated from those entries, so they cannot drift apart.
 *
 *	static const mlv_opt own[] = {
 *		{"clusters", 'k', "K", "number of clusters", 'k', NULL},
 *		{"neighbors", 0, NULL, NULL, 0, "neighbours"},   (old spelling)
 *		{0}
 *	};
 *	static const mlv_opt *const table[] = {own, mlv_opts_jobs,
 *		mlv_opts_output, mlv_opts_common, NULL};
 *	mlv_opts_begin(&o, argc, argv, &about, table);
 *	while ((c = mlv_opts_next(&o)) != -1)
 *		switch (c) { case 'k': ... o.arg ... }
 *
 * -h/--help, --version, -q/--quiet and unknown options are handled inside;
 * the tool sees only its own options (and the shared ones it stores, such
 * as -o).  optind is getopt's, as before.
 */
#ifndef MLV_OPTS_H
#define MLV_OPTS_H

#include <getopt.h>
#include <stddef.h>

/* An entry with neither name nor letter is a heading: its help is printed
 * as it stands, between the option lines (a subcommand's or method's). */
typedef struct {
	const char *name;     /* long name, without "--"; NULL: short-only alias */
	int letter;           /* short letter, 0: none */
	const char *arg;      /* argument name in --help; NULL: a flag */
	const char *help;     /* lines separated by '\n' */
	int id;               /* what mlv_opts_next returns (0: the letter) */
	const char *alias_of; /* old spelling of this canonical long name: it
	                         takes that entry's argument and id, is left
	                         out of --help and warns once when used */
} mlv_opt;

/* Ids of shared options that are not letters. */
enum {
	MLV_OPT_VERSION = 0x1000,
	MLV_OPT_SEED,
	MLV_OPT_LABEL,
	MLV_OPT_TRUTH,
	MLV_OPT_HELP_INTERNAL,
	MLV_OPT_QUIET_INTERNAL,
	MLV_OPT_KNN_SEARCH,
	MLV_OPT_OWN = 0x2000 /* first id free for a tool's own options */
};
/* Shared options that have a letter return it: 'o', 'j', 'n'. */

/* Shared groups; every group ends with an all-zero entry. */
extern const mlv_opt mlv_opts_output[];     /* -o FILE, to stdout by default */
extern const mlv_opt mlv_opts_common[];     /* -q, -h, --version: every tool */
extern const mlv_opt mlv_opts_jobs[];       /* -j/--jobs N */
extern const mlv_opt mlv_opts_seed[];       /* --seed S */
extern const mlv_opt mlv_opts_label[];      /* --label KEY */
extern const mlv_opt mlv_opts_truth[];      /* --truth KEY */
extern const mlv_opt mlv_opts_neighbours[]; /* -n/--neighbours K, aliases */
extern const mlv_opt mlv_opts_knn_search[]; /* --knn-search MODE (knn.h) */

/* What --help prints around the option lines. */
typedef struct {
	const char *synopsis;    /* after "usage: "; may span lines */
	const char *description; /* paragraph(s) after the synopsis */
	const char *epilogue;    /* examples after the options, or NULL */
} mlv_about;

#define MLV_OPTS_MAX 64

typedef struct {
	int argc;
	char **argv;
	const mlv_about *about;
	const mlv_opt *entry[MLV_OPTS_MAX]; /* the groups' entries, flattened */
	size_t n;
	struct option longopts[MLV_OPTS_MAX + 1];
	char optstring[2 * MLV_OPTS_MAX + 2];
	unsigned char warned[MLV_OPTS_MAX]; /* an alias's one warning given */
	char *arg; /* the current option's argument (in argv), or NULL */
} mlv_opts;

/* Flatten the NULL-ended list of groups and build getopt's tables.  A table
 * that repeats a name or letter, or names an alias of nothing, is a bug in
 * the tool: it dies saying so. */
void mlv_opts_begin(mlv_opts *o, int argc, char **argv, const mlv_about *about,
                    const mlv_opt *const *groups);
/* The next option's id (its argument in o->arg), or -1 after the last. */
int mlv_opts_next(mlv_opts *o);
/* The --help text, as printed (for tests): returns a malloc'd string. */
char *mlv_opts_help(const mlv_opts *o);

#endif
