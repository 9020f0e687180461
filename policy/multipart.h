/*
 * multipart/form-data framing, as far as the relay checks it: it streams
 * clients' uploads through without parsing them, but refuses a body that
 * does not start with its boundary or end with the closing one.
 */
#ifndef POLICY_MULTIPART_H
#define POLICY_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX	70	/* RFC 2046 */

/*
 * Copies the boundary parameter of a multipart/form-data Content-Type
 * (quoted or not) into buf (at least MULTIPART_BOUNDARY_MAX + 1 bytes).
 * False if the type is another one or the boundary is missing or not
 * 1 to 70 characters of RFC 2046's set.
 */
bool multipart_boundary(const char *content_type, char *buf, size_t bufsz);

/* How many trailing bytes multipart_closes needs to see. */
size_t multipart_tail_size(const char *boundary);

/*
 * Whether tail, the last bytes of a body (up to multipart_tail_size),
 * ends with the closing delimiter "--boundary--", optionally followed by
 * a line break.
 */
bool multipart_closes(const char *boundary, const char *tail, size_t len);

/* Whether a body's first bytes open with "--boundary". */
bool multipart_opens(const char *boundary, const char *head, size_t len);

#endif
