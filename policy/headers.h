/*
 * Which headers cross the relay, in each direction.  Both directions are
 * allowlists: a header nobody listed here is dropped, so the relay key,
 * cookies, the client's Authorization, forwarding and hop-by-hop headers
 * never reach OpenAI, and nothing upstream sends (a key echoed by a broken
 * proxy, Set-Cookie, Connection) reaches the client.
 */
#ifndef POLICY_HEADERS_H
#define POLICY_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* May this client request header be sent upstream?  Case-insensitive. */
bool headers_request_allowed(const char *name);

/*
 * May a header with this value be taken at all?  False for a control
 * character other than tab (RFC 9110 field values): a CR or LF would
 * make a second header line in the request sent upstream, since libcurl
 * sends header lines as given.  Front servers refuse such requests, but
 * FastCGI params are only as clean as the server that wrote them.
 */
bool headers_value_valid(const char *value);

/*
 * The name under which an upstream response header is passed to the
 * client, or NULL to drop it.  Case-insensitive.  OpenAI's x-request-id
 * passes as "x-request-id" (SDKs read it as the request's id); the
 * relay's own id travels as X-Relay-Request-Id.
 */
const char *headers_response_name(const char *name);

/* Whether an Accept header asks for an event stream (SSE). */
bool headers_accept_event_stream(const char *accept);

/*
 * True when host (a Host header, a configured download host) is a
 * non-empty [A-Za-z0-9.-] name, optionally followed by ":port" (1 to
 * 65535): client data used only when it cannot be anything else.
 */
bool headers_host_valid(const char *host);

/* A header the relay sends upstream on the operator's behalf. */
struct operator_header {
	const char	*name;		/* as HTTP spells it */
	const char	*prefix;	/* "Bearer " before the key, else "" */
	const char	*value;		/* borrowed from the config */
};

#define OPERATOR_HEADERS_MAX	4

/*
 * The operator's upstream headers, for the forwarder and the WebSocket
 * bridge alike: Authorization with OPENAI_API_KEY, OpenAI-Organization
 * and OpenAI-Project when configured, and OpenAI-Beta when beta (the
 * bridge's RELAY_REALTIME_BETA; NULL for none) is not empty.  Fills out
 * and returns how many.  The values hold the key: never log them.
 */
size_t headers_operator(const struct config *cfg, const char *beta,
    struct operator_header out[OPERATOR_HEADERS_MAX]);

#endif
