/*
 * An exchange served in memory (see mem_exchange.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>
#include <json.h>

#include "handlers/exchange.h"
#include "handlers/state.h"
#include "handlers/usagebuf.h"
#include "handlers/upstream.h"
#include "policy/config.h"
#include "policy/keys.h"
#include "policy/xalloc.h"
#include "tests/unit/mem_exchange.h"

#define HEADERS_MAX	32
/* Bytes handed out per read, as a socket would in pieces. */
#define READ_PIECE	1000

/* The client side of one exchange. */
struct mem_io {
	const struct mem_request	*rq;
	size_t				 inpos;
	char				*out;
	size_t				 outlen, outcap;
	struct mem_reply		*reply;
	bool				 gone;
};

static long
mem_read(void *ctx, char *buf, size_t len)
{
	struct mem_io	*m = ctx;
	size_t		 n = m->rq->body_len - m->inpos;

	/* An authorizer that waited for a body would wait forever. */
	ck_assert_msg(!m->rq->authorize_only, "the authorizer read a body");
	if (m->rq->body == NULL)
		return 0;
	if (n > len)
		n = len;
	if (n > READ_PIECE)
		n = READ_PIECE;
	memcpy(buf, m->rq->body + m->inpos, n);
	m->inpos += n;
	return (long)n;
}

static int
mem_write(void *ctx, const char *buf, size_t len)
{
	struct mem_io	*m = ctx;

	if (m->gone)
		return -1;
	if (m->rq->gone_after > 0 && m->outlen + len > m->rq->gone_after) {
		m->gone = true;
		return -1;
	}
	if (m->outlen + len + 1 > m->outcap) {
		while (m->outlen + len + 1 > m->outcap)
			m->outcap = m->outcap ? m->outcap * 2 : 4096;
		m->out = xrealloc(m->out, m->outcap);
	}
	memcpy(m->out + m->outlen, buf, len);
	m->outlen += len;
	m->out[m->outlen] = '\0';
	return 0;
}

/* Flush positions are recorded as offsets into the whole output and
 * turned into body offsets once the head's length is known. */
static int
mem_flush(void *ctx)
{
	struct mem_io	*m = ctx;

	if (m->gone)
		return -1;
	if (m->reply->flushes < MEM_FLUSHES_MAX)
		m->reply->flush_at[m->reply->flushes] = m->outlen;
	m->reply->flushes++;
	return 0;
}

static int
mem_client_gone(void *ctx)
{
	return ((struct mem_io *)ctx)->gone;
}

void
mem_config(struct config *cfg, const char *const conf_lines[])
{
	const char	*values[SETTINGS_MAX] = { NULL };
	char		 err[256], *copies[SETTINGS_MAX] = { NULL };
	const char	*eq;
	size_t		 i;
	int		 id;

	for (i = 0; conf_lines != NULL && conf_lines[i] != NULL; i++) {
		eq = strchr(conf_lines[i], '=');
		ck_assert_ptr_nonnull(eq);
		copies[i] = xstrndup(conf_lines[i], (size_t)(eq - conf_lines[i]));
		id = setting_lookup(copies[i]);
		ck_assert_msg(id >= 0, "no setting %s", copies[i]);
		values[id] = eq + 1;
	}
	ck_assert_msg(config_build(values, cfg, err, sizeof(err)) == 0, "%s",
	    err);
	for (i = 0; i < SETTINGS_MAX; i++)
		free(copies[i]);
}

void
mem_serve(const struct config *cfg, const struct mem_request *rq,
    struct mem_reply *out)
{
	struct header	 headers[HEADERS_MAX];
	struct keyset	 keys;
	struct exchange	 ex;
	struct mem_io	 io;
	const char	*colon, *q, *host;
	char		*path, *end, err[256];
	size_t		 n = 0, i;

	memset(out, 0, sizeof(*out));
	memset(&io, 0, sizeof(io));
	io.rq = rq;
	io.reply = out;
	for (; rq->headers != NULL && rq->headers[n] != NULL; n++) {
		ck_assert_uint_lt(n, HEADERS_MAX);
		colon = strchr(rq->headers[n], ':');
		ck_assert_ptr_nonnull(colon);
		headers[n].name = xstrndup(rq->headers[n],
		    (size_t)(colon - rq->headers[n]));
		headers[n].value = xstrdup(colon + 1 + strspn(colon + 1, " "));
	}
	q = strchr(rq->target, '?');
	path = q ? xstrndup(rq->target, (size_t)(q - rq->target)) :
	    xstrdup(rq->target);

	memset(&ex, 0, sizeof(ex));
	ex.config = cfg;
	ck_assert_msg(keys_build(cfg, rq->keys_file, "keys", &keys, err,
	    sizeof(err)) == 0, "%s", err);
	ex.keys = &keys;
	ex.upstream = upstream_new();
	/* A store only when the test names one (RELAY_STATE). */
	ex.state = cfg->state_spec[0] != '\0' ? state_new(cfg->state_spec) :
	    NULL;
	ex.io = (struct exchange_io){ &io, mem_read, mem_write, mem_flush,
	    mem_client_gone };
	ex.method = rq->method;
	ex.path = path;
	ex.query = q ? q + 1 : "";
	ex.headers = headers;
	ex.nheaders = n;
	ex.content_length = rq->declared_length != 0 ? rq->declared_length :
	    rq->body == NULL ? -1 : (long)rq->body_len;
	ex.scheme = "http";
	host = exchange_header(&ex, "Host");
	snprintf(ex.host, sizeof(ex.host), "%s", host ? host : "relay.test");
	snprintf(ex.request_id, sizeof(ex.request_id), "unit-1");
	ex.authorize_only = rq->authorize_only;
	handlers_serve(&ex);
	/* As a worker does at exit: tests read the store the call wrote. */
	if (ex.state != NULL)
		usagebuf_flush(ex.state);

	out->consumed = io.inpos;
	out->logged_status = ex.status;
	out->cut_short = ex.cut_short;
	out->client_gone = ex.client_gone;
	snprintf(out->client, sizeof(out->client), "%.63s", ex.key != NULL ?
	    ex.key->name : "-");
	exchange_release(&ex);
	upstream_free(ex.upstream);
	state_free(ex.state);
	keys_free(&keys);
	for (i = 0; i < n; i++) {
		free(headers[i].name);
		free(headers[i].value);
	}
	free(path);

	if (io.out == NULL)
		io.out = xstrdup("");
	end = strstr(io.out, "\r\n\r\n");
	out->head = end ? xstrndup(io.out, (size_t)(end - io.out)) :
	    xstrdup(io.out);
	if (end != NULL) {
		out->body_len = io.outlen - (size_t)(end + 4 - io.out);
		out->body = xstrndup(end + 4, out->body_len);
		for (i = 0; i < out->flushes && i < MEM_FLUSHES_MAX; i++)
			out->flush_at[i] -= (size_t)(end + 4 - io.out);
	} else
		out->body = xstrdup("");
	if (strncmp(out->head, "Status: ", 8) == 0)
		out->status = (int)strtol(out->head + 8, NULL, 10);
	free(io.out);
}

void
mem_reply_free(struct mem_reply *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *
mem_header(const struct mem_reply *r, const char *name)
{
	size_t		 n = strlen(name);
	const char	*line = r->head, *end;

	while (line != NULL && *line != '\0') {
		end = strstr(line, "\r\n");
		if (end == NULL)
			end = line + strlen(line);
		if ((size_t)(end - line) > n && line[n] == ':' &&
		    strncasecmp(line, name, n) == 0)
			return xstrndup(line + n + 2, (size_t)(end - line) -
			    n - 2);
		line = *end ? end + 2 : end;
	}
	return NULL;
}

struct json_object *
mem_json(const struct mem_reply *r)
{
	return json_tokener_parse(r->body);
}

const char *
mem_error_code(const struct mem_reply *r)
{
	static char		 code[64];
	struct json_object	*root = mem_json(r), *err, *c;

	code[0] = '\0';
	if (root != NULL && json_object_object_get_ex(root, "error", &err) &&
	    json_object_object_get_ex(err, "code", &c) && c != NULL)
		snprintf(code, sizeof(code), "%s", json_object_get_string(c));
	json_object_put(root);
	return code;
}
