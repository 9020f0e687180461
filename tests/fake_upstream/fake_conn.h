#ifndef FAKE_CONN_H
#define FAKE_CONN_H

/* Silences the one-line-per-request log on stderr. */
void conn_set_quiet(int quiet);

/*
 * Serves the accepted (non-blocking) socket fd on its own detached
 * thread, which owns and closes it. Returns 0, or -1 if no thread could
 * be started (fd is then closed).
 */
int conn_start(int fd);

/*
 * Waits up to timeout_ms for every connection thread to finish (they
 * all wind down once io_request_stop() was called). Returns 1 if they
 * did, 0 on timeout.
 */
int conn_wait_idle(long timeout_ms);

#endif
