/*
 * Sending one call upstream on behalf of an exchange and relaying the
 * answer back as it arrives.  Canonical routes call it with the client's
 * own method, path and body; the proxy and wrappers with what they built.
 */
#ifndef HANDLERS_FORWARD_H
#define HANDLERS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

#include "handlers/reply.h"

struct exchange;
struct upstream_part;

struct forward_call {
	const char	*method;
	const char	*path;		/* starts with /v1 */
	const char	*query;		/* percent-encoded, "" for none */
	const char	*body;		/* NULL: send none */
	size_t		 body_len;
	/* Pass the client's allowlisted headers (Content-Type, Accept...)? */
	bool		 client_headers;
	/* Content-Type of a body the relay built; NULL otherwise. */
	const char	*content_type;
	/* A multipart form the relay built (wrappers); nparts 0: none. */
	const struct upstream_part *parts;
	size_t		 nparts;
	/* Stream the client's unread multipart body (ex->upload). */
	bool		 upload;
	/*
	 * The client asked for a stream: stream deadlines apply instead of
	 * RELAY_TIMEOUT from the start.  Otherwise they apply from the
	 * moment the call shows itself a stream: a streamed form's field
	 * stream=true, or an event-stream answer.  Whether the answer is
	 * relayed as an event stream depends only on what upstream sends.
	 */
	bool		 stream;
	/*
	 * body asks for stream_options.include_usage on the client's
	 * behalf: the usage chunk and each chunk's "usage": null are kept
	 * from the client.
	 */
	bool		 asks_usage;
};

/*
 * Performs call with the operator's key and answers the exchange: with
 * upstream's status, allowlisted headers and body, or with the relay's
 * 424/502/504 envelope.  Nothing is sent upstream without a key.  An
 * event stream is relayed event by event, each flushed on its own, with
 * keepalive comments during silence and an error event if it breaks.
 * The transfer stops as soon as the client is found gone.  Where an
 * Action reads the answer (policy/answer.h), one over ANSWER_ACTIONS_MAX
 * bytes becomes the 502 answer_too_large envelope (a stream ends with
 * that error event instead), and upstream stops being read.
 */
void forward_call(struct exchange *ex, const struct forward_call *call);

/* An upstream answer held whole by forward_fetch. */
struct forward_answer {
	int			 status;
	/* Status, allowlisted headers: what forward_call would send. */
	struct reply_head	 head;
	char			 content_type[128];	/* "" when none */
	char			*body;		/* NUL-terminated */
	size_t			 len;
};

/*
 * Performs call like forward_call, but holds the answer (any status) in
 * *out instead of relaying it, and sends the client nothing: for a
 * wrapper that must turn the answer into something else.  Returns
 * RERR_OK, *out then to be freed with forward_answer_free; or the error
 * to answer with: RERR_UPSTREAM_TOO_LARGE for a body over cap bytes
 * (upstream stops being read), RERR_UPSTREAM_KEY_MISSING, or the
 * upstream failures forward_call reports.
 */
enum rerr forward_fetch(struct exchange *ex, const struct forward_call *call,
    size_t cap, struct forward_answer *out);

/* Relays a held answer as it came: its head, then its body. */
void forward_answer_send(struct exchange *ex, const struct forward_answer *a);

/* Frees the body; a is then empty. */
void forward_answer_free(struct forward_answer *a);

#endif
