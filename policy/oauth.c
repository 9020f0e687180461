/*
 * OAuth 2.1 decisions over strings alone.  What the relay supports is
 * deliberately narrow: the authorization code grant with PKCE S256 and
 * refresh tokens, public clients only, one resource (/mcp).
 */
#include <string.h>
#include <strings.h>

#include <json.h>
#include <openssl/evp.h>

#include "policy/dynbuf.h"
#include "policy/oauth.h"
#include "policy/path.h"
#include "policy/secret.h"
#include "policy/util.h"
#include "policy/xalloc.h"

#define URI_MAX		2000
#define REDIRECTS_MAX	8
#define CLIENT_NAME_MAX	200

/* Decodes s[0..len) into a fresh string; NULL if malformed. */
static char *
form_decode(const char *s, size_t len)
{
	char	*out = xmalloc(len + 1);
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			hi = path_hexval((unsigned char)s[i + 1]);
			lo = path_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		/* Nothing the relay reads holds a control byte. */
		if (c < 0x20 || c == 0x7f)
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

void
oauth_form_free(struct oauth_form *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

static bool
form_has(const struct oauth_form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return true;
	return false;
}

/* Adds the field text[0..len) ("name=value" or "name"); false if bad. */
static bool
form_add(struct oauth_form *f, const char *text, size_t len)
{
	const char	*eq = memchr(text, '=', len);
	size_t		 namelen = eq ? (size_t)(eq - text) : len;
	char		*name, *value;

	if (namelen == 0 || f->n == OAUTH_FORM_FIELDS)
		return false;
	name = form_decode(text, namelen);
	value = eq ? form_decode(eq + 1, len - namelen - 1) : xstrdup("");
	if (name == NULL || value == NULL || form_has(f, name)) {
		free(name);
		free(value);
		return false;
	}
	f->name[f->n] = name;
	f->value[f->n] = value;
	f->n++;
	return true;
}

bool
oauth_form_parse(const char *text, size_t len, struct oauth_form *f)
{
	size_t	i = 0, n;

	f->n = 0;
	if (len > OAUTH_FORM_BYTES)
		return false;
	while (i < len) {
		n = 0;
		while (i + n < len && text[i + n] != '&')
			n++;
		/* "a=1&&b=2" and a trailing "&" are harmless. */
		if (n > 0 && !form_add(f, text + i, n)) {
			oauth_form_free(f);
			return false;
		}
		i += n + 1;
	}
	return true;
}

const char *
oauth_form_get(const struct oauth_form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i][0] != '\0' ? f->value[i] : NULL;
	return NULL;
}

static bool
all_of(const char *s, const char *set, size_t min, size_t max)
{
	size_t	len = strlen(s);

	return len >= min && len <= max && strspn(s, set) == len;
}

#define BASE64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-_"
#define UNRESERVED	BASE64URL "."  "~"

bool
oauth_pkce_challenge_valid(const char *challenge)
{
	return challenge != NULL && all_of(challenge, BASE64URL, 43, 43);
}

bool
oauth_pkce_verify(const char *verifier, const char *challenge)
{
	unsigned char	md[SECRET_DIGEST_LEN], b64[64];
	unsigned char	diff = 0;
	size_t		i;

	if (verifier == NULL || !all_of(verifier, UNRESERVED, 43, 128) ||
	    !oauth_pkce_challenge_valid(challenge))
		return false;
	secret_sha256(verifier, strlen(verifier), md);
	if (EVP_EncodeBlock(b64, md, sizeof(md)) != 44)
		return false;
	/* base64url without the padding: 43 characters. */
	for (i = 0; i < 43; i++) {
		unsigned char	c = b64[i] == '+' ? '-' : b64[i] == '/' ?
		    '_' : b64[i];

		diff |= c ^ (unsigned char)challenge[i];
	}
	return diff == 0;
}

/* Printable ASCII without spaces, at most URI_MAX bytes. */
static bool
uri_printable(const char *uri)
{
	size_t	i;

	for (i = 0; uri[i] != '\0'; i++)
		if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >=
		    0x7f || uri[i] == '\\')
			return false;
	return i > 0 && i <= URI_MAX;
}

/*
 * The authority of an http(s) URI after its scheme (at s), which must
 * be non-empty and hold no credentials; its length in *len.
 */
static bool
authority_of(const char *s, size_t *len)
{
	*len = strcspn(s, "/?#");
	return *len > 0 && memchr(s, '@', *len) == NULL;
}

/* Whether host[:port] at s (len bytes) is a loopback host. */
static bool
loopback_authority(const char *s, size_t len)
{
	static const char *const hosts[] = { "localhost", "127.0.0.1",
	    "[::1]" };
	size_t	i, n;

	for (i = 0; i < NELEM(hosts); i++) {
		n = strlen(hosts[i]);
		if (len >= n && strncasecmp(s, hosts[i], n) == 0 &&
		    (len == n || s[n] == ':'))
			return true;
	}
	return false;
}

bool
oauth_redirect_uri_valid(const char *uri)
{
	size_t	len;

	if (uri == NULL || !uri_printable(uri) || strchr(uri, '#') != NULL)
		return false;
	if (strncmp(uri, "https://", 8) == 0)
		return authority_of(uri + 8, &len);
	if (strncmp(uri, "http://", 7) == 0)
		return authority_of(uri + 7, &len) &&
		    loopback_authority(uri + 7, len);
	return false;
}

bool
oauth_client_id_is_url(const char *client_id)
{
	size_t	len;

	return client_id != NULL && uri_printable(client_id) &&
	    strncmp(client_id, "https://", 8) == 0 &&
	    strchr(client_id, '#') == NULL &&
	    authority_of(client_id + 8, &len) && client_id[8 + len] == '/' &&
	    client_id[9 + len] != '\0';
}

const char *
oauth_authorize_refusal(const struct oauth_form *f, const char *resource_url,
    const char **why)
{
	const char	*type = oauth_form_get(f, "response_type");
	const char	*method = oauth_form_get(f, "code_challenge_method");
	const char	*resource = oauth_form_get(f, "resource");

	if (type == NULL || strcmp(type, "code") != 0) {
		*why = "response_type must be code.";
		return type == NULL ? "invalid_request" :
		    "unsupported_response_type";
	}
	if (!oauth_pkce_challenge_valid(oauth_form_get(f, "code_challenge"))) {
		*why = "PKCE is required: code_challenge must be a SHA-256 "
		    "digest in base64url (43 characters).";
		return "invalid_request";
	}
	if (method == NULL || strcmp(method, "S256") != 0) {
		*why = "code_challenge_method must be S256.";
		return "invalid_request";
	}
	if (resource != NULL && strcmp(resource, resource_url) != 0) {
		*why = "resource must be this relay's /mcp URL.";
		return "invalid_target";
	}
	*why = NULL;
	return NULL;
}

const char *
oauth_token_missing(const struct oauth_form *f, const char *grant_type)
{
	static const struct {
		const char	*grant, *param, *why;
	} needs[] = {
		{ "authorization_code", "code", "code is required." },
		{ "authorization_code", "redirect_uri",
		    "redirect_uri is required." },
		{ "authorization_code", "code_verifier",
		    "code_verifier is required (PKCE)." },
		{ "authorization_code", "client_id", "client_id is required." },
		{ "refresh_token", "refresh_token",
		    "refresh_token is required." },
	};
	size_t	i;

	for (i = 0; i < NELEM(needs); i++)
		if (strcmp(grant_type, needs[i].grant) == 0 &&
		    oauth_form_get(f, needs[i].param) == NULL)
			return needs[i].why;
	return NULL;
}

static const char *
refuse(const char **error, const char **why, const char *code,
    const char *text)
{
	*error = code;
	*why = text;
	return NULL;
}

/* The checked redirect_uris of a registration, or NULL with a reason. */
static struct json_object *
redirect_uris_of(struct json_object *request, const char **error,
    const char **why)
{
	struct json_object	*list, *out, *u;
	size_t			 i, n;

	if (!json_object_object_get_ex(request, "redirect_uris", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > REDIRECTS_MAX)
		return (void *)refuse(error, why, "invalid_redirect_uri",
		    "redirect_uris must be an array of 1 to 8 URIs.");
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(list, i);
		if (!json_object_is_type(u, json_type_string) ||
		    !oauth_redirect_uri_valid(json_object_get_string(u))) {
			json_object_put(out);
			return (void *)refuse(error, why,
			    "invalid_redirect_uri", "Each redirect URI must "
			    "be https, or http on localhost, without a "
			    "fragment.");
		}
		json_object_array_add(out, json_object_get(u));
	}
	return out;
}

/* Whether the registration's optional string field is one of allowed. */
static bool
field_in(struct json_object *request, const char *field,
    const char *const *allowed)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(request, field, &v))
		return true;
	if (!json_object_is_type(v, json_type_string))
		return false;
	for (; *allowed != NULL; allowed++)
		if (strcmp(json_object_get_string(v), *allowed) == 0)
			return true;
	return false;
}

/* Whether every entry of the optional array field is one of allowed. */
static bool
entries_in(struct json_object *request, const char *field,
    const char *const *allowed)
{
	struct json_object	*v, *e;
	const char *const	*a;
	size_t			 i;

	if (!json_object_object_get_ex(request, field, &v))
		return true;
	if (!json_object_is_type(v, json_type_array))
		return false;
	for (i = 0; i < json_object_array_length(v); i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string))
			return false;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(json_object_get_string(e), *a) == 0)
				break;
		if (*a == NULL)
			return false;
	}
	return true;
}

struct json_object *
oauth_client_metadata(struct json_object *request, const char **error,
    const char **why)
{
	/* Clients that ask for a secret get none: the registration answer
	 * says "none", and RFC 7591 lets the server decide. */
	static const char *const auth_methods[] = { "none",
	    "client_secret_post", "client_secret_basic", NULL };
	static const char *const grants[] = { "authorization_code",
	    "refresh_token", NULL };
	static const char *const types[] = { "code", NULL };
	struct json_object	*uris, *out, *name = NULL;

	if (!json_object_is_type(request, json_type_object))
		return (void *)refuse(error, why, "invalid_client_metadata",
		    "The registration must be a JSON object.");
	if (!field_in(request, "token_endpoint_auth_method", auth_methods) ||
	    !entries_in(request, "grant_types", grants) ||
	    !entries_in(request, "response_types", types))
		return (void *)refuse(error, why, "invalid_client_metadata",
		    "This server takes public clients using the "
		    "authorization_code and refresh_token grants (response "
		    "type code).");
	if (json_object_object_get_ex(request, "client_name", &name) &&
	    (!json_object_is_type(name, json_type_string) ||
	    json_object_get_string_len(name) > CLIENT_NAME_MAX))
		return (void *)refuse(error, why, "invalid_client_metadata",
		    "client_name must be a string of at most 200 bytes.");
	if ((uris = redirect_uris_of(request, error, why)) == NULL)
		return NULL;
	out = json_object_new_object();
	json_object_object_add(out, "redirect_uris", uris);
	if (name != NULL)
		json_object_object_add(out, "client_name",
		    json_object_get(name));
	return out;
}

struct json_object *
oauth_client_document(struct json_object *doc, const char *url,
    const char **error, const char **why)
{
	struct json_object	*id;

	if (!json_object_object_get_ex(doc, "client_id", &id) ||
	    !json_object_is_type(id, json_type_string) ||
	    strcmp(json_object_get_string(id), url) != 0)
		return (void *)refuse(error, why, "invalid_client",
		    "The client's metadata document does not name itself as "
		    "its client_id.");
	return oauth_client_metadata(doc, error, why);
}

bool
oauth_client_redirect_ok(struct json_object *client, const char *uri)
{
	struct json_object	*list;
	size_t			 i;

	if (uri == NULL || !json_object_object_get_ex(client, "redirect_uris",
	    &list) || !json_object_is_type(list, json_type_array))
		return false;
	for (i = 0; i < json_object_array_length(list); i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(list, i)), uri) == 0)
			return true;
	return false;
}

static void
add_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

static void
add_url(struct json_object *o, const char *key, const char *base,
    const char *path)
{
	char	*url = xconcat(base, path, (char *)NULL);

	add_string(o, key, url);
	free(url);
}

static struct json_object *
strings(const char *const *v)
{
	struct json_object	*a = json_object_new_array();

	for (; *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

struct json_object *
oauth_server_metadata(const char *base)
{
	static const char *const types[] = { "code", NULL };
	static const char *const grants[] = { "authorization_code",
	    "refresh_token", NULL };
	static const char *const methods[] = { "S256", NULL };
	static const char *const auth[] = { "none", NULL };
	struct json_object	*m = json_object_new_object();

	add_string(m, "issuer", base);
	add_url(m, "authorization_endpoint", base, "/oauth/authorize");
	add_url(m, "token_endpoint", base, "/oauth/token");
	add_url(m, "registration_endpoint", base, "/oauth/register");
	json_object_object_add(m, "response_types_supported", strings(types));
	json_object_object_add(m, "grant_types_supported", strings(grants));
	json_object_object_add(m, "code_challenge_methods_supported",
	    strings(methods));
	json_object_object_add(m, "token_endpoint_auth_methods_supported",
	    strings(auth));
	json_object_object_add(m, "client_id_metadata_document_supported",
	    json_object_new_boolean(1));
	json_object_object_add(m,
	    "authorization_response_iss_parameter_supported",
	    json_object_new_boolean(1));
	return m;
}

struct json_object *
oauth_resource_metadata(const char *base)
{
	static const char *const methods[] = { "header", NULL };
	struct json_object	*m = json_object_new_object();
	struct json_object	*servers = json_object_new_array();

	add_url(m, "resource", base, "/mcp");
	json_object_array_add(servers, json_object_new_string(base));
	json_object_object_add(m, "authorization_servers", servers);
	json_object_object_add(m, "bearer_methods_supported",
	    strings(methods));
	add_string(m, "resource_name", "relay MCP server");
	return m;
}

bool
oauth_bearer_access(const char *authorization, char out[OAUTH_TOKEN_MAX])
{
	const char	*t;
	size_t		 len;

	if (authorization == NULL || strncasecmp(authorization, "bearer ",
	    7) != 0)
		return false;
	t = authorization + 7 + strspn(authorization + 7, " \t");
	len = strcspn(t, " \t");
	if (strncmp(t, OAUTH_ACCESS_PREFIX, strlen(OAUTH_ACCESS_PREFIX)) !=
	    0 || len >= OAUTH_TOKEN_MAX || t[len + strspn(t + len, " \t")] !=
	    '\0')
		return false;
	memcpy(out, t, len);
	out[len] = '\0';
	return true;
}

/* Appends s percent-encoded: only unreserved characters stay. */
static void
add_encoded(struct dynbuf *b, const char *s)
{
	static const char	digits[] = "0123456789ABCDEF";
	char			esc[3];

	for (; *s != '\0'; s++) {
		if (strchr(UNRESERVED, *s) != NULL) {
			dynbuf_add(b, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = digits[(unsigned char)*s >> 4];
		esc[2] = digits[(unsigned char)*s & 15];
		dynbuf_add(b, esc, 3);
	}
}

char *
oauth_redirect_with(const char *uri, const char *const *pairs)
{
	struct dynbuf	 b;
	char		 sep = strchr(uri, '?') != NULL ? '&' : '?';
	size_t		 len;

	dynbuf_init(&b, 1 << 20);
	dynbuf_add(&b, uri, strlen(uri));
	for (; pairs[0] != NULL; pairs += 2) {
		if (pairs[1] == NULL)
			continue;
		dynbuf_add(&b, &sep, 1);
		add_encoded(&b, pairs[0]);
		dynbuf_add(&b, "=", 1);
		add_encoded(&b, pairs[1]);
		sep = '&';
	}
	return dynbuf_take(&b, &len);
}

/* Appends s with HTML's five special characters escaped. */
static void
add_html(struct dynbuf *b, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': dynbuf_add(b, "&amp;", 5); break;
		case '<': dynbuf_add(b, "&lt;", 4); break;
		case '>': dynbuf_add(b, "&gt;", 4); break;
		case '"': dynbuf_add(b, "&quot;", 6); break;
		case '\'': dynbuf_add(b, "&#39;", 5); break;
		default: dynbuf_add(b, s, 1);
		}
}

static void
add_text(struct dynbuf *b, const char *s)
{
	dynbuf_add(b, s, strlen(s));
}

/*
 * Where the browser goes after signing in: the redirect URI's host, the
 * one thing on the page a client cannot choose freely (its name it can),
 * so a person can tell a look-alike application.
 */
static void
add_return_host(struct dynbuf *b, const char *uri)
{
	const char	*auth;
	char		*host;
	size_t		 len;

	if (uri == NULL || (auth = strstr(uri, "://")) == NULL)
		return;
	auth += 3;
	len = strcspn(auth, "/?#");
	host = xstrndup(auth, len);
	add_text(b, "<p>After signing in you return to <strong id=\"return\">");
	add_html(b, host);
	add_text(b, "</strong>.</p>");
	free(host);
}

/* The parameters an authorization request carries through the form. */
static const char *const carried[] = { "response_type", "client_id",
    "redirect_uri", "code_challenge", "code_challenge_method", "state",
    "resource", "scope" };

char *
oauth_signin_page(const struct oauth_form *f, const char *action,
    const char *relay_name, const char *client_name, const char *error)
{
	struct dynbuf	 b;
	const char	*v;
	size_t		 i, len;

	dynbuf_init(&b, 1 << 20);
	add_text(&b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>Sign in: ");
	add_html(&b, relay_name);
	add_text(&b, "</title><style>body{font-family:system-ui,sans-serif;"
	    "max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.4}"
	    "input,button{font-size:1rem;padding:.5rem;width:100%;"
	    "box-sizing:border-box;margin:.3rem 0}.error{color:#b00020}"
	    "</style></head><body><main><h1>Sign in to ");
	add_html(&b, relay_name);
	add_text(&b, "</h1><p><strong id=\"client\">");
	add_html(&b, client_name != NULL ? client_name : "An application");
	add_text(&b, "</strong> asks to use this relay on your behalf, "
	    "within your relay key's limits. Enter your relay key to "
	    "allow it.</p>");
	add_return_host(&b, oauth_form_get(f, "redirect_uri"));
	if (error != NULL) {
		add_text(&b, "<p class=\"error\" id=\"error\" role=\"alert\">");
		add_html(&b, error);
		add_text(&b, "</p>");
	}
	add_text(&b, "<form method=\"post\" action=\"");
	add_html(&b, action);
	add_text(&b, "\">");
	for (i = 0; i < NELEM(carried); i++) {
		if ((v = oauth_form_get(f, carried[i])) == NULL)
			continue;
		add_text(&b, "<input type=\"hidden\" name=\"");
		add_text(&b, carried[i]);
		add_text(&b, "\" value=\"");
		add_html(&b, v);
		add_text(&b, "\">");
	}
	add_text(&b, "<label for=\"relay_key\">Relay key</label>"
	    "<input id=\"relay_key\" name=\"relay_key\" type=\"password\" "
	    "autocomplete=\"current-password\" required autofocus>"
	    "<button type=\"submit\">Sign in</button></form></main>"
	    "</body></html>\n");
	return dynbuf_take(&b, &len);
}
