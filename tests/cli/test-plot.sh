#!/bin/sh
# test-plot.sh - mlv-plot: the SVG it makes, read back with xml.etree.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# svg.py FILE CHECK...: parses FILE (failing if it is not well-formed XML)
# and prints what the checks ask for, one line each:
#   points         the number of points with a tooltip (hypertext groups)
#   color=RGB      the number of those points drawn in rgb(R, G, B)
#   texts          every <text> element's text, joined by '|'
#   tips           every tooltip, joined by '|'
#   images         the number of <image> elements (not the tooltips' own)
#   cells          the number of heatmap cells drawn as rectangles
#   paths          the number of <path> elements
# and, over the plots' own groups (gnuplot_plot_N, less the legend's):
#   subpaths[=RGB] the lines drawn (in rgb(R, G, B)) as COUNTxVERTICES for
#                  each number of vertices: "4x30" is four lines of 30
#   uses=#ID       the number of marks drawn as symbol ID (#gpPt5 is pt 6)
#   circles        the number of filled circles, then each one's radius
#                  over the first one's
#   faint          the number of translucent marks
#   colors         the numbers of colours and of shapes of those points
#   handlers       the objects the event handlers (on*=) call that no
#                  embedded <script> defines, or "defined"
cat >svg.py <<'EOF'
import re, sys
import xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
hyper = [g for g in root.iter(ns + 'g')
         if 'showHypertext' in g.get('onmousemove', '')]
# a legend entry's group holds its text, or is a _keyentry (the sample
# gnuplot's script toggles); the plots' own hold none
data = [g for g in root.iter(ns + 'g')
        if g.get('id', '').startswith('gnuplot_plot_')
        and not g.get('id').endswith('_keyentry')
        and not any(True for _ in g.iter(ns + 'text'))]
def rgb(s):
    return re.sub(r'\s', '', s or '')
def vertices(d):
    return [len(re.findall(r'-?[\d.]+,-?[\d.]+', s)) for s in d.split('M')[1:]]
for check in sys.argv[2:]:
    if check == 'points':
        print(len(hyper))
    elif check.startswith('color='):
        want = rgb(check[6:])
        print(sum(1 for g in hyper for u in g.iter(ns + 'use')
                  if rgb(u.get('color')) == want))
    elif check == 'texts':
        print('|'.join((t.text or '') for t in root.iter(ns + 'text')))
    elif check == 'tips':
        print('|'.join(g.attrib['onmousemove'] for g in hyper))
    elif check == 'images':
        print(sum(1 for i in root.iter(ns + 'image')
                  if i.get('id') != 'hyperimage'))
    elif check == 'cells':
        print(sum(1 for d in data for g in d.iter(ns + 'g')
                  if g.get('shape-rendering') == 'crispEdges'
                  for _ in g.iter(ns + 'polygon')))
    elif check == 'paths':
        print(sum(1 for _ in root.iter(ns + 'path')))
    elif check == 'subpaths' or check.startswith('subpaths='):
        want, n = rgb(check[9:]), {}
        for p in (p for g in data for p in g.iter(ns + 'path')):
            if p.get('stroke') == 'none' or (want and rgb(p.get('stroke')) != want):
                continue
            for v in vertices(p.get('d', '')):
                n[v] = n.get(v, 0) + 1
        print(' '.join('%dx%d' % (n[v], v) for v in sorted(n)))
    elif check.startswith('uses='):
        print(sum(1 for g in data for u in g.iter(ns + 'use')
                  if u.get('{http://www.w3.org/1999/xlink}href') == check[5:]))
    elif check == 'circles':
        r = []
        for p in (p for g in data for p in g.iter(ns + 'polygon')):
            xs = [float(v.split(',')[0]) for v in p.get('points').split()]
            r.append((max(xs) - min(xs)) / 2)
        print(len(r), ' '.join('%.2f' % (v / r[0]) for v in r))
    elif check == 'colors':
        marks = [u for g in hyper for u in g.iter(ns + 'use')]
        print(len({rgb(u.get('color')) for u in marks}),
              len({u.get('{http://www.w3.org/1999/xlink}href') for u in marks}))
    elif check == 'handlers':
        called = {m for e in root.iter() for k, v in e.attrib.items()
                  if k.startswith('on') for m in re.findall(r'(\w+)\.\w+\(', v)}
        code = ''.join(t.text or '' for t in root.iter(ns + 'script'))
        undefined = sorted(o for o in called
                           if not re.search(r'(^|[\s;])%s\s*=' % o, code))
        print(' '.join(undefined) or 'defined')
    elif check == 'faint':
        print(sum(1 for g in data for u in g.iter(ns + 'use')
                  if float(u.get('opacity', '1')) < 1))
EOF
svg() { "$PY" svg.py "$@"; }
# well_formed FILE: XML to Python's parser, and to libxml2's (stricter:
# it refuses U+FFFE, as browsers do) when xmllint is installed.
well_formed() {
	"$PY" svg.py "$1" >/dev/null &&
		{ ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$1"; }
}

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
	mlv-plot --script -o "it'"'"'s.png" map.mlv | grep -qx "set output \"it'"'"'s.png\"" &&
	mlv-plot --script -o m.png map.mlv | head -n 1 | grep -q "^set terminal pngcairo "'
fails "missing gnuplot: one line naming the package" 1 \
	"^mlv-plot: /nonexistent/gnuplot not found \\(install it: apt-get install gnuplot-nox\\)$" \
	env MLV_GNUPLOT=/nonexistent/gnuplot mlv-plot -o none.svg map.mlv
check "missing gnuplot leaves no file" sh -c '[ -z "$(ls -A | grep none)" ]'
fails "an unknown kind" 2 "^mlv-plot: -k pie: not one of scatter, trajectories, averages, parallel, heatmap, lines, dendrogram$" mlv-plot -k pie map.mlv
fails "an unknown extension" 2 "^mlv-plot: -o map.txt: name the type with -t" mlv-plot -o map.txt map.mlv
fails "--color with --color-column" 2 "^mlv-plot: --color and --color-column: choose one$" mlv-plot -c id --color-column 1 --script map.mlv
fails "-c of a key no record has: the keys and the nearest" 1 \
	"^mlv-plot: -c label.prt: no record has this key; did you mean label.part\\? \\(the records' keys: dt, id, kind, label.part, t0\\)$" \
	mlv-plot -c label.prt -o none.svg map.mlv
fails "-c of a key far from any: the keys" 1 \
	"^mlv-plot: -c label.performer: no record has this key \\(the records' keys: dt, id, kind, label.part, t0\\)$" \
	mlv-plot -c label.performer --script map.mlv
fails "--highlight of a key no record has" 1 \
	"^mlv-plot: --highlight lable.part: no record has this key; did you mean label.part\\? " \
	mlv-plot --highlight lable.part=a --script map.mlv
fails "--color-column past the columns" 1 "^mlv-plot: record 1 \\(id=gen/0\\): --color-column 3, but it has 2 columns$" \
	mlv-plot --color-column 3 --script map.mlv

# ---- options that do not fit the kind, and input a kind cannot draw ----
fails "--clusters goes with dendrograms" 2 "^mlv-plot: --clusters goes with -k dendrogram, not scatter$" \
	mlv-plot -k scatter --clusters 2 --script map.mlv
fails "--color-column colours rows, not trajectories" 2 "^mlv-plot: --color-column colours rows, and -k trajectories draws whole records" \
	mlv-plot -k trajectories --color-column 1 --script map.mlv
fails "--with-points goes with averages" 2 "^mlv-plot: --with-points goes with -k averages, not parallel$" \
	mlv-plot -k parallel --with-points --script map.mlv
# map.mlv's kind=test makes it a scatter plot, known only after reading
fails "--sort-variance on a kind taken from the data" 2 "^mlv-plot: --sort-variance and --columns go with -k parallel or heatmap, not scatter$" \
	mlv-plot --sort-variance --script map.mlv
mlv-gen --rows 5 --cols 1 >one.mlv
fails "parallel of one column" 1 "^mlv-plot: record 1 \\(id=gen/0\\): 1 column to draw; parallel coordinates need 2 or more$" \
	mlv-plot -k parallel --script one.mlv
mlv-gen --rows 5 --cols 3 >three.mlv
fails "parallel of one column besides the colour" 1 "^mlv-plot: record 1 \\(id=gen/0\\): 1 column besides the colour column to draw" \
	mlv-plot -k parallel --columns 5 --color-column 2 --script map.mlv
fails "parallel of records of two widths" 1 "^mlv-plot: record 7 \\(id=gen/0\\): 3 columns, but record 1 has 2; parallel coordinates need one width$" \
	sh -c 'cat map.mlv three.mlv | mlv-plot -k parallel --script'
fails "trajectories of one column" 1 "^mlv-plot: record 1 \\(id=gen/0\\): 1 column; a trajectory needs 2$" \
	mlv-plot -k trajectories --script one.mlv
mlv-gen --records 3 --rows 16 --cols 2 --separation 20 --seed 5 >blobs.mlv
mlv-cluster -k 2 --tree tree.mlv blobs.mlv >/dev/null
fails "dendrogram of a record that is no tree" 1 "^mlv-plot: record 1 \\(id=gen/0\\): kind=test, not a merge tree \\(kind=tree, from mlv-cluster --tree\\)$" \
	mlv-plot -k dendrogram --script one.mlv
fails "dendrogram: more clusters than points" 1 "^mlv-plot: --clusters 49: the tree has 48 points$" \
	mlv-plot --clusters 49 --script tree.mlv
mlv-cat -t tsv tree.mlv | sed '1s/^[0-9]*/99/' |
	mlv-cat -f tsv --set id=tree --set kind=tree >badtree.mlv
fails "dendrogram of a broken tree" 1 "^mlv-plot: record 1 \\(id=tree\\): merge tree row 0: cluster 99 is not one of the 48 formed so far$" \
	mlv-plot --script badtree.mlv

# ---- input with nothing to draw: refused, naming the record, before gnuplot ----
printf 'MLV1 0 3 id=empty\n' >empty.mlv
for k in scatter trajectories averages parallel heatmap lines; do
	fails "$k of a record without rows" 1 "^mlv-plot: record 1 \\(id=empty\\): no rows to plot$" \
		mlv-plot -k $k -o none.svg empty.mlv
done
fails "lines: an empty record among others is named" 1 "^mlv-plot: record 2 \\(id=empty\\): no rows to plot$" \
	sh -c 'cat three.mlv empty.mlv | mlv-plot -k lines -o none.svg'
fails "scatter of records all without rows" 1 "^mlv-plot: no rows to plot: none of the 2 records has any$" \
	sh -c 'cat empty.mlv empty.mlv | mlv-plot -o none.svg'
mlv-gen --rows 4 --cols 3 --nan 12 >allnan.mlv
for k in scatter trajectories averages; do
	fails "$k of NaN only" 1 "^mlv-plot: record 1 \\(id=gen/0\\): no row with finite values in columns 1 and 2, so no point to draw$" \
		mlv-plot -k $k -o none.svg allnan.mlv
done
fails "parallel of NaN only" 1 "^mlv-plot: record 1 \\(id=gen/0\\): no finite values in the columns drawn, so no line to draw$" \
	mlv-plot -k parallel -o none.svg allnan.mlv
fails "heatmap of NaN only" 1 "^mlv-plot: record 1 \\(id=gen/0\\): no finite values, so no colours to draw$" \
	mlv-plot -k heatmap -o none.svg allnan.mlv
fails "lines of NaN only" 1 "^mlv-plot: record 1 \\(id=gen/0\\): fewer than two rows with finite values, so no line to draw$" \
	mlv-plot -k lines -o none.svg allnan.mlv
mlv-gen --rows 1 --cols 3 >row1.mlv
fails "lines of one row: no line to draw" 1 "^mlv-plot: record 1 \\(id=gen/0\\): fewer than two rows with finite values" \
	mlv-plot -k lines -o none.svg row1.mlv
# gnuplot draws no image under 2 x 2 points, and only warns
fails "heatmap of one row" 1 "^mlv-plot: record 1 \\(id=gen/0\\): 1 x 3; a heatmap needs 2 or more rows and 2 or more columns$" \
	mlv-plot -k heatmap -o none.svg row1.mlv
mlv-gen --rows 2 --cols 1 >col1.mlv
fails "heatmap of one column" 1 "^mlv-plot: record 1 \\(id=gen/0\\): 2 x 1; a heatmap needs 2 or more rows and 2 or more columns$" \
	mlv-plot -k heatmap -o none.svg col1.mlv
fails "heatmap --columns 1" 1 "^mlv-plot: --columns 1: a heatmap needs 2 or more columns$" \
	mlv-plot -k heatmap --columns 1 -o none.svg three.mlv
check "refused input leaves no file" sh -c '[ -z "$(ls -A | grep none)" ]'

if ! command -v "${MLV_GNUPLOT:-gnuplot}" >/dev/null 2>&1; then
	for c in scatter colour-column highlight escaping heatmap lines \
		training-log trajectories averages parallel dendrogram \
		kind-from-data png pdf gnuplot-error atomic; do
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
expect "scatter: the script the tooltips call is in the file" defined svg map.svg handlers

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

# ---- maps that read well ----
mlv-cat --set projection=pca --set explained=0.3412,0.1207 --set kind=xy map.mlv >pca.mlv
mlv-plot --script pca.mlv >pca.gp
check "maps: a projection's axes named, PC1 (34 %), equal units" sh -c '
	grep -qx "set xlabel \"PC1 (34 %)\"" pca.gp && grep -qx "set ylabel \"PC2 (12 %)\"" pca.gp &&
	grep -qx "set size ratio -1" pca.gp && ! grep -q "set size ratio" map.gp'
mlv-project -m pca map.mlv 2>/dev/null | mlv-plot --script >pca2.gp
check "maps: mlv-project's PCA axes named with their variance" sh -c '
	grep -q "^set xlabel \"PC1 ([0-9]* %)\"$" pca2.gp && grep -q "^set ylabel \"PC2 ([0-9]* %)\"$" pca2.gp'
for m in tsne:t-SNE umap:UMAP; do
	mlv-cat --set projection=${m%%:*} map.mlv | mlv-plot -k trajectories --script >proj.gp
	check "maps: ${m%%:*} axes named ${m#*:} 1 and 2, equal units" sh -c "
		grep -qx 'set xlabel \"${m#*:} 1\"' proj.gp && grep -qx 'set ylabel \"${m#*:} 2\"' proj.gp &&
		grep -qx 'set size ratio -1' proj.gp"
done
# ids that are absolute paths: the legend and title show the file names,
# with as many directories as it takes to tell every two apart
for p in /tmp/mlv.x1/audio/a.wav /tmp/mlv.x1/audio/b.wav /tmp/mlv.x1/take2/b.wav; do
	mlv-gen --rows 3 --cols 2 | mlv-cat --set "id=$p"
done >paths.mlv
mlv-plot -c id -o paths.svg paths.mlv
contains "maps: legends name a record by its file, not its absolute path" \
	"|id|audio/a.wav|audio/b.wav|take2/b.wav|audio/a.wav, audio/b.wav, take2/b.wav|" svg paths.svg texts
check "maps: no absolute path in any text" sh -c "\"$PY\" svg.py paths.svg texts >paths.txt &&
	grep -q take2/b.wav paths.txt && ! grep -q /tmp paths.txt"
mlv-gen --records 14 --rows 2 --cols 2 --seed 8 >fourteen.mlv
mlv-plot -c id -o fourteen.svg fourteen.mlv
expect "maps: 14 groups in 13 colours and 2 shapes" "13 2" svg fourteen.svg colors

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
	"showHypertext(evt,'<a href=”x”>Tom & Jerry’s</a>\\nlabel.part=a\\nt=0.000 s')" svg esc.svg tips
check "escaping: < and & are entities in the file" sh -c '
	grep -q "&lt;a href=\"x\">Tom &amp; Jerry" esc.svg && ! grep -q "<b>" esc.svg'
printf 'MLV1 1 2 id=bad%%FF%%01x\n' >bad.mlv
printf '\0\0\200\77\0\0\0\100' >>bad.mlv
mlv-plot -c id -o bad.svg bad.mlv 2>/dev/null
contains "escaping: bytes that are not UTF-8 become ?" "|bad? x|" svg bad.svg texts

# ---- hostile text: any id, label or title plots, as SVG that is XML ----
# one string a line, as printf %b reads it (\n a newline, \\ a backslash,
# \0NNN a byte in octal)
cat >nasty.txt <<'EOF'
'Round Midnight
'Til Tuesday
'
''
'''
it's ''twice'' and 'ends'
"double" and ""
\\ a backslash, \\\\ two, \\n not a newline, \\047 not a quote
a]]>b
]]>
<![CDATA[ x ]]>
$HOME ${x} $(echo pwned) $1 $$
`echo pwned` and `
@x @@ x@
line one\nline two\n
\ttab and\rreturn
עברית and العربية, ‮override‬ and ⁧isolate⁩
e\0314\0201 and \0314\0210leading combining, 🎷
\0357\0277\0276 and \0357\0277\0277, not characters in XML
notitle; set output '/tmp/x'; title 'x' with lines
& &amp; &#0; < <b> </svg> -->
# not a comment { } [ ] ; ,
EOF
nasty_svg= nasty_png= nasty_pdf= n=0
while IFS= read -r line; do
	n=$((n + 1))
	s=$(printf '%b.' "$line")
	s=${s%.}
	mlv-gen --records 2 --rows 3 --cols 2 | mlv-cat --set "id=$s" --set "label.name=$s" >nasty$n.mlv
	mlv-plot -c label.name --title "$s" -o nasty$n.svg nasty$n.mlv 2>>nasty.err &&
		well_formed nasty$n.svg 2>>nasty.err || nasty_svg="$nasty_svg [$line]"
	mlv-plot -c label.name --title "$s" -o nasty$n.png nasty$n.mlv 2>>nasty.err &&
		head -c 8 nasty$n.png | od -An -c | grep -q "P   N   G" &&
		tail -c 8 nasty$n.png | grep -q IEND || nasty_png="$nasty_png [$line]"
	mlv-plot -c label.name --title "$s" -o nasty$n.pdf nasty$n.mlv 2>>nasty.err &&
		tail -c 8 nasty$n.pdf | grep -q "%%EOF" || nasty_pdf="$nasty_pdf [$line]"
done <nasty.txt
for t in svg png pdf; do
	eval "failed=\$nasty_$t"
	if [ -z "$failed" ]; then ok "hostile text: $n titles, ids and labels plot as $t"; else
		not_ok "hostile text: $n titles, ids and labels plot as $t" "failed:$failed" "$(cat nasty.err)"
	fi
done
cat nasty[0-9]*.mlv >nasty-all.mlv
for k in trajectories averages lines; do
	if mlv-plot -k $k -o nasty-$k.svg nasty-all.mlv 2>nasty.err &&
		well_formed nasty-$k.svg 2>>nasty.err; then
		ok "hostile text: -k $k of them all is XML"
	else
		not_ok "hostile text: -k $k of them all is XML" "$(cat nasty.err)"
	fi
done
contains "hostile text: an apostrophe first is drawn as itself" "|'Round Midnight|" svg nasty1.svg texts
contains "hostile text: backticks are not substituted" "|\`echo pwned\` and \`|" svg nasty13.svg texts
contains "hostile text: nor is \$" '|$HOME ${x} $(echo pwned) $1 $$|' svg nasty12.svg texts

# ---- heatmap ----
mlv-gen --rows 20 --cols 4 | mlv-simmat >sim.mlv
mlv-plot -k heatmap -o sim.svg sim.mlv
expect "heatmap: crisp in SVG, a rectangle per cell, no bitmap to smooth" "400
0" svg sim.svg cells images
mlv-gen --rows 6 --cols 5 | mlv-cat --set kind=spec --set df=20 --set scale=db --set dt=0.025 >spec.mlv
mlv-plot --script spec.mlv >spec.gp
check "heatmap: a spectrogram's bins in Hz, its colour bar in dB" sh -c '
	grep -qx "set ylabel \"frequency (Hz)\"" spec.gp && grep -qx "set cblabel \"dB\"" spec.gp &&
	grep -qx "set yrange \[-10:90\]" spec.gp && grep -q "^plot \$m matrix using (0+\$2\*0.025):(\$1\*20):3 " spec.gp'
mlv-cat --set kind=mel --set fmin=0 --set fmax=10000 --set scale=log1p --set power=2 spec.mlv |
	mlv-plot --script >mel.gp
check "heatmap: a mel spectrogram's bands, log(1 + power)" sh -c '
	grep -qx "set ylabel \"mel band (0-10000 Hz)\"" mel.gp && grep -qx "set cblabel \"log(1 + power)\"" mel.gp'
mlv-gen --rows 160 --cols 4 | mlv-simmat >bigsim.mlv
expect "heatmap: past 20000 cells, one bitmap" "0
1" svg "$(mlv-plot -o bigsim.svg bigsim.mlv && echo bigsim.svg)" cells images
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
mlv-cat --set kind=loss log.mlv >loss.mlv
mlv-plot -k lines --script loss.mlv >loss.gp
check "lines: a loss on a log scale, its axes named" sh -c '
	grep -qx "set logscale y" loss.gp && grep -qx "set ylabel \"loss\"" loss.gp &&
	grep -qx "set xlabel \"epoch\"" loss.gp && ! mlv-plot -k lines --script log.mlv | grep -q logscale'
printf '1\t2.0\n2\t0\n' | mlv-cat -f tsv --set kind=loss --set colnames=epoch,train >loss0.mlv
check "lines: a loss that reaches 0 stays linear" sh -c '! mlv-plot --script loss0.mlv | grep -q logscale'

# ---- -c with --highlight: the subset coloured by the key, the rest grey ----
mlv-plot -c id --highlight label.part=b -o hlc.svg map.mlv
expect "-c with --highlight: the subset by id over grey" "120
40
40
40" svg hlc.svg "color=rgb(187,187,187)" "color=rgb(230,159,0)" "color=rgb(86,180,233)" "color=rgb(0,158,115)"
contains "-c with --highlight: legend of the key's values" "|id|other|gen/1|gen/3|gen/5|" svg hlc.svg texts

# ---- trajectories ----
mlv-gen --records 4 --rows 30 --cols 2 --separation 6 --seed 2 >tr.mlv
mlv-plot -k trajectories -o tr.svg tr.mlv
expect "trajectories: a line per record, a vertex per row" 4x30 svg tr.svg subpaths
expect "trajectories: each start and end marked (open circle, triangle)" "4
4" svg tr.svg "uses=#gpPt5" "uses=#gpPt8"
expect "trajectories: a colour per record by default" "1x30
1x30" svg tr.svg "subpaths=rgb(230,159,0)" "subpaths=rgb(0,158,115)"
contains "trajectories: legend of the ids, start and end" "|id|gen/0|gen/1|gen/2|gen/3|start|end|" svg tr.svg texts
contains "trajectories: a tooltip at each vertex" \
	"showHypertext(evt,'gen/1\\nlabel.part=b\\nt=10.025 s')" svg tr.svg tips
expect "trajectories: tooltips for every row" 120 svg tr.svg points
check "trajectories: start and end marks smaller than the old size 2" sh -c '
	mlv-plot -k trajectories --script tr.mlv | grep -o "pt [69] ps [0-9.]*" | sort -u |
	awk "{ n++; if (\$4 >= 1.5) bad++ } END { exit n != 2 || bad }"'
expect "trajectories: the script the tooltips call is in the file" defined svg tr.svg handlers
mlv-plot -k trajectories -c label.part -o trc.svg tr.mlv
expect "trajectories -c: a colour per label" "2x30
2x30" svg trc.svg "subpaths=rgb(230,159,0)" "subpaths=rgb(86,180,233)"
mlv-gen --records 40 --rows 3 --cols 2 >forty.mlv
mlv-plot -k trajectories -o forty.svg forty.mlv
expect "trajectories of 40 records: 40 lines" 40x3 svg forty.svg subpaths
contains "trajectories of 40 records: 30 in the legend, then how many more" \
	"|gen/28|gen/29|and 10 more|start|end|" svg forty.svg texts
mlv-plot -c id -o forty-map.svg forty.mlv
contains "scatter of 40 ids: 30 in the legend, then how many more" \
	"|gen/29|and 10 more|" svg forty-map.svg texts
mlv-plot -k trajectories --highlight id=gen/2 -o trh.svg tr.mlv
expect "trajectories --highlight: one strong line over grey" "1x30
3x30" svg trh.svg "subpaths=rgb(213,94,0)" "subpaths=rgb(187,187,187)"

# ---- averages: records of known spread ----
# four points s away from (10s, 0) along the axes: the mean (10s, 0), the
# variance s^2/2 in each column, so a spread of s/sqrt(2)
for s in 0.5 1 2; do
	awk -v s=$s 'BEGIN { c = 10 * s; printf "%g\t0\n%g\t0\n%g\t%g\n%g\t%g\n",
		c + s, c - s, c, s, c, -s }' |
		mlv-cat -f tsv --set id=r$s --set label.spread=$s
done >spread.mlv
mlv-plot -k averages -c id -o av.svg spread.mlv
expect "averages: a circle per record, radii as the spreads" "3 1.00 2.00 4.00" svg av.svg circles
contains "averages: tooltips with id, labels and rows" \
	"showHypertext(evt,'r2\\nlabel.spread=2\\n4 rows')" svg av.svg tips
expect "averages: the script the tooltips call is in the file" defined svg av.svg handlers
check "averages: the centres at the means" sh -c '
	mlv-plot -k averages -c id --script spread.mlv | grep -qx "20 0 1.41421356 3"'
mlv-plot -k averages -c id --with-points -o avp.svg spread.mlv
expect "averages --with-points: the rows, faint, behind" "12
3 1.00 2.00 4.00" svg avp.svg faint circles

# ---- parallel coordinates ----
# columns of standard deviations 1, 4, 0.5 and 2: by variance z1 z3 z0 z2
awk 'BEGIN { srand(7); for (i = 0; i < 60; i++)
	printf "%.5f\t%.5f\t%.5f\t%.5f\n", rand() - 0.5, 4 * (rand() - 0.5),
		0.5 * (rand() - 0.5), 2 * (rand() - 0.5) }' |
	mlv-cat -f tsv --set id=lat --set kind=latent --set label.part=x >lat.mlv
mlv-plot -k parallel -o par.svg lat.mlv
expect "parallel: a line per row across the four axes" 60x4 svg par.svg subpaths
expect "parallel: axes z0 to z3 on one range, tics on the first only" \
	"z0|z1|z2|z3|-1.5|-1|-0.5| 0| 0.5| 1| 1.5|lat" sh -c "\"$PY\" svg.py par.svg texts | sed 's/| | *$//'"
awk 'BEGIN { srand(3); for (i = 0; i < 300; i++) { for (j = 0; j < 16; j++)
	printf "%s%.4f", j ? "\t" : "", (j + 1) * (rand() - 0.5); print "" } }' >wide.tsv
{ mlv-cat -f tsv --set id=w1 --set label.part=a wide.tsv; mlv-cat -f tsv --set id=w2 --set label.part=b wide.tsv; } >wide.mlv
mlv-plot -k parallel --highlight label.part=b --script wide.mlv >wide.gp
# 16 columns, column j spread j + 1 times as wide
check "parallel of 16 columns: one range, tics once, translucent, the selection last" sh -c '
	[ "$(grep -c "^set paxis [0-9]* range \[-7.89[0-9]*:7.9[0-9]*\]$" wide.gp)" -eq 16 ] &&
	[ "$(grep -c "^set paxis .* tics" wide.gp)" -eq 1 ] &&
	grep -q "^     \$p0 using 1:2 with lines lw 1 lc rgb .#F[0-9A-F]BBBBBB. " wide.gp &&
	grep -q "^     \$p1 using 1:2 with lines lw 1 lc rgb .#E[0-9A-F]D55E00. " wide.gp &&
	[ "$(grep -n "^     \$p0 using" wide.gp | cut -d: -f1)" -lt "$(grep -n "^     \$p1 using" wide.gp | cut -d: -f1)" ]'
mlv-plot -k parallel --highlight label.part=b -o wide.png wide.mlv
mlv-plot -k parallel --sort-variance -o pars.svg lat.mlv
contains "parallel --sort-variance: the axes by variance" "z1|z3|z0|z2|" svg pars.svg texts
mlv-plot -k parallel --sort-variance --columns 2 -o par2.svg lat.mlv
expect "parallel --columns 2: the two of most variance" 60x2 svg par2.svg subpaths
expect "parallel --columns 2: their names" "z1|z3" sh -c "\"$PY\" svg.py par2.svg texts | cut -d\"|\" -f1-2"
awk 'BEGIN { for (i = 0; i < 60; i++) print i % 3 }' | mlv-cat -f tsv --set id=c >ids60.mlv
mlv-paste lat.mlv ids60.mlv >latc.mlv
mlv-plot -k parallel --color-column 5 -o parc.svg latc.mlv
expect "parallel --color-column: a colour per cluster, not an axis" "20x4
20x4
20x4" svg parc.svg "subpaths=rgb(230,159,0)" "subpaths=rgb(86,180,233)" "subpaths=rgb(0,158,115)"
contains "parallel --color-column: legend" "|column 5|0|1|2|" svg parc.svg texts
mlv-plot -k parallel --max-rows 25 -o parm.svg lat.mlv
expect "parallel --max-rows: an even sample" 25x4 svg parm.svg subpaths
contains "parallel --max-rows: said on the plot" "drawn: 25 of 60 rows, evenly spaced" svg parm.svg texts
mlv-gen --rows 4 --cols 3 | mlv-cat --set "colnames=a<b,c&d,e'f" >escp.mlv
contains "parallel: column names drawn as text" "a<b|c&d|e'f|" svg "$(mlv-plot -k parallel -o escp.svg escp.mlv && echo escp.svg)" texts

# ---- heatmap --sort-variance ----
printf '1\t10\t0\t5\n2\t30\t0.1\t1\n3\t20\t0.2\t9\n' |
	mlv-cat -f tsv --set id=m --set colnames=a,b,c,d >hv.mlv
mlv-plot -k heatmap --sort-variance -o hv.svg hv.mlv
contains "heatmap --sort-variance: rows named by column, by variance" \
	"b|d|a|c|-0.5|" svg hv.svg texts
check "heatmap --sort-variance: the matrix's columns in that order, largest on top" sh -c '
	mlv-plot -k heatmap --sort-variance --script hv.mlv >hv.gp &&
	[ "$(sed -n "/^\$m << EOD/{n;p;}" hv.gp)" = "10 5 1 0" ] &&
	grep -qx "set yrange \[3.5:-0.5\]" hv.gp'
mlv-plot -k heatmap --sort-variance --columns 2 -o hv2.svg hv.mlv
contains "heatmap --columns 2: the two of most variance" "b|d|-0.5|" svg hv2.svg texts

# ---- dendrogram: 3 records, two blobs 20 apart (a: gen/0 and gen/2) ----
mlv-plot -o den.svg tree.mlv
expect "dendrogram: kind=tree drawn as one without -k, n-1 U links" 47x4 svg den.svg subpaths
expect "dendrogram: one colour without --clusters" 47x4 svg den.svg "subpaths=rgb(230,159,0)"
mlv-plot --clusters 2 -o den2.svg tree.mlv
expect "dendrogram --clusters 2: two colours over 16 and 32 leaves, one link above" "15x4
31x4
1x4" svg den2.svg "subpaths=rgb(230,159,0)" "subpaths=rgb(86,180,233)" "subpaths=rgb(85,85,85)"
contains "dendrogram --clusters 2: legend and cut" "|point|cluster 1: 16 points|cluster 2: 32 points|cut: 2 clusters|tree" svg den2.svg texts
# a leaf's blob: points 0-15 and 32-47 are gen/0 and gen/2 (a), 16-31
# gen/1 (b); the smaller cluster, b, comes first
check "dendrogram --clusters 2: the leaves of each colour are one blob's" sh -c '
	mlv-plot --clusters 2 --script tree.mlv |
	sed -n "s/^set xtics .*(\(.*\))\$/\1/p" | tr "," "\n" | tr -d "'"'"'" |
	awk "{ b = int(\$1 / 16) % 2; if (NR <= 16 ? b != 1 : b != 0) bad++ }
	     END { exit NR != 48 || bad }"'
if "$PY" -c 'import scipy' 2>/dev/null; then
	mlv-cat -t tsv tree.mlv >tree.tsv
	check "dendrogram: leaves in scipy's dendrogram order" sh -c '
		want=$('"$PY"' -c "import numpy, scipy.cluster.hierarchy as h
print(\" \".join(map(str, h.leaves_list(numpy.loadtxt(\"tree.tsv\")))))")
		got=$(mlv-plot --script tree.mlv | sed -n "s/^set xtics .*(\(.*\))\$/\1/p" |
			tr "," "\n" | tr -d "'"'"'" | awk "{ print \$1 }" | paste -sd " ")
		[ "$want" = "$got" ] || { echo "scipy: $want"; echo "ours:  $got"; exit 1; }'
else
	skip "dendrogram: leaves in scipy's dendrogram order" "no scipy"
fi

# ---- the kind from the records' kind key ----
expect "kind=simmat drawn as a heatmap" 400 svg "$(mlv-plot -o simk.svg sim.mlv && echo simk.svg)" cells
expect "kind=latent drawn as parallel coordinates" 60x4 svg "$(mlv-plot -o latk.svg lat.mlv && echo latk.svg)" subpaths

# ---- other types, chosen by the extension or -t ----
mlv-plot -c label.part -o map.png map.mlv
check "png by extension" sh -c 'head -c 8 map.png | od -An -c | grep -q "P   N   G"'
mlv-plot -o map.pdf map.mlv
check "pdf by extension" sh -c 'head -c 5 map.pdf | grep -q "^%PDF-"'
mlv-plot -t png map.mlv >stdout.png
check "-t png to stdout" sh -c 'head -c 8 stdout.png | od -An -c | grep -q "P   N   G"'
for k in trajectories averages parallel; do
	mlv-plot -k $k -c label.part -o $k.png map.mlv
done
mlv-plot --clusters 2 -o den.pdf tree.mlv
check "png and pdf of the new kinds" sh -c '
	for k in trajectories averages parallel; do
		head -c 8 $k.png | od -An -c | grep -q "P   N   G" || exit 1
	done
	head -c 5 den.pdf | grep -q "^%PDF-"'

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

# A reader that goes away early ends mlv-plot --script quietly.
mlv-gen --records 4 --rows 5000 --cols 2 >big.mlv
mlv-plot --script big.mlv 2>pipe.err | head -n 1 >/dev/null
check "--script into a closed pipe: no message" sh -c '! [ -s pipe.err ]'

# ---- output: checked complete, devices in place, mode and links kept ----
# gnuplot ignores write errors (a full disk) and exits 0: this one writes
# a truncated image, as it does then.
GNUPLOT=$(command -v gnuplot)
cat >short-gnuplot <<EOF2
#!/bin/sh
cat >short.gp
out=\$(sed -n "s/^set output [\"']\\(.*\\)[\"']\$/\\1/p" short.gp)
"$GNUPLOT" short.gp && truncate -s 300 "\$out"
EOF2
chmod +x short-gnuplot
for t in svg png pdf; do
	mlv-plot -o full.$t map.mlv
	cp full.$t keep.$t
	fails "a truncated $t: refused" 1 "^mlv-plot: full\\.$t: incomplete image \\(" \
		env MLV_GNUPLOT=$PWD/short-gnuplot mlv-plot -o full.$t map.mlv
	check "a truncated $t: the old file kept, no temporary" sh -c "
		cmp -s full.$t keep.$t && [ -z \"\$(ls -A | grep '^\\.full')\" ]"
done
if [ -w /dev/full ]; then
	fails "stdout on a full disk" 1 "^mlv-plot: <stdout>: write error \\(No space left on device\\)$" \
		sh -c 'mlv-plot -t svg map.mlv >/dev/full'
	fails "--script on a full disk" 1 "^mlv-plot: <stdout>: write error \\(No space left on device\\)$" \
		sh -c 'mlv-plot --script map.mlv >/dev/full'
	fails "--help on a full disk" 1 "^mlv-plot: <stdout>: write error \\(No space left on device\\)$" \
		sh -c 'mlv-plot --help >/dev/full'
else
	skip "stdout on a full disk" "no /dev/full"
fi
mlv-plot -t svg map.mlv >stdout.svg
expect "stdout: the whole image" 240 svg stdout.svg points
mkfifo plot.fifo
timeout 20 cat plot.fifo >fifo.svg &
reader=$!
mlv-plot -t svg -o plot.fifo map.mlv
wait $reader
check "-o a FIFO: written through, still a FIFO" sh -c '[ -p plot.fifo ] && grep -q "^</svg>$" fifo.svg'
mknod null.dev c 1 3
mlv-plot -t svg -o null.dev map.mlv
check "-o a device: still the device" sh -c '[ -c null.dev ]'
mknod full.dev c 1 7
fails "-o a full device: a write error" 1 "^mlv-plot: full\\.dev: write error \\(No space left on device\\)$" \
	mlv-plot -t svg -o full.dev map.mlv
echo old >private.svg
chmod 600 private.svg
mlv-plot -o private.svg map.mlv
check "-o keeps the replaced file's mode" sh -c '[ "$(stat -c %a private.svg)" = 600 ]'
rm -f new.svg
(umask 027 && mlv-plot -o new.svg map.mlv)
check "a new file gets the umask's mode" sh -c '[ "$(stat -c %a new.svg)" = 640 ]'
mkdir -p real
echo old >real/target.svg
ln -sf real/target.svg link.svg
mlv-plot -o link.svg map.mlv
check "-o through a symlink: the target replaced, the link kept" sh -c '
	[ -L link.svg ] && [ "$(readlink link.svg)" = real/target.svg ] &&
	grep -q "^</svg>$" real/target.svg'
fails "-o in a missing directory: before reading the input" 1 "^mlv-plot: nodir/x\\.svg: cannot create \\(No such file or directory\\)$" \
	sh -c 'sleep 10 | mlv-plot -o nodir/x.svg'
