/*
 * Which URLs an Actions wrapper may download a user's file from (ChatGPT
 * passes files as openaiFileIdRefs[].download_link).  Decided before any
 * connection is made, so the relay cannot be pointed at internal hosts.
 */
#ifndef POLICY_FETCH_H
#define POLICY_FETCH_H

#include <stdbool.h>

/*
 * True when url is https:// with no credentials and its host (and port,
 * when not 443) is exactly one of the comma-separated hosts allowed
 * (host or host:port, compared case-insensitively).
 */
bool fetch_url_allowed(const char *url, const char *allowed);

#endif
