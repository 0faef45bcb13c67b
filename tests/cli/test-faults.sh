#!/bin/sh
# test-faults.sh - fault injection (build/tools/libfault.so, LD_PRELOAD).
# A representative run of each tool, and of each of its output options,
# writes over existing files of mode 0600 while
#  - the Nth write(2), fsync(2) or rename(2) fails, for every N up to the
#    calls the run makes;
#  - the Nth allocation (malloc, calloc, realloc, memalign) from the start
#    of main fails: every N up to 15, then a stride to the run's last (about
#    30 runs per case); FAULT_SWEEP=full tries every N.
# Each time the tool either fails with status 1 and one line (after what
# a run without faults prints) naming the error (ENOSPC, EIO; out of
# memory, a library's "malloc failed", or pthread_create's EAGAIN), each
# output being its old bytes or (when an earlier one was committed before
# a later one failed) the whole output of a run without faults, or it
# succeeds with that output; modes stay 0600 and no temporary file is left,
# beside the outputs or in TMPDIR.  Then each run reads its inputs one
# byte per read(2), the main one from a pipe, and writes the same output.
# Last, a worker of mlv-spec dies while another writes a record to a pipe.
# Runs on the plain build only: ASan must come first in the library list
# and refuses a preloaded shim.
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
# Spool files (mlv-plot's) go to TMPDIR: it must be left empty too.
mkdir tmp
TMPDIR=$PWD/tmp
export TMPDIR
mlv-gen --records 8 --rows 300 --cols 16 --seed 1 >in.mlv
mlv-gen --records 2 --rows 50 --cols 16 --seed 1 >small.mlv
mlv-cat --to npz -o in.npz in.mlv
mlv-cat --to tsv -o in.tsv small.mlv
mlv-synth --sr 16000 --seconds 8 --tone 440:0.3 -o in.wav
printf 'input: {features: 16}\nlayers:\n  - {kind: dense, units: 2, name: z}\n  - {kind: dense, units: 16}\nlatent: z\nepochs: 2\n' >m.yaml
mlv-train --model m.yaml -o model.mlv in.mlv 2>/dev/null
mlv-project -m pca --dims 2 -o pts.mlv in.mlv 2>/dev/null
mlv-project -m pca --dims 2 --fit fit.mlv -o /dev/null in.mlv 2>/dev/null
mlv-spec --norm zscore --fit-stats stats.mlv -o /dev/null in.wav 2>/dev/null

# Each run: the tool and its arguments, with IN where its main input goes,
# O1 for the output checked, O2 for a second output it writes.
runs='mlv-cat -o O1 IN
mlv-cat --to npz -o O1 IN
mlv-cat --to tsv -o O1 IN
mlv-cat --to npy --stack -o O1 IN
mlv-cat --from npz -o O1 IN
mlv-cat --from tsv -o O1 IN
mlv-spec -j 2 -o O1 IN
mlv-spec -j 2 -o O1 IN in.wav in.wav in.wav
mlv-spec --norm zscore --fit-stats O1 -o O2 IN
mlv-spec --stats stats.mlv -o O1 IN
mlv-train --model m.yaml -j 1 -o O1 IN
mlv-train --model m.yaml -j 1 --log O1 -o O2 IN
mlv-train --model m.yaml -j 1 --checkpoint O1 --checkpoint-every 2 -o O2 IN
mlv-encode --model model.mlv -o O1 IN
mlv-project -m pca --dims 2 -o O1 IN
mlv-project -m pca --dims 2 --fit O1 -o O2 IN
mlv-project --apply fit.mlv -o O1 IN
mlv-project -m umap --seed 1 -j 1 -o O1 IN
mlv-project -m tsne --seed 1 -j 1 -o O1 IN
mlv-cluster -k 2 -o O1 IN
mlv-cluster -k 2 --tree O1 -o O2 IN
mlv-simmat -o O1 IN
mlv-simmat --query in.mlv --neighbours 3 -o O1 IN
mlv-plot -t svg -o O1 IN
mlv-plot -t png -o O1 IN
mlv-frame -l 2 -o O1 IN
mlv-paste -o O1 IN in.mlv
mlv-stats -o O1 IN
mlv-eval neighbours --label label.part -o O1 IN
mlv-eval classify --train pts.mlv --label label.part --predictions O1 -o O2 IN
mlv-explore -o O1 IN'

# input_of TOOL ARGS...: the run's main input.
input_of() {
	case $* in
	*umap* | *tsne*) echo small.mlv ;;
	*'--from npz'*) echo in.npz ;;
	*'--from tsv'*) echo in.tsv ;;
	mlv-spec*) echo in.wav ;;
	mlv-cluster* | mlv-plot* | mlv-eval* | mlv-explore*) echo pts.mlv ;;
	*) echo in.mlv ;;
	esac
}

# run ARGS...: the run (its outputs in out/, which holds nothing else).
run() {
	LD_PRELOAD=$SHIM "$@" >/dev/null 2>run.err
}

# precious: each output an old file of mode 0600.
precious() {
	rm -f out/* out/.[!.]*
	for o in $outs; do
		printf 'precious\n' >out/$o
		chmod 600 out/$o
	done
}

# judge N KIND PATTERN: why the last run (its status in $status) broke the
# rules, or nothing.
judge() {
	w=
	if [ "$status" -eq 0 ]; then
		for o in $outs; do
			cmp -s out/$o want.$o || w="$w; $2 $1 failed, exit 0, but $o differs"
		done
	elif [ "$status" -ne 1 ] || ! tail -n 1 run.err | grep -Eq "^$tool: .*($3)"; then
		w="$w; $2 $1 failed: exit $status without a message naming the error: $(tail -n 3 run.err)"
	elif [ "$(wc -l <run.err)" -gt $((base + 1)) ]; then
		w="$w; $2 $1 failed: more than one line: $(cat run.err)"
	else
		for o in $outs; do
			[ "$(cat out/$o)" = precious ] || cmp -s out/$o want.$o ||
				w="$w; $2 $1 failed (exit $status) and $o holds neither its old bytes nor the new"
		done
	fi
	for o in $outs; do
		mode=$(stat -c %a out/$o 2>/dev/null)
		[ "$mode" = 600 ] || w="$w; $2 $1: $o has mode $mode, was 600"
	done
	left=$(ls -A out | tr '\n' ' ')
	[ "$left" = "$(echo $outs | tr '\n' ' ')" ] || w="$w; $2 $1 left: $left"
	left=$(ls -A tmp | tr '\n' ' ')
	[ -z "$left" ] || w="$w; $2 $1 left in TMPDIR: $left"
	rm -rf tmp/* tmp/.[!.]*
	echo "${w#; }"
}

# points COUNT: the allocations to fail in turn.
points() {
	if [ "${FAULT_SWEEP:-}" = full ] || [ "$1" -le 30 ]; then
		seq 1 $(($1 + 1))
	else
		seq 1 15
		seq 16 $((($1 - 15) / 15 + 1)) $(($1 + 1))
	fi
}

mkdir out
# FAULT_ONLY=REGEX: only the runs matching it.
echo "$runs" | grep -E -- "${FAULT_ONLY:-.}" | while read -r tool args; do
	in=$(input_of "$tool" "$args")
	case $args in *O2*) outs='o1 o2' ;; *) outs=o1 ;; esac
	set -- $tool $(echo "$args" | sed "s|IN|$in|; s|O1|out/o1|; s|O2|out/o2|")
	name="$tool $args"
	rm -f out/* calls
	if ! MLV_FAULT_COUNT=$PWD/calls run "$@"; then
		not_ok "$name runs without faults" "$(cat run.err)"
		continue
	fi
	for o in $outs; do mv out/$o want.$o; done
	read -r calls allocs <calls
	base=$(wc -l <run.err)

	why=
	n=1
	while [ "$n" -le $((calls + 1)) ] && [ -z "$why" ]; do
		precious
		MLV_FAULT=$n run "$@"
		status=$?
		why=$(judge $n "write/fsync/rename" "No space left on device|Input/output error")
		n=$((n + 1))
	done
	if [ -z "$why" ]; then
		ok "$name: each of its $calls writes, fsyncs and renames failing in turn"
	else
		not_ok "$name under write faults" "$why"
	fi

	why=
	tried=0
	for n in $(points "$allocs"); do
		precious
		MLV_FAULT_ALLOC=$n run "$@"
		status=$?
		why=$(judge $n allocation "out of memory|Cannot allocate memory|malloc.*failed|cannot start thread.*Resource temporarily unavailable")
		tried=$((tried + 1))
		[ -z "$why" ] || break
	done
	if [ -z "$why" ]; then
		ok "$name: $tried runs, each failing one of its $allocs allocations (or none)"
	else
		not_ok "$name under allocation faults" "$why"
	fi

	# One byte per read, the main input from a pipe (named <stdin> in
	# the output, as in the run it is compared with).
	set -- $tool $(echo "$args" | sed "s|IN|-|; s|O1|out/o1|; s|O2|out/o2|")
	rm -f out/*
	run "$@" <"$in" && mv out/o1 want.o1
	rm -f out/*
	MLV_FAULT_SHORT_READS=1 run "$@" <"$in"
	if [ $? -eq 0 ] && cmp -s out/o1 want.o1; then
		ok "$name: reads one byte at a time, same output"
	else
		not_ok "$name: one byte per read" "$(head -n 3 run.err)"
	fi
done

# A thread dying while another writes a record in place: mlv-spec's
# workers decode the next inputs while one writes the last one's records
# to a pipe read late (the writer blocks mid-record), and an allocation
# of a worker fails.  One line, and the pipe gets whole records only.
for i in 1 2 3 4 5 6; do
	mlv-synth --sr 22050 --seconds 6 --tone $((200 * i)):0.3 -o a$i.wav
done
why=
for n in $(seq 40 12 300); do
	LD_PRELOAD=$SHIM MLV_FAULT_ALLOC=$n mlv-spec -j 2 a1.wav a2.wav a3.wav \
		a4.wav a5.wav a6.wav 2>run.err | (sleep 0.1; cat) >piped.mlv
	mlv-cat piped.mlv >/dev/null 2>cat.err ||
		why="$why; allocation $n: half a record: $(cat cat.err)"
	[ "$(wc -l <run.err)" -le 1 ] ||
		why="$why; allocation $n: $(wc -l <run.err) lines: $(cat run.err)"
done
if [ -z "$why" ]; then
	ok "mlv-spec: a worker dying while a record goes to a pipe leaves whole records"
else
	not_ok "mlv-spec: a worker dying while a record goes to a pipe" "${why#; }"
fi

# An address-space limit (ulimit -v, prlimit --as) without room for
# OpenBLAS's work buffers, where OpenBLAS would retry forever: the tools
# that use BLAS refuse it first, in one line; with room they run.
if command -v prlimit >/dev/null 2>&1; then
	limited() { timeout 120 prlimit --as=200000000 "$@"; }
	room="^mlv-[a-z]*: out of memory: the address-space limit .* no room for OpenBLAS's"
	fails "mlv-train under a 200 MB address-space limit" 1 "$room" \
		limited mlv-train --model m.yaml -o as.mlv in.mlv
	fails "mlv-project -m tsne under a 200 MB address-space limit" 1 "$room" \
		limited mlv-project -m tsne --perplexity 5 small.mlv
	fails "mlv-simmat under a 200 MB address-space limit" 1 "$room" \
		limited mlv-simmat small.mlv
	check "mlv-train with room for OpenBLAS's buffers under a limit" \
		env OPENBLAS_NUM_THREADS=2 timeout 120 prlimit --as=2000000000 \
		mlv-train --model m.yaml -o as.mlv in.mlv
	check "OPENBLAS_NUM_THREADS=1 needs room for one buffer only" \
		env OPENBLAS_NUM_THREADS=1 timeout 120 prlimit --as=300000000 \
		mlv-train --model m.yaml -j 1 -o as1.mlv in.mlv
else
	skip "address-space limits" "prlimit is not installed"
fi
