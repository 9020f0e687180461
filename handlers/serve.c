/*
 * The request pipeline: route, authenticate, read and check the body,
 * then hand over to the route's handler.  Each step either passes or
 * answers with the error envelope; nothing reaches upstream before every
 * check has passed.
 */
#include <stdlib.h>

#include <json.h>
#include <strings.h>

#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "policy/auth.h"
#include "policy/body.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/multipart.h"
#include "policy/path.h"
#include "policy/route.h"
#include "policy/xalloc.h"

static void (*const dispatch[HANDLER__MAX])(struct exchange *) = {
	[HANDLER_FORWARD] = forward_handle,
	[HANDLER_PROXY] = proxy_handle,
	[HANDLER_STREAM_WRAPPER] = stream_wrapper_handle,
	[HANDLER_ACTION_JSON] = action_json_handle,
	[HANDLER_ACTION_FILE] = action_file_handle,
	[HANDLER_ACTION_IMAGE] = action_image_handle,
	[HANDLER_ACTION_VIDEO] = action_video_handle,
	[HANDLER_HEALTH] = meta_health,
	[HANDLER_MANIFEST] = meta_manifest,
	[HANDLER_PING] = meta_ping,
	[HANDLER_RELAY_INFO] = meta_relay_info,
	[HANDLER_SYSTEM_INFO] = meta_system_info,
	[HANDLER_OPENAPI] = docs_openapi,
	[HANDLER_OPENAPI_ACTIONS] = docs_openapi_actions,
	[HANDLER_DOCS_PAGE] = docs_page,
	[HANDLER_DOCS_ASSET] = docs_asset,
	[HANDLER_REALTIME_MINT] = realtime_mint_handle,
	[HANDLER_REALTIME_VALIDATE] = realtime_validate_handle,
	[HANDLER_REALTIME_INTROSPECT] = realtime_introspect_handle,
};

#define BODY_CHUNK	65536

const char *
exchange_header(const struct exchange *ex, const char *name)
{
	size_t	i;

	for (i = 0; i < ex->nheaders; i++)
		if (strcasecmp(ex->headers[i].name, name) == 0)
			return ex->headers[i].value;
	return NULL;
}

/*
 * Reads the body to EOF (CONTENT_LENGTH may be absent: chunked uploads
 * under Apache and nginx), refusing to hold more than cap bytes.
 */
static enum rerr
body_read(struct exchange *ex, size_t cap)
{
	size_t	size, len = 0;
	long	n;

	if (ex->content_length > 0 && (size_t)ex->content_length > cap)
		return cap == 0 ? RERR_BODY_NOT_ALLOWED : RERR_BODY_TOO_LARGE;

	size = ex->content_length > 0 ? (size_t)ex->content_length + 1 :
	    BODY_CHUNK;
	if (size > cap + 1)
		size = cap + 1;
	ex->body = xmalloc(size);
	for (;;) {
		if (len + 1 == size) {
			if (len == cap)
				break;
			size = size * 2 > cap + 1 ? cap + 1 : size * 2;
			ex->body = xrealloc(ex->body, size);
		}
		n = ex->io.read(ex->io.ctx, ex->body + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	ex->body[len] = '\0';
	ex->body_len = len;
	/*
	 * A body cut short (a client that gave up, or mod_fcgid past
	 * LimitRequestBody) must not be relayed as if it were whole.
	 */
	if (ex->content_length >= 0 && len < (size_t)ex->content_length)
		return RERR_BODY_INCOMPLETE;
	if (len == cap) {
		char	probe;

		/* Exactly at the cap: one more byte means it was over. */
		if (ex->io.read(ex->io.ctx, &probe, 1) > 0)
			return cap == 0 ? RERR_BODY_NOT_ALLOWED :
			    RERR_BODY_TOO_LARGE;
	}
	return RERR_OK;
}

/* Parses the body into ex->json; objects_only refuses other values. */
static enum rerr
body_json(struct exchange *ex, bool objects_only)
{
	enum rerr	rc = body_parse_json(ex->body, ex->body_len, &ex->json);

	if (rc == RERR_OK && objects_only &&
	    !json_object_is_type(ex->json, json_type_object))
		rc = RERR_JSON_NOT_OBJECT;
	return rc;
}

/* Leaves a multipart body unread for the forwarder to stream. */
static enum rerr
multipart_accept(struct exchange *ex, const char *ctype)
{
	if (!multipart_boundary(ctype, ex->boundary, sizeof(ex->boundary)))
		return RERR_NOT_MULTIPART;
	if (ex->content_length > ex->config->max_upload_body)
		return RERR_BODY_TOO_LARGE;
	ex->upload = true;
	return RERR_OK;
}

static enum rerr
body_accept(struct exchange *ex)
{
	const char	*ctype = exchange_header(ex, "Content-Type");
	enum rerr	 rc;

	switch (ex->route->body) {
	case BODY_NONE:
		return body_read(ex, 0);
	case BODY_JSON:
	case BODY_JSON_ANY:
		if (!body_is_json_type(ctype))
			return RERR_UNSUPPORTED_MEDIA;
		rc = body_read(ex, (size_t)ex->config->max_json_body);
		if (rc != RERR_OK)
			return rc;
		return body_json(ex, ex->route->body == BODY_JSON);
	case BODY_MULTIPART:
		return multipart_accept(ex, ctype);
	case BODY_MULTIPART_OR_JSON:
		if (body_is_json_type(ctype)) {
			rc = body_read(ex, (size_t)ex->config->max_json_body);
			return rc != RERR_OK ? rc : body_json(ex, true);
		}
		if (ctype != NULL && strncasecmp(ctype, "multipart/", 10) == 0)
			return multipart_accept(ex, ctype);
		return RERR_NOT_MULTIPART_OR_JSON;
	case BODY_JSON_OPTIONAL:
		rc = body_read(ex, (size_t)ex->config->max_json_body);
		if (rc != RERR_OK || ex->body_len == 0)
			return rc;
		if (!body_is_json_type(ctype))
			return RERR_UNSUPPORTED_MEDIA;
		return body_json(ex, true);
	default:
		return RERR_INTERNAL;
	}
}

/* Refuses a request any of whose header values could not be sent on. */
static enum rerr
headers_check(const struct exchange *ex)
{
	size_t	i;

	for (i = 0; i < ex->nheaders; i++)
		if (!headers_value_valid(ex->headers[i].value))
			return RERR_BAD_HEADER;
	return RERR_OK;
}

void
handlers_serve(struct exchange *ex)
{
	char		allow[64];
	enum rerr	rc;

	ex->client = "-";
	rc = headers_check(ex);
	if (rc == RERR_OK)
		rc = route_match(ex->method, ex->path, &ex->route, allow,
		    sizeof(allow));
	if (rc == RERR_OK)
		rc = query_check(ex->query);
	if (rc == RERR_OK && !ex->route->public)
		rc = auth_check(ex->config, exchange_header(ex, "Authorization"),
		    exchange_header(ex, "X-Relay-Key"), &ex->client);
	if (rc == RERR_OK)
		rc = body_accept(ex);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL,
		    rc == RERR_METHOD_NOT_ALLOWED ? allow : NULL);
		return;
	}
	dispatch[ex->route->handler](ex);
}

void
exchange_release(struct exchange *ex)
{
	json_object_put(ex->json);
	ex->json = NULL;
	free(ex->body);
	ex->body = NULL;
	ex->body_len = 0;
}
