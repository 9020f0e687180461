#include <stdio.h>
#include <string.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_sse.h"

static const char *const text_pieces[] = {
	RESPOND_TEXT_1, RESPOND_TEXT_2, RESPOND_TEXT_3
};

/* Text of delta number i (0-based among the deltas). */
static void delta_text(const struct sse_plan *plan, long i, char *out,
		       size_t outlen)
{
	if (plan->full_shape)
		snprintf(out, outlen, "%s", text_pieces[i % 3]);
	else
		snprintf(out, outlen, "tok %ld", i);
}

static json_object *id_string(const char *prefix, uint64_t id)
{
	char s[64];

	snprintf(s, sizeof(s), "%s%llu", prefix, (unsigned long long)id);
	return json_object_new_string(s);
}

/* Event i of a Responses-API stream; *name gets its "event:" name. */
static json_object *responses_event(const struct respond_ctx *ctx,
				    const struct sse_plan *plan, long i,
				    const char **name)
{
	json_object *e = json_object_new_object();
	int first = plan->full_shape && plan->events >= 2 && i == 0;
	int last = plan->full_shape && plan->events >= 2 && i == plan->events - 1;
	char delta[64];

	if (first)
		*name = "response.created";
	else if (last)
		*name = "response.completed";
	else
		*name = "response.output_text.delta";
	json_object_object_add(e, "type", json_object_new_string(*name));
	json_object_object_add(e, "sequence_number", json_object_new_int64(i));
	if (first || last) {
		json_object_object_add(e, "response",
			respond_response_object(ctx->id, plan->model, last));
	} else {
		delta_text(plan, plan->full_shape ? i - 1 : i, delta, sizeof(delta));
		json_object_object_add(e, "item_id", id_string("msg_fake_", ctx->id));
		json_object_object_add(e, "output_index", json_object_new_int(0));
		json_object_object_add(e, "content_index", json_object_new_int(0));
		json_object_object_add(e, "delta", json_object_new_string(delta));
	}
	json_object_object_add(e, "t_ms", json_object_new_int64(io_now_ms()));
	return e;
}

/* Chunk i of a chat.completions stream (data-only events). */
static json_object *chat_event(const struct respond_ctx *ctx,
			       const struct sse_plan *plan, long i)
{
	json_object *e = json_object_new_object();
	json_object *choices = json_object_new_array();
	json_object *choice = json_object_new_object();
	json_object *delta = json_object_new_object();
	int first = plan->full_shape && plan->events >= 2 && i == 0;
	int last = plan->full_shape && plan->events >= 2 && i == plan->events - 1;
	char text[64];

	json_object_object_add(e, "id", id_string("chatcmpl-fake_", ctx->id));
	json_object_object_add(e, "object", json_object_new_string("chat.completion.chunk"));
	json_object_object_add(e, "created", json_object_new_int64(io_now_ms() / 1000));
	json_object_object_add(e, "model", json_object_new_string(plan->model));
	if (first) {
		json_object_object_add(delta, "role", json_object_new_string("assistant"));
		json_object_object_add(delta, "content", json_object_new_string(""));
	} else if (!last) {
		delta_text(plan, plan->full_shape ? i - 1 : i, text, sizeof(text));
		json_object_object_add(delta, "content", json_object_new_string(text));
	}
	json_object_object_add(choice, "index", json_object_new_int(0));
	json_object_object_add(choice, "delta", delta);
	json_object_object_add(choice, "logprobs", NULL);
	json_object_object_add(choice, "finish_reason",
			       last ? json_object_new_string("stop") : NULL);
	json_object_array_add(choices, choice);
	json_object_object_add(e, "choices", choices);
	if (plan->include_usage)
		json_object_object_add(e, "usage", NULL);
	json_object_object_add(e, "t_ms", json_object_new_int64(io_now_ms()));
	return e;
}

/* Writes one event as a single write (one chunk when chunked). */
static int write_event(struct respond_ctx *ctx, int chunked, const char *text,
		       size_t len)
{
	struct buf b = { 0 };
	int rc;

	if (chunked)
		buf_printf(&b, "%zx\r\n", len);
	buf_append(&b, text, len);
	if (chunked)
		buf_puts(&b, "\r\n");
	rc = io_write_all(ctx->conn->fd, b.data, b.len);
	buf_free(&b);
	if (rc == 0)
		ctx->bytes += len;
	return rc;
}

/*
 * Writes e (which it puts) as one "data:" event, after what b holds
 * already (an "event:" line, or nothing).
 */
static int send_json(struct respond_ctx *ctx, int chunked, struct buf *b,
		     json_object *e)
{
	size_t len;
	const char *json = json_plain(e, &len);
	int rc;

	buf_puts(b, "data: ");
	buf_append(b, json, len);
	buf_puts(b, "\n\n");
	json_object_put(e);
	rc = write_event(ctx, chunked, b->data, b->len);
	buf_free(b);
	return rc;
}

/* The chat stream's usage chunk: no choices, the call's usage. */
static int send_usage_chunk(struct respond_ctx *ctx,
			    const struct sse_plan *plan, int chunked)
{
	json_object *e = json_object_new_object();
	json_object *usage = json_object_new_object();
	struct buf b = { 0 };

	json_object_object_add(e, "id", id_string("chatcmpl-fake_", ctx->id));
	json_object_object_add(e, "object", json_object_new_string("chat.completion.chunk"));
	json_object_object_add(e, "model", json_object_new_string(plan->model));
	json_object_object_add(e, "choices", json_object_new_array());
	json_object_object_add(usage, "prompt_tokens",
			       json_object_new_int(SSE_CHAT_PROMPT_TOKENS));
	json_object_object_add(usage, "completion_tokens",
			       json_object_new_int64(plan->events));
	json_object_object_add(usage, "total_tokens",
			       json_object_new_int64(SSE_CHAT_PROMPT_TOKENS + plan->events));
	json_object_object_add(e, "usage", usage);
	return send_json(ctx, chunked, &b, e);
}

static int send_event(struct respond_ctx *ctx, const struct sse_plan *plan,
		      int chunked, long i)
{
	struct buf b = { 0 };
	json_object *e;

	if (plan->style == SCRIPT_STYLE_CHAT) {
		e = chat_event(ctx, plan, i);
	} else {
		const char *name;

		e = responses_event(ctx, plan, i, &name);
		buf_printf(&b, "event: %s\n", name);
	}
	return send_json(ctx, chunked, &b, e);
}

/* The head of a stream: 1 or 0 as respond_head_finish says, -1 if gone. */
static int sse_head(struct respond_ctx *ctx, int status, const struct script *s,
		    int chunked)
{
	const char *ctype = "text/event-stream";
	struct buf b = { 0 };
	int keep, rc;

	if (s != NULL && s->content_type != NULL)
		ctype = s->content_type;
	http_head_begin(&b, status);
	http_head_add(&b, "Cache-Control", "no-cache");
	/* HTTP/1.0 has no chunking: the stream ends where the connection does. */
	if (chunked)
		http_head_add(&b, "Transfer-Encoding", "chunked");
	keep = respond_head_finish(&b, ctx, s, ctype, !chunked);
	ctx->status = status;
	rc = io_write_all(ctx->conn->fd, b.data, b.len);
	buf_free(&b);
	return rc < 0 ? -1 : keep;
}

int sse_send_events(struct respond_ctx *ctx, json_object *const *events,
		    size_t n, long interval_ms)
{
	int chunked = ctx->req->minor >= 1;
	int keep = sse_head(ctx, 200, NULL, chunked);

	for (size_t i = 0; keep >= 0 && i < n; i++) {
		struct buf b = { 0 };
		size_t len;
		const char *json = json_plain(events[i], &len);

		buf_puts(&b, "data: ");
		buf_append(&b, json, len);
		buf_puts(&b, "\n\n");
		if ((i > 0 && io_sleep_ms(interval_ms) < 0) ||
		    write_event(ctx, chunked, b.data, b.len) < 0)
			keep = -1;
		buf_free(&b);
	}
	if (keep >= 0 && chunked && io_write_all(ctx->conn->fd, "0\r\n\r\n", 5) < 0)
		keep = -1;
	return keep > 0 ? 0 : -1;
}

int sse_run(struct respond_ctx *ctx, const struct sse_plan *plan)
{
	static const char done[] = "data: [DONE]\n\n";
	int chunked = ctx->req->minor >= 1;
	int keep = sse_head(ctx, plan->status, plan->script, chunked);

	if (keep < 0)
		return -1;
	for (long sent = 0;; sent++) {
		long wait = sent > 0 && sent < plan->events ? plan->interval_ms : 0;

		if (sent == plan->fail_after)
			return -1;	/* abrupt: no [DONE], no last chunk */
		if (sent == plan->stall_after)
			wait = plan->stall_ms;
		if ((sent == plan->hold_after ||
		     (plan->lockstep && sent > 0 && sent < plan->events)) &&
		    io_hold(ctx->conn->fd) < 0)
			return -1;
		if (io_sleep_ms(wait) < 0)
			return -1;
		if (sent == plan->events)
			break;
		if (send_event(ctx, plan, chunked, sent) < 0)
			return -1;
	}
	if (plan->include_usage && plan->style == SCRIPT_STYLE_CHAT &&
	    send_usage_chunk(ctx, plan, chunked) < 0)
		return -1;
	if (plan->done && write_event(ctx, chunked, done, sizeof(done) - 1) < 0)
		return -1;
	if (chunked && io_write_all(ctx->conn->fd, "0\r\n\r\n", 5) < 0)
		return -1;
	return keep ? 0 : -1;
}
