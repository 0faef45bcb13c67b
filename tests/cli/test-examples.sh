#!/bin/sh
# test-examples.sh - the experiments of examples/ and the demo's index,
# end to end on tiny generated corpora (short notes, a few epochs): every
# Makefile runs, its results.tsv holds the scores it promises, in range,
# its plots are SVG, and the sharded extraction equals the single run.
# Scores that need real training to be good are only range-checked here;
# raw-space scores on the synthetic notes must beat chance.
. "$(dirname "$0")/lib.sh"
EX=$TESTS_DIR/../examples
command -v gnuplot >/dev/null 2>&1 || { skip "examples (gnuplot is not installed)"; exit 0; }

# run NAME DIR VAR=VALUE...: make the experiment into $SCRATCH/NAME.
run() {
	name=$1 dir=$2
	shift 2
	if out=$(make -s -C "$EX/$dir" OUT="$SCRATCH/$name" MLV_BIN="$MLV_BIN" \
	         MLV_TOOLS="$MLV_TOOLS" "$@" 2>&1); then
		ok "examples/$dir runs ($*)"
	else
		not_ok "examples/$dir runs ($*)" "$(echo "$out" | tail -n 20)"
	fi
}

# value FILE COLUMN=VALUE... : the value column of the one line matching.
value() {
	f=$1
	shift
	awk -F '\t' -v conds="$(printf '%s\n' "$@")" 'NR == 1 {
		for (i = 1; i <= NF; i++) col[$i] = i; n = split(conds, c, "\n"); next }
		{ ok = 1; for (j = 1; j <= n; j++) { split(c[j], kv, "=");
			if ($col[kv[1]] != kv[2]) ok = 0 } }
		ok { print $col["value"]; found++ }
		END { if (found != 1) exit 1 }' "$f"
}

# in_range NAME LO HI VALUE
in_range() {
	if awk -v v="$4" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'; then
		ok "$1 ($4)"
	else
		not_ok "$1" "value '$4' not in [$2, $3]"
	fi
}

svgs_ok() {
	n=0 bad=
	for f in "$SCRATCH/$1"/*.svg; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		grep -q '</svg>' "$f" || bad="$bad $f"
	done
	if [ "$n" -ge "$2" ] && [ -z "$bad" ]; then ok "$1: $n plots, all complete SVG"; else
		not_ok "$1: at least $2 complete SVG plots" "found $n; incomplete:$bad"
	fi
}

# explore_ok NAME MAPS: NAME's explore.html is mlv-explore's page of MAPS
# maps whose first record's audio URL leads, from the page, to its file.
explore_ok() {
	page=$SCRATCH/$1/explore.html
	maps=$(grep -o '"xy":{"blob":"xy[0-9]"' "$page" 2>/dev/null | wc -l)
	url=$(grep -o '"audio":{"mode":"url","url":\["[^"]*"' "$page" 2>/dev/null | sed 's/.*\["//; s/"$//')
	if grep -q 'id="mlv-meta"' "$page" 2>/dev/null && [ "$maps" -eq "$2" ] &&
	   [ -n "$url" ] && [ -f "$SCRATCH/$1/$url" ]; then
		ok "$1: explore.html, $2 map(s), playing $url"
	else
		not_ok "$1: explore.html of $2 map(s) playing the corpus" "maps: $maps, first audio URL: '$url'"
	fi
}

# runs_ok NAME FILE RUNS COLUMN=VALUE...: the one summary line matching
# is the mean of RUNS runs, with their standard deviation.
runs_ok() {
	name=$1 f=$2 want=$3
	shift 3
	got=$(awk -F '\t' -v conds="$(printf '%s\n' "$@")" 'NR == 1 {
		for (i = 1; i <= NF; i++) col[$i] = i; n = split(conds, c, "\n"); next }
		{ ok = 1; for (j = 1; j <= n; j++) { split(c[j], kv, "=");
			if ($col[kv[1]] != kv[2]) ok = 0 } }
		ok { print $col["runs"] "/" $col["sd"] }' "$f")
	case $got in
	"$want"/[0-9]*) ok "$name: mean and sd of $want runs ($got)" ;;
	*) not_ok "$name: mean and sd of $want runs" "runs/sd: '$got'" ;;
	esac
}

# T1 on 0.2-s notes, 3 epochs, 2 seeds.
run notes notes NOTE_SECONDS=0.2 EPOCHS_FC=3 PERPLEXITY=10 SEEDS="0 1"
r=$SCRATCH/notes/results.tsv
# In raw spectra the nearest notes share the pitch, and among notes of
# one pitch the loudness; the rest is range-checked (3 epochs train
# nothing much).
for key in pitch loudness; do
	u=notes
	[ $key = loudness ] && u='same pitch'
	a=$(value "$r" space=raw "unit=$u" metric=knn_agreement key=label.$key)
	c=$(value "$r" space=raw "unit=$u" metric=chance_agreement key=label.$key)
	in_range "notes: raw $key agreement ($u) beats chance ($c)" "$c" 1 "$a"
done
for key in pitch instrument loudness; do
	in_range "notes: latent $key agreement is a share" 0 1 \
		"$(value "$r" space=latent unit=columns metric=knn_agreement key=label.$key)"
done
in_range "notes: the octave probe's instrument accuracy is a share" 0 1 \
	"$(awk -F '\t' '$1 == "latent" && $2 ~ /^probe/ && $3 == "accuracy" && $4 == "label.instrument" { print $5 }' "$r")"
runs_ok "notes: latent pitch agreement" "$r" 2 space=latent unit=columns metric=knn_agreement key=label.pitch
# The plain baseline (log-mel mean and spread per note) keeps pitch.
in_range "notes: mel baseline's pitch agreement beats chance" \
	"$(value "$r" space=mel unit=notes metric=chance_agreement key=label.pitch)" 1 \
	"$(value "$r" space=mel unit=notes metric=knn_agreement key=label.pitch)"
# Loudness as an order: the velocity probe, tested on pitches it never
# saw, ranks each pitch and instrument's notes from the log-mel baseline.
in_range "notes: mel velocity probe's Spearman within pitch and instrument" 0.5 1 \
	"$(value "$r" space=mel "unit=folds by pitch" metric=spearman_within key=label.velocity)"
in_range "notes: latent velocity probe's R^2 is at most 1" -100 1 \
	"$(value "$r" space=latent "unit=folds by pitch" metric=r2 key=label.velocity)"
check "notes: the spectrogram is min-max scaled by statistics fitted on the training notes" sh -c \
	"mlv-cat -H '$SCRATCH/notes/spec-stats.mlv' | grep -q 'norm=minmax' && mlv-cat -t tsv '$SCRATCH/notes/spec.mlv' | awk -F '\t' '{ for (i = 1; i <= NF; i++) { if (\$i < lo) lo = \$i; if (\$i > hi) hi = \$i } } END { exit !(lo > -1e-6 && hi < 1 + 1e-6 && hi > 0.99) }'"
svgs_ok notes 10
explore_ok notes 2

# T2 on 12-s renditions.
run performers performers PIECE_SECONDS=12 SEGMENT_HOP=1 EPOCHS_FC=2 \
	EPOCHS_LSTM=3 PERPLEXITY=5 SEEDS="0 1"
r=$SCRATCH/performers/results.tsv
check "performers: an ARI per space, seed, piece and pair" sh -c \
	"[ \$(grep -c '	ari	' '$SCRATCH/performers/runs.tsv') -eq 45 ]"
for s in lstm mean mel; do
	in_range "performers: ARI of the paper's pair ($s)" -1 1 \
		"$(value "$r" space=$s pair=paper metric=ari)"
done
runs_ok "performers: the paper's pair's ARI over seeds and pieces" "$r" 6 space=lstm pair=paper metric=ari
sed 1d "$SCRATCH/performers/separation.tsv" | cut -f 6 >fisher.got
sort -gr fisher.got >fisher.sorted
check "performers: 16 dimensions ranked by Fisher's ratio" sh -c \
	'[ $(wc -l <fisher.got) -eq 16 ] && cmp -s fisher.got fisher.sorted'
svgs_ok performers 5
explore_ok performers 1

# T3 on sections of 10 to 30 s (--section-seconds 20): 1 to 3 segments each.
run sections sections SECTION_SECONDS=20 KERNEL=1 EPOCHS_FC=2 EPOCHS_LSTM=3 SEEDS="0 1"
r=$SCRATCH/sections/results.tsv
runs_ok "sections: LSTM F-measure" "$r" 2 space=lstm metric=f_measure key=all
for s in lstm mean mel every; do
	in_range "sections: F-measure over all pieces ($s)" 0 1 \
		"$(value "$r" space=$s metric=f_measure key=all)"
done
svgs_ok sections 8
explore_ok sections 1

# The demo's page links every plot and table of the runs above.
sh "$EX/index.sh" "$SCRATCH" >/dev/null
check "index.html links every plot" sh -c "[ \$(grep -c '<img ' '$SCRATCH/index.html') -eq \$(ls '$SCRATCH'/*/*.svg | wc -l) ] && grep -q '<h2 id=\"sections\">' '$SCRATCH/index.html'"
check "index.html links each experiment's explore.html" sh -c "for e in notes performers sections; do grep -q \"<a href=\\\"\$e/explore.html\\\">\" '$SCRATCH/index.html' || exit 1; done"

# Symphony2vec's protocol on 3 composers x 3 tracks of 10 s, 5-s clips.
run composers composers COMPOSERS=3 TRACKS=3 TRACK_SECONDS=10 \
	CLIP_SECONDS=5 DIMS=4 EPOCHS=2 K=3 SEEDS="0 1" LSTM_STEPS=18
r=$SCRATCH/composers/results.tsv
runs_ok "composers: PCA accuracy over the folds" "$r" 3 embedding=pca classifier=logreg metric=accuracy key=label.composer
runs_ok "composers: autoencoder accuracy over folds and seeds" "$r" 6 embedding=ae classifier=logreg metric=accuracy key=label.composer
for e in raw pca meanstd ae cae vae sup-logreg sup-mlp sup-lstm; do
	for c in logreg knn; do
		in_range "composers: $e + $c accuracy" 0 1 \
			"$(value "$r" embedding=$e classifier=$c metric=accuracy key=label.composer)"
	done
done
# Table 4: every row, each cell a mean ± sd of finite figures in [0, 1]
# (the majority's track accuracy is not measured).
check "composers: table4.tsv has every row, every cell finite" awk -F '\t' '
	NR == 1 { next }
	{ seen[$1]; for (i = 2; i <= 4; i++) {
		if ($1 == "majority" && i == 4) continue
		if (split($i, p, " ± ") != 2 || p[1] !~ /^[0-9.]+$/ || p[2] !~ /^[0-9.]+$/ ||
		    p[1] + 0 > 1) exit 1 } }
	END { n = split("ae cae vae pca raw meanstd sup-logreg sup-mlp sup-lstm majority", r, " ")
		for (i = 1; i <= n; i++) if (!(r[i] in seen)) exit 1
		exit NR != n + 1 }' "$SCRATCH/composers/table4.tsv"
# The best row's confusion matrix, summed over the 3 folds, counts every
# test clip once (n in results.tsv is the mean per fold).
check "composers: the best row's confusion matrix counts every test clip" sh -c '
	d=$1
	clips=$(awk -F "\t" "\$1 == \"raw\" && \$2 == \"logreg\" && \$3 == \"accuracy\" { print \$8 * 3 }" "$d/results.tsv")
	sum=$(awk -F "\t" "NR > 1 { for (i = 2; i <= NF; i++) s += \$i } END { print s }" "$d/confusion.tsv")
	[ -s "$d/table4-best" ] && [ -s "$d/confusion.svg" ] && [ -n "$clips" ] && [ "$sum" = "$clips" ]' sh "$SCRATCH/composers"
check "composers: every track tested in exactly one fold, never among its training tracks" sh -c '
	d=$1; cut -f 1 "$d/all.tsv" | sed 1d | sort -u >all.got
	for f in 0 1 2; do
		cut -f 1 "$d/fold-$f/train.tsv" | sed 1d | sort -u >tr.got
		cut -f 1 "$d/fold-$f/test.tsv" | sed 1d | sort -u >te.got
		[ -s te.got ] && [ -z "$(comm -12 tr.got te.got)" ] || exit 1
		cat te.got
	done | sort >tested.got
	[ -s all.got ] && cmp -s all.got tested.got' sh "$SCRATCH/composers"

# The wide feature (64 mel bands x 216 frames): its PCA rows on pooled
# clips, and the CNN on the clips' frames.
run composers-mel composers COMPOSERS=3 TRACKS=3 TRACK_SECONDS=10 \
	CLIP_SECONDS=5 DIMS=4 EPOCHS=2 K=3 SEEDS=0 FEATURE=mel AUTOENCODERS=ae
for e in pca sup-cnn; do
	in_range "composers (mel): $e + logreg accuracy" 0 1 \
		"$(value "$SCRATCH/composers-mel/results.tsv" embedding=$e classifier=logreg metric=accuracy key=label.composer)"
done

# music-explore's workflow on the same kind of collection.
run explore explore COMPOSERS=3 TRACKS=2 TRACK_SECONDS=20 PCA_DIMS=5 \
	PLAYLIST_LENGTH=3 PERPLEXITY=5 SEEDS="0 1"
r=$SCRATCH/explore/results.tsv
runs_ok "explore: UMAP's trustworthiness" "$r" 2 space=umap metric=trustworthiness
runs_ok "explore: k-means ARI" "$r" 2 space=k-means metric=ari key=label.artist
for m in pca std-pca tsne umap; do
	in_range "explore: $m map's trustworthiness" 0 1 \
		"$(value "$r" space=$m metric=trustworthiness)"
done
check "explore: a playlist of 3 tracks" sh -c "[ \$(sed 1d '$SCRATCH/explore/playlist.tsv' | wc -l) -eq 3 ]"
svgs_ok explore 8
explore_ok explore 2

# The gallery: one picture of every kind, each SVG well-formed XML.
run gallery gallery EPOCHS=3
svgs_ok gallery 11
check "gallery: every picture is well-formed XML" python3 -c '
import sys, xml.etree.ElementTree as ET
for f in sys.argv[1:]: ET.parse(f)' "$SCRATCH"/gallery/*.svg

# Sharded extraction, merged with cat, equals the single run; the Slurm
# script's tasks run here one by one, and GNU parallel's --sshlogin path
# on the local machine (':').
if command -v parallel >/dev/null 2>&1 && parallel --version 2>/dev/null | grep -q GNU; then
	run parallel parallel COMPOSERS=2 TRACKS=2 TRACK_SECONDS=4 SHARDS=3
	check "parallel: merged shards equal the single run" grep -q "^merged parallel shards vs single run.*identical$" "$SCRATCH/parallel/results.tsv"
	check "parallel: statistics fitted from shard moments scale, fit, map and cluster as the single run" sh -c '
		grep -q "^z-scores from merged shard moments.*identical$" "$1" &&
		grep -q "^shards scaled with them vs single run.*identical$" "$1" &&
		grep -q "^k-means over shards vs one process.*identical$" "$1" &&
		[ "$(grep -c -E "(identical|within 1e-6 .*)$" "$1")" -eq 6 ]' sh "$SCRATCH/parallel/results.tsv"
	run parallel parallel COMPOSERS=2 TRACKS=2 TRACK_SECONDS=4 SHARDS=3 slurm-local
	run parallel parallel COMPOSERS=2 TRACKS=2 TRACK_SECONDS=4 SHARDS=3 SSHLOGIN=: ssh
else
	skip "examples/parallel (GNU parallel is not installed)"
fi

# Your own audio without the labels an experiment scores against: one
# clear line, a failed make, nothing computed.
mkdir -p nolabels
printf 'file\tpitch\nx.wav\tD4\n' >nolabels/labels.tsv
out=$(make -s -C "$EX/notes" OUT="$SCRATCH/nolabels-out" AUDIO="$SCRATCH/nolabels" \
	MLV_BIN="$MLV_BIN" MLV_TOOLS="$MLV_TOOLS" 2>&1)
status=$?
if [ $status -ne 0 ] && echo "$out" | grep -q "labels.tsv: no column instrument" &&
   [ ! -e "$SCRATCH/nolabels-out/spec.mlv" ]; then
	ok "examples: AUDIO without a label column fails naming it"
else
	not_ok "examples: AUDIO without a label column fails naming it" "status $status" "$out"
fi
