# summary.awk - a results table over several runs (seeds, folds, pieces)
# summarised: the rows that differ only in the RUN columns are one figure,
# printed once with the mean of their values, the sample standard
# deviation ("-" for a single run), the number of runs, and the mean n
# per run ("-" when a run has none).  Groups keep the order of their first row.
#
#   awk -v run='seed fold' -f summary.awk runs.tsv >results.tsv
#
# The input has a header line with a `value` and an `n` column.
BEGIN { FS = OFS = "\t" }
NR == 1 {
	nr = split(run, r, " ")
	for (j = 1; j <= nr; j++)
		isrun[r[j]] = 1
	head = ""
	for (i = 1; i <= NF; i++) {
		if ($i == "value")
			vc = i
		else if ($i == "n")
			nc = i
		else if ($i in isrun)
			skip[i] = 1
		else {
			keep[++nk] = i
			head = head $i OFS
		}
	}
	if (!vc || !nc) {
		print "summary.awk: " FILENAME ": no value or n column" >"/dev/stderr"
		exit 1
	}
	print head "value" OFS "sd" OFS "runs" OFS "n"
	next
}
{
	k = ""
	for (j = 1; j <= nk; j++)
		k = k $keep[j] OFS
	if (!(k in cnt))
		order[++ng] = k
	c = ++cnt[k]
	v[k, c] = $vc
	sum[k] += $vc
	if ($nc == "-")
		non[k] = 1
	nsum[k] += $nc
}
END {
	for (g = 1; g <= ng; g++) {
		k = order[g]
		c = cnt[k]
		m = sum[k] / c
		ss = 0
		for (i = 1; i <= c; i++)
			ss += (v[k, i] - m) ^ 2
		sd = c > 1 ? sprintf("%.4f", sqrt(ss / (c - 1))) : "-"
		printf "%s%.4f%s%s%s%d%s%s\n", k, m, OFS, sd, OFS, c, OFS,
		    non[k] ? "-" : sprintf("%g", nsum[k] / c)
	}
}
