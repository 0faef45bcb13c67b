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

# make_input FILE CMD: FILE, written from the stdout of `sh -c CMD` when it
# is missing.  A bench stops with a message when its input cannot be made
# or is empty, so no figure is ever measured on nothing.
make_input() {
	if [ ! -s "$1" ]; then
		if ! sh -c "$2" >"$1.tmp"; then
			rm -f "$1.tmp"
			echo "bench: cannot make $1: $2 failed" >&2
			exit 1
		fi
		mv "$1.tmp" "$1"
	fi
	if [ ! -s "$1" ]; then
		rm -f "$1"
		echo "bench: $1 is empty (made by: $2)" >&2
		exit 1
	fi
}

row() { printf '%-44s %8s s  %s\n' "$1" "$2" "$3"; }

# peer SCRIPT ARGS...: the median seconds a peer script of $PEERS reports
# (its last line, "SECONDS x"), or nothing when it cannot run here.
peer() {
	py=$(peer_python)
	[ -f "$PEERS/$1" ] || return 0
	case $1 in
	*.R) command -v Rscript >/dev/null 2>&1 || return 0; run=Rscript ;;
	*) [ -n "$py" ] || return 0; run=$py ;;
	esac
	script=$1
	shift
	(cd "$PEERS" && $run "$script" "$@" 2>/dev/null) | sed -n 's/^SECONDS //p' | tail -n 1
}

# peer_report SCRIPT ARGS...: the peer's whole report, for its quality
# lines (TRUST10, KNN10, INERTIA, ...) beside SECONDS.
peer_report() {
	py=$(peer_python)
	[ -f "$PEERS/$1" ] || return 0
	case $1 in
	*.R) command -v Rscript >/dev/null 2>&1 || return 0; run=Rscript ;;
	*) [ -n "$py" ] || return 0; run=$py ;;
	esac
	script=$1
	shift
	(cd "$PEERS" && $run "$script" "$@" 2>/dev/null)
}

# ratio MINE PEER: "0.42x the peer's time", or why there is no ratio.
ratio() { echo "$1 $2" | awk '{ if ($2 == "") print "peer not run"; else printf "%.2fx the peer time", $1 / $2 }'; }

# peer_data NAME: an MLV stream of the peers' raw float32 NAME.f32 (with
# its NAME.shape), made once in $WORK; when the peers' data/ lacks it, their
# generator writes it to $WORK/data (the peers' folder may be read-only).
# Prints the path, or nothing.
peer_data() {
	f=$PEERS/data/$1.f32
	if [ ! -s "$f" ]; then
		f=$WORK/data/$1.f32
		py=$(peer_python)
		[ -s "$f" ] || [ -z "$py" ] ||
			(cd "$PEERS" && "$py" gen_data.py --out "$WORK/data" >/dev/null 2>&1)
	fi
	[ -s "$f" ] || return 0
	out=$WORK/$1.mlv
	if [ ! -s "$out" ]; then
		# raw little-endian float32 in C order is an MLV payload as it
		# is; (N, S, F) becomes N rows of S x F with steps=S
		hdr=$(awk -v id="$1" '{ if (NF == 3) printf "MLV1 %d %d id=%s steps=%d", $1, $2 * $3, id, $2;
			else printf "MLV1 %d %d id=%s", $1, $2, id }' "$f.shape")
		{ printf '%s\n' "$hdr"; cat "$f"; } >"$out"
	fi
	echo "$out"
}
