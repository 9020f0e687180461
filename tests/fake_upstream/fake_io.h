#ifndef FAKE_IO_H
#define FAKE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Blocking-style I/O on non-blocking sockets. Every wait also watches the
 * stop pipe, so once a stop is requested all connection threads fall out
 * of their reads, writes and sleeps at once; that is what lets SIGTERM end
 * the server within a second even with idle keep-alive connections.
 */

/* Creates the stop pipe. Returns 0, or -1 with errno set. */
int io_init(void);
/* Closes the stop pipe; only after every thread using io_* is gone. */
void io_free(void);
/* Async-signal-safe: makes every present and future wait return -1. */
void io_request_stop(void);
/* 1 once a stop was requested. */
int io_stopping(void);

/*
 * Waits for events on fd or timeout_ms (-1 = no limit). Returns 1 when
 * ready (including error/hang-up conditions), 0 on timeout, -1 when
 * stopping.
 */
int io_wait(int fd, short events, int timeout_ms);
/* Sleeps ms. Returns 0, or -1 if a stop interrupted it. */
int io_sleep_ms(long ms);
/* Reads at most len bytes. Returns the count, 0 at EOF, -1 on error/stop. */
ssize_t io_read(int fd, void *buf, size_t len);
/* Writes all len bytes. Returns 0, or -1 on error/stop (peer gone). */
int io_write_all(int fd, const void *buf, size_t len);
/*
 * For the calling thread: from now on io_write_all sends one byte at a
 * time, ms apart (a slow upstream); 0 restores normal writes.
 */
void io_set_trickle_ms(long ms);
/* Makes the close of fd a reset (RST) rather than an orderly FIN. */
void io_reset_on_close(int fd);
/* Returns once the peer has closed (or reset) fd, or a stop is requested. */
void io_wait_peer_close(int fd);

/*
 * Held steps of scripted answers (a stream's next event, the rest of a
 * body) go on only when a test releases them, so a test orders what
 * upstream sends against what the client has seen instead of against
 * the clock.  io_release lets one held step go (any answer's: the first
 * to take it); io_release_clear drops releases no step has taken.
 */
void io_release(void);
void io_release_clear(void);
/*
 * Holds the calling answer until a release is taken (0), or the peer
 * has closed fd or a stop is requested (-1).  Nothing is read from fd
 * meanwhile.
 */
int io_hold(int fd);

/* Wall-clock milliseconds since the epoch. */
int64_t io_now_ms(void);
/* Monotonic milliseconds, for durations. */
int64_t io_mono_ms(void);

#endif
