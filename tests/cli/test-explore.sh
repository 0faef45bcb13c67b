#!/bin/sh
# test-explore.sh - mlv-explore: the page's elements, its JSON and blobs
# read back with python (json, base64, numpy) against the input streams,
# maps matched by id, text from data kept as data, neighbours against
# mlv-simmat, audio URLs and embedded clips, and refusals.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS_DIR/.." && pwd)
PY=$(numpy_python) || PY=
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

# page.py PAGE CHECK...: reads PAGE as the browser's page would and
# prints, one line per check:
#   elements       "ok", or what is wrong with the page's structure: one
#                  mlv-meta JSON element, one blob element per blob the
#                  JSON names (base64 of length x type bytes), one style,
#                  one page script, the Content-Security-Policy
#   json PATH      the JSON value at PATH (keys and indices, dot-separated)
#   xy M FILE      "ok" when map M's points equal FILE's first two columns
#                  at the same (record id, row), else the first mismatch
#   latent FILE    the same for the latent rows and all of FILE's columns
#   times          each point's start and end, "%.4f-%.4f", space-separated
#   knn TSV        "ok" when the neighbours equal mlv-simmat -n's in
#                  TSV (each point's own entry dropped), else a mismatch
#   clips DIR      writes each embedded clip to DIR/N.ogg; prints the count
#   count TEXT     how often TEXT occurs in the raw page
#   values PATH FILE...  "ok" when the strings at PATH are the contents of
#                  the FILEs, in byte order
#   blob PATH      the values of the blob at PATH, space-separated
cat >page.py <<'EOF'
import base64, json, re, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import mlv
html = open(sys.argv[2], encoding='utf-8').read()
meta_el = re.findall(r'<script type="application/json" id="mlv-meta">(.*?)</script>', html, re.S)
meta = json.loads(meta_el[0]) if len(meta_el) == 1 else None
blobs = dict(re.findall(r'<script type="application/octet-stream" id="mlv-blob-([^"]+)">([^<]*)</script>', html))
types = {'f32': '<f4', 'u32': '<u4', 'i32': '<i4', 'u16': '<u2', 'u8': 'u1'}
def refs(v):
    if isinstance(v, dict):
        if 'blob' in v:
            yield v
        for w in v.values():
            yield from refs(w)
    elif isinstance(v, list):
        for w in v:
            yield from refs(w)
def blob(ref):
    return np.frombuffer(base64.b64decode(blobs[ref['blob']], validate=True), types[ref['type']])
def points(path):
    at = {}
    for m, x in mlv.read(path):
        for r in range(x.shape[0]):
            at[(m.get('id', ''), r)] = x[r]
    return at
def keys():
    recs = meta['records']
    return [(recs['id'][r], j) for r, rows in enumerate(recs['rows']) for j in range(rows)]
def times():
    recs, out = meta['records'], []
    for r, rows in enumerate(recs['rows']):
        t0, dt, dur = (float('nan') if x is None else x for x in (recs['t0'][r], recs['dt'][r], recs['dur'][r]))
        out += [(t0 + j * dt, t0 + j * dt + dur) for j in range(rows)]
    return out
def same_rows(got, path, cols):
    want = points(path)
    for i, key in enumerate(keys()):
        w = want[key][:cols] if cols else want[key]
        if not np.array_equal(got[i], w):
            return 'point %d %s: %s, expected %s' % (i, key, got[i], w)
    return 'ok'
args = sys.argv[3:]
while args:
    check = args.pop(0)
    if check == 'elements':
        bad = []
        if meta is None:
            bad.append('%d mlv-meta elements' % len(meta_el))
        else:
            named = {r['blob']: r for r in refs(meta)}
            if set(named) != set(blobs):
                bad.append('blobs %s, JSON names %s' % (sorted(blobs), sorted(named)))
            for name, r in named.items():
                if name in blobs and len(blob(r)) != r['length']:
                    bad.append('blob %s: %d values, length %d' % (name, len(blob(r)), r['length']))
        scripts = len(re.findall(r'<script', html))
        if scripts != 2 + len(blobs) or html.count('</script>') != scripts:
            bad.append('%d script elements for %d blobs' % (scripts, len(blobs)))
        if len(re.findall(r'<style>', html)) != 1 or '<!--MLV-' in html:
            bad.append('style or markers')
        if "default-src 'none'" not in html:
            bad.append('no Content-Security-Policy')
        print('; '.join(bad) or 'ok')
    elif check == 'json':
        v = meta
        for k in args.pop(0).split('.'):
            v = v[int(k)] if isinstance(v, list) else v[k]
        print(json.dumps(v, ensure_ascii=False))
    elif check == 'xy':
        m = int(args.pop(0))
        print(same_rows(blob(meta['maps'][m]['xy']).reshape(-1, 2), args.pop(0), 2))
    elif check == 'latent':
        lat = meta['latent']
        print(same_rows(blob(lat['values']).reshape(-1, lat['dims']), args.pop(0), 0))
    elif check == 'times':
        print(' '.join('%.4f-%.4f' % t for t in times()))
    elif check == 'knn':
        nn = meta['neighbours']
        index = blob(nn['index']).reshape(-1, nn['k'])
        dist = blob(nn['dist']).reshape(-1, nn['k'])
        ids = {}
        for m, x in mlv.read(args.pop(0)):
            t0, dt = float(m.get('t0', 0)), float(m['dt']) if 'dt' in m else None
            for r in range(x.shape[0]):
                ids[(m.get('id', ''), '%.6g' % (t0 + r * dt if dt is not None else r))] = len(ids)
        want = {}
        lines = open(args.pop(0)).read().splitlines()[1:]
        for line in lines:
            qid, qt, rank, nid, nt, val = line.split('\t')
            q, p = ids[(qid, qt)], ids[(nid, nt)]
            if p != q:
                want.setdefault(q, []).append((p, float(val)))
        out = 'ok'
        for q in range(meta['n']):
            w = want[q][:nn['k']]
            if list(index[q]) != [p for p, _ in w] or not np.allclose(dist[q], [v for _, v in w], atol=1e-4):
                out = 'point %d: %s %s, expected %s' % (q, list(index[q]), list(dist[q]), w)
                break
        print(out)
    elif check == 'clips':
        d = args.pop(0)
        c = meta['audio']['clips']
        data, off = blob(c['data']), blob(c['offset'])
        for i in range(meta['n']):
            open('%s/%d.ogg' % (d, i), 'wb').write(data[off[i]:off[i + 1]].tobytes())
        print(meta['n'])
    elif check == 'values':
        v = meta
        for k in args.pop(0).split('.'):
            v = v[int(k)] if isinstance(v, list) else v[k]
        want = sorted((open(f, 'rb').read().decode() for f in args), key=lambda s: s.encode())
        args = []
        print('ok' if v == want else '%s, expected %s' % (v, want))
    elif check == 'blob':
        v = meta
        for k in args.pop(0).split('.'):
            v = v[int(k)] if isinstance(v, list) else v[k]
        print(' '.join('%g' % x for x in blob(v)))
    elif check == 'count':
        print(html.count(args.pop(0)))
EOF
page() { "$PY" page.py "$ROOT/examples" "$@" 2>&1; }

# expect NAME WANT GOT: GOT is WANT.
expect() {
	if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1" "expected: $2" "got: $3"; fi
}

mlv-gen --records 4 --rows 5 --cols 6 --seed 3 >lat.mlv
mlv-project -m pca lat.mlv -o map.mlv 2>/dev/null
mlv-project -m pca --dims 3 lat.mlv -o map3.mlv 2>/dev/null
mlv-cluster -m kmeans -k 2 lat.mlv -o cl.mlv
mlv-paste map.mlv cl.mlv >mapcl.mlv
# the second map's records in another order: matched by id, not position
mlv-project -m pca lat.mlv 2>/dev/null | mlv-cat --set kind=other >map2in.mlv
for id in gen/2 gen/0 gen/3 gen/1; do mlv-cat --id "$id" map2in.mlv; done >map2.mlv

check "writes a page" mlv-explore --latent lat.mlv --neighbours 3 -c label.part \
	-o p.html map.mlv map2.mlv
fails "a failed run leaves no page" 1 "no such key" \
	mlv-explore -c label.nope -o gone.html map.mlv
[ -e gone.html ] && not_ok "no page after a failure" || ok "no page after a failure"
echo keep >kept.html
mlv-explore -c label.nope -o kept.html map.mlv 2>/dev/null
expect "a failed run keeps an existing page" keep "$(cat kept.html)"

if [ -z "$PY" ]; then
	skip "page contents" "no python3 with numpy"
else
	expect "the page has the contract's elements" ok "$(page p.html elements)"
	expect "n" 20 "$(page p.html json n)"
	expect "title: the first map's file name" '"map.mlv"' "$(page p.html json title)"
	expect "records in stream order" '["gen/0", "gen/1", "gen/2", "gen/3"]' \
		"$(page p.html json records.id)"
	expect "records' names: ids not paths from / or . stay whole" \
		'["gen/0", "gen/1", "gen/2", "gen/3"]' "$(page p.html json records.name)"
	expect "map 1 xy decodes to the map's values" ok "$(page p.html xy 0 map.mlv)"
	expect "map 2 matched by id though its records come in another order" ok \
		"$(page p.html xy 1 map2.mlv)"
	expect "axes from the projection" '["PCA 1", "PCA 2"]' "$(page p.html json maps.0.axes)"
	expect "latent rows decode" ok "$(page p.html latent lat.mlv)"
	expect "labels sorted, dictionary-encoded" '["a", "b"]' "$(page p.html json labels.0.values)"
	expect "initial colour" '"label.part"' "$(page p.html json initial.color)"
	expect "label codes: one u8 per record" '{"blob": "label0", "type": "u8", "length": 4}' \
		"$(page p.html json labels.0.codes)"
	expect "records: their row counts" '[5, 5, 5, 5]' "$(page p.html json records.rows)"
	expect "neighbours of 20 points: u8 indices" '"u8"' "$(page p.html json neighbours.index.type)"
	expect "no clusters" null "$(page p.html json clusters)"
	expect "times from t0 and dt" "0.0000-0.0250 0.0250-0.0500" \
		"$(page p.html times | cut -d' ' -f1,2)"

	mlv-simmat --measure euclidean --query lat.mlv -n 4 lat.mlv >knn.tsv
	expect "--neighbours 3 equals mlv-simmat -n 4 less the point itself" ok \
		"$(page p.html knn lat.mlv knn.tsv)"
	mlv-explore --latent lat.mlv --neighbours 3 --knn-search ann --seed 4 -o pa.html map.mlv
	expect "--knn-search ann: NN-descent finds all of 20 points' neighbours" ok \
		"$(page pa.html knn lat.mlv knn.tsv)"
	mlv-explore --neighbour-list knn.tsv -o pn.html map.mlv
	expect "--neighbours reads mlv-simmat -n's TSV" ok "$(page pn.html knn lat.mlv knn.tsv)"
	expect "--neighbours: k is the ranks less one" 3 "$(page pn.html json neighbours.k)"
	mlv-explore --latent lat.mlv -o pk.html map.mlv
	expect "--latent alone: 10 neighbours" 10 "$(page pk.html json neighbours.k)"

	mlv-explore -c cluster -o pc.html mapcl.mlv
	expect "a pasted cluster column gives the clusters" '"cluster"' \
		"$(page pc.html json clusters.name)"
	expect "and is no continuous column" '[]' "$(page pc.html json columns)"
	mlv-explore --clusters cl.mlv -o pc2.html map.mlv
	want=$(mlv-cat -t tsv cl.mlv | tr '\n' ' ' | sed 's/ $//')
	expect "--clusters: the ids of mlv-cluster" "$want" "$(page pc2.html blob clusters.codes)"
	expect "a pasted cluster column: the same ids" "$want" "$(page pc.html blob clusters.codes)"
	mlv-paste map.mlv lat.mlv >mapcols.mlv
	mlv-explore -o pcols.html mapcols.mlv
	expect "columns past two are continuous" 6 "$(page pcols.html json columns | tr , '\n' | grep -c name)"

	# text from data stays data
	printf '%s' '<script>alert(1)</script>' >v1
	printf '%s' '</script><script>alert(2)' >v2
	printf '%s' ']]> "quoted" & \back' >v3
	printf 'line one\nline two Dvo\305\231\303\241k \342\200\250 ok' >v4
	for i in 1 2 3 4; do
		mlv-cat --id "gen/$((i - 1))" --set "label.evil=$(cat v$i)" map.mlv
	done >evil.mlv
	mlv-explore --title '</script><b>title</b>' -o pe.html evil.mlv
	expect "hostile labels: still the contract's elements" ok "$(page pe.html elements)"
	expect "hostile labels survive as data, in byte order" ok \
		"$(page pe.html values labels.0.values v1 v2 v3 v4)"
	expect "a hostile title survives as data" '"</script><b>title</b>"' "$(page pe.html json title)"
	expect "no raw <script>alert in the page" 0 "$(page pe.html count '<script>alert')"
	expect "no raw ]]> or <b> in the page" "0 0" "$(page pe.html count ']]>') $(page pe.html count '<b>')"
	expect "U+2028 escaped" 0 "$(page pe.html count "$(printf '\342\200\250')")"

	# a label on one record: the others get the code type's largest value
	{
		mlv-cat --id gen/2 --set label.solo=x map.mlv
		for id in gen/0 gen/1 gen/3; do mlv-cat --id "$id" map.mlv; done
	} >solo.mlv
	mlv-explore -o ps.html solo.mlv
	expect "a label some records lack: missing is 255" "0 255 255 255" \
		"$(page ps.html blob labels.1.codes)"
fi

# audio: files under audio/, the page in out/
mkdir -p audio out 'audio/with space'
mlv-synth --sr 16000 --seconds 2 --tone 440:0.5 -o audio/a.wav
mlv-synth --sr 16000 --seconds 2 --tone 660:0.5 -o 'audio/with space/b#1.wav'
mlv-spec --feature mel audio/a.wav 'audio/with space/b#1.wav' 2>/dev/null |
	mlv-frame --seconds 0.5 --pool mean >seg.mlv
mlv-project -m pca seg.mlv -o segmap.mlv 2>/dev/null
mlv-explore -o out/a.html segmap.mlv
if [ -n "$PY" ]; then
	expect "audio URLs relative to the page" '["../audio/a.wav", "../audio/with%20space/b%231.wav"]' \
		"$(page out/a.html json audio.url)"
	expect "records' src" '["audio/a.wav", "audio/with space/b#1.wav"]' \
		"$(page out/a.html json records.src)"
	mlv-explore --audio-base 'https://example.org/music/' -o out/b.html segmap.mlv
	expect "audio URLs under --audio-base" \
		'["https://example.org/music/audio/a.wav", "https://example.org/music/audio/with%20space/b%231.wav"]' \
		"$(page out/b.html json audio.url)"
	(cd audio && mlv-explore --audio-root .. -o ../out/c.html ../segmap.mlv)
	expect "--audio-root: paths start there" '"../audio/a.wav"' "$(page out/c.html json audio.url.0)"
	expect "segment times from t0, dt and dur" "0.0000-0.5108 0.5108-1.0217" \
		"$(page out/a.html times | cut -d' ' -f1,2)"
	mlv-explore -o nourl.html map.mlv
	expect "ids that are no files: no audio" '"none"' "$(page nourl.html json audio.mode)"

	mlv-explore --embed-audio -o out/e.html segmap.mlv
	expect "embedded audio" '"embedded"' "$(page out/e.html json audio.mode)"
	mkdir clips
	n=$(page out/e.html clips clips)
	mlv-spec --feature mel --sr 16000 --hop 160 clips/*.ogg 2>/dev/null | mlv-cat -s |
		awk -F '\t' 'NR > 1 { printf "%.1f\n", ($4 - 1) * 0.01 }' | sort | uniq -c |
		awk '{ printf "%s:%s ", $1, $2 }' >clips.txt
	# 2 s files in windows of 22 rows of 512 samples at 22050 Hz (0.511 s)
	expect "every clip decodes, each as long as its segment" "$n:0.5 " "$(cat clips.txt)"
	fails "--max-audio refuses before writing" 1 "more than --max-audio" \
		mlv-explore --embed-audio --max-audio 1K -o out/f.html segmap.mlv
	[ -e out/f.html ] && not_ok "--max-audio leaves no page" || ok "--max-audio leaves no page"
	mlv-cat --set src=audio/missing.wav segmap.mlv >missing.mlv
	fails "--embed-audio: a missing file is named" 1 "audio/missing.wav: cannot" \
		mlv-explore --embed-audio -o out/g.html missing.mlv
	mlv-explore -o out/m.html missing.mlv
	expect "a missing file still gets its URL (the page says it is missing)" \
		'"../audio/missing.wav"' "$(page out/m.html json audio.url.0)"
fi

# refusals
mlv-cat --id gen/0 lat.mlv | mlv-project -m pca 2>/dev/null >short.mlv
mlv-gen --records 1 --rows 5 --cols 1 >one.mlv
{ mlv-cat --id gen/0 map.mlv; mlv-gen --records 1 --rows 2 --cols 3 | mlv-cat --set id=w; } >wide.mlv
mlv-cat --id 'gen/[012]' lat.mlv >lat3.mlv
mlv-gen --records 4 --rows 4 --cols 6 --seed 3 >lat4rows.mlv
fails "a map of one column" 1 "one.mlv: record 1 .*1 column \(a map needs 2" mlv-explore -o x.html one.mlv
fails "a 3-D map" 1 "3 coordinate columns" mlv-explore -o x.html map3.mlv
fails "records of different widths" 1 "wide.mlv: record 2 .*3 columns, but the records before have 2" \
	mlv-explore -o x.html wide.mlv
fails "a second map without a point's record" 1 "short.mlv: no record with id=gen/1, which map.mlv: record 2" \
	mlv-explore -o x.html map.mlv short.mlv
fails "latent rows without a record of the map" 1 "record 4 \(id=gen/3\): no record with this id in the map|no record with id=gen/3" \
	mlv-explore --latent lat3.mlv -o x.html map.mlv
fails "latent rows of another count" 1 "lat4rows.mlv: record 1 \(id=gen/0\): 4 rows, but map.mlv: record 1 \(id=gen/0\) has 5" \
	mlv-explore --latent lat4rows.mlv -o x.html map.mlv
fails "--color names the keys there are" 1 "--color label.x: no such key \(the points have label.part\)" \
	mlv-explore -c label.x -o x.html map.mlv
fails "--color cluster without clusters" 1 "--color cluster: no such key" \
	mlv-explore -c cluster -o x.html map.mlv
fails "--neighbours without --latent" 2 "--neighbours needs --latent" mlv-explore --neighbours 3 -o x.html map.mlv
fails "--knn-search takes auto, exact or ann" 2 "--knn-search kd: auto, exact or ann" mlv-explore --latent lat.mlv --knn-search kd -o x.html map.mlv
fails "--neighbours and --neighbour-list" 2 "exclude each other" mlv-explore --neighbours 3 --neighbour-list knn.tsv -o x.html map.mlv
fails "--neighbours above the points" 1 "--neighbours 20: there are only 19 other points" \
	mlv-explore --latent lat.mlv --neighbours 20 -o x.html map.mlv
fails "three maps" 2 "at most 2" mlv-explore -o x.html map.mlv map.mlv map.mlv
fails "--clusters without a cluster column" 1 "lat.mlv: 6 columns, none named cluster" \
	mlv-explore --clusters lat.mlv -o x.html map.mlv
mlv-cat --id gen/0 lat.mlv | mlv-simmat --measure euclidean --query - -n 4 lat.mlv >knn0.tsv
fails "--neighbours without every point" 1 "knn0.tsv: no neighbours of map.mlv: record 2 \(id=gen/1\) row 1" \
	mlv-explore --neighbour-list knn0.tsv -o x.html map.mlv
[ -e x.html ] && not_ok "refusals leave no page" || ok "refusals leave no page"

# the build: CSS or JS that could end its element is refused
embed=$ROOT/scripts/embed-page.sh
printf '<!--MLV-STYLE--><!--MLV-DATA--><!--MLV-SCRIPT-->\n' >t.html
printf 'body {}\n' >t.css
printf 'let s = "</SCRIPT>";\n' >bad.js
printf 'let s = 1;\n' >good.js
fails "embed-page.sh refuses </script in the JS" 1 "bad.js: line 1 holds </script" \
	sh "$embed" h.h t.html t.css bad.js
[ -e h.h ] && not_ok "embed-page.sh: no header after a refusal" || ok "embed-page.sh: no header after a refusal"
fails "embed-page.sh refuses a missing marker" 1 "t.css: marker <!--MLV-STYLE--> appears 0 times" \
	sh "$embed" h.h t.css t.css good.js
check "embed-page.sh writes a header" sh "$embed" h.h t.html t.css good.js
expect "the header holds the JS's bytes and a NUL" "$(($(wc -c <good.js) + 1))" \
	"$(sed -n '/mlv_page_js/,/}/p' h.h | grep -o 0x | wc -l)"
