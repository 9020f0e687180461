/*
 * The handlers behind enum handler (policy/route.h), one per row kind.
 * Each answers the exchange completely, errors included.
 */
#ifndef HANDLERS_HANDLER_H
#define HANDLERS_HANDLER_H

struct exchange;

/* Canonical pass-through: the same method, path and query upstream. */
void forward_handle(struct exchange *ex);

/* POST /v1/proxy: an allowlisted call named by a JSON envelope. */
void proxy_handle(struct exchange *ex);

/* Local answers that never call upstream. */
void meta_health(struct exchange *ex);
void meta_manifest(struct exchange *ex);
void meta_ping(struct exchange *ex);
void meta_relay_info(struct exchange *ex);
void meta_system_info(struct exchange *ex);

#endif
