/* mlv-stats - per-dimension mean and variance of rows, ranked. */
#include <stdio.h>
#include <stdlib.h>

#include "opts.h"
#include "points.h"
#include "stats.h"
#include "stream.h"
#include "util.h"

static const mlv_about about = {
	"mlv-stats [-q] [-o FILE] [FILE...]",
	"Mean and variance of each column over all rows of all records, the "
	"columns\nranked by variance, largest first: which latent dimensions "
	"vary most within\na selection (MusicLatentVIS's sorted-variance "
	"panel).  One record of a row\nper column: column index, mean, "
	"variance (population).",
	"The dimensions that vary most among one performer's segments:\n"
	"  mlv-cat --where label.performer=Chai seg.mlv | mlv-stats | "
	"mlv-cat -t tsv\n",
};

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {mlv_opts_output,
	                                           mlv_opts_common, NULL};
	const char *output = "-";
	mlv_opts o;
	mlv_init(argv);
	mlv_opts_begin(&o, argc, argv, &about, options);
	while (mlv_opts_next(&o) == 'o')
		output = o.arg;
	mlv_writer *w = mlv_writer_open_or_die(output);
	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	if (!p.n)
		mlv_die("%s: no rows to summarise", optind < argc ? argv[optind] :
		        "<stdin>");
	double *mean = mlv_malloc(p.d * sizeof *mean);
	double *var = mlv_malloc(p.d * sizeof *var);
	uint32_t *order = mlv_malloc(p.d * sizeof *order);
	mlv_column_stats(p.x, p.n, p.d, mean, var);
	mlv_rank_desc(var, p.d, order);

	mlv_record out;
	mlv_record_init(&out);
	mlv_record_resize(&out, p.d, 3);
	for (size_t i = 0; i < p.d; i++) {
		out.data[3 * i] = (float)order[i];
		out.data[3 * i + 1] = (float)mean[order[i]];
		out.data[3 * i + 2] = (float)var[order[i]];
	}
	mlv_meta_set(&out, "id", "variance");
	mlv_meta_set(&out, "kind", "variance");
	mlv_meta_set(&out, "colnames", "column,mean,variance");
	mlv_meta_setf(&out, "rows_summarised", "%zu", p.n);
	mlv_meta_setf(&out, "records", "%zu", p.nrecs);
	mlv_write_or_die(w, &out);
	mlv_writer_close_or_die(w);
	mlv_record_free(&out);
	free(mean);
	free(var);
	free(order);
	mlv_points_free(&p);
	return 0;
}
