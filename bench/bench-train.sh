#!/bin/sh
# bench-train.sh - training epochs of examples/models' autoencoders and CNN
# classifier with mlv-train, beside PyTorch on the same shapes and data.
#
# Like with like: both sides run as whole processes of 1 and of 1+E epochs,
# and an epoch is the difference of the two over E, so start-up, reading
# and writing cancel for both; runs are interleaved (mlv, peer, mlv, peer)
# over $REPEAT rounds and each side's minimum is taken.  Both run on one
# thread: mlv-train -j 1, PyTorch --threads 1 with OpenBLAS (its sgemm) on
# one thread too.  Each row gives wall time and, beside it, CPU time, which
# the machine's other load moves less.  Dense rows also print the share of the machine's
# one-thread sgemm rate, measured in this run, that the epoch reaches.
. "$(dirname "$0")/lib.sh"

models=$ROOT/examples/models
py=$(peer_python)
if [ -z "$py" ] || ! "$py" -c 'import torch' 2>/dev/null; then
	echo "== mlv-train: no peer (needs python3-numpy and python3-torch)"
	exit 0
fi
ONE="env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1"

# run CMD: "WALL CPU" seconds of `sh -c CMD`, CPU being user + system time
# of its processes (GNU time), "-" without /usr/bin/time: on a shared
# machine a process's CPU time moves less with the load than its wall time.
run() {
	t0=$(date +%s.%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$WORK/time" sh -c "$1" >/dev/null
	else
		sh -c "$1" >/dev/null
	fi || { echo "bench: command failed: $1" >&2; exit 1; }
	t1=$(date +%s.%N)
	cpu=-
	[ -x /usr/bin/time ] && cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$WORK/time")
	echo "$t0 $t1 $cpu" | awk '{ printf "%.3f %s", $2 - $1, $3 }'
}
# min2 "WALL CPU" "WALL CPU": each field's minimum
min2() { echo "$1 ${2:-}" | awk '{ if ($3 == "") print $1, $2
	else print ($1 < $3 ? $1 : $3), ($2 == "-" ? "-" : ($2 < $4 ? $2 : $4)) }'; }

# versus LABEL E MLV1 MLVE PEER1 PEERE: sets $mlv and $peer, each side's
# wall seconds per epoch, from interleaved whole-process runs of 1 and 1+E
# epochs, and prints the two rows, the ratio, and the ratio of CPU times.
versus() {
	m1= mE= p1= pE=
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		m1=$(min2 "$(run "$3")" "$m1")
		p1=$(min2 "$(run "$5")" "$p1")
		mE=$(min2 "$(run "$4")" "$mE")
		pE=$(min2 "$(run "$6")" "$pE")
		i=$((i + 1))
	done
	mlv=$(echo "$m1 $mE $2" | awk '{ printf "%.3f", ($3 - $1) / $5 }')
	peer=$(echo "$p1 $pE $2" | awk '{ printf "%.3f", ($3 - $1) / $5 }')
	mcpu=$(echo "$m1 $mE $2" | awk '{ if ($2 == "-") print ""; else printf "%.3f", ($4 - $2) / $5 }')
	pcpu=$(echo "$p1 $pE $2" | awk '{ if ($2 == "-") print ""; else printf "%.3f", ($4 - $2) / $5 }')
	row "PyTorch, 1 thread, per epoch (peer)" "$peer" "CPU ${pcpu:--} s"
	row "mlv-train -j 1, per epoch" "$mlv" "$(ratio "$mlv" "$peer"); CPU ${mcpu:--} s, $(ratio "$mcpu" "$pcpu" | sed 's/ the peer time//')"
}

# sgemm_share SECONDS IN:OUT...: the share of the sgemm rate an epoch over
# $rows rows of dense layers of those shapes reaches: forward, weight and
# input gradients are two flops a weight a row each (the first layer's
# input gradient is not needed).
sgemm_share() {
	s=$1
	shift
	echo "$s $rows $gflops $*" | tr : ' ' | awk '{ p = 0
		for (i = 4; i < NF; i += 2) p += $i * $(i + 1)
		f = 2 * $2 * (3 * p - $4 * $5)
		printf "%.1f GFLOP, %.0f%% of sgemm (%.1f GFLOP/s)", f / 1e9, 100 * f / $1 / 1e9 / $3, f / $1 / 1e9 }'
}

share() { printf '  %-42s %s\n' "$1:" "$2"; }

gflops=$($ONE "$py" "$PEERS/sgemm_numpy.py" --m 2048 --n 2048 --k 2048 --repeat 3 |
	awk '/^RUNS/ { m = $2; for (i = 3; i <= NF; i++) if ($i < m) m = $i
		printf "%.1f", 2 * 2048 ^ 3 / m / 1e9 }')
echo "== sgemm 2048^3 through numpy's OpenBLAS, 1 thread: $gflops GFLOP/s"

fc=$(peer_data fcae_n129600_d501)
lstm=$(peer_data lstm_n6480_s4_f160)
raw() { for d in "$PEERS/data" "$WORK/data"; do [ -s "$d/$1.f32" ] && echo "$d/$1.f32" && return; done; }
if [ -n "$fc" ]; then
	echo "== FC autoencoder 501-256-128-32-128-256-501, 129,600 columns, batch 512"
	train="mlv-train --model '$models/musiclatentvis-fc.yaml' -j 1 -o '$WORK/fc.mlv' '$fc'"
	peercmd="$ONE '$py' '$PEERS/fcae_torch.py' --threads 1 --warmup 0 --data '$(raw fcae_n129600_d501)'"
	versus fc 1 "$train --epochs 1" "$train --epochs 2" "$peercmd --epochs 1" "$peercmd --epochs 2"
	rows=129600
	fcl="501:256 256:128 128:32 32:128 128:256 256:501"
	share mlv-train "$(sgemm_share "$mlv" $fcl)"
	share PyTorch "$(sgemm_share "$peer" $fcl)"
fi
if [ -n "$lstm" ]; then
	echo "== LSTM autoencoder 4 x 160 -> 16, 6,480 segments, batch 128 (20 epochs)"
	# the peer has no dropout and trains on every row: so does mlv here
	sed 's/rate: 0.5/rate: 0/' "$models/musiclatentvis-lstm.yaml" >"$WORK/lstm.yaml"
	train="mlv-train --model '$WORK/lstm.yaml' --validation 0 -j 1 -o '$WORK/lstm.mlv' '$lstm'"
	peercmd="$ONE '$py' '$PEERS/lstmae_torch.py' --threads 1 --warmup 0 --data '$(raw lstm_n6480_s4_f160)'"
	versus lstm 20 "$train --epochs 1" "$train --epochs 21" "$peercmd --epochs 1" "$peercmd --epochs 21"
fi

s2v="$py $ROOT/bench/symphony2vec_torch.py"
rows=640
make_input "$WORK/s2v-dense.mlv" "$s2v vae --rows $rows --write-mlv"
for m in vae cae; do
	echo "== Symphony2vec $m AE 5603-1024-512-256-128-40 and back, $rows rows, batch 32"
	train="mlv-train --model '$models/symphony2vec-$m.yaml' -j 1 -o '$WORK/$m.mlv' '$WORK/s2v-dense.mlv'"
	peercmd="$ONE $s2v $m --rows $rows"
	versus "$m" 2 "$train --epochs 1" "$train --epochs 3" "$peercmd --epochs 1" "$peercmd --epochs 3"
	w=40; [ "$m" = vae ] && w=80
	l="5603:1024 1024:512 512:256 256:128 128:$w 40:128 128:256 256:512 512:1024 1024:5603"
	share mlv-train "$(sgemm_share "$mlv" $l)"
	share PyTorch "$(sgemm_share "$peer" $l)"
done

rows=320
make_input "$WORK/s2v-mel.mlv" "$s2v cnn --rows $rows --write-mlv"
echo "== Symphony2vec CNN classifier on 64 x 431 mel clips, $rows clips, batch 32"
train="mlv-train --model '$models/symphony2vec-cnn.yaml' -j 1 -o '$WORK/cnn.mlv' '$WORK/s2v-mel.mlv'"
peercmd="$ONE $s2v cnn --rows $rows"
versus cnn 2 "$train --epochs 1" "$train --epochs 3" "$peercmd --epochs 1" "$peercmd --epochs 3"
