/*
 * FastCGI params to the exchange: the request target, the headers as HTTP
 * spells them, Content-Length, the request id and the origin.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "fcgi/params.h"
#include "handlers/exchange.h"
#include "policy/headers.h"
#include "policy/util.h"
#include "policy/xalloc.h"

#define REQUEST_URI_MAX		16384

/*
 * "HTTP_X_RELAY_KEY" → "X-Relay-Key": the header as HTTP spells it,
 * written to out with its NUL.
 */
static void
header_name_from_cgi(const char *cgi, size_t len, char *out)
{
	bool	 word_start = true;
	size_t	 i;

	for (i = 0; i < len; i++) {
		char	c = cgi[i];

		if (c == '_') {
			out[i] = '-';
			word_start = true;
			continue;
		}
		out[i] = word_start ? (char)(c >= 'a' && c <= 'z' ? c - 32 :
		    c) : (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		word_start = false;
	}
	out[len] = '\0';
}

/*
 * The length of a param's name, before its "="; -1 if it has none.
 * Names are compared by length first, then their bytes: strncmp against
 * each name looked for cost about 4,500 instructions a request (make
 * bench, callgrind).
 */
static ptrdiff_t
name_len(const char *param)
{
	const char	*eq = strchr(param, '=');

	return eq != NULL ? eq - param : -1;
}

/* The header a param carries: its CGI name and length; false if none. */
static bool
header_param(const char *param, const char **name, size_t *len)
{
	ptrdiff_t	n = name_len(param);

	if (n == 12 && memcmp(param, "CONTENT_TYPE", 12) == 0) {
		*name = param;
		*len = 12;
		return true;
	}
	if (n <= 5 || memcmp(param, "HTTP_", 5) != 0)
		return false;
	*name = param + 5;
	*len = (size_t)n - 5;
	return true;
}

/*
 * The params read by name, found in one pass: FCGX_GetParam scans the
 * array for each, a dozen times a request (make bench, callgrind).
 * NULL for those not sent; the first wins, as with FCGX_GetParam.
 */
struct cgi {
	const char	*method, *content_length, *role, *request_uri;
	const char	*script_name, *path_info, *query_string;
	const char	*https, *request_scheme, *host, *server_name;
	const char	*server_port, *server_addr, *request_id;
};

static void
cgi_find(FCGX_ParamArray envp, struct cgi *c)
{
#define WANT(name, field) { name, sizeof(name) - 1, offsetof(struct cgi, field) }
	static const struct {
		const char	*name;
		ptrdiff_t	 len;
		size_t		 offset;
	} wanted[] = {
		WANT("REQUEST_METHOD", method),
		WANT("CONTENT_LENGTH", content_length),
		WANT("FCGI_ROLE", role),
		WANT("REQUEST_URI", request_uri),
		WANT("SCRIPT_NAME", script_name),
		WANT("PATH_INFO", path_info),
		WANT("QUERY_STRING", query_string),
		WANT("HTTPS", https),
		WANT("REQUEST_SCHEME", request_scheme),
		WANT("HTTP_HOST", host),
		WANT("SERVER_NAME", server_name),
		WANT("SERVER_PORT", server_port),
		WANT("SERVER_ADDR", server_addr),
		WANT("HTTP_X_REQUEST_ID", request_id),
	};
#undef WANT
	const char	**field;
	char		**e;
	ptrdiff_t	  n;
	size_t		  i;

	memset(c, 0, sizeof(*c));
	for (e = envp; *e != NULL; e++) {
		n = name_len(*e);
		for (i = 0; i < NELEM(wanted); i++) {
			if (wanted[i].len != n ||
			    memcmp(*e, wanted[i].name, (size_t)n) != 0)
				continue;
			field = (const char **)(void *)((char *)c +
			    wanted[i].offset);
			if (*field == NULL)
				*field = *e + n + 1;
			break;
		}
	}
}

/*
 * The headers, their names and values copied into one allocation
 * (p->strings) sized by a first pass: a string each cost two
 * allocations and frees a header (make bench, callgrind).
 */
static void
collect_headers(FCGX_ParamArray envp, struct params *p)
{
	const char	*name;
	size_t		 n = 0, bytes = 0, len, vlen;
	char		**e, *at;

	for (e = envp; *e != NULL; e++)
		if (header_param(*e, &name, &len)) {
			n++;
			bytes += strlen(*e) + 1;	/* both, and two NULs */
		}
	p->headers = n > 0 ? xcalloc(n, sizeof(*p->headers)) : NULL;
	p->strings = at = bytes > 0 ? xmalloc(bytes) : NULL;
	p->strings_len = bytes;
	p->nheaders = 0;
	for (e = envp; *e != NULL; e++) {
		if (!header_param(*e, &name, &len))
			continue;
		header_name_from_cgi(name, len, at);
		p->headers[p->nheaders].name = at;
		at += len + 1;
		vlen = strlen(name + len + 1);
		memcpy(at, name + len + 1, vlen + 1);
		p->headers[p->nheaders].value = at;
		at += vlen + 1;
		p->nheaders++;
	}
}

static void
choose_request_id(const struct cgi *c, char *buf, size_t bufsz)
{
	static const char		 hex[] = "0123456789abcdef";
	/* Ids need to be unique, not secret: seed once per thread. */
	static _Thread_local uint64_t	 state;
	const char			*given = c->request_id;
	uint64_t			 x = 0;
	size_t				 i;

	if (given != NULL && given[0] != '\0' && strlen(given) < bufsz &&
	    strlen(given) <= 64 && strspn(given, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(given)) {
		snprintf(buf, bufsz, "%s", given);
		return;
	}
	if (state == 0 && getrandom(&state, sizeof(state), 0) !=
	    (ssize_t)sizeof(state))
		state = (uint64_t)(uintptr_t)&state ^ (uint64_t)time(NULL);
	/* 24 hex digits from two steps of splitmix64. */
	for (i = 0; i < 24 && i + 1 < bufsz; i++) {
		if (i % 12 == 0) {
			x = (state += 0x9e3779b97f4a7c15ULL);
			x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
			x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
			x ^= x >> 31;
		}
		buf[i] = hex[x & 15];
		x >>= 4;
	}
	buf[i] = '\0';
}

/*
 * The request target.  REQUEST_URI is what the client sent, whatever a
 * server made of SCRIPT_NAME and PATH_INFO; servers without it get the
 * CGI reconstruction.
 */
static char *
request_target(const struct cgi *c)
{
	const char	*uri = c->request_uri;
	const char	*script, *info, *qs;
	size_t		 size;
	char		*target;

	if (uri != NULL && uri[0] != '\0')
		return xstrndup(uri, strnlen(uri, REQUEST_URI_MAX));
	script = c->script_name;
	info = c->path_info;
	qs = c->query_string;
	script = script ? script : "";
	info = info ? info : "";
	qs = qs ? qs : "";
	size = strlen(script) + strlen(info) + strlen(qs) + 2;
	target = xmalloc(size);
	snprintf(target, size, "%s%s%s%s", script, info, qs[0] ? "?" : "", qs);
	return target;
}

/*
 * The origin the client addressed, for the documents that name it: the
 * scheme from HTTPS or REQUEST_SCHEME; the host from Host when that is
 * a plain host name, else from SERVER_NAME and SERVER_PORT, else none;
 * and the address it reached (SERVER_ADDR), for RELAY_MCP=open.
 */
static void
request_origin(const struct cgi *c, struct exchange *ex)
{
	const char	*https = c->https;
	const char	*rscheme = c->request_scheme;
	const char	*host = c->host;
	const char	*name = c->server_name;
	const char	*port = c->server_port;
	const char	*addr = c->server_addr;
	bool		 tls;
	int		 n;

	tls = (https != NULL && (strcasecmp(https, "on") == 0 ||
	    strcmp(https, "1") == 0)) ||
	    (rscheme != NULL && strcasecmp(rscheme, "https") == 0);
	ex->scheme = tls ? "https" : "http";
	snprintf(ex->server_addr, sizeof(ex->server_addr), "%s",
	    addr != NULL ? addr : "");
	ex->host[0] = '\0';
	if (host != NULL && strlen(host) < sizeof(ex->host) &&
	    headers_host_valid(host)) {
		snprintf(ex->host, sizeof(ex->host), "%s", host);
		return;
	}
	if (name == NULL)
		return;
	if (port != NULL && strcmp(port, tls ? "443" : "80") != 0)
		n = snprintf(ex->host, sizeof(ex->host), "%s:%s", name, port);
	else
		n = snprintf(ex->host, sizeof(ex->host), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(ex->host) ||
	    !headers_host_valid(ex->host))
		ex->host[0] = '\0';
}

void
params_read(FCGX_ParamArray envp, struct params *p, struct exchange *ex)
{
	struct cgi	 c;
	const char	*clen;
	char		*query, *end;
	long		 cl;

	cgi_find(envp, &c);
	clen = c.content_length;
	p->target = request_target(&c);
	query = strchr(p->target, '?');
	if (query != NULL)
		*query++ = '\0';
	collect_headers(envp, p);

	ex->method = c.method ? c.method : "";
	ex->path = p->target;
	ex->query = query ? query : "";
	ex->headers = p->headers;
	ex->nheaders = p->nheaders;
	ex->content_length = -1;
	if (clen != NULL && clen[0] != '\0') {
		errno = 0;
		cl = strtol(clen, &end, 10);
		if (errno == 0 && *end == '\0' && cl >= 0)
			ex->content_length = cl;
	}
	/* libfcgi puts the role first, from the front server's record. */
	ex->authorize_only = c.role != NULL && strcmp(c.role, "AUTHORIZER") == 0;
	choose_request_id(&c, ex->request_id, sizeof(ex->request_id));
	request_origin(&c, ex);
}

void
params_free(struct params *p)
{
	/* Names and values alike: the values may hold keys. */
	if (p->strings != NULL)
		explicit_bzero(p->strings, p->strings_len);
	free(p->strings);
	free(p->headers);
	free(p->target);
	memset(p, 0, sizeof(*p));
}
