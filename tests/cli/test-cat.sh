#!/bin/sh
# test-cat.sh - mlv-cat and mlv-paste on streams the test generates.
. "$(dirname "$0")/lib.sh"

mlv-gen --records 3 --rows 5 --cols 4 --seed 1 >a.mlv
mlv-gen --records 2 --rows 6 --cols 4 --seed 2 >b.mlv

# ---- concatenation and pass-through ----
cat a.mlv b.mlv >ab.cat
mlv-cat a.mlv b.mlv >ab.mlv
same "concatenation equals cat" ab.mlv ab.cat
mlv-cat <a.mlv >a.stdin
same "stdin when no file" a.stdin a.mlv
mlv-cat - <a.mlv >a.dash
same "stdin for -" a.dash a.mlv
: >empty.mlv
mlv-cat empty.mlv a.mlv empty.mlv >a.empties
same "empty files are empty streams" a.empties a.mlv
check "empty stream gives empty output" sh -c 'mlv-cat empty.mlv >e.out && test ! -s e.out'

# ---- inspection ----
n=$(mlv-cat -H a.mlv b.mlv | wc -l)
[ "$n" -eq 5 ] && ok "-H prints one header per record" || not_ok "-H prints one header per record" "got $n lines"
mlv-cat -H a.mlv | head -n 1 >h1
printf 'MLV1 5 4 id=gen/0 t0=0 dt=0.025 kind=test label.part=a\n' >h1.want
same "-H prints the header line" h1 h1.want
mlv-gen --records 2 --rows 10 --cols 10 --nan 3 --seed 4 >nan.mlv
mlv-cat -s nan.mlv >sum.tsv
check "-s has a header and one line per record" sh -c '[ $(wc -l <sum.tsv) -eq 3 ] && head -n 1 sum.tsv | grep -q "^file.record.id.rows.cols.min.max.mean.std.nonfinite$"'
check "-s counts NaN values" sh -c 'awk -F "\t" "NR > 1 && \$10 != 3 { exit 1 }" sum.tsv'
printf 'a\n1\n2\n3\n' | mlv-cat -f tsv | mlv-cat -s >sum2.tsv
check "-s min max mean std" sh -c 'tail -n 1 sum2.tsv | cut -f 4- | grep -q "^3.1.1.3.2.0\\.816496581.0$"'
mlv-cat nan.mlv >/dev/null 2>nan.err
check "NaN values are counted and warned" sh -c '[ $(wc -l <nan.err) -eq 2 ] && grep -q "^mlv-cat: nan.mlv: record 2 (id=gen/1): 3 NaN/Inf values$" nan.err'

# ---- selection ----
check "--id selects by glob" sh -c '[ "$(mlv-cat --id "gen/[12]" a.mlv | mlv-cat -H | cut -d " " -f 4)" = "id=gen/1
id=gen/2" ]'
check "--where selects by label" sh -c '[ "$(mlv-cat --where label.part=b a.mlv b.mlv | mlv-cat -H | wc -l)" -eq 2 ]'
check "--where KEY!=GLOB negates" sh -c '[ "$(mlv-cat --where "label.part!=b" a.mlv | mlv-cat -H | wc -l)" -eq 2 ]'
check "--where conditions all hold" sh -c '[ "$(mlv-cat -w label.part=a -w "id=*0" a.mlv | mlv-cat -H | wc -l)" -eq 1 ]'
check "--where on a missing key selects nothing" sh -c '[ "$(mlv-cat -w label.nope=x a.mlv | wc -c)" -eq 0 ]'

# ---- rows ----
mlv-cat --every 2 a.mlv >every.mlv
check "--every keeps every Nth row and scales dt" sh -c 'mlv-cat -H every.mlv | head -n 1 | grep -q "^MLV1 3 4 .*dt=0.05 "'
mlv-cat -t tsv a.mlv | awk 'NR % 5 == 1 || NR % 5 == 3 || NR % 5 == 0' >every.want
mlv-cat -t tsv every.mlv >every.got
same "--every keeps rows 0, N, 2N" every.got every.want

# ---- text and .npy ----
mlv-cat -t tsv a.mlv | mlv-cat -f tsv >a.tsv.mlv
mlv-cat -t tsv a.tsv.mlv >t1
mlv-cat -t tsv a.mlv >t2
same "TSV round trip is exact" t1 t2
mlv-cat -t csv --names --keys id,t a.mlv | head -n 2 >csv.head
check "CSV with names and key columns" sh -c 'head -n 1 csv.head | grep -q "^id,t,c0,c1,c2,c3$" && tail -n 1 csv.head | grep -q "^gen/0,0,"'
printf 'x\ty\n1\t2\n' | mlv-cat -f tsv --set 'label.who=a b' --set kind=xy >named.mlv
check "text header becomes colnames; --set adds keys" sh -c 'mlv-cat -H named.mlv | grep -qx "MLV1 1 2 colnames=x,y label.who=a%20b kind=xy"'
mlv-cat -t npz a.mlv >a.npz
mlv-cat a.npz | mlv-cat -t tsv >t3
mlv-cat -t tsv a.mlv >t4
same "npz round trip is exact (one array per record)" t3 t4
mlv-cat -t npy --stack a.mlv b.mlv >ab.npy
check "--stack writes one array of all rows" sh -c '[ "$(mlv-cat -H <ab.npy)" = "MLV1 27 4" ]'
printf '1\t2\n3\n' >ragged.tsv
fails "ragged TSV is refused" 1 "^mlv-cat: ragged.tsv: line 2: 1 fields \\(expected 2" mlv-cat -f tsv ragged.tsv

# ---- paste ----
mlv-gen --records 3 --rows 5 --cols 2 --seed 9 >c.mlv
mlv-paste a.mlv c.mlv >p.mlv
check "paste joins columns" sh -c 'mlv-cat -H p.mlv | head -n 1 | grep -q "^MLV1 5 6 id=gen/0"'
mlv-paste a.mlv c.mlv | mlv-cat -t tsv >p.tsv
mlv-cat -t tsv a.mlv >pa.tsv
mlv-cat -t tsv c.mlv >pc.tsv
paste pa.tsv pc.tsv >p.want
same "paste values are the inputs side by side" p.tsv p.want
fails "paste refuses unequal rows" 1 "^mlv-paste: b.mlv: record 1 \\(id=gen/0\\): 6 rows, but a.mlv has 5" mlv-paste a.mlv b.mlv
fails "paste refuses unequal record counts" 1 "^mlv-paste: c2.mlv: ends after 2 records" sh -c 'mlv-cat --id "gen/[01]" c.mlv >c2.mlv; mlv-paste a.mlv c2.mlv'

# ---- bad input ----
head -c 7 a.mlv >trunc-header.mlv
fails "truncated header" 1 "^mlv-cat: trunc-header.mlv: record 1 at byte 0: truncated header" mlv-cat trunc-header.mlv
head -c 100 a.mlv >trunc-payload.mlv
fails "truncated payload" 1 "^mlv-cat: trunc-payload.mlv: record 1 at byte 0: truncated payload \\(expected 80 bytes for 5 x 4 floats, got 45\\)" mlv-cat trunc-payload.mlv
{ cat a.mlv; head -c 60 b.mlv; } >trunc-second.mlv
off=$(wc -c <a.mlv)
fails "error names the record and its byte offset" 1 "record 4 at byte $off: truncated" mlv-cat trunc-second.mlv
{ printf 'MLV1 1 1 a='; head -c 70000 /dev/zero | tr '\0' x; printf '\n'; } >long.mlv
fails "header over 64 KiB" 1 "header line longer than 65536 bytes" mlv-cat long.mlv
printf 'MLV1 -1 4\n' >neg.mlv
fails "negative ROWS" 1 "ROWS '-1' is not a non-negative integer" mlv-cat neg.mlv
printf 'MLV1 4 four\n' >nan-cols.mlv
fails "non-numeric COLS" 1 "COLS 'four' is not a non-negative integer" mlv-cat nan-cols.mlv
printf 'MLV1 18446744073709551616 1\n' >over.mlv
fails "overflowing ROWS" 1 "ROWS '18446744073709551616'" mlv-cat over.mlv
printf 'MLV1 4294967296 4294967296\n' >prod.mlv
fails "overflowing ROWS x COLS" 1 "record too large \\(4294967296 x 4294967296 floats" mlv-cat prod.mlv
printf 'MLV1 1000 1000\n' >cap.mlv
fails "configurable cap (MLV_MAX_RECORD)" 1 "limit is 1048576 bytes, set MLV_MAX_RECORD" env MLV_MAX_RECORD=1M mlv-cat cap.mlv
fails "bad MLV_MAX_RECORD" 2 "MLV_MAX_RECORD lots: not a size" env MLV_MAX_RECORD=lots mlv-cat cap.mlv
head -c 3000 /dev/urandom >garbage.bin
printf '\177ELF\002\001\001' | cat - garbage.bin >garbage.mlv
fails "garbage bytes" 1 "^mlv-cat: garbage.mlv: record 1 at byte 0: not an MLV record \\(starts with '\\\\x7FELF" mlv-cat garbage.mlv
fails "missing file" 1 "^mlv-cat: nope.mlv: cannot open \\(No such file or directory\\)$" mlv-cat nope.mlv
fails "a directory" 1 "^mlv-cat: \\.: cannot open \\(Is a directory\\)$" mlv-cat .

# ---- output ----
mlv-gen --records 64 --rows 256 --cols 256 >big.mlv
mlv-cat big.mlv 2>pipe.err | head -c 10 >/dev/null
check "closed pipe: quiet exit" sh -c '[ ! -s pipe.err ]'
sh -c 'mlv-cat big.mlv; echo $? >pipe.status' | head -c 10 >/dev/null
check "closed pipe: status of SIGPIPE" sh -c '[ "$(cat pipe.status)" -eq 141 ]'
if [ -w /dev/full ]; then
	fails "writing to /dev/full" 1 "^mlv-cat: <stdout>: write error \\(No space left on device\\)$" sh -c 'mlv-cat a.mlv >/dev/full'
	fails "-o /dev/full" 1 "^mlv-cat: /dev/full: write error \\(No space left on device\\)$" mlv-cat -o /dev/full a.mlv
else
	skip "writing to /dev/full" "no /dev/full"
	skip "-o /dev/full" "no /dev/full"
fi
mlv-cat -o out.mlv a.mlv b.mlv
same "-o writes the file" out.mlv ab.cat
cp b.mlv keep.mlv
fails "failed run reports the bad input" 1 "trunc-payload.mlv" mlv-cat -o keep.mlv a.mlv trunc-payload.mlv
same "failed run leaves the existing -o file alone" keep.mlv b.mlv
fails "failed run with a new -o file" 1 "truncated payload" mlv-cat -o new.mlv a.mlv trunc-payload.mlv
check "failed run leaves no file and no temporary" sh -c '[ ! -e new.mlv ] && [ -z "$(ls -A | grep "^\.new\|^\.keep")" ]'
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
	fails "unwritable directory" 1 "^mlv-cat: ro/x.mlv: cannot create \\(Permission denied\\)$" mlv-cat -o ro/x.mlv a.mlv
fi
fails "-o into a missing directory" 1 "^mlv-cat: nodir/x.mlv: cannot create \\(No such file or directory\\)$" mlv-cat -o nodir/x.mlv a.mlv
mkfifo slow.fifo
(printf 'MLV1 1000 1000\n'; sleep 3) >slow.fifo &
feeder=$!
mlv-cat -o sig.mlv slow.fifo 2>/dev/null &
pid=$!
sleep 0.5
tmp_seen=$(ls -A | grep -c '^\.sig\.mlv\.')
kill -TERM $pid
wait $pid
status=$?
kill $feeder 2>/dev/null
wait $feeder 2>/dev/null
if [ "$tmp_seen" -eq 1 ] && [ "$status" -eq 143 ] && [ -z "$(ls -A | grep '^\.sig')" ] && [ ! -e sig.mlv ]; then
	ok "killed by a signal: temporary removed"
else
	not_ok "killed by a signal: temporary removed" "temporary seen while running: $tmp_seen, status $status" "$(ls -A)"
fi

# A --where that selects nothing is grep's "no match": status 1, and a
# warning naming the keys when no record has the key asked for.
mlv-cat --where label.part=zzz a.mlv >none.mlv 2>none.err
status=$?
check "--where selecting nothing: exit status 1, empty output, no warning" sh -c "[ $status -eq 1 ] && [ ! -s none.mlv ] && [ ! -s none.err ]"
fails "--where a key no record has: a warning naming the nearest" 1 \
	"^mlv-cat: --where label\\.prat: no record has this key \\(did you mean label\\.part\\? keys: id, t0, dt, kind, label\\.part\\)$" \
	mlv-cat --where label.prat=a a.mlv
check "--where selecting some: exit status 0" mlv-cat --where label.part=a -o some.mlv a.mlv

# ---- a stream good up to a bad record ----
# Every record read whole reaches stdout whole, and nothing half of one.
mlv-gen --records 8 --rows 128 --cols 256 --seed 7 >good8.mlv
mlv-gen --records 4 --rows 128 --cols 256 --seed 8 >more4.mlv
mlv-cat --id 'gen/[012]' more4.mlv >more3.mlv
mlv-cat --id gen/3 more4.mlv | head -c 100000 | cat more3.mlv - >bad3.mlv
cat good8.mlv more3.mlv >want11.mlv
fails "good records then a truncated one" 1 "^mlv-cat: bad3\.mlv: record 4 at byte $(wc -c <more3.mlv): truncated payload" \
	sh -c 'mlv-cat good8.mlv bad3.mlv >got11.mlv'
same "good records then a truncated one: the 11 whole ones out" got11.mlv want11.mlv
mlv-gen --records 30 --rows 5 --cols 4 --seed 9 >small30.mlv
head -c 100 small30.mlv | cat small30.mlv - >small-bad.mlv
mlv-cat small-bad.mlv 2>/dev/null | mlv-cat -H >small.h
check "small records then a truncated one: all 30 out" sh -c '[ $(wc -l <small.h) -eq 30 ]'

# ---- output files: limits, modes, links, terminals ----
mlv-gen --records 4 --rows 256 --cols 256 >limit.mlv
fails "ulimit -f: a write error" 1 "^mlv-cat: lim\.mlv: write error \(File too large\)$" \
	sh -c 'ulimit -f 100 && mlv-cat -o lim.mlv limit.mlv'
check "ulimit -f: no file, no temporary" sh -c '[ -z "$(ls -A | grep "lim\.mlv")" ]'
cp a.mlv private.mlv && chmod 600 private.mlv
mlv-cat -o private.mlv b.mlv
check "-o keeps the mode of the file it replaces" sh -c '[ "$(stat -c %a private.mlv)" = 600 ] && cmp -s private.mlv b.mlv'
mkdir -p store && cp a.mlv store/t.mlv && ln -s store/t.mlv link.mlv
mlv-cat -o link.mlv b.mlv
check "-o through a symlink writes its target" sh -c '[ -L link.mlv ] && cmp -s store/t.mlv b.mlv'
ln -s store/new.mlv dangling.mlv
mlv-cat -o dangling.mlv b.mlv
check "-o through a dangling symlink creates its target" sh -c '[ -L dangling.mlv ] && cmp -s store/new.mlv b.mlv'
mkfifo out.fifo
timeout 20 cat out.fifo >fifo.mlv &
reader=$!
mlv-cat -o out.fifo a.mlv
wait $reader
check "-o a FIFO: written through" sh -c '[ -p out.fifo ] && cmp -s fifo.mlv a.mlv'
on_terminal mlv-cat a.mlv >tty.out
check "binary to a terminal: refused" sh -c 'grep -q "^1 mlv-cat: <stdout>: is a terminal; binary output is not written to it (redirect it, or use -o FILE)" tty.out'
on_terminal mlv-cat --to tsv a.mlv >tty2.out
check "text to a terminal: written" sh -c 'head -c 2 tty2.out | grep -q "^0 "'

# ---- usage ----
fails "unknown option" 2 "" mlv-cat --frobnicate
fails "bad --every" 2 "^mlv-cat: --every 0: too small \\(minimum 1\\)$" mlv-cat --every 0
fails "bad --to" 2 "^mlv-cat: --to xls: unknown format" mlv-cat --to xls
fails "bad --where" 2 "^mlv-cat: --where nokey: expected KEY=GLOB" mlv-cat --where nokey
fails "--stack without npy" 2 "^mlv-cat: --stack goes with --to npy$" mlv-cat --stack
fails "paste needs two streams" 2 "need at least two streams" mlv-paste a.mlv
check "--help" sh -c 'mlv-cat --help | grep -q "^usage: mlv-cat" && mlv-paste -h | grep -q "^usage: mlv-paste"'
check "--version" sh -c 'mlv-cat --version | grep -q "^mlv-cat (mlv) [0-9]" && mlv-paste --version | grep -q "^mlv-paste (mlv)"'
