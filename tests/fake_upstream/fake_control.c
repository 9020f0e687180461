#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_control.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_record.h"
#include "tests/fake_upstream/fake_script.h"
#include "tests/fake_upstream/fake_store.h"

#define CONTROL_PREFIX "/__fake/"

int control_match(const struct http_request *req)
{
	return strncmp(req->path, CONTROL_PREFIX, sizeof(CONTROL_PREFIX) - 1) == 0;
}

static int send_json(struct http_conn *c, const struct http_request *req,
		     int status, json_object *obj, const char *extra)
{
	size_t len;
	const char *text = json_plain(obj, &len);
	int rc = http_send(c, req, status, "application/json", extra, text, len);

	json_object_put(obj);
	return rc < 0 ? -1 : status;
}

static int send_ok(struct http_conn *c, const struct http_request *req)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return send_json(c, req, 200, o, NULL);
}

static int send_error(struct http_conn *c, const struct http_request *req,
		      int status, const char *message, const char *extra)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(message));
	return send_json(c, req, status, o, extra);
}

static int send_text(struct http_conn *c, const struct http_request *req,
		     char *text, size_t len)
{
	int rc = http_send(c, req, 200, "application/json", NULL, text, len);

	free(text);
	return rc < 0 ? -1 : 200;
}

/* Reads ?since=N; 0 when absent. Returns -1 if present but not a number. */
static int query_since(const char *query, uint64_t *since)
{
	const char *p = query;

	*since = 0;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, "since=", 6) == 0) {
			char *end;
			unsigned long long v;

			if (p[6] < '0' || p[6] > '9')
				return -1;
			errno = 0;
			v = strtoull(p + 6, &end, 10);
			if (errno != 0 || (*end != '\0' && *end != '&'))
				return -1;
			*since = v;
			return 0;
		}
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return 0;
}

int control_handle(struct http_conn *c, const struct http_request *req,
		   const char *body, size_t len)
{
	const char *name = req->path + sizeof(CONTROL_PREFIX) - 1;
	const char *want = NULL;
	int is_get = strcmp(req->method, "GET") == 0;
	int is_post = strcmp(req->method, "POST") == 0;

	if (strcmp(name, "requests") == 0) {
		uint64_t since;
		size_t n;
		char *text;

		if (!is_get) {
			want = "GET";
			goto wrong_method;
		}
		if (query_since(req->query, &since) < 0)
			return send_error(c, req, 400, "since must be a number", NULL);
		text = record_list(since, &n);
		return send_text(c, req, text, n);
	}
	if (strcmp(name, "connections") == 0) {
		size_t n;
		char *text;

		if (!is_get) {
			want = "GET";
			goto wrong_method;
		}
		text = record_conn_stats(&n);
		return send_text(c, req, text, n);
	}
	if (strcmp(name, "reset") == 0) {
		if (!is_post) {
			want = "POST";
			goto wrong_method;
		}
		record_clear();
		script_clear();
		store_clear();
		io_release_clear();
		return send_ok(c, req);
	}
	if (strcmp(name, "release") == 0) {
		/* One held step of a scripted answer goes on (io_hold). */
		if (!is_post) {
			want = "POST";
			goto wrong_method;
		}
		io_release();
		return send_ok(c, req);
	}
	if (strcmp(name, "files") == 0) {
		/* What the Files emulation holds, without downloading it. */
		if (!is_get) {
			want = "GET";
			goto wrong_method;
		}
		return send_json(c, req, 200, store_file_debug(), NULL);
	}
	if (strcmp(name, "script") == 0) {
		char err[256];

		if (!is_post) {
			want = "POST";
			goto wrong_method;
		}
		if (script_push(body, len, err, sizeof(err)) < 0)
			return send_error(c, req, 400, err, NULL);
		return send_ok(c, req);
	}
	return send_error(c, req, 404, "unknown control endpoint", NULL);

wrong_method:
	{
		char allow[32];

		snprintf(allow, sizeof(allow), "Allow: %s\r\n", want);
		return send_error(c, req, 405, "method not allowed", allow);
	}
}
