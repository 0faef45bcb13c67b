/* The model description (YAML) on arbitrary bytes: what parses formats
 * to YAML that parses again to the same text. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_model_config cfg, again;
	char err[512];
	if (mlv_model_config_parse(&cfg, (const char *)data, size, "fuzz.yaml",
	                           err, sizeof err))
		return 0;
	char *text = mlv_model_config_format(&cfg);
	if (mlv_model_config_parse(&again, text, strlen(text), "formatted", err,
	                           sizeof err))
		abort();
	char *text2 = mlv_model_config_format(&again);
	if (strcmp(text, text2))
		abort();
	free(text);
	free(text2);
	mlv_model_config_free(&cfg);
	mlv_model_config_free(&again);
	return 0;
}
