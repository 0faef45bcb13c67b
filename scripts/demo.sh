#!/bin/sh
# demo.sh - `make demo`: mlv's main job on data it makes itself.
# Until mlv-spec and the models land, this shows the stream layer that every
# later stage builds on: a synthetic collection of "tracks", selection by
# label, thinning, a per-record summary, export to TSV and NumPy.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/bin:$ROOT/build/tools:$PATH
out=${DEMO_DIR:-$ROOT/build/demo}
mkdir -p "$out"
cd "$out"

echo "== 6 synthetic records (400 rows x 32 latent dims each), labelled a/b"
mlv-gen --records 6 --rows 400 --cols 32 --seed 7 >collection.mlv
mlv-cat -H collection.mlv

echo "== records labelled b, every 20th row (as the LSTM segments take them)"
mlv-cat --where label.part=b --every 20 collection.mlv >b.mlv
mlv-cat -s b.mlv | column -t

echo "== first rows as TSV with id and time"
mlv-cat -t tsv --names -k id,t b.mlv | head -n 4 | cut -c 1-100

echo "== the same stream as one NumPy array: $out/b.npy"
mlv-cat -t npy --stack b.mlv -o b.npy
mlv-cat -H <b.npy
