/* The download URL guard: whatever it accepts is https on a listed host. */
#include <stdlib.h>
#include <string.h>

#include "policy/fetch.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*url = fuzz_string(data, size);

	if (fetch_url_allowed(url, "files.oaiusercontent.com,localhost:8443") &&
	    strncmp(url, "https://", 8) != 0)
		abort();
	free(url);
	return 0;
}
