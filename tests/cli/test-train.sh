#!/bin/sh
# test-train.sh - mlv-train and mlv-encode on generated data.
. "$(dirname "$0")/lib.sh"

cat >small.yaml <<'YAML'
model: small
input: {features: 8, normalise: minmax, axis: global}
layers:
  - {kind: dense, units: 6, activation: tanh}
  - {kind: dense, units: 3, activation: linear, name: z}
  - {kind: dense, units: 6, activation: tanh}
  - {kind: dense, units: 8, activation: sigmoid}
latent: z
batch_size: 16
epochs: 6
validation: 0.2
YAML
mlv-gen --records 4 --rows 50 --cols 8 --seed 2 >d.mlv

mlv-train --model small.yaml --log loss.mlv -o m.mlv d.mlv
check "the model is a stream: architecture, statistics, tensors" sh -c '
	mlv-cat -H m.mlv | head -n 1 | grep -q "^MLV1 0 0 id=model kind=model mlv-model=1 name=small steps=1 features=8 latent=3 " &&
	mlv-cat -H m.mlv | sed -n 2p | grep -q "^MLV1 2 1 id=model.norm kind=stats norm=minmax" &&
	[ "$(mlv-cat -H m.mlv | grep -c "id=layer\.")" -eq 8 ]'
check "--log: train and validation loss per epoch" sh -c '
	mlv-cat -H loss.mlv | grep -q "^MLV1 6 3 id=small kind=loss colnames=epoch,train,validation" &&
	mlv-cat -t tsv loss.mlv | awk -F "\t" "NR == 1 { first = \$2 } END { exit !(\$2 < first) }"'
mlv-train --model small.yaml -o m2.mlv d.mlv
same "the same seed trains the same weights" m.mlv m2.mlv
mlv-train --model small.yaml --seed 9 -o m3.mlv d.mlv
check "another seed trains other weights" sh -c '! cmp -s m.mlv m3.mlv'

# resume: 3 epochs and a checkpoint, then 3 more, equal 6 in one go
mlv-train --model small.yaml --epochs 3 --checkpoint ck.mlv -o part.mlv d.mlv
mlv-train --resume ck.mlv --epochs 6 -o resumed.mlv d.mlv
same "a resumed run ends with the weights of an uninterrupted one" resumed.mlv m.mlv
# killed by SIGKILL once a checkpoint exists, then resumed
mlv-gen --records 20 --rows 200 --cols 8 --seed 4 >big.mlv
mlv-train --model small.yaml --epochs 600 -j 1 -o full.mlv big.mlv
mlv-train --model small.yaml --epochs 600 -j 1 --checkpoint kill.mlv --checkpoint-every 1 -o killed.mlv big.mlv &
pid=$!
i=0
while [ ! -s kill.mlv ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e killed.mlv ]; then
	skip "SIGKILL then --resume" "the run finished before it could be killed"
else
	mlv-train --resume kill.mlv -j 1 -o after.mlv big.mlv
	same "SIGKILL then --resume ends with the uninterrupted weights" after.mlv full.mlv
fi

# ---- mlv-encode ----
mlv-encode --model m.mlv d.mlv >z.mlv
check "encode: latents per row, ids and labels kept" sh -c '
	[ "$(mlv-cat -H z.mlv | cut -d " " -f 2,3 | sort -u)" = "50 3" ] &&
	mlv-cat -H z.mlv | head -n 1 | grep -q "id=gen/0 .*kind=latent .*label.part=a"'
mlv-encode --model m.mlv --decode z.mlv >dec.mlv
mlv-encode --model m.mlv --reconstruct d.mlv >rec.mlv
check "decode of the latents equals the reconstruction" sh -c 'mlv-cat -t tsv dec.mlv >a.tsv; mlv-cat -t tsv rec.mlv >b.tsv; cmp -s a.tsv b.tsv && [ "$(mlv-cat -H rec.mlv | cut -d " " -f 3 | sort -u)" = 8 ]'
mlv-encode --model m.mlv --error d.mlv >err.mlv
check "--error: per row and per record (mse)" sh -c 'mlv-cat -H err.mlv | head -n 1 | grep -q "^MLV1 50 1 .*mse=0\.0"'
fails "a stream of the wrong width" 1 "^mlv-encode: z.mlv: rows of 3 values, but the model takes 8$" mlv-encode --model m.mlv z.mlv
fails "training rows of the wrong width" 1 "rows of 3 values, but the model takes 8 \\(1 steps x 8 features\\)" mlv-train --model small.yaml -o x.mlv z.mlv
check "a failed run writes no model" sh -c '[ ! -e x.mlv ]'

# ---- the paper's LSTM segment model, end to end on generated latents ----
mlv-gen --records 2 --rows 2000 --cols 32 --seed 5 | mlv-frame --seconds 10 --every 20 --stack --steps 4 >seq.mlv
mlv-train --model "$TESTS_DIR/../examples/models/musiclatentvis-lstm.yaml" --epochs 2 -o lstm.mlv seq.mlv
check "LSTM autoencoder: 4 x 160 segments to 16-d latents" sh -c '[ "$(mlv-encode --model lstm.mlv seq.mlv | mlv-cat -H | cut -d " " -f 2,3 | sort -u)" = "5 16" ]'
mlv-gen --rows 20 --cols 501 | mlv-train --model "$TESTS_DIR/../examples/models/musiclatentvis-fc.yaml" --epochs 1 -o fc.mlv
check "the FC model description trains" sh -c '[ "$(mlv-cat -H fc.mlv | head -n 1 | tr " " "\n" | grep "^latent=")" = latent=32 ]'

# ---- bad descriptions and runs ----
printf 'input: {features: 8}\nlayers:\n  - {kind: dense, units: 3}\n  - {kind: conv9, units: 8}\nlatent: 0\n' >bad.yaml
fails "an unknown layer kind names file and line" 1 "^mlv-train: bad.yaml:4: .*conv9" mlv-train --model bad.yaml -o x.mlv d.mlv
cat >wild.yaml <<'YAML'
input: {features: 4}
layers:
  - {kind: dense, units: 2, activation: linear, name: z}
  - {kind: dense, units: 4, activation: linear}
latent: z
batch_size: 4
epochs: 5
YAML
# values near 1e20: squared errors overflow float32 gradients at once
awk 'BEGIN { for (i = 0; i < 32; i++) printf "%g\t%g\t%g\t%g\n", i * 1e19, 3e20, -2e20, 1e20 }' | mlv-cat -f tsv >huge.mlv
fails "a diverging loss stops with a message" 1 "^mlv-train: huge.mlv: epoch 1: the loss is (NaN|infinite): training diverged \\(try a lower --lr\\)$" mlv-train --model wild.yaml --checkpoint w.mlv -o x.mlv huge.mlv
check "a diverged run writes neither model nor checkpoint" sh -c '[ ! -e x.mlv ] && [ ! -e w.mlv ]'
fails "-o is required" 2 "-o MODEL.mlv is required" mlv-train --model small.yaml d.mlv
fails "--resume keeps its settings" 2 "only --epochs may change" mlv-train --resume ck.mlv --lr 0.1 -o x.mlv d.mlv
fails "--checkpoint-every without --checkpoint" 2 "--checkpoint-every goes with --checkpoint" mlv-train --model small.yaml --checkpoint-every 2 -o x.mlv d.mlv
fails "resuming a finished checkpoint without --epochs" 2 "ck.mlv has done its 3 epochs; give --epochs to train on" mlv-train --resume ck.mlv -o x.mlv d.mlv

# A model file whose header claims a 16,777,216-unit layer (and parameters
# to match) is refused from its size before anything of that size is
# allocated (it used to take 2.3 GB and 6 s to find the payload short).
head -n 1 m.mlv | sed 's/units:%206,/units:%2016777216,/; s/ params=155 / params=201326675 /' >huge-model.mlv
tail -n +2 m.mlv >>huge-model.mlv
fails "a model file claiming more parameters than it holds" 1 \
	"^mlv-encode: huge-model.mlv: record 1 \\(id=model\\): truncated model \\(params=201326675 need 805306700 bytes of values; the file holds [0-9]+ more\\)$" \
	mlv-encode --model huge-model.mlv d.mlv

# Descriptions nested deeper than any model are refused before libyaml
# builds them (100,000 '[' took 44 s); a layer's name copied before a bad
# field of the same layer is freed (the sanitizer run of this test checks).
{ printf 'input: {features: 8}\nlayers: '; awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; print "" }'; } >deep.yaml
fails "a description nested 100,000 deep" 1 "^mlv-train: deep.yaml:2: lists and mappings nested more than 16 deep$" mlv-train --model deep.yaml -o x.mlv d.mlv
printf 'input: {features: 8}\nlayers:\n  - {kind: dense, name: z, units: 0}\nlatent: z\n' >badunits.yaml
fails "a bad field after a layer's name" 1 "^mlv-train: badunits.yaml:3: layers\\[0\\]\\.units" mlv-train --model badunits.yaml -o x.mlv d.mlv

# ---- outputs checked before training ----
# Tests run as root, for whom access() and a mode-0555 directory refuse
# nothing; a missing directory, or a path under a file, fails for anyone.
mlv-gen --records 4 --rows 2000 --cols 8 --seed 3 >long.mlv
fails "-o in a missing directory: refused before training" 1 "^mlv-train: nodir/m\\.mlv: cannot create \\(No such file or directory\\)$" \
	timeout 20 mlv-train --model small.yaml --epochs 100000 -o nodir/m.mlv long.mlv
fails "--log under a file: refused before training" 1 "^mlv-train: d\\.mlv/loss\\.mlv: cannot create \\(Not a directory\\)$" \
	timeout 20 mlv-train --model small.yaml --epochs 100000 --log d.mlv/loss.mlv -o m9.mlv long.mlv
fails "--checkpoint in a missing directory: refused before training" 1 "^mlv-train: nodir/c\\.mlv: cannot create \\(No such file or directory\\)$" \
	timeout 20 mlv-train --model small.yaml --epochs 100000 --checkpoint nodir/c.mlv -o m9.mlv long.mlv
check "refused outputs leave nothing behind" sh -c '[ ! -e m9.mlv ] && [ -z "$(ls -A | grep "^\.m9")" ]'
fails "mlv-encode: -o in a missing directory" 1 "^mlv-encode: nodir/z\\.mlv: cannot create" \
	sh -c 'sleep 30 | timeout 20 mlv-encode --model m.mlv -o nodir/z.mlv'

# ---- out of core: --buffer-rows streams the file every epoch ----
mlv-gen --records 40 --rows 50 --cols 8 --seed 2 >ooc.mlv
mlv-train --model small.yaml --epochs 20 --validation 0 --log mem-l.mlv -o mem.mlv ooc.mlv
mlv-train --model small.yaml --epochs 20 --validation 0 --buffer-rows 300 --log buf-l.mlv -o buf.mlv ooc.mlv
mlv-train --model small.yaml --epochs 20 --validation 0 --buffer-rows 300 -o buf2.mlv ooc.mlv
same "--buffer-rows: the same seed trains the same weights" buf.mlv buf2.mlv
# 2,000 rows through a buffer of 300: the last epoch's training loss
# within 10 % of in-memory training's (0.01212 against 0.01209 when
# written).
check "--buffer-rows smaller than the rows trains as well as in memory" sh -c '
	a=$(mlv-cat -t tsv mem-l.mlv | tail -n 1 | cut -f 2)
	b=$(mlv-cat -t tsv buf-l.mlv | tail -n 1 | cut -f 2)
	first=$(mlv-cat -t tsv buf-l.mlv | head -n 1 | cut -f 2)
	awk -v a="$a" -v b="$b" -v f="$first" "BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.1 * a && b < f) }"'
mlv-train --model small.yaml --epochs 20 --validation 0 --buffer-rows 2000 -o buf3.mlv ooc.mlv
check "another buffer size draws other batches" sh -c '! cmp -s buf.mlv buf3.mlv'

# --holdout-by: 24 records of 8 tracks.  A track is held out when dropping
# its records from the file leaves the weights unchanged; the held-out
# tracks' rows must then be the validation rows: their mean reconstruction
# error by the trained model is the log's validation loss.
i=0
while [ $i -lt 24 ]; do
	mlv-gen --records 1 --rows 20 --cols 8 --seed $i | mlv-cat --set id=r$i --set label.track=t$((i % 8))
	i=$((i + 1))
done >trk.mlv
hold="--epochs 2 --validation 0.4 --buffer-rows 50 --holdout-by label.track"
mlv-train --model small.yaml $hold --log hl.mlv -o h.mlv trk.mlv
held= kept=
for t in 0 1 2 3 4 5 6 7; do
	mlv-cat -w "label.track!=t$t" trk.mlv >wo.mlv
	mlv-train --model small.yaml $hold -o wo-m.mlv wo.mlv
	if cmp -s wo-m.mlv h.mlv; then held="$held -w label.track=t$t"; else kept=1; fi
done
check "--holdout-by holds out whole tracks, and only those" sh -c "
	[ -n '$held' ] && [ -n '$kept' ] &&
	v=\$(mlv-cat -t tsv hl.mlv | tail -n 1 | cut -f 3) &&
	mlv-cat $held trk.mlv | mlv-encode --model h.mlv --error | mlv-cat -t tsv |
		awk -v v=\"\$v\" '{ s += \$1; n++ } END { d = s / n - v; if (d < 0) d = -d; exit !(d <= 1e-6 * v) }'"
fails "--buffer-rows refuses a pipe" 1 "^mlv-train: -: --buffer-rows re-reads its input every epoch \\(a regular file, not stdin or a pipe\\)$" \
	sh -c 'cat ooc.mlv | mlv-train --model small.yaml --buffer-rows 10 -o x.mlv -'
fails "--holdout-by names a record without the key" 1 "^mlv-train: ooc.mlv: record 1 \\(id=gen/0\\): no label.track to hold rows out by \\(--holdout-by\\)$" \
	mlv-train --model small.yaml --buffer-rows 10 --holdout-by label.track -o x.mlv ooc.mlv
fails "--holdout-by goes with --buffer-rows" 2 "--holdout-by goes with --buffer-rows" \
	mlv-train --model small.yaml --holdout-by label.track -o x.mlv ooc.mlv
check "refused streamed runs leave no model" sh -c '[ ! -e x.mlv ]'
