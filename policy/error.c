/*
 * The catalogue of relay-originated errors and their JSON envelope.
 * Messages that clients and the original relay's tests match on
 * ("Missing relay key", "Invalid relay key", the Bearer-scheme text,
 * "Upstream request failed") are kept word for word.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "policy/error.h"

static const struct rerr_info rerr_table[RERR__MAX] = {
	[RERR_OK] = { 200, "", "", "" },
	[RERR_BAD_PATH] = { 400, "invalid_request_error", "invalid_path",
	    "Malformed request path." },
	[RERR_BAD_QUERY] = { 400, "invalid_request_error", "invalid_query",
	    "Malformed query string." },
	[RERR_BAD_HEADER] = { 400, "invalid_request_error", "invalid_header",
	    "A request header value contains a control character." },
	[RERR_INVALID_JSON] = { 400, "invalid_request_error", "invalid_json",
	    "Request body is not valid JSON." },
	[RERR_JSON_NOT_OBJECT] = { 400, "invalid_request_error",
	    "invalid_json", "Request body must be a JSON object." },
	[RERR_JSON_DUPLICATE_KEY] = { 400, "invalid_request_error",
	    "duplicate_json_key", "A JSON object in the request body repeats "
	    "a key; each key may appear once in an object." },
	[RERR_JSON_TOO_COMPLEX] = { 413, "invalid_request_error",
	    "json_too_complex", "Request body holds more JSON structure "
	    "(members, objects, arrays) than this relay takes for this "
	    "route." },
	[RERR_BODY_NOT_ALLOWED] = { 400, "invalid_request_error",
	    "unexpected_body", "This endpoint does not take a request body." },
	[RERR_BODY_INCOMPLETE] = { 400, "invalid_request_error",
	    "incomplete_body",
	    "Request body is shorter than its Content-Length." },
	[RERR_BAD_MULTIPART] = { 400, "invalid_request_error",
	    "invalid_multipart", "Multipart body is malformed: it must open "
	    "with its boundary and end with the closing one." },
	[RERR_MISSING_FIELD] = { 400, "invalid_request_error",
	    "missing_required_parameter", "A required field is missing." },
	[RERR_INVALID_FIELD] = { 400, "invalid_request_error",
	    "invalid_value", "A field has an invalid value." },
	[RERR_INVALID_BASE64] = { 400, "invalid_request_error",
	    "invalid_base64", "Field is not valid base64 (RFC 4648 with "
	    "padding; a data: URL prefix is allowed)." },
	[RERR_EMPTY_INPUT] = { 400, "invalid_request_error", "empty_input",
	    "Decoded input is empty." },
	/* The original relay's texts, which its tests match. */
	[RERR_MISSING_IMAGE] = { 400, "invalid_request_error", "missing_image",
	    "Missing image input" },
	[RERR_NOT_PNG] = { 400, "invalid_request_error", "invalid_image",
	    "Uploaded image must be a PNG" },
	[RERR_FETCH_REFUSED] = { 400, "invalid_request_error", "fetch_refused",
	    "Refusing to fetch the file: only https URLs on the relay's "
	    "allowed hosts are fetched." },
	[RERR_FETCH_FAILED] = { 400, "invalid_request_error", "fetch_failed",
	    "Could not download the file (no redirects are followed)." },
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
	[RERR_UNSUPPORTED_MODEL] = { 400, "invalid_request_error",
	    "unsupported_model", "Unsupported realtime model: this relay "
	    "allows only the models in RELAY_REALTIME_MODELS (see GET "
	    "/v1/realtime/sessions/introspect)." },
	[RERR_SESSION_EXPIRED] = { 410, "session_error", "session_expired",
	    "Realtime session has expired" },
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
	[RERR_NOT_MULTIPART] = { 415, "invalid_request_error",
	    "unsupported_media_type",
	    "Content-Type must be multipart/form-data with a boundary." },
	[RERR_NOT_MULTIPART_OR_JSON] = { 415, "invalid_request_error",
	    "unsupported_media_type",
	    "Content-Type must be multipart/form-data or application/json." },
	[RERR_NOT_FORM] = { 415, "invalid_request_error",
	    "unsupported_media_type", "Content-Type must be "
	    "application/x-www-form-urlencoded." },
	[RERR_BAD_FORM] = { 400, "invalid_request_error", "invalid_form",
	    "Malformed form: bad %-escapes or control bytes, a parameter "
	    "given twice, or too many parameters." },
	[RERR_INVALID_TOKEN] = { 401, "invalid_request_error",
	    "invalid_token", "Invalid access token: unknown, expired or "
	    "revoked (or its relay key was). Sign in again." },
	[RERR_OAUTH_UNAVAILABLE] = { 503, "relay_error", "oauth_unavailable",
	    "OAuth sign-in is unavailable: the relay's state store "
	    "(RELAY_STATE) cannot be used." },
	[RERR_INPUT_TOO_LARGE] = { 413, "invalid_request_error",
	    "input_too_large",
	    "Decoded input is larger than this relay accepts." },
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
	[RERR_DOCS_UNAVAILABLE] = { 503, "relay_error", "docs_unavailable",
	    "Swagger UI was not built into this relay (npm was unavailable "
	    "at build time); the OpenAPI document is at /openapi.json." },
	[RERR_UPSTREAM_CONNECT_TIMEOUT] = { 504, "relay_error",
	    "upstream_connect_timeout",
	    "Upstream request timed out while connecting to the OpenAI API." },
	[RERR_UPSTREAM_FIRST_BYTE_TIMEOUT] = { 504, "relay_error",
	    "upstream_first_byte_timeout",
	    "Upstream sent no response within RELAY_STREAM_FIRST_BYTE_TIMEOUT." },
	[RERR_UPSTREAM_IDLE_TIMEOUT] = { 504, "relay_error",
	    "upstream_idle_timeout",
	    "Upstream went silent for longer than RELAY_STREAM_IDLE_TIMEOUT." },
	[RERR_UPSTREAM_TOTAL_TIMEOUT] = { 504, "relay_error",
	    "upstream_total_timeout",
	    "Stream took longer than RELAY_STREAM_TOTAL_TIMEOUT." },
	[RERR_UPSTREAM_STREAM_INTERRUPTED] = { 502, "relay_error",
	    "upstream_stream_interrupted",
	    "Upstream request failed: the stream broke off before it was "
	    "complete." },
	[RERR_UPSTREAM_TOO_LARGE] = { 502, "relay_error",
	    "upstream_bad_response",
	    "Upstream request failed: the OpenAI API's answer is larger than "
	    "this relay holds to rewrite it for an Action." },
	[RERR_ANSWER_TOO_LARGE] = { 502, "relay_error", "answer_too_large",
	    "The answer is longer than the 100,000 characters a ChatGPT "
	    "Action reads, so the relay did not pass it on: ask for less (a "
	    "lower limit, fewer or shorter inputs, a shorter output)." },
	[RERR_LINK_NOT_FOUND] = { 404, "invalid_request_error",
	    "link_not_found", "No such link: it never existed or has "
	    "expired (see RELAY_ACTIONS_LINK_TTL)." },
	[RERR_LINKS_FULL] = { 507, "relay_error", "links_full",
	    "The relay already holds as many bytes behind links as "
	    "RELAY_ACTIONS_LINKS_MAX allows; try again when older links "
	    "have expired." },
	[RERR_LINKS_UNAVAILABLE] = { 503, "relay_error", "links_unavailable",
	    "The relay could not keep the file behind a link: its state "
	    "store (RELAY_STATE) is unavailable." },
	/* What OpenAI's clients need to fall back to HTTP at once. */
	[RERR_WS_RESPONSES] = { 426, "invalid_request_error",
	    "websocket_not_supported", "This relay does not serve the "
	    "Responses WebSocket mode: use HTTP, POST /v1/responses (with "
	    "stream: true for events)." },
	[RERR_WS_REALTIME] = { 426, "invalid_request_error",
	    "websocket_not_supported", "No Realtime WebSocket bridge answers "
	    "at this address: the operator runs it as relay --websocket "
	    "behind /v1/realtime/ws (RELAY_REALTIME_WS_ENABLED)." },
	/* A key's own options, from the keys file (policy/keys.h). */
	[RERR_MODEL_NOT_ALLOWED] = { 403, "invalid_request_error",
	    "model_not_allowed", "This relay key may not use this model." },
	[RERR_ROUTE_NOT_ALLOWED] = { 403, "invalid_request_error",
	    "route_not_allowed", "This relay key may use only the operations "
	    "of /openapi.actions.json." },
	[RERR_RATE_LIMITED] = { 429, "requests", "rate_limit_exceeded",
	    "This relay key has made as many requests this minute as it may: "
	    "try again after Retry-After seconds." },
	[RERR_TOO_MANY_CONCURRENT] = { 429, "requests",
	    "too_many_concurrent_requests", "This relay key already has as "
	    "many requests in flight as it may: try again when one ends." },
	[RERR_QUOTA_EXHAUSTED] = { 429, "insufficient_quota",
	    "insufficient_quota", "This relay key has spent its tokens for "
	    "today (UTC)." },
	[RERR_LIMITS_UNAVAILABLE] = { 503, "relay_error",
	    "limits_unavailable", "The relay cannot check this key's limits: "
	    "its state store (RELAY_STATE) is unavailable." },
	/* Logged only: the client is no longer there to read a body. */
	[RERR_MCP_ORIGIN] = { 403, "invalid_request_error",
	    "origin_not_allowed", "This Origin may not use /mcp: the "
	    "operator lists the allowed ones in RELAY_MCP_ORIGINS." },
	[RERR_MCP_OPEN_NOT_LOOPBACK] = { 403, "relay_error",
	    "mcp_open_not_loopback", "RELAY_MCP=open (no key) serves "
	    "loopback only: use RELAY_MCP=oauth, or confirm a public setup "
	    "with RELAY_MCP_OPEN_PUBLIC=true." },
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

/* {"error":{...}}, with "type":"error" first for stream events. */
static struct json_object *
envelope(enum rerr e, const char *message, const char *param, bool event)
{
	const struct rerr_info	*info = rerr_info(e);
	struct json_object	*root, *err;

	root = json_object_new_object();
	if (event)
		json_object_object_add(root, "type",
		    json_object_new_string("error"));
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
	return root;
}

/* Serialises root between prefix and suffix into buf; puts root. */
static int
emit(struct json_object *root, const char *prefix, const char *suffix,
    char *buf, size_t bufsz)
{
	const char	*text = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int		 n;

	n = snprintf(buf, bufsz, "%s%s%s", prefix, text, suffix);
	json_object_put(root);
	return n < 0 || (size_t)n >= bufsz ? -1 : n;
}

int
rerr_envelope(enum rerr e, const char *message, const char *param,
    char *buf, size_t bufsz)
{
	return emit(envelope(e, message, param, false), "", "", buf, bufsz);
}

int
rerr_stream_event(enum rerr e, char *buf, size_t bufsz)
{
	return emit(envelope(e, NULL, NULL, true), "event: error\ndata: ",
	    "\n\n", buf, bufsz);
}

int
reason_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}
