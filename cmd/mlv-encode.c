/* mlv-encode - apply a trained autoencoder: latents, reconstructions,
 * errors. */
#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

enum mode { ENCODE, DECODE, RECONSTRUCT, ERROR };

static void
usage(void)
{
	printf("usage: mlv-encode -m MODEL.mlv [--decode | --reconstruct | "
	       "--error] [-j N]\n"
	       "                  [-o FILE] [FILE...]\n"
	       "Apply a model trained by mlv-train to every row: by default its "
	       "encoder, giving\nthe latent vectors (kind=latent); the records "
	       "keep their ids and metadata.\n\n"
	       "  -m, --model FILE    the trained model\n"
	       "      --decode        rows are latents: the decoder's output, "
	       "in the input's\n"
	       "                      scale (spectra generated from latents)\n"
	       "      --reconstruct   encode and decode: the reconstruction of "
	       "each row\n"
	       "      --error         the reconstruction error (MSE, in the "
	       "model's normalised\n"
	       "                      scale) of each row, and of each record "
	       "(key mse)\n"
	       "  -j, --jobs N        OpenBLAS threads (default: all cores); "
	       "results are the\n"
	       "                      same for the same thread count\n"
	       "  -o, --output FILE   write FILE (atomically) instead of stdout\n"
	       "  -h, --help          show this help\n"
	       "      --version       show the version\n");
	exit(0);
}

int
main(int argc, char **argv)
{
	enum { OPT_DECODE = 256, OPT_RECON, OPT_ERROR, OPT_VERSION };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"decode", no_argument, NULL, OPT_DECODE},
		{"reconstruct", no_argument, NULL, OPT_RECON},
		{"error", no_argument, NULL, OPT_ERROR},
		{"jobs", required_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *model_path = NULL, *output = "-";
	enum mode mode = ENCODE;
	int modes = 0, threads = mlv_default_threads(), c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "m:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model_path = optarg; break;
		case OPT_DECODE: mode = DECODE; modes++; break;
		case OPT_RECON: mode = RECONSTRUCT; modes++; break;
		case OPT_ERROR: mode = ERROR; modes++; break;
		case 'j':
			threads = mlv_parse_jobs(optarg);
			break;
		case 'o': output = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
		}
	}
	if (!model_path)
		mlv_usage_error("-m MODEL.mlv is required");
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
