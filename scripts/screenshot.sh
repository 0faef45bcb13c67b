#!/bin/sh
# screenshot.sh - `make screenshot`: docs/explore.png, README's picture of
# mlv-explore: the demo's notes page (examples/notes, into DEMO_DIR, default
# out/, made first unless it is there already) in headless chromium, one
# point hovered (scripts/screenshot.mjs).  Needs node, npm and chromium, as
# the browser tests do.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=${DEMO_DIR:-$ROOT/out}
png=$ROOT/docs/explore.png
trap 'rm -f "$png.tmp"' EXIT
die() {
	echo "screenshot: $*" >&2
	exit 1
}
command -v node >/dev/null 2>&1 || die "node is not installed (apt-get install nodejs)"
[ -x "${MLV_CHROMIUM:-/usr/bin/chromium}" ] || die "chromium is not installed (apt-get install chromium)"
if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	(cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund >/dev/null) ||
		die "npm ci in tests/browser failed"
fi
make -s -C "$ROOT/examples/notes" OUT="$out/notes" STAGES=1 "$out/notes/explore.html"
mkdir -p "$ROOT/docs"
node "$ROOT/scripts/screenshot.mjs" "$out/notes/explore.html" "$png.tmp"
mv "$png.tmp" "$png"
echo "$png: $(wc -c <"$png") bytes"
