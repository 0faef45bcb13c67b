/* mlv-index - write the index of MLV streams: record id -> byte offset, for
 * mlv-cat --index (Kaldi's scp files, for MLV streams). */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "opts.h"
#include "stream.h"
#include "util.h"

enum { OPT_MERGE = MLV_OPT_OWN };

static const mlv_about about = {
	"mlv-index [-q] [-o FILE] STREAM...\n"
	"       mlv-index --merge [-q] [-o FILE] INDEX...",
	"Write the index of MLV stream files (record id -> byte offset and "
	"length, with\nwhat identifies each file, so a stale index is "
	"refused), for mlv-cat --index.\nIndexes concatenate: cat a.idx b.idx "
	"is the index of both streams; --merge\nchecks them and writes one "
	"index with paths relative to FILE's directory.",
	NULL,
};

static const mlv_opt index_options[] = {
	{"merge", 'm', NULL, "merge index files rather than index streams",
	 OPT_MERGE, NULL},
	{0},
};

/* One line however many: which ids are shared, and what a fetch does. */
static void
warn_duplicates(mlv_index *ix)
{
	size_t pos = 0, count, ndup = 0;
	const mlv_index_entry *e, *first = NULL;
	size_t first_count = 0;
	while ((e = mlv_index_next_duplicate(ix, &pos, &count))) {
		if (!ndup++) {
			first = e;
			first_count = count;
		}
	}
	if (ndup)
		mlv_warn("%s: %zu records have this id (%s record %llu first)%s; "
		         "mlv-cat --index fetches the first",
		         first->id, first_count, ix->files[first->file].path,
		         (unsigned long long)first->record,
		         ndup > 1 ? ", and more ids are shared" : "");
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {index_options, mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	const char *output = "-";
	int merge = 0, c;
	char err[1024];

	mlv_init(argv);
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		if (c == OPT_MERGE)
			merge = 1;
		else if (c == 'o')
			output = cli.arg;
	}
	if (optind == argc)
		mlv_usage_error(merge ? "no index to merge" : "no stream to index");
	mlv_outputs_check_or_die(1, output);

	mlv_index ix;
	mlv_index_init(&ix);
	for (int i = optind; i < argc; i++) {
		size_t before = ix.nfiles;
		if (merge ? mlv_index_load(&ix, argv[i], err, sizeof err) :
		    mlv_index_add_stream(&ix, argv[i], argv[i], err, sizeof err))
			mlv_die("%s", err);
		for (size_t f = before; f < ix.nfiles; f++)
			if (ix.files[f].no_id)
				mlv_warn("%s: %llu records without an id (not "
				         "indexed)", argv[i],
				         (unsigned long long)ix.files[f].no_id);
	}
	warn_duplicates(&ix);

	/* Stream paths are written relative to where the index goes. */
	char *outdir = mlv_strdup(strcmp(output, "-") ? output : "./-");
	mlv_writer *w = mlv_writer_open_text_or_die(output);
	if (mlv_index_write(&ix, w, dirname(outdir)))
		mlv_writer_die(w);
	mlv_writer_close_or_die(w);
	free(outdir);
	mlv_index_free(&ix);
	return 0;
}
