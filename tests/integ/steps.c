/*
 * Steps every integration suite takes against the front server under
 * test and the fake upstream.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

void
req(const char *method, const char *target, const char *const *headers,
    const char *body, size_t len, struct response *r)
{
	ck_assert_msg(http_request(integ_frontend->base_url, method, target,
	    headers, body, len, r) == 0, "no HTTP answer for %s %s", method,
	    target);
}

void
reset_fake(void)
{
	fake_reset(integ_fake_url);
}

struct json_object *
only_upstream_request(struct json_object **list)
{
	*list = fake_requests(integ_fake_url);
	ck_assert_ptr_nonnull(*list);
	ck_assert_uint_eq(json_object_array_length(*list), 1);
	return json_object_array_get_idx(*list, 0);
}

struct json_object *
recorded_part(struct json_object *req, const char *name, int nth)
{
	struct json_object	*parts, *p;
	size_t			 i;

	if (!json_object_object_get_ex(req, "parts", &parts) || parts == NULL)
		return NULL;
	for (i = 0; i < json_object_array_length(parts); i++) {
		p = json_object_array_get_idx(parts, i);
		if (strcmp(json_str(p, "name"), name) == 0 && nth-- == 0)
			return p;
	}
	return NULL;
}

bool
relay_logged(const char *needle)
{
	char	*text = frontend_read_error_log(integ_frontend);
	bool	 found = text != NULL && strstr(text, needle) != NULL;
	FILE	*fp;
	char	 line[2048];

	free(text);
	fp = fopen(integ_frontend->server_out, "r");
	while (!found && fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, needle) != NULL;
	if (fp != NULL)
		fclose(fp);
	return found;
}

double
fake_closed_since(double since_ms)
{
	struct timespec		 pause = { 0, 20 * 1000 * 1000 };
	struct json_object	*o;
	struct response		 r;
	double			 closed = 0;
	int			 tries;

	for (tries = 0; tries < TEST_LOG_WAIT_S * 50 && closed < since_ms;
	    tries++) {
		nanosleep(&pause, NULL);
		if (http_request(integ_fake_url, "GET", "/__fake/connections",
		    NULL, NULL, 0, &r) != 0)
			continue;
		o = response_json(&r);
		closed = json_object_get_double(json_object_object_get(o,
		    "last_close_ms"));
		json_object_put(o);
		response_free(&r);
	}
	return closed;
}

bool
relay_logged_soon(const char *needle)
{
	struct timespec	pause = { 0, 20 * 1000 * 1000 };
	int		tries;

	for (tries = 0; tries < TEST_LOG_WAIT_S * 50; tries++) {
		if (relay_logged(needle))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

void
assert_relay_error(const struct response *r, long status, const char *code)
{
	struct json_object	*root, *err;
	char			*ct;

	/* Bodies can be large (the fault suite's): print only their start. */
	ck_assert_msg(r->status == status, "status %ld, want %ld: %.300s",
	    r->status, status, r->body);
	ct = response_header(r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	root = response_json(r);
	ck_assert_msg(root != NULL, "not JSON: %.300s", r->body);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_ptr_nonnull(json_str(err, "message"));
	ck_assert_ptr_nonnull(json_str(err, "type"));
	ck_assert_str_eq(json_str(err, "code"), code);
	json_object_put(root);
}

static size_t
bg_stream_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct bg_stream	*st = arg;
	size_t			 n = size * nmemb;

	/* Not ck_assert: this runs in the stream's own thread. */
	if ((st->raw = realloc(st->raw, st->len + n + 1)) == NULL)
		abort();
	memcpy(st->raw + st->len, ptr, n);
	st->len += n;
	st->raw[st->len] = '\0';
	return n;
}

static void *
bg_stream_main(void *arg)
{
	struct bg_stream	*st = arg;
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	char			 url[256];

	snprintf(url, sizeof(url), "%s/v1/responses",
	    integ_frontend->base_url);
	h = curl_slist_append(h, "Authorization: Bearer " TEST_RELAY_KEY);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS,
	    "{\"model\":\"gpt-test\",\"input\":\"hi\",\"stream\":true}");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bg_stream_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, st);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

void
bg_stream_start(struct bg_stream *st)
{
	ck_assert_int_eq(pthread_create(&st->thread, NULL, bg_stream_main,
	    st), 0);
}

void
bg_stream_join(struct bg_stream *st)
{
	ck_assert_int_eq(pthread_join(st->thread, NULL), 0);
}
