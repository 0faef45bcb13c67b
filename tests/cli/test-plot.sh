#!/bin/sh
# test-plot.sh - mlv-plot: the SVG it makes, read back with xml.etree.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# svg.py FILE CHECK...: parses FILE (failing if it is not well-formed XML)
# and prints what the checks ask for, one line each:
#   points       the number of points with a tooltip (hypertext groups)
#   color RGB    the number of those points drawn in rgb(R, G, B)
#   texts        every <text> element's text, joined by '|'
#   tips         every tooltip, joined by '|'
#   images       the number of <image> elements
#   paths        the number of <path> elements
cat >svg.py <<'EOF'
import re, sys
import xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
hyper = [g for g in root.iter(ns + 'g') if 'onmousemove' in g.attrib]
for check in sys.argv[2:]:
    if check == 'points':
        print(len(hyper))
    elif check.startswith('color='):
        want = re.sub(r'\s', '', check[6:])
        print(sum(1 for g in hyper for u in g.iter(ns + 'use')
                  if re.sub(r'\s', '', u.get('color', '')) == want))
    elif check == 'texts':
        print('|'.join((t.text or '') for t in root.iter(ns + 'text')))
    elif check == 'tips':
        print('|'.join(g.attrib['onmousemove'] for g in hyper))
    elif check == 'images':
        print(sum(1 for _ in root.iter(ns + 'image')))
    elif check == 'paths':
        print(sum(1 for _ in root.iter(ns + 'path')))
EOF
svg() { "$PY" svg.py "$@"; }

# expect NAME WANT CMD...: CMD's stdout equals WANT.
expect() {
	name=$1 want=$2
	shift 2
	if got=$("$@" 2>&1) && [ "$got" = "$want" ]; then ok "$name"; else
		not_ok "$name" "command: $*" "expected: $want" "got:      $got"
	fi
}

# contains NAME TEXT CMD...: CMD's stdout contains TEXT (fixed string).
contains() {
	name=$1 text=$2
	shift 2
	got=$("$@" 2>&1)
	case $got in *"$text"*) ok "$name" ;; *)
		not_ok "$name" "command: $*" "missing: $text" "got: $got" ;;
	esac
}

mlv-gen --records 6 --rows 40 --cols 2 --separation 5 --seed 3 >map.mlv

# ---- without gnuplot: --script, and the message when it is missing ----
MLV_GNUPLOT=/nonexistent/gnuplot mlv-plot --script -c label.part map.mlv >map.gp
check "--script prints the script without running gnuplot" sh -c '
	head -n 1 map.gp | grep -q "^set terminal svg " &&
	grep -qx "set termoption noenhanced" map.gp &&
	grep -qx "\$g0 << EOD" map.gp && grep -qx "\$g1 << EOD" map.gp &&
	[ "$(grep -c "^tip\[" map.gp)" -eq 240 ] && ! grep -q "^set output" map.gp'
check "--script -o names the output, not a temporary" sh -c '
	mlv-plot --script -o "it'"'"'s.png" map.mlv | grep -qx "set output '"'"'it'"''"'s.png'"'"'" &&
	mlv-plot --script -o m.png map.mlv | head -n 1 | grep -q "^set terminal pngcairo "'
fails "missing gnuplot: one line naming the package" 1 \
	"^mlv-plot: /nonexistent/gnuplot not found \\(install it: apt-get install gnuplot-nox\\)$" \
	env MLV_GNUPLOT=/nonexistent/gnuplot mlv-plot -o none.svg map.mlv
check "missing gnuplot leaves no file" sh -c '[ -z "$(ls -A | grep none)" ]'
fails "an unknown kind" 2 "^mlv-plot: -k pie: not scatter, heatmap or lines" mlv-plot -k pie map.mlv
fails "an unknown extension" 2 "^mlv-plot: -o map.txt: name the type with -t" mlv-plot -o map.txt map.mlv
fails "--color with --highlight" 2 "choose one" mlv-plot -c id --highlight label.part=b --script map.mlv
fails "--color-column past the columns" 1 "^mlv-plot: record 1 \\(id=gen/0\\): --color-column 3, but it has 2 columns$" \
	mlv-plot --color-column 3 --script map.mlv

if ! command -v "${MLV_GNUPLOT:-gnuplot}" >/dev/null 2>&1; then
	for c in scatter colour-column highlight escaping heatmap lines \
		training-log png pdf gnuplot-error atomic; do
		skip "$c" "gnuplot is not installed (apt-get install gnuplot-nox)"
	done
	exit 0
fi

# ---- scatter ----
mlv-plot -c label.part -o map.svg map.mlv
expect "scatter: well-formed SVG, one point per row" 240 svg map.svg points
expect "scatter: a colour per label (Okabe-Ito orange, sky blue)" "120
120" svg map.svg "color=rgb(230,159,0)" "color=rgb(86,180,233)"
contains "scatter: legend with the key and its values" "label.part|a|b|gen/0, gen/1, gen/2 and 3 more" svg map.svg texts
contains "scatter: axis labels" "column 2|column 1" svg map.svg texts
contains "scatter: tooltips with id, colour key and time" \
	"showHypertext(evt,'gen/1\\nlabel.part=b\\nt=10.025 s')" svg map.svg tips

# cluster ids pasted beside the map, as mlv-paste does
awk 'BEGIN { for (i = 0; i < 30; i++) print i % 3 }' | mlv-cat -f tsv --set id=c >ids.mlv
mlv-gen --rows 30 --cols 2 --seed 4 >xy.mlv
mlv-paste xy.mlv ids.mlv >xyc.mlv
mlv-plot --color-column 3 -o cc.svg xyc.mlv
expect "--color-column: three groups of ten" "30
10
10
10" svg cc.svg points "color=rgb(230,159,0)" "color=rgb(86,180,233)" "color=rgb(0,158,115)"
contains "--color-column: legend 0, 1, 2" "column 3|0|1|2|" svg cc.svg texts

mlv-plot --highlight label.part=b -o hl.svg map.mlv
expect "--highlight: the subset in vermillion over grey" "120
120" svg hl.svg "color=rgb(213,94,0)" "color=rgb(187,187,187)"
contains "--highlight: legend" "other|label.part=b|" svg hl.svg texts

# ---- escaping: text from data is text, in gnuplot and in XML ----
mlv-gen --rows 3 --cols 2 | mlv-cat --set 'id=<a href="x">Tom & Jerry'"'"'s</a>' >esc.mlv
mlv-plot -c id --title 'say "hi" <b> & '"'"'bye'"'"'
second line' -o esc.svg esc.mlv
contains "escaping: the title is drawn as text" \
	'|say "hi" <b> & '"'"'bye'"'"'|second line' svg esc.svg texts
contains "escaping: the legend entry is drawn as text" \
	'|<a href="x">Tom & Jerry'"'"'s</a>|' svg esc.svg texts
# gnuplot copies tooltips into a JavaScript string in an attribute
# unescaped, so quotes come out as their typographic look-alikes
contains "escaping: tooltips keep < and &" \
	"showHypertext(evt,'<a href=”x”>Tom & Jerry’s</a>\\nt=0.000 s')" svg esc.svg tips
check "escaping: < and & are entities in the file" sh -c '
	grep -q "&lt;a href=\"x\">Tom &amp; Jerry" esc.svg && ! grep -q "<b>" esc.svg'
printf 'MLV1 1 2 id=bad%%FF%%01x\n' >bad.mlv
printf '\0\0\200\77\0\0\0\100' >>bad.mlv
mlv-plot -c id -o bad.svg bad.mlv 2>/dev/null
contains "escaping: bytes that are not UTF-8 become ?" "|bad? x|" svg bad.svg texts

# ---- heatmap ----
mlv-gen --rows 20 --cols 4 | mlv-simmat >sim.mlv
mlv-plot -k heatmap -o sim.svg sim.mlv
expect "heatmap: one image" 1 svg sim.svg images
contains "heatmap: a colour bar named by the measure" "|cosine|gen/0" svg sim.svg texts
contains "heatmap: time on both axes" "|time (s)|time (s)|" svg sim.svg texts
mlv-gen --records 2 --rows 5 --cols 3 | mlv-simmat >two.mlv
fails "heatmap: one record only" 1 "^mlv-plot: a heatmap draws one record, and the input has 2" \
	mlv-plot -k heatmap -o two.svg two.mlv

# ---- lines ----
awk 'BEGIN { srand(1); for (i = 0; i < 20; i++) { s = i < 6 ? 0 : i < 15 ? 1 : 2;
	for (j = 0; j < 6; j++) printf "%s%.4f", j ? "\t" : "", (j == 2 * s || j == 2 * s + 1) + 0.1 * rand(); print "" } }' |
	mlv-cat -f tsv --set id=piece --set t0=0 --set dt=10 | mlv-simmat --novelty 3 >nov.mlv
mlv-plot -k lines -o nov.svg nov.mlv
contains "lines: a novelty curve against time, with its boundaries" "|novelty|time (s)|novelty|boundaries|piece" svg nov.svg texts
check "lines: a dashed line at each boundary" sh -c '
	mlv-plot -k lines --script nov.mlv | grep -c "^set arrow from \(60\|150\), graph 0" | grep -qx 2'
printf '1\t2.0\t2.2\n2\t1.0\t1.5\n3\t0.5\t1.2\n4\t0.3\t1.1\n' |
	mlv-cat -f tsv --set id=run1 --set colnames=epoch,train,validation >log.mlv
mlv-plot -k lines -o log.svg log.mlv
contains "lines: a training log, each column against the first" "|epoch|train|validation|run1" svg log.svg texts

# ---- other types, chosen by the extension or -t ----
mlv-plot -c label.part -o map.png map.mlv
check "png by extension" sh -c 'head -c 8 map.png | od -An -c | grep -q "P   N   G"'
mlv-plot -o map.pdf map.mlv
check "pdf by extension" sh -c 'head -c 5 map.pdf | grep -q "^%PDF-"'
mlv-plot -t png map.mlv >stdout.png
check "-t png to stdout" sh -c 'head -c 8 stdout.png | od -An -c | grep -q "P   N   G"'

# ---- gnuplot errors and atomic output ----
echo keep >keep.svg
mlv-plot -g 'set nonsense' -o keep.svg map.mlv >/dev/null 2>err.txt
status=$?
if [ "$status" -eq 1 ] && grep -q "unrecognized option" err.txt &&
	tail -n 1 err.txt | grep -q "^mlv-plot: gnuplot failed (exit status 1)"; then
	ok "gnuplot-error: its message shown, exit status 1"
else
	not_ok "gnuplot-error: its message shown, exit status 1" "status $status" "$(cat err.txt)"
fi
check "atomic: a failed run keeps the old file and leaves no temporary" sh -c '
	[ "$(cat keep.svg)" = keep ] && [ -z "$(ls -A | grep "^\.keep")" ]'
mlv-plot -o keep.svg map.mlv
expect "atomic: a good run replaces it" 240 svg keep.svg points
