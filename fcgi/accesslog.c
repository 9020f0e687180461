#include <stdio.h>
#include <string.h>

#include "fcgi/accesslog.h"
#include "handlers/exchange.h"
#include "policy/keys.h"
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

/*
 * The line is put together by hand: snprintf with two %.1f cost about
 * 6,000 instructions a request, a tenth of everything the relay's own
 * code did (make bench, callgrind).  Output stops at the end of the
 * buffer, as snprintf's would.
 */
struct line {
	char	*buf;
	size_t	 len, size;	/* size counts the NUL */
};

static void
put(struct line *l, const char *s)
{
	size_t	n = strlen(s);

	if (n > l->size - 1 - l->len)
		n = l->size - 1 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void
put_ulong(struct line *l, unsigned long v)
{
	char	digits[24];
	size_t	i = sizeof(digits) - 1;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	put(l, digits + i);
}

/* Milliseconds with one decimal, rounded, as %.1f prints them. */
static void
put_ms(struct line *l, double ms)
{
	unsigned long	tenths = ms > 0 ? (unsigned long)(ms * 10.0 + 0.5) : 0;

	put_ulong(l, tenths / 10);
	put(l, ".");
	put_ulong(l, tenths % 10);
}

/* A token count; none reported is 0. */
static void
put_tokens(struct line *l, long long n)
{
	put_ulong(l, n > 0 ? (unsigned long)n : 0);
}

void
accesslog_write(FCGX_Stream *err, const struct exchange *ex, double total_ms)
{
	char		buf[896], method[48], urid[96];
	struct line	line = { buf, 0, sizeof(buf) };
	int		n;

	put(&line, "relay: rid=");
	put(&line, ex->request_id);
	put(&line, " client=");
	put(&line, ex->key ? ex->key->name : "-");
	put(&line, " method=");
	put(&line, escape(ex->method, method, sizeof(method)));
	put(&line, " route=");
	put(&line, ex->route ? ex->route->path : "-");
	put(&line, " status=");
	/* Statuses are 0 (none yet) or 100-599. */
	put_ulong(&line, ex->status > 0 ? (unsigned long)ex->status : 0);
	put(&line, " in=");
	put_ulong(&line, (unsigned long)ex->body_len);
	put(&line, " out=");
	put_ulong(&line, (unsigned long)ex->bytes_out);
	put(&line, " upstream_ms=");
	put_ms(&line, ex->upstream_ms);
	put(&line, " total_ms=");
	put_ms(&line, total_ms);
	put(&line, " upstream_rid=");
	put(&line, escape(ex->upstream_request_id, urid, sizeof(urid)));
	put(&line, " tokens_in=");
	put_tokens(&line, ex->usage.input);
	put(&line, " tokens_out=");
	put_tokens(&line, ex->usage.output);
	put(&line, " tokens=");
	put_tokens(&line, ex->usage.total);
	if (ex->stream_incomplete)
		put(&line, " stream=incomplete");
	if (ex->proxied) {
		put(&line, " proxied_method=");
		put(&line, method_name(ex->proxied->method));
		put(&line, " proxied_route=");
		put(&line, ex->proxied->path);
	}
	put(&line, "\n");
	n = (int)line.len;
	/*
	 * With the client gone the FastCGI connection is closed too, and a
	 * response cut short is about to reset it, so its error stream goes
	 * nowhere: use the process's own stderr, which the shipped configs
	 * send to the same error log.
	 */
	if (ex->client_gone || ex->cut_short)
		fwrite(buf, 1, (size_t)n, stderr);
	else
		FCGX_PutStr(buf, n, err);
}
