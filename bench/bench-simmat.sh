#!/bin/sh
# bench-simmat.sh - a 20,000 x 20,000 cosine matrix (1.6 GB of output)
# written by mlv-simmat, beside numpy computing it in memory; goal: at most
# half of numpy's time.  Also GB/s written and effective GFLOP/s (2 N^2 d),
# beside OpenBLAS's own sgemm rate measured by numpy in the same run.
. "$(dirname "$0")/lib.sh"

field() { echo "$1" | sed -n "s/^$2 //p" | tail -n 1; }
n=20000
for dim in 16 256; do
	x=$WORK/cos_${dim}.mlv
	make_input "$x" "mlv-gen --rows $n --cols $dim --seed 1"
	echo "== cosine self-similarity, $n x $dim -> $n x $n float32"
	t=$(best_of "mlv-simmat --all '$x' >/dev/null")
	rep=$(peer_report cosine_numpy.py --dim $dim)
	tp=$(field "$rep" SECONDS)
	row "numpy Xn @ Xn.T, in memory (peer)" "${tp:--}" ""
	row "mlv-simmat --all, written to /dev/null" "$t" "$(echo "$n $dim $t" | awk '{ printf "%.2f GB/s, %.1f GFLOP/s", $1 * $1 * 4 / $3 / 1e9, 2 * $1 * $1 * $2 / $3 / 1e9 }'); $(ratio "$t" "$tp")"
done
rep=$(peer_report sgemm_numpy.py)
echo "OpenBLAS sgemm 4096^3 via numpy: $(field "$rep" SECONDS) s, $(echo "$rep" | sed -n 's/^GFLOPS //p') GFLOP/s"
