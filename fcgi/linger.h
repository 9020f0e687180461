/*
 * Lingering closes.  A connection whose answer is out but whose request
 * body is not all read (a 401, or a 413, to an upload still arriving) is
 * not closed at once: a close with unread input resets the connection,
 * and Apache mod_proxy_fcgi, still sending the body, then loses the
 * answer and says 503.  Nor is the rest drained on the worker thread,
 * where a client that trickles its body would hold it.  One thread per
 * process reads and throws away what still comes on such connections
 * until the front server closes them, or LINGER_BYTES_MAX bytes or
 * LINGER_MS have passed, and then closes them; nginx closes its end on
 * the answer, Apache once it has read it.
 */
#ifndef FCGI_LINGER_H
#define FCGI_LINGER_H

/* Connections lingering at once; past that, one is closed at once. */
#define LINGER_MAX		128
#define LINGER_MS		5000
/* More than any front server shipped in deploy/ passes in a body. */
#define LINGER_BYTES_MAX	(1ULL << 30)

struct lingerer;

/*
 * Starts the lingering thread (with the caller's signal mask).  Returns
 * NULL if it cannot; linger_close then closes at once.
 */
struct lingerer *linger_start(void);

/*
 * Ends fd, a connection whose answer has been written: shuts it for
 * writing and hands it to the lingering thread, which closes it.  The
 * caller must not use fd again.  l may be NULL.
 */
void linger_close(struct lingerer *l, int fd);

/* Stops the thread and closes what it still holds; l may be NULL. */
void linger_stop(struct lingerer *l);

#endif
