#!/bin/sh
# test-spec.sh - mlv-spec on audio the test synthesizes.
. "$(dirname "$0")/lib.sh"

# row N (1-based) of a record as TSV
row() { mlv-cat -t tsv "$1" | sed -n "${2}p"; }
# "bin value" of the largest value of a TSV line
peak() { awk '{m = -1e30; for (i = 1; i <= NF; i++) if ($i > m) { m = $i; k = i - 1 }; print k, m}'; }
# key=value of the first record's header
key() { mlv-cat -H "$1" | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

mlv-synth --sr 8000 --seconds 1 --tone 1000:0.5 --subtype float -o tone.wav
mlv-synth --sr 22050 --seconds 3 --tone 440:0.3 --tone 1250:0.2 --noise 0.01 --seed 3 -o a.wav
mlv-synth --sr 22050 --seconds 3 --tone 440:0.3 --tone 1250:0.2 --noise 0.01 --seed 3 -o a.flac
mlv-synth --sr 44100 --seconds 2.5 --channels 2 --tone 330:0.4 --tag 'title=Ode "to" <Joy> & more' --tag artist=Erhu -o b.wav
mlv-synth --sr 16000 --seconds 25 --tone 200:0.3 -o long.wav
mlv-synth --sr 22050 --seconds 2 -o silence.wav
mlv-synth --sr 8000 --seconds 1 --channels 6 --tone 500:0.1 -o six.wav

# ---- correctness ----
mlv-spec --sr 8000 --n-fft 800 tone.wav >tone.mlv
set -- $(row tone.mlv 5 | peak)
# A sine of amplitude A at bin k's frequency: |X_k| = A * sum(hann) / 2
if [ "$1" = 100 ] && awk "BEGIN { exit !($2 > 99.99 && $2 < 100.01) }"; then
	ok "a pure tone lands in its bin with the right magnitude"
else
	not_ok "a pure tone lands in its bin with the right magnitude" "peak bin $1 value $2, expected bin 100 value 100"
fi
mlv-spec --sr 8000 --n-fft 800 --power 2 tone.wav | mlv-cat -t tsv | sed -n 5p | peak >p2
check "power 2 squares the magnitude" sh -c 'awk "{ exit !(\$1 == 100 && \$2 > 9998 && \$2 < 10002) }" p2'
mlv-spec --feature mel a.wav | mlv-cat -t tsv >a.wav.tsv
mlv-spec --feature mel a.flac | mlv-cat -t tsv >a.flac.tsv
same "WAV and FLAC of the same samples give identical features" a.wav.tsv a.flac.tsv
mlv-spec -j 1 --feature mfcc a.wav b.wav tone.wav >j1.mlv
mlv-spec -j 2 --feature mfcc a.wav b.wav tone.wav >j2.mlv
same "output is the same for any thread count, in input order" j1.mlv j2.mlv
mlv-spec -j 1 --sr 8000 tone.wav >t1.mlv
mlv-spec -j 2 --sr 8000 tone.wav >t2.mlv
same "frames of one file in parallel give the same result" t1.mlv t2.mlv
check "records come in input order" sh -c '[ "$(mlv-cat -H j2.mlv | cut -d " " -f 4)" = "id=a.wav
id=b.wav
id=tone.wav" ]'

# ---- shapes and metadata ----
mlv-spec --sr 20000 --n-fft 1000 --win-length 500 --hop 500 --scale log1p --norm minmax a.wav >mlvis.mlv
check "MusicLatentVIS STFT: 501 bins, 0.025 s hop, in [0, 1]" sh -c '
	mlv-cat -H mlvis.mlv | grep -q "^MLV1 121 501 .* dt=0.025 .*n_fft=1000 win_length=500 hop=500 " &&
	mlv-cat -s mlvis.mlv | tail -n 1 | awk -F "\t" "{ exit !(\$6 == 0 && \$7 == 1) }"'
mlv-spec --feature mel --n-mels 64 a.wav >mel.mlv
mlv-spec --feature mfcc --n-mfcc 13 a.wav >mfcc.mlv
mlv-spec --feature chroma a.wav >chroma.mlv
check "Symphony2vec features: 64 mel bands, 13 MFCCs, 12 chroma bins" sh -c '
	[ "$(mlv-cat -H mel.mlv | cut -d " " -f 2,3)" = "130 64" ] &&
	[ "$(mlv-cat -H mfcc.mlv | cut -d " " -f 2,3)" = "130 13" ] &&
	[ "$(mlv-cat -H chroma.mlv | cut -d " " -f 2,3)" = "130 12" ]'
set -- $(row chroma.mlv 60 | peak)
[ "$1" = 9 ] && ok "chroma of A440 peaks at A" || not_ok "chroma of A440 peaks at A" "peak at column $1"
check "metadata: kind, sr, dt, dur, feature parameters" sh -c '
	h=$(mlv-cat -H mel.mlv)
	for kv in id=a.wav src=a.wav t0=0 kind=mel sr=22050 dt=0.02321995465 dur=0.09287981859 n_fft=2048 hop=512 window=hann pad=reflect power=2 n_mels=64 fmin=0 fmax=11025 mel_scale=slaney mel_norm=slaney scale=linear; do
		echo "$h" | tr " " "\n" | grep -qx "$kv" || { echo "missing $kv in $h"; exit 1; }
	done'
check "file tags become label.* metadata, escaped" sh -c '
	mlv-spec b.wav | mlv-cat -H | tr " " "\n" | grep -qx "label.title=Ode%20\"to\"%20<Joy>%20&%20more" &&
	mlv-spec b.wav | mlv-cat -H | tr " " "\n" | grep -qx "label.artist=Erhu"'
check "uncentred frames start at n_fft/2" sh -c '[ "$(mlv-spec --no-center --sr 8000 --n-fft 800 tone.wav | mlv-cat -H | cut -d " " -f 2)" = 37 ] &&
	mlv-spec --no-center --sr 8000 --n-fft 800 tone.wav | mlv-cat -H | tr " " "\n" | grep -qx t0=0.05'
check "stdin audio" sh -c 'mlv-spec --sr 8000 --n-fft 800 - <tone.wav | mlv-cat -t tsv >stdin.tsv && mlv-cat -t tsv tone.mlv | cmp -s - stdin.tsv'
mlv-spec --sr 8000 --channel 6 six.wav | mlv-cat -t tsv | sed -n 3p | peak >ch6
mlv-spec --sr 8000 six.wav | mlv-cat -t tsv | sed -n 3p | peak >mix
set -- $(cat ch6) $(cat mix)
# channel c carries the signal times (c+1)/6: the mixdown is 21/36 of channel 6
if [ "$1" = "$3" ] && awk "BEGIN { exit !($4 / $2 > 0.583 && $4 / $2 < 0.584) }"; then
	ok "--channel picks a channel of a 6-channel file; default mixes down"
else
	not_ok "--channel picks a channel of a 6-channel file; default mixes down" "channel 6: $1 $2, mixdown: $3 $4"
fi

# ---- clips and manifests ----
mlv-spec --sr 16000 --clip 10 long.wav >clips.mlv
check "--clip 10 cuts 25 s into 2 clips, tail dropped" sh -c '[ "$(mlv-cat -H clips.mlv | cut -d " " -f 4,6 | tr "\n" ";")" = "id=long.wav#t=0,10 t0=0;id=long.wav#t=10,20 t0=10;" ]'
check "--tail pad keeps the tail, padded" sh -c '[ "$(mlv-spec --sr 16000 --clip 10 --tail pad long.wav | mlv-cat -H | cut -d " " -f 2,4 | tail -n 1)" = "313 id=long.wav#t=20,30" ]'
check "--clip-hop overlaps clips" sh -c '[ "$(mlv-spec --sr 16000 --clip 10 --clip-hop 5 long.wav | mlv-cat -H | wc -l)" -eq 4 ]'
check "clip records carry clip numbers" sh -c 'mlv-cat -H clips.mlv | tail -n 1 | tr " " "\n" | grep -qx clip=1'
printf 'file\tstart_s\tend_s\tpitch\tperformer\nlong.wav\t2.5\t4\tG3\tChai Shuai\nsub/../a.wav\t0\t0\tA4\tRong\n' >list.tsv
mkdir -p sub
check "manifest: ranges and labels (paths relative to the manifest)" sh -c '
	mlv-spec --list list.tsv --sr 16000 >list.mlv &&
	h=$(mlv-cat -H list.mlv | head -n 1 | tr " " "\n") &&
	echo "$h" | grep -qx "id=long.wav#t=2.5,4" && echo "$h" | grep -qx t0=2.5 &&
	echo "$h" | grep -qx label.pitch=G3 && echo "$h" | grep -qx label.performer=Chai%20Shuai &&
	[ "$(mlv-cat -H list.mlv | head -n 1 | cut -d " " -f 2)" = 47 ] &&
	mlv-cat -H list.mlv | tail -n 1 | tr " " "\n" | grep -qx label.pitch=A4'

# ---- normalisation ----
mlv-spec --feature mel --scale db --norm zscore --norm-axis column --fit-stats stats.mlv a.wav b.wav >train.mlv
check "--fit-stats saves statistics" sh -c '[ "$(mlv-cat -H stats.mlv | cut -d " " -f 1-3)" = "MLV1 2 128" ] && mlv-cat -H stats.mlv | grep -q "kind=stats norm=zscore axis=column"'
mlv-spec --feature mel --scale db --stats stats.mlv a.wav b.wav >again.mlv
same "--stats scales data exactly as --fit-stats scaled the training data" train.mlv again.mlv
# The same statistics fitted on shards: each file's features alone, their
# moments merged, then applied.
for f in a b; do
	mlv-spec --feature mel --scale db $f.wav | mlv-stats --moments >$f.mom
done
cat a.mom b.mom | mlv-stats --merge --norm zscore --norm-axis column >merged-stats.mlv
mlv-spec --feature mel --scale db --stats merged-stats.mlv a.wav b.wav >sharded.mlv
same "statistics merged from shards scale the data as --fit-stats on all of it" train.mlv sharded.mlv
fails "merged statistics remember the feature they were fitted on" 1 "were fitted on scale=db, these features have scale=" \
	mlv-spec --feature mel --scale log1p --stats merged-stats.mlv a.wav
fails "--fit-stats in a missing directory: refused before decoding" 1 "^mlv-spec: nodir/s\\.mlv: cannot create \\(No such file or directory\\)$" \
	sh -c 'sleep 30 | timeout 20 mlv-spec --feature mel --norm zscore --fit-stats nodir/s.mlv >/dev/null'
mlv-spec --feature mel --scale db --stats stats.mlv tone.wav >test.mlv
check "--stats applies training statistics to other data" sh -c 'mlv-cat -H test.mlv | grep -q "norm=zscore"'
mlv-spec --feature mel --scale db --norm minmax a.wav b.wav | mlv-cat -s >per.tsv
check "--norm minmax per record spans [0, 1] in each" sh -c 'awk -F "\t" "NR > 1 && (\$6 != 0 || \$7 != 1) { exit 1 }" per.tsv'
fails "--stats of another width" 1 "stats.mlv: record 1 \\(id=stats\\): statistics fitted on 128 columns, data has 64" mlv-spec --feature mel --n-mels 64 --stats stats.mlv a.wav
check "silence: log of zero stays finite" sh -c 'mlv-spec --feature mel --scale db silence.wav | mlv-cat -s | tail -n 1 | awk -F "\t" "{ exit !(\$10 == 0 && \$6 == -100 && \$7 == -100) }"'
check "silence: log1p and min-max of a constant stay finite" sh -c 'mlv-spec --scale log1p --norm minmax silence.wav | mlv-cat -s | tail -n 1 | awk -F "\t" "{ exit !(\$10 == 0 && \$7 == 0) }"'

# ---- bad input ----
fails "missing file" 1 "^mlv-spec: nope.wav: cannot open" mlv-spec nope.wav
# The wrong kind of file names the tool that reads it.
mlv-spec tone.wav >tone.mlv
fails "an MLV stream given to mlv-spec" 1 "^mlv-spec: tone\\.mlv: cannot decode \\(this is an MLV stream, not audio: give it to the other mlv tools\\)$" \
	mlv-spec tone.mlv
fails "an MLV stream on stdin to mlv-spec" 1 "^mlv-spec: <stdin>: cannot decode \\(this is an MLV stream, not audio" \
	sh -c 'mlv-spec <tone.mlv'
for f in tone.wav a.flac; do
	fails "$f given to a stream tool: names mlv-spec" 1 "^mlv-stats: $f: record 1 at byte 0: this is (WAV|FLAC) audio, not an MLV stream \\(compute features from it with mlv-spec\\)$" \
		mlv-stats $f
done
printf 'not audio at all\n' >text.wav
fails "not an audio file" 1 "^mlv-spec: text.wav: " mlv-spec text.wav
: >empty.wav
fails "zero-length file" 1 "^mlv-spec: empty.wav: " mlv-spec empty.wav
fails "shorter than one clip" 1 "^mlv-spec: a.wav: shorter than one clip \\(3.000 s < 10 s" mlv-spec --clip 10 a.wav
fails "absurd --sr" 2 "^mlv-spec: --sr 1e9: too large" mlv-spec --sr 1e9 a.wav
cp tone.wav fast.wav
printf '\200\215\133\000' | dd of=fast.wav bs=1 seek=24 conv=notrunc 2>/dev/null
fails "absurd sample rate in a file" 1 "^mlv-spec: fast.wav: .*6000000" mlv-spec fast.wav
fails "channel out of range" 1 "^mlv-spec: six.wav: .*6" mlv-spec --channel 7 six.wav
fails "fmax above Nyquist" 2 "^mlv-spec: --fmax 12000: above the Nyquist frequency \\(11025 Hz at 22050 Hz\\)" mlv-spec --feature mel --fmax 12000 a.wav
fails "scale on mfcc" 2 "^mlv-spec: --scale db: only stft and mel" mlv-spec --feature mfcc --scale db a.wav
fails "unknown feature" 2 "^mlv-spec: --feature cqt: unknown" mlv-spec --feature cqt a.wav
fails "--fit-stats without --norm" 2 "needs --norm" mlv-spec --fit-stats s.mlv a.wav
mlv-spec --sr 8000 a.wav text.wav tone.wav >some.mlv 2>some.err
status=$?
check "one bad file among many: the others come out complete, exit 1" sh -c "
	[ $status -eq 1 ] && [ \"\$(mlv-cat -H some.mlv | cut -d ' ' -f 4)\" = 'id=a.wav
id=tone.wav' ] && grep -q '^mlv-spec: text.wav: ' some.err && grep -q '1 of 3 inputs failed' some.err"
mlv-spec --sr 8000 tone.wav >keep.mlv
cp keep.mlv keep.before
mlv-spec --sr 8000 -o keep.mlv text.wav 2>/dev/null
same "a failed run leaves the -o file as it was" keep.mlv keep.before
check "--help and --version" sh -c 'mlv-spec --help | grep -q "^usage: mlv-spec" && mlv-spec --version | grep -q "^mlv-spec (mlv) "'

# options that the chosen feature would ignore are refused
fails "--n-mels with stft" 2 "^mlv-spec: --n-mels applies only with --feature mel or mfcc$" mlv-spec --n-mels 64 a.wav
fails "--n-mfcc with mel" 2 "^mlv-spec: --n-mfcc applies only with --feature mfcc$" mlv-spec --feature mel --n-mfcc 13 a.wav
fails "--top-db without dB" 2 "^mlv-spec: --amin and --top-db apply only" mlv-spec --top-db 60 a.wav
fails "--ref without dB" 2 "^mlv-spec: --ref applies only with --scale db$" mlv-spec --feature mfcc --ref max a.wav
fails "--tail without --clip" 2 "^mlv-spec: --tail goes with --clip$" mlv-spec --tail pad a.wav
fails "--norm-axis without --norm" 2 "^mlv-spec: --norm-axis goes with" mlv-spec --norm-axis column a.wav
check "--top-db none is recorded as none" sh -c 'mlv-spec --scale db --top-db none a.wav | mlv-cat -H | tr " " "\n" | grep -qx top_db=none'
fails "--stats fitted on other features" 1 "stats.mlv were fitted on scale=db, these features have scale=linear" mlv-spec --feature mel --stats stats.mlv a.wav
check "stdin records have no id or src" sh -c '! mlv-spec --sr 8000 - <tone.wav | mlv-cat -H | grep -q " id=\| src="'
