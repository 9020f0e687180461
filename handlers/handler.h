/*
 * The handlers behind enum handler (policy/route.h), one per row kind.
 * Each answers the exchange completely, errors included.
 */
#ifndef HANDLERS_HANDLER_H
#define HANDLERS_HANDLER_H

#include "policy/error.h"

struct exchange;

/* Canonical pass-through: the same method, path and query upstream. */
void forward_handle(struct exchange *ex);

/* POST /v1/proxy: an allowlisted call named by a JSON envelope. */
void proxy_handle(struct exchange *ex);

/* The Responses stream wrappers: any JSON in, an event stream out. */
void stream_wrapper_handle(struct exchange *ex);

/*
 * The Actions wrappers for files, uploads, images, videos and audio.  The
 * image and speech wrappers answer with links (handlers/links.h), the
 * file content wrapper with openaiFileResponse or a link.
 */
void action_json_handle(struct exchange *ex);
void action_file_handle(struct exchange *ex);
void action_image_handle(struct exchange *ex);
void action_image_generation_handle(struct exchange *ex);
void action_file_content_handle(struct exchange *ex);
void action_video_handle(struct exchange *ex);
void action_transcription_handle(struct exchange *ex);
void action_speech_handle(struct exchange *ex);

/*
 * GET /v1/actions/usage: the calling key's usage today (UTC) by model
 * and in all, its limits and what remains; 503 limits_unavailable when
 * the state store cannot be read.
 */
void usage_handle(struct exchange *ex);

/* GET /v1/actions/links/{link_id}: what a link holds, or 404. */
void link_handle(struct exchange *ex);

/* Local answers that never call upstream. */
void meta_health(struct exchange *ex);
void meta_manifest(struct exchange *ex);
void meta_ping(struct exchange *ex);
void meta_relay_info(struct exchange *ex);
void meta_system_info(struct exchange *ex);

/*
 * Realtime: minting (model checked against RELAY_REALTIME_MODELS, then
 * forwarded unchanged), and the local validate and introspect helpers.
 */
void realtime_mint_handle(struct exchange *ex);
void realtime_validate_handle(struct exchange *ex);
void realtime_introspect_handle(struct exchange *ex);

/*
 * The OpenAPI documents (generated from the route table, servers[0].url
 * from RELAY_PUBLIC_URL or the request's origin) and Swagger UI from the
 * assets compiled in; without those, /docs answers 503.
 */
void docs_openapi(struct exchange *ex);
void docs_openapi_actions(struct exchange *ex);
void docs_page(struct exchange *ex);
void docs_asset(struct exchange *ex);

/*
 * POST /mcp (handlers/mcp.c): JSON-RPC, stateless, application/json.
 * mcp_admit runs before authentication: RERR_NOT_FOUND when RELAY_MCP
 * is off, RERR_MCP_ORIGIN for an Origin RELAY_MCP_ORIGINS does not
 * list, RERR_MCP_OPEN_NOT_LOOPBACK for RELAY_MCP=open reached on a
 * front address that is not loopback (unless RELAY_MCP_OPEN_PUBLIC).
 * A tools/call runs the tool's route through handlers_serve as an inner
 * exchange, acting for the same key.
 */
enum rerr mcp_admit(const struct exchange *ex);
void mcp_handle(struct exchange *ex);

/*
 * OAuth 2.1 for /mcp (handlers/oauth.c): the protected resource and
 * authorization server metadata, client registration, the sign-in page
 * (GET) and its answer (POST), and the token endpoint.
 */
void oauth_resource_handle(struct exchange *ex);
void oauth_server_handle(struct exchange *ex);
void oauth_register_handle(struct exchange *ex);
void oauth_authorize_handle(struct exchange *ex);
void oauth_token_handle(struct exchange *ex);

#endif
