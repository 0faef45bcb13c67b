/* mlv-paste - join the columns of streams record by record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "opts.h"
#include "stream.h"
#include "util.h"

static const mlv_about about = {
	"mlv-paste [-q] [-o FILE] FILE FILE...",
	"Join the columns of the Nth records of each stream (one may be '-', "
	"stdin),\nas paste(1) joins lines: a 2-D map with the cluster ids of "
	"the same rows,\nsay.  Records must have equal row counts; metadata "
	"comes from the first\nstream, with keys only later streams have "
	"added.",
	NULL,
};

/* Column names of the joined record: every input's colnames, or c<j> for
 * inputs without (or with names that do not fit their columns), so names
 * stay aligned with columns. */
static const char *
fitting_names(const mlv_record *r)
{
	const char *c = mlv_meta_get(r, "colnames");
	return c && mlv_count_names(c) == r->cols ? c : NULL;
}

static void
join_colnames(mlv_record *out, mlv_record *in, size_t n)
{
	int any = 0;
	size_t len = 1;
	for (size_t k = 0; k < n; k++) {
		const char *c = fitting_names(&in[k]);
		any |= c != NULL;
		len += c ? strlen(c) + 1 : in[k].cols * 24;
	}
	if (!any)
		return;
	char *names = mlv_malloc(len), *o = names;
	size_t col = 0;
	for (size_t k = 0; k < n; k++) {
		const char *c = fitting_names(&in[k]);
		if (c)
			o += sprintf(o, "%s%s", col ? "," : "", c);
		else
			for (size_t j = 0; j < in[k].cols; j++)
				o += sprintf(o, "%sc%zu", col + j ? "," : "", col + j);
		col += in[k].cols;
	}
	mlv_meta_set(out, "colnames", names);
	free(names);
}

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
	size_t n = (size_t)(argc - optind);
	if (n < 2)
		mlv_usage_error("need at least two streams to paste");
	int stdin_uses = 0;
	for (int i = optind; i < argc; i++)
		stdin_uses += !strcmp(argv[i], "-");
	if (stdin_uses > 1)
		mlv_usage_error("stdin ('-') can be read only once");

	mlv_reader **rd = mlv_calloc(n, sizeof *rd);
	mlv_record *in = mlv_calloc(n, sizeof *in);
	for (size_t k = 0; k < n; k++)
		rd[k] = mlv_reader_open_or_die(argv[optind + k]);
	mlv_writer *w = mlv_writer_open_or_die(output);
	mlv_record out;
	mlv_record_init(&out);

	for (;;) {
		size_t got = 0, ended = 0;
		for (size_t k = 0; k < n; k++) {
			int rc = mlv_read_or_die(rd[k], &in[k]);
			got += (size_t)rc;
			if (!rc)
				ended = k;
		}
		if (got == 0)
			break;
		if (got < n)
			mlv_die("%s: ends after %llu records, but other streams go "
			        "on (pasted streams need as many records)",
			        mlv_reader_name(rd[ended]),
			        (unsigned long long)mlv_reader_index(rd[ended]));
		size_t cols = 0;
		for (size_t k = 0; k < n; k++) {
			if (in[k].rows != in[0].rows)
				mlv_die("%s: %zu rows, but %s has %zu (pasted records "
				        "need equal row counts)",
				        mlv_reader_where(rd[k], &in[k]), in[k].rows,
				        mlv_reader_name(rd[0]), in[0].rows);
			cols += in[k].cols;
		}
		mlv_record_resize(&out, in[0].rows, cols);
		for (size_t i = 0; i < out.rows; i++) {
			float *dst = out.data + i * cols;
			for (size_t k = 0; k < n; k++) {
				memcpy(dst, in[k].data + i * in[k].cols,
				       in[k].cols * sizeof(float));
				dst += in[k].cols;
			}
		}
		mlv_meta_clear(&out);
		for (size_t k = 0; k < n; k++)
			mlv_meta_merge(&out, &in[k], 0);
		mlv_meta_unset(&out, "colnames");
		join_colnames(&out, in, n);
		mlv_write_or_die(w, &out);
	}
	mlv_writer_close_or_die(w);
	for (size_t k = 0; k < n; k++) {
		mlv_reader_close(rd[k]);
		mlv_record_free(&in[k]);
	}
	mlv_record_free(&out);
	free(rd);
	free(in);
	return 0;
}
