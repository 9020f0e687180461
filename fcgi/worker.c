/*
 * Threads around FCGX_Accept_r.  libfcgi's threaded example serialises
 * accept() with a mutex for old platforms; Linux wakes one thread per
 * connection by itself, and the mutex cost two futex calls a request
 * (measured with strace in make bench), so threads accept directly.
 * Signals are blocked in every thread and taken synchronously by the
 * main thread, which sets the pool stopping; threads blocked in accept
 * see that within ACCEPT_WAKE_S.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi/accesslog.h"
#include "fcgi/budget.h"
#include "fcgi/keyring.h"
#include "fcgi/linger.h"
#include "fcgi/params.h"
#include "fcgi/worker.h"
#include "handlers/exchange.h"
#include "handlers/state.h"
#include "handlers/usagebuf.h"
#include "handlers/upstream.h"
#include "policy/config.h"
#include "policy/util.h"
#include "policy/xalloc.h"

/*
 * How long a thread waits in accept before it looks whether the pool is
 * stopping.  Stopping does not shut the listening socket down to wake
 * them: the socket may be shared (sibling workers, the supervisor and
 * the successor of a retiring worker, systemd's relay.socket), and a
 * shut-down socket stops listening for every process that holds it.
 * Accepted connections inherit this timeout; each gets the body's idle
 * limit (RELAY_BODY_IDLE_TIMEOUT) instead.
 */
#define ACCEPT_WAKE_S		1

/* Consecutive accept failures after which the pool gives up. */
#define ACCEPT_FAILURES_MAX	50

/*
 * Each request holds a thread for its whole life (a stream for minutes),
 * so the pool grows whenever fewer than RELAY_SPARE_THREADS are idle, up
 * to max: threads that mostly wait cost little, a queue in front of a
 * full pool costs the clients.  A thread of its own starts them, so no
 * request waits while threads are made: a burst of streams made to wait
 * for threads started by the requests themselves waited up to 114 ms
 * for its first event (make bench, 1,000 streams opened at once).
 *
 * The same thread shrinks the pool again (like Apache's MaxSpareThreads):
 * once every RELAY_THREAD_IDLE_TIMEOUT it looks at the fewest threads
 * that were idle at once since its last look, and the ones beyond spare,
 * which no request needed all that while, are asked to end (never below
 * RELAY_MIN_THREADS).  Otherwise a peak of streams left its threads for
 * good: after 1,000 at once, 1,134 threads, 100 MiB, and a thousand
 * accept wake-ups a second.  The spawner joins each thread that ends, so
 * its stack is given back and its slot can take a new one.
 */
struct pool;

/* A slot for a worker thread. */
struct worker {
	struct pool		*pool;
	pthread_t		 thread;
	bool			 live;		/* a thread to join */
};

struct pool {
	int			 listen_fd;
	const struct config	*config;
	struct keyring		*keys;		/* shared by the threads */
	struct accept_budget	 budget;	/* RELAY_MAX_REQUESTS */
	atomic_bool		 stopping;
	atomic_int		 running;	/* threads not yet finished */
	atomic_int		 idle;		/* threads not serving */
	struct lingerer		*linger;	/* ends connections with a body
						   left unread */
	int			 spare;		/* idle threads kept ready */
	int			 min;		/* threads that stay */
	long			 trim_s;	/* RELAY_THREAD_IDLE_TIMEOUT */
	atomic_int		 idle_low;	/* fewest idle since the last
						   trim */
	atomic_int		 surplus;	/* threads asked to end */
	pthread_attr_t		 attr;
	int			 max;
	bool			 has_spawner;
	pthread_t		 spawner;
	pthread_cond_t		 grow_wanted;	/* idle fell below spare, or
						   a thread ended */
	/* Guards the slots: started + nended of them are live. */
	pthread_mutex_t		 grow_lock;
	struct worker		*workers;	/* max of them */
	struct worker	       **ended;		/* threads to join */
	int			 nended;
	int			 started;	/* threads that have not ended */
};

static void *worker_main(void *arg);

/* Whether a slot is free: ended threads keep theirs until joined. */
static bool
pool_has_room(const struct pool *pool)
{
	return pool->started + pool->nended < pool->max;
}

/* Starts n more workers, fewer if the pool fills up or is stopping. */
static void
pool_grow_locked(struct pool *pool, int n)
{
	struct worker	*w = pool->workers, *end = pool->workers + pool->max;

	for (; n > 0 && pool_has_room(pool) && !atomic_load(&pool->stopping);
	    n--) {
		while (w < end && w->live)
			w++;
		if (w == end)
			break;
		w->pool = pool;
		atomic_fetch_add(&pool->running, 1);
		atomic_fetch_add(&pool->idle, 1);
		if (pthread_create(&w->thread, &pool->attr, worker_main,
		    w) != 0) {
			atomic_fetch_sub(&pool->running, 1);
			atomic_fetch_sub(&pool->idle, 1);
			fputs("relay: cannot start a worker thread\n", stderr);
			break;
		}
		w->live = true;
		pool->started++;
	}
}

/* Whether the spawner has threads to start. */
static bool
pool_short(struct pool *pool)
{
	return atomic_load(&pool->idle) < pool->spare && pool_has_room(pool);
}

/*
 * Asks the threads that stayed idle beyond spare since the last look to
 * end (worker_main's pool_retire_one), and starts the next look.
 */
static void
pool_trim_locked(struct pool *pool)
{
	int	idle = atomic_load(&pool->idle);
	int	low = atomic_exchange(&pool->idle_low, idle);
	int	n = (low < idle ? low : idle) - pool->spare;

	if (n > pool->started - pool->min)
		n = pool->started - pool->min;
	atomic_store(&pool->surplus, n > 0 ? n : 0);
}

/*
 * Joins a thread that ended, without the lock; its slot is free then.
 * After the last of a trim's, the heap the threads used (each its curl
 * handle and 64 KiB header buffer) goes back to the system: free chunks
 * between live ones would otherwise stay the process's (after 1,000
 * streams, 35 MiB a process instead of 10).
 */
static void
pool_join_ended_locked(struct pool *pool)
{
	struct worker	*w = pool->ended[--pool->nended];
	bool		 last = pool->nended == 0 &&
	    atomic_load(&pool->surplus) == 0;

	pthread_mutex_unlock(&pool->grow_lock);
	pthread_join(w->thread, NULL);
	if (last)
		malloc_trim(0);
	pthread_mutex_lock(&pool->grow_lock);
	w->live = false;
}

/*
 * The spawner: tops the idle threads up to spare whenever asked, joins
 * the threads that end, and trims the pool every trim_s.
 */
static void *
spawner_main(void *arg)
{
	struct pool	*pool = arg;
	struct timespec	 next;

	pthread_mutex_lock(&pool->grow_lock);
	clock_gettime(CLOCK_MONOTONIC, &next);
	next.tv_sec += pool->trim_s;
	while (!atomic_load(&pool->stopping)) {
		if (pool->nended > 0)
			pool_join_ended_locked(pool);
		else if (pool_short(pool))
			pool_grow_locked(pool, pool->spare -
			    atomic_load(&pool->idle));
		else if (pool->trim_s == 0)
			pthread_cond_wait(&pool->grow_wanted, &pool->grow_lock);
		else if (pthread_cond_timedwait(&pool->grow_wanted,
		    &pool->grow_lock, &next) == ETIMEDOUT) {
			pool_trim_locked(pool);
			/* A whole period from now: never two looks at once. */
			clock_gettime(CLOCK_MONOTONIC, &next);
			next.tv_sec += pool->trim_s;
		}
	}
	pthread_mutex_unlock(&pool->grow_lock);
	return NULL;
}

/*
 * A worker took a request: notes the fewest idle for the next trim, and
 * wakes the spawner if spares ran short.
 */
static void
pool_took_one(struct pool *pool)
{
	int	idle = atomic_fetch_sub(&pool->idle, 1) - 1;
	int	low = atomic_load(&pool->idle_low);

	while (idle < low &&
	    !atomic_compare_exchange_weak(&pool->idle_low, &low, idle))
		;
	if (idle >= pool->spare || !pool->has_spawner)
		return;
	/* Under the lock, so the wake-up cannot fall between the
	 * spawner's look and its wait. */
	pthread_mutex_lock(&pool->grow_lock);
	pthread_cond_signal(&pool->grow_wanted);
	pthread_mutex_unlock(&pool->grow_lock);
}

/*
 * An idle worker whose accept woke with nothing: true if it is to end,
 * one of the surplus the last trim asked for, and spare are left idle.
 */
static bool
pool_retire_one(struct pool *pool)
{
	int	n = atomic_load(&pool->surplus);

	do {
		if (n <= 0)
			return false;
	} while (!atomic_compare_exchange_weak(&pool->surplus, &n, n - 1));
	if (atomic_fetch_sub(&pool->idle, 1) - 1 < pool->spare) {
		/* Requests took some meanwhile: the rest stay. */
		atomic_fetch_add(&pool->idle, 1);
		atomic_store(&pool->surplus, 0);
		return false;
	}
	return true;
}

/*
 * A retired worker, its resources given back, hands its slot to the
 * spawner to join: last, so the join waits for nothing but its return.
 */
static void
pool_ended(struct worker *w)
{
	struct pool	*pool = w->pool;

	pthread_mutex_lock(&pool->grow_lock);
	pool->started--;
	pool->ended[pool->nended++] = w;
	pthread_cond_signal(&pool->grow_wanted);
	pthread_mutex_unlock(&pool->grow_lock);
}

static long
io_read(void *ctx, char *buf, size_t len)
{
	FCGX_Request	*req = ctx;
	int		 want = len > 65536 ? 65536 : (int)len;
	int		 n = FCGX_GetStr(buf, want, req->in);

	/* A short read is the end, unless the stream broke (or timed out). */
	return n == 0 && FCGX_GetError(req->in) != 0 ? -1 : n;
}

static int
io_write(void *ctx, const char *buf, size_t len)
{
	FCGX_Request	*req = ctx;

	while (len > 0) {
		int	chunk = len > 65536 ? 65536 : (int)len;

		if (FCGX_PutStr(buf, chunk, req->out) != chunk)
			return -1;
		buf += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

static int
io_flush(void *ctx)
{
	FCGX_Request	*req = ctx;

	return FCGX_FFlush(req->out) == 0 ? 0 : -1;
}

/*
 * libfcgi has no way to ask whether the web server dropped the
 * connection (lighttpd and nginx do when their client leaves), so look
 * at the socket: a hang-up, or readable with nothing to read.
 */
static int
io_client_gone(void *ctx)
{
	FCGX_Request	*req = ctx;
	struct pollfd	 pfd = { req->ipcFd, POLLIN | POLLRDHUP, 0 };
	char		 c;

	if (poll(&pfd, 1, 0) != 1)
		return 0;
	if (pfd.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return 1;
	return (pfd.revents & POLLIN) &&
	    recv(req->ipcFd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* How long a read on the connection may wait for the front server. */
static void
read_timeout(FCGX_Request *req, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(req->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1)
		perror("relay: SO_RCVTIMEO on a connection");
}

/*
 * Ends the request: the answer goes out at once, with FastCGI's end of
 * request.  FCGX_Finish_r is not used: it shuts the socket for writing
 * and then waits (up to 2 s) for the web server to close its end, so
 * the thread slept once more per request, and mod_fcgid, which waits for
 * the relay to close first, stalled the full 2 s.  That wait guards
 * against a TCP reset discarding the answer when unread input is left;
 * here a connection with a body left unread (an answer that did not
 * need it: a 401, a 413) lingers on another thread instead (linger.h),
 * and any other has its request read to the end or is gone.
 *
 * A response that broke off mid-body (cut_short) ends without FastCGI's
 * end of request, so the front server aborts its client's response (no
 * closing chunk, or fewer bytes than Content-Length said) instead of
 * completing it: what was written goes out, then the connection is
 * reset.  A reset, not a close: nginx takes the end of a connection it
 * does not keep for the end of the response.
 */
static void
finish_request(FCGX_Request *req, struct exchange *ex, struct pool *pool)
{
	struct linger	reset = { 1, 0 };
	int		fd = req->ipcFd;
	int		broken;

	if (ex->cut_short) {
		(void)FCGX_FFlush(req->out);
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset,
		    sizeof(reset));
		broken = 1;
	} else {
		broken = FCGX_FClose(req->err) | FCGX_FClose(req->out) |
		    FCGX_GetError(req->in);
	}
	FCGX_Free(req, 0);
	if (!broken && !ex->in.eof && !ex->client_gone) {
		linger_close(pool->linger, fd);
		req->ipcFd = -1;
	} else if (!req->keepConnection || broken || !ex->in.eof) {
		close(fd);
		req->ipcFd = -1;
	} else
		read_timeout(req, ACCEPT_WAKE_S * 1000);
}

/* Serves one request and ends it. */
static void
serve_one(FCGX_Request *req, struct pool *pool, struct upstream *up,
    struct state *st)
{
	struct exchange	 ex;
	struct params	 params;
	double		 start = now_ms();

	read_timeout(req, pool->config->body_idle_timeout_s * 1000);
	memset(&ex, 0, sizeof(ex));
	params_read(req->envp, &params, &ex);
	ex.config = pool->config;
	ex.keys = keyring_acquire(pool->keys);
	ex.upstream = up;
	ex.state = st;
	ex.io.ctx = req;
	ex.io.read = io_read;
	ex.io.write = io_write;
	ex.io.flush = io_flush;
	ex.io.client_gone = io_client_gone;

	handlers_serve(&ex);
	/* An authorizer is sent no body: none is left unread. */
	if (ex.authorize_only)
		ex.in.eof = true;
	/* A request let through is logged once, by the responder. */
	if (!ex.authorize_only || ex.status != 200)
		accesslog_write(req->err, &ex, now_ms() - start);
	exchange_release(&ex);
	keyring_release(pool->keys, ex.keys);
	finish_request(req, &ex, pool);
	params_free(&params);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct pool	*pool = w->pool;
	struct upstream	*up = upstream_new();
	struct state	*st = state_new(pool->config->state_spec);
	FCGX_Request	 req;
	int		 rc, failures = 0;
	bool		 retired = false;

	FCGX_InitRequest(&req, pool->listen_fd, 0);
	for (;;) {
		if (atomic_load(&pool->stopping))
			break;
		/*
		 * Once every request this process may accept is taken, its
		 * threads end as they finish: none waits in accept.
		 */
		if (!budget_take(&pool->budget))
			break;
		rc = FCGX_Accept_r(&req);
		if (rc == 0) {
			/* Accepted, even if a stop came meanwhile: serve it. */
			failures = 0;
			if (budget_accepted(&pool->budget))
				kill(getpid(), WORKER_RETIRE_SIGNAL);
			pool_took_one(pool);
			serve_one(&req, pool, up, st);
			atomic_fetch_add(&pool->idle, 1);
			continue;
		}
		budget_return(&pool->budget);
		if (atomic_load(&pool->stopping))
			break;
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			/* ACCEPT_WAKE_S passed: write idle usage, look again
			 * unless the pool has threads to spare. */
			usagebuf_tick(st);
			if ((retired = pool_retire_one(pool)))
				break;
			continue;
		}
		fprintf(stderr, "relay: accept failed (%d)\n", rc);
		if (++failures >= ACCEPT_FAILURES_MAX) {
			/* Not a transient error: stop the whole process. */
			kill(getpid(), SIGTERM);
			break;
		}
		usleep(100000);
	}
	FCGX_Free(&req, 1);
	upstream_free(up);
	/* A clean exit, a recycle or a stop: nothing counted is left. */
	usagebuf_flush(st);
	state_free(st);
	if (retired)
		pool_ended(w);
	atomic_fetch_sub(&pool->running, 1);
	return NULL;
}

static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, WORKER_RETIRE_SIGNAL);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

/*
 * The last request RELAY_MAX_REQUESTS allows was accepted: the
 * supervisor starts a fresh process at once, and this one waits for
 * what it accepted, streams included, however long they take (each has
 * its own deadlines), unless a stop signal comes first.  Returns that
 * signal, or 0 once every thread has finished.
 */
static int
retire(struct pool *pool, const sigset_t *set, pid_t supervisor)
{
	struct timespec	tick = { 0, 100 * 1000 * 1000 };
	int		sig;

	if (supervisor != 0 && getppid() == supervisor)
		kill(supervisor, WORKER_RETIRE_SIGNAL);
	while (atomic_load(&pool->running) > 0) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
	}
	return 0;
}

int
workers_run(int listen_fd, const struct config *cfg, struct keyring *keys,
    int nthreads, pid_t supervisor)
{
	struct pool		 pool;
	sigset_t		 set;
	pthread_condattr_t	 cond_attr;
	struct timespec		 deadline;
	int			 i, sig, first;
	bool			 started;

	memset(&pool, 0, sizeof(pool));
	pool.listen_fd = listen_fd;
	pool.config = cfg;
	pool.keys = keys;
	pool.max = nthreads;
	pool.spare = (int)(cfg->spare_threads < nthreads ? cfg->spare_threads :
	    nthreads);
	pool.min = (int)(cfg->min_threads < nthreads ? cfg->min_threads :
	    nthreads);
	pool.trim_s = cfg->thread_idle_timeout_s;
	pool.workers = xcalloc((size_t)nthreads, sizeof(*pool.workers));
	pool.ended = xcalloc((size_t)nthreads, sizeof(*pool.ended));
	pthread_mutex_init(&pool.grow_lock, NULL);
	/* The trims keep their pace when the wall clock is set. */
	pthread_condattr_init(&cond_attr);
	pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool.grow_wanted, &cond_attr);
	pthread_condattr_destroy(&cond_attr);
	atomic_init(&pool.stopping, false);
	atomic_init(&pool.running, 0);
	atomic_init(&pool.idle, 0);
	atomic_init(&pool.idle_low, 0);
	atomic_init(&pool.surplus, 0);
	budget_init(&pool.budget, cfg->max_requests);
	/* The timeout belongs to the socket, so it holds for every process
	 * sharing it: relay workers, which all expect it. */
	if (setsockopt(listen_fd, SOL_SOCKET, SO_RCVTIMEO,
	    &(struct timeval){ ACCEPT_WAKE_S, 0 }, sizeof(struct timeval)) == -1)
		perror("relay: SO_RCVTIMEO on the listening socket");
	pthread_attr_init(&pool.attr);
	/* Workers run shallow call chains; 512 KiB keeps many cheap. */
	pthread_attr_setstacksize(&pool.attr, 512 * 1024);

	block_signals(&set);
	pool.linger = linger_start();
	if (pool.linger == NULL)
		fputs("relay: cannot start the lingering thread\n", stderr);
	first = pool.min > pool.spare ? pool.min : pool.spare;
	/* The spawner first, so every worker sees whether there is one; it
	 * waits for the lock until the first threads are up. */
	pthread_mutex_lock(&pool.grow_lock);
	pool.has_spawner = first < pool.max &&
	    pthread_create(&pool.spawner, NULL, spawner_main, &pool) == 0;
	pool_grow_locked(&pool, first);
	started = pool.started > 0;
	atomic_store(&pool.idle_low, atomic_load(&pool.idle));
	pthread_mutex_unlock(&pool.grow_lock);

	if (started) {
		do {
			if (sigwait(&set, &sig) != 0)
				sig = SIGTERM;
			if (sig == WORKER_RETIRE_SIGNAL) {
				sig = retire(&pool, &set, supervisor);
				break;
			}
		} while (sig != SIGTERM && sig != SIGINT);
	}

	/* Stop accepting; in-flight requests go on until the deadline. */
	atomic_store(&pool.stopping, true);
	FCGX_ShutdownPending();

	pthread_mutex_lock(&pool.grow_lock);
	pthread_cond_signal(&pool.grow_wanted);
	pthread_mutex_unlock(&pool.grow_lock);
	if (pool.has_spawner)
		pthread_join(pool.spawner, NULL);
	/* The spawner is gone: join every live thread, ended ones too. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += cfg->shutdown_grace_s;
	for (i = 0; i < pool.max; i++) {
		if (pool.workers[i].live && pthread_timedjoin_np(
		    pool.workers[i].thread, NULL, &deadline) != 0) {
			fprintf(stderr, "relay: %d request(s) still running "
			    "after %lds; exiting anyway\n",
			    atomic_load(&pool.running), cfg->shutdown_grace_s);
			return -1;	/* the threads still use the pool */
		}
	}
	linger_stop(pool.linger);
	pthread_cond_destroy(&pool.grow_wanted);
	pthread_attr_destroy(&pool.attr);
	free(pool.workers);
	free(pool.ended);
	return started ? 0 : -1;
}
