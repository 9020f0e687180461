/*
 * One request/response exchange, as handlers see it.
 *
 * fcgi/ fills in the request side and supplies the I/O functions; the
 * handlers never see libfcgi.  Everything here lives until the caller
 * frees the exchange after handlers_serve() returns.
 */
#ifndef HANDLERS_EXCHANGE_H
#define HANDLERS_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct json_object;
struct route;
struct upstream;

/* A request header, named as HTTP spells it ("Content-Type"). */
struct header {
	char	*name;
	char	*value;
};

/* Client I/O, implemented by fcgi/. */
struct exchange_io {
	void	*ctx;
	/* Reads up to len body bytes: the count, 0 at the end, -1 on error. */
	long	(*read)(void *ctx, char *buf, size_t len);
	/* Queues all of buf for the client: 0, or -1 once it is gone. */
	int	(*write)(void *ctx, const char *buf, size_t len);
	/* Sends what is queued now: 0, or -1 once the client is gone. */
	int	(*flush)(void *ctx);
	/*
	 * Whether the front server has dropped the connection (the client
	 * left), without blocking; 1 if so, else 0.
	 */
	int	(*client_gone)(void *ctx);
};

struct exchange {
	/* Set by the caller before handlers_serve(). */
	const struct config	*config;
	struct upstream		*upstream;	/* the worker's, reused */
	struct exchange_io	 io;
	const char		*method;
	const char		*path;		/* raw, without the query */
	const char		*query;		/* raw, "" when none */
	const struct header	*headers;
	size_t			 nheaders;
	long			 content_length;	/* -1 when not given */
	const char		*scheme;	/* "http" or "https" */
	char			 host[256];	/* vetted "name[:port]", or "" */
	char			 request_id[64];

	/* Set while serving. */
	const struct route	*route;
	const struct route	*proxied;	/* /v1/proxy: the row reached */
	const char		*client;	/* name of the key used */
	char			*body;		/* owned, NUL-terminated */
	size_t			 body_len;
	struct json_object	*json;		/* parsed body of JSON routes */
	/*
	 * A multipart body left unread: the forwarder streams it upstream
	 * as upstream takes it, checking its framing against boundary.
	 */
	bool			 upload;
	char			 boundary[72];

	/* Outcome, for the log line. */
	int			 status;
	bool			 head_sent;
	bool			 client_gone;
	/*
	 * The answer failed after its head was sent, too late for an error
	 * envelope: fcgi/ must end the response abnormally, so the front
	 * server cuts its client off instead of presenting a cut body as
	 * whole.
	 */
	bool			 cut_short;
	size_t			 bytes_out;
	double			 upstream_ms;
	char			 upstream_request_id[64];
};

/* The value of request header name (case-insensitive), or NULL. */
const char *exchange_header(const struct exchange *ex, const char *name);

/*
 * Routes, authenticates, reads the body and runs the handler, answering
 * every failure with the JSON error envelope.  Never fails itself.
 */
void handlers_serve(struct exchange *ex);

/* Releases what serving allocated (the body); the caller owns the rest. */
void exchange_release(struct exchange *ex);

#endif
