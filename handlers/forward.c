/*
 * Canonical forwarding: the client's method, path, query and body go to
 * the same path upstream with the operator's key; upstream's status,
 * allowlisted headers and body come back as they arrive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "handlers/upstream.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/route.h"
#include "policy/xalloc.h"

/* Client headers that may pass, plus the ones the relay sets. */
#define FORWARD_HEADERS_MAX	16

struct forward {
	struct exchange	*ex;
};

static int
on_head(void *ctx, int status, const struct upstream_header *h, size_t n)
{
	struct forward		*fw = ctx;
	struct exchange		*ex = fw->ex;
	struct reply_head	 head;
	const char		*name;
	size_t			 i;

	reply_head_init(&head, ex, status);
	for (i = 0; i < n; i++) {
		name = headers_response_name(h[i].name);
		if (name == NULL)
			continue;
		if (strcmp(name, "X-Upstream-Request-Id") == 0)
			snprintf(ex->upstream_request_id,
			    sizeof(ex->upstream_request_id), "%s", h[i].value);
		reply_head_add(&head, name, h[i].value);
	}
	return reply_head_send(ex, &head);
}

static int
on_body(void *ctx, const char *buf, size_t len)
{
	struct forward	*fw = ctx;

	return reply_write(fw->ex, buf, len);
}

/* "Name: <prefix><value>" in a fresh string the caller frees. */
static char *
header_line(const char *name, const char *prefix, const char *value)
{
	size_t	 size = strlen(name) + strlen(prefix) + strlen(value) + 3;
	char	*line = xmalloc(size);

	snprintf(line, size, "%s: %s%s", name, prefix, value);
	return line;
}

void
forward_handle(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct forward		 fw = { ex };
	struct upstream_sink	 sink = { &fw, on_head, on_body };
	struct upstream_request	 rq;
	char			*lines[FORWARD_HEADERS_MAX];
	char			*url;
	size_t			 n = 0, i, urlsize;
	enum upstream_result	 res;

	if (cfg->openai_api_key[0] == '\0') {
		reply_error(ex, RERR_UPSTREAM_KEY_MISSING, NULL, NULL);
		return;
	}

	urlsize = strlen(cfg->openai_api_base) + strlen(ex->path) +
	    strlen(ex->query) + 2;
	url = xmalloc(urlsize);
	snprintf(url, urlsize, "%s%s%s%s", cfg->openai_api_base, ex->path,
	    ex->query[0] ? "?" : "", ex->query);

	for (i = 0; i < ex->nheaders && n < FORWARD_HEADERS_MAX - 4; i++)
		if (headers_request_allowed(ex->headers[i].name))
			lines[n++] = header_line(ex->headers[i].name, "",
			    ex->headers[i].value);
	lines[n++] = header_line("Authorization", "Bearer ",
	    cfg->openai_api_key);
	if (cfg->openai_organization[0] != '\0')
		lines[n++] = header_line("OpenAI-Organization", "",
		    cfg->openai_organization);
	if (cfg->openai_project[0] != '\0')
		lines[n++] = header_line("OpenAI-Project", "",
		    cfg->openai_project);
	/* Relay bytes as they are: no compressed bodies to re-encode. */
	lines[n++] = header_line("Accept-Encoding", "", "identity");

	memset(&rq, 0, sizeof(rq));
	rq.method = method_name(ex->route->method);
	rq.url = url;
	rq.headers = (const char *const *)lines;
	rq.nheaders = n;
	rq.body = ex->route->method == METHOD_GET ? NULL : ex->body;
	rq.body_len = ex->body_len;
	rq.connect_timeout_ms = cfg->connect_timeout_s * 1000;
	rq.timeout_ms = cfg->timeout_s * 1000;

	res = upstream_perform(ex->upstream, &rq, &sink, &ex->upstream_ms);
	switch (res) {
	case UPSTREAM_DONE:
		break;
	case UPSTREAM_ABORTED:
		reply_error(ex, RERR_CLIENT_GONE, NULL, NULL);
		break;
	case UPSTREAM_TIMEOUT:
		reply_error(ex, RERR_UPSTREAM_TIMEOUT, NULL, NULL);
		break;
	case UPSTREAM_BAD_RESPONSE:
		reply_error(ex, RERR_UPSTREAM_BAD_RESPONSE, NULL, NULL);
		break;
	case UPSTREAM_UNREACHABLE:
		reply_error(ex, RERR_UPSTREAM_FAILED, NULL, NULL);
		break;
	}

	/* The Authorization line holds the key: wipe it before freeing. */
	for (i = 0; i < n; i++) {
		explicit_bzero(lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(url);
}
