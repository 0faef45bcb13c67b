/* fuzz.h - the entry point libFuzzer calls with each input
 * (https://llvm.org/docs/LibFuzzer.html).  A target returns 0; a crash, a
 * sanitizer report, a leak or an exit (mlv_die) is a finding. */
#ifndef MLV_FUZZ_H
#define MLV_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
