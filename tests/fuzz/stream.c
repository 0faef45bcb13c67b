/* The MLV stream reader on arbitrary bytes: every record read whole is
 * written back and read again to the same header and values. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stream.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_reader *rd = mlv_reader_memopen(data, size, "fuzz.mlv");
	mlv_record r, again;
	mlv_record_init(&r);
	mlv_record_init(&again);
	char *hdr = NULL, *hdr2 = NULL;
	size_t cap = 0, cap2 = 0;
	while (mlv_read(rd, &r) > 0) {
		size_t len = mlv_format_header(&r, &hdr, &cap);
		mlv_reader *back = mlv_reader_memopen(hdr, len, "header");
		/* The header alone promises a payload that is not there, unless
		 * the record is empty. */
		int rc = mlv_read(back, &again);
		if ((rc > 0) != (r.rows * r.cols == 0))
			abort();
		if (rc > 0 && (mlv_format_header(&again, &hdr2, &cap2) != len ||
		               memcmp(hdr, hdr2, len)))
			abort();
		mlv_reader_close(back);
		mlv_reader_where(rd, &r);
	}
	free(hdr);
	free(hdr2);
	mlv_record_free(&r);
	mlv_record_free(&again);
	mlv_reader_close(rd);
	return 0;
}
