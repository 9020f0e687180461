/*
 * OAuth 2.1: the pure checks (policy/oauth.c), the key binding
 * (policy/auth.c), and the whole flow through handlers_serve() in memory
 * on a SQLite store: registration, the sign-in page, the code, tokens,
 * refresh rotation, a token on a route that takes tokens, and each bad
 * input refused with nothing issued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "handlers/grants.h"
#include "handlers/state.h"
#include "policy/auth.h"
#include "policy/config.h"
#include "policy/fetch.h"
#include "policy/oauth.h"
#include "policy/secret.h"
#include "policy/xalloc.h"
#include "tests/unit/mem_exchange.h"
#include "tests/unit/scripted_upstream.h"
#include "tests/unit/suites.h"

#define KEY		"relay-unit-key-0123456789abcdef"
#define SECOND		"second-unit-key-0123456789"
/* A PKCE pair computed by Python's hashlib, not by the code under test. */
#define VERIFIER	"test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
#define CHALLENGE	"nw4Cig7sk_DT0QSX9Qn-3UKs33fmbbp8bRuv1b5-wXw"
#define REDIRECT	"https://client.example/cb"
#define RESOURCE	"http://relay.test/mcp"

START_TEST(forms_decode_and_refuse_what_is_ambiguous)
{
	static const char	 ok[] = "a=1+2%2B3&b=&c&&d=%C3%A9&";
	static const char *const bad[] = {
		"a=1&a=2", "a=%zz", "a=%4", "a=%00", "a=%0A", "=x", "a=\x01",
	};
	struct oauth_form	 f;
	size_t			 i;
	char			 many[4096];
	size_t			 o = 0;

	ck_assert(oauth_form_parse(ok, strlen(ok), &f));
	ck_assert_str_eq(oauth_form_get(&f, "a"), "1 2+3");
	/* Without a value a parameter counts as omitted. */
	ck_assert_ptr_null(oauth_form_get(&f, "b"));
	ck_assert_ptr_null(oauth_form_get(&f, "c"));
	ck_assert_str_eq(oauth_form_get(&f, "d"), "\xc3\xa9");
	ck_assert_ptr_null(oauth_form_get(&f, "e"));
	oauth_form_free(&f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!oauth_form_parse(bad[i], strlen(bad[i]), &f),
		    "%s", bad[i]);
		ck_assert_uint_eq(f.n, 0);
	}
	for (i = 0; i <= OAUTH_FORM_FIELDS; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "f%zu=1&", i);
	ck_assert(!oauth_form_parse(many, o, &f));
	ck_assert(!oauth_form_parse("a=1", OAUTH_FORM_BYTES + 1, &f));
}
END_TEST

START_TEST(pkce_is_s256_of_the_verifier)
{
	ck_assert(oauth_pkce_challenge_valid(CHALLENGE));
	ck_assert(oauth_pkce_verify(VERIFIER, CHALLENGE));
	ck_assert(!oauth_pkce_verify(VERIFIER "x", CHALLENGE));
	/* "plain" would be the verifier itself: never accepted. */
	ck_assert(!oauth_pkce_verify(CHALLENGE, CHALLENGE));
	ck_assert(!oauth_pkce_verify("short", CHALLENGE));
	ck_assert(!oauth_pkce_verify(NULL, CHALLENGE));
	ck_assert(!oauth_pkce_challenge_valid("abc"));
	ck_assert(!oauth_pkce_challenge_valid(
	    "nw4Cig7sk_DT0QSX9Qn-3UKs33fmbbp8bRuv1b5-wX="));
}
END_TEST

START_TEST(redirect_uris_are_https_or_loopback)
{
	ck_assert(oauth_redirect_uri_valid(REDIRECT));
	ck_assert(oauth_redirect_uri_valid(
	    "https://chatgpt.com/connector_platform_oauth_redirect"));
	ck_assert(oauth_redirect_uri_valid("http://localhost:33418/callback"));
	ck_assert(oauth_redirect_uri_valid("http://127.0.0.1/cb?x=1"));
	ck_assert(oauth_redirect_uri_valid("http://[::1]:9/cb"));
	ck_assert(!oauth_redirect_uri_valid("http://client.example/cb"));
	ck_assert(!oauth_redirect_uri_valid("http://localhost.evil.example/"));
	ck_assert(!oauth_redirect_uri_valid("https://client.example/cb#x"));
	ck_assert(!oauth_redirect_uri_valid("https://u:p@client.example/"));
	ck_assert(!oauth_redirect_uri_valid("javascript:alert(1)"));
	ck_assert(!oauth_redirect_uri_valid("https:///cb"));
	ck_assert(!oauth_redirect_uri_valid("https://a.example/ b"));
}
END_TEST

START_TEST(authorization_requests_need_code_pkce_and_our_resource)
{
	static const struct {
		const char	*query;
		const char	*error;
	} cases[] = {
		{ "response_type=code&code_challenge=" CHALLENGE
		    "&code_challenge_method=S256&resource=" RESOURCE, NULL },
		{ "response_type=code&code_challenge=" CHALLENGE
		    "&code_challenge_method=S256", NULL },
		{ "code_challenge=" CHALLENGE "&code_challenge_method=S256",
		    "invalid_request" },
		{ "response_type=token&code_challenge=" CHALLENGE
		    "&code_challenge_method=S256", "unsupported_response_type" },
		{ "response_type=code&code_challenge_method=S256",
		    "invalid_request" },
		{ "response_type=code&code_challenge=" CHALLENGE
		    "&code_challenge_method=plain", "invalid_request" },
		{ "response_type=code&code_challenge=" CHALLENGE,
		    "invalid_request" },
		{ "response_type=code&code_challenge=" CHALLENGE
		    "&code_challenge_method=S256&resource=https://other/mcp",
		    "invalid_target" },
	};
	struct oauth_form	 f;
	const char		*why, *error;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert(oauth_form_parse(cases[i].query,
		    strlen(cases[i].query), &f));
		error = oauth_authorize_refusal(&f, RESOURCE, &why);
		if (cases[i].error == NULL)
			ck_assert_msg(error == NULL, "%s: %s", cases[i].query,
			    error);
		else {
			ck_assert_msg(error != NULL && strcmp(error,
			    cases[i].error) == 0, "%s", cases[i].query);
			ck_assert_ptr_nonnull(why);
		}
		oauth_form_free(&f);
	}
}
END_TEST

START_TEST(registration_keeps_only_what_it_checked)
{
	static const char *const bad[] = {
		"[]", "{}", "{\"redirect_uris\":[]}",
		"{\"redirect_uris\":[\"http://client.example/cb\"]}",
		"{\"redirect_uris\":[1]}",
		"{\"redirect_uris\":[\"" REDIRECT "\"],"
		    "\"grant_types\":[\"client_credentials\"]}",
		"{\"redirect_uris\":[\"" REDIRECT "\"],"
		    "\"token_endpoint_auth_method\":\"private_key_jwt\"}",
		"{\"redirect_uris\":[\"" REDIRECT "\"],\"client_name\":7}",
	};
	struct json_object	*req, *out;
	const char		*error, *why;
	size_t			 i;

	req = json_tokener_parse("{\"redirect_uris\":[\"" REDIRECT "\"],"
	    "\"client_name\":\"Claude\",\"logo_uri\":\"https://x/l.png\","
	    "\"token_endpoint_auth_method\":\"client_secret_post\"}");
	out = oauth_client_metadata(req, &error, &why);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(json_object_to_json_string_ext(out,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"redirect_uris\":[\"" REDIRECT "\"],\"client_name\":\"Claude\"}");
	ck_assert(oauth_client_redirect_ok(out, REDIRECT));
	ck_assert(!oauth_client_redirect_ok(out, REDIRECT "/"));
	ck_assert(!oauth_client_redirect_ok(out, NULL));
	json_object_put(out);
	json_object_put(req);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req = json_tokener_parse(bad[i]);
		ck_assert_msg(oauth_client_metadata(req, &error, &why) == NULL,
		    "%s", bad[i]);
		ck_assert(strcmp(error, "invalid_redirect_uri") == 0 ||
		    strcmp(error, "invalid_client_metadata") == 0);
		json_object_put(req);
	}
}
END_TEST

START_TEST(redirects_encode_and_pages_escape)
{
	const char *const	 pairs[] = { "code", "a b&c", "error", NULL,
	    "state", "x=y", NULL };
	struct oauth_form	 f;
	char			*s, token[OAUTH_TOKEN_MAX];

	s = oauth_redirect_with(REDIRECT, pairs);
	ck_assert_str_eq(s, REDIRECT "?code=a%20b%26c&state=x%3Dy");
	free(s);
	s = oauth_redirect_with(REDIRECT "?k=v", pairs);
	ck_assert_str_eq(s, REDIRECT "?k=v&code=a%20b%26c&state=x%3Dy");
	free(s);

	ck_assert(oauth_form_parse("state=%22%3E%3Cscript%3E&junk=1", 31, &f));
	s = oauth_signin_page(&f, "http://relay.test/oauth/authorize",
	    "R<elay>", "C&o", "Bad key.");
	ck_assert_ptr_null(strstr(s, "<script>"));
	ck_assert_ptr_nonnull(strstr(s, "name=\"state\" value=\"&quot;&gt;"
	    "&lt;script&gt;\""));
	/* Only the OAuth parameters are carried. */
	ck_assert_ptr_null(strstr(s, "junk"));
	ck_assert_ptr_nonnull(strstr(s, "R&lt;elay&gt;"));
	ck_assert_ptr_nonnull(strstr(s, "C&amp;o"));
	ck_assert_ptr_nonnull(strstr(s, "name=\"relay_key\""));
	ck_assert_ptr_nonnull(strstr(s, "Bad key."));
	free(s);
	oauth_form_free(&f);

	ck_assert(oauth_bearer_access("Bearer rly_at_abc", token));
	ck_assert_str_eq(token, "rly_at_abc");
	ck_assert(oauth_bearer_access("bearer   rly_at_abc  ", token));
	ck_assert(!oauth_bearer_access("Bearer " KEY, token));
	ck_assert(!oauth_bearer_access("Basic rly_at_abc", token));
	ck_assert(!oauth_bearer_access("Bearer rly_at_a b", token));
	ck_assert(!oauth_bearer_access(NULL, token));
}
END_TEST

START_TEST(metadata_names_the_relay)
{
	struct json_object	*m = oauth_server_metadata("https://r.example");
	struct json_object	*v;

	ck_assert(json_object_object_get_ex(m, "issuer", &v));
	ck_assert_str_eq(json_object_get_string(v), "https://r.example");
	ck_assert(json_object_object_get_ex(m, "token_endpoint", &v));
	ck_assert_str_eq(json_object_get_string(v),
	    "https://r.example/oauth/token");
	ck_assert(json_object_object_get_ex(m,
	    "code_challenge_methods_supported", &v));
	ck_assert_str_eq(json_object_to_json_string(v), "[ \"S256\" ]");
	json_object_put(m);
	m = oauth_resource_metadata("https://r.example");
	ck_assert(json_object_object_get_ex(m, "resource", &v));
	ck_assert_str_eq(json_object_get_string(v), "https://r.example/mcp");
	ck_assert(json_object_object_get_ex(m, "authorization_servers", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v,
	    0)), "https://r.example");
	json_object_put(m);
}
END_TEST

START_TEST(a_binding_lives_while_its_key_does)
{
	const char *const	 with[] = { "RELAY_KEY=" KEY,
	    "RELAY_KEYS=second:" SECOND, NULL };
	const char *const	 replaced[] = { "RELAY_KEY=" KEY,
	    "RELAY_KEYS=second:" SECOND "-new", NULL };
	struct config		 cfg;
	struct keyset		 ks;
	char			 hex[SECRET_DIGEST_HEX], err[256];

	mem_config(&cfg, with);
	ck_assert_int_eq(keys_build(&cfg, NULL, NULL, &ks, err, sizeof(err)),
	    0);
	secret_sha256_hex("relay-test-key-0123456789abcdef", hex);
	/* From Python's hashlib. */
	ck_assert_str_eq(hex, "bdfe66fdf458f724eb6993c83c42c2d6e7426733ceb04a76"
	    "60b32229f29b2dbf");
	ck_assert(auth_bound_digest(&ks, "second", hex));
	ck_assert_str_eq(keys_find(&ks, "second", hex)->name, "second");
	ck_assert_ptr_null(keys_find(&ks, "default", hex));
	ck_assert_ptr_null(keys_find(&ks, "nobody", hex));
	ck_assert(!auth_bound_digest(&ks, "nobody", hex));
	keys_free(&ks);
	config_free(&cfg);
	mem_config(&cfg, replaced);
	ck_assert_int_eq(keys_build(&cfg, NULL, NULL, &ks, err, sizeof(err)),
	    0);
	secret_sha256_hex(SECOND, hex);
	ck_assert_ptr_null(keys_find(&ks, "second", hex));
	keys_free(&ks);
	config_free(&cfg);
}
END_TEST

START_TEST(only_public_addresses_are_public)
{
	static const unsigned char	v4[][4] = {
		{ 127, 0, 0, 1 }, { 10, 1, 2, 3 }, { 172, 16, 0, 1 },
		{ 172, 31, 255, 255 }, { 192, 168, 1, 1 }, { 169, 254, 169, 254 },
		{ 100, 64, 0, 1 }, { 0, 0, 0, 0 }, { 224, 0, 0, 1 },
		{ 255, 255, 255, 255 },
	};
	static const unsigned char	pub4[][4] = {
		{ 8, 8, 8, 8 }, { 172, 32, 0, 1 }, { 100, 128, 0, 1 },
		{ 192, 169, 0, 1 },
	};
	unsigned char			v6[16] = { 0 };
	size_t				i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		ck_assert_msg(!fetch_address_public(v4[i], 4), "%u.%u.%u.%u",
		    v4[i][0], v4[i][1], v4[i][2], v4[i][3]);
	for (i = 0; i < sizeof(pub4) / sizeof(pub4[0]); i++)
		ck_assert(fetch_address_public(pub4[i], 4));
	v6[15] = 1;					/* ::1 */
	ck_assert(!fetch_address_public(v6, 16));
	v6[10] = v6[11] = 0xff;				/* ::ffff:127.0.0.1 */
	v6[12] = 127;
	ck_assert(!fetch_address_public(v6, 16));
	v6[12] = 8;					/* ::ffff:8.0.0.1 */
	ck_assert(fetch_address_public(v6, 16));
	memset(v6, 0, sizeof(v6));
	v6[0] = 0xfd;					/* fd00::/8 */
	ck_assert(!fetch_address_public(v6, 16));
	v6[0] = 0xfe;					/* fe80:: */
	v6[1] = 0x80;
	ck_assert(!fetch_address_public(v6, 16));
	v6[0] = 0x26;					/* 2600:: */
	v6[1] = 0;
	ck_assert(fetch_address_public(v6, 16));
	ck_assert(!fetch_address_public(v6, 5));
}
END_TEST

START_TEST(client_documents_name_themselves)
{
	static const char	url[] = "https://app.example/oauth/client.json";
	struct json_object	*doc, *out;
	const char		*error, *why;

	ck_assert(oauth_client_id_is_url(url));
	ck_assert(!oauth_client_id_is_url("https://app.example"));
	ck_assert(!oauth_client_id_is_url("https://app.example/"));
	ck_assert(!oauth_client_id_is_url("http://app.example/c.json"));
	ck_assert(!oauth_client_id_is_url("rly_cl_abc"));
	doc = json_tokener_parse("{\"client_id\":\"https://app.example/oauth/"
	    "client.json\",\"redirect_uris\":[\"" REDIRECT "\"]}");
	out = oauth_client_document(doc, url, &error, &why);
	ck_assert_ptr_nonnull(out);
	ck_assert(oauth_client_redirect_ok(out, REDIRECT));
	json_object_put(out);
	ck_assert_ptr_null(oauth_client_document(doc,
	    "https://app.example/other.json", &error, &why));
	ck_assert_str_eq(error, "invalid_client");
	json_object_put(doc);
}
END_TEST

/* The flow in memory: each request served with conf on the store. */
static struct config	cfg;

static void
conf_with(const char *keys)
{
	char		 state[600];
	const char	*lines[] = { "RELAY_KEY=" KEY, state, keys, NULL };

	snprintf(state, sizeof(state), "RELAY_STATE=%s", state_fixture_spec());
	config_free(&cfg);
	mem_config(&cfg, lines);
}

static void
flow_setup_sqlite(void)
{
	state_fixture_sqlite_setup();
	memset(&cfg, 0, sizeof(cfg));
	conf_with("RELAY_KEYS=second:" SECOND);
}

static void
flow_teardown_sqlite(void)
{
	config_free(&cfg);
	state_fixture_sqlite_teardown();
}

static void
flow_setup_redis(void)
{
	state_fixture_redis_setup();
	memset(&cfg, 0, sizeof(cfg));
	conf_with("RELAY_KEYS=second:" SECOND);
}

static void
flow_teardown_redis(void)
{
	config_free(&cfg);
	state_fixture_redis_teardown();
}

static void
serve(const char *method, const char *target, const char *ctype,
    const char *body, const char *auth, struct mem_reply *r)
{
	char		 h1[256], h2[256];
	const char	*headers[3] = { NULL, NULL, NULL };
	size_t		 n = 0;
	struct mem_request rq = { 0 };

	if (ctype != NULL) {
		snprintf(h1, sizeof(h1), "Content-Type: %s", ctype);
		headers[n++] = h1;
	}
	if (auth != NULL) {
		snprintf(h2, sizeof(h2), "Authorization: %s", auth);
		headers[n++] = h2;
	}
	rq.method = method;
	rq.target = target;
	rq.headers = headers;
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	mem_serve(&cfg, &rq, r);
}

#define FORM	"application/x-www-form-urlencoded"

/* The string member name of r's JSON body, copied into out. */
static void
member(const struct mem_reply *r, const char *name, char *out, size_t outsz)
{
	struct json_object	*root = mem_json(r), *v;

	ck_assert_msg(root != NULL && json_object_object_get_ex(root, name,
	    &v), "no %s in %s", name, r->body);
	snprintf(out, outsz, "%s", json_object_get_string(v));
	json_object_put(root);
}

static void
register_client(char *client_id, size_t sz)
{
	struct mem_reply	r;

	serve("POST", "/oauth/register", "application/json",
	    "{\"redirect_uris\":[\"" REDIRECT "\"],\"client_name\":"
	    "\"Unit <client>\"}", NULL, &r);
	ck_assert_int_eq(r.status, 201);
	member(&r, "client_id", client_id, sz);
	ck_assert_str_eq(strstr(r.body, "\"token_endpoint_auth_method\":"
	    "\"none\"") ? "ok" : r.body, "ok");
	mem_reply_free(&r);
}

/* The authorization request's parameters, as a form. */
static void
authz_params(const char *client_id, const char *extra, char *out, size_t sz)
{
	snprintf(out, sz, "response_type=code&client_id=%s&redirect_uri="
	    "https%%3A%%2F%%2Fclient.example%%2Fcb&code_challenge=" CHALLENGE
	    "&code_challenge_method=S256&state=st%%20ate&resource="
	    "http%%3A%%2F%%2Frelay.test%%2Fmcp%s", client_id, extra);
}

/* Signs in with key; the code from the redirect into code. */
static void
sign_in(const char *client_id, const char *key, char *code, size_t sz)
{
	struct mem_reply	 r;
	char			 body[1024], *loc, *c;

	authz_params(client_id, "", body, sizeof(body));
	snprintf(body + strlen(body), sizeof(body) - strlen(body),
	    "&relay_key=%s", key);
	serve("POST", "/oauth/authorize", FORM, body, NULL, &r);
	ck_assert_int_eq(r.status, 302);
	loc = mem_header(&r, "Location");
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strncmp(loc, REDIRECT "?code=rly_ac_", 35) == 0, "%s",
	    loc);
	ck_assert_ptr_nonnull(strstr(loc, "&state=st%20ate&iss="
	    "http%3A%2F%2Frelay.test"));
	c = loc + strlen(REDIRECT "?code=");
	snprintf(code, sz, "%.*s", (int)strcspn(c, "&"), c);
	free(loc);
	mem_reply_free(&r);
}

static void
redeem(const char *client_id, const char *code, const char *verifier,
    struct mem_reply *r)
{
	char	body[1024];

	snprintf(body, sizeof(body), "grant_type=authorization_code&code=%s"
	    "&client_id=%s&redirect_uri=https%%3A%%2F%%2Fclient.example%%2Fcb"
	    "&code_verifier=%s", code, client_id, verifier);
	serve("POST", "/oauth/token", FORM, body, NULL, r);
}

/* Registration, sign-in and redemption: the tokens. */
static void
tokens_for(const char *key, char *access, char *refresh, char *client_id)
{
	struct mem_reply	r;
	char			code[OAUTH_TOKEN_MAX];

	register_client(client_id, OAUTH_TOKEN_MAX);
	sign_in(client_id, key, code, sizeof(code));
	redeem(client_id, code, VERIFIER, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	member(&r, "access_token", access, OAUTH_TOKEN_MAX);
	member(&r, "refresh_token", refresh, OAUTH_TOKEN_MAX);
	ck_assert_ptr_nonnull(strstr(r.head, "Cache-Control: no-store"));
	mem_reply_free(&r);
}

/* GET /v1/actions/ping with a Bearer credential: the status. */
static int
ping_as(const char *credential, char *client, size_t sz)
{
	struct mem_reply	r;
	char			auth[256];
	int			status;

	snprintf(auth, sizeof(auth), "Bearer %s", credential);
	serve("GET", "/v1/actions/ping", NULL, NULL, auth, &r);
	status = r.status;
	if (client != NULL)
		snprintf(client, sz, "%s", r.client);
	if (status == 401) {
		char *www = mem_header(&r, "WWW-Authenticate");

		ck_assert_ptr_nonnull(www);
		ck_assert_ptr_nonnull(strstr(www, "resource_metadata=\"http://"
		    "relay.test/.well-known/oauth-protected-resource/mcp\""));
		free(www);
	}
	mem_reply_free(&r);
	return status;
}

START_TEST(the_flow_signs_in_and_acts_for_the_key)
{
	struct mem_reply	 r;
	char			 client_id[OAUTH_TOKEN_MAX], q[1024], t[1200];
	char			 access[OAUTH_TOKEN_MAX], refresh[OAUTH_TOKEN_MAX];
	char			 access2[OAUTH_TOKEN_MAX], who[64];

	serve("GET", "/.well-known/oauth-protected-resource/mcp", NULL, NULL,
	    NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"resource\":\"" RESOURCE "\""));
	mem_reply_free(&r);
	serve("GET", "/.well-known/oauth-authorization-server", NULL, NULL,
	    NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"issuer\":\"http://relay.test\""));
	mem_reply_free(&r);

	register_client(client_id, sizeof(client_id));
	authz_params(client_id, "", q, sizeof(q));
	snprintf(t, sizeof(t), "/oauth/authorize?%s", q);
	serve("GET", t, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Unit &lt;client&gt;"));
	ck_assert_ptr_nonnull(strstr(r.body, "return to <strong id=\"return\">"
	    "client.example</strong>"));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"state\" value=\"st ate\""));
	ck_assert_ptr_nonnull(strstr(r.head, "X-Frame-Options: DENY"));
	mem_reply_free(&r);

	/* A wrong key: the form again, and no code. */
	snprintf(t, sizeof(t), "%s&relay_key=wrong-key-0123456789", q);
	serve("POST", "/oauth/authorize", FORM, t, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_ptr_null(mem_header(&r, "Location"));
	ck_assert_ptr_nonnull(strstr(r.body, "That relay key is not valid."));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"code_challenge\""));
	ck_assert_ptr_null(strstr(r.body, "rly_ac_"));
	mem_reply_free(&r);

	tokens_for(SECOND, access, refresh, client_id);
	ck_assert_int_eq(strncmp(access, "rly_at_", 7), 0);
	ck_assert_int_eq(strncmp(refresh, "rly_rt_", 7), 0);
	ck_assert_int_eq(ping_as(access, who, sizeof(who)), 200);
	ck_assert_str_eq(who, "second");
	/* A relay key still works there. */
	ck_assert_int_eq(ping_as(KEY, who, sizeof(who)), 200);
	ck_assert_str_eq(who, "default");
	/* Tokens are for the routes that take them only. */
	serve("GET", "/v1/actions/relay_info", NULL, NULL, "Bearer rly_at_x",
	    &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(mem_error_code(&r), "invalid_relay_key");
	mem_reply_free(&r);

	/* Rotation: the new pair works, the old refresh token is spent. */
	snprintf(t, sizeof(t), "grant_type=refresh_token&refresh_token=%s"
	    "&client_id=%s", refresh, client_id);
	serve("POST", "/oauth/token", FORM, t, NULL, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	member(&r, "access_token", access2, sizeof(access2));
	mem_reply_free(&r);
	ck_assert_str_ne(access, access2);
	ck_assert_int_eq(ping_as(access2, NULL, 0), 200);
	/* Used again, it revokes the grant: every token of it stops. */
	serve("POST", "/oauth/token", FORM, t, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"invalid_grant\""));
	mem_reply_free(&r);
	ck_assert_int_eq(ping_as(access2, NULL, 0), 401);
	ck_assert_int_eq(ping_as(access, NULL, 0), 401);
}
END_TEST

START_TEST(a_reused_code_revokes_what_it_issued)
{
	struct mem_reply	 r;
	char			 client_id[OAUTH_TOKEN_MAX], code[OAUTH_TOKEN_MAX];
	char			 access[OAUTH_TOKEN_MAX];

	register_client(client_id, sizeof(client_id));
	sign_in(client_id, KEY, code, sizeof(code));
	redeem(client_id, code, VERIFIER, &r);
	ck_assert_int_eq(r.status, 200);
	member(&r, "access_token", access, sizeof(access));
	mem_reply_free(&r);
	ck_assert_int_eq(ping_as(access, NULL, 0), 200);
	redeem(client_id, code, VERIFIER, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"invalid_grant\""));
	ck_assert_ptr_null(strstr(r.body, "rly_at_"));
	mem_reply_free(&r);
	ck_assert_int_eq(ping_as(access, NULL, 0), 401);
}
END_TEST

START_TEST(bad_token_requests_issue_nothing)
{
	struct mem_reply	 r;
	char			 client_id[OAUTH_TOKEN_MAX], code[OAUTH_TOKEN_MAX];
	char			 body[1024];

	register_client(client_id, sizeof(client_id));
	/* A PKCE mismatch spends the code. */
	sign_in(client_id, KEY, code, sizeof(code));
	redeem(client_id, code, VERIFIER "x", &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "code_verifier does not match"));
	mem_reply_free(&r);
	redeem(client_id, code, VERIFIER, &r);
	ck_assert_int_eq(r.status, 400);
	mem_reply_free(&r);
	/* Another redirect URI than the request's. */
	sign_in(client_id, KEY, code, sizeof(code));
	snprintf(body, sizeof(body), "grant_type=authorization_code&code=%s"
	    "&client_id=%s&redirect_uri=https%%3A%%2F%%2Fclient.example%%2Fx"
	    "&code_verifier=" VERIFIER, code, client_id);
	serve("POST", "/oauth/token", FORM, body, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "redirect_uri differs"));
	mem_reply_free(&r);
	/* Another client. */
	sign_in(client_id, KEY, code, sizeof(code));
	redeem("rly_cl_someone_else", code, VERIFIER, &r);
	ck_assert_int_eq(r.status, 400);
	mem_reply_free(&r);

	serve("POST", "/oauth/token", FORM, "grant_type=password", NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "unsupported_grant_type"));
	mem_reply_free(&r);
	serve("POST", "/oauth/token", FORM, "code=x", NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"invalid_request\""));
	mem_reply_free(&r);
	serve("POST", "/oauth/token", FORM, "grant_type=authorization_code&"
	    "code=x&client_id=y&redirect_uri=https%3A%2F%2Fc.example%2F", NULL,
	    &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "code_verifier is required"));
	mem_reply_free(&r);
	serve("POST", "/oauth/token", FORM, "grant_type=refresh_token", NULL,
	    &r);
	ck_assert_ptr_nonnull(strstr(r.body, "refresh_token is required"));
	mem_reply_free(&r);
	serve("POST", "/oauth/token", FORM, "grant_type=refresh_token&"
	    "grant_type=refresh_token", NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"invalid_request\""));
	mem_reply_free(&r);
	serve("POST", "/oauth/token", "application/json", "{}", NULL, &r);
	ck_assert_int_eq(r.status, 415);
	mem_reply_free(&r);
	ck_assert_int_eq(ping_as("rly_at_forged", NULL, 0), 401);
}
END_TEST

START_TEST(bad_authorization_requests_issue_nothing)
{
	struct mem_reply	 r;
	char			 client_id[OAUTH_TOKEN_MAX], q[1024], t[1200];
	char			*loc;

	register_client(client_id, sizeof(client_id));
	/* A wrong resource goes back to the client as an error. */
	authz_params(client_id, "x", q, sizeof(q));
	snprintf(t, sizeof(t), "%s&relay_key=" KEY, q);
	serve("POST", "/oauth/authorize", FORM, t, NULL, &r);
	ck_assert_int_eq(r.status, 302);
	loc = mem_header(&r, "Location");
	ck_assert_ptr_nonnull(strstr(loc, "?error=invalid_target&"));
	ck_assert_ptr_null(strstr(loc, "code="));
	free(loc);
	mem_reply_free(&r);
	/* A redirect URI not registered: a page, never a redirect. */
	snprintf(t, sizeof(t), "/oauth/authorize?response_type=code&client_id="
	    "%s&redirect_uri=https%%3A%%2F%%2Fevil.example%%2Fcb&"
	    "code_challenge=" CHALLENGE "&code_challenge_method=S256",
	    client_id);
	serve("GET", t, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_null(mem_header(&r, "Location"));
	ck_assert_ptr_nonnull(strstr(r.body, "redirect URI is not one"));
	mem_reply_free(&r);
	serve("GET", "/oauth/authorize?client_id=rly_cl_unknown", NULL, NULL,
	    NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "Unknown client"));
	mem_reply_free(&r);
	serve("POST", "/oauth/register", "application/json",
	    "{\"redirect_uris\":[\"http://evil.example/cb\"]}", NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "invalid_redirect_uri"));
	mem_reply_free(&r);
}
END_TEST

START_TEST(registrations_are_capped_per_hour)
{
	struct state	*st = state_new(state_fixture_spec());
	long long	 hour = 1800000LL * 3600;

	ck_assert_int_eq(grants_registration_counted(st, 2, hour), GRANT_OK);
	ck_assert_int_eq(grants_registration_counted(st, 2, hour + 3599),
	    GRANT_OK);
	ck_assert_int_eq(grants_registration_counted(st, 2, hour + 10),
	    GRANT_INVALID);
	/* The next hour starts again. */
	ck_assert_int_eq(grants_registration_counted(st, 2, hour + 3600),
	    GRANT_OK);
	state_free(st);
	ck_assert_int_eq(grants_registration_counted(NULL, 2, hour),
	    GRANT_UNAVAILABLE);
}
END_TEST

START_TEST(revoked_keys_and_expired_tokens_end_access)
{
	struct state		*st;
	char			 client_id[OAUTH_TOKEN_MAX];
	char			 access[OAUTH_TOKEN_MAX], refresh[OAUTH_TOKEN_MAX];
	char			 body[512];
	const struct key_entry	*who;
	struct keyset		 ks;
	char			 err[256];
	struct mem_reply	 r;
	long long		 now = (long long)time(NULL);

	tokens_for(SECOND, access, refresh, client_id);
	st = state_new(state_fixture_spec());
	ck_assert_int_eq(keys_build(&cfg, NULL, NULL, &ks, err, sizeof(err)),
	    0);
	ck_assert_int_eq(grants_access_client(st, &ks, access, now, &who),
	    GRANT_OK);
	ck_assert_str_eq(who->name, "second");
	ck_assert_int_eq(grants_access_client(st, &ks, access, now +
	    cfg.oauth_access_ttl_s, &who), GRANT_INVALID);
	keys_free(&ks);
	state_free(st);

	/* The key replaced: its tokens stop, and so does the refresh. */
	conf_with("RELAY_KEYS=second:" SECOND "-replaced");
	ck_assert_int_eq(ping_as(access, NULL, 0), 401);
	snprintf(body, sizeof(body), "grant_type=refresh_token&refresh_token="
	    "%s&client_id=%s", refresh, client_id);
	serve("POST", "/oauth/token", FORM, body, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	mem_reply_free(&r);
	/* And the key back does not bring them back: the grant is gone. */
	conf_with("RELAY_KEYS=second:" SECOND);
	ck_assert_int_eq(ping_as(access, NULL, 0), 401);
}
END_TEST

/* A client known by its metadata document, fetched per request. */
START_TEST(a_client_id_url_is_fetched_and_checked)
{
	static const char	 doc[] = "{\"client_id\":\"https://app.example/"
	    "c.json\",\"client_name\":\"Doc client\",\"redirect_uris\":"
	    "[\"" REDIRECT "\"]}";
	static const char	 other[] = "{\"client_id\":\"https://app.example/"
	    "x\",\"redirect_uris\":[\"" REDIRECT "\"]}";
	struct mem_reply	 r;
	char			 q[1024], t[1200], code[OAUTH_TOKEN_MAX];
	const char		*c;
	char			*loc;

	scripted_reset();
	authz_params("https%3A%2F%2Fapp.example%2Fc.json", "", q, sizeof(q));
	snprintf(t, sizeof(t), "/oauth/authorize?%s", q);
	scripted_download_push(UPSTREAM_DONE, 200, doc, strlen(doc));
	serve("GET", t, NULL, NULL, NULL, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "Doc client"));
	mem_reply_free(&r);
	/* Signing in fetches it again: a document can change. */
	scripted_download_push(UPSTREAM_DONE, 200, doc, strlen(doc));
	snprintf(t, sizeof(t), "%s&relay_key=" KEY, q);
	serve("POST", "/oauth/authorize", FORM, t, NULL, &r);
	ck_assert_int_eq(r.status, 302);
	loc = mem_header(&r, "Location");
	c = strstr(loc, "code=") + 5;
	snprintf(code, sizeof(code), "%.*s", (int)strcspn(c, "&"), c);
	free(loc);
	mem_reply_free(&r);
	redeem("https%3A%2F%2Fapp.example%2Fc.json", code, VERIFIER, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_downloads(), 2);

	/* Not there, or not naming itself: refused, no redirect. */
	snprintf(t, sizeof(t), "/oauth/authorize?%s", q);
	serve("GET", t, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "could not be fetched"));
	mem_reply_free(&r);
	scripted_download_push(UPSTREAM_DONE, 200, other, strlen(other));
	serve("GET", t, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "does not name itself"));
	ck_assert_ptr_null(mem_header(&r, "Location"));
	mem_reply_free(&r);
}
END_TEST

/* The store keeps digests: neither tokens nor the key are in its file. */
START_TEST(the_store_file_holds_no_credential)
{
	char	 client_id[OAUTH_TOKEN_MAX], access[OAUTH_TOKEN_MAX];
	char	 refresh[OAUTH_TOKEN_MAX], hex[SECRET_DIGEST_HEX], path[600];
	char	*buf = xmalloc(1 << 20);
	FILE	*fp;
	size_t	 n;

	tokens_for(SECOND, access, refresh, client_id);
	snprintf(path, sizeof(path), "%s", state_fixture_spec() + 7);
	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	secret_sha256_hex(access, hex);
	ck_assert_ptr_nonnull(memmem(buf, n, hex, 64));
	ck_assert_ptr_null(memmem(buf, n, access, strlen(access)));
	ck_assert_ptr_null(memmem(buf, n, refresh, strlen(refresh)));
	ck_assert_ptr_null(memmem(buf, n, SECOND, strlen(SECOND)));
	free(buf);
}
END_TEST

/* The flow on one store. */
static TCase *
flow_case(const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, the_flow_signs_in_and_acts_for_the_key);
	tcase_add_test(tc, a_reused_code_revokes_what_it_issued);
	tcase_add_test(tc, bad_token_requests_issue_nothing);
	tcase_add_test(tc, bad_authorization_requests_issue_nothing);
	tcase_add_test(tc, revoked_keys_and_expired_tokens_end_access);
	tcase_add_test(tc, a_client_id_url_is_fetched_and_checked);
	tcase_add_test(tc, registrations_are_capped_per_hour);
	return tc;
}

Suite *
oauth_suite(void)
{
	Suite	*s = suite_create("oauth");
	TCase	*tc = tcase_create("policy");

	tcase_add_test(tc, forms_decode_and_refuse_what_is_ambiguous);
	tcase_add_test(tc, pkce_is_s256_of_the_verifier);
	tcase_add_test(tc, redirect_uris_are_https_or_loopback);
	tcase_add_test(tc, authorization_requests_need_code_pkce_and_our_resource);
	tcase_add_test(tc, registration_keeps_only_what_it_checked);
	tcase_add_test(tc, redirects_encode_and_pages_escape);
	tcase_add_test(tc, metadata_names_the_relay);
	tcase_add_test(tc, a_binding_lives_while_its_key_does);
	tcase_add_test(tc, only_public_addresses_are_public);
	tcase_add_test(tc, client_documents_name_themselves);
	suite_add_tcase(s, tc);
	tc = flow_case("flow-sqlite", flow_setup_sqlite, flow_teardown_sqlite);
	tcase_add_test(tc, the_store_file_holds_no_credential);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, flow_case("flow-redis", flow_setup_redis,
	    flow_teardown_redis));
	return s;
}
