#!/bin/sh
# test-hostile.sh - every row of tests/hostile/table.tsv: a hostile input or
# a bad option gets its exit status and its one clear line (a usage error
# adds the --help hint), within a time limit; a crash, a sanitizer report
# or a hang fails the row.  (What a failed run wrote to stdout is the whole
# records it read before the failure: tests/cli/test-cat.sh checks them.)
. "$(dirname "$0")/lib.sh"
TAB=$(printf '\t')
if ! out=$(sh "$TESTS_DIR/hostile/inputs.sh" 2>&1); then
	not_ok "the hostile inputs are made" "$out"
	exit 0
fi
grep -v '^#' "$TESTS_DIR/hostile/table.tsv" | while IFS=$TAB read -r want pattern cmd; do
	timeout 60 sh -c "$cmd" >row.out 2>row.err </dev/null
	got=$?
	lines=$(wc -l <row.err)
	why=
	if [ "$got" -eq 124 ]; then
		why="no answer within 60 s"
	elif [ "$got" -ne "$want" ]; then
		why="exit status $got, expected $want"
	elif [ "$want" -eq 0 ]; then
		[ "$lines" -eq 0 ] || why="expected nothing on stderr"
	elif [ "$want" -eq 2 ] && ! { [ "$lines" -eq 2 ] && sed -n 2p row.err | grep -q "^Try '"; }; then
		why="expected the message and the --help hint"
	elif [ "$want" -ne 2 ] && [ "$lines" -ne 1 ]; then
		why="expected one line on stderr, got $lines"
	elif ! head -n 1 row.err | grep -Eq -- "$pattern"; then
		why="the message does not match /$pattern/"
	fi
	if [ -z "$why" ]; then ok "hostile: $cmd"; else
		not_ok "hostile: $cmd" "$why" "$(head -n 5 row.err)"
	fi
done
