/*
 * Realtime decisions, shared by the HTTP routes (handlers/realtime.c) and
 * the WebSocket bridge (fcgi/wsbridge.c): which models are allowed, the
 * local session check, and where the bridge connects upstream.  Pure.
 */
#ifndef POLICY_REALTIME_H
#define POLICY_REALTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"

struct json_object;
struct strlist;

/*
 * Is model on allowlist (RELAY_REALTIME_MODELS, matched as every list
 * is: exactly, or by prefix for an entry ending in '*')?  Model must be
 * non-empty and hold only [A-Za-z0-9._:-].
 */
bool realtime_model_allowed(const struct strlist *allowlist,
    const char *model);

/*
 * Checks a session-minting body: "model" and "session.model", where
 * present, must be allowed strings.  Neither present is fine: upstream's
 * own default applies.  Returns RERR_OK, or RERR_UNSUPPORTED_MODEL with
 * *param set to the offending field's name (a static string).
 */
enum rerr realtime_check_mint(const struct strlist *allowlist,
    struct json_object *body, const char **param);

/*
 * Checks a validate body {session_id, expires_at?} at time now (Unix
 * seconds).  Returns RERR_OK (with *expires_at set, or NAN when absent),
 * RERR_MISSING_FIELD / RERR_INVALID_FIELD with *param static, or
 * RERR_SESSION_EXPIRED when expires_at <= now.
 */
enum rerr realtime_check_validate(struct json_object *body, double now,
    double *expires_at, const char **param);

/* Where the bridge connects, derived from OPENAI_API_BASE. */
struct realtime_target {
	bool	tls;		/* wss:// for https bases, ws:// for http */
	char	host[256];
	int	port;
	char	path[1024];	/* "/prefix/v1/realtime?model=..." */
};

/*
 * Fills *t from a normalised base (config's openai_api_base) and an
 * allowed model (percent-encoded into the query).  Returns 0, or -1 if
 * the base cannot be split or the result does not fit.
 */
int realtime_target(const char *base, const char *model,
    struct realtime_target *t);

/*
 * The relay key a browser sends as a subprotocol
 * ("openai-insecure-api-key.<key>") in a Sec-WebSocket-Protocol list, or
 * NULL.  Returns a pointer into list; *len receives the key's length.
 */
const char *realtime_subprotocol_key(const char *list, size_t *len);

#endif
