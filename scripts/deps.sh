#!/bin/sh
# deps.sh - make sure the Debian packages mlv builds and tests with are here.
#   sh scripts/deps.sh          install what is missing (as root), or print
#                               the exact apt-get line and fail
#   sh scripts/deps.sh --check  only report what is missing, and fail
#   sh scripts/deps.sh --list   print the package names
#   sh scripts/deps.sh --bench  install what is missing, with the peers that
#                               `make bench` times beside mlv
# On a system without dpkg it checks pkg-config instead and says which
# libraries to provide.
set -u

BUILD="gcc make pkg-config libsndfile1-dev libkissfft-dev libopenblas-dev liblapacke-dev libyaml-dev libsoxr-dev"
# mlv-plot runs gnuplot; make check lints the man pages with mandoc (and
# looks them up with man after an install),
# compiles with clang too, and checks SVG and the examples/mlv.py round
# trips with python3 and numpy (scipy: the dendrogram's leaf order; sox:
# the corpus's peak level); examples/parallel shards with GNU parallel;
# the explorer page and SVG tooltips are tested in chromium through
# playwright-core, which npm installs into tests/browser; the fuzz targets
# link clang's libFuzzer runtime, and valgrind checks a pipeline.
TEST="gnuplot-nox mandoc man-db clang libclang-rt-14-dev valgrind python3-numpy python3-scipy sox parallel chromium"
# Node.js and npm as Debian packages only where there are none yet: a
# machine may carry another build of Node.js that brings its own npm, and
# Debian's npm conflicts with it.
command -v node >/dev/null 2>&1 || TEST="$TEST nodejs"
command -v npm >/dev/null 2>&1 || TEST="$TEST npm"
# The peers of ../shared/bench/peers (what a user would run instead of
# mlv), timed in the same bench run: they need Debian's /usr/bin/python3.
BENCH="python3-numpy python3-scipy python3-sklearn python3-fastcluster python3-torch python3-soundfile r-cran-rtsne r-cran-uwot aubio-tools sox python3-pynndescent python3-hnswlib python3-faiss"
PKGCONFIG="sndfile kissfft-float openblas lapacke yaml-0.1 soxr"

mode=${1:-install}
if [ "$mode" = --list ]; then
	echo $BUILD $TEST
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	if pkg-config --exists $PKGCONFIG 2>/dev/null; then
		exit 0
	fi
	echo "mlv: missing libraries; provide pkg-config modules: $PKGCONFIG" >&2
	exit 1
fi

wanted=$BUILD
[ "$mode" = --check ] || wanted="$BUILD $TEST"
[ "$mode" = --bench ] && wanted="$wanted $BENCH"
missing=
for p in $wanted; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $status in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

line="apt-get install -y$missing"
if [ "$mode" != --check ] && [ "$(id -u)" = 0 ]; then
	echo "mlv: installing missing Debian packages:$missing" >&2
	apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $line >&2 && exit 0
	echo "mlv: could not install the packages; run: $line" >&2
	exit 1
fi
echo "mlv: missing Debian packages:$missing" >&2
echo "mlv: run as root: apt-get update && $line" >&2
exit 1
