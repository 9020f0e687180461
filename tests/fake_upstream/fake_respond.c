#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_emulate.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_respond.h"
#include "tests/fake_upstream/fake_sse.h"

/* Downloads are byte i = i*31 mod 251: aperiodic enough to catch shifts. */
#define PATTERN_PERIOD 251
#define PATTERN_SPAN (PATTERN_PERIOD * 256)

static unsigned char pattern[PATTERN_SPAN + PATTERN_PERIOD];
static pthread_once_t pattern_once = PTHREAD_ONCE_INIT;

static void pattern_fill(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 31 % PATTERN_PERIOD);
}

/* Pattern bytes from stream offset off on, at most PATTERN_SPAN of them. */
static const unsigned char *pattern_at(uint64_t off, size_t *len)
{
	pthread_once(&pattern_once, pattern_fill);
	*len = PATTERN_SPAN;
	return pattern + off % PATTERN_PERIOD;
}

static uint64_t pattern_fnv(uint64_t n)
{
	uint64_t h = FNV1A64_INIT, off = 0;

	while (off < n) {
		size_t len;
		const unsigned char *p = pattern_at(off, &len);

		if (len > n - off)
			len = (size_t)(n - off);
		h = fnv1a64_update(h, p, len);
		off += len;
	}
	return h;
}

/*
 * Writes the pattern bytes at offsets from..to-1. Returns 0, or -1 if
 * the peer is gone.
 */
static int pattern_send(struct respond_ctx *ctx, uint64_t from, uint64_t to)
{
	uint64_t off = from;

	while (off < to) {
		size_t len;
		const unsigned char *p = pattern_at(off, &len);

		if (len > to - off)
			len = (size_t)(to - off);
		if (io_write_all(ctx->conn->fd, p, len) < 0)
			return -1;
		off += len;
		ctx->bytes += len;
	}
	return 0;
}

static const char *script_header(const struct script *s, const char *name)
{
	for (size_t i = 0; s != NULL && i < s->nheaders; i++)
		if (strcasecmp(s->headers[i].name, name) == 0)
			return s->headers[i].value;
	return NULL;
}

/* Filler lines "X-Fake-Pad-<i>: aaa…", total bytes in all, line_max each. */
static void pad_headers(struct buf *b, int64_t total, int64_t line_max)
{
	for (long i = 0; total > 0; i++) {
		char name[32];
		int64_t line = total < line_max ? total : line_max;
		int n = snprintf(name, sizeof(name), "X-Fake-Pad-%ld: ", i);
		int64_t fill = line - n - 2;

		buf_puts(b, name);
		for (; fill > 0; fill--)
			buf_append(b, "a", 1);
		buf_puts(b, "\r\n");
		total -= line > n + 2 ? line : n + 2;
	}
}

int respond_head_finish(struct buf *b, struct respond_ctx *ctx,
			const struct script *s, const char *content_type,
			int want_close)
{
	const char *conn = script_header(s, "Connection");
	int keep = ctx->req->keep_alive && !want_close;
	char id[48];

	if (content_type != NULL && script_header(s, "Content-Type") == NULL)
		http_head_add(b, "Content-Type", content_type);
	snprintf(id, sizeof(id), "req_fake_%llu", (unsigned long long)ctx->id);
	if (script_header(s, "x-request-id") == NULL)
		http_head_add(b, "x-request-id", id);
	if (script_header(s, "openai-processing-ms") == NULL)
		http_head_add(b, "openai-processing-ms", "1");
	if (conn != NULL) {
		/* The script speaks for the connection; honour what it says. */
		if (http_has_token(conn, "close"))
			keep = 0;
	} else if (!keep) {
		http_head_add(b, "Connection", "close");
	} else {
		http_head_connection(b, ctx->req);
	}
	for (size_t i = 0; s != NULL && i < s->nheaders; i++)
		http_head_add(b, s->headers[i].name, s->headers[i].value);
	if (s != NULL)
		pad_headers(b, s->pad_header_bytes, s->pad_header_line_bytes);
	buf_puts(b, "\r\n");
	return keep;
}

/* Status codes and methods whose answers never carry a body. */
static int answer_has_body(const struct respond_ctx *ctx, int status)
{
	return strcmp(ctx->req->method, "HEAD") != 0 && status >= 200 &&
	       status != 204 && status != 304;
}

static int send_head(struct respond_ctx *ctx, struct buf *b)
{
	int rc = io_write_all(ctx->conn->fd, b->data, b->len);

	buf_free(b);
	return rc;
}

/*
 * Past this size a large body carries no X-Fake-Fnv1a64: hashing it
 * first would hold the head back for seconds (a 2 GiB body takes ~3 s),
 * longer than the relay's deadlines in the tests.
 */
#define LARGE_DIGEST_MAX (1ULL << 30)

/*
 * large_body_bytes, optionally cut short by reset_after_bytes; chunked
 * sends it as one chunk of that size.
 */
static int respond_large(struct respond_ctx *ctx, const struct script *s)
{
	uint64_t n = (uint64_t)s->large_body_bytes;
	uint64_t send_n = n;
	int cut = s->reset_after_bytes >= 0 && (uint64_t)s->reset_after_bytes < n;
	int has_body = answer_has_body(ctx, s->status);
	int chunked = s->chunked && has_body && n > 0;
	struct buf b = { 0 };
	char hex[17];
	int keep;

	if (cut)
		send_n = (uint64_t)s->reset_after_bytes;
	http_head_begin(&b, s->status);
	if (chunked)
		buf_puts(&b, "Transfer-Encoding: chunked\r\n");
	else if (script_header(s, "Content-Length") == NULL)
		buf_printf(&b, "Content-Length: %llu\r\n", (unsigned long long)n);
	if (n <= LARGE_DIGEST_MAX) {
		fnv1a64_hex(pattern_fnv(n), hex);
		http_head_add(&b, "X-Fake-Fnv1a64", hex);
	}
	keep = respond_head_finish(&b, ctx, s,
		s->content_type ? s->content_type : "application/octet-stream",
		cut || script_header(s, "Content-Length") != NULL);
	if (chunked)
		buf_printf(&b, "%llx\r\n", (unsigned long long)n);
	ctx->status = s->status;
	if (send_head(ctx, &b) < 0)
		return -1;
	if (!has_body)
		return keep ? 0 : -1;
	if (s->hold_after_bytes >= 0 && (uint64_t)s->hold_after_bytes < send_n) {
		if (pattern_send(ctx, 0, (uint64_t)s->hold_after_bytes) < 0 ||
		    io_hold(ctx->conn->fd) < 0 ||
		    pattern_send(ctx, (uint64_t)s->hold_after_bytes, send_n) < 0)
			return -1;
	} else if (pattern_send(ctx, 0, send_n) < 0) {
		return -1;
	}
	if (chunked && !cut && io_write_all(ctx->conn->fd, "\r\n0\r\n\r\n", 7) < 0)
		return -1;
	return keep ? 0 : -1;
}

/* reset_after_bytes alone: promise more body than is sent, then close. */
static int respond_truncated(struct respond_ctx *ctx, const struct script *s)
{
	uint64_t r = (uint64_t)s->reset_after_bytes;
	int from_body = s->body != NULL && s->body_len > r;
	uint64_t declared = from_body ? s->body_len : r + 1024;
	struct buf b = { 0 };

	http_head_begin(&b, s->status);
	/* Chunked: the last chunk promises more than arrives. */
	if (s->chunked)
		buf_puts(&b, "Transfer-Encoding: chunked\r\n");
	else
		buf_printf(&b, "Content-Length: %llu\r\n", (unsigned long long)declared);
	respond_head_finish(&b, ctx, s,
		s->content_type ? s->content_type :
		from_body ? "application/json" : "application/octet-stream", 1);
	if (s->chunked)
		buf_printf(&b, "%llx\r\n", (unsigned long long)declared);
	ctx->status = s->status;
	if (send_head(ctx, &b) < 0)
		return -1;
	if (from_body) {
		if (io_write_all(ctx->conn->fd, s->body, (size_t)r) == 0)
			ctx->bytes += r;
	} else {
		(void)pattern_send(ctx, 0, r);
	}
	return -1;
}

/* A plain scripted answer: status, headers, body. */
static int respond_body(struct respond_ctx *ctx, const struct script *s)
{
	const char *ctype = s->content_type;
	int own_framing = script_header(s, "Content-Length") != NULL ||
			  script_header(s, "Transfer-Encoding") != NULL;
	int has_body = answer_has_body(ctx, s->status);
	int chunked = s->chunked && !own_framing && has_body;
	struct buf b = { 0 };
	int keep;

	if (ctype == NULL && s->body != NULL)
		ctype = "application/json";
	http_head_begin(&b, s->status);
	if (chunked)
		buf_puts(&b, "Transfer-Encoding: chunked\r\n");
	else if (!own_framing && s->status >= 200 && s->status != 204 && s->status != 304)
		buf_printf(&b, "Content-Length: %zu\r\n", s->body_len);
	/* Framing the script chose itself may not match: never reuse. */
	keep = respond_head_finish(&b, ctx, s, ctype, own_framing);
	if (chunked && s->body_len > 0)
		buf_printf(&b, "%zx\r\n", s->body_len);
	if (has_body && s->body_len > 0)
		buf_append(&b, s->body, s->body_len);
	if (chunked)
		buf_puts(&b, s->body_len > 0 ? "\r\n0\r\n\r\n" : "0\r\n\r\n");
	ctx->status = s->status;
	if (send_head(ctx, &b) < 0)
		return -1;
	if (has_body)
		ctx->bytes += s->body_len;
	return keep ? 0 : -1;
}

static int respond_scripted(struct respond_ctx *ctx, const struct script *s)
{
	if (s->delay_ms > 0 && io_sleep_ms(s->delay_ms) < 0)
		return -1;
	if (s->close)
		return -1;
	if (s->hang) {
		io_wait_peer_close(ctx->conn->fd);
		return -1;
	}
	if (s->raw != NULL) {
		(void)io_write_all(ctx->conn->fd, s->raw, s->raw_len);
		return -1;
	}
	if (s->sse) {
		struct sse_plan plan = {
			.status = s->status,
			.script = s,
			.events = s->sse_events,
			.interval_ms = s->sse_interval_ms,
			.fail_after = s->sse_fail_after,
			.stall_after = s->sse_stall_after,
			.stall_ms = s->sse_stall_ms,
			.hold_after = s->sse_hold_after,
			.lockstep = s->sse_lockstep,
			.done = s->sse_done,
			.style = s->sse_style,
			.full_shape = 0,
			.model = "gpt-4o-mini",
		};

		return sse_run(ctx, &plan);
	}
	if (s->large_body_bytes >= 0)
		return respond_large(ctx, s);
	if (s->reset_after_bytes >= 0)
		return respond_truncated(ctx, s);
	return respond_body(ctx, s);
}

/* A slow upstream trickles; one that breaks off may reset. */
int respond_script(struct respond_ctx *ctx, const struct script *s)
{
	int rc;

	io_set_trickle_ms(s->trickle_ms);
	rc = respond_scripted(ctx, s);
	io_set_trickle_ms(0);
	if (rc < 0 && s->rst)
		io_reset_on_close(ctx->conn->fd);
	return rc;
}

static const char *request_model(const struct respond_ctx *ctx,
				 const char *fallback)
{
	json_object *m;

	if (ctx->req_json != NULL &&
	    json_object_object_get_ex(ctx->req_json, "model", &m) &&
	    json_object_is_type(m, json_type_string))
		return json_object_get_string(m);
	return fallback;
}

static int request_streams(const struct respond_ctx *ctx)
{
	json_object *v;

	return ctx->req_json != NULL &&
	       json_object_object_get_ex(ctx->req_json, "stream", &v) &&
	       json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

/* stream_options.include_usage is true. */
static int request_includes_usage(const struct respond_ctx *ctx)
{
	json_object *o, *v;

	return ctx->req_json != NULL &&
	       json_object_object_get_ex(ctx->req_json, "stream_options", &o) &&
	       json_object_object_get_ex(o, "include_usage", &v) &&
	       json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static json_object *fake_id(const char *prefix, uint64_t id)
{
	char s[64];

	snprintf(s, sizeof(s), "%s%llu", prefix, (unsigned long long)id);
	return json_object_new_string(s);
}

json_object *respond_response_object(uint64_t id, const char *model,
				     int completed)
{
	json_object *r = json_object_new_object();
	json_object *output = json_object_new_array();

	json_object_object_add(r, "id", fake_id("resp_fake_", id));
	json_object_object_add(r, "object", json_object_new_string("response"));
	json_object_object_add(r, "created_at",
			       json_object_new_int64(io_now_ms() / 1000));
	json_object_object_add(r, "status", json_object_new_string(
		completed ? "completed" : "in_progress"));
	json_object_object_add(r, "model", json_object_new_string(model));
	if (completed) {
		json_object *msg = json_object_new_object();
		json_object *content = json_object_new_array();
		json_object *text = json_object_new_object();
		json_object *usage = json_object_new_object();

		json_object_object_add(text, "type", json_object_new_string("output_text"));
		json_object_object_add(text, "text", json_object_new_string(RESPOND_TEXT));
		json_object_object_add(text, "annotations", json_object_new_array());
		json_object_array_add(content, text);
		json_object_object_add(msg, "type", json_object_new_string("message"));
		json_object_object_add(msg, "id", fake_id("msg_fake_", id));
		json_object_object_add(msg, "role", json_object_new_string("assistant"));
		json_object_object_add(msg, "status", json_object_new_string("completed"));
		json_object_object_add(msg, "content", content);
		json_object_array_add(output, msg);
		json_object_object_add(usage, "input_tokens", json_object_new_int(1));
		json_object_object_add(usage, "output_tokens", json_object_new_int(1));
		json_object_object_add(usage, "total_tokens", json_object_new_int(2));
		json_object_object_add(r, "output", output);
		json_object_object_add(r, "usage", usage);
	} else {
		json_object_object_add(r, "output", output);
		json_object_object_add(r, "usage", NULL);
	}
	return r;
}

static json_object *chat_completion(const struct respond_ctx *ctx,
				    const char *model)
{
	json_object *r = json_object_new_object();
	json_object *choices = json_object_new_array();
	json_object *choice = json_object_new_object();
	json_object *msg = json_object_new_object();
	json_object *usage = json_object_new_object();

	json_object_object_add(r, "id", fake_id("chatcmpl-fake_", ctx->id));
	json_object_object_add(r, "object", json_object_new_string("chat.completion"));
	json_object_object_add(r, "created", json_object_new_int64(io_now_ms() / 1000));
	json_object_object_add(r, "model", json_object_new_string(model));
	json_object_object_add(msg, "role", json_object_new_string("assistant"));
	json_object_object_add(msg, "content", json_object_new_string(RESPOND_TEXT));
	json_object_object_add(msg, "refusal", NULL);
	json_object_object_add(choice, "index", json_object_new_int(0));
	json_object_object_add(choice, "message", msg);
	json_object_object_add(choice, "logprobs", NULL);
	json_object_object_add(choice, "finish_reason", json_object_new_string("stop"));
	json_object_array_add(choices, choice);
	json_object_object_add(r, "choices", choices);
	json_object_object_add(usage, "prompt_tokens", json_object_new_int(1));
	json_object_object_add(usage, "completion_tokens", json_object_new_int(1));
	json_object_object_add(usage, "total_tokens", json_object_new_int(2));
	json_object_object_add(r, "usage", usage);
	return r;
}

static json_object *embeddings(const char *model)
{
	json_object *r = json_object_new_object();
	json_object *data = json_object_new_array();
	json_object *item = json_object_new_object();
	json_object *vec = json_object_new_array();
	json_object *usage = json_object_new_object();

	for (int i = 0; i < 8; i++) {
		char text[8];

		/* Printed as "0.1", not json-c's default "0.10000000000000001". */
		snprintf(text, sizeof(text), "%.1f", i / 10.0);
		json_object_array_add(vec, json_object_new_double_s(i / 10.0, text));
	}
	json_object_object_add(item, "object", json_object_new_string("embedding"));
	json_object_object_add(item, "index", json_object_new_int(0));
	json_object_object_add(item, "embedding", vec);
	json_object_array_add(data, item);
	json_object_object_add(r, "object", json_object_new_string("list"));
	json_object_object_add(r, "data", data);
	json_object_object_add(r, "model", json_object_new_string(model));
	json_object_object_add(usage, "prompt_tokens", json_object_new_int(1));
	json_object_object_add(usage, "total_tokens", json_object_new_int(1));
	json_object_object_add(r, "usage", usage);
	return r;
}

static json_object *model_object(const char *id)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "id", json_wire_string(id, strlen(id)));
	json_object_object_add(m, "object", json_object_new_string("model"));
	json_object_object_add(m, "created", json_object_new_int(0));
	json_object_object_add(m, "owned_by", json_object_new_string("fake-upstream"));
	return m;
}

static json_object *model_list(void)
{
	static const char *const ids[] = {
		"gpt-4o-mini", "gpt-4o", "text-embedding-3-small"
	};
	json_object *r = json_object_new_object();
	json_object *data = json_object_new_array();

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		json_object_array_add(data, model_object(ids[i]));
	json_object_object_add(r, "object", json_object_new_string("list"));
	json_object_object_add(r, "data", data);
	return r;
}

static json_object *echo(const struct respond_ctx *ctx)
{
	const struct http_request *req = ctx->req;
	json_object *r = json_object_new_object();

	json_object_object_add(r, "object", json_object_new_string("fake.echo"));
	json_object_object_add(r, "method", json_wire_string(req->method, strlen(req->method)));
	json_object_object_add(r, "path", json_wire_string(req->path, strlen(req->path)));
	json_object_object_add(r, "query", json_wire_string(req->query, strlen(req->query)));
	json_object_object_add(r, "body_length",
			       json_object_new_int64((int64_t)ctx->body_length));
	return r;
}

int respond_json(struct respond_ctx *ctx, int status, json_object *obj)
{
	struct buf b = { 0 };
	size_t len;
	const char *text = json_plain(obj, &len);
	int keep, rc, has_body = answer_has_body(ctx, status);

	http_head_begin(&b, status);
	buf_printf(&b, "Content-Length: %zu\r\n", len);
	keep = respond_head_finish(&b, ctx, NULL, "application/json", 0);
	if (has_body)
		buf_append(&b, text, len);
	ctx->status = status;
	rc = send_head(ctx, &b);
	if (rc == 0 && has_body)
		ctx->bytes += len;
	json_object_put(obj);
	return rc == 0 && keep ? 0 : -1;
}

/*
 * A JSON request naming the model "fake-status-NNN" (NNN from 400 to
 * 599) gets that status and an OpenAI-shaped error.  Unlike a script,
 * which the next request of any test takes, it belongs to the request
 * that asks for it: make soak sends these among concurrent requests.
 */
static int respond_model_status(struct respond_ctx *ctx, int *rc)
{
	const char *model = request_model(ctx, "");
	json_object *o, *err;
	char *end;
	long status;

	if (strncmp(model, "fake-status-", 12) != 0)
		return 0;
	status = strtol(model + 12, &end, 10);
	if (*end != '\0' || status < 400 || status > 599)
		return 0;
	o = json_object_new_object();
	err = json_object_new_object();
	json_object_object_add(err, "message",
			       json_object_new_string("Scripted by the model name."));
	json_object_object_add(err, "type", json_object_new_string("server_error"));
	json_object_object_add(err, "param", NULL);
	json_object_object_add(err, "code", json_object_new_string("fake_status"));
	json_object_object_add(o, "error", err);
	*rc = respond_json(ctx, (int)status, o);
	return 1;
}

int respond_default(struct respond_ctx *ctx)
{
	const struct http_request *req = ctx->req;
	int post = strcmp(req->method, "POST") == 0;
	int get = strcmp(req->method, "GET") == 0;
	int is_responses = strcmp(req->path, "/v1/responses") == 0;
	int is_chat = strcmp(req->path, "/v1/chat/completions") == 0;
	json_object *answer;
	int rc;

	if (respond_model_status(ctx, &rc) || emul_respond(ctx, &rc))
		return rc;
	if ((is_responses || is_chat) && request_streams(ctx)) {
		struct sse_plan plan = {
			.status = 200,
			.events = 5,
			.interval_ms = 50,
			.fail_after = -1,
			.stall_after = -1,
			.hold_after = -1,
			.done = 1,
			.style = is_chat ? SCRIPT_STYLE_CHAT : SCRIPT_STYLE_RESPONSES,
			.full_shape = 1,
			.model = request_model(ctx, "gpt-4o-mini"),
			.include_usage = is_chat && request_includes_usage(ctx),
		};

		return sse_run(ctx, &plan);
	}
	if (post && is_responses)
		answer = respond_response_object(ctx->id,
			request_model(ctx, "gpt-4o-mini"), 1);
	else if (post && is_chat)
		answer = chat_completion(ctx, request_model(ctx, "gpt-4o-mini"));
	else if (post && strcmp(req->path, "/v1/embeddings") == 0)
		answer = embeddings(request_model(ctx, "text-embedding-3-small"));
	else if (get && strcmp(req->path, "/v1/models") == 0)
		answer = model_list();
	else if (get && strncmp(req->path, "/v1/models/", 11) == 0 &&
		 req->path[11] != '\0')
		answer = model_object(req->path + 11);
	else
		answer = echo(ctx);
	return respond_json(ctx, 200, answer);
}
