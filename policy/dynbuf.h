/*
 * A growable buffer with a cap, after curl's dynbuf: everything sized by
 * a client or by upstream (a request body, an event, a download, a
 * WebSocket message) is collected in one, so it stops at its limit
 * instead of growing until memory runs out.  The bytes are always
 * followed by a NUL, so text can be used in place.  Allocation failure
 * aborts (xalloc): the cap bounds what is asked for.
 */
#ifndef POLICY_DYNBUF_H
#define POLICY_DYNBUF_H

#include <stddef.h>

struct dynbuf {
	char	*buf;	/* NULL until memory is first needed */
	size_t	 len;	/* bytes held, the NUL not counted */
	size_t	 alloc;	/* bytes allocated */
	size_t	 cap;	/* the most bytes it may hold */
};

/* An empty buffer that may hold up to cap bytes; allocates nothing. */
void dynbuf_init(struct dynbuf *d, size_t cap);

/*
 * Appends len bytes of mem: 0, or -1 if that would take it past its cap,
 * in which case nothing is added.  Growth doubles, so appending n bytes
 * in pieces costs O(n).
 */
int dynbuf_add(struct dynbuf *d, const void *mem, size_t len);

/*
 * Makes room for n bytes in all (at most the cap) now, so a body of a
 * known size is allocated once.
 */
void dynbuf_reserve(struct dynbuf *d, size_t n);

/* Empties it and keeps its memory for the next use. */
void dynbuf_reset(struct dynbuf *d);

/* Frees its memory and empties it; the cap stays. */
void dynbuf_free(struct dynbuf *d);

/*
 * Hands the bytes over: returns them NUL-terminated (never NULL; the
 * caller frees them) with their length in *len, and leaves d empty.
 */
char *dynbuf_take(struct dynbuf *d, size_t *len);

#endif
