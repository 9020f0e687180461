/*
 * /v1/proxy: one JSON envelope, {method, path, query, body}, forwarded
 * only if it names a row of the route table that route_in_proxy() keeps
 * (the PROXY_HARNESS rows and the canonical JSON Actions operations).
 * Deny by default; the path is normalised once, before any decision, and
 * what was decided on is exactly what is sent.
 */
#ifndef POLICY_PROXY_H
#define POLICY_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"
#include "policy/route.h"

struct proxy_call {
	enum method		 method;
	char			*path;	/* normalised, e.g. "/v1/files/f1" */
	char			*query;	/* percent-encoded; "" when none */
	char			*body;	/* JSON object text, or NULL */
	size_t			 body_len;
	const struct route	*route;	/* the allowlisted row */
	/* With RERR_METHOD_NOT_ALLOWED: the methods the path takes. */
	char			 allow[64];
};

struct json_object;

/*
 * Decides an envelope, the request body as handlers_serve parsed it
 * (body_json_tree; NULL or not an object is refused).  env stays the
 * caller's.  On RERR_OK fills *call, which the caller frees with
 * proxy_call_free.  Otherwise returns
 * RERR_PROXY_SCHEMA (422: missing, unknown or mistyped fields),
 * RERR_PROXY_MALFORMED (400), RERR_PROXY_DENIED or
 * RERR_PROXY_NOT_ALLOWLISTED (403), or RERR_METHOD_NOT_ALLOWED (405: a
 * path the table serves, with another method; call->allow names the
 * methods, and survives proxy_call_free), and points *reason at a fixed
 * text (the original relay's wording where it had one) or NULL; no
 * client data.
 */
enum rerr proxy_decide(struct json_object *env, struct proxy_call *call,
    const char **reason);

/*
 * The path rules alone: normalises raw (as the envelope's "path") into
 * *normalised (caller frees; NULL on failure), then applies the denial
 * rules in the original relay's order and the allowlist.  stream says
 * whether the body (or the query) asked for stream:true.  A path the
 * table serves only with other methods gives RERR_METHOD_NOT_ALLOWED,
 * *normalised still set.  Used by proxy_decide and by the coverage
 * report.
 */
enum rerr proxy_check_path(enum method m, const char *raw, bool stream,
    char **normalised, const struct route **route, const char **reason);

void proxy_call_free(struct proxy_call *call);

#endif
