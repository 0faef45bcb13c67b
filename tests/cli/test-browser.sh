#!/bin/sh
# test-browser.sh - pages in a real browser: Debian's chromium driven by
# playwright-core (tests/browser/package-lock.json) through the runners
# tests/browser/test-*.mjs (test-explore.mjs: pages the real mlv-explore
# makes here). Without node, npm or chromium, or when the pinned
# playwright-core cannot be installed, says so with a skip line.
. "$(dirname "$0")/lib.sh"

BROWSER_DIR=$TESTS_DIR/browser
CHROMIUM=${MLV_CHROMIUM:-/usr/bin/chromium}
skip_all() {
	skip "browser tests" "$1"
	exit 0
}
command -v node >/dev/null 2>&1 || skip_all "node is not installed: apt-get install nodejs"
command -v npm >/dev/null 2>&1 || skip_all "npm is not installed: apt-get install npm"
[ -x "$CHROMIUM" ] || skip_all "$CHROMIUM is not installed: apt-get install chromium"
if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
	(cd "$BROWSER_DIR" && timeout 600 npm ci --no-audit --no-fund >"$SCRATCH/npm.log" 2>&1) ||
		skip_all "npm ci in tests/browser failed: $(sed -n "s/^npm error //p" "$SCRATCH/npm.log" | head -n 1)"
fi
# every runner tests/browser/test-*.mjs, each in a scratch directory of its own
status=0
for t in "$BROWSER_DIR"/test-*.mjs; do
	work=$SCRATCH/$(basename "$t" .mjs)
	mkdir -p "$work"
	MLV_CHROMIUM=$CHROMIUM MLV_BIN=$MLV_BIN node "$t" "$work" || status=1
done
exit $status
