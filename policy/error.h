/*
 * Relay-originated errors: one catalogue, one OpenAI-shaped envelope.
 *
 * Every error the relay itself produces is a value of enum rerr.  The
 * table in error.c gives each its HTTP status, OpenAI error type, code and
 * fixed message, so a status or a message lives in exactly one place.
 * Messages never contain anything the client sent.
 */
#ifndef POLICY_ERROR_H
#define POLICY_ERROR_H

#include <stddef.h>

enum rerr {
	RERR_OK = 0,
	RERR_BAD_PATH,
	RERR_BAD_QUERY,
	RERR_BAD_HEADER,
	RERR_INVALID_JSON,
	RERR_JSON_NOT_OBJECT,
	RERR_JSON_DUPLICATE_KEY,
	RERR_JSON_TOO_COMPLEX,
	RERR_BODY_NOT_ALLOWED,
	RERR_BODY_INCOMPLETE,
	RERR_BAD_MULTIPART,
	RERR_MISSING_FIELD,
	RERR_INVALID_FIELD,
	RERR_INVALID_BASE64,
	RERR_EMPTY_INPUT,
	RERR_MISSING_IMAGE,
	RERR_NOT_PNG,
	RERR_FETCH_REFUSED,
	RERR_FETCH_FAILED,
	RERR_MISSING_KEY,
	RERR_INVALID_KEY,
	RERR_BAD_AUTH_SCHEME,
	RERR_PROXY_MALFORMED,
	RERR_PROXY_DENIED,
	RERR_PROXY_NOT_ALLOWLISTED,
	RERR_PROXY_SCHEMA,
	RERR_UNSUPPORTED_MODEL,
	RERR_SESSION_EXPIRED,
	RERR_NOT_FOUND,
	RERR_METHOD_NOT_ALLOWED,
	RERR_BODY_TOO_LARGE,
	RERR_UNSUPPORTED_MEDIA,
	RERR_NOT_MULTIPART,
	RERR_NOT_MULTIPART_OR_JSON,
	RERR_NOT_FORM,
	RERR_BAD_FORM,
	RERR_INVALID_TOKEN,
	RERR_OAUTH_UNAVAILABLE,
	RERR_INPUT_TOO_LARGE,
	RERR_UPSTREAM_KEY_MISSING,
	RERR_AUTH_MISCONFIGURED,
	RERR_INTERNAL,
	RERR_UPSTREAM_FAILED,
	RERR_UPSTREAM_BAD_RESPONSE,
	RERR_UPSTREAM_TIMEOUT,
	RERR_UPSTREAM_CONNECT_TIMEOUT,
	RERR_UPSTREAM_FIRST_BYTE_TIMEOUT,
	RERR_UPSTREAM_IDLE_TIMEOUT,
	RERR_UPSTREAM_TOTAL_TIMEOUT,
	RERR_UPSTREAM_STREAM_INTERRUPTED,
	RERR_DOCS_UNAVAILABLE,
	RERR_UPSTREAM_TOO_LARGE,
	RERR_ANSWER_TOO_LARGE,
	RERR_LINK_NOT_FOUND,
	RERR_LINKS_FULL,
	RERR_LINKS_UNAVAILABLE,
	RERR_WS_RESPONSES,
	RERR_WS_REALTIME,
	RERR_MODEL_NOT_ALLOWED,
	RERR_ROUTE_NOT_ALLOWED,
	RERR_RATE_LIMITED,
	RERR_TOO_MANY_CONCURRENT,
	RERR_QUOTA_EXHAUSTED,
	RERR_LIMITS_UNAVAILABLE,
	RERR_MCP_ORIGIN,
	RERR_MCP_OPEN_NOT_LOOPBACK,
	RERR_CLIENT_GONE,
	RERR__MAX
};

struct rerr_info {
	int		 status;	/* HTTP status */
	const char	*type;		/* OpenAI error.type */
	const char	*code;		/* OpenAI error.code */
	const char	*message;	/* fixed text, never client data */
};

/* Static description of e; never NULL for e < RERR__MAX. */
const struct rerr_info *rerr_info(enum rerr e);

/*
 * Writes the envelope {"error":{"message","type","param","code"}} for e
 * into buf (NUL-terminated).  message replaces the catalogue's text when
 * not NULL: it must be a fixed string of the relay's (a policy reason),
 * never client data.  param names the offending field or is NULL.
 * Returns the length written, or -1 if buf is too small (512 bytes always
 * suffice for reasons and param names up to 64 bytes).
 */
int rerr_envelope(enum rerr e, const char *message, const char *param,
    char *buf, size_t bufsz);

/*
 * Writes the SSE event that ends a stream the relay cannot finish:
 * "event: error\ndata: {"type":"error","error":{...}}\n\n", so a client
 * can tell a truncated stream from a finished one (OpenAI's SDKs raise
 * it as an API error).  Same return convention as rerr_envelope.
 */
int rerr_stream_event(enum rerr e, char *buf, size_t bufsz);

/*
 * Writes a one-line reason into err (for start-up and build checks, not
 * client answers) and returns -1, so callers can "return reason_fail()".
 */
int reason_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
