/*
 * The route table: the single source of truth for what the relay serves.
 *
 * The router, the auth exemptions, the manifest (and, later, the proxy
 * allowlist, both OpenAPI documents and the coverage report) all read the
 * rows in route.c.  Adding an endpoint is adding a row.
 */
#ifndef POLICY_ROUTE_H
#define POLICY_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"

enum method {
	METHOD_GET,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD__MAX
};

/*
 * How ChatGPT Actions reach an operation (names kept from the original's
 * coverage report so reports stay comparable): exposed directly in the
 * Actions document, reachable through /v1/proxy, needing a JSON wrapper,
 * or deliberately excluded.
 */
enum bucket {
	BUCKET_ACTIONS_DIRECT,
	BUCKET_PROXY_HARNESS,
	BUCKET_WRAPPER_FILES_UPLOAD,
	BUCKET_WRAPPER_UPLOADS_RESUMABLE,
	BUCKET_WRAPPER_IMAGES_MULTIPART,
	BUCKET_WRAPPER_VIDEOS_MULTIPART,
	BUCKET_WRAPPER_STREAM,
	BUCKET_EXCLUDE_BINARY,
	BUCKET_EXCLUDE_COLON_PATH,
	BUCKET_EXCLUDE_LEGACY,
	BUCKET_EXCLUDE_META_V1,
	BUCKET_EXCLUDE_META_NONV1,
	BUCKET_EXCLUDE_REALTIME_LOCAL,
	BUCKET_EXCLUDE_REALTIME,	/* served for SDKs and browsers only */
	BUCKET_EXCLUDE_ADMIN,		/* needs an admin key: never relayed */
	BUCKET_EXCLUDE_DEPRECATED,	/* retired or legacy OpenAI APIs */
	BUCKET_EXCLUDE_UNSERVED,	/* not relayed (yet), with a reason */
	BUCKET__MAX
};

/* Which handler serves the route; handlers/ maps each to a function. */
enum handler {
	HANDLER_FORWARD,	/* canonical pass-through to the same path */
	HANDLER_PROXY,		/* POST /v1/proxy envelope */
	HANDLER_STREAM_WRAPPER,	/* JSON in, POST /v1/responses streamed */
	HANDLER_ACTION_JSON,	/* /v1/actions/X: its JSON to /v1/X */
	HANDLER_ACTION_FILE,	/* base64 JSON to a multipart file part */
	HANDLER_ACTION_IMAGE,	/* image edits and variations from JSON */
	HANDLER_ACTION_VIDEO,	/* video creation from JSON, validated */
	HANDLER_HEALTH,
	HANDLER_MANIFEST,
	HANDLER_PING,
	HANDLER_RELAY_INFO,
	HANDLER_SYSTEM_INFO,
	HANDLER_OPENAPI,	/* the full OpenAPI document */
	HANDLER_OPENAPI_ACTIONS,	/* the Actions subset */
	HANDLER_DOCS_PAGE,	/* Swagger UI */
	HANDLER_DOCS_ASSET,	/* its stylesheet and script */
	HANDLER_REALTIME_MINT,	/* session minting, model allowlisted */
	HANDLER_REALTIME_VALIDATE,	/* local expiry check */
	HANDLER_REALTIME_INTROSPECT,	/* local configuration dump */
	HANDLER__MAX
};

/* What request body a route takes; each kind implies its size cap. */
enum body_kind {
	BODY_NONE,		/* no body at all */
	BODY_JSON,		/* a JSON object, required */
	BODY_JSON_OPTIONAL,	/* empty, or a JSON object */
	BODY_JSON_ANY,		/* any JSON value (a wrapper shapes it) */
	BODY_MULTIPART,		/* streamed upstream, never held whole */
	BODY_MULTIPART_OR_JSON,	/* either of the two, by Content-Type */
	BODY__MAX
};

struct route {
	enum method	 method;
	const char	*path;		/* template: "/v1/files/{file_id}" */
	enum bucket	 bucket;
	enum handler	 handler;
	enum body_kind	 body;
	bool		 public;	/* served without a relay key */
	bool		 consequential;	/* costs money or changes data */
	const char	*operation_id;	/* unique, verb-first camelCase */
	const char	*summary;	/* one line, < 300 characters */
};

extern const struct route routes[];
extern const size_t routes_count;

/* "GET", "POST", ...; never NULL for m < METHOD__MAX. */
const char *method_name(enum method m);

/* Parses an upper-case method name; -1 if it is not one we route. */
int method_parse(const char *name, enum method *out);

/* "ACTIONS_DIRECT", ...; never NULL for b < BUCKET__MAX. */
const char *bucket_name(enum bucket b);

/* True when the route appears in the Actions document. */
bool route_in_actions(const struct route *r);

/*
 * Finds the route for method and path (the path part of REQUEST_URI,
 * still percent-encoded).  Returns RERR_OK and sets *out; RERR_BAD_PATH
 * for a malformed path; RERR_NOT_FOUND; or RERR_METHOD_NOT_ALLOWED, in
 * which case allow receives the comma-separated methods the path takes
 * ("GET, DELETE").  The first row in table order that matches wins.
 */
enum rerr route_match(const char *method, const char *path,
    const struct route **out, char *allow, size_t allowsz);

/*
 * The first row for method m whose template matches path, or NULL.  The
 * path must already be vetted (path_check, or the proxy's normaliser).
 */
const struct route *route_find(enum method m, const char *path);

#endif
