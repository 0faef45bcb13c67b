/* The TSV and CSV readers on arbitrary bytes (the first byte picks the
 * delimiter). */
#include "convert.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	mlv_reader *rd = mlv_reader_memopen(data + 1, size - 1, "fuzz.txt");
	mlv_record r;
	mlv_record_init(&r);
	char err[512];
	mlv_text_read(rd, data[0] & 1 ? ',' : '\t', &r, err, sizeof err);
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return 0;
}
