/*
 * Request-body checks that need no I/O: content type and JSON shape.
 */
#ifndef POLICY_BODY_H
#define POLICY_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"

/* Deepest JSON nesting accepted from clients (json-c's default is 32). */
#define BODY_JSON_DEPTH	64

/* True for "application/json", with or without parameters. */
bool body_is_json_type(const char *content_type);

struct json_object;

/*
 * Parses body[0..len) as exactly one JSON value (strict RFC 8259, valid
 * UTF-8, nesting at most BODY_JSON_DEPTH, nothing after it but white
 * space).  On RERR_OK *out holds the value (NULL for the literal null),
 * which the caller puts; otherwise RERR_INVALID_JSON.
 */
enum rerr body_parse_json(const char *body, size_t len,
    struct json_object **out);

/*
 * Checks that body[0..len) is exactly one JSON object (strict RFC 8259,
 * valid UTF-8, nesting at most BODY_JSON_DEPTH, nothing after it but
 * white space).  The body is only checked, never rewritten: the bytes
 * the client sent are the bytes upstream receives.
 * Returns RERR_OK, RERR_INVALID_JSON or RERR_JSON_NOT_OBJECT.
 */
enum rerr body_check_json_object(const char *body, size_t len);

/* True when obj is an object whose key is the boolean true. */
bool body_flag_true(struct json_object *obj, const char *key);

#endif
