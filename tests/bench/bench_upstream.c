/*
 * A deliberately cheap upstream for the benchmarks: one process, one
 * thread, epoll, answers rendered once.  The test fake upstream
 * (tests/fake_upstream/) records every request as JSON and runs a
 * thread per connection that builds each SSE event with json-c; on this
 * 2-core box that costs more CPU than the relay does, so it would
 * measure itself (and, shared by every path, flatten the ratios).
 *
 * HTTP/1.1 with keep-alive, any method and path.  A request whose Accept
 * names text/event-stream gets a chunked event stream: `events` chat
 * completion chunks `interval_ms` apart, the first at once, then
 * "data: [DONE]".  A body that sets "include_usage":true gets what
 * OpenAI sends then: "usage":null in every chunk, and a usage chunk
 * before [DONE].  Streams are kept in one FIFO: they all share the
 * interval, so the next one due is always at its head.  Anything else
 * gets the JSON body given at start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"

#define IN_MAX		(256 * 1024)
#define FD_MAX		65536

struct conn {
	int		 fd;
	unsigned	 gen;		/* bumped on close: stale queue entries */
	char		*in;
	size_t		 in_len;
	long long	 body_left;	/* request body bytes still to skip */
	bool		 head_done;	/* the current request's head is parsed */
	bool		 want_sse, close_after;
	char		*out;		/* unsent bytes */
	size_t		 out_len, out_off;
	bool		 streaming;
	bool		 want_usage;	/* its body set include_usage */
	int		 sent;		/* events sent on the current stream */
};

struct due {
	int		 fd;
	unsigned	 gen;
	double		 at;
};

static struct conn	*conns[FD_MAX];
static struct due	*queue;
static size_t		 q_head, q_len, q_cap;
static int		 epfd;
static const char	*json_body;
static size_t		 json_len;
static int		 n_events, interval_ms;

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void
q_push(int fd, unsigned gen, double at)
{
	if (q_len == q_cap) {
		struct due	*n = malloc((q_cap ? q_cap * 2 : 1024) *
		    sizeof(*n));
		size_t		 i;

		if (n == NULL)
			abort();
		for (i = 0; i < q_len; i++)
			n[i] = queue[(q_head + i) % q_cap];
		free(queue);
		queue = n;
		q_cap = q_cap ? q_cap * 2 : 1024;
		q_head = 0;
	}
	queue[(q_head + q_len) % q_cap] = (struct due){ fd, gen, at };
	q_len++;
}

static void
conn_close(struct conn *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->gen++;
	c->in_len = c->out_len = c->out_off = 0;
	c->streaming = c->head_done = false;
}

static void
want_out(struct conn *c, bool on)
{
	struct epoll_event	ev = { EPOLLIN | (on ? EPOLLOUT : 0),
	    { .fd = c->fd } };

	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what is pending; -1 if the peer is gone. */
static int
flush_out(struct conn *c)
{
	ssize_t	n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want_out(c, true);
			return 0;
		}
		return -1;
	}
	if (c->out_len > 0)
		want_out(c, false);
	c->out_len = c->out_off = 0;
	return 0;
}

static int
emit(struct conn *c, const char *p, size_t len)
{
	char	*n;

	if ((n = realloc(c->out, c->out_len + len)) == NULL)
		abort();
	c->out = n;
	memcpy(c->out + c->out_len, p, len);
	c->out_len += len;
	return flush_out(c);
}

/* Events in c's stream: the deltas, the usage chunk if asked, [DONE]. */
static int
stream_events(const struct conn *c)
{
	return n_events + (c->want_usage ? 1 : 0) + 1;
}

/*
 * One chunk of the stream: delta i, the usage chunk, or [DONE] and the
 * last chunk.
 */
static int
send_event(struct conn *c)
{
	char	ev[512], chunk[600];
	int	n, m;
	bool	last = c->sent == stream_events(c) - 1;

	if (c->sent < n_events)
		n = snprintf(ev, sizeof(ev), "data: {\"id\":\"chatcmpl-bench"
		    "\",\"object\":\"chat.completion.chunk\",\"created\":0,"
		    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
		    "\"delta\":{\"content\":\"token %d \"},\"logprobs\":null,"
		    "\"finish_reason\":null}]%s}\n\n", c->sent,
		    c->want_usage ? ",\"usage\":null" : "");
	else if (!last)
		n = snprintf(ev, sizeof(ev), "data: {\"id\":\"chatcmpl-bench"
		    "\",\"object\":\"chat.completion.chunk\",\"created\":0,"
		    "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":"
		    "{\"prompt_tokens\":9,\"completion_tokens\":%d,"
		    "\"total_tokens\":%d}}\n\n", n_events, n_events + 9);
	else
		n = snprintf(ev, sizeof(ev), "data: [DONE]\n\n");
	m = snprintf(chunk, sizeof(chunk), "%x\r\n%s\r\n%s", (unsigned)n, ev,
	    last ? "0\r\n\r\n" : "");
	c->sent++;
	return emit(c, chunk, (size_t)m);
}

static void serve_input(struct conn *c);

/* Sends the next event of c's stream; at the end, serves what waits. */
static void
stream_step(struct conn *c, double due)
{
	/*
	 * What ends the stream follows the last delta at once; queued, it
	 * would wait up to an interval behind the streams queued before it.
	 */
	do {
		if (send_event(c) == -1) {
			conn_close(c);
			return;
		}
	} while (c->sent >= n_events && c->sent < stream_events(c));
	if (c->sent < stream_events(c)) {
		q_push(c->fd, c->gen, due + interval_ms);
		return;
	}
	c->streaming = false;
	if (c->close_after)
		conn_close(c);
	else
		serve_input(c);
}

static void
answer(struct conn *c)
{
	char	head[256];
	int	n;

	if (c->want_sse) {
		static const char h[] = "HTTP/1.1 200 OK\r\n"
		    "Content-Type: text/event-stream\r\n"
		    "Cache-Control: no-cache\r\n"
		    "x-request-id: req_bench\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n";

		c->streaming = true;
		c->sent = 0;
		if (emit(c, h, sizeof(h) - 1) == -1) {
			conn_close(c);
			return;
		}
		stream_step(c, now_ms());
		return;
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "x-request-id: req_bench\r\nopenai-processing-ms: 1\r\n%s\r\n",
	    json_len, c->close_after ? "Connection: close\r\n" : "");
	if (emit(c, head, (size_t)n) == -1 ||
	    emit(c, json_body, json_len) == -1 || c->close_after)
		conn_close(c);
}

/* The head in c->in[0..len): what we need of it. */
static void
parse_head(struct conn *c, size_t len)
{
	const char	*p = c->in, *end = c->in + len, *eol;

	c->body_left = 0;
	c->want_sse = c->want_usage = false;
	c->close_after = memmem(p, (size_t)(end - p), "HTTP/1.0",
	    8) != NULL;
	while ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) != NULL) {
		size_t	l = (size_t)(eol - p);

		if (l > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			c->body_left = strtoll(p + 15, NULL, 10);
		else if (l > 7 && strncasecmp(p, "Accept:", 7) == 0 &&
		    memmem(p, l, "text/event-stream", 17) != NULL)
			c->want_sse = true;
		else if (l > 11 && strncasecmp(p, "Connection:", 11) == 0 &&
		    memmem(p, l, "close", 5) != NULL)
			c->close_after = true;
		p = eol + 2;
	}
}

/* Takes requests from c->in while not streaming. */
static void
serve_input(struct conn *c)
{
	while (c->fd != -1 && !c->streaming) {
		if (!c->head_done) {
			char	*e = memmem(c->in, c->in_len, "\r\n\r\n", 4);
			size_t	 hl;

			if (e == NULL)
				return;
			hl = (size_t)(e - c->in) + 4;
			parse_head(c, hl);
			memmove(c->in, c->in + hl, c->in_len - hl);
			c->in_len -= hl;
			c->head_done = true;
		}
		if (c->body_left > 0) {
			size_t	take = (long long)c->in_len < c->body_left ?
			    c->in_len : (size_t)c->body_left;

			/* As the relay writes it, at the body's start. */
			if (memmem(c->in, take, "\"include_usage\":true",
			    20) != NULL)
				c->want_usage = true;
			memmove(c->in, c->in + take, c->in_len - take);
			c->in_len -= take;
			c->body_left -= (long long)take;
			if (c->body_left > 0)
				return;
		}
		c->head_done = false;
		answer(c);
	}
}

static void
on_readable(struct conn *c)
{
	ssize_t	n;

	for (;;) {
		if (c->in_len == IN_MAX) {
			/* Skipping a large body: drop what is buffered. */
			if (!c->head_done) {
				conn_close(c);
				return;
			}
			serve_input(c);
			if (c->fd == -1 || c->in_len == IN_MAX)
				return;
		}
		n = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			serve_input(c);
			if (c->fd == -1)
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(c);
		return;
	}
}

static void
on_accept(int lfd)
{
	struct epoll_event	ev;
	struct conn		*c;
	int			fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (fd >= FD_MAX) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((c = conns[fd]) == NULL) {
			if ((c = calloc(1, sizeof(*c))) == NULL ||
			    (c->in = malloc(IN_MAX)) == NULL)
				abort();
			conns[fd] = c;
		}
		c->fd = fd;
		c->in_len = c->out_len = c->out_off = 0;
		c->head_done = c->streaming = false;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void
loop(int lfd)
{
	struct epoll_event	ev[512];
	int			n, i, timeout;
	double			now;

	for (;;) {
		timeout = 1000;
		if (q_len > 0) {
			double	d = queue[q_head].at - now_ms();

			timeout = d <= 0 ? 0 : d >= 1000 ? 1000 :
			    (int)ceil(d);
		}
		n = epoll_wait(epfd, ev, 512, timeout);
		for (i = 0; i < n; i++) {
			struct conn	*c;

			if (ev[i].data.fd == lfd) {
				on_accept(lfd);
				continue;
			}
			if ((c = conns[ev[i].data.fd]) == NULL || c->fd == -1)
				continue;
			if ((ev[i].events & EPOLLOUT) && flush_out(c) == -1) {
				conn_close(c);
				continue;
			}
			if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c);
		}
		now = now_ms();
		while (q_len > 0 && queue[q_head].at <= now) {
			struct due	d = queue[q_head];
			struct conn	*c = conns[d.fd];

			q_head = (q_head + 1) % q_cap;
			q_len--;
			if (c != NULL && c->fd != -1 && c->gen == d.gen &&
			    c->streaming)
				stream_step(c, d.at);
		}
	}
}

int
upstream_start(struct bench_upstream *u, const char *body, int events,
    int interval)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	struct epoll_event	ev;
	int			lfd, one = 1;

	memset(u, 0, sizeof(*u));
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 4096) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) == -1) {
		close(lfd);
		return -1;
	}
	u->port = ntohs(sa.sin_port);
	snprintf(u->base_url, sizeof(u->base_url), "http://127.0.0.1:%d",
	    u->port);
	if ((u->pid = fork()) == -1) {
		close(lfd);
		return -1;
	}
	if (u->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		signal(SIGPIPE, SIG_IGN);
		json_body = body;
		json_len = strlen(body);
		n_events = events;
		interval_ms = interval;
		if ((epfd = epoll_create1(0)) == -1)
			_exit(1);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = lfd;
		epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
		loop(lfd);
		_exit(0);
	}
	close(lfd);
	return 0;
}

void
upstream_stop(struct bench_upstream *u)
{
	int	status;

	if (u->pid <= 0)
		return;
	kill(u->pid, SIGTERM);
	waitpid(u->pid, &status, 0);
	u->pid = 0;
}
