/*
 * The scripted upstream (see scripted_upstream.h): handlers/upstream.h
 * played from a queue, every call recorded.
 */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include "policy/xalloc.h"
#include "tests/unit/scripted_upstream.h"

#define CALLS_MAX	64
#define ANSWERS_MAX	16
#define READ_CHUNK	4096

/* handlers/upstream.h leaves it opaque; nothing is kept per thread. */
struct upstream {
	int	unused;
};

static struct scripted_call	calls[CALLS_MAX];
static size_t			ncalls;
static struct scripted_answer	answers[ANSWERS_MAX];
static size_t			nanswers, next_answer;
static struct {
	enum upstream_result	 result;
	long			 status;
	char			*data;
	size_t			 len;
}				downloads[ANSWERS_MAX];
static size_t			ndownloads, next_download, downloads_asked;

static const struct scripted_answer default_answer = {
	.status = 200,
	.headers = { "Content-Type: application/json",
	    "x-request-id: req_scripted" },
	.pieces = { "{\"object\":\"scripted\"}" },
	.result = UPSTREAM_DONE,
};

static char *
dup_bytes(const char *p, size_t len)
{
	char	*s = xmalloc(len + 1);

	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void
scripted_reset(void)
{
	size_t	i, k;

	for (i = 0; i < ncalls; i++) {
		free(calls[i].method);
		free(calls[i].url);
		for (k = 0; k < calls[i].nheaders; k++)
			free(calls[i].headers[k]);
		free(calls[i].body);
		for (k = 0; k < calls[i].nparts; k++) {
			free(calls[i].parts[k].name);
			free(calls[i].parts[k].filename);
			free(calls[i].parts[k].content_type);
			free(calls[i].parts[k].data);
		}
	}
	memset(calls, 0, sizeof(calls));
	ncalls = nanswers = next_answer = 0;
	for (i = 0; i < ndownloads; i++)
		free(downloads[i].data);
	ndownloads = next_download = downloads_asked = 0;
}

void
scripted_push(const struct scripted_answer *a)
{
	if (nanswers == ANSWERS_MAX)
		abort();
	answers[nanswers++] = *a;
}

size_t
scripted_calls(void)
{
	return ncalls;
}

const struct scripted_call *
scripted_call(size_t i)
{
	return i < ncalls ? &calls[i] : NULL;
}

const char *
scripted_header(const struct scripted_call *c, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; c != NULL && i < c->nheaders; i++)
		if (strncasecmp(c->headers[i], name, n) == 0 &&
		    c->headers[i][n] == ':')
			return c->headers[i] + n + 1 +
			    (c->headers[i][n + 1] == ' ');
	return NULL;
}

size_t
scripted_header_count(const struct scripted_call *c, const char *name)
{
	size_t	i, n = strlen(name), count = 0;

	for (i = 0; c != NULL && i < c->nheaders; i++)
		count += strncasecmp(c->headers[i], name, n) == 0 &&
		    c->headers[i][n] == ':';
	return count;
}

int
scripted_part(const struct scripted_call *c, const char *name)
{
	size_t	i;

	for (i = 0; c != NULL && i < c->nparts; i++)
		if (strcmp(c->parts[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
scripted_download_push(enum upstream_result result, long status,
    const void *data, size_t len)
{
	if (ndownloads == ANSWERS_MAX)
		abort();
	downloads[ndownloads].result = result;
	downloads[ndownloads].status = status;
	downloads[ndownloads].data = dup_bytes(data, len);
	downloads[ndownloads].len = len;
	ndownloads++;
}

size_t
scripted_downloads(void)
{
	return downloads_asked;
}

int
upstream_global_init(void)
{
	return 0;
}

void
upstream_global_cleanup(void)
{
}

struct upstream *
upstream_new(void)
{
	return xcalloc(1, sizeof(struct upstream));
}

void
upstream_free(struct upstream *u)
{
	free(u);
}

/* Records rq, reading a streamed body to its end as libcurl would. */
static struct scripted_call *
record(const struct upstream_request *rq)
{
	struct scripted_call	*c;
	size_t			 i, cap = 0;
	long			 n;

	if (ncalls == CALLS_MAX || rq->nheaders > SCRIPTED_LINES_MAX ||
	    rq->nparts > SCRIPTED_PARTS_MAX)
		abort();
	c = &calls[ncalls++];
	c->method = xstrdup(rq->method);
	c->url = xstrdup(rq->url);
	for (i = 0; i < rq->nheaders; i++)
		c->headers[i] = xstrdup(rq->headers[i]);
	c->nheaders = rq->nheaders;
	c->read_size = rq->read_size;
	c->connect_timeout_ms = rq->connect_timeout_ms;
	if (rq->body != NULL) {
		c->body = dup_bytes(rq->body, rq->body_len);
		c->body_len = rq->body_len;
	}
	while (rq->read_body != NULL) {
		if (c->body_len + READ_CHUNK + 1 > cap) {
			cap = cap ? cap * 2 : READ_CHUNK * 4;
			c->body = xrealloc(c->body, cap);
		}
		n = rq->read_body(rq->read_ctx, c->body + c->body_len,
		    READ_CHUNK);
		if (n <= 0) {
			c->read_failed = n < 0;
			c->body[c->body_len] = '\0';
			break;
		}
		c->body_len += (size_t)n;
	}
	for (i = 0; i < rq->nparts; i++) {
		c->parts[i].name = xstrdup(rq->parts[i].name);
		c->parts[i].filename = rq->parts[i].filename ?
		    xstrdup(rq->parts[i].filename) : NULL;
		c->parts[i].content_type = rq->parts[i].content_type ?
		    xstrdup(rq->parts[i].content_type) : NULL;
		c->parts[i].data = dup_bytes(rq->parts[i].data,
		    rq->parts[i].len);
		c->parts[i].len = rq->parts[i].len;
	}
	c->nparts = rq->nparts;
	return c;
}

const char SCRIPTED_STALL[] = "";

/*
 * Upstream gone silent: ticks until the relay gives up (a hang guard
 * stops the test otherwise).
 */
static enum upstream_result
stall(const struct upstream_sink *sink)
{
	long	i;

	for (i = 0; i < SCRIPTED_STALL_MAX_S * 1000L / SCRIPTED_TICK_MS; i++) {
		if (sink->on_tick(sink->ctx) == -1)
			return UPSTREAM_ABORTED;
		usleep(SCRIPTED_TICK_MS * 1000);
	}
	abort();
}

enum upstream_result
upstream_perform(struct upstream *u, const struct upstream_request *rq,
    const struct upstream_sink *sink, double *elapsed_ms)
{
	const struct scripted_answer	*a;
	struct upstream_header		 h[SCRIPTED_LINES_MAX];
	char				 names[SCRIPTED_LINES_MAX][128];
	const char			*colon;
	size_t				 i, n;

	(void)u;
	*elapsed_ms = 1.0;
	/* A body the relay refuses midway: libcurl's callback abort. */
	if (record(rq)->read_failed)
		return UPSTREAM_UNREACHABLE;
	a = next_answer < nanswers ? &answers[next_answer++] :
	    &default_answer;
	if (a->status == 0)
		return a->pieces[0] == SCRIPTED_STALL ? stall(sink) : a->result;
	for (n = 0; n < SCRIPTED_LINES_MAX && a->headers[n] != NULL; n++) {
		colon = strchr(a->headers[n], ':');
		if (colon == NULL || (size_t)(colon - a->headers[n]) >=
		    sizeof(names[n]))
			abort();
		memcpy(names[n], a->headers[n], (size_t)(colon -
		    a->headers[n]));
		names[n][colon - a->headers[n]] = '\0';
		h[n].name = names[n];
		h[n].value = colon + 1 + strspn(colon + 1, " ");
	}
	if (sink->on_head(sink->ctx, a->status, h, n) == -1)
		return UPSTREAM_ABORTED;
	for (i = 0; i < SCRIPTED_LINES_MAX && a->pieces[i] != NULL; i++) {
		if (a->pieces[i] == SCRIPTED_STALL)
			return stall(sink);
		if ((sink->on_tick != NULL && sink->on_tick(sink->ctx) == -1) ||
		    sink->on_body(sink->ctx, a->pieces[i],
		    strlen(a->pieces[i])) == -1)
			return UPSTREAM_ABORTED;
	}
	return a->result;
}

enum upstream_result
upstream_download(struct upstream *u, const char *url, const char *ca_file,
    size_t cap, long timeout_ms,
    bool (*address_ok)(const unsigned char *addr, size_t len), char **out,
    size_t *len, long *status)
{
	(void)address_ok;
	(void)u;
	(void)url;
	(void)ca_file;
	(void)timeout_ms;
	downloads_asked++;
	*out = NULL;
	*len = 0;
	*status = 0;
	if (next_download == ndownloads)
		return UPSTREAM_UNREACHABLE;
	next_download++;
	if (downloads[next_download - 1].result != UPSTREAM_DONE)
		return downloads[next_download - 1].result;
	if (downloads[next_download - 1].len > cap)
		return UPSTREAM_TOO_LARGE;
	*out = dup_bytes(downloads[next_download - 1].data,
	    downloads[next_download - 1].len);
	*len = downloads[next_download - 1].len;
	*status = downloads[next_download - 1].status;
	return UPSTREAM_DONE;
}
