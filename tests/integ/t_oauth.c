/*
 * OAuth 2.1 sign-in over raw HTTP through the front servers: discovery,
 * registration, the sign-in page, its code, tokens, rotation and a token
 * on a route that takes tokens (GET /v1/actions/ping); each bad input a
 * clear error with nothing issued and nothing sent upstream; tokens in
 * no log.  The page in headless Chromium (chromedriver, WebDriver over
 * HTTP), filled in and submitted; and a token past its life (the short
 * lifetimes' relay.conf).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define FORM_CT		"Content-Type: application/x-www-form-urlencoded"
#define JSON_CT		"Content-Type: application/json"
/* Python's hashlib made the challenge of this verifier. */
#define VERIFIER	"test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
#define CHALLENGE	"nw4Cig7sk_DT0QSX9Qn-3UKs33fmbbp8bRuv1b5-wXw"
#define TOKEN_MAX	128

/* The redirect URI: the front server itself, where a browser can land. */
static void
redirect_uri(char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/cb", integ_frontend->base_url);
}

/* s percent-encoded for a form or query. */
static void
encode(const char *s, char *out, size_t sz)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 4 < sz; s++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~", *s) != NULL)
			out[o++] = *s;
		else
			o += (size_t)snprintf(out + o, sz - o, "%%%02X",
			    (unsigned char)*s);
	out[o] = '\0';
}

static void
string_member(struct json_object *o, const char *name, char *out, size_t sz)
{
	const char	*v = json_str(o, name);

	ck_assert_msg(v != NULL, "no %s in %s", name,
	    json_object_to_json_string(o));
	snprintf(out, sz, "%s", v);
}

static struct json_object *
get_json(const char *target, long status)
{
	struct response		 r;
	struct json_object	*o;

	req("GET", target, NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, status);
	o = response_json(&r);
	ck_assert_ptr_nonnull(o);
	response_free(&r);
	return o;
}

static void
register_client(char *client_id, size_t sz)
{
	const char *const	 headers[] = { JSON_CT, NULL };
	struct json_object	*o;
	struct response		 r;
	char			 body[512], uri[128];

	redirect_uri(uri, sizeof(uri));
	snprintf(body, sizeof(body), "{\"redirect_uris\":[\"%s\"],"
	    "\"client_name\":\"Integration client\"}", uri);
	req("POST", "/oauth/register", headers, body, strlen(body), &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	o = response_json(&r);
	string_member(o, "client_id", client_id, sz);
	json_object_put(o);
	response_free(&r);
}

/* The authorization request's form for client_id and resource. */
static void
authz_params(const char *client_id, const char *resource, char *out,
    size_t sz)
{
	char	uri[128], euri[256], eres[256];

	redirect_uri(uri, sizeof(uri));
	encode(uri, euri, sizeof(euri));
	encode(resource, eres, sizeof(eres));
	snprintf(out, sz, "response_type=code&client_id=%s&redirect_uri=%s&"
	    "code_challenge=" CHALLENGE "&code_challenge_method=S256&"
	    "state=s-1&resource=%s", client_id, euri, eres);
}

static void
mcp_url(char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/mcp", integ_frontend->base_url);
}

/* POST /oauth/authorize with the key: the Location (caller frees). */
static char *
sign_in(const char *client_id, const char *key, long status)
{
	const char *const	 headers[] = { FORM_CT, NULL };
	struct response		 r;
	char			 body[1024], mcp[128], *loc;

	mcp_url(mcp, sizeof(mcp));
	authz_params(client_id, mcp, body, sizeof(body));
	snprintf(body + strlen(body), sizeof(body) - strlen(body),
	    "&relay_key=%s", key);
	req("POST", "/oauth/authorize", headers, body, strlen(body), &r);
	ck_assert_msg(r.status == status, "%ld %s", r.status, r.body);
	loc = response_header(&r, "Location");
	response_free(&r);
	return loc;
}

/* The code in a redirect back, checked to carry the state. */
static void
code_of(const char *location, char *code, size_t sz)
{
	char		 uri[128];
	const char	*c;

	redirect_uri(uri, sizeof(uri));
	ck_assert_msg(location != NULL && strncmp(location, uri,
	    strlen(uri)) == 0, "%s", location);
	ck_assert_ptr_nonnull(strstr(location, "&state=s-1"));
	c = strstr(location, "?code=");
	ck_assert_ptr_nonnull(c);
	c += 6;
	snprintf(code, sz, "%.*s", (int)strcspn(c, "&"), c);
}

static void
post_token(const char *body, struct response *r)
{
	const char *const	headers[] = { FORM_CT, NULL };

	req("POST", "/oauth/token", headers, body, strlen(body), r);
}

static void
redeem(const char *client_id, const char *code, const char *verifier,
    struct response *r)
{
	char	body[1024], uri[128], euri[256];

	redirect_uri(uri, sizeof(uri));
	encode(uri, euri, sizeof(euri));
	snprintf(body, sizeof(body), "grant_type=authorization_code&code=%s&"
	    "client_id=%s&redirect_uri=%s&code_verifier=%s", code, client_id,
	    euri, verifier);
	post_token(body, r);
}

/* The access and refresh tokens of a 200 from the token endpoint. */
static void
tokens_of(struct response *r, char *access, char *refresh)
{
	struct json_object	*o;
	char			*cache = response_header(r, "Cache-Control");

	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(cache, "no-store");
	free(cache);
	o = response_json(r);
	string_member(o, "access_token", access, TOKEN_MAX);
	string_member(o, "refresh_token", refresh, TOKEN_MAX);
	ck_assert_str_eq(json_str(o, "token_type"), "Bearer");
	json_object_put(o);
	response_free(r);
}

/* The OAuth error of a token endpoint answer, checked and freed. */
static void
assert_oauth_error(struct response *r, long status, const char *error)
{
	struct json_object	*o = response_json(r);

	ck_assert_msg(r->status == status && o != NULL &&
	    json_str(o, "error") != NULL && strcmp(json_str(o, "error"),
	    error) == 0 && json_str(o, "error_description") != NULL,
	    "%ld %s", r->status, r->body);
	ck_assert_ptr_null(strstr(r->body, "rly_at_"));
	json_object_put(o);
	response_free(r);
}

/* GET /v1/actions/ping with credential as Bearer: the status. */
static long
ping_with(const char *credential)
{
	char			 auth[256], want[256], *www;
	const char *const	 headers[] = { auth, NULL };
	struct response		 r;
	long			 status;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", credential);
	req("GET", "/v1/actions/ping", headers, NULL, 0, &r);
	status = r.status;
	if (status == 401) {
		www = response_header(&r, "WWW-Authenticate");
		snprintf(want, sizeof(want), "resource_metadata=\"%s/.well-"
		    "known/oauth-protected-resource/mcp\"",
		    integ_frontend->base_url);
		ck_assert_msg(www != NULL && strstr(www, want) != NULL, "%s",
		    www);
		free(www);
	}
	response_free(&r);
	return status;
}

/* Register, sign in with the relay key and redeem: the tokens. */
static void
signed_in(char *client_id, char *access, char *refresh)
{
	struct response	 r;
	char		 code[TOKEN_MAX], *loc;

	register_client(client_id, TOKEN_MAX);
	loc = sign_in(client_id, TEST_RELAY_KEY, 302);
	code_of(loc, code, sizeof(code));
	free(loc);
	redeem(client_id, code, VERIFIER, &r);
	tokens_of(&r, access, refresh);
}

START_TEST(discovery_names_this_relay)
{
	struct json_object	*rs, *as, *list;
	char			 mcp[128];

	mcp_url(mcp, sizeof(mcp));
	rs = get_json("/.well-known/oauth-protected-resource/mcp", 200);
	ck_assert_str_eq(json_str(rs, "resource"), mcp);
	ck_assert(json_object_object_get_ex(rs, "authorization_servers",
	    &list));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
	    list, 0)), integ_frontend->base_url);
	json_object_put(rs);
	rs = get_json("/.well-known/oauth-protected-resource", 200);
	ck_assert_str_eq(json_str(rs, "resource"), mcp);
	json_object_put(rs);
	as = get_json("/.well-known/oauth-authorization-server", 200);
	ck_assert_str_eq(json_str(as, "issuer"), integ_frontend->base_url);
	ck_assert_ptr_nonnull(strstr(json_str(as, "token_endpoint"),
	    "/oauth/token"));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(as),
	    "\"S256\""));
	json_object_put(as);
}
END_TEST

START_TEST(sign_in_gives_tokens_that_act_for_the_key)
{
	struct response		 r;
	char			 client_id[TOKEN_MAX], q[1024], target[1200];
	char			 access[TOKEN_MAX], refresh[TOKEN_MAX];
	char			 access2[TOKEN_MAX], refresh2[TOKEN_MAX];
	char			 body[512], mcp[128], *loc;

	reset_fake();
	register_client(client_id, sizeof(client_id));
	mcp_url(mcp, sizeof(mcp));
	authz_params(client_id, mcp, q, sizeof(q));
	snprintf(target, sizeof(target), "/oauth/authorize?%s", q);
	req("GET", target, NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"relay_key\""));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"" CHALLENGE "\""));
	ck_assert_ptr_nonnull(strstr(r.body, "Integration client"));
	response_free(&r);

	/* A wrong key: the form again with an error, and no code. */
	loc = sign_in(client_id, "wrong-key-0123456789abcdef", 401);
	ck_assert_ptr_null(loc);

	signed_in(client_id, access, refresh);
	ck_assert_int_eq(ping_with(access), 200);
	ck_assert_int_eq(ping_with(TEST_RELAY_KEY), 200);

	snprintf(body, sizeof(body), "grant_type=refresh_token&"
	    "refresh_token=%s&client_id=%s", refresh, client_id);
	post_token(body, &r);
	tokens_of(&r, access2, refresh2);
	ck_assert_str_ne(refresh, refresh2);
	ck_assert_int_eq(ping_with(access2), 200);
	/* The spent refresh token again: the grant is revoked. */
	post_token(body, &r);
	assert_oauth_error(&r, 400, "invalid_grant");
	ck_assert_int_eq(ping_with(access2), 401);
	snprintf(body, sizeof(body), "grant_type=refresh_token&"
	    "refresh_token=%s&client_id=%s", refresh2, client_id);
	post_token(body, &r);
	assert_oauth_error(&r, 400, "invalid_grant");

	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	ck_assert(!relay_logged(access));
	ck_assert(!relay_logged(refresh));
	ck_assert(!relay_logged(TEST_RELAY_KEY));
}
END_TEST

START_TEST(bad_input_issues_nothing)
{
	struct response		 r;
	char			 client_id[TOKEN_MAX], code[TOKEN_MAX];
	char			 access[TOKEN_MAX], refresh[TOKEN_MAX];
	char			 q[1024], target[1200], *loc, *www;
	const char *const	 no_key[] = { NULL };

	reset_fake();
	/* A reused code: refused, and what it issued is revoked. */
	register_client(client_id, sizeof(client_id));
	loc = sign_in(client_id, TEST_RELAY_KEY, 302);
	code_of(loc, code, sizeof(code));
	free(loc);
	redeem(client_id, code, VERIFIER, &r);
	tokens_of(&r, access, refresh);
	redeem(client_id, code, VERIFIER, &r);
	assert_oauth_error(&r, 400, "invalid_grant");
	ck_assert_int_eq(ping_with(access), 401);

	/* A PKCE mismatch. */
	loc = sign_in(client_id, TEST_RELAY_KEY, 302);
	code_of(loc, code, sizeof(code));
	free(loc);
	redeem(client_id, code, VERIFIER "-other", &r);
	assert_oauth_error(&r, 400, "invalid_grant");

	/* A redirect URI that was never registered: no redirect at all. */
	snprintf(target, sizeof(target), "/oauth/authorize?response_type=code&"
	    "client_id=%s&redirect_uri=https%%3A%%2F%%2Fevil.example%%2Fcb&"
	    "code_challenge=" CHALLENGE "&code_challenge_method=S256",
	    client_id);
	req("GET", target, no_key, NULL, 0, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_null(response_header(&r, "Location"));
	response_free(&r);

	/* A wrong resource goes back to the client as invalid_target. */
	authz_params(client_id, "https://elsewhere.example/mcp", q, sizeof(q));
	snprintf(target, sizeof(target), "/oauth/authorize?%s", q);
	req("GET", target, no_key, NULL, 0, &r);
	ck_assert_int_eq(r.status, 302);
	loc = response_header(&r, "Location");
	ck_assert_ptr_nonnull(strstr(loc, "error=invalid_target"));
	ck_assert_ptr_null(strstr(loc, "code="));
	free(loc);
	response_free(&r);

	/* A forged token, and no credential at all. */
	ck_assert_int_eq(ping_with("rly_at_forged"), 401);
	req("GET", "/v1/actions/ping", no_key, NULL, 0, &r);
	assert_relay_error(&r, 401, "missing_relay_key");
	www = response_header(&r, "WWW-Authenticate");
	ck_assert_ptr_nonnull(www);
	ck_assert_ptr_nonnull(strstr(www, "Bearer resource_metadata="));
	free(www);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* The sign-in of a client known by its metadata document at url. */
static long
document_sign_in(const char *url, char **location, struct response *page)
{
	const char *const	 headers[] = { FORM_CT, NULL };
	char			 body[1200], eurl[256], eredir[128], emcp[256];
	char			 mcp[128];
	long			 status;

	encode(url, eurl, sizeof(eurl));
	encode(TEST_OAUTH_DOC_REDIRECT, eredir, sizeof(eredir));
	mcp_url(mcp, sizeof(mcp));
	encode(mcp, emcp, sizeof(emcp));
	snprintf(body, sizeof(body), "response_type=code&client_id=%s&"
	    "redirect_uri=%s&code_challenge=" CHALLENGE "&"
	    "code_challenge_method=S256&state=s-1&resource=%s&relay_key="
	    TEST_RELAY_KEY, eurl, eredir, emcp);
	req("POST", "/oauth/authorize", headers, body, strlen(body), page);
	status = page->status;
	*location = response_header(page, "Location");
	return status;
}

/*
 * A client ID metadata document from the HTTPS file server: fetched from
 * a host allowed to be private (localhost), refused at 127.0.0.1, whose
 * certificate is as good but which is not on the list: the guard, not
 * TLS, stops it (past the guard its client_id would not match).
 */
START_TEST(client_id_documents_are_fetched_only_where_allowed)
{
	struct response	 r;
	char		 url[128], body[1200], eurl[256], eredir[128];
	char		 code[TOKEN_MAX], access[TOKEN_MAX], refresh[TOKEN_MAX];
	char		*loc;
	const char	*c;

	snprintf(url, sizeof(url), "https://%s/oauth-client.json",
	    files_fixture_host());
	ck_assert_int_eq(document_sign_in(url, &loc, &r), 302);
	response_free(&r);
	ck_assert_msg(strncmp(loc, TEST_OAUTH_DOC_REDIRECT "?code=rly_ac_",
	    strlen(TEST_OAUTH_DOC_REDIRECT) + 13) == 0, "%s", loc);
	c = loc + strlen(TEST_OAUTH_DOC_REDIRECT "?code=");
	snprintf(code, sizeof(code), "%.*s", (int)strcspn(c, "&"), c);
	free(loc);
	encode(url, eurl, sizeof(eurl));
	encode(TEST_OAUTH_DOC_REDIRECT, eredir, sizeof(eredir));
	snprintf(body, sizeof(body), "grant_type=authorization_code&code=%s&"
	    "client_id=%s&redirect_uri=%s&code_verifier=" VERIFIER, code, eurl,
	    eredir);
	post_token(body, &r);
	tokens_of(&r, access, refresh);
	ck_assert_int_eq(ping_with(access), 200);

	snprintf(url, sizeof(url), "https://127.0.0.1:%s/oauth-client.json",
	    strchr(files_fixture_host(), ':') + 1);
	ck_assert_int_eq(document_sign_in(url, &loc, &r), 400);
	ck_assert_ptr_null(loc);
	ck_assert_msg(strstr(r.body, "could not be fetched") != NULL, "%s",
	    r.body);
	response_free(&r);
}
END_TEST

void
add_oauth_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("oauth");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, discovery_names_this_relay);
	tcase_add_test(tc, sign_in_gives_tokens_that_act_for_the_key);
	tcase_add_test(tc, bad_input_issues_nothing);
	tcase_add_test(tc, client_id_documents_are_fetched_only_where_allowed);
	suite_add_tcase(s, tc);
}

/* The official MCP TypeScript SDK's OAuth client (tests/sdk/oauth.mjs). */
START_TEST(mcp_sdk_signs_in_and_refreshes)
{
	char	cmd[512];
	int	rc;

	snprintf(cmd, sizeof(cmd), "node tests/sdk/oauth.mjs %s %s",
	    integ_frontend->base_url, TEST_RELAY_KEY);
	rc = system(cmd);
	ck_assert_msg(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
	    "the MCP SDK script failed (%d); run make check to install "
	    "@modelcontextprotocol/sdk in tests/sdk", rc);
}
END_TEST

void
add_oauth_sdk_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("oauth-sdk");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, mcp_sdk_signs_in_and_refreshes);
	suite_add_tcase(s, tc);
}

/*
 * RELAY_OAUTH_ACCESS_TTL = 1: a wait of more than two seconds (a sleep
 * lasts at least that long on any machine) leaves the token expired,
 * while the refresh token still gives a fresh one.
 */
START_TEST(expired_tokens_are_refused_and_refresh)
{
	struct response	 r;
	char		 client_id[TOKEN_MAX], access[TOKEN_MAX];
	char		 refresh[TOKEN_MAX], body[512];

	signed_in(client_id, access, refresh);
	sleep(2);
	usleep(500000);
	ck_assert_int_eq(ping_with(access), 401);
	snprintf(body, sizeof(body), "grant_type=refresh_token&"
	    "refresh_token=%s&client_id=%s", refresh, client_id);
	post_token(body, &r);
	tokens_of(&r, access, refresh);
	ck_assert_int_eq(ping_with(access), 200);
}
END_TEST

void
add_oauth_expiry_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("oauth-expiry");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, expired_tokens_are_refused_and_refresh);
	suite_add_tcase(s, tc);
}

/* chromedriver, started and stopped by PID, and its one session. */
static struct {
	pid_t	pid;
	char	url[64];
	char	session[128];
	char	dir[64];
} wd;

#define ELEMENT_KEY	"element-6066-11e4-a52e-4f735466cecf"

/* One WebDriver command: its "value" (the caller puts), or NULL. */
static struct json_object *
wd_call(const char *method, const char *path, const char *body)
{
	const char *const	 headers[] = { JSON_CT, NULL };
	struct json_object	*root, *value = NULL;
	struct response		 r;
	char			 target[512];

	snprintf(target, sizeof(target), "%s%s%s", wd.session[0] ?
	    "/session/" : "", wd.session, path);
	if (http_request(wd.url, method, target, headers, body,
	    body ? strlen(body) : 0, &r) != 0)
		return NULL;
	root = response_json(&r);
	if (root != NULL && r.status == 200 &&
	    json_object_object_get_ex(root, "value", &value))
		json_object_get(value);
	json_object_put(root);
	response_free(&r);
	return value;
}

static bool
wd_ready(void)
{
	struct json_object	*v = wd_call("GET", "/status", NULL), *ready;
	bool			 ok = v != NULL &&
	    json_object_object_get_ex(v, "ready", &ready) &&
	    json_object_get_boolean(ready);

	json_object_put(v);
	return ok;
}

/*
 * Starts chromedriver on port; true once it answers (a hang guard of
 * 30 s), false if it exited (the port was taken), its output in
 * wd.dir/chromedriver.log.
 */
static bool
wd_spawn(int port)
{
	char	arg[32], log[128];
	int	i, fd;

	snprintf(wd.url, sizeof(wd.url), "http://127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s/chromedriver.log", wd.dir);
	wd.pid = fork();
	if (wd.pid == 0) {
		snprintf(arg, sizeof(arg), "--port=%d", port);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execlp("chromedriver", "chromedriver", arg, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(wd.pid, 0);
	for (i = 0; i < 300; i++) {
		if (waitpid(wd.pid, NULL, WNOHANG) == wd.pid) {
			wd.pid = 0;
			return false;
		}
		if (wd_ready())
			return true;
		usleep(100000);
	}
	ck_abort_msg("chromedriver never got ready (see %s)", log);
	return false;
}

static void
wd_start(void)
{
	int	i;

	snprintf(wd.dir, sizeof(wd.dir), "/tmp/relay-wd-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(wd.dir));
	wd.session[0] = '\0';
	for (i = 0; i < 5; i++)
		if (wd_spawn(40000 + (int)(getpid() % 20000) + i * 11))
			return;
	ck_abort_msg("chromedriver exited on five ports; is chromium-driver "
	    "installed? (see %s/chromedriver.log)", wd.dir);
}

static void
wd_stop(void)
{
	char	cmd[128];

	if (wd.session[0] != '\0') {
		json_object_put(wd_call("DELETE", "", NULL));
		wd.session[0] = '\0';
	}
	if (wd.pid > 0) {
		kill(wd.pid, SIGTERM);
		waitpid(wd.pid, NULL, 0);
		wd.pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", wd.dir);
	if (wd.dir[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "integ: could not remove %s\n", wd.dir);
	wd.dir[0] = '\0';
}

static void
wd_session(void)
{
	struct json_object	*v, *id;
	char			 body[1024];

	snprintf(body, sizeof(body), "{\"capabilities\":{\"alwaysMatch\":{"
	    "\"goog:chromeOptions\":{\"binary\":\"/usr/bin/chromium\","
	    "\"args\":[\"--headless\",\"--no-sandbox\",\"--disable-gpu\","
	    "\"--no-first-run\",\"--disable-background-networking\","
	    "\"--disable-component-update\",\"--disable-sync\","
	    "\"--user-data-dir=%s\"]}}}}", wd.dir);
	v = wd_call("POST", "/session", body);
	ck_assert_msg(v != NULL && json_object_object_get_ex(v, "sessionId",
	    &id), "no WebDriver session");
	snprintf(wd.session, sizeof(wd.session), "%s",
	    json_object_get_string(id));
	json_object_put(v);
	/* A click returns before the page it leads to has loaded: finding
	 * an element waits for it (a hang guard of 30 s). */
	json_object_put(wd_call("POST", "/timeouts", "{\"implicit\":30000}"));
}

/* The element id for a CSS selector, into id. */
static void
wd_find(const char *css, char *id, size_t sz)
{
	struct json_object	*v, *e;
	char			 body[256];

	snprintf(body, sizeof(body), "{\"using\":\"css selector\","
	    "\"value\":\"%s\"}", css);
	v = wd_call("POST", "/element", body);
	ck_assert_msg(v != NULL && json_object_object_get_ex(v, ELEMENT_KEY,
	    &e), "no element %s", css);
	snprintf(id, sz, "%s", json_object_get_string(e));
	json_object_put(v);
}

/* The string value of a GET command (the URL, an element's text). */
static void
wd_string(const char *path, char *out, size_t sz)
{
	struct json_object	*v = wd_call("GET", path, NULL);

	ck_assert_ptr_nonnull(v);
	snprintf(out, sz, "%s", json_object_get_string(v));
	json_object_put(v);
}

/* Types key into the page's relay_key field and presses Sign in. */
static void
wd_submit(const char *key)
{
	char	id[128], path[256], body[256];

	wd_find("#relay_key", id, sizeof(id));
	snprintf(path, sizeof(path), "/element/%s/value", id);
	snprintf(body, sizeof(body), "{\"text\":\"%s\"}", key);
	json_object_put(wd_call("POST", path, body));
	wd_find("button[type=submit]", id, sizeof(id));
	snprintf(path, sizeof(path), "/element/%s/click", id);
	json_object_put(wd_call("POST", path, "{}"));
}

START_TEST(the_sign_in_page_works_in_chromium)
{
	struct response	 r;
	char		 client_id[TOKEN_MAX], q[1024], url[1400], body[1600];
	char		 code[TOKEN_MAX], access[TOKEN_MAX], refresh[TOKEN_MAX];
	char		 id[128], text[256], mcp[128], uri[128];
	int		 i;

	register_client(client_id, sizeof(client_id));
	mcp_url(mcp, sizeof(mcp));
	authz_params(client_id, mcp, q, sizeof(q));
	wd_start();
	wd_session();
	snprintf(url, sizeof(url), "%s/oauth/authorize?%s",
	    integ_frontend->base_url, q);
	snprintf(body, sizeof(body), "{\"url\":\"%s\"}", url);
	json_object_put(wd_call("POST", "/url", body));
	wd_string("/title", text, sizeof(text));
	ck_assert_str_eq(text, "Sign in: OpenAI relay");
	wd_find("#client", id, sizeof(id));
	snprintf(body, sizeof(body), "/element/%s/text", id);
	wd_string(body, text, sizeof(text));
	ck_assert_str_eq(text, "Integration client");

	/* A wrong key: the page again, saying so. */
	wd_submit("wrong-key-0123456789abcdef");
	wd_find("#error", id, sizeof(id));
	snprintf(body, sizeof(body), "/element/%s/text", id);
	wd_string(body, text, sizeof(text));
	ck_assert_str_eq(text, "That relay key is not valid.");
	wd_string("/url", text, sizeof(text));
	ck_assert_ptr_null(strstr(text, "code="));

	/* The right one: the browser lands on the redirect URI (waited
	 * for, with a hang guard of 30 s). */
	wd_submit(TEST_RELAY_KEY);
	redirect_uri(uri, sizeof(uri));
	for (i = 0; i < 300; i++) {
		wd_string("/url", url, sizeof(url));
		if (strncmp(url, uri, strlen(uri)) == 0)
			break;
		usleep(100000);
	}
	wd_stop();
	code_of(url, code, sizeof(code));
	redeem(client_id, code, VERIFIER, &r);
	tokens_of(&r, access, refresh);
	ck_assert_int_eq(ping_with(access), 200);
}
END_TEST

static void
browser_teardown(void)
{
	wd_stop();
}

void
add_oauth_browser_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("oauth-browser");

	(void)kind;
	tcase_set_timeout(tc, 150);
	tcase_add_checked_fixture(tc, NULL, browser_teardown);
	tcase_add_test(tc, the_sign_in_page_works_in_chromium);
	suite_add_tcase(s, tc);
}
