/*
 * OAuth 2.1 as the request pipeline meets it (handlers/serve.c): an
 * access token standing in for a relay key on the routes that take
 * tokens (route->oauth_tokens), and the 401 that tells a client where
 * to sign in.  The endpoints themselves are in handler.h.
 */
#ifndef HANDLERS_OAUTH_H
#define HANDLERS_OAUTH_H

#include <stdbool.h>

#include "policy/error.h"

struct exchange;

/*
 * Who the request acts for on a route that takes tokens: an access
 * token of ours in "Authorization: Bearer" (when no X-Relay-Key is
 * given) sets ex->client to its key's name; anything else is checked
 * as a relay key (auth_check).  RERR_OK, RERR_INVALID_TOKEN,
 * RERR_OAUTH_UNAVAILABLE, or auth_check's refusals.
 */
enum rerr oauth_authenticate(struct exchange *ex);

/*
 * Answers a 401 refusal e of such a route with WWW-Authenticate:
 * Bearer and the protected resource metadata's URL (RFC 9728 section
 * 5.1), error="invalid_token" when a token was refused.
 */
void oauth_reply_unauthorized(struct exchange *ex, enum rerr e);

#endif
