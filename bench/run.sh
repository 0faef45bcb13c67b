#!/bin/sh
# run.sh - every benchmark (bench/bench-*.sh), or those named:
#   sh bench/run.sh [cat ...]
# Never part of `make check`: timings are reported, not asserted.
cd "$(dirname "$0")" || exit 1
status=0
if [ $# -eq 0 ]; then set -- $(ls bench-*.sh | sed 's/^bench-//; s/\.sh$//'); fi
for b in "$@"; do
	sh "bench-$b.sh" || status=1
	echo
done
exit $status
