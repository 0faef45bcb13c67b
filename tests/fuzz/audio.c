/* libsndfile on arbitrary bytes through mlv's own range and seek code:
 * the first two bytes pick the start and end of the range (and the
 * channel), the rest is the file. */
#include "audio.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	mlv_audio_opts o = {0, 0, 0, 0};
	o.channel = data[0] >> 6;
	o.start = (data[0] & 63) / 64.0;
	o.end = data[1] ? o.start + data[1] / 128.0 : 0;
	mlv_audio a;
	char err[512];
	mlv_audio_load_mem(&a, data + 2, size - 2, "fuzz.wav", &o, err,
	                   sizeof err);
	mlv_audio_free(&a);
	return 0;
}
