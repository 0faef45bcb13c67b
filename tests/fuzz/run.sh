#!/bin/sh
# run.sh - the fuzz targets of tests/fuzz/ (TARGET.c, seeds in TARGET/).
#   sh tests/fuzz/run.sh       each target runs once over its seeds: make
#                              check's regression run (ok / not ok lines)
#   sh tests/fuzz/run.sh N [TARGET...]
#                              each target (or those named) fuzzes for N seconds from its
#                              seeds and what earlier runs kept in
#                              build/fuzz/corpus/TARGET; a finding is saved
#                              as build/fuzz/TARGET-crash-* (add it to the
#                              seeds once fixed)
# Where clang's libFuzzer runtime is missing, says skip.
cd "$(dirname "$0")/../.." || exit 1
seconds=${1:-}
[ $# -gt 0 ] && shift
targets=${*:-$(ls tests/fuzz/*.c | sed 's|.*/||; s|\.c$||')}
probe='int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }'
if ! echo "$probe" | ${FUZZ_CC:-clang} -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null; then
	echo "skip fuzz targets (clang's libFuzzer runtime is not installed)"
	exit 0
fi
if ! out=$(make -s fuzz-targets 2>&1); then
	echo "not ok the fuzz targets build"
	echo "$out" | sed 's/^/#   /'
	exit 1
fi
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failed=0
for t in $targets; do
	if [ -z "$seconds" ]; then
		if out=$(build/fuzz/$t tests/fuzz/$t/* 2>&1); then
			echo "ok fuzz $t: $(ls tests/fuzz/$t | wc -l) seeds"
		else
			echo "not ok fuzz $t"
			failed=1
			echo "$out" | grep -v '^Running: \|^Executed ' | tail -n 30 | sed 's/^/#   /'
		fi
		continue
	fi
	mkdir -p build/fuzz/corpus/$t
	log=build/fuzz/$t.log
	build/fuzz/$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/$t-crash- \
		build/fuzz/corpus/$t tests/fuzz/$t >"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	if [ "$status" -eq 0 ]; then
		echo "ok fuzz $t: $runs executions in ${secs:-$seconds} s"
	else
		echo "not ok fuzz $t: a finding after $runs executions (see $log)"
		failed=1
		grep -m 1 -A 12 'ERROR\|WARNING: \|deadly signal' "$log" | sed 's/^/#   /'
	fi
done
exit $failed
