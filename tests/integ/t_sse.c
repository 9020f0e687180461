/*
 * Event streams through a real front server.  The sse row (behind one
 * front): the error event when upstream breaks off, upstream's errors,
 * the stream wrappers' edge cases, a background response resumed.  The
 * sse-front row (behind every front, which could hold events back):
 * each event reaches the client before upstream sends the next.  (A
 * client leaving mid-stream: t_faults.c.)  The sse-deadlines row (short
 * deadlines):
 * keepalives during a stall, and the idle deadline.
 *
 * Nothing here races the clock: upstream holds each step until the
 * client has seen what it must (POST /__fake/release), so a held-back
 * event stalls the stream until a hang guard fails it, however fast or
 * slow the machine.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH	"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT	"Content-Type: application/json"
#define EVENTS_MAX	256

/* What a streaming client saw, and what it does as events arrive. */
struct stream {
	char	*raw;		/* everything received */
	size_t	 len;
	char	*events[EVENTS_MAX];
	int	 nevents;
	size_t	 scanned;	/* raw bytes already split into events */
	/* Release upstream's next step after each event other than
	 * [DONE], or after the first keepalive comment. */
	bool	 release_each;
	bool	 release_on_keepalive;
	int	 released;
	long	 status;
	CURLcode rc;
	char	 content_type[128];
	char	 cache_control[64];
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct stream	*st = arg;
	size_t		 n = size * nmemb;
	char		*end;

	st->raw = realloc(st->raw, st->len + n + 1);
	memcpy(st->raw + st->len, ptr, n);
	st->len += n;
	st->raw[st->len] = '\0';
	while ((end = strstr(st->raw + st->scanned, "\n\n")) != NULL &&
	    st->nevents < EVENTS_MAX) {
		size_t elen = (size_t)(end - (st->raw + st->scanned));

		const char *ev = st->events[st->nevents++] =
		    strndup(st->raw + st->scanned, elen);
		bool keepalive = strcmp(ev, ": keepalive") == 0;

		st->scanned += elen + 2;
		if ((st->release_each && !keepalive &&
		    strcmp(ev, "data: [DONE]") != 0) ||
		    (st->release_on_keepalive && keepalive &&
		    st->released == 0)) {
			if (!fake_release(integ_fake_url))
				return 0;
			st->released++;
		}
	}
	return n;
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct stream	*st = arg;
	size_t		 n = size * nmemb;

	if (strncasecmp(ptr, "Content-Type:", 13) == 0)
		snprintf(st->content_type, sizeof(st->content_type), "%.*s",
		    (int)strcspn(ptr + 14, "\r\n"), ptr + 14);
	if (strncasecmp(ptr, "Cache-Control:", 14) == 0)
		snprintf(st->cache_control, sizeof(st->cache_control), "%.*s",
		    (int)strcspn(ptr + 15, "\r\n"), ptr + 15);
	return n;
}

static void
stream_post(const char *target, const char *body, struct stream *st)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	char			 url[512];

	snprintf(url, sizeof(url), "%s%s", integ_frontend->base_url, target);
	h = curl_slist_append(h, AUTH);
	h = curl_slist_append(h, JSON_CT);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, st);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, st);
	st->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void
stream_free(struct stream *st)
{
	int	i;

	for (i = 0; i < st->nevents; i++)
		free(st->events[i]);
	free(st->raw);
	memset(st, 0, sizeof(*st));
}

static int
count_events(const struct stream *st, const char *needle)
{
	int	i, n = 0;

	for (i = 0; i < st->nevents; i++)
		n += strstr(st->events[i], needle) != NULL;
	return n;
}

static const char STREAM_BODY[] =
    "{\"model\":\"gpt-test\",\"input\":\"hi\",\"stream\":true}";

/*
 * Upstream sends each event only once the client has the one before
 * (lockstep): an event a front server or the relay held back would
 * never arrive, the next never be sent, and the stream would stall
 * until the client's 30 s timeout fails the test.
 */
START_TEST(events_arrive_as_upstream_sends_them)
{
	struct stream		 st = { 0 };
	struct json_object	*data;
	int			 i;

	fake_script(integ_fake_url,
	    "{\"sse\":{\"events\":5,\"lockstep\":true}}");
	st.release_each = true;
	stream_post("/v1/responses", STREAM_BODY, &st);
	ck_assert_msg(st.rc == CURLE_OK, "%s after %d events",
	    curl_easy_strerror(st.rc), st.nevents);
	ck_assert_int_eq(st.status, 200);
	ck_assert_str_eq(st.content_type, "text/event-stream");
	ck_assert_str_eq(st.cache_control, "no-cache");
	ck_assert_msg(st.nevents == 6, "%d events: %s", st.nevents, st.raw);
	ck_assert_str_eq(st.events[5], "data: [DONE]");
	for (i = 0; i < 5; i++) {
		ck_assert_ptr_nonnull(strstr(st.events[i],
		    "event: response.output_text.delta\ndata: {"));
		data = json_tokener_parse(strstr(st.events[i], "{"));
		ck_assert_ptr_nonnull(data);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(
		    data, "sequence_number")), i);
		json_object_put(data);
	}
	ck_assert_int_eq(st.released, 5);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 1);
	stream_free(&st);
}
END_TEST

START_TEST(broken_stream_ends_with_error_event)
{
	struct stream	st = { 0 };

	fake_script(integ_fake_url,
	    "{\"sse\":{\"events\":5,\"interval_ms\":50,\"fail_after\":2}}");
	stream_post("/v1/responses", STREAM_BODY, &st);
	ck_assert_int_eq(st.status, 200);
	ck_assert_msg(st.nevents == 3, "%d events: %s", st.nevents, st.raw);
	ck_assert_int_eq(count_events(&st, "response.output_text.delta"), 2);
	ck_assert_ptr_nonnull(strstr(st.events[2], "event: error\ndata: "
	    "{\"type\":\"error\",\"error\":{"));
	ck_assert_ptr_nonnull(strstr(st.events[2],
	    "\"code\":\"upstream_stream_interrupted\""));
	ck_assert_ptr_null(strstr(st.raw, "[DONE]"));
	stream_free(&st);
}
END_TEST

/*
 * Upstream stalls after the first event until the client has seen a
 * keepalive comment: the relay must send one (after 1 s of silence)
 * before its idle deadline (TEST_IDLE_S) ends the stream with an error.
 */
START_TEST(keepalives_fill_a_stall)
{
	struct stream	st = { 0 };

	fake_script(integ_fake_url, "{\"sse\":{\"events\":3,\"interval_ms\":"
	    "0,\"hold_after\":1}}");
	st.release_on_keepalive = true;
	stream_post("/v1/responses", STREAM_BODY, &st);
	ck_assert_int_eq(st.status, 200);
	ck_assert_msg(count_events(&st, ": keepalive") >= 1, "%s", st.raw);
	ck_assert_int_eq(count_events(&st, "response.output_text.delta"), 3);
	ck_assert_int_eq(count_events(&st, "event: error"), 0);
	ck_assert_str_eq(st.events[st.nevents - 1], "data: [DONE]");
	stream_free(&st);
}
END_TEST

/* Upstream goes silent for good after one event. */
START_TEST(silent_upstream_hits_the_idle_deadline)
{
	struct stream	st = { 0 };

	fake_script(integ_fake_url, "{\"sse\":{\"events\":3,\"interval_ms\":"
	    "0,\"hold_after\":1}}");
	stream_post("/v1/responses", STREAM_BODY, &st);
	ck_assert_int_eq(st.status, 200);
	ck_assert_int_eq(count_events(&st, "response.output_text.delta"), 1);
	ck_assert_int_eq(count_events(&st, "\"code\":\"upstream_idle_timeout\""),
	    1);
	stream_free(&st);
}
END_TEST

START_TEST(upstream_error_on_a_stream_passes_through)
{
	struct stream	st = { 0 };

	fake_script(integ_fake_url, "{\"status\":429,\"body\":\"{\\\"error\\\":"
	    "{\\\"message\\\":\\\"slow down\\\",\\\"type\\\":\\\"requests\\\"}}\"}");
	stream_post("/v1/responses", STREAM_BODY, &st);
	ck_assert_int_eq(st.status, 429);
	ck_assert_str_eq(st.content_type, "application/json");
	ck_assert_str_eq(st.raw, "{\"error\":{\"message\":\"slow down\","
	    "\"type\":\"requests\"}}");
	stream_free(&st);
}
END_TEST

START_TEST(wrapper_shapes_any_json)
{
	static const char *const cases[][2] = {
		{ "\"hello\"", "{\"input\":\"hello\",\"stream\":true}" },
		{ "{\"model\":\"m\",\"input\":[1]}",
		    "{\"model\":\"m\",\"input\":[1],\"stream\":true}" },
		{ "{\"input\":\"x\",\"stream\":false}",
		    "{\"input\":\"x\",\"stream\":false}" },
		{ "null", "{\"input\":null,\"stream\":true}" },
	};
	struct json_object	*list, *up;
	struct stream		 st = { 0 };
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_reset(integ_fake_url);
		stream_post(i % 2 ? "/v1/actions/responses/stream" :
		    "/v1/responses:stream?include=x", cases[i][0], &st);
		ck_assert_msg(st.status == 200, "%s: %ld", cases[i][0],
		    st.status);
		/* stream:false gets plain JSON back, as asked. */
		ck_assert_str_eq(st.content_type, i == 2 ?
		    "application/json" : "text/event-stream");
		stream_free(&st);
		list = fake_requests(integ_fake_url);
		ck_assert_uint_eq(json_object_array_length(list), 1);
		up = json_object_array_get_idx(list, 0);
		ck_assert_str_eq(json_str(up, "path"), "/v1/responses");
		ck_assert_str_eq(json_str(up, "query"), i % 2 ? "" :
		    "include=x");
		ck_assert_str_eq(json_str(up, "body"), cases[i][1]);
		ck_assert_str_eq(recorded_header(up, "Content-Type"),
		    "application/json");
		ck_assert_uint_eq(recorded_header_count(up, "Content-Type"), 1);
		json_object_put(list);
	}
}
END_TEST

START_TEST(wrapper_refuses_invalid_json)
{
	struct response	r;
	const char	*headers[] = { AUTH, JSON_CT, NULL };

	ck_assert(http_request(integ_frontend->base_url, "POST",
	    "/v1/responses:stream", headers, "{\"input\":", 9, &r) == 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"invalid_json\""));
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(background_response_stream_resumes)
{
	struct json_object	*list, *up;
	struct stream		 st = { 0 };
	const char		*headers[] = { AUTH, NULL };
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	char			 url[256];

	fake_script(integ_fake_url,
	    "{\"sse\":{\"events\":2,\"interval_ms\":100}}");
	snprintf(url, sizeof(url), "%s/v1/responses/resp_1?stream=true&"
	    "starting_after=3", integ_frontend->base_url);
	h = curl_slist_append(h, headers[0]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &st);
	curl_easy_perform(c);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ck_assert_str_eq(st.content_type, "text/event-stream");
	ck_assert_int_eq(count_events(&st, "response.output_text.delta"), 2);
	stream_free(&st);
	list = fake_requests(integ_fake_url);
	up = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(json_str(up, "method"), "GET");
	ck_assert_str_eq(json_str(up, "query"), "stream=true&starting_after=3");
	json_object_put(list);
}
END_TEST

void
add_sse_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("sse");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, broken_stream_ends_with_error_event);
	tcase_add_test(tc, upstream_error_on_a_stream_passes_through);
	tcase_add_test(tc, wrapper_shapes_any_json);
	tcase_add_test(tc, wrapper_refuses_invalid_json);
	tcase_add_test(tc, background_response_stream_resumes);
	suite_add_tcase(s, tc);
}

void
add_sse_front_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("sse-front");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, events_arrive_as_upstream_sends_them);
	suite_add_tcase(s, tc);
}

void
add_sse_deadline_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("sse-deadlines");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, keepalives_fill_a_stall);
	tcase_add_test(tc, silent_upstream_hits_the_idle_deadline);
	suite_add_tcase(s, tc);
}
