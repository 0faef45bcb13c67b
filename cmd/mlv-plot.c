/* mlv-plot - draw MLV streams with gnuplot: maps, heatmaps, curves. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "stream.h"
#include "util.h"

enum kind { SCATTER, HEATMAP, LINES };

static struct {
	enum kind kind;
	enum mlv_plot_type type;
	int svg;
	const char *title, *color_key, *hl_key, *hl_val;
	long long color_col; /* 1-based, 0: none */
	int width, height;
	char **extra;
	size_t nextra;
} o = {.width = 800, .height = 600};

static mlv_record *recs;
static size_t nrecs;

static void
usage(void)
{
	printf("usage: mlv-plot [-k KIND] [-o FILE] [-t TYPE] [--script] [--title TEXT]\n"
	       "                [-c KEY | --color-column N | --highlight KEY=VALUE]\n"
	       "                [--size W,H] [-g COMMAND]... [FILE...]\n"
	       "Draw MLV streams (stdin when no FILE or '-') with gnuplot as SVG, "
	       "PNG or PDF.\n\n"
	       "  -k, --kind KIND        scatter (default): the first two columns "
	       "of all rows;\n"
	       "                         heatmap: one matrix record; lines: each "
	       "column against\n"
	       "                         the first (a single column against time)\n"
	       "  -o, --output FILE      write FILE (atomically) instead of stdout\n"
	       "  -t, --type TYPE        svg, png or pdf (default: -o's extension, "
	       "else svg)\n"
	       "      --script           print the gnuplot script instead of "
	       "running it\n"
	       "      --title TEXT       the title (default: from the ids)\n"
	       "  -c, --color KEY        scatter: colour points by a metadata key\n"
	       "      --color-column N   scatter: colour points by column N (from 1)\n"
	       "      --highlight KEY=GLOB  scatter: points whose KEY matches, over "
	       "grey\n"
	       "      --size W,H         pixels (PDF: hundredths of an inch; "
	       "default 800,600)\n"
	       "  -g, --gnuplot COMMAND  a gnuplot command to run before plotting\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n\n"
	       "A map of segments coloured by performer, with tooltips:\n"
	       "  mlv-project seg.mlv | mlv-plot -c label.performer -o map.svg\n");
	exit(0);
}

static void
str(FILE *f, const char *s, int flags)
{
	mlv_plot_string(f, s, flags);
}

static const char *
id_of(size_t k)
{
	const char *id = mlv_meta_get(&recs[k], "id");
	return id ? id : "";
}

/* colnames[i], or NULL. */
static char *
colname(const mlv_record *r, size_t i)
{
	const char *c = mlv_meta_get(r, "colnames");
	for (; c && i; i--)
		if ((c = strchr(c, ',')))
			c++;
	if (!c || !*c)
		return NULL;
	return strndup(c, strcspn(c, ","));
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
title(FILE *f)
{
	fputs("set title ", f);
	if (o.title) {
		str(f, o.title, 0);
	} else {
		/* the distinct ids, the first three of them */
		char buf[1024] = "";
		size_t shown = 0, distinct = 0;
		for (size_t k = 0; k < nrecs; k++) {
			size_t j;
			for (j = 0; j < k && strcmp(id_of(j), id_of(k)); j++)
				;
			if (j < k)
				continue;
			if (distinct++ < 3 && strlen(buf) + strlen(id_of(k)) < 900) {
				snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
				         shown++ ? ", " : "", id_of(k));
			}
		}
		if (distinct > shown)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			         " and %zu more", distinct - shown);
		str(f, buf, 0);
	}
	fputs("\n", f);
}

/* The colour group of row i of record k, as text, into buf. */
static const char *
group_of(size_t k, size_t i, char *buf, size_t len)
{
	if (o.color_col) {
		snprintf(buf, len, "%g",
		         recs[k].data[i * recs[k].cols + (size_t)o.color_col - 1]);
		return buf;
	}
	if (o.hl_key) {
		const char *v = mlv_meta_get(&recs[k], o.hl_key);
		return v && !fnmatch(o.hl_val, v, 0) ? "1" : "0";
	}
	const char *v = o.color_key ? mlv_meta_get(&recs[k], o.color_key) : "";
	return v ? v : "(none)";
}

static int
cmp_num(const void *a, const void *b)
{
	double x = strtod(*(char *const *)a, NULL), y = strtod(*(char *const *)b, NULL);
	return (x > y) - (x < y);
}

static void
scatter(FILE *f)
{
	size_t n = 0;
	for (size_t k = 0; k < nrecs; k++) {
		if (recs[k].rows && recs[k].cols < 2)
			mlv_die("record %zu (id=%s): %zu column; a scatter plot needs 2",
			        k + 1, id_of(k), recs[k].cols);
		if (o.color_col && recs[k].rows && (size_t)o.color_col > recs[k].cols)
			mlv_die("record %zu (id=%s): --color-column %lld, but it has %zu "
			        "columns", k + 1, id_of(k), o.color_col, recs[k].cols);
		n += recs[k].rows;
	}
	if (!n)
		mlv_die("no rows to plot");
	/* the groups, in order of appearance (numeric order for a column) */
	char **groups = NULL, buf[64];
	size_t ngroups = 0;
	if (o.hl_key) {
		groups = mlv_malloc(2 * sizeof *groups);
		groups[ngroups++] = mlv_strdup("0");
		groups[ngroups++] = mlv_strdup("1");
	}
	for (size_t k = 0; k < nrecs && !o.hl_key; k++)
		for (size_t i = 0; i < recs[k].rows; i++) {
			const char *g = group_of(k, i, buf, sizeof buf);
			size_t j;
			for (j = 0; j < ngroups && strcmp(groups[j], g); j++)
				;
			if (j == ngroups) {
				groups = mlv_realloc(groups, (ngroups + 1) * sizeof *groups);
				groups[ngroups++] = mlv_strdup(g);
			}
			if (!o.color_col)
				break; /* one group per record */
		}
	if (o.color_col)
		qsort(groups, ngroups, sizeof *groups, cmp_num);
	label(f, "x", &recs[0], 0, "column 1");
	label(f, "y", &recs[0], 1, "column 2");
	if (o.color_key || o.color_col || o.hl_key)
		fputs("set key outside right top Left reverse\n", f);
	else
		fputs("set key off\n", f);
	if (o.color_key || o.color_col) {
		fputs("set key title ", f);
		if (o.color_key)
			str(f, o.color_key, MLV_PLOT_ONELINE);
		else
			fprintf(f, "'column %lld'", o.color_col);
		putc('\n', f);
	}
	if (o.svg) {
		/* tooltips: id, the colour key's value, time */
		fprintf(f, "array tip[%zu]\n", n);
		size_t row = 0;
		for (size_t k = 0; k < nrecs; k++) {
			double t0, dt;
			int timed = has_time(&recs[k], &t0, &dt);
			for (size_t i = 0; i < recs[k].rows; i++) {
				char *s = NULL;
				size_t len = 0;
				FILE *m = open_memstream(&s, &len);
				fprintf(m, "%s\n", id_of(k));
				if (o.color_key && strcmp(o.color_key, "id"))
					fprintf(m, "%s=%s\n", o.color_key,
					        group_of(k, i, buf, sizeof buf));
				else if (o.hl_key && strcmp(o.hl_key, "id")) {
					const char *v = mlv_meta_get(&recs[k], o.hl_key);
					fprintf(m, "%s=%s\n", o.hl_key, v ? v : "(none)");
				} else if (o.color_col)
					fprintf(m, "column %lld=%s\n", o.color_col,
					        group_of(k, i, buf, sizeof buf));
				if (timed)
					fprintf(m, "t=%.3f s", t0 + (double)i * dt);
				else
					fprintf(m, "row %zu", i);
				fclose(m);
				fprintf(f, "tip[%zu] = ", ++row);
				str(f, s, MLV_PLOT_HYPERTEXT);
				putc('\n', f);
				free(s);
			}
		}
	}
	size_t *count = mlv_calloc(ngroups, sizeof *count);
	for (size_t g = 0; g < ngroups; g++) {
		fprintf(f, "$g%zu << EOD\n", g);
		size_t row = 0;
		for (size_t k = 0; k < nrecs; k++)
			for (size_t i = 0; i < recs[k].rows; i++) {
				row++;
				if (strcmp(group_of(k, i, buf, sizeof buf), groups[g]))
					continue;
				const float *x = recs[k].data + i * recs[k].cols;
				fprintf(f, "%.9g %.9g %zu\n", x[0], x[1], row);
				count[g]++;
			}
		fputs("EOD\n", f);
	}
	fputs("plot ", f);
	int first = 1;
	for (size_t g = 0; g < ngroups; g++) {
		if (o.hl_key && !count[g])
			continue; /* gnuplot warns of an empty data block */
		const char *color = mlv_plot_colors[g % MLV_PLOT_NCOLORS];
		/* past eight groups the colours repeat with other shapes */
		int pt = (int[]){7, 5, 9, 11, 13}[g / MLV_PLOT_NCOLORS % 5];
		double ps = 0.6;
		if (o.hl_key) {
			color = g ? MLV_PLOT_STRONG : MLV_PLOT_GREY;
			ps = g ? 0.8 : 0.5;
		}
		fprintf(f, "%s$g%zu using 1:2%s with %s pt %d ps %g lc rgb '%s' "
		        "title ", first ? "" : ", \\\n     ", g, o.svg ?
		        ":(tip[int($3)])" : "", o.svg ? "labels hypertext point" :
		        "points", pt, ps, color);
		if (o.hl_key && !g) {
			fputs("'other'", f);
		} else if (o.hl_key) {
			char *s = mlv_malloc(strlen(o.hl_key) + strlen(o.hl_val) + 2);
			sprintf(s, "%s=%s", o.hl_key, o.hl_val);
			str(f, s, MLV_PLOT_ONELINE);
			free(s);
		} else if (o.color_key || o.color_col) {
			str(f, groups[g], MLV_PLOT_ONELINE);
		} else {
			fputs("''", f); /* one group: the key is off */
		}
		first = 0;
	}
	putc('\n', f);
	for (size_t g = 0; g < ngroups; g++)
		free(groups[g]);
	free(groups);
	free(count);
}

static void
heatmap(FILE *f)
{
	if (nrecs != 1)
		mlv_die("a heatmap draws one record, and the input has %zu; select "
		        "one with mlv-cat --id", nrecs);
	const mlv_record *r = &recs[0];
	if (!r->rows || !r->cols)
		mlv_die("record 1 (id=%s): an empty matrix", id_of(0));
	double t0, dt;
	int timed = has_time(r, &t0, &dt);
	/* a self-similarity has time on both axes */
	int square = timed && r->rows == r->cols;
	fputs("set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', "
	      "3 '#5DC863', 4 '#FDE725')\nset key off\nset tics out\n", f);
	fprintf(f, "set xlabel '%s'\nset ylabel '%s'\n", timed ? "time (s)" :
	        "row", square ? "time (s)" : "column");
	const char *measure = mlv_meta_get(r, "measure");
	if (measure) {
		fputs("set cblabel ", f);
		str(f, measure, MLV_PLOT_ONELINE);
		putc('\n', f);
	}
	if (square)
		fputs("set size ratio -1\n", f);
	fprintf(f, "set xrange [%.9g:%.9g]\n", timed ? t0 - dt / 2 : -0.5,
	        timed ? t0 + ((double)r->rows - 0.5) * dt : (double)r->rows - 0.5);
	fprintf(f, "set yrange [%.9g:%.9g]\n", square ? t0 - dt / 2 : -0.5,
	        square ? t0 + ((double)r->cols - 0.5) * dt : (double)r->cols - 0.5);
	fputs("$m << EOD\n", f);
	for (size_t i = 0; i < r->rows; i++)
		for (size_t j = 0; j < r->cols; j++)
			fprintf(f, "%.7g%c", r->data[i * r->cols + j],
			        j + 1 < r->cols ? ' ' : '\n');
	fputs("EOD\n", f);
	/* matrix: $1 is the column index, $2 the row index */
	if (square)
		fprintf(f, "plot $m matrix using (%.9g+$2*%.9g):(%.9g+$1*%.9g):3 "
		        "with image\n", t0, dt, t0, dt);
	else if (timed)
		fprintf(f, "plot $m matrix using (%.9g+$2*%.9g):1:3 with image\n",
		        t0, dt);
	else
		fputs("plot $m matrix using 2:1:3 with image\n", f);
}

static void
lines(FILE *f)
{
	size_t nseries = 0, series = 0;
	int any_time = 0;
	for (size_t k = 0; k < nrecs; k++)
		nseries += recs[k].cols > 1 ? recs[k].cols - 1 : recs[k].cols;
	if (!nseries)
		mlv_die("no columns to plot");
	const mlv_record *r0 = &recs[0];
	double t0, dt;
	if (r0->cols > 1)
		label(f, "x", r0, 0, "column 1");
	else {
		any_time = has_time(r0, &t0, &dt);
		label(f, "x", NULL, 0, any_time ? "time (s)" : "row");
	}
	if (nseries == 1 || (nrecs == 1 && r0->cols == 2))
		label(f, "y", r0, r0->cols > 1 ? 1 : 0, "value");
	fputs("set key outside right top Left reverse\nset grid\n", f);
	/* dashed vertical lines at section boundaries */
	int nbound = 0;
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
			        "nohead dt 2 lw 1.5 lc rgb '#555555'\n", x, x);
			nbound++;
		}
	}
	for (size_t k = 0; k < nrecs; k++) {
		int timed = has_time(&recs[k], &t0, &dt);
		fprintf(f, "$r%zu << EOD\n", k);
		for (size_t i = 0; i < recs[k].rows; i++) {
			const float *x = recs[k].data + i * recs[k].cols;
			if (recs[k].cols == 1)
				fprintf(f, "%.9g ", timed ? t0 + (double)i * dt : (double)i);
			for (size_t j = 0; j < recs[k].cols; j++)
				fprintf(f, "%.9g%c", x[j], j + 1 < recs[k].cols ? ' ' : '\n');
		}
		fputs("EOD\n", f);
	}
	fputs("plot ", f);
	for (size_t k = 0; k < nrecs; k++) {
		size_t cols = recs[k].cols;
		for (size_t j = cols > 1 ? 1 : 0; j < cols; j++, series++) {
			char *name = colname(&recs[k], j), *t;
			if (!name) {
				name = mlv_malloc(32);
				sprintf(name, "column %zu", j + 1);
			}
			if (nrecs > 1) {
				t = mlv_malloc(strlen(id_of(k)) + strlen(name) + 3);
				sprintf(t, "%s: %s", id_of(k), name);
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
		fputs(", \\\n     NaN with lines dt 2 lw 1.5 lc rgb '#555555' "
		      "title 'boundaries'", f);
	putc('\n', f);
}

int
main(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_SCRIPT, OPT_TITLE, OPT_CCOL, OPT_HL,
	       OPT_SIZE };
	static const struct option longopts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{"type", required_argument, NULL, 't'},
		{"script", no_argument, NULL, OPT_SCRIPT},
		{"title", required_argument, NULL, OPT_TITLE},
		{"color", required_argument, NULL, 'c'},
		{"color-column", required_argument, NULL, OPT_CCOL},
		{"highlight", required_argument, NULL, OPT_HL},
		{"size", required_argument, NULL, OPT_SIZE},
		{"gnuplot", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *output = NULL, *type = NULL;
	int c, script = 0;
	char *eq;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "k:o:t:c:g:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (!strcmp(optarg, "scatter")) o.kind = SCATTER;
			else if (!strcmp(optarg, "heatmap")) o.kind = HEATMAP;
			else if (!strcmp(optarg, "lines")) o.kind = LINES;
			else mlv_usage_error("-k %s: not scatter, heatmap or lines", optarg);
			break;
		case 'o': output = optarg; break;
		case 't': type = optarg; break;
		case OPT_SCRIPT: script = 1; break;
		case OPT_TITLE: o.title = optarg; break;
		case 'c':
			if (!mlv_key_valid(optarg))
				mlv_usage_error("--color %s: not a metadata key", optarg);
			o.color_key = optarg;
			break;
		case OPT_CCOL:
			o.color_col = mlv_parse_int(optarg, 1, 1LL << 31, "--color-column");
			break;
		case OPT_HL:
			if (!(eq = strchr(optarg, '=')) || eq == optarg)
				mlv_usage_error("--highlight %s: not KEY=VALUE", optarg);
			*eq = '\0';
			o.hl_key = optarg;
			o.hl_val = eq + 1;
			break;
		case OPT_SIZE:
			if (!(eq = strchr(optarg, ',')))
				mlv_usage_error("--size %s: not W,H", optarg);
			*eq = '\0';
			o.width = (int)mlv_parse_int(optarg, 16, 20000, "--size");
			o.height = (int)mlv_parse_int(eq + 1, 16, 20000, "--size");
			break;
		case 'g':
			o.extra = mlv_realloc(o.extra, (o.nextra + 1) * sizeof *o.extra);
			o.extra[o.nextra++] = optarg;
			break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
		}
	}
	if (!!o.color_key + !!o.color_col + !!o.hl_key > 1)
		mlv_usage_error("--color, --color-column and --highlight: choose one");
	if ((o.color_key || o.color_col || o.hl_key) && o.kind != SCATTER)
		mlv_usage_error("--color, --color-column and --highlight go with "
		                "-k scatter");
	if (type) {
		if (mlv_plot_type_parse(type, &o.type))
			mlv_usage_error("-t %s: not svg, png or pdf", type);
	} else if (output && strcmp(output, "-") &&
	           mlv_plot_type_of_path(output, &o.type)) {
		mlv_usage_error("-o %s: name the type with -t svg, png or pdf",
		                output);
	}
	o.svg = o.type == MLV_PLOT_SVG;
	if (output && !strcmp(output, "-"))
		output = NULL;
	if (!script && !output && isatty(1))
		mlv_usage_error("not writing an image to a terminal; use -o FILE");

	/* every record, so that groups and ranges are known before drawing */
	int npaths = argc - optind;
	for (int a = 0; a < (npaths ? npaths : 1); a++) {
		mlv_reader *rd = mlv_reader_open_or_die(npaths ? argv[optind + a] : "-");
		mlv_record r;
		mlv_record_init(&r);
		while (mlv_read_or_die(rd, &r)) {
			recs = mlv_realloc(recs, (nrecs + 1) * sizeof *recs);
			mlv_record_init(&recs[nrecs]);
			mlv_record_copy(&recs[nrecs++], &r);
		}
		mlv_record_free(&r);
		mlv_reader_close(rd);
	}
	if (!nrecs)
		mlv_die("%s: no records to plot", npaths ? argv[optind] : "<stdin>");

	char *buf = NULL, *tmp = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		mlv_die("cannot build the script (out of memory)");
	mlv_plot_terminal(f, o.type, o.width, o.height);
	if (output && !script && !(tmp = mlv_plot_tmpname(output)))
		mlv_die("%s: cannot create a temporary file beside it (%s)", output,
		        strerror(errno));
	if (output) {
		fputs("set output ", f);
		str(f, tmp ? tmp : output, MLV_PLOT_ONELINE);
		putc('\n', f);
	}
	title(f);
	for (size_t i = 0; i < o.nextra; i++)
		fprintf(f, "%s\n", o.extra[i]);
	switch (o.kind) {
	case SCATTER: scatter(f); break;
	case HEATMAP: heatmap(f); break;
	case LINES: lines(f); break;
	}
	if (output)
		fputs("unset output\n", f);
	if (fclose(f))
		mlv_die("cannot build the script (out of memory)");

	if (script) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) || fclose(stdout))
			mlv_die("<stdout>: write error (%s)", strerror(errno));
		free(buf);
		return 0;
	}
	char err[512];
	int rc = mlv_plot_run(buf, len, err, sizeof err);
	free(buf);
	if (rc) {
		if (tmp)
			unlink(tmp);
		mlv_die("%s", err);
	}
	if (tmp) {
		if (rename(tmp, output))
			mlv_die("%s: cannot rename into place (%s)", output,
			        strerror(errno));
		mlv_cleanup_remove(tmp);
		free(tmp);
	}
	for (size_t k = 0; k < nrecs; k++)
		mlv_record_free(&recs[k]);
	free(recs);
	free(o.extra);
	return 0;
}
