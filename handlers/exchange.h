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

#include "handlers/limits.h"
#include "handlers/reqbody.h"
#include "policy/body.h"
#include "policy/usage.h"

struct config;
struct json_object;
struct key_entry;
struct keyset;
struct route;
struct state;
struct upstream;

/* A request header, named as HTTP spells it ("Content-Type"). */
struct header {
	char	*name;
	char	*value;
};

/* Client I/O, implemented by fcgi/. */
struct exchange_io {
	void	*ctx;
	/*
	 * Reads up to len body bytes, waiting until it has them all or the
	 * body ends: the count, 0 at the end, -1 if reading failed (the
	 * connection broke, or the client paused longer than
	 * RELAY_BODY_IDLE_TIMEOUT).  Handlers read through ex->in instead.
	 */
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
	struct state		*state;		/* the worker's store handle */
	const struct keyset	*keys;		/* the keys accepted, held by
						   the caller until the end */
	struct exchange_io	 io;
	const char		*method;
	const char		*path;		/* raw, without the query */
	const char		*query;		/* raw, "" when none */
	const struct header	*headers;
	size_t			 nheaders;
	long			 content_length;	/* -1 when not given */
	/*
	 * The FastCGI authorizer role: lighttpd asks, before it reads the
	 * body, whether the request may go on to the responder.  No body
	 * comes with it.
	 */
	bool			 authorize_only;
	const char		*scheme;	/* "http" or "https" */
	char			 host[256];	/* vetted "name[:port]", or "" */
	/* The front server's address the client reached (SERVER_ADDR). */
	char			 server_addr[64];
	/*
	 * An inner exchange (an MCP tools/call run through this pipeline):
	 * the entry of the key the outer request was authenticated with
	 * (in keys), which this one then acts for, limits included.  NULL
	 * for a client's own request.
	 */
	const struct key_entry	*inner_key;
	char			 request_id[64];

	/* Set while serving. */
	struct reqbody		 in;		/* the request body, as read */
	const struct route	*route;
	const struct route	*proxied;	/* /v1/proxy: the row reached */
	/*
	 * Who is calling: the entry of the key presented (in keys), whose
	 * limits apply; NULL until authenticated (and on public routes).
	 */
	const struct key_entry	*key;
	char			*body;		/* owned, NUL-terminated */
	size_t			 body_len;
	/*
	 * A JSON body's top-level facts; its json-c tree only for the
	 * handlers that read its fields (handlers/serve.c says which).
	 */
	struct body_facts	 facts;
	struct json_object	*json;
	/*
	 * A multipart body left unread: the forwarder streams it upstream
	 * as upstream takes it, checking its framing against boundary.
	 */
	bool			 upload;
	char			 boundary[72];
	/*
	 * That form's one plain "model" field, "" when it has none (or an
	 * unclear one): read as the form streams past, final once all of it
	 * has been read, which is before its closing boundary goes upstream
	 * (forward.c, upload_form_read).  For per-key policy and usage.
	 */
	char			 form_model[256];

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
	/*
	 * What the call cost, as upstream reported it (summed over a
	 * wrapper's calls), and whether an event stream ended without its
	 * end; for usage, the key's token budget and the log line.
	 */
	struct usage_tokens	 usage;
	bool			 stream_incomplete;
	/* The key's concurrency slot, if it holds one. */
	struct limits_slot	 slot;
	/* A rate refusal's Retry-After, in seconds; 0: none. */
	long			 retry_after_s;
	double			 upstream_ms;
	char			 upstream_request_id[64];
};

/* The value of request header name (case-insensitive), or NULL. */
const char *exchange_header(const struct exchange *ex, const char *name);

/*
 * Routes, authenticates, reads the body and runs the handler, answering
 * every failure with the JSON error envelope.  Never fails itself.  With
 * authorize_only it stops before the body: 200 with no body if the
 * request may go on, else the error it would get.
 */
void handlers_serve(struct exchange *ex);

/* Releases what serving allocated (the body); the caller owns the rest. */
void exchange_release(struct exchange *ex);

#endif
