/*
 * /v1/proxy: one JSON envelope, {method, path, query, body}, forwarded
 * only if it names a row of the route table in the PROXY_HARNESS bucket.
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
};

/*
 * Decides an envelope (the text of a JSON object).  On RERR_OK fills
 * *call, which the caller frees with proxy_call_free.  Otherwise returns
 * RERR_PROXY_SCHEMA (422: missing, unknown or mistyped fields),
 * RERR_PROXY_MALFORMED (400), RERR_PROXY_DENIED or
 * RERR_PROXY_NOT_ALLOWLISTED (403), and points *reason at a fixed text
 * (the original relay's wording where it had one); no client data.
 */
enum rerr proxy_decide(const char *envelope, size_t len,
    struct proxy_call *call, const char **reason);

/*
 * The path rules alone: normalises raw (as the envelope's "path") into
 * *normalised (caller frees; NULL on failure), then applies the denial
 * rules in the original relay's order and the allowlist.  stream says
 * whether the body asked for stream:true.  Used by proxy_decide and by
 * the coverage report.
 */
enum rerr proxy_check_path(enum method m, const char *raw, bool stream,
    char **normalised, const struct route **route, const char **reason);

void proxy_call_free(struct proxy_call *call);

#endif
