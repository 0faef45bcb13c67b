#!/bin/sh
# test-corpus.sh - mlv-corpus, the synthetic corpora of examples/: bytes
# fixed by the options, labels that match the audio, and mlv-spec reading
# every labels.tsv as a manifest.
. "$(dirname "$0")/lib.sh"

# the header line of a TSV, columns joined by spaces
header() { head -n 1 "$1" | tr '\t' ' '; }
# number of data rows of a TSV
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }
# seconds of a 16-bit mono WAV with the canonical 44-byte header
wav_seconds() {
	if [ "$(od -A n -c -j 36 -N 4 "$1" | tr -d ' ')" != data ]; then
		echo "no 44-byte header"
		return
	fi
	echo "$(wc -c <"$1") $2" | awk '{ printf "%.6f\n", ($1 - 44) / 2 / $2 }'
}
# every file listed in DIR/labels.tsv lasts SECONDS at 22050 Hz: has
# the size of the first's header and SECONDS of samples
all_last() {
	first=$(sed -n 2p "$1/labels.tsv" | cut -f 1)
	[ "$(wav_seconds "$1/$first" 22050)" = "$2" ] || return 1
	(cd "$1" && tail -n +2 labels.tsv | cut -f 1 | sort -u | xargs wc -c) |
		awk -v want="$(wc -c <"$1/$first")" '$2 != "total" && $1 != want { print; bad = 1 } END { exit bad }'
}
# no temporary file (".NAME.XXXXXX") left in the directories
no_temp() { ! ls -a "$@" | grep -q '^\..*\.......$'; }
# relative squared difference of two TSV files of 32 columns, as A > B
rel_diff() {
	paste "$1" "$2" | awk -F '\t' -v op="$3" -v lim="$4" '{ for (i = 1; i <= 32; i++) { d = $i - $(i + 32); e += d * d; s += $i * $i } }
		END { r = e / s; exit !(op == "<" ? r < lim : r > lim) }'
}

# ---- determinism ----
mlv-corpus notes -o n1
mlv-corpus notes --seed 0 -j 1 -o n2
mlv-corpus notes --seed 1 -o n3
check "notes: the same seed gives the same bytes, for any -j" diff -r n1 n2
cut -f 1-11 n1/labels.tsv >n1.cut
cut -f 1-11 n3/labels.tsv >n3.cut
if ! cmp -s n1/erhu_So4_A4_v100.wav n3/erhu_So4_A4_v100.wav && cmp -s n1.cut n3.cut; then
	ok "notes: another seed gives other bytes, the same labels"
else
	not_ok "notes: another seed gives other bytes, the same labels"
fi
mlv-corpus sections --section-seconds 20 -o s1
mlv-corpus sections --section-seconds 20 -j 1 -o s2
mlv-corpus performers --seconds 3 -o p1
mlv-corpus performers --seconds 3 -j 1 -o p2
mlv-corpus composers --composers 3 --tracks 2 --seconds 4 -o c1
mlv-corpus composers --composers 3 --tracks 2 --seconds 4 -j 1 -o c2
check "sections, performers, composers: the same bytes for -j 1 and -j 2" sh -c 'diff -r s1 s2 && diff -r p1 p2 && diff -r c1 c2'
check "no temporary files are left" no_temp n1 s1 p1 c1

# ---- notes ----
check "notes: 192 files and rows, the columns of the rendered corpus" sh -c "
	[ $(rows n1/labels.tsv) = 192 ] && [ \$(ls n1/*.wav | wc -l) = 192 ] &&
	[ '$(header n1/labels.tsv)' = 'file start_s end_s synth instrument solfege pitch midi f0_hz loudness velocity rms_dbfs' ]"
check "notes: names, pitches and loudness classes as in the rendered corpus" sh -c '
	grep -q "^pipa_Mi4_Fs4_v040.wav	0.000	0.500	mlv-corpus	pipa	Mi4	F#4	66	369.99	I1	40	" n1/labels.tsv &&
	grep -q "^zheng_So5_A5_v127.wav	0.000	0.500	mlv-corpus	zheng	So5	A5	81	880.00	I4	127	" n1/labels.tsv &&
	[ "$(tail -n +2 n1/labels.tsv | cut -f 5 | sort -u | tr "\n" " ")" = "bamboo_flute erhu pipa zheng " ]'
check "notes: every file lasts 0.5 s" all_last n1 0.500000
# The peak of each note's average spectrum is its fundamental, within a
# bin (10.8 Hz; the erhu's vibrato swings A5 by 13 Hz), for every timbre
# and pitch.
awk -F '\t' 'NR == 1 || $11 == 100' n1/labels.tsv >n1/v100.tsv
mlv-spec --list n1/v100.tsv | mlv-cat -t tsv --keys label.f0_hz,id |
	awk -F '\t' '{ k = $1 "\t" $2; n[k]++; for (i = 3; i <= NF; i++) s[k, i - 3] += $i; w = NF - 2 }
	END { for (k in n) { m = -1; for (i = 0; i < w; i++) if (s[k, i] > m) { m = s[k, i]; b = i }
		split(k, f, "\t"); d = b * 22050 / 2048 - f[1]; if (d < 0) d = -d
		print (d <= 22050 / 2048 ? "ok" : "off"), f[1], b * 22050 / 2048, f[2] } }' >f0.txt
check "notes: the spectral peak is f0 within a bin, for all 48 notes at velocity 100" sh -c '
	[ "$(grep -c "^ok" f0.txt)" = 48 ] || { grep -v "^ok" f0.txt; exit 1; }'
check "notes: louder velocities give louder files, for every instrument and pitch" sh -c '
	tail -n +2 n1/labels.tsv | sort -t "	" -k 5,5 -k 8,8n -k 11,11n |
	awk -F "\t" "{ k = \$5 \$8; if (k == p && \$12 <= r) bad++; p = k; r = \$12 } END { exit bad > 0 }"'
# the same, measured independently: mean STFT magnitude of one note
for v in 040 070 100 127; do
	mlv-spec n1/erhu_Fa4_G4_v$v.wav | mlv-cat -s | tail -n 1 | cut -f 8
done >levels.txt
check "notes: mean STFT magnitude rises with velocity (erhu Fa4)" \
	awk 'NR > 1 && $1 <= p { bad = 1 } { p = $1 } END { exit bad || NR != 4 }' levels.txt
check "notes: velocity 127 is about 20 dB above velocity 40" sh -c '
	tail -n +2 n1/labels.tsv | awk -F "\t" "\$11 == 127 { a += \$12; na++ } \$11 == 40 { b += \$12; nb++ }
		END { d = a / na - b / nb; exit !(d > 19 && d < 23) }"'
if command -v sox >/dev/null 2>&1; then
	for f in n1/*_v127.wav; do sox "$f" -n stat 2>&1 | awk '/imum amplitude/ { print $3 < 0 ? -$3 : $3 }'; done | sort -g | tail -n 1 >peak.txt
	check "notes: the loudest note peaks at -3 dBFS" awk '{ exit !($1 > 0.705 && $1 < 0.711) }' peak.txt
else
	skip "notes: the loudest note peaks at -3 dBFS" "no sox"
fi
mlv-corpus notes --seconds 0.25 --sr 16000 -o n4
check "notes: --seconds and --sr set the length, end_s and rate" sh -c "
	[ '$(wav_seconds n4/pipa_Do5_D5_v070.wav 16000)' = 0.250000 ] &&
	[ \$(sed -n 2p n4/labels.tsv | cut -f 3) = 0.250 ] &&
	[ \$(od -A n -t u4 -j 24 -N 4 n4/pipa_Do5_D5_v070.wav | tr -d ' ') = 16000 ]"

# ---- performers ----
check "performers: 12 rows, the columns of the rendered corpus" sh -c "
	[ $(rows p1/labels.tsv) = 12 ] &&
	[ '$(header p1/labels.tsv)' = 'file piece performer accompaniment role instrument accompaniment_instruments tempo_bpm duration_s' ]"
check "performers: the paper's pair (A solo, B accompanied) and 6 crossed controls" sh -c '
	grep -q "^ode_to_joy_A_solo.wav	ode_to_joy	A	no	main	erhu	-	96	3.000$" p1/labels.tsv &&
	grep -q "^ode_to_joy_B_accomp.wav	ode_to_joy	B	yes	main	erhu	piano,bass	106	3.000$" p1/labels.tsv &&
	grep -q "^twinkle_A_accomp.wav	twinkle	A	yes	control	zheng	strings,bass	84	3.000$" p1/labels.tsv &&
	[ $(awk -F "\t" "\$5 == \"control\"" p1/labels.tsv | wc -l) = 6 ]'
check "performers: every file lasts --seconds" all_last p1 3.000000
# Below 237 Hz (STFT bins 0..21) is the bass and chords' register, not the
# melody's (D4 = 294 Hz and up).
low() { mlv-spec "$1" | mlv-cat -t tsv | awk '{ for (i = 1; i <= NF; i++) { if (i <= 22) l += $i; t += $i } } END { print l / t }'; }
check "performers: accompaniment adds energy below the melody" \
	awk "BEGIN { exit !($(low p1/twinkle_A_accomp.wav) > 0.1 && $(low p1/twinkle_A_solo.wav) < 0.02) }"

# ---- sections ----
check "sections: 15 sections of 3 files, the columns of the rendered corpus" sh -c "
	[ $(rows s1/labels.tsv) = 15 ] &&
	[ '$(header s1/labels.tsv)' = 'file piece section label start_s end_s tempo_bpm instruments dynamics description' ] &&
	[ '$(tail -n +2 s1/labels.tsv | cut -f 1 | sort -u | tr '\n' ' ')' = 'koto_texture.wav orchestration.wav pipa_tempo.wav ' ]"
# Sections of a piece follow each other from 0 to the end of its file,
# each a whole number of 10-s segments (at least one) about 0.5 to 1.5
# times --section-seconds (20), and they are not all of one length.
contiguous() {
	for f in pipa_tempo orchestration koto_texture; do
		awk -F '\t' -v f=$f.wav -v d="$(wav_seconds s1/$f.wav 22050)" '$1 == f {
				len = $6 - $5
				if ($5 != e + 0 || $3 != ++n || len % 10 || len < 10 || len > 30) bad = 1
				e = $6; lens[len]++ }
			END { for (l in lens) nlens++; exit bad || n != 5 || e != d + 0 || nlens < 2 }' s1/labels.tsv || return 1
	done
}
check "sections: contiguous, from 0 to the end of each file" contiguous
check "sections: lengths differ between sections and between pieces" sh -c '
	[ "$(awk -F "\t" "\$2 == \"pipa_tempo\" { printf \"%s \", \$6 - \$5 }" s1/labels.tsv)" = "20 30 20 30 10 " ] &&
	[ "$(awk -F "\t" "\$2 == \"orchestration\" { printf \"%s \", \$6 - \$5 }" s1/labels.tsv)" = "30 20 20 30 10 " ] &&
	[ "$(awk -F "\t" "\$2 == \"koto_texture\" { printf \"%s \", \$6 - \$5 }" s1/labels.tsv)" = "10 30 30 20 20 " ]'
check "sections: repeated labels, whole bars at the nominal tempo" sh -c '
	[ "$(awk -F "\t" "\$2 == \"pipa_tempo\" { printf \"%s \", \$4 }" s1/labels.tsv)" = "A B A C B " ] &&
	tail -n +2 s1/labels.tsv | awk -F "\t" "{ b = \$7 * (\$6 - \$5) / 60; d = b - int(b + 0.5); if (d > 1e-6 || d < -1e-6) bad = 1 } END { exit bad }" &&
	[ $(awk -F "\t" "\$2 == \"orchestration\" { print \$7 }" s1/labels.tsv | sort -u | wc -l) = 1 ] &&
	[ "$(awk -F "\t" "\$2 == \"pipa_tempo\" { printf \"%s \", \$7 }" s1/labels.tsv)" = "96.00 168.00 96.00 72.00 168.00 " ]'
# every 10-s segment lies in one section: the one labels.tsv puts there
check "sections: segments.tsv, whole 10-s segments, each in its section" sh -c "
	[ '$(header s1/segments.tsv)' = 'file segment start_s end_s section label purity' ] &&
	[ $(rows s1/segments.tsv) = 33 ] &&
	grep -q '^pipa_tempo.wav	4	40.0	50.0	2	B	1.00$' s1/segments.tsv &&
	awk -F '\t' 'FNR == 1 { next } NR == FNR { s[\$1, \$3] = \$5; e[\$1, \$3] = \$6; l[\$1, \$3] = \$4; next }
		{ k = \$1 SUBSEP \$5; if (\$3 < s[k] || \$4 > e[k] || \$6 != l[k] || \$7 != 1) bad = 1; n[\$1]++ }
		END { exit bad || n[\"pipa_tempo.wav\"] != 11 }' s1/labels.tsv s1/segments.tsv"
mlv-spec --list s1/labels.tsv --feature mel --n-mels 32 -o s1.mlv
check "sections: as a manifest, one record per section, of its length" sh -c '
	[ $(mlv-cat -H s1.mlv | wc -l) = 15 ] &&
	[ "$(mlv-cat -H s1.mlv | cut -d " " -f 2 | sort -un | tr "\n" " ")" = "431 862 1292 " ] &&
	mlv-cat -H s1.mlv | sed -n 3p | grep -q "id=s1/pipa_tempo.wav#t=50,70 .* t0=50 .*label.label=A "'
# The returning section is note for note the first: their spectra match
# once the previous section's last notes have died away (20 frames).
for k in 1 2 3; do
	mlv-cat -w label.piece=pipa_tempo -w label.section=$k -t tsv s1.mlv | sed 1,20d >sec$k.tsv
done
# compared over the shorter one's frames
n=$(wc -l <sec1.tsv)
for k in 2 3; do [ $(wc -l <sec$k.tsv) -lt $n ] && n=$(wc -l <sec$k.tsv); done
for k in 1 2 3; do head -n $n sec$k.tsv >sec$k.cut && mv sec$k.cut sec$k.tsv; done
check "sections: a returning section repeats the first" rel_diff sec1.tsv sec3.tsv "<" 1e-3
check "sections: the section between differs" rel_diff sec1.tsv sec2.tsv ">" 0.1

# ---- composers ----
check "composers: composers x tracks rows, the columns of the real corpus" sh -c "
	[ $(rows c1/labels.tsv) = 6 ] &&
	[ '$(header c1/labels.tsv | cut -d ' ' -f 1-5)' = 'file soundtrack composer track duration_s' ] &&
	[ $(tail -n +2 c1/labels.tsv | cut -f 3 | sort -u | wc -l) = 3 ]"
check "composers: track is the file's stem" sh -c '
	tail -n +2 c1/labels.tsv | awk -F "\t" "\$1 != \$4 \".wav\" || \$5 != \"4.000\" { bad = 1 } END { exit bad }"'
check "composers: every file lasts --seconds" all_last c1 4.000000
check "composers: tracks of a composer differ" sh -c '! cmp -s c1/meadows-01.wav c1/meadows-02.wav'

# ---- manifests ----
mlv-spec --list n1/labels.tsv --feature mfcc --n-mfcc 13 -o n1.mlv
mlv-spec --list p1/labels.tsv --feature mel --n-mels 16 -o p1.mlv
mlv-spec --list c1/labels.tsv --feature mel --n-mels 16 -o c1.mlv
check "every labels.tsv is an mlv-spec manifest, labels become metadata" sh -c '
	[ $(mlv-cat -H n1.mlv | wc -l) = 192 ] && [ $(mlv-cat -H p1.mlv | wc -l) = 12 ] && [ $(mlv-cat -H c1.mlv | wc -l) = 6 ] &&
	mlv-cat -H n1.mlv | head -n 1 | tr " " "\n" | grep -qx label.loudness=I1 &&
	mlv-cat -H p1.mlv | head -n 1 | tr " " "\n" | grep -qx label.accompaniment=no &&
	mlv-cat -H c1.mlv | head -n 1 | tr " " "\n" | grep -qx label.composer=Pastoral'

# ---- usage ----
check "--help names every corpus and option" sh -c '
	h=$(mlv-corpus --help) && for w in notes performers sections composers --seconds --section-seconds --composers --tracks --seed --sr --jobs; do
		echo "$h" | grep -q -- "$w" || exit 1; done'
check "--version" sh -c 'mlv-corpus --version | grep -q "^mlv-corpus (mlv) "'
fails "unknown corpus" 2 "^mlv-corpus: symphonies: unknown corpus" mlv-corpus symphonies -o x
fails "no corpus" 2 "^mlv-corpus: which corpus\\?" mlv-corpus -o x
fails "sections shorter than a segment" 2 "^mlv-corpus: --section-seconds 5: too small" mlv-corpus sections --section-seconds 5 -o x
fails "bad --seconds" 2 "^mlv-corpus: --seconds 0: too small" mlv-corpus notes --seconds 0 -o x
fails "--seconds not a number" 2 "^mlv-corpus: --seconds abc: not a finite number" mlv-corpus performers --seconds abc -o x
fails "an option of another corpus" 2 "^mlv-corpus: --tracks: not an option of notes" mlv-corpus notes --tracks 3 -o x
fails "too many composers" 2 "^mlv-corpus: --composers 7: too large" mlv-corpus composers --composers 7 -o x
fails "no -o" 2 "^mlv-corpus: -o DIR is required" mlv-corpus notes
fails "a stray argument" 2 "^mlv-corpus: extra: unexpected argument" mlv-corpus notes -o x extra
echo text >afile
fails "output under a file" 1 "^mlv-corpus: afile: cannot create directory" mlv-corpus notes -o afile/x
check "a failed run writes nothing" sh -c '[ ! -e x ] && ! ls -a | grep -q "^\.afile"'
