#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_script.h"

/* Queue of scripts; a script with uses left stays at the head. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct script **queue;
static size_t queue_len, queue_cap;

static void script_free(struct script *s)
{
	for (size_t i = 0; i < s->nheaders; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value);
	}
	free(s->headers);
	free(s->body);
	free(s->content_type);
	free(s->raw);
	free(s);
}

/* Header text goes on the wire verbatim, so it must not break framing. */
static int header_text_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

static int add_header(struct script *s, json_object *name, json_object *value,
		      char *err, size_t errlen)
{
	const char *n, *v;

	if (!json_object_is_type(value, json_type_string)) {
		snprintf(err, errlen, "header values must be strings");
		return -1;
	}
	n = json_object_get_string(name);
	v = json_object_get_string(value);
	if (n[0] == '\0' || strchr(n, ':') != NULL || !header_text_ok(n) ||
	    !header_text_ok(v)) {
		snprintf(err, errlen, "header name or value is not sendable");
		return -1;
	}
	s->headers = xrealloc(s->headers, (s->nheaders + 1) * sizeof(*s->headers));
	s->headers[s->nheaders].name = xstrndup(n, strlen(n));
	s->headers[s->nheaders].value = xstrndup(v, strlen(v));
	s->nheaders++;
	return 0;
}

/* "headers" is an object (in order) or an array of [name, value] pairs. */
static int parse_headers(struct script *s, json_object *h, char *err,
			 size_t errlen)
{
	if (json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, key, val) {
			json_object *name = json_object_new_string(key);
			int rc = add_header(s, name, val, err, errlen);

			json_object_put(name);
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	if (json_object_is_type(h, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(h); i++) {
			json_object *pair = json_object_array_get_idx(h, i);

			if (!json_object_is_type(pair, json_type_array) ||
			    json_object_array_length(pair) != 2 ||
			    !json_object_is_type(json_object_array_get_idx(pair, 0),
						 json_type_string)) {
				snprintf(err, errlen, "headers array items must be [name, value]");
				return -1;
			}
			if (add_header(s, json_object_array_get_idx(pair, 0),
				       json_object_array_get_idx(pair, 1), err, errlen) < 0)
				return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "\"headers\" must be an object or an array");
	return -1;
}

/* Reads a non-negative integer field; 0 if absent, -1 if malformed. */
static int get_count(json_object *obj, const char *key, int64_t min,
		     int64_t *out, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < min) {
		snprintf(err, errlen, "\"%s\" must be an integer >= %lld", key,
			 (long long)min);
		return -1;
	}
	*out = json_object_get_int64(v);
	return 1;
}

static int get_bool(json_object *obj, const char *key, int *out, char *err,
		    size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "\"%s\" must be true or false", key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 1;
}

/* Rejects unknown keys, so a typo in a test fails loudly. */
static int check_keys(json_object *obj, const char *const *known,
		      const char *what, char *err, size_t errlen)
{
	json_object_object_foreach(obj, key, val) {
		size_t i;

		(void)val;
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			snprintf(err, errlen, "unknown %s field \"%.64s\"", what, key);
			return -1;
		}
	}
	return 0;
}

static long clamp_long(int64_t v)
{
	return v > 0x7fffffff ? 0x7fffffff : (long)v;
}

static int parse_sse(struct script *s, json_object *sse, char *err,
		     size_t errlen)
{
	static const char *const known[] = {
		"events", "interval_ms", "fail_after", "stall_after",
		"stall_ms", "hold_after", "lockstep", "done", "style", NULL
	};
	int64_t v;
	json_object *style;

	if (!json_object_is_type(sse, json_type_object)) {
		snprintf(err, errlen, "\"sse\" must be an object");
		return -1;
	}
	if (check_keys(sse, known, "sse", err, errlen) < 0)
		return -1;
	s->sse = 1;
	s->sse_events = 5;
	s->sse_interval_ms = 50;
	s->sse_fail_after = -1;
	s->sse_stall_after = -1;
	s->sse_hold_after = -1;
	s->sse_done = 1;
	v = 0;
	switch (get_count(sse, "events", 0, &v, err, errlen)) {
	case -1: return -1;
	case 1: s->sse_events = clamp_long(v);
	}
	switch (get_count(sse, "interval_ms", 0, &v, err, errlen)) {
	case -1: return -1;
	case 1: s->sse_interval_ms = clamp_long(v);
	}
	switch (get_count(sse, "fail_after", 0, &v, err, errlen)) {
	case -1: return -1;
	case 1: s->sse_fail_after = clamp_long(v);
	}
	switch (get_count(sse, "stall_after", 0, &v, err, errlen)) {
	case -1: return -1;
	case 1: s->sse_stall_after = clamp_long(v);
	}
	switch (get_count(sse, "stall_ms", 0, &v, err, errlen)) {
	case -1: return -1;
	case 1: s->sse_stall_ms = clamp_long(v);
	}
	switch (get_count(sse, "hold_after", 0, &v, err, errlen)) {
	case -1: return -1;
	case 1: s->sse_hold_after = clamp_long(v);
	}
	if (get_bool(sse, "lockstep", &s->sse_lockstep, err, errlen) < 0 ||
	    get_bool(sse, "done", &s->sse_done, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(sse, "style", &style)) {
		const char *name = json_object_get_string(style);

		if (!json_object_is_type(style, json_type_string) ||
		    (strcmp(name, "responses") != 0 && strcmp(name, "chat") != 0)) {
			snprintf(err, errlen, "\"style\" must be \"responses\" or \"chat\"");
			return -1;
		}
		s->sse_style = strcmp(name, "chat") == 0 ? SCRIPT_STYLE_CHAT
							 : SCRIPT_STYLE_RESPONSES;
	}
	return 0;
}

static int parse_body(struct script *s, json_object *obj, char *err,
		      size_t errlen)
{
	json_object *body, *b64;
	int has_body = json_object_object_get_ex(obj, "body", &body);
	int has_b64 = json_object_object_get_ex(obj, "body_base64", &b64);

	if (has_body && has_b64) {
		snprintf(err, errlen, "give \"body\" or \"body_base64\", not both");
		return -1;
	}
	if (has_body) {
		if (!json_object_is_type(body, json_type_string)) {
			snprintf(err, errlen, "\"body\" must be a string");
			return -1;
		}
		s->body_len = (size_t)json_object_get_string_len(body);
		s->body = xstrndup(json_object_get_string(body), s->body_len);
	} else if (has_b64) {
		const char *text = json_object_get_string(b64);

		if (!json_object_is_type(b64, json_type_string) ||
		    (s->body = base64_decode(text, strlen(text), &s->body_len)) == NULL) {
			snprintf(err, errlen, "\"body_base64\" must be a base64 string");
			return -1;
		}
	}
	return 0;
}

/* The fault modes: see struct script. */
static int parse_faults(struct script *s, json_object *obj, char *err,
			size_t errlen)
{
	json_object *v;
	int64_t n = 0;

	switch (get_count(obj, "trickle_ms", 0, &n, err, errlen)) {
	case -1: return -1;
	case 1: s->trickle_ms = clamp_long(n);
	}
	if (json_object_object_get_ex(obj, "raw", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "\"raw\" must be a string");
			return -1;
		}
		s->raw_len = (size_t)json_object_get_string_len(v);
		s->raw = xstrndup(json_object_get_string(v), s->raw_len);
	}
	if (get_count(obj, "pad_header_bytes", 0, &s->pad_header_bytes, err,
		      errlen) < 0 ||
	    get_count(obj, "pad_header_line_bytes", 16,
		      &s->pad_header_line_bytes, err, errlen) < 0 ||
	    get_bool(obj, "chunked", &s->chunked, err, errlen) < 0 ||
	    get_bool(obj, "rst", &s->rst, err, errlen) < 0 ||
	    get_count(obj, "hold_after_bytes", 0, &s->hold_after_bytes, err,
		      errlen) < 0)
		return -1;
	return 0;
}

static int parse_script(struct script *s, json_object *obj, char *err,
			size_t errlen)
{
	static const char *const known[] = {
		"status", "headers", "body", "body_base64", "content_type",
		"delay_ms", "hang", "close", "reset_after_bytes",
		"large_body_bytes", "sse", "times", "trickle_ms", "raw",
		"pad_header_bytes", "pad_header_line_bytes", "chunked", "rst",
		"hold_after_bytes", NULL
	};
	json_object *v;
	int64_t n = 0;

	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "a script must be a JSON object");
		return -1;
	}
	if (check_keys(obj, known, "script", err, errlen) < 0)
		return -1;
	s->status = 200;
	s->reset_after_bytes = -1;
	s->large_body_bytes = -1;
	s->hold_after_bytes = -1;
	s->pad_header_line_bytes = 1000;
	s->times = 1;
	if (json_object_object_get_ex(obj, "status", &v)) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 100 || json_object_get_int64(v) > 999) {
			snprintf(err, errlen, "\"status\" must be an integer 100..999");
			return -1;
		}
		s->status = (int)json_object_get_int64(v);
	}
	if (json_object_object_get_ex(obj, "headers", &v) &&
	    parse_headers(s, v, err, errlen) < 0)
		return -1;
	if (parse_body(s, obj, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(obj, "content_type", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !header_text_ok(json_object_get_string(v))) {
			snprintf(err, errlen, "\"content_type\" must be a string");
			return -1;
		}
		s->content_type = xstrndup(json_object_get_string(v),
					   strlen(json_object_get_string(v)));
	}
	switch (get_count(obj, "delay_ms", 0, &n, err, errlen)) {
	case -1: return -1;
	case 1: s->delay_ms = clamp_long(n);
	}
	if (get_bool(obj, "hang", &s->hang, err, errlen) < 0 ||
	    get_bool(obj, "close", &s->close, err, errlen) < 0 ||
	    get_count(obj, "reset_after_bytes", 0, &s->reset_after_bytes, err, errlen) < 0 ||
	    get_count(obj, "large_body_bytes", 0, &s->large_body_bytes, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(obj, "sse", &v) &&
	    parse_sse(s, v, err, errlen) < 0)
		return -1;
	if (parse_faults(s, obj, err, errlen) < 0)
		return -1;
	switch (get_count(obj, "times", -1, &n, err, errlen)) {
	case -1: return -1;
	case 1:
		if (n == 0) {
			snprintf(err, errlen, "\"times\" must be >= 1, or -1 for always");
			return -1;
		}
		s->times = clamp_long(n);
	}
	return 0;
}

int script_push(const char *json, size_t len, char *err, size_t errlen)
{
	json_object *obj = json_parse_whole(json, len);
	struct script *s;

	if (obj == NULL) {
		snprintf(err, errlen, "the script is not one JSON value");
		return -1;
	}
	s = xmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	if (parse_script(s, obj, err, errlen) < 0) {
		json_object_put(obj);
		script_free(s);
		return -1;
	}
	json_object_put(obj);
	s->refs = 1;
	pthread_mutex_lock(&lock);
	if (queue_len == queue_cap) {
		queue_cap = queue_cap ? queue_cap * 2 : 16;
		queue = xrealloc(queue, queue_cap * sizeof(*queue));
	}
	queue[queue_len++] = s;
	pthread_mutex_unlock(&lock);
	return 0;
}

/* Removes the head from the queue; called with the lock held. */
static void queue_pop(void)
{
	memmove(queue, queue + 1, (queue_len - 1) * sizeof(*queue));
	queue_len--;
}

struct script *script_take(void)
{
	struct script *s = NULL;

	pthread_mutex_lock(&lock);
	if (queue_len > 0) {
		s = queue[0];
		s->refs++;
		/* Used up: the queue's reference goes, the caller's stays. */
		if (s->times > 0 && --s->times == 0) {
			queue_pop();
			s->refs--;
		}
	}
	pthread_mutex_unlock(&lock);
	return s;
}

void script_release(struct script *s)
{
	int last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		script_free(s);
}

void script_clear(void)
{
	struct script **old;
	size_t n;

	pthread_mutex_lock(&lock);
	old = queue;
	n = queue_len;
	queue = NULL;
	queue_len = 0;
	queue_cap = 0;
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < n; i++)
		script_release(old[i]);
	free(old);
}
