/*
 * The SSE stall test: k streams opened at once with libcurl's multi
 * interface, each timed event by event on arrival.  An event is counted
 * at its closing blank line; the time to the first one (from the moment
 * the request was started) is the stream's TTFE, and the longest gap
 * between two decides whether it stalled.  A sampler thread watches the
 * relay's memory meanwhile and keeps the largest sample.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/bench/bench.h"

/* Every stream must finish within this, or it counts as failed. */
#define SSE_DEADLINE_MS		60000.0
#define SSE_SAMPLE_MS		100

static const char SSE_BODY[] =
    "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
    "\"messages\":[{\"role\":\"user\",\"content\":\"Count to sixty-four.\"}]}";

struct stream {
	CURL	*easy;
	double	 t_start, t_first, t_last;
	double	 max_gap;
	int	 events;
	bool	 prev_nl;	/* the last byte seen ended a line */
	bool	 finished;
	CURLcode result;
};

struct gaps {
	double	*v;
	size_t	 n, cap;
};

struct collector {
	struct stream	*s;
	struct gaps	*gaps;
};

static struct gaps	gap_store;

static void
gap_add(double g)
{
	if (gap_store.n == gap_store.cap) {
		gap_store.cap = gap_store.cap ? gap_store.cap * 2 : 4096;
		gap_store.v = realloc(gap_store.v,
		    gap_store.cap * sizeof(*gap_store.v));
		if (gap_store.v == NULL)
			abort();
	}
	gap_store.v[gap_store.n++] = g;
}

static void
event_seen(struct stream *s)
{
	double	now = bench_now_ms();

	if (s->events == 0)
		s->t_first = now;
	else {
		double	gap = now - s->t_last;

		gap_add(gap);
		if (gap > s->max_gap)
			s->max_gap = gap;
	}
	s->t_last = now;
	s->events++;
}

/* Counts blank lines ("\n\n", "\r" ignored) across chunk boundaries. */
static size_t
on_data(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct stream	*s = arg;
	size_t		 len = size * nmemb, i;

	for (i = 0; i < len; i++) {
		char	c = buf[i];

		if (c == '\n') {
			if (s->prev_nl) {
				event_seen(s);
				s->prev_nl = false;
			} else
				s->prev_nl = true;
		} else if (c != '\r')
			s->prev_nl = false;
	}
	return len;
}

/*
 * libcurl's socket interface over epoll: only the connections with
 * something to read are visited, so 1,000 streams cost what their
 * events cost, not a scan of every handle per wake-up.
 */
struct loop {
	int	epfd;
	double	deadline_ms;	/* when libcurl wants its timeout; -1: never */
};

static int
on_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct loop		*l = arg;
	struct epoll_event	 ev;

	(void)e;
	(void)sockp;
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = fd;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
	    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == -1)
		epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static int
on_timer(CURLM *m, long timeout_ms, void *arg)
{
	struct loop	*l = arg;

	(void)m;
	l->deadline_ms = timeout_ms < 0 ? -1 : bench_now_ms() +
	    (double)timeout_ms;
	return 0;
}

struct mem_sampler {
	pthread_t		 thread;
	const char		*exe;
	volatile bool		 stop;
	struct mem_usage	 peak;
	bool			 sampled;
};

static void *
mem_sampler_main(void *arg)
{
	struct mem_sampler	*ms = arg;
	struct mem_usage	 m;

	while (!ms->stop) {
		usleep(SSE_SAMPLE_MS * 1000);
		mem_measure(ms->exe, &m);
		if (m.procs > 0 && (!ms->sampled ||
		    m.private_kb > ms->peak.private_kb)) {
			ms->peak = m;
			ms->sampled = true;
		}
	}
	return NULL;
}

void
sse_run(const char *url, int k, double ramp_ms, int events,
    double gap_limit_ms, const char *relay_exe, struct sse_result *r)
{
	struct stream		*st = calloc((size_t)k, sizeof(*st));
	double			*ttfe = calloc((size_t)k, sizeof(*ttfe));
	struct curl_slist	*hdr = NULL;
	struct mem_sampler	 ms;
	CURLM			*multi = curl_multi_init();
	CURLMsg			*msg;
	struct loop		 loop = { epoll_create1(EPOLL_CLOEXEC), -1 };
	double			 t0, deadline;
	int			 running = 0, left, i, nttfe = 0, added = 0;
	long			 code;

	memset(r, 0, sizeof(*r));
	memset(&ms, 0, sizeof(ms));
	r->streams = k;
	if (st == NULL || ttfe == NULL || multi == NULL || loop.epfd == -1)
		abort();
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, &loop);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, &loop);
	gap_store.n = 0;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Accept: text/event-stream");
	hdr = curl_slist_append(hdr, "Authorization: Bearer "
	    BENCH_RELAY_KEY);
	if (relay_exe != NULL) {
		ms.exe = relay_exe;
		if (pthread_create(&ms.thread, NULL, mem_sampler_main,
		    &ms) != 0)
			ms.exe = NULL;
	}

	for (i = 0; i < k; i++) {
		CURL	*e = curl_easy_init();

		st[i].easy = e;
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_PROXY, "");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, SSE_BODY);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
		    (long)(sizeof(SSE_BODY) - 1));
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &st[i]);
		curl_easy_setopt(e, CURLOPT_PRIVATE, &st[i]);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	}
	t0 = bench_now_ms();
	deadline = t0 + SSE_DEADLINE_MS + ramp_ms;
	left = k;
	while (left > 0 && bench_now_ms() < deadline) {
		struct epoll_event	ev[256];
		int			n, j, wait = 50;
		double			now = bench_now_ms();

		/* Stream i starts at t0 + i * ramp / k (all at once: 0). */
		if (added < k) {
			while (added < k && now >= t0 + ramp_ms * added / k) {
				st[added].t_start = bench_now_ms();
				curl_multi_add_handle(multi, st[added].easy);
				added++;
			}
			curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0,
			    &running);
		}
		if (loop.deadline_ms >= 0) {
			double	d = loop.deadline_ms - bench_now_ms();

			wait = d <= 0 ? 0 : d < 50 ? (int)ceil(d) : 50;
		}
		if (added < k) {
			double	d = t0 + ramp_ms * added / k - bench_now_ms();

			if (d < wait)
				wait = d <= 0 ? 0 : (int)ceil(d);
		}
		n = epoll_wait(loop.epfd, ev, 256, wait);
		for (j = 0; j < n; j++) {
			int	flags = 0;

			if (ev[j].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (ev[j].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (ev[j].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(multi, ev[j].data.fd, flags,
			    &running);
		}
		if (loop.deadline_ms >= 0 && bench_now_ms() >=
		    loop.deadline_ms) {
			loop.deadline_ms = -1;
			curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0,
			    &running);
		}
		while ((msg = curl_multi_info_read(multi, &i)) != NULL) {
			struct stream	*s;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&s);
			s->finished = true;
			s->result = msg->data.result;
			left--;
		}
	}
	r->wall_ms = bench_now_ms() - t0;
	if (ms.exe != NULL) {
		ms.stop = true;
		pthread_join(ms.thread, NULL);
		r->mem = ms.peak;
		r->mem_sampled = ms.sampled;
	}

	for (i = 0; i < k; i++) {
		struct stream	*s = &st[i];

		code = 0;
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
		if (s->events > 0)
			ttfe[nttfe++] = s->t_first - s->t_start;
		if (i >= added) {
			r->failed++;
			curl_easy_cleanup(s->easy);
			continue;
		}
		if (!s->finished || s->result != CURLE_OK || code != 200 ||
		    s->events != events + 1)
			r->failed++;
		else if (s->max_gap > gap_limit_ms)
			r->stalled++;
		else
			r->ok++;
		curl_multi_remove_handle(multi, s->easy);
		curl_easy_cleanup(s->easy);
	}
	if (r->failed > 0)
		fprintf(stderr, "bench: %d of %d streams to %s failed\n",
		    r->failed, k, url);
	r->ttfe_p50_ms = bench_percentile(ttfe, (size_t)nttfe, 50);
	r->ttfe_p99_ms = bench_percentile(ttfe, (size_t)nttfe, 99);
	r->gap_p99_ms = bench_percentile(gap_store.v, gap_store.n, 99);
	r->gap_max_ms = bench_percentile(gap_store.v, gap_store.n, 100);
	curl_slist_free_all(hdr);
	curl_multi_cleanup(multi);
	close(loop.epfd);
	free(st);
	free(ttfe);
}
