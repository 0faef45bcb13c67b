#!/bin/sh
# demo.sh - `make demo`: mlv's main job on audio it makes itself.
#
# Until the plots and the papers' experiments land (see README), the demo
# runs the pipeline on a small labelled collection of synthetic
# "recordings" (sums of tones with noise; two "performers" that differ in
# register and brightness): the spectral features of both papers,
# training statistics applied to held-out tracks, MusicLatentVIS's two
# autoencoders (a few epochs, not the paper's 500), maps, clusters scored
# against the performer labels, and the variance ranking.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/bin:$ROOT/build/tools:$PATH
out=${DEMO_DIR:-$ROOT/build/demo}
mkdir -p "$out"
cd "$out"

echo "== a collection: 4 tracks of 12 s by two performers, with a manifest"
mlv-synth --seconds 12 --tone 294:0.3 --tone 588:0.15 --noise 0.02 --seed 1 --tag title=Morning -o a1.wav
mlv-synth --seconds 12 --tone 330:0.3 --tone 660:0.12 --noise 0.02 --seed 2 --tag title=Evening -o a2.wav
mlv-synth --seconds 12 --tone 147:0.3 --tone 1175:0.2 --tone 2350:0.1 --noise 0.05 --seed 3 --tag title=River -o b1.wav
mlv-synth --seconds 12 --tone 165:0.3 --tone 1319:0.2 --tone 2637:0.1 --noise 0.05 --seed 4 --tag title=Stone -o b2.wav
printf 'path\tperformer\tsplit\na1.wav\tA\ttrain\nb1.wav\tB\ttrain\na2.wav\tA\ttest\nb2.wav\tB\ttest\n' >tracks.tsv
grep -v test tracks.tsv >train.tsv
grep -v train tracks.tsv >test.tsv
cat tracks.tsv

echo
echo "== MusicLatentVIS: 20 kHz, 1000-point FFT of 500-sample Hann windows, hop 0.025 s,"
echo "   log(1+x), min-max: 501 bins per column"
mlv-spec --list tracks.tsv --sr 20000 --n-fft 1000 --win-length 500 --hop 500 \
	--scale log1p --norm minmax -o mlvis.mlv
mlv-cat -s mlvis.mlv | column -t

echo
echo "== Symphony2vec: 4-second clips at 22050 Hz as 64-band log-mel spectra;"
echo "   z-scores fitted on the training tracks, applied unchanged to the test tracks"
mlv-spec --list train.tsv -f mel --n-mels 64 --scale db --clip 4 \
	--norm zscore --norm-axis column --fit-stats mel-stats.mlv -o train.mlv
mlv-spec --list test.tsv -f mel --n-mels 64 --scale db --clip 4 \
	--stats mel-stats.mlv -o test.mlv
mlv-cat -H test.mlv | cut -c 1-120
mlv-cat -s train.mlv test.mlv | cut -f 1,3- | column -t

echo
echo "== 13 MFCCs and 12-bin chroma of one track, first frames as TSV"
mlv-spec -f mfcc --n-mfcc 13 b1.wav | mlv-cat -t tsv --names -k t | head -n 3 | cut -c 1-110
mlv-spec -f chroma a1.wav | mlv-cat -t tsv --names -k t | sed -n '1p;40p'

echo
echo "== performer B's training clips as one NumPy array: $out/b-train.npy"
mlv-cat --where label.performer=B train.mlv | mlv-cat -t npy --stack -o b-train.npy
mlv-cat -H <b-train.npy

echo
echo "== note autoencoder (501 -> 32 -> 501), 10 epochs; its loss per epoch"
mlv-train -m "$ROOT/examples/models/musiclatentvis-fc.yaml" --epochs 10 \
	--log fc-loss.mlv -o fc.mlv mlvis.mlv
mlv-cat -t tsv --names fc-loss.mlv | sed -n '1p;2p;$p'
mlv-encode -m fc.mlv mlvis.mlv -o notes.mlv
mlv-encode -m fc.mlv --error mlvis.mlv | mlv-cat -H | sed 's/.* \(id=[^ ]*\) .* \(mse=[^ ]*\) .*/\1 \2/'

echo
echo "== segments: 10 s of note latents every 2 s, every 20th column, 4 steps"
echo "   of 5 x 32, through the LSTM autoencoder to 16-d segment latents"
mlv-frame --seconds 10 --hop-seconds 2 --every 20 --stack --steps 4 notes.mlv -o seq.mlv
mlv-train -m "$ROOT/examples/models/musiclatentvis-lstm.yaml" --epochs 30 -o lstm.mlv seq.mlv
mlv-encode -m lstm.mlv seq.mlv -o segments.mlv
mlv-cat -H segments.mlv | cut -c 1-90

echo
echo "== maps of the 1924 note latents, with their quality"
mlv-project -m pca notes.mlv -o pca.mlv
mlv-project -m tsne --seed 1 --quality notes.mlv -o tsne.mlv
mlv-project -m umap --seed 1 --quality notes.mlv -o umap.mlv
mlv-paste tsne.mlv umap.mlv | mlv-cat -t tsv --names -k id,label.performer,t | sed -n '1p;2p'
mlv-plot -c label.performer --title "t-SNE of note latents" -o tsne.svg tsne.mlv
mlv-plot -k lines -o fc-loss.svg fc-loss.mlv
echo "drawn: $out/tsne.svg (hover a point for its id and time), $out/fc-loss.svg"

echo
echo "== Ward and k-means on the note latents against the performer labels"
mlv-cluster -m ward -k 2 --truth label.performer notes.mlv -o ward.mlv
mlv-cluster -m kmeans -k 2 --seed 1 --truth label.performer notes.mlv -o kmeans.mlv

echo
echo "== the latent dimensions that vary most within performer A's notes"
mlv-cat --where label.performer=A notes.mlv | mlv-stats | mlv-cat -t tsv --names | head -n 4

echo
echo "== notes most like the first column of a1.wav, across the collection"
mlv-cat --id a1.wav notes.mlv | mlv-cat --every 1000 -o query.mlv
mlv-simmat --query query.mlv --knn 3 notes.mlv
