/*
 * libcurl, one easy handle per worker thread.  curl_easy_reset() clears
 * options but keeps live connections, so keep-alive and TLS session
 * reuse come for free.  The options every relayed call shares are set
 * once and kept while calls leave nothing else behind (see plain).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "handlers/upstream.h"
#include "policy/dynbuf.h"
#include "policy/xalloc.h"

/* Bounds on what upstream may make us hold; past them: bad response. */
#define HEAD_BYTES_MAX	65536
#define HEADERS_MAX	128

struct upstream {
	CURL			*curl;
	const struct upstream_sink *sink;
	/* The current response's header block, as "name\0value\0" pairs. */
	char			 head[HEAD_BYTES_MAX];
	size_t			 head_len;
	struct upstream_header	 headers[HEADERS_MAX];
	size_t			 nheaders;
	bool			 head_done;
	bool			 head_too_big;
	bool			 sink_aborted;
	/*
	 * The handle holds upstream_perform's fixed options and nothing a
	 * call can leave behind (a custom method, a read callback, a form,
	 * a download's limits): the next call sets only its own.  Resetting
	 * and setting them all again cost about 5,000 instructions a call
	 * (make bench, callgrind).
	 */
	bool			 plain;
	/*
	 * The last call's URL, parsed, and its origin ("scheme://host:port",
	 * origin_len bytes): a call to the same origin sets only its path
	 * and query (see set_url).  libcurl parsing every URL afresh cost
	 * about 11,000 instructions a call (make bench, callgrind).
	 */
	CURLU			*url;
	char			*origin;
	size_t			 origin_len;
};

int
upstream_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
upstream_global_cleanup(void)
{
	curl_global_cleanup();
}

struct upstream *
upstream_new(void)
{
	struct upstream	*u = xcalloc(1, sizeof(*u));

	u->curl = curl_easy_init();
	if (u->curl == NULL) {
		/* Only fails when memory is exhausted: same policy as xalloc. */
		fputs("relay: curl_easy_init failed\n", stderr);
		abort();
	}
	return u;
}

void
upstream_free(struct upstream *u)
{
	if (u == NULL)
		return;
	curl_easy_cleanup(u->curl);
	curl_url_cleanup(u->url);
	free(u->origin);
	free(u);
}

static void
head_reset(struct upstream *u)
{
	u->head_len = 0;
	u->nheaders = 0;
}

/* Stores one "Name: value" line; false if the block is over its bounds. */
static bool
head_store(struct upstream *u, const char *line, size_t len)
{
	const char	*colon = memchr(line, ':', len);
	size_t		 namelen, vstart, vend;
	char		*name;

	if (colon == NULL || colon == line)
		return true;	/* not a header line: ignore */
	namelen = (size_t)(colon - line);
	vstart = namelen + 1;
	while (vstart < len && (line[vstart] == ' ' || line[vstart] == '\t'))
		vstart++;
	vend = len;
	while (vend > vstart && strchr(" \t\r\n", line[vend - 1]) != NULL)
		vend--;
	if (u->nheaders == HEADERS_MAX ||
	    u->head_len + namelen + (vend - vstart) + 2 > HEAD_BYTES_MAX)
		return false;

	name = u->head + u->head_len;
	memcpy(name, line, namelen);
	name[namelen] = '\0';
	u->head_len += namelen + 1;
	memcpy(u->head + u->head_len, line + vstart, vend - vstart);
	u->head[u->head_len + (vend - vstart)] = '\0';
	u->headers[u->nheaders].name = name;
	u->headers[u->nheaders].value = u->head + u->head_len;
	u->head_len += vend - vstart + 1;
	u->nheaders++;
	return true;
}

static size_t
on_header_line(char *line, size_t size, size_t nitems, void *arg)
{
	struct upstream	*u = arg;
	size_t		 len = size * nitems;
	long		 status = 0;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		head_reset(u);	/* a new block, e.g. after 100 Continue */
		return len;
	}
	if (len <= 2 && strspn(line, "\r\n") == len) {
		curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200) {
			head_reset(u);
			return len;
		}
		u->head_done = true;
		if (u->sink->on_head(u->sink->ctx, (int)status, u->headers,
		    u->nheaders) == -1) {
			u->sink_aborted = true;
			return 0;
		}
		return len;
	}
	if (!head_store(u, line, len)) {
		u->head_too_big = true;
		return 0;
	}
	return len;
}

static size_t
on_body_bytes(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upstream	*u = arg;
	size_t		 len = size * nmemb;

	if (u->sink->on_body(u->sink->ctx, buf, len) == -1) {
		u->sink_aborted = true;
		return 0;
	}
	return len;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct upstream	*u = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (u->sink->on_tick != NULL && u->sink->on_tick(u->sink->ctx) == -1) {
		u->sink_aborted = true;
		return 1;
	}
	return 0;
}

static bool
has_header(const struct upstream_request *rq, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < rq->nheaders; i++)
		if (strncasecmp(rq->headers[i], name, n) == 0 &&
		    rq->headers[i][n] == ':')
			return true;
	return false;
}

/*
 * The header list, in nodes (rq->nheaders + 2 of them): libcurl only
 * reads a list, so it can be ours, pointing at rq's lines, instead of
 * one curl_slist_append copies (two allocations a line, and as many
 * frees: about 5,000 instructions a call).
 */
static struct curl_slist *
build_headers(const struct upstream_request *rq, struct curl_slist *nodes)
{
	size_t	n = 0, i;

	for (i = 0; i < rq->nheaders; i++)
		nodes[n++].data = (char *)rq->headers[i];
	/*
	 * libcurl would otherwise add headers of its own: a form
	 * Content-Type on bodies, and Expect: 100-continue on large ones
	 * (an extra round trip for nothing).  "Name:" removes them.
	 */
	if ((rq->body != NULL || rq->read_body != NULL) &&
	    !has_header(rq, "Content-Type"))
		nodes[n++].data = (char *)"Content-Type:";
	nodes[n++].data = (char *)"Expect:";
	for (i = 0; i + 1 < n; i++)
		nodes[i].next = &nodes[i + 1];
	nodes[n - 1].next = NULL;
	return nodes;
}

/* read_body's bytes, as libcurl asks for them. */
static size_t
on_read_body(char *buf, size_t size, size_t nitems, void *arg)
{
	const struct upstream_request	*rq = arg;
	long				 n;

	n = rq->read_body(rq->read_ctx, buf, size * nitems);
	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static curl_mime *
build_form(CURL *c, const struct upstream_request *rq)
{
	curl_mime	*form = curl_mime_init(c);
	curl_mimepart	*part;
	size_t		 i;

	for (i = 0; i < rq->nparts; i++) {
		part = curl_mime_addpart(form);
		curl_mime_name(part, rq->parts[i].name);
		curl_mime_data(part, rq->parts[i].data, rq->parts[i].len);
		if (rq->parts[i].filename != NULL)
			curl_mime_filename(part, rq->parts[i].filename);
		if (rq->parts[i].content_type != NULL)
			curl_mime_type(part, rq->parts[i].content_type);
	}
	return form;
}

static void
set_method_and_body(CURL *c, const struct upstream_request *rq)
{
	if (rq->read_body != NULL) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read_body);
		curl_easy_setopt(c, CURLOPT_READDATA, rq);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->read_size);
		/*
		 * A streamed body cannot be rewound to retry on a kept-alive
		 * connection the server has dropped meanwhile: start afresh.
		 */
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
		if (strcmp(rq->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
		return;
	}
	if (strcmp(rq->method, "GET") == 0 && rq->body == NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(rq->method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	if (rq->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->body_len);
	} else if (strcmp(rq->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
}

static enum upstream_result
classify(const struct upstream *u, CURLcode rc)
{
	curl_off_t	pretransfer = 0;

	if (u->sink_aborted)
		return UPSTREAM_ABORTED;
	if (u->head_too_big)
		return UPSTREAM_BAD_RESPONSE;
	switch (rc) {
	case CURLE_OK:
		return u->head_done ? UPSTREAM_DONE : UPSTREAM_BAD_RESPONSE;
	case CURLE_OPERATION_TIMEDOUT:
		/* Nothing was sent yet: the connection never came up. */
		curl_easy_getinfo(u->curl, CURLINFO_PRETRANSFER_TIME_T,
		    &pretransfer);
		return pretransfer == 0 ? UPSTREAM_CONNECT_TIMEOUT :
		    UPSTREAM_TIMEOUT;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	/* libcurl 7.x's verdict on a response header line over 100 KiB. */
	case CURLE_OUT_OF_MEMORY:
		return UPSTREAM_BAD_RESPONSE;
	default:
		return UPSTREAM_UNREACHABLE;
	}
}

/*
 * Points the handle at url (absolute).  When only the target differs
 * from the last call's, only the path and query are set, as they are:
 * the relay checked them before (policy/path.c: no dot segments, no
 * '#'), so the request line is the one a full parse would send.  Not
 * with a percent-escape in them: libcurl 7.88 writes a part's escapes
 * in lower case (%5B becomes %5b), and the relay forwards the target
 * byte for byte.  False if libcurl does not take url.
 */
static bool
set_url(struct upstream *u, const char *url)
{
	const char	*scheme_end = strstr(url, "://");
	const char	*target = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
	const char	*query;
	char		*path;
	size_t		 origin_len = target ? (size_t)(target - url) : 0;
	CURLUcode	 rc;

	if (u->origin != NULL && origin_len == u->origin_len &&
	    memcmp(url, u->origin, origin_len) == 0 &&
	    strchr(target, '%') == NULL) {
		query = strchr(target, '?');
		path = query ? xstrndup(target, (size_t)(query - target)) :
		    (char *)target;
		rc = curl_url_set(u->url, CURLUPART_PATH, path, 0);
		if (query != NULL)
			free(path);
		if (rc == CURLUE_OK)
			rc = curl_url_set(u->url, CURLUPART_QUERY,
			    query ? query + 1 : NULL, 0);
	} else {
		free(u->origin);
		u->origin = NULL;
		if (u->url == NULL && (u->url = curl_url()) == NULL)
			return false;
		rc = curl_url_set(u->url, CURLUPART_URL, url, 0);
		if (rc == CURLUE_OK && origin_len > 0) {
			u->origin = xstrndup(url, origin_len);
			u->origin_len = origin_len;
		}
	}
	if (rc != CURLUE_OK)
		return false;
	curl_easy_setopt(u->curl, CURLOPT_CURLU, u->url);
	return true;
}

/* What every upstream_perform call shares, after a reset. */
static void
set_fixed_options(struct upstream *u)
{
	CURL	*c = u->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* "" ignores http_proxy and friends from the environment. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header_line);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, u);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, u);
	u->plain = true;
}

/*
 * Whether rq sets only options a call of the same kind overwrites: a
 * POST with its body in memory (POSTFIELDS and its size), or a GET
 * without one (HTTPGET, which makes libcurl ignore the POSTFIELDS left
 * behind).
 */
static bool
leaves_handle_plain(const struct upstream_request *rq)
{
	if (rq->read_body != NULL || rq->nparts > 0)
		return false;
	return strcmp(rq->method, "POST") == 0 ||
	    (strcmp(rq->method, "GET") == 0 && rq->body == NULL);
}

enum upstream_result
upstream_perform(struct upstream *u, const struct upstream_request *rq,
    const struct upstream_sink *sink, double *elapsed_ms)
{
	CURL			*c = u->curl;
	struct curl_slist	*headers;
	curl_mime		*form = NULL;
	curl_off_t		 us = 0;
	CURLcode		 rc;
	bool			 plain;

	*elapsed_ms = 0;
	u->sink = sink;
	u->head_done = u->head_too_big = u->sink_aborted = false;
	head_reset(u);

	/* A call of another kind starts afresh too: a body in POSTFIELDS
	 * left behind would win over its read callback or form. */
	plain = leaves_handle_plain(rq);
	if (!u->plain || !plain)
		set_fixed_options(u);
	u->plain = plain;
	if (!set_url(u, rq->url))
		return UPSTREAM_UNREACHABLE;
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
	headers = build_headers(rq, xcalloc(rq->nheaders + 2,
	    sizeof(*headers)));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (rq->nparts > 0) {
		form = build_form(c, rq);
		curl_easy_setopt(c, CURLOPT_MIMEPOST, form);
	} else
		set_method_and_body(c, rq);

	rc = curl_easy_perform(c);
	curl_mime_free(form);

	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
	*elapsed_ms = (double)us / 1000.0;
	/* The list points at the Authorization line: drop it now. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	free(headers);
	return classify(u, rc);
}

struct download {
	struct dynbuf	 bytes;
	bool		 too_large;
};

static size_t
on_download(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct download	*d = arg;
	size_t		 n = size * nmemb;

	if (dynbuf_add(&d->bytes, ptr, n) == -1) {
		d->too_large = true;
		return 0;
	}
	return n;
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: opens the socket only for an address the
 * download's guard takes, so every address a name resolves to, and every
 * retry, is judged before anything is sent to it.
 */
static curl_socket_t
guarded_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	bool	(*address_ok)(const unsigned char *, size_t) =
	    *(bool (**)(const unsigned char *, size_t))arg;
	const struct sockaddr_in	*v4 = (const void *)&a->addr;
	const struct sockaddr_in6	*v6 = (const void *)&a->addr;

	(void)purpose;
	if (a->family == AF_INET && address_ok((const unsigned char *)
	    &v4->sin_addr, 4))
		return socket(a->family, a->socktype, a->protocol);
	if (a->family == AF_INET6 && address_ok(v6->sin6_addr.s6_addr, 16))
		return socket(a->family, a->socktype, a->protocol);
	return CURL_SOCKET_BAD;
}

enum upstream_result
upstream_download(struct upstream *u, const char *url, const char *ca_file,
    size_t cap, long timeout_ms,
    bool (*address_ok)(const unsigned char *addr, size_t len), char **out,
    size_t *len, long *status)
{
	CURL		*c = u->curl;
	struct download	 d = { .too_large = false };
	CURLcode	 rc;

	*out = NULL;
	*len = 0;
	*status = 0;
	dynbuf_init(&d.bytes, cap);
	curl_easy_reset(c);
	u->plain = false;	/* its limits stay on the handle */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_download);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
	if (ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	if (address_ok != NULL) {
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, guarded_socket);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &address_ok);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (d.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		dynbuf_free(&d.bytes);
		return UPSTREAM_TOO_LARGE;
	}
	if (rc != CURLE_OK) {
		dynbuf_free(&d.bytes);
		return rc == CURLE_OPERATION_TIMEDOUT ? UPSTREAM_TIMEOUT :
		    UPSTREAM_UNREACHABLE;
	}
	*out = dynbuf_take(&d.bytes, len);
	return UPSTREAM_DONE;
}
