/*
 * FastCGI params to the exchange.  Moved out of worker.c unchanged but
 * for the X-Request-Id lookup, which reads the param directly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "fcgi/params.h"
#include "handlers/exchange.h"
#include "openapi/origin.h"
#include "policy/xalloc.h"

#define REQUEST_URI_MAX		16384

/* "HTTP_X_RELAY_KEY" → "X-Relay-Key": the header as HTTP spells it. */
static char *
header_name_from_cgi(const char *cgi, size_t len)
{
	char	*name = xstrndup(cgi, len);
	bool	 word_start = true;
	size_t	 i;

	for (i = 0; i < len; i++) {
		char	c = name[i];

		if (c == '_') {
			name[i] = '-';
			word_start = true;
			continue;
		}
		name[i] = word_start ? (char)(c >= 'a' && c <= 'z' ? c - 32 :
		    c) : (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		word_start = false;
	}
	return name;
}

static void
collect_headers(FCGX_ParamArray envp, struct header **out, size_t *nout)
{
	struct header	*h = NULL;
	size_t		 n = 0, cap = 0;
	char		**p;
	const char	*eq;

	for (p = envp; *p != NULL; p++) {
		const char	*name;
		size_t		 len;

		eq = strchr(*p, '=');
		if (eq == NULL)
			continue;
		if (strncmp(*p, "HTTP_", 5) == 0) {
			name = *p + 5;
			len = (size_t)(eq - name);
		} else if (strncmp(*p, "CONTENT_TYPE=", 13) == 0) {
			name = *p;
			len = 12;
		} else {
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			h = xrealloc(h, cap * sizeof(*h));
		}
		h[n].name = header_name_from_cgi(name, len);
		h[n].value = xstrdup(eq + 1);
		n++;
	}
	*out = h;
	*nout = n;
}

/* The client's X-Request-Id if it is a plain token, else a new one. */
static void
choose_request_id(FCGX_ParamArray envp, char *buf, size_t bufsz)
{
	static const char		 hex[] = "0123456789abcdef";
	/* Ids need to be unique, not secret: seed once per thread. */
	static _Thread_local uint64_t	 state;
	const char			*given = FCGX_GetParam(
	    "HTTP_X_REQUEST_ID", envp);
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
request_target(FCGX_ParamArray envp)
{
	const char	*uri = FCGX_GetParam("REQUEST_URI", envp);
	const char	*script, *info, *qs;
	size_t		 size;
	char		*target;

	if (uri != NULL && uri[0] != '\0')
		return xstrndup(uri, strnlen(uri, REQUEST_URI_MAX));
	script = FCGX_GetParam("SCRIPT_NAME", envp);
	info = FCGX_GetParam("PATH_INFO", envp);
	qs = FCGX_GetParam("QUERY_STRING", envp);
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
 * a plain host name, else from SERVER_NAME and SERVER_PORT, else none.
 */
static void
request_origin(FCGX_ParamArray envp, struct exchange *ex)
{
	const char	*https = FCGX_GetParam("HTTPS", envp);
	const char	*rscheme = FCGX_GetParam("REQUEST_SCHEME", envp);
	const char	*host = FCGX_GetParam("HTTP_HOST", envp);
	const char	*name = FCGX_GetParam("SERVER_NAME", envp);
	const char	*port = FCGX_GetParam("SERVER_PORT", envp);
	bool		 tls;
	int		 n;

	tls = (https != NULL && (strcasecmp(https, "on") == 0 ||
	    strcmp(https, "1") == 0)) ||
	    (rscheme != NULL && strcasecmp(rscheme, "https") == 0);
	ex->scheme = tls ? "https" : "http";
	ex->host[0] = '\0';
	if (host != NULL && strlen(host) < sizeof(ex->host) &&
	    origin_host_valid(host)) {
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
	    !origin_host_valid(ex->host))
		ex->host[0] = '\0';
}

void
params_read(FCGX_ParamArray envp, struct params *p, struct exchange *ex)
{
	const char	*method = FCGX_GetParam("REQUEST_METHOD", envp);
	const char	*clen = FCGX_GetParam("CONTENT_LENGTH", envp);
	char		*query, *end;
	long		 cl;

	p->target = request_target(envp);
	query = strchr(p->target, '?');
	if (query != NULL)
		*query++ = '\0';
	collect_headers(envp, &p->headers, &p->nheaders);

	ex->method = method ? method : "";
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
	choose_request_id(envp, ex->request_id, sizeof(ex->request_id));
	request_origin(envp, ex);
}

void
params_free(struct params *p)
{
	size_t	i;

	for (i = 0; i < p->nheaders; i++) {
		free(p->headers[i].name);
		explicit_bzero(p->headers[i].value,
		    strlen(p->headers[i].value));
		free(p->headers[i].value);
	}
	free(p->headers);
	free(p->target);
	memset(p, 0, sizeof(*p));
}
