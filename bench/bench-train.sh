#!/bin/sh
# bench-train.sh - one epoch of MusicLatentVIS's two autoencoders with
# mlv-train, beside PyTorch on the same data (the peers' fcae and lstm
# sets), when python3-torch is installed.
. "$(dirname "$0")/lib.sh"

field() { echo "$1" | sed -n "s/^$2 //p" | tail -n 1; }
models=$ROOT/examples/models
fc=$(peer_data fcae_n129600_d501)
lstm=$(peer_data lstm_n6480_s4_f160)
if [ -z "$fc" ]; then
	echo "== mlv-train: peer data missing (needs python3-numpy to generate)"
	exit 0
fi
echo "== FC autoencoder 501-256-128-32-128-256-501, 129,600 columns, batch 512: 1 epoch"
t1=$(REPEAT=1 best_of "mlv-train --model '$models/musiclatentvis-fc.yaml' --epochs 1 -j 1 -o '$WORK/fc.mlv' '$fc'")
t2=$(REPEAT=1 best_of "mlv-train --model '$models/musiclatentvis-fc.yaml' --epochs 2 -j 1 -o '$WORK/fc.mlv' '$fc'")
rep=$(peer_report fcae_torch.py --threads 1)
tp=$(field "$rep" SECONDS)
ep=$(echo "$t1 $t2" | awk '{ printf "%.3f", $2 - $1 }')
row "PyTorch, 1 thread (peer)" "${tp:--}" ""
row "mlv-train, 1 BLAS thread, per epoch" "$ep" "$(ratio "$ep" "$tp")"
echo "== LSTM autoencoder 4 x 160 -> 16, 6,480 segments, batch 128: 1 epoch"
t1=$(REPEAT=1 best_of "mlv-train --model '$models/musiclatentvis-lstm.yaml' --epochs 1 -j 1 -o '$WORK/lstm.mlv' '$lstm'")
t2=$(REPEAT=1 best_of "mlv-train --model '$models/musiclatentvis-lstm.yaml' --epochs 21 -j 1 -o '$WORK/lstm.mlv' '$lstm'")
rep=$(peer_report lstmae_torch.py --threads 1 --epochs 20)
tp=$(field "$rep" SECONDS)
ep=$(echo "$t1 $t2" | awk '{ printf "%.4f", ($2 - $1) / 20 }')
row "PyTorch, 1 thread (peer)" "${tp:--}" ""
row "mlv-train, per epoch" "$ep" "$(ratio "$ep" "$tp")"
