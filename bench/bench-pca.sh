#!/bin/sh
# bench-pca.sh - PCA-40 of wide rows: Symphony2vec's flattened 10-s mel
# clips (400 rows of 64 x 431 = 27,584 values), fitted by mlv-project's
# Gram solver (the default for this shape) and its randomized SVD, beside
# NumPy's exact thin SVD and scikit-learn's PCA in the same run.  The
# components are compared with NumPy's: the largest principal angle
# between the two 40-dimensional subspaces (scipy's subspace_angles).
# Goal: the fit in under 5 s and 500 MB maximum resident memory.
. "$(dirname "$0")/lib.sh"

py=$(peer_python)
if [ -z "$py" ] || ! "$py" -c 'import scipy' 2>/dev/null; then
	echo "== mlv-project PCA of wide rows: needs python3-numpy and python3-scipy"
	exit 0
fi
N=${PCA_ROWS:-400} D=${PCA_COLS:-27584} K=40
x=$WORK/wide_n${N}_d$D.mlv
# A decaying spectrum of 60 factors plus noise, one record per clip.
make_input "$x" "'$py' -c '
import sys, numpy as np
n, d = $N, $D
g = np.random.default_rng(0)
f = g.standard_normal((60, d), dtype=np.float32)
a = g.standard_normal((n, 60), dtype=np.float32) * (10 * 0.9 ** np.arange(60)).astype(np.float32)
x = (a @ f + g.standard_normal((n, d), dtype=np.float32) + 3).astype(\"<f4\")
o = sys.stdout.buffer
for i in range(n):
    o.write(b\"MLV1 1 %d id=clip/%d\\n\" % (d, i)); o.write(x[i].tobytes())
'"

# compare FIT: NumPy's SVD of the same rows, timed, and the largest
# principal angle between its first K right singular vectors and FIT's
# components; scikit-learn's PCA timed when installed.
compare() {
	"$py" - "$x" "$1" "$K" <<'PY'
import sys, time, numpy as np
from scipy.linalg import subspace_angles
def read(path):
    recs, b = {}, open(path, 'rb').read()
    o = 0
    while o < len(b):
        e = b.index(b'\n', o)
        h = b[o:e].decode().split()
        r, c = int(h[1]), int(h[2])
        meta = dict(kv.split('=', 1) for kv in h[3:])
        o = e + 1
        recs.setdefault(meta.get('id'), []).append(np.frombuffer(b, '<f4', r * c, o).reshape(r, c))
        o += 4 * r * c
    return recs
x = np.vstack([v[0] for v in read(sys.argv[1]).values()])
k = int(sys.argv[3])
comp = read(sys.argv[2])['pca.components'][0].astype(np.float64)
t0 = time.perf_counter()
xc = x.astype(np.float64); xc -= xc.mean(0)
u, s, vt = np.linalg.svd(xc, full_matrices=False)
t1 = time.perf_counter()
var = read(sys.argv[2])['pca.variance'][0][0]
ref = s[:k] ** 2 / (len(x) - 1)
print('SVD_SECONDS %.3f' % (t1 - t0))
print('ANGLE %.3g' % max(subspace_angles(vt[:k].T, comp.T)))
print('VARREL %.3g' % np.max(np.abs(var - ref) / ref))
try:
    from sklearn.decomposition import PCA
    t0 = time.perf_counter(); PCA(k, svd_solver='full').fit(x); t1 = time.perf_counter()
    print('SKLEARN_SECONDS %.3f' % (t1 - t0))
except ImportError:
    pass
PY
}
field() { echo "$1" | sed -n "s/^$2 //p" | tail -n 1; }

echo "== PCA-$K of $N x $D (wide: the Gram solver by default)"
for solver in auto randomized; do
	t=$(best_of "mlv-project --solver $solver --dims $K --fit '$WORK/pca-$solver.mlv' '$x' >/dev/null 2>&1")
	rss=$(/usr/bin/time -f %M mlv-project --solver $solver --dims $K --fit '/dev/null' "$x" 2>&1 >/dev/null | tail -n 1)
	rep=$(compare "$WORK/pca-$solver.mlv")
	[ "$solver" = auto ] && { ts=$(field "$rep" SVD_SECONDS); tk=$(field "$rep" SKLEARN_SECONDS); }
	met=no
	awk -v t="$t" -v m="$rss" 'BEGIN { exit !(t < 5 && m < 500 * 1024) }' && met=yes
	row "mlv-project --solver $solver" "$t" "max RSS $((rss / 1024)) MB; largest angle to NumPy's $(field "$rep" ANGLE) rad; variance rel. error $(field "$rep" VARREL); under 5 s and 500 MB: $met; $(ratio "$t" "$ts") (NumPy SVD)"
done
row "NumPy thin SVD, float64 (peer)" "$ts" ""
row "scikit-learn PCA, svd_solver=full (peer)" "${tk:--}" ""
