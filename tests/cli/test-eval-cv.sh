#!/bin/sh
# test-eval-cv.sh - mlv-eval classify's group k-fold cross-validation
# (--folds, --group), on generated tracks whose clips a leaking split
# would give away.
. "$(dirname "$0")/lib.sh"
TAB=$(printf '\t')

# cv FILE METRIC FOLD: the value on the line of METRIC and FOLD.
cv() { awk -F '\t' -v m="$2" -v f="$3" '$2 == m && $4 == f { print $5 }' "$1"; }

# 13 tracks (6 of composer a, 5 of b, 2 of c), each 3 clips (records) of
# 4 rows in a tight cloud at a random place unrelated to the composer.
# 1-NN gets a clip right whenever another clip of its track is among the
# training rows, so a split that leaks a track scores about 1, one that
# keeps tracks whole about chance.
awk 'BEGIN { srand(7); n = split("a a a a a a b b b b b c c", comp, " ");
	for (t = 1; t <= n; t++) { x = 10 * rand(); y = 10 * rand();
		for (k = 0; k < 3; k++) for (i = 0; i < 4; i++)
			printf "%d\t%s\t%d\t%.4f\t%.4f\n", t, comp[t], k, x + 0.01 * rand(), y + 0.01 * rand() } }' >rnd.txt
: >rnd.mlv
for t in $(seq 1 13); do
	c=$(awk -F '\t' -v t=$t '$1 == t { print $2; exit }' rnd.txt)
	for k in 0 1 2; do
		awk -F '\t' -v t=$t -v k=$k '$1 == t && $3 == k { print $4 "\t" $5 }' rnd.txt |
			mlv-cat -f tsv --set id=t$t/$k --set label.track=t$t --set label.composer=$c >>rnd.mlv
	done
done
knn="--classifier knn -n 1 --no-standardize"
mlv-eval classify --folds 4 --group label.track --label label.composer $knn rnd.mlv >cv.tsv 2>cv.err
check "tracks kept whole: 1-NN about chance, not memory" awk -F '\t' \
	'$2 == "accuracy" && $4 == "mean" { exit !($5 < 0.6) }' cv.tsv
mlv-eval classify --folds 4 --group id --label label.composer $knn rnd.mlv >leak.tsv 2>/dev/null
check "clips as groups leak tracks: 1-NN scores 1 (what the test above would see)" \
	test "$(cv leak.tsv accuracy mean) $(cv leak.tsv accuracy sd)" = "1 0"
check "every row tested once: the folds' test rows add up to 156" test \
	"$(awk -F '\t' '$2 == "accuracy" && $4 ~ /^[0-9]+$/ { s += $6 } END { print s }' cv.tsv)" = 156
check "every track tested once: the folds' tracks add up to 13" test \
	"$(awk -F '\t' '$2 == "track_accuracy" && $4 ~ /^[0-9]+$/ { s += $6 } END { print s }' cv.tsv)" = 13
mlv-eval classify --folds 4 --group label.track --label label.composer $knn --predictions pred.mlv rnd.mlv >/dev/null 2>&1
check "--predictions: one prediction per row" test "$(mlv-cat -t tsv pred.mlv | wc -l)" = 156

# mean and sd against a hand computation (sample sd, k - 1)
for m in accuracy balanced_accuracy track_accuracy majority_baseline; do
	want=$(awk -F '\t' -v m=$m '$2 == m && $4 ~ /^[0-9]+$/ { v[++n] = $5; s += $5 }
		END { mu = s / n; for (i = 1; i <= n; i++) ss += (v[i] - mu) ^ 2
		printf "%.5f %.5f", mu, sqrt(ss / (n - 1)) }' cv.tsv)
	got=$(printf '%.5f %.5f' "$(cv cv.tsv $m mean)" "$(cv cv.tsv $m sd)")
	check "$m: mean and sd over the folds ($want)" test "$got" = "$want"
done

# a class with fewer groups than folds: one warning, and in the output
check "composer c: 2 tracks for 4 folds, one warning line" test \
	"$(cat cv.err)" = "mlv-eval: rnd.mlv: label.composer=c is in 2 groups (label.track): tested in 2 of 4 folds"
check "... and its groups and folds in the output" test \
	"$(awk -F '\t' '($2 == "groups" || $2 == "folds") && $3 == "label.composer=c" { printf "%s %s ", $5, $6 }' cv.tsv)" = "2 24 2 24 "
check "... the other composers in all 4 folds" test \
	"$(awk -F '\t' '$2 == "folds" && $3 != "label.composer=c" { printf "%s ", $5 }' cv.tsv)" = "4 4 "
mlv-eval classify -q --folds 4 --group label.track --label label.composer $knn rnd.mlv >q.tsv 2>q.err
check "-q: no warning" test ! -s q.err
same "-q: the same numbers" cv.tsv q.tsv

# separable composers: each fold perfect, sd 0
awk 'BEGIN { srand(3); for (t = 0; t < 8; t++) for (i = 0; i < 5; i++)
	printf "%d\t%.4f\t%.4f\n", t, 20 * (t % 2) + rand(), rand() }' >sep.txt
: >sep.mlv
for t in $(seq 0 7); do
	awk -F '\t' -v t=$t '$1 == t { print $2 "\t" $3 }' sep.txt |
		mlv-cat -f tsv --set id=s$t --set label.track=s$t --set label.composer=$((t % 2)) >>sep.mlv
done
mlv-eval classify --folds 4 --group label.track --label label.composer sep.mlv >sep.tsv
check "separable classes: logreg right in every fold" test \
	"$(cv sep.tsv accuracy mean) $(cv sep.tsv accuracy sd) $(cv sep.tsv track_accuracy mean)" = "1 0 1"
check "stratified: 4 tracks of each class over 4 folds, one of each per fold" test \
	"$(awk -F '\t' '$2 == "accuracy" && $4 ~ /^[0-9]+$/ { printf "%s ", $6 }' sep.tsv)" = "10 10 10 10 "
check "... chance 1/2, majority baseline 0.5 per fold" test \
	"$(cv sep.tsv chance_balanced all) $(cv sep.tsv majority_baseline mean)" = "0.5 0.5"

# groups of several classes (folds by pitch, predicting the instrument):
# every class in every fold, no warning, tracks by src
awk 'BEGIN { for (p = 0; p < 4; p++) for (i = 0; i < 2; i++) printf "%d %d %g\n", p, i, 5 * i + 0.1 * p }' |
	while read -r p i x; do
		echo "$x" | mlv-cat -f tsv --set id=n$p$i --set src=n$p$i.wav --set label.pitch=$p --set label.instrument=$i
	done >pi.mlv
mlv-eval classify --folds 4 --group label.pitch --label label.instrument pi.mlv >pi.tsv 2>pi.err
check "groups of two classes: no warning, each class in 4 folds, right in each" test \
	"$(cat pi.err)|$(awk -F '\t' '$2 == "folds" { printf "%s ", $5 }' pi.tsv)|$(cv pi.tsv accuracy mean) $(cv pi.tsv track_accuracy 1)" = "|4 4 |1 1"

# deterministic for a seed; another seed, other folds
mlv-eval classify --folds 4 --group label.track --label label.composer $knn --seed 0 rnd.mlv >s0.tsv 2>/dev/null
same "--seed 0 is the default" cv.tsv s0.tsv
mlv-eval classify --folds 4 --group label.track --label label.composer $knn --seed 5 rnd.mlv >s5.tsv 2>/dev/null
check "--seed 5 deals other folds" sh -c '! cmp -s cv.tsv s5.tsv'

# several inputs: one block (or --table line) each, same folds
mlv-eval classify --folds 4 --group label.track --label label.composer $knn --name A --name B rnd.mlv rnd.mlv >two.tsv 2>/dev/null
check "two inputs, named: the same figures under each name" test \
	"$(awk -F '\t' '$1 == "A"' two.tsv | cut -f 2-)" = "$(awk -F '\t' '$1 == "B"' two.tsv | cut -f 2-)"
mlv-eval classify --folds 4 --group label.track --label label.composer --table --name rnd --name sep $knn rnd.mlv sep.mlv >tab.tsv 2>/dev/null
check "--table: a header and one line per input" test "$(wc -l <tab.tsv) $(cut -f 1 tab.tsv | tr '\n' ' ')" = "3 name rnd sep "
check "--table: the mean and sd of the long output" test \
	"$(awk -F '\t' '$1 == "rnd" { print $2, $3, $10, $11, $12 }' tab.tsv)" = "$(cv cv.tsv accuracy mean) $(cv cv.tsv accuracy sd) 0.333333 4 156"

# two streams: a group on both sides is refused, naming it
mlv-cat -w label.track=t1 rnd.mlv >tr.mlv
mlv-cat -w label.track=t7 rnd.mlv >>tr.mlv
mlv-cat -w label.track=t7 rnd.mlv >te.mlv
mlv-cat -w label.track=t9 rnd.mlv >>te.mlv
fails "--group: a track on both sides of --train and the test" 1 \
	"^mlv-eval: te.mlv: record 1 \\(id=t7/0\\): label.track=t7 is also in the training rows, tr.mlv: record 4 \\(id=t7/0\\) \\(a group must be on one side of the split\\)$" \
	mlv-eval classify --group label.track --train tr.mlv --label label.composer te.mlv
mlv-cat -w label.track=t9 rnd.mlv >te9.mlv
mlv-cat -w label.track=t12 rnd.mlv >>te9.mlv
check "--group: disjoint tracks pass" mlv-eval classify --group label.track --train tr.mlv --label label.composer $knn te9.mlv

# errors
fails "--folds without --group" 2 "^mlv-eval: --folds needs --group" mlv-eval classify --folds 3 --label label.composer rnd.mlv
fails "--folds and --train" 2 "^mlv-eval: classify needs --train FILE or --folds K, not both" \
	mlv-eval classify --folds 3 --group label.track --train tr.mlv --label label.composer rnd.mlv
fails "--folds 1" 2 "^mlv-eval: --folds 1: " mlv-eval classify --folds 1 --group label.track --label label.composer rnd.mlv
fails "more folds than groups" 1 "^mlv-eval: rnd.mlv: 13 groups for 14 folds: every fold needs a group \\(--group label.track\\)$" \
	mlv-eval classify --folds 14 --group label.track --label label.composer rnd.mlv
fails "a record without the group key" 1 "^mlv-eval: rnd.mlv: record 1 \\(id=t1/0\\): no label.nope \\(--group label.nope\\)$" \
	mlv-eval classify --folds 3 --group label.nope --label label.composer rnd.mlv
fails "--name for some inputs only" 2 "^mlv-eval: 1 --name for 2 inputs" \
	mlv-eval classify --folds 3 --group label.track --label label.composer --name A rnd.mlv sep.mlv
fails "--seed without --folds" 2 "^mlv-eval: --seed, --name and --table go with --folds" \
	mlv-eval classify --seed 3 --train tr.mlv --label label.composer te9.mlv

# ---- per-class recall and the confusion matrix ----
# 1-NN on a line: training a at 0, b at 10, c at 20; test rows a at 1 and
# 9, b at 11 and 2, c at 19 and 21, and d (no training rows) at 30
for v in a:0 b:10 c:20; do
	echo "${v#*:}" | mlv-cat -f tsv --set id=tr-${v%:*} --set label.c=${v%:*}
done >ctrain.mlv
for v in a:1 a:9 b:11 b:2 c:19 c:21 d:30; do
	echo "${v#*:}" | mlv-cat -f tsv --set id=te-${v#*:} --set label.c=${v%:*}
done >ctest.mlv
mlv-eval classify $knn --train ctrain.mlv --label label.c --confusion conf.tsv \
	--confusion-stream conf.mlv --no-header ctest.mlv >conf.out 2>/dev/null
lines() { cat >want.txt; same "$1" want.txt "$2"; }
lines "--confusion: rows true, columns predicted, with the class names" conf.tsv <<EOF2
label.c${TAB}a${TAB}b${TAB}c${TAB}d
a${TAB}1${TAB}1${TAB}0${TAB}0
b${TAB}1${TAB}1${TAB}0${TAB}0
c${TAB}0${TAB}0${TAB}2${TAB}0
d${TAB}0${TAB}0${TAB}1${TAB}0
EOF2
check "per-class recall, a test-only class included" test \
	"$(awk -F '\t' '$1 == "recall" { printf "%s=%s/%s ", $2, $3, $4 }' conf.out)" = \
	"label.c=a=0.5/2 label.c=b=0.5/2 label.c=c=1/2 label.c=d=0/1 "
check "--confusion-stream: the same counts in one 4 x 4 record" test \
	"$(mlv-cat -t tsv conf.mlv | tr '\t\n' ' ;')" = "1 1 0 0;1 1 0 0;0 0 2 0;0 0 1 0;"
check "--confusion-stream: kind=confusion, the names of rows and columns" sh -c '
	head -n 1 conf.mlv | grep -q " kind=confusion " && head -n 1 conf.mlv | grep -q " rownames=a,b,c,d colnames=a,b,c,d"'
if command -v gnuplot >/dev/null 2>&1; then
	mlv-plot --kind heatmap --script -o conf.png conf.mlv >conf.gp
	check "mlv-plot --kind heatmap names both axes by class" sh -c '
		grep -q "^set xlabel .true class" conf.gp && grep -q "^set ylabel \"predicted class\"" conf.gp &&
		grep -q "^set xtics rotate by -30 left (\"a\" 0, \"b\" 1, \"c\" 2, \"d\" 3)" conf.gp &&
		grep -q "^set ytics (\"a\" 0, \"b\" 1, \"c\" 2, \"d\" 3)" conf.gp'
	check "... and draws it" mlv-plot --kind heatmap -o conf.png conf.mlv
else
	skip "mlv-plot draws the confusion matrix" "no gnuplot"
fi
mlv-eval classify --folds 4 --group label.track --label label.composer $knn --confusion cvc.tsv rnd.mlv >cvc.out 2>/dev/null
check "--folds --confusion: every row once, over the folds' test rows" test \
	"$(awk -F '\t' 'NR > 1 { for (i = 2; i <= NF; i++) s += $i } END { print s }' cvc.tsv)" = 156
check "--folds: recall of each class from the same predictions" test \
	"$(awk -F '\t' '$1 == "a" { print $2 / ($2 + $3 + $4) }' cvc.tsv)" = \
	"$(awk -F '\t' '$2 == "recall" && $3 == "label.composer=a" { print $5 }' cvc.out)"
fails "--confusion with two inputs" 2 "take one input with --folds" \
	mlv-eval classify --folds 4 --group label.track --label label.composer --confusion x.tsv rnd.mlv sep.mlv

# ---- regress ----
# 6 pitches x 2 instruments x 4 velocities, one row each: column 1 rises
# with velocity (plus noise smaller than a step), columns 2 and 3 are
# pitch and instrument
awk 'BEGIN { srand(11); for (p = 0; p < 6; p++) for (i = 0; i < 2; i++) for (v = 1; v <= 4; v++)
	printf "%d %d %d %.4f %.4f %.4f\n", p, i, 30 * v, 0.5 * v + 0.3 * rand(), p + rand(), 3 * i + rand() }' |
	while read -r p i v a b c; do
		printf '%s\t%s\t%s\n' "$a" "$b" "$c" |
			mlv-cat -f tsv --set id=n$p-$i-$v --set label.pitch=$p --set label.instrument=$i --set label.velocity=$v
	done >notes.mlv
mlv-eval regress --target label.velocity --folds 3 --group label.pitch \
	--within label.pitch,label.instrument notes.mlv >rg.tsv
check "regress: velocity ordered within every pitch and instrument" test \
	"$(cv rg.tsv spearman_within all) $(cv rg.tsv spearman_within_sd all) $(awk -F '\t' '$2 == "spearman_within" && $4 == "all" { print $6 }' rg.tsv)" = "1 0 12"
check "regress: every note tested once (16 a fold)" test \
	"$(awk -F '\t' '$2 == "r2" && $4 ~ /^[0-9]+$/ { printf "%s ", $6 }' rg.tsv)" = "16 16 16 "
check "regress: R^2 near 1 in every fold" awk -F '\t' \
	'$2 == "r2" && $4 ~ /^[0-9]+$/ && !($5 > 0.9) { exit 1 }' rg.tsv
for m in r2 spearman; do
	want=$(awk -F '\t' -v m=$m '$2 == m && $4 ~ /^[0-9]+$/ { v[++n] = $5; s += $5 }
		END { mu = s / n; for (i = 1; i <= n; i++) ss += (v[i] - mu) ^ 2
		printf "%.5f %.5f", mu, sqrt(ss / (n - 1)) }' rg.tsv)
	check "regress $m: mean and sd over the folds ($want)" test \
		"$(printf '%.5f %.5f' "$(cv rg.tsv $m mean)" "$(cv rg.tsv $m sd)")" = "$want"
done
mlv-cat -w label.pitch=0 notes.mlv >p0.mlv
mlv-cat -w label.pitch=1 notes.mlv >p1.mlv
mlv-eval regress --target label.velocity --train p0.mlv --within label.instrument --no-header p1.mlv >rt.tsv
check "regress --train: r2, spearman, spearman_within and its sd over 2 instruments" test \
	"$(cut -f 1,4 rt.tsv | tr '\t\n' ': ')" = "r2:8 spearman:8 spearman_within:2 spearman_within_sd:2 "
mlv-eval regress --target label.velocity --folds 3 --group label.pitch --table --name notes notes.mlv >rtab.tsv
check "regress --table: one line, without --within no spearman_within" test \
	"$(sed -n 2p rtab.tsv | cut -f 1,6,8,9)" = "notes${TAB}nan${TAB}3${TAB}48"
mlv-cat --set label.velocity=loud p1.mlv >loud.mlv
fails "a target that is not a number" 1 \
	"^mlv-eval: loud.mlv: record 1 \\(id=n1-0-30\\): label.velocity=loud is not a number \\(--target label.velocity\\)$" \
	mlv-eval regress --target label.velocity --train p0.mlv loud.mlv
fails "regress --group: a pitch on both sides" 1 "label.pitch=1 is also in the training rows" \
	mlv-eval regress --target label.velocity --group label.pitch --train notes.mlv p1.mlv
fails "regress without --target" 2 "^mlv-eval: regress needs --target KEY" mlv-eval regress --train p0.mlv p1.mlv
fails "--within a list with neighbours" 2 "^mlv-eval: --within a,b: neighbours takes one key" \
	mlv-eval neighbours --within a,b --label label.pitch notes.mlv
fails "--alpha -1" 2 "^mlv-eval: --alpha -1: " mlv-eval regress --alpha -1 --target label.velocity --train p0.mlv p1.mlv
