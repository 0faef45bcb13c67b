#!/bin/sh
# bench-explore.sh - mlv-explore writing a page of 100,000 and 1,000,000
# points from streams (a map of records of 1000 rows with a label, and a
# second map of the same rows: the usual t-SNE + UMAP page), and the size
# of the 100,000-point page without audio.
# Goals (issue 13): under 1 s per 100,000 points; at most 4 MB for 100,000.
. "$(dirname "$0")/lib.sh"

for n in 100 1000; do
	f=$WORK/explore-$n.mlv
	[ -s "$f" ] || mlv-gen --records "$n" --rows 1000 --cols 2 --seed 1 >"$f" || exit 1
done
echo "== mlv-explore: pages from streams (no audio)"
status=met
for n in 100 1000; do
	f=$WORK/explore-$n.mlv
	points=$((n * 1000))
	t=$(best_of "mlv-explore -c label.part -o '$WORK/explore-$n.html' '$f'")
	row "mlv-explore, $points points, one map" "$t" \
		"$(echo "$t $points" | awk '{printf "%.3f s per 100,000 points", $1 / $2 * 1e5}')"
	t2=$(best_of "mlv-explore -c label.part -o '$WORK/explore-$n-2.html' '$f' '$f'")
	row "mlv-explore, $points points, two maps" "$t2" \
		"$(echo "$t2 $points" | awk '{printf "%.3f s per 100,000 points", $1 / $2 * 1e5}')"
	met=$(echo "$t2 $points" | awk '{print ($1 / $2 * 1e5 < 1) ? "met" : "NOT met"}')
	[ "$met" = met ] || status="NOT met"
done
size=$(wc -c <"$WORK/explore-100.html")
size2=$(wc -c <"$WORK/explore-100-2.html")
row "page of 100,000 points, one map" "-" "$(echo "$size" | awk '{printf "%.2f MB", $1 / 1e6}')"
row "page of 100,000 points, two maps" "-" "$(echo "$size2" | awk '{printf "%.2f MB", $1 / 1e6}')"
# exact neighbours cost most: once, not best of $REPEAT
lat=$WORK/explore-lat16.mlv
[ -s "$lat" ] || mlv-gen --records 100 --rows 1000 --cols 16 --seed 2 >"$lat" || exit 1
t=$(REPEAT=1 best_of "mlv-explore --latent '$lat' --neighbours 10 -o '$WORK/explore-lat.html' '$WORK/explore-100.mlv'")
row "100,000 points, 16-d latent, 10 exact neighbours" "$t" \
	"$(wc -c <"$WORK/explore-lat.html" | awk '{printf "%.1f MB page", $1 / 1e6}')"
echo "goal: under 1 s per 100,000 points: $status"
echo "goal: 100,000 points in at most 4 MB: one map $(echo "$size" | awk '{print ($1 <= 4e6) ? "met" : "NOT met"}'), two maps $(echo "$size2" | awk '{print ($1 <= 4e6) ? "met" : "NOT met"}')"
