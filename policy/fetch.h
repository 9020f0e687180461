/*
 * Which URLs an Actions wrapper may download a user's file from (ChatGPT
 * passes files as openaiFileIdRefs[].download_link).  Decided before any
 * connection is made, so the relay cannot be pointed at internal hosts.
 */
#ifndef POLICY_FETCH_H
#define POLICY_FETCH_H

#include <stdbool.h>
#include <stddef.h>

struct strlist;

/*
 * True when url is https:// with no credentials and its host (and port,
 * when not 443), in lower case, is one of the hosts allowed
 * (RELAY_FETCH_HOSTS: host or host:port, lower case).
 */
bool fetch_url_allowed(const char *url, const struct strlist *allowed);

/*
 * Whether a resolved address (len 4: IPv4, len 16: IPv6, network order)
 * is a public unicast one: not loopback, private (RFC 1918, fc00::/7),
 * shared (100.64/10), link-local, unspecified, multicast, reserved or
 * broadcast; IPv4-mapped and NAT64 addresses are judged by the IPv4
 * address inside.  For fetches the relay makes on a client's word (an
 * OAuth client ID metadata document), checked on every connection, so
 * a name that resolves inward (or rebinds) is never reached.
 */
bool fetch_address_public(const unsigned char *addr, size_t len);

#endif
