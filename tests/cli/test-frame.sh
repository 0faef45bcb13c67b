#!/bin/sh
# test-frame.sh - mlv-frame on streams the test generates.
. "$(dirname "$0")/lib.sh"

# 8 rows x 2 columns: row i holds (i, 10 i), t0 = 5 s, dt = 0.5 s
awk 'BEGIN { for (i = 0; i < 8; i++) printf "%d\t%d\n", i, 10 * i }' |
	mlv-cat -f tsv --set id=x --set t0=5 --set dt=0.5 >x.mlv

mlv-frame -l 4 -e 2 --stack x.mlv >s.mlv
printf '0\t0\t2\t20\n4\t40\t6\t60\n' >s.want
mlv-cat -t tsv s.mlv >s.got
same "--stack puts the kept rows of a window side by side" s.got s.want
check "--stack metadata: steps, dt, dur, window" sh -c '
	h=$(mlv-cat -H s.mlv | tr " " "\n")
	for kv in id=x t0=5 dt=2 dur=2 steps=2 segment_rows=4 segment_hop=4 segment_every=2; do
		echo "$h" | grep -qx "$kv" || { echo "missing $kv"; exit 1; }
	done'
check "--steps declares the grouping" sh -c 'mlv-frame -l 4 --stack --steps 2 x.mlv | mlv-cat -H | tr " " "\n" | grep -qx steps=2'

mlv-frame -l 4 --hop 2 x.mlv >w.mlv
check "windows as records, with ids and times" sh -c '[ "$(mlv-cat -H w.mlv | cut -d " " -f 2-6)" = "4 2 id=x#t=5,7 t0=5 dt=0.5
4 2 id=x#t=6,8 t0=6 dt=0.5
4 2 id=x#t=7,9 t0=7 dt=0.5" ]'
mlv-cat -t tsv --id 'x#t=6,8' w.mlv >w2.got
printf '2\t20\n3\t30\n4\t40\n5\t50\n' >w2.want
same "a window holds its rows" w2.got w2.want
check "--seconds and --hop-seconds use dt" sh -c 'cmp -s w.mlv "$(mlv-frame --seconds 2 --hop-seconds 1 x.mlv >ws.mlv; echo ws.mlv)"'
mlv-frame -l 3 --tail pad --stack x.mlv | mlv-cat -t tsv >pad.got
printf '0\t0\t1\t10\t2\t20\n3\t30\t4\t40\t5\t50\n6\t60\t7\t70\t0\t0\n' >pad.want
same "--tail pad zero-pads a last window" pad.got pad.want
check "--tail drop (default) drops it" sh -c '[ "$(mlv-frame -l 3 --stack x.mlv | mlv-cat -H | cut -d " " -f 2)" = 2 ]'

# MusicLatentVIS: 400 latent columns of 32 -> 20 kept -> 4 steps of 160
mlv-gen --records 3 --rows 1000 --cols 32 >lat.mlv
check "the paper's 400 -> 20 x 32 -> 4 x 160 segments" sh -c '[ "$(mlv-frame --seconds 10 --every 20 --stack --steps 4 lat.mlv | mlv-cat -H | cut -d " " -f 2,3 | sort -u)" = "2 640" ]'

# pooling: x.mlv's rows are (i, 10 i), i = 0..7
mlv-frame -l 3 --tail pad --pool mean x.mlv | mlv-cat -t tsv >pm.got
printf '1\t10\n4\t40\n6.5\t65\n' >pm.want
same "--pool mean: one row per window, a padded tail pools its real rows" pm.got pm.want
mlv-frame -l 4 --hop 2 --pool max x.mlv | mlv-cat -t tsv >px.got
printf '3\t30\n5\t50\n7\t70\n' >px.want
same "--pool max" px.got px.want
mlv-frame --whole --pool meanstd x.mlv | mlv-cat -t tsv >ps.got
printf '3.5\t35\t2.29128790\t22.9128780\n' >ps.want
check "--whole --pool meanstd: means, then population standard deviations" awk -v want="$(cat ps.want)" 'BEGIN { split(want, w, "\t") } { for (i = 1; i <= 4; i++) if (($i - w[i]) ^ 2 > 1e-10 * w[i] ^ 2) exit 1 } END { if (NR != 1) exit 1 }' ps.got
check "--pool sets pool= and dt of the hop" sh -c 'mlv-frame -l 2 --pool mean x.mlv | mlv-cat -H | tr " " "\n" | grep -x -e pool=mean -e dt=1 | wc -l | grep -qx 2'
check "--whole --every keeps every kth row" sh -c '[ "$(mlv-frame --whole --every 2 --pool mean x.mlv | mlv-cat -t tsv)" = "$(printf "3\t30")" ]'

# a NaN in a window: every summary NaN, max as mean (not -inf, not skipped)
printf '1\tnan\tnan\n2\t5\tnan\n3\t1\tnan\n' | mlv-cat -f tsv --set id=n 2>/dev/null >nan.mlv
for how in mean max; do
	check "--pool $how: a NaN in the window gives NaN" sh -c "
		[ \"\$(mlv-frame -l 2 --tail pad --pool $how nan.mlv | mlv-cat -t tsv 2>/dev/null | cut -f 2-)\" = \"\$(printf 'nan\tnan\n1\tnan')\" ]"
done
check "--pool max of finite values is still their maximum" sh -c '
	[ "$(mlv-frame -l 2 --tail pad --pool max nan.mlv | mlv-cat -t tsv 2>/dev/null | cut -f 1)" = "$(printf "2\n3")" ]'

# bad input
printf '1\t2\n' | mlv-cat -f tsv --set id=nodt >nodt.mlv
fails "--seconds without dt" 1 "^mlv-frame: nodt.mlv: record 1 \\(id=nodt\\): no dt" mlv-frame --seconds 1 nodt.mlv
fails "--steps that do not divide" 1 "4 kept rows per window do not split into --steps 3" mlv-frame -l 4 --stack --steps 3 x.mlv
cat nodt.mlv x.mlv >mixed.mlv
mlv-frame -l 4 --stack mixed.mlv >mixed.out 2>mixed.err
status=$?
check "a record shorter than a window: warned, skipped, exit 1" sh -c "[ $status -eq 1 ] && grep -q 'record 1 (id=nodt): 1 rows, shorter than one window of 4' mixed.err && [ \"\$(mlv-cat -H mixed.out | cut -d ' ' -f 2,4)\" = '2 id=x' ]"
printf 'MLV1 0 2 id=empty\n' >empty.mlv
fails "--whole of a record without rows: no window" 1 "^mlv-frame: empty.mlv: record 1 \\(id=empty\\): no rows, so no window \\(--whole\\)$" \
	mlv-frame --whole empty.mlv
fails "--whole --pool of a record without rows" 1 "^mlv-frame: empty.mlv: record 1 \\(id=empty\\): no rows, so no window to pool \\(--whole\\)$" \
	mlv-frame --whole --pool max empty.mlv
fails "no window size" 2 "give the window as --length ROWS, --seconds S or --whole" mlv-frame x.mlv
fails "--whole with a hop" 2 "--whole is one window: no hop" mlv-frame --whole --hop 2 --pool mean x.mlv
fails "--stack with --pool" 2 "--stack and --pool exclude each other" mlv-frame -l 2 --stack --pool mean x.mlv
fails "an unknown pooling" 2 "--pool median: mean, max or meanstd" mlv-frame -l 2 --pool median x.mlv
fails "--steps without --stack" 2 "--steps goes with --stack" mlv-frame -l 2 --steps 2 x.mlv
check "--help and --version" sh -c 'mlv-frame --help | grep -q "^usage: mlv-frame" && mlv-frame --version | grep -q "^mlv-frame (mlv) "'
