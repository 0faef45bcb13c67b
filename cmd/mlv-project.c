/* mlv-project - 2-D (or N-D) maps of rows: PCA, STD-PCA, t-SNE, UMAP. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "mapfit.h"
#include "opts.h"
#include "pca.h"
#include "points.h"
#include "pool.h"
#include "quality.h"
#include "stream.h"
#include "tsne.h"
#include "umap.h"
#include "util.h"

enum method { PCA, STD_PCA, TSNE, UMAP };
static const char *const method_names[] = {"pca", "std-pca", "tsne", "umap"};

enum { OPT_DIMS = MLV_OPT_OWN, OPT_FIT, OPT_APPLY, OPT_QUALITY, OPT_PERP,
       OPT_EXAG, OPT_EXAGIT, OPT_LR, OPT_ITER, OPT_INIT, OPT_EXACT, OPT_FFT,
       OPT_MINDIST, OPT_SPREAD, OPT_EPOCHS, OPT_NEG, OPT_PSGD, OPT_SOLVER,
       OPT_POWER, OPT_MOMENTS };

static const mlv_about about = {
	"mlv-project [-m METHOD] [--dims N] [--seed S] [--quality] [-j "
	"N] [-q] [-o FILE]\n"
	"                  [method options] [FILE...]",
	"Map all rows of all records to --dims (2) columns; write the "
	"records back with\n"
	"their metadata, kind=xy.",
	NULL,
};

static const mlv_opt project_options[] = {
	{"method", 'm', "M", "pca (default), std-pca (each column standardised\n"
	 "first), tsne, umap", 'm', NULL},
	{"dims", 0, "N", "output columns (2; --apply: the fit's)",
	 OPT_DIMS, NULL},
	{"fit", 0, "FILE", "also save the fit to FILE (tsne, umap: the rows\n"
	 "and their map)", OPT_FIT, NULL},
	{"apply", 0, "FILE", "project with a saved fit instead (tsne, umap:\n"
	 "place the rows on its map)", OPT_APPLY, NULL},
	{"quality", 0, NULL, "report trustworthiness and 10-NN preservation",
	 OPT_QUALITY, NULL},
	{"solver", 0, "S", "pca, std-pca: auto (default), covariance, gram\n"
	 "or randomized (Halko et al. 2011)", OPT_SOLVER, NULL},
	{"power-iter", 0, "N", "randomized: power iterations (7)", OPT_POWER,
	 NULL},
	{"moments", 0, "FILE", "pca, std-pca: fit on the moments in FILE\n"
	 "(mlv-stats --moments --cross, merged) instead", OPT_MOMENTS, NULL},
	{NULL, 0, NULL, "  t-SNE (van der Maaten and Hinton 2008; FIt-SNE for "
	 "large N):", 0, NULL},
	{"perplexity", 0, "P", "exactly P (default 30, lowered for few points)",
	 OPT_PERP, NULL},
	{"exaggeration", 0, "E", "early exaggeration (12)", OPT_EXAG, NULL},
	{"exaggeration-iter", 0, "N", "its iterations (250)", OPT_EXAGIT, NULL},
	{"learning-rate", 0, "LR", "(N / exaggeration, at least 50)",
	 OPT_LR, NULL},
	{"iter", 0, "N", "iterations in all (1000)", OPT_ITER, NULL},
	{"init", 0, "I", "pca (default) or random; umap: spectral (default),\n"
	 "pca or random", OPT_INIT, NULL},
	{"exact", 0, NULL, "the exact gradient (default up to 1000 points)",
	 OPT_EXACT, NULL},
	{"fft", 0, NULL, "FIt-SNE's interpolated gradient (default above)",
	 OPT_FFT, NULL},
	{NULL, 0, NULL, "  UMAP (McInnes, Healy and Melville 2018):", 0, NULL},
	{0},
};

/* After the shared -n/--neighbours K (default 15, lowered for few
 * points). */
static const mlv_opt umap_options[] = {
	{"min-dist", 0, "D", "0.01", OPT_MINDIST, NULL},
	{"spread", 0, "S", "1", OPT_SPREAD, NULL},
	{"epochs", 0, "N", "(500 up to 10,000 points, else 200)",
	 OPT_EPOCHS, NULL},
	{"negative-rate", 0, "R", "negative samples per edge (5)",
	 OPT_NEG, NULL},
	{"parallel-sgd", 0, NULL, "SGD on all threads (same result for any "
	 "count)", OPT_PSGD, NULL},
	{0},
};

/* A PCA fit as records pca.mean, pca.scale (1 x d), pca.components
 * (k x d) and pca.variance (1 x k), all kind=pca. */
static void
save_pca(const char *path, const mlv_pca *p)
{
	struct { const char *id; const float *x; size_t rows, cols; } parts[] = {
		{"pca.mean", p->mean, 1, p->d},
		{"pca.scale", p->scale, 1, p->d},
		{"pca.components", p->components, p->k, p->d},
		{"pca.variance", p->variance, 1, p->k},
	};
	mlv_writer *w = mlv_writer_open_or_die(path);
	mlv_record r;
	mlv_record_init(&r);
	for (size_t i = 0; i < 4; i++) {
		mlv_record_resize(&r, parts[i].rows, parts[i].cols);
		memcpy(r.data, parts[i].x, parts[i].rows * parts[i].cols *
		       sizeof(float));
		mlv_meta_clear(&r);
		mlv_meta_set(&r, "id", parts[i].id);
		mlv_meta_set(&r, "kind", "pca");
		mlv_meta_set(&r, "standardize", p->standardize ? "1" : "0");
		/* To float precision, as the rest of the fit: a fit from
		 * shards' moments then matches the rows' fit byte for byte
		 * (digits beyond differ by rounding alone). */
		mlv_meta_setf(&r, "total_variance", "%.9g",
		              (double)(float)p->total_variance);
		mlv_write_or_die(w, &r);
	}
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
}

static void
load_pca(const char *path, mlv_pca *p)
{
	static const char *const ids[] = {"pca.mean", "pca.scale",
	                                   "pca.components", "pca.variance"};
	mlv_reader *rd = mlv_reader_open_or_die(path);
	mlv_record r[4];
	for (int i = 0; i < 4; i++) {
		mlv_record_init(&r[i]);
		const char *id;
		if (!mlv_read_or_die(rd, &r[i]) || !(id = mlv_meta_get(&r[i], "id")) ||
		    strcmp(id, ids[i]))
			mlv_die("%s: record %d: expected %s (a fit saved by "
			        "mlv-project --fit)", path, i + 1, ids[i]);
	}
	size_t d = r[0].cols, k = r[2].rows;
	if (r[0].rows != 1 || r[1].rows != 1 || r[1].cols != d ||
	    r[2].cols != d || r[3].rows != 1 || r[3].cols != k ||
	    mlv_pca_alloc(p, d, k))
		mlv_die("%s: shapes do not fit a PCA of %zu columns and %zu "
		        "components", path, d, k);
	memcpy(p->mean, r[0].data, d * sizeof(float));
	memcpy(p->scale, r[1].data, d * sizeof(float));
	memcpy(p->components, r[2].data, k * d * sizeof(float));
	memcpy(p->variance, r[3].data, k * sizeof(float));
	const char *s = mlv_meta_get(&r[0], "standardize");
	p->standardize = s && !strcmp(s, "1");
	mlv_meta_get_double(&r[0], "total_variance", &p->total_variance);
	for (int i = 0; i < 4; i++)
		mlv_record_free(&r[i]);
	mlv_reader_close(rd);
}

static void
tsne_progress(void *ctx, int iter, int n_iter, double kl)
{
	mlv_progress *p = ctx;
	/* At most ten redraws a second, and always those that carry a KL. */
	double now = mlv_now();
	if (!p->active || (isnan(kl) && now - p->last < 0.1 && iter < n_iter))
		return;
	p->last = now;
	if (isnan(kl))
		fprintf(stderr, "\r%s: t-SNE: iteration %d/%d\033[K", mlv_progname,
		        iter, n_iter);
	else
		fprintf(stderr, "\r%s: t-SNE: iteration %d/%d, KL %.4f\033[K",
		        mlv_progname, iter, n_iter, kl);
}

/* What the options ask for. */
typedef struct {
	enum method method;
	const char *output, *fit, *apply, *moments;
	size_t dims;
	uint64_t seed;
	int dims_given, quality, nthreads;
	int perplexity_given, neighbors_given, iter_given, epochs_given;
	mlv_tsne_opts tsne;
	mlv_umap_opts umap;
	mlv_pca_opts pca;
	int pca_given;
} settings;

static void
parse_options(int argc, char **argv, settings *s)
{
	static const mlv_opt *const options[] = {project_options,
	                                         mlv_opts_neighbours,
	                                         umap_options,
	                                         mlv_opts_knn_search,
	                                         mlv_opts_seed, mlv_opts_jobs,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	memset(s, 0, sizeof *s);
	s->method = PCA;
	s->output = "-";
	s->dims = 2;
	s->nthreads = mlv_default_threads();
	mlv_tsne_opts *to = &s->tsne;
	mlv_umap_opts *uo = &s->umap;
	mlv_tsne_defaults(to);
	mlv_umap_defaults(uo);
	mlv_pca_defaults(&s->pca);
	const char *init = NULL;
	/* fit_only: options that the --apply of a map takes from its fit */
	int tsne_given = 0, umap_given = 0, knn_given = 0, fit_only = 0;
	int method_given = 0, c;
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case 'm': {
			int i = 0;
			while (i < 4 && strcmp(cli.arg, method_names[i]))
				i++;
			if (i == 4)
				mlv_usage_error("--method %s: unknown (pca, std-pca, tsne "
				                "or umap)", cli.arg);
			s->method = (enum method)i;
			method_given = 1;
			break;
		}
		case OPT_DIMS:
			s->dims = (size_t)mlv_parse_int(cli.arg, 1, 1 << 16, "--dims");
			s->dims_given = 1;
			break;
		case OPT_FIT: s->fit = cli.arg; break;
		case OPT_MOMENTS: s->moments = cli.arg; break;
		case OPT_APPLY: s->apply = cli.arg; break;
		case MLV_OPT_SEED:
			s->seed = (uint64_t)mlv_parse_int(cli.arg, 0, INT64_MAX, "--seed");
			break;
		case OPT_QUALITY: s->quality = 1; break;
		case OPT_SOLVER:
			if (mlv_pca_solver_parse(cli.arg, &s->pca.solver))
				mlv_usage_error("--solver %s: unknown (auto, covariance, "
				                "gram or randomized)", cli.arg);
			s->pca_given = 1;
			break;
		case OPT_POWER:
			s->pca.power_iter = (int)mlv_parse_int(cli.arg, 0, 1000,
			                                       "--power-iter");
			s->pca_given = 1;
			break;
		case OPT_PERP:
			to->perplexity = mlv_parse_double(cli.arg, 1, 1e5,
			                                  "--perplexity");
			tsne_given = s->perplexity_given = 1;
			break;
		case OPT_EXAG:
			to->early_exaggeration = mlv_parse_double(cli.arg, 1, 1e4,
			                                          "--exaggeration");
			tsne_given = fit_only = 1;
			break;
		case OPT_EXAGIT:
			to->early_iter = (int)mlv_parse_int(cli.arg, 0, 1 << 24,
			                                    "--exaggeration-iter");
			tsne_given = fit_only = 1;
			break;
		case OPT_LR:
			to->learning_rate = mlv_parse_double(cli.arg, 1e-6, 1e9,
			                                     "--learning-rate");
			tsne_given = 1;
			break;
		case OPT_ITER:
			to->n_iter = (int)mlv_parse_int(cli.arg, 1, 1 << 24, "--iter");
			tsne_given = s->iter_given = 1;
			break;
		case OPT_INIT: init = cli.arg; fit_only = 1; break;
		case OPT_EXACT:
			to->method = MLV_TSNE_EXACT;
			tsne_given = fit_only = 1;
			break;
		case OPT_FFT:
			to->method = MLV_TSNE_FFT;
			tsne_given = fit_only = 1;
			break;
		case 'n':
			uo->n_neighbors = (size_t)mlv_parse_int(cli.arg, 2, 1 << 20,
			                                        "--neighbours");
			umap_given = s->neighbors_given = fit_only = 1;
			break;
		case OPT_MINDIST:
			uo->min_dist = mlv_parse_double(cli.arg, 0, 1e6, "--min-dist");
			umap_given = fit_only = 1;
			break;
		case OPT_SPREAD:
			uo->spread = mlv_parse_double(cli.arg, 1e-6, 1e6, "--spread");
			umap_given = fit_only = 1;
			break;
		case OPT_EPOCHS:
			uo->n_epochs = (int)mlv_parse_int(cli.arg, 0, 1 << 24, "--epochs");
			umap_given = s->epochs_given = 1;
			break;
		case OPT_NEG:
			uo->negative_sample_rate = mlv_parse_double(cli.arg, 1e-3, 1e4,
			                                            "--negative-rate");
			umap_given = fit_only = 1;
			break;
		case OPT_PSGD: uo->sgd_parallel = 1; umap_given = fit_only = 1; break;
		case MLV_OPT_KNN_SEARCH: {
			int m = mlv_knn_search_parse(cli.arg);
			if (m < 0)
				mlv_usage_error("--knn-search %s: auto, exact or ann",
				                cli.arg);
			to->knn = uo->knn = (mlv_knn_search)m;
			knn_given = 1;
			break;
		}
		case 'j':
			s->nthreads = mlv_parse_jobs(cli.arg);
			break;
		case 'o': s->output = cli.arg; break;
		}
	}
	/* A map fit says its method; stdin is left for the rows. */
	if (s->apply && !method_given && strcmp(s->apply, "-")) {
		int kind = mlv_mapfit_kind_of(s->apply);
		if (kind >= 0)
			s->method = kind == MLV_MAPFIT_TSNE ? TSNE : UMAP;
	}
	enum method method = s->method;
	int pca = method == PCA || method == STD_PCA;
	if (tsne_given && method != TSNE)
		mlv_usage_error("t-SNE options go with -m tsne");
	if (umap_given && method != UMAP)
		mlv_usage_error("UMAP options go with -m umap");
	if (s->moments && (!pca || s->apply || s->pca_given))
		mlv_usage_error("--moments goes with a PCA or STD-PCA fit, "
		                "without --solver");
	if (s->pca_given && (!pca || s->apply))
		mlv_usage_error("--solver and --power-iter go with a PCA or "
		                "STD-PCA fit");
	s->pca.seed = s->seed;
	if (knn_given && pca)
		mlv_usage_error("--knn-search goes with -m tsne or umap");
	if (s->fit && s->apply)
		mlv_usage_error("--fit and --apply exclude each other");
	if (s->apply && !pca && (fit_only || s->dims_given))
		mlv_usage_error("--apply of a map takes the fit's parameters; "
		                "only --perplexity, --iter, --learning-rate (tsne) "
		                "and --epochs (umap) may change");
	if (init && method == TSNE) {
		if (!strcmp(init, "pca"))
			to->init = MLV_TSNE_INIT_PCA;
		else if (!strcmp(init, "random"))
			to->init = MLV_TSNE_INIT_RANDOM;
		else
			mlv_usage_error("--init %s: pca or random for t-SNE", init);
	} else if (init && method == UMAP) {
		if (mlv_umap_init_parse(init, &uo->init))
			mlv_usage_error("--init %s: spectral, pca or random for UMAP",
			                init);
	} else if (init) {
		mlv_usage_error("--init goes with -m tsne or umap");
	}
	if (method == TSNE && s->dims != 2)
		mlv_usage_error("t-SNE maps to 2 dimensions here (--dims 2)");
}

/* PCA: fit on p (saved to --fit) or take the --apply fit already in
 * fitted, then map p's rows to y (p->n x dims). */
static void
project_pca(const settings *s, const mlv_points *p, const char *input,
            mlv_pca *fitted, size_t dims, float *y)
{
	char err[1024];
	if (s->apply) {
		if (p->n && p->d != fitted->d)
			mlv_die("%s: rows of %zu values, but %s was fitted on %zu",
			        input, p->d, s->apply, fitted->d);
		if (dims > fitted->k)
			mlv_die("--dims %zu: %s holds %zu components", dims, s->apply,
			        fitted->k);
	} else if (s->moments) {
		mlv_moments m;
		if (mlv_moments_load(&m, s->moments, err, sizeof err))
			mlv_die("%s", err);
		if (p->n && p->d != m.d)
			mlv_die("%s: rows of %zu values, but the moments in %s are of "
			        "%zu", input, p->d, s->moments, m.d);
		if (dims > m.d)
			mlv_die("%s: --dims %zu is more than the %zu columns",
			        s->moments, dims, m.d);
		if (mlv_pca_fit_moments(fitted, &m, dims, s->method == STD_PCA,
		                        err, sizeof err))
			mlv_die("%s: %s", s->moments, err);
		mlv_moments_free(&m);
		if (s->fit)
			save_pca(s->fit, fitted);
	} else {
		if (dims > p->d)
			mlv_die("%s: --dims %zu is more than the %zu columns", input,
			        dims, p->d);
		if (mlv_pca_fit_opts(fitted, p->x, p->n, p->d, dims,
		                     s->method == STD_PCA, &s->pca, err, sizeof err))
			mlv_die("%s: %s", input, err);
		if (s->fit)
			save_pca(s->fit, fitted);
	}
	/* With --apply, the saved fit may hold more components than asked. */
	size_t k = fitted->k;
	fitted->k = dims;
	mlv_pca_apply(fitted, p->x, p->n, y);
	fitted->k = k;
}

/* t-SNE of p's rows into y (p->n x 2); its parameters go to info. */
static void
map_tsne(const settings *s, const mlv_points *p, const char *input,
         float *y, mlv_record *info)
{
	char err[1024];
	mlv_tsne_opts to = s->tsne;
	mlv_progress prog;
	mlv_progress_begin(&prog, "t-SNE");
	to.seed = s->seed;
	to.nthreads = s->nthreads;
	to.progress = tsne_progress;
	to.progress_ctx = &prog;
	double kl;
	/* The default perplexity gives way to what the data allow, as
	 * openTSNE does; a value asked for with --perplexity does not. */
	size_t need = mlv_tsne_min_points(to.perplexity);
	double most = mlv_tsne_max_perplexity(p->n);
	if (p->n < need && !s->perplexity_given && most > 0) {
		mlv_warn("%s: %zu points; t-SNE with perplexity %g instead of %g "
		         "(the most they allow)", input, p->n, most, to.perplexity);
		to.perplexity = most;
	} else if (most == 0) {
		mlv_die("%s: %zu points; t-SNE needs at least %zu", input, p->n,
		        mlv_tsne_min_points(1));
	} else if (p->n < need) {
		mlv_die("%s: %zu points; t-SNE with perplexity %g needs at least "
		        "%zu (--perplexity %g at the most)", input, p->n,
		        to.perplexity, need, most);
	}
	if (mlv_tsne_run(p->x, p->n, p->d, &to, y, &kl, err, sizeof err))
		mlv_die("%s: %s", input, err);
	mlv_progress_end(&prog);
	if (s->fit) {
		mlv_mapfit f = {.kind = MLV_MAPFIT_TSNE, .n = p->n, .d = p->d,
		                .dims = 2, .x = p->x, .y = y,
		                .perplexity = to.perplexity};
		mlv_mapfit_save(s->fit, &f);
	}
	mlv_meta_setf(info, "perplexity", "%g", to.perplexity);
	mlv_meta_setf(info, "iterations", "%d", to.n_iter);
	mlv_meta_setf(info, "exaggeration", "%g", to.early_exaggeration);
	mlv_meta_setf(info, "seed", "%llu", (unsigned long long)s->seed);
	mlv_meta_setf(info, "kl", "%.6g", kl);
}

/* UMAP of p's rows into y (p->n x dims); its parameters go to info. */
static void
map_umap(const settings *s, const mlv_points *p, const char *input,
         size_t dims, float *y, mlv_record *info)
{
	char err[1024];
	mlv_umap_opts uo = s->umap;
	uo.dims = dims;
	uo.seed = s->seed;
	uo.nthreads = s->nthreads;
	/* As umap-learn, the default gives way to the data's n - 1. */
	if (p->n <= uo.n_neighbors && !s->neighbors_given && p->n > 2) {
		mlv_warn("%s: %zu points; UMAP with %zu neighbours instead of %zu "
		         "(the most they allow)", input, p->n, p->n - 1,
		         uo.n_neighbors);
		uo.n_neighbors = p->n - 1;
	} else if (p->n <= 2) {
		mlv_die("%s: %zu points; UMAP needs at least 3", input, p->n);
	} else if (p->n <= uo.n_neighbors) {
		mlv_die("%s: %zu points; UMAP with --neighbours %zu needs at least "
		        "%zu", input, p->n, uo.n_neighbors, uo.n_neighbors + 1);
	}
	mlv_umap_info ui;
	if (mlv_umap(p->x, p->n, p->d, &uo, y, &ui, err, sizeof err))
		mlv_die("%s: %s", input, err);
	if (s->fit) {
		mlv_mapfit f = {.kind = MLV_MAPFIT_UMAP, .n = p->n, .d = p->d,
		                .dims = dims, .x = p->x, .y = y,
		                .n_neighbors = uo.n_neighbors,
		                .min_dist = uo.min_dist, .spread = uo.spread,
		                .n_epochs = ui.n_epochs,
		                .learning_rate = uo.learning_rate,
		                .negative_sample_rate = uo.negative_sample_rate};
		mlv_mapfit_save(s->fit, &f);
	}
	mlv_meta_setf(info, "neighbors", "%zu", uo.n_neighbors);
	mlv_meta_setf(info, "min_dist", "%g", uo.min_dist);
	mlv_meta_setf(info, "spread", "%g", uo.spread);
	mlv_meta_setf(info, "epochs", "%d", ui.n_epochs);
	mlv_meta_setf(info, "seed", "%llu", (unsigned long long)s->seed);
	mlv_meta_set(info, "init", mlv_umap_init_name(ui.init));
}

/* --apply of a t-SNE or UMAP fit: refused for another method's fit or
 * rows of another width, before any work. */
static void
load_map(const settings *s, const mlv_points *p, const char *input,
         mlv_mapfit *map)
{
	mlv_mapfit_load(s->apply, map);
	const char *kind = mlv_mapfit_kind_name(map->kind);
	if (strcmp(kind, method_names[s->method]))
		mlv_die("%s: a %s fit, not %s (-m %s --apply %s)", s->apply, kind,
		        method_names[s->method], kind, s->apply);
	if (p->d != map->d)
		mlv_die("%s: rows of %zu values, but %s was fitted on %zu", input,
		        p->d, s->apply, map->d);
}

/* p's rows placed on the map of an --apply fit into y (p->n x
 * map->dims); what was used goes to info. */
static void
place_on_map(const settings *s, const mlv_points *p, const mlv_mapfit *map,
             float *y, mlv_record *info)
{
	char err[1024];
	mlv_transform_opts o;
	mlv_transform_defaults(&o);
	o.seed = s->seed;
	o.nthreads = s->nthreads;
	if (s->perplexity_given)
		o.perplexity = s->tsne.perplexity;
	if (s->iter_given)
		o.n_iter = s->tsne.n_iter;
	if (s->epochs_given)
		o.n_iter = s->umap.n_epochs;
	o.learning_rate = s->tsne.learning_rate;
	mlv_transform_resolve(map, &o);
	if (mlv_mapfit_transform(map, p->x, p->n, &o, y, err, sizeof err))
		mlv_die("%s: %s", s->apply, err);
	if (map->kind == MLV_MAPFIT_TSNE) {
		mlv_meta_setf(info, "perplexity", "%g", o.perplexity);
		mlv_meta_setf(info, "iterations", "%d", o.n_iter);
	} else {
		mlv_meta_setf(info, "neighbors", "%zu", map->n_neighbors);
		mlv_meta_setf(info, "min_dist", "%g", map->min_dist);
		mlv_meta_setf(info, "spread", "%g", map->spread);
		mlv_meta_setf(info, "epochs", "%d", o.n_iter);
	}
	mlv_meta_setf(info, "seed", "%llu", (unsigned long long)s->seed);
}

/* Exact up to a size, an unbiased sample beyond it, so the cost stays
 * bounded whatever the map. */
static void
report_quality(const settings *s, const mlv_points *p, const char *input,
               const float *y, size_t dims)
{
	char err[1024];
	mlv_quality q;
	if (mlv_map_quality(p->x, p->d, y, dims, p->n, 10,
	                    mlv_quality_sample(p->n), s->seed, 1, s->nthreads,
	                    &q, err, sizeof err))
		mlv_die("%s: %s", input, err);
	mlv_warn("quality: trustworthiness %.4f, 10-NN preservation %.4f "
	         "(%zu points%s)", q.trustworthiness, q.knn_preservation,
	         q.evaluated, q.evaluated < p->n ? ", a sample" : "");
}

int
main(int argc, char **argv)
{
	settings s;
	mlv_init(argv);
	mlv_blas_check_room();
	parse_options(argc, argv, &s);
	enum method method = s.method;
	size_t dims = s.dims;

	mlv_outputs_check_or_die(2, s.output, s.fit);
	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	/* A PCA fit from moments, or one applied, needs no rows: an empty
	 * input (an empty shard) gives an empty output. */
	int pca = method == PCA || method == STD_PCA;
	if (!p.n && !(pca && (s.moments || s.apply)))
		mlv_die("%s: no rows to map", input);
	/* Checked before the map is made, not after. */
	if (s.quality && p.n < 16)
		mlv_die("%s: %zu points; --quality needs at least 16", input, p.n);
	/* A point's keys from an earlier projection would describe the wrong
	 * map. */
	static const char *const stale[] = {"projection", "explained",
		"perplexity", "kl", "iterations", "exaggeration", "learning_rate",
		"neighbors", "min_dist", "spread", "epochs", "init", "seed"};
	for (size_t r = 0; r < p.nrecs; r++)
		for (size_t i = 0; i < sizeof stale / sizeof *stale; i++)
			mlv_meta_unset(&p.recs[r], stale[i]);
	mlv_pca fitted;
	mlv_mapfit map;
	memset(&fitted, 0, sizeof fitted);
	memset(&map, 0, sizeof map);
	if (s.apply && (method == TSNE || method == UMAP)) {
		load_map(&s, &p, input, &map);
		dims = map.dims;
	} else if (s.apply) {
		load_pca(s.apply, &fitted);
		/* A fit applied to test data gives all its components unless
		 * asked for fewer: the same space as the training rows. */
		if (!s.dims_given)
			dims = fitted.k;
	}
	float *y = mlv_malloc(mlv_mul_size(p.n ? p.n : 1, dims, "map") *
	                      sizeof(float));
	mlv_record info;
	mlv_record_init(&info);
	mlv_meta_set(&info, "projection", method_names[method]);
	if (method == PCA || method == STD_PCA) {
		project_pca(&s, &p, input, &fitted, dims, y);
		char ratios[512] = "";
		double sum = 0;
		for (size_t i = 0, o = 0; i < dims && o < sizeof ratios - 16; i++) {
			double r = fitted.variance[i] / fitted.total_variance;
			sum += r;
			o += (size_t)snprintf(ratios + o, sizeof ratios - o, "%s%.4g",
			                      i ? "," : "", r);
		}
		/* A saved fit knows whether it standardises; -m does not. */
		const char *name = fitted.standardize ? "std-pca" : "pca";
		mlv_meta_set(&info, "projection", name);
		mlv_meta_set(&info, "explained", ratios);
		mlv_warn("%s: explained variance ratio %s (%.1f%% in %zu)", name,
		         ratios, 100 * sum, dims);
		mlv_pca_free(&fitted);
	} else if (s.apply) {
		place_on_map(&s, &p, &map, y, &info);
		mlv_mapfit_free(&map);
	} else if (method == TSNE) {
		map_tsne(&s, &p, input, y, &info);
	} else {
		map_umap(&s, &p, input, dims, y, &info);
	}
	if (s.quality)
		report_quality(&s, &p, input, y, dims);
	char names[64];
	if (dims <= 3)
		snprintf(names, sizeof names, "%s", dims == 1 ? "x" : dims == 2 ?
		         "x,y" : "x,y,z");
	for (size_t r = 0; r < p.nrecs; r++)
		mlv_meta_merge(&p.recs[r], &info, 1);
	mlv_writer *w = mlv_writer_open_or_die(s.output);
	mlv_points_write(&p, w, y, dims, "xy", dims <= 3 ? names : NULL, 0);
	mlv_writer_close_or_die(w);
	mlv_record_free(&info);
	free(y);
	mlv_points_free(&p);
	return 0;
}
