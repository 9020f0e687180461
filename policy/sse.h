/*
 * Finding where server-sent events end in a byte stream, so the relay can
 * flush each event to the client the moment it is complete.  Bytes are
 * never changed: the scanner only reports boundaries.
 */
#ifndef POLICY_SSE_H
#define POLICY_SSE_H

#include <stddef.h>

/* Scanner state; zero-initialise before the first byte. */
struct sse_scan {
	int	state;
};

/*
 * Returns how many bytes of buf belong to the current event up to and
 * including the blank line that ends it, or 0 when buf ends inside the
 * current event.  Lines may end in LF, CRLF or CR (the SSE grammar); an
 * event ending in CR is reported at once, so when buf ends between the
 * CR and LF of a final CRLF, the LF opens the next piece.
 * Call again with the rest of buf for the following events.
 */
size_t sse_scan(struct sse_scan *s, const char *buf, size_t len);

#endif
