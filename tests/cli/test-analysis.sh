#!/bin/sh
# test-analysis.sh - mlv-cluster, mlv-simmat and mlv-stats on generated data.
. "$(dirname "$0")/lib.sh"

# 6 records of 40 points in 5-d; records labelled b sit 20 units away
mlv-gen --records 6 --rows 40 --cols 5 --separation 20 --seed 3 >blobs.mlv

# ---- mlv-cluster ----
for m in ward complete average single; do
	mlv-cluster -m $m -k 2 --truth label.part blobs.mlv >c.$m.mlv 2>c.$m.err
	check "$m recovers two blobs (ARI 1)" grep -q "ARI 1.0000, NMI 1.0000, purity 1.0000" c.$m.err
done
mlv-cluster -m kmeans -k 2 --seed 1 --truth label.part blobs.mlv >c.km.mlv 2>c.km.err
check "k-means recovers two blobs" grep -q "ARI 1.0000" c.km.err
mlv-cluster -m dbscan --eps 4 --min-samples 5 --truth label.part blobs.mlv >c.db.mlv 2>c.db.err
check "DBSCAN recovers two blobs" grep -q "ARI 1.0000" c.db.err
check "output: the same records, one column, kind=cluster" sh -c '
	[ "$(mlv-cat -H c.ward.mlv | cut -d " " -f 2,3 | sort -u)" = "40 1" ] &&
	[ "$(mlv-cat -H c.ward.mlv | wc -l)" -eq 6 ] &&
	mlv-cat -H c.ward.mlv | head -n 1 | grep -q "id=gen/0 .*kind=cluster .*label.part=a"'
check "cluster ids follow the blobs" sh -c '[ "$(mlv-cat -s c.ward.mlv | cut -f 6,7 | sed 1d | sort -u | wc -l)" -eq 2 ]'
mlv-cluster -k 2 --tree tree.mlv blobs.mlv >/dev/null
check "--tree writes scipy's (N-1) x 4 merge tree" sh -c 'mlv-cat -H tree.mlv | grep -q "^MLV1 239 4 id=tree kind=tree method=ward colnames=a,b,height,size"'
check "--height cuts the tree by distance" sh -c 'mlv-cluster --height 1000 blobs.mlv | mlv-cat -s | awk -F "\t" "NR > 1 && \$7 != 0 { exit 1 }"'
check "--silhouette reports a score" sh -c 'mlv-cluster -k 2 --silhouette blobs.mlv 2>&1 >/dev/null | grep -q "^mlv-cluster: silhouette 0\.[89]"'
mlv-cluster -m kmeans -k 3 --seed 7 -j 1 blobs.mlv >k1.mlv
mlv-cluster -m kmeans -k 3 --seed 7 -j 2 blobs.mlv >k2.mlv
same "k-means is the same for any thread count" k1.mlv k2.mlv
fails "k larger than the points" 1 "^mlv-cluster: blobs.mlv: -k 500 is more than the 240 rows$" mlv-cluster -k 500 blobs.mlv
fails "eps <= 0" 2 "^mlv-cluster: --eps 0: must be above 0" mlv-cluster -m dbscan --eps 0 blobs.mlv
mlv-gen --rows 1 --cols 3 >one.mlv
fails "a single point" 1 "^mlv-cluster: one.mlv: 1 rows; clustering needs at least 2$" mlv-cluster -k 1 one.mlv
mlv-gen --records 2 --rows 10 --cols 3 --nan 1 >nan.mlv
fails "NaN rows are refused with record and row" 1 "^mlv-cluster: nan.mlv: record 1 \\(id=gen/0\\): row [0-9]+: NaN value" mlv-cluster -k 2 nan.mlv
mlv-gen --rows 5 --cols 4 | cat blobs.mlv - >mixed.mlv
fails "rows of different widths" 1 "record 7 \\(id=gen/0\\): 4 columns, but the records before have 5" mlv-cluster -k 2 mixed.mlv
fails "--truth's label is checked before the clustering" 1 "no label.nope to score against \(--truth\)$" mlv-cluster -m average --max-memory 1K -k 2 --truth label.nope blobs.mlv
fails "--truth on a missing label" 1 "^mlv-cluster: blobs.mlv: record 1 \(id=gen/0\): no label.nope to score against \(--truth\)$" mlv-cluster -k 2 --truth label.nope blobs.mlv
fails "hierarchical needs a cut" 2 "cut the tree with -k or --height" mlv-cluster blobs.mlv
fails "k-means options with ward" 2 "go with -m kmeans" mlv-cluster -k 2 --seed 3 blobs.mlv

# ---- mlv-simmat ----
mlv-simmat blobs.mlv >s.mlv
check "self-similarity per record: 40 x 40, kind=simmat" sh -c '[ "$(mlv-cat -H s.mlv | cut -d " " -f 2,3 | sort -u)" = "40 40" ] && mlv-cat -H s.mlv | head -n 1 | grep -q "kind=simmat .*measure=cosine"'
check "cosine: 1 on the diagonal" sh -c 'mlv-cat -t tsv --id gen/0 s.mlv | awk -F "\t" "{ if (\$NR < 0.9999 || \$NR > 1.0001) exit 1 }"'
check "--all: one matrix over every row" sh -c '[ "$(mlv-simmat --all blobs.mlv | mlv-cat -H | cut -d " " -f 2,3)" = "240 240" ]'
mlv-gen --records 1 --rows 7 --cols 5 >q.mlv
check "--between: rows against rows" sh -c '[ "$(mlv-simmat --measure euclidean --between q.mlv blobs.mlv | mlv-cat -H | cut -d " " -f 2,3)" = "240 7" ]'
fails "--between streams of other widths" 1 "one.mlv: 3 columns, the input 5" mlv-simmat --between one.mlv blobs.mlv
mlv-simmat --query q.mlv -n 3 blobs.mlv >knn.tsv
check "--query -n: a TSV line per query row and rank" sh -c '[ "$(wc -l <knn.tsv)" -eq 22 ] && head -n 1 knn.tsv | grep -q "^query_id	query_t	rank	id	t	cosine$"'
mlv-cat --id gen/3 blobs.mlv >q3.mlv
check "a row finds itself first" sh -c 'mlv-simmat --measure euclidean --query q3.mlv -n 1 blobs.mlv | awk -F "\t" "NR > 1 && (\$4 != \"gen/3\" || \$2 != \$5 || \$6 > 0.01) { exit 1 }"'
fails "-n larger than the collection" 1 "^mlv-simmat: --neighbours 300: the collection has only 240 rows$" mlv-simmat --query q.mlv -n 300 blobs.mlv
fails "--query of another width" 1 "one.mlv: queries have 3 columns, the collection 5" mlv-simmat --query one.mlv -n 1 blobs.mlv
# three sections of 6, 9 and 5 rows, each its own direction plus noise
awk 'BEGIN { srand(1); for (i = 0; i < 20; i++) { s = i < 6 ? 0 : i < 15 ? 1 : 2;
	for (j = 0; j < 6; j++) printf "%s%.4f", j ? "\t" : "", (j == 2 * s || j == 2 * s + 1) + 0.1 * rand(); print "" } }' |
	mlv-cat -f tsv --set id=piece --set t0=0 --set dt=10 >sections.mlv
mlv-simmat --novelty 3 sections.mlv >nov.mlv
check "--novelty finds the section boundaries" sh -c 'mlv-cat -H nov.mlv | tr " " "\n" | grep -qx boundary_rows=6,15 && mlv-cat -H nov.mlv | tr " " "\n" | grep -qx boundaries=60,150'
check "--novelty writes the curve, kind=novelty" sh -c 'mlv-cat -H nov.mlv | grep -q "^MLV1 20 1 .*kind=novelty"'
fails "--novelty with a distance" 2 "--novelty needs a similarity" mlv-simmat --measure euclidean --novelty 2 sections.mlv
fails "-n without --query" 2 "--query and --neighbours go together" mlv-simmat -n 2 blobs.mlv
fails "NaN rows" 1 "NaN value" mlv-simmat nan.mlv

# ---- mlv-stats ----
awk 'BEGIN { for (i = 0; i < 10; i++) printf "%d\t%d\t%d\n", i % 2, 5 * (i % 5), 7 }' | mlv-cat -f tsv >v.mlv
mlv-stats v.mlv | mlv-cat -t tsv >v.got
printf '1\t10\t50\n0\t0.5\t0.25\n2\t7\t0\n' >v.want
same "mlv-stats ranks columns by variance" v.got v.want
: >empty.mlv
fails "mlv-stats of nothing" 1 "no rows to summarise" mlv-stats empty.mlv

# Mergeable moments: three uneven shards of the records, their moments
# concatenated and merged, fit PCA and STD-PCA as one process on all
# rows does, to the byte (moments.h gives the bound).
mlv-gen --records 7 --rows 300 --cols 6 --seed 2 >all.mlv
mlv-cat -w 'id=gen/[01]' all.mlv >s0.mlv
mlv-cat -w 'id=gen/[2345]' all.mlv >s1.mlv
mlv-cat -w 'id=gen/6' all.mlv >s2.mlv
for i in 0 1 2; do mlv-stats --moments --cross s$i.mlv >s$i.mom; done
cat s0.mom s1.mom s2.mom | mlv-stats --merge >merged.mom
check "merged moments count every row" sh -c 'mlv-cat -H merged.mom | grep -q "^MLV1 16 6 .*kind=moments count=2100 width=6 cross=1"'
for m in pca std-pca; do
	mlv-project -q -m $m --dims 3 --fit one-$m.mlv all.mlv >one-$m.map
	mlv-project -q -m $m --dims 3 --moments merged.mom --fit shards-$m.mlv </dev/null >/dev/null
	same "$m fitted on merged shard moments = fitted on all rows" one-$m.mlv shards-$m.mlv
	for i in 0 1 2; do mlv-project -q --apply shards-$m.mlv s$i.mlv; done >shards-$m.map
	same "$m: shards mapped with it and concatenated = the single run's map" one-$m.map shards-$m.map
done
for n in zscore minmax; do
	mlv-stats --moments --norm $n --norm-axis column all.mlv >one-$n.mlv
	mlv-stats --merge --norm $n --norm-axis column merged.mom >shards-$n.mlv
	same "$n statistics from merged moments = from all rows" one-$n.mlv shards-$n.mlv
done
: >none.mlv
mlv-stats --moments --cross none.mlv >none.mom
cat none.mom s0.mom none.mom s1.mom s2.mom | mlv-stats --merge >with-empty.mom
same "an empty shard's moments merge as nothing" merged.mom with-empty.mom
check "a fit applied to an empty shard writes nothing" sh -c 'mlv-project --apply shards-pca.mlv none.mlv >none.map && [ ! -s none.map ]'
# k-means over shards: each shard's clusters' moments at the current
# centroids, merged, are the next centroids; from the same start it
# reaches the labels of one process's Lloyd iterations on all rows.
mlv-gen --records 8 --rows 100 --cols 5 --separation 6 --seed 4 >km.mlv
for i in 0 1 2 3; do mlv-cat -w "id=gen/[$((2 * i))$((2 * i + 1))]" km.mlv >k$i.mlv; done
mlv-cluster -m kmeans -k 4 --seed 1 --moments k0.mlv >c0.mom
i=0
while [ $i -lt 100 ]; do
	for s in 0 1 2 3; do mlv-cluster -m kmeans --centroids c$i.mom --moments k$s.mlv; done |
		mlv-stats --merge >c$((i + 1)).mom
	i=$((i + 1))
	cmp -s c$i.mom c$((i - 1)).mom && break
done
for s in 0 1 2 3; do mlv-cluster -m kmeans --centroids c$i.mom --max-iter 0 k$s.mlv; done >km-shards.mlv
mlv-cluster -m kmeans --centroids c0.mom --tol 0 km.mlv >km-one.mlv
mlv-cat -t tsv km-shards.mlv >km-shards.tsv
mlv-cat -t tsv km-one.mlv >km-one.tsv
check "k-means over shards converges (in $i steps)" [ $i -lt 100 ]
same "k-means over shards labels the rows as one process from the same start" km-one.tsv km-shards.tsv
check "--moments writes one record per cluster" sh -c '[ "$(mlv-cat -H c0.mom | cut -d " " -f 2-4)" = "6 5 id=cluster/0
6 5 id=cluster/1
6 5 id=cluster/2
6 5 id=cluster/3" ]'
fails "--max-iter 0 without centroids" 2 "--max-iter 0 \(assign only\) needs --centroids" mlv-cluster -m kmeans -k 2 --max-iter 0 km.mlv
fails "--centroids with -k" 2 "--centroids gives k and the start" mlv-cluster -m kmeans -k 2 --centroids c0.mom km.mlv
fails "--centroids of rows" 1 "not moments" mlv-cluster -m kmeans --centroids km.mlv km.mlv
check "--norm writes what mlv-spec --fit-stats writes" sh -c 'mlv-cat -H one-zscore.mlv | grep -q "^MLV1 2 6 id=stats kind=stats norm=zscore axis=column width=6 rownames=mean,std"'
fails "PCA from moments without cross products" 1 "PCA needs the cross products" \
	sh -c 'mlv-stats --moments s0.mlv >diag.mom && mlv-project --moments diag.mom s0.mlv'
fails "--merge of rows, not moments" 1 "s0.mlv: record 1 \(id=gen/0\): not moments" mlv-stats --merge s0.mlv
mlv-gen --records 1 --rows 5 --cols 4 >narrow.mlv
fails "--moments of another width" 1 "moments of 4 columns, expected 6" \
	sh -c 'mlv-stats --moments --cross narrow.mlv | cat s0.mom - | mlv-stats --merge'
fails "--moments of NaN" 1 "<stdin>: record 1 \(id=gen/0\): row [0-9]+ column [0-9]+: value not finite" \
	sh -c 'mlv-gen --records 1 --rows 5 --cols 4 --nan 1 --seed 1 | mlv-stats --moments'
fails "--cross without --moments" 2 "--cross goes with --moments" mlv-stats --cross s0.mlv

# options the chosen method would ignore are refused
fails "--min-samples without DBSCAN" 2 "--eps and --min-samples go with -m dbscan" mlv-cluster -k 2 --min-samples 3 blobs.mlv
fails "--height with k-means" 2 "--height cuts a tree" mlv-cluster -m kmeans -k 2 --height 3 blobs.mlv
fails "--max-memory without a tree" 2 "--tree and --max-memory go with a hierarchical method" mlv-cluster -m kmeans -k 2 --max-memory 1G blobs.mlv
mlv-cluster -m dbscan --eps 1000 --silhouette blobs.mlv >one-cluster.mlv 2>one.err
check "an undefined silhouette is reported, the clusters still written" sh -c 'grep -q "silhouette: not defined here" one.err && [ "$(mlv-cat -H one-cluster.mlv | wc -l)" -eq 6 ]'
check "outputs drop a steps key that no longer fits" sh -c 'mlv-frame -l 4 --stack blobs.mlv | mlv-cluster -k 2 | mlv-cat -H | grep -vq "steps="'

# Outputs are checked before the input is read and the work starts (an
# input that never ends would otherwise hold them until the timeout).
for cmd in "mlv-cluster -m average -k 2" "mlv-cluster -k 2 --tree nodir/t.mlv" \
	"mlv-project -m pca" "mlv-project -m pca --fit nodir/fit.mlv" "mlv-stats"; do
	out=nodir/x.mlv
	case $cmd in *nodir*) out=- ;; esac
	fails "$cmd: an output in a missing directory, refused first" 1 "^mlv-[a-z]+: nodir/[a-z]+\\.mlv: cannot create \\(No such file or directory\\)$" \
		sh -c "sleep 30 | timeout 20 $cmd -o $out"
done

# Binary is not written to a terminal, by any tool (gzip's rule).
for cmd in "mlv-stats blobs.mlv" "mlv-simmat blobs.mlv" "mlv-cluster -k 2 blobs.mlv" "mlv-project -m pca blobs.mlv"; do
	on_terminal $cmd >tty.out
	check "$cmd on a terminal: refused before the work" sh -c 'grep -q "^1 mlv-[a-z]*: <stdout>: is a terminal; binary output is not written to it" tty.out'
done
