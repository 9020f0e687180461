/*
 * handlers_serve() on an exchange held in memory: a request as a test
 * writes it, served through an in-memory exchange_io (the client side
 * fcgi/ would give it), with the scripted upstream behind (see
 * scripted_upstream.h); the answer as the relay wrote it.
 */
#ifndef TESTS_UNIT_MEM_EXCHANGE_H
#define TESTS_UNIT_MEM_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct json_object;

struct mem_request {
	const char		*method;
	const char		*target;	/* the path, then "?query" */
	const char *const	*headers;	/* "Name: value", NULL-ended */
	const char		*body;		/* NULL: none */
	size_t			 body_len;
	/*
	 * The Content-Length the front server passes on: 0 for the body's
	 * own, -1 for none (a chunked body through Apache or nginx).
	 */
	long			 declared_length;
	/* The client leaves once this many answer bytes are written. */
	size_t			 gone_after;	/* 0: it stays */
	/*
	 * Asked in lighttpd's FastCGI authorizer role: the head alone, and
	 * reading a body fails the test (none is sent).
	 */
	bool			 authorize_only;
	/*
	 * A keys file's text, whose keys join the config's (NULL: none);
	 * with cfg's RELAY_STATE set, the exchange gets a store handle.
	 */
	const char		*keys_file;
};

#define MEM_FLUSHES_MAX	64

struct mem_reply {
	int	 status;		/* of the "Status:" line; 0: none */
	char	*head;			/* the header block */
	char	*body;			/* what followed it */
	size_t	 body_len;
	/* Where in the body each flush was (the first MEM_FLUSHES_MAX). */
	size_t	 flush_at[MEM_FLUSHES_MAX];
	size_t	 flushes;
	size_t	 consumed;		/* request body bytes the relay read */
	/* The exchange's outcome, as fcgi/ would log and act on it. */
	int	 logged_status;
	bool	 cut_short;
	bool	 client_gone;
	char	 client[64];		/* the key it acted for, as logged */
};

/*
 * A configuration: the defaults, then settings, "NAME=value" strings
 * (NULL-ended); fails the test on a bad one.  config_free() it.
 */
void	 mem_config(struct config *cfg, const char *const conf_lines[]);

/* Serves rq with cfg into *out (mem_reply_free it). */
void	 mem_serve(const struct config *cfg, const struct mem_request *rq,
	    struct mem_reply *out);
void	 mem_reply_free(struct mem_reply *r);

/* The value of answer header name (a copy to free), or NULL. */
char	*mem_header(const struct mem_reply *r, const char *name);
/* The body as JSON (put it), or NULL. */
struct json_object *mem_json(const struct mem_reply *r);
/* error.code of the relay's envelope in r (a static copy), or "". */
const char *mem_error_code(const struct mem_reply *r);

#endif
