/*
 * Sending one call upstream on behalf of an exchange and relaying the
 * answer back as it arrives.  Canonical routes call it with the client's
 * own method, path and body; the proxy and wrappers with what they built.
 */
#ifndef HANDLERS_FORWARD_H
#define HANDLERS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

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
	 * RELAY_TIMEOUT.  Whether the answer is relayed as an event stream
	 * depends only on what upstream sends back.
	 */
	bool		 stream;
};

/*
 * Performs call with the operator's key and answers the exchange: with
 * upstream's status, allowlisted headers and body, or with the relay's
 * 424/502/504 envelope.  Nothing is sent upstream without a key.  An
 * event stream is relayed event by event, each flushed on its own, with
 * keepalive comments during silence and an error event if it breaks.
 * The transfer stops as soon as the client is found gone.
 */
void forward_call(struct exchange *ex, const struct forward_call *call);

#endif
