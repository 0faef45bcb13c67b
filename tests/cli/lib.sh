# lib.sh - helpers for the shell tests, sourced by tests/cli/*.sh.
#
# The tests drive the real binaries in $MLV_BIN (bin/, or the sanitizer
# build) on data they generate in a scratch directory, and print one line
# per case, "ok NAME" or "not ok NAME" with indented details, which
# tests/run.sh counts.
set -u
MLV_BIN=${MLV_BIN:-bin}
MLV_TOOLS=${MLV_TOOLS:-build/tools}
case $MLV_BIN in /*) ;; *) MLV_BIN=$PWD/$MLV_BIN ;; esac
case $MLV_TOOLS in /*) ;; *) MLV_TOOLS=$PWD/$MLV_TOOLS ;; esac
PATH=$MLV_BIN:$MLV_TOOLS:$PATH
export PATH
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/mlv-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
cd "$SCRATCH" || exit 1

ok() { echo "ok $1"; }
not_ok() {
	echo "not ok $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# check NAME CMD...: passes when CMD exits 0.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "command: $*" "$out"; fi
}

# same NAME FILE1 FILE2: byte-identical files.
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		not_ok "$1" "$2 and $3 differ" "$(cmp "$2" "$3" 2>&1)"
	fi
}

# fails NAME STATUS PATTERN CMD...: CMD exits with STATUS and prints one
# line on stderr, matching the extended regex PATTERN.
fails() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err"
	status=$?
	lines=$(wc -l <"$SCRATCH/.err")
	if [ "$status" -ne "$want" ]; then
		not_ok "$name" "command: $*" "exit status $status, expected $want" "$(cat "$SCRATCH/.err")"
	elif [ "$lines" -ne 1 ] && [ "$want" -ne 2 ]; then
		not_ok "$name" "command: $*" "expected one line on stderr, got $lines:" "$(cat "$SCRATCH/.err")"
	elif ! grep -Eq -- "$pattern" "$SCRATCH/.err"; then
		not_ok "$name" "command: $*" "stderr does not match /$pattern/:" "$(cat "$SCRATCH/.err")"
	else
		ok "$name"
	fi
}

# numpy: a python3 that has numpy, or nothing.
numpy_python() {
	for p in python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# skip NAME WHY: a case that cannot run here, counted as skipped.
skip() { echo "skip $1 ($2)"; }

# on_terminal CMD...: run CMD with a pseudo-terminal as its stdin, stdout
# and stderr; print its exit status, a space, and what it wrote there.
on_terminal() {
	python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write("%d %s" % (os.waitstatus_to_exitcode(status), out.decode("latin-1")))
' "$@"
}
