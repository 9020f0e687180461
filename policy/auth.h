/*
 * Client authentication: which relay key, if any, a request presents.
 */
#ifndef POLICY_AUTH_H
#define POLICY_AUTH_H

#include "policy/config.h"
#include "policy/secret.h"
#include "policy/error.h"
#include "policy/keys.h"

/*
 * Decides whether a request may use a protected route.  authorization and
 * x_relay_key are the raw header values, or NULL when absent.  Follows
 * the original relay: a non-Bearer Authorization is refused even next to
 * a good X-Relay-Key, and X-Relay-Key wins over the Bearer token.  Keys
 * are compared in constant time against every key of keys (the
 * config's and the keys file's, policy/keys.h).  Returns RERR_OK and
 * points *key at the key's entry (in keys, or keys_anonymous when auth
 * is off), or RERR_AUTH_MISCONFIGURED, RERR_BAD_AUTH_SCHEME,
 * RERR_MISSING_KEY or RERR_INVALID_KEY with *key NULL.
 */
enum rerr auth_check(const struct config *cfg, const struct keyset *keys,
    const char *authorization, const char *x_relay_key,
    const struct key_entry **key);

/*
 * Constant-time equality: the time taken depends only on the length of
 * secret, never on where the inputs differ.
 */
bool auth_equal(const char *secret, const char *presented);

/*
 * The binding of OAuth tokens to a relay key (handlers/grants.c): a
 * token names a key by its name and the SHA-256 hex of the key itself.
 * auth_bound_digest writes that digest for the configured key called
 * name (false if there is none).  keys_find (policy/keys.h) is the
 * check on every use of a token: a key with that name and that digest
 * must still exist, so revoking or replacing a key ends every token
 * issued for it.
 */
bool auth_bound_digest(const struct keyset *keys, const char *name,
    char hex[SECRET_DIGEST_HEX]);

#endif
