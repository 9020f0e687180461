/*
 * Strict base64 (RFC 4648, standard alphabet, padding required) for the
 * Actions wrappers, which carry files as JSON strings.
 */
#ifndef POLICY_BASE64_H
#define POLICY_BASE64_H

#include <stddef.h>

enum base64_result {
	BASE64_OK,
	BASE64_INVALID,		/* not canonical base64 */
	BASE64_EMPTY,		/* decodes to no bytes */
	BASE64_TOO_LARGE,	/* would decode to more than the cap */
};

/*
 * Decodes in[0..len) into a fresh buffer (*out, caller frees, *outlen
 * bytes).  Accepts exactly canonical base64, optionally after a
 * "data:<type>;base64," prefix (ChatGPT sends one at times); nothing
 * else: no white space, no URL-safe alphabet, no missing padding, no
 * stray bits.  The size is checked against cap before anything is
 * allocated.
 */
enum base64_result base64_decode(const char *in, size_t len, size_t cap,
    char **out, size_t *outlen);

#endif
