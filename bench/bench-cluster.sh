#!/bin/sh
# bench-cluster.sh - mlv-cluster beside fastcluster/scipy (Ward) and
# scikit-learn (k-means, DBSCAN) on the peers' Gaussian mixtures.
# Goals: Ward at or below fastcluster's time; k-means at or below
# scikit-learn's; DBSCAN at most half of scikit-learn's.
. "$(dirname "$0")/lib.sh"

field() { echo "$1" | sed -n "s/^$2 //p" | tail -n 1; }

d20k=$(peer_data gmm16_n20000)
d50k=$(peer_data gmm16_n50000)
d200k=$(peer_data gmm16_n200000)
if [ -z "$d20k" ]; then
	echo "== mlv-cluster: peer data missing (needs python3-numpy to generate)"
	exit 0
fi

echo "== Ward, 20,000 x 16 (gmm16_n20000), cut at 20 clusters"
t=$(best_of "mlv-cluster -m ward -k 20 '$d20k' >/dev/null 2>&1")
rep=$(peer_report ward_scipy.py --impl fastcluster)
tp=$(field "$rep" SECONDS)
row "fastcluster linkage_vector ward (peer)" "${tp:--}" ""
row "mlv-cluster -m ward -k 20" "$t" "$(ratio "$t" "$tp")"

echo "== k-means k=20, 200,000 x 16 (gmm16_n200000), k-means++, 1 init"
out=$(mlv-cluster -m kmeans -k 20 --seed 0 "$d200k" 2>/dev/null | mlv-cat -H | head -n 1 | tr ' ' '\n' | sed -n 's/^inertia=//p')
t=$(best_of "mlv-cluster -m kmeans -k 20 --seed 0 '$d200k' >/dev/null 2>&1")
rep=$(peer_report kmeans_sklearn.py)
tp=$(field "$rep" SECONDS)
row "scikit-learn KMeans (peer)" "${tp:--}" "inertia $(field "$rep" INERTIA)"
row "mlv-cluster -m kmeans -k 20" "$t" "$(ratio "$t" "$tp"); inertia $out"

echo "== DBSCAN eps 4, min_samples 10, 50,000 x 16 (gmm16_n50000)"
t=$(best_of "mlv-cluster -m dbscan --eps 4 --min-samples 10 '$d50k' >/dev/null 2>&1")
rep=$(peer_report dbscan_sklearn.py)
tp=$(field "$rep" SECONDS)
row "scikit-learn DBSCAN (peer)" "${tp:--}" ""
row "mlv-cluster -m dbscan" "$t" "$(ratio "$t" "$tp")"
