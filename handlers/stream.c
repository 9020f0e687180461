/*
 * The stream wrappers, POST /v1/responses:stream and
 * /v1/actions/responses/stream, as the original relay had them: any JSON
 * body becomes a Responses request (a non-object is wrapped as
 * {"input": value}; "stream" is set to true unless the caller chose),
 * sent to POST /v1/responses and relayed as it streams.
 */
#include <string.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "policy/body.h"

void
stream_wrapper_handle(struct exchange *ex)
{
	struct json_object	*body;
	const char		*accept = exchange_header(ex, "Accept");
	const char		*text;
	size_t			 len;

	if (json_object_is_type(ex->json, json_type_object)) {
		body = json_object_get(ex->json);
	} else {
		body = json_object_new_object();
		json_object_object_add(body, "input",
		    json_object_get(ex->json));
	}
	if (!json_object_object_get_ex(body, "stream", NULL))
		json_object_object_add(body, "stream",
		    json_object_new_boolean(1));
	text = json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = "/v1/responses",
		.query = ex->query,
		.body = text,
		.body_len = len,
		.client_headers = true,
		.content_type = "application/json",
		.stream = body_flag_true(body, "stream") || (accept != NULL &&
		    strstr(accept, "text/event-stream") != NULL),
	});
	json_object_put(body);
}
