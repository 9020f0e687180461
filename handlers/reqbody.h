/*
 * The client's request body, read through the exchange's I/O: the one
 * place that knows its Content-Length, its cap, how much of it was read
 * and whether it ended.  A body is read whole into memory (JSON) or in
 * pieces as upstream takes them (uploads).  One the answer did not need
 * is left to the connection's lingering close (fcgi/linger.h).
 */
#ifndef HANDLERS_REQBODY_H
#define HANDLERS_REQBODY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"

struct exchange_io;

struct reqbody {
	const struct exchange_io *io;
	long long		 length;	/* Content-Length; -1: not given
						   (a chunked upload) */
	unsigned long long	 cap;		/* the most bytes it may have */
	unsigned long long	 count;		/* bytes read so far */
	bool			 eof;		/* read to its end */
	enum rerr		 error;		/* why reading stopped early:
						   RERR_BODY_TOO_LARGE or
						   RERR_BODY_INCOMPLETE */
};

/* A body not read yet, of the given Content-Length (-1: unknown). */
void reqbody_init(struct reqbody *b, const struct exchange_io *io,
    long long length);

/*
 * Sets the most bytes the body may have.  Returns RERR_OK, or, when its
 * Content-Length already says it has more, RERR_BODY_TOO_LARGE
 * (RERR_BODY_NOT_ALLOWED for a cap of 0) without reading any of it.
 */
enum rerr reqbody_cap(struct reqbody *b, unsigned long long cap);

/*
 * Reads up to len bytes into buf: their count; 0 at the end (b->eof);
 * -1 once the body is over its cap or broke off (a read failed, or it
 * ended short of its Content-Length), with b->error saying which.
 */
long reqbody_read(struct reqbody *b, char *buf, size_t len);

/*
 * Reads the whole body, up to its cap, into *out (NUL-terminated, the
 * caller frees it; NULL on failure) and *len.  Returns RERR_OK,
 * RERR_BODY_TOO_LARGE (RERR_BODY_NOT_ALLOWED for a cap of 0) or
 * RERR_BODY_INCOMPLETE.  A body cut short (a client that gave up,
 * mod_fcgid past its limit) is never taken for a whole one.
 */
enum rerr reqbody_read_all(struct reqbody *b, char **out, size_t *len);

#endif
