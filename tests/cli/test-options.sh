#!/bin/sh
# test-options.sh - one option table: what each tool's --help lists (it is
# generated from the table getopt is built from) is what its man page's
# OPTIONS section lists, and the old spellings still work, warning once.
. "$(dirname "$0")/lib.sh"
MAN=$TESTS_DIR/../man

# The options of --help lines "  -x, --long ARG  help", one per line.
help_options() {
	"$1" --help | grep -E '^ +(-[a-zA-Z0-9], )?--[a-zA-Z]' |
		sed -E 's/^ +(-[a-zA-Z0-9]), /\1\n      /' |
		grep -oE '^ *-(-[a-zA-Z][a-zA-Z0-9-]*|[a-zA-Z0-9])' | tr -d ' ' | sort -u
}

# The options of the man page's OPTIONS list: ".It Fl x , Fl -long Ar arg".
man_options() {
	awk '/^\.Sh / { on = ($2 == "OPTIONS") } on && /^\.It Fl/' "$1" | sed 's/\\//g' |
		grep -oE 'Fl -?[a-zA-Z0-9][a-zA-Z0-9-]*' | sed 's/^Fl /-/' | sort -u
}

for src in "$TESTS_DIR"/../cmd/mlv-*.c; do
	t=$(basename "$src" .c)
	help_options "$t" >"$t.help"
	man_options "$MAN/$t.1" >"$t.man"
	missing=$(comm -23 "$t.help" "$t.man" | tr '\n' ' ')
	extra=$(comm -13 "$t.help" "$t.man" | tr '\n' ' ')
	if [ -s "$t.help" ] && [ -z "$missing" ]; then
		ok "$t: every option of --help is in the man page"
	else
		not_ok "$t: every option of --help is in the man page" "missing: $missing"
	fi
	if [ -z "$extra" ]; then
		ok "$t: every option of the man page is accepted"
	else
		not_ok "$t: every option of the man page is accepted" "not in --help: $extra"
	fi
done

# alias TOOL OLD NEW ARGS...: ARGS spelled with NEW and again with OLD give
# the same output, and OLD one warning line naming NEW, however often it is
# given.
alias() {
	tool=$1 old=$2 new=$3
	shift 3
	name="$tool $old is still accepted as $new, warning once"
	if ! "$tool" "$@" >new.out 2>new.err; then
		not_ok "$name" "the new spelling failed: $tool $*" "$(cat new.err)"
		return
	fi
	for a; do
		shift
		[ "$a" = "$new" ] && a=$old
		set -- "$@" "$a"
	done
	if ! "$tool" "$@" >old.out 2>old.err; then
		not_ok "$name" "command: $tool $*" "$(cat old.err)"
	elif ! cmp -s new.out old.out; then
		not_ok "$name" "output differs from $new's: $tool $*"
	elif [ "$(cat old.err)" != "$tool: $old is now $new (the old spelling will go)" ]; then
		not_ok "$name" "expected one warning line naming $new, got:" "$(cat old.err)"
	else
		ok "$name"
	fi
}

mlv-gen --records 4 --rows 12 --cols 3 --seed 3 >pts.mlv
mlv-project pts.mlv >map.mlv 2>/dev/null
alias mlv-cat -k --keys -t tsv --keys id --keys id pts.mlv
alias mlv-plot -k --kind --script --kind scatter map.mlv
alias mlv-eval -k --neighbours neighbours --neighbours 3 --label label.part pts.mlv
alias mlv-eval --knn --neighbours neighbours --neighbours 3 --label label.part pts.mlv
alias mlv-eval -m --measure neighbours --measure cosine --label label.part pts.mlv
alias mlv-eval -c --classifier classify --classifier knn --train pts.mlv --label label.part pts.mlv
alias mlv-simmat -m --measure --measure dot --measure dot --all pts.mlv
alias mlv-simmat --knn --neighbours --query pts.mlv --neighbours 2 pts.mlv
alias mlv-project --neighbors --neighbours -m umap --neighbours 5 --epochs 5 pts.mlv
alias mlv-explore -t --title --title T -o - map.mlv
alias mlv-explore --knn --neighbours --latent pts.mlv --neighbours 3 -o - map.mlv
mlv-synth --sr 8000 --seconds 0.5 --tone 440:0.5 -o tone.wav
alias mlv-spec -f --feature --feature mel --n-mels 16 tone.wav
cat >small.yaml <<'YAML'
model: small
input: {features: 3, normalise: minmax, axis: global}
layers:
  - {kind: dense, units: 2, activation: linear, name: z}
  - {kind: dense, units: 3, activation: sigmoid}
latent: z
batch_size: 8
epochs: 2
YAML
mlv-train --model small.yaml -o m.mlv pts.mlv 2>/dev/null
alias mlv-encode -m --model --model m.mlv pts.mlv
check "mlv-train -m and --every are still accepted, warning once each" sh -c '
	mlv-train -m small.yaml --checkpoint ck.mlv --every 1 -o m2.mlv pts.mlv 2>train.err &&
	cmp -s m.mlv m2.mlv &&
	[ "$(grep -c "is now" train.err)" -eq 2 ] &&
	grep -qx "mlv-train: -m is now --model (the old spelling will go)" train.err &&
	grep -qx "mlv-train: --every is now --checkpoint-every (the old spelling will go)" train.err'
check "mlv-explore --neighbours FILE is still read as --neighbour-list FILE" sh -c '
	mlv-simmat --query pts.mlv -n 4 pts.mlv >nb.tsv &&
	mlv-explore --latent pts.mlv --neighbour-list nb.tsv -o new.html map.mlv &&
	mlv-explore --latent pts.mlv --neighbours nb.tsv -o old.html map.mlv 2>old.err &&
	cmp -s new.html old.html &&
	grep -qx "mlv-explore: --neighbours FILE is now --neighbour-list FILE (the old spelling will go)" old.err'
check "-q silences warnings, not errors" sh -c '
	mlv-cat -q -k id -t tsv pts.mlv >/dev/null 2>q.err && [ ! -s q.err ] &&
	! mlv-cat -q --from xml pts.mlv 2>q2.err && [ -s q2.err ]'
