/* The .npy reader on arbitrary bytes, array after array. */
#include "convert.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_reader *rd = mlv_reader_memopen(data, size, "fuzz.npy");
	mlv_record r;
	mlv_record_init(&r);
	size_t inexact = 0;
	char err[512];
	while (mlv_npy_read(rd, &r, &inexact, err, sizeof err) > 0)
		;
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return 0;
}
