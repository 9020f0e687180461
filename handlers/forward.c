/*
 * Forwarding: one upstream call with the operator's key, its answer
 * relayed as it arrives.  Upstream's status, allowlisted headers and body
 * bytes reach the client unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "handlers/upstream.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/route.h"
#include "policy/xalloc.h"

/* Client headers that may pass, plus the ones the relay sets. */
#define FORWARD_HEADERS_MAX	16

static int
on_head(void *ctx, int status, const struct upstream_header *h, size_t n)
{
	struct exchange		*ex = ctx;
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
	return reply_write(ctx, buf, len);
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

static const enum rerr result_errors[] = {
	[UPSTREAM_DONE] = RERR_OK,
	[UPSTREAM_UNREACHABLE] = RERR_UPSTREAM_FAILED,
	[UPSTREAM_TIMEOUT] = RERR_UPSTREAM_TIMEOUT,
	[UPSTREAM_BAD_RESPONSE] = RERR_UPSTREAM_BAD_RESPONSE,
	[UPSTREAM_ABORTED] = RERR_CLIENT_GONE,
};

void
forward_call(struct exchange *ex, const struct forward_call *call)
{
	const struct config	*cfg = ex->config;
	struct upstream_sink	 sink = { ex, on_head, on_body };
	struct upstream_request	 rq;
	char			*lines[FORWARD_HEADERS_MAX];
	char			*url;
	size_t			 n = 0, i, urlsize;
	enum upstream_result	 res;

	if (cfg->openai_api_key[0] == '\0') {
		reply_error(ex, RERR_UPSTREAM_KEY_MISSING, NULL, NULL);
		return;
	}

	urlsize = strlen(cfg->openai_api_base) + strlen(call->path) +
	    strlen(call->query) + 2;
	url = xmalloc(urlsize);
	snprintf(url, urlsize, "%s%s%s%s", cfg->openai_api_base, call->path,
	    call->query[0] ? "?" : "", call->query);

	for (i = 0; call->client_headers && i < ex->nheaders &&
	    n < FORWARD_HEADERS_MAX - 5; i++)
		if (headers_request_allowed(ex->headers[i].name))
			lines[n++] = header_line(ex->headers[i].name, "",
			    ex->headers[i].value);
	if (call->content_type != NULL)
		lines[n++] = header_line("Content-Type", "",
		    call->content_type);
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
	rq.method = call->method;
	rq.url = url;
	rq.headers = (const char *const *)lines;
	rq.nheaders = n;
	rq.body = call->body;
	rq.body_len = call->body_len;
	rq.connect_timeout_ms = cfg->connect_timeout_s * 1000;
	rq.timeout_ms = cfg->timeout_s * 1000;

	res = upstream_perform(ex->upstream, &rq, &sink, &ex->upstream_ms);
	if (res != UPSTREAM_DONE)
		reply_error(ex, result_errors[res], NULL, NULL);

	/* The Authorization line holds the key: wipe it before freeing. */
	for (i = 0; i < n; i++) {
		explicit_bzero(lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(url);
}

void
forward_handle(struct exchange *ex)
{
	struct forward_call	call = {
		.method = method_name(ex->route->method),
		.path = ex->path,
		.query = ex->query,
		.body = ex->route->method == METHOD_GET ? NULL : ex->body,
		.body_len = ex->body_len,
		.client_headers = true,
	};

	forward_call(ex, &call);
}
