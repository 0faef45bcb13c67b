/* opts.c - see opts.h */
#include "opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const mlv_opt mlv_opts_output[] = {
	{"output", 'o', "FILE", "write FILE (atomically) instead of stdout", 'o',
	 NULL},
	{0},
};

const mlv_opt mlv_opts_common[] = {
	{"quiet", 'q', NULL, "no warnings or progress on stderr",
	 MLV_OPT_QUIET_INTERNAL, NULL},
	{"help", 'h', NULL, "show this help", MLV_OPT_HELP_INTERNAL, NULL},
	{"version", 0, NULL, "show the version", MLV_OPT_VERSION, NULL},
	{0},
};

const mlv_opt mlv_opts_jobs[] = {
	{"jobs", 'j', "N", "threads (default: all cores)", 'j', NULL},
	{0},
};

const mlv_opt mlv_opts_seed[] = {
	{"seed", 0, "S", "seed of every random step (0); same seed, same result",
	 MLV_OPT_SEED, NULL},
	{0},
};

const mlv_opt mlv_opts_label[] = {
	{"label", 0, "KEY", "a label key (label.NAME)", MLV_OPT_LABEL,
	 NULL},
	{0},
};

const mlv_opt mlv_opts_truth[] = {
	{"truth", 0, "KEY", "score against a label (label.NAME): ARI, NMI,\n"
	 "purity", MLV_OPT_TRUTH, NULL},
	{0},
};

const mlv_opt mlv_opts_neighbours[] = {
	{"neighbours", 'n', "K", "K nearest neighbours per point", 'n', NULL},
	{"neighbors", 0, NULL, NULL, 0, "neighbours"},
	{"knn", 0, NULL, NULL, 0, "neighbours"},
	{0},
};

const mlv_opt mlv_opts_knn_search[] = {
	{"knn-search", 0, "MODE", "nearest neighbours: auto (exact up to "
	 "2000 per\nneighbour, 50,000 at least), exact, or ann (NN-descent)",
	 MLV_OPT_KNN_SEARCH, NULL},
	{0},
};

static const mlv_opt *
canonical(const mlv_opts *o, const mlv_opt *e)
{
	if (!e->alias_of)
		return e;
	for (size_t i = 0; i < o->n; i++)
		if (!o->entry[i]->alias_of && o->entry[i]->name &&
		    !strcmp(o->entry[i]->name, e->alias_of))
			return o->entry[i];
	mlv_die("option table: %s is an alias of --%s, which is not an option",
	        e->name ? e->name : "a letter", e->alias_of);
}

static int
is_heading(const mlv_opt *e)
{
	return !e->name && !e->letter;
}

static int
id_of(const mlv_opt *e)
{
	return e->id ? e->id : e->letter;
}

static void
check_unique(const mlv_opts *o, size_t i)
{
	const mlv_opt *e = o->entry[i];
	for (size_t j = 0; j < i; j++) {
		const mlv_opt *f = o->entry[j];
		if (is_heading(e))
			return;
		if ((e->name && f->name && !strcmp(e->name, f->name)) ||
		    (e->letter && e->letter == f->letter))
			mlv_die("option table: --%s or -%c given twice",
			        e->name ? e->name : "", e->letter ? e->letter : '?');
	}
}

void
mlv_opts_begin(mlv_opts *o, int argc, char **argv, const mlv_about *about,
               const mlv_opt *const *groups)
{
	memset(o, 0, sizeof *o);
	o->argc = argc;
	o->argv = argv;
	o->about = about;
	for (; *groups; groups++)
		for (const mlv_opt *e = *groups; e->name || e->letter || e->help;
		     e++) {
			if (o->n == MLV_OPTS_MAX)
				mlv_die("option table: more than %d options",
				        MLV_OPTS_MAX);
			o->entry[o->n] = e;
			check_unique(o, o->n);
			o->n++;
		}
	char *s = o->optstring;
	/* Leading ':' would change the error reports; '+' is not wanted
	 * either: options may follow files, as in every mlv tool. */
	size_t nl = 0;
	for (size_t i = 0; i < o->n; i++) {
		if (is_heading(o->entry[i]))
			continue;
		const mlv_opt *e = o->entry[i], *c = canonical(o, e);
		int has_arg = c->arg != NULL;
		if (e->letter) {
			*s++ = (char)e->letter;
			if (has_arg)
				*s++ = ':';
		}
		if (e->name)
			/* val = -(index + 2): apart from letters, '?' and getopt's -1 */
			o->longopts[nl++] = (struct option){
				e->name, has_arg ? required_argument : no_argument,
				NULL, -(int)(i + 2)};
	}
	*s = '\0';
}

static size_t
find_letter(const mlv_opts *o, int c)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->entry[i]->letter == c)
			return i;
	return o->n;
}

static void
append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	MLV_PRINTF(4, 5);

static void
append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		*cap = 2 * *cap + (size_t)n;
		*buf = mlv_realloc(*buf, *cap);
	}
}

/* Left columns wider than this overflow (see mlv_opts_help). */
#define HELP_LEFT_MAX 24

/* "  -x, --long ARG" or "      --long ARG": the left column of --help. */
static void
left_column(const mlv_opt *e, char *out, size_t len)
{
	char shortpart[8] = "    ";
	if (e->letter)
		snprintf(shortpart, sizeof shortpart, "-%c, ", e->letter);
	snprintf(out, len, "  %s--%s%s%s", shortpart, e->name, e->arg ? " " : "",
	         e->arg ? e->arg : "");
}

char *
mlv_opts_help(const mlv_opts *o)
{
	size_t cap = 1024, len = 0, width = 0;
	char *buf = mlv_malloc(cap), left[128];
	buf[0] = '\0';
	append(&buf, &len, &cap, "usage: %s\n%s\n\n", o->about->synopsis,
	       o->about->description);
	for (size_t i = 0; i < o->n; i++) {
		if (o->entry[i]->alias_of || is_heading(o->entry[i]))
			continue;
		left_column(o->entry[i], left, sizeof left);
		if (strlen(left) > width && strlen(left) <= HELP_LEFT_MAX)
			width = strlen(left);
	}
	width += 2;
	for (size_t i = 0; i < o->n; i++) {
		const mlv_opt *e = o->entry[i];
		if (e->alias_of)
			continue;
		if (is_heading(e)) {
			append(&buf, &len, &cap, "%s\n", e->help);
			continue;
		}
		left_column(e, left, sizeof left);
		const char *h = e->help;
		size_t line = strcspn(h, "\n");
		/* A rare long option overflows its column rather than pushing
		 * every help text right. */
		append(&buf, &len, &cap, "%-*s%s%.*s\n", (int)width, left,
		       strlen(left) >= width ? " " : "", (int)line, h);
		while (h[line] == '\n') {
			h += line + 1;
			line = strcspn(h, "\n");
			append(&buf, &len, &cap, "%*s%.*s\n", (int)width, "", (int)line,
			       h);
		}
	}
	if (o->about->epilogue)
		append(&buf, &len, &cap, "\n%s", o->about->epilogue);
	return buf;
}

/* Old spellings warn once each: "mlv-X: -k is now --kind (...)". */
static void
warn_alias(mlv_opts *o, size_t i, int by_letter)
{
	const mlv_opt *e = o->entry[i];
	if (o->warned[i])
		return;
	o->warned[i] = 1;
	if (by_letter)
		mlv_warn("-%c is now --%s (the old spelling will go)", e->letter,
		         e->alias_of);
	else
		mlv_warn("--%s is now --%s (the old spelling will go)", e->name,
		         e->alias_of);
}

int
mlv_opts_next(mlv_opts *o)
{
	for (;;) {
		int c = getopt_long(o->argc, o->argv, o->optstring, o->longopts,
		                    NULL);
		if (c == -1)
			return -1;
		size_t i;
		int by_letter = c >= 0;
		if (c < -1)
			i = (size_t)(-c - 2);
		else if ((i = find_letter(o, c)) == o->n)
			mlv_try_help(); /* getopt has said what was wrong */
		const mlv_opt *e = o->entry[i];
		if (e->alias_of)
			warn_alias(o, i, by_letter && e->letter == c);
		o->arg = optarg;
		switch (id_of(canonical(o, e))) {
		case MLV_OPT_HELP_INTERNAL: {
			char *h = mlv_opts_help(o);
			fputs(h, stdout);
			free(h);
			exit(0);
		}
		case MLV_OPT_VERSION:
			mlv_print_version();
			exit(0);
		case MLV_OPT_QUIET_INTERNAL:
			mlv_quiet = 1;
			continue;
		default:
			return id_of(canonical(o, e));
		}
	}
}
