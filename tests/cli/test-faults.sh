#!/bin/sh
# test-faults.sh - fault injection (build/tools/libfault.so, LD_PRELOAD):
# a representative run of each tool writes -o over an existing file of
# mode 0600 while the Nth write(2) or rename(2) fails, for every N up to
# the calls the run makes.  Each time the tool either fails with a message
# naming the error (ENOSPC, EIO), leaving the old file byte-identical with its mode, or
# succeeds with the output of a run without faults; no temporary file is
# left (the message is the last line: a tool may report progress before).
# Then each tool reads its input one byte per read(2) from a pipe
# and writes the same output.  Runs on the plain build only: ASan must
# come first in the library list and refuses a preloaded shim.
. "$(dirname "$0")/lib.sh"
SHIM=$MLV_TOOLS/libfault.so
case $MLV_BIN in
*/asan/*)
	skip "fault injection" "the shim is preloaded into the plain build only"
	exit 0 ;;
esac
if [ ! -e "$SHIM" ]; then
	not_ok "fault injection" "$SHIM is not built"
	exit 0
fi
mlv-gen --records 8 --rows 300 --cols 16 --seed 1 >in.mlv
mlv-synth --sr 16000 --seconds 8 --tone 440:0.3 -o in.wav
printf 'input: {features: 16}\nlayers:\n  - {kind: dense, units: 2, name: z}\n  - {kind: dense, units: 16}\nlatent: z\nepochs: 2\n' >m.yaml
mlv-train -m m.yaml -o model.mlv in.mlv
mlv-project -m pca --dims 2 -o pts.mlv in.mlv 2>/dev/null

# Each run: the tool, its arguments with IN where its main input goes.
runs='mlv-cat IN
mlv-spec IN
mlv-train -m m.yaml -j 1 IN
mlv-encode -m model.mlv IN
mlv-project -m pca --dims 2 IN
mlv-cluster -k 2 IN
mlv-simmat IN
mlv-plot -t svg IN
mlv-frame -l 2 IN
mlv-paste IN in.mlv
mlv-stats IN
mlv-eval neighbours --label label.part IN
mlv-explore IN'

input_of() {
	case $1 in
	mlv-spec) echo in.wav ;;
	mlv-cluster | mlv-plot | mlv-eval | mlv-explore) echo pts.mlv ;;
	*) echo in.mlv ;;
	esac
}

# run ARGS...: the run, with its -o into out/ (which holds nothing else).
run() {
	LD_PRELOAD=$SHIM "$@" -o out/file >/dev/null 2>run.err
}

mkdir out
echo "$runs" | while read -r tool args; do
	in=$(input_of "$tool")
	set -- $tool $(echo "$args" | sed "s|IN|$in|")
	rm -f out/* calls
	if ! MLV_FAULT_COUNT=$PWD/calls run "$@" 2>/dev/null; then
		not_ok "$tool runs without faults" "$(cat run.err)"
		continue
	fi
	mv out/file want
	calls=$(cat calls)
	why=
	n=1
	while [ "$n" -le $((calls + 1)) ] && [ -z "$why" ]; do
		printf 'precious\n' >out/file
		chmod 600 out/file
		MLV_FAULT=$n run "$@"
		status=$?
		mode=$(stat -c %a out/file)
		if [ "$status" -eq 0 ]; then
			cmp -s out/file want || why="call $n failed, exit 0, but the output differs"
		elif ! tail -n 1 run.err | grep -Eq "^$tool: .*(No space left on device|Input/output error)"; then
			why="call $n failed: exit $status without a message naming the error: $(head -n 3 run.err)"
		elif [ "$(cat out/file)" != precious ]; then
			why="call $n failed (exit $status) and the old output changed"
		fi
		[ "$mode" = 600 ] || why="${why:+$why; }call $n: mode $mode, was 600"
		[ "$(ls -A out)" = file ] || why="${why:+$why; }call $n left: $(ls -A out | tr '\n' ' ')"
		n=$((n + 1))
	done
	if [ -z "$why" ]; then
		ok "$tool: each of its $calls writes and renames failing in turn"
	else
		not_ok "$tool under faults: $*" "$why"
	fi
	# One byte per read, the main input from a pipe (named <stdin> in
	# the output, as in the run it is compared with).
	shift
	set -- $tool $(echo "$args" | sed "s|IN|-|")
	rm -f out/*
	run "$@" <"$in" && mv out/file want
	MLV_FAULT_SHORT_READS=1 run "$@" <"$in"
	if [ $? -eq 0 ] && cmp -s out/file want; then
		ok "$tool: reads one byte at a time from a pipe, same output"
	else
		not_ok "$tool: one byte per read from a pipe" "$(head -n 3 run.err)"
	fi
done
