#!/bin/sh
# test-project.sh - mlv-project on generated data.
. "$(dirname "$0")/lib.sh"

mlv-gen --records 6 --rows 60 --cols 8 --separation 12 --seed 5 >blobs.mlv
mlv-gen --records 2 --rows 30 --cols 8 --separation 12 --seed 6 >other.mlv

# ---- PCA ----
mlv-project --fit pca.mlv blobs.mlv >fit.mlv 2>fit.err
check "PCA: the same records, 2 columns, kind=xy" sh -c '
	[ "$(mlv-cat -H fit.mlv | cut -d " " -f 2,3 | sort -u)" = "60 2" ] &&
	mlv-cat -H fit.mlv | head -n 1 | grep -q "id=gen/0 .*kind=xy .*label.part=a .*projection=pca explained=0\.[0-9]*,0\.[0-9]* colnames=x,y"'
check "PCA reports the explained variance" grep -q "^mlv-project: pca: explained variance ratio 0\.[0-9]*,0\.[0-9]* (" fit.err
check "the fit is saved as a stream" sh -c '[ "$(mlv-cat -H pca.mlv | cut -d " " -f 2-4)" = "1 8 id=pca.mean
1 8 id=pca.scale
2 8 id=pca.components
1 2 id=pca.variance" ]'
mlv-project --apply pca.mlv blobs.mlv >applied.mlv 2>/dev/null
same "--apply of the fit maps the fitted data exactly as the fit did" applied.mlv fit.mlv
check "--apply maps other data" sh -c '[ "$(mlv-project --apply pca.mlv other.mlv 2>/dev/null | mlv-cat -H | wc -l)" -eq 2 ]'
mlv-project --dims 5 --fit pca5.mlv blobs.mlv >/dev/null 2>&1
check "--apply gives all the fit's components unless --dims asks for fewer" sh -c '[ "$(mlv-project --apply pca5.mlv other.mlv 2>/dev/null | mlv-cat -H | cut -d " " -f 3 | sort -u)" = 5 ] && [ "$(mlv-project --apply pca5.mlv --dims 3 other.mlv 2>/dev/null | mlv-cat -H | cut -d " " -f 3 | sort -u)" = 3 ]'
check "PCA's first axis separates the blobs" sh -c 'mlv-cluster -k 2 --truth label.part fit.mlv 2>&1 >/dev/null | grep -q "ARI 1.0000"'
# a constant column: STD-PCA must not divide by zero
awk 'BEGIN { srand(3); for (i = 0; i < 50; i++) printf "%f\t5\t%f\n", rand(), rand() }' | mlv-cat -f tsv >const.mlv
check "STD-PCA with a constant column stays finite" sh -c 'mlv-project -m std-pca const.mlv 2>/dev/null | mlv-cat -s | awk -F "\t" "NR > 1 && \$10 != 0 { exit 1 }"'
fails "--dims above the columns" 1 "^mlv-project: const.mlv: --dims 4 is more than the 3 columns$" mlv-project --dims 4 const.mlv
fails "--apply to rows of another width" 1 "rows of 3 values, but pca.mlv was fitted on 8" mlv-project --apply pca.mlv const.mlv

# Wide rows (fewer rows than columns, as flattened clips): the Gram solver
# by default, where the covariance of 20,000 columns would take 3.2 GB.
# The blobs differ in column 0 only, far beyond the noise of the others.
mlv-gen --records 6 --rows 10 --cols 20000 --separation 400 --seed 7 >wide.mlv
mlv-project --dims 5 --fit wide-fit.mlv wide.mlv >wide-map.mlv 2>/dev/null
check "a wide stream fits and maps" sh -c '[ "$(mlv-cat -H wide-map.mlv | cut -d " " -f 2,3 | sort -u)" = "10 5" ]'
mlv-project --apply wide-fit.mlv wide.mlv >wide-applied.mlv 2>/dev/null
same "--apply of a wide fit maps the fitted rows as the fit did" wide-applied.mlv wide-map.mlv
check "the wide fit's first axis separates the blobs" sh -c 'mlv-cluster -k 2 --truth label.part wide-map.mlv 2>&1 >/dev/null | grep -q "ARI 1.0000"'
mlv-project --solver randomized --seed 3 --dims 5 wide.mlv >wide-rand.mlv 2>/dev/null
check "the randomized solver finds the Gram solver's first axis" sh -c '
	mlv-cat -t tsv wide-map.mlv | cut -f 1 >a.tsv &&
	mlv-cat -t tsv wide-rand.mlv | cut -f 1 >b.tsv &&
	paste a.tsv b.tsv | awk "NR > 1 { d = \$1 - \$2; d = d < 0 ? -d : d; if (d > 1e-3 * (\$1 < 0 ? -\$1 : \$1) + 1e-3) bad++ } END { exit NR < 60 || bad > 0 }"'
fails "the Gram solver refuses as many components as rows" 1 "wide.mlv: the gram solver gives at most 59 components of 60 rows \(asked 60\)" mlv-project --solver gram --dims 60 wide.mlv
fails "--solver with t-SNE" 2 "--solver and --power-iter go with a PCA or STD-PCA fit" mlv-project -m tsne --solver gram wide.mlv
fails "an unknown solver" 2 "--solver svd: unknown" mlv-project --solver svd wide.mlv

# ---- t-SNE ----
mlv-project -m tsne --seed 3 --quality -j 1 blobs.mlv >t1.mlv 2>t1.err
mlv-project -m tsne --seed 3 -j 2 blobs.mlv >t2.mlv 2>/dev/null
same "t-SNE: the same map for a seed, whatever the threads" t1.mlv t2.mlv
check "t-SNE keeps the blobs apart" sh -c 'mlv-cluster -k 2 --truth label.part t1.mlv 2>&1 >/dev/null | grep -q "ARI 1.0000"'
check "--quality reports trustworthiness and 10-NN preservation" sh -c 'grep -Eq "^mlv-project: quality: trustworthiness 0\.9[0-9]*, 10-NN preservation 0\.[0-9]+ \(360 points\)$" t1.err'
check "t-SNE records its parameters" sh -c 'mlv-cat -H t1.mlv | head -n 1 | grep -q "projection=tsne perplexity=30 iterations=1000 exaggeration=12 seed=3 kl="'
mlv-gen --rows 20 --cols 4 >few.mlv
mlv-project -m tsne few.mlv >few-t.mlv 2>few-t.err
check "fewer points than perplexity 30 needs: the default gives way, with one warning" sh -c '[ "$(cat few-t.err)" = "mlv-project: few.mlv: 20 points; t-SNE with perplexity 6.33 instead of 30 (the most they allow)" ] && mlv-cat -H few-t.mlv | grep -q "^MLV1 20 2 .* perplexity=6.33 "'
mlv-project -m tsne --perplexity 6.33 few.mlv >few-6.mlv
same "the lowered perplexity is the one recorded: asking for it gives the same map" few-t.mlv few-6.mlv
fails "an explicit --perplexity too large for the points is refused" 1 "^mlv-project: few.mlv: 20 points; t-SNE with perplexity 30 needs at least 92 \(--perplexity 6.33 at the most\)$" mlv-project -m tsne --perplexity 30 few.mlv
fails "t-SNE on 4 points" 1 "^mlv-project: <stdin>: 4 points; t-SNE needs at least 5$" sh -c 'mlv-gen --rows 4 --cols 3 | mlv-project -m tsne'
check "a lower perplexity makes do" sh -c 'mlv-project -m tsne --perplexity 5 few.mlv | mlv-cat -H | grep -q "^MLV1 20 2"'
awk 'BEGIN { for (i = 0; i < 100; i++) print (i < 50 ? "1\t1\t1" : "2\t2\t2") }' | mlv-cat -f tsv >dups.mlv
check "duplicate points are mapped, finite" sh -c 'mlv-project -m tsne --perplexity 10 dups.mlv | mlv-cat -s | awk -F "\t" "NR > 1 && \$10 != 0 { exit 1 }"'

# ---- UMAP ----
mlv-project -m umap --seed 2 blobs.mlv >u1.mlv
mlv-project -m umap --seed 2 -j 1 blobs.mlv >u2.mlv
same "UMAP: the same map for a seed, whatever the threads" u1.mlv u2.mlv
check "UMAP keeps the blobs apart" sh -c 'mlv-cluster -k 2 --truth label.part u1.mlv 2>&1 >/dev/null | grep -q "ARI 1.0000"'

# ---- nearest neighbours: exact below the threshold, NN-descent on demand ----
mlv-project -m umap --seed 2 --knn-search exact blobs.mlv >ue.mlv
same "--knn-search auto is exact for few points" u1.mlv ue.mlv
mlv-project -m tsne --seed 3 -j 2 --knn-search exact blobs.mlv >te.mlv 2>/dev/null
same "t-SNE: --knn-search exact is the default for few points" t2.mlv te.mlv
mlv-project -m umap --seed 2 -j 2 --knn-search ann blobs.mlv >ua1.mlv
mlv-project -m umap --seed 2 -j 2 --knn-search ann blobs.mlv >ua2.mlv
same "UMAP with --knn-search ann: the same map for a seed and -j" ua1.mlv ua2.mlv
check "UMAP with --knn-search ann keeps the blobs apart" sh -c 'mlv-cluster -k 2 --truth label.part ua1.mlv 2>&1 >/dev/null | grep -q "ARI 1.0000"'
mlv-project -m tsne --seed 3 -j 2 --knn-search ann --quality blobs.mlv >ta1.mlv 2>ta1.err
mlv-project -m tsne --seed 3 -j 2 --knn-search ann blobs.mlv >ta2.mlv 2>/dev/null
same "t-SNE with --knn-search ann: the same map for a seed and -j" ta1.mlv ta2.mlv
check "t-SNE with --knn-search ann keeps its quality" sh -c 'grep -Eq "trustworthiness 0\.9[0-9]*," ta1.err'
fails "--knn-search takes auto, exact or ann" 2 "^mlv-project: --knn-search hnsw: auto, exact or ann" mlv-project -m umap --knn-search hnsw blobs.mlv
fails "--knn-search goes with t-SNE or UMAP" 2 "^mlv-project: --knn-search goes with -m tsne or umap" mlv-project --knn-search ann blobs.mlv
mlv-gen --rows 10 --cols 4 >small.mlv
mlv-project -m umap small.mlv >small-u.mlv 2>small-u.err
check "fewer points than 15 neighbours: the default gives way, with one warning" sh -c '[ "$(cat small-u.err)" = "mlv-project: small.mlv: 10 points; UMAP with 9 neighbours instead of 15 (the most they allow)" ] && mlv-cat -H small-u.mlv | grep -q "^MLV1 10 2 .* neighbors=9 "'
fails "UMAP on 2 points" 1 "^mlv-project: <stdin>: 2 points; UMAP needs at least 3$" sh -c 'mlv-gen --rows 2 --cols 3 | mlv-project -m umap'
fails "fewer points than neighbours" 1 "^mlv-project: few.mlv: 20 points; UMAP with --neighbours 30 needs at least 31$" mlv-project -m umap --neighbours 30 few.mlv

# ---- new points on a t-SNE or UMAP map ----
mlv-project -m tsne --seed 3 --fit tmap.mlv blobs.mlv >tfit.mlv 2>/dev/null
same "--fit does not change the t-SNE map" tfit.mlv t2.mlv
check "a t-SNE fit holds the rows and their map" sh -c '[ "$(mlv-cat -H tmap.mlv)" = "MLV1 360 8 id=map.reference kind=mapfit method=tsne perplexity=30
MLV1 360 2 id=map.embedding kind=mapfit method=tsne perplexity=30" ]'
mlv-project -m tsne --apply tmap.mlv -j 1 other.mlv >tplaced1.mlv
mlv-project -m tsne --apply tmap.mlv -j 2 other.mlv >tplaced2.mlv
same "t-SNE --apply: the same places whatever the threads" tplaced1.mlv tplaced2.mlv
mlv-project --apply tmap.mlv -j 1 other.mlv >tplaced0.mlv
same "--apply of a map takes its method from the fit (no -m)" tplaced0.mlv tplaced1.mlv
check "t-SNE --apply records what it used" sh -c 'mlv-cat -H tplaced1.mlv | head -n 1 | grep -q "^MLV1 30 2 .*projection=tsne perplexity=30 iterations=250 seed=0 "'
check "t-SNE --apply places new points with their blob" sh -c 'cat tfit.mlv tplaced1.mlv | mlv-cluster -k 2 --truth label.part 2>&1 >/dev/null | grep -q "ARI 1.0000"'
mlv-project -m umap --seed 2 --fit umap-map.mlv blobs.mlv >ufit.mlv
same "--fit does not change the UMAP map" ufit.mlv u1.mlv
mlv-project -m umap --seed 4 --apply umap-map.mlv -j 1 other.mlv >uplaced1.mlv
mlv-project -m umap --seed 4 --apply umap-map.mlv -j 2 other.mlv >uplaced2.mlv
same "UMAP --apply: the same places for a seed, whatever the threads" uplaced1.mlv uplaced2.mlv
check "UMAP --apply takes a third of the fit's epochs" sh -c 'mlv-cat -H uplaced1.mlv | head -n 1 | grep -q "projection=umap neighbors=15 min_dist=0.01 spread=1 epochs=166 seed=4 "'
check "UMAP --apply places new points with their blob" sh -c 'cat ufit.mlv uplaced1.mlv | mlv-cluster -k 2 --truth label.part 2>&1 >/dev/null | grep -q "ARI 1.0000"'
fails "--apply to rows of another width than the map's" 1 "^mlv-project: const.mlv: rows of 3 values, but tmap.mlv was fitted on 8$" mlv-project -m tsne --apply tmap.mlv const.mlv
fails "--apply of another method's map" 1 "^mlv-project: tmap.mlv: a tsne fit, not umap \(-m tsne --apply tmap.mlv\)$" mlv-project -m umap --apply tmap.mlv other.mlv
fails "--apply of a PCA fit as a map" 1 "^mlv-project: pca.mlv: record 1: not a t-SNE or UMAP fit" mlv-project -m tsne --apply pca.mlv other.mlv
fails "--apply of a map as a PCA fit (-m pca)" 1 "^mlv-project: tmap.mlv: record 1: expected pca.mean" mlv-project -m pca --apply tmap.mlv other.mlv
fails "--apply of a map takes the fit's method options" 2 "takes the fit's parameters" mlv-project -m umap --apply umap-map.mlv --min-dist 0.1 other.mlv

# ---- bad input and usage ----
mlv-gen --records 2 --rows 10 --cols 3 --nan 1 >nan.mlv
fails "NaN rows are refused with record and row" 1 "^mlv-project: nan.mlv: record 1 \\(id=gen/0\\): row [0-9]+: NaN value" mlv-project nan.mlv
fails "t-SNE options with PCA" 2 "t-SNE options go with -m tsne" mlv-project --perplexity 5 blobs.mlv
fails "unknown method" 2 "--method lda: unknown" mlv-project -m lda blobs.mlv
check "--help and --version" sh -c 'mlv-project --help | grep -q "^usage: mlv-project" && mlv-project --version | grep -q "^mlv-project (mlv) "'
mlv-project -m std-pca --fit std.mlv blobs.mlv >/dev/null 2>&1
check "--apply of a STD-PCA fit records std-pca" sh -c 'mlv-project --apply std.mlv blobs.mlv 2>/dev/null | mlv-cat -H | head -n 1 | grep -q "projection=std-pca "'
check "a projection of a projection drops the first one's keys" sh -c 'mlv-project blobs.mlv 2>/dev/null | mlv-project -m tsne | mlv-cat -H | head -n 1 | grep -vq "explained="'
fails "--quality on too few points" 1 "^mlv-project: few.mlv: 20 points|needs at least 16" sh -c 'mlv-gen --rows 10 --cols 3 >ten.mlv; mlv-project --quality ten.mlv'
: >empty.mlv
fails "an empty stream" 1 "^mlv-project: empty.mlv: no rows to map$" mlv-project empty.mlv
