#!/bin/sh
# test-models.sh - examples/models' Symphony2vec models (AE, CAE, VAE and
# the MLP, CNN, LSTM and logistic-regression classifiers) trained by mlv-train on small generated data: each
# trains from its YAML, logs its loss terms, is the same for a seed, and
# resumes bit for bit.
. "$(dirname "$0")/lib.sh"
MODELS=$TESTS_DIR/../examples/models

# Five composers, a record each of normal values with the first column
# shifted by 8 per composer (mlv-gen shifts its odd records); 24 values a
# row stand for the paper's 5603 (the autoencoders are shrunk to them),
# 40 for the embeddings the logistic regression reads (200 rows a composer:
# with fewer, its 205 weights fit the noise columns as much as the
# shifted one), 36 x 13 for the LSTM's chunks, 40 x 24 for the CNN's.
gen() {
	i=0
	for c in bach beethoven brahms haydn mozart; do
		mlv-gen --records 2 --rows "$3" --cols "$1" --seed $((i + $2)) --separation $((8 * i)) |
			mlv-cat -i gen/1 --set label.composer=$c
		i=$((i + 1))
	done
}
gen 24 0 60 >d24.mlv
gen 40 10 200 >d40.mlv
gen 468 20 30 >d468.mlv
gen 960 30 30 >d960.mlv
shrink() { sed 's/5603/24/g; s/^epochs: .*/epochs: 2/' "$MODELS/$1.yaml" >"$1.yaml"; }

for m in ae cae vae; do
	shrink symphony2vec-$m
	mlv-train --model symphony2vec-$m.yaml --log $m-log.mlv -j 1 -o $m.mlv d24.mlv
	check "$m: trains and encodes 40-d embeddings" sh -c "
		mlv-encode --model $m.mlv d24.mlv | mlv-cat -H | head -n 1 | grep -q '^MLV1 60 40 '"
done
check "cae, vae: the log has the reconstruction and the penalty" sh -c '
	for m in cae vae; do
		mlv-cat -H $m-log.mlv | grep -q "colnames=epoch,train,reconstruction,penalty" || exit 1
		mlv-cat -t tsv $m-log.mlv | awk -F "\t" "{ d = \$3 + \$4 - \$2 } \$4 <= 0 || d * d > 1e-10 * \$2 * \$2 { bad = 1 } END { exit bad }" || exit 1
	done'
check "ae: no penalty column" sh -c 'mlv-cat -H ae-log.mlv | grep -q "colnames=epoch,train seed"'
mlv-train --model symphony2vec-vae.yaml -j 1 -o vae2.mlv d24.mlv
same "vae: the same seed trains the same model" vae.mlv vae2.mlv
mlv-train --model symphony2vec-vae.yaml --epochs 1 -j 1 --checkpoint vck.mlv -o vpart.mlv d24.mlv
mlv-train --resume vck.mlv --epochs 2 -j 1 -o vres.mlv d24.mlv
same "vae: a resumed run ends with the uninterrupted run's weights" vres.mlv vae.mlv
mlv-train --model symphony2vec-cae.yaml --epochs 1 -j 1 --checkpoint cck.mlv -o cpart.mlv d24.mlv
mlv-train --resume cck.mlv --epochs 2 -j 1 -o cres.mlv d24.mlv
same "cae: a resumed run ends with the uninterrupted run's weights" cres.mlv cae.mlv

# interpolation between two records' latents (Symphony2vec's Fig. 9)
{ mlv-gen --records 1 --rows 1 --cols 24 --seed 7 | mlv-cat --set id=one
  mlv-gen --records 1 --rows 1 --cols 24 --seed 8 | mlv-cat --set id=two; } >ends.mlv
mlv-encode --model vae.mlv --interpolate one,two --points 5 ends.mlv >path.mlv
check "--interpolate: one record of the points, decoded" sh -c '
	mlv-cat -H path.mlv | grep -q "^MLV1 5 24 id=one..two kind=decoded from=one to=two"'
mlv-encode --model vae.mlv --reconstruct ends.mlv | mlv-cat -i one -t tsv >one.tsv
mlv-cat -t tsv path.mlv | head -n 1 >first.tsv
# (within float rounding: the decoder multiplies batches of other sizes)
check "--interpolate: the first point is the first record's reconstruction" sh -c '
	tr "\t" "\n" <one.tsv >a && tr "\t" "\n" <first.tsv >b &&
	[ "$(wc -l <a)" -eq 24 ] &&
	paste a b | awk "{ d = \$1 - \$2; if (d < 0) d = -d; if (d > 1e-5 * (1 + (\$1 < 0 ? -\$1 : \$1))) bad = 1 } END { exit bad }"'

mlv-encode --model vae.mlv --interpolate one,two --sample --seed 3 ends.mlv >s1.mlv
mlv-encode --model vae.mlv --interpolate one,two --sample --seed 3 ends.mlv >s2.mlv
mlv-encode --model vae.mlv --interpolate one,two --sample --seed 4 ends.mlv >s3.mlv
same "--sample: the same seed draws the same latents" s1.mlv s2.mlv
mlv-encode --model vae.mlv --interpolate one,two ends.mlv >means.mlv
check "--sample: another seed draws others, and not the means" sh -c '
	! cmp -s s1.mlv s3.mlv && ! cmp -s means.mlv s1.mlv'
fails "--sample without a vae" 1 "not a vae layer" \
	mlv-encode --model ae.mlv --interpolate one,two --sample ends.mlv
fails "--interpolate of a missing id" 1 "no record with rows has id=three" \
	mlv-encode --model ae.mlv --interpolate one,three ends.mlv
fails "--interpolate of an id several records have" 1 "5 records have id=gen/1" \
	mlv-encode --model ae.mlv --interpolate gen/1,one d24.mlv
fails "--interpolate needs two ids" 2 "give two record ids" \
	mlv-encode --model ae.mlv --interpolate one ends.mlv
fails "--points without --interpolate" 2 "go with --interpolate" \
	mlv-encode --model ae.mlv --points 4 ends.mlv

# classifiers
shrink symphony2vec-mlp
sed 's/^epochs: .*/epochs: 3/' "$MODELS/symphony2vec-lstm.yaml" >lstm.yaml
cp "$MODELS/symphony2vec-logreg.yaml" logreg.yaml
mlv-train --model symphony2vec-mlp.yaml --validation 0.2 --log mlp-log.mlv -j 1 -o mlp.mlv d24.mlv
check "mlp: the model keeps its classes and their weights" sh -c '
	mlv-cat -H mlp.mlv | sed -n 3p | grep -q "^MLV1 1 5 id=model.classes kind=model names=bach,beethoven,brahms,haydn,mozart"'
check "mlp: the log has the accuracies" sh -c '
	mlv-cat -H mlp-log.mlv | grep -q "colnames=epoch,train,validation,accuracy,validation_accuracy"'
check "mlp: encodes its 64-unit embedding" sh -c "
	mlv-encode --model mlp.mlv d24.mlv | mlv-cat -H | head -n 1 | grep -q '^MLV1 60 64 '"
mlv-train --model symphony2vec-mlp.yaml --validation 0.2 --epochs 1 -j 1 --checkpoint mck.mlv -o mpart.mlv d24.mlv
mlv-train --resume mck.mlv --epochs 2 -j 1 -o mres.mlv d24.mlv
mlv-train --model symphony2vec-mlp.yaml --validation 0.2 --epochs 2 -j 1 -o m2.mlv d24.mlv
same "mlp: a resumed run ends with the uninterrupted run's weights" mres.mlv m2.mlv
mlv-train --model lstm.yaml -j 1 --log lstm-log.mlv -o lstm.mlv d468.mlv
check "lstm classifier: trains, accuracy logged" sh -c '
	mlv-cat -t tsv lstm-log.mlv | awk -F "\t" "NF != 3 || \$3 < 0 || \$3 > 1 { exit 1 }"'
# the CNN on 40 frames of 24 bands (960 values a row)
sed 's/features: 64/features: 24/; s/steps: 431/steps: 40/; s/^epochs: .*/epochs: 2/' \
	"$MODELS/symphony2vec-cnn.yaml" >cnn.yaml
mlv-train --model cnn.yaml -j 1 --log cnn-log.mlv -o cnn.mlv d960.mlv
check "cnn classifier: trains, encodes its 84-unit embedding" sh -c "
	mlv-cat -H cnn-log.mlv | grep -q colnames=epoch,train,accuracy &&
	mlv-encode --model cnn.mlv d960.mlv | mlv-cat -H | head -n 1 | grep -q '^MLV1 30 84 '"
mlv-train --model cnn.yaml --epochs 1 -j 1 --checkpoint nck.mlv -o npart.mlv d960.mlv
mlv-train --resume nck.mlv --epochs 2 -j 1 -o nres.mlv d960.mlv
same "cnn: a resumed run ends with the uninterrupted run's weights" nres.mlv cnn.mlv
mlv-train --model logreg.yaml -j 1 --validation 0.3 --log lr-log.mlv -o lr.mlv d40.mlv
check "logistic regression: separable composers, held-out accuracy above 0.9" sh -c '
	mlv-cat -t tsv lr-log.mlv | tail -n 1 | awk -F "\t" "{ exit !(\$5 > 0.9) }"'
mlv-train --model logreg.yaml --class-weights none -j 1 -o lr2.mlv d40.mlv
check "--class-weights none: every weight 1" sh -c '
	mlv-cat -H lr2.mlv | grep -q "class_weights: none" 2>/dev/null ||
	[ "$(mlv-cat -i model.classes -t tsv lr2.mlv)" = "$(printf "1\t1\t1\t1\t1")" ]'

fails "a classifier without a target" 2 "give --target KEY" \
	sh -c "sed '/^target:/d' logreg.yaml >nt.yaml && mlv-train --model nt.yaml -o x.mlv d40.mlv"
fails "a target for an autoencoder" 2 "go with a classifier" \
	mlv-train --model symphony2vec-ae.yaml --target label.composer -o x.mlv d24.mlv
fails "classes that do not fit the last layer" 1 "6 classes, but the last layer has 5 units" \
	sh -c "{ cat d40.mlv; mlv-gen --records 1 --rows 5 --cols 40 | mlv-cat --set label.composer=liszt; } | mlv-train --model logreg.yaml -o x.mlv"
fails "rows without the target key" 1 "label.era" \
	mlv-train --model logreg.yaml --target label.era -o x.mlv d40.mlv
fails "a bad --class-weights" 2 "none or balanced" \
	mlv-train --model logreg.yaml --class-weights inverse -o x.mlv d40.mlv
check "refused runs leave no model" sh -c '! [ -e x.mlv ]'
