/*
 * Writing the response: a CGI header block ("Status:" first), then the
 * body, through the exchange's I/O.  Every write is checked; after the
 * first failure the exchange is marked client_gone and later writes are
 * no-ops returning -1, so callers can stop work the client will not read.
 */
#ifndef HANDLERS_REPLY_H
#define HANDLERS_REPLY_H

#include <stddef.h>

#include "policy/error.h"

struct exchange;
struct json_object;

/* A response header block under construction. */
struct reply_head {
	char	buf[8192];
	size_t	len;
	int	status;
};

/*
 * Starts a block with Status and X-Relay-Request-Id, the relay's own id
 * for the request (OpenAI's, when there is one, goes as x-request-id).
 */
void reply_head_init(struct reply_head *h, const struct exchange *ex,
    int status);

/*
 * Adds one header.  A value holding CR or LF, or one that no longer fits,
 * is dropped (and the block stays well formed).
 */
void reply_head_add(struct reply_head *h, const char *name,
    const char *value);

/* Ends the block and writes it: 0, or -1 if the client is gone. */
int reply_head_send(struct exchange *ex, struct reply_head *h);

/* Writes body bytes after the head: 0, or -1 if the client is gone. */
int reply_write(struct exchange *ex, const char *buf, size_t len);

/* Pushes written bytes to the client now: 0, or -1 if it is gone. */
int reply_flush(struct exchange *ex);

/*
 * A whole JSON response; obj stays the caller's.  Its x-request-id is
 * OpenAI's when an upstream answer came before, else the relay's.
 */
void reply_json(struct exchange *ex, int status, struct json_object *obj);

/*
 * A whole relay error response in the envelope, with the relay's id as
 * x-request-id too.  allow, when not NULL, becomes the Allow header (405).  Once a head was sent nothing more can
 * be said, so this only records the status for the log.
 */
void reply_error(struct exchange *ex, enum rerr e, const char *param,
    const char *allow);

/*
 * The same with a specific reason as the message: a fixed string from
 * policy (say, which proxy rule denied the call), never client data.
 */
void reply_error_reason(struct exchange *ex, enum rerr e, const char *reason,
    const char *param);

/* A 401 in the envelope with challenge as its WWW-Authenticate. */
void reply_error_challenge(struct exchange *ex, enum rerr e,
    const char *challenge);

#endif
