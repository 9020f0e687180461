/*
 * The Realtime WebSocket bridge: relay --websocket --listen ADDR.
 *
 * FastCGI cannot carry a WebSocket, so the bridge is a second mode of the
 * same binary, put behind Apache mod_proxy_wstunnel or lighttpd mod_proxy
 * (deploy/apache-websocket.conf, deploy/lighttpd-websocket.conf).  It
 * serves GET /v1/realtime/ws?model=...: the relay key (X-Relay-Key,
 * Authorization: Bearer, or the browsers' "openai-insecure-api-key.<key>"
 * subprotocol) and the model are checked before the upgrade; then it
 * connects to <base>/v1/realtime?model=... (wss:// for an https base,
 * ws:// for http) with the operator's key and relays text and binary
 * messages both ways, whole and unchanged.
 */
#ifndef FCGI_WSBRIDGE_H
#define FCGI_WSBRIDGE_H

struct config;
struct keyring;

/*
 * Serves on addr ("127.0.0.1:PORT") until SIGTERM or SIGINT.  cfg stays
 * the caller's and must outlive the call.  Returns 0 after a clean stop,
 * 1 if it cannot listen, 78 (EX_CONFIG) if the bridge is not enabled.
 */
int wsbridge_run(const char *addr, const struct config *cfg,
    struct keyring *keys);

#endif
