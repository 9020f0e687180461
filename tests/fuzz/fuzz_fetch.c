/* The download URL guard: whatever it accepts is https on a listed host. */
#include <stdlib.h>
#include <string.h>

#include "policy/fetch.h"
#include "policy/strlist.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist	 hosts;
	char		*url = fuzz_string(data, size);

	strlist_parse(&hosts, "files.oaiusercontent.com,localhost:8443");
	if (fetch_url_allowed(url, &hosts) && strncmp(url, "https://", 8) != 0)
		abort();
	strlist_free(&hosts);
	free(url);
	return 0;
}
