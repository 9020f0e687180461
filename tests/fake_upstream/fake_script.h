#ifndef FAKE_SCRIPT_H
#define FAKE_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "tests/fake_upstream/fake_http.h"

enum script_style {
	SCRIPT_STYLE_RESPONSES,	/* event: response.output_text.delta */
	SCRIPT_STYLE_CHAT	/* data-only chat.completion.chunk */
};

/* A scripted answer, as POSTed to /__fake/script. Immutable once queued. */
struct script {
	int status;
	struct http_header *headers;	/* sent exactly, in order */
	size_t nheaders;
	char *body;			/* NULL when no body was given */
	size_t body_len;
	char *content_type;		/* NULL: default for the kind of answer */
	long delay_ms;
	int hang;
	int close;
	int64_t reset_after_bytes;	/* -1: off */
	int64_t large_body_bytes;	/* -1: off */
	/*
	 * Fault modes.  trickle_ms: every byte of the answer (head too) is
	 * written alone, this many ms apart.  raw: these bytes go out instead
	 * of an HTTP answer, then the connection closes.  pad_header_bytes:
	 * filler header lines of up to pad_header_line_bytes each, this many
	 * bytes in all, make the header block huge.  chunked: a plain or
	 * truncated body is framed with Transfer-Encoding: chunked (a
	 * truncated one ends inside a chunk).  rst: where the answer ends
	 * early (close, reset_after_bytes, an SSE fail_after) the connection
	 * is reset (RST) rather than closed.  hold_after_bytes: a large
	 * body holds after this many bytes until a test releases it
	 * (POST /__fake/release) or the client leaves.
	 */
	long trickle_ms;
	char *raw;			/* NULL: off */
	size_t raw_len;
	int64_t pad_header_bytes;	/* 0: off */
	int64_t pad_header_line_bytes;
	int chunked;
	int rst;
	int64_t hold_after_bytes;	/* -1: off */
	int sse;
	long sse_events;
	long sse_interval_ms;
	long sse_fail_after;		/* -1: off */
	long sse_stall_after;		/* -1: off */
	long sse_stall_ms;
	long sse_hold_after;		/* -1: off */
	int sse_lockstep;
	int sse_done;
	enum script_style sse_style;
	long times;			/* uses left; -1 = until reset */
	int refs;			/* guarded by the queue lock */
};

/*
 * Parses a script object and appends it to the queue. Returns 0, or -1
 * with a message for the test author in err.
 */
int script_push(const char *json, size_t len, char *err, size_t errlen);
/* Takes one use of the queue head; NULL when nothing is queued. */
struct script *script_take(void);
/* Gives back what script_take returned. */
void script_release(struct script *s);
/* Drops every queued script. */
void script_clear(void);

#endif
