/* plot.c - gnuplot scripts: quoting, terminals, running gnuplot, and the
 * kinds of plot. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "groups.h"
#include "plot.h"
#include "stats.h"
#include "util.h"

const char *const mlv_plot_colors[MLV_PLOT_NCOLORS] = {
	"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
	"#CC79A7", "#882255", "#332288", "#999933", "#117733", "#661100",
	"#000000",
};

int
mlv_plot_type_parse(const char *name, enum mlv_plot_type *type)
{
	static const char *const names[] = {"svg", "png", "pdf"};
	for (int i = 0; i < 3; i++)
		if (!strcasecmp(name, names[i])) {
			*type = (enum mlv_plot_type)i;
			return 0;
		}
	return -1;
}

int
mlv_plot_type_of_path(const char *path, enum mlv_plot_type *type)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return -1;
	return mlv_plot_type_parse(dot + 1, type);
}

/* Length of the valid UTF-8 sequence at s (1 to 4) of a character XML
 * allows, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned min;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
	else return 0;
	unsigned cp = c & (0xFF >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates, code points past U+10FFFF, and
	 * U+FFFE and U+FFFF, which XML 1.0 forbids */
	if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF ||
	    cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return n;
}

/* Double quotes, since gnuplot 5.4 misreads a single-quoted string that
 * begins with '' (an apostrophe first); in them gnuplot substitutes
 * `command`, so a backtick is written as its octal escape. */
void
mlv_plot_string(FILE *f, const char *s, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	int hyper = flags & MLV_PLOT_HYPERTEXT;
	putc('"', f);
	while (*p) {
		size_t n = utf8_len(p);
		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		unsigned char c = *p++;
		if (!n)
			putc('?', f);
		else if (c == '\n' && !(flags & MLV_PLOT_ONELINE))
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7F)
			putc(' ', f);
		else if (hyper && c == '\'')
			fputs("\xE2\x80\x99", f);
		else if (hyper && c == '"')
			fputs("\xE2\x80\x9D", f);
		else if (hyper && c == '\\')
			fputs("\xE2\x88\x96", f);
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '`')
			fputs("\\140", f);
		else if (c == '>' && p >= (const unsigned char *)s + 3 &&
		         p[-2] == ']' && p[-3] == ']')
			/* "]]>" may not stand in XML text: a zero-width space
			 * goes between */
			fputs("\xE2\x80\x8B>", f);
		else
			putc(c, f);
	}
	putc('"', f);
}

void
mlv_plot_terminal(FILE *f, enum mlv_plot_type type, int width, int height)
{
	switch (type) {
	case MLV_PLOT_SVG:
		/* "mouse standalone" embeds gnuplot_svg's JavaScript, which the
		 * tooltips' onmousemove handlers call; without it a browser
		 * shows none and reports gnuplot_svg as undefined. */
		fprintf(f, "set terminal svg size %d,%d dynamic mouse standalone "
		        "noenhanced font 'sans,12' background '#ffffff'\n", width,
		        height);
		break;
	case MLV_PLOT_PNG:
		fprintf(f, "set terminal pngcairo size %d,%d noenhanced "
		        "font 'sans,10' background '#ffffff'\n", width, height);
		break;
	case MLV_PLOT_PDF:
		fprintf(f, "set terminal pdfcairo size %gin,%gin noenhanced "
		        "font 'sans,10'\n", width / 100.0, height / 100.0);
		break;
	}
	fputs("set termoption noenhanced\n", f);
}

int
mlv_plot_check_image(const char *path, enum mlv_plot_type type, char *err,
                     size_t errlen)
{
	static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D',
	                                       0xAE, 0x42, 0x60, 0x82};
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return mlv_errf(err, errlen, "cannot read the image back (%s)",
		                strerror(e));
	}
	/* Only the tail says whether the writer got to the end. */
	unsigned char tail[1024];
	off_t from = st.st_size > (off_t)sizeof tail ?
	             st.st_size - (off_t)sizeof tail : 0;
	ssize_t n = pread(fd, tail, sizeof tail, from);
	close(fd);
	if (n <= 0)
		return mlv_errf(err, errlen, "incomplete image (gnuplot wrote "
		                "nothing; is the disk full?)");
	size_t len = (size_t)n;
	int whole;
	const char *end;
	switch (type) {
	case MLV_PLOT_PNG:
		end = "IEND chunk";
		whole = len >= 12 && !memcmp(tail + len - 12, iend, 12);
		break;
	case MLV_PLOT_PDF:
		end = "%%EOF";
		while (len && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
			len--;
		whole = len >= 5 && !memcmp(tail + len - 5, "%%EOF", 5);
		break;
	default:
		end = "</svg>";
		while (len && (tail[len - 1] == '\n' || tail[len - 1] == ' '))
			len--;
		whole = len >= 6 && !memcmp(tail + len - 6, "</svg>", 6);
		break;
	}
	if (!whole)
		return mlv_errf(err, errlen, "incomplete image (gnuplot wrote "
		                "%lld bytes without the final %s; is the disk "
		                "full?)", (long long)st.st_size, end);
	return 0;
}

int
mlv_plot_run(const char *script, size_t len, char *err, size_t errlen)
{
	const char *cmd = getenv("MLV_GNUPLOT");
	if (!cmd || !*cmd)
		cmd = "gnuplot";
	int in[2], report[2];
	if (pipe(in) < 0 || pipe(report) < 0)
		return mlv_errf(err, errlen, "cannot run %s (%s)", cmd,
		                strerror(errno));
	fcntl(report[1], F_SETFD, FD_CLOEXEC);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return mlv_errf(err, errlen, "cannot run %s (%s)", cmd,
		                strerror(errno));
	if (!pid) {
		close(report[0]);
		dup2(in[0], 0);
		close(in[0]);
		/* The script as a file argument: gnuplot reads standard input
		 * line by line as if typed, which takes twice as long for the
		 * data blocks of 100,000 points. */
		execlp(cmd, cmd, "/dev/stdin", (char *)NULL);
		/* tell the parent why through the close-on-exec pipe */
		int e = errno;
		if (write(report[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(in[0]);
	close(report[1]);
	int e = 0;
	ssize_t got;
	while ((got = read(report[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (got == (ssize_t)sizeof e) {
		close(in[1]);
		waitpid(pid, NULL, 0);
		if (e == ENOENT)
			return mlv_errf(err, errlen, "%s not found (install it: "
			                "apt-get install gnuplot-nox)", cmd);
		return mlv_errf(err, errlen, "cannot run %s (%s)", cmd,
		                strerror(e));
	}
	/* gnuplot may stop reading at an error: a write to it then fails
	 * with EPIPE, and its exit status tells what happened. */
	struct sigaction ign = {0}, old;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	size_t off = 0;
	int write_errno = 0;
	while (off < len) {
		ssize_t w = write(in[1], script + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			write_errno = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return mlv_errf(err, errlen, "%s: %s", cmd, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && off == len)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return mlv_errf(err, errlen, "cannot write its script to %s (%s)",
		                cmd, strerror(write_errno));
	if (WIFSIGNALED(status))
		return mlv_errf(err, errlen, "%s killed by signal %d", cmd,
		                WTERMSIG(status));
	return mlv_errf(err, errlen, "%s failed (exit status %d); see its "
	                "script with --script", cmd,
	                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ---- kinds and options -------------------------------------------------- */

static const char *const kind_names[MLV_PLOT_NKINDS] = {
	"scatter", "trajectories", "averages", "parallel", "heatmap", "lines",
	"dendrogram",
};

int
mlv_plot_kind_parse(const char *name, enum mlv_plot_kind *kind)
{
	for (int i = 0; i < MLV_PLOT_NKINDS; i++)
		if (!strcmp(name, kind_names[i])) {
			*kind = (enum mlv_plot_kind)i;
			return 0;
		}
	return -1;
}

const char *
mlv_plot_kind_name(enum mlv_plot_kind kind)
{
	return kind_names[kind];
}

const char *
mlv_plot_kind_list(void)
{
	return "scatter, trajectories, averages, parallel, heatmap, lines, "
	       "dendrogram";
}

enum mlv_plot_kind
mlv_plot_kind_for(const char *record_kind)
{
	static const struct {
		const char *record;
		enum mlv_plot_kind kind;
	} map[] = {
		{"tree", MLV_PLOT_DENDROGRAM}, {"simmat", MLV_PLOT_HEATMAP},
		{"spec", MLV_PLOT_HEATMAP}, {"mel", MLV_PLOT_HEATMAP},
		{"mfcc", MLV_PLOT_HEATMAP}, {"chroma", MLV_PLOT_HEATMAP},
		{"loss", MLV_PLOT_LINES}, {"novelty", MLV_PLOT_LINES},
		{"latent", MLV_PLOT_PARALLEL},
	};
	for (size_t i = 0; record_kind && i < sizeof map / sizeof *map; i++)
		if (!strcmp(record_kind, map[i].record))
			return map[i].kind;
	return MLV_PLOT_SCATTER;
}

void
mlv_plot_defaults(mlv_plot_opts *o)
{
	memset(o, 0, sizeof *o);
	o->kind = MLV_PLOT_SCATTER;
	o->type = MLV_PLOT_SVG;
	o->width = 800;
	o->height = 600;
	o->max_rows = MLV_PLOT_MAX_ROWS;
}

#define KIND(k) (1u << (k))

int
mlv_plot_check(const mlv_plot_opts *o, char *err, size_t errlen)
{
	const unsigned coloured = KIND(MLV_PLOT_SCATTER) |
		KIND(MLV_PLOT_TRAJECTORIES) | KIND(MLV_PLOT_AVERAGES) |
		KIND(MLV_PLOT_PARALLEL);
	const unsigned records = KIND(MLV_PLOT_TRAJECTORIES) |
		KIND(MLV_PLOT_AVERAGES);
	const unsigned matrices = KIND(MLV_PLOT_PARALLEL) | KIND(MLV_PLOT_HEATMAP);
	unsigned k = KIND(o->kind);
	const char *name = kind_names[o->kind];
	if (o->color_key && o->color_column)
		return mlv_errf(err, errlen, "--color and --color-column: choose one");
	if ((o->color_key || o->color_column || o->hl_key) && !(k & coloured))
		return mlv_errf(err, errlen, "--color, --color-column and "
		                "--highlight go with --kind scatter, trajectories, "
		                "averages or parallel, not %s", name);
	if (o->color_column && (k & records))
		return mlv_errf(err, errlen, "--color-column colours rows, and --kind %s "
		                "draws whole records: colour them with --color", name);
	if (o->with_points && o->kind != MLV_PLOT_AVERAGES)
		return mlv_errf(err, errlen, "--with-points goes with --kind averages, "
		                "not %s", name);
	if ((o->sort_variance || o->columns) && !(k & matrices))
		return mlv_errf(err, errlen, "--sort-variance and --columns go with "
		                "--kind parallel or heatmap, not %s", name);
	if (o->max_rows != MLV_PLOT_MAX_ROWS && o->kind != MLV_PLOT_PARALLEL)
		return mlv_errf(err, errlen, "--max-rows goes with --kind parallel, "
		                "not %s", name);
	if (o->clusters && o->kind != MLV_PLOT_DENDROGRAM)
		return mlv_errf(err, errlen, "--clusters goes with --kind dendrogram, "
		                "not %s", name);
	return 0;
}

/* ---- colour groups ------------------------------------------------------ */

static int
highlighted(const mlv_record *r, const mlv_plot_opts *o)
{
	const char *v = mlv_meta_get(r, o->hl_key);
	return v && !fnmatch(o->hl_glob, v, 0);
}

/* The group of row i of r by its colour, as text (in buf for a column);
 * ids shortened to parts path components (mlv_id_parts). */
static const char *
group_name(const mlv_record *r, size_t i, const mlv_plot_opts *o,
           size_t parts, char *buf, size_t len)
{
	if (o->color_column) {
		snprintf(buf, len, "%g",
		         r->data[i * r->cols + o->color_column - 1]);
		return buf;
	}
	if (o->color_key) {
		const char *v = mlv_meta_get(r, o->color_key);
		if (v && !strcmp(o->color_key, "id"))
			return mlv_id_tail(v, parts);
		return v ? v : "(none)";
	}
	return "";
}

typedef struct {
	double v;
	size_t i;
} numbered;

/* Increasing value, NaN last, then increasing index. */
static int
numbered_cmp(const void *pa, const void *pb)
{
	const numbered *a = pa, *b = pb;
	int na = isnan(a->v) != 0, nb = isnan(b->v) != 0;
	if (na != nb)
		return na - nb;
	if (!na && a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* Renumber the groups after the highlight's "other" in the numeric order
 * of their names (the values of a colour column). */
static void
groups_sort_numeric(mlv_plot_groups *g)
{
	size_t first = (size_t)g->other, m = g->n - first;
	numbered *s = mlv_malloc(m * sizeof *s);
	uint32_t *renum = mlv_malloc(g->n * sizeof *renum);
	char **names = mlv_malloc(g->n * sizeof *names);
	for (size_t j = 0; j < m; j++)
		s[j] = (numbered){strtod(g->names[first + j], NULL), first + j};
	qsort(s, m, sizeof *s, numbered_cmp);
	for (size_t j = 0; j < first; j++) {
		renum[j] = (uint32_t)j;
		names[j] = g->names[j];
	}
	for (size_t j = 0; j < m; j++) {
		renum[s[j].i] = (uint32_t)(first + j);
		names[first + j] = g->names[s[j].i];
	}
	for (size_t r = 0; r < g->rows; r++)
		g->of_row[r] = renum[g->of_row[r]];
	free(g->names);
	g->names = names;
	free(renum);
	free(s);
}

/* order and start: the rows by group, a counting sort, so writing each
 * group's rows costs no pass over all rows per group. */
static void
groups_bucket(mlv_plot_groups *g)
{
	g->start = mlv_calloc(g->n + 1, sizeof *g->start);
	g->order = mlv_malloc(g->rows * sizeof *g->order);
	for (size_t r = 0; r < g->rows; r++)
		g->start[g->of_row[r] + 1]++;
	for (size_t i = 0; i < g->n; i++)
		g->start[i + 1] += g->start[i];
	size_t *next = mlv_malloc((g->n + 1) * sizeof *next);
	memcpy(next, g->start, (g->n + 1) * sizeof *next);
	for (size_t r = 0; r < g->rows; r++)
		g->order[next[g->of_row[r]]++] = r;
	free(next);
}

/* The list of keys in a message shows this many at most. */
#define KEYS_SHOWN 20

/* 0 when some record has key; otherwise -1 and a message for option opt
 * naming the records' keys and the nearest of them. */
static int
key_exists(const mlv_record *recs, size_t nrecs, const char *opt,
           const char *key, char *err, size_t errlen)
{
	for (size_t k = 0; k < nrecs; k++)
		if (mlv_meta_get(&recs[k], key))
			return 0;
	size_t distinct;
	const char **keys = mlv_record_keys(recs, nrecs, "", &distinct);
	/* keys of any length: those that fit in a one-line message, then how
	 * many more */
	char why[320];
	size_t len = (size_t)snprintf(why, sizeof why, "the records' keys: ");
	size_t shown = 0;
	while (shown < distinct && shown < KEYS_SHOWN &&
	       len + strlen(keys[shown]) + 40 < sizeof why) {
		len += (size_t)snprintf(why + len, sizeof why - len, "%s%s",
		                        shown ? ", " : "", keys[shown]);
		shown++;
	}
	if (!distinct)
		snprintf(why, sizeof why, "the records have no metadata");
	else if (!shown)
		snprintf(why, sizeof why, "the records have %zu keys, too long to "
		         "list", distinct);
	else if (shown < distinct)
		snprintf(why + len, sizeof why - len, " and %zu more",
		         distinct - shown);
	const char *near = mlv_nearest_key(key, keys, distinct);
	mlv_errf(err, errlen, "%s %s: no record has this key%s%s%s (%s)", opt,
	         key, near ? "; did you mean " : "", near ? near : "",
	         near ? "?" : "", why);
	free(keys);
	return -1;
}

int
mlv_plot_keys_exist(const mlv_record *recs, size_t nrecs,
                    const mlv_plot_opts *o, char *err, size_t errlen)
{
	if (o->color_key && key_exists(recs, nrecs, "-c", o->color_key, err,
	                               errlen))
		return -1;
	return o->hl_key ? key_exists(recs, nrecs, "--highlight", o->hl_key, err,
	                              errlen) : 0;
}

int
mlv_plot_group_rows(mlv_plot_groups *g, const mlv_record *recs, size_t nrecs,
                    const mlv_plot_opts *o, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	for (size_t k = 0; k < nrecs; k++) {
		if (o->color_column && recs[k].rows &&
		    o->color_column > recs[k].cols)
			return mlv_errf(err, errlen, "record %zu (id=%s): --color-column "
			                "%zu, but it has %zu columns", k + 1,
			                mlv_record_id(&recs[k]), o->color_column, recs[k].cols);
		g->rows += recs[k].rows;
	}
	g->other = o->hl_key != NULL;
	g->strong = g->other && !o->color_key && !o->color_column;
	g->of_row = mlv_malloc(g->rows * sizeof *g->of_row);
	size_t row = 0;
	size_t parts = o->color_key && !strcmp(o->color_key, "id") ?
	               mlv_id_parts(recs, nrecs) : 0;
	char *strong = NULL, buf[64];
	mlv_dict names;
	mlv_dict_init(&names);
	if (g->other)
		mlv_dict_code(&names, "other");
	if (g->strong) {
		strong = mlv_malloc(strlen(o->hl_key) + strlen(o->hl_glob) + 2);
		sprintf(strong, "%s=%s", o->hl_key, o->hl_glob);
	}
	for (size_t k = 0; k < nrecs; k++) {
		int grey = g->other && !highlighted(&recs[k], o);
		for (size_t i = 0; i < recs[k].rows; i++)
			g->of_row[row++] = grey ? 0 : mlv_dict_code(&names, strong ?
			                   strong : group_name(&recs[k], i, o, parts,
			                                       buf, sizeof buf));
	}
	free(strong);
	g->n = names.n;
	g->names = mlv_dict_take(&names);
	if (o->color_column)
		groups_sort_numeric(g);
	groups_bucket(g);
	return 0;
}

void
mlv_plot_groups_free(mlv_plot_groups *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->names[i]);
	free(g->names);
	free(g->of_row);
	free(g->order);
	free(g->start);
	memset(g, 0, sizeof *g);
}

const char *
mlv_plot_group_color(const mlv_plot_groups *g, size_t i)
{
	if (g->other && i == 0)
		return MLV_PLOT_GREY;
	if (g->strong)
		return MLV_PLOT_STRONG;
	return mlv_plot_colors[(i - (size_t)g->other) % MLV_PLOT_NCOLORS];
}

int
mlv_plot_group_shape(const mlv_plot_groups *g, size_t i)
{
	static const int shapes[] = {7, 5, 9, 11, 13};
	size_t j = g->other && i == 0 ? 0 : i - (size_t)g->other;
	return shapes[j / MLV_PLOT_NCOLORS % 5];
}

/* ---- tooltips and statistics -------------------------------------------- */

char *
mlv_plot_tip(const mlv_record *r, const char *const *keys, size_t nkeys,
             const char *last)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	if (!m)
		mlv_die("out of memory (building a tooltip)");
	fputs(mlv_record_id(r), m);
	for (size_t j = 0; j < nkeys; j++) {
		size_t seen = 0;
		while (seen < j && !(keys[seen] && keys[j] &&
		                     !strcmp(keys[seen], keys[j])))
			seen++;
		if (seen < j || !keys[j] || !strcmp(keys[j], "id") ||
		    !strncmp(keys[j], "label.", 6))
			continue;
		const char *v = mlv_meta_get(r, keys[j]);
		fprintf(m, "\n%s=%s", keys[j], v ? v : "(none)");
	}
	for (size_t j = 0; j < r->nmeta; j++)
		if (!strncmp(r->meta[j].key, "label.", 6))
			fprintf(m, "\n%s=%s", r->meta[j].key, r->meta[j].val);
	if (last)
		fprintf(m, "\n%s", last);
	if (fclose(m))
		mlv_die("out of memory (building a tooltip)");
	return s;
}

void
mlv_plot_variance_order(const float *x, size_t rows, size_t cols,
                        uint32_t *order)
{
	double *mean = mlv_malloc(cols * sizeof *mean);
	double *var = mlv_malloc(cols * sizeof *var);
	mlv_column_stats(x, rows, cols, mean, var);
	mlv_rank_desc(var, cols, order);
	free(var);
	free(mean);
}

double
mlv_plot_spread(const mlv_record *r, size_t dims, double *mean)
{
	double *m = mlv_malloc(r->cols * sizeof *m);
	double *var = mlv_malloc(r->cols * sizeof *var);
	mlv_column_stats(r->data, r->rows, r->cols, m, var);
	double sum = 0;
	for (size_t j = 0; j < dims; j++) {
		mean[j] = m[j];
		sum += var[j];
	}
	free(var);
	free(m);
	return sqrt(sum / (double)dims);
}

/* ---- merge trees -------------------------------------------------------- */

void
mlv_plot_leaf_order(const double *z, size_t n, uint32_t *order)
{
	/* An explicit stack: single linkage can chain n merges deep.  It
	 * holds disjoint subtrees, so never more than n of them. */
	size_t *stack = mlv_malloc(n * sizeof *stack), depth = 0, k = 0;
	stack[depth++] = 2 * n - 2;
	while (depth) {
		size_t c = stack[--depth];
		if (c < n) {
			order[k++] = (uint32_t)c;
			continue;
		}
		const double *row = z + 4 * (c - n);
		stack[depth++] = (size_t)row[1]; /* the right part after the left */
		stack[depth++] = (size_t)row[0];
	}
	free(stack);
}

void
mlv_plot_tree_x(const double *z, size_t n, const uint32_t *order, double *x)
{
	for (size_t k = 0; k < n; k++)
		x[order[k]] = (double)k;
	/* a merge's parts are formed before it, so are placed already */
	for (size_t i = 0; i + 1 < n; i++)
		x[n + i] = (x[(size_t)z[4 * i]] + x[(size_t)z[4 * i + 1]]) / 2;
}

int
mlv_plot_tree_cut(const double *z, size_t n, size_t k, uint32_t *order,
                  int32_t *leaf, int32_t *link, size_t *nclusters,
                  double *cut, char *err, size_t errlen)
{
	int32_t *label = mlv_malloc(n * sizeof *label);
	size_t nc;
	if (mlv_hclust_cut_k(z, n, k, label, &nc, err, errlen)) {
		free(label);
		return -1;
	}
	mlv_plot_leaf_order(z, n, order);
	/* fcluster numbers by its own walk; colours go left to right */
	int32_t *renum = mlv_malloc(nc * sizeof *renum), next = 0;
	for (size_t c = 0; c < nc; c++)
		renum[c] = -1;
	for (size_t j = 0; j < n; j++)
		if (renum[label[order[j]]] < 0)
			renum[label[order[j]]] = next++;
	int32_t *node = mlv_malloc((2 * n - 1) * sizeof *node);
	for (size_t i = 0; i < n; i++)
		node[i] = leaf[i] = renum[label[i]];
	double inside = 0, above = INFINITY;
	for (size_t i = 0; i + 1 < n; i++) {
		int32_t a = node[(size_t)z[4 * i]], b = node[(size_t)z[4 * i + 1]];
		node[n + i] = link[i] = a == b ? a : -1;
		if (link[i] >= 0)
			inside = fmax(inside, z[4 * i + 2]);
		else
			above = fmin(above, z[4 * i + 2]);
	}
	*nclusters = nc;
	*cut = nc > 1 ? (inside + above) / 2 : NAN;
	free(node);
	free(renum);
	free(label);
	return 0;
}

/* ---- script pieces ------------------------------------------------------ */

static void
str(FILE *f, const char *s, int flags)
{
	mlv_plot_string(f, s, flags);
}

/* The i-th name of the comma-separated list in r's key (malloc'd), or
 * NULL. */
static char *
listed_name(const mlv_record *r, const char *key, size_t i)
{
	const char *c = mlv_meta_get(r, key);
	for (; c && i; i--)
		if ((c = strchr(c, ',')))
			c++;
	if (!c || !*c)
		return NULL;
	return strndup(c, strcspn(c, ","));
}

/* colnames[i] of r (malloc'd), or NULL. */
static char *
colname(const mlv_record *r, size_t i)
{
	return listed_name(r, "colnames", i);
}

/* colnames[i] of r, or prefix and i + base (malloc'd). */
static char *
column_name(const mlv_record *r, size_t i, const char *prefix, size_t base)
{
	char *name = colname(r, i);
	if (!name) {
		name = mlv_malloc(strlen(prefix) + 24);
		sprintf(name, "%s%zu", prefix, i + base);
	}
	return name;
}

static void
label(FILE *f, const char *axis, const mlv_record *r, size_t col,
      const char *fallback)
{
	char *name = r ? colname(r, col) : NULL;
	fprintf(f, "set %slabel ", axis);
	str(f, name ? name : fallback, MLV_PLOT_ONELINE);
	putc('\n', f);
	free(name);
}

/* The axis names of a map from the projection that made it (mlv-project's
 * projection and explained keys): "PC1 (34 %)", "t-SNE 2", "UMAP 1";
 * otherwise colnames, otherwise "column 1" and "column 2".  A projection
 * (or equal set) also gets equal units on both axes: its distances are
 * what it shows. */
static void
map_axes(FILE *f, const mlv_record *r, int equal)
{
	const char *proj = mlv_meta_get(r, "projection");
	const char *expl = mlv_meta_get(r, "explained");
	static const struct {
		const char *projection, *name;
	} names[] = {
		{"pca", "PC"}, {"std-pca", "PC"}, {"tsne", "t-SNE "},
		{"umap", "UMAP "},
	};
	const char *name = NULL;
	for (size_t i = 0; proj && i < sizeof names / sizeof *names; i++)
		if (!strcmp(proj, names[i].projection))
			name = names[i].name;
	if (proj || equal)
		fputs("set size ratio -1\n", f);
	/* Room at the borders: a point on the frame is drawn under it, where
	 * its SVG tooltip cannot be hovered, and marks there are cut. */
	fputs("set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03\n", f);
	for (size_t col = 0; col < 2; col++) {
		char text[64], *end;
		if (!name) {
			label(f, col ? "y" : "x", r, col, col ? "column 2" : "column 1");
			continue;
		}
		int n = snprintf(text, sizeof text, "%s%zu", name, col + 1);
		/* explained: each component's ratio, comma-separated */
		const char *e = expl;
		for (size_t k = 0; e && k < col; k++)
			if ((e = strchr(e, ',')))
				e++;
		double ratio = e ? strtod(e, &end) : NAN;
		if (e && end != e && isfinite(ratio))
			snprintf(text + n, sizeof text - (size_t)n, " (%.0f %%)",
			         100 * ratio);
		label(f, col ? "y" : "x", NULL, 0, text);
	}
}

static int
has_time(const mlv_record *r, double *t0, double *dt)
{
	*t0 = 0;
	if (mlv_meta_get_double(r, "dt", dt) || !(*dt > 0))
		return 0;
	mlv_meta_get_double(r, "t0", t0);
	return 1;
}

static void
title(FILE *f, const mlv_record *recs, size_t nrecs, const mlv_plot_opts *o)
{
	fputs("set title ", f);
	if (o->title) {
		str(f, o->title, 0);
		putc('\n', f);
		return;
	}
	/* the distinct ids, the first three of them, shortened */
	char buf[1024] = "";
	size_t shown = 0, distinct = 0, parts = mlv_id_parts(recs, nrecs);
	for (size_t k = 0; k < nrecs; k++) {
		const char *id = mlv_id_tail(mlv_record_id(&recs[k]), parts);
		size_t j;
		for (j = 0; j < k && strcmp(mlv_record_id(&recs[j]), mlv_record_id(&recs[k])); j++)
			;
		if (j < k)
			continue;
		if (distinct++ < 3 && strlen(buf) + strlen(id) < 900)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
			         shown++ ? ", " : "", id);
	}
	if (distinct > shown)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
		         " and %zu more", distinct - shown);
	str(f, buf, 0);
	putc('\n', f);
}

/* The user's -g commands, last before the plot, then "plot ". */
static void
plot_begin(FILE *f, const mlv_plot_opts *o)
{
	for (size_t i = 0; i < o->nextra; i++)
		fprintf(f, "%s\n", o->extra[i]);
	fputs("plot ", f);
}

/* The legend: on for colours and highlights, titled by the colour key. */
static void
legend(FILE *f, const mlv_plot_opts *o)
{
	if (!o->color_key && !o->color_column && !o->hl_key) {
		fputs("set key off\n", f);
		return;
	}
	fputs("set key outside right top Left reverse\n", f);
	if (o->color_key) {
		fputs("set key title ", f);
		str(f, o->color_key, MLV_PLOT_ONELINE);
		putc('\n', f);
	} else if (o->color_column) {
		fprintf(f, "set key title 'column %zu'\n", o->color_column);
	}
}

static void
group_title(FILE *f, const mlv_plot_groups *g, size_t i)
{
	str(f, g->names[i], MLV_PLOT_ONELINE);
}

/* A legend entry for a colour group, drawn with style and more settings
 * (gnuplot's keyentry, so the data plots carry no sample). */
static void
group_entry(FILE *f, const mlv_plot_groups *g, size_t i, const char *style,
            const char *more)
{
	fprintf(f, ", \\\n     keyentry with %s lc rgb '%s' %s title ", style,
	        mlv_plot_group_color(g, i), more);
	group_title(f, g, i);
}

/* Legends list this many groups at most, then "and N more": a key of
 * hundreds of ids (a colour per record) fits on no page. */
#define LEGEND_MAX 30

static void
more_entry(FILE *f, size_t hidden)
{
	if (hidden)
		fprintf(f, ", \\\n     keyentry with lines lt nodraw title 'and %zu "
		        "more'", hidden);
}

/* The legend entries of the groups with rows. */
static void
group_entries(FILE *f, const mlv_plot_groups *g, const char *style,
              const char *more)
{
	size_t shown = 0;
	for (size_t i = 0; i < g->n; i++)
		if (g->start[i] < g->start[i + 1] && shown++ < LEGEND_MAX)
			group_entry(f, g, i, style, more);
	more_entry(f, shown > LEGEND_MAX ? shown - LEGEND_MAX : 0);
}

/* "#RRGGBB" with a transparency (0 opaque to 255 invisible) as gnuplot's
 * 0xAARRGGBB. */
static unsigned long
argb(const char *color, unsigned transparency)
{
	return (unsigned long)transparency << 24 | strtoul(color + 1, NULL, 16);
}

/* Every record with rows has at least need columns. */
static int
need_columns(const mlv_record *recs, size_t nrecs, size_t need,
             const char *what, char *err, size_t errlen)
{
	for (size_t k = 0; k < nrecs; k++)
		if (recs[k].rows && recs[k].cols < need)
			return mlv_errf(err, errlen, "record %zu (id=%s): %zu column%s; "
			                "%s needs %zu", k + 1, mlv_record_id(&recs[k]),
			                recs[k].cols, recs[k].cols == 1 ? "" : "s",
			                what, need);
	return 0;
}

/* Some record has rows; otherwise a message naming the record, or saying
 * none of them has any, rather than gnuplot's "x range is invalid". */
static int
need_rows(const mlv_record *recs, size_t nrecs, char *err, size_t errlen)
{
	for (size_t k = 0; k < nrecs; k++)
		if (recs[k].rows)
			return 0;
	if (nrecs == 1)
		return mlv_errf(err, errlen, "record 1 (id=%s): no rows to plot",
		                mlv_record_id(&recs[0]));
	return mlv_errf(err, errlen, "no rows to plot: none of the %zu records "
	                "has any", nrecs);
}

/* Some row has finite values in its first two columns, a point on a map
 * (every record with rows has two columns). */
static int
need_finite_xy(const mlv_record *recs, size_t nrecs, char *err,
               size_t errlen)
{
	for (size_t k = 0; k < nrecs; k++)
		for (size_t i = 0; i < recs[k].rows; i++) {
			const float *x = recs[k].data + i * recs[k].cols;
			if (isfinite(x[0]) && isfinite(x[1]))
				return 0;
		}
	if (nrecs == 1)
		return mlv_errf(err, errlen, "record 1 (id=%s): no row with finite "
		                "values in columns 1 and 2, so no point to draw",
		                mlv_record_id(&recs[0]));
	return mlv_errf(err, errlen, "no row of the %zu records has finite "
	                "values in columns 1 and 2, so no point to draw", nrecs);
}

/* first[nrecs + 1]: the number of each record's first row over all. */
static size_t *
record_starts(const mlv_record *recs, size_t nrecs)
{
	size_t *first = mlv_malloc((nrecs + 1) * sizeof *first);
	first[0] = 0;
	for (size_t k = 0; k < nrecs; k++)
		first[k + 1] = first[k] + recs[k].rows;
	return first;
}

/* The record holding a row counted over all records (by bisection: the
 * last record starting at or before it, which is never an empty one). */
static size_t
record_of(const size_t *first, size_t nrecs, size_t row)
{
	size_t lo = 0, hi = nrecs;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (first[mid] <= row)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static const float *
row_at(const mlv_record *recs, const size_t *first, size_t nrecs, size_t row)
{
	size_t k = record_of(first, nrecs, row);
	return recs[k].data + (row - first[k]) * recs[k].cols;
}

/* The tooltip of row i of r: the colour and highlight keys, the labels,
 * the colour column's value, and the row's time or number. */
static char *
row_tip(const mlv_record *r, size_t i, const mlv_plot_opts *o)
{
	const char *keys[2] = {o->color_key, o->hl_key};
	char last[160];
	int n = 0;
	double t0, dt;
	if (o->color_column)
		n = snprintf(last, 64, "column %zu=%g\n", o->color_column,
		             r->data[i * r->cols + o->color_column - 1]);
	if (has_time(r, &t0, &dt))
		snprintf(last + n, sizeof last - (size_t)n, "t=%.3f s",
		         t0 + (double)i * dt);
	else
		snprintf(last + n, sizeof last - (size_t)n, "row %zu", i);
	return mlv_plot_tip(r, keys, 2, last);
}

/* tip[1 .. rows]: the tooltip of each row of every record in turn. */
static void
row_tips(FILE *f, const mlv_record *recs, size_t nrecs, size_t rows,
         const mlv_plot_opts *o)
{
	fprintf(f, "array tip[%zu]\n", rows);
	size_t row = 0;
	for (size_t k = 0; k < nrecs; k++)
		for (size_t i = 0; i < recs[k].rows; i++) {
			char *s = row_tip(&recs[k], i, o);
			fprintf(f, "tip[%zu] = ", ++row);
			str(f, s, MLV_PLOT_HYPERTEXT);
			putc('\n', f);
			free(s);
		}
}

/* The groups of a map (the first two columns of every row). */
static int
map_groups(mlv_plot_groups *g, const mlv_record *recs, size_t nrecs,
           const mlv_plot_opts *o, const char *what, char *err, size_t errlen)
{
	if (need_rows(recs, nrecs, err, errlen) ||
	    need_columns(recs, nrecs, 2, what, err, errlen) ||
	    need_finite_xy(recs, nrecs, err, errlen))
		return -1;
	return mlv_plot_group_rows(g, recs, nrecs, o, err, errlen);
}

/* ---- scatter: a point per row ------------------------------------------- */

static int
scatter(FILE *f, const mlv_record *recs, size_t nrecs, const mlv_plot_opts *o,
        char *err, size_t errlen)
{
	mlv_plot_groups g;
	if (map_groups(&g, recs, nrecs, o, "a scatter plot", err, errlen))
		return -1;
	int svg = o->type == MLV_PLOT_SVG;
	size_t *first = record_starts(recs, nrecs);
	map_axes(f, &recs[0], 0);
	legend(f, o);
	if (svg)
		row_tips(f, recs, nrecs, g.rows, o);
	for (size_t i = 0; i < g.n; i++) {
		fprintf(f, "$g%zu << EOD\n", i);
		for (size_t j = g.start[i]; j < g.start[i + 1]; j++) {
			const float *x = row_at(recs, first, nrecs, g.order[j]);
			fprintf(f, "%.9g %.9g %zu\n", x[0], x[1], g.order[j] + 1);
		}
		fputs("EOD\n", f);
	}
	plot_begin(f, o);
	const char *sep = "";
	size_t shown = 0;
	/* Dense maps get smaller dots, down to half size at 80,000 points:
	 * less overplotting, and cairo draws them faster. */
	size_t npoints = g.start[g.n];
	double dense = npoints > 20000 ? sqrt(20000.0 / (double)npoints) : 1;
	dense = dense < 0.5 ? 0.5 : dense;
	for (size_t i = 0; i < g.n; i++) {
		if (g.start[i] == g.start[i + 1])
			continue; /* gnuplot warns of an empty data block */
		double ps = dense * (!g.other ? 0.6 : i ? 0.8 : 0.5);
		fprintf(f, "%s$g%zu using 1:2%s with %s pt %d ps %g lc rgb '%s' ",
		        sep, i, svg ? ":(tip[int($3)])" : "",
		        svg ? "labels hypertext point" : "points",
		        mlv_plot_group_shape(&g, i), ps, mlv_plot_group_color(&g, i));
		if (shown++ < LEGEND_MAX) {
			fputs("title ", f);
			group_title(f, &g, i);
		} else {
			fputs("notitle", f);
		}
		sep = ", \\\n     ";
	}
	more_entry(f, shown > LEGEND_MAX ? shown - LEGEND_MAX : 0);
	putc('\n', f);
	free(first);
	mlv_plot_groups_free(&g);
	return 0;
}

/* ---- trajectories: each record's rows joined in row order --------------- */

/* $tI: the rows of group i's records, x y tip flags (1 first, 2 last),
 * a blank line after each record, so gnuplot starts a new line. */
static void
trajectory_block(FILE *f, const mlv_record *recs, size_t nrecs,
                 const size_t *first, const mlv_plot_groups *g, size_t i)
{
	fprintf(f, "$t%zu << EOD\n", i);
	for (size_t k = 0; k < nrecs; k++) {
		if (!recs[k].rows || g->of_row[first[k]] != i)
			continue;
		for (size_t r = 0; r < recs[k].rows; r++) {
			const float *x = recs[k].data + r * recs[k].cols;
			fprintf(f, "%.9g %.9g %zu %d\n", x[0], x[1], first[k] + r + 1,
			        (r == 0) | (r + 1 == recs[k].rows) << 1);
		}
		putc('\n', f);
	}
	fputs("EOD\n", f);
}

/* A trajectory's start (an open circle) and end (a filled triangle):
 * small, so they mark a place without hiding the rows around it. */
#define START_MARK "pt 6 ps 1.4 lw 1.5"
#define END_MARK "pt 9 ps 1.2"

/* Group i's line, its vertices (with tooltips in SVG), its starts and its
 * ends. */
static void
trajectory_plot(FILE *f, const mlv_plot_groups *g, size_t i, int svg)
{
	const char *c = mlv_plot_group_color(g, i);
	fprintf(f, "$t%zu using 1:2 with lines lw %g lc rgb '%s' notitle, "
	        "\\\n     ", i, g->other && !i ? 1 : 1.5, c);
	if (svg)
		fprintf(f, "$t%zu using 1:2:(tip[int($3)]) with labels hypertext "
		        "point pt 7 ps 0.4 lc rgb '%s' notitle, \\\n     ", i, c);
	else
		fprintf(f, "$t%zu using 1:2 with points pt 7 ps 0.4 lc rgb '%s' "
		        "notitle, \\\n     ", i, c);
	fprintf(f, "$t%zu using 1:(int($4)&1 ? $2 : NaN) with points "
	        START_MARK " lc rgb '%s' notitle, \\\n     "
	        "$t%zu using 1:(int($4)&2 ? $2 : NaN) with points " END_MARK
	        " lc rgb '%s' notitle", i, c, i, c);
}

static int
trajectories(FILE *f, const mlv_record *recs, size_t nrecs,
             const mlv_plot_opts *user, char *err, size_t errlen)
{
	mlv_plot_opts o = *user;
	if (!o.color_key && !o.hl_key)
		o.color_key = "id"; /* a colour per record */
	mlv_plot_groups g;
	if (map_groups(&g, recs, nrecs, &o, "a trajectory", err, errlen))
		return -1;
	size_t *first = record_starts(recs, nrecs);
	map_axes(f, &recs[0], 0);
	legend(f, &o);
	if (o.type == MLV_PLOT_SVG)
		row_tips(f, recs, nrecs, g.rows, &o);
	for (size_t i = 0; i < g.n; i++)
		trajectory_block(f, recs, nrecs, first, &g, i);
	plot_begin(f, &o);
	const char *sep = "";
	for (size_t i = 0; i < g.n; i++)
		if (g.start[i] < g.start[i + 1]) {
			fputs(sep, f);
			trajectory_plot(f, &g, i, o.type == MLV_PLOT_SVG);
			sep = ", \\\n     ";
		}
	group_entries(f, &g, "lines", "lw 2");
	fputs(", \\\n     keyentry with points " START_MARK " lc rgb "
	      "'#000000' title 'start', \\\n     keyentry with points "
	      END_MARK " lc rgb '#000000' title 'end'\n", f);
	free(first);
	mlv_plot_groups_free(&g);
	return 0;
}

/* ---- averages: a circle per record at its mean, as wide as its spread --- */

typedef struct {
	double *center; /* [2 nrecs] */
	double *spread; /* [nrecs]; NaN for a record without rows */
	double lo[2], hi[2]; /* the ranges that show every circle (and row) */
} circles;

static int
averages_compute(circles *c, const mlv_record *recs, size_t nrecs,
                 int with_points, char *err, size_t errlen)
{
	c->center = mlv_malloc(2 * nrecs * sizeof *c->center);
	c->spread = mlv_malloc(nrecs * sizeof *c->spread);
	c->lo[0] = c->lo[1] = INFINITY;
	c->hi[0] = c->hi[1] = -INFINITY;
	for (size_t k = 0; k < nrecs; k++) {
		double *m = c->center + 2 * k, s;
		if (!recs[k].rows) {
			c->spread[k] = NAN;
			continue;
		}
		s = c->spread[k] = mlv_plot_spread(&recs[k], 2, m);
		if (!isfinite(m[0]) || !isfinite(m[1]) || !isfinite(s))
			return mlv_errf(err, errlen, "record %zu (id=%s): a NaN or "
			                "infinite value, so no mean to draw", k + 1,
			                mlv_record_id(&recs[k]));
		for (int d = 0; d < 2; d++) {
			c->lo[d] = fmin(c->lo[d], m[d] - s);
			c->hi[d] = fmax(c->hi[d], m[d] + s);
		}
		for (size_t r = 0; with_points && r < recs[k].rows; r++)
			for (int d = 0; d < 2; d++) {
				double v = recs[k].data[r * recs[k].cols + (size_t)d];
				c->lo[d] = fmin(c->lo[d], v);
				c->hi[d] = fmax(c->hi[d], v);
			}
	}
	return 0;
}

/* Ranges with a margin, so no circle is clipped at the border. */
static void
averages_ranges(FILE *f, const circles *c)
{
	for (int d = 0; d < 2; d++) {
		double pad = c->hi[d] > c->lo[d] ? 0.05 * (c->hi[d] - c->lo[d]) : 1;
		fprintf(f, "set %crange [%.9g:%.9g]\n", "xy"[d], c->lo[d] - pad,
		        c->hi[d] + pad);
	}
}

/* atip[k + 1]: the tooltip of record k's circle. */
static void
averages_tips(FILE *f, const mlv_record *recs, size_t nrecs,
              const mlv_plot_opts *o)
{
	const char *keys[2] = {o->color_key, o->hl_key};
	fprintf(f, "array atip[%zu]\n", nrecs);
	for (size_t k = 0; k < nrecs; k++) {
		if (!recs[k].rows)
			continue;
		char last[48];
		snprintf(last, sizeof last, "%zu row%s", recs[k].rows,
		         recs[k].rows == 1 ? "" : "s");
		char *s = mlv_plot_tip(&recs[k], keys, 2, last);
		fprintf(f, "atip[%zu] = ", k + 1);
		str(f, s, MLV_PLOT_HYPERTEXT);
		putc('\n', f);
		free(s);
	}
}

static void
averages_blocks(FILE *f, const mlv_record *recs, size_t nrecs,
                const mlv_plot_groups *g, const circles *c, int with_points)
{
	size_t *first = record_starts(recs, nrecs);
	for (size_t i = 0; i < g->n; i++) {
		fprintf(f, "$a%zu << EOD\n", i);
		for (size_t k = 0; k < nrecs; k++)
			if (recs[k].rows && g->of_row[first[k]] == i)
				fprintf(f, "%.9g %.9g %.9g %zu\n", c->center[2 * k],
				        c->center[2 * k + 1], c->spread[k], k + 1);
		fputs("EOD\n", f);
		if (!with_points)
			continue;
		fprintf(f, "$p%zu << EOD\n", i);
		for (size_t j = g->start[i]; j < g->start[i + 1]; j++) {
			const float *x = row_at(recs, first, nrecs, g->order[j]);
			fprintf(f, "%.9g %.9g\n", x[0], x[1]);
		}
		fputs("EOD\n", f);
	}
	free(first);
}

/* translucent discs with a solid rim in the line's colour */
#define CIRCLE_STYLE "lw 1.5 fs transparent solid 0.2 border"

/* The faint rows, then each group's circles and centres (with tooltips
 * in SVG), then the legend. */
static void
averages_plot(FILE *f, const mlv_plot_groups *g, const mlv_plot_opts *o)
{
	const char *sep = "";
	plot_begin(f, o);
	for (size_t i = 0; o->with_points && i < g->n; i++)
		if (g->start[i] < g->start[i + 1]) {
			fprintf(f, "%s$p%zu using 1:2 with points pt 7 ps 0.4 lc rgb "
			        "'#%08lX' notitle", sep, i,
			        argb(mlv_plot_group_color(g, i), 0x90));
			sep = ", \\\n     ";
		}
	for (size_t i = 0; i < g->n; i++) {
		if (g->start[i] == g->start[i + 1])
			continue;
		const char *col = mlv_plot_group_color(g, i);
		fprintf(f, "%s$a%zu using 1:2:3 with circles lc rgb '%s' %s "
		        "notitle, \\\n     ", sep, i, col, CIRCLE_STYLE);
		if (o->type == MLV_PLOT_SVG)
			fprintf(f, "$a%zu using 1:2:(atip[int($4)]) with labels "
			        "hypertext point pt 7 ps 0.6 lc rgb '%s' notitle", i, col);
		else
			fprintf(f, "$a%zu using 1:2 with points pt 7 ps 0.6 lc rgb '%s' "
			        "notitle", i, col);
		sep = ", \\\n     ";
	}
	if (o->color_key || o->hl_key)
		group_entries(f, g, "circles", CIRCLE_STYLE);
	putc('\n', f);
}

static int
averages(FILE *f, const mlv_record *recs, size_t nrecs, const mlv_plot_opts *o,
         char *err, size_t errlen)
{
	mlv_plot_groups g;
	circles c = {0};
	if (map_groups(&g, recs, nrecs, o, "an average", err, errlen))
		return -1;
	int rc = averages_compute(&c, recs, nrecs, o->with_points, err, errlen);
	if (!rc) {
		averages_ranges(f, &c);
		/* equal units on both axes, so a radius is a distance */
		map_axes(f, &recs[0], 1);
		legend(f, o);
		if (o->type == MLV_PLOT_SVG)
			averages_tips(f, recs, nrecs, o);
		averages_blocks(f, recs, nrecs, &g, &c, o->with_points);
		averages_plot(f, &g, o);
	}
	free(c.center);
	free(c.spread);
	mlv_plot_groups_free(&g);
	return rc;
}

/* ---- parallel coordinates: a polyline per row across the columns ------- */

/* The width of the records that have rows, the same for all. */
static int
common_width(const mlv_record *recs, size_t nrecs, size_t *cols,
             size_t *rows, char *err, size_t errlen)
{
	size_t k0 = 0;
	*cols = *rows = 0;
	if (need_rows(recs, nrecs, err, errlen))
		return -1;
	for (size_t k = 0; k < nrecs; k++) {
		if (!recs[k].rows)
			continue;
		if (!*rows) {
			k0 = k;
			*cols = recs[k].cols;
		} else if (recs[k].cols != *cols) {
			return mlv_errf(err, errlen, "record %zu (id=%s): %zu columns, "
			                "but record %zu has %zu; parallel coordinates "
			                "need one width", k + 1, mlv_record_id(&recs[k]),
			                recs[k].cols, k0 + 1, *cols);
		}
		*rows += recs[k].rows;
	}
	return 0;
}

/* axis[]: the columns drawn, left to right: all but the colour column,
 * by variance if asked, the first o->columns of them.  Returns how many. */
static size_t
parallel_axes(const mlv_record *recs, size_t nrecs, size_t cols,
              size_t rows, const mlv_plot_opts *o, uint32_t *axis)
{
	size_t na = 0;
	for (size_t j = 0; j < cols; j++)
		if (j + 1 != o->color_column)
			axis[na++] = (uint32_t)j;
	if (o->sort_variance) {
		float *x = mlv_malloc(mlv_mul_size(rows, na * sizeof *x, "rows"));
		uint32_t *rank = mlv_malloc(na * sizeof *rank), *copy;
		size_t i = 0;
		for (size_t k = 0; k < nrecs; k++)
			for (size_t r = 0; r < recs[k].rows; r++, i++)
				for (size_t j = 0; j < na; j++)
					x[i * na + j] = recs[k].data[r * cols + axis[j]];
		mlv_plot_variance_order(x, rows, na, rank);
		copy = mlv_malloc(na * sizeof *copy);
		memcpy(copy, axis, na * sizeof *copy);
		for (size_t j = 0; j < na; j++)
			axis[j] = copy[rank[j]];
		free(copy);
		free(rank);
		free(x);
	}
	return o->columns && o->columns < na ? o->columns : na;
}

/* Whether some row has finite values on two neighbouring axes: gnuplot
 * draws no line to or from an undefined value. */
static int
parallel_finite(const mlv_record *recs, size_t nrecs, const uint32_t *axis,
                size_t na)
{
	for (size_t k = 0; k < nrecs; k++)
		for (size_t r = 0; r < recs[k].rows; r++) {
			const float *x = recs[k].data + r * recs[k].cols;
			for (size_t j = 0; j + 1 < na; j++)
				if (isfinite(x[axis[j]]) && isfinite(x[axis[j + 1]]))
					return 1;
		}
	return 0;
}

/* One range for every axis, from all their finite values, into *lo and
 * *hi, so an axis's spread shows how much its column varies (and
 * --sort-variance reads at a glance); tics on the first axis only, so 16
 * axes are not 16 columns of numbers. */
static void
parallel_ranges(FILE *f, const mlv_record *recs, size_t nrecs,
                const uint32_t *axis, size_t na, double *lo, double *hi)
{
	double min = INFINITY, max = -INFINITY;
	for (size_t j = 0; j < na; j++)
		for (size_t k = 0; k < nrecs; k++)
			for (size_t r = 0; r < recs[k].rows; r++) {
				double v = recs[k].data[r * recs[k].cols + axis[j]];
				if (isfinite(v)) {
					min = fmin(min, v);
					max = fmax(max, v);
				}
			}
	if (min == max)
		min -= 0.5, max += 0.5;
	*lo = min;
	*hi = max;
	for (size_t j = 0; j < na; j++)
		fprintf(f, "set paxis %zu range [%.9g:%.9g]\n", j + 1, min, max);
	fputs("set paxis 1 tics\n", f);
}

static void
parallel_tics(FILE *f, const mlv_record *r, const uint32_t *axis, size_t na)
{
	fputs("set xtics (", f);
	for (size_t j = 0; j < na; j++) {
		char *name = column_name(r, axis[j], "z", 0);
		str(f, name, MLV_PLOT_ONELINE);
		fprintf(f, " %zu%s", j + 1, j + 1 < na ? ", " : ")\n");
		free(name);
	}
}

/* Whether row (of rows) is one of the drawn, evenly spaced over the
 * input, so every record keeps its share. */
static int
drawn(size_t row, size_t rows, size_t drawn_rows)
{
	return drawn_rows >= rows ||
	       row * drawn_rows / rows != (row + 1) * drawn_rows / rows;
}

/* $ax: the axes' ends; $pI: the drawn rows of group i, each a polyline
 * through (axis, value scaled to the axis's range) for plain lines. */
static void
parallel_blocks(FILE *f, const mlv_record *recs, size_t nrecs,
                const mlv_plot_groups *g, const uint32_t *axis, size_t na,
                double lo, double hi, size_t ndrawn)
{
	fputs("$ax << EOD\n", f);
	for (int end = 0; end < 2; end++)
		for (size_t a = 0; a < na; a++)
			fprintf(f, "%.9g%c", end ? hi : lo, a + 1 < na ? ' ' : '\n');
	fputs("EOD\n", f);
	size_t *first = record_starts(recs, nrecs);
	for (size_t i = 0; i < g->n; i++) {
		fprintf(f, "$p%zu << EOD\n", i);
		for (size_t j = g->start[i]; j < g->start[i + 1]; j++) {
			if (!drawn(g->order[j], g->rows, ndrawn))
				continue;
			const float *x = row_at(recs, first, nrecs, g->order[j]);
			for (size_t a = 0; a < na; a++)
				fprintf(f, "%zu %.6g\n", a + 1,
				        (x[axis[a]] - lo) / (hi - lo));
			putc('\n', f);
		}
		fputs("EOD\n", f);
	}
	free(first);
}

/* gnuplot draws the axes (with parallelaxes)
 * and the rows are plain lines over them, a plot per colour group: with a
 * colour per row (lc rgb variable) pngcairo strokes every segment on its
 * own, 16 s for 100,000 rows of 16 columns where this takes one. */
static void
parallel_plot(FILE *f, const mlv_plot_groups *g, size_t na, size_t ndrawn,
              int keyed, const mlv_plot_opts *o)
{
	/* many rows translucent, so where they crowd shows; the grey rest
	 * of a highlight fainter still, and drawn first (group 0), so the
	 * selection stands on top */
	double alpha = fmax(0.05, fmin(1, 50.0 / (double)ndrawn));
	if (ndrawn < g->rows)
		fprintf(f, "set label 'drawn: %zu of %zu rows, evenly spaced "
		        "(--max-rows)' at screen 0.01, screen 0.98 left\n", ndrawn,
		        g->rows);
	plot_begin(f, o);
	fprintf(f, "for [i=1:%zu] $ax using i with parallelaxes lt nodraw "
	        "notitle", na);
	for (size_t i = 0; i < g->n; i++)
		if (g->start[i] < g->start[i + 1])
			fprintf(f, ", \\\n     $p%zu using 1:2 with lines lw 1 lc rgb "
			        "'#%08lX' notitle", i,
			        argb(mlv_plot_group_color(g, i), (unsigned)lrint(255 *
			             (1 - (g->other && !i ? alpha / 2 : alpha)))));
	if (keyed)
		group_entries(f, g, "lines", "lw 2");
	putc('\n', f);
}

static int
parallel(FILE *f, const mlv_record *recs, size_t nrecs,
         const mlv_plot_opts *o, char *err, size_t errlen)
{
	size_t cols, rows;
	mlv_plot_groups g;
	if (common_width(recs, nrecs, &cols, &rows, err, errlen) ||
	    mlv_plot_group_rows(&g, recs, nrecs, o, err, errlen))
		return -1;
	size_t k0 = 0;
	while (!recs[k0].rows)
		k0++;
	uint32_t *axis = mlv_malloc(cols * sizeof *axis);
	size_t na = parallel_axes(recs, nrecs, cols, rows, o, axis);
	int bad = na < 2 || !parallel_finite(recs, nrecs, axis, na);
	if (na < 2)
		mlv_errf(err, errlen, "record %zu (id=%s): %zu column%s%s to draw; "
		         "parallel coordinates need 2 or more", k0 + 1,
		         mlv_record_id(&recs[k0]), na, na == 1 ? "" : "s",
		         o->color_column ? " besides the colour column" : "");
	else if (bad && nrecs == 1)
		mlv_errf(err, errlen, "record 1 (id=%s): no finite values in the "
		         "columns drawn, so no line to draw", mlv_record_id(&recs[0]));
	else if (bad)
		mlv_errf(err, errlen, "none of the %zu records has finite values in "
		         "the columns drawn, so no line to draw", nrecs);
	if (bad) {
		free(axis);
		mlv_plot_groups_free(&g);
		return -1;
	}
	double lo, hi;
	int keyed = o->color_key || o->color_column || o->hl_key;
	fprintf(f, "set border 0\nunset ytics\nset xtics scale 0 nomirror\n"
	        "set lmargin 8\nset style parallelaxis lw 1 lc rgb '%s'\n",
	        MLV_PLOT_DARK);
	if (!keyed)
		fputs("set rmargin 6\n", f);
	fprintf(f, "set xrange [1:%zu]\nset yrange [0:1]\n", na);
	parallel_tics(f, &recs[k0], axis, na);
	parallel_ranges(f, recs, nrecs, axis, na, &lo, &hi);
	legend(f, o);
	size_t ndrawn = o->max_rows && o->max_rows < rows ? o->max_rows : rows;
	parallel_blocks(f, recs, nrecs, &g, axis, na, lo, hi, ndrawn);
	parallel_plot(f, &g, na, ndrawn, keyed, o);
	free(axis);
	mlv_plot_groups_free(&g);
	return 0;
}

/* ---- heatmap: one record as a matrix ------------------------------------ */

/* y tics naming the columns drawn (col[0 .. ncol)), at most about 32. */
static void
column_tics(FILE *f, const mlv_record *r, const uint32_t *col, size_t ncol)
{
	size_t step = (ncol + 31) / 32;
	fputs("set ytics (", f);
	for (size_t j = 0; j < ncol; j += step) {
		char *name = column_name(r, col[j], "", 0);
		str(f, name, MLV_PLOT_ONELINE);
		fprintf(f, " %zu%s", j, j + step < ncol ? ", " : ")\n");
		free(name);
	}
}

/* x tics naming the rows from rownames (mlv-eval's confusion matrix:
 * true classes), at most about 32. */
static void
row_tics(FILE *f, const mlv_record *r)
{
	size_t step = (r->rows + 31) / 32;
	fputs("set xtics rotate by -30 left (", f);
	for (size_t i = 0; i < r->rows; i += step) {
		char *name = listed_name(r, "rownames", i);
		str(f, name ? name : "", MLV_PLOT_ONELINE);
		fprintf(f, " %zu%s", i, i + step < r->rows ? ", " : ")\n");
		free(name);
	}
}

/* What the columns of a record of mlv-spec are (mel bands from fmin to
 * fmax Hz, MFCCs, pitch classes), into buf; "column" for anything else. */
static void
feature_name(const mlv_record *r, const char *kind, char *buf, size_t len)
{
	double lo, hi;
	if (!strcmp(kind, "mel") && !mlv_meta_get_double(r, "fmin", &lo) &&
	    !mlv_meta_get_double(r, "fmax", &hi))
		snprintf(buf, len, "mel band (%g-%g Hz)", lo, hi);
	else
		snprintf(buf, len, "%s", !strcmp(kind, "mel") ? "mel band" :
		         !strcmp(kind, "mfcc") ? "MFCC" : !strcmp(kind, "chroma") ?
		         "pitch class" : !strcmp(kind, "confusion") ?
		         "predicted class" : "column");
}

/* The colour bar's name: a similarity's measure, or the unit of a
 * spectrogram's values from its scale and power; NULL when unknown. */
static const char *
value_name(const mlv_record *r, const char *kind)
{
	const char *measure = mlv_meta_get(r, "measure");
	if (measure)
		return measure;
	if (!strcmp(kind, "confusion"))
		return "rows";
	if (strcmp(kind, "spec") && strcmp(kind, "mel"))
		return NULL;
	const char *scale = mlv_meta_get(r, "scale"), *power;
	int energy = (power = mlv_meta_get(r, "power")) && !strcmp(power, "2");
	if (scale && !strcmp(scale, "db"))
		return "dB";
	if (scale && !strcmp(scale, "log1p"))
		return energy ? "log(1 + power)" : "log(1 + magnitude)";
	return energy ? "power" : "magnitude";
}

/* Labels and ranges: time along x with dt, and along y too for a square
 * matrix (a self-similarity); otherwise the ncol columns col[] along y,
 * in Hz for a spectrogram's bins in their order.  Returns the Hz between
 * bins then, otherwise 0. */
static double
heatmap_axes(FILE *f, const mlv_record *r, const uint32_t *col, size_t ncol,
             int square, int sorted)
{
	double t0, dt, df = 0;
	int timed = has_time(r, &t0, &dt);
	const char *kind = mlv_meta_get(r, "kind"), *unit;
	char name[64];
	kind = kind ? kind : "";
	feature_name(r, kind, name, sizeof name);
	if (!square && !sorted && !strcmp(kind, "spec") &&
	    (mlv_meta_get_double(r, "df", &df) || !(df > 0)))
		df = 0;
	fprintf(f, "set xlabel '%s'\nset ylabel ", timed ? "time (s)" :
	        !strcmp(kind, "confusion") ? "true class" : "row");
	str(f, square ? "time (s)" : sorted ? "column, by variance" :
	    df > 0 ? "frequency (Hz)" : name, MLV_PLOT_ONELINE);
	putc('\n', f);
	if ((unit = value_name(r, kind))) {
		fputs("set cblabel ", f);
		str(f, unit, MLV_PLOT_ONELINE);
		putc('\n', f);
	}
	if (square)
		fputs("set size ratio -1\n", f);
	fprintf(f, "set xrange [%.9g:%.9g]\n", timed ? t0 - dt / 2 : -0.5,
	        timed ? t0 + ((double)r->rows - 0.5) * dt : (double)r->rows - 0.5);
	if (square)
		fprintf(f, "set yrange [%.9g:%.9g]\n", t0 - dt / 2,
		        t0 + ((double)r->cols - 0.5) * dt);
	else if (sorted) /* the largest on top, where reading starts */
		fprintf(f, "set yrange [%.9g:-0.5]\n", (double)ncol - 0.5);
	else if (df > 0)
		fprintf(f, "set yrange [%.9g:%.9g]\n", -df / 2,
		        ((double)ncol - 0.5) * df);
	else
		fprintf(f, "set yrange [-0.5:%.9g]\n", (double)ncol - 0.5);
	if (!square && !(df > 0) &&
	    (sorted || ncol < r->cols || mlv_meta_get(r, "colnames")))
		column_tics(f, r, col, ncol);
	if (!timed && mlv_meta_get(r, "rownames"))
		row_tics(f, r);
	return df;
}

/* SVG heatmaps up to this many cells are drawn as rectangles, about 130
 * bytes each; larger ones as a bitmap, whose cells are then few pixels
 * wide and smoothing blurs little. */
#define HEATMAP_CELLS_MAX 20000

static int
heatmap(FILE *f, const mlv_record *recs, size_t nrecs, const mlv_plot_opts *o,
        char *err, size_t errlen)
{
	if (nrecs != 1)
		return mlv_errf(err, errlen, "a heatmap draws one record, and the "
		                "input has %zu; select one with mlv-cat --id", nrecs);
	const mlv_record *r = &recs[0];
	if (need_rows(recs, nrecs, err, errlen))
		return -1;
	/* gnuplot draws no image of fewer than 2 x 2 points, only a warning */
	if (r->rows < 2 || r->cols < 2)
		return mlv_errf(err, errlen, "record 1 (id=%s): %zu x %zu; a heatmap "
		                "needs 2 or more rows and 2 or more columns", mlv_record_id(r),
		                r->rows, r->cols);
	size_t ncol = o->columns && o->columns < r->cols ? o->columns : r->cols;
	if (ncol < 2)
		return mlv_errf(err, errlen, "--columns %zu: a heatmap needs 2 or "
		                "more columns", ncol);
	size_t nfinite = 0;
	for (size_t i = 0; i < r->rows * r->cols; i++)
		nfinite += isfinite(r->data[i]) != 0;
	if (!nfinite)
		return mlv_errf(err, errlen, "record 1 (id=%s): no finite values, so "
		                "no colours to draw", mlv_record_id(r));
	uint32_t *col = mlv_malloc(r->cols * sizeof *col);
	if (o->sort_variance)
		mlv_plot_variance_order(r->data, r->rows, r->cols, col);
	else
		for (size_t j = 0; j < r->cols; j++)
			col[j] = (uint32_t)j;
	double t0, dt;
	int timed = has_time(r, &t0, &dt);
	/* a self-similarity has time on both axes, unless columns are picked */
	int square = timed && r->rows == r->cols && ncol == r->cols &&
	             !o->sort_variance;
	fputs("set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', "
	      "3 '#5DC863', 4 '#FDE725')\nset key off\nset tics out\n", f);
	double df = heatmap_axes(f, r, col, ncol, square, o->sort_variance);
	fputs("$m << EOD\n", f);
	for (size_t i = 0; i < r->rows; i++)
		for (size_t j = 0; j < ncol; j++)
			fprintf(f, "%.7g%c", r->data[i * r->cols + col[j]],
			        j + 1 < ncol ? ' ' : '\n');
	fputs("EOD\n", f);
	plot_begin(f, o);
	/* matrix: $1 is the column index, $2 the row index */
	char x[64] = "2", y[64] = "1";
	if (timed)
		snprintf(x, sizeof x, "(%.9g+$2*%.9g)", t0, dt);
	if (square)
		snprintf(y, sizeof y, "(%.9g+$1*%.9g)", t0, dt);
	else if (df > 0)
		snprintf(y, sizeof y, "($1*%.9g)", df);
	/* A browser smooths the bitmap an SVG embeds as it scales it up, so
	 * small matrices are drawn as a rectangle per cell instead. */
	fprintf(f, "$m matrix using %s:%s:3 with image%s\n", x, y,
	        o->type == MLV_PLOT_SVG && r->rows * ncol <= HEATMAP_CELLS_MAX ?
	        " pixels" : "");
	free(col);
	return 0;
}

/* ---- lines: columns against the first, or one column against time ------- */

/* Dashed vertical lines at the section boundaries of one-column records. */
static size_t
boundaries(FILE *f, const mlv_record *recs, size_t nrecs)
{
	size_t n = 0;
	double t0, dt;
	for (size_t k = 0; k < nrecs; k++) {
		if (recs[k].cols != 1)
			continue;
		const char *b = mlv_meta_get(&recs[k], has_time(&recs[k], &t0, &dt)
		                             ? "boundaries" : "boundary_rows");
		for (char *end; b && *b; b = *end == ',' ? end + 1 : end) {
			double x = strtod(b, &end);
			if (end == b)
				break;
			fprintf(f, "set arrow from %.9g, graph 0 to %.9g, graph 1 "
			        "nohead dt 2 lw 1.5 lc rgb '%s'\n", x, x, MLV_PLOT_DARK);
			n++;
		}
	}
	return n;
}

static void
lines_block(FILE *f, const mlv_record *r, size_t k)
{
	double t0, dt;
	int timed = has_time(r, &t0, &dt);
	fprintf(f, "$r%zu << EOD\n", k);
	for (size_t i = 0; i < r->rows; i++) {
		const float *x = r->data + i * r->cols;
		if (r->cols == 1)
			fprintf(f, "%.9g ", timed ? t0 + (double)i * dt : (double)i);
		for (size_t j = 0; j < r->cols; j++)
			fprintf(f, "%.9g%c", x[j], j + 1 < r->cols ? ' ' : '\n');
	}
	fputs("EOD\n", f);
}

/* The points of column j of r that a line joins: rows with j and the x
 * (column 0, or the row's time with one column) finite. */
static size_t
lines_points(const mlv_record *r, size_t j)
{
	size_t n = 0;
	for (size_t i = 0; i < r->rows; i++) {
		const float *x = r->data + i * r->cols;
		n += isfinite(x[j]) && isfinite(x[0]);
	}
	return n;
}

/* Whether every finite value the lines draw (all columns but the first,
 * unless there is one) is above 0, as a log scale needs. */
static int
lines_positive(const mlv_record *recs, size_t nrecs)
{
	for (size_t k = 0; k < nrecs; k++) {
		const mlv_record *r = &recs[k];
		for (size_t i = 0; i < r->rows; i++)
			for (size_t j = r->cols > 1 ? 1 : 0; j < r->cols; j++) {
				float v = r->data[i * r->cols + j];
				if (isfinite(v) && v <= 0)
					return 0;
			}
	}
	return 1;
}

/* Every record has rows and columns, each one a line or more in the
 * legend, and some line has two points to join. */
static int
lines_check(const mlv_record *recs, size_t nrecs, char *err, size_t errlen)
{
	size_t most = 0;
	for (size_t k = 0; k < nrecs; k++) {
		const mlv_record *r = &recs[k];
		if (!r->rows || !r->cols)
			return mlv_errf(err, errlen, "record %zu (id=%s): no %s to plot",
			                k + 1, mlv_record_id(r), r->rows ? "columns" : "rows");
		for (size_t j = r->cols > 1 ? 1 : 0; j < r->cols; j++) {
			size_t n = lines_points(r, j);
			most = n > most ? n : most;
		}
	}
	if (most >= 2)
		return 0;
	if (nrecs == 1)
		return mlv_errf(err, errlen, "record 1 (id=%s): fewer than two rows "
		                "with finite values, so no line to draw", mlv_record_id(&recs[0]));
	return mlv_errf(err, errlen, "none of the %zu records has two rows with "
	                "finite values, so no line to draw", nrecs);
}

static int
lines(FILE *f, const mlv_record *recs, size_t nrecs, const mlv_plot_opts *o,
      char *err, size_t errlen)
{
	size_t nseries = 0, series = 0;
	if (lines_check(recs, nrecs, err, errlen))
		return -1;
	for (size_t k = 0; k < nrecs; k++)
		nseries += recs[k].cols > 1 ? recs[k].cols - 1 : recs[k].cols;
	const mlv_record *r0 = &recs[0];
	const char *kind = mlv_meta_get(r0, "kind");
	int loss = kind && !strcmp(kind, "loss");
	size_t parts = mlv_id_parts(recs, nrecs);
	double t0, dt;
	if (r0->cols > 1)
		label(f, "x", r0, 0, "column 1");
	else
		label(f, "x", NULL, 0, has_time(r0, &t0, &dt) ? "time (s)" : "row");
	if (loss)
		label(f, "y", NULL, 0, "loss");
	else if (nseries == 1 || (nrecs == 1 && r0->cols == 2))
		label(f, "y", r0, r0->cols > 1 ? 1 : 0, "value");
	/* a loss falls by orders of magnitude: only a log scale shows its
	 * late epochs */
	if (loss && lines_positive(recs, nrecs))
		fputs("set logscale y\n", f);
	fputs("set key outside right top Left reverse\nset grid\n", f);
	size_t nbound = boundaries(f, recs, nrecs);
	for (size_t k = 0; k < nrecs; k++)
		lines_block(f, &recs[k], k);
	plot_begin(f, o);
	for (size_t k = 0; k < nrecs; k++) {
		size_t cols = recs[k].cols;
		for (size_t j = cols > 1 ? 1 : 0; j < cols; j++, series++) {
			char *name = column_name(&recs[k], j, "column ", 1), *t;
			if (nrecs > 1) {
				const char *id = mlv_id_tail(mlv_record_id(&recs[k]), parts);
				t = mlv_malloc(strlen(id) + strlen(name) + 3);
				sprintf(t, "%s: %s", id, name);
				free(name);
				name = t;
			}
			fprintf(f, "%s$r%zu using 1:%zu with lines lw 2 lc rgb '%s' "
			        "dt %zu title ", series ? ", \\\n     " : "", k,
			        cols > 1 ? j + 1 : 2,
			        mlv_plot_colors[series % MLV_PLOT_NCOLORS],
			        series / MLV_PLOT_NCOLORS % 4 + 1);
			str(f, name, MLV_PLOT_ONELINE);
			free(name);
		}
	}
	if (nbound)
		fprintf(f, ", \\\n     NaN with lines dt 2 lw 1.5 lc rgb '%s' "
		        "title 'boundaries'", MLV_PLOT_DARK);
	putc('\n', f);
	return 0;
}

/* ---- dendrogram: a merge tree from mlv-cluster --tree --------------------- */

typedef struct {
	size_t n;        /* points (leaves) */
	double *z;       /* (n-1) x 4 */
	uint32_t *order; /* [n] leaves left to right */
	int32_t *leaf;   /* [n] cluster of each point */
	int32_t *link;   /* [n-1] cluster of each merge, -1 above the cut */
	double *x;       /* [2n-1] */
	size_t nclusters;
	double cut, top;
} tree;

static void
tree_free(tree *t)
{
	free(t->z);
	free(t->order);
	free(t->leaf);
	free(t->link);
	free(t->x);
}

/* The tree of the input's one record, laid out and cut. */
static int
tree_read(tree *t, const mlv_record *recs, size_t nrecs,
          const mlv_plot_opts *o, char *err, size_t errlen)
{
	if (nrecs != 1)
		return mlv_errf(err, errlen, "a dendrogram draws one merge tree, and "
		                "the input has %zu records", nrecs);
	const mlv_record *r = &recs[0];
	const char *kind = mlv_meta_get(r, "kind");
	if (!kind || strcmp(kind, "tree"))
		return mlv_errf(err, errlen, "record 1 (id=%s): kind=%s, not a merge "
		                "tree (kind=tree, from mlv-cluster --tree)", mlv_record_id(r),
		                kind ? kind : "(none)");
	if (r->cols != 4 || !r->rows)
		return mlv_errf(err, errlen, "record 1 (id=%s): %zu x %zu, not the "
		                "(points - 1) x 4 of a merge tree", mlv_record_id(r), r->rows,
		                r->cols);
	size_t n = t->n = r->rows + 1, k = o->clusters ? o->clusters : 1;
	if (k > n)
		return mlv_errf(err, errlen, "--clusters %zu: the tree has %zu "
		                "points", k, n);
	t->z = mlv_malloc(mlv_mul_size(r->rows, 4 * sizeof *t->z, "tree"));
	t->order = mlv_malloc(n * sizeof *t->order);
	t->leaf = mlv_malloc(n * sizeof *t->leaf);
	t->link = mlv_malloc(r->rows * sizeof *t->link);
	t->x = mlv_malloc((2 * n - 1) * sizeof *t->x);
	t->top = 0;
	for (size_t i = 0; i < 4 * r->rows; i++)
		t->z[i] = r->data[i];
	char why[256];
	if (mlv_plot_tree_cut(t->z, n, k, t->order, t->leaf, t->link,
	                      &t->nclusters, &t->cut, why, sizeof why))
		return mlv_errf(err, errlen, "record 1 (id=%s): %s", mlv_record_id(r), why);
	mlv_plot_tree_x(t->z, n, t->order, t->x);
	for (size_t i = 0; i + 1 < n; i++)
		t->top = fmax(t->top, t->z[4 * i + 2]);
	return 0;
}

static void
tree_axes(FILE *f, const tree *t, const mlv_record *r)
{
	const char *method = mlv_meta_get(r, "method");
	fputs("set ylabel ", f);
	if (method) {
		char *s = mlv_malloc(strlen(method) + 16);
		sprintf(s, "height (%s)", method);
		str(f, s, MLV_PLOT_ONELINE);
		free(s);
	} else {
		fputs("'height'", f);
	}
	putc('\n', f);
	fprintf(f, "set xrange [-1:%zu]\nset yrange [0:%.9g]\n", t->n,
	        t->top > 0 ? 1.05 * t->top : 1);
	/* leaf labels only where they can be read */
	if (t->n > 50) {
		fprintf(f, "unset xtics\nset xlabel '%zu points'\n", t->n);
		return;
	}
	fprintf(f, "set xlabel 'point'\nset xtics scale 0 %s(",
	        t->n > 12 ? "rotate by 90 right " : "");
	for (size_t j = 0; j < t->n; j++)
		fprintf(f, "'%u' %zu%s", t->order[j], j, j + 1 < t->n ? ", " : ")\n");
}

/* The U of merge i: down to part a, across, down to part b. */
static void
tree_link(FILE *f, const tree *t, size_t i)
{
	size_t n = t->n, a = (size_t)t->z[4 * i], b = (size_t)t->z[4 * i + 1];
	double h = t->z[4 * i + 2];
	double ha = a < n ? 0 : t->z[4 * (a - n) + 2];
	double hb = b < n ? 0 : t->z[4 * (b - n) + 2];
	fprintf(f, "%.9g %.9g\n%.9g %.9g\n%.9g %.9g\n%.9g %.9g\n\n", t->x[a], ha,
	        t->x[a], h, t->x[b], h, t->x[b], hb);
}

/* $cI: the links of cluster i; $top: those above the cut.  Returns the
 * number of links above. */
static size_t
tree_blocks(FILE *f, const tree *t)
{
	size_t above = 0;
	for (size_t c = 0; c <= t->nclusters; c++) {
		int32_t want = c < t->nclusters ? (int32_t)c : -1;
		if (want < 0)
			fputs("$top << EOD\n", f);
		else
			fprintf(f, "$c%zu << EOD\n", c);
		for (size_t i = 0; i + 1 < t->n; i++)
			if (t->link[i] == want) {
				tree_link(f, t, i);
				above += want < 0;
			}
		fputs("EOD\n", f);
	}
	return above;
}

static int
dendrogram(FILE *f, const mlv_record *recs, size_t nrecs,
           const mlv_plot_opts *o, char *err, size_t errlen)
{
	tree t = {0};
	if (tree_read(&t, recs, nrecs, o, err, errlen)) {
		tree_free(&t);
		return -1;
	}
	size_t nc = t.nclusters, *count = mlv_calloc(nc, sizeof *count);
	for (size_t i = 0; i < t.n; i++)
		count[t.leaf[i]]++;
	tree_axes(f, &t, &recs[0]);
	fputs(nc > 1 ? "set key outside right top Left reverse\n" :
	      "set key off\n", f);
	if (nc > 1)
		fprintf(f, "set arrow from graph 0, first %.9g to graph 1, first "
		        "%.9g nohead dt 2 lw 1.5 lc rgb '%s'\n", t.cut, t.cut,
		        MLV_PLOT_DARK);
	size_t above = tree_blocks(f, &t);
	plot_begin(f, o);
	const char *sep = "";
	if (above) {
		fprintf(f, "$top using 1:2 with lines lw 1.5 lc rgb '%s' notitle",
		        MLV_PLOT_DARK);
		sep = ", \\\n     ";
	}
	for (size_t c = 0; c < nc; c++)
		if (count[c] > 1) {
			fprintf(f, "%s$c%zu using 1:2 with lines lw 1.5 lc rgb '%s' "
			        "notitle", sep, c, mlv_plot_colors[c % MLV_PLOT_NCOLORS]);
			sep = ", \\\n     ";
		}
	for (size_t c = 0; nc > 1 && c < nc; c++)
		fprintf(f, ", \\\n     keyentry with lines lw 2 lc rgb '%s' title "
		        "'cluster %zu: %zu point%s'",
		        mlv_plot_colors[c % MLV_PLOT_NCOLORS], c + 1, count[c],
		        count[c] == 1 ? "" : "s");
	if (nc > 1)
		fprintf(f, ", \\\n     keyentry with lines dt 2 lw 1.5 lc rgb '%s' "
		        "title 'cut: %zu clusters'", MLV_PLOT_DARK, nc);
	putc('\n', f);
	free(count);
	tree_free(&t);
	return 0;
}

/* ---- the whole script --------------------------------------------------- */

typedef int (*plot_writer)(FILE *, const mlv_record *, size_t,
                           const mlv_plot_opts *, char *, size_t);

int
mlv_plot_script(FILE *f, const mlv_record *recs, size_t nrecs,
                const mlv_plot_opts *o, char *err, size_t errlen)
{
	static const plot_writer writers[MLV_PLOT_NKINDS] = {
		scatter, trajectories, averages, parallel, heatmap, lines,
		dendrogram,
	};
	if (!nrecs)
		return mlv_errf(err, errlen, "no records to plot");
	if (mlv_plot_keys_exist(recs, nrecs, o, err, errlen))
		return -1;
	mlv_plot_terminal(f, o->type, o->width, o->height);
	if (o->output) {
		fputs("set output ", f);
		str(f, o->output, MLV_PLOT_ONELINE);
		putc('\n', f);
	}
	title(f, recs, nrecs, o);
	if (writers[o->kind](f, recs, nrecs, o, err, errlen))
		return -1;
	if (o->output)
		fputs("unset output\n", f);
	return 0;
}
