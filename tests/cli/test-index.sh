#!/bin/sh
# test-index.sh - mlv-index and mlv-cat --index: records read by id through
# a sidecar index are the stream's own bytes; shards' indexes concatenate;
# stale, truncated and corrupt indexes are refused.
. "$(dirname "$0")/lib.sh"

mlv-gen --records 20 --rows 3 --cols 4 --seed 1 >s.mlv
mlv-index s.mlv >s.idx

# ---- round trip ----
ids=$(mlv-cat -H s.mlv | sed 's/.* id=\([^ ]*\).*/\1/')
mlv-cat --index s.idx $ids >all.got
same "every record read by id, in stream order, is the stream" all.got s.mlv
for i in 13 2 7 2; do mlv-cat --id "gen/$i" s.mlv; done >order.want
mlv-cat --index s.idx gen/13 gen/2 gen/7 gen/2 >order.got
same "records come in the order asked, an id asked twice twice" order.got order.want
printf 'gen/7\n\ngen/2\n' >ids.txt
mlv-cat --index s.idx --ids ids.txt gen/13 >ids.got
for i in 13 7 2; do mlv-cat --id "gen/$i" s.mlv; done >ids.want
same "--ids FILE after the operands, blank lines skipped" ids.got ids.want
mlv-cat --index - --ids ids.txt <s.idx >stdin.got
mlv-cat --index s.idx gen/7 gen/2 >stdin.want
same "--index - reads the index from stdin" stdin.got stdin.want
check "the rest of mlv-cat applies: --where, --to tsv" sh -c '
	[ "$(mlv-cat --index s.idx -w label.part=a gen/3 gen/4 gen/6 | mlv-cat -H | wc -l)" -eq 2 ] &&
	[ "$(mlv-cat --index s.idx -t tsv gen/3 | wc -l)" -eq 3 ]'
check "an index line per record, after the file line" sh -c '
	[ "$(wc -l <s.idx)" -eq 21 ] && head -n 1 s.idx | grep -Eq "^mlvidx1 file=s.mlv size=$(wc -c <s.mlv) mtime=[0-9]+\.[0-9]{9} sum=[0-9a-f]{16} records=20$" &&
	sed -n 2p s.idx | grep -qx "gen/0 1 0 [0-9]*"'

# ---- shards ----
mlv-cat --id 'gen/?' s.mlv >s1.mlv
mlv-cat --id 'gen/1?' s.mlv >s2.mlv
mlv-index -o s1.idx s1.mlv
mlv-index -o s2.idx s2.mlv
cat s1.idx s2.idx >cat.idx
mlv-cat --index cat.idx $ids >shards.got
same "concatenated indexes of shards read both" shards.got s.mlv
mkdir -p sub/deeper
mlv-index --merge -o sub/deeper/m.idx s1.idx s2.idx
check "--merge writes paths relative to the new index" sh -c 'grep -q "^mlvidx1 file=../../s1.mlv " sub/deeper/m.idx'
(cd sub && mlv-cat --index deeper/m.idx $ids) >merged.got
same "a merged index read from another directory" merged.got s.mlv
cat s1.mlv s2.mlv >c.mlv
mlv-index c.mlv >c.idx
mlv-cat --index c.idx gen/15 gen/3 >c.got
mlv-cat --index s.idx gen/15 gen/3 >c.want
same "the index of a cat of shards" c.got c.want
mlv-index -o sub/two.idx s1.mlv s2.mlv
(cd / && mlv-cat --index "$SCRATCH/sub/two.idx" $ids) >two.got
same "one index of two streams, written beside them by -o" two.got s.mlv
# More shards than files are kept open at once (64), under a limit of
# descriptors that holding them all open would pass.
mlv-gen --records 100 --rows 1 --cols 2 --seed 3 >many.mlv
mkdir many
i=0
while [ $i -lt 100 ]; do
	mlv-cat --id "gen/$i" many.mlv >many/$i.mlv && mlv-index -o many/$i.idx many/$i.mlv
	i=$((i + 1))
done
mlv-index --merge -o many.idx many/*.idx
sh -c 'ulimit -n 90 && mlv-cat --index many.idx "$@"' sh $(i=0; while [ $i -lt 100 ]; do echo gen/$i; i=$((i + 1)); done) gen/0 >many.got
cat many.mlv many/0.mlv >many.want
same "a merged index of 100 shards, files opened again after others" many.got many.want

# ---- ids ----
printf '1\t2\n' | mlv-cat -f tsv --set 'id=a b%c/#1=ü' >odd.mlv
printf '3\t4\n' | mlv-cat -f tsv --set 'id=-x' >>odd.mlv
printf '5\t6\n' | mlv-cat -f tsv --set 'id=a b%c/#1=u' >>odd.mlv
mlv-index odd.mlv >odd.idx
mlv-cat --index odd.idx -t tsv 'a b%c/#1=ü' -- -x >odd.got
printf '1\t2\n3\t4\n' >odd.want
same "ids with spaces, %, #, = and UTF-8, and one like an option" odd.got odd.want
printf 'a b%%c/#1=u\n' >odd.txt
check "--ids takes ids as they are" sh -c '[ "$(mlv-cat --index odd.idx --ids odd.txt -t tsv)" = "$(printf "5\t6")" ]'
check "ids are percent-encoded in the index" grep -q '^a%20b%25c/#1=%C3%BC 1 0 ' odd.idx
fails "an id no record has, and the nearest" 1 "^mlv-cat: s\.idx: no record has id 'gen/99' \(did you mean 'gen/9'\?\)$" mlv-cat --index s.idx gen/1 gen/99
check "nothing is written when an id is missing" sh -c '! mlv-cat --index s.idx gen/1 nosuch -o out.mlv 2>/dev/null && [ ! -e out.mlv ]'
fails "an id far from all" 1 "^mlv-cat: s\.idx: no record has id 'zzzzzzzz'$" mlv-cat --index s.idx zzzzzzzz

# Duplicates: all indexed, the first read, with a warning each time.
mlv-gen --records 3 --rows 2 --cols 2 --seed 5 >d.mlv
cat s.mlv d.mlv >dup.mlv
mlv-index dup.mlv >dup.idx 2>dup.err
check "mlv-index warns about shared ids, in one line" sh -c '[ $(wc -l <dup.err) -eq 1 ] &&
	grep -q "^mlv-index: gen/0: 2 records have this id (dup.mlv record 1 first), and more ids are shared; mlv-cat --index fetches the first$" dup.err && [ $(wc -l <dup.idx) -eq 24 ]'
mlv-cat --index dup.idx gen/1 >dup.got 2>dup.err
mlv-cat --id gen/1 s.mlv >dup.want
same "a shared id reads the first record" dup.got dup.want
check "... warning that it does" grep -qx "mlv-cat: gen/1: 2 records have this id; reading the first (dup.mlv record 2)" dup.err
{ printf '1\n' | mlv-cat -f tsv; cat s1.mlv; } >noid.mlv
mlv-index noid.mlv >noid.idx 2>noid.err
check "records without an id are left out, with a warning" sh -c 'grep -qx "mlv-index: noid.mlv: 1 records without an id (not indexed)" noid.err && [ $(wc -l <noid.idx) -eq 11 ] &&
	mlv-cat --index noid.idx gen/4 | cmp -s - "$(mlv-cat --id gen/4 s1.mlv >g4; echo g4)"'

# ---- stale streams ----
cp s.mlv st.mlv
mlv-index st.mlv >st.idx
check "a fresh index reads" sh -c 'mlv-cat --index st.idx gen/3 >/dev/null'
cat d.mlv >>st.mlv
fails "a stream appended to is refused" 1 "^mlv-cat: st\.mlv: stale index \(the file's size changed since it was indexed; run mlv-index again\)$" mlv-cat --index st.idx gen/3
cp s.mlv st.mlv
mlv-index st.mlv >st.idx
touch -d '2001-02-03 04:05:06' st.mlv
fails "a stream touched is refused" 1 "^mlv-cat: st\.mlv: stale index \(the file's mtime changed" mlv-cat --index st.idx gen/3
# The same size and time, other bytes: only the checksum tells.
mlv-gen --records 20 --rows 3 --cols 4 --seed 2 >st.mlv
touch -d '2001-02-03 04:05:06' st.mlv
cp -p s.mlv ref.mlv
touch -d '2001-02-03 04:05:06' ref.mlv
mlv-index ref.mlv | sed 's/file=ref.mlv/file=st.mlv/' >st.idx
fails "a stream replaced with the same size and mtime is refused" 1 "^mlv-cat: st\.mlv: stale index \(the file's checksum changed" mlv-cat --index st.idx gen/3
# An entry pointing at another record (its id swapped with a neighbour's).
sed 's/^gen\/4 /gen\/X /; s/^gen\/5 /gen\/4 /; s/^gen\/X /gen\/5 /' s.idx >swap.idx
fails "an entry that is not the record it names is refused" 1 "^mlv-cat: s\.mlv: record 5 at byte [0-9]+: stale index \(not the record with id 'gen/5'" mlv-cat --index swap.idx gen/5
fails "a stream gone" 1 "^mlv-cat: gone\.mlv: cannot open \(No such file" sh -c 'cp s.mlv gone.mlv; mlv-index gone.mlv >gone.idx; rm gone.mlv; mlv-cat --index gone.idx gen/1'

# ---- bad indexes ----
head -c -3 s.idx >cut.idx
fails "an index cut mid-line" 1 "^mlv-cat: cut\.idx: line 21: truncated \(no newline at the end\)$" mlv-cat --index cut.idx gen/1
head -n 10 s.idx >short.idx
fails "an index missing its last lines" 1 "^mlv-cat: short\.idx: line 11: truncated \(fewer entries" mlv-cat --index short.idx gen/1
head -n 5 s.idx >short2.idx
cat short2.idx s2.idx >short2cat.idx
fails "a truncated index followed by another" 1 "^mlv-cat: short2cat\.idx: line 6: truncated" mlv-cat --index short2cat.idx gen/1
sed '3s/ [0-9]* / x /' s.idx >num.idx
fails "an entry with a bad number" 1 "^mlv-cat: num\.idx: line 3: bad number$" mlv-cat --index num.idx gen/1
sed '3s/$/ 9/' s.idx >five.idx
fails "an entry with too many fields" 1 "^mlv-cat: five\.idx: line 3: more than 4 fields$" mlv-cat --index five.idx gen/1
sed '4s/^gen\/2 3 [0-9]* /gen\/2 3 5 /' s.idx >order.idx
fails "entries out of order" 1 "^mlv-cat: order\.idx: line 4: records out of order or overlapping$" mlv-cat --index order.idx gen/1
sed '2s/ [0-9]*$/ 99999999/' s.idx >long.idx
fails "an entry beyond its file" 1 "^mlv-cat: long\.idx: line 2: record beyond the end of its file$" mlv-cat --index long.idx gen/1
sed '1s/ sum=[0-9a-f]*//' s.idx >nosum.idx
fails "a file line without its sum" 1 "^mlv-cat: nosum\.idx: line 1: a file line needs file, size, mtime, sum and records$" mlv-cat --index nosum.idx gen/1
sed '1s/records=20/records=19/' s.idx >more.idx
fails "more entries than records=" 1 "^mlv-cat: more\.idx: line 21: more entries than its file line's records=$" mlv-cat --index more.idx gen/1
fails "a stream is not an index" 1 "^mlv-cat: s\.mlv: line 1: not an MLV index \(no mlvidx1 line first\)$" mlv-cat --index s.mlv gen/1
: >empty.idx
fails "an empty index" 1 "^mlv-cat: empty\.idx: line 0: empty \(not an MLV index\)$" mlv-cat --index empty.idx gen/1
fails "--merge refuses a bad index too" 1 "^mlv-index: cut\.idx: line 21: truncated" mlv-index --merge s1.idx cut.idx

# ---- usage and inputs ----
fails "mlv-index refuses stdin" 1 "^mlv-index: <stdin>: cannot index \(not a regular file" sh -c 'mlv-index - <s.mlv'
fails "mlv-index refuses a malformed stream" 1 "^mlv-index: bad\.mlv: record 2 at byte [0-9]+: truncated payload" sh -c 'head -c 170 s.mlv >bad.mlv; mlv-index bad.mlv'
fails "--ids without --index" 2 "^mlv-cat: --ids goes with --index$" mlv-cat --ids ids.txt s.mlv
fails "--index without ids" 2 "^mlv-cat: --index: no ID to read" mlv-cat --index s.idx
fails "mlv-index without streams" 2 "^mlv-index: no stream to index$" mlv-index
fails "--index - and --ids - both from stdin" 2 "^mlv-cat: stdin \('-'\) can be read only once$" sh -c 'mlv-cat --index - --ids - <s.idx'
fails "usage is checked before the index is read" 2 "^mlv-cat: --stack goes with --to npy$" mlv-cat --index nosuch.idx --stack gen/1
