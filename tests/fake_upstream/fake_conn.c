#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/fake_upstream/fake_body.h"
#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_conn.h"
#include "tests/fake_upstream/fake_control.h"
#include "tests/fake_upstream/fake_emulate.h"
#include "tests/fake_upstream/fake_http.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_record.h"
#include "tests/fake_upstream/fake_respond.h"
#include "tests/fake_upstream/fake_script.h"

/* ~1000 concurrent connections must fit; nothing big lives on the stack. */
#define CONN_STACK_SIZE (256 * 1024)

static int quiet;
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t active_cond;
static pthread_once_t active_once = PTHREAD_ONCE_INIT;
static long active;
static uint64_t next_conn_id = 1;

void conn_set_quiet(int q)
{
	quiet = q;
}

/* Copies s into out with control and non-ASCII bytes as \xNN. */
static void log_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			buf_printf(out, "\\x%02x", ch);
		else
			buf_append(out, s, 1);
	}
}

static void log_request(const struct http_conn *c, const struct http_request *req,
			const char *seq, int status, uint64_t in, uint64_t out,
			int64_t started)
{
	struct buf line = { 0 };

	if (quiet)
		return;
	buf_printf(&line, "fake-upstream: conn=%llu %s ", (unsigned long long)c->id, seq);
	if (req != NULL) {
		log_escape(&line, req->method);
		buf_puts(&line, " ");
		log_escape(&line, req->target);
	} else {
		buf_puts(&line, "(malformed)");
	}
	buf_printf(&line, " -> %d in=%llu out=%llu %lldms\n", status,
		   (unsigned long long)in, (unsigned long long)out,
		   (long long)(io_mono_ms() - started));
	/* One fputs per line keeps lines whole across threads. */
	fputs(line.data, stderr);
	buf_free(&line);
}

/* Collects a control request body, refusing to hold more than the cap. */
struct capture {
	struct buf data;
	uint64_t total;
};

static void capture_feed(void *arg, const char *p, size_t len)
{
	struct capture *cap = arg;

	cap->total += len;
	if (cap->total <= CONTROL_BODY_MAX)
		buf_append(&cap->data, p, len);
}

/* Returns 1 if the connection can carry another request. */
static int serve_control(struct http_conn *c, const struct http_request *req,
			 int64_t started)
{
	struct capture cap = { { 0 }, 0 };
	int status, keep = req->keep_alive;

	if (http_read_body(c, req, capture_feed, &cap) < 0) {
		buf_free(&cap.data);
		return 0;
	}
	if (cap.total > CONTROL_BODY_MAX) {
		static const char msg[] =
			"{\"ok\":false,\"error\":\"control body too large\"}";

		status = 413;
		keep = 0;
		if (http_send(c, NULL, status, "application/json", NULL, msg,
			      sizeof(msg) - 1) < 0)
			status = -1;
	} else {
		status = control_handle(c, req, cap.data.data ? cap.data.data : "",
					cap.data.len);
	}
	log_request(c, req, "control", status, cap.total, 0, started);
	buf_free(&cap.data);
	return status > 0 && keep;
}

static json_object *headers_json(const struct http_request *req)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		json_object *pair = json_object_new_array();

		json_object_array_add(pair, json_wire_string(h->name, strlen(h->name)));
		json_object_array_add(pair, json_wire_string(h->value, strlen(h->value)));
		json_object_array_add(arr, pair);
	}
	return arr;
}

static json_object *wire(const char *s)
{
	return json_wire_string(s, strlen(s));
}

/* The request body as JSON object, if it is one and all of it was kept. */
static json_object *body_json(const struct body_digest *body)
{
	json_object *obj;

	if (body->length == 0 || !body_all_kept(body))
		return NULL;
	obj = json_parse_whole(body->kept, body->kept_len);
	if (obj != NULL && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

/* Records the request, then answers it. Returns 1 to keep the connection. */
static int serve_recorded(struct http_conn *c, const struct http_request *req,
			  int64_t started, int64_t received_ms)
{
	struct body_digest body;
	struct respond_ctx ctx;
	struct script *s;
	json_object *rec = json_object_new_object();
	char id[48], seq[32];
	int complete, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conn = c;
	ctx.req = req;
	ctx.id = record_next_id();
	body_init(&body, http_header_get(req, "Content-Type"));
	/* Parts an emulated endpoint needs are kept as they stream by. */
	ctx.capture = emul_capture_new(req, body.mp);
	complete = http_read_body(c, req, body_feed, &body) == 0;

	snprintf(id, sizeof(id), "req_fake_%llu", (unsigned long long)ctx.id);
	json_object_object_add(rec, "connection", json_object_new_int64((int64_t)c->id));
	json_object_object_add(rec, "received_ms", json_object_new_int64(received_ms));
	json_object_object_add(rec, "request_id", json_object_new_string(id));
	json_object_object_add(rec, "method", wire(req->method));
	json_object_object_add(rec, "target", wire(req->target));
	json_object_object_add(rec, "path", wire(req->path));
	json_object_object_add(rec, "query", wire(req->query));
	json_object_object_add(rec, "http_version",
			       json_object_new_string(req->minor ? "1.1" : "1.0"));
	json_object_object_add(rec, "headers", headers_json(req));
	body_describe(&body, rec);
	json_object_object_add(rec, "body_complete", json_object_new_boolean(complete));
	snprintf(seq, sizeof(seq), "seq=%llu",
		 (unsigned long long)record_add(rec));

	if (!complete) {
		/* The client gave up mid-body: nobody is left to answer. */
		log_request(c, req, seq, 0, body.length, 0, started);
		emul_capture_free(ctx.capture);
		body_free(&body);
		return 0;
	}
	ctx.body_length = body.length;
	ctx.req_json = body_json(&body);
	s = script_take();
	rc = s != NULL ? respond_script(&ctx, s) : respond_default(&ctx);
	script_release(s);
	log_request(c, req, seq, ctx.status, body.length, ctx.bytes, started);
	json_object_put(ctx.req_json);
	/* Bytes kept for an answer that a script replaced are dropped here. */
	emul_capture_free(ctx.capture);
	body_free(&body);
	return rc == 0;
}

static void send_malformed(struct http_conn *c, int status, int64_t started)
{
	json_object *o = json_object_new_object();
	json_object *err = json_object_new_object();
	size_t len;
	const char *text;

	json_object_object_add(err, "message", json_object_new_string(http_reason(status)));
	json_object_object_add(err, "type", json_object_new_string("fake_upstream_error"));
	json_object_object_add(o, "error", err);
	text = json_plain(o, &len);
	(void)http_send(c, NULL, status, "application/json", NULL, text, len);
	json_object_put(o);
	log_request(c, NULL, "-", status, 0, 0, started);
}

struct conn_arg {
	int fd;
	uint64_t id;
};

static void *conn_main(void *p)
{
	struct conn_arg *arg = p;
	struct http_conn c;
	int counted = 0;

	http_conn_init(&c, arg->fd, arg->id);
	free(arg);
	for (;;) {
		struct http_request req;
		int rc = http_read_head(&c, &req);
		int64_t started = io_mono_ms();
		int keep;

		if (rc <= 0)
			break;
		if (rc != 1) {
			send_malformed(&c, rc, started);
			break;
		}
		if (control_match(&req)) {
			keep = serve_control(&c, &req, started);
		} else {
			/*
			 * Only connections that carry recorded requests count,
			 * so a test's own control calls do not move the numbers
			 * it is watching.
			 */
			if (!counted) {
				record_conn_opened();
				counted = 1;
			}
			keep = serve_recorded(&c, &req, started, io_now_ms());
		}
		http_request_free(&req);
		if (!keep)
			break;
	}
	http_conn_free(&c);
	if (counted)
		record_conn_closed();
	pthread_mutex_lock(&active_lock);
	if (--active == 0)
		pthread_cond_broadcast(&active_cond);
	pthread_mutex_unlock(&active_lock);
	return NULL;
}

static void active_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&active_cond, &attr);
	pthread_condattr_destroy(&attr);
}

int conn_start(int fd)
{
	struct conn_arg *arg = xmalloc(sizeof(*arg));
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	pthread_once(&active_once, active_init);
	arg->fd = fd;
	pthread_mutex_lock(&active_lock);
	arg->id = next_conn_id++;
	active++;
	pthread_mutex_unlock(&active_lock);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, conn_main, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		fprintf(stderr, "fake-upstream: cannot start a thread: %s\n", strerror(rc));
		close(fd);
		free(arg);
		pthread_mutex_lock(&active_lock);
		if (--active == 0)
			pthread_cond_broadcast(&active_cond);
		pthread_mutex_unlock(&active_lock);
		return -1;
	}
	return 0;
}

int conn_wait_idle(long timeout_ms)
{
	struct timespec deadline;
	int idle;

	pthread_once(&active_once, active_init);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&active_lock);
	while (active > 0 &&
	       pthread_cond_timedwait(&active_cond, &active_lock, &deadline) != ETIMEDOUT)
		;
	idle = active == 0;
	pthread_mutex_unlock(&active_lock);
	return idle;
}
