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
#include "handlers/limits.h"
#include "handlers/oauth.h"
#include "handlers/reply.h"
#include "policy/auth.h"
#include "policy/body.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/multipart.h"
#include "policy/oauth.h"
#include "policy/path.h"
#include "policy/route.h"

static void (*const dispatch[HANDLER__MAX])(struct exchange *) = {
	[HANDLER_FORWARD] = forward_handle,
	[HANDLER_PROXY] = proxy_handle,
	[HANDLER_STREAM_WRAPPER] = stream_wrapper_handle,
	[HANDLER_ACTION_JSON] = action_json_handle,
	[HANDLER_ACTION_FILE] = action_file_handle,
	[HANDLER_ACTION_IMAGE] = action_image_handle,
	[HANDLER_ACTION_VIDEO] = action_video_handle,
	[HANDLER_ACTION_IMAGE_GENERATION] = action_image_generation_handle,
	[HANDLER_ACTION_FILE_CONTENT] = action_file_content_handle,
	[HANDLER_LINK] = link_handle,
	[HANDLER_ACTION_TRANSCRIPTION] = action_transcription_handle,
	[HANDLER_ACTION_SPEECH] = action_speech_handle,
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
	[HANDLER_USAGE] = usage_handle,
	[HANDLER_MCP] = mcp_handle,
	[HANDLER_OAUTH_RESOURCE] = oauth_resource_handle,
	[HANDLER_OAUTH_SERVER] = oauth_server_handle,
	[HANDLER_OAUTH_REGISTER] = oauth_register_handle,
	[HANDLER_OAUTH_AUTHORIZE] = oauth_authorize_handle,
	[HANDLER_OAUTH_TOKEN] = oauth_token_handle,
};

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
 * Reads the body to its end (CONTENT_LENGTH may be absent: chunked
 * uploads under Apache and nginx), refusing to hold more than cap bytes.
 */
static enum rerr
body_read(struct exchange *ex, size_t cap)
{
	enum rerr	rc = reqbody_cap(&ex->in, cap);

	return rc != RERR_OK ? rc : reqbody_read_all(&ex->in, &ex->body,
	    &ex->body_len);
}

/*
 * The handlers that read a JSON body's fields, and so get its tree; the
 * others forward the body as it came and need only its top-level facts.
 * Every one of these takes objects only (BODY_JSON).
 */
static const bool reads_fields[HANDLER__MAX] = {
	[HANDLER_PROXY] = true,
	[HANDLER_ACTION_FILE] = true,
	[HANDLER_ACTION_IMAGE] = true,
	[HANDLER_ACTION_VIDEO] = true,
	[HANDLER_ACTION_IMAGE_GENERATION] = true,
	[HANDLER_REALTIME_MINT] = true,
	[HANDLER_REALTIME_VALIDATE] = true,
	[HANDLER_ACTION_TRANSCRIPTION] = true,
	[HANDLER_ACTION_SPEECH] = true,
	[HANDLER_OAUTH_REGISTER] = true,
};

/*
 * Validates the JSON body into ex->facts, and builds ex->json for the
 * handlers that read its fields; objects_only refuses other values.
 */
static enum rerr
body_json(struct exchange *ex, bool objects_only)
{
	enum rerr	rc;

	if (reads_fields[ex->route->handler])
		return body_json_tree(ex->body, ex->body_len, &ex->facts,
		    &ex->json);
	rc = body_json_check(ex->body, ex->body_len, &ex->facts);
	if (rc == RERR_OK && objects_only && !ex->facts.object)
		rc = RERR_JSON_NOT_OBJECT;
	return rc;
}

/* Leaves a multipart body unread for the forwarder to stream. */
static enum rerr
multipart_accept(struct exchange *ex, const char *ctype)
{
	enum rerr	rc;

	if (!multipart_boundary(ctype, ex->boundary, sizeof(ex->boundary)))
		return RERR_NOT_MULTIPART;
	rc = reqbody_cap(&ex->in, (unsigned long long)
	    ex->config->max_upload_body);
	ex->upload = rc == RERR_OK;
	return rc;
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
	case BODY_FORM:
		if (!body_is_form_type(ctype))
			return RERR_NOT_FORM;
		return body_read(ex, OAUTH_FORM_BYTES);
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

/*
 * Who the request acts for.  An inner exchange (a tools/call) acts for
 * the key its outer request was authenticated with; /mcp under
 * RELAY_MCP=open needs no key; rows that take OAuth tokens (/mcp) a
 * token from the relay's sign-in or a relay key; every other protected
 * route a relay key.  The one place a credential is accepted.
 */
static enum rerr
auth_step(struct exchange *ex)
{
	if (ex->inner_key != NULL) {
		ex->key = ex->inner_key;
		return RERR_OK;
	}
	if (ex->route->public)
		return RERR_OK;
	if (ex->route->handler == HANDLER_MCP && ex->config->mcp == MCP_OPEN) {
		ex->key = &keys_mcp_open;
		return RERR_OK;
	}
	if (ex->route->oauth_tokens)
		return oauth_authenticate(ex);
	return auth_check(ex->config, ex->keys,
	    exchange_header(ex, "Authorization"),
	    exchange_header(ex, "X-Relay-Key"), &ex->key);
}

void
handlers_serve(struct exchange *ex)
{
	struct reply_head	 head;
	char			 allow[64];
	const char		*param = NULL;
	enum rerr		 rc;

	ex->key = NULL;
	reqbody_init(&ex->in, &ex->io, ex->content_length);
	rc = headers_check(ex);
	/* Before auth: a 426 is what lets OpenAI's clients fall back to
	 * HTTP at once, and it says nothing about keys. */
	if (rc == RERR_OK)
		rc = route_websocket_refusal(ex->method, ex->path,
		    exchange_header(ex, "Upgrade"),
		    exchange_header(ex, "Sec-WebSocket-Key"));
	if (rc == RERR_OK)
		rc = route_match(ex->method, ex->path, &ex->route, allow,
		    sizeof(allow));
	if (rc == RERR_OK)
		rc = query_check(ex->query);
	/* Before auth: an MCP endpoint that is off is not there at all,
	 * and a foreign Origin learns nothing about keys. */
	if (rc == RERR_OK && ex->route->handler == HANDLER_MCP)
		rc = mcp_admit(ex);
	if (rc == RERR_OK)
		rc = auth_step(ex);
	if (rc == RERR_OK && ex->authorize_only) {
		/* The responder checks all of it again, with the body. */
		reply_head_init(&head, ex, 200);
		(void)reply_head_send(ex, &head);
		return;
	}
	if (rc == RERR_OK)
		rc = body_accept(ex);
	if (rc == RERR_OK)
		rc = limits_admit(ex, &param);
	if (rc != RERR_OK && ex->route != NULL && ex->route->oauth_tokens &&
	    rerr_info(rc)->status == 401)
		/* Tells an MCP client where to sign in. */
		oauth_reply_unauthorized(ex, rc);
	else if (rc != RERR_OK)
		reply_error(ex, rc, param,
		    rc == RERR_METHOD_NOT_ALLOWED ? allow : NULL);
	else
		dispatch[ex->route->handler](ex);
	limits_finish(ex);
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
