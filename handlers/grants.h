/*
 * OAuth codes, grants and tokens in the state store (handlers/state.h),
 * which every process and host of the relay shares.
 *
 * What is issued is 256 random bits from OpenSSL in base64url behind a
 * prefix (policy/oauth.h); the store keys each by its SHA-256 only, so
 * reading the store yields no live credential.  A redeemed code becomes
 * a grant: the relay key it is bound to (its name and the SHA-256 of the
 * key, checked with auth_find_bound on every use), the client and the
 * resource.  Access and refresh tokens name their grant; deleting the
 * grant ends them all, which is what a reused code or a reused refresh
 * token does (OAuth 2.1 section 4.3.1 and 6.1).  Every record carries
 * its expiry, checked against the now passed in, so tests move time.
 */
#ifndef HANDLERS_GRANTS_H
#define HANDLERS_GRANTS_H

#include <stdbool.h>

#include "policy/keys.h"
#include "policy/oauth.h"

struct config;
struct state;

/* Long enough for any token, code or client ID issued here. */
#define GRANTS_TOKEN_MAX	OAUTH_TOKEN_MAX

/* Seconds an authorization code may wait to be redeemed. */
#define GRANTS_CODE_TTL		120

enum grant_result {
	GRANT_OK,
	GRANT_INVALID,		/* unknown, expired, revoked or mismatched */
	GRANT_UNAVAILABLE,	/* the store could not be used */
};

/* What an authorization code stands for; all strings borrowed. */
struct grant_request {
	const char	*key_name;	/* the relay key that signed in */
	const char	*client_id;
	const char	*redirect_uri;
	const char	*challenge;	/* PKCE S256 */
	const char	*resource;	/* the relay's /mcp URL */
};

/* Tokens issued at once, and the access token's life. */
struct grant_tokens {
	char	access[GRANTS_TOKEN_MAX];
	char	refresh[GRANTS_TOKEN_MAX];
	long	expires_in;
};

/* A fresh random string behind prefix, into out; false if RAND fails. */
bool grants_random(const char *prefix, char out[GRANTS_TOKEN_MAX]);

/*
 * Issues a single-use code for rq, bound to the key of keys called
 * rq->key_name, valid GRANTS_CODE_TTL seconds from now.
 */
enum grant_result grants_code_issue(struct state *st,
    const struct keyset *keys,
    const struct grant_request *rq, long long now,
    char code[GRANTS_TOKEN_MAX]);

/*
 * Redeems code for tokens: it must be live and unused, issued to
 * client_id for redirect_uri, and verifier must match its PKCE
 * challenge.  A code redeemed before revokes the grant it made.  On
 * GRANT_INVALID *why is a fixed description for error_description.
 */
enum grant_result grants_code_redeem(struct state *st,
    const struct config *cfg, const struct keyset *keys, const char *code, const char *client_id,
    const char *redirect_uri, const char *verifier, long long now,
    struct grant_tokens *out, const char **why);

/*
 * Rotates a refresh token: the old one stops working and a new pair is
 * issued for the same grant.  A refresh token used twice revokes its
 * grant.  client_id, when not NULL, must be the grant's client.
 */
enum grant_result grants_refresh(struct state *st, const struct config *cfg,
    const struct keyset *keys, const char *refresh, const char *client_id, long long now,
    struct grant_tokens *out, const char **why);

/*
 * The relay key an access token acts for: *key is its entry in keys
 * while the token, its grant and a key with the bound name and digest
 * all live, else NULL.
 */
enum grant_result grants_access_client(struct state *st,
    const struct keyset *keys, const char *token, long long now,
    const struct key_entry **key);

/*
 * Counts one client registration in now's clock hour: GRANT_OK while
 * the hour has had at most limit, GRANT_INVALID past it.
 */
enum grant_result grants_registration_counted(struct state *st, long limit,
    long long now);

#endif
