/* Request bodies: strict JSON, depth-capped, and the stream flag. */
#include <json.h>

#include "policy/body.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*obj;

	if (body_parse_json((const char *)data, size, &obj) == RERR_OK) {
		body_flag_true(obj, "stream");
		json_object_put(obj);
	}
	return 0;
}
