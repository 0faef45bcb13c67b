/* model.c - see model.h */
#include "model.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

/* Random streams drawn from the one seed (mlv_rng_stream), so that each
 * use is independent of how much the others consumed. */
enum { STREAM_INIT, STREAM_DROPOUT, STREAM_SHUFFLE, STREAM_SPLIT };

#define MAX_MODEL_FILE (1 << 20)
#define MAX_DIM ((size_t)1 << 24)

/* ------------------------------------------------------------------------
 * YAML reading */

typedef struct {
	yaml_document_t *doc;
	const char *name;
	char *err;
	size_t errlen;
} yctx;

static int MLV_PRINTF(3, 4)
yerr(yctx *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n)
		snprintf(y->err, y->errlen, "%s:%lu: %s", y->name,
		         (unsigned long)n->start_mark.line + 1, msg);
	else
		snprintf(y->err, y->errlen, "%s: %s", y->name, msg);
	return -1;
}

static yaml_node_t *
node_at(yctx *y, int index)
{
	return yaml_document_get_node(y->doc, index);
}

/* The text of a scalar node, or NULL after an error naming `what`. */
static const char *
scalar(yctx *y, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		yerr(y, n, "%s: expected a single value, found a %s", what,
		     n->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	const char *s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		yerr(y, n, "%s: value contains a NUL byte", what);
		return NULL;
	}
	if (!*s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		yerr(y, n, "%s: missing value", what);
		return NULL;
	}
	return s;
}

static int
get_size(yctx *y, const yaml_node_t *n, const char *what, size_t min,
         size_t max, size_t *out)
{
	const char *s = scalar(y, n, what);
	if (!s)
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno)
		return yerr(y, n, "%s: '%s' is not a whole number", what, s);
	if (v < min || v > max)
		return yerr(y, n, "%s: %s is out of range (%zu to %zu)", what, s,
		            min, max);
	*out = (size_t)v;
	return 0;
}

static int
get_u64(yctx *y, const yaml_node_t *n, const char *what, uint64_t *out)
{
	const char *s = scalar(y, n, what);
	if (!s)
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno)
		return yerr(y, n, "%s: '%s' is not a whole number from 0 to "
		            "%" PRIu64, what, s, UINT64_MAX);
	*out = (uint64_t)v;
	return 0;
}

/* A number in [lo, hi] (hi_open: [lo, hi)). */
static int
get_double(yctx *y, const yaml_node_t *n, const char *what, double lo,
           double hi, int hi_open, double *out)
{
	const char *s = scalar(y, n, what);
	if (!s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || !isfinite(v))
		return yerr(y, n, "%s: '%s' is not a finite number", what, s);
	if (v < lo || v > hi || (hi_open && v == hi))
		return yerr(y, n, "%s: %s is out of range (%g to %g%s)", what, s,
		            lo, hi, hi_open ? ", exclusive" : "");
	*out = v;
	return 0;
}

static int
get_bool(yctx *y, const yaml_node_t *n, const char *what, int *out)
{
	const char *s = scalar(y, n, what);
	if (!s)
		return -1;
	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "no"))
		*out = 0;
	else
		return yerr(y, n, "%s: '%s' is not true or false", what, s);
	return 0;
}

/* Layer and model names: start with a letter, so that `latent: 3` is
 * always an index and a name can be written back without quotes. */
static int
valid_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		      *s == '-'))
			return 0;
	return 1;
}

/* Index of the key of pair p in keys[], refusing unknown and repeated
 * keys (libyaml itself accepts duplicates).  seen has nkeys flags. */
static int
key_index(yctx *y, const yaml_node_pair_t *p, const char *const *keys,
          size_t nkeys, int *seen, const char *where)
{
	yaml_node_t *k = node_at(y, p->key);
	const char *s = scalar(y, k, where);
	if (!s)
		return -1;
	for (size_t i = 0; i < nkeys; i++)
		if (!strcmp(s, keys[i])) {
			if (seen[i])
				return yerr(y, k, "%s: duplicate key '%s'", where, s);
			seen[i] = 1;
			return (int)i;
		}
	char known[512] = "";
	for (size_t i = 0; i < nkeys; i++) {
		strncat(known, keys[i], sizeof known - strlen(known) - 1);
		if (i + 1 < nkeys)
			strncat(known, ", ", sizeof known - strlen(known) - 1);
	}
	return yerr(y, k, "%s: unknown key '%s' (known: %s)", where, s, known);
}

static int
expect_mapping(yctx *y, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_MAPPING_NODE)
		return yerr(y, n, "%s: expected a mapping of keys to values",
		            what);
	return 0;
}

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define PAIRS(n) for (yaml_node_pair_t *p = (n)->data.mapping.pairs.start; \
                      p < (n)->data.mapping.pairs.top; p++)

static const char *const input_keys[] = {"features", "steps", "normalise",
                                         "axis"};

static int
parse_input(yctx *y, const yaml_node_t *n, mlv_model_config *c)
{
	int seen[NKEYS(input_keys)] = {0};
	if (expect_mapping(y, n, "input"))
		return -1;
	PAIRS(n) {
		int k = key_index(y, p, input_keys, NKEYS(input_keys), seen,
		                  "input");
		yaml_node_t *v = node_at(y, p->value);
		const char *s;
		switch (k) {
		case 0:
			if (get_size(y, v, "input.features", 1, MAX_DIM, &c->features))
				return -1;
			break;
		case 1:
			if (get_size(y, v, "input.steps", 1, MAX_DIM, &c->steps))
				return -1;
			break;
		case 2:
			if (!(s = scalar(y, v, "input.normalise")))
				return -1;
			if (mlv_norm_parse(s, &c->norm))
				return yerr(y, v, "input.normalise: unknown '%s' (known: "
				            "none, minmax, zscore)", s);
			break;
		case 3:
			if (!(s = scalar(y, v, "input.axis")))
				return -1;
			if (strcmp(s, "column") && strcmp(s, "global"))
				return yerr(y, v, "input.axis: unknown '%s' (known: "
				            "column, global)", s);
			c->norm_per_column = !strcmp(s, "column");
			break;
		default:
			return -1;
		}
	}
	if (!seen[0])
		return yerr(y, n, "input: missing 'features' (values per step "
		            "of a sample)");
	return 0;
}

enum {
	LK_KIND, LK_UNITS, LK_SIZE, LK_ACTIVATION, LK_SLOPE, LK_DROPOUT,
	LK_RETURN_SEQUENCES, LK_STEPS, LK_RATE, LK_NAME, LK_COUNT
};
static const char *const layer_keys[LK_COUNT] = {
	"kind", "units", "size", "activation", "slope", "dropout",
	"return_sequences", "steps", "rate", "name",
};
/* Which keys each kind takes (bit LK_x). */
static const unsigned kind_keys[MLV_NN_KIND_COUNT] = {
	[MLV_NN_DENSE] = 1u << LK_KIND | 1u << LK_UNITS | 1u << LK_SIZE |
	                 1u << LK_ACTIVATION | 1u << LK_SLOPE |
	                 1u << LK_DROPOUT | 1u << LK_NAME,
	[MLV_NN_ACTIVATION] = 1u << LK_KIND | 1u << LK_ACTIVATION |
	                      1u << LK_SLOPE | 1u << LK_DROPOUT | 1u << LK_NAME,
	[MLV_NN_DROPOUT] = 1u << LK_KIND | 1u << LK_RATE | 1u << LK_NAME,
	[MLV_NN_LSTM] = 1u << LK_KIND | 1u << LK_UNITS | 1u << LK_SIZE |
	                1u << LK_RETURN_SEQUENCES | 1u << LK_DROPOUT |
	                1u << LK_NAME,
	[MLV_NN_REPEAT] = 1u << LK_KIND | 1u << LK_STEPS | 1u << LK_DROPOUT |
	                  1u << LK_NAME,
};

static int
parse_layer(yctx *y, const yaml_node_t *n, size_t index, mlv_model_layer *l)
{
	char where[64];
	snprintf(where, sizeof where, "layers[%zu]", index);
	memset(l, 0, sizeof *l);
	l->line = (int)n->start_mark.line + 1;
	l->spec.act = MLV_ACT_LINEAR;
	l->spec.slope = 0.01f; /* PyTorch's LeakyReLU default */
	if (expect_mapping(y, n, where))
		return -1;
	/* The kind first: it decides which other keys belong. */
	yaml_node_t *kind_node = NULL;
	PAIRS(n) {
		yaml_node_t *k = node_at(y, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, "kind"))
			kind_node = node_at(y, p->value);
	}
	if (!kind_node)
		return yerr(y, n, "%s: missing 'kind' (dense, lstm, repeat, "
		            "dropout or activation)", where);
	const char *ks = scalar(y, kind_node, where);
	if (!ks)
		return -1;
	if (mlv_nn_kind_parse(ks, &l->spec.kind))
		return yerr(y, kind_node, "%s: unknown kind '%s' (known: dense, "
		            "lstm, repeat, dropout, activation)", where, ks);
	const char *kname = mlv_nn_kind_name(l->spec.kind);
	char what[96];
	int seen[LK_COUNT] = {0};
	yaml_node_t *slope_node = NULL, *act_node = NULL;
	PAIRS(n) {
		int k = key_index(y, p, layer_keys, LK_COUNT, seen, where);
		if (k < 0)
			return -1;
		yaml_node_t *v = node_at(y, p->value);
		if (!(kind_keys[l->spec.kind] & 1u << k))
			return yerr(y, node_at(y, p->key), "%s: '%s' does not apply "
			            "to a %s layer", where, layer_keys[k], kname);
		snprintf(what, sizeof what, "%s.%s", where, layer_keys[k]);
		const char *s;
		double d;
		switch (k) {
		case LK_KIND:
			break;
		case LK_UNITS:
		case LK_SIZE:
			if (seen[LK_UNITS] && seen[LK_SIZE])
				return yerr(y, v, "%s: both 'units' and 'size' given",
				            where);
			if (get_size(y, v, what, 1, MAX_DIM, &l->spec.units))
				return -1;
			break;
		case LK_ACTIVATION:
			if (!(s = scalar(y, v, what)))
				return -1;
			if (mlv_nn_act_parse(s, &l->spec.act))
				return yerr(y, v, "%s: unknown activation '%s' (known: "
				            "linear, relu, leaky_relu, tanh, sigmoid)",
				            where, s);
			act_node = v;
			break;
		case LK_SLOPE:
			if (get_double(y, v, what, -1e6, 1e6, 0, &d))
				return -1;
			l->spec.slope = (float)d;
			slope_node = v;
			break;
		case LK_DROPOUT:
			if (get_double(y, v, what, 0, 1, 1, &d))
				return -1;
			l->dropout = (float)d;
			break;
		case LK_RATE:
			if (get_double(y, v, what, 0, 1, 1, &d))
				return -1;
			l->spec.rate = (float)d;
			break;
		case LK_RETURN_SEQUENCES:
			if (get_bool(y, v, what, &l->spec.return_sequences))
				return -1;
			break;
		case LK_STEPS:
			if (get_size(y, v, what, 1, MAX_DIM, &l->spec.steps))
				return -1;
			break;
		case LK_NAME:
			if (!(s = scalar(y, v, what)))
				return -1;
			if (!valid_name(s))
				return yerr(y, v, "%s: '%s' is not a name (a letter, "
				            "then letters, digits, '_', '.', '-')", what, s);
			l->name = mlv_strdup(s);
			break;
		default:
			return -1;
		}
	}
	switch (l->spec.kind) {
	case MLV_NN_DENSE:
	case MLV_NN_LSTM:
		if (!l->spec.units)
			return yerr(y, n, "%s (%s): missing 'units' (the number of "
			            "output features)", where, kname);
		break;
	case MLV_NN_ACTIVATION:
		if (!act_node)
			return yerr(y, n, "%s (activation): missing 'activation' "
			            "(linear, relu, leaky_relu, tanh or sigmoid)",
			            where);
		break;
	case MLV_NN_DROPOUT:
		if (!seen[LK_RATE])
			return yerr(y, n, "%s (dropout): missing 'rate' (the "
			            "probability of zeroing a value)", where);
		break;
	case MLV_NN_REPEAT:
		if (!l->spec.steps)
			return yerr(y, n, "%s (repeat): missing 'steps' (how many "
			            "times to repeat the vector)", where);
		break;
	default:
		break;
	}
	if (slope_node && l->spec.act != MLV_ACT_LEAKY_RELU)
		return yerr(y, slope_node, "%s: 'slope' applies only to activation "
		            "leaky_relu, not %s", where,
		            mlv_nn_act_name(l->spec.act));
	return 0;
}

static int
parse_layers(yctx *y, const yaml_node_t *n, mlv_model_config *c)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return yerr(y, n, "layers: expected a list of layers");
	size_t count = (size_t)(n->data.sequence.items.top -
	                        n->data.sequence.items.start);
	if (!count)
		return yerr(y, n, "layers: the list is empty");
	c->layers = mlv_calloc(count, sizeof *c->layers);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *ln = node_at(y, n->data.sequence.items.start[i]);
		/* Counted first, so that a name copied before a later field
		 * fails is freed with the rest. */
		c->nlayers++;
		if (parse_layer(y, ln, i, &c->layers[i]))
			return -1;
		for (size_t j = 0; j < i && c->layers[i].name; j++)
			if (c->layers[j].name &&
			    !strcmp(c->layers[j].name, c->layers[i].name))
				return yerr(y, ln, "layers[%zu]: name '%s' is already "
				            "used by layers[%zu]", i, c->layers[i].name, j);
	}
	return 0;
}

static const char *const opt_keys[] = {"kind", "lr", "beta1", "beta2",
                                       "eps"};

static int
parse_optimiser(yctx *y, const yaml_node_t *n, mlv_model_config *c)
{
	int seen[NKEYS(opt_keys)] = {0};
	if (expect_mapping(y, n, "optimiser"))
		return -1;
	PAIRS(n) {
		int k = key_index(y, p, opt_keys, NKEYS(opt_keys), seen,
		                  "optimiser");
		yaml_node_t *v = node_at(y, p->value);
		const char *s;
		switch (k) {
		case 0:
			if (!(s = scalar(y, v, "optimiser.kind")))
				return -1;
			if (strcmp(s, "adam"))
				return yerr(y, v, "optimiser.kind: unknown '%s' (known: "
				            "adam)", s);
			break;
		case 1:
			if (get_double(y, v, "optimiser.lr", 0, 1e3, 0, &c->adam.lr))
				return -1;
			break;
		case 2:
			if (get_double(y, v, "optimiser.beta1", 0, 1, 1, &c->adam.beta1))
				return -1;
			break;
		case 3:
			if (get_double(y, v, "optimiser.beta2", 0, 1, 1, &c->adam.beta2))
				return -1;
			break;
		case 4:
			if (get_double(y, v, "optimiser.eps", 0, 1, 0, &c->adam.eps))
				return -1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static const char *const es_keys[] = {"patience", "min_delta"};

static int
parse_early_stopping(yctx *y, const yaml_node_t *n, mlv_model_config *c)
{
	int seen[NKEYS(es_keys)] = {0};
	if (expect_mapping(y, n, "early_stopping"))
		return -1;
	PAIRS(n) {
		int k = key_index(y, p, es_keys, NKEYS(es_keys), seen,
		                  "early_stopping");
		yaml_node_t *v = node_at(y, p->value);
		if (k == 0) {
			if (get_size(y, v, "early_stopping.patience", 0, 1000000000,
			             &c->patience))
				return -1;
		} else if (k == 1) {
			if (get_double(y, v, "early_stopping.min_delta", 0, 1e30, 0,
			               &c->min_delta))
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

enum {
	TK_MODEL, TK_INPUT, TK_LAYERS, TK_LATENT, TK_LOSS, TK_OPTIMISER,
	TK_OPTIMIZER, TK_BATCH_SIZE, TK_EPOCHS, TK_SEED, TK_VALIDATION,
	TK_EARLY_STOPPING, TK_COUNT
};
static const char *const top_keys[TK_COUNT] = {
	"model", "input", "layers", "latent", "loss", "optimiser", "optimizer",
	"batch_size", "epochs", "seed", "validation", "early_stopping",
};

static void
config_defaults(mlv_model_config *c)
{
	memset(c, 0, sizeof *c);
	c->steps = 1;
	c->norm = MLV_NORM_NONE;
	c->norm_per_column = 1;
	c->loss = MLV_LOSS_MSE;
	c->adam = mlv_adam_defaults();
	c->batch_size = 32;  /* Keras's default */
	c->epochs = 1;
}

/* Expand the layers into a network: dense with an activation becomes a
 * dense and an activation layer, and a layer's dropout a dropout layer
 * after it.  yaml_layer and latent_layer as in mlv_model.  Messages name
 * `where` and the layer's line. */
static mlv_nn *
build_net(const mlv_model_config *c, const char *where, size_t **yaml_layer,
          size_t **latent_layer, char *err, size_t errlen)
{
	mlv_nn *nn = mlv_nn_new(c->steps, c->features);
	size_t *yl = mlv_calloc(3 * c->nlayers + 1, sizeof *yl);
	size_t *ll = mlv_calloc(c->nlayers + 1, sizeof *ll);
	char e[256];
	for (size_t i = 0; i < c->nlayers; i++) {
		const mlv_model_layer *l = &c->layers[i];
		mlv_nn_spec s[3];
		size_t ns = 0;
		s[ns++] = l->spec;
		if (l->spec.kind == MLV_NN_DENSE && l->spec.act != MLV_ACT_LINEAR) {
			mlv_nn_spec a = {.kind = MLV_NN_ACTIVATION, .act = l->spec.act,
			                 .slope = l->spec.slope};
			s[ns++] = a;
		}
		size_t nbefore = ns;
		if (l->dropout > 0) {
			mlv_nn_spec d = {.kind = MLV_NN_DROPOUT, .rate = l->dropout};
			s[ns++] = d;
		}
		for (size_t k = 0; k < ns; k++) {
			long idx = mlv_nn_add(nn, &s[k], e, sizeof e);
			if (idx < 0) {
				snprintf(err, errlen, "%s:%d: layers[%zu] (%s): %s", where,
				         l->line, i, mlv_nn_kind_name(l->spec.kind),
				         /* the engine's message starts with the kind */
				         strchr(e, ':') ? strchr(e, ':') + 2 : e);
				goto fail;
			}
			yl[idx] = i;
			if (k + 1 == nbefore)
				ll[i] = (size_t)idx;
		}
	}
	nn->latent = ll[c->latent];
	nn->has_latent = 1;
	nn->loss = c->loss;
	nn->adam = c->adam;
	*yaml_layer = yl;
	*latent_layer = ll;
	return nn;
fail:
	free(yl);
	free(ll);
	mlv_nn_free(nn);
	return NULL;
}

/* Checks that need the whole description: latent, shapes. */
static int
config_check(yctx *y, const yaml_node_t *root, const yaml_node_t *latent,
             mlv_model_config *c)
{
	if (!latent)
		return yerr(y, root, "missing 'latent' (the name or index of the "
		            "layer whose output is the latent)");
	const char *s = scalar(y, latent, "latent");
	if (!s)
		return -1;
	if (*s >= '0' && *s <= '9') {
		if (get_size(y, latent, "latent", 0, c->nlayers - 1, &c->latent))
			return -1;
	} else {
		size_t i;
		for (i = 0; i < c->nlayers; i++)
			if (c->layers[i].name && !strcmp(c->layers[i].name, s))
				break;
		if (i == c->nlayers)
			return yerr(y, latent, "latent: no layer is named '%s' (give "
			            "the layer `name: %s`, or an index)", s, s);
		c->latent = i;
	}
	if (c->latent == c->nlayers - 1)
		return yerr(y, latent, "latent: layers[%zu] is the last layer; an "
		            "autoencoder's latent must be decoded by later layers",
		            c->latent);
	size_t *yl, *ll;
	mlv_nn *nn = build_net(c, y->name, &yl, &ll, y->err, y->errlen);
	if (!nn)
		return -1;
	const mlv_nn_layer *last = &nn->layers[nn->nlayers - 1];
	int rc = 0;
	if (last->out_steps != c->steps || last->out_features != c->features) {
		snprintf(y->err, y->errlen, "%s:%d: layers[%zu]: the last layer's "
		         "output is %zu step(s) x %zu features, the input %zu x %zu; "
		         "an autoencoder must reconstruct its input", y->name,
		         c->layers[c->nlayers - 1].line, c->nlayers - 1,
		         last->out_steps, last->out_features, c->steps, c->features);
		rc = -1;
	}
	free(yl);
	free(ll);
	mlv_nn_free(nn);
	return rc;
}

static int
parse_root(yctx *y, const yaml_node_t *root, mlv_model_config *c)
{
	int seen[TK_COUNT] = {0};
	const yaml_node_t *latent = NULL, *layers = NULL, *input = NULL;
	if (root->type != YAML_MAPPING_NODE)
		return yerr(y, root, "expected a mapping of settings (input, "
		            "layers, latent, ...)");
	PAIRS(root) {
		int k = key_index(y, p, top_keys, TK_COUNT, seen, "model file");
		yaml_node_t *v = node_at(y, p->value);
		const char *s;
		switch (k) {
		case TK_MODEL:
			if (!(s = scalar(y, v, "model")))
				return -1;
			c->name = mlv_strdup(s);
			break;
		case TK_INPUT:
			input = v;
			break;
		case TK_LAYERS:
			layers = v;
			break;
		case TK_LATENT:
			latent = v;
			break;
		case TK_LOSS:
			if (!(s = scalar(y, v, "loss")))
				return -1;
			if (mlv_nn_loss_parse(s, &c->loss))
				return yerr(y, v, "loss: unknown '%s' (known: mse)", s);
			break;
		case TK_OPTIMISER:
		case TK_OPTIMIZER:
			if (seen[TK_OPTIMISER] && seen[TK_OPTIMIZER])
				return yerr(y, v, "both 'optimiser' and 'optimizer' given");
			if (parse_optimiser(y, v, c))
				return -1;
			break;
		case TK_BATCH_SIZE:
			if (get_size(y, v, "batch_size", 1, MAX_DIM, &c->batch_size))
				return -1;
			break;
		case TK_EPOCHS:
			if (get_size(y, v, "epochs", 1, 1000000000, &c->epochs))
				return -1;
			break;
		case TK_SEED:
			if (get_u64(y, v, "seed", &c->seed))
				return -1;
			break;
		case TK_VALIDATION:
			if (get_double(y, v, "validation", 0, 1, 1, &c->validation))
				return -1;
			break;
		case TK_EARLY_STOPPING:
			if (parse_early_stopping(y, v, c))
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (!input)
		return yerr(y, root, "missing 'input' (with features: and, for "
		            "sequences, steps:)");
	if (parse_input(y, input, c))
		return -1;
	if (!layers)
		return yerr(y, root, "missing 'layers' (the list of layers)");
	if (parse_layers(y, layers, c))
		return -1;
	return config_check(y, root, latent, c);
}

/* A model description is a few levels deep and a few kilobytes long, but
 * libyaml's time grows with the square of the nesting of flow collections
 * (50,000 '[' took 4.5 s to refuse, 100,000 took 44 s): the events are
 * scanned first, and a description too deep or too long is refused before
 * libyaml builds anything. */
#define MAX_YAML_DEPTH 16
#define MAX_YAML_BYTES (1 << 20)

static int
check_yaml_shape(const char *text, size_t len, const char *name, char *err,
                 size_t errlen)
{
	if (len > MAX_YAML_BYTES)
		return mlv_errf(err, errlen, "%s: %zu bytes; a model description "
		                "holds at most %d", name, len, MAX_YAML_BYTES);
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return mlv_errf(err, errlen, "%s: cannot start the YAML parser "
		                "(out of memory)", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int depth = 0, rc = 0;
	for (;;) {
		yaml_event_t ev;
		/* Syntax errors are left for the loader to report. */
		if (!yaml_parser_parse(&parser, &ev))
			break;
		yaml_event_type_t t = ev.type;
		unsigned long line = (unsigned long)ev.start_mark.line + 1;
		yaml_event_delete(&ev);
		if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
			depth++;
		else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
			depth--;
		else if (t == YAML_STREAM_END_EVENT)
			break;
		if (depth > MAX_YAML_DEPTH) {
			rc = mlv_errf(err, errlen, "%s:%lu: lists and mappings nested "
			              "more than %d deep", name, line, MAX_YAML_DEPTH);
			break;
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

int
mlv_model_config_parse(mlv_model_config *cfg, const char *text, size_t len,
                       const char *name, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	int rc = -1, have_doc = 0;
	config_defaults(cfg);
	if (check_yaml_shape(text, len, name, err, errlen))
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: cannot start the YAML parser (out of "
		         "memory)", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yctx y = {&doc, name, err, errlen};
	if (!yaml_parser_load(&parser, &doc)) {
		/* libyaml's loader fails some allocations with no error set. */
		if (parser.error == YAML_MEMORY_ERROR || !parser.error)
			snprintf(err, errlen, "%s: cannot parse (out of memory)", name);
		else
			snprintf(err, errlen, "%s:%lu: YAML syntax: %s%s%s", name,
			         (unsigned long)parser.problem_mark.line + 1,
			         parser.problem ? parser.problem : "error",
			         parser.context ? " " : "",
			         parser.context ? parser.context : "");
		goto out;
	}
	have_doc = 1;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		snprintf(err, errlen, "%s: empty model description", name);
		goto out;
	}
	if (parse_root(&y, root, cfg))
		goto out;
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(&parser, &extra)) {
		/* libyaml's loader fails some allocations with no error set. */
		if (parser.error == YAML_MEMORY_ERROR || !parser.error)
			snprintf(err, errlen, "%s: cannot parse (out of memory)", name);
		else
			snprintf(err, errlen, "%s:%lu: YAML syntax: %s", name,
			         (unsigned long)parser.problem_mark.line + 1,
			         parser.problem ? parser.problem : "error");
		goto out;
	}
	if (yaml_document_get_root_node(&extra)) {
		snprintf(err, errlen, "%s:%lu: a second YAML document; a model file "
		         "holds one", name,
		         (unsigned long)yaml_document_get_root_node(&extra)
		             ->start_mark.line + 1);
		yaml_document_delete(&extra);
		goto out;
	}
	yaml_document_delete(&extra);
	rc = 0;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc)
		mlv_model_config_free(cfg);
	return rc;
}

int
mlv_model_config_load(mlv_model_config *cfg, const char *path, char *err,
                      size_t errlen)
{
	config_defaults(cfg);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
		return -1;
	}
	char *text = mlv_malloc(MAX_MODEL_FILE + 1);
	size_t len = fread(text, 1, MAX_MODEL_FILE + 1, f);
	int rc = -1;
	if (ferror(f))
		snprintf(err, errlen, "%s: read error (%s)", path, strerror(errno));
	else if (len > MAX_MODEL_FILE)
		snprintf(err, errlen, "%s: larger than %d bytes; not a model "
		         "description", path, MAX_MODEL_FILE);
	else
		rc = mlv_model_config_parse(cfg, text, len, path, err, errlen);
	fclose(f);
	free(text);
	return rc;
}

void
mlv_model_config_free(mlv_model_config *cfg)
{
	free(cfg->name);
	for (size_t i = 0; i < cfg->nlayers; i++)
		free(cfg->layers[i].name);
	free(cfg->layers);
	cfg->name = NULL;
	cfg->layers = NULL;
	cfg->nlayers = 0;
}

/* ------------------------------------------------------------------------
 * YAML writing */

typedef struct {
	char *s;
	size_t len, cap;
} sbuf;

static void MLV_PRINTF(2, 3)
sb_printf(sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL,
		                  b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = mlv_realloc(b->s, b->cap);
	}
}

/* Shortest %g text that reads back as the same double. */
static const char *
fmt_double(char *buf, size_t len, double x)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return buf;
}

/* Shortest text that reads back (strtod, then float) as the same float. */
static const char *
fmt_float(char *buf, size_t len, float x)
{
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(buf, len, "%.*g", prec, (double)x);
		if ((float)strtod(buf, NULL) == x)
			break;
	}
	return buf;
}

char *
mlv_model_config_format(const mlv_model_config *c)
{
	sbuf b = {0};
	char n1[40], n2[40], n3[40], n4[40];
	sb_printf(&b, "# mlv model description, normalised\n");
	if (c->name) {
		sb_printf(&b, "model: \"");
		for (const unsigned char *p = (const unsigned char *)c->name; *p;
		     p++) {
			if (*p == '"' || *p == '\\')
				sb_printf(&b, "\\%c", *p);
			else if (*p < 0x20 || *p == 0x7F)
				sb_printf(&b, "\\x%02X", *p);
			else
				sb_printf(&b, "%c", *p);
		}
		sb_printf(&b, "\"\n");
	}
	sb_printf(&b, "input: {features: %zu, steps: %zu, normalise: %s, "
	          "axis: %s}\n", c->features, c->steps, mlv_norm_name(c->norm),
	          c->norm_per_column ? "column" : "global");
	sb_printf(&b, "layers:\n");
	for (size_t i = 0; i < c->nlayers; i++) {
		const mlv_model_layer *l = &c->layers[i];
		sb_printf(&b, "  - {kind: %s", mlv_nn_kind_name(l->spec.kind));
		switch (l->spec.kind) {
		case MLV_NN_DENSE:
		case MLV_NN_ACTIVATION:
			if (l->spec.kind == MLV_NN_DENSE)
				sb_printf(&b, ", units: %zu", l->spec.units);
			sb_printf(&b, ", activation: %s", mlv_nn_act_name(l->spec.act));
			if (l->spec.act == MLV_ACT_LEAKY_RELU)
				sb_printf(&b, ", slope: %s",
				          fmt_float(n1, sizeof n1, l->spec.slope));
			break;
		case MLV_NN_LSTM:
			sb_printf(&b, ", units: %zu, return_sequences: %s",
			          l->spec.units,
			          l->spec.return_sequences ? "true" : "false");
			break;
		case MLV_NN_REPEAT:
			sb_printf(&b, ", steps: %zu", l->spec.steps);
			break;
		case MLV_NN_DROPOUT:
			sb_printf(&b, ", rate: %s",
			          fmt_float(n1, sizeof n1, l->spec.rate));
			break;
		default:
			break;
		}
		if (l->spec.kind != MLV_NN_DROPOUT)
			sb_printf(&b, ", dropout: %s",
			          fmt_float(n1, sizeof n1, l->dropout));
		if (l->name)
			sb_printf(&b, ", name: %s", l->name);
		sb_printf(&b, "}\n");
	}
	if (c->layers && c->layers[c->latent].name)
		sb_printf(&b, "latent: %s\n", c->layers[c->latent].name);
	else
		sb_printf(&b, "latent: %zu\n", c->latent);
	sb_printf(&b, "loss: %s\n", mlv_nn_loss_name(c->loss));
	sb_printf(&b, "optimiser: {kind: adam, lr: %s, beta1: %s, beta2: %s, "
	          "eps: %s}\n", fmt_double(n1, sizeof n1, c->adam.lr),
	          fmt_double(n2, sizeof n2, c->adam.beta1),
	          fmt_double(n3, sizeof n3, c->adam.beta2),
	          fmt_double(n4, sizeof n4, c->adam.eps));
	sb_printf(&b, "batch_size: %zu\nepochs: %zu\nseed: %" PRIu64 "\n",
	          c->batch_size, c->epochs, c->seed);
	sb_printf(&b, "validation: %s\n",
	          fmt_double(n1, sizeof n1, c->validation));
	sb_printf(&b, "early_stopping: {patience: %zu, min_delta: %s}\n",
	          c->patience, fmt_double(n1, sizeof n1, c->min_delta));
	return b.s;
}

/* ------------------------------------------------------------------------
 * models */

size_t
mlv_model_in_size(const mlv_model *m)
{
	return mlv_nn_in_size(m->net);
}

size_t
mlv_model_latent_size(const mlv_model *m)
{
	return mlv_nn_latent_size(m->net);
}

mlv_model *
mlv_model_new(mlv_model_config *cfg, char *err, size_t errlen)
{
	mlv_model *m = mlv_calloc(1, sizeof *m);
	m->cfg = *cfg;
	memset(cfg, 0, sizeof *cfg);
	if (!m->cfg.nlayers || m->cfg.latent >= m->cfg.nlayers) {
		snprintf(err, errlen, "model: no layers, or no latent layer");
		goto fail;
	}
	m->net = build_net(&m->cfg, "model", &m->yaml_layer, &m->latent_layer,
	                   err, errlen);
	if (!m->net || mlv_nn_build(m->net, err, errlen) ||
	    mlv_nn_alloc(m->net, m->cfg.batch_size, err, errlen))
		goto fail;
	size_t in;
	if (mlv_checked_mul(m->cfg.batch_size, mlv_model_in_size(m), &in) ||
	    in > SIZE_MAX / sizeof(float)) {
		snprintf(err, errlen, "model: batch of %zu is too large",
		         m->cfg.batch_size);
		goto fail;
	}
	m->batch = mlv_malloc(in * sizeof(float));
	mlv_rng g;
	mlv_rng_stream(&g, m->cfg.seed, STREAM_INIT);
	mlv_nn_init(m->net, &g);
	mlv_rng_stream(&m->net->rng, m->cfg.seed, STREAM_DROPOUT);
	mlv_rng_stream(&m->shuffle, m->cfg.seed, STREAM_SHUFFLE);
	m->best_loss = INFINITY;
	return m;
fail:
	mlv_model_free(m);
	return NULL;
}

void
mlv_model_free(mlv_model *m)
{
	if (!m)
		return;
	mlv_model_config_free(&m->cfg);
	mlv_nn_free(m->net);
	free(m->yaml_layer);
	free(m->latent_layer);
	if (m->has_norm)
		mlv_norm_free(&m->norm);
	free(m->batch);
	free(m->order);
	free(m->split);
	free(m);
}

int
mlv_model_set_norm(mlv_model *m, mlv_norm *s, char *err, size_t errlen)
{
	if (s->cols != mlv_model_in_size(m)) {
		snprintf(err, errlen, "statistics fitted on rows of %zu values, "
		         "the model reads %zu", s->cols, mlv_model_in_size(m));
		return -1;
	}
	if (s->kind != m->cfg.norm || s->per_column != m->cfg.norm_per_column) {
		snprintf(err, errlen, "%s statistics by %s, the model's description "
		         "says normalise: %s, axis: %s", mlv_norm_name(s->kind),
		         s->per_column ? "column" : "global",
		         mlv_norm_name(m->cfg.norm),
		         m->cfg.norm_per_column ? "column" : "global");
		return -1;
	}
	/* Keep the statistics exactly as a saved model holds them (the
	 * record's float values), so that a loaded model, or a run resumed
	 * from a checkpoint, scales its input bit for bit as this one. */
	mlv_record r;
	mlv_record_init(&r);
	mlv_norm_to_record(s, &r);
	if (m->has_norm)
		mlv_norm_free(&m->norm);
	m->has_norm = mlv_norm_from_record(&m->norm, &r, s->cols, err,
	                                   errlen) == 0;
	mlv_record_free(&r);
	mlv_norm_free(s);
	memset(s, 0, sizeof *s);
	return m->has_norm ? 0 : -1;
}

/* Rows idx[0..b) of x (or rows first.. when idx is NULL) into m->batch,
 * scaled by the model's statistics. */
static const float *
gather(mlv_model *m, const float *x, const uint32_t *idx, size_t first,
       size_t b)
{
	size_t d = mlv_model_in_size(m);
	if (!idx && !m->has_norm)
		return x + first * d;
	for (size_t i = 0; i < b; i++) {
		size_t r = idx ? idx[i] : first + i;
		memcpy(m->batch + i * d, x + r * d, d * sizeof(float));
	}
	if (m->has_norm)
		mlv_norm_apply(&m->norm, m->batch, b);
	return m->batch;
}

/* The training/validation split of n rows: a seeded permutation's first
 * validation * n rows are held out; both parts kept in ascending order. */
static void
make_split(mlv_model *m, size_t n)
{
	free(m->split);
	free(m->order);
	m->split = mlv_malloc(mlv_mul_size(n, sizeof *m->split, "split"));
	m->order = mlv_malloc(mlv_mul_size(n, sizeof *m->order, "split"));
	size_t nval = (size_t)floor(m->cfg.validation * (double)n);
	mlv_rng g;
	mlv_rng_stream(&g, m->cfg.seed, STREAM_SPLIT);
	for (size_t i = 0; i < n; i++)
		m->order[i] = (uint32_t)i;
	mlv_rng_shuffle(&g, m->order, n);
	/* Flag held-out rows in split, then list both parts in order. */
	memset(m->split, 0, n * sizeof *m->split);
	for (size_t i = 0; i < nval; i++)
		m->split[m->order[i]] = 1;
	size_t t = 0, v = n - nval;
	for (size_t i = 0; i < n; i++) {
		if (m->split[i])
			m->order[v++] = (uint32_t)i;
		else
			m->order[t++] = (uint32_t)i;
	}
	memcpy(m->split, m->order, n * sizeof *m->split);
	m->split_n = n;
	m->ntrain = n - nval;
}

int
mlv_model_train_epoch(mlv_model *m, const float *x, size_t n,
                      mlv_epoch_report *rep, char *err, size_t errlen)
{
	if (n > UINT32_MAX) {
		snprintf(err, errlen, "%zu rows; at most %u can be trained on",
		         n, UINT32_MAX);
		return -1;
	}
	if (m->split_n != n || !m->split)
		make_split(m, n);
	size_t ntrain = m->ntrain, B = m->cfg.batch_size, d = mlv_model_in_size(m);
	if (!ntrain) {
		snprintf(err, errlen, "no training rows: %zu rows with validation "
		         "fraction %g", n, m->cfg.validation);
		return -1;
	}
	/* Each epoch shuffles the training rows afresh from their sorted
	 * order, so the permutation depends only on m->shuffle's state. */
	memcpy(m->order, m->split, ntrain * sizeof *m->order);
	mlv_rng_shuffle(&m->shuffle, m->order, ntrain);
	double sum = 0;
	size_t nb = 0;
	for (size_t i = 0; i < ntrain; i += B) {
		size_t b = ntrain - i < B ? ntrain - i : B;
		const float *xb = gather(m, x, m->order + i, 0, b);
		sum += mlv_nn_train_step(m->net, xb, xb, b);
		nb++;
	}
	rep->train_loss = sum / (double)nb;
	rep->val_loss = NAN;
	if (ntrain < n) {
		double sq = 0;
		for (size_t i = ntrain; i < n; i += B) {
			size_t b = n - i < B ? n - i : B;
			const float *xb = gather(m, x, m->split + i, 0, b);
			const float *y = mlv_nn_forward(m->net, xb, b, 0);
			sq += mlv_nn_mse_forward(y, xb, b * d) * (double)(b * d);
		}
		rep->val_loss = sq / ((double)(n - ntrain) * (double)d);
	}
	/* Keras's EarlyStopping: an improvement must beat the best by more
	 * than min_delta; patience counts epochs without one. */
	double monitored = ntrain < n ? rep->val_loss : rep->train_loss;
	rep->improved = monitored < m->best_loss - m->cfg.min_delta;
	if (rep->improved) {
		m->best_loss = monitored;
		m->bad_epochs = 0;
	} else {
		m->bad_epochs++;
	}
	rep->stop = m->cfg.patience && m->bad_epochs >= m->cfg.patience;
	m->epoch++;
	return 0;
}

void
mlv_model_encode(mlv_model *m, const float *x, size_t n, float *z)
{
	size_t B = m->cfg.batch_size, L = mlv_model_latent_size(m);
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *out = mlv_nn_encode(m->net, gather(m, x, NULL, i, b), b);
		memcpy(z + i * L, out, b * L * sizeof(float));
	}
}

void
mlv_model_decode(mlv_model *m, const float *z, size_t n, float *y)
{
	size_t B = m->cfg.batch_size, L = mlv_model_latent_size(m);
	size_t d = mlv_nn_out_size(m->net);
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *out = mlv_nn_decode(m->net, z + i * L, b);
		memcpy(y + i * d, out, b * d * sizeof(float));
	}
}

void
mlv_model_recon_error(mlv_model *m, const float *x, size_t n, float *err)
{
	size_t B = m->cfg.batch_size;
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		mlv_nn_recon_error(m->net, gather(m, x, NULL, i, b), b, err + i);
	}
}

double
mlv_model_loss(mlv_model *m, const float *x, size_t n)
{
	size_t B = m->cfg.batch_size, d = mlv_model_in_size(m);
	double sq = 0;
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *xb = gather(m, x, NULL, i, b);
		const float *y = mlv_nn_forward(m->net, xb, b, 0);
		sq += mlv_nn_mse_forward(y, xb, b * d) * (double)(b * d);
	}
	return n ? sq / ((double)n * (double)d) : 0;
}

/* ------------------------------------------------------------------------
 * saving */

static size_t
count_tensors(const mlv_nn *nn)
{
	size_t t = 0;
	for (size_t i = 0; i < nn->nlayers; i++)
		t += nn->layers[i].ntensors;
	return t;
}

static void
tensor_id(char *buf, size_t len, const mlv_model *m, size_t layer,
          size_t k, const char *suffix)
{
	snprintf(buf, len, "layer.%zu.%s%s", m->yaml_layer[layer],
	         m->net->layers[layer].tensor[k].name, suffix);
}

static void
rng_text(char *buf, size_t len, const mlv_rng *g)
{
	snprintf(buf, len, "%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64
	         ":%016" PRIx64, g->s[0], g->s[1], g->s[2], g->s[3]);
}

/* Write the tensors of block (params, m or v) with id suffix. */
static int
write_block(mlv_model *m, mlv_writer *w, mlv_record *r, const float *block,
            const char *suffix)
{
	for (size_t i = 0; i < m->net->nlayers; i++) {
		const mlv_nn_layer *l = &m->net->layers[i];
		for (size_t k = 0; k < l->ntensors; k++) {
			char id[96];
			tensor_id(id, sizeof id, m, i, k, suffix);
			mlv_record_resize(r, l->tensor[k].rows, l->tensor[k].cols);
			memcpy(r->data, block + l->tensor[k].offset,
			       l->tensor[k].rows * l->tensor[k].cols * sizeof(float));
			mlv_meta_clear(r);
			mlv_meta_set(r, "id", id);
			mlv_meta_set(r, "kind", "model");
			if (mlv_write(w, r))
				return -1;
		}
	}
	return 0;
}

int
mlv_model_write(mlv_model *m, mlv_writer *w, int checkpoint, char *err,
                size_t errlen)
{
	if (m->cfg.norm != MLV_NORM_NONE && !m->has_norm) {
		snprintf(err, errlen, "the model expects %s statistics of its input "
		         "and none were set", mlv_norm_name(m->cfg.norm));
		return -1;
	}
	mlv_record r;
	mlv_record_init(&r);
	char *yaml = mlv_model_config_format(&m->cfg);
	int rc = -1;
	mlv_record_resize(&r, 0, 0);
	mlv_meta_set(&r, "id", "model");
	mlv_meta_set(&r, "kind", "model");
	mlv_meta_setf(&r, "mlv-model", "%d", MLV_MODEL_VERSION);
	if (m->cfg.name)
		mlv_meta_set(&r, "name", m->cfg.name);
	mlv_meta_setf(&r, "steps", "%zu", m->cfg.steps);
	mlv_meta_setf(&r, "features", "%zu", m->cfg.features);
	mlv_meta_setf(&r, "latent", "%zu", mlv_model_latent_size(m));
	mlv_meta_setf(&r, "params", "%zu", m->net->nparams);
	mlv_meta_setf(&r, "tensors", "%zu", count_tensors(m->net));
	mlv_meta_set(&r, "norm", mlv_norm_name(m->cfg.norm));
	mlv_meta_setf(&r, "checkpoint", "%d", checkpoint ? 1 : 0);
	mlv_meta_setf(&r, "epoch", "%zu", m->epoch);
	mlv_meta_setf(&r, "step", "%" PRIu64, m->net->step);
	mlv_meta_set(&r, "config", yaml);
	if (mlv_write(w, &r))
		goto werr;
	if (m->has_norm) {
		mlv_norm_to_record(&m->norm, &r);
		mlv_meta_set(&r, "id", "model.norm");
		if (mlv_write(w, &r))
			goto werr;
	}
	if (write_block(m, w, &r, m->net->params, ""))
		goto werr;
	if (checkpoint) {
		char buf[96];
		if (write_block(m, w, &r, m->net->m, ".adam_m") ||
		    write_block(m, w, &r, m->net->v, ".adam_v"))
			goto werr;
		mlv_record_resize(&r, 0, 0);
		mlv_meta_clear(&r);
		mlv_meta_set(&r, "id", "train-state");
		mlv_meta_set(&r, "kind", "model");
		mlv_meta_setf(&r, "epoch", "%zu", m->epoch);
		mlv_meta_setf(&r, "step", "%" PRIu64, m->net->step);
		rng_text(buf, sizeof buf, &m->net->rng);
		mlv_meta_set(&r, "rng.dropout", buf);
		rng_text(buf, sizeof buf, &m->shuffle);
		mlv_meta_set(&r, "rng.shuffle", buf);
		mlv_meta_setf(&r, "best_loss", "%a", m->best_loss);
		mlv_meta_setf(&r, "bad_epochs", "%zu", m->bad_epochs);
		if (mlv_write(w, &r))
			goto werr;
	}
	rc = 0;
	goto out;
werr:
	snprintf(err, errlen, "%s: write error (%s)", mlv_writer_name(w),
	         strerror(errno));
out:
	free(yaml);
	mlv_record_free(&r);
	return rc;
}

int
mlv_model_save(mlv_model *m, const char *path, int checkpoint, char *err,
               size_t errlen)
{
	mlv_writer *w = mlv_writer_open(path);
	if (!w) {
		snprintf(err, errlen, "%s: cannot open for writing (%s)", path,
		         strerror(errno));
		return -1;
	}
	if (mlv_model_write(m, w, checkpoint, err, errlen)) {
		mlv_writer_abort(w);
		return -1;
	}
	if (mlv_writer_close(w)) {
		snprintf(err, errlen, "%s: write error (%s)", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * loading */

/* The next record, or -1 with a message saying what was expected. */
static int
next_record(mlv_reader *rd, mlv_record *r, const char *expected, char *err,
            size_t errlen)
{
	int rc = mlv_read(rd, r);
	if (rc > 0)
		return 0;
	if (rc == 0)
		snprintf(err, errlen, "%s: the stream ends after record %llu, "
		         "expected %s", mlv_reader_name(rd),
		         (unsigned long long)mlv_reader_index(rd), expected);
	else
		snprintf(err, errlen, "%s", mlv_reader_error(rd));
	return -1;
}

/* A header value as a size: -1 with a message if absent or not one. */
static int
meta_size(mlv_reader *rd, const mlv_record *r, const char *key, size_t *out,
          char *err, size_t errlen)
{
	const char *s = mlv_meta_get(r, key);
	char *end;
	errno = 0;
	unsigned long long v = s ? strtoull(s, &end, 10) : 0;
	if (!s || *s < '0' || *s > '9' || *end || errno || v > SIZE_MAX) {
		snprintf(err, errlen, "%s: %s %s", mlv_reader_where(rd, r),
		         s ? "bad value of" : "missing key", key);
		if (s)
			snprintf(err + strlen(err), errlen - strlen(err), " ('%s')", s);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static int
parse_rng(const char *s, mlv_rng *g)
{
	if (!s)
		return -1;
	for (int i = 0; i < 4; i++) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 16);
		if (end == s || errno || (i < 3 ? *end != ':' : *end != '\0'))
			return -1;
		g->s[i] = (uint64_t)v;
		s = end + 1;
	}
	return 0;
}

/* Read the tensors of one block (params, m or v) in order, checking ids,
 * shapes and values. */
static int
read_block(mlv_model *m, mlv_reader *rd, mlv_record *r, float *block,
           const char *suffix, int nonneg, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->net->nlayers; i++) {
		const mlv_nn_layer *l = &m->net->layers[i];
		for (size_t k = 0; k < l->ntensors; k++) {
			char id[96], want[128];
			tensor_id(id, sizeof id, m, i, k, suffix);
			snprintf(want, sizeof want, "id=%s", id);
			if (next_record(rd, r, want, err, errlen))
				return -1;
			const char *got = mlv_meta_get(r, "id");
			const char *where = mlv_reader_where(rd, r);
			if (!got || strcmp(got, id)) {
				snprintf(err, errlen, "%s: expected id=%s, found %s%s", where,
				         id, got ? "id=" : "no id", got ? got : "");
				return -1;
			}
			size_t rows = l->tensor[k].rows, cols = l->tensor[k].cols;
			if (r->rows != rows || r->cols != cols) {
				snprintf(err, errlen, "%s: shape %zu x %zu, the architecture "
				         "(layers[%zu] %s, %zu -> %zu features) expects "
				         "%zu x %zu", where, r->rows, r->cols,
				         m->yaml_layer[i], mlv_nn_kind_name(l->spec.kind),
				         l->in_features, l->out_features, rows, cols);
				return -1;
			}
			size_t bad = mlv_count_nonfinite(r->data, rows * cols);
			if (bad) {
				snprintf(err, errlen, "%s: %zu of %zu values are not "
				         "finite", where, bad, rows * cols);
				return -1;
			}
			for (size_t j = 0; nonneg && j < rows * cols; j++)
				if (r->data[j] < 0) {
					snprintf(err, errlen, "%s: value %zu is negative (%g); "
					         "Adam's second moments are not", where, j,
					         (double)r->data[j]);
					return -1;
				}
			memcpy(block + l->tensor[k].offset, r->data,
			       rows * cols * sizeof(float));
		}
	}
	return 0;
}

/* Compare a header size with the architecture's. */
static int
check_header(mlv_reader *rd, const mlv_record *r, const char *key,
             size_t want, char *err, size_t errlen)
{
	size_t got;
	if (meta_size(rd, r, key, &got, err, errlen))
		return -1;
	if (got != want) {
		snprintf(err, errlen, "%s: %s=%zu, the architecture in its config "
		         "gives %zu", mlv_reader_where(rd, r), key, got, want);
		return -1;
	}
	return 0;
}

/* The parameters of the description's network, counted without allocating
 * them, so that a model file's header can be checked against the
 * architecture and against the bytes that follow before anything of that
 * size is allocated. */
static int
config_params(const mlv_model_config *c, size_t *total, char *err,
              size_t errlen)
{
	size_t *yaml_layer, *latent_layer;
	mlv_nn *nn = build_net(c, "model", &yaml_layer, &latent_layer, err,
	                       errlen);
	if (!nn)
		return -1;
	int rc = 0;
	*total = 0;
	for (size_t i = 0; i < nn->nlayers && !rc; i++)
		for (size_t k = 0; k < nn->layers[i].ntensors && !rc; k++) {
			size_t n;
			if (mlv_checked_mul(nn->layers[i].tensor[k].rows,
			                    nn->layers[i].tensor[k].cols, &n) ||
			    *total > SIZE_MAX / (3 * sizeof(float)) - n)
				rc = mlv_errf(err, errlen, "model: too many parameters");
			else
				*total += n;
		}
	free(yaml_layer);
	free(latent_layer);
	mlv_nn_free(nn);
	return rc;
}

mlv_model *
mlv_model_read(mlv_reader *rd, char *err, size_t errlen)
{
	mlv_record r;
	mlv_record_init(&r);
	mlv_model *m = NULL;
	mlv_model_config cfg;
	memset(&cfg, 0, sizeof cfg);
	if (next_record(rd, &r, "a model (kind=model id=model)", err, errlen))
		goto fail;
	const char *where = mlv_reader_where(rd, &r);
	const char *kind = mlv_meta_get(&r, "kind"), *id = mlv_meta_get(&r, "id");
	if (!kind || strcmp(kind, "model") || !id || strcmp(id, "model")) {
		snprintf(err, errlen, "%s: not an mlv model (expected kind=model "
		         "id=model, found kind=%s id=%s)", where,
		         kind ? kind : "(none)", id ? id : "(none)");
		goto fail;
	}
	const char *ver = mlv_meta_get(&r, "mlv-model");
	if (!ver || strcmp(ver, "1")) {
		snprintf(err, errlen, "%s: model format version %s, this mlv reads "
		         "version %d", where, ver ? ver : "(missing mlv-model key)",
		         MLV_MODEL_VERSION);
		goto fail;
	}
	const char *yaml = mlv_meta_get(&r, "config");
	if (!yaml) {
		snprintf(err, errlen, "%s: missing key config (the model's "
		         "description)", where);
		goto fail;
	}
	char cname[512];
	snprintf(cname, sizeof cname, "%s: config", where);
	if (mlv_model_config_parse(&cfg, yaml, strlen(yaml), cname, err, errlen))
		goto fail;
	size_t checkpoint, epoch, params;
	uint64_t left;
	if (config_params(&cfg, &params, err, errlen) ||
	    check_header(rd, &r, "params", params, err, errlen) ||
	    meta_size(rd, &r, "checkpoint", &checkpoint, err, errlen))
		goto fail;
	if (checkpoint > 1) {
		snprintf(err, errlen, "%s: checkpoint=%zu (0 or 1)", where,
		         checkpoint);
		goto fail;
	}
	/* Parameters, and Adam's two moments in a checkpoint, as float32. */
	uint64_t need = (uint64_t)params * sizeof(float) * (checkpoint ? 3 : 1);
	/* From a pipe, take what arrives (up to what the header promises)
	 * before allocating the network for it. */
	if (mlv_reader_read_ahead(rd, need + 1)) {
		snprintf(err, errlen, "%s", mlv_reader_error(rd));
		goto fail;
	}
	if (mlv_reader_bytes_left(rd, &left) == 0 && need > left) {
		snprintf(err, errlen, "%s: truncated model (params=%zu need %llu "
		         "bytes of values; the file holds %llu more)", where, params,
		         (unsigned long long)need, (unsigned long long)left);
		goto fail;
	}
	m = mlv_model_new(&cfg, err, errlen);
	if (!m)
		goto fail;
	if (check_header(rd, &r, "steps", m->cfg.steps, err, errlen) ||
	    check_header(rd, &r, "features", m->cfg.features, err, errlen) ||
	    check_header(rd, &r, "latent", mlv_model_latent_size(m), err,
	                 errlen) ||
	    check_header(rd, &r, "tensors", count_tensors(m->net), err, errlen) ||
	    meta_size(rd, &r, "epoch", &epoch, err, errlen))
		goto fail;
	const char *norm = mlv_meta_get(&r, "norm");
	if (!norm || strcmp(norm, mlv_norm_name(m->cfg.norm))) {
		snprintf(err, errlen, "%s: norm=%s, its config says normalise: %s",
		         where, norm ? norm : "(missing)",
		         mlv_norm_name(m->cfg.norm));
		goto fail;
	}
	m->epoch = epoch;
	if (m->cfg.norm != MLV_NORM_NONE) {
		if (next_record(rd, &r, "the input statistics (id=model.norm)", err,
		                errlen))
			goto fail;
		char e[256];
		mlv_norm s;
		where = mlv_reader_where(rd, &r);
		if (mlv_norm_from_record(&s, &r, mlv_model_in_size(m), e, sizeof e)) {
			snprintf(err, errlen, "%s: %s", where, e);
			goto fail;
		}
		if (mlv_model_set_norm(m, &s, e, sizeof e)) {
			snprintf(err, errlen, "%s: %s", where, e);
			mlv_norm_free(&s);
			goto fail;
		}
	}
	if (read_block(m, rd, &r, m->net->params, "", 0, err, errlen))
		goto fail;
	if (checkpoint) {
		if (read_block(m, rd, &r, m->net->m, ".adam_m", 0, err, errlen) ||
		    read_block(m, rd, &r, m->net->v, ".adam_v", 1, err, errlen) ||
		    next_record(rd, &r, "id=train-state", err, errlen))
			goto fail;
		where = mlv_reader_where(rd, &r);
		id = mlv_meta_get(&r, "id");
		if (!id || strcmp(id, "train-state")) {
			snprintf(err, errlen, "%s: expected id=train-state, found "
			         "id=%s", where, id ? id : "(none)");
			goto fail;
		}
		size_t step, bad;
		const char *best = mlv_meta_get(&r, "best_loss");
		char *end = NULL;
		double bl = best ? strtod(best, &end) : NAN;
		if (meta_size(rd, &r, "epoch", &m->epoch, err, errlen) ||
		    meta_size(rd, &r, "step", &step, err, errlen) ||
		    meta_size(rd, &r, "bad_epochs", &bad, err, errlen))
			goto fail;
		if (!best || *end || isnan(bl)) {
			snprintf(err, errlen, "%s: bad or missing best_loss", where);
			goto fail;
		}
		if (parse_rng(mlv_meta_get(&r, "rng.dropout"), &m->net->rng) ||
		    parse_rng(mlv_meta_get(&r, "rng.shuffle"), &m->shuffle)) {
			snprintf(err, errlen, "%s: bad or missing rng.dropout or "
			         "rng.shuffle (four 64-bit hexadecimal words)", where);
			goto fail;
		}
		m->net->step = step;
		m->best_loss = bl;
		m->bad_epochs = bad;
	}
	mlv_record_free(&r);
	return m;
fail:
	mlv_model_config_free(&cfg);
	mlv_model_free(m);
	mlv_record_free(&r);
	return NULL;
}

mlv_model *
mlv_model_load(const char *path, char *err, size_t errlen)
{
	mlv_reader *rd = mlv_reader_open(path);
	if (!rd) {
		snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
		return NULL;
	}
	mlv_model *m = mlv_model_read(rd, err, errlen);
	mlv_reader_close(rd);
	return m;
}
