#!/bin/sh
# test-readme.sh - every pipeline README.md shows runs as written, in order,
# in one directory, on data made here: the files the README takes as given
# (recordings and their manifest, a notes corpus, train/test manifests,
# NumPy and CSV files, Ogg files to shard) are generated first, and the
# models it names are the repository's with fewer epochs.  Blocks of
# `make` commands and shell transcripts (`$ ...`) are not pipelines of the
# tools; Python blocks run with python3 when it has numpy.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)
# The README's models, trained for 20 epochs instead of the papers' hundreds.
mkdir -p examples/models
for m in "$ROOT"/examples/models/*.yaml; do
	sed 's/^epochs: .*/epochs: 20/' "$m" >"examples/models/${m##*/}"
done

# The given files.
given() {
	mlv-corpus performers -o corpus >/dev/null &&
	mlv-synth --sr 22050 --seconds 24 --tone 330:0.3 --tone 990:0.1 \
		--noise 0.02 --seed 3 -o piece.flac &&
	printf 'path\tperformer\n%s\tChai\n%s\tChai\n%s\tLin\npiece.flac\tLin\n' \
		corpus/greensleeves_A_solo.wav corpus/twinkle_A_solo.wav \
		corpus/greensleeves_B_accomp.wav >recordings.tsv &&
	mlv-corpus notes -o notes >/dev/null &&
	mkdir -p composers audio &&
	for i in 1 2 3 4; do
		mlv-synth --sr 22050 --seconds 21 --tone $((200 * i)):0.3 \
			--noise 0.05 --seed $i -o composers/$i.wav || return 1
	done &&
	printf 'path\tcomposer\ncomposers/1.wav\tBach\ncomposers/3.wav\tMozart\n' >train.tsv &&
	printf 'path\tcomposer\ncomposers/2.wav\tBach\ncomposers/4.wav\tMozart\n' >test.tsv &&
	mlv-gen --rows 800 --cols 32 --seed 4 | mlv-cat --set dt=0.025 -o notes.mlv &&
	mlv-gen --records 2 --rows 50 --cols 16 --seed 5 |
		mlv-cat --set label.performer=Chai -o latents.mlv &&
	mlv-gen --rows 3 --cols 16 --seed 6 >this.mlv &&
	mlv-gen --rows 10 --cols 4 --seed 7 | mlv-cat --to npy --stack -o embeddings.npy &&
	printf 'a,b,c\n1,2,3\n4,5,6\n' >table.csv &&
	mlv-synth --sr 22050 --seconds 3 --tone 300:0.3 -o audio/take1.ogg &&
	mlv-synth --sr 22050 --seconds 3 --tone 600:0.3 -o audio/take2.ogg
}
check "the files README takes as given are made" given

# The README's indented code blocks, one file each, in order.
mkdir blocks
awk -v dir=blocks '
	/^    / && (open || last == "") {
		if (!open) { n++; open = 1; file = sprintf("%s/%02d", dir, n) }
		print substr($0, 5) >file
		last = $0
		next
	}
	{ if (open) close(file); open = 0; last = $0 }' "$ROOT/README.md"

py=$(numpy_python)
ran=0
for b in blocks/*; do
	first=$(sed -n '1s/[[:space:]].*//p' "$b")
	what="README block $(basename "$b"): $(head -n 1 "$b" | cut -c1-60)"
	case $first in
	make | '$') continue ;;
	import)
		if [ -z "$py" ]; then skip "$what" "no python3 with numpy"; continue; fi
		run() { PYTHONPATH="$ROOT/examples" "$py" "$b"; } ;;
	mlv-* | mkdir | parallel | cat) run() { bash -o pipefail -e "$b"; } ;;
	*) not_ok "$what" "a README block that is neither a pipeline nor make: $first"; continue ;;
	esac
	if out=$(run 2>&1 >/dev/null); then ok "$what"; else not_ok "$what" "$(cat "$b")" "$out"; fi
	ran=$((ran + 1))
done
[ "$ran" -ge 10 ] && ok "README's pipelines were found ($ran blocks)" ||
	not_ok "README's pipelines were found" "only $ran blocks"
