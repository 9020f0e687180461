/*
 * Request-body checks that need no I/O: content type and JSON.
 *
 * A JSON body is read once, by yajl's streaming parser, which holds no
 * tree: body_json_check validates it and picks up the few top-level facts
 * the relay decides on, for the bodies it forwards as they came (most
 * routes).  body_json_tree also builds a json-c tree, for the bodies
 * whose fields the relay reads (wrappers, the proxy envelope, realtime),
 * and refuses one whose tree would not fit the memory bound below.
 *
 * What both accept is strict RFC 8259 JSON, exactly one value: UTF-8 as
 * policy/utf8.c checks it, white space only as space, tab, CR and LF, no
 * comments, no trailing commas, no single quotes, no NaN or Infinity, no
 * "1." or leading zeros, no raw control characters in strings, nesting at
 * most BODY_JSON_DEPTH containers.  Whatever they accept is what upstream
 * receives, so a check on a field holds for what upstream parses: a key
 * repeated in an object the relay reads fields of is refused.
 *
 * Memory: for a body of n bytes the relay holds the body, plus at most
 * n + 1 MiB for it: body_json_check keeps only yajl's buffer for one
 * decoded string and the top-level keys; body_json_tree refuses a body
 * whose tree (as json-c lays it out) would cost more than n +
 * BODY_TREE_SLACK, and stops building as soon as it would.
 */
#ifndef POLICY_BODY_H
#define POLICY_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"

/* Deepest JSON nesting accepted from clients, in containers. */
#define BODY_JSON_DEPTH		64

/*
 * Most members the top-level object may have.  OpenAI's largest request
 * object has under 50 parameters, and it refuses ones it does not know;
 * the cap bounds the set of keys kept to refuse duplicates.
 */
#define BODY_JSON_MEMBERS_MAX	1024

/* Room for a top-level "model" string in struct body_facts, NUL included. */
#define BODY_MODEL_MAX		256

/*
 * What a tree may cost beyond the body's own length: with yajl's own
 * buffers and the request's other needs it stays within 1 MiB.
 */
#define BODY_TREE_SLACK		(512 * 1024)

/* True for "application/json", with or without parameters. */
bool body_is_json_type(const char *content_type);

/* The same for "application/x-www-form-urlencoded" (OAuth's forms). */
bool body_is_form_type(const char *content_type);

/* The top-level "model" member, as struct body_facts reports it. */
enum body_model {
	BODY_MODEL_ABSENT,	/* no "model" member (or not an object) */
	BODY_MODEL_STRING,	/* a string, whole in body_facts.model */
	/*
	 * Present, but not a string, or one that holds U+0000 or does not
	 * fit BODY_MODEL_MAX: no allowlist can pass it.
	 */
	BODY_MODEL_OTHER,
};

/*
 * Top-level facts of a body, found while it is validated.  All members
 * are false / absent unless the value is an object that says so.
 */
struct body_facts {
	bool		 object;	/* the value is an object */
	bool		 stream;	/* "stream" is the literal true */
	bool		 has_stream;	/* "stream" is present, any value */
	bool		 has_stream_options;	/* "stream_options" is present */
	enum body_model	 model_kind;
	/* The decoded "model" string, NUL-terminated, for BODY_MODEL_STRING. */
	char		 model[BODY_MODEL_MAX];
};

/*
 * Validates body[0..len) (see the top of this file) and fills *facts,
 * without building a tree; len may be at most INT_MAX - 1.  Duplicate
 * keys are refused in the top-level object, the one object the relay
 * reads fields of in a body it forwards unchanged.
 * Returns RERR_OK; RERR_INVALID_JSON; RERR_JSON_DUPLICATE_KEY; or
 * RERR_JSON_TOO_COMPLEX when the top-level object has more than
 * BODY_JSON_MEMBERS_MAX members.  *facts is meaningful on RERR_OK only.
 */
enum rerr body_json_check(const char *body, size_t len,
    struct body_facts *facts);

struct json_object;

/*
 * As body_json_check, for a body that must be one JSON object, and builds
 * its json-c tree into *out (the caller puts it; NULL on failure).
 * Duplicate keys are refused in every object, and so are keys holding
 * U+0000 (json-c would cut them short, so the relay would read another
 * key than upstream sees) and strings or keys with an escaped lone low
 * surrogate ("\udc00", which yajl decodes to bytes that are not UTF-8,
 * and json-c would write out as they are).  Returns what body_json_check does,
 * RERR_JSON_NOT_OBJECT, or RERR_JSON_TOO_COMPLEX also when the tree
 * would cost more than len + BODY_TREE_SLACK bytes, which is decided
 * before any of it is built.
 */
enum rerr body_json_tree(const char *body, size_t len,
    struct body_facts *facts, struct json_object **out);

#endif
