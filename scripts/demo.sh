#!/bin/sh
# demo.sh - `make demo`: mlv's main job on audio it makes itself.
#
# Until the models, maps and plots land (see README), the demo runs the
# front of the pipeline every experiment starts with: a small labelled
# collection of synthetic "recordings" (sums of tones with noise; two
# "performers" that differ in register and brightness), the spectral
# features of both papers, training statistics applied to held-out tracks,
# and the streams' summaries and NumPy export.
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
