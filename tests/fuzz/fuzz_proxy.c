/* The /v1/proxy envelope: parsing, normalisation, denials, query. */
#include "policy/proxy.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_call	 call;
	const char		*reason;

	if (proxy_decide((const char *)data, size, &call, &reason) == RERR_OK)
		proxy_call_free(&call);
	return 0;
}
