#!/bin/sh
# bench-index.sh - keyed random access (issue 17 part 4): 1,000 random
# records of a 10 GB stream read through its index (goal: under 1 s, with
# the stream out of the page cache), beside reading the stream through
# with mlv-cat --where, as one would without an index.  INDEX_GB sets the
# size; the bench scales it down, saying so, when the disk has not twice
# that free.  The stream is removed at the end (MLV_BENCH_KEEP=1 keeps it).
. "$(dirname "$0")/lib.sh"

gb=${INDEX_GB:-10}
free_gb=$(df -Pk "$WORK" | awk 'NR == 2 { printf "%d", $4 / 1e6 }')
if [ "$free_gb" -lt $((2 * gb)) ]; then
	echo "bench-index: only $free_gb GB free in $WORK: a $((free_gb / 2)) GB stream instead of $gb GB"
	gb=$((free_gb / 2))
fi
# Records of 64 x 128 floats (32 KiB, a few seconds of mel frames).
rec_bytes=32838
records=$((gb * 1000000000 / rec_bytes))
f=$WORK/index-${gb}g.mlv
make_input "$f" "mlv-gen --records $records --rows 64 --cols 128 --seed 1"
bytes=$(wc -c <"$f")
REPEAT=1 t_index=$(best_of "mlv-index -o '$WORK/index.idx' '$f'")

# 1,000 ids drawn at random (seeded), in random order.
awk -v n="$records" 'BEGIN { srand(17); for (i = 0; i < 1000; i++) printf "gen/%d\n", int(rand() * n) }' >"$WORK/index-ids.txt"

# Evict the stream from the page cache, so each record costs a disk read.
evict() {
	py=$(peer_python)
	[ -n "$py" ] && "$py" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"
}

echo "== mlv-index: $(echo "$bytes" | awk '{printf "%.2f", $1 / 1e9}') GB stream, $records records of 64 x 128, 1,000 random ids"
row "mlv-index FILE (once, reads it all)" "$t_index" "$(echo "$bytes $t_index" | awk '{printf "%.2f GB/s", $1 / 1e9 / $2}'); index $(wc -c <"$WORK/index.idx") bytes"
evict "$f"
REPEAT=1 t_cold=$(best_of "mlv-cat --index '$WORK/index.idx' --ids '$WORK/index-ids.txt' >'$WORK/index-out.mlv'")
row "mlv-cat --index, --ids of 1,000 (cold)" "$t_cold" "$(echo "$t_cold" | awk '{printf "%.2f ms a record", $1}')"
t_warm=$(best_of "mlv-cat --index '$WORK/index.idx' --ids '$WORK/index-ids.txt' >/dev/null")
row "mlv-cat --index, --ids of 1,000 (warm)" "$t_warm" "$(echo "$t_warm" | awk '{printf "%.2f ms a record", $1}')"
t_one=$(best_of "mlv-cat --index '$WORK/index.idx' gen/1 >/dev/null")
row "mlv-cat --index, one id (loading the index)" "$t_one" ""
check=$(mlv-cat -H "$WORK/index-out.mlv" | sed 's/.* id=\([^ ]*\) .*/\1/' | cmp -s - "$WORK/index-ids.txt" && echo "in the order asked" || echo "WRONG records")
echo "   the 1,000 records read are $check"
evict "$f"
REPEAT=1 t_scan=$(best_of "mlv-cat -w 'id=gen/*7' '$f' >/dev/null")
row "mlv-cat --where on the id, reading through (peer)" "$t_scan" "$(echo "$bytes $t_scan $t_cold" | awk '{printf "%.2f GB/s; the index is %.0fx faster", $1 / 1e9 / $2, $2 / $3}')"
ok=$(echo "$t_cold" | awk '{print ($1 < 1) ? "met" : "NOT met"}')
echo "goal: 1,000 random records of a $gb GB stream in under 1 s: $ok"
rm -f "$WORK/index-out.mlv" "$WORK/index-ids.txt" "$WORK/index.idx"
[ "${MLV_BENCH_KEEP:-0}" = 1 ] || rm -f "$f"
