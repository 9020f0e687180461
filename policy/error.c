/*
 * The catalogue of relay-originated errors and their JSON envelope.
 * Messages that clients and the original relay's tests match on
 * ("Missing relay key", "Invalid relay key", the Bearer-scheme text,
 * "Upstream request failed") are kept word for word.
 */
#include <string.h>

#include <json.h>

#include "policy/error.h"

static const struct rerr_info rerr_table[RERR__MAX] = {
	[RERR_OK] = { 200, "", "", "" },
	[RERR_BAD_PATH] = { 400, "invalid_request_error", "invalid_path",
	    "Malformed request path." },
	[RERR_BAD_QUERY] = { 400, "invalid_request_error", "invalid_query",
	    "Malformed query string." },
	[RERR_INVALID_JSON] = { 400, "invalid_request_error", "invalid_json",
	    "Request body is not valid JSON." },
	[RERR_JSON_NOT_OBJECT] = { 400, "invalid_request_error",
	    "invalid_json", "Request body must be a JSON object." },
	[RERR_BODY_NOT_ALLOWED] = { 400, "invalid_request_error",
	    "unexpected_body", "This endpoint does not take a request body." },
	[RERR_BODY_INCOMPLETE] = { 400, "invalid_request_error",
	    "incomplete_body",
	    "Request body is shorter than its Content-Length." },
	[RERR_MISSING_KEY] = { 401, "invalid_request_error",
	    "missing_relay_key", "Missing relay key" },
	[RERR_INVALID_KEY] = { 401, "invalid_request_error",
	    "invalid_relay_key", "Invalid relay key" },
	[RERR_BAD_AUTH_SCHEME] = { 401, "invalid_request_error",
	    "invalid_authorization_scheme",
	    "Authorization must be Bearer <relay_key> (or use X-Relay-Key)." },
	[RERR_PROXY_MALFORMED] = { 400, "invalid_request_error",
	    "invalid_proxy_request", "Malformed /v1/proxy request." },
	[RERR_PROXY_DENIED] = { 403, "invalid_request_error", "proxy_denied",
	    "Denied by the /v1/proxy policy." },
	[RERR_PROXY_NOT_ALLOWLISTED] = { 403, "invalid_request_error",
	    "proxy_not_allowlisted", "method/path not allowlisted for /v1/proxy" },
	[RERR_PROXY_SCHEMA] = { 422, "invalid_request_error",
	    "invalid_proxy_request",
	    "A /v1/proxy request is a JSON object with method and path, and "
	    "optionally query (or params, query_params) and body (or json, "
	    "json_body); nothing else." },
	[RERR_NOT_FOUND] = { 404, "invalid_request_error", "not_found",
	    "This relay serves no such path. See /openapi.json for the "
	    "routes it serves." },
	[RERR_METHOD_NOT_ALLOWED] = { 405, "invalid_request_error",
	    "method_not_allowed",
	    "Method not allowed for this path; the Allow header lists the "
	    "methods it takes." },
	[RERR_BODY_TOO_LARGE] = { 413, "invalid_request_error",
	    "request_too_large",
	    "Request body is larger than this relay accepts for this route." },
	[RERR_UNSUPPORTED_MEDIA] = { 415, "invalid_request_error",
	    "unsupported_media_type", "Content-Type must be application/json." },
	[RERR_UPSTREAM_KEY_MISSING] = { 424, "relay_error",
	    "upstream_key_missing",
	    "Missing OPENAI_API_KEY: the relay has no upstream key "
	    "configured." },
	[RERR_AUTH_MISCONFIGURED] = { 500, "relay_error",
	    "relay_auth_misconfigured",
	    "Relay auth misconfigured: RELAY_AUTH_ENABLED is true but no "
	    "relay key is configured." },
	[RERR_INTERNAL] = { 500, "relay_error", "internal_error",
	    "Internal Server Error" },
	[RERR_UPSTREAM_FAILED] = { 502, "relay_error", "upstream_unreachable",
	    "Upstream request failed: could not reach the OpenAI API." },
	[RERR_UPSTREAM_BAD_RESPONSE] = { 502, "relay_error",
	    "upstream_bad_response",
	    "Upstream request failed: the OpenAI API sent an unusable "
	    "response." },
	[RERR_UPSTREAM_TIMEOUT] = { 504, "relay_error", "upstream_timeout",
	    "Upstream request timed out." },
	/* Logged only: the client is no longer there to read a body. */
	[RERR_CLIENT_GONE] = { 499, "relay_error", "client_disconnected",
	    "Client disconnected" },
};

const struct rerr_info *
rerr_info(enum rerr e)
{
	if ((unsigned)e >= RERR__MAX)
		e = RERR_INTERNAL;
	return &rerr_table[e];
}

int
rerr_envelope(enum rerr e, const char *message, const char *param,
    char *buf, size_t bufsz)
{
	const struct rerr_info	*info = rerr_info(e);
	struct json_object	*root, *err;
	const char		*text;
	size_t			 len;
	int			 rc = -1;

	root = json_object_new_object();
	err = json_object_new_object();
	json_object_object_add(err, "message",
	    json_object_new_string(message ? message : info->message));
	json_object_object_add(err, "type",
	    json_object_new_string(info->type));
	json_object_object_add(err, "param",
	    param ? json_object_new_string(param) : NULL);
	json_object_object_add(err, "code",
	    json_object_new_string(info->code));
	json_object_object_add(root, "error", err);

	text = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	if (len < bufsz) {
		memcpy(buf, text, len + 1);
		rc = (int)len;
	}
	json_object_put(root);
	return rc;
}
