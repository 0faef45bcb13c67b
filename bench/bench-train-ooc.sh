#!/bin/sh
# bench-train-ooc.sh - mlv-train --buffer-rows on a stream larger than the
# process may map (prlimit --as): the peak RSS (GNU time's %M) against the
# buffer's size, and the loss beside an in-memory run of a subsample.
# One OpenBLAS thread, whose 128 MiB work buffer must fit under the limit
# beside the program (mlv(7), OPENBLAS_NUM_THREADS), hence 300 MB.
. "$(dirname "$0")/lib.sh"

if [ ! -x /usr/bin/time ] || ! command -v prlimit >/dev/null; then
	echo "== mlv-train --buffer-rows: needs /usr/bin/time and prlimit"
	exit 0
fi
RECORDS=${OOC_RECORDS:-2000}   # x 1000 rows x 50 floats: 400 MB
LIMIT=${OOC_LIMIT:-300000000}  # address space, bytes (one OpenBLAS thread: one buffer)
BUF=100000                     # rows: 20 MB
cat >"$WORK/ooc.yaml" <<'YAML'
input: {features: 50, normalise: zscore}
layers:
  - {kind: dense, units: 16, activation: tanh}
  - {kind: dense, units: 4, activation: linear, name: z}
  - {kind: dense, units: 16, activation: tanh}
  - {kind: dense, units: 50}
latent: z
batch_size: 256
validation: 0.1
YAML
mlv-gen --records "$RECORDS" --rows 1000 --cols 50 --seed 3 >"$WORK/ooc.mlv"
mlv-gen --records 100 --rows 1000 --cols 50 --seed 3 >"$WORK/sub.mlv"
size=$(wc -c <"$WORK/ooc.mlv")
export OPENBLAS_NUM_THREADS=1
/usr/bin/time -f %M -o "$WORK/rss" prlimit --as="$LIMIT" mlv-train \
	--model "$WORK/ooc.yaml" --epochs 2 --buffer-rows $BUF -j 1 \
	--log "$WORK/ooc-log.mlv" -o "$WORK/ooc-m.mlv" "$WORK/ooc.mlv" ||
	{ echo "bench: mlv-train --buffer-rows failed" >&2; exit 1; }
mlv-train --model "$WORK/ooc.yaml" --epochs 2 -j 1 --log "$WORK/sub-log.mlv" \
	-o "$WORK/sub-m.mlv" "$WORK/sub.mlv"
echo "== mlv-train --buffer-rows $BUF: a $size-byte stream under prlimit --as=$LIMIT"
echo "peak RSS $(cat "$WORK/rss") KB (buffer $((BUF * 50 * 4 / 1024)) KB)"
echo "epoch, train, validation: streamed, then in memory on 100 records"
mlv-cat -t tsv "$WORK/ooc-log.mlv" "$WORK/sub-log.mlv"
rm -f "$WORK/ooc.mlv" "$WORK/sub.mlv"
