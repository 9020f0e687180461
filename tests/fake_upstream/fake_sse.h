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
	int done;		/* end with "data: [DONE]" */
	enum script_style style;
	/*
	 * 1: a full OpenAI-like stream (response.created / role chunk first,
	 * response.completed / finish chunk last); 0: only text deltas.
	 */
	int full_shape;
	const char *model;
};

/*
 * Streams the events, each written and flushed as it is made. Chunked
 * for HTTP/1.1 clients, close-delimited for HTTP/1.0. Returns 0 if the
 * connection can be reused, -1 if it must be closed.
 */
int sse_run(struct respond_ctx *ctx, const struct sse_plan *plan);

#endif
