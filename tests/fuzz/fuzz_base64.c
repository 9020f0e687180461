/* The strict base64 decoder, with a small cap so the cap is crossed. */
#include <stdlib.h>

#include "policy/base64.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out;
	size_t	 len;

	if (base64_decode((const char *)data, size, 4096, &out, &len) ==
	    BASE64_OK) {
		if (len == 0 || len > 4096)
			abort();
		free(out);
	}
	return 0;
}
