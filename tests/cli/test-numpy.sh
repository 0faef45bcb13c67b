#!/bin/sh
# test-numpy.sh - mlv and NumPy.
#
# Without Python: mlv-cat reads the .npy fixtures of tests/ref/npy (written
# by numpy's np.save; see tests/ref/gen_npy.py, which CI never runs) into
# exactly the committed .mlv bytes, writes .npy exactly as np.save does,
# and keeps awkward metadata intact.  With a python3 that has numpy:
# np.load reads what mlv-cat writes and mlv-cat reads what np.save writes,
# bit for bit, and examples/mlv.py agrees with mlv-cat.
. "$(dirname "$0")/lib.sh"

REF=$TESTS_DIR/ref/npy
EXAMPLES=$(cd "$TESTS_DIR/../examples" && pwd)
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

# The fixtures: NAME.npy, NAME.mlv, NAME.back.npy each.
NAMES="f4 f8 i4 i8 i8_round u8_round u1 b1 f4_1d f4_3d f4_fortran f4_be
f4_empty f4_zero_cols f4_nonfinite two f4_v2"

# same_out NAME EXPECTED CMD...: CMD exits 0 and writes EXPECTED's bytes on
# stdout; its stderr is left in $SCRATCH/.err.
same_out() {
	so_name=$1 so_want=$2
	shift 2
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err"
	so_status=$?
	if [ "$so_status" -ne 0 ]; then
		not_ok "$so_name" "command: $*" "exit status $so_status" "$(cat "$SCRATCH/.err")"
	else
		same "$so_name" "$SCRATCH/.out" "$so_want"
	fi
}

# The one warning `mlv-cat < NAME.npy` must give (none for the others).
# The counts are the values float32 cannot hold, as gen_npy.py prints them.
expected_warning() {
	case $1 in
	i8) echo "record 1: 4 integer values rounded to float32" ;;
	i8_round | u8_round) echo "record 1: 2 integer values rounded to float32" ;;
	f4_nonfinite) echo "record 1: 5 NaN/Inf values" ;;
	esac
}

# warns NAME FILE EXPECTED: FILE is empty when EXPECTED is, else one line
# ending in EXPECTED.
warns() {
	if [ -z "$3" ]; then
		if [ -s "$2" ]; then not_ok "$1" "expected no message, got:" "$(cat "$2")"; else ok "$1"; fi
	elif [ "$(wc -l <"$2")" -eq 1 ] && grep -q -F -- ": $3" "$2" &&
		[ "$(sed 's/.*: //' "$2")" = "${3##*: }" ]; then
		ok "$1"
	else
		not_ok "$1" "expected one line ending ': $3', got:" "$(cat "$2")"
	fi
}

# ==== without Python ====

missing=
for n in $NAMES; do
	for f in "$n.npy" "$n.mlv" "$n.back.npy"; do
		[ -s "$REF/$f" ] || missing="$missing $f"
	done
done
for f in two.stack.npy stack.npy awkward.mlv awkward.npy; do
	[ -s "$REF/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "fixtures are present"; else
	not_ok "fixtures are present" "missing or empty in $REF:$missing"
fi

for n in $NAMES; do
	same_out "npy $n: mlv-cat < $n.npy writes $n.mlv" "$REF/$n.mlv" mlv-cat <"$REF/$n.npy"
	cp "$SCRATCH/.err" "$n.err"
	warns "npy $n: warnings" "$n.err" "$(expected_warning "$n")"
	# .npy holds one array: several records go to .npz (below).
	[ "$n" = two ] && continue
	same_out "npy $n: mlv-cat --to npy $n.mlv writes what np.save writes" \
		"$REF/$n.back.npy" mlv-cat --to npy "$REF/$n.mlv"
	# mlv -> npy -> mlv; .npy has no metadata, so put steps back.
	steps=$(head -n 1 "$REF/$n.mlv" | sed -n 's/.* steps=\([0-9]*\).*/\1/p')
	mlv-cat --to npy "$REF/$n.mlv" >"$n.rt.npy" 2>/dev/null
	same_out "npy $n: mlv -> npy -> mlv is byte-identical" "$REF/$n.mlv" \
		mlv-cat ${steps:+--set steps=$steps} <"$n.rt.npy"
done

# The header of a 3-D array, read from a named file.
printf 'MLV1 2 12 steps=3 id=f4_3d.npy\n' >h3.want
(cd "$REF" && mlv-cat -H f4_3d.npy) >h3.got 2>&1
same "npy: (N, S, F) gives steps=S, a named file id=PATH" h3.got h3.want

cat "$REF/f4.npy" "$REF/i4.npy" "$REF/f4_empty.npy" "$REF/u1.npy" >cat4.npy
cat "$REF/f4.mlv" "$REF/i4.mlv" "$REF/f4_empty.mlv" "$REF/u1.mlv" >cat4.want
same_out "npy: concatenated .npy files are read as one record each" cat4.want mlv-cat <cat4.npy

same_out "--stack: two arrays of one file as one" "$REF/two.stack.npy" \
	mlv-cat --to npy --stack <"$REF/two.npy"
same_out "--stack: records of several files, one of 0 rows" "$REF/stack.npy" \
	mlv-cat --to npy --stack "$REF/f4.mlv" "$REF/f4_empty.mlv" "$REF/f8.mlv"
fails "--stack refuses records of different widths" 1 "needs equal widths" \
	mlv-cat --to npy --stack "$REF/f4.mlv" "$REF/f4_1d.mlv"

head -c 150 "$REF/f8.npy" >short.npy
fails "npy: truncated data is an error" 1 "truncated \.npy data" mlv-cat short.npy
head -c 20 "$REF/f8.npy" >short2.npy
fails "npy: truncated header is an error" 1 "truncated \.npy header" mlv-cat short2.npy
same_out "npy: empty input, empty output" /dev/null mlv-cat --to npy </dev/null

# Awkward metadata: spaces, %, =, UTF-8, newline, tab, quotes, < & >.
same_out "awkward: mlv-cat FILE copies it byte for byte" "$REF/awkward.mlv" \
	mlv-cat "$REF/awkward.mlv"
same_out "awkward: mlv-cat < FILE copies it byte for byte" "$REF/awkward.mlv" \
	mlv-cat <"$REF/awkward.mlv"
fails "--to npy of several records: refused, naming --to npz and --stack" 1 \
	"^mlv-cat: .*awkward\\.mlv: record 2 .*: a second record, but an \\.npy file holds one array \\(--to npz writes one per record, --stack all their rows as one\\)$" \
	mlv-cat -t npy "$REF/awkward.mlv"
check "--to npy of several records: no output" sh -c '! [ -s "$SCRATCH/.out" ]'

# .npz: an array per record, the metadata in meta.json, read back whole.
for n in awkward two f4_3d f4_empty f4_zero_cols; do
	mlv-cat -t npz "$REF/$n.mlv" >"$n.npz" 2>/dev/null
	same_out "npz $n: mlv -> npz -> mlv is byte-identical (ids and metadata kept)" \
		"$REF/$n.mlv" mlv-cat "$n.npz"
done
same_out "npz: --from npz from stdin" "$REF/two.mlv" sh -c 'mlv-cat -f npz <two.npz'
{ mlv-gen --records 2 --rows 2 --cols 3 --seed 1; mlv-gen --records 1 --rows 1 --cols 3 --seed 2 |
  mlv-cat --set 'id=a b'; mlv-gen --records 1 --rows 1 --cols 3 --seed 3 | mlv-cat --set 'id=a_b'; } >dup.mlv
mlv-cat -t npz dup.mlv >dup.npz
same_out "npz: clashing and odd ids round-trip" dup.mlv mlv-cat dup.npz
head -c 300 dup.npz >dup-short.npz
fails "npz: a truncated archive" 1 "^mlv-cat: dup-short\\.npz: " mlv-cat dup-short.npz
same_out "npz: empty stream, an archive of no arrays, read back empty" /dev/null \
	sh -c 'mlv-cat -t npz </dev/null | mlv-cat -f npz'
printf '1\t-0\t0.100000001\n1.40129846e-45\t3.40282347e+38\t-7.25\n' >awk.tsv.want
mlv-cat -t tsv "$REF/awkward.mlv" >awk.tsv2 2>&1
same "awkward: the values as mlv-cat reads them" awk.tsv2 awk.tsv.want
printf '%s\t%s\t%s\t%s\t%s\n' 'dir with spaces/file%20name.wav' \
	"line one\\nline two\\tafter a tab\\r\\n\"double\" 'single'" '%41%2g%' \
	'<a href="x?a=1&b=2">&amp; &lt;</a>' 'a=b c%d 100%' >awk.keys.want
cat awk.keys.want awk.keys.want >awk.keys.want2
mlv-cat -t tsv --keys id,note,pct,markup,title "$REF/awkward.mlv" 2>&1 | cut -f 1-5 >awk.keys
same "awkward: mlv-cat decodes the values" awk.keys awk.keys.want2

printf 'MLV1 0 0 a=x%%2cy b=%%0a%%c3%%a9 c=%%25%%7e d=caf%%e9%%Ff\n' >lower.mlv
printf 'MLV1 0 0 a=x,y b=%%0A%%C3%%A9 c=%%25~ d=caf%%E9%%FF\n' >lower.want
same_out "percent-escapes in either case, any bytes; written uppercase, only where needed" \
	lower.want mlv-cat lower.mlv

# ==== with numpy ====

PY=$(numpy_python) || PY=
PYCASES="np.load reads mlv-cat --to npz (mlv-gen stream with NaN)
np.load reads mlv-cat --to npz (0-row and 0-col records)
np.load reads mlv-cat --to npz (every fixture)
npz: ids and metadata in meta.json; np.savez read back
mlv-cat reads np.save output of many types, bit for bit
mlv-cat's warnings on np.save output
mlv.py: mlv-gen stream written back byte for byte
mlv.py: fixtures and 0-row/0-col records written back byte for byte
mlv.py: empty stream
mlv.py: the script's summary agrees with mlv-cat
mlv.py: awkward metadata decoded as mlv-cat decodes it
mlv.py: awkward metadata encoded as mlv-cat encodes it
mlv.py: awkward metadata is the text it was written from
mlv.py: escapes in either case, bytes that are not UTF-8
mlv.py: refuses a truncated stream"
if [ -z "$PY" ]; then
	echo "$PYCASES" | while IFS= read -r c; do skip "numpy: $c" "no python3 with numpy"; done
	exit 0
fi
PYTHONPATH=$EXAMPLES${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH

# Compare each MLV stream with the arrays np.load finds in its .npy twin.
# The MLV side is parsed here, not by mlv.py.
cat >np_load.py <<'EOF'
import json, sys
import numpy as np

def mlv_payloads(path):
    with open(path, "rb") as f:
        while line := f.readline():
            magic, rows, cols = line.split(b" ")[:3]
            assert magic == b"MLV1", line
            rows, cols = int(rows), int(cols.strip())
            yield rows, cols, f.read(4 * rows * cols)

def npy_arrays(path):
    if path.endswith(".npz"):
        z = np.load(path)
        for a in json.loads(z["meta.json"])["arrays"]:
            yield z[a["name"]]
        return
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(0)
        while f.tell() < size:
            yield np.load(f)

want_nan = sys.argv[1] == "--nan"
pairs = sys.argv[2:]
values = nans = records = 0
bad = []
for m, n in zip(pairs[0::2], pairs[1::2]):
    got = list(npy_arrays(n))
    exp = list(mlv_payloads(m))
    if len(got) != len(exp):
        bad.append("%s: %d arrays, %d records" % (n, len(got), len(exp)))
        continue
    for i, (a, (rows, cols, payload)) in enumerate(zip(got, exp)):
        if a.dtype != np.dtype("<f4") or a.shape != (rows, cols):
            bad.append("%s #%d: %s %s, expected <f4 (%d, %d)" % (n, i, a.dtype, a.shape, rows, cols))
        elif not np.array_equal(a.view(np.uint32).ravel(), np.frombuffer(payload, "<u4")):
            bad.append("%s #%d: values differ" % (n, i))
        values += a.size
        nans += int(np.isnan(a).sum())
        records += 1
if not records or not values:
    bad.append("nothing compared")
if want_nan and not nans:
    bad.append("no NaN compared")
print("%d records, %d values, %d NaN" % (records, values, nans))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

mlv-gen --records 4 --rows 6 --cols 5 --seed 11 --nan 3 >g.mlv
mlv-cat --to npz g.mlv >g.npz 2>/dev/null
check "numpy: np.load reads mlv-cat --to npz (mlv-gen stream with NaN)" \
	"$PY" np_load.py --nan g.mlv g.npz

{ mlv-gen --records 2 --rows 0 --cols 5 --seed 1; mlv-gen --records 1 --rows 3 --cols 0 --seed 2;
  mlv-gen --records 1 --rows 1 --cols 1 --seed 3; } >shapes.mlv
mlv-cat --to npz shapes.mlv >shapes.npz 2>shapes.err
check "numpy: np.load reads mlv-cat --to npz (0-row and 0-col records)" \
	"$PY" np_load.py - shapes.mlv shapes.npz

set --
for n in $NAMES awkward; do
	mlv-cat --to npz "$REF/$n.mlv" >"$n.out.npz" 2>/dev/null
	set -- "$@" "$REF/$n.mlv" "$n.out.npz"
done
check "numpy: np.load reads mlv-cat --to npz (every fixture)" "$PY" np_load.py --nan "$@"

# np.save many arrays into one file, and what mlv-cat must make of them.
cat >np_save.py <<'EOF'
import sys
import numpy as np
import mlv

rng = np.random.default_rng(20240611)

def bits32(shape):
    u = rng.integers(0, 2**32, size=shape, dtype=np.uint64).astype(np.uint32)
    u.flat[:4] = [0x7F800000, 0xFF800000, 0x7FC00000, 0x00000001]
    return u.view(np.float32)

def wide(shape, lo, hi, dtype):
    x = rng.standard_normal(shape) * 10.0 ** rng.uniform(lo, hi, size=shape)
    return x.astype(dtype)

def ints(dtype, shape, lo=None, hi=None):
    info = np.iinfo(dtype)
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64 if
                        np.dtype(dtype).kind == "i" else np.uint64).astype(dtype)

arrays = [
    bits32((7, 5)),
    wide((6, 4), -44, 38, np.float32),
    wide((5, 3), -50, 40, np.float64),
    wide((3, 4), -40, 38, ">f8"),
    bits32((4, 2)).astype(">f4"),
    np.asfortranarray(wide((3, 5), -10, 10, np.float64)),
    np.asfortranarray(wide((4, 3), -10, 10, np.float32)),
    np.asfortranarray(ints(np.int16, (2, 7))),
    ints(np.int8, (3, 3)), ints(np.uint8, (2, 5)), ints(np.int16, (4, 2)),
    ints(np.int16, (4, 2)).astype(">i2"), ints(np.uint16, (3, 2)),
    ints(np.int32, (3, 3), -2**24, 2**24), ints(np.int32, (2, 3)).astype(">i4"),
    ints(np.uint32, (2, 2)), ints(np.int64, (3, 2), -2**53, 2**53),
    ints(np.uint64, (2, 2), 0, 2**53), ints(np.int64, (2, 2), -2**30, 2**30).astype(">i8"),
    rng.integers(0, 2, size=(3, 4)).astype(bool),
    wide((7,), -5, 5, np.float64), wide((2, 3, 2), -5, 5, np.float64),
    wide((3, 2, 2), -5, 5, np.float32), np.array(np.float32(2.5)), np.zeros((0, 3), np.int16),
    np.zeros((3, 0), np.float64),
]

if sys.argv[1] == "save":
    with open("w.npy", "wb") as f:
        for a in arrays:
            np.save(f, a)
    sys.exit(0)

# check: w.mlv is what mlv-cat made of w.npy, read as a named file.
recs = list(mlv.read("w.mlv"))
bad = []
if len(recs) != len(arrays):
    bad.append("%d records for %d arrays" % (len(recs), len(arrays)))
for i, (a, (meta, x)) in enumerate(zip(arrays, recs)):
    want = {"steps": str(a.shape[1])} if a.ndim == 3 else {}
    want["id"] = "w.npy" if i == 0 else "w.npy#%d" % (i + 1)
    rows = a.shape[0] if a.ndim else 1
    cols = int(np.prod(a.shape[1:])) if a.ndim > 1 else 1
    e = np.ascontiguousarray(a.astype(np.float32)).reshape(rows, cols)
    if meta != want:
        bad.append("#%d %s: metadata %r, expected %r" % (i, a.dtype, meta, want))
    if x.shape != e.shape:
        bad.append("#%d %s %s: shape %s, expected %s" % (i, a.dtype, a.shape, x.shape, e.shape))
        continue
    xb, eb = x.view(np.uint32), e.view(np.uint32)
    nan_x, nan_e = np.isnan(x), np.isnan(e)
    raw = a.dtype == np.dtype("<f4") and a.flags.c_contiguous
    if raw and not np.array_equal(xb, eb):   # read as is: even NaN bits
        bad.append("#%d %s: bits differ" % (i, a.dtype))
    if not np.array_equal(nan_x, nan_e) or not np.array_equal(xb[~nan_x], eb[~nan_e]):
        d = np.argwhere((xb != eb) & ~(nan_x & nan_e))[:3].tolist()
        bad.append("#%d %s %s: values differ at %s: %s, expected %s" % (
            i, a.dtype, a.shape, d, [x[tuple(j)] for j in d], [e[tuple(j)] for j in d]))
print("%d arrays, %d values" % (len(recs), sum(x.size for _, x in recs)))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
if "$PY" np_save.py save >np_save.out 2>&1 && mlv-cat w.npy >w.mlv 2>w.err; then
	check "numpy: mlv-cat reads np.save output of many types, bit for bit" "$PY" np_save.py check
	if grep -v -e ': [0-9]* NaN/Inf values$' -e ': [0-9]* integer values rounded to float32$' w.err >w.other ||
		! grep -q 'NaN/Inf values$' w.err || ! grep -q 'rounded to float32$' w.err; then
		not_ok "numpy: mlv-cat's warnings on np.save output" "expected NaN/Inf and rounding warnings only:" "$(cat w.err)"
	else
		ok "numpy: mlv-cat's warnings on np.save output"
	fi
else
	not_ok "numpy: mlv-cat reads np.save output of many types, bit for bit" "$(cat np_save.out w.err 2>/dev/null)"
	not_ok "numpy: mlv-cat's warnings on np.save output" "mlv-cat failed"
fi

# mlv.py as a filter: it must reproduce mlv's own bytes.
cat >rt.py <<'EOF'
import sys
import mlv
src = sys.argv[1] if len(sys.argv) > 1 else sys.stdin
dst = sys.argv[2] if len(sys.argv) > 2 else sys.stdout
n = mlv.write(dst, mlv.read(src))
print(n, file=sys.stderr)
EOF
# rt_same NAME EXPECTED-COUNT INPUT: mlv.py copies INPUT exactly, counting
# EXPECTED-COUNT records.
rt_same() {
	if ! "$PY" rt.py <"$3" >rt.out 2>rt.err; then
		not_ok "$1" "mlv.py failed:" "$(cat rt.err)"
	elif [ "$(cat rt.err)" != "$2" ]; then
		not_ok "$1" "expected $2 records, mlv.py wrote $(cat rt.err)"
	else
		same "$1" rt.out "$3"
	fi
}
mlv-gen --records 5 --rows 7 --cols 3 --seed 5 --nan 2 >g2.mlv
rt_same "numpy: mlv.py: mlv-gen stream written back byte for byte" 5 g2.mlv
cat shapes.mlv >all.mlv
for n in $NAMES awkward; do cat "$REF/$n.mlv" >>all.mlv; done
rt_same "numpy: mlv.py: fixtures and 0-row/0-col records written back byte for byte" 24 all.mlv
: >empty.mlv
rt_same "numpy: mlv.py: empty stream" 0 empty.mlv

"$PY" "$EXAMPLES/mlv.py" g2.mlv >summary.txt 2>&1
mlv-cat -H g2.mlv | sed 's/^MLV1 \([0-9]*\) \([0-9]*\) \(.*\)/\1 x \2, \3/' >summary.want
mlv-cat -s g2.mlv | awk -F '\t' 'NR > 1 { print "min " $6 " max " $7 ", " $10 " NaN/Inf" }' >minmax.want
awk '/^g2.mlv: record/ { sub(/^g2.mlv: record [0-9]*: /, ""); shape = $0; sub(/,.*/, "", shape) }
     /^  / { sub(/^  /, ""); print shape ", " $0 }' summary.txt >summary.got
sed -n 's/^g2\.mlv: record [0-9]*: [0-9]* x [0-9]*, \(min [^ ]* max [^ ]*\) mean [^,]*\(, .*\)$/\1\2/p' \
	summary.txt >minmax.got
if [ "$(wc -l <summary.want)" -eq 5 ] && cmp -s summary.got summary.want && cmp -s minmax.got minmax.want; then
	ok "numpy: mlv.py: the script's summary agrees with mlv-cat"
else
	not_ok "numpy: mlv.py: the script's summary agrees with mlv-cat" "$(cat summary.txt)" \
		"expected shapes and metadata:" "$(cat summary.want)" "and:" "$(cat minmax.want)"
fi

KEYS=id,title,artist,note,markup,empty,label.part,ctrl,pct,x,y
cat >awk_meta.py <<'EOF'
import sys
import mlv
keys = sys.argv[2].split(",")
out = sys.stdout.buffer
recs = list(mlv.read(sys.argv[1]))
if sys.argv[3] == "tsv":       # as mlv-cat -t tsv --keys KEYS, without the values
    for meta, x in recs:
        for _ in range(x.shape[0]):
            vals = [meta.get(k, "").encode("utf-8", "surrogateescape") for k in keys]
            vals = [v.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n")
                    .replace(b"\r", b"\\r") for v in vals]
            out.write(b"\t".join(vals) + b"\n")
elif sys.argv[3] == "headers":  # as mlv-cat -H
    for meta, x in recs:
        out.write(mlv.header(x.shape[0], x.shape[1], meta))
else:                           # the text gen_npy.py wrote
    a, b = recs[0][0], recs[1][0]
    assert len(recs) == 2 and len(a) == 9, recs
    assert a["artist"] == "Sigur R\u00f3s \u2014 \u00c1g\u00e6tis byrjun \u266b", a["artist"]
    assert a["note"] == "line one\nline two\tafter a tab\r\n\"double\" 'single'", a["note"]
    assert a["ctrl"] == "\x01\x1f\x7f~!" and a["pct"] == "%41%2g%" and a["empty"] == "", a
    assert a["markup"] == '<a href="x?a=1&b=2">&amp; &lt;</a>', a["markup"]
    assert a["id"] == "dir with spaces/file%20name.wav" and a["title"] == "a=b c%d 100%", a
    assert b == {"id": "empty record", "x": "100%", "y": " leading and trailing "}, b
    assert recs[1][1].shape == (0, 3) and recs[0][1].shape == (2, 3)
    print("ok")
EOF
n_keys=$(echo "$KEYS" | tr ',' '\n' | wc -l)
mlv-cat -t tsv --keys "$KEYS" "$REF/awkward.mlv" | cut -f "1-$n_keys" >awk.c.tsv
"$PY" awk_meta.py "$REF/awkward.mlv" "$KEYS" tsv >awk.py.tsv 2>&1
if [ "$(wc -l <awk.c.tsv)" -eq 2 ] && grep -q 'Sigur R' awk.c.tsv; then
	same "numpy: mlv.py: awkward metadata decoded as mlv-cat decodes it" awk.py.tsv awk.c.tsv
else
	not_ok "numpy: mlv.py: awkward metadata decoded as mlv-cat decodes it" "mlv-cat -t tsv --keys gave:" "$(cat awk.c.tsv)"
fi
mlv-cat -H "$REF/awkward.mlv" >awk.c.h
"$PY" awk_meta.py "$REF/awkward.mlv" "$KEYS" headers >awk.py.h 2>&1
same "numpy: mlv.py: awkward metadata encoded as mlv-cat encodes it" awk.py.h awk.c.h
check "numpy: mlv.py: awkward metadata is the text it was written from" \
	"$PY" awk_meta.py "$REF/awkward.mlv" "$KEYS" text

cat >lower.py <<'EOF'
import sys
import numpy as np
import mlv
(meta, x), = mlv.read("lower.mlv")
# d is not UTF-8: its bytes are kept as surrogate escapes.
assert meta == {"a": "x,y", "b": "\n\u00e9", "c": "%~", "d": "caf\udce9\udcff"}, meta
assert x.shape == (0, 0) and x.dtype == np.float32, x
mlv.write(sys.stdout, [(meta, x)])
EOF
same_out "numpy: mlv.py: escapes in either case, bytes that are not UTF-8" lower.want "$PY" lower.py

head -c $(($(wc -c <g2.mlv) - 3)) g2.mlv >trunc.mlv
if "$PY" "$EXAMPLES/mlv.py" trunc.mlv >trunc.out 2>trunc.err; then
	not_ok "numpy: mlv.py: refuses a truncated stream" "exit status 0"
elif ! grep -q '^mlv.py: trunc.mlv: truncated payload' trunc.err || [ "$(grep -c ': record' trunc.out)" -ne 4 ]; then
	not_ok "numpy: mlv.py: refuses a truncated stream" "$(cat trunc.out trunc.err)"
else
	ok "numpy: mlv.py: refuses a truncated stream"
fi

# A .npy file given to a stream tool other than mlv-cat says how to convert it.
fails "a .npy file given to a stream tool" 1 "^mlv-stats: $REF/f4.npy: record 1 at byte 0: this is a NumPy file, not an MLV stream \\(convert it with mlv-cat --from npy\\)$" \
	mlv-stats "$REF/f4.npy"

# meta.json names each array and holds its metadata; np.savez's archives
# (ZIP64 sizes) read back with their keys as ids.
cat >npz_meta.py <<'EOF'
import json, sys
import numpy as np
z = np.load(sys.argv[1])
meta = json.loads(z["meta.json"])["arrays"]
assert [a["name"] for a in meta] == ["gen_0", "a_b", "a_b_2"], meta
assert [a["meta"]["id"] for a in meta] == ["gen/0", "a b", "a_b"], meta
assert z["a_b"].shape == (1, 3) and z["a_b"].dtype == np.dtype("<f4")
np.savez(sys.argv[2], first=np.arange(6, dtype="<f4").reshape(2, 3),
         second=np.arange(4, dtype="<i8"))
EOF
mlv-cat --where 'id!=gen/1' dup.mlv | mlv-cat -t npz >meta3.npz
printf 'MLV1 2 3 id=first\nMLV1 4 1 id=second\n' >savez.want
if "$PY" npz_meta.py meta3.npz savez.npz >npz.err 2>&1 && mlv-cat -H savez.npz >savez.got &&
	cmp -s savez.got savez.want; then
	ok "numpy: npz: ids and metadata in meta.json; np.savez read back"
else
	not_ok "numpy: npz: ids and metadata in meta.json; np.savez read back" "$(cat npz.err savez.got 2>&1)"
fi
