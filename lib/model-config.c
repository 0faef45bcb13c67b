/* model-config.c - model descriptions: reading and writing their YAML, and
 * the network they describe.  See model.h. */
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

/* A layer's keys: kind, the engine's settings (nn.h's table, which says
 * which a kind takes and requires), and the model's own: size (an alias
 * of units), dropout (on the output; not for the corruption kinds) and
 * name. */
enum {
	LK_KIND, LK_SET, LK_SIZE = LK_SET + MLV_NN_SET_COUNT, LK_DROPOUT,
	LK_NAME, LK_COUNT
};

static const char *
layer_key(int k)
{
	static const char *const own[] = {"size", "dropout", "name"};
	if (k == LK_KIND)
		return "kind";
	if (k < LK_SIZE)
		return mlv_nn_setting_get((mlv_nn_setting)(k - LK_SET))->key;
	return own[k - LK_SIZE];
}

static int
layer_takes(mlv_nn_kind kind, int k)
{
	unsigned set = mlv_nn_kind_settings(kind);
	if (k == LK_SIZE)
		k = LK_SET + MLV_NN_SET_UNITS;
	if (k == LK_DROPOUT)
		return kind != MLV_NN_DROPOUT && kind != MLV_NN_NOISE;
	if (k >= LK_SET && k < LK_SIZE)
		return (set >> (k - LK_SET)) & 1;
	return 1;
}

/* "dense, activation, ..." into buf. */
static const char *
kind_list(char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < MLV_NN_KIND_COUNT; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		         i ? ", " : "", mlv_nn_kind_name((mlv_nn_kind)i));
	return buf;
}

/* One setting's value, by its type in nn.h's table. */
static int
get_setting(yctx *y, const yaml_node_t *v, const char *where,
            const char *what, mlv_nn_setting set, mlv_nn_spec *spec)
{
	const mlv_nn_setting_info *si = mlv_nn_setting_get(set);
	const char *s;
	double d;
	size_t z;
	int b = 0;
	mlv_nn_act act;
	switch (si->type) {
	case MLV_NN_TYPE_SIZE:
		if (get_size(y, v, what, (size_t)si->lo, (size_t)si->hi, &z))
			return -1;
		d = (double)z;
		break;
	case MLV_NN_TYPE_FLOAT:
		if (get_double(y, v, what, si->lo, si->hi, si->hi_open, &d))
			return -1;
		break;
	case MLV_NN_TYPE_BOOL:
		if (get_bool(y, v, what, &b))
			return -1;
		d = b;
		break;
	case MLV_NN_TYPE_ACT:
	default:
		if (!(s = scalar(y, v, what)))
			return -1;
		if (mlv_nn_act_parse(s, &act))
			return yerr(y, v, "%s: unknown activation '%s' (known: "
			            "linear, relu, leaky_relu, tanh, sigmoid)", where, s);
		d = act;
		break;
	}
	mlv_nn_spec_set(spec, set, d);
	return 0;
}

static int
parse_layer(yctx *y, const yaml_node_t *n, size_t index, mlv_model_layer *l)
{
	char where[64], kinds[256];
	snprintf(where, sizeof where, "layers[%zu]", index);
	memset(l, 0, sizeof *l);
	l->line = (int)n->start_mark.line + 1;
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
		return yerr(y, n, "%s: missing 'kind' (%s)", where,
		            kind_list(kinds, sizeof kinds));
	const char *ks = scalar(y, kind_node, where);
	if (!ks)
		return -1;
	mlv_nn_kind kind;
	if (mlv_nn_kind_parse(ks, &kind))
		return yerr(y, kind_node, "%s: unknown kind '%s' (known: %s)", where,
		            ks, kind_list(kinds, sizeof kinds));
	l->spec = mlv_nn_spec_default(kind);
	const char *kname = mlv_nn_kind_name(kind);
	const char *keys[LK_COUNT];
	for (int k = 0; k < LK_COUNT; k++)
		keys[k] = layer_key(k);
	char what[96];
	int seen[LK_COUNT] = {0};
	yaml_node_t *slope_node = NULL;
	PAIRS(n) {
		int k = key_index(y, p, keys, LK_COUNT, seen, where);
		if (k < 0)
			return -1;
		yaml_node_t *v = node_at(y, p->value);
		if (!layer_takes(kind, k))
			return yerr(y, node_at(y, p->key), "%s: '%s' does not apply "
			            "to a %s layer", where, keys[k], kname);
		snprintf(what, sizeof what, "%s.%s", where, keys[k]);
		const char *s;
		double d;
		if (k == LK_SIZE || k == LK_SET + MLV_NN_SET_UNITS) {
			if (seen[LK_SIZE] && seen[LK_SET + MLV_NN_SET_UNITS])
				return yerr(y, v, "%s: both 'units' and 'size' given",
				            where);
			k = LK_SET + MLV_NN_SET_UNITS;
		}
		if (k == LK_SET + MLV_NN_SET_SLOPE)
			slope_node = v;
		if (k >= LK_SET && k < LK_SIZE) {
			if (get_setting(y, v, where, what, (mlv_nn_setting)(k - LK_SET),
			                &l->spec))
				return -1;
		} else if (k == LK_DROPOUT) {
			if (get_double(y, v, what, 0, 1, 1, &d))
				return -1;
			l->dropout = (float)d;
		} else if (k == LK_NAME) {
			if (!(s = scalar(y, v, what)))
				return -1;
			if (!valid_name(s))
				return yerr(y, v, "%s: '%s' is not a name (a letter, "
			            "then letters, digits, '_', '.', '-')", what, s);
			l->name = mlv_strdup(s);
		}
	}
	unsigned req = mlv_nn_kind_required(kind);
	for (int set = 0; set < MLV_NN_SET_COUNT; set++)
		if ((req >> set & 1) && !seen[LK_SET + set] &&
		    !(set == MLV_NN_SET_UNITS && seen[LK_SIZE]))
			return yerr(y, n, "%s (%s): missing '%s' (%s)", where, kname,
			            mlv_nn_setting_get((mlv_nn_setting)set)->key,
			            mlv_nn_setting_get((mlv_nn_setting)set)->help);
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
                                       "eps", "schedule", "step_size",
                                       "gamma", "min_lr", "clip_norm"};

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
		case 5:
			if (!(s = scalar(y, v, "optimiser.schedule")))
				return -1;
			if (mlv_model_schedule_parse(s, &c->schedule))
				return yerr(y, v, "optimiser.schedule: unknown '%s' (known: "
				            "constant, step, cosine)", s);
			break;
		case 6:
			if (get_size(y, v, "optimiser.step_size", 1, 1000000000,
			             &c->step_size))
				return -1;
			break;
		case 7:
			if (get_double(y, v, "optimiser.gamma", 0, 1e6, 0, &c->gamma))
				return -1;
			break;
		case 8:
			if (get_double(y, v, "optimiser.min_lr", 0, 1e3, 0, &c->min_lr))
				return -1;
			break;
		case 9:
			if (get_double(y, v, "optimiser.clip_norm", 0, 1e30, 0,
			               &c->clip_norm))
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
	TK_EARLY_STOPPING, TK_TARGET, TK_CLASS_WEIGHTS, TK_COUNT
};
static const char *const top_keys[TK_COUNT] = {
	"model", "input", "layers", "latent", "loss", "optimiser", "optimizer",
	"batch_size", "epochs", "seed", "validation", "early_stopping",
	"target", "class_weights",
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
	c->schedule = MLV_SCHEDULE_CONSTANT;
	c->step_size = 1;
	c->gamma = 0.1;  /* PyTorch's StepLR */
	c->batch_size = 32;  /* Keras's default */
	c->epochs = 1;
}

mlv_nn *
mlv_model_config_net(const mlv_model_config *c, const char *where,
                     size_t **yaml_layer, size_t **latent_layer, char *err,
                     size_t errlen)
{
	mlv_nn *nn = mlv_nn_new(c->steps, c->features);
	size_t *yl = mlv_calloc(4 * c->nlayers + 1, sizeof *yl);
	size_t *ll = mlv_calloc(c->nlayers + 1, sizeof *ll);
	char e[256];
	for (size_t i = 0; i < c->nlayers; i++) {
		const mlv_model_layer *l = &c->layers[i];
		mlv_nn_spec s[4];
		size_t ns = 0;
		s[ns++] = l->spec;
		int cae = l->spec.kind == MLV_NN_DENSE && l->spec.contractive > 0;
		if (l->spec.kind == MLV_NN_DENSE &&
		    (l->spec.act != MLV_ACT_LINEAR || cae)) {
			mlv_nn_spec a = {.kind = MLV_NN_ACTIVATION, .act = l->spec.act,
			                 .slope = l->spec.slope};
			s[ns++] = a;
		}
		if (cae) {
			mlv_nn_spec p = {.kind = MLV_NN_CONTRACTIVE,
			                 .contractive = l->spec.contractive};
			s[ns++] = p;
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
	nn->clip_norm = c->clip_norm;
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
	int classifier = c->loss == MLV_LOSS_CROSS_ENTROPY;
	if (!classifier && (c->target || c->balanced))
		return yerr(y, root, "target and class_weights go with loss: "
		            "cross_entropy");
	if (c->latent == c->nlayers - 1 && !classifier)
		return yerr(y, latent, "latent: layers[%zu] is the last layer; an "
		            "autoencoder's latent must be decoded by later layers",
		            c->latent);
	size_t *yl, *ll;
	mlv_nn *nn = mlv_model_config_net(c, y->name, &yl, &ll, y->err, y->errlen);
	if (!nn)
		return -1;
	const mlv_nn_layer *last = &nn->layers[nn->nlayers - 1];
	int rc = 0;
	if (classifier && (last->out_steps != 1 || last->out_features < 2)) {
		snprintf(y->err, y->errlen, "%s:%d: layers[%zu]: the last layer's "
		         "output is %zu step(s) x %zu features; a classifier's is "
		         "one step of a logit per class (2 or more)", y->name,
		         c->layers[c->nlayers - 1].line, c->nlayers - 1,
		         last->out_steps, last->out_features);
		rc = -1;
	} else if (!classifier && (last->out_steps != c->steps ||
	                           last->out_features != c->features)) {
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
				return yerr(y, v, "loss: unknown '%s' (known: mse, "
				            "cross_entropy)", s);
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
		case TK_TARGET:
			if (!(s = scalar(y, v, "target")))
				return -1;
			if (!valid_name(s))
				return yerr(y, v, "target: '%s' is not a metadata key (a "
				            "letter, then letters, digits, '_', '.', '-')",
				            s);
			c->target = mlv_strdup(s);
			break;
		case TK_CLASS_WEIGHTS:
			if (!(s = scalar(y, v, "class_weights")))
				return -1;
			if (strcmp(s, "none") && strcmp(s, "balanced"))
				return yerr(y, v, "class_weights: unknown '%s' (known: "
				            "none, balanced)", s);
			c->balanced = !strcmp(s, "balanced");
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
		return mlv_errf(err, errlen, "%s: cannot start the YAML parser",
		                name);
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

static const char *const schedule_names[] = {"constant", "step",
                                             "cosine"};

const char *
mlv_model_schedule_name(mlv_model_schedule s)
{
	return (unsigned)s < NKEYS(schedule_names) ? schedule_names[s] : "?";
}

int
mlv_model_schedule_parse(const char *name, mlv_model_schedule *s)
{
	for (size_t i = 0; i < NKEYS(schedule_names); i++)
		if (!strcmp(name, schedule_names[i])) {
			*s = (mlv_model_schedule)i;
			return 0;
		}
	return -1;
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
		snprintf(err, errlen, "%s: cannot start the YAML parser", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yctx y = {&doc, name, err, errlen};
	if (!yaml_parser_load(&parser, &doc)) {
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
	free(cfg->target);
	cfg->target = NULL;
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
		for (int k = LK_SET; k < LK_COUNT; k++) {
			mlv_nn_setting set = (mlv_nn_setting)(k - LK_SET);
			if (k == LK_SIZE || k == LK_NAME || !layer_takes(l->spec.kind, k))
				continue;
			/* slope means something to leaky_relu only */
			if (set == MLV_NN_SET_SLOPE && l->spec.act != MLV_ACT_LEAKY_RELU)
				continue;
			double v = k == LK_DROPOUT ? l->dropout :
			           mlv_nn_spec_value(&l->spec, set);
			if (k != LK_DROPOUT && mlv_nn_setting_get(set)->quiet &&
			    v == mlv_nn_setting_get(set)->def &&
			    !(mlv_nn_kind_required(l->spec.kind) >> set & 1))
				continue;
			mlv_nn_type t = k == LK_DROPOUT ? MLV_NN_TYPE_FLOAT :
			                mlv_nn_setting_get(set)->type;
			sb_printf(&b, ", %s: ", layer_key(k));
			if (t == MLV_NN_TYPE_SIZE)
				sb_printf(&b, "%zu", (size_t)v);
			else if (t == MLV_NN_TYPE_FLOAT)
				sb_printf(&b, "%s", fmt_float(n1, sizeof n1, (float)v));
			else if (t == MLV_NN_TYPE_BOOL)
				sb_printf(&b, "%s", v ? "true" : "false");
			else
				sb_printf(&b, "%s", mlv_nn_act_name((mlv_nn_act)(int)v));
		}
		if (l->name)
			sb_printf(&b, ", name: %s", l->name);
		sb_printf(&b, "}\n");
	}
	if (c->layers && c->layers[c->latent].name)
		sb_printf(&b, "latent: %s\n", c->layers[c->latent].name);
	else
		sb_printf(&b, "latent: %zu\n", c->latent);
	sb_printf(&b, "loss: %s\n", mlv_nn_loss_name(c->loss));
	/* Only classifiers have these: autoencoders' text stays as it was. */
	if (c->loss == MLV_LOSS_CROSS_ENTROPY) {
		if (c->target)
			sb_printf(&b, "target: %s\n", c->target);
		sb_printf(&b, "class_weights: %s\n",
		          c->balanced ? "balanced" : "none");
	}
	sb_printf(&b, "optimiser: {kind: adam, lr: %s, beta1: %s, beta2: %s, "
	          "eps: %s", fmt_double(n1, sizeof n1, c->adam.lr),
	          fmt_double(n2, sizeof n2, c->adam.beta1),
	          fmt_double(n3, sizeof n3, c->adam.beta2),
	          fmt_double(n4, sizeof n4, c->adam.eps));
	/* The defaults are left out, so older descriptions read back to the
	 * same text. */
	if (c->schedule != MLV_SCHEDULE_CONSTANT)
		sb_printf(&b, ", schedule: %s, step_size: %zu, gamma: %s, "
		          "min_lr: %s", mlv_model_schedule_name(c->schedule),
		          c->step_size, fmt_double(n1, sizeof n1, c->gamma),
		          fmt_double(n2, sizeof n2, c->min_lr));
	if (c->clip_norm > 0)
		sb_printf(&b, ", clip_norm: %s",
		          fmt_double(n1, sizeof n1, c->clip_norm));
	sb_printf(&b, "}\n");
	sb_printf(&b, "batch_size: %zu\nepochs: %zu\nseed: %" PRIu64 "\n",
	          c->batch_size, c->epochs, c->seed);
	sb_printf(&b, "validation: %s\n",
	          fmt_double(n1, sizeof n1, c->validation));
	sb_printf(&b, "early_stopping: {patience: %zu, min_delta: %s}\n",
	          c->patience, fmt_double(n1, sizeof n1, c->min_delta));
	return b.s;
}
