#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

static size_t
append(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf	*b = arg;
	size_t		 n = size * nmemb;

	/*
	 * Doubling: growing by each piece is quadratic where realloc always
	 * copies (ASan's does), and made 30 MiB downloads take a minute.
	 */
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap * 2 > b->len + n + 1 ? b->cap * 2 :
		    b->len + n + 1;
		b->data = realloc(b->data, b->cap);
	}
	if (b->data == NULL)
		abort();
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

bool
secret_in(const char *text, size_t len)
{
	static const char *const secrets[] = {
		TEST_OPENAI_KEY, TEST_RELAY_KEY, TEST_SECOND_KEY,
	};
	size_t	i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (memmem(text, len, secrets[i], strlen(secrets[i])) != NULL)
			return true;
	return false;
}

int
http_request(const char *base_url, const char *method, const char *target,
    const char *const *headers, const char *body, size_t body_len,
    struct response *out)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*list = NULL;
	struct buf		 hb = { NULL, 0, 0 }, bb = { NULL, 0, 0 };
	char			 url[4096];
	CURLcode		 rc;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s%s", base_url, target);
	for (; headers != NULL && *headers != NULL; headers++)
		list = curl_slist_append(list, *headers);
	/* Make curl send exactly what the test says. */
	list = curl_slist_append(list, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	out->headers = hb.data ? hb.data : strdup("");
	out->body = bb.data ? bb.data : strdup("");
	out->body_len = bb.len;
	/*
	 * No answer of the relay may ever carry a key: checked here, on
	 * every response of the whole run, rather than in some tests.  (The
	 * fake upstream's own records hold the key it was sent, rightly.)
	 */
	if (strncmp(target, "/__fake/", 8) != 0 &&
	    (secret_in(out->headers, strlen(out->headers)) ||
	    secret_in(out->body, out->body_len))) {
		fprintf(stderr, "integ: a key leaked in the answer to %s %s\n",
		    method, target);
		abort();
	}
	return rc == CURLE_OK ? 0 : -1;
}

void
response_free(struct response *r)
{
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *
response_header(const struct response *r, const char *name)
{
	size_t		 n = strlen(name);
	const char	*line = r->headers, *end;

	while (line != NULL && *line != '\0') {
		end = strstr(line, "\r\n");
		if (end == NULL)
			end = line + strlen(line);
		if ((size_t)(end - line) > n && line[n] == ':' &&
		    strncasecmp(line, name, n) == 0) {
			const char *v = line + n + 1;

			v += strspn(v, " \t");
			return strndup(v, (size_t)(end - v));
		}
		line = *end ? end + 2 : end;
	}
	return NULL;
}

struct json_object *
response_json(const struct response *r)
{
	return json_tokener_parse(r->body);
}

void
fake_reset(const char *fake_url)
{
	struct response	r;

	http_request(fake_url, "POST", "/__fake/reset", NULL, "", 0, &r);
	response_free(&r);
}

void
fake_script(const char *fake_url, const char *script_json)
{
	static const char *const ct[] = {
		"Content-Type: application/json", NULL
	};
	struct response	r;

	http_request(fake_url, "POST", "/__fake/script", ct, script_json,
	    strlen(script_json), &r);
	response_free(&r);
}

bool
fake_release(const char *fake_url)
{
	struct response	r;
	bool		ok;

	ok = http_request(fake_url, "POST", "/__fake/release", NULL, "", 0,
	    &r) == 0 && r.status == 200;
	response_free(&r);
	return ok;
}

struct json_object *
fake_requests(const char *fake_url)
{
	struct response		 r;
	struct json_object	*list = NULL;

	if (http_request(fake_url, "GET", "/__fake/requests", NULL, NULL, 0,
	    &r) == 0)
		list = response_json(&r);
	response_free(&r);
	return list;
}

long
fake_request_count(const char *fake_url)
{
	struct json_object	*list = fake_requests(fake_url);
	long			 n;

	if (list == NULL)
		return -1;
	n = (long)json_object_array_length(list);
	json_object_put(list);
	return n;
}

const char *
json_str(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    v == NULL)
		return NULL;
	return json_object_get_string(v);
}

long long
json_rows_sum(const char *text, const char *field)
{
	struct json_object	*rows = json_tokener_parse(text), *v;
	long long		 total = 0;
	size_t			 i;

	if (!json_object_is_type(rows, json_type_array)) {
		json_object_put(rows);
		return -1;
	}
	for (i = 0; i < json_object_array_length(rows); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(rows,
		    i), field, &v))
			total += json_object_get_int64(v);
	json_object_put(rows);
	return total;
}

/* The index-th recorded header named name, or NULL; counts them. */
static const char *
find_header(struct json_object *req, const char *name, size_t *count)
{
	struct json_object	*headers, *pair;
	const char		*first = NULL;
	size_t			 i;

	*count = 0;
	if (!json_object_object_get_ex(req, "headers", &headers))
		return NULL;
	for (i = 0; i < json_object_array_length(headers); i++) {
		pair = json_object_array_get_idx(headers, i);
		if (strcasecmp(json_object_get_string(
		    json_object_array_get_idx(pair, 0)), name) != 0)
			continue;
		if (first == NULL)
			first = json_object_get_string(
			    json_object_array_get_idx(pair, 1));
		(*count)++;
	}
	return first;
}

const char *
recorded_header(struct json_object *req, const char *name)
{
	size_t	count;

	return find_header(req, name, &count);
}

size_t
recorded_header_count(struct json_object *req, const char *name)
{
	size_t	count;

	find_header(req, name, &count);
	return count;
}
