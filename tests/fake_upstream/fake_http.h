#ifndef FAKE_HTTP_H
#define FAKE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "tests/fake_upstream/fake_buf.h"

/* Largest accepted request head (request line + headers + blank line). */
#define HTTP_HEAD_MAX 65536

struct http_header {
	char *name;	/* as sent */
	char *value;	/* surrounding whitespace trimmed */
};

/* One parsed request head; every string is owned by the request. */
struct http_request {
	char *method;
	char *target;		/* raw request-target */
	char *path;		/* target before '?' */
	char *query;		/* target after '?', "" if none */
	int minor;		/* HTTP/1.<minor> */
	struct http_header *headers;
	size_t nheaders;
	int keep_alive;		/* after the answer, read the next request */
	int chunked;		/* body framed by Transfer-Encoding: chunked */
	uint64_t content_length;	/* body size when not chunked */
	int expect_continue;
};

/* A client connection and its read buffer (owned, sized for one head). */
struct http_conn {
	int fd;
	uint64_t id;
	char *buf;
	size_t cap;
	size_t start;	/* unread bytes are buf[start..end) */
	size_t end;
};

/* Takes ownership of fd (closed by http_conn_free). */
void http_conn_init(struct http_conn *c, int fd, uint64_t id);
void http_conn_free(struct http_conn *c);

/*
 * Reads and parses the next request head into req. Returns 1 when a
 * request was parsed (free it with http_request_free), 0 when the peer
 * closed between requests, -1 on I/O error or stop, or an HTTP status
 * (400, 431, 501, 505) to answer before closing; req is then empty.
 */
int http_read_head(struct http_conn *c, struct http_request *req);

/*
 * Sends "100 Continue" if the client waits for it, then streams the
 * decoded body to cb in pieces. Returns 0 when the whole body arrived,
 * -1 if it did not (peer gone, bad chunked framing, stop).
 */
int http_read_body(struct http_conn *c, const struct http_request *req,
		   void (*cb)(void *arg, const char *data, size_t len),
		   void *arg);

/* First header with this name (case-insensitive), or NULL. */
const char *http_header_get(const struct http_request *req,
			    const char *name);
/* 1 if the comma-separated list value contains token (case-insensitive). */
int http_has_token(const char *value, const char *token);
void http_request_free(struct http_request *req);

/* Standard reason phrase, or "Unknown". */
const char *http_reason(int status);
/* Appends "HTTP/1.1 <status> <reason>\r\n". */
void http_head_begin(struct buf *b, int status);
/* Appends "name: value\r\n". */
void http_head_add(struct buf *b, const char *name, const char *value);
/* Appends the Connection header the request's keep-alive state needs. */
void http_head_connection(struct buf *b, const struct http_request *req);

/*
 * Sends a complete response with Content-Length: status, optional
 * content type, extra header lines (each "Name: value\r\n", may be NULL)
 * and body. req may be NULL (malformed request): the connection is then
 * announced as closing. Returns 0, or -1 if the peer is gone.
 */
int http_send(struct http_conn *c, const struct http_request *req, int status,
	      const char *content_type, const char *extra_headers,
	      const char *body, size_t len);

#endif
