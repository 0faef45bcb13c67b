#!/bin/sh
# demo.sh - `make demo`: MusicLatentVIS's three tests (examples/notes,
# examples/performers, examples/sections) end to end on corpora the demo
# synthesises, the gallery of every plot kind, and DIR/index.html linking
# every plot and results table and each experiment's explore.html (its
# map as an mlv-explore page that plays the corpus's audio).  DEMO_DIR (default out/) is where it all
# goes; make variables after `--` reach every experiment, e.g.
#   sh scripts/demo.sh -- EPOCHS_FC=20
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=${DEMO_DIR:-$ROOT/out}
[ "${1:-}" = -- ] && shift
mkdir -p "$out"
start=$(date +%s)
for e in notes performers sections gallery; do
	echo "== examples/$e"
	# One training seed (SEEDS=0) keeps the demo short; the experiments
	# alone default to three.  SEEDS="0 1 2" after -- restores them.
	make -s -C "$ROOT/examples/$e" OUT="$out/$e" STAGES=1 SEEDS=0 "$@"
	echo "== examples/$e: done at $(( $(date +%s) - start )) s"
	echo
done
sh "$ROOT/examples/index.sh" "$out" >/dev/null
echo "== done in $(( $(date +%s) - start )) s: open $out/index.html"
