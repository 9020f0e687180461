/*
 * The worker pool of one process: threads that each accept FastCGI
 * requests on the shared listening socket and serve them one at a time.
 */
#ifndef FCGI_WORKER_H
#define FCGI_WORKER_H

#include <signal.h>
#include <sys/types.h>

struct config;
struct keyring;

/*
 * Sent by a worker process to itself when it has accepted the last
 * request RELAY_MAX_REQUESTS allows, and then to its supervisor, which
 * starts a replacement at once.  A realtime signal, so that retirements
 * arriving together are each delivered, with the sender's pid.
 */
#define WORKER_RETIRE_SIGNAL	(SIGRTMIN)

/*
 * Serves requests on listen_fd with up to nthreads threads (at first
 * RELAY_MIN_THREADS, then more whenever fewer than RELAY_SPARE_THREADS
 * are idle, started by a thread of the pool's own) until SIGTERM or
 * SIGINT, then stops
 * accepting and gives in-flight requests up to the configured grace
 * period.  Must be called with FCGX_Init() done and
 * before any other thread exists (it sets the signal mask).
 *
 * With cfg->max_requests set, the process stops accepting after that
 * many requests, tells supervisor (the pid of the --processes parent
 * sharing listen_fd; 0 for none) so it can start a fresh process, waits
 * for every request it accepted, however long, and returns 0; the
 * socket stays open for the successor.  A SIGTERM meanwhile gives them
 * the grace period.
 *
 * Returns 0 after a clean drain, -1 if requests were still running at
 * the deadline or the pool could not start.
 */
int workers_run(int listen_fd, const struct config *cfg,
    struct keyring *keys, int nthreads, pid_t supervisor);

#endif
