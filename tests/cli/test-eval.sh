#!/bin/sh
# test-eval.sh - mlv-eval's four subcommands on generated data, on the
# scikit-learn fixture of tests/ref/eval-* and on mlv-cluster's and
# mlv-simmat's output, with exact expected numbers; then its errors.
. "$(dirname "$0")/lib.sh"
REF=$TESTS_DIR/ref

# value FILE METRIC KEY: the value on the line of METRIC and KEY.
value() { awk -F '\t' -v m="$2" -v k="$3" '$1 == m && $2 == k { print $3 }' "$1"; }
# within NAME FILE METRIC KEY LO HI: LO <= value <= HI.
within() {
	v=$(value "$2" "$3" "$4")
	if [ -n "$v" ] && awk -v v="$v" -v lo="$5" -v hi="$6" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
		ok "$1"
	else
		not_ok "$1" "$3 $4 = '$v', expected in [$5, $6]" "$(cat "$2")"
	fi
}
# lines NAME FILE: FILE holds exactly the lines on stdin.
lines() {
	cat >"$SCRATCH/.want"
	same "$1" "$SCRATCH/.want" "$2"
}
TAB=$(printf '\t')

# ---- neighbours ----
# 6 records of 40 rows; the b records sit 20 units away
mlv-gen --records 6 --rows 40 --cols 5 --separation 20 --seed 3 >blobs.mlv
mlv-eval neighbours --label label.part blobs.mlv >n.tsv
lines "separated classes: agreement 1, chance (120-1)/(240-1)" n.tsv <<EOF
metric${TAB}key${TAB}value${TAB}n
knn_agreement${TAB}label.part${TAB}1${TAB}240
knn_accuracy${TAB}label.part${TAB}1${TAB}240
chance_agreement${TAB}label.part${TAB}0.497908${TAB}240
EOF
mlv-gen --records 20 --rows 20 --cols 5 --seed 4 >noise.mlv
mlv-eval neighbours -n 10 --label label.part noise.mlv >noise.tsv
within "labels unrelated to the rows: agreement near chance" noise.tsv knn_agreement label.part 0.42 0.58
check "chance on unrelated labels: (200-1)/(400-1)" test "$(value noise.tsv chance_agreement label.part)" = 0.498747
mlv-eval neighbours --measure cosine -n 3 --label label.part --label id --no-header blobs.mlv >two.tsv
check "several labels, in order, without a header" sh -c '
	[ "$(cut -f 1,2 two.tsv | tr "\t\n" ":,")" = "knn_agreement:label.part,knn_accuracy:label.part,chance_agreement:label.part,knn_agreement:id,knn_accuracy:id,chance_agreement:id," ]'
# Tracks are tight clouds at 0, 10, ..., 50 whose composer alternates x y:
# a row's neighbours are its own track's (agreement 1) unless --exclude
# puts the track aside; then they come from the next tracks, of the other
# composer (agreement 0).
awk 'BEGIN { for (t = 0; t < 6; t++) for (i = 0; i < 10; i++)
	printf "%d\t%g\t%g\n", t, 10 * t + 0.01 * i, 0.01 * (i % 3) }' >tracks.txt
: >tracks.mlv
for t in 0 1 2 3 4 5; do
	c=$([ $((t % 2)) -eq 0 ] && echo x || echo y)
	awk -F '\t' -v t=$t '$1 == t { print $2 "\t" $3 }' tracks.txt |
		mlv-cat -f tsv --set id=track$t --set label.track=t$t --set label.composer=$c >>tracks.mlv
done
mlv-eval neighbours -n 5 --label label.composer --no-header tracks.mlv >tr1.tsv
mlv-eval neighbours -n 5 --label label.composer --exclude label.track --no-header tracks.mlv >tr2.tsv
lines "without --exclude a track judges itself" tr1.tsv <<EOF
knn_agreement${TAB}label.composer${TAB}1${TAB}60
knn_accuracy${TAB}label.composer${TAB}1${TAB}60
chance_agreement${TAB}label.composer${TAB}0.491525${TAB}60
EOF
lines "--exclude label.track: other tracks only, chance 20/50" tr2.tsv <<EOF
knn_agreement${TAB}label.composer${TAB}0${TAB}60
knn_accuracy${TAB}label.composer${TAB}0${TAB}60
chance_agreement${TAB}label.composer${TAB}0.4${TAB}60
EOF
mlv-eval neighbours --exclude id --label label.part -j 1 blobs.mlv >j1.tsv
mlv-eval neighbours --exclude id --label label.part -j 2 blobs.mlv >j2.tsv
same "the same numbers for any thread count" j1.tsv j2.tsv
check "--exclude id: chance over the other records, 80/200" test "$(value j1.tsv chance_agreement label.part)" = 0.4

# ---- classify: the scikit-learn fixture ----
# tests/ref/eval-{train,test}.tsv as one record per composer, in file order
to_mlv() {
	grep -v '^#' "$1" | cut -f 1 | uniq | while read -r c; do
		grep "^$c$TAB" "$1" | cut -f 2- |
			mlv-cat -f tsv --set id="$2/$c" --set label.composer="$c" --set label.track="$2-$c"
	done
}
to_mlv "$REF/eval-train.tsv" train >train.mlv
to_mlv "$REF/eval-test.tsv" test >test.mlv
mlv-eval classify --train train.mlv --label label.composer --predictions pred.mlv --confusion cm.tsv test.mlv >cl.tsv
# scikit-learn 1.2.1 (tests/ref/eval-logreg.tsv, case std_C1): 0.7625;
# the training classes are 30 rows each, so the baseline is the first
# (bach), 20 of the 80 test rows
lines "logreg matches scikit-learn's accuracy" cl.tsv <<EOF
metric${TAB}key${TAB}value${TAB}n
accuracy${TAB}label.composer${TAB}0.7625${TAB}80
balanced_accuracy${TAB}label.composer${TAB}0.7625${TAB}80
chance_balanced${TAB}label.composer${TAB}0.25${TAB}80
track_accuracy${TAB}label.composer${TAB}1${TAB}4
majority_baseline${TAB}label.composer${TAB}0.25${TAB}80
classes${TAB}label.composer${TAB}4${TAB}120
recall${TAB}label.composer=bach${TAB}0.9${TAB}20
recall${TAB}label.composer=chopin${TAB}0.85${TAB}20
recall${TAB}label.composer=haydn${TAB}0.55${TAB}20
recall${TAB}label.composer=mozart${TAB}0.75${TAB}20
EOF
# sklearn.metrics.confusion_matrix of the test classes and scikit-learn's
# predictions above (recall_score(average=None): 0.9 0.85 0.55 0.75)
lines "--confusion: scikit-learn's confusion matrix" cm.tsv <<EOF
label.composer${TAB}bach${TAB}chopin${TAB}haydn${TAB}mozart
bach${TAB}18${TAB}0${TAB}2${TAB}0
chopin${TAB}0${TAB}17${TAB}1${TAB}2
haydn${TAB}5${TAB}0${TAB}11${TAB}4
mozart${TAB}0${TAB}2${TAB}3${TAB}15
EOF
awk -F '\t' '$1 == "std_C1" && $2 == "predict" { for (i = 3; i <= NF; i++) print $i }' "$REF/eval-logreg.tsv" >pred.want
mlv-cat -t tsv pred.mlv >pred.got
same "--predictions: scikit-learn's class for every test row" pred.want pred.got
check "--predictions: kind=prediction and the class names" sh -c '
	mlv-cat -H pred.mlv | head -n 1 | grep -q "^MLV1 20 1 id=test/mozart .*kind=prediction .*colnames=class" &&
	mlv-cat -H pred.mlv | head -n 1 | tr " " "\n" | grep -qx class.0=bach &&
	mlv-cat -H pred.mlv | head -n 1 | tr " " "\n" | grep -qx class.3=mozart &&
	mlv-cat -H pred.mlv | head -n 1 | tr " " "\n" | grep -qx predicted=label.composer'
# raw columns, C 0.01: the exact optimum's accuracy (scikit-learn stops
# short of it there, see tests/test-eval.c)
mlv-eval classify --train train.mlv --label label.composer --no-standardize --C 0.01 test.mlv >raw.tsv
check "--no-standardize --C 0.01: the exact optimum's 0.6" test "$(value raw.tsv accuracy label.composer)" = 0.6
mlv-gen --records 8 --rows 30 --cols 4 --separation 20 --seed 5 >tr.mlv
mlv-gen --records 4 --rows 25 --cols 4 --separation 20 --seed 6 >te.mlv
for c in logreg knn; do
	mlv-eval classify --classifier $c --train tr.mlv --label label.part --no-header te.mlv >c.$c.tsv
	lines "$c separates separated classes" c.$c.tsv <<EOF
accuracy${TAB}label.part${TAB}1${TAB}100
balanced_accuracy${TAB}label.part${TAB}1${TAB}100
chance_balanced${TAB}label.part${TAB}0.5${TAB}100
track_accuracy${TAB}label.part${TAB}1${TAB}4
majority_baseline${TAB}label.part${TAB}0.5${TAB}100
classes${TAB}label.part${TAB}2${TAB}240
recall${TAB}label.part=a${TAB}1${TAB}50
recall${TAB}label.part=b${TAB}1${TAB}50
EOF
done
# one command line for both classifiers: each ignores the other's options
mlv-eval classify --classifier logreg -n 7 --measure cosine --train train.mlv --label label.composer test.mlv >lk.tsv
same "-k and -m do not change logreg" cl.tsv lk.tsv
mlv-eval classify --classifier knn -n 7 --measure cosine -j 1 --train train.mlv --label label.composer test.mlv >k1.tsv
mlv-eval classify --classifier knn -n 7 --measure cosine -j 2 --train train.mlv --label label.composer test.mlv >k2.tsv
same "knn: the same for any thread count" k1.tsv k2.tsv
within "knn on the fixture: better than chance" k1.tsv accuracy label.composer 0.5 0.9
mlv-cat --set label.composer=liszt test.mlv >liszt.mlv
mlv-eval classify --train train.mlv --label label.composer liszt.mlv >liszt.tsv 2>liszt.err
check "a class the training rows lack: a warning" grep -q "liszt.mlv: label.composer=liszt is not among the training classes" liszt.err
check "... and its rows count as errors" test "$(value liszt.tsv accuracy label.composer) $(value liszt.tsv balanced_accuracy label.composer)" = "0 0"

# track_accuracy: a vote per track.  Training rows a at 0, b at 10; with
# -n 1 a test row at 0 is predicted a, at 10 b.  Tracks by src (then id
# without its #fragment): s1 (a: 0 0 10) votes a, right; s2 (a, two
# records: 10 | 0) ties and takes the first prediction, b, wrong; the
# id c.wav (b: 10 10) votes b, right: 2 of 3.
{ printf '0\n0\n' | mlv-cat -f tsv --set id=ta --set label.c=a
  printf '10\n10\n' | mlv-cat -f tsv --set id=tb --set label.c=b; } >ttrain.mlv
{ printf '0\n0\n10\n' | mlv-cat -f tsv --set id=x1 --set src=s1 --set label.c=a --set label.t=p
  printf '10\n' | mlv-cat -f tsv --set id=x2 --set src=s2 --set label.c=a --set label.t=p
  printf '0\n' | mlv-cat -f tsv --set id=x3 --set src=s2 --set label.c=a --set label.t=q
  printf '10\n' | mlv-cat -f tsv --set id=c.wav#t=0,1 --set label.c=b --set label.t=r
  printf '10\n' | mlv-cat -f tsv --set id=c.wav#t=1,2 --set label.c=b --set label.t=r; } >ttest.mlv
mlv-eval classify --classifier knn -n 1 --no-standardize --train ttrain.mlv --label label.c ttest.mlv >tk.tsv
check "track_accuracy: tracks by src or id, ties to the first prediction" test \
	"$(value tk.tsv track_accuracy label.c) $(awk -F '\t' '$1 == "track_accuracy" { print $4 }' tk.tsv) $(value tk.tsv accuracy label.c)" = "0.666667 3 0.714286"
# by label.t: p (0 0 10 10) ties, first a, right; q (0) right; r right
mlv-eval classify --classifier knn -n 1 --no-standardize --track label.t --train ttrain.mlv --label label.c ttest.mlv >tk2.tsv
check "--track KEY groups by KEY" test "$(value tk2.tsv track_accuracy label.c)" = 1
fails "--track without the key" 1 "^mlv-eval: ttest.mlv: record 1 \\(id=x1\\): no label.u \\(--track label.u\\)$" \
	mlv-eval classify --classifier knn -n 1 --track label.u --train ttrain.mlv --label label.c ttest.mlv
mlv-cat --set label.t=p ttest.mlv >tmixed.mlv
fails "a track of two classes" 1 "^mlv-eval: tmixed.mlv: record 4 \\(id=c.wav#t=0,1\\): label.c=b, but label.c=a in tmixed.mlv: record 1 \\(id=x1\\) of the same track \\(label.t\\)$" \
	mlv-eval classify --classifier knn -n 1 --track label.t --train ttrain.mlv --label label.c tmixed.mlv
fails "--track with neighbours" 2 "^mlv-eval: --track does not go with neighbours" mlv-eval neighbours --track id --label label.part blobs.mlv

# --predictions and -o are committed together: a failed run leaves
# neither, and files already there untouched
rm -f p1.mlv
fails "-o into a missing directory" 1 "^mlv-eval: /nonexistent/r.tsv: cannot create" \
	mlv-eval classify --train train.mlv --label label.composer --predictions p1.mlv -o /nonexistent/r.tsv test.mlv
check "... leaves no predictions" test ! -e p1.mlv
echo keep >p2.mlv
echo keep >r2.tsv
mlv-eval classify --classifier knn -n 1 --track label.t --train ttrain.mlv --label label.c --predictions p2.mlv -o r2.tsv tmixed.mlv 2>/dev/null
check "a run failing late leaves both files as they were" sh -c '
	[ "$(cat p2.mlv)" = keep ] && [ "$(cat r2.tsv)" = keep ] && [ "$(ls -a | grep -c "^\\.p2\\|^\\.r2")" -eq 0 ]'
mlv-eval classify --classifier knn -n 1 --train ttrain.mlv --label label.c --predictions p2.mlv -o r2.tsv ttest.mlv
check "a run that succeeds writes both" sh -c '
	[ "$(mlv-cat -t tsv p2.mlv | tr "\n" " ")" = "0 0 1 1 0 1 1 " ] && grep -q "^track_accuracy" r2.tsv'

# ---- clusters ----
mlv-cluster -k 2 blobs.mlv >c2.mlv
mlv-eval clusters --truth label.part c2.mlv >c2.tsv
lines "clusters: two blobs recovered" c2.tsv <<EOF
metric${TAB}key${TAB}value${TAB}n
ari${TAB}label.part${TAB}1${TAB}240
nmi${TAB}label.part${TAB}1${TAB}240
purity${TAB}label.part${TAB}1${TAB}240
clusters${TAB}label.part${TAB}2${TAB}240
classes${TAB}label.part${TAB}2${TAB}240
EOF
mlv-cluster -m kmeans -k 4 --seed 2 --truth label.part noise.mlv >c4.mlv 2>c4.err
mlv-eval clusters --truth label.part --no-header c4.mlv >c4.tsv
check "clusters: the numbers mlv-cluster --truth reports" grep -q "$(printf "ARI %.4f, NMI %.4f, purity %.4f" \
	"$(value c4.tsv ari label.part)" "$(value c4.tsv nmi label.part)" "$(value c4.tsv purity label.part)")" c4.err
check "clusters: k-means' 4 clusters of 2 classes" test "$(value c4.tsv clusters label.part) $(value c4.tsv classes label.part)" = "4 2"

# ---- boundaries ----
printf 'file\tsection\tstart_s\n' >truth.tsv
printf 'sections/koto.flac\t%s\t%s\n' intro 0 A 30 B 90 A 130 coda 190 >>truth.tsv
printf 'pipa.flac\t%s\t%s\n' A 0 B 60 A 120 C 180 B 210 >>truth.tsv
printf 'greedy.flac\t%s\t%s\n' a 0 b 100 c 108 >>truth.tsv
printf '0\n0\n' | mlv-cat -f tsv --set id=/data/sections/koto.flac --set src=/data/sections/koto.flac \
	--set kind=novelty --set dt=10 --set boundaries=20,60,90,135,185 >b.mlv
printf '0\n0\n' | mlv-cat -f tsv --set id=pipa.flac#t=0,240 --set kind=novelty --set dt=10 \
	--set boundaries=60,90,150,200 >>b.mlv
# 104 is nearer 100 than 95 is, but only 95-100 and 104-108 pair both
printf '0\n0\n' | mlv-cat -f tsv --set id=greedy --set src=x/greedy.flac --set kind=novelty --set dt=5 \
	--set boundaries=104,95 >>b.mlv
mlv-eval boundaries --truth truth.tsv b.mlv >b.tsv
lines "boundaries: P, R, F per record and over all, within one row" b.tsv <<EOF
metric${TAB}key${TAB}value${TAB}n
precision${TAB}/data/sections/koto.flac${TAB}0.8${TAB}5
recall${TAB}/data/sections/koto.flac${TAB}1${TAB}4
f_measure${TAB}/data/sections/koto.flac${TAB}0.888889${TAB}9
precision${TAB}pipa.flac#t=0,240${TAB}0.5${TAB}4
recall${TAB}pipa.flac#t=0,240${TAB}0.5${TAB}4
f_measure${TAB}pipa.flac#t=0,240${TAB}0.5${TAB}8
precision${TAB}greedy${TAB}1${TAB}2
recall${TAB}greedy${TAB}1${TAB}2
f_measure${TAB}greedy${TAB}1${TAB}4
precision${TAB}all${TAB}0.727273${TAB}11
recall${TAB}all${TAB}0.8${TAB}10
f_measure${TAB}all${TAB}0.761905${TAB}21
EOF
# paths match in whole trailing components: disc1/01.wav and disc2/01.wav
# are two files; sub/p2.wav is not /b/p2.wav
printf 'file\tstart_s\ndisc1/01.wav\t0\ndisc1/01.wav\t50\ndisc2/01.wav\t0\ndisc2/01.wav\t70\n' >discs.tsv
printf 'p2.wav\t0\np2.wav\t30\nsub/p2.wav\t0\nsub/p2.wav\t90\n' >>discs.tsv
for f in /m/disc1/01.wav /m/disc2/01.wav /b/p2.wav /x/sub/p2.wav; do
	printf '0\n0\n' | mlv-cat -f tsv --set id=$f --set src=$f --set kind=novelty --set dt=1 --set boundaries=50,70,30,90
done >discs.mlv
mlv-eval boundaries --truth discs.tsv --no-header discs.mlv >discs.out
check "each disc's 01.wav gets its own boundaries" test \
	"$(value discs.out recall /m/disc1/01.wav) $(awk -F '\t' '$1 == "recall" { printf "%s ", $4 }' discs.out)" = "1 1 1 1 1 4 "
check "... found at 50, 70, 30, 90 in turn" test \
	"$(awk -F '\t' '$1 == "precision" { printf "%s ", $3 }' discs.out)" = "0.25 0.25 0.25 0.25 0.25 "
printf '0\n0\n' | mlv-cat -f tsv --set id=01.wav --set kind=novelty --set dt=1 --set boundaries=50 >bare.mlv
fails "a name two annotated files end with" 1 "^mlv-eval: bare.mlv: record 1 \\(id=01.wav\\): id 01.wav matches 2 annotated files equally well: disc1/01.wav, disc2/01.wav \\(ambiguous; more of the path would tell them apart\\)$" \
	mlv-eval boundaries --truth discs.tsv bare.mlv
printf 'file\tstart_s\nsub/p2.wav\t0\nsub/p2.wav\t90\n' >sub.tsv
printf '0\n0\n' | mlv-cat -f tsv --set id=p --set src=/b/p2.wav --set kind=novelty --set dt=1 --set boundaries=90 >p2.mlv
fails "sub/p2.wav is not /b/p2.wav" 1 "^mlv-eval: p2.mlv: record 1 \\(id=p\\): no line of sub.tsv is about /b/p2.wav" \
	mlv-eval boundaries --truth sub.tsv p2.mlv
mlv-eval boundaries --truth truth.tsv --tolerance 2 --no-header b.mlv >b2.tsv
check "--tolerance 2: of koto's boundaries only 90 is found" test "$(value b2.tsv recall /data/sections/koto.flac) $(value b2.tsv precision all)" = "0.25 0.181818"
# mlv-simmat's own output: three sections of 6, 9 and 5 rows of 10 s
awk 'BEGIN { srand(1); for (i = 0; i < 20; i++) { s = i < 6 ? 0 : i < 15 ? 1 : 2;
	for (j = 0; j < 6; j++) printf "%s%.4f", j ? "\t" : "", (j == 2 * s || j == 2 * s + 1) + 0.1 * rand(); print "" } }' |
	mlv-cat -f tsv --set id=piece --set src=audio/piece.wav --set t0=0 --set dt=10 | mlv-simmat --novelty 3 >nov.mlv
printf 'path\tstart\npiece.wav\t0\npiece.wav\t60\npiece.wav\t150\n' >piece.tsv
mlv-eval boundaries --truth piece.tsv -o nov.tsv nov.mlv
check "mlv-simmat --novelty's boundaries score 1 against their annotation" test \
	"$(value nov.tsv precision piece) $(value nov.tsv recall piece) $(value nov.tsv f_measure all)" = "1 1 1"

# ---- errors ----
fails "no subcommand" 2 "a subcommand is needed" mlv-eval
fails "an unknown subcommand" 2 "^mlv-eval: neighbors: unknown subcommand" mlv-eval neighbors --label x blobs.mlv
fails "neighbours without --label" 2 "neighbours needs --label" mlv-eval neighbours blobs.mlv
fails "an option of another subcommand" 2 "^mlv-eval: --exclude does not go with classify" mlv-eval classify --exclude id --train tr.mlv --label label.part te.mlv
fails "-n 0" 2 "^mlv-eval: --neighbours 0: " mlv-eval neighbours -n 0 --label label.part blobs.mlv
fails "an unknown measure" 2 "--measure manhattan: unknown measure" mlv-eval neighbours --measure manhattan --label label.part blobs.mlv
fails "a missing label" 1 "^mlv-eval: blobs.mlv: record 1 \\(id=gen/0\\): no label.nope \\(--label label.nope\\)$" mlv-eval neighbours --label label.nope blobs.mlv
fails "fewer than k+1 rows" 1 "^mlv-eval: blobs.mlv: 240 rows; -n 240 needs at least 241$" mlv-eval neighbours -n 240 --label label.part blobs.mlv
mlv-cat --set label.part=a blobs.mlv >oneclass.mlv
fails "one class only" 1 "^mlv-eval: oneclass.mlv: one class only, label.part=a \\(agreement would be 1 whatever the neighbours\\)$" mlv-eval neighbours --label label.part oneclass.mlv
fails "one training class" 1 "^mlv-eval: oneclass.mlv: one class only" mlv-eval classify --train oneclass.mlv --label label.part blobs.mlv
fails "--exclude leaving too few rows" 1 "record 1 \\(id=track0\\): 30 rows outside its label.composer=x, fewer than -n 40$" mlv-eval neighbours -n 40 --label label.track --exclude label.composer tracks.mlv
mlv-gen --records 2 --rows 10 --cols 3 --nan 1 >nan.mlv
fails "non-finite values" 1 "nan.mlv: record 1 \\(id=gen/0\\): row [0-9]+: NaN value" mlv-eval neighbours --label label.part nan.mlv
mlv-gen --records 2 --rows 10 --cols 3 >narrow.mlv
fails "test rows of another width" 1 "^mlv-eval: narrow.mlv: 3 columns, but the training rows \\(tr.mlv\\) have 4$" mlv-eval classify --train tr.mlv --label label.part narrow.mlv
fails "clusters of records that are not clusters" 1 "record 1 \\(id=gen/0\\): kind=test, not cluster" mlv-eval clusters --truth label.part blobs.mlv
fails "boundaries of a file nobody annotated" 1 "^mlv-eval: nov.mlv: record 1 \\(id=piece\\): no line of truth.tsv is about audio/piece.wav" mlv-eval boundaries --truth truth.tsv nov.mlv
fails "boundaries of records without boundaries" 1 "record 1 \\(id=gen/0\\): no boundaries" mlv-eval boundaries --truth truth.tsv blobs.mlv
printf 'file\tstart_s\nk.flac\tsoon\n' >bad.tsv
fails "an annotation that is not a time" 1 "^mlv-eval: bad.tsv: line 2: start \"soon\" is not a number" mlv-eval boundaries --truth bad.tsv b.mlv
fails "a truth file that is missing" 1 "^mlv-eval: none.tsv: cannot open" mlv-eval boundaries --truth none.tsv b.mlv
echo keep >kept.tsv
mlv-eval neighbours --label label.nope -o kept.tsv blobs.mlv 2>/dev/null
check "a failed run leaves -o's file alone" sh -c '[ "$(cat kept.tsv)" = keep ] && [ "$(ls -a | grep -c "^\\.kept")" -eq 0 ]'
check "--help and --version" sh -c 'mlv-eval --help | grep -q "^usage: mlv-eval neighbours" && mlv-eval --version | grep -q mlv'

# --within: neighbours only among rows sharing a key.  Four records of 3
# rows on a line; within label.g, a row's nearest is in its own record
# when records 1,2 (g=x) and 3,4 (g=y) are 100 apart but their records
# only 1 apart.
for r in 0 1 2 3; do
	awk -v r=$r 'BEGIN { for (i = 0; i < 3; i++) printf "%g\n", (r % 2) * 1 + int(r / 2) * 100 + i * 0.01 }' |
		mlv-cat -f tsv --set id=w$r --set label.g=$( [ $r -lt 2 ] && echo x || echo y) --set label.c=$r
done >within.mlv
check "--within: among rows of one group, the nearest are the record's own" sh -c '
	[ "$(mlv-eval neighbours -n 2 --within label.g --label label.c --no-header within.mlv | head -n 1 | cut -f 3)" = 1 ] &&
	[ "$(mlv-eval neighbours -n 2 --within label.g --label label.c --no-header within.mlv | sed -n 3p | cut -f 3)" = 0.4 ]'
fails "--within a group smaller than k + 1" 1 "^mlv-eval: within.mlv: record 1 \\(id=w0\\): 5 other rows share its label.g=x, fewer than -n 6 \\(--within label.g\\)$" \
	mlv-eval neighbours -n 6 --within label.g --label label.c within.mlv
fails "--within id: each record alone" 1 "^mlv-eval: blobs.mlv: record 1 \\(id=gen/0\\): 39 other rows share its id=gen/0, fewer than -n 40 \\(--within id\\)$" \
	mlv-eval neighbours -n 40 --within id --label label.part blobs.mlv
fails "--within and --exclude: the rows of the within-group outside the record's" 1 "^mlv-eval: within.mlv: record 1 \\(id=w0\\): 3 rows share its label.g=x outside its label.c=0, fewer than -n 4 \\(--within label.g --exclude label.c\\)$" \
	mlv-eval neighbours -n 4 --within label.g --exclude label.c --label label.g within.mlv
check "--within and --exclude: neighbours of the group's other record" sh -c '
	[ "$(mlv-eval neighbours -n 3 --within label.g --exclude label.c --label label.g --no-header within.mlv | head -n 1 | cut -f 3)" = 1 ]'

# --exclude with one record of most rows (it once took k + 2999
# candidates per row); the values are checked, the speed is not (no timed
# assertions here: bench/ measures)
mlv-gen --records 1 --rows 3000 --cols 16 --seed 1 | mlv-cat --set id=big >big.mlv
mlv-gen --records 10 --rows 100 --cols 16 --seed 2 | cat big.mlv - >g4000.mlv
check "--exclude with a group of 3000 of 4000 rows" sh -c '
	mlv-eval neighbours --label label.part --exclude id g4000.mlv >big.tsv &&
	[ "$(cut -f 3 big.tsv | tr "\n" " ")" = "value 0.4988 0.5105 0.496795 " ]'
