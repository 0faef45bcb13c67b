#!/bin/sh
# index.sh DIR - write DIR/index.html: for every experiment directory
# under DIR, its interactive page (explore.html, mlv-explore's), its
# tables (*.tsv, as HTML tables) and its plots (*.svg, each linking to
# itself, where its hover tooltips work).  The tables shown are
# results.tsv and, where an experiment writes them, separation.tsv and
# playlist.tsv; the pages are listed at the top too.
set -eu
dir=${1:?usage: index.sh DIR}
cd "$dir"

# tsv_table FILE: an HTML table, the first line as its header.
tsv_table() {
	awk -F '\t' 'function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s);
			gsub(/>/, "\\&gt;", s); return s }
		BEGIN { print "<table>" }
		{ tag = NR == 1 ? "th" : "td"; row = "<tr>";
			for (i = 1; i <= NF; i++) row = row "<" tag ">" esc($i) "</" tag ">";
			print row "</tr>" }
		END { print "</table>" }' "$1"
}

{
	cat <<'HEAD'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>mlv: the papers' experiments</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 80em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
th { background: #eee; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
.plots figure { margin: 0; width: 24em; }
.plots img { width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 85%; }
</style></head><body>
<h1>mlv: the papers' experiments</h1>
<p>Each section is one experiment of <code>examples/</code>; its Makefile
says what it tests and how.  Click a plot to open it (hover its points for
their ids and times).</p>
HEAD
	pages=
	for p in */explore.html; do
		[ -f "$p" ] && pages="$pages <a href=\"$p\">${p%/explore.html}</a>"
	done
	[ -z "$pages" ] || echo "<p>Explore the maps (hover a point to see it, click to hear it):$pages</p>"
	for e in */; do
		e=${e%/}
		found=
		for f in "$e"/*.tsv "$e"/*.svg "$e"/explore.html; do
			[ -f "$f" ] && found=1
		done
		[ -n "$found" ] || continue
		echo "<h2 id=\"$e\">$e</h2>"
		[ -f "$e/explore.html" ] &&
			echo "<p><a href=\"$e/explore.html\">$e/explore.html</a>: the map to explore and listen to</p>"
		for t in results.tsv separation.tsv playlist.tsv; do
			[ -f "$e/$t" ] || continue
			echo "<h3>$t</h3>"
			tsv_table "$e/$t"
		done
		echo '<div class="plots">'
		for p in "$e"/*.svg; do
			[ -f "$p" ] || continue
			echo "<figure><a href=\"$p\"><img src=\"$p\" alt=\"${p##*/}\"></a><figcaption>${p##*/}</figcaption></figure>"
		done
		echo '</div>'
	done
	echo '</body></html>'
} >index.html.tmp
mv index.html.tmp index.html
echo "$dir/index.html"
