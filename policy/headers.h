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
 * becomes X-Upstream-Request-Id, because X-Request-Id is the relay's own.
 */
const char *headers_response_name(const char *name);

#endif
