#!/bin/sh
# bench-explore-page.sh - mlv-explore's page in headless chromium (see
# bench-explore-page.mjs): pages of 100,000 and 1,000,000 points made by
# mlv-explore from mlv-gen's streams, their sizes, and the times to make them.
. "$(dirname "$0")/lib.sh"
EXPLORE=${MLV_EXPLORE_CMD:-$ROOT/bin/mlv-explore}
if ! command -v node >/dev/null 2>&1 || [ ! -x "${MLV_CHROMIUM:-/usr/bin/chromium}" ] ||
	[ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	echo "bench-explore-page: skipped (needs node, chromium and 'npm ci' in tests/browser)"
	exit 0
fi
[ -x "$EXPLORE" ] || { echo "bench-explore-page: skipped ($EXPLORE is not built)"; exit 0; }
echo "== mlv-explore's page in headless chromium"
for n in 100000 1000000; do
	map=$WORK/explore_$n.mlv
	[ -s "$map" ] || mlv-gen --records 100 --rows $((n / 100)) --cols 2 --separation 4 --seed 1 >"$map"
	t=$(best_of "'$EXPLORE' -o '$WORK/explore_$n.html' '$map'")
	row "mlv-explore: a page of $n points" "$t" "$(wc -c <"$WORK/explore_$n.html" | awk '{printf "%.1f MB", $1 / 1e6}')"
done
node "$ROOT/bench/bench-explore-page.mjs" "$WORK/explore_100000.html" "$WORK/explore_1000000.html"
