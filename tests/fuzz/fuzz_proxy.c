/*
 * The /v1/proxy envelope, parsed as handlers_serve parses it:
 * normalisation, denials, query.
 */
#include <json.h>

#include "policy/body.h"
#include "policy/proxy.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*env = NULL;
	struct body_facts	 facts;
	struct proxy_call	 call;
	const char		*reason;

	if (body_json_tree((const char *)data, size, &facts, &env) !=
	    RERR_OK)
		return 0;
	if (proxy_decide(env, &call, &reason) == RERR_OK)
		proxy_call_free(&call);
	json_object_put(env);
	return 0;
}
