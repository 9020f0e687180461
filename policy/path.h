/*
 * Syntax checks on the request target, done once before routing so that
 * what is routed is exactly what is sent upstream.
 */
#ifndef POLICY_PATH_H
#define POLICY_PATH_H

#include <stdbool.h>
#include <stddef.h>

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

/* Whether a path segment may hold c literally (RFC 3986 pchar). */
bool path_is_pchar(int c);

/*
 * Appends s to buf (bufsz bytes, *len of them used, NUL-terminated),
 * percent-encoding all but RFC 3986's unreserved characters, and
 * advances *len.  Returns 0, or -1 if it does not fit (buf then ends in
 * part of s).
 */
int path_append_encoded(char *buf, size_t bufsz, size_t *len,
    const char *s);

#endif
