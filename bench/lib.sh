# lib.sh - timing helpers for the benchmarks, sourced by bench/*.sh.
#
# Benchmarks print one line per measurement: what, seconds (best of
# $REPEAT), a throughput figure, and a ratio against the peer measured in
# the same run, since this machine is shared and noisy and only ratios from
# one run mean anything.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/bin:$ROOT/build/tools:$PATH
export PATH
REPEAT=${REPEAT:-3}
PEERS=${MLV_PEERS:-$ROOT/../shared/bench/peers}
WORK=${MLV_BENCH_DIR:-${TMPDIR:-/tmp}/mlv-bench}
mkdir -p "$WORK"

# best_of CMD...: the fastest wall time in seconds of REPEAT runs of
# `sh -c CMD`, printed with millisecond resolution.
best_of() {
	best=
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		t0=$(date +%s.%N)
		sh -c "$1" || { echo "bench: command failed: $1" >&2; return 1; }
		t1=$(date +%s.%N)
		best=$(echo "$t0 $t1 ${best:-}" | awk '{d = $2 - $1; if ($3 == "" || d < $3) d = d; else d = $3; printf "%.3f", d}')
		i=$((i + 1))
	done
	echo "$best"
}

# python with numpy, for peers; empty when absent.
peer_python() {
	for p in /usr/bin/python3 python3; do
		if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

row() { printf '%-44s %8s s  %s\n' "$1" "$2" "$3"; }
