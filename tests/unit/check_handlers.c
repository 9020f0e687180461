/*
 * The request pipeline and the handlers in-process, against the scripted
 * upstream, where the front server in front changes nothing: bad input,
 * auth failures, proxy refusals and wrapper refusals that must reach
 * nothing upstream; what the proxy sends; and the relay configurations
 * other than the usual one (no OpenAI key, auth on without a key, auth
 * off, RELAY_PUBLIC_URL).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "policy/config.h"
#include "tests/unit/mem_exchange.h"
#include "tests/unit/scripted_upstream.h"
#include "tests/unit/suites.h"

#define KEY		"sk-unit-upstream-key-0123456789"
#define RELAY_KEY	"relay-unit-key-0123456789"
#define AUTH		"Authorization: Bearer " RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define PUBLIC_URL	"https://gpt.example.org/relay"

static const char *const usual[] = {
	"OPENAI_API_KEY=" KEY,
	"OPENAI_API_BASE=http://upstream.test",
	"RELAY_KEY=" RELAY_KEY,
	/* Small wrapper caps, so the size limits are cheap to cross. */
	"RELAY_ACTIONS_FILE_MAX=12",
	"RELAY_ACTIONS_VIDEO_MAX=6",
	"RELAY_FETCH_HOSTS=files.test:8443",
	NULL,
};

static struct config	cfg;

static void
setup(void)
{
	scripted_reset();
	mem_config(&cfg, usual);
}

static void
teardown(void)
{
	config_free(&cfg);
	scripted_reset();
}

/* Serves one request with cfg; body NULL sends none. */
static void
serve(const char *method, const char *target, const char *const *headers,
    const char *body, struct mem_reply *r)
{
	struct mem_request	rq = { method, target, headers, body,
	    body ? strlen(body) : 0, 0, 0, false, NULL };

	mem_serve(&cfg, &rq, r);
}

/* r is the relay's envelope with this status and code. */
static void
assert_envelope(const struct mem_reply *r, int status, const char *code)
{
	struct json_object	*root, *err, *v;
	char			*ct;

	ck_assert_msg(r->status == status, "status %d, want %d: %s",
	    r->status, status, r->body);
	ct = mem_header(r, "Content-Type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	root = mem_json(r);
	ck_assert_msg(root != NULL && json_object_object_get_ex(root, "error",
	    &err), "%s", r->body);
	ck_assert(json_object_object_get_ex(err, "message", &v) &&
	    json_object_is_type(v, json_type_string));
	ck_assert(json_object_object_get_ex(err, "type", &v) &&
	    json_object_is_type(v, json_type_string));
	ck_assert_str_eq(mem_error_code(r), code);
	json_object_put(root);
}

/* ------------------------------------------------------------ auth */

static const struct {
	const char	*authorization;
	const char	*x_relay_key;
	const char	*code;
	const char	*message;
} auth_failures[] = {
	{ NULL, NULL, "missing_relay_key", "Missing relay key" },
	{ "Authorization: Bearer ", NULL, "missing_relay_key",
	    "Missing relay key" },
	{ "Authorization: Bearer wrong-key-0123456789", NULL,
	    "invalid_relay_key", "Invalid relay key" },
	{ "Authorization: Basic dXNlcjpwYXNz", "X-Relay-Key: " RELAY_KEY,
	    "invalid_authorization_scheme", "Bearer" },
	{ AUTH, "X-Relay-Key: wrong-key-0123456789", "invalid_relay_key",
	    "Invalid relay key" },
};

START_TEST(auth_failures_reach_nothing)
{
	const char		*headers[3] = { NULL, NULL, NULL };
	struct json_object	*root, *err, *msg;
	struct mem_reply	 r;
	int			 n = 0;

	if (auth_failures[_i].authorization)
		headers[n++] = auth_failures[_i].authorization;
	if (auth_failures[_i].x_relay_key)
		headers[n++] = auth_failures[_i].x_relay_key;
	serve("GET", "/v1/models", headers, NULL, &r);
	assert_envelope(&r, 401, auth_failures[_i].code);
	root = mem_json(&r);
	json_object_object_get_ex(root, "error", &err);
	json_object_object_get_ex(err, "message", &msg);
	ck_assert_ptr_nonnull(strstr(json_object_get_string(msg),
	    auth_failures[_i].message));
	json_object_put(root);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);
}
END_TEST

/* ------------------------------------------------------- bad input */

static const struct {
	const char	*method;
	const char	*target;
	const char	*ctype;		/* a header line, or NULL */
	const char	*body;		/* NULL: none */
	long		 status;
	const char	*code;
} bad_inputs[] = {
	{ "POST", "/v1/responses", JSON_CT, "{\"model\":", 400,
	    "invalid_json" },
	{ "POST", "/v1/responses", JSON_CT, "[1,2]", 400, "invalid_json" },
	{ "POST", "/v1/responses", JSON_CT, "{} trailing", 400,
	    "invalid_json" },
	{ "POST", "/v1/responses", JSON_CT, "", 400, "invalid_json" },
	{ "POST", "/v1/responses", "Content-Type: text/plain", "{}", 415,
	    "unsupported_media_type" },
	{ "POST", "/v1/embeddings", NULL, "{}", 415,
	    "unsupported_media_type" },
	{ "POST", "/v1/batches/x/cancel", "Content-Type: text/plain", "x",
	    415, "unsupported_media_type" },
	{ "GET", "/v1/nope", NULL, NULL, 404, "not_found" },
	{ "GET", "/v1/models/", NULL, NULL, 404, "not_found" },
	{ "DELETE", "/v1/models", NULL, NULL, 405, "method_not_allowed" },
	{ "PATCH", "/v1/files/file_1", NULL, NULL, 405,
	    "method_not_allowed" },
	{ "GET", "/v1/files/x%25y", NULL, NULL, 400, "invalid_path" },
	{ "GET", "/v1/files?after=%zz", NULL, NULL, 400, "invalid_query" },
};

START_TEST(bad_input_never_reaches_upstream)
{
	const char		*headers[] = { AUTH, bad_inputs[_i].ctype, NULL };
	struct mem_reply	 r;
	char			*allow;

	serve(bad_inputs[_i].method, bad_inputs[_i].target, headers,
	    bad_inputs[_i].body, &r);
	assert_envelope(&r, (int)bad_inputs[_i].status, bad_inputs[_i].code);
	if (bad_inputs[_i].status == 405) {
		allow = mem_header(&r, "Allow");
		ck_assert_ptr_nonnull(allow);
		ck_assert_ptr_nonnull(strstr(allow, "GET"));
		free(allow);
	}
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);
}
END_TEST

/* ----------------------------------------------------------- proxy */

START_TEST(proxy_write_sends_its_json_body)
{
	static const char	 env[] = "{\"method\":\"POST\",\"path\":"
	    "\"/v1/vector_stores/vs_1/search\",\"body\":{\"query\":"
	    "\"caf\u00e9 / tea\",\"max_num_results\":3}}";
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	const struct scripted_call	*up;
	struct mem_reply		 r;

	serve("POST", "/v1/proxy", headers, env, &r);
	ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 1);
	up = scripted_call(0);
	ck_assert_str_eq(up->method, "POST");
	ck_assert_str_eq(up->url,
	    "http://upstream.test/v1/vector_stores/vs_1/search");
	ck_assert_str_eq(up->body, "{\"query\":\"caf\u00e9 / tea\","
	    "\"max_num_results\":3}");
	ck_assert_str_eq(scripted_header(up, "Content-Type"),
	    "application/json");
	ck_assert_uint_eq(scripted_header_count(up, "Content-Type"), 1);
}
END_TEST

static const struct {
	const char	*envelope;
	long		 status;
	const char	*code;
} proxy_refusals[] = {
	{ "{\"method\":\"GET\",\"path\":\"/v1/evals\"}", 403,
	    "proxy_not_allowlisted" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/fine_tuning/jobs\"}", 403,
	    "proxy_not_allowlisted" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/f1/content\"}", 403,
	    "proxy_denied" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/uploads\"}", 403,
	    "proxy_denied" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/responses:stream\"}", 403,
	    "proxy_denied" },
	{ "{\"method\":\"GET\",\"path\":\"//v1//models\"}", 403,
	    "proxy_denied" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/%2e%2e/x\"}", 403,
	    "proxy_denied" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/chat/completions\","
	    "\"body\":{\"stream\":true}}", 403, "proxy_denied" },
	{ "{\"method\":\"GET\",\"path\":\"https://evil.example/v1/files\"}",
	    400, "invalid_proxy_request" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":"
	    "{\"a\":{\"b\":1}}}", 400, "invalid_proxy_request" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"sneaky\":1}", 422,
	    "invalid_proxy_request" },
};

START_TEST(proxy_refusals_reach_nothing)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	struct mem_reply	r;

	serve("POST", "/v1/proxy", headers, proxy_refusals[_i].envelope, &r);
	assert_envelope(&r, (int)proxy_refusals[_i].status,
	    proxy_refusals[_i].code);
	ck_assert_ptr_null(strstr(r.body, "evil.example"));
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);
}
END_TEST

/* -------------------------------------------------------- wrappers */

static const struct {
	const char	*target;
	const char	*body;
	long		 status;
	const char	*code;
	const char	*param;
} wrapper_refusals[] = {
	{ "/v1/actions/files/upload", "{\"filename\":\"a\",\"data_base64\":"
	    "\"aGk=\"}", 400, "missing_required_parameter", "purpose" },
	{ "/v1/actions/files/upload", "{\"purpose\":\"batch\",\"filename\":"
	    "\"a\",\"data_base64\":\"aGk\"}", 400, "invalid_base64",
	    "data_base64" },
	{ "/v1/actions/files/upload", "{\"purpose\":\"batch\",\"filename\":"
	    "\"a\",\"data_base64\":\"aG k=\"}", 400, "invalid_base64",
	    "data_base64" },
	{ "/v1/actions/files/upload", "{\"purpose\":\"batch\",\"filename\":"
	    "\"a\",\"data_base64\":\"_-8=\"}", 400, "invalid_base64",
	    "data_base64" },
	{ "/v1/actions/files/upload", "{\"purpose\":\"batch\",\"filename\":"
	    "\"a\",\"data_base64\":\"\"}", 400, "empty_input", "data_base64" },
	/* A line break in a part's Content-Type would add part headers. */
	{ "/v1/actions/files/upload", "{\"purpose\":\"batch\",\"filename\":"
	    "\"a\",\"mime_type\":\"text/plain\\r\\nX-Injected: 1\","
	    "\"data_base64\":\"aGk=\"}", 400, "invalid_value", "mime_type" },
	{ "/v1/actions/uploads/u1/parts",
	    "{\"data_base64\":\"QUJDREVGR0hJSktMTQ==\"}",
	    413, "input_too_large", "data_base64" },
	{ "/v1/actions/images/variations", "{}", 400, "missing_image", NULL },
	{ "/v1/actions/images/variations", "{\"image_base64\":\"aGVsbG8=\"}",
	    400, "invalid_image", "image_base64" },
	{ "/v1/actions/images/edits", "{\"image_base64\":\"aGk=\"}", 400,
	    "missing_required_parameter", "prompt" },
	{ "/v1/actions/images/variations",
	    "{\"image_url\":\"https://evil.example/cat.png\"}", 400,
	    "fetch_refused", "image_url" },
	{ "/v1/actions/images/variations",
	    "{\"image_url\":\"http://127.0.0.1:1/cat.png\"}", 400,
	    "fetch_refused", "image_url" },
	{ "/v1/actions/images/variations", "{\"openaiFileIdRefs\":[{\"name\":"
	    "\"a.png\",\"download_link\":\"https://169.254.169.254/a\"}]}", 400,
	    "fetch_refused", "openaiFileIdRefs" },
	{ "/v1/actions/images/variations", "{\"openaiFileIdRefs\":[{\"name\":"
	    "\"a.png\"}]}", 400, "missing_required_parameter",
	    "openaiFileIdRefs" },
	{ "/v1/actions/videos", "{\"model\":\"sora-2\"}", 400,
	    "missing_required_parameter", "prompt" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"model\":\"veo\"}", 400,
	    "invalid_value", "model" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"size\":\"999x999\"}", 400,
	    "invalid_value", "size" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"seconds\":13}", 400,
	    "invalid_value", "seconds" },
	{ "/v1/actions/videos/generations", "{\"prompt\":\"p\",\"seconds\":8,"
	    "\"duration_seconds\":31}", 400, "invalid_value",
	    "duration_seconds" },
	{ "/v1/actions/videos/generations", "{\"prompt\":\"p\",\"frames\":301}",
	    400, "invalid_value", "frames" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"input_reference_base64\":"
	    "\"!!!!\"}", 400, "invalid_base64", "input_reference_base64" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"input_reference_base64\":"
	    "\"\"}", 400, "empty_input", "input_reference_base64" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"input_reference_base64\":"
	    "\"aGk=\",\"mime_type\":\"image/png\\nX-Injected: 1\"}", 400,
	    "invalid_value", "mime_type" },
	{ "/v1/actions/videos", "{\"prompt\":\"p\",\"input_reference_base64\":"
	    "\"QUJDREVGR0g=\"}", 413, "input_too_large",
	    "input_reference_base64" },
};

START_TEST(wrapper_refusals_reach_nothing)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	struct json_object	*root, *err, *p;
	struct mem_reply	 r;

	serve("POST", wrapper_refusals[_i].target, headers,
	    wrapper_refusals[_i].body, &r);
	assert_envelope(&r, (int)wrapper_refusals[_i].status,
	    wrapper_refusals[_i].code);
	root = mem_json(&r);
	json_object_object_get_ex(root, "error", &err);
	ck_assert(json_object_object_get_ex(err, "param", &p));
	if (wrapper_refusals[_i].param == NULL)
		ck_assert_ptr_null(p);
	else
		ck_assert_str_eq(json_object_get_string(p),
		    wrapper_refusals[_i].param);
	json_object_put(root);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);
	/* A refused download link was refused before any connection. */
	ck_assert_uint_eq(scripted_downloads(), 0);
}
END_TEST

/* -------------------------------------- other relay configurations */

/* Serves with cfg rebuilt from settings. */
static void
reconfigure(const char *const conf_lines[])
{
	config_free(&cfg);
	mem_config(&cfg, conf_lines);
}

START_TEST(missing_upstream_key_is_424)
{
	static const char *const conf_lines[] = {
		"OPENAI_API_BASE=http://upstream.test", "RELAY_KEY=" RELAY_KEY,
		NULL,
	};
	static const char *const auth[] = { AUTH, NULL };
	struct json_object	*root, *openai, *v;
	struct mem_reply	 r;

	reconfigure(conf_lines);
	serve("GET", "/v1/models", auth, NULL, &r);
	assert_envelope(&r, 424, "upstream_key_missing");
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);

	serve("GET", "/health", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	root = mem_json(&r);
	ck_assert(json_object_object_get_ex(root, "openai", &openai));
	ck_assert(json_object_object_get_ex(openai, "api_key_configured", &v));
	ck_assert(!json_object_get_boolean(v));
	json_object_put(root);
	mem_reply_free(&r);
}
END_TEST

START_TEST(auth_on_without_key_fails_closed)
{
	static const char *const conf_lines[] = {
		"OPENAI_API_KEY=" KEY, "OPENAI_API_BASE=http://upstream.test",
		NULL,
	};
	static const char *const auth[] = { AUTH, NULL };
	struct mem_reply	r;

	reconfigure(conf_lines);
	serve("GET", "/v1/models", auth, NULL, &r);
	assert_envelope(&r, 500, "relay_auth_misconfigured");
	mem_reply_free(&r);
	serve("GET", "/v1/actions/ping", NULL, NULL, &r);
	assert_envelope(&r, 500, "relay_auth_misconfigured");
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);

	serve("GET", "/health", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
}
END_TEST

START_TEST(auth_off_serves_without_key)
{
	static const char *const conf_lines[] = {
		"OPENAI_API_KEY=" KEY, "OPENAI_API_BASE=http://upstream.test",
		"RELAY_AUTH_ENABLED=false", NULL,
	};
	struct mem_reply	r;

	reconfigure(conf_lines);
	serve("GET", "/v1/models", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 1);
	ck_assert_str_eq(scripted_header(scripted_call(0), "Authorization"),
	    "Bearer " KEY);
}
END_TEST

/* servers[0].url of the document at target. */
static char *
server_url(const char *target, const char *const *headers)
{
	struct json_object	*doc, *servers, *url;
	struct mem_reply	 r;
	char			*s;

	serve("GET", target, headers, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	doc = mem_json(&r);
	ck_assert(json_object_object_get_ex(doc, "servers", &servers));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(servers,
	    0), "url", &url));
	s = strdup(json_object_get_string(url));
	json_object_put(doc);
	mem_reply_free(&r);
	return s;
}

START_TEST(public_url_names_the_server)
{
	static const char *const conf_lines[] = {
		"OPENAI_API_KEY=" KEY, "RELAY_KEY=" RELAY_KEY,
		"RELAY_PUBLIC_URL=" PUBLIC_URL "/v1", NULL,
	};
	static const char *const host[] = { "Host: other.example", NULL };
	char	*url;

	reconfigure(conf_lines);
	url = server_url("/openapi.actions.json", host);
	ck_assert_str_eq(url, PUBLIC_URL);
	free(url);
	url = server_url("/openapi.json", NULL);
	ck_assert_str_eq(url, PUBLIC_URL);
	free(url);
}
END_TEST

Suite *
handlers_suite(void)
{
	Suite	*s = suite_create("handlers");
	TCase	*tc = tcase_create("refusals");
	TCase	*conf = tcase_create("configurations");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, auth_failures_reach_nothing, 0,
	    (int)(sizeof(auth_failures) / sizeof(auth_failures[0])));
	tcase_add_loop_test(tc, bad_input_never_reaches_upstream, 0,
	    (int)(sizeof(bad_inputs) / sizeof(bad_inputs[0])));
	tcase_add_test(tc, proxy_write_sends_its_json_body);
	tcase_add_loop_test(tc, proxy_refusals_reach_nothing, 0,
	    (int)(sizeof(proxy_refusals) / sizeof(proxy_refusals[0])));
	tcase_add_loop_test(tc, wrapper_refusals_reach_nothing, 0,
	    (int)(sizeof(wrapper_refusals) / sizeof(wrapper_refusals[0])));
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(conf, setup, teardown);
	tcase_add_test(conf, missing_upstream_key_is_424);
	tcase_add_test(conf, auth_on_without_key_fails_closed);
	tcase_add_test(conf, auth_off_serves_without_key);
	tcase_add_test(conf, public_url_names_the_server);
	suite_add_tcase(s, conf);
	return s;
}
