#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/reply.h"

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 424: return "Failed Dependency";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default:  return "Status";
	}
}

static void
head_append(struct reply_head *h, const char *name, const char *value)
{
	size_t	namelen = strlen(name), valuelen = strlen(value);
	char	*o = h->buf + h->len;

	/* Whole lines only, and two bytes kept for the blank line that ends
	 * the block.  Plain copies: this runs for every header of every
	 * answer, where snprintf showed in the profile. */
	if (namelen + valuelen + 4 > sizeof(h->buf) - h->len - 2)
		return;
	memcpy(o, name, namelen);
	memcpy(o + namelen, ": ", 2);
	memcpy(o + namelen + 2, value, valuelen);
	memcpy(o + namelen + 2 + valuelen, "\r\n", 2);
	h->len += namelen + valuelen + 4;
}

void
reply_head_init(struct reply_head *h, const struct exchange *ex, int status)
{
	char	line[64];

	h->len = 0;
	h->status = status;
	snprintf(line, sizeof(line), "%d %s", status, reason_phrase(status));
	head_append(h, "Status", line);
	head_append(h, "X-Relay-Request-Id", ex->request_id);
}

void
reply_head_add(struct reply_head *h, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return;
	head_append(h, name, value);
}

static int
io_write(struct exchange *ex, const char *buf, size_t len)
{
	if (ex->client_gone)
		return -1;
	if (len > 0 && ex->io.write(ex->io.ctx, buf, len) == -1) {
		ex->client_gone = true;
		return -1;
	}
	return 0;
}

int
reply_head_send(struct exchange *ex, struct reply_head *h)
{
	memcpy(h->buf + h->len, "\r\n", 2);
	h->len += 2;
	ex->status = h->status;
	ex->head_sent = true;
	return io_write(ex, h->buf, h->len);
}

int
reply_write(struct exchange *ex, const char *buf, size_t len)
{
	if (io_write(ex, buf, len) == -1)
		return -1;
	ex->bytes_out += len;
	return 0;
}

int
reply_flush(struct exchange *ex)
{
	if (ex->client_gone)
		return -1;
	if (ex->io.flush(ex->io.ctx) == -1) {
		ex->client_gone = true;
		return -1;
	}
	return 0;
}

/*
 * A whole JSON answer of the relay's.  x-request-id, which SDKs report,
 * names OpenAI's request when the answer is built from one (a wrapper's
 * rewritten answer); the relay's own id on its errors and local answers.
 */
static void
reply_text(struct exchange *ex, int status, bool error, const char *hname,
    const char *hvalue, const char *text, size_t len)
{
	struct reply_head	h;
	char			clen[32];

	snprintf(clen, sizeof(clen), "%lu", (unsigned long)len);
	reply_head_init(&h, ex, status);
	reply_head_add(&h, "x-request-id", !error &&
	    ex->upstream_request_id[0] != '\0' ? ex->upstream_request_id :
	    ex->request_id);
	reply_head_add(&h, "Content-Type", "application/json");
	reply_head_add(&h, "Content-Length", clen);
	reply_head_add(&h, "Cache-Control", "no-store");
	if (error && ex->retry_after_s > 0) {
		snprintf(clen, sizeof(clen), "%ld", ex->retry_after_s);
		reply_head_add(&h, "Retry-After", clen);
	}
	if (hvalue != NULL)
		reply_head_add(&h, hname, hvalue);
	if (reply_head_send(ex, &h) == 0)
		reply_write(ex, text, len);
}

void
reply_json(struct exchange *ex, int status, struct json_object *obj)
{
	size_t		 len;
	const char	*text = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	reply_text(ex, status, false, NULL, NULL, text, len);
}

static void
reply_envelope(struct exchange *ex, enum rerr e, const char *message,
    const char *param, const char *hname, const char *hvalue)
{
	char	buf[512];
	int	len;

	if (ex->head_sent || e == RERR_CLIENT_GONE) {
		ex->status = rerr_info(e)->status;
		ex->cut_short = ex->head_sent && e != RERR_CLIENT_GONE;
		return;
	}
	len = rerr_envelope(e, message, param, buf, sizeof(buf));
	if (len < 0)
		len = rerr_envelope(e, NULL, NULL, buf, sizeof(buf));
	reply_text(ex, rerr_info(e)->status, true, hname, hvalue, buf,
	    (size_t)len);
}

void
reply_error(struct exchange *ex, enum rerr e, const char *param,
    const char *allow)
{
	reply_envelope(ex, e, NULL, param, "Allow", allow);
}

void
reply_error_reason(struct exchange *ex, enum rerr e, const char *reason,
    const char *param)
{
	reply_envelope(ex, e, reason, param, NULL, NULL);
}

void
reply_error_challenge(struct exchange *ex, enum rerr e,
    const char *challenge)
{
	reply_envelope(ex, e, NULL, NULL, "WWW-Authenticate", challenge);
}
