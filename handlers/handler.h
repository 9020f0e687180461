/*
 * The handlers behind enum handler (policy/route.h), one per row kind.
 * Each answers the exchange completely, errors included.
 */
#ifndef HANDLERS_HANDLER_H
#define HANDLERS_HANDLER_H

/* Reported by health and system info, and as the documents' version. */
#define RELAY_VERSION	"0.1.0"

struct exchange;

/* Canonical pass-through: the same method, path and query upstream. */
void forward_handle(struct exchange *ex);

/* POST /v1/proxy: an allowlisted call named by a JSON envelope. */
void proxy_handle(struct exchange *ex);

/* The Responses stream wrappers: any JSON in, an event stream out. */
void stream_wrapper_handle(struct exchange *ex);

/* The Actions wrappers for files, uploads, images and videos. */
void action_json_handle(struct exchange *ex);
void action_file_handle(struct exchange *ex);
void action_image_handle(struct exchange *ex);
void action_video_handle(struct exchange *ex);

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

#endif
