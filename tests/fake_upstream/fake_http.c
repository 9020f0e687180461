#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tests/fake_upstream/fake_http.h"
#include "tests/fake_upstream/fake_io.h"

/* Room for a maximal head plus some slack so body reads are not tiny. */
#define CONN_BUF_SIZE (HTTP_HEAD_MAX + 4096)
/* Chunk-size lines and trailer lines longer than this are not HTTP. */
#define CHUNK_LINE_MAX 4096

void http_conn_init(struct http_conn *c, int fd, uint64_t id)
{
	c->fd = fd;
	c->id = id;
	c->buf = xmalloc(CONN_BUF_SIZE);
	c->cap = CONN_BUF_SIZE;
	c->start = 0;
	c->end = 0;
}

void http_conn_free(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

/*
 * Reads more bytes after the unread ones. Returns the count read, 0 at
 * EOF, -1 on error/stop, -2 when the buffer is full of unread bytes.
 */
static ssize_t conn_fill(struct http_conn *c)
{
	ssize_t n;

	if (c->start == c->end) {
		c->start = 0;
		c->end = 0;
	} else if (c->end == c->cap && c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == c->cap)
		return -2;
	n = io_read(c->fd, c->buf + c->end, c->cap - c->end);
	if (n > 0)
		c->end += (size_t)n;
	return n;
}

/*
 * Returns a pointer to the next line (without its LF and any CR before
 * it) and its length in *len, or NULL if the peer closed, failed, or the
 * line exceeds max bytes. The line stays valid until the next read.
 */
static const char *conn_line(struct http_conn *c, size_t max, size_t *len)
{
	for (;;) {
		char *p = c->buf + c->start;
		char *nl = memchr(p, '\n', c->end - c->start);

		if (nl != NULL) {
			size_t n = (size_t)(nl - p);

			c->start += n + 1;
			if (n > 0 && p[n - 1] == '\r')
				n--;
			*len = n;
			return p;
		}
		if (c->end - c->start >= max || conn_fill(c) <= 0)
			return NULL;
	}
}

static int is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch));
}

static int is_token(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

int http_has_token(const char *value, const char *token)
{
	size_t tlen = strlen(token);
	const char *p = value;

	while (*p != '\0') {
		const char *end;
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p;
		while (*end != '\0' && *end != ',')
			end++;
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(p, token, tlen) == 0)
			return 1;
		p = end;
	}
	return 0;
}

const char *http_header_get(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

void http_request_free(struct http_request *req)
{
	free(req->method);
	free(req->target);
	free(req->path);
	free(req->query);
	for (size_t i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	memset(req, 0, sizeof(*req));
}

/* Offset just past the blank line ending the head in p[0..n), or 0. */
static size_t head_end(const char *p, size_t n)
{
	const char *s = p;

	for (;;) {
		const char *nl = memchr(s, '\n', n - (size_t)(s - p));

		if (nl == NULL)
			return 0;
		s = nl + 1;
		if (s < p + n && *s == '\n')
			return (size_t)(s - p) + 1;
		if (s + 1 < p + n && s[0] == '\r' && s[1] == '\n')
			return (size_t)(s - p) + 2;
	}
}

static int parse_request_line(struct http_request *req, const char *line,
			      size_t n)
{
	const char *sp1 = memchr(line, ' ', n);
	const char *sp2, *ver, *q;
	size_t tlen, vlen;

	if (sp1 == NULL || !is_token(line, (size_t)(sp1 - line)))
		return 400;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
	if (sp2 == NULL)
		return 400;
	tlen = (size_t)(sp2 - (sp1 + 1));
	if (tlen == 0)
		return 400;
	for (size_t i = 0; i < tlen; i++) {
		unsigned char ch = (unsigned char)sp1[1 + i];

		if (ch <= 0x20 || ch == 0x7f)
			return 400;
	}
	ver = sp2 + 1;
	vlen = n - (size_t)(ver - line);
	if (vlen == 8 && memcmp(ver, "HTTP/1.", 7) == 0 &&
	    (ver[7] == '0' || ver[7] == '1'))
		req->minor = ver[7] - '0';
	else if (vlen >= 5 && memcmp(ver, "HTTP/", 5) == 0)
		return 505;
	else
		return 400;
	req->method = xstrndup(line, (size_t)(sp1 - line));
	req->target = xstrndup(sp1 + 1, tlen);
	q = memchr(req->target, '?', tlen);
	if (q != NULL) {
		req->path = xstrndup(req->target, (size_t)(q - req->target));
		req->query = xstrndup(q + 1, tlen - (size_t)(q - req->target) - 1);
	} else {
		req->path = xstrndup(req->target, tlen);
		req->query = xstrndup("", 0);
	}
	return 0;
}

static int parse_header_line(struct http_request *req, const char *line,
			     size_t n, size_t *cap)
{
	const char *colon = memchr(line, ':', n);
	const char *v, *vend = line + n;
	struct http_header *h;

	/* Obsolete line folding and "Name :" are both rejected by RFC 9112. */
	if (colon == NULL || !is_token(line, (size_t)(colon - line)))
		return 400;
	v = colon + 1;
	while (v < vend && (*v == ' ' || *v == '\t'))
		v++;
	while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	if (req->nheaders == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		req->headers = xrealloc(req->headers, *cap * sizeof(*req->headers));
	}
	h = &req->headers[req->nheaders++];
	h->name = xstrndup(line, (size_t)(colon - line));
	h->value = xstrndup(v, (size_t)(vend - v));
	return 0;
}

/* Derives body framing and connection handling from the headers. */
static int parse_semantics(struct http_request *req)
{
	int have_len = 0, have_te = 0, te_chunked = 0;
	const char *conn;

	req->keep_alive = req->minor >= 1;
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (strcasecmp(h->name, "Content-Length") == 0) {
			char *end;
			unsigned long long v;

			if (h->value[0] < '0' || h->value[0] > '9')
				return 400;
			errno = 0;
			v = strtoull(h->value, &end, 10);
			if (errno != 0 || *end != '\0' ||
			    (have_len && v != req->content_length))
				return 400;
			req->content_length = v;
			have_len = 1;
		} else if (strcasecmp(h->name, "Transfer-Encoding") == 0) {
			/* Only the last coding decides how the body ends. */
			const char *last = strrchr(h->value, ',');

			last = last ? last + 1 : h->value;
			while (*last == ' ' || *last == '\t')
				last++;
			te_chunked = strcasecmp(last, "chunked") == 0;
			have_te = 1;
		} else if (strcasecmp(h->name, "Expect") == 0) {
			if (req->minor >= 1 && http_has_token(h->value, "100-continue"))
				req->expect_continue = 1;
		}
	}
	if (have_te) {
		/* A body with no knowable end cannot be read from a client. */
		if (!te_chunked)
			return 501;
		req->chunked = 1;
		req->content_length = 0;
	}
	conn = http_header_get(req, "Connection");
	if (conn != NULL) {
		if (http_has_token(conn, "close"))
			req->keep_alive = 0;
		else if (http_has_token(conn, "keep-alive"))
			req->keep_alive = 1;
	}
	return 0;
}

static int parse_head(struct http_request *req, const char *p, size_t n)
{
	const char *end = p + n;
	size_t cap = 0;
	int first = 1;

	if (memchr(p, '\0', n) != NULL)
		return 400;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p);
		int rc;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if (first)
			rc = parse_request_line(req, p, len);
		else
			rc = parse_header_line(req, p, len, &cap);
		if (rc != 0)
			return rc;
		first = 0;
		p = nl + 1;
	}
	return parse_semantics(req);
}

int http_read_head(struct http_conn *c, struct http_request *req)
{
	size_t len;
	int rc;

	memset(req, 0, sizeof(*req));
	for (;;) {
		ssize_t n;

		/* RFC 9112: ignore empty lines before a request line. */
		while (c->start < c->end &&
		       (c->buf[c->start] == '\r' || c->buf[c->start] == '\n'))
			c->start++;
		len = head_end(c->buf + c->start, c->end - c->start);
		if (len != 0)
			break;
		if (c->end - c->start >= HTTP_HEAD_MAX)
			return 431;
		n = conn_fill(c);
		if (n == 0)
			return c->start == c->end ? 0 : -1;
		if (n < 0)
			return -1;
	}
	if (len > HTTP_HEAD_MAX)
		return 431;
	rc = parse_head(req, c->buf + c->start, len);
	c->start += len;
	if (rc != 0) {
		http_request_free(req);
		return rc;
	}
	return 1;
}

/* Passes up to want bytes of body on to cb. Returns 0, or -1 if cut off. */
static int body_copy(struct http_conn *c, uint64_t want,
		     void (*cb)(void *, const char *, size_t), void *arg)
{
	while (want > 0) {
		size_t avail = c->end - c->start;

		if (avail == 0) {
			if (conn_fill(c) <= 0)
				return -1;
			continue;
		}
		if (avail > want)
			avail = (size_t)want;
		cb(arg, c->buf + c->start, avail);
		c->start += avail;
		want -= avail;
	}
	return 0;
}

static int body_chunked(struct http_conn *c,
			void (*cb)(void *, const char *, size_t), void *arg)
{
	for (;;) {
		size_t n, i;
		const char *line = conn_line(c, CHUNK_LINE_MAX, &n);
		uint64_t size = 0;

		if (line == NULL)
			return -1;
		for (i = 0; i < n; i++) {
			char ch = line[i];
			int d;

			if (ch >= '0' && ch <= '9')
				d = ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				d = ch - 'a' + 10;
			else if (ch >= 'A' && ch <= 'F')
				d = ch - 'A' + 10;
			else
				break;
			if (size >> 59)
				return -1;
			size = size << 4 | (uint64_t)d;
		}
		/* At least one digit, then nothing or an extension. */
		if (i == 0 || (i < n && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
			return -1;
		if (size == 0)
			break;
		if (body_copy(c, size, cb, arg) < 0)
			return -1;
		line = conn_line(c, CHUNK_LINE_MAX, &n);
		if (line == NULL || n != 0)
			return -1;
	}
	/* Trailer fields are read and dropped: nothing in the tests sends them. */
	for (size_t total = 0;;) {
		size_t n;

		if (conn_line(c, CHUNK_LINE_MAX, &n) == NULL)
			return -1;
		if (n == 0)
			return 0;
		total += n;
		if (total > HTTP_HEAD_MAX)
			return -1;
	}
}

int http_read_body(struct http_conn *c, const struct http_request *req,
		   void (*cb)(void *arg, const char *data, size_t len),
		   void *arg)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (req->expect_continue && (req->chunked || req->content_length > 0) &&
	    io_write_all(c->fd, cont, sizeof(cont) - 1) < 0)
		return -1;
	if (req->chunked)
		return body_chunked(c, cb, arg);
	return body_copy(c, req->content_length, cb, arg);
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

void http_head_begin(struct buf *b, int status)
{
	buf_printf(b, "HTTP/1.1 %d %s\r\n", status, http_reason(status));
}

void http_head_add(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s: %s\r\n", name, value);
}

void http_head_connection(struct buf *b, const struct http_request *req)
{
	if (req == NULL || !req->keep_alive)
		http_head_add(b, "Connection", "close");
	else if (req->minor == 0)
		http_head_add(b, "Connection", "keep-alive");
}

int http_send(struct http_conn *c, const struct http_request *req, int status,
	      const char *content_type, const char *extra_headers,
	      const char *body, size_t len)
{
	struct buf b = { 0 };
	int rc;

	http_head_begin(&b, status);
	if (content_type != NULL)
		http_head_add(&b, "Content-Type", content_type);
	buf_printf(&b, "Content-Length: %zu\r\n", len);
	http_head_connection(&b, req);
	if (extra_headers != NULL)
		buf_puts(&b, extra_headers);
	buf_puts(&b, "\r\n");
	/* One write for small answers: fewer packets, no Nagle interplay. */
	if (len <= 65536) {
		buf_append(&b, body, len);
		rc = io_write_all(c->fd, b.data, b.len);
	} else {
		rc = io_write_all(c->fd, b.data, b.len);
		if (rc == 0)
			rc = io_write_all(c->fd, body, len);
	}
	buf_free(&b);
	return rc;
}
