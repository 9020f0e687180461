#ifndef FAKE_SSE_H
#define FAKE_SSE_H

#include "tests/fake_upstream/fake_respond.h"
#include "tests/fake_upstream/fake_script.h"

/* How an event stream goes; see the sse fields of struct script. */
struct sse_plan {
	int status;
	const struct script *script;	/* headers / content type; may be NULL */
	long events;
	long interval_ms;
	long fail_after;	/* -1: off */
	long stall_after;	/* -1: off */
	long stall_ms;		/* replaces the interval at the stall */
	/*
	 * Instead of waiting out a time, hold until a test releases the
	 * stream (io_hold): before event hold_after (-1: never), and before
	 * every event after the first when lockstep is set.
	 */
	long hold_after;
	int lockstep;
	int done;		/* end with "data: [DONE]" */
	enum script_style style;
	/*
	 * 1: a full OpenAI-like stream (response.created / role chunk first,
	 * response.completed / finish chunk last); 0: only text deltas.
	 */
	int full_shape;
	const char *model;
	/*
	 * Chat only, as stream_options.include_usage asks: every chunk has
	 * "usage": null, and a last chunk with no choices carries the usage
	 * (SSE_CHAT_PROMPT_TOKENS in, one token out per event).
	 */
	int include_usage;
};

#define SSE_CHAT_PROMPT_TOKENS	3

/*
 * Streams the events, each written and flushed as it is made. Chunked
 * for HTTP/1.1 clients, close-delimited for HTTP/1.0. Returns 0 if the
 * connection can be reused, -1 if it must be closed.
 */
int sse_run(struct respond_ctx *ctx, const struct sse_plan *plan);

/*
 * Streams the given events (each sent as one "data:" event, interval_ms
 * apart; the caller keeps the objects), status 200. Same return
 * convention as sse_run.
 */
int sse_send_events(struct respond_ctx *ctx, json_object *const *events,
		    size_t n, long interval_ms);

#endif
