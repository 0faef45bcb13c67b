#!/bin/sh
# bench-project.sh - t-SNE and UMAP of 10,000 x 16 points (gmm16_n10000)
# beside scikit-learn's TSNE, Rtsne (bhtsne) and uwot, with the map quality
# each reaches (trustworthiness and 10-NN preservation, k = 10).
# Goals: t-SNE 5x faster than scikit-learn and 2x faster than Rtsne with
# trustworthiness >= theirs (0.99); UMAP at least as fast as uwot with at
# least its neighbour preservation.
. "$(dirname "$0")/lib.sh"

field() { echo "$1" | sed -n "s/^$2 //p" | tail -n 1; }
x=$(peer_data gmm16_n10000)
if [ -z "$x" ]; then
	echo "== mlv-project: peer data missing (needs python3-numpy to generate)"
	exit 0
fi
quality() { grep -o 'trustworthiness [0-9.]*, 10-NN preservation [0-9.]*' "$1"; }

echo "== t-SNE, 10,000 x 16, perplexity 30, 1000 iterations"
t=$(REPEAT=1 best_of "mlv-project -m tsne --seed 0 '$x' >'$WORK/tsne.mlv' 2>/dev/null")
mlv-project -m tsne --seed 0 --quality "$x" 2>"$WORK/tsne.q" >/dev/null
rep=$(peer_report tsne_sklearn.py --n 10000)
row "scikit-learn TSNE, Barnes-Hut (peer)" "$(field "$rep" SECONDS)" "TRUST10 $(field "$rep" TRUST10), KNN10 $(field "$rep" KNN10)"
ts=$(field "$rep" SECONDS)
rep=$(peer_report tsne_rtsne.R --n 10000)
tr=$(field "$rep" SECONDS)
row "Rtsne (bhtsne) (peer)" "${tr:--}" "TRUST10 $(field "$rep" TRUST10), KNN10 $(field "$rep" KNN10)"
row "mlv-project -m tsne" "$t" "$(quality "$WORK/tsne.q"); $(ratio "$t" "$ts") (sklearn), $(ratio "$t" "$tr") (Rtsne)"

echo "== UMAP, 10,000 x 16, 15 neighbours, min_dist 0.01"
t1=$(REPEAT=1 best_of "mlv-project -m umap -j 1 --seed 0 '$x' >/dev/null 2>&1")
t=$(REPEAT=1 best_of "mlv-project -m umap --seed 0 '$x' >/dev/null 2>&1")
tp2=$(REPEAT=1 best_of "mlv-project -m umap --parallel-sgd --seed 0 '$x' >/dev/null 2>&1")
mlv-project -m umap --seed 0 --quality "$x" 2>"$WORK/umap.q" >/dev/null
rep=$(peer_report umap_uwot.R --n 10000)
tu=$(field "$rep" SECONDS)
row "uwot, single-threaded SGD (peer)" "${tu:--}" "TRUST10 $(field "$rep" TRUST10), KNN10 $(field "$rep" KNN10)"
row "mlv-project -m umap -j 1" "$t1" "the same map"
row "mlv-project -m umap" "$t" "$(quality "$WORK/umap.q"); $(ratio "$t" "$tu"), $(ratio "$t" "$t1") (-j 1)"
row "mlv-project -m umap --parallel-sgd" "$tp2" "$(ratio "$tp2" "$tu")"

# New points onto a finished map (mlv-project --apply) against redrawing
# the map with them: the gmm16 files are prefixes of one sample, so rows
# 10,001-12,000 of the 20,000 one are new points of the same mixture.
big=$(peer_data gmm16_n20000)
if [ -n "$big" ]; then
	new=$WORK/gmm16_new2000.mlv
	mlv-cat -t tsv "$big" | sed -n '10001,12000p' | mlv-cat -f tsv --set id=new -o "$new"
	cat "$x" "$new" >"$WORK/gmm16_joint.mlv"
	for m in tsne umap; do
		echo "== $m: 2,000 new points onto the map of 10,000 x 16, against redrawing 12,000"
		mlv-project -m $m --seed 0 --fit "$WORK/$m-fit.mlv" "$x" >/dev/null 2>&1
		ta=$(REPEAT=1 best_of "mlv-project -m $m --seed 0 --apply '$WORK/$m-fit.mlv' '$new' >/dev/null 2>&1")
		tj=$(REPEAT=1 best_of "mlv-project -m $m --seed 0 '$WORK/gmm16_joint.mlv' >/dev/null 2>&1")
		mlv-project -m $m --seed 0 --apply "$WORK/$m-fit.mlv" --quality "$new" 2>"$WORK/$m-new.q" >/dev/null
		row "mlv-project -m $m (redraw, 12,000 points)" "$tj" ""
		row "mlv-project -m $m --apply (2,000 points)" "$ta" "$(quality "$WORK/$m-new.q") among the placed; $(ratio "$ta" "$tj") (redraw)"
	done
fi
