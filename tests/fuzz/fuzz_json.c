/*
 * Request bodies: strict JSON, depth-capped, the stream flag, and the
 * realtime routes' checks on what parsed (model allowlist, session
 * validation).
 */
#include <json.h>
#include <math.h>
#include <stdlib.h>

#include "policy/body.h"
#include "policy/realtime.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*obj = NULL;
	const char		*param;
	double			 expires;

	if (body_parse_json((const char *)data, size, &obj) != RERR_OK)
		return 0;
	body_flag_true(obj, "stream");
	/* The realtime routes take objects only (BODY_JSON), as checked. */
	if (json_object_is_type(obj, json_type_object)) {
		if (realtime_check_mint("gpt-realtime*,gpt-4o-mini-realtime",
		    obj, &param) != RERR_OK && param == NULL)
			abort();
		if (realtime_check_validate(obj, 1.7e9, &expires, &param) ==
		    RERR_OK && !isnan(expires) && !(expires > 1.7e9))
			abort();
	}
	json_object_put(obj);
	return 0;
}
