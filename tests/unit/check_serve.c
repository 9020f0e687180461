/*
 * The request pipeline (handlers/serve.c) with in-memory client I/O
 * (mem_exchange.h): the body reader's cap and completeness checks, and
 * what is written back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/answer.h"
#include "policy/config.h"
#include "policy/route.h"
#include "policy/xalloc.h"
#include "tests/unit/mem_exchange.h"
#include "tests/unit/suites.h"

static struct config	cfg;
static struct mem_reply	io;

/*
 * Serves one request with the given headers ("Name: value", NULL-ended),
 * body and Content-Length (-1: none), and setting (when not NULL,
 * "NAME=value") on top of the defaults: no relay key needed, no OpenAI
 * key configured.  io holds the whole answer after.
 */
static void
serve_headers(const char *method, const char *path,
    const char *const headers[], const char *body, size_t len,
    long content_length, const char *setting)
{
	const char *const	 conf_lines[] = {
		"RELAY_AUTH_ENABLED=false", "RELAY_MAX_JSON_BODY=4096", setting,
		NULL,
	};
	struct mem_request	 rq = { method, path, headers, body, len,
	    content_length, 0, false, NULL };
	struct mem_reply	 r;

	mem_config(&cfg, conf_lines);
	mem_reply_free(&io);
	mem_serve(&cfg, &rq, &r);
	/* The tests read the answer as one text: head, blank line, body. */
	io = r;
	io.head = xconcat(r.head, "\r\n\r\n", r.body, (char *)NULL);
	free(r.head);
	config_free(&cfg);
}

/* The same with at most a Content-Type. */
static void
serve_request(const char *method, const char *path, const char *body,
    size_t len, long content_length, const char *ctype, const char *setting)
{
	char		 header[256];
	const char	*headers[] = { header, NULL };

	snprintf(header, sizeof(header), "Content-Type: %s", ctype ? ctype :
	    "");
	serve_headers(method, path, ctype ? headers : NULL, body, len,
	    content_length, setting);
}

/* One POST /v1/responses with the default settings. */
static void
serve(const char *body, size_t len, long content_length, const char *ctype)
{
	serve_request("POST", "/v1/responses", body, len, content_length,
	    ctype, NULL);
}

START_TEST(over_cap_without_length_is_413)
{
	char	*big = malloc(5000);

	memset(big, ' ', 5000);
	big[0] = '{';
	big[4999] = '}';
	serve(big, 5000, -1, "application/json");
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 413"));
	ck_assert_ptr_nonnull(strstr(io.head, "request_too_large"));
	free(big);
}
END_TEST

START_TEST(exactly_at_cap_is_read_whole)
{
	char	*body = malloc(4096);

	memset(body, ' ', 4096);
	body[0] = '[';
	body[4095] = ']';
	serve(body, 4096, -1, "application/json");
	/* Read whole, then judged as JSON: an array is not an object. */
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(io.head, "must be a JSON object"));
	free(body);
}
END_TEST

START_TEST(declared_length_over_cap_is_413_unread)
{
	serve("{}", 2, 1000000, "application/json");
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 413"));
	ck_assert_uint_eq(io.consumed, 0);
}
END_TEST

START_TEST(truncated_body_is_refused)
{
	serve("{\"a\":1}", 7, 100, "application/json");
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(io.head, "incomplete_body"));
}
END_TEST

START_TEST(reply_carries_request_id_and_envelope)
{
	serve("{}", 2, 2, "text/plain");
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 415 Unsupported Media "
	    "Type\r\n"));
	/* The relay's own id, and on its own errors as x-request-id too. */
	ck_assert_ptr_nonnull(strstr(io.head, "X-Relay-Request-Id: unit-1\r\n"));
	ck_assert_ptr_nonnull(strstr(io.head, "x-request-id: unit-1\r\n"));
	ck_assert_ptr_nonnull(strstr(io.head, "Content-Type: application/json"
	    "\r\n"));
	ck_assert_ptr_nonnull(strstr(io.head, "\r\n\r\n{\"error\":{"));
}
END_TEST

/* A line break in a header value would forge a header upstream. */
START_TEST(header_with_line_break_is_400_unread)
{
	serve("{}", 2, 2, "application/json\r\nOpenAI-Organization: org-x");
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(io.head, "\"code\":\"invalid_header\""));
	ck_assert_uint_eq(io.consumed, 0);
}
END_TEST

/* Asks, as lighttpd's FastCGI authorizer, about method path with key. */
static void
authorize(const char *method, const char *path, const char *key)
{
	static const char *const conf_lines[] = {
		"RELAY_KEY=unit-relay-key-0123456789", NULL,
	};
	char			 header[128];
	const char		*headers[] = { header, NULL };
	/* lighttpd sends an authorizer no Content-Length and no body. */
	struct mem_request	 rq = { method, path, key ? headers : NULL,
	    NULL, 0, -1, 0, true, NULL };

	snprintf(header, sizeof(header), "X-Relay-Key: %s", key ? key : "");
	mem_config(&cfg, conf_lines);
	mem_reply_free(&io);
	mem_serve(&cfg, &rq, &io);
	config_free(&cfg);
}

/*
 * The authorizer role decides from the head alone: 200 and nothing
 * else for a request the responder will take, the responder's own
 * error otherwise; never a body read, never upstream.
 */
START_TEST(authorizer_decides_from_the_head)
{
	authorize("POST", "/v1/files", "unit-relay-key-0123456789");
	ck_assert_int_eq(io.status, 200);
	ck_assert_uint_eq(io.body_len, 0);
	ck_assert_uint_eq(io.consumed, 0);
	authorize("GET", "/health", NULL);
	ck_assert_int_eq(io.status, 200);
	authorize("POST", "/v1/files", NULL);
	ck_assert_int_eq(io.status, 401);
	ck_assert_str_eq(mem_error_code(&io), "missing_relay_key");
	authorize("POST", "/v1/files", "wrong-key-0123456789abc");
	ck_assert_int_eq(io.status, 401);
	authorize("POST", "/v1/videos/v_1/nothing", "unit-relay-key-0123456789");
	ck_assert_int_eq(io.status, 404);
}
END_TEST

/*
 * A WebSocket handshake where OpenAI's clients try one gets 426, which
 * makes them fall back to HTTP at once; before any key is checked.
 */
START_TEST(websocket_upgrades_get_426)
{
	static const struct {
		const char	*path;
		const char	*upgrade;
		const char	*want;
	} cases[] = {
		{ "/v1/responses", "websocket", "Status: 426 Upgrade Required" },
		{ "/v1/responses", "WebSocket", "Status: 426 Upgrade Required" },
		{ "/v1/realtime", "websocket", "Status: 426 Upgrade Required" },
		{ "/v1/realtime/ws", "websocket", "Status: 426 Upgrade Required" },
		/* Without one, or with another protocol: routed as usual. */
		{ "/v1/responses", NULL, "Status: 405" },
		{ "/v1/responses", "h2c", "Status: 405" },
		{ "/v1/realtime", NULL, "Status: 404" },
		{ "/v1/health", "websocket", "Status: 200" },
	};
	char		 upgrade[64];
	const char	*headers[] = { "Connection: Upgrade", upgrade,
	    "Sec-WebSocket-Version: 13", NULL };
	const char	*plain[] = { "Connection: Upgrade", NULL };
	/* Apache's mod_fcgid passes neither Upgrade nor the client's
	 * Connection, but the handshake's key. */
	const char	*apache[] = { "Connection: close",
	    "Sec-Websocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
	    "Sec-Websocket-Version: 13", NULL };
	const char	*post[] = { "Connection: Upgrade", "Upgrade: websocket",
	    "Content-Type: application/json", NULL };
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(upgrade, sizeof(upgrade), "Upgrade: %s",
		    cases[i].upgrade ? cases[i].upgrade : "");
		serve_headers("GET", cases[i].path, cases[i].upgrade ? headers :
		    plain, NULL, 0, -1, NULL);
		ck_assert_msg(strstr(io.head, cases[i].want) != NULL, "%s %s: "
		    "%s", cases[i].path, cases[i].upgrade, io.head);
		if (strstr(cases[i].want, "426") == NULL)
			continue;
		ck_assert_str_eq(mem_error_code(&io), "websocket_not_supported");
		ck_assert_ptr_nonnull(strstr(io.head, strstr(cases[i].path,
		    "realtime") ? "relay --websocket" : "POST /v1/responses"));
	}
	serve_headers("GET", "/v1/responses", apache, NULL, 0, -1, NULL);
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 426"));
	/* A POST asking to upgrade is no handshake: JSON as ever. */
	serve_headers("POST", "/v1/responses", post, "{}", 2, 2, NULL);
	ck_assert_ptr_null(strstr(io.head, "Status: 426"));
}
END_TEST

/*
 * The Actions operations the relay answers itself (check_answer.c holds
 * the rest to the cap) fit in an Action's answer.
 */
START_TEST(local_actions_answers_fit)
{
	size_t	i, n = 0;

	for (i = 0; i < routes_count; i++) {
		if (!route_in_actions(&routes[i]) ||
		    routes[i].handler != HANDLER_HEALTH)
			continue;
		serve_headers("GET", routes[i].path, NULL, NULL, 0, -1, NULL);
		ck_assert_int_eq(io.status, 200);
		ck_assert_uint_le(io.body_len, ANSWER_ACTIONS_MAX);
		n++;
	}
	ck_assert_uint_gt(n, 0);
}
END_TEST

/*
 * Blanks after the commas of a list setting do not count: with no
 * OpenAI key configured, a model the wrapper accepts gets the 424.
 */
START_TEST(video_models_listed_with_blanks)
{
	static const char	pro[] = "{\"prompt\":\"p\",\"model\":"
	    "\"sora-2-pro\"}";
	static const char	veo[] = "{\"prompt\":\"p\",\"model\":\"veo\"}";

	serve_request("POST", "/v1/actions/videos", pro, strlen(pro),
	    (long)strlen(pro), "application/json",
	    "RELAY_VIDEO_MODELS=sora-2, sora-2-pro");
	ck_assert_msg(strstr(io.head, "Status: 424") != NULL, "%s", io.head);
	serve_request("POST", "/v1/actions/videos", veo, strlen(veo),
	    (long)strlen(veo), "application/json",
	    "RELAY_VIDEO_MODELS=sora-2,  sora-2-pro");
	ck_assert_ptr_nonnull(strstr(io.head, "Status: 400"));
	ck_assert_msg(strstr(io.head, "model must be one of: sora-2, "
	    "sora-2-pro\"") != NULL, "%s", io.head);
}
END_TEST

/*
 * Every row's handler is wired up (a hole in serve.c's dispatch[] would
 * crash here) and answers: each route, served with a body of its kind,
 * no OpenAI key (so nothing needs upstream) and no relay key.
 */
START_TEST(every_route_reaches_its_handler)
{
	static const char	 form[] = "--b\r\n\r\nx\r\n--b--\r\n";
	const struct route	*r = &routes[_i];
	const char		*body = NULL, *ctype = NULL;
	char			 path[256];

	route_sample_path(r, path, sizeof(path));
	if (r->body == BODY_MULTIPART) {
		body = form;
		ctype = "multipart/form-data; boundary=b";
	} else if (r->body != BODY_NONE) {
		body = "{}";
		ctype = "application/json";
	}
	serve_request(method_name(r->method), path, body, body ? strlen(body) :
	    0, body ? (long)strlen(body) : -1, ctype, NULL);
	ck_assert_msg(io.status != 0, "%s %s: %s", method_name(r->method),
	    path, io.head);
}
END_TEST

/* And no handler is left without a row. */
START_TEST(every_handler_has_a_route)
{
	bool	used[HANDLER__MAX] = { false };
	size_t	i;

	for (i = 0; i < routes_count; i++)
		used[routes[i].handler] = true;
	for (i = 0; i < HANDLER__MAX; i++)
		ck_assert_msg(used[i], "handler %zu serves no route", i);
}
END_TEST

Suite *
serve_suite(void)
{
	Suite	*s = suite_create("serve");
	TCase	*tc = tcase_create("body");

	tcase_add_test(tc, over_cap_without_length_is_413);
	tcase_add_test(tc, exactly_at_cap_is_read_whole);
	tcase_add_test(tc, declared_length_over_cap_is_413_unread);
	tcase_add_test(tc, truncated_body_is_refused);
	tcase_add_test(tc, reply_carries_request_id_and_envelope);
	tcase_add_test(tc, header_with_line_break_is_400_unread);
	tcase_add_test(tc, authorizer_decides_from_the_head);
	tcase_add_test(tc, websocket_upgrades_get_426);
	tcase_add_test(tc, local_actions_answers_fit);
	tcase_add_test(tc, video_models_listed_with_blanks);
	tcase_add_loop_test(tc, every_route_reaches_its_handler, 0,
	    (int)routes_count);
	tcase_add_test(tc, every_handler_has_a_route);
	suite_add_tcase(s, tc);
	return s;
}
