/*
 * OAuth 2.1 for /mcp, the pure part: the relay is its own authorization
 * server, and these are its decisions over strings alone — form parsing
 * (application/x-www-form-urlencoded, bodies and query strings alike),
 * PKCE S256, redirect URI rules, the authorization request's checks,
 * client registration metadata and the two discovery documents.  The
 * store of codes and tokens and the HTTP glue are in handlers/.
 */
#ifndef POLICY_OAUTH_H
#define POLICY_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/*
 * Prefixes of what the relay issues, so a Bearer credential tells by
 * itself whether it is an access token of ours or a relay key.
 */
#define OAUTH_ACCESS_PREFIX	"rly_at_"
#define OAUTH_REFRESH_PREFIX	"rly_rt_"
#define OAUTH_CODE_PREFIX	"rly_ac_"
#define OAUTH_CLIENT_PREFIX	"rly_cl_"

/* Longer than any token, code or client ID the relay issues. */
#define OAUTH_TOKEN_MAX		64

/* The largest form the token and sign-in endpoints read (bytes). */
#define OAUTH_FORM_BYTES	16384
#define OAUTH_FORM_FIELDS	32

/* A parsed form: decoded names and values, owned by the form. */
struct oauth_form {
	char	*name[OAUTH_FORM_FIELDS];
	char	*value[OAUTH_FORM_FIELDS];
	size_t	 n;
};

/*
 * Parses len bytes of application/x-www-form-urlencoded text ("+" is a
 * space, %XX a byte) into *f.  False, with *f empty, for a malformed
 * escape, a decoded NUL or control byte, a name given twice (RFC 6749
 * section 3.1), more than OAUTH_FORM_FIELDS fields or more than
 * OAUTH_FORM_BYTES bytes.  oauth_form_free() it either way.
 */
bool oauth_form_parse(const char *text, size_t len, struct oauth_form *f);
void oauth_form_free(struct oauth_form *f);

/*
 * The value of name, or NULL when absent or empty (a parameter without
 * a value counts as omitted, RFC 6749 section 3.1).  Borrowed from f.
 */
const char *oauth_form_get(const struct oauth_form *f, const char *name);

/*
 * PKCE with S256 only (RFC 7636): a challenge is 43 base64url characters
 * (a SHA-256 digest); a verifier is 43 to 128 unreserved characters
 * whose digest, base64url without padding, is the challenge.
 */
bool oauth_pkce_challenge_valid(const char *challenge);
bool oauth_pkce_verify(const char *verifier, const char *challenge);

/*
 * A redirect URI a client may register: https, or http on a loopback
 * host (localhost, 127.0.0.1, [::1]) for native clients (OAuth 2.1
 * section 8.4.2); no fragment, no credentials, printable ASCII, at most
 * 2000 bytes.  Requests then match a registered one exactly.
 */
bool oauth_redirect_uri_valid(const char *uri);

/*
 * Whether client_id names a client ID metadata document: an https URL
 * with a path and no fragment or credentials, at most 2000 bytes.
 */
bool oauth_client_id_is_url(const char *client_id);

/*
 * The checks on an authorization request once its client and redirect
 * URI are known good (errors about those two must not redirect): the
 * OAuth error code to send back to the redirect URI ("invalid_request",
 * "unsupported_response_type", "invalid_target") and a fixed
 * description in *why, or NULL when the request is acceptable.
 * resource_url is the relay's /mcp URL: a resource (RFC 8707), when
 * given, must be exactly it.
 */
const char *oauth_authorize_refusal(const struct oauth_form *f,
    const char *resource_url, const char **why);

/*
 * The first parameter a token request of grant_type (authorization_code
 * or refresh_token) lacks, as a fixed sentence, or NULL when it has
 * them all: code, redirect_uri, code_verifier and client_id; or
 * refresh_token.
 */
const char *oauth_token_missing(const struct oauth_form *f,
    const char *grant_type);

/*
 * A registration request (RFC 7591) checked and reduced to what the
 * relay keeps: {"redirect_uris":[...],"client_name":...}, public clients
 * only (token_endpoint_auth_method "none"), at most 8 redirect URIs.
 * NULL with an RFC 7591 error code in *error ("invalid_redirect_uri",
 * "invalid_client_metadata") and a fixed description in *why.  The
 * caller puts the result.
 */
struct json_object *oauth_client_metadata(struct json_object *request,
    const char **error, const char **why);

/*
 * A client ID metadata document fetched from url (the client_id): the
 * same checks and result as a registration, and its client_id must be
 * url itself.  *error is "invalid_client" when it is not.
 */
struct json_object *oauth_client_document(struct json_object *doc,
    const char *url, const char **error, const char **why);

/* The most bytes of a client ID metadata document the relay reads. */
#define OAUTH_CLIENT_DOCUMENT_MAX	8192

/*
 * Whether the redirect URI is one of a client record's redirect_uris
 * (exact, byte for byte).
 */
bool oauth_client_redirect_ok(struct json_object *client, const char *uri);

/*
 * An access token of ours presented as "Authorization: Bearer <token>"
 * (scheme in any case, blanks around): true with it copied into out.
 * False for anything else, which is then checked as a relay key.
 */
bool oauth_bearer_access(const char *authorization,
    char out[OAUTH_TOKEN_MAX]);

/*
 * uri with the parameters added to its query, each name and value
 * percent-encoded: names and values alternate in pairs, NULL-ended,
 * and a NULL value skips its pair.  A fresh string the caller frees.
 */
char *oauth_redirect_with(const char *uri, const char *const *pairs);

/*
 * The sign-in page: an HTML form posting to action with the request's
 * OAuth parameters as hidden fields (escaped) and the key in relay_key.
 * error, when not NULL, is a fixed sentence shown above the form.  It
 * names the redirect URI's host, where the browser goes next.
 * relay_name and client_name (NULL: "An application") are escaped.  A
 * fresh string the caller frees.
 */
char *oauth_signin_page(const struct oauth_form *f, const char *action,
    const char *relay_name, const char *client_name, const char *error);

/*
 * The discovery documents, for the relay at base (its origin, from
 * openapi/origin.h, without a trailing "/"): the authorization server's
 * metadata (RFC 8414) and the protected resource's (RFC 9728), whose
 * resource is base "/mcp".  Fresh objects the caller puts.
 */
struct json_object *oauth_server_metadata(const char *base);
struct json_object *oauth_resource_metadata(const char *base);

#endif
