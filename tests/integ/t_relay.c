/*
 * The relay through a real front server.  The relay row (behind one
 * front): meta routes, what the proxy sends through the real upstream
 * client, upstream failures.  The relay-front row (behind every front,
 * which may change them): headers both ways, the key forms, a forwarded
 * route of each method and body kind, bodies over the cap and chunked
 * ones, log lines.  What no front server can change (every forwarded
 * route, bad input, auth failures, proxy refusals) is checked
 * in-process: tests/unit/check_forward.c and check_handlers.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "policy/route.h"
#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH	"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT	"Content-Type: application/json"

static void
assert_no_secrets(const struct response *r)
{
	ck_assert_ptr_null(strstr(r->body, TEST_OPENAI_KEY));
	ck_assert_ptr_null(strstr(r->body, TEST_RELAY_KEY));
	ck_assert_ptr_null(strstr(r->headers, TEST_OPENAI_KEY));
	ck_assert_ptr_null(strstr(r->headers, TEST_RELAY_KEY));
}

/*
 * The upstream's address appears nowhere in r (a base URL can carry an
 * account id or a gateway's token): the fake's host:port, which JSON
 * writes without escapes, is looked for.
 */
static void
assert_no_upstream_address(const struct response *r)
{
	const char	*hostport = strstr(integ_fake_url, "://");

	ck_assert_ptr_nonnull(hostport);
	ck_assert_msg(strstr(r->body, hostport + 3) == NULL,
	    "a public page names the upstream: %s", r->body);
}

START_TEST(health_is_public_and_honest)
{
	static const char *const paths[] = { "/", "/health", "/v1/health" };
	struct json_object	*root, *o;
	struct response		 r;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		req("GET", paths[i], NULL, NULL, 0, &r);
		ck_assert_int_eq(r.status, 200);
		root = response_json(&r);
		ck_assert_ptr_nonnull(root);
		ck_assert_str_eq(json_str(root, "object"), "health");
		ck_assert_str_eq(json_str(root, "status"), "ok");
		ck_assert_ptr_nonnull(json_str(root, "timestamp"));
		ck_assert_ptr_nonnull(json_str(root, "default_model"));
		ck_assert(json_object_object_get_ex(root, "openai", &o));
		ck_assert(json_object_get_boolean(json_object_object_get(o,
		    "api_key_configured")));
		ck_assert(!json_object_object_get_ex(o, "base_url", NULL));
		assert_no_upstream_address(&r);
		ck_assert(json_object_object_get_ex(root, "relay", &o));
		ck_assert(json_object_get_boolean(json_object_object_get(o,
		    "auth_enabled")));
		ck_assert(json_object_object_get_ex(root, "meta", &o));
		assert_no_secrets(&r);
		json_object_put(root);
		response_free(&r);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* The self-test a host's admin runs: does Authorization get through? */
START_TEST(health_reports_whether_authorization_arrives)
{
	static const char *const with[] = { "Authorization: Bearer probe",
	    NULL };
	struct json_object	*root, *meta;
	struct response		 r;
	int			 k;

	for (k = 0; k < 2; k++) {
		req("GET", "/health", k ? with : NULL, NULL, 0, &r);
		ck_assert_int_eq(r.status, 200);
		root = response_json(&r);
		ck_assert(json_object_object_get_ex(root, "meta", &meta));
		ck_assert_str_eq(json_str(meta, "authorization_header"),
		    k ? "present" : "absent");
		json_object_put(root);
		response_free(&r);
	}
}
END_TEST

START_TEST(manifest_lists_the_table)
{
	struct json_object	*root, *endpoints, *list, *meta;
	struct response		 r;

	req("GET", "/manifest", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	root = response_json(&r);
	ck_assert_str_eq(json_str(root, "object"), "relay.manifest");
	ck_assert(json_object_object_get_ex(root, "endpoints", &endpoints));
	ck_assert(json_object_object_get_ex(endpoints, "responses", &list));
	ck_assert_str_eq(json_object_get_string(
	    json_object_array_get_idx(list, 0)), "/v1/responses");
	ck_assert(json_object_object_get_ex(root, "meta", &meta));
	ck_assert(json_object_get_boolean(json_object_object_get(meta,
	    "upstream_configured")));
	assert_no_upstream_address(&r);
	assert_no_secrets(&r);
	json_object_put(root);
	response_free(&r);
}
END_TEST

START_TEST(every_key_form_accepted)
{
	static const char *const forms[][2] = {
		{ AUTH, NULL },
		{ "Authorization: bearer " TEST_RELAY_KEY, NULL },
		{ "X-Relay-Key: " TEST_RELAY_KEY, NULL },
		{ "Authorization: Bearer " TEST_SECOND_KEY, NULL },
	};
	struct json_object	*root;
	struct response		 r;
	size_t			 i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		req("GET", "/v1/actions/ping", forms[i], NULL, 0, &r);
		ck_assert_msg(r.status == 200, "form %zu: %ld", i, r.status);
		root = response_json(&r);
		ck_assert_str_eq(json_str(root, "status"), "ok");
		json_object_put(root);
		response_free(&r);
	}
}
END_TEST

START_TEST(meta_routes_need_a_key_and_keep_secrets)
{
	static const char *const paths[] = {
		"/v1/actions/ping", "/v1/actions/relay_info",
		"/actions/system/info",
	};
	static const char *const auth[] = { AUTH, NULL };
	struct json_object	*root, *upstream;
	struct response		 r;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		req("GET", paths[i], NULL, NULL, 0, &r);
		assert_relay_error(&r, 401, "missing_relay_key");
		response_free(&r);
		req("GET", paths[i], auth, NULL, 0, &r);
		ck_assert_int_eq(r.status, 200);
		root = response_json(&r);
		ck_assert_msg(json_object_is_type(root, json_type_object),
		    "%s", r.body);
		assert_no_secrets(&r);
		json_object_put(root);
		response_free(&r);
	}
	req("GET", "/v1/actions/relay_info", auth, NULL, 0, &r);
	root = response_json(&r);
	ck_assert_str_eq(json_str(root, "type"), "relay.info");
	/* A caller with a key may see where the relay sends its calls. */
	ck_assert(json_object_object_get_ex(root, "upstream", &upstream));
	ck_assert_str_eq(json_str(upstream, "base_url"), integ_fake_url);
	json_object_put(root);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/*
 * The first forwarded row of each method and body kind (and of binary
 * downloads), gathered before the suite runs.  (Every forwarded row:
 * tests/unit/check_forward.c.)
 */
static size_t	sample_rows[64];
static int	nsample_rows;

static void
gather_sample_rows(void)
{
	size_t	i;
	int	k;

	nsample_rows = 0;
	for (i = 0; i < routes_count; i++) {
		if (routes[i].handler != HANDLER_FORWARD)
			continue;
		for (k = 0; k < nsample_rows; k++)
			if (routes[sample_rows[k]].method == routes[i].method &&
			    routes[sample_rows[k]].body == routes[i].body &&
			    (routes[sample_rows[k]].bucket ==
			    BUCKET_EXCLUDE_BINARY) ==
			    (routes[i].bucket == BUCKET_EXCLUDE_BINARY))
				break;
		if (k == nsample_rows)
			sample_rows[nsample_rows++] = i;
	}
}

/* "/v1/files/{file_id}" → "/v1/files/x_file_id". */
static void
sample_path(const char *tmpl, char *buf, size_t bufsz)
{
	size_t	o = 0;

	while (*tmpl != '\0' && o + 1 < bufsz) {
		if (*tmpl == '{') {
			const char *end = strchr(tmpl, '}');

			o += (size_t)snprintf(buf + o, bufsz - o, "x_%.*s",
			    (int)(end - tmpl - 1), tmpl + 1);
			tmpl = end + 1;
			continue;
		}
		buf[o++] = *tmpl++;
	}
	buf[o] = '\0';
}

/*
 * A request for row rt with hostile headers: upstream gets the path,
 * query and body unchanged, the operator's key and settings once each,
 * the allowlisted client headers and nothing else; the client gets
 * upstream's answer.
 */
static void
assert_route_reaches_upstream_intact(const struct route *rt)
{
	static const char	 query[] =
	    "limit=2&order=desc&include%5B%5D=a&include%5B%5D=b";
	static const char	 json[] =
	    "{\"model\":\"gpt-test\",\"input\":\"h\xc3\xa9llo\",\"n\":1}";
	static const char	 form[] = "--tb\r\nContent-Disposition: "
	    "form-data; name=\"purpose\"\r\n\r\nbatch\r\n--tb\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\""
	    "\r\nContent-Type: text/plain\r\n\r\nh\xc3\xa9llo\r\n--tb--\r\n";
	bool			 multipart = rt->body == BODY_MULTIPART;
	const char		*headers[] = {
		AUTH, "X-Relay-Key: " TEST_RELAY_KEY, multipart ?
		"Content-Type: multipart/form-data; boundary=tb" : JSON_CT,
		"Cookie: session=abc", "Origin: https://evil.example",
		"X-Forwarded-For: 203.0.113.9",
		"OpenAI-Organization: org-client", "OpenAI-Project: proj-client",
		"OpenAI-Beta: assistants=v2", "Idempotency-Key: idem-123",
		"Proxy-Authorization: Basic Zm9vOmJhcg==",
		"Accept-Encoding: gzip", NULL,
	};
	struct json_object	*list, *up, *root;
	struct response		 r;
	char			 path[512], target[768], *h;
	const char		*body = NULL;
	size_t			 i;

	sample_path(rt->path, path, sizeof(path));
	snprintf(target, sizeof(target), "%s%s%s", path,
	    rt->method == METHOD_GET ? "?" : "",
	    rt->method == METHOD_GET ? query : "");
	if (multipart)
		body = form;
	else if (rt->body != BODY_NONE && rt->body != BODY_JSON_OPTIONAL)
		body = json;
	else if (rt->method != METHOD_GET)
		body = "";
	req(method_name(rt->method), target, headers, body,
	    body ? strlen(body) : 0, &r);
	/*
	 * Whatever upstream answered (the fake keeps state, so made-up ids
	 * get its 404) comes back as upstream's: never a relay error.
	 */
	h = response_header(&r, "x-request-id");
	ck_assert_msg(h != NULL && strncmp(h, "req_fake_", 9) == 0 &&
	    r.status < 500, "%s %s: %ld %s", method_name(rt->method), target,
	    r.status, r.body);
	free(h);
	root = response_json(&r);
	ck_assert_msg(root != NULL || rt->bucket == BUCKET_EXCLUDE_BINARY,
	    "not JSON: %s", r.body);
	json_object_put(root);

	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "method"), method_name(rt->method));
	ck_assert_str_eq(json_str(up, "path"), path);
	ck_assert_str_eq(json_str(up, "query"),
	    rt->method == METHOD_GET ? query : "");
	if (body != NULL && body[0] != '\0')
		ck_assert_str_eq(json_str(up, "body"), body);
	else
		ck_assert_int_eq(json_object_get_int(
		    json_object_object_get(up, "body_length")), 0);

	ck_assert_str_eq(recorded_header(up, "Authorization"),
	    "Bearer " TEST_OPENAI_KEY);
	ck_assert_uint_eq(recorded_header_count(up, "Authorization"), 1);
	ck_assert_str_eq(recorded_header(up, "OpenAI-Organization"),
	    "org-test");
	ck_assert_uint_eq(recorded_header_count(up, "OpenAI-Organization"), 1);
	ck_assert_str_eq(recorded_header(up, "OpenAI-Project"), "proj_test");
	ck_assert_uint_eq(recorded_header_count(up, "OpenAI-Project"), 1);
	ck_assert_str_eq(recorded_header(up, "OpenAI-Beta"), "assistants=v2");
	ck_assert_str_eq(recorded_header(up, "Idempotency-Key"), "idem-123");
	ck_assert_str_eq(recorded_header(up, "Accept-Encoding"), "identity");
	for (i = 0; i < 6; i++) {
		static const char *const gone[] = {
			"X-Relay-Key", "Cookie", "Origin", "X-Forwarded-For",
			"Proxy-Authorization", "Expect",
		};
		ck_assert_msg(recorded_header(up, gone[i]) == NULL,
		    "%s reached upstream", gone[i]);
	}
	ck_assert_ptr_null(strstr(json_object_to_json_string(up),
	    TEST_RELAY_KEY));
	json_object_put(list);
	response_free(&r);
}

START_TEST(each_kind_of_route_reaches_upstream_intact)
{
	assert_route_reaches_upstream_intact(&routes[sample_rows[_i]]);
}
END_TEST

START_TEST(upstream_answer_passes_through_filtered)
{
	static const char	 body[] = "{\"error\":{\"message\":\"No such "
	    "file\",\"type\":\"invalid_request_error\",\"param\":null,"
	    "\"code\":null}}";
	static const char *const auth[] = { AUTH, NULL };
	struct response		 r;
	char			 script[1024], *h;

	snprintf(script, sizeof(script), "{\"status\":404,\"headers\":["
	    "[\"x-request-id\",\"req_up_1\"],"
	    "[\"openai-processing-ms\",\"7\"],"
	    "[\"x-ratelimit-remaining-requests\",\"99\"],"
	    "[\"set-cookie\",\"s=1\"],"
	    "[\"authorization\",\"Bearer " TEST_OPENAI_KEY "\"],"
	    "[\"x-powered-by\",\"fake\"],"
	    "[\"content-type\",\"application/json\"]],"
	    "\"body\":\"%s\"}", "{\\\"error\\\":{\\\"message\\\":\\\"No such "
	    "file\\\",\\\"type\\\":\\\"invalid_request_error\\\",\\\"param\\\":"
	    "null,\\\"code\\\":null}}");
	fake_script(integ_fake_url, script);
	req("GET", "/v1/files/file_missing", auth, NULL, 0, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, body);
	/* OpenAI's id as OpenAI names it, which SDKs read; the relay's
	 * own beside it. */
	h = response_header(&r, "x-request-id");
	ck_assert_str_eq(h, "req_up_1");
	free(h);
	ck_assert_ptr_null(response_header(&r, "X-Upstream-Request-Id"));
	h = response_header(&r, "X-Relay-Request-Id");
	ck_assert_ptr_nonnull(h);
	ck_assert_str_ne(h, "req_up_1");
	free(h);
	h = response_header(&r, "x-ratelimit-remaining-requests");
	ck_assert_str_eq(h, "99");
	free(h);
	h = response_header(&r, "OpenAI-Processing-Ms");
	ck_assert_str_eq(h, "7");
	free(h);
	ck_assert_ptr_null(response_header(&r, "Set-Cookie"));
	ck_assert_ptr_null(response_header(&r, "X-Powered-By"));
	ck_assert_ptr_null(response_header(&r, "Authorization"));
	assert_no_secrets(&r);
	response_free(&r);
}
END_TEST

START_TEST(get_with_body_never_reaches_upstream)
{
	const char	*headers[] = { AUTH, JSON_CT, NULL };
	struct response	 r;

	req("GET", "/v1/files", headers, "{\"x\":1}", 7, &r);
	/* lighttpd refuses a GET body itself; others let the relay say so. */
	if (integ_frontend->kind == FRONTEND_LIGHTTPD)
		ck_assert_int_eq(r.status, 400);
	else
		assert_relay_error(&r, 400, "unexpected_body");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* {"input":"xxxx…"} of exactly size bytes. */
static char *
json_of_size(size_t size)
{
	char	*body = malloc(size + 1);

	ck_assert_ptr_nonnull(body);
	memset(body, 'x', size);
	memcpy(body, "{\"input\":\"", 10);
	memcpy(body + size - 2, "\"}", 2);
	body[size] = '\0';
	return body;
}

START_TEST(oversize_body_is_413_even_when_chunked)
{
	const char	*plain[] = { AUTH, JSON_CT, NULL };
	const char	*chunked[] = { AUTH, JSON_CT,
	    "Transfer-Encoding: chunked", NULL };
	char		*body = json_of_size(TEST_MAX_JSON_BODY + 1);
	struct response	 r;

	req("POST", "/v1/responses", plain, body, TEST_MAX_JSON_BODY + 1, &r);
	assert_relay_error(&r, 413, "request_too_large");
	response_free(&r);
	req("POST", "/v1/responses", chunked, body, TEST_MAX_JSON_BODY + 1,
	    &r);
	assert_relay_error(&r, 413, "request_too_large");
	response_free(&r);
	free(body);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(large_and_chunked_bodies_arrive_whole)
{
	const char		*plain[] = { AUTH, JSON_CT, NULL };
	const char		*chunked[] = { AUTH, JSON_CT,
	    "Transfer-Encoding: chunked", NULL };
	/* Past mod_fcgid's 128 KiB default, within the relay's cap. */
	char			*body = json_of_size(600 * 1024);
	struct json_object	*list, *up;
	struct response		 r;
	int			 k;

	for (k = 0; k < 2; k++) {
		reset_fake();
		req("POST", "/v1/embeddings", k ? chunked : plain, body,
		    strlen(body), &r);
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		response_free(&r);
		up = only_upstream_request(&list);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(up,
		    "body_length")), 600 * 1024);
		ck_assert_str_eq(json_str(up, "body"), body);
		json_object_put(list);
	}
	free(body);
}
END_TEST

/*
 * Targets in turns, with escapes and without, with a query and without:
 * each reaches upstream byte for byte, none keeps a part of the one
 * before.  (The relay's curl handle reuses the last URL it parsed; with
 * RELAY_THREADS = 1 one handle takes every call.)
 */
START_TEST(targets_in_turns_reach_upstream_as_sent)
{
	static const char *const auth[] = { AUTH, NULL };
	static const struct {
		const char	*path, *query;
	} turns[] = {
		{ "/v1/models", "limit=2&order=desc" },
		{ "/v1/files/file-%41bc", "" },
		{ "/v1/models", "after=m%5Bx%5D&limit=1" },
		{ "/v1/models", "" },
		{ "/v1/files/file-abc", "" },
		{ "/v1/models", "limit=3" },
	};
	struct json_object	*list, *up;
	struct response		 r;
	char			 target[256];
	size_t			 i;

	for (i = 0; i < sizeof(turns) / sizeof(turns[0]); i++) {
		reset_fake();
		snprintf(target, sizeof(target), "%s%s%s", turns[i].path,
		    turns[i].query[0] ? "?" : "", turns[i].query);
		req("GET", target, auth, NULL, 0, &r);
		ck_assert_msg(r.status < 500, "%s: %ld %s", target, r.status,
		    r.body);
		response_free(&r);
		up = only_upstream_request(&list);
		ck_assert_str_eq(json_str(up, "path"), turns[i].path);
		ck_assert_str_eq(json_str(up, "query"), turns[i].query);
		json_object_put(list);
	}
}
END_TEST

START_TEST(upstream_failures_are_502_or_pass_through)
{
	static const char *const auth[] = { AUTH, NULL };
	struct response		 r;

	/*
	 * Every attempt: libcurl retries on a kept-alive connection that
	 * dies, but not on a fresh one, so a count would be luck.  (An
	 * upstream that never answers: t_faults.c, the deadline row.)
	 */
	fake_script(integ_fake_url, "{\"close\":true,\"times\":-1}");
	req("GET", "/v1/models", auth, NULL, 0, &r);
	assert_relay_error(&r, 502, "upstream_unreachable");
	response_free(&r);
	reset_fake();

	fake_script(integ_fake_url, "{\"status\":503,\"body\":"
	    "\"{\\\"error\\\":{\\\"message\\\":\\\"overloaded\\\"}}\"}");
	req("GET", "/v1/models", auth, NULL, 0, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(r.body, "{\"error\":{\"message\":\"overloaded\"}}");
	response_free(&r);
}
END_TEST

START_TEST(request_id_echoed_or_generated_and_logged)
{
	const char	*given[] = { AUTH, "X-Request-Id: trace-abc.123", NULL };
	const char	*bad[] = { AUTH, "X-Request-Id: bad id!", NULL };
	struct response	 r;
	char		*rid, *urid, *log, *line, want[96];

	req("GET", "/v1/models", given, NULL, 0, &r);
	rid = response_header(&r, "X-Relay-Request-Id");
	ck_assert_str_eq(rid, "trace-abc.123");
	free(rid);
	/* x-request-id is OpenAI's, and the log names both. */
	urid = response_header(&r, "x-request-id");
	ck_assert_ptr_nonnull(urid);
	ck_assert_str_ne(urid, "trace-abc.123");
	snprintf(want, sizeof(want), "upstream_rid=%s", urid);
	free(urid);
	response_free(&r);

	req("GET", "/v1/models", bad, NULL, 0, &r);
	rid = response_header(&r, "X-Relay-Request-Id");
	ck_assert_ptr_nonnull(rid);
	ck_assert_uint_eq(strlen(rid), 24);
	ck_assert_uint_eq(strspn(rid, "0123456789abcdef"), 24);
	free(rid);
	response_free(&r);

	/* The relay's own errors carry its id as x-request-id too. */
	req("GET", "/v1/nope", given, NULL, 0, &r);
	ck_assert_int_eq(r.status, 404);
	rid = response_header(&r, "x-request-id");
	ck_assert_str_eq(rid, "trace-abc.123");
	free(rid);
	response_free(&r);

	/* Servers write their error log asynchronously. */
	ck_assert_msg(relay_logged_soon("rid=trace-abc.123"), "no log line "
	    "in %s", integ_frontend->error_log);
	log = frontend_read_error_log(integ_frontend);
	ck_assert_ptr_nonnull(log);
	line = strstr(log, "rid=trace-abc.123");
	ck_assert_msg(line != NULL, "no log line in %s",
	    integ_frontend->error_log);
	ck_assert_ptr_nonnull(strstr(line, "client=default method=GET "
	    "route=/v1/models status=200"));
	ck_assert_ptr_nonnull(strstr(line, want));
	ck_assert_ptr_null(strstr(log, TEST_OPENAI_KEY));
	ck_assert_ptr_null(strstr(log, TEST_RELAY_KEY));
	ck_assert_ptr_null(strstr(log, TEST_SECOND_KEY));
	free(log);
}
END_TEST

START_TEST(proxy_forwards_only_the_envelope)
{
	static const char	 env[] = "{\"method\":\"get\",\"path\":\"files\","
	    "\"query\":{\"limit\":2,\"include[]\":[\"a\",\"b\"]}}";
	const char		*headers[] = { AUTH, JSON_CT,
	    "Accept: text/event-stream", "Idempotency-Key: idem-9", NULL };
	struct json_object	*list, *up;
	struct response		 r;
	char			*ct;

	/* The proxy's own URL query is not the call's query. */
	req("POST", "/v1/proxy?limit=99", headers, env, strlen(env), &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "method"), "GET");
	ck_assert_str_eq(json_str(up, "path"), "/v1/files");
	ck_assert_str_eq(json_str(up, "query"),
	    "limit=2&include%5B%5D=a&include%5B%5D=b");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(up,
	    "body_length")), 0);
	ck_assert_str_eq(recorded_header(up, "Authorization"),
	    "Bearer " TEST_OPENAI_KEY);
	/* No client header passes: its Accept cannot switch on streaming. */
	ck_assert_ptr_null(recorded_header(up, "Idempotency-Key"));
	ck_assert(recorded_header(up, "Accept") == NULL ||
	    strstr(recorded_header(up, "Accept"), "event-stream") == NULL);
	ck_assert_ptr_null(recorded_header(up, "Content-Type"));
	json_object_put(list);
}
END_TEST

/*
 * What callProxy's summary names, the proxy reaches: the Actions
 * operations' own JSON routes too (GET /v1/models was 403 before).
 */
START_TEST(proxy_reaches_what_its_summary_names)
{
	static const char	 env[] = "{\"method\":\"GET\",\"path\":"
	    "\"/v1/models\"}";
	static const char	 put[] = "{\"method\":\"PUT\",\"path\":"
	    "\"/v1/models\"}";
	const char		*headers[] = { AUTH, JSON_CT, NULL };
	struct json_object	*list, *up;
	struct response		 r;
	char			*allow;

	req("POST", "/v1/proxy", headers, env, strlen(env), &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "method"), "GET");
	ck_assert_str_eq(json_str(up, "path"), "/v1/models");
	json_object_put(list);

	reset_fake();
	req("POST", "/v1/proxy", headers, put, strlen(put), &r);
	assert_relay_error(&r, 405, "method_not_allowed");
	allow = response_header(&r, "Allow");
	ck_assert_str_eq(allow, "GET");
	free(allow);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

void
add_relay_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("relay");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, health_is_public_and_honest);
	tcase_add_test(tc, manifest_lists_the_table);
	tcase_add_test(tc, meta_routes_need_a_key_and_keep_secrets);
	tcase_add_test(tc, upstream_failures_are_502_or_pass_through);
	tcase_add_test(tc, proxy_forwards_only_the_envelope);
	tcase_add_test(tc, proxy_reaches_what_its_summary_names);
	suite_add_tcase(s, tc);
}

void
add_relay_front_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("relay-front");

	(void)kind;
	gather_sample_rows();
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, health_reports_whether_authorization_arrives);
	tcase_add_test(tc, every_key_form_accepted);
	tcase_add_loop_test(tc, each_kind_of_route_reaches_upstream_intact,
	    0, nsample_rows);
	tcase_add_test(tc, upstream_answer_passes_through_filtered);
	tcase_add_test(tc, get_with_body_never_reaches_upstream);
	tcase_add_test(tc, oversize_body_is_413_even_when_chunked);
	tcase_add_test(tc, large_and_chunked_bodies_arrive_whole);
	tcase_add_test(tc, targets_in_turns_reach_upstream_as_sent);
	tcase_add_test(tc, request_id_echoed_or_generated_and_logged);
	suite_add_tcase(s, tc);
	add_actions_relay_tests(s);
}
