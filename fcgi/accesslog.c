#include <stdio.h>
#include <string.h>

#include "fcgi/accesslog.h"
#include "handlers/exchange.h"
#include "policy/route.h"

/* Copies s into buf with anything but plain visible ASCII as \xHH. */
static const char *
escape(const char *s, char *buf, size_t bufsz)
{
	size_t	o = 0;

	if (s == NULL || *s == '\0')
		return "-";
	for (; *s != '\0' && o + 5 < bufsz; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

void
accesslog_write(FCGX_Stream *err, const struct exchange *ex, double total_ms)
{
	char	line[768], method[48], urid[96];
	int	n;

	n = snprintf(line, sizeof(line), "relay: rid=%s client=%s method=%s "
	    "route=%s status=%d in=%lu out=%lu upstream_ms=%.1f "
	    "total_ms=%.1f upstream_rid=%s%s%s%s%s\n",
	    ex->request_id, ex->client ? ex->client : "-",
	    escape(ex->method, method, sizeof(method)),
	    ex->route ? ex->route->path : "-", ex->status,
	    (unsigned long)ex->body_len, (unsigned long)ex->bytes_out,
	    ex->upstream_ms, total_ms,
	    escape(ex->upstream_request_id, urid, sizeof(urid)),
	    ex->proxied ? " proxied_method=" : "",
	    ex->proxied ? method_name(ex->proxied->method) : "",
	    ex->proxied ? " proxied_route=" : "",
	    ex->proxied ? ex->proxied->path : "");
	if (n <= 0)
		return;
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	/*
	 * With the client gone the FastCGI connection is closed too, and a
	 * response cut short is about to reset it, so its error stream goes
	 * nowhere: use the process's own stderr, which the shipped configs
	 * send to the same error log.
	 */
	if (ex->client_gone || ex->cut_short)
		fwrite(line, 1, (size_t)n, stderr);
	else
		FCGX_PutStr(line, n, err);
}
