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

static int send_event(struct respond_ctx *ctx, const struct sse_plan *plan,
		      int chunked, long i)
{
	struct buf b = { 0 };
	json_object *e;
	const char *json;
	size_t len;
	int rc;

	if (plan->style == SCRIPT_STYLE_CHAT) {
		e = chat_event(ctx, plan, i);
	} else {
		const char *name;

		e = responses_event(ctx, plan, i, &name);
		buf_printf(&b, "event: %s\n", name);
	}
	json = json_plain(e, &len);
	buf_puts(&b, "data: ");
	buf_append(&b, json, len);
	buf_puts(&b, "\n\n");
	json_object_put(e);
	rc = write_event(ctx, chunked, b.data, b.len);
	buf_free(&b);
	return rc;
}

int sse_run(struct respond_ctx *ctx, const struct sse_plan *plan)
{
	static const char done[] = "data: [DONE]\n\n";
	int chunked = ctx->req->minor >= 1;
	const char *ctype = "text/event-stream";
	struct buf b = { 0 };
	int keep;

	if (plan->script != NULL && plan->script->content_type != NULL)
		ctype = plan->script->content_type;
	http_head_begin(&b, plan->status);
	http_head_add(&b, "Cache-Control", "no-cache");
	/* HTTP/1.0 has no chunking: the stream ends where the connection does. */
	if (chunked)
		http_head_add(&b, "Transfer-Encoding", "chunked");
	keep = respond_head_finish(&b, ctx, plan->script, ctype, !chunked);
	ctx->status = plan->status;
	if (io_write_all(ctx->conn->fd, b.data, b.len) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	for (long sent = 0;; sent++) {
		long wait = sent > 0 && sent < plan->events ? plan->interval_ms : 0;

		if (sent == plan->fail_after)
			return -1;	/* abrupt: no [DONE], no last chunk */
		if (sent == plan->stall_after)
			wait = plan->stall_ms;
		if (io_sleep_ms(wait) < 0)
			return -1;
		if (sent == plan->events)
			break;
		if (send_event(ctx, plan, chunked, sent) < 0)
			return -1;
	}
	if (plan->done && write_event(ctx, chunked, done, sizeof(done) - 1) < 0)
		return -1;
	if (chunked && io_write_all(ctx->conn->fd, "0\r\n\r\n", 5) < 0)
		return -1;
	return keep ? 0 : -1;
}
