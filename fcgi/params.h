/*
 * The request as the front server describes it in FastCGI params (the
 * CGI/1.1 variables): target, headers, body length, request id and the
 * origin the client addressed.  Every param is client data or derived
 * from it.  Pure: it reads the array libfcgi hands over and does no I/O,
 * so the fuzz driver (tests/fuzz/fuzz_params.c) reaches all of it.
 */
#ifndef FCGI_PARAMS_H
#define FCGI_PARAMS_H

#include <stddef.h>

#include <fcgiapp.h>

struct exchange;
struct header;

/* What params_read allocates, for params_free. */
struct params {
	char		*target;	/* path, NUL where the query began */
	struct header	*headers;
	size_t		 nheaders;
	char		*strings;	/* the headers' names and values */
	size_t		 strings_len;
};

/*
 * Fills the request side of ex from envp: method, path, query, headers
 * (HTTP_* and CONTENT_TYPE, named as HTTP spells them), content_length
 * (-1 unless a plain non-negative number), request_id (the client's
 * X-Request-Id if it is a plain token, else a new one), scheme and host,
 * and whether the front server asks as a FastCGI authorizer.
 * ex points into p and envp, which must outlive it.  Aborts on
 * out-of-memory only.
 */
void params_read(FCGX_ParamArray envp, struct params *p, struct exchange *ex);

/* Frees what params_read allocated, wiping header values. */
void params_free(struct params *p);

#endif
