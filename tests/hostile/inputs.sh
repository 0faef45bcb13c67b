#!/bin/sh
# inputs.sh - the hostile inputs of tests/hostile/table.tsv, made in the
# current directory (test-hostile.sh runs it in its scratch directory).
set -e
mlv-gen --records 2 --rows 10 --cols 4 --seed 1 >good.mlv
mlv-gen --records 1 --rows 10 --cols 3 --seed 2 >w3.mlv
cat good.mlv w3.mlv >mixed.mlv
: >empty.mlv
printf 'hello world\n' >garbage.txt
printf 'MLV2 1 1 id=a\n\0\0\0\0' >badmagic.mlv
head -c 100 good.mlv >trunc.mlv
printf 'MLV1 1000000000 1000000000 id=x\nabcd' >hugehdr.mlv
printf 'MLV1 -1 4 id=x\n' >negrows.mlv
printf 'MLV1 a b id=x\n' >nonnum.mlv
printf 'MLV1 1 1 id=%%zz\n\0\0\0\0' >badpct.mlv
printf 'MLV1 1 1 id=a id=b\n\0\0\0\0' >dupkey.mlv
printf 'MLV1 1 1 id=a' >nonl.mlv
printf 'MLV1 1 1 =x\n\0\0\0\0' >emptykey.mlv
mlv-index -o good.idx good.mlv
head -c -2 good.idx >cut.idx
head -n 2 good.idx >short.idx
sed '2s/ [0-9]*$/ 99999999/' good.idx >longrec.idx
cp good.mlv grown.mlv
mlv-index -o grown.idx grown.mlv
cat w3.mlv >>grown.mlv
mlv-gen --records 1 --rows 10 --cols 4 --nan 3 --seed 3 >nan.mlv
mlv-gen --records 1 --rows 2 --cols 2 --seed 4 >tiny.mlv
mlv-cat --to npy --stack -o arr.npy good.mlv
mlv-synth --sr 8000 --seconds 1 --tone 440:0.3 -o tone.wav
printf 'RIFF\0\0\0\0WAVEjunk' >badwav.wav
mkdir -p adir
printf 'path\tlabel\nnosuch.wav\tx\n' >missing.tsv
printf 'label\nx\n' >nopath.tsv
printf 'input: {features: 4}\nlayers: [\n' >badsyntax.yaml
printf 'input: {features: 4}\nlayers:\n  - {kind: conv9, units: 2}\n' >badkind.yaml
printf 'input: {features: 4}\nlayers:\n  - {kind: dense, units: 2}\n  - {kind: dense, units: 4}\nlatent: 0\nepochs: 2\n' >ok.yaml
mlv-train --model ok.yaml -o model.mlv good.mlv
head -c 600 model.mlv >truncmodel.mlv
head -n 1 model.mlv | sed 's/units:%202,/units:%2016777216,/; s/ params=22 / params=150994948 /' >huge-model.mlv
tail -n +2 model.mlv >>huge-model.mlv
{ printf 'input: {features: 4}\nlayers: '; awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; print "" }'; } >deep.yaml
printf 'input: {features: 4}\nlayers:\n  - {kind: dense, name: z, units: 0}\nlatent: z\n' >badunits.yaml
h="{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"
{ printf '\223NUMPY\001\000'; printf "\\$(printf %03o ${#h})\\000%s" "$h"; } >hugeshape.npy
