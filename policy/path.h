/*
 * Syntax checks on the request target, done once before routing so that
 * what is routed is exactly what is sent upstream.
 */
#ifndef POLICY_PATH_H
#define POLICY_PATH_H

#include "policy/error.h"

/*
 * Checks that a request path (still percent-encoded) is well formed:
 * absolute, at most 2048 bytes, no empty, "." or ".." segments, only URI
 * path characters, and percent-escapes only for characters that cannot
 * change how the path is split or resolved (no %2F, %5C, %2E, %25, %00,
 * nothing non-ASCII).  Returns RERR_OK or RERR_BAD_PATH.
 */
enum rerr path_check(const char *path);

/*
 * Checks a raw query string (without the '?'): printable ASCII without
 * spaces or '#', well-formed percent-escapes, at most 8192 bytes.
 * Returns RERR_OK or RERR_BAD_QUERY.
 */
enum rerr query_check(const char *query);

/* The value of hex digit c, or -1 if it is not one. */
int path_hexval(int c);

#endif
