/* The model-file loader on arbitrary bytes. */
#include "fuzz.h"
#include "model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_reader *rd = mlv_reader_memopen(data, size, "fuzz-model.mlv");
	char err[1024];
	mlv_model *m = mlv_model_read(rd, err, sizeof err);
	mlv_model_free(m);
	mlv_reader_close(rd);
	return 0;
}
