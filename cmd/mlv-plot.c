/* mlv-plot - draw MLV streams with gnuplot: maps, trajectories, averages,
 * parallel coordinates, heatmaps, curves and dendrograms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "plot.h"
#include "stream.h"
#include "util.h"

enum { OPT_SCRIPT = MLV_OPT_OWN, OPT_KIND, OPT_TITLE, OPT_CCOL, OPT_HL,
       OPT_SIZE,
       OPT_POINTS, OPT_SORT, OPT_COLUMNS, OPT_MAXROWS, OPT_CLUSTERS };

static const mlv_about about = {
	"mlv-plot [--kind KIND] [-q] [-o FILE] [-t TYPE] [--script] "
	"[--title TEXT]\n"
	"                [-c KEY | --color-column N] [--highlight "
	"KEY=GLOB]\n"
	"                [--with-points] [--sort-variance] [--columns "
	"N]\n"
	"                [--max-rows N] [--clusters K] [--size W,H]\n"
	"                [-g COMMAND]... [FILE...]",
	"Draw MLV streams (stdin when no FILE or '-') with gnuplot as "
	"SVG, PNG or PDF.",
	"A map of segments coloured by performer, with tooltips:\n"
	"  mlv-project seg.mlv | mlv-plot -c label.performer -o map.svg\n",
};

static const mlv_opt plot_options[] = {
	{"kind", 0, "KIND", "scatter: the first two columns of all rows;\n"
	 "trajectories: each record's rows joined in order;\n"
	 "averages: a circle per record, its mean and spread;\n"
	 "parallel: parallel coordinates, a line per row;\n"
	 "heatmap: one matrix record; lines: each column against\n"
	 "the first (a single column against time);\n"
	 "dendrogram: a tree from mlv-cluster --tree\n"
	 "(default: by the first record's kind key, else scatter)",
	 OPT_KIND, NULL},
	{NULL, 'k', NULL, NULL, 0, "kind"},
	{"type", 't', "TYPE", "svg, png or pdf (default: -o's extension, else "
	 "svg)", 't', NULL},
	{"script", 0, NULL, "print the gnuplot script instead of running it",
	 OPT_SCRIPT, NULL},
	{"title", 0, "TEXT", "the title (default: from the ids)",
	 OPT_TITLE, NULL},
	{"color", 'c', "KEY", "colour records by a metadata key", 'c', NULL},
	{"color-column", 0, "N", "scatter, parallel: colour rows by column N "
	 "(from 1)", OPT_CCOL, NULL},
	{"highlight", 0, "KEY=GLOB", "records whose KEY matches in a strong "
	 "colour (or\n"
	 "those of -c), the rest in grey", OPT_HL, NULL},
	{"with-points", 0, NULL, "averages: the rows too, faintly",
	 OPT_POINTS, NULL},
	{"sort-variance", 0, NULL, "parallel, heatmap: columns by variance, "
	 "largest first", OPT_SORT, NULL},
	{"columns", 0, "N", "parallel, heatmap: only the first N columns",
	 OPT_COLUMNS, NULL},
	{"max-rows", 0, "N", "parallel: draw N rows at most, evenly spaced (10000;\n"
	 "0: all)", OPT_MAXROWS, NULL},
	{"clusters", 0, "K", "dendrogram: colour the cut into K clusters",
	 OPT_CLUSTERS, NULL},
	{"size", 0, "W,H", "pixels (PDF: hundredths of an inch; default "
	 "800,600)", OPT_SIZE, NULL},
	{"gnuplot", 'g', "COMMAND", "a gnuplot command to run before plotting",
	 'g', NULL},
	{0},
};

static void
check(const mlv_plot_opts *o)
{
	char err[256];
	if (mlv_plot_check(o, err, sizeof err))
		mlv_usage_error("%s", err);
}

/* Every record of the inputs, so that groups and ranges are known before
 * drawing. */
static mlv_record *
read_all(char **paths, int npaths, size_t *nrecs)
{
	mlv_record *recs = NULL, r;
	*nrecs = 0;
	mlv_record_init(&r);
	for (int a = 0; a < (npaths ? npaths : 1); a++) {
		mlv_reader *rd = mlv_reader_open_or_die(npaths ? paths[a] : "-");
		while (mlv_read_or_die(rd, &r)) {
			recs = mlv_realloc(recs, (*nrecs + 1) * sizeof *recs);
			mlv_record_init(&recs[*nrecs]);
			mlv_record_copy(&recs[(*nrecs)++], &r);
		}
		mlv_reader_close(rd);
	}
	mlv_record_free(&r);
	if (!*nrecs)
		mlv_die("%s: no records to plot", npaths ? paths[0] : "<stdin>");
	return recs;
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {plot_options, mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	mlv_plot_opts o;
	const char *output = NULL, *type = NULL;
	char **extra = NULL, *eq;
	int c, script = 0, kind_given = 0;
	mlv_init(argv);
	mlv_plot_defaults(&o);
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case OPT_KIND:
			if (mlv_plot_kind_parse(cli.arg, &o.kind))
				mlv_usage_error("--kind %s: not one of %s", cli.arg,
				                mlv_plot_kind_list());
			kind_given = 1;
			break;
		case 'o': output = cli.arg; break;
		case 't': type = cli.arg; break;
		case OPT_SCRIPT: script = 1; break;
		case OPT_TITLE: o.title = cli.arg; break;
		case 'c':
			if (!mlv_key_valid(cli.arg))
				mlv_usage_error("--color %s: not a metadata key", cli.arg);
			o.color_key = cli.arg;
			break;
		case OPT_CCOL:
			o.color_column = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 31,
			                                       "--color-column");
			break;
		case OPT_HL:
			if (!(eq = strchr(cli.arg, '=')) || eq == cli.arg)
				mlv_usage_error("--highlight %s: not KEY=GLOB", cli.arg);
			*eq = '\0';
			o.hl_key = cli.arg;
			o.hl_glob = eq + 1;
			break;
		case OPT_POINTS: o.with_points = 1; break;
		case OPT_SORT: o.sort_variance = 1; break;
		case OPT_COLUMNS:
			o.columns = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 31,
			                                  "--columns");
			break;
		case OPT_MAXROWS:
			o.max_rows = (size_t)mlv_parse_int(cli.arg, 0, 1LL << 40,
			                                   "--max-rows");
			break;
		case OPT_CLUSTERS:
			o.clusters = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 31,
			                                   "--clusters");
			break;
		case OPT_SIZE:
			if (!(eq = strchr(cli.arg, ',')))
				mlv_usage_error("--size %s: not W,H", cli.arg);
			*eq = '\0';
			o.width = (int)mlv_parse_int(cli.arg, 16, 20000, "--size");
			o.height = (int)mlv_parse_int(eq + 1, 16, 20000, "--size");
			break;
		case 'g':
			extra = mlv_realloc(extra, (o.nextra + 1) * sizeof *extra);
			extra[o.nextra++] = cli.arg;
			break;
		}
	}
	o.extra = extra;
	if (kind_given)
		check(&o);
	if (type) {
		if (mlv_plot_type_parse(type, &o.type))
			mlv_usage_error("-t %s: not svg, png or pdf", type);
	} else if (output && strcmp(output, "-") &&
	           mlv_plot_type_of_path(output, &o.type)) {
		mlv_usage_error("-o %s: name the type with -t svg, png or pdf",
		                output);
	}
	if (output && !strcmp(output, "-"))
		output = NULL;
	/* Opened before the input is read, so that an output that cannot be
	 * created fails first. */
	mlv_writer *w = script ? mlv_writer_open_text_or_die("-") :
	                mlv_writer_open_or_die(output);

	size_t nrecs;
	mlv_record *recs = read_all(argv + optind, argc - optind, &nrecs);
	if (!kind_given) {
		o.kind = mlv_plot_kind_for(mlv_meta_get(&recs[0], "kind"));
		check(&o);
	}
	char *buf = NULL, err[512];
	size_t len = 0;
	/* gnuplot writes a file we read back before it counts: its exit
	 * status says nothing of a full disk. */
	o.output = script ? output : mlv_writer_file(w);
	if (!script && !o.output)
		mlv_die("%s: cannot create a temporary file (%s)",
		        output ? output : "<stdout>", strerror(errno));
	FILE *f = mlv_memstream(&buf, &len);
	if (mlv_plot_script(f, recs, nrecs, &o, err, sizeof err))
		mlv_die("%s", err);
	mlv_memstream_close_or_die(f, "building the script");
	for (size_t k = 0; k < nrecs; k++)
		mlv_record_free(&recs[k]);
	free(recs);
	free(extra);

	if (script) {
		/* The stream writer, for its quiet exit on a closed pipe. */
		mlv_write_bytes_or_die(w, buf, len);
		mlv_writer_close_or_die(w);
		free(buf);
		return 0;
	}
	int rc = mlv_plot_run(buf, len, err, sizeof err);
	free(buf);
	if (rc)
		mlv_die("%s", err);
	if (mlv_plot_check_image(o.output, o.type, err, sizeof err))
		mlv_die("%s: %s", mlv_writer_name(w), err);
	mlv_writer_close_or_die(w);
	return 0;
}
