/*
 * Records in the store, each a small JSON object with its expiry "e":
 *
 *   oauth:code:<sha256 of the code>     the request a code stands for
 *   oauth:used:<sha256 of a code or refresh token>   its grant, once spent
 *   oauth:grant:<id>                    key name "n", key digest "d",
 *                                       client "c", resource "r"
 *   oauth:at:<sha256>, oauth:rt:<sha256>   the grant "g" a token is for
 *
 * Codes and refresh tokens are taken (read and deleted in one step), so
 * of two processes redeeming one only one succeeds; the loser finds the
 * "used" record and revokes the grant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "handlers/grants.h"
#include "handlers/state.h"
#include "policy/auth.h"
#include "policy/config.h"
#include "policy/secret.h"
#include "policy/oauth.h"

#define STORE_KEY_MAX	(16 + SECRET_DIGEST_HEX + GRANTS_TOKEN_MAX)

bool
grants_random(const char *prefix, char out[GRANTS_TOKEN_MAX])
{
	size_t	plen = strlen(prefix);

	if (plen + SECRET_TOKEN_LEN >= GRANTS_TOKEN_MAX)
		return false;
	memcpy(out, prefix, plen);
	return secret_token(out + plen);
}

/* ns and the SHA-256 of secret: how the store names what was issued. */
static bool
hashed_key(const char *ns, const char *secret, char key[STORE_KEY_MAX])
{
	char	hex[SECRET_DIGEST_HEX];

	if (strlen(secret) >= GRANTS_TOKEN_MAX)
		return false;
	secret_sha256_hex(secret, hex);
	snprintf(key, STORE_KEY_MAX, "%s%s", ns, hex);
	return true;
}

static void
grant_key(const char *id, char key[STORE_KEY_MAX])
{
	snprintf(key, STORE_KEY_MAX, "oauth:grant:%s", id);
}

static enum grant_result
of_state(enum state_result r)
{
	return r == STATE_OK ? GRANT_OK : r == STATE_ABSENT ? GRANT_INVALID :
	    GRANT_UNAVAILABLE;
}

/* Stores rec (which this puts) under key until now + ttl_s. */
static enum grant_result
record_put(struct state *st, const char *key, struct json_object *rec,
    long long now, long ttl_s)
{
	size_t		 len;
	const char	*text;
	enum grant_result r;

	json_object_object_add(rec, "e", json_object_new_int64(now + ttl_s));
	text = json_object_to_json_string_length(rec, JSON_C_TO_STRING_PLAIN,
	    &len);
	r = of_state(state_put(st, key, text, len, ttl_s));
	json_object_put(rec);
	return r == GRANT_INVALID ? GRANT_UNAVAILABLE : r;
}

/*
 * The live record under key (taken when take), or NULL: *r says whether
 * it was absent or expired (GRANT_INVALID) or the store failed.
 */
static struct json_object *
record_get(struct state *st, const char *key, bool take, long long now,
    enum grant_result *r)
{
	struct json_object	*rec, *e;
	char			*value = NULL;
	size_t			 len;

	*r = of_state(take ? state_take(st, key, &value, &len) :
	    state_get(st, key, &value, &len));
	if (*r != GRANT_OK)
		return NULL;
	rec = json_tokener_parse(value);
	free(value);
	if (rec == NULL || !json_object_object_get_ex(rec, "e", &e) ||
	    json_object_get_int64(e) <= now) {
		json_object_put(rec);
		*r = GRANT_INVALID;
		return NULL;
	}
	return rec;
}

/* rec's string field, or "" when it has none. */
static const char *
field(struct json_object *rec, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(rec, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static void
add(struct json_object *rec, const char *name, const char *value)
{
	json_object_object_add(rec, name, json_object_new_string(value));
}

enum grant_result
grants_code_issue(struct state *st, const struct keyset *keys,
    const struct grant_request *rq, long long now, char code[GRANTS_TOKEN_MAX])
{
	struct json_object	*rec;
	char			 key[STORE_KEY_MAX], digest[SECRET_DIGEST_HEX];

	if (st == NULL)
		return GRANT_UNAVAILABLE;
	if (!auth_bound_digest(keys, rq->key_name, digest))
		return GRANT_INVALID;
	if (!grants_random(OAUTH_CODE_PREFIX, code) ||
	    !hashed_key("oauth:code:", code, key))
		return GRANT_UNAVAILABLE;
	rec = json_object_new_object();
	add(rec, "n", rq->key_name);
	add(rec, "d", digest);
	add(rec, "c", rq->client_id);
	add(rec, "u", rq->redirect_uri);
	add(rec, "p", rq->challenge);
	add(rec, "r", rq->resource);
	return record_put(st, key, rec, now, GRANTS_CODE_TTL);
}

/* Stores a pointer to grant id under key (a token or a "used" mark). */
static enum grant_result
pointer_put(struct state *st, const char *key, const char *id,
    long long now, long ttl_s)
{
	struct json_object	*rec = json_object_new_object();

	add(rec, "g", id);
	return record_put(st, key, rec, now, ttl_s);
}

/* Issues a new access and refresh token for grant id. */
static enum grant_result
tokens_issue(struct state *st, const struct config *cfg, const char *id,
    long long now, struct grant_tokens *out)
{
	char			 key[STORE_KEY_MAX];
	enum grant_result	 r;

	if (!grants_random(OAUTH_ACCESS_PREFIX, out->access) ||
	    !grants_random(OAUTH_REFRESH_PREFIX, out->refresh) ||
	    !hashed_key("oauth:at:", out->access, key))
		return GRANT_UNAVAILABLE;
	r = pointer_put(st, key, id, now, cfg->oauth_access_ttl_s);
	if (r == GRANT_OK && hashed_key("oauth:rt:", out->refresh, key))
		r = pointer_put(st, key, id, now, cfg->oauth_refresh_ttl_s);
	out->expires_in = cfg->oauth_access_ttl_s;
	return r;
}

/*
 * A code or refresh token that is gone: if it was spent (a "used"
 * record under used_key), the grant it made is revoked.
 */
static void
revoke_if_spent(struct state *st, const char *used_key, long long now)
{
	struct json_object	*mark;
	enum grant_result	 r;
	char			 key[STORE_KEY_MAX];

	mark = record_get(st, used_key, false, now, &r);
	if (mark == NULL)
		return;
	grant_key(field(mark, "g"), key);
	(void)state_delete(st, key);
	json_object_put(mark);
}

/* The code record's checks against the token request. */
static const char *
code_mismatch(struct json_object *code, const char *client_id,
    const char *redirect_uri, const char *verifier)
{
	if (client_id == NULL || strcmp(field(code, "c"), client_id) != 0)
		return "The code was issued to another client.";
	if (redirect_uri == NULL || strcmp(field(code, "u"), redirect_uri) !=
	    0)
		return "redirect_uri differs from the authorization request's.";
	if (!oauth_pkce_verify(verifier, field(code, "p")))
		return "code_verifier does not match the code_challenge.";
	return NULL;
}

enum grant_result
grants_code_redeem(struct state *st, const struct config *cfg,
    const struct keyset *keys,
    const char *code, const char *client_id, const char *redirect_uri,
    const char *verifier, long long now, struct grant_tokens *out,
    const char **why)
{
	struct json_object	*rec, *grant;
	char			 key[STORE_KEY_MAX], used[STORE_KEY_MAX];
	char			 id[GRANTS_TOKEN_MAX];
	enum grant_result	 r;

	*why = "The code is invalid, expired or already used.";
	if (st == NULL)
		return GRANT_UNAVAILABLE;
	if (code == NULL || !hashed_key("oauth:code:", code, key) ||
	    !hashed_key("oauth:used:", code, used))
		return GRANT_INVALID;
	if ((rec = record_get(st, key, true, now, &r)) == NULL) {
		if (r == GRANT_INVALID)
			revoke_if_spent(st, used, now);
		return r;
	}
	/* Spent now, whatever follows: a code is tried once. */
	if ((*why = code_mismatch(rec, client_id, redirect_uri, verifier)) !=
	    NULL) {
		json_object_put(rec);
		return GRANT_INVALID;
	}
	*why = "The relay key this code was issued for no longer exists.";
	if (keys_find(keys, field(rec, "n"), field(rec, "d")) == NULL) {
		json_object_put(rec);
		return GRANT_INVALID;
	}
	if (!grants_random("", id)) {
		json_object_put(rec);
		return GRANT_UNAVAILABLE;
	}
	r = pointer_put(st, used, id, now, cfg->oauth_refresh_ttl_s);
	grant = json_object_new_object();
	add(grant, "n", field(rec, "n"));
	add(grant, "d", field(rec, "d"));
	add(grant, "c", field(rec, "c"));
	add(grant, "r", field(rec, "r"));
	json_object_put(rec);
	grant_key(id, key);
	if (r == GRANT_OK)
		r = record_put(st, key, grant, now, cfg->oauth_refresh_ttl_s);
	else
		json_object_put(grant);
	return r == GRANT_OK ? tokens_issue(st, cfg, id, now, out) : r;
}

/*
 * The grant a token record points to, live and bound to a key that
 * still exists (*client its name), or NULL.
 */
static struct json_object *
grant_of(struct state *st, const struct keyset *keys, struct json_object *ptr,
    long long now, const struct key_entry **client, enum grant_result *r)
{
	struct json_object	*grant;
	char			 key[STORE_KEY_MAX];

	grant_key(field(ptr, "g"), key);
	if ((grant = record_get(st, key, false, now, r)) == NULL)
		return NULL;
	*client = keys_find(keys, field(grant, "n"), field(grant, "d"));
	if (*client == NULL) {
		/* The key was revoked or replaced: so is the grant. */
		(void)state_delete(st, key);
		json_object_put(grant);
		*r = GRANT_INVALID;
		return NULL;
	}
	return grant;
}

enum grant_result
grants_refresh(struct state *st, const struct config *cfg,
    const struct keyset *keys, const char *refresh, const char *client_id, long long now,
    struct grant_tokens *out, const char **why)
{
	struct json_object	*ptr, *grant;
	char			 key[STORE_KEY_MAX], used[STORE_KEY_MAX];
	char			 gkey[STORE_KEY_MAX], id[GRANTS_TOKEN_MAX];
	const struct key_entry	*client;
	enum grant_result	 r;

	*why = "The refresh token is invalid, expired, revoked or already "
	    "used.";
	if (st == NULL)
		return GRANT_UNAVAILABLE;
	if (refresh == NULL || strncmp(refresh, OAUTH_REFRESH_PREFIX,
	    strlen(OAUTH_REFRESH_PREFIX)) != 0 ||
	    !hashed_key("oauth:rt:", refresh, key) ||
	    !hashed_key("oauth:used:", refresh, used))
		return GRANT_INVALID;
	if ((ptr = record_get(st, key, true, now, &r)) == NULL) {
		if (r == GRANT_INVALID)
			revoke_if_spent(st, used, now);
		return r;
	}
	snprintf(id, sizeof(id), "%s", field(ptr, "g"));
	grant = grant_of(st, keys, ptr, now, &client, &r);
	json_object_put(ptr);
	if (grant == NULL)
		return r;
	if (client_id != NULL && strcmp(field(grant, "c"), client_id) != 0) {
		*why = "The refresh token was issued to another client.";
		json_object_put(grant);
		return GRANT_INVALID;
	}
	r = pointer_put(st, used, id, now, cfg->oauth_refresh_ttl_s);
	/* The grant lives as long as its newest refresh token. */
	grant_key(id, gkey);
	json_object_object_del(grant, "e");
	if (r == GRANT_OK)
		r = record_put(st, gkey, grant, now, cfg->oauth_refresh_ttl_s);
	else
		json_object_put(grant);
	return r == GRANT_OK ? tokens_issue(st, cfg, id, now, out) : r;
}

enum grant_result
grants_access_client(struct state *st, const struct keyset *keys,
    const char *token, long long now, const struct key_entry **client)
{
	struct json_object	*ptr, *grant;
	char			 key[STORE_KEY_MAX];
	enum grant_result	 r;

	*client = NULL;
	if (st == NULL)
		return GRANT_UNAVAILABLE;
	if (!hashed_key("oauth:at:", token, key))
		return GRANT_INVALID;
	if ((ptr = record_get(st, key, false, now, &r)) == NULL)
		return r;
	grant = grant_of(st, keys, ptr, now, client, &r);
	json_object_put(ptr);
	json_object_put(grant);
	return grant != NULL ? GRANT_OK : r;
}

enum grant_result
grants_registration_counted(struct state *st, long limit, long long now)
{
	long long	hour = now / 3600, total = 0;
	char		key[48];

	if (st == NULL)
		return GRANT_UNAVAILABLE;
	snprintf(key, sizeof(key), "oauth:registrations:%lld", hour);
	if (state_add(st, key, 1, (long)((hour + 1) * 3600 - now), &total) !=
	    STATE_OK)
		return GRANT_UNAVAILABLE;
	return total <= limit ? GRANT_OK : GRANT_INVALID;
}
