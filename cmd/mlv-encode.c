/* mlv-encode - apply a trained autoencoder: latents, reconstructions,
 * errors, interpolations. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "model.h"
#include "opts.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

enum mode { ENCODE, DECODE, RECONSTRUCT, ERROR };

enum { OPT_MODEL = MLV_OPT_OWN, OPT_DECODE, OPT_RECON, OPT_ERROR,
       OPT_INTERP, OPT_POINTS, OPT_SAMPLE };

static const mlv_about about = {
	"mlv-encode --model MODEL.mlv [--decode | --reconstruct | --error] "
	"[-j N]\n                  [-q] [-o FILE] [FILE...]\n"
	"       mlv-encode --model MODEL.mlv --interpolate A,B [--points N]\n"
	"                  [--sample [--seed S]] [-j N] [-q] [-o FILE] "
	"[FILE...]",
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
	{"interpolate", 0, "A,B", "one record: points on the line between "
	 "the latents of\nthe records with ids A and B, decoded",
	 OPT_INTERP, NULL},
	{"points", 0, "N", "--interpolate: how many points, 2 or more (10)",
	 OPT_POINTS, NULL},
	{"sample", 0, NULL, "--interpolate between a VAE's latents drawn by "
	 "--seed,\nnot its means", OPT_SAMPLE, NULL},
	{0},
};

/* The record whose id is id: its index; dies when none or several are. */
static size_t
record_of(const mlv_points *p, const char *id)
{
	size_t found = SIZE_MAX, count = 0;
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *s = mlv_meta_get(&p->recs[r], "id");
		if (s && !strcmp(s, id) && p->recs[r].rows) {
			found = r;
			count++;
		}
	}
	if (!count)
		mlv_die("--interpolate: no record with rows has id=%s", id);
	if (count > 1)
		mlv_die("--interpolate: %zu records have id=%s; give ids that name "
		        "one each", count, id);
	return found;
}

/* --interpolate: the mean latent of records a and b (sampled when g is
 * set), the n points between them decoded, as one record. */
static void
interpolate(mlv_model *m, const mlv_points *p, const char *a, const char *b,
            size_t n, mlv_rng *g, mlv_writer *w)
{
	size_t L = mlv_model_latent_size(m), in = mlv_model_in_size(m);
	const char *ids[2] = {a, b};
	float *ends = mlv_calloc(2 * L, sizeof(float));
	char err[1024];
	for (int e = 0; e < 2; e++) {
		size_t r = record_of(p, ids[e]), rows = p->recs[r].rows;
		const float *x = p->x + p->first[r] * in;
		float *z = mlv_malloc(mlv_mul_size(rows, L, "latents") *
		                      sizeof(float));
		if (!g)
			mlv_model_encode(m, x, rows, z);
		else if (mlv_model_sample(m, x, rows, g, z, err, sizeof err))
			mlv_die("--sample: %s", err);
		for (size_t i = 0; i < rows; i++)
			for (size_t j = 0; j < L; j++)
				ends[e * L + j] += z[i * L + j] / (float)rows;
		free(z);
	}
	mlv_record rec;
	mlv_record_init(&rec);
	mlv_record_resize(&rec, n, in);
	float *z = mlv_malloc(mlv_mul_size(n, L, "latents") * sizeof(float));
	mlv_model_interpolate(m, ends, ends + L, n, z, rec.data);
	mlv_meta_setf(&rec, "id", "%s..%s", a, b);
	mlv_meta_set(&rec, "kind", "decoded");
	mlv_meta_set(&rec, "from", a);
	mlv_meta_set(&rec, "to", b);
	if (m->cfg.steps > 1)
		mlv_meta_setf(&rec, "steps", "%zu", m->cfg.steps);
	mlv_write_or_die(w, &rec);
	mlv_record_free(&rec);
	free(z);
	free(ends);
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {encode_options, mlv_opts_seed,
	                                           mlv_opts_jobs, mlv_opts_output,
	                                           mlv_opts_common, NULL};
	mlv_opts o;
	const char *model_path = NULL, *output = "-";
	enum mode mode = ENCODE;
	const char *interp = NULL;
	long long points = 10, seed = -1;
	int modes = 0, threads = mlv_default_threads(), c, sample = 0;
	mlv_init(argv);
	mlv_blas_check_room();
	mlv_opts_begin(&o, argc, argv, &about, options);
	while ((c = mlv_opts_next(&o)) != -1) {
		switch (c) {
		case OPT_MODEL: model_path = o.arg; break;
		case OPT_DECODE: mode = DECODE; modes++; break;
		case OPT_RECON: mode = RECONSTRUCT; modes++; break;
		case OPT_ERROR: mode = ERROR; modes++; break;
		case OPT_INTERP: modes++; interp = o.arg; break;
		case OPT_POINTS:
			points = mlv_parse_int(o.arg, 2, 1 << 20, "--points");
			break;
		case OPT_SAMPLE: sample = 1; break;
		case MLV_OPT_SEED:
			seed = mlv_parse_int(o.arg, 0, INT64_MAX, "--seed");
			break;
		case 'j':
			threads = mlv_parse_jobs(o.arg);
			break;
		case 'o': output = o.arg; break;
		}
	}
	if (!model_path)
		mlv_usage_error("--model MODEL.mlv is required");
	if (modes > 1)
		mlv_usage_error("--decode, --reconstruct, --error and --interpolate "
		                "exclude each other");
	char *ida = interp ? mlv_strdup(interp) : NULL, *idb = NULL;
	if (ida && (!(idb = strchr(ida, ',')) || idb == ida || !idb[1] ||
	            strchr(idb + 1, ',')))
		mlv_usage_error("--interpolate %s: give two record ids, A,B", interp);
	if (idb)
		*idb++ = '\0';
	if (!interp && (sample || seed >= 0 || points != 10))
		mlv_usage_error("--points, --sample and --seed go with "
		                "--interpolate");
	if (seed >= 0 && !sample)
		mlv_usage_error("--seed goes with --sample");
	openblas_set_num_threads(threads);
	mlv_writer *w = mlv_writer_open_or_die(output);
	char err[1024];
	mlv_model *m = mlv_model_load(model_path, err, sizeof err);
	if (!m)
		mlv_die("%s", err);
	size_t in = mlv_model_in_size(m), latent = mlv_model_latent_size(m);
	size_t want = mode == DECODE ? latent : in;
	if (interp && m->cfg.loss != MLV_LOSS_MSE)
		mlv_die("%s: a classifier decodes nothing; --interpolate needs an "
		        "autoencoder", model_path);

	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	if (p.n && p.d != want)
		mlv_die("%s: rows of %zu values, but the model %s %zu",
		        optind < argc ? argv[optind] : "<stdin>", p.d,
		        mode == DECODE ? "has latents of" : "takes", want);
	if (interp) {
		mlv_rng g;
		mlv_rng_seed(&g, seed >= 0 ? (uint64_t)seed : 0);
		interpolate(m, &p, ida, idb, (size_t)points, sample ? &g : NULL, w);
		mlv_writer_close_or_die(w);
		free(ida);
		mlv_points_free(&p);
		mlv_model_free(m);
		return 0;
	}
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
