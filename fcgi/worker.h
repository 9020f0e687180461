/*
 * The worker pool of one process: threads that each accept FastCGI
 * requests on the shared listening socket and serve them one at a time.
 */
#ifndef FCGI_WORKER_H
#define FCGI_WORKER_H

struct config;

/*
 * Serves requests on listen_fd with up to nthreads threads (started as
 * concurrent requests need them) until SIGTERM or SIGINT, then stops
 * accepting and gives in-flight requests up to the configured grace
 * period.  Must be called with FCGX_Init() done and
 * before any other thread exists (it sets the signal mask).  Returns 0
 * after a clean drain, -1 if requests were still running at the deadline
 * or the pool could not start.
 */
int workers_run(int listen_fd, const struct config *cfg, int nthreads);

#endif
