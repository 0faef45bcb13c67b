/* mlv-encode - apply a trained autoencoder: latents, reconstructions,
 * errors. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "opts.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

enum mode { ENCODE, DECODE, RECONSTRUCT, ERROR };

enum { OPT_MODEL = MLV_OPT_OWN, OPT_DECODE, OPT_RECON, OPT_ERROR };

static const mlv_about about = {
	"mlv-encode --model MODEL.mlv [--decode | --reconstruct | --error] "
	"[-j N]\n                  [-q] [-o FILE] [FILE...]",
	"Apply a model trained by mlv-train to every row: by default its "
	"encoder, giving\nthe latent vectors (kind=latent); the records keep "
	"their ids and metadata.",
	NULL,
};

static const mlv_opt encode_options[] = {
	{"model", 0, "FILE", "the trained model", OPT_MODEL, NULL},
	{NULL, 'm', NULL, NULL, 0, "model"},
	{"decode", 0, NULL, "rows are latents: the decoder's output, in the "
	 "input's\nscale (spectra generated from latents)", OPT_DECODE, NULL},
	{"reconstruct", 0, NULL, "encode and decode: the reconstruction of each "
	 "row", OPT_RECON, NULL},
	{"error", 0, NULL, "the reconstruction error (MSE, in the model's "
	 "normalised\nscale) of each row, and of each record (key mse)",
	 OPT_ERROR, NULL},
	{0},
};

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {encode_options, mlv_opts_jobs,
	                                           mlv_opts_output,
	                                           mlv_opts_common, NULL};
	mlv_opts o;
	const char *model_path = NULL, *output = "-";
	enum mode mode = ENCODE;
	int modes = 0, threads = mlv_default_threads(), c;
	mlv_init(argv);
	mlv_opts_begin(&o, argc, argv, &about, options);
	while ((c = mlv_opts_next(&o)) != -1) {
		switch (c) {
		case OPT_MODEL: model_path = o.arg; break;
		case OPT_DECODE: mode = DECODE; modes++; break;
		case OPT_RECON: mode = RECONSTRUCT; modes++; break;
		case OPT_ERROR: mode = ERROR; modes++; break;
		case 'j':
			threads = mlv_parse_jobs(o.arg);
			break;
		case 'o': output = o.arg; break;
		}
	}
	if (!model_path)
		mlv_usage_error("--model MODEL.mlv is required");
	if (modes > 1)
		mlv_usage_error("--decode, --reconstruct and --error exclude each "
		                "other");
	openblas_set_num_threads(threads);
	mlv_writer *w = mlv_writer_open_or_die(output);
	char err[1024];
	mlv_model *m = mlv_model_load(model_path, err, sizeof err);
	if (!m)
		mlv_die("%s", err);
	size_t in = mlv_model_in_size(m), latent = mlv_model_latent_size(m);
	size_t want = mode == DECODE ? latent : in;

	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	if (p.n && p.d != want)
		mlv_die("%s: rows of %zu values, but the model %s %zu",
		        optind < argc ? argv[optind] : "<stdin>", p.d,
		        mode == DECODE ? "has latents of" : "takes", want);
	size_t out_cols = mode == ENCODE ? latent : mode == ERROR ? 1 : in;
	float *y = mlv_malloc(mlv_mul_size(p.n ? p.n : 1, out_cols,
	                                   "output") * sizeof(float));
	const char *kind = "latent";
	switch (mode) {
	case ENCODE:
		mlv_model_encode(m, p.x, p.n, y);
		break;
	case DECODE:
	case RECONSTRUCT: {
		const float *z = p.x;
		float *zs = NULL;
		if (mode == RECONSTRUCT) {
			zs = mlv_malloc(mlv_mul_size(p.n ? p.n : 1, latent,
			                             "latents") * sizeof(float));
			mlv_model_encode(m, p.x, p.n, zs);
			z = zs;
		}
		mlv_model_decode(m, z, p.n, y);
		/* Back to the input's scale, so spectra compare with spectra. */
		if (m->has_norm)
			mlv_norm_invert(&m->norm, y, p.n);
		free(zs);
		kind = mode == DECODE ? "decoded" : "reconstruction";
		break;
	}
	case ERROR:
		mlv_model_recon_error(m, p.x, p.n, y);
		for (size_t r = 0; r < p.nrecs; r++) {
			double sum = 0;
			for (size_t i = 0; i < p.recs[r].rows; i++)
				sum += y[p.first[r] + i];
			mlv_meta_setf(&p.recs[r], "mse", "%.9g", p.recs[r].rows ?
			              sum / (double)p.recs[r].rows : 0.0);
		}
		kind = "error";
		break;
	}
	for (size_t r = 0; r < p.nrecs; r++)
		mlv_meta_set(&p.recs[r], "model", m->cfg.name ? m->cfg.name :
		             model_path);
	/* Reconstructions are sequences again when the model's input was. */
	size_t steps = (mode == DECODE || mode == RECONSTRUCT) &&
	               m->cfg.steps > 1 ? m->cfg.steps : 0;
	mlv_points_write(&p, w, y, out_cols, kind,
	                 mode == ERROR ? "mse" : NULL, steps);
	mlv_writer_close_or_die(w);
	free(y);
	mlv_points_free(&p);
	mlv_model_free(m);
	return 0;
}
