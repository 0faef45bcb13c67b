# common.mk - what every experiment's Makefile shares: where mlv's
# programs are, and the few settings all of them take.
#
# Inside mlv's source tree the programs are built on first use.  To run
# a copied experiment elsewhere, install mlv (make install) and run it
# with MLV_BIN= MLV_TOOLS=DIR (DIR holding mlv-corpus, or AUDIO=dir).

EXAMPLES := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOP := $(abspath $(EXAMPLES)/..)
MLV_BIN ?= $(TOP)/bin
MLV_TOOLS ?= $(TOP)/build/tools
MODELS ?= $(EXAMPLES)/models
export PATH := $(if $(MLV_BIN),$(MLV_BIN):)$(if $(MLV_TOOLS),$(MLV_TOOLS):)$(PATH)

# Where everything goes; the seed of every random step (corpus, training,
# maps, clusters); threads for the tools that take -j (empty: all cores).
OUT ?= out
SEED ?= 0
# The seeds of the learned models: each is trained once per seed, and the
# results give the mean and standard deviation over them (runs.tsv each
# run's); maps and pages show the first seed's.
SEEDS ?= 0 1 2
SEED1 := $(firstword $(SEEDS))
$(if $(SEED1),,$(error SEEDS is empty))
JOBS ?=
J := $(if $(JOBS),-j $(JOBS))

# Your own audio: AUDIO=dir with dir/labels.tsv (a header line, a `file`
# column relative to dir, optional start_s and end_s, and the labels the
# experiment scores against; see each experiment's README).  Empty: the
# experiment makes its own corpus with mlv-corpus.
AUDIO ?=
# make cannot quote paths with spaces: a link without spaces will do.
$(if $(word 2,$(AUDIO)),$(error AUDIO=$(AUDIO): a path with spaces (make cannot quote it; use a link without spaces)))
$(if $(word 2,$(OUT)),$(error OUT=$(OUT): a path with spaces (make cannot quote it)))
AUDIO_DIR := $(if $(AUDIO),$(abspath $(AUDIO)),$(abspath $(OUT))/audio)
LABELS := $(AUDIO_DIR)/labels.tsv

# The settings of this run: the variables given on the command line and
# the Makefile itself.  The first steps depend on this stamp, which is
# rewritten only when they change, so another AUDIO, FEATURE or SEED
# reruns the experiment instead of showing an earlier run's numbers.
CONFIG_STAMP := $(OUT)/.config
$(CONFIG_STAMP): $(firstword $(MAKEFILE_LIST)) FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(sort $(filter-out OUT=%,$(MAKEOVERRIDES))) >$@.new; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
FORCE:
.PHONY: FORCE

# need_columns FILE COLUMN...: fail unless the TSV's header has them.
need_columns = awk -F '\t' -v want='$(2)' -v f='$(1)' 'NR == 1 { \
	n = split(want, w, " "); for (i = 1; i <= NF; i++) have[$$i] = 1; \
	for (i = 1; i <= n; i++) if (!(w[i] in have)) { \
		print f ": no column " w[i] " (the header has: " $$0 ")" >"/dev/stderr"; \
		bad = 1 } exit } END { exit bad }' '$(1)'

# Recipes run in bash with pipefail, so that a tool failing anywhere in a
# pipeline fails the step (and .DELETE_ON_ERROR removes its target).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
# STAGES=1: one line per tool run, with its time (the demo's progress).
ifneq ($(STAGES),)
SHELL := $(EXAMPLES)/stage.sh
endif
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:

# Build mlv in its source tree when the experiment uses that tree's
# programs (a sanitizer build or an installed mlv is used as it is).
ifeq ($(MLV_BIN),$(TOP)/bin)
MLV_READY := $(OUT)/.mlv
$(MLV_READY): FORCE
	@$(MAKE) -s -C $(TOP) all build/tools/mlv-corpus
	@mkdir -p $(@D) && touch $@
endif

# print-results: the table, aligned, on stdout.
define show_results
	@echo "== $(1)"
	@awk -f $(EXAMPLES)/table.awk $(1)
endef
