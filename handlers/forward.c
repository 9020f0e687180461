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
 *
 * An answer held to an Action's size (policy/answer.h) is held whole
 * before anything is sent, so that one too long can still be refused
 * with an envelope; a capped event stream is cut, with an error event,
 * before it outgrows the cap.  forward_fetch holds answers the same way
 * for the wrappers that rewrite them, and sends nothing.
 */
#include <json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/limits.h"
#include "handlers/reply.h"
#include "handlers/upstream.h"
#include "policy/answer.h"
#include "policy/config.h"
#include "policy/dynbuf.h"
#include "policy/headers.h"
#include "policy/keys.h"
#include "policy/multipart.h"
#include "policy/route.h"
#include "policy/sse.h"
#include "policy/util.h"
#include "policy/xalloc.h"

/* Client headers that may pass, plus the ones the relay sets. */
#define FORWARD_HEADERS_MAX	16
/* Content-Type and Accept-Encoding, besides the operator's. */
#define RELAY_HEADERS_MAX	(OPERATOR_HEADERS_MAX + 2)
#define SSE_EVENT_MAX		(256 * 1024)
/* How often, at most, to look whether the client is still there. */
#define CLIENT_POLL_MS		200.0
/* Room kept in a capped stream for the error event that ends it. */
#define SSE_CUT_RESERVE		512

static const char KEEPALIVE[] = ": keepalive\n\n";

/* The form fields read from an upload as it passes. */
static const char *const FORM_FIELDS[] = { "model", "stream" };

/*
 * A client's multipart body on its way upstream, never held whole (its
 * cap and count are ex->in's).  The last few bytes are withheld until
 * the end, so a body without its closing boundary is refused before
 * upstream has all of it.
 */
struct upload {
	char			 tail[MULTIPART_BOUNDARY_MAX + 16];
	size_t			 held;		/* bytes of tail withheld */
	size_t			 keep;
	bool			 opened;	/* first bytes checked */
	enum rerr		 error;		/* the framing's, or ex->in's */
	struct multipart_scan	 form;
};

/* One call in flight: what the relay tracks while upstream answers. */
struct flight {
	struct exchange		*ex;
	const struct config	*cfg;
	bool			 stream;	/* stream deadlines apply */
	bool			 sse;		/* upstream sends events */
	struct sse_scan		 scan;
	struct dynbuf		 event;		/* the incomplete event */
	bool			 spilled;	/* it outgrew the buffer */
	double			 start_ms;
	double			 last_upstream_ms;
	double			 last_write_ms;
	double			 last_poll_ms;
	enum rerr		 stopped_by;	/* why a callback aborted */
	struct upload		 upload;
	/*
	 * Most answer bytes (0: no cap): an Action's (policy/answer.h), or
	 * what forward_fetch's caller can hold.
	 */
	size_t			 cap;
	bool			 fetch;		/* forward_fetch: send nothing */
	bool			 hold;		/* the answer goes to *answer */
	struct forward_answer	*answer;
	struct dynbuf		 held;		/* its body, as it comes */
	size_t			 sent;		/* body bytes of a stream sent */
	bool			 ok;		/* a 2xx answer */
	bool			 strip_usage;	/* the relay asked for it */
	struct usage_scan	 usage;		/* what it says it cost */
};

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
	fl->ok = status >= 200 && status < 300;
	fl->sse = !fl->fetch && fl->ok && is_event_stream(h, n);
	/* An answer that streams gets the stream deadlines from now on. */
	fl->stream = fl->stream || fl->sse;
	/* A capped stream is cut as it goes; anything else capped is held. */
	fl->hold = fl->fetch || (fl->cap > 0 && !fl->sse);
	reply_head_init(fl->hold ? &fl->answer->head : &head, ex, status);
	for (i = 0; i < n; i++) {
		name = headers_response_name(h[i].name);
		if (name == NULL || (fl->sse &&
		    strcmp(name, "Content-Length") == 0))
			continue;
		if (strcmp(name, "x-request-id") == 0)
			snprintf(ex->upstream_request_id,
			    sizeof(ex->upstream_request_id), "%s", h[i].value);
		if (fl->hold && strcmp(name, "Content-Type") == 0)
			snprintf(fl->answer->content_type,
			    sizeof(fl->answer->content_type), "%s", h[i].value);
		reply_head_add(fl->hold ? &fl->answer->head : &head, name,
		    h[i].value);
	}
	if (fl->hold) {
		fl->answer->status = status;
		return 0;
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

/*
 * Writes the buffered event, without the usage the client did not ask
 * for when the relay asked for it on the client's behalf; returns the
 * bytes written (what counts against a cap), or -1.
 */
static long
event_write(struct flight *fl)
{
	const char		*buf = fl->event.buf;
	size_t			 len = fl->event.len;
	struct usage_cut	 cut;

	switch (fl->strip_usage ? usage_strip_event(buf, len, &cut) :
	    USAGE_EVENT_KEEP) {
	case USAGE_EVENT_DROP:
		return 0;
	case USAGE_EVENT_REWRITTEN:
		if (reply_write(fl->ex, buf, cut.from) == -1 ||
		    reply_write(fl->ex, buf + cut.to, len - cut.to) == -1)
			return -1;
		return (long)(len - (cut.to - cut.from));
	default:
		return reply_write(fl->ex, buf, len) == -1 ? -1 : (long)len;
	}
}

/* Sends the buffered event, or ends a spilled one, and flushes. */
static int
event_emit(struct flight *fl)
{
	long	n = fl->spilled ? 0 : event_write(fl);

	if (n == -1)
		return -1;
	fl->sent += (size_t)n;
	dynbuf_reset(&fl->event);
	fl->spilled = false;
	fl->last_write_ms = now_ms();
	return reply_flush(fl->ex);
}

/* Holds bytes of the current event; past SSE_EVENT_MAX, writes them. */
static int
event_append(struct flight *fl, const char *buf, size_t len)
{
	if (!fl->spilled && dynbuf_add(&fl->event, buf, len) == 0)
		return 0;
	if (!fl->spilled) {
		if (reply_write(fl->ex, fl->event.buf, fl->event.len) == -1)
			return -1;
		dynbuf_reset(&fl->event);
		fl->spilled = true;
	}
	return reply_write(fl->ex, buf, len);
}

/* Keeps answer bytes, up to the cap (none: up to upstream's answer). */
static int
hold_append(struct flight *fl, const char *buf, size_t len)
{
	fl->last_upstream_ms = now_ms();
	if (dynbuf_add(&fl->held, buf, len) == -1) {
		fl->stopped_by = fl->fetch ? RERR_UPSTREAM_TOO_LARGE :
		    RERR_ANSWER_TOO_LARGE;
		return -1;
	}
	return 0;
}

static int
on_body(void *ctx, const char *buf, size_t len)
{
	struct flight	*fl = ctx;
	size_t		 n, chunk;

	if (fl->ok)
		usage_scan_feed(&fl->usage, buf, len);
	if (fl->hold)
		return hold_append(fl, buf, len);
	if (!fl->sse)
		return reply_write(fl->ex, buf, len);
	fl->last_upstream_ms = now_ms();
	while (len > 0) {
		n = sse_scan(&fl->scan, buf, len);
		chunk = n > 0 ? n : len;
		/* Cut before the event that would not fit, room kept for
		 * the error event that says so. */
		if (fl->cap > 0 && fl->sent + fl->event.len + chunk +
		    SSE_CUT_RESERVE > fl->cap) {
			fl->stopped_by = RERR_ANSWER_TOO_LARGE;
			return -1;
		}
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
 * Deadlines, keepalives, the client check and the slot's renewal, about
 * once a second while upstream is silent and more often while it talks.
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
		/* However long the call, its concurrency slot stays its. */
		if (ex->key != NULL)
			limits_renew(ex->state, ex->key->name, &ex->slot);
	}
	/*
	 * RELAY_TIMEOUT is kept here rather than by libcurl, which could not
	 * lift it when a call turns out to be a stream.
	 */
	if (!fl->stream) {
		if (now - fl->start_ms >= (double)fl->cfg->timeout_s * 1000.0) {
			fl->stopped_by = RERR_UPSTREAM_TIMEOUT;
			return -1;
		}
		return 0;
	}
	if (fl->cfg->stream_total_timeout_s > 0 && now - fl->start_ms >=
	    (double)fl->cfg->stream_total_timeout_s * 1000.0) {
		fl->stopped_by = RERR_UPSTREAM_TOTAL_TIMEOUT;
		return -1;
	}
	/* A held answer's head is in, though none is sent yet. */
	if (!ex->head_sent && !fl->hold) {
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
	if (fl->sse && fl->event.len == 0 && !fl->spilled &&
	    now - fl->last_write_ms >=
	    (double)fl->cfg->stream_keepalive_s * 1000.0 && (fl->cap == 0 ||
	    fl->sent + sizeof(KEEPALIVE) + SSE_CUT_RESERVE <= fl->cap)) {
		fl->last_write_ms = now;
		if (reply_write(ex, KEEPALIVE, sizeof(KEEPALIVE) - 1) == -1 ||
		    reply_flush(ex) == -1) {
			fl->stopped_by = RERR_CLIENT_GONE;
			return -1;
		}
		fl->sent += sizeof(KEEPALIVE) - 1;
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

/* What went wrong with the call, or RERR_OK. */
static enum rerr
flight_error(const struct flight *fl, enum upstream_result res)
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
	return e;
}

static void
finish(struct flight *fl, enum upstream_result res)
{
	enum rerr	e = flight_error(fl, res);

	if (e == RERR_OK) {
		if (fl->hold) {
			forward_answer_send(fl->ex, fl->answer);
			return;
		}
		/* Upstream ended without a final blank line: pass the rest. */
		if (fl->sse && (fl->event.len > 0 || fl->spilled))
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

/*
 * Reads the form's fields from bytes as they pass: stream=true brings
 * the stream deadlines in before upstream answers.
 */
static void
upload_scan(struct flight *fl, const char *buf, size_t len)
{
	const char	*stream;

	multipart_scan_feed(&fl->upload.form, buf, len);
	stream = multipart_scan_value(&fl->upload.form, "stream");
	if (stream != NULL && strcasecmp(stream, "true") == 0)
		fl->stream = true;
}

/*
 * The whole form has been read and its closing boundary is still held
 * back: the last moment it can be refused.  Its model is known now, for
 * the key's models= and usage.  Returns 0, or -1 to refuse the form.
 */
static long
upload_form_read(struct flight *fl)
{
	const char	*model = multipart_scan_value(&fl->upload.form,
	    "model");

	snprintf(fl->ex->form_model, sizeof(fl->ex->form_model), "%s",
	    model && fl->upload.form.closed ? model : "");
	if (model != NULL && limits_model(fl->ex, fl->ex->form_model) !=
	    RERR_OK)
		return upload_fail(&fl->upload, RERR_MODEL_NOT_ALLOWED);
	return 0;
}

/* Hands libcurl the client's body, all but the withheld tail. */
static long
upload_read(void *ctx, char *buf, size_t len)
{
	struct flight	*fl = ctx;
	struct upload	*up = &fl->upload;
	struct exchange	*ex = fl->ex;
	size_t		 have = up->held, give;
	long		 n;

	if (ex->in.eof && up->held == 0)
		return 0;
	if (len <= 2 * up->keep)
		return upload_fail(up, RERR_INTERNAL);
	memcpy(buf, up->tail, up->held);
	for (;;) {
		n = reqbody_read(&ex->in, buf + have, len - have);
		if (n < 0)
			return upload_fail(up, ex->in.error);
		if (n == 0)
			break;
		upload_scan(fl, buf + have, (size_t)n);
		have += (size_t)n;
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
	if ((!up->opened && !multipart_opens(ex->boundary, buf, have)) ||
	    !multipart_closes(ex->boundary, buf + have - (have < up->keep ?
	    have : up->keep), have < up->keep ? have : up->keep))
		return upload_fail(up, RERR_BAD_MULTIPART);
	if (upload_form_read(fl) == -1)
		return -1;
	up->held = 0;
	return (long)have;
}

/*
 * Appends "Name: <prefix><value>" and its NUL to arena, noting where the
 * line starts.  One buffer for all the lines, not a string each: the
 * allocations and frees cost about 3,000 instructions a call (make
 * bench, callgrind).
 */
static void
header_line(struct dynbuf *arena, size_t *at, const char *name,
    const char *prefix, const char *value)
{
	*at = arena->len;
	/* The arena has no cap: adding cannot fail. */
	(void)dynbuf_add(arena, name, strlen(name));
	(void)dynbuf_add(arena, ": ", 2);
	(void)dynbuf_add(arena, prefix, strlen(prefix));
	(void)dynbuf_add(arena, value, strlen(value) + 1);
}

/*
 * The upstream request headers, as lines in arena (at[i]: where line i
 * starts); returns how many.
 */
static size_t
build_headers(const struct exchange *ex, const struct forward_call *call,
    struct dynbuf *arena, size_t *at)
{
	struct operator_header	 op[OPERATOR_HEADERS_MAX];
	size_t			 n = 0, nop, i;

	for (i = 0; call->client_headers && i < ex->nheaders &&
	    n < FORWARD_HEADERS_MAX - RELAY_HEADERS_MAX; i++) {
		if (!headers_request_allowed(ex->headers[i].name))
			continue;
		/* A body the relay built has its own type. */
		if ((call->content_type != NULL || call->nparts > 0) &&
		    strcasecmp(ex->headers[i].name, "Content-Type") == 0)
			continue;
		header_line(arena, &at[n++], ex->headers[i].name, "",
		    ex->headers[i].value);
	}
	if (call->content_type != NULL)
		header_line(arena, &at[n++], "Content-Type", "",
		    call->content_type);
	nop = headers_operator(ex->config, NULL, op);
	for (i = 0; i < nop; i++)
		header_line(arena, &at[n++], op[i].name, op[i].prefix,
		    op[i].value);
	/* Relay bytes as they are: no compressed bodies to re-encode. */
	header_line(arena, &at[n++], "Accept-Encoding", "", "identity");
	return n;
}

/* Adds what the answer said it cost to the exchange's usage. */
static void
flight_count(const struct flight *fl)
{
	const struct usage_tokens	*t = &fl->usage.tokens;
	struct usage_tokens		*u = &fl->ex->usage;

	if (fl->sse && !usage_scan_finished(&fl->usage))
		fl->ex->stream_incomplete = true;
	if (!t->reported)
		return;
	u->input += t->input;
	u->output += t->output;
	u->total += t->total;
	u->cached += t->cached;
	u->reasoning += t->reasoning;
	u->reported = true;
}

/*
 * Performs the call with the operator's key, the answer going to fl's
 * callbacks (a held body into fl->answer); the caller has checked there
 * is a key and set fl's ex, cap, fetch and answer.
 */
static enum upstream_result
flight_run(struct flight *fl, const struct forward_call *call)
{
	struct exchange		*ex = fl->ex;
	const struct config	*cfg = ex->config;
	struct upstream_sink	 sink = { fl, on_head, on_body, on_tick };
	struct upstream_request	 rq;
	enum upstream_result	 res;
	const char		*lines[FORWARD_HEADERS_MAX];
	size_t			 at[FORWARD_HEADERS_MAX];
	struct dynbuf		 arena;
	char			*url;
	double			 ms = 0;
	size_t			 n, i;

	url = xconcat(cfg->openai_api_base, call->path,
	    call->query[0] ? "?" : "", call->query, (char *)NULL);
	dynbuf_init(&arena, SIZE_MAX);
	dynbuf_reserve(&arena, 1024);
	n = build_headers(ex, call, &arena, at);
	for (i = 0; i < n; i++)
		lines[i] = arena.buf + at[i];

	fl->cfg = cfg;
	fl->stream = call->stream;
	fl->strip_usage = call->asks_usage;
	dynbuf_init(&fl->event, SSE_EVENT_MAX);
	dynbuf_init(&fl->held, fl->cap > 0 ? fl->cap : SIZE_MAX);
	fl->start_ms = fl->last_poll_ms = now_ms();

	memset(&rq, 0, sizeof(rq));
	rq.method = call->method;
	rq.url = url;
	rq.headers = lines;
	rq.nheaders = n;
	rq.body = call->body;
	rq.body_len = call->body_len;
	rq.parts = call->parts;
	rq.nparts = call->nparts;
	if (call->upload) {
		fl->upload.keep = multipart_tail_size(ex->boundary);
		multipart_scan_init(&fl->upload.form, ex->boundary,
		    FORM_FIELDS, NELEM(FORM_FIELDS));
		rq.read_body = upload_read;
		rq.read_ctx = fl;
		rq.read_size = ex->content_length;
	}
	/* The other deadlines are on_tick's: which apply can change. */
	rq.connect_timeout_ms = cfg->connect_timeout_s * 1000;

	usage_scan_init(&fl->usage);
	res = upstream_perform(ex->upstream, &rq, &sink, &ms);
	/* A wrapper may make several calls for one answer. */
	ex->upstream_ms += ms;
	flight_count(fl);
	if (fl->hold)
		fl->answer->body = dynbuf_take(&fl->held, &fl->answer->len);

	/* The Authorization line holds the key: wipe it before freeing. */
	explicit_bzero(arena.buf, arena.len);
	dynbuf_free(&arena);
	dynbuf_free(&fl->event);
	dynbuf_free(&fl->held);
	free(url);
	return res;
}

/*
 * Empties a, all but its head's buffer (8 KiB that on_head fills before
 * anything reads it): clearing that cost 8,400 instructions a call under
 * callgrind, which counts the bytes memset stores one by one.
 */
static void
answer_init(struct forward_answer *a)
{
	a->status = 0;
	a->head.len = 0;
	a->head.status = 0;
	a->content_type[0] = '\0';
	a->body = NULL;
	a->len = 0;
}

void
forward_call(struct exchange *ex, const struct forward_call *call)
{
	struct flight		fl;
	struct forward_answer	held;

	if (ex->config->openai_api_key[0] == '\0') {
		reply_error(ex, RERR_UPSTREAM_KEY_MISSING, NULL, NULL);
		return;
	}
	memset(&fl, 0, sizeof(fl));
	answer_init(&held);
	fl.ex = ex;
	fl.answer = &held;
	if (ex->route != NULL && answer_capped(ex->route,
	    exchange_header(ex, "User-Agent")))
		fl.cap = ANSWER_ACTIONS_MAX;
	finish(&fl, flight_run(&fl, call));
	forward_answer_free(&held);
}

enum rerr
forward_fetch(struct exchange *ex, const struct forward_call *call,
    size_t cap, struct forward_answer *out)
{
	struct flight	fl;
	enum rerr	e;

	answer_init(out);
	if (ex->config->openai_api_key[0] == '\0')
		return RERR_UPSTREAM_KEY_MISSING;
	memset(&fl, 0, sizeof(fl));
	fl.ex = ex;
	fl.fetch = true;
	fl.cap = cap;
	fl.answer = out;
	e = flight_error(&fl, flight_run(&fl, call));
	if (e != RERR_OK) {
		forward_answer_free(out);
		return e;
	}
	if (out->body == NULL)
		out->body = xstrdup("");
	return RERR_OK;
}

void
forward_answer_send(struct exchange *ex, const struct forward_answer *a)
{
	struct reply_head	head = a->head;

	if (reply_head_send(ex, &head) == 0)
		reply_write(ex, a->body, a->len);
}

void
forward_answer_free(struct forward_answer *a)
{
	free(a->body);
	a->body = NULL;
	a->len = 0;
}

/*
 * Did the client ask for a stream?  "stream": true in the body, an
 * Accept naming event streams, or GET ...?stream=true (resuming a
 * background response).
 */
static bool
wants_stream(const struct exchange *ex)
{
	const char	*q = ex->query;
	size_t		 len;

	if (ex->facts.stream ||
	    headers_accept_event_stream(exchange_header(ex, "Accept")))
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

/*
 * A chat stream reports its usage only when asked to: a client that did
 * not ask (no stream_options) has the relay ask for it, in a copy of
 * its body (*body, which the caller frees), so the call is accounted
 * for.  The body is a JSON object without that member (body_json_check
 * refuses duplicates), so adding it first keeps it valid.
 */
static bool
asks_usage(const struct exchange *ex, char **body)
{
	const char	*open;

	if (ex->route->method != METHOD_POST ||
	    strcmp(ex->route->path, "/v1/chat/completions") != 0 ||
	    !ex->facts.object || !ex->facts.stream ||
	    ex->facts.has_stream_options ||
	    (open = strchr(ex->body, '{')) == NULL)
		return false;
	*body = xconcat("{\"stream_options\":{\"include_usage\":true},",
	    open + 1, (char *)NULL);
	return true;
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
	enum rerr		rc;
	char			*asked = NULL;

	if (strcmp(ex->route->path, "/v1/models") == 0) {
		limits_list_models(ex, &call);
		return;
	}
	if ((rc = limits_model_path(ex, ex->route, ex->path)) != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return;
	}
	if (asks_usage(ex, &asked)) {
		call.body = asked;
		call.body_len = strlen(asked);
		call.asks_usage = true;
	}
	forward_call(ex, &call);
	free(asked);
}
