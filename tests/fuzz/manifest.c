/* The manifest parser on arbitrary bytes. */
#include <stdio.h>

#include "fuzz.h"
#include "manifest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	mlv_manifest m;
	char err[512];
	if (mlv_manifest_read_file(&m, f, "dir/fuzz.tsv", err, sizeof err) == 0)
		mlv_manifest_free(&m);
	fclose(f);
	return 0;
}
