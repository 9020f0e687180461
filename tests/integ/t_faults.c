/*
 * Fault injection: an upstream that misbehaves (refuses, hangs, trickles,
 * resets mid-body and mid-stream, speaks broken HTTP, sends invalid JSON,
 * a 2 GiB body, a 1 MiB header block, a redirect to another host) and
 * clients that misbehave (leave mid-upload, mid-stream and mid-download,
 * trickle a body, send 10,000 headers, NUL and invalid UTF-8 in paths
 * and JSON, JSON nested 10,000 deep).  The rows (main.c): upstream
 * faults behind one front server; cut bodies and a client leaving
 * mid-stream behind every one; the other client faults behind lighttpd,
 * Apache mod_fcgid and nginx; the deadlines
 * (with a relay.conf of short ones) behind nginx, which shows a cut to
 * its client; 2 GiB through, once; an upstream refusing connections.
 *
 * Every case asserts what the client gets, then that the relay survived:
 * the relay processes that ran before the case still run (none crashed
 * and was respawned; not checked behind Apache mod_fcgid, which stops and
 * starts relays by its own rules), /health answers 200, a normal relayed
 * call works, and no relay process's peak memory (VmHWM) grew by more
 * than MEM_GROWTH_MAX_KIB (not under valgrind: see relays_intact).  Cases built on invalid client input also
 * assert that nothing reached upstream whole.  Each case prints its
 * figures.
 *
 * What the relay does, where a choice was made:
 * - Before the answer's head is out, a failure is the relay's JSON
 *   envelope: 502 for unreachable or unusable upstreams (refused, broken
 *   HTTP, a header block over the bounds), 504 for deadlines.
 * - Once the head is out, a stream ends with one `event: error`; a plain
 *   body is cut off (the FastCGI connection is reset), so the client sees
 *   an incomplete transfer rather than a cut body presented as whole, and
 *   the relay logs the 502 or 504.
 * - Upstream bodies are relayed as they arrive and never parsed: invalid
 *   JSON under a JSON content type passes through byte for byte (the
 *   client's JSON decoder reports it), and a 2 GiB answer streams through
 *   with bounded memory instead of being capped (downloads that large are
 *   legitimate, and holding a body to check it would cost its size).  Only
 *   RELAY_TIMEOUT bounds it.
 * - Redirects are never followed and Location never passes (it is not on
 *   the response header allowlist): the key never travels to another
 *   host, and the 3xx status reaches the client as upstream sent it.
 *
 * What the front servers do (Debian 12's packages, as shipped in deploy/):
 *   10,000 headers          lighttpd 431; Apache 400; nginx 400
 *   %00 in a path           lighttpd 400; Apache 404; nginx 400
 *   raw NUL in a path       400 from all three
 *   %FF, %C0%AF, raw 0xFF   lighttpd 400; Apache and nginx pass them on
 *                           and the relay answers 400 invalid_path
 *   %ED%A0%80 in a path     passed on by all three: relay 400 invalid_path
 *   raw 0xFF in a query     lighttpd 400; relay 400 invalid_query behind
 *                           Apache and nginx
 *   body cut by upstream    lighttpd and nginx cut the client off; Apache
 *                           mod_fcgid ends the response as if whole (it
 *                           cannot do otherwise), then stops that relay
 *                           process for its "communication error";
 *                           mod_proxy_fcgi leaves the client waiting for
 *                           the rest until KeepAliveTimeout, then closes
 * lighttpd and Apache read a request body whole before they start the
 * relay's request, so a client that leaves mid-upload or trickles its
 * body never reaches the relay; nginx streams bodies to the relay, which
 * must then break the upload off itself.  The tests accept a front
 * server's 4xx, or a close without an answer, where noted, and hold the
 * relay's own answers (recognised by X-Relay-Request-Id) to the exact
 * status and code.
 *
 * No case races the clock: a deadline is reached by an upstream that
 * holds its answer back until the relay gives up, and a slow upstream
 * that must still be served stays far inside the main relay.conf's
 * deadlines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json.h>

#include "policy/body.h"
#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH	"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT	"Content-Type: application/json"
#define RELAYS_MAX	64

/*
 * Peak memory a relay process may gain in one case.  A relay holding a
 * body it should stream would gain that body's size (up to 2 GiB here);
 * the sanitizers' allocator keeps freed memory in quarantine, hence more
 * room under them.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MEM_GROWTH_MAX_KIB	(128L * 1024)
#else
#define MEM_GROWTH_MAX_KIB	(48L * 1024)
#endif

#define BIG_BODY_BYTES		(2ULL * 1024 * 1024 * 1024)	/* 2 GiB */
#define PATTERN_PERIOD		251

static const char EMBED_BODY[] =
    "{\"model\":\"text-embedding-3-small\",\"input\":\"fault\"}";
static const char STREAM_BODY[] =
    "{\"model\":\"gpt-test\",\"input\":\"hi\",\"stream\":true}";

/* ---- the relay processes: alive, and how much memory they peaked at */

static long long
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct relay_state {
	pid_t	pid[RELAYS_MAX];
	long	hwm_kib[RELAYS_MAX];
	long	rss_kib[RELAYS_MAX];
	size_t	n;
};

/* A "Vm...:" figure of /proc/<pid>/status in KiB; -1 if unreadable. */
static long
proc_kib(pid_t pid, const char *field)
{
	char	path[64], line[256];
	size_t	flen = strlen(field);
	long	kib = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, flen) == 0) {
			kib = strtol(line + flen, NULL, 10);
			break;
		}
	fclose(fp);
	return kib;
}

/* Whether pid is a zombie: exited, not yet reaped by its server. */
static bool
proc_zombie(pid_t pid)
{
	char	path[64], line[256];
	bool	zombie = false;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return true;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "State:", 6) == 0) {
			zombie = strchr(line, 'Z') != NULL;
			break;
		}
	fclose(fp);
	return zombie;
}

static void
relay_state(struct relay_state *st)
{
	size_t	i;

	st->n = frontend_relay_pids(integ_frontend, st->pid, RELAYS_MAX);
	for (i = 0; i < st->n; i++) {
		st->hwm_kib[i] = proc_kib(st->pid[i], "VmHWM:");
		st->rss_kib[i] = proc_kib(st->pid[i], "VmRSS:");
	}
}

/*
 * pid's peak memory in st; for a process started since, the least of
 * st's, which it would have reached by starting (mod_fcgid starts
 * relays as requests need them).
 */
static long
hwm_of(const struct relay_state *st, pid_t pid)
{
	long	least = 0;
	size_t	i;

	for (i = 0; i < st->n; i++) {
		if (st->pid[i] == pid)
			return st->hwm_kib[i];
		if (i == 0 || st->hwm_kib[i] < least)
			least = st->hwm_kib[i];
	}
	return least;
}

/* A case: what it is called, and the relays as it began. */
struct fault_case {
	const char		*name;
	struct relay_state	 before;
	long long		 started_ms;
};

/*
 * Sets pid's peak memory (VmHWM) back to what it holds now, so the peak
 * a case reads is its own, not that of a large body an earlier suite
 * sent through the same relay.  false if /proc refuses.
 */
static bool
hwm_reset(pid_t pid)
{
	char	path[64];
	FILE	*fp;
	bool	 ok;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if ((fp = fopen(path, "w")) == NULL)
		return false;
	ok = fputs("5", fp) >= 0;
	return fclose(fp) == 0 && ok;
}

static void
case_begin(struct fault_case *fc, const char *name)
{
	pid_t	pids[RELAYS_MAX];
	size_t	i, n;

	fc->name = name;
	fc->started_ms = wall_ms();
	n = frontend_relay_pids(integ_frontend, pids, RELAYS_MAX);
	for (i = 0; i < n; i++)
		ck_assert_msg(hwm_reset(pids[i]), "%s: cannot reset relay %d's "
		    "peak memory", name, (int)pids[i]);
	relay_state(&fc->before);
	ck_assert_msg(fc->before.n > 0, "%s: no relay process runs", name);
}

/* Whether the relay runs under Apache mod_fcgid (see relays_intact). */
static bool
mod_fcgid(void)
{
	return integ_frontend->kind == FRONTEND_APACHE_FCGID ||
	    integ_frontend->kind == FRONTEND_APACHE_HTACCESS;
}

/*
 * The relay processes of the case's start all still run, and none of
 * them (nor one started meanwhile) grew its peak memory by more than
 * MEM_GROWTH_MAX_KIB.  Prints the figures.
 *
 * Not the memory under valgrind: its own memory is the process's too,
 * and it grows by what it translates of code run for the first time (a
 * relay's first upstream failure, its first store write: 7 to 72 MiB
 * across runs of the same case), whatever the relay holds.  Every case
 * runs without valgrind too, and is checked there.
 *
 * Not behind Apache mod_fcgid: it stops relay processes by rules of its
 * own (after a connection that broke, as a cut response or a departed
 * client makes, and when it has more than it needs), at a time of its
 * choosing, and its shipped LogLevel says nothing of how they ended, so
 * a process gone there is no sign of a crash.  Behind lighttpd and
 * nginx, which run every case too, it is.
 */
static void
relays_intact(const struct fault_case *fc)
{
	struct relay_state	now;
	long			grew, worst = 0, peak = 0, rss = 0;
	size_t			i, k;

	relay_state(&now);
	for (i = 0; i < fc->before.n && !mod_fcgid(); i++) {
		for (k = 0; k < now.n && now.pid[k] != fc->before.pid[i]; k++)
			continue;
		ck_assert_msg(k < now.n && !proc_zombie(now.pid[k]),
		    "%s: relay process %d is gone (crashed?)", fc->name,
		    (int)fc->before.pid[i]);
	}
	for (k = 0; k < now.n; k++) {
		grew = now.hwm_kib[k] - hwm_of(&fc->before, now.pid[k]);
		ck_assert_msg(frontend_valgrind() || grew <= MEM_GROWTH_MAX_KIB,
		    "%s: relay %d's peak memory grew by %ld KiB (to %ld KiB)",
		    fc->name, (int)now.pid[k], grew, now.hwm_kib[k]);
		if (grew > worst)
			worst = grew;
		if (now.hwm_kib[k] > peak)
			peak = now.hwm_kib[k];
		if (now.rss_kib[k] > rss)
			rss = now.rss_kib[k];
	}
	fprintf(stderr, "faults[%s] %s: %zu relay process(es), peak VmHWM "
	    "%ld KiB (grew %ld KiB%s), VmRSS %ld KiB, %lld ms\n",
	    frontend_name(integ_frontend->kind), fc->name, now.n, peak,
	    worst, frontend_valgrind() ? ", not checked: valgrind" : "", rss,
	    wall_ms() - fc->started_ms);
}

/*
 * The end of every case: the relays are intact, /health answers, and a
 * normal relayed call reaches upstream and comes back.
 */
static void
case_end(const struct fault_case *fc)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	struct json_object	*list, *up;
	struct response		 r;

	relays_intact(fc);
	req("GET", "/health", NULL, NULL, 0, &r);
	ck_assert_msg(r.status == 200, "%s: /health %ld", fc->name, r.status);
	response_free(&r);
	reset_fake();
	req("POST", "/v1/embeddings", headers, EMBED_BODY, strlen(EMBED_BODY),
	    &r);
	ck_assert_msg(r.status == 200, "%s: then a normal call got %ld %.200s",
	    fc->name, r.status, r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "\"object\":\"list\""));
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "body"), EMBED_BODY);
	json_object_put(list);
}

/* Queues a fake upstream script; a script the fake refuses fails. */
static void
script(const char *json)
{
	static const char *const ct[] = { JSON_CT, NULL };
	struct response	r;

	ck_assert(http_request(integ_fake_url, "POST", "/__fake/script", ct,
	    json, strlen(json), &r) == 0);
	ck_assert_msg(r.status == 200, "script refused: %s: %s", json, r.body);
	response_free(&r);
}

static void
post_json(const char *target, const char *body, size_t len,
    struct response *r)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };

	req("POST", target, headers, body, len, r);
}

/* ---- raw sockets, for what libcurl will not send or tell apart */

static int
front_connect(void)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)integ_frontend->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect: %s", strerror(errno));
	return fd;
}

/* Sends all of buf; false once the peer has closed or reset. */
static bool
send_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

struct raw_reply {
	char	*text;		/* everything received, NUL-terminated */
	size_t	 len;
	int	 status;	/* 0: closed without an HTTP answer */
	bool	 from_relay;	/* the relay answered (X-Relay-Request-Id) */
};

/* Reads until the peer closes (or 30 s pass), then parses the status. */
static void
raw_read_reply(int fd, struct raw_reply *rr)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		cap = 65536;
	ssize_t		n;
	char		*head_end;

	memset(rr, 0, sizeof(*rr));
	rr->text = malloc(cap);
	ck_assert_ptr_nonnull(rr->text);
	for (;;) {
		if (poll(&pfd, 1, 30000) != 1)
			break;
		if (rr->len + 4096 > cap) {
			cap *= 2;
			rr->text = realloc(rr->text, cap);
			ck_assert_ptr_nonnull(rr->text);
		}
		n = recv(fd, rr->text + rr->len, cap - rr->len - 1, 0);
		if (n <= 0)
			break;
		rr->len += (size_t)n;
	}
	rr->text[rr->len] = '\0';
	if (strncmp(rr->text, "HTTP/1.", 7) == 0 && rr->len > 12)
		rr->status = (int)strtol(rr->text + 9, NULL, 10);
	head_end = strstr(rr->text, "\r\n\r\n");
	if (head_end != NULL) {
		*head_end = '\0';
		rr->from_relay = strcasestr(rr->text,
		    "\r\nX-Relay-Request-Id:") != NULL;
		*head_end = '\r';
	}
}

/*
 * Sends a whole request (saying Connection: close) on a new connection
 * and reads the reply.  The connection stays open for writing: nginx
 * takes a client's half-close for leaving, and answers nothing.
 */
static void
raw_request(const char *text, size_t len, struct raw_reply *rr)
{
	int	fd = front_connect();

	(void)send_all(fd, text, len);
	raw_read_reply(fd, rr);
	close(fd);
}

static const char *
raw_body(const struct raw_reply *rr)
{
	const char	*p = strstr(rr->text, "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}

/*
 * A client fault the front server may refuse itself: a 4xx from it, or a
 * close without an answer; if the relay answered, its envelope with this
 * status and code (relay_code NULL: only the front server may answer).
 * Prints who answered.
 */
static void
assert_refused(const struct fault_case *fc, const struct raw_reply *rr,
    long relay_status, const char *relay_code)
{
	struct response	r = { 0 };

	fprintf(stderr, "faults[%s] %s: %s %d\n",
	    frontend_name(integ_frontend->kind), fc->name,
	    rr->status == 0 ? "closed without an answer," :
	    rr->from_relay ? "relay answered" : "front server answered",
	    rr->status);
	if (!rr->from_relay) {
		ck_assert_msg(rr->status == 0 || (rr->status >= 400 &&
		    rr->status < 500), "%s: %d", fc->name, rr->status);
		return;
	}
	ck_assert_msg(relay_code != NULL, "%s reached the relay", fc->name);
	r.status = rr->status;
	r.headers = strndup(rr->text, (size_t)(raw_body(rr) - rr->text));
	r.body = (char *)raw_body(rr);
	assert_relay_error(&r, relay_status, relay_code);
	free(r.headers);
}

/* ---- streams and large bodies through libcurl */

struct sink {
	unsigned long long	 got;
	unsigned long long	 stop_at;	/* hang up after this many; 0 never */
	bool			 pattern_ok;	/* every byte was the fake's */
	char			*text;		/* kept when keep is set */
	bool			 keep;
	const char		*request_id;	/* sent as X-Request-Id, or NULL */
	long			 status;
	CURLcode		 rc;
};

static unsigned char	pattern[PATTERN_PERIOD * 128];

static size_t
sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink	*s = arg;
	size_t		 n = size * nmemb, off = 0, piece;

	if (s->keep) {
		s->text = realloc(s->text, (size_t)s->got + n + 1);
		ck_assert_ptr_nonnull(s->text);
		memcpy(s->text + s->got, ptr, n);
		s->text[s->got + n] = '\0';
	}
	/* The fake's large bodies are byte i = i*31 mod 251. */
	while (off < n) {
		piece = n - off;
		if (piece > sizeof(pattern) - PATTERN_PERIOD)
			piece = sizeof(pattern) - PATTERN_PERIOD;
		if (memcmp(ptr + off, pattern + (s->got + off) %
		    PATTERN_PERIOD, piece) != 0)
			s->pattern_ok = false;
		off += piece;
	}
	s->got += n;
	if (s->stop_at > 0 && s->got >= s->stop_at)
		return 0;	/* hang up, as a departing client does */
	return n;
}

/* POSTs body to target, the answer going to s; records curl's verdict. */
static void
sink_post(const char *target, const char *body, struct sink *s)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	char			 url[512], rid[128];
	size_t			 i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 31 % PATTERN_PERIOD);
	s->pattern_ok = true;
	snprintf(url, sizeof(url), "%s%s", integ_frontend->base_url, target);
	h = curl_slist_append(h, AUTH);
	h = curl_slist_append(h, JSON_CT);
	if (s->request_id != NULL) {
		snprintf(rid, sizeof(rid), "X-Request-Id: %s", s->request_id);
		h = curl_slist_append(h, rid);
	}
	/*
	 * Behind mod_proxy_fcgi a cut answer leaves the connection open
	 * until Apache's KeepAliveTimeout (5 s), and only then does the
	 * client see the body was cut; asking to close shows it at once.
	 */
	if (integ_frontend->kind == FRONTEND_APACHE_PROXY_FCGI)
		h = curl_slist_append(h, "Connection: close");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 240L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	s->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* The relay logged request rid of route with this status. */
static void
assert_logged(const char *rid, const char *route, int status)
{
	char	needle[256];

	snprintf(needle, sizeof(needle), "rid=%s client=default method=POST "
	    "route=%s status=%d ", rid, route, status);
	ck_assert_msg(relay_logged_soon(needle), "no log line \"%s\"",
	    needle);
}

/* ================================================== upstream faults */

START_TEST(upstream_never_answers)
{
	struct fault_case	fc;
	struct response		r;

	case_begin(&fc, "upstream accepts and never answers");
	script("{\"hang\":true,\"times\":2}");
	post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY), &r);
	assert_relay_error(&r, 504, "upstream_timeout");
	response_free(&r);
	post_json("/v1/responses", STREAM_BODY, strlen(STREAM_BODY), &r);
	assert_relay_error(&r, 504, "upstream_first_byte_timeout");
	response_free(&r);
	case_end(&fc);
}
END_TEST

START_TEST(upstream_answers_byte_by_byte)
{
	struct fault_case	fc;
	struct response		r;

	case_begin(&fc, "upstream answers byte by byte");
	/* Slow, and far inside the deadline: the answer arrives whole. */
	script("{\"body\":\"{\\\"object\\\":\\\"list\\\",\\\"data\\\":[]}\","
	    "\"chunked\":true,\"trickle_ms\":2}");
	post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY), &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "{\"object\":\"list\",\"data\":[]}");
	response_free(&r);

	/* A stream one byte at a time still reaches the client as events. */
	script("{\"sse\":{\"events\":3,\"interval_ms\":0},\"trickle_ms\":1}");
	post_json("/v1/responses", STREAM_BODY, strlen(STREAM_BODY), &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"delta\":\"tok 2\"") != NULL &&
	    strstr(r.body, "data: [DONE]\n\n") != NULL &&
	    strstr(r.body, "event: error") == NULL, "%s", r.body);
	response_free(&r);
	case_end(&fc);
}
END_TEST

/*
 * So slow that the head is not in by the deadline: 504.  Its 150 or so
 * bytes 40 ms apart take 6 s at the least, twice the deadline, on any
 * machine.
 */
START_TEST(upstream_answers_too_slowly)
{
	struct fault_case	fc;
	struct response		r;

	case_begin(&fc, "upstream answers too slowly");
	script("{\"body\":\"{}\",\"trickle_ms\":40}");
	post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY), &r);
	assert_relay_error(&r, 504, "upstream_timeout");
	response_free(&r);
	case_end(&fc);
}
END_TEST

/*
 * Whether the client can tell that a body was cut: its transfer did not
 * complete.  nginx (systemd-nginx too) and Apache mod_proxy_fcgi always
 * pass that on.  Apache mod_fcgid cannot: when its backend drops a
 * response it logs "error reading data" and ends the response as if
 * whole (appending its 500 page when it can).  Nor can lighttpd when the
 * head, the bytes and the drop all reach it before it has answered its
 * client (a busy box: seen while two test runs shared it): it then
 * answers with a Content-Length of what it has.  Behind those two only
 * the length and the relay's log tell.
 */
static bool
cut_visible(const struct sink *s)
{
	enum frontend_kind	kind = integ_frontend->kind;

	return s->rc != CURLE_OK || (kind != FRONTEND_NGINX &&
	    kind != FRONTEND_SYSTEMD && kind != FRONTEND_APACHE_PROXY_FCGI);
}

/*
 * Upstream breaks off inside a plain body, after the relay passed the
 * head on, whether it framed the body by length or by chunks: the relay
 * drops the FastCGI connection instead of ending the request, so the
 * client sees an incomplete transfer, not a cut body presented as whole.
 */
START_TEST(upstream_resets_mid_body)
{
	static const char *const scripts[] = {
		"{\"large_body_bytes\":1048576,\"reset_after_bytes\":300000,"
		    "\"content_type\":\"application/json\",\"rst\":true}",
		"{\"large_body_bytes\":4194304,\"reset_after_bytes\":2097152,"
		    "\"content_type\":\"application/json\",\"chunked\":true,"
		    "\"rst\":true}",
		"{\"large_body_bytes\":4194304,\"reset_after_bytes\":2097152,"
		    "\"content_type\":\"application/json\",\"chunked\":true}",
	};
	struct fault_case	fc;
	struct sink		s;
	char			rid[32];
	size_t			i;

	case_begin(&fc, "upstream resets mid-body");
	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.keep = true;
		snprintf(rid, sizeof(rid), "mid-body-%zu", i);
		s.request_id = rid;
		script(scripts[i]);
		sink_post("/v1/embeddings", EMBED_BODY, &s);
		ck_assert_int_eq(s.status, 200);
		ck_assert_msg(cut_visible(&s), "script %zu: a cut body looked "
		    "complete to the client (%llu bytes)", i, s.got);
		ck_assert_uint_lt(s.got, 4194304);
		free(s.text);
		assert_logged(rid, "/v1/embeddings", 502);
	}
	case_end(&fc);
}
END_TEST

/*
 * The same with a few bytes only: the head, the bytes and the drop reach
 * the front server at once, and lighttpd then ends the answer with a
 * Content-Length of what it has, as if whole (a limit of lighttpd, as the
 * cut above is of Apache mod_fcgid; nginx cuts its client off).  The
 * client still never gets a byte from past the break, and the relay logs
 * the failure.
 */
START_TEST(upstream_breaks_off_right_after_head)
{
	static const struct {
		const char	*script;
		const char	*sent;		/* what upstream sent whole */
		const char	*after;		/* what came after the break */
	} cases[] = {
		{ "{\"body\":\"{\\\"data\\\":[0123456789]}\","
		    "\"reset_after_bytes\":12,\"chunked\":true}",
		    "{\"data\":[012", "3456" },
		/* Chunk framing that breaks after the first chunk. */
		{ "{\"raw\":\"HTTP/1.1 200 OK\\r\\nContent-Type: "
		    "application/json\\r\\nTransfer-Encoding: chunked\\r\\n"
		    "\\r\\n4\\r\\n[1,2\\r\\nzz\\r\\n,3]\\r\\n0\\r\\n\\r\\n\"}",
		    "[1,2", ",3]" },
	};
	struct fault_case	 fc;
	struct sink		 s;
	char			 rid[32];
	size_t			 i;

	case_begin(&fc, "upstream breaks off right after the head");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.keep = true;
		snprintf(rid, sizeof(rid), "right-after-head-%zu", i);
		s.request_id = rid;
		script(cases[i].script);
		sink_post("/v1/embeddings", EMBED_BODY, &s);
		ck_assert_int_eq(s.status, 200);
		ck_assert_ptr_nonnull(s.text);
		ck_assert_msg(strncmp(s.text, cases[i].sent,
		    strlen(cases[i].sent)) == 0 && strstr(s.text,
		    cases[i].after) == NULL, "%s", s.text);
		free(s.text);
		assert_logged(rid, "/v1/embeddings", 502);
	}
	case_end(&fc);
}
END_TEST

START_TEST(upstream_resets_mid_stream)
{
	struct fault_case	fc;
	struct response		r;

	case_begin(&fc, "upstream resets mid-stream");
	script("{\"sse\":{\"events\":5,\"interval_ms\":20,\"fail_after\":2},"
	    "\"rst\":true}");
	post_json("/v1/responses", STREAM_BODY, strlen(STREAM_BODY), &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"delta\":\"tok 1\""));
	ck_assert_ptr_null(strstr(r.body, "\"delta\":\"tok 2\""));
	ck_assert_msg(strstr(r.body, "event: error\ndata: {\"type\":\"error\","
	    "\"error\":{") != NULL && strstr(r.body,
	    "\"code\":\"upstream_stream_interrupted\"") != NULL, "%s", r.body);
	ck_assert_ptr_null(strstr(r.body, "[DONE]"));
	response_free(&r);
	case_end(&fc);
}
END_TEST

START_TEST(upstream_speaks_invalid_http)
{
	static const struct {
		const char	*raw;
		const char	*code;
	} cases[] = {
		/* Not HTTP at all (HTTP/0.9 is refused). */
		{ "HELLO FRIEND\\r\\n\\r\\n", "upstream_bad_response" },
		{ "HTTP/1.1 2000 Fine\\r\\n\\r\\n{}", "upstream_bad_response" },
		{ "HTTP/1.1 200 OK\\r\\nContent-Length: -5\\r\\n\\r\\n{}",
		    "upstream_bad_response" },
		/* The head never ends. */
		{ "HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n",
		    "upstream_bad_response" },
		/* Nothing at all, then a close. */
		{ "", "upstream_unreachable" },
	};
	struct fault_case	fc;
	struct response		r;
	char			json[256];
	size_t			i;

	case_begin(&fc, "upstream sends invalid HTTP");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/*
		 * On every connection until the reset: libcurl retries on
		 * another kept-alive connection when one dies, as many
		 * times as it holds such connections, so a count would be
		 * luck.
		 */
		reset_fake();
		snprintf(json, sizeof(json), "{\"raw\":\"%s\",\"times\":-1}",
		    cases[i].raw);
		script(json);
		post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY),
		    &r);
		ck_assert_msg(r.status == 502, "case %zu: %ld %.200s", i,
		    r.status, r.body);
		assert_relay_error(&r, 502, cases[i].code);
		response_free(&r);
	}
	case_end(&fc);
}
END_TEST

START_TEST(upstream_invalid_json_passes_through)
{
	struct fault_case	fc;
	struct response		r;
	char			*ct;

	case_begin(&fc, "upstream sends invalid JSON as JSON");
	script("{\"body\":\"{\\\"object\\\":\\\"list\\\",\\\"data\\\":[1,2,\","
	    "\"content_type\":\"application/json\"}");
	post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY), &r);
	ck_assert_int_eq(r.status, 200);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	ck_assert_str_eq(r.body, "{\"object\":\"list\",\"data\":[1,2,");
	response_free(&r);
	case_end(&fc);
}
END_TEST

/*
 * A body still streaming when RELAY_TIMEOUT (TEST_DEADLINE_S) runs
 * out: cut like a reset, logged as the 504 it is.  Upstream holds the
 * rest of the body until the relay gives up, so the deadline passes
 * mid-body however fast the machine is.
 */
START_TEST(upstream_body_outlasts_the_deadline)
{
	struct fault_case	fc;
	struct sink		s = { 0 };
	char			json[256];

	case_begin(&fc, "upstream body outlasts the deadline");
	snprintf(json, sizeof(json), "{\"large_body_bytes\":%llu,"
	    "\"content_type\":\"application/json\",\"chunked\":true,"
	    "\"hold_after_bytes\":%d}", BIG_BODY_BYTES, 1 << 20);
	script(json);
	s.request_id = "outlasts-deadline";
	sink_post("/v1/embeddings", EMBED_BODY, &s);
	ck_assert_int_eq(s.status, 200);
	ck_assert_msg(cut_visible(&s), "a cut body looked complete");
	ck_assert(s.got < BIG_BODY_BYTES);
	/* Nothing but upstream's bytes, bar Apache's page. */
	ck_assert(s.pattern_ok || mod_fcgid());
	assert_logged(s.request_id, "/v1/embeddings", 504);
	case_end(&fc);
}
END_TEST

START_TEST(upstream_sends_1mib_header_block)
{
	static const char *const scripts[] = {
		/* A thousand lines of a thousand bytes. */
		"{\"pad_header_bytes\":1048576}",
		/* One line of a mebibyte. */
		"{\"pad_header_bytes\":1048576,"
		    "\"pad_header_line_bytes\":1048576}",
	};
	struct fault_case	fc;
	struct response		r;
	size_t			i;

	case_begin(&fc, "upstream sends a 1 MiB header block");
	for (i = 0; i < 2; i++) {
		script(scripts[i]);
		post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY),
		    &r);
		assert_relay_error(&r, 502, "upstream_bad_response");
		response_free(&r);
		script(scripts[i]);
		post_json("/v1/responses", STREAM_BODY, strlen(STREAM_BODY),
		    &r);
		assert_relay_error(&r, 502, "upstream_bad_response");
		response_free(&r);
	}
	case_end(&fc);
}
END_TEST

START_TEST(upstream_redirects_elsewhere)
{
	struct fault_case	 fc;
	struct json_object	*list, *up;
	struct response		 r;
	char			 json[512], *loc;

	case_begin(&fc, "upstream redirects to another host");
	/* "localhost", not 127.0.0.1: another host name, the same fake, so
	 * a followed redirect would show up in its records. */
	snprintf(json, sizeof(json), "{\"status\":307,\"headers\":{"
	    "\"Location\":\"http://localhost:%s/v1/stolen\"},\"body\":"
	    "\"{\\\"moved\\\":true}\"}", strrchr(integ_fake_url, ':') + 1);
	script(json);
	post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY), &r);
	ck_assert_int_eq(r.status, 307);
	loc = response_header(&r, "Location");
	ck_assert_msg(loc == NULL, "Location passed: %s", loc);
	ck_assert_str_eq(r.body, "{\"moved\":true}");
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/embeddings");
	json_object_put(list);
	case_end(&fc);
}
END_TEST

/* =================================================== client faults */

/*
 * No request reached upstream whole.  Behind lighttpd and Apache, which
 * read a body whole first, nothing reaches it at all; behind nginx an
 * upload streams through the relay, which must break it off.
 */
static void
assert_nothing_whole_upstream(void)
{
	struct json_object	*list = fake_requests(integ_fake_url), *rec;
	size_t			 i;

	ck_assert_ptr_nonnull(list);
	for (i = 0; i < json_object_array_length(list); i++) {
		rec = json_object_array_get_idx(list, i);
		ck_assert_msg(!json_object_get_boolean(json_object_object_get(
		    rec, "body_complete")), "%s reached upstream whole",
		    json_str(rec, "path"));
	}
	ck_assert_msg(integ_frontend->kind == FRONTEND_NGINX ||
	    json_object_array_length(list) == 0, "a body read in part "
	    "reached upstream");
	json_object_put(list);
}

/* Starts a multipart upload of total bytes; sends the head and sent. */
static int
upload_start(const char *target, size_t total, size_t sent)
{
	static const char	 open_part[] = "--fb\r\nContent-Disposition: "
	    "form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n";
	char			 head[1024], *body;
	int			 fd = front_connect(), n;

	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\n" AUTH "\r\nContent-Type: multipart/form-data; "
	    "boundary=fb\r\nContent-Length: %zu\r\n\r\n", target, total);
	ck_assert(send_all(fd, head, (size_t)n));
	body = malloc(sent);
	ck_assert_ptr_nonnull(body);
	memset(body, 'u', sent);
	memcpy(body, open_part, sizeof(open_part) - 1);
	ck_assert(send_all(fd, body, sent));
	free(body);
	return fd;
}

START_TEST(client_leaves_mid_upload)
{
	struct fault_case	fc;
	char			head[512];
	int			fd, n;

	case_begin(&fc, "client leaves mid-upload");
	/* Multipart, streamed to upstream by a relay that sees it. */
	fd = upload_start("/v1/files", 8 << 20, 1 << 20);
	usleep(200000);
	close(fd);
	/* JSON, read whole before anything is sent. */
	fd = front_connect();
	n = snprintf(head, sizeof(head), "POST /v1/embeddings HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n" AUTH "\r\n" JSON_CT "\r\nContent-Length: "
	    "100000\r\n\r\n{\"input\":\"");
	ck_assert(send_all(fd, head, (size_t)n));
	usleep(200000);
	close(fd);
	usleep(300000);
	assert_nothing_whole_upstream();
	case_end(&fc);
}
END_TEST

/*
 * Upstream would stream for hours; the client leaves a few events in.
 * Only the relay dropping the call (it finds out when its next write
 * fails) can end it; the relay logs a 499.
 */
START_TEST(client_leaves_mid_stream)
{
	struct fault_case	fc;
	struct sink		s = { 0 };
	long long		left_ms;
	double			closed;

	case_begin(&fc, "client leaves mid-stream");
	script("{\"sse\":{\"events\":1000000,\"interval_ms\":50}}");
	s.keep = true;
	s.stop_at = 600;	/* a few events in */
	s.request_id = "leaves-mid-stream";
	sink_post("/v1/responses", STREAM_BODY, &s);
	left_ms = wall_ms();
	ck_assert_int_eq(s.rc, CURLE_WRITE_ERROR);
	ck_assert_ptr_nonnull(strstr(s.text, "response.output_text.delta"));
	free(s.text);
	closed = fake_closed_since((double)left_ms);
	ck_assert_msg(closed >= (double)left_ms,
	    "upstream still streams to a client that left");
	fprintf(stderr, "faults[%s] %s: upstream closed %.0f ms after the "
	    "client left\n", frontend_name(integ_frontend->kind), fc.name,
	    closed - (double)left_ms);
	assert_logged(s.request_id, "/v1/responses", 499);
	case_end(&fc);
}
END_TEST

/*
 * A body promised at 1,000 bytes that trickles in and then stops: while
 * it hangs, other clients are served; when it leaves, nothing of it has
 * reached upstream.
 */
START_TEST(client_trickles_its_body)
{
	static const char	 head[] = "POST /v1/embeddings HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n" AUTH "\r\n" JSON_CT "\r\n"
	    "Content-Length: 1000\r\n\r\n{\"input\":\"";
	static const char *const headers[] = { AUTH, JSON_CT, NULL };
	struct fault_case	 fc;
	struct response		 r;
	int			 fd, i;

	case_begin(&fc, "client trickles its body (slowloris)");
	fd = front_connect();
	ck_assert(send_all(fd, head, sizeof(head) - 1));
	for (i = 0; i < 10; i++) {
		ck_assert(send_all(fd, "aaaaaaaaaa", 10));
		usleep(100000);
	}
	req("POST", "/v1/embeddings", headers, EMBED_BODY, strlen(EMBED_BODY),
	    &r);
	ck_assert_msg(r.status == 200, "served %ld while a body trickles",
	    r.status);
	response_free(&r);
	close(fd);
	usleep(300000);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 1);
	case_end(&fc);
}
END_TEST

START_TEST(client_sends_10000_headers)
{
	struct fault_case	fc;
	struct raw_reply	rr;
	char			*text;
	size_t			len = 0, cap = 10000 * 32 + 512;
	int			i;

	case_begin(&fc, "client sends 10,000 headers");
	text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "POST /v1/embeddings HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n" AUTH "\r\n" JSON_CT "\r\nConnection: "
	    "close\r\n");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(text + len, cap - len, "X-Pad-%d: %d\r\n",
		    i, i);
	len += (size_t)snprintf(text + len, cap - len, "Content-Length: "
	    "%zu\r\n\r\n%s", strlen(EMBED_BODY), EMBED_BODY);
	raw_request(text, len, &rr);
	free(text);
	assert_refused(&fc, &rr, 0, NULL);
	free(rr.text);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	case_end(&fc);
}
END_TEST

START_TEST(client_path_holds_nul_or_invalid_utf8)
{
	static const struct {
		const char	*target;
		size_t		 len;
	} targets[] = {
#define T(s)	{ s, sizeof(s) - 1 }
		T("/v1/models/%00"),
		T("/v1/models/a%00b"),
		T("/v1/models/%FF"),
		T("/v1/models/%C0%AF"),
		T("/v1/models/%ED%A0%80"),
		T("/v1/models/a\0b"),
		T("/v1/models/\xff"),
		T("/v1/models/\xc0\xaf"),
		T("/v1/files?after=\xff"),
#undef T
	};
	struct fault_case	fc;
	struct raw_reply	rr;
	char			text[512], name[96];
	size_t			i, k, len, n;

	case_begin(&fc, "client path holds NUL or invalid UTF-8");
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		memcpy(text, "GET ", 4);
		len = 4;
		memcpy(text + len, targets[i].target, targets[i].len);
		len += targets[i].len;
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    " HTTP/1.1\r\nHost: 127.0.0.1\r\n" AUTH "\r\n"
		    "Connection: close\r\n\r\n");
		raw_request(text, len, &rr);
		n = (size_t)snprintf(name, sizeof(name), "GET ");
		for (k = 0; k < targets[i].len && n + 5 < sizeof(name); k++) {
			unsigned char c = (unsigned char)targets[i].target[k];

			n += (size_t)snprintf(name + n, sizeof(name) - n,
			    c > 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
		}
		fc.name = name;
		assert_refused(&fc, &rr, 400, strchr(targets[i].target, '?') ?
		    "invalid_query" : "invalid_path");
		free(rr.text);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	fc.name = "client path holds NUL or invalid UTF-8";
	case_end(&fc);
}
END_TEST

START_TEST(client_json_holds_nul_or_invalid_utf8)
{
	static const struct {
		const char	*body;
		size_t		 len;
	} bodies[] = {
#define B(s)	{ s, sizeof(s) - 1 }
		B("{\"input\":\"a\0b\"}"),
		B("{\"input\":\"ab\"}\0"),
		B("{\"input\":\"\xff\"}"),
		B("{\"input\":\"\xc0\xaf\"}"),
		B("{\"input\":\"\xed\xa0\x80\"}"),
		B("{\"input\":\"\xf4\x90\x80\x80\"}"),
		B("{\"input\":\"\xe2\x82\"}"),
		B("{\"in\xffput\":1}"),
#undef B
	};
	static const char	 proxy[] = "{\"method\":\"POST\",\"path\":"
	    "\"/v1/embeddings\",\"body\":{\"input\":\"\xff\"}}";
	static const char	 escaped_nul[] = "{\"input\":\"a\\u0000b\"}";
	struct fault_case	 fc;
	struct json_object	*list, *up;
	struct response		 r;
	size_t			 i;

	case_begin(&fc, "client JSON holds NUL or invalid UTF-8");
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		post_json("/v1/embeddings", bodies[i].body, bodies[i].len, &r);
		assert_relay_error(&r, 400, "invalid_json");
		response_free(&r);
		post_json("/v1/responses:stream", bodies[i].body,
		    bodies[i].len, &r);
		assert_relay_error(&r, 400, "invalid_json");
		response_free(&r);
	}
	post_json("/v1/proxy", proxy, sizeof(proxy) - 1, &r);
	assert_relay_error(&r, 400, "invalid_json");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);

	/* An escaped NUL is valid JSON: it goes upstream byte for byte. */
	post_json("/v1/embeddings", escaped_nul, sizeof(escaped_nul) - 1, &r);
	ck_assert_int_eq(r.status, 200);
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "body"), escaped_nul);
	json_object_put(list);
	case_end(&fc);
}
END_TEST

/*
 * JSON that is not RFC 8259's: a string left open after the value, which
 * yajl 2.1 let through (policy/yajlwhole.h), then texts all of which
 * json-c's strict mode let through to upstream but for the last three.
 * Every JSON route answers 400 invalid_json, inside a proxy envelope's
 * body too.
 */
START_TEST(client_json_is_not_strict)
{
	static const char *const bodies[] = {
		"{\"input\":\"a\"} \"b",
		"{'input':\"a\"}",
		"{\"input\":'a'}",
		"{\"input\":\"a\",\"dimensions\":NaN}",
		"{\"input\":\"a\",\"dimensions\":Infinity}",
		"{\"input\":\"a\",\"dimensions\":-Infinity}",
		"{\"input\":\"a\",\"dimensions\":1.}",
		"{\"input\":\"a\",\"dimensions\":012}",
		"{\"input\":\"a\"/* c */}",
		"{\"input\":\"a\"}// c",
		"{\"input\":[\"a\",]}",
		"{\"input\":\"a\",}",
		"{\"input\":\"a\tb\"}",
		"{\"input\":\"a\"\v}",
		"{\"input\":\"a\x01\"}",
	};
	static const char *const targets[] = {
		"/v1/embeddings", "/v1/responses:stream",
		"/v1/actions/uploads", "/v1/realtime/sessions",
	};
	struct fault_case	 fc;
	struct response		 r;
	char			 env[256];
	size_t			 i, k;

	case_begin(&fc, "client JSON beyond RFC 8259");
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		for (k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
			post_json(targets[k], bodies[i], strlen(bodies[i]), &r);
			assert_relay_error(&r, 400, "invalid_json");
			response_free(&r);
		}
		snprintf(env, sizeof(env), "{\"method\":\"POST\",\"path\":"
		    "\"/v1/embeddings\",\"body\":%s}", bodies[i]);
		post_json("/v1/proxy", env, strlen(env), &r);
		assert_relay_error(&r, 400, "invalid_json");
		response_free(&r);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	case_end(&fc);
}
END_TEST

/*
 * A key repeated where the relay reads fields: json-c kept the last one,
 * upstream may read either, so a check on one would not hold for what
 * upstream uses.  400 duplicate_json_key, and nothing reaches upstream;
 * where the relay reads nothing (an object inside a body it forwards as
 * it came), the body goes on unchanged.
 */
START_TEST(client_json_repeats_a_key)
{
	static const struct {
		const char	*target, *body;
	} refused[] = {
		{ "/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"a\","
		    "\"model\":\"o3-pro\"}" },
		{ "/v1/chat/completions", "{\"stream\":false,\"messages\":[],"
		    "\"stream\":true}" },
		{ "/v1/responses:stream", "{\"input\":\"a\",\"stream\":true,"
		    "\"stream\":false}" },
		{ "/v1/proxy", "{\"method\":\"GET\",\"path\":\"/v1/models\","
		    "\"method\":\"DELETE\"}" },
		{ "/v1/proxy", "{\"method\":\"POST\",\"path\":"
		    "\"/v1/embeddings\",\"body\":{\"input\":\"a\","
		    "\"input\":\"b\"}}" },
		{ "/v1/proxy", "{\"method\":\"POST\",\"path\":"
		    "\"/v1/vector_stores\",\"body\":{\"metadata\":{\"k\":"
		    "\"a\",\"k\":\"b\"}}}" },
		{ "/v1/actions/files/upload", "{\"purpose\":\"assistants\","
		    "\"filename\":\"a.txt\",\"filename\":\"b.txt\","
		    "\"data_base64\":\"YQ==\"}" },
		{ "/v1/actions/images/variations", "{\"openaiFileIdRefs\":[{"
		    "\"download_link\":\"https://a/x\",\"download_link\":"
		    "\"https://b/y\"}]}" },
	};
	static const char	 nested[] = "{\"input\":\"a\",\"metadata\":{"
	    "\"k\":\"1\",\"k\":\"2\"}}";
	struct fault_case	 fc;
	struct json_object	*list, *up;
	struct response		 r;
	size_t			 i;

	case_begin(&fc, "client JSON repeats a key");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		post_json(refused[i].target, refused[i].body,
		    strlen(refused[i].body), &r);
		assert_relay_error(&r, 400, "duplicate_json_key");
		ck_assert_ptr_null(strstr(r.body, "o3-pro"));
		response_free(&r);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);

	post_json("/v1/embeddings", nested, sizeof(nested) - 1, &r);
	ck_assert_int_eq(r.status, 200);
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "body"), nested);
	json_object_put(list);
	case_end(&fc);
}
END_TEST

/* opener repeated depth times, inner, closer repeated depth times. */
static char *
nested(size_t depth, const char *opener, const char *inner,
    const char *closer, size_t *len)
{
	size_t	 o = strlen(opener), c = strlen(closer), i, n = 0;
	char	*s = malloc(depth * (o + c) + strlen(inner) + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < depth; i++, n += o)
		memcpy(s + n, opener, o);
	memcpy(s + n, inner, strlen(inner));
	n += strlen(inner);
	for (i = 0; i < depth; i++, n += c)
		memcpy(s + n, closer, c);
	s[n] = '\0';
	*len = n;
	return s;
}

START_TEST(client_json_nested_10000_deep)
{
	static const char *const targets[] = {
		"/v1/embeddings", "/v1/proxy", "/v1/responses:stream",
		"/v1/chat/completions",
	};
	struct fault_case	 fc;
	struct json_object	*list, *up;
	struct response		 r;
	char			*deep, *env;
	size_t			 len, i, k;

	case_begin(&fc, "client JSON nested 10,000 deep");
	for (k = 0; k < 2; k++) {
		deep = k == 0 ? nested(10000, "[", "1", "]", &len) :
		    nested(10000, "{\"a\":", "1", "}", &len);
		for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
			post_json(targets[i], deep, len, &r);
			assert_relay_error(&r, 400, "invalid_json");
			response_free(&r);
		}
		/* Deep inside a proxy envelope's body. */
		env = malloc(len + 64);
		ck_assert_ptr_nonnull(env);
		len = (size_t)snprintf(env, len + 64, "{\"method\":\"POST\","
		    "\"path\":\"/v1/embeddings\",\"body\":%s}", deep);
		post_json("/v1/proxy", env, len, &r);
		assert_relay_error(&r, 400, "invalid_json");
		response_free(&r);
		free(env);
		free(deep);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);

	/* At the relay's limit it passes, unchanged. */
	deep = nested(BODY_JSON_DEPTH - 1, "{\"a\":", "1", "}", &len);
	post_json("/v1/embeddings", deep, len, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "body"), deep);
	json_object_put(list);
	free(deep);
	case_end(&fc);
}
END_TEST

/* Whether a relay process runs under AddressSanitizer or valgrind. */
static bool
relay_instrumented(const struct relay_state *st)
{
	char	path[64], line[512];
	bool	asan = false;
	FILE	*fp;

	if (frontend_valgrind() || st->n == 0)
		return frontend_valgrind();
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)st->pid[0]);
	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (!asan && fgets(line, sizeof(line), fp) != NULL)
		asan = strstr(line, "libasan") != NULL;
	fclose(fp);
	return asan;
}

/*
 * The memory bound for JSON bodies: a body of n bytes may raise a relay
 * process's peak (VmHWM) by at most 2n + 1 MiB, whatever its shape.
 * json-c's tree cost about 264 bytes per byte of [{},{},...]: a 3 MB
 * body of it took a relay from 11 MB to 787 MB.  Each body is about
 * 1 MiB (AMPLIFY_BODY), in what each kind of JSON route does with it:
 * validated only (an array of empty objects where an object belongs),
 * forwarded as it came, copied once by the stream wrapper, refused
 * before a tree by the routes that read fields (empty objects again).
 * What goes upstream is one long string, which the fake upstream (json-c
 * too) parses at once, so no deadline comes near.  The bound is about
 * memory, so it holds however fast the machine is; it is not checked
 * under the sanitizers or valgrind, whose allocators keep more.
 */
#define AMPLIFY_BODY	(1024 * 1024)

START_TEST(client_json_amplification_is_bounded)
{
	static const struct {
		const char	*target, *prefix, *unit, *suffix;
		long		 status;
		const char	*code;
	} cases[] = {
		{ "/v1/embeddings", "[{}", ",{}", "]", 400, "invalid_json" },
		{ "/v1/embeddings", "{\"model\":\"m\",\"input\":\"", "xyz",
		    "\"}", 200, NULL },
		{ "/v1/responses:stream", "{\"input\":\"", "xyz", "\"}", 200,
		    NULL },
		{ "/v1/proxy", "{\"method\":\"POST\",\"path\":"
		    "\"/v1/embeddings\",\"body\":{\"input\":[{}", ",{}", "]}}",
		    413, "json_too_complex" },
		{ "/v1/actions/files/upload", "{\"purpose\":\"assistants\","
		    "\"filename\":\"a\",\"data_base64\":\"YQ==\",\"x\":[{}",
		    ",{}", "]}", 413, "json_too_complex" },
		{ "/v1/realtime/sessions", "{\"tools\":[{}", ",{}", "]}", 413,
		    "json_too_complex" },
	};
	struct fault_case	 fc;
	struct relay_state	 before, after;
	struct json_object	*list, *up;
	struct response		 r;
	long			 grew, worst, bound;
	size_t			 i, k, len, n;
	char			*body;
	bool			 instrumented;

	case_begin(&fc, "client JSON of 1 MiB, each kind of JSON route");
	instrumented = relay_instrumented(&fc.before);
	body = malloc(AMPLIFY_BODY + 1);
	ck_assert_ptr_nonnull(body);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = (size_t)snprintf(body, 256, "%s", cases[i].prefix);
		/* Room for the wrapper's member within what the fake keeps. */
		n = (AMPLIFY_BODY - 64 - len - strlen(cases[i].suffix)) /
		    3;
		for (k = 0; k < n; k++, len += 3)
			memcpy(body + len, cases[i].unit, 3);
		memcpy(body + len, cases[i].suffix, strlen(cases[i].suffix) + 1);
		len += strlen(cases[i].suffix);

		reset_fake();
		relay_state(&before);
		post_json(cases[i].target, body, len, &r);
		relay_state(&after);
		if (cases[i].code != NULL)
			assert_relay_error(&r, cases[i].status, cases[i].code);
		else
			ck_assert_msg(r.status == cases[i].status, "%s: %ld %.200s",
			    cases[i].target, r.status, r.body);
		response_free(&r);
		if (cases[i].code != NULL) {
			ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
		} else {
			/* Forwarded as it came (the wrapper adds its member). */
			up = only_upstream_request(&list);
			ck_assert_uint_ge(strlen(json_str(up, "body")), len);
			ck_assert(strncmp(json_str(up, "body"), body,
			    len - 1) == 0);
			json_object_put(list);
		}

		worst = 0;
		for (k = 0; k < after.n; k++) {
			grew = after.hwm_kib[k] - hwm_of(&before, after.pid[k]);
			if (grew > worst)
				worst = grew;
		}
		bound = (long)(2 * len / 1024) + 1024;
		fprintf(stderr, "faults[%s] %zu bytes of JSON to %s: %ld, peak "
		    "VmHWM grew %ld KiB (bound %ld KiB)%s\n",
		    frontend_name(integ_frontend->kind), len, cases[i].target,
		    cases[i].status, worst, bound, instrumented ?
		    ", not checked: instrumented relay" : "");
		ck_assert_msg(instrumented || worst <= bound, "%s: a %zu-byte "
		    "JSON body raised a relay's peak memory by %ld KiB, over "
		    "2n + 1 MiB (%ld KiB)", cases[i].target, len, worst, bound);
	}
	free(body);
	case_end(&fc);
}
END_TEST

/* ============================================== 2 GiB through, and out */

START_TEST(upstream_sends_2gib_body)
{
	struct fault_case	fc;
	struct sink		s = { 0 };
	char			json[256];

	case_begin(&fc, "upstream sends a 2 GiB JSON body");
	snprintf(json, sizeof(json), "{\"large_body_bytes\":%llu,"
	    "\"content_type\":\"application/json\"}", BIG_BODY_BYTES);
	script(json);
	sink_post("/v1/embeddings", EMBED_BODY, &s);
	ck_assert_msg(s.rc == CURLE_OK, "curl: %s after %llu bytes",
	    curl_easy_strerror(s.rc), s.got);
	ck_assert_int_eq(s.status, 200);
	ck_assert(s.got == BIG_BODY_BYTES);
	ck_assert_msg(s.pattern_ok, "the body arrived altered");
	case_end(&fc);
}
END_TEST

START_TEST(client_leaves_mid_download)
{
	struct fault_case	fc;
	struct sink		s = { 0 };
	long long		left_ms;
	char			json[256];

	/*
	 * A body of 4 EiB, which no machine passes before the client's
	 * 240 s run out: only the relay dropping the call can end it.
	 */
	case_begin(&fc, "client leaves after 64 MiB of 4 EiB");
	snprintf(json, sizeof(json), "{\"large_body_bytes\":%llu,"
	    "\"content_type\":\"application/json\",\"chunked\":true}",
	    1ULL << 62);
	script(json);
	s.stop_at = 64ULL << 20;
	sink_post("/v1/embeddings", EMBED_BODY, &s);
	left_ms = wall_ms();
	ck_assert_int_eq(s.rc, CURLE_WRITE_ERROR);
	ck_assert(s.pattern_ok);
	ck_assert_msg(fake_closed_since((double)left_ms) >= (double)left_ms,
	    "upstream still sends to a client that left");
	case_end(&fc);
}
END_TEST

/* ============== slow request bodies, behind front servers that stream them */

/*
 * Clients sending nothing of use, three times as many as the relay has
 * threads (TEST_SLOW_THREADS): each must get its answer while it still
 * sends, and take no thread for long.
 */
#define SLOW_CLIENTS		(3 * TEST_SLOW_THREADS)
#define SLOW_ANSWER_WAIT_MS	30000
/* Longer than the listener's 1 s timeout (which accepted connections
 * must not keep), shorter than TEST_SLOW_BODY_IDLE_S. */
#define BODY_PAUSE_US		2500000

/* Whether a (partial) reply holds its head and then code. */
static bool
reply_holds(const char *text, const char *code)
{
	const char	*body = strstr(text, "\r\n\r\n");

	return body != NULL && strstr(body, code) != NULL;
}

/*
 * Clients with no key, each announcing 100 MB and sending a byte every
 * 300 ms, never finishing: each gets its 401 while it still sends (the
 * answer does not wait for a body it does not need), and while they are
 * all still connected, /health and a keyed call are served (case_end):
 * they hold no thread.  A relay that kept one per such client, or held
 * their answers until their bodies ended, would answer nothing here.
 */
START_TEST(refused_bodies_hold_no_threads)
{
	static const char	 head[] = "POST /v1/embeddings HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n" JSON_CT "\r\n"
	    "Content-Length: 100000000\r\n\r\n{";
	struct fault_case	 fc;
	struct pollfd		 pfd[SLOW_CLIENTS];
	char			 got[SLOW_CLIENTS][1024];
	size_t			 len[SLOW_CLIENTS] = { 0 };
	long long		 deadline, next_byte = 0;
	int			 i, answered = 0;
	ssize_t			 n;

	case_begin(&fc, "clients with no key trickle 100 MB bodies");
	for (i = 0; i < SLOW_CLIENTS; i++) {
		pfd[i].fd = front_connect();
		pfd[i].events = POLLIN;
		got[i][0] = '\0';
		ck_assert(send_all(pfd[i].fd, head, sizeof(head) - 1));
	}
	deadline = wall_ms() + SLOW_ANSWER_WAIT_MS;
	while (answered < SLOW_CLIENTS && wall_ms() < deadline) {
		if (wall_ms() >= next_byte) {
			for (i = 0; i < SLOW_CLIENTS; i++)
				(void)send_all(pfd[i].fd, " ", 1);
			next_byte = wall_ms() + 300;
		}
		if (poll(pfd, SLOW_CLIENTS, 100) <= 0)
			continue;
		for (i = 0; i < SLOW_CLIENTS; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP)) ||
			    pfd[i].events == 0)
				continue;
			n = recv(pfd[i].fd, got[i] + len[i],
			    sizeof(got[i]) - 1 - len[i], 0);
			if (n > 0) {
				len[i] += (size_t)n;
				got[i][len[i]] = '\0';
			}
			if (n <= 0 || reply_holds(got[i], "missing_relay_key") ||
			    len[i] + 1 == sizeof(got[i])) {
				pfd[i].events = 0;	/* done with it */
				answered++;
			}
		}
	}
	for (i = 0; i < SLOW_CLIENTS; i++) {
		ck_assert_msg(strncmp(got[i], "HTTP/1.1 401", 12) == 0 &&
		    reply_holds(got[i], "missing_relay_key"), "client %d of %d "
		    "got no 401 while sending its body: \"%.200s\"", i + 1,
		    SLOW_CLIENTS, got[i]);
		ck_assert_ptr_nonnull(strcasestr(got[i], "\r\nX-Relay-Request-Id:"));
	}
	/* Still connected, still sending: the relay serves others. */
	for (i = 0; i < SLOW_CLIENTS; i++)
		(void)send_all(pfd[i].fd, " ", 1);
	case_end(&fc);
	for (i = 0; i < SLOW_CLIENTS; i++)
		close(pfd[i].fd);
}
END_TEST

/* A keyed request whose body is sent in two parts, a pause between. */
static void
paused_request(const char *target, const char *ctype, const char *body,
    size_t split, struct raw_reply *rr)
{
	char	head[512];
	int	fd, n;

	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\nConnection: close\r\n" AUTH "\r\nContent-Type: "
	    "%s\r\nContent-Length: %zu\r\n\r\n", target, ctype,
	    strlen(body));
	ck_assert(n > 0 && (size_t)n < sizeof(head));
	fd = front_connect();
	ck_assert(send_all(fd, head, (size_t)n));
	ck_assert(send_all(fd, body, split));
	usleep(BODY_PAUSE_US);
	ck_assert(send_all(fd, body + split, strlen(body) - split));
	raw_read_reply(fd, rr);
	close(fd);
}

/*
 * Bodies that pause 2.5 s midway, within RELAY_BODY_IDLE_TIMEOUT: they
 * arrive whole.  A connection that kept its listener's 1 s timeout
 * would fail them as incomplete_body, however fast the machine.
 */
START_TEST(paused_bodies_arrive_whole)
{
	static const char	 form[] = "--b\r\nContent-Disposition: form-data; "
	    "name=\"purpose\"\r\n\r\nassistants\r\n--b\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
	    "hello world\r\n--b--\r\n";
	struct fault_case	 fc;
	struct raw_reply	 rr;
	struct json_object	*list, *up;

	case_begin(&fc, "bodies pause 2.5 s midway");
	paused_request("/v1/files", "multipart/form-data; boundary=b", form,
	    strlen(form) - 20, &rr);
	ck_assert_msg(rr.status == 200 && rr.from_relay, "upload: %.300s",
	    rr.text);
	free(rr.text);
	up = only_upstream_request(&list);
	ck_assert_ptr_nonnull(strstr(json_str(up, "body"), "hello world"));
	json_object_put(list);
	reset_fake();
	paused_request("/v1/embeddings", "application/json", EMBED_BODY, 10,
	    &rr);
	ck_assert_msg(rr.status == 200 && rr.from_relay, "JSON: %.300s",
	    rr.text);
	free(rr.text);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "body"), EMBED_BODY);
	json_object_put(list);
	case_end(&fc);
}
END_TEST

/*
 * A body that stops for good ends at RELAY_BODY_IDLE_TIMEOUT with the
 * relay's 400, and nothing of it goes upstream.  (Behind nginx only:
 * Apache reads its client's body before the relay's answer, so its
 * client sees Apache's own timeout instead.)
 */
START_TEST(stalled_body_ends_at_the_idle_limit)
{
	static const char	 head[] = "POST /v1/embeddings HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nConnection: close\r\n" AUTH "\r\n"
	    JSON_CT "\r\nContent-Length: 1000\r\n\r\n{\"input\":\"";
	struct fault_case	 fc;
	struct raw_reply	 rr;
	int			 fd;

	case_begin(&fc, "a body stops midway");
	fd = front_connect();
	ck_assert(send_all(fd, head, sizeof(head) - 1));
	raw_read_reply(fd, &rr);
	close(fd);
	ck_assert_msg(rr.status == 400 && rr.from_relay &&
	    strstr(raw_body(&rr), "incomplete_body") != NULL, "%.300s",
	    rr.text);
	free(rr.text);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	case_end(&fc);
}
END_TEST

void
add_faults_slow_bodies_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("slow-bodies");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, refused_bodies_hold_no_threads);
	tcase_add_test(tc, paused_bodies_arrive_whole);
	if (kind == FRONTEND_NGINX)
		tcase_add_test(tc, stalled_body_ends_at_the_idle_limit);
	suite_add_tcase(s, tc);
}

/* ================================== an upstream that refuses to connect */

static int	refusing_fd = -1;

int
refusing_upstream_open(char *url, size_t urlsz)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);

	/* Bound and never listening: connections to it are refused, and
	 * nothing else can take the port meanwhile. */
	refusing_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (refusing_fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(refusing_fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(refusing_fd, (struct sockaddr *)&sa, &len) == -1) {
		refusing_upstream_close();
		return -1;
	}
	snprintf(url, urlsz, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	return 0;
}

void
refusing_upstream_close(void)
{
	if (refusing_fd != -1)
		close(refusing_fd);
	refusing_fd = -1;
}

START_TEST(upstream_refuses_connections)
{
	static const char *const auth[] = { AUTH, NULL };
	struct fault_case	fc;
	struct response		r;
	int			k;

	case_begin(&fc, "upstream refuses connections");
	/* Twice each: the worker that failed serves the next request. */
	for (k = 0; k < 2; k++) {
		post_json("/v1/embeddings", EMBED_BODY, strlen(EMBED_BODY),
		    &r);
		assert_relay_error(&r, 502, "upstream_unreachable");
		response_free(&r);
		post_json("/v1/responses", STREAM_BODY, strlen(STREAM_BODY),
		    &r);
		assert_relay_error(&r, 502, "upstream_unreachable");
		response_free(&r);
		req("GET", "/v1/models", auth, NULL, 0, &r);
		assert_relay_error(&r, 502, "upstream_unreachable");
		response_free(&r);
	}
	relays_intact(&fc);
	req("GET", "/health", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	response_free(&r);
}
END_TEST

/* ============================================================ the rows */

void
add_faults_upstream_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("upstream-faults");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, upstream_answers_byte_by_byte);
	tcase_add_test(tc, upstream_resets_mid_stream);
	tcase_add_test(tc, upstream_speaks_invalid_http);
	tcase_add_test(tc, upstream_invalid_json_passes_through);
	tcase_add_test(tc, upstream_sends_1mib_header_block);
	tcase_add_test(tc, upstream_redirects_elsewhere);
	tcase_add_test(tc, client_json_holds_nul_or_invalid_utf8);
	tcase_add_test(tc, client_json_nested_10000_deep);
	tcase_add_test(tc, client_json_is_not_strict);
	tcase_add_test(tc, client_json_repeats_a_key);
	tcase_add_test(tc, client_json_amplification_is_bounded);
	suite_add_tcase(s, tc);
}

void
add_faults_front_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("front-faults");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, upstream_resets_mid_body);
	tcase_add_test(tc, upstream_breaks_off_right_after_head);
	tcase_add_test(tc, client_leaves_mid_stream);
	suite_add_tcase(s, tc);
}

void
add_faults_client_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("client-faults");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, client_leaves_mid_upload);
	tcase_add_test(tc, client_leaves_mid_download);
	tcase_add_test(tc, client_trickles_its_body);
	tcase_add_test(tc, client_sends_10000_headers);
	tcase_add_test(tc, client_path_holds_nul_or_invalid_utf8);
	suite_add_tcase(s, tc);
}

void
add_faults_deadline_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("deadlines");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, upstream_never_answers);
	tcase_add_test(tc, upstream_answers_too_slowly);
	tcase_add_test(tc, upstream_body_outlasts_the_deadline);
	suite_add_tcase(s, tc);
}

void
add_faults_large_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("large");

	(void)kind;
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, upstream_sends_2gib_body);
	suite_add_tcase(s, tc);
}

void
add_faults_refused_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("refused");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, upstream_refuses_connections);
	suite_add_tcase(s, tc);
}
