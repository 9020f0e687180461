/*
 * Forwarding (handlers/forward.c) in-process, against the scripted
 * upstream: what every forwarded route of the table sends upstream, how
 * each upstream failure reaches the client before and after the head,
 * an event stream relayed and flushed event by event, a client that
 * leaves, and which deadline governs a call.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "policy/answer.h"
#include "policy/config.h"
#include "policy/route.h"
#include "tests/unit/mem_exchange.h"
#include "tests/unit/scripted_upstream.h"
#include "tests/unit/suites.h"

#define KEY		"sk-unit-upstream-key-0123456789"
#define RELAY_KEY	"relay-unit-key-0123456789"
#define AUTH		"Authorization: Bearer " RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define BASE		"http://upstream.test"

static const char *const test_settings[] = {
	"OPENAI_API_KEY=" KEY,
	"OPENAI_API_BASE=" BASE "/v1",
	"OPENAI_ORGANIZATION=org-test",
	"OPENAI_PROJECT=proj_test",
	"RELAY_KEY=" RELAY_KEY,
	"RELAY_TIMEOUT=77",
	NULL,
};
static const char STREAM_BODY[] =
    "{\"model\":\"gpt-test\",\"input\":\"hi\",\"stream\":true}";

static struct config	cfg;

static void
setup(void)
{
	scripted_reset();
	mem_config(&cfg, test_settings);
}

static void
teardown(void)
{
	config_free(&cfg);
	scripted_reset();
}

/* Indices of the forwarded rows. */
static size_t	forward_rows[256];
static int	nforward_rows;

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
 * Every forwarded route with hostile headers: upstream gets the path,
 * query and body unchanged, the operator's key and settings once each,
 * the allowlisted client headers and nothing else; the client gets
 * upstream's answer.
 */
START_TEST(every_forwarded_route_reaches_upstream_intact)
{
	const struct route		*rt = &routes[forward_rows[_i]];
	static const char		 query[] =
	    "limit=2&order=desc&include%5B%5D=a&include%5B%5D=b";
	static const char		 json[] =
	    "{\"model\":\"gpt-test\",\"input\":\"h\xc3\xa9llo\",\"n\":1}";
	static const char		 form[] = "--tb\r\nContent-Disposition: "
	    "form-data; name=\"purpose\"\r\n\r\nbatch\r\n--tb\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\""
	    "\r\nContent-Type: text/plain\r\n\r\nh\xc3\xa9llo\r\n--tb--\r\n";
	static const char *const	 gone[] = {
		"X-Relay-Key", "Cookie", "Origin", "X-Forwarded-For",
		"Proxy-Authorization", "Expect",
	};
	bool				 multipart = rt->body == BODY_MULTIPART;
	const char			*headers[] = {
		AUTH, "X-Relay-Key: " RELAY_KEY, multipart ?
		"Content-Type: multipart/form-data; boundary=tb" : JSON_CT,
		"Cookie: session=abc", "Origin: https://evil.example",
		"X-Forwarded-For: 203.0.113.9",
		"OpenAI-Organization: org-client", "OpenAI-Project: proj-client",
		"OpenAI-Beta: assistants=v2", "Idempotency-Key: idem-123",
		"Proxy-Authorization: Basic Zm9vOmJhcg==",
		"Accept-Encoding: gzip", NULL,
	};
	const struct scripted_call	*up;
	struct mem_reply		 r;
	struct mem_request		 rq = { 0 };
	char				 path[512], target[768], url[1024];
	char				*h;
	const char			*body = NULL;
	size_t				 i;

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
	rq.method = method_name(rt->method);
	rq.target = target;
	rq.headers = headers;
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	mem_serve(&cfg, &rq, &r);
	h = mem_header(&r, "x-request-id");
	ck_assert_msg(r.status == 200 && h != NULL && strcmp(h,
	    "req_scripted") == 0, "%s %s: %d %s", rq.method, target, r.status,
	    r.body);
	free(h);
	ck_assert_str_eq(r.body, "{\"object\":\"scripted\"}");

	ck_assert_uint_eq(scripted_calls(), 1);
	up = scripted_call(0);
	ck_assert_str_eq(up->method, rq.method);
	snprintf(url, sizeof(url), BASE "%s", target);
	ck_assert_str_eq(up->url, url);
	if (body != NULL && body[0] != '\0') {
		ck_assert_ptr_nonnull(up->body);
		ck_assert_str_eq(up->body, body);
	} else
		ck_assert_uint_eq(up->body_len, 0);

	ck_assert_str_eq(scripted_header(up, "Authorization"), "Bearer " KEY);
	ck_assert_uint_eq(scripted_header_count(up, "Authorization"), 1);
	ck_assert_str_eq(scripted_header(up, "OpenAI-Organization"),
	    "org-test");
	ck_assert_uint_eq(scripted_header_count(up, "OpenAI-Organization"), 1);
	ck_assert_str_eq(scripted_header(up, "OpenAI-Project"), "proj_test");
	ck_assert_uint_eq(scripted_header_count(up, "OpenAI-Project"), 1);
	ck_assert_str_eq(scripted_header(up, "OpenAI-Beta"), "assistants=v2");
	ck_assert_str_eq(scripted_header(up, "Idempotency-Key"), "idem-123");
	ck_assert_str_eq(scripted_header(up, "Accept-Encoding"), "identity");
	ck_assert_uint_eq(scripted_header_count(up, "Accept-Encoding"), 1);
	if (multipart)
		ck_assert_str_eq(scripted_header(up, "Content-Type"),
		    "multipart/form-data; boundary=tb");
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		ck_assert_msg(scripted_header(up, gone[i]) == NULL,
		    "%s reached upstream", gone[i]);
	for (i = 0; i < up->nheaders; i++)
		ck_assert_ptr_null(strstr(up->headers[i], RELAY_KEY));
	ck_assert_ptr_null(strstr(up->url, RELAY_KEY));
	mem_reply_free(&r);
}
END_TEST

static void
post(const char *target, const char *body, struct mem_reply *r)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	struct mem_request	rq = { "POST", target, headers, body,
	    strlen(body), 0, 0, false, NULL };

	mem_serve(&cfg, &rq, r);
}

static const struct {
	enum upstream_result	 result;
	int			 status;
	const char		*code;
} failures[] = {
	{ UPSTREAM_UNREACHABLE, 502, "upstream_unreachable" },
	{ UPSTREAM_CONNECT_TIMEOUT, 504, "upstream_connect_timeout" },
	{ UPSTREAM_TIMEOUT, 504, "upstream_timeout" },
	{ UPSTREAM_BAD_RESPONSE, 502, "upstream_bad_response" },
};

/* Before any answer: the relay's envelope, status and code. */
START_TEST(failure_before_the_head_is_an_envelope)
{
	struct scripted_answer	 a = { .status = 0,
	    .result = failures[_i].result };
	struct mem_reply	 r;
	char			*ct;

	scripted_push(&a);
	post("/v1/embeddings", "{\"input\":\"x\"}", &r);
	ck_assert_int_eq(r.status, failures[_i].status);
	ck_assert_str_eq(mem_error_code(&r), failures[_i].code);
	ct = mem_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	ck_assert(!r.cut_short);
	mem_reply_free(&r);
}
END_TEST

/*
 * After the head it is too late for an envelope: the client has what
 * upstream sent and nothing after it, the exchange is marked cut short
 * (fcgi/ then resets the connection) and logged with the failure.
 */
START_TEST(failure_after_the_head_cuts_the_body)
{
	struct scripted_answer	 a = { 200, { "Content-Type: application/json",
	    "Content-Length: 100" }, { "{\"data\":[1,", "2" },
	    failures[_i].result };
	struct mem_reply	 r;

	scripted_push(&a);
	post("/v1/embeddings", "{\"input\":\"x\"}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"data\":[1,2");
	ck_assert(r.cut_short);
	ck_assert_int_eq(r.logged_status, failures[_i].status);
	mem_reply_free(&r);
}
END_TEST

/*
 * Event boundaries fall anywhere in upstream's pieces; the client gets
 * the same bytes, flushed once after the head and once per event, never
 * inside one.
 */
START_TEST(events_are_flushed_one_by_one)
{
	struct scripted_answer	 a = { 200, { "Content-Type: text/event-stream",
	    "Content-Length: 27", "x-request-id: req_s" }, { "data: 1\n",
	    "\ndata: 2\n\nda", "ta: 3\n", "\n" }, UPSTREAM_DONE };
	struct mem_reply	 r;
	char			*h;
	size_t			 i;

	scripted_push(&a);
	post("/v1/responses", STREAM_BODY, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
	h = mem_header(&r, "Cache-Control");
	ck_assert_str_eq(h, "no-cache");
	free(h);
	h = mem_header(&r, "X-Accel-Buffering");
	ck_assert_str_eq(h, "no");
	free(h);
	/* Events change length on the way: upstream's length cannot hold. */
	ck_assert_ptr_null(mem_header(&r, "Content-Length"));
	ck_assert_uint_eq(r.flushes, 4);
	ck_assert_uint_eq(r.flush_at[0], 0);
	for (i = 1; i < 4; i++)
		ck_assert_uint_eq(r.flush_at[i], 9 * i);
	mem_reply_free(&r);
}
END_TEST

/* A stream that breaks off: its half event dropped, one error event. */
START_TEST(broken_stream_ends_with_one_error_event)
{
	static const char	 start[] = "data: 1\n\nevent: error\ndata: "
	    "{\"type\":\"error\",\"error\":{";
	struct scripted_answer	 a = { 200, { "Content-Type: text/event-stream" },
	    { "data: 1\n\n", "data: half" }, UPSTREAM_UNREACHABLE };
	struct mem_reply	 r;

	scripted_push(&a);
	post("/v1/responses", STREAM_BODY, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strncmp(r.body, start, sizeof(start) - 1) == 0, "%s",
	    r.body);
	ck_assert_ptr_nonnull(strstr(r.body,
	    "\"code\":\"upstream_stream_interrupted\""));
	ck_assert_ptr_null(strstr(r.body, "half"));
	/* One event, and nothing after it. */
	ck_assert_ptr_nonnull(strstr(r.body, "\n\n"));
	ck_assert_ptr_eq(strstr(r.body + 9, "\n\n") + 2, r.body + r.body_len);
	ck_assert(!r.cut_short);
	ck_assert_int_eq(r.logged_status, 502);
	mem_reply_free(&r);
}
END_TEST

/* An event too large to hold passes in pieces, bytes unchanged. */
START_TEST(oversize_event_passes_in_pieces)
{
	enum { PIECE = 100 * 1024, PIECES = 3 };
	struct scripted_answer	 a = { 200, { "Content-Type: text/event-stream" },
	    { NULL }, UPSTREAM_DONE };
	struct mem_reply	 r;
	char			*data = malloc(PIECE + 1);
	size_t			 i;

	memset(data, 'x', PIECE);
	data[PIECE] = '\0';
	a.pieces[0] = "data: ";
	for (i = 1; i <= PIECES; i++)
		a.pieces[i] = data;
	a.pieces[PIECES + 1] = "\n\ndata: next\n\n";
	scripted_push(&a);
	post("/v1/responses", STREAM_BODY, &r);
	ck_assert_uint_eq(r.body_len, 6 + PIECES * PIECE + 14);
	ck_assert_int_eq(memcmp(r.body, "data: ", 6), 0);
	for (i = 6; i < 6 + PIECES * PIECE; i++)
		if (r.body[i] != 'x')
			break;
	ck_assert_uint_eq(i, 6 + PIECES * PIECE);
	ck_assert_str_eq(r.body + i, "\n\ndata: next\n\n");
	mem_reply_free(&r);
	free(data);
}
END_TEST

/*
 * A chat stream ChatGPT asked for, held to an Action's answer: the cap
 * counts what the client gets.  The relay asked for the usage, so every
 * chunk comes with "usage":null, which the client does not see; here
 * those bytes would take the stream past the cap, the rest fits.
 */
START_TEST(capped_stream_counts_what_the_client_gets)
{
	static const char	 chunk[] = "data: {\"choices\":[{\"delta\":"
	    "{\"content\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}],"
	    "\"usage\":null}\n\n";
	static const char *const headers[] = { AUTH, JSON_CT,
	    "User-Agent: Mozilla/5.0 (compatible; ChatGPT-User/1.0)", NULL };
	static const char	 body[] = "{\"model\":\"gpt-test\","
	    "\"stream\":true,\"messages\":[]}";
	struct mem_request	 rq = { "POST", "/v1/chat/completions", headers,
	    body, sizeof(body) - 1, 0, 0, false, NULL };
	struct scripted_answer	 a = { 200, { "Content-Type: text/event-stream" },
	    { NULL }, UPSTREAM_DONE };
	const size_t		 cut = sizeof(",\"usage\":null") - 1;
	const size_t		 n = 1100;
	struct mem_reply	 r;
	char			*events = malloc(n * (sizeof(chunk) - 1) + 1);
	size_t			 i;

	/* Past the cap as upstream sends it, within it as the client gets it. */
	ck_assert_uint_gt(n * (sizeof(chunk) - 1), ANSWER_ACTIONS_MAX);
	ck_assert_uint_lt(n * (sizeof(chunk) - 1 - cut) + 512,
	    ANSWER_ACTIONS_MAX);
	for (i = 0; i < n; i++)
		memcpy(events + i * (sizeof(chunk) - 1), chunk,
		    sizeof(chunk) - 1);
	events[n * (sizeof(chunk) - 1)] = '\0';
	a.pieces[0] = events;
	a.pieces[1] = "data: [DONE]\n\n";
	scripted_push(&a);
	mem_serve(&cfg, &rq, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "answer_too_large"));
	ck_assert_ptr_null(strstr(r.body, "usage"));
	ck_assert_uint_eq(r.body_len, n * (sizeof(chunk) - 1 - cut) + 14);
	ck_assert_str_eq(r.body + r.body_len - 14, "data: [DONE]\n\n");
	mem_reply_free(&r);
	free(events);
}
END_TEST

/* The client leaves after the first event: the call is dropped, 499. */
START_TEST(leaving_client_ends_the_call)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	struct scripted_answer	 a = { 200, { "Content-Type: text/event-stream" },
	    { "data: 1\n\n", "data: 2\n\n", "data: 3\n\n" }, UPSTREAM_DONE };
	struct mem_request	 rq = { "POST", "/v1/responses", headers,
	    STREAM_BODY, sizeof(STREAM_BODY) - 1, 0, 0, false, NULL };
	struct mem_reply	 r;

	/* The head's size first, from the same answer served whole. */
	scripted_push(&a);
	mem_serve(&cfg, &rq, &r);
	rq.gone_after = strlen(r.head) + 4 + 9;
	mem_reply_free(&r);

	scripted_push(&a);
	mem_serve(&cfg, &rq, &r);
	ck_assert_str_eq(r.body, "data: 1\n\n");
	ck_assert(r.client_gone);
	ck_assert_int_eq(r.logged_status, 499);
	mem_reply_free(&r);
}
END_TEST

static const struct {
	const char	*method;
	const char	*target;
	const char	*accept;	/* a header line, or NULL */
	const char	*body;
	bool		 stream;
} deadline_cases[] = {
	{ "POST", "/v1/responses", NULL, "{\"input\":\"x\"}", false },
	{ "POST", "/v1/responses", NULL, STREAM_BODY, true },
	{ "POST", "/v1/responses", "Accept: text/event-stream",
	    "{\"input\":\"x\"}", true },
	/* Resuming a background response's stream. */
	{ "GET", "/v1/responses/resp_1?stream=true&starting_after=3", NULL,
	    NULL, true },
	{ "GET", "/v1/responses/resp_1?stream=truely", NULL, NULL, false },
	{ "POST", "/v1/responses:stream", NULL, "{\"input\":\"x\"}", true },
	{ "POST", "/v1/responses:stream", NULL,
	    "{\"input\":\"x\",\"stream\":false}", false },
};

/*
 * A stream is bounded by the stream deadlines, anything else by
 * RELAY_TIMEOUT: with upstream silent after its head (or before it),
 * RELAY_TIMEOUT (1 s) ends a call that is no stream, the first-byte or
 * idle deadline (3 s) a stream.  Both are the relay's own clocks from
 * the same start, so which comes first does not depend on the machine.
 */
static const char *const deadline_settings[] = {
	"OPENAI_API_KEY=" KEY, "OPENAI_API_BASE=" BASE, "RELAY_KEY=" RELAY_KEY,
	"RELAY_TIMEOUT=1", "RELAY_STREAM_FIRST_BYTE_TIMEOUT=3",
	"RELAY_STREAM_IDLE_TIMEOUT=3", "RELAY_STREAM_KEEPALIVE=60", NULL,
};

START_TEST(streams_get_stream_deadlines)
{
	const char		*headers[] = { AUTH, JSON_CT,
	    deadline_cases[_i].accept, NULL };
	struct mem_request	 rq = { deadline_cases[_i].method,
	    deadline_cases[_i].target, headers, deadline_cases[_i].body,
	    deadline_cases[_i].body ? strlen(deadline_cases[_i].body) : 0,
	    0, 0, false, NULL };
	struct scripted_answer	 silent = { .status = 0,
	    .pieces = { SCRIPTED_STALL } };
	struct mem_reply	 r;
	struct config		 short_cfg;

	mem_config(&short_cfg, deadline_settings);
	scripted_push(&silent);
	mem_serve(&short_cfg, &rq, &r);
	ck_assert_uint_eq(scripted_calls(), 1);
	ck_assert_msg(r.status == 504, "%d %s", r.status, r.body);
	ck_assert_str_eq(mem_error_code(&r), deadline_cases[_i].stream ?
	    "upstream_first_byte_timeout" : "upstream_timeout");
	mem_reply_free(&r);
	config_free(&short_cfg);
}
END_TEST

/*
 * A call that is no stream until upstream's head says so gets the stream
 * deadlines from then on: events after its head go on past
 * RELAY_TIMEOUT, and it ends at the idle deadline, not RELAY_TIMEOUT.
 */
START_TEST(answer_that_streams_gets_stream_deadlines)
{
	const char		*headers[] = { AUTH, JSON_CT, NULL };
	struct mem_request	 rq = { "POST", "/v1/responses", headers,
	    "{\"input\":\"x\"}", 13, 0, 0, false, NULL };
	struct scripted_answer	 a = { 200, { "Content-Type: text/event-stream" },
	    { "data: 1\n\n", SCRIPTED_STALL }, UPSTREAM_DONE };
	struct mem_reply	 r;
	struct config		 short_cfg;

	mem_config(&short_cfg, deadline_settings);
	scripted_push(&a);
	mem_serve(&short_cfg, &rq, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "data: 1\n\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "upstream_idle_timeout"));
	ck_assert_int_eq(r.logged_status, 504);
	mem_reply_free(&r);
	config_free(&short_cfg);
}
END_TEST

Suite *
forward_suite(void)
{
	Suite	*s = suite_create("forward");
	TCase	*tc = tcase_create("forward");
	size_t	 i;

	nforward_rows = 0;
	for (i = 0; i < routes_count; i++)
		if (routes[i].handler == HANDLER_FORWARD)
			forward_rows[nforward_rows++] = i;
	tcase_add_checked_fixture(tc, setup, teardown);
	/* A hang guard: the deadline cases wait for the relay's deadlines. */
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, every_forwarded_route_reaches_upstream_intact,
	    0, nforward_rows);
	tcase_add_loop_test(tc, failure_before_the_head_is_an_envelope, 0,
	    (int)(sizeof(failures) / sizeof(failures[0])));
	tcase_add_loop_test(tc, failure_after_the_head_cuts_the_body, 0,
	    (int)(sizeof(failures) / sizeof(failures[0])));
	tcase_add_test(tc, events_are_flushed_one_by_one);
	tcase_add_test(tc, broken_stream_ends_with_one_error_event);
	tcase_add_test(tc, oversize_event_passes_in_pieces);
	tcase_add_test(tc, capped_stream_counts_what_the_client_gets);
	tcase_add_test(tc, leaving_client_ends_the_call);
	tcase_add_loop_test(tc, streams_get_stream_deadlines, 0,
	    (int)(sizeof(deadline_cases) / sizeof(deadline_cases[0])));
	tcase_add_test(tc, answer_that_streams_gets_stream_deadlines);
	suite_add_tcase(s, tc);
	return s;
}
