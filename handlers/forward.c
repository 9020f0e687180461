/*
 * Forwarding: one upstream call with the operator's key, its answer
 * relayed as it arrives.  Upstream's status, allowlisted headers and body
 * bytes reach the client unchanged.
 *
 * An event stream (a 2xx text/event-stream answer) is relayed event by
 * event: each is held until its closing blank line, then written and
 * flushed as one FastCGI record, so it reaches the client at once and a
 * broken stream never leaves half an event behind.  An event larger than
 * SSE_EVENT_MAX passes through in pieces instead of growing the buffer.
 */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "handlers/upstream.h"
#include "policy/body.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/multipart.h"
#include "policy/route.h"
#include "policy/sse.h"
#include "policy/xalloc.h"

/* Client headers that may pass, plus the ones the relay sets. */
#define FORWARD_HEADERS_MAX	16
#define SSE_EVENT_MAX		(256 * 1024)
/* How often, at most, to look whether the client is still there. */
#define CLIENT_POLL_MS		200.0

static const char KEEPALIVE[] = ": keepalive\n\n";

/*
 * A client's multipart body on its way upstream, never held whole.  The
 * last few bytes are withheld until the end, so a body without its
 * closing boundary is refused before upstream has all of it.
 */
struct upload {
	struct exchange		*ex;
	unsigned long long	 cap;
	unsigned long long	 total;		/* read from the client */
	char			 tail[MULTIPART_BOUNDARY_MAX + 16];
	size_t			 held;		/* bytes of tail withheld */
	size_t			 keep;
	bool			 opened;	/* first bytes checked */
	bool			 eof;
	enum rerr		 error;
};

/* One call in flight: what the relay tracks while upstream answers. */
struct flight {
	struct exchange		*ex;
	const struct config	*cfg;
	bool			 stream;	/* stream deadlines apply */
	bool			 sse;		/* upstream sends events */
	struct sse_scan		 scan;
	char			*event;		/* the incomplete event */
	size_t			 event_len, event_cap;
	bool			 spilled;	/* it outgrew the buffer */
	double			 start_ms;
	double			 last_upstream_ms;
	double			 last_write_ms;
	double			 last_poll_ms;
	enum rerr		 stopped_by;	/* why on_tick aborted */
	struct upload		 upload;
};

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool
is_event_stream(const struct upstream_header *h, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, "Content-Type") == 0)
			return strncasecmp(h[i].value, "text/event-stream",
			    17) == 0;
	return false;
}

static int
on_head(void *ctx, int status, const struct upstream_header *h, size_t n)
{
	struct flight		*fl = ctx;
	struct exchange		*ex = fl->ex;
	struct reply_head	 head;
	const char		*name;
	size_t			 i;

	fl->last_upstream_ms = now_ms();
	fl->sse = status >= 200 && status < 300 && is_event_stream(h, n);
	reply_head_init(&head, ex, status);
	for (i = 0; i < n; i++) {
		name = headers_response_name(h[i].name);
		if (name == NULL || (fl->sse &&
		    strcmp(name, "Content-Length") == 0))
			continue;
		if (strcmp(name, "X-Upstream-Request-Id") == 0)
			snprintf(ex->upstream_request_id,
			    sizeof(ex->upstream_request_id), "%s", h[i].value);
		reply_head_add(&head, name, h[i].value);
	}
	if (!fl->sse)
		return reply_head_send(ex, &head);
	/* Tell every cache and proxy on the way not to hold events back. */
	reply_head_add(&head, "Cache-Control", "no-cache");
	reply_head_add(&head, "X-Accel-Buffering", "no");
	if (reply_head_send(ex, &head) == -1 || reply_flush(ex) == -1)
		return -1;
	fl->last_write_ms = fl->last_upstream_ms;
	return 0;
}

/* Sends the buffered event, or ends a spilled one, and flushes. */
static int
event_emit(struct flight *fl)
{
	if (!fl->spilled && reply_write(fl->ex, fl->event,
	    fl->event_len) == -1)
		return -1;
	fl->event_len = 0;
	fl->spilled = false;
	fl->last_write_ms = now_ms();
	return reply_flush(fl->ex);
}

/* Holds bytes of the current event; past SSE_EVENT_MAX, writes them. */
static int
event_append(struct flight *fl, const char *buf, size_t len)
{
	if (!fl->spilled && fl->event_len + len <= SSE_EVENT_MAX) {
		if (fl->event_len + len > fl->event_cap) {
			fl->event_cap = fl->event_cap ? fl->event_cap : 4096;
			while (fl->event_cap < fl->event_len + len)
				fl->event_cap *= 2;
			fl->event = xrealloc(fl->event, fl->event_cap);
		}
		memcpy(fl->event + fl->event_len, buf, len);
		fl->event_len += len;
		return 0;
	}
	if (!fl->spilled) {
		if (reply_write(fl->ex, fl->event, fl->event_len) == -1)
			return -1;
		fl->event_len = 0;
		fl->spilled = true;
	}
	return reply_write(fl->ex, buf, len);
}

static int
on_body(void *ctx, const char *buf, size_t len)
{
	struct flight	*fl = ctx;
	size_t		 n, chunk;

	if (!fl->sse)
		return reply_write(fl->ex, buf, len);
	fl->last_upstream_ms = now_ms();
	while (len > 0) {
		n = sse_scan(&fl->scan, buf, len);
		chunk = n > 0 ? n : len;
		if (event_append(fl, buf, chunk) == -1)
			return -1;
		if (n > 0 && event_emit(fl) == -1)
			return -1;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Deadlines, keepalives and the client check, about once a second while
 * upstream is silent and more often while it talks.
 */
static int
on_tick(void *ctx)
{
	struct flight	*fl = ctx;
	struct exchange	*ex = fl->ex;
	double		 now = now_ms();

	if (now - fl->last_poll_ms >= CLIENT_POLL_MS) {
		fl->last_poll_ms = now;
		if (ex->io.client_gone != NULL &&
		    ex->io.client_gone(ex->io.ctx)) {
			ex->client_gone = true;
			fl->stopped_by = RERR_CLIENT_GONE;
			return -1;
		}
	}
	if (!fl->stream)
		return 0;
	if (fl->cfg->stream_total_timeout_s > 0 && now - fl->start_ms >=
	    (double)fl->cfg->stream_total_timeout_s * 1000.0) {
		fl->stopped_by = RERR_UPSTREAM_TOTAL_TIMEOUT;
		return -1;
	}
	if (!ex->head_sent) {
		if (now - fl->start_ms >=
		    (double)fl->cfg->stream_first_byte_timeout_s * 1000.0) {
			fl->stopped_by = RERR_UPSTREAM_FIRST_BYTE_TIMEOUT;
			return -1;
		}
		return 0;
	}
	if (now - fl->last_upstream_ms >=
	    (double)fl->cfg->stream_idle_timeout_s * 1000.0) {
		fl->stopped_by = RERR_UPSTREAM_IDLE_TIMEOUT;
		return -1;
	}
	/* A comment between events keeps idle timers on the way alive. */
	if (fl->sse && fl->event_len == 0 && !fl->spilled &&
	    now - fl->last_write_ms >=
	    (double)fl->cfg->stream_keepalive_s * 1000.0) {
		fl->last_write_ms = now;
		if (reply_write(ex, KEEPALIVE, sizeof(KEEPALIVE) - 1) == -1 ||
		    reply_flush(ex) == -1) {
			fl->stopped_by = RERR_CLIENT_GONE;
			return -1;
		}
	}
	return 0;
}

/*
 * Ends a stream that cannot finish with one error event; a buffered half
 * event is dropped, a spilled one is closed first.
 */
static void
stream_fail(struct flight *fl, enum rerr e)
{
	char	buf[512];
	int	n;

	fl->ex->status = rerr_info(e)->status;
	if (fl->spilled && reply_write(fl->ex, "\n\n", 2) == -1)
		return;
	n = rerr_stream_event(e, buf, sizeof(buf));
	if (n > 0 && reply_write(fl->ex, buf, (size_t)n) == 0)
		reply_flush(fl->ex);
}

static void
finish(struct flight *fl, enum upstream_result res)
{
	static const enum rerr result_errors[] = {
		[UPSTREAM_DONE] = RERR_OK,
		[UPSTREAM_UNREACHABLE] = RERR_UPSTREAM_FAILED,
		[UPSTREAM_CONNECT_TIMEOUT] = RERR_UPSTREAM_CONNECT_TIMEOUT,
		[UPSTREAM_TIMEOUT] = RERR_UPSTREAM_TIMEOUT,
		[UPSTREAM_BAD_RESPONSE] = RERR_UPSTREAM_BAD_RESPONSE,
		[UPSTREAM_ABORTED] = RERR_CLIENT_GONE,
		[UPSTREAM_TOO_LARGE] = RERR_UPSTREAM_BAD_RESPONSE,
	};
	enum rerr	e = result_errors[res];

	if (res == UPSTREAM_ABORTED && fl->stopped_by != RERR_OK)
		e = fl->stopped_by;
	if (fl->upload.error != RERR_OK)
		e = fl->upload.error;
	if (fl->ex->client_gone)
		e = RERR_CLIENT_GONE;
	if (e == RERR_OK) {
		/* Upstream ended without a final blank line: pass the rest. */
		if (fl->sse && (fl->event_len > 0 || fl->spilled))
			event_emit(fl);
		return;
	}
	if (fl->sse && e != RERR_CLIENT_GONE) {
		if (e == RERR_UPSTREAM_FAILED || e == RERR_UPSTREAM_BAD_RESPONSE)
			e = RERR_UPSTREAM_STREAM_INTERRUPTED;
		stream_fail(fl, e);
		return;
	}
	reply_error(fl->ex, e, NULL, NULL);
}

static long
upload_fail(struct upload *up, enum rerr e)
{
	up->error = e;
	return -1;
}

/* Hands libcurl the client's body, all but the withheld tail. */
static long
upload_read(void *ctx, char *buf, size_t len)
{
	struct upload	*up = ctx;
	struct exchange	*ex = up->ex;
	size_t		 have = up->held, give;
	long		 n;

	if (up->eof)
		return 0;
	if (len <= 2 * up->keep)
		return upload_fail(up, RERR_INTERNAL);
	memcpy(buf, up->tail, up->held);
	for (;;) {
		n = ex->io.read(ex->io.ctx, buf + have, len - have);
		if (n < 0)
			return upload_fail(up, RERR_BODY_INCOMPLETE);
		if (n == 0)
			break;
		up->total += (unsigned long long)n;
		have += (size_t)n;
		if (up->total > up->cap)
			return upload_fail(up, RERR_BODY_TOO_LARGE);
		if (have <= up->keep)
			continue;
		/* The body's first bytes are at buf[0] on the first call. */
		if (!up->opened && !multipart_opens(ex->boundary, buf, have))
			return upload_fail(up, RERR_BAD_MULTIPART);
		up->opened = true;
		give = have - up->keep;
		memcpy(up->tail, buf + give, up->keep);
		up->held = up->keep;
		return (long)give;
	}
	up->eof = true;
	if (ex->content_length >= 0 &&
	    up->total != (unsigned long long)ex->content_length)
		return upload_fail(up, RERR_BODY_INCOMPLETE);
	if ((!up->opened && !multipart_opens(ex->boundary, buf, have)) ||
	    !multipart_closes(ex->boundary, buf + have - (have < up->keep ?
	    have : up->keep), have < up->keep ? have : up->keep))
		return upload_fail(up, RERR_BAD_MULTIPART);
	up->held = 0;
	return (long)have;
}

/* "Name: <prefix><value>" in a fresh string the caller frees. */
static char *
header_line(const char *name, const char *prefix, const char *value)
{
	return xconcat(name, ": ", prefix, value, (char *)NULL);
}

/* The upstream request headers; returns how many lines it made. */
static size_t
build_headers(const struct exchange *ex, const struct forward_call *call,
    char **lines)
{
	const struct config	*cfg = ex->config;
	size_t			 n = 0, i;

	for (i = 0; call->client_headers && i < ex->nheaders &&
	    n < FORWARD_HEADERS_MAX - 5; i++) {
		if (!headers_request_allowed(ex->headers[i].name))
			continue;
		/* A body the relay built has its own type. */
		if ((call->content_type != NULL || call->nparts > 0) &&
		    strcasecmp(ex->headers[i].name, "Content-Type") == 0)
			continue;
		lines[n++] = header_line(ex->headers[i].name, "",
		    ex->headers[i].value);
	}
	if (call->content_type != NULL)
		lines[n++] = header_line("Content-Type", "",
		    call->content_type);
	lines[n++] = header_line("Authorization", "Bearer ",
	    cfg->openai_api_key);
	if (cfg->openai_organization[0] != '\0')
		lines[n++] = header_line("OpenAI-Organization", "",
		    cfg->openai_organization);
	if (cfg->openai_project[0] != '\0')
		lines[n++] = header_line("OpenAI-Project", "",
		    cfg->openai_project);
	/* Relay bytes as they are: no compressed bodies to re-encode. */
	lines[n++] = header_line("Accept-Encoding", "", "identity");
	return n;
}

void
forward_call(struct exchange *ex, const struct forward_call *call)
{
	const struct config	*cfg = ex->config;
	struct flight		 fl;
	struct upstream_sink	 sink = { &fl, on_head, on_body, on_tick };
	struct upstream_request	 rq;
	char			*lines[FORWARD_HEADERS_MAX];
	char			*url;
	size_t			 n, i;

	if (cfg->openai_api_key[0] == '\0') {
		reply_error(ex, RERR_UPSTREAM_KEY_MISSING, NULL, NULL);
		return;
	}

	url = xconcat(cfg->openai_api_base, call->path,
	    call->query[0] ? "?" : "", call->query, (char *)NULL);
	n = build_headers(ex, call, lines);

	memset(&fl, 0, sizeof(fl));
	fl.ex = ex;
	fl.cfg = cfg;
	fl.stream = call->stream;
	fl.start_ms = fl.last_poll_ms = now_ms();

	memset(&rq, 0, sizeof(rq));
	rq.method = call->method;
	rq.url = url;
	rq.headers = (const char *const *)lines;
	rq.nheaders = n;
	rq.body = call->body;
	rq.body_len = call->body_len;
	rq.parts = call->parts;
	rq.nparts = call->nparts;
	if (call->upload) {
		fl.upload.ex = ex;
		fl.upload.cap = (unsigned long long)cfg->max_upload_body;
		fl.upload.keep = multipart_tail_size(ex->boundary);
		rq.read_body = upload_read;
		rq.read_ctx = &fl.upload;
		rq.read_size = ex->content_length;
	}
	rq.connect_timeout_ms = cfg->connect_timeout_s * 1000;
	/* Streams are bounded by their own deadlines, checked in on_tick. */
	rq.timeout_ms = call->stream ? 0 : cfg->timeout_s * 1000;

	finish(&fl, upstream_perform(ex->upstream, &rq, &sink,
	    &ex->upstream_ms));

	/* The Authorization line holds the key: wipe it before freeing. */
	for (i = 0; i < n; i++) {
		explicit_bzero(lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(fl.event);
	free(url);
}

/*
 * Did the client ask for a stream?  "stream": true in the body, an
 * Accept naming event streams, or GET ...?stream=true (resuming a
 * background response).
 */
static bool
wants_stream(const struct exchange *ex)
{
	const char	*accept = exchange_header(ex, "Accept");
	const char	*q = ex->query;
	size_t		 len;

	if (body_flag_true(ex->json, "stream"))
		return true;
	if (accept != NULL && strstr(accept, "text/event-stream") != NULL)
		return true;
	while (*q != '\0') {
		len = strcspn(q, "&");
		if (len == 11 && strncmp(q, "stream=true", 11) == 0)
			return true;
		q += len;
		q += *q == '&';
	}
	return false;
}

void
forward_handle(struct exchange *ex)
{
	struct forward_call	call = {
		.method = method_name(ex->route->method),
		.path = ex->path,
		.query = ex->query,
		.body = ex->route->method == METHOD_GET ? NULL : ex->body,
		.body_len = ex->body_len,
		.client_headers = true,
		.upload = ex->upload,
		.stream = wants_stream(ex),
	};

	forward_call(ex, &call);
}
