#!/bin/sh
# bench-ann.sh - approximate nearest neighbours (lib/ann.c, NN-descent)
# beside pynndescent, hnswlib and faiss (HNSW), and the t-SNE and UMAP maps
# of a million points they make possible.
# Goals (issue 17): k = 90 of 1,000,000 x 16 and of 200,000 x 128 with
# recall@k >= 0.95, at least 10x faster than the exact search and no
# slower than the fastest peer on 2 threads; t-SNE of 1,000,000 x 16
# within 4 minutes and 3 GiB, its trustworthiness and 10-NN preservation
# at 100,000 points within 0.005 of the exact-neighbour run; UMAP of
# 1,000,000 points within 4 minutes.
# Sizes: ANN_N16, ANN_N128, ANN_MAP_N, ANN_QUALITY_N (the goals' by default;
# 0 skips that part).
REPEAT=${REPEAT:-1} # one run each: the big sizes take minutes
. "$(dirname "$0")/lib.sh"

K=90
T=2
N16=${ANN_N16:-1000000}
N128=${ANN_N128:-200000}
MAPN=${ANN_MAP_N:-1000000}
QN=${ANN_QUALITY_N:-100000}
py=$(peer_python)
if [ -z "$py" ] || [ ! -f "$PEERS/gen_data.py" ]; then
	echo "== ANN: peers or their data generator missing (python3-numpy)"
	exit 0
fi
peers() { MLV_PEERS=$PEERS "$py" "$ROOT/bench/peers-extra/knn_peers.py" "$@"; }
field() { echo "$1" | sed -n "s/^$2 //p" | tail -n 1; }
min() { echo "$1 $2" | awk '{ if ($1 == "" || ($2 != "" && $2 < $1)) print $2; else print $1 }'; }
data() { # data N D: the gmm stream's base name, made once
	b=$WORK/gmm$2_n$1
	[ -s "$b.mlv" ] || peers gen "$1" "$2" "$b" || exit 1
	echo "$b"
}

# knn N D: mlv and the peers interleaved REPEAT times, min against min
knn() {
	b=$(data "$1" "$2")
	echo "== k = $K nearest neighbours of $1 x $2 (gmm$2), $T threads"
	best_m= best_p= best_h= best_f= i=0
	while [ "$i" -lt "$REPEAT" ]; do
		r=$(mlv-knn -k $K --search ann --seed 0 -j $T "$b.mlv")
		best_m=$(min "$best_m" "$(field "$r" SECONDS)")
		rec_m=$(field "$r" RECALL) exact=$(field "$r" EXACT_EST)
		for p in pynndescent hnswlib faiss; do
			r=$(peers run $p "$b.f32" "$1" "$2" $K $T 2>/dev/null)
			s=$(field "$r" SECONDS)
			eval "rec_$p=\$(field \"\$r\" RECALL)"
			case $p in
			pynndescent) best_p=$(min "$best_p" "$s") ;;
			hnswlib) best_h=$(min "$best_h" "$s") ;;
			faiss) best_f=$(min "$best_f" "$s") ;;
			esac
		done
		i=$((i + 1))
	done
	row "exact search (1000 rows, scaled to all)" "$exact" ""
	row "pynndescent (peer)" "${best_p:--}" "recall@$K ${rec_pynndescent:--}"
	row "hnswlib, M 16, ef 200 (peer)" "${best_h:--}" "recall@$K ${rec_hnswlib:--}"
	row "faiss IndexHNSWFlat, M 16 (peer)" "${best_f:--}" "recall@$K ${rec_faiss:--}"
	fastest=$(min "$(min "$best_p" "$best_h")" "$best_f")
	row "mlv NN-descent (--knn-search ann)" "$best_m" "recall@$K $rec_m; $(ratio "$best_m" "$exact") (exact), $(ratio "$best_m" "$fastest") (fastest peer)"
}

# map METHOD N: one run's wall time and peak memory
map() {
	b=$(data "$2" 16)
	/usr/bin/time -f "%e %M" -o "$WORK/map.time" \
		mlv-project -m "$1" --seed 0 -j $T -q "$b.mlv" >/dev/null
	read -r s kb <"$WORK/map.time"
	row "mlv-project -m $1, $2 x 16" "$s" "peak $(echo "$kb" | awk '{ printf "%.2f GiB", $1 / 1048576 }')"
}

quality() { grep -o 'trustworthiness [0-9.]*, 10-NN preservation [0-9.]*' "$1"; }

[ "$N16" -gt 0 ] && knn "$N16" 16
[ "$N128" -gt 0 ] && knn "$N128" 128

if [ "$MAPN" -gt 0 ]; then
	echo "== t-SNE and UMAP with approximate neighbours, $T threads (one run)"
	map tsne "$MAPN"
	map umap "$MAPN"
fi

[ "$QN" -gt 0 ] || exit 0
echo "== t-SNE of $QN x 16: exact against approximate neighbours"
b=$(data "$QN" 16)
for m in exact ann; do
	t0=$(date +%s.%N)
	mlv-project -m tsne --seed 0 -j $T --knn-search $m --quality "$b.mlv" \
		2>"$WORK/q-$m.err" >/dev/null
	t1=$(date +%s.%N)
	row "mlv-project -m tsne --knn-search $m" "$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')" "$(quality "$WORK/q-$m.err")"
done
