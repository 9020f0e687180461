/*
 * The route table: the single source of truth for what the relay serves.
 *
 * The router, the auth exemptions, the manifest, the proxy allowlist,
 * both OpenAPI documents and the coverage report all read the rows in
 * route.c.  Adding an endpoint is adding a row.
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
	BUCKET_WRAPPER_AUDIO_MULTIPART,
	BUCKET_WRAPPER_STREAM,
	BUCKET_WRAPPER_IMAGES_LINKS,	/* base64 answers: links for Actions */
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
	HANDLER_ACTION_IMAGE_GENERATION,	/* images answered with links */
	HANDLER_ACTION_FILE_CONTENT,	/* a file as openaiFileResponse */
	HANDLER_LINK,		/* what a short-lived link holds */
	HANDLER_ACTION_TRANSCRIPTION,	/* audio from JSON to a multipart form */
	HANDLER_ACTION_SPEECH,	/* speech held, answered with a link */
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
	HANDLER_USAGE,		/* the calling key's usage and limits */
	HANDLER_MCP,		/* POST /mcp: tools from this table */
	HANDLER_OAUTH_RESOURCE,	/* RFC 9728 protected resource metadata */
	HANDLER_OAUTH_SERVER,	/* RFC 8414 authorization server metadata */
	HANDLER_OAUTH_REGISTER,	/* RFC 7591 client registration */
	HANDLER_OAUTH_AUTHORIZE,	/* the sign-in page and its answer */
	HANDLER_OAUTH_TOKEN,	/* codes and refresh tokens for tokens */
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
	BODY_FORM,		/* application/x-www-form-urlencoded, small */
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
	/*
	 * An MCP tool's curated name (at most 64 of [A-Za-z0-9_.-]) and
	 * title; NULL for a row that is no tool.  The proxy's row names
	 * two tools, "<tool>_read" (GET) and "<tool>_write" (openapi/tools.h).
	 */
	const char	*tool;
	const char	*tool_title;
	/*
	 * Also takes the relay's OAuth access tokens (handlers/grants.h) as
	 * Bearer credentials, acting for the key a token is bound to; a
	 * 401 then names the protected resource metadata.  For /mcp.
	 */
	bool		 oauth_tokens;
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

/* True when the route is offered as an MCP tool on POST /mcp. */
bool route_in_mcp(const struct route *r);

/*
 * True when /v1/proxy may reach the route: a canonical JSON route
 * forwarded unchanged (no multipart body), in the PROXY_HARNESS bucket
 * or an Actions operation of its own.  Everything else is denied.
 */
bool route_in_proxy(const struct route *r);

/*
 * Writes the comma-separated methods the table serves path with ("GET,
 * DELETE") into allow (when allowsz > 0).  The path must already be
 * vetted.  Returns false when no row's template matches path at all.
 */
bool route_methods(const char *path, char *allow, size_t allowsz);

/*
 * A WebSocket handshake on a path where OpenAI's clients try WebSocket
 * first: RERR_WS_RESPONSES for /v1/responses, RERR_WS_REALTIME for
 * /v1/realtime and the bridge's /v1/realtime/ws (which reached the
 * FastCGI relay, so the bridge is not deployed in front of it).  RERR_OK
 * for anything else, which is routed as usual.  A handshake is a GET
 * whose Upgrade header (upgrade) names websocket, or which carries
 * Sec-WebSocket-Key (key): Apache hands FastCGI neither Upgrade nor the
 * client's Connection, but passes that.  Either may be NULL.
 */
enum rerr route_websocket_refusal(const char *method, const char *path,
    const char *upgrade, const char *key);

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
