#!/bin/sh
# test-valgrind.sh - a reduced pipeline (spec -> train -> encode -> project
# -> cluster -> paste -> plot) under valgrind: no invalid access, no uninitialised
# value used, no leak (definite, indirect or possible).  Plain build only
# (ASan and valgrind exclude each other); skipped without valgrind.
. "$(dirname "$0")/lib.sh"
case $MLV_BIN in
*/asan/*)
	skip "valgrind" "the sanitizer build runs under ASan instead"
	exit 0 ;;
esac
if ! command -v valgrind >/dev/null 2>&1; then
	skip "valgrind" "valgrind is not installed"
	exit 0
fi
export OPENBLAS_NUM_THREADS=1
for i in 1 2 3 4; do
	mlv-synth --sr 8000 --seconds 0.5 --tone $((200 * i)):0.3 -o tone$i.wav
done
printf 'input: {features: 65}\nlayers:\n  - {kind: dense, units: 3, name: z}\n  - {kind: dense, units: 65}\nlatent: z\nepochs: 2\n' >m.yaml

# grind NAME CMD...: CMD under valgrind exits 0 with no error counted.
grind() {
	name=$1
	shift
	if valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		"$@" 2>vg.err; then
		ok "valgrind: $name"
	else
		not_ok "valgrind: $name" "command: $*" "$(head -n 30 vg.err)"
	fi
}
grind mlv-spec $MLV_BIN/mlv-spec --n-fft 128 --hop 64 -o spec.mlv tone1.wav tone2.wav tone3.wav tone4.wav
grind mlv-train $MLV_BIN/mlv-train -m m.yaml -j 1 -o model.mlv spec.mlv
grind mlv-encode $MLV_BIN/mlv-encode -m model.mlv -j 1 -o z.mlv spec.mlv
grind mlv-project $MLV_BIN/mlv-project -m pca --dims 2 -o map.mlv z.mlv
grind mlv-cluster $MLV_BIN/mlv-cluster -k 2 -o clusters.mlv map.mlv
grind mlv-paste $MLV_BIN/mlv-paste -o both.mlv map.mlv clusters.mlv
grind mlv-index $MLV_BIN/mlv-index -o spec.idx spec.mlv
grind "mlv-cat --index" $MLV_BIN/mlv-cat --index spec.idx -o two.mlv tone3.wav tone1.wav
grind mlv-plot $MLV_BIN/mlv-plot -t svg --color-column 3 -o map.svg both.mlv
