#!/bin/sh
# bench-spec.sh - mlv-spec against the peers of ../shared/bench/peers on
# the same 600 s, 20 kHz file: the MusicLatentVIS STFT (goal: the whole
# mlv-spec process no slower than scipy's in-process time, and at most
# half of numpy's) and MFCCs (goal: faster than aubiomfcc).
. "$(dirname "$0")/lib.sh"

wav=$PEERS/data/sig_600s_20k.wav
if [ ! -s "$wav" ]; then
	# Same shape of data when the peers' generator has not been run.
	wav=$WORK/sig_600s_20k.wav
	make_input "$wav" "mlv-synth --sr 20000 --seconds 600 --tone 220:0.2 \
		--tone 661:0.1 --tone 1870:0.05 --noise 0.05 --seed 1 -o /dev/stdout"
fi
echo "== mlv-spec: MusicLatentVIS STFT of $(basename "$wav") (600 s at 20 kHz -> 24001 x 501)"
out=$WORK/spec.mlv
t_mlv=$(best_of "mlv-spec --sr 0 --n-fft 1000 --win-length 500 --hop 500 --scale log1p --norm minmax '$wav' -o '$out'")
t_null=$(best_of "mlv-spec --sr 0 --n-fft 1000 --win-length 500 --hop 500 --scale log1p --norm minmax '$wav' >/dev/null")
t_mlv1=$(best_of "mlv-spec -j 1 --sr 0 --n-fft 1000 --win-length 500 --hop 500 --scale log1p --norm minmax '$wav' -o '$out'")
t_scipy=$(peer stft.py --variant scipy --repeat 5 --wav "$wav")
t_numpy=$(peer stft.py --variant numpy --repeat 5 --wav "$wav")
[ -n "$t_scipy" ] || echo "(peers not run: apt-get install python3-numpy python3-scipy python3-soundfile)"
row "scipy rfft, 2 workers, in-process (peer)" "${t_scipy:--}" ""
row "numpy rfft, in-process (peer)" "${t_numpy:--}" ""
row "mlv-spec -o FILE, whole process, 2 threads" "$t_mlv" "$(ratio "$t_mlv" "$t_scipy") (scipy); $(ratio "$t_mlv" "$t_numpy") (numpy)"
row "mlv-spec >/dev/null, whole process" "$t_null" "$(ratio "$t_null" "$t_scipy") (scipy); $(ratio "$t_null" "$t_numpy") (numpy)"
row "mlv-spec, whole process, 1 thread" "$t_mlv1" "$(ratio "$t_mlv1" "$t_scipy") (scipy)"
if [ -n "$t_scipy" ]; then
	echo "$t_mlv $t_null $t_scipy $t_numpy" | awk '{ printf "goal, writing a file: <= scipy: %s; <= numpy/2: %s\ngoal, writing to /dev/null: <= scipy: %s; <= numpy/2: %s\n", ($1 <= $3) ? "met" : "NOT met", ($1 <= $4 / 2) ? "met" : "NOT met", ($2 <= $3) ? "met" : "NOT met", ($2 <= $4 / 2) ? "met" : "NOT met" }'
fi

echo "== mlv-spec --feature mfcc vs aubiomfcc (n_fft 512, hop 256, 40 bands, 13 coefficients)"
t_mfcc=$(best_of "mlv-spec --feature mfcc --sr 0 --n-fft 512 --hop 256 --n-mels 40 --n-mfcc 13 '$wav' -o '$WORK/mfcc.mlv'")
t_tsv=$(best_of "mlv-spec --feature mfcc --sr 0 --n-fft 512 --hop 256 --n-mels 40 --n-mfcc 13 '$wav' | mlv-cat -t tsv >'$WORK/mfcc.tsv'")
if command -v aubiomfcc >/dev/null 2>&1; then
	t_aubio=$(peer mfcc_aubio.py --wav "$wav")
else
	echo "(aubiomfcc not installed: apt-get install aubio-tools)"
fi
row "aubiomfcc, whole process, text out (peer)" "${t_aubio:--}" ""
row "mlv-spec --feature mfcc, whole process" "$t_mfcc" "$(ratio "$t_mfcc" "${t_aubio:-}")"
row "mlv-spec --feature mfcc | mlv-cat -t tsv (text too)" "$t_tsv" "$(ratio "$t_tsv" "${t_aubio:-}")"
[ -n "${t_aubio:-}" ] && echo "$t_mfcc $t_aubio" | awk '{ printf "goal: faster than aubiomfcc: %s\n", ($1 < $2) ? "met" : "NOT met" }'
rm -f "$out" "$WORK/mfcc.mlv" "$WORK/mfcc.tsv"
