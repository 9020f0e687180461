/*
 * The OAuth endpoints: discovery, registration, the sign-in page and
 * the token endpoint; the decisions are policy/oauth.c's and the store
 * handlers/grants.c's.  Every URL the relay names (issuer, resource,
 * endpoints) is built from RELAY_PUBLIC_URL or the request's origin, as
 * the OpenAPI documents are.  Errors at the token and registration
 * endpoints are RFC 6749's JSON ({"error","error_description"}), which
 * OAuth clients read; an authorization request whose client or redirect
 * URI is wrong gets a page and never a redirect (RFC 6749 4.1.2.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/grants.h"
#include "handlers/handler.h"
#include "handlers/oauth.h"
#include "handlers/reply.h"
#include "handlers/state.h"
#include "handlers/upstream.h"
#include "openapi/origin.h"
#include "policy/auth.h"
#include "policy/config.h"
#include "policy/fetch.h"
#include "policy/oauth.h"
#include "policy/route.h"
#include "policy/xalloc.h"

#define CLIENT_KEY_MAX	(16 + OAUTH_TOKEN_MAX)

/* The relay's origin, as the documents name it; the caller frees. */
static char *
base_url(const struct exchange *ex)
{
	return origin_server_url(ex->config->public_url, ex->scheme, ex->host);
}

enum rerr
oauth_authenticate(struct exchange *ex)
{
	char			 token[OAUTH_TOKEN_MAX];
	const char		*authorization = exchange_header(ex,
	    "Authorization");
	enum grant_result	 r;

	if (!ex->config->auth_enabled || exchange_header(ex, "X-Relay-Key") !=
	    NULL || !oauth_bearer_access(authorization, token))
		return auth_check(ex->config, ex->keys, authorization,
		    exchange_header(ex, "X-Relay-Key"), &ex->key);
	r = grants_access_client(ex->state, ex->keys, token,
	    (long long)time(NULL), &ex->key);
	return r == GRANT_OK ? RERR_OK : r == GRANT_INVALID ?
	    RERR_INVALID_TOKEN : RERR_OAUTH_UNAVAILABLE;
}

void
oauth_reply_unauthorized(struct exchange *ex, enum rerr e)
{
	char	*base = base_url(ex), challenge[1024];

	snprintf(challenge, sizeof(challenge), "Bearer %sresource_metadata=\""
	    "%s/.well-known/oauth-protected-resource/mcp\"",
	    e == RERR_INVALID_TOKEN ? "error=\"invalid_token\", " : "", base);
	free(base);
	reply_error_challenge(ex, e, challenge);
}

/* {"error": code, "error_description": why}, RFC 6749 section 5.2. */
static void
reply_oauth_error(struct exchange *ex, int status, const char *code,
    const char *why)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(code));
	if (why != NULL)
		json_object_object_add(o, "error_description",
		    json_object_new_string(why));
	reply_json(ex, status, o);
	json_object_put(o);
}

static void
reply_metadata(struct exchange *ex, struct json_object *(*build)(const
    char *))
{
	char			*base = base_url(ex);
	struct json_object	*doc = build(base);

	reply_json(ex, 200, doc);
	json_object_put(doc);
	free(base);
}

void
oauth_resource_handle(struct exchange *ex)
{
	reply_metadata(ex, oauth_resource_metadata);
}

void
oauth_server_handle(struct exchange *ex)
{
	reply_metadata(ex, oauth_server_metadata);
}

static void
client_key(const char *client_id, char key[CLIENT_KEY_MAX])
{
	snprintf(key, CLIENT_KEY_MAX, "oauth:client:%s", client_id);
}

/* The registration answer: what is kept, and what the relay decided. */
static struct json_object *
registration_answer(struct json_object *client, const char *client_id)
{
	static const char *const grants[] = { "authorization_code",
	    "refresh_token" };
	struct json_object	*out = json_object_get(client), *g;
	size_t			 i;

	json_object_object_add(out, "client_id",
	    json_object_new_string(client_id));
	json_object_object_add(out, "client_id_issued_at",
	    json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(out, "token_endpoint_auth_method",
	    json_object_new_string("none"));
	g = json_object_new_array();
	for (i = 0; i < 2; i++)
		json_object_array_add(g, json_object_new_string(grants[i]));
	json_object_object_add(out, "grant_types", g);
	g = json_object_new_array();
	json_object_array_add(g, json_object_new_string("code"));
	json_object_object_add(out, "response_types", g);
	return out;
}

void
oauth_register_handle(struct exchange *ex)
{
	struct json_object	*client, *answer;
	const char		*error, *why, *text;
	char			 id[OAUTH_TOKEN_MAX], key[CLIENT_KEY_MAX];
	size_t			 len;
	enum grant_result	 r;

	client = oauth_client_metadata(ex->json, &error, &why);
	if (client == NULL) {
		reply_oauth_error(ex, 400, error, why);
		return;
	}
	/* Registering needs no key: the cap keeps strangers from filling
	 * the store. */
	if ((r = grants_registration_counted(ex->state,
	    ex->config->oauth_registrations_per_hour, (long long)time(NULL))) !=
	    GRANT_OK) {
		json_object_put(client);
		reply_oauth_error(ex, r == GRANT_INVALID ? 429 : 503,
		    "temporarily_unavailable", r == GRANT_INVALID ? "This "
		    "relay takes no more client registrations this hour; try "
		    "again later." : "The relay's state store cannot be used.");
		return;
	}
	text = json_object_to_json_string_length(client,
	    JSON_C_TO_STRING_PLAIN, &len);
	if (!grants_random(OAUTH_CLIENT_PREFIX, id) || ex->state == NULL ||
	    (client_key(id, key), state_put(ex->state, key, text, len,
	    ex->config->oauth_refresh_ttl_s)) != STATE_OK) {
		json_object_put(client);
		reply_oauth_error(ex, 503, "temporarily_unavailable",
		    "The relay's state store cannot be used.");
		return;
	}
	/* Built after storing: the stored record is what was asked. */
	answer = registration_answer(client, id);
	reply_json(ex, 201, answer);
	json_object_put(answer);
	json_object_put(client);
}

/* A registered client's record, or NULL (unknown or store failure). */
static struct json_object *
client_registered(struct exchange *ex, const char *client_id)
{
	struct json_object	*client;
	char			 key[CLIENT_KEY_MAX], *value = NULL;
	size_t			 len;

	if (strlen(client_id) >= OAUTH_TOKEN_MAX || ex->state == NULL)
		return NULL;
	client_key(client_id, key);
	if (state_get(ex->state, key, &value, &len) != STATE_OK)
		return NULL;
	client = json_tokener_parse(value);
	free(value);
	return client;
}

/*
 * The client whose client_id is the URL of its metadata document,
 * fetched now: https, no redirects, at most OAUTH_CLIENT_DOCUMENT_MAX
 * bytes within RELAY_FETCH_TIMEOUT, and from a public address unless
 * the host is in RELAY_OAUTH_CLIENT_PRIVATE_HOSTS.  NULL with *why.
 */
static struct json_object *
client_fetched(struct exchange *ex, const char *url, const char **why)
{
	const struct config	*cfg = ex->config;
	struct json_object	*doc, *client;
	const char		*error;
	char			*bytes = NULL;
	size_t			 len;
	long			 status;

	*why = "The client's metadata document could not be fetched (https, "
	    "a public address, no redirects, at most 8 KiB).";
	if (upstream_download(ex->upstream, url, cfg->fetch_ca_file[0] ?
	    cfg->fetch_ca_file : NULL, OAUTH_CLIENT_DOCUMENT_MAX,
	    cfg->fetch_timeout_s * 1000, fetch_url_allowed(url,
	    &cfg->oauth_private_hosts) ? NULL : fetch_address_public, &bytes,
	    &len, &status) != UPSTREAM_DONE || status != 200) {
		free(bytes);
		return NULL;
	}
	doc = json_tokener_parse(bytes);
	free(bytes);
	client = oauth_client_document(doc, url, &error, why);
	json_object_put(doc);
	return client;
}

/* The client asking, or NULL with a fixed sentence in *why. */
static struct json_object *
client_find(struct exchange *ex, const char *client_id, const char **why)
{
	*why = "Unknown client: the application must register first (or "
	    "register again).";
	if (client_id == NULL)
		return NULL;
	if (oauth_client_id_is_url(client_id))
		return client_fetched(ex, client_id, why);
	return client_registered(ex, client_id);
}

static void
reply_html(struct exchange *ex, int status, char *page)
{
	struct reply_head	h;
	char			clen[32];
	size_t			len = strlen(page);

	snprintf(clen, sizeof(clen), "%lu", (unsigned long)len);
	reply_head_init(&h, ex, status);
	reply_head_add(&h, "Content-Type", "text/html; charset=utf-8");
	reply_head_add(&h, "Content-Length", clen);
	reply_head_add(&h, "Cache-Control", "no-store");
	/* A sign-in page must not be framed (clickjacking) nor tell the
	 * next site where it was. */
	reply_head_add(&h, "X-Frame-Options", "DENY");
	reply_head_add(&h, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; frame-ancestors 'none'");
	reply_head_add(&h, "Referrer-Policy", "no-referrer");
	if (reply_head_send(ex, &h) == 0)
		reply_write(ex, page, len);
	free(page);
}

/* A page that only explains: the request cannot go back to a client. */
static void
reply_refusal_page(struct exchange *ex, const char *why)
{
	reply_html(ex, 400, xconcat("<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Sign-in refused</title></head>"
	    "<body><h1>Sign-in refused</h1><p id=\"error\">", why,
	    "</p></body></html>\n", (char *)NULL));
}

static void
reply_redirect(struct exchange *ex, char *location)
{
	struct reply_head	h;

	reply_head_init(&h, ex, 302);
	reply_head_add(&h, "Location", location);
	reply_head_add(&h, "Cache-Control", "no-store");
	reply_head_add(&h, "Content-Length", "0");
	(void)reply_head_send(ex, &h);
	free(location);
}

/* The authorization request, parsed and checked up to its sign-in. */
struct authz {
	struct oauth_form	 form;
	struct json_object	*client;
	char			*base;
	char			*resource;	/* base "/mcp" */
};

static void
authz_free(struct authz *a)
{
	oauth_form_free(&a->form);
	json_object_put(a->client);
	free(a->base);
	free(a->resource);
}

/* Back to the client's redirect URI with pairs (code or error). */
static void
redirect_back(struct exchange *ex, const struct authz *a,
    const char *name, const char *value, const char *why)
{
	const char *const	pairs[] = { name, value,
	    "error_description", why,
	    "state", oauth_form_get(&a->form, "state"),
	    "iss", a->base, NULL };

	reply_redirect(ex, oauth_redirect_with(oauth_form_get(&a->form,
	    "redirect_uri"), pairs));
}

/*
 * Parses and checks the request in text (the query of a GET, the body
 * of a POST).  False when it was answered: a refusal page, or a
 * redirect back with the error.
 */
static bool
authz_begin(struct exchange *ex, const char *text, size_t len,
    struct authz *a)
{
	const char	*error, *why;

	memset(a, 0, sizeof(*a));
	a->base = base_url(ex);
	a->resource = xconcat(a->base, "/mcp", (char *)NULL);
	if (!oauth_form_parse(text, len, &a->form)) {
		reply_refusal_page(ex, "The authorization request is "
		    "malformed.");
		return false;
	}
	a->client = client_find(ex, oauth_form_get(&a->form, "client_id"),
	    &why);
	if (a->client == NULL) {
		reply_refusal_page(ex, why);
		return false;
	}
	if (!oauth_client_redirect_ok(a->client, oauth_form_get(&a->form,
	    "redirect_uri"))) {
		reply_refusal_page(ex, "The redirect URI is not one the "
		    "application registered.");
		return false;
	}
	if ((error = oauth_authorize_refusal(&a->form, a->resource, &why)) !=
	    NULL) {
		redirect_back(ex, a, "error", error, why);
		return false;
	}
	return true;
}

static void
reply_signin(struct exchange *ex, const struct authz *a, int status,
    const char *error)
{
	struct json_object	*name;
	char			*action = xconcat(a->base, "/oauth/authorize",
	    (char *)NULL);

	reply_html(ex, status, oauth_signin_page(&a->form, action,
	    ex->config->relay_name, json_object_object_get_ex(a->client,
	    "client_name", &name) ? json_object_get_string(name) : NULL,
	    error));
	free(action);
}

/* Issues the code for the key named key_name and sends it back. */
static void
authz_grant(struct exchange *ex, const struct authz *a, const char *key_name)
{
	struct grant_request	rq = {
		.key_name = key_name,
		.client_id = oauth_form_get(&a->form, "client_id"),
		.redirect_uri = oauth_form_get(&a->form, "redirect_uri"),
		.challenge = oauth_form_get(&a->form, "code_challenge"),
		.resource = a->resource,
	};
	char			code[OAUTH_TOKEN_MAX];

	if (grants_code_issue(ex->state, ex->keys, &rq,
	    (long long)time(NULL), code) != GRANT_OK) {
		redirect_back(ex, a, "error", "temporarily_unavailable",
		    "The relay's state store cannot be used.");
		return;
	}
	redirect_back(ex, a, "code", code, NULL);
	explicit_bzero(code, sizeof(code));
}

void
oauth_authorize_handle(struct exchange *ex)
{
	struct authz	 a;
	const struct key_entry	*entry;
	const char	*key;
	bool		 post = strcmp(ex->method, "POST") == 0;

	if (!authz_begin(ex, post ? ex->body : ex->query, post ?
	    ex->body_len : strlen(ex->query), &a)) {
		authz_free(&a);
		return;
	}
	key = oauth_form_get(&a.form, "relay_key");
	if (!post)
		reply_signin(ex, &a, 200, NULL);
	else if (!ex->config->auth_enabled)
		reply_signin(ex, &a, 403, "This relay takes no relay keys "
		    "(RELAY_AUTH_ENABLED is off), so there is nothing to sign "
		    "in with.");
	else if (key == NULL || auth_check(ex->config, ex->keys, NULL, key,
	    &entry) != RERR_OK)
		reply_signin(ex, &a, 401, "That relay key is not valid.");
	else {
		ex->key = entry;
		authz_grant(ex, &a, entry->name);
	}
	authz_free(&a);
}

static void
reply_tokens(struct exchange *ex, const struct grant_tokens *t)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "access_token",
	    json_object_new_string(t->access));
	json_object_object_add(o, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(t->expires_in));
	json_object_object_add(o, "refresh_token",
	    json_object_new_string(t->refresh));
	reply_json(ex, 200, o);
	json_object_put(o);
}

/* The token request's grant, run: a result and *why for a refusal. */
static enum grant_result
token_grant(struct exchange *ex, const struct oauth_form *f,
    struct grant_tokens *t, const char **why)
{
	const char	*grant = oauth_form_get(f, "grant_type");
	long long	 now = (long long)time(NULL);

	if (strcmp(grant, "authorization_code") == 0)
		return grants_code_redeem(ex->state, ex->config, ex->keys,
		    oauth_form_get(f, "code"), oauth_form_get(f, "client_id"),
		    oauth_form_get(f, "redirect_uri"),
		    oauth_form_get(f, "code_verifier"), now, t, why);
	return grants_refresh(ex->state, ex->config, ex->keys,
	    oauth_form_get(f, "refresh_token"), oauth_form_get(f,
	    "client_id"), now, t, why);
}

void
oauth_token_handle(struct exchange *ex)
{
	struct oauth_form	 f;
	struct grant_tokens	 t;
	const char		*grant, *why = NULL;
	enum grant_result	 r;

	if (!oauth_form_parse(ex->body, ex->body_len, &f)) {
		reply_oauth_error(ex, 400, "invalid_request", "Malformed form: "
		    "a parameter given twice, a bad escape or a control byte.");
		return;
	}
	grant = oauth_form_get(&f, "grant_type");
	if (grant == NULL)
		reply_oauth_error(ex, 400, "invalid_request",
		    "grant_type is required.");
	else if (strcmp(grant, "authorization_code") != 0 &&
	    strcmp(grant, "refresh_token") != 0)
		reply_oauth_error(ex, 400, "unsupported_grant_type",
		    "grant_type must be authorization_code or refresh_token.");
	else if ((why = oauth_token_missing(&f, grant)) != NULL)
		reply_oauth_error(ex, 400, "invalid_request", why);
	else if ((r = token_grant(ex, &f, &t, &why)) == GRANT_OK)
		reply_tokens(ex, &t);
	else if (r == GRANT_INVALID)
		reply_oauth_error(ex, 400, "invalid_grant", why);
	else
		reply_oauth_error(ex, 503, "temporarily_unavailable",
		    "The relay's state store cannot be used.");
	explicit_bzero(&t, sizeof(t));
	oauth_form_free(&f);
}
