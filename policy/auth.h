/*
 * Client authentication: which relay key, if any, a request presents.
 */
#ifndef POLICY_AUTH_H
#define POLICY_AUTH_H

#include "policy/config.h"
#include "policy/error.h"

/*
 * Decides whether a request may use a protected route.  authorization and
 * x_relay_key are the raw header values, or NULL when absent.  Follows
 * the original relay: a non-Bearer Authorization is refused even next to
 * a good X-Relay-Key, and X-Relay-Key wins over the Bearer token.  Keys
 * are compared in constant time against every configured key.
 * Returns RERR_OK and points *client at the key's name (static or owned
 * by cfg), or RERR_AUTH_MISCONFIGURED, RERR_BAD_AUTH_SCHEME,
 * RERR_MISSING_KEY or RERR_INVALID_KEY.
 */
enum rerr auth_check(const struct config *cfg, const char *authorization,
    const char *x_relay_key, const char **client);

/*
 * Constant-time equality: the time taken depends only on the length of
 * secret, never on where the inputs differ.
 */
bool auth_equal(const char *secret, const char *presented);

#endif
