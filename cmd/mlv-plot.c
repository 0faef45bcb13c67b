/* mlv-plot - draw MLV streams with gnuplot: maps, trajectories, averages,
 * parallel coordinates, heatmaps, curves and dendrograms. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "stream.h"
#include "util.h"

static void
usage(void)
{
	printf("usage: mlv-plot [-k KIND] [-o FILE] [-t TYPE] [--script] [--title TEXT]\n"
	       "                [-c KEY | --color-column N] [--highlight KEY=GLOB]\n"
	       "                [--with-points] [--sort-variance] [--columns N]\n"
	       "                [--max-rows N] [--clusters K] [--size W,H]\n"
	       "                [-g COMMAND]... [FILE...]\n"
	       "Draw MLV streams (stdin when no FILE or '-') with gnuplot as SVG, "
	       "PNG or PDF.\n\n"
	       "  -k, --kind KIND        scatter: the first two columns of all rows;\n"
	       "                         trajectories: each record's rows joined in "
	       "order;\n"
	       "                         averages: a circle per record, its mean and "
	       "spread;\n"
	       "                         parallel: parallel coordinates, a line per "
	       "row;\n"
	       "                         heatmap: one matrix record; lines: each "
	       "column against\n"
	       "                         the first (a single column against time);\n"
	       "                         dendrogram: a tree from mlv-cluster --tree\n"
	       "                         (default: by the first record's kind key, "
	       "else scatter)\n"
	       "  -o, --output FILE      write FILE (atomically) instead of stdout\n"
	       "  -t, --type TYPE        svg, png or pdf (default: -o's extension, "
	       "else svg)\n"
	       "      --script           print the gnuplot script instead of "
	       "running it\n"
	       "      --title TEXT       the title (default: from the ids)\n"
	       "  -c, --color KEY        colour records by a metadata key\n"
	       "      --color-column N   scatter, parallel: colour rows by column N "
	       "(from 1)\n"
	       "      --highlight KEY=GLOB  records whose KEY matches in a strong "
	       "colour (or\n"
	       "                         those of -c), the rest in grey\n"
	       "      --with-points      averages: the rows too, faintly\n"
	       "      --sort-variance    parallel, heatmap: columns by variance, "
	       "largest first\n"
	       "      --columns N        parallel, heatmap: only the first N "
	       "columns\n"
	       "      --max-rows N       parallel: draw N rows at most, evenly "
	       "spaced (10000;\n"
	       "                         0: all)\n"
	       "      --clusters K       dendrogram: colour the cut into K clusters\n"
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
	enum { OPT_VERSION = 256, OPT_SCRIPT, OPT_TITLE, OPT_CCOL, OPT_HL,
	       OPT_SIZE, OPT_POINTS, OPT_SORT, OPT_COLUMNS, OPT_MAXROWS,
	       OPT_CLUSTERS };
	static const struct option longopts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{"type", required_argument, NULL, 't'},
		{"script", no_argument, NULL, OPT_SCRIPT},
		{"title", required_argument, NULL, OPT_TITLE},
		{"color", required_argument, NULL, 'c'},
		{"color-column", required_argument, NULL, OPT_CCOL},
		{"highlight", required_argument, NULL, OPT_HL},
		{"with-points", no_argument, NULL, OPT_POINTS},
		{"sort-variance", no_argument, NULL, OPT_SORT},
		{"columns", required_argument, NULL, OPT_COLUMNS},
		{"max-rows", required_argument, NULL, OPT_MAXROWS},
		{"clusters", required_argument, NULL, OPT_CLUSTERS},
		{"size", required_argument, NULL, OPT_SIZE},
		{"gnuplot", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	mlv_plot_opts o;
	const char *output = NULL, *type = NULL;
	char **extra = NULL, *eq;
	int c, script = 0, kind_given = 0;
	mlv_init(argv);
	mlv_plot_defaults(&o);
	while ((c = getopt_long(argc, argv, "k:o:t:c:g:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (mlv_plot_kind_parse(optarg, &o.kind))
				mlv_usage_error("-k %s: not one of %s", optarg,
				                mlv_plot_kind_list());
			kind_given = 1;
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
			o.color_column = (size_t)mlv_parse_int(optarg, 1, 1LL << 31,
			                                       "--color-column");
			break;
		case OPT_HL:
			if (!(eq = strchr(optarg, '=')) || eq == optarg)
				mlv_usage_error("--highlight %s: not KEY=GLOB", optarg);
			*eq = '\0';
			o.hl_key = optarg;
			o.hl_glob = eq + 1;
			break;
		case OPT_POINTS: o.with_points = 1; break;
		case OPT_SORT: o.sort_variance = 1; break;
		case OPT_COLUMNS:
			o.columns = (size_t)mlv_parse_int(optarg, 1, 1LL << 31,
			                                  "--columns");
			break;
		case OPT_MAXROWS:
			o.max_rows = (size_t)mlv_parse_int(optarg, 0, 1LL << 40,
			                                   "--max-rows");
			break;
		case OPT_CLUSTERS:
			o.clusters = (size_t)mlv_parse_int(optarg, 1, 1LL << 31,
			                                   "--clusters");
			break;
		case OPT_SIZE:
			if (!(eq = strchr(optarg, ',')))
				mlv_usage_error("--size %s: not W,H", optarg);
			*eq = '\0';
			o.width = (int)mlv_parse_int(optarg, 16, 20000, "--size");
			o.height = (int)mlv_parse_int(eq + 1, 16, 20000, "--size");
			break;
		case 'g':
			extra = mlv_realloc(extra, (o.nextra + 1) * sizeof *extra);
			extra[o.nextra++] = optarg;
			break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
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
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		mlv_die("cannot build the script (out of memory)");
	if (mlv_plot_script(f, recs, nrecs, &o, err, sizeof err))
		mlv_die("%s", err);
	if (fclose(f))
		mlv_die("cannot build the script (out of memory)");
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
