# table.awk - print a TSV file as aligned columns (what column -t does,
# without needing bsdextrautils).
BEGIN { FS = "\t" }
{
	for (i = 1; i <= NF; i++) {
		cell[NR, i] = $i
		if (length($i) > width[i])
			width[i] = length($i)
	}
	if (NF > ncol)
		ncol = NF
}
END {
	for (r = 1; r <= NR; r++) {
		line = ""
		for (i = 1; i <= ncol; i++)
			line = line sprintf("%-*s", width[i] + 2, cell[r, i])
		sub(/ +$/, "", line)
		print line
	}
}
