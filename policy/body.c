/*
 * Request bodies: the content type, and JSON read with yajl's streaming
 * parser.  One set of callbacks serves every pass over a body: they track
 * the nesting, the top-level facts and duplicate top-level keys, and,
 * asked to, add up what the body's json-c tree would cost, or build it.
 *
 * body_json_tree makes two passes.  The first costs the tree without
 * building it; only a body whose tree fits the budget gets the second,
 * which builds it.  One pass could not hold the bound: yajl decodes a
 * string with escapes into a buffer of its own before it hands it over,
 * so a long one would be in memory before a budget checked as it goes
 * could refuse it.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>
#include <yajl/yajl_parse.h>

#include "policy/body.h"
#include "policy/utf8.h"
#include "policy/xalloc.h"
#include "policy/yajlmem.h"
#include "policy/yajlwhole.h"

/*
 * What json-c spends on each part of a tree, in bytes, with malloc's own
 * overhead, measured on json-c 0.16 and rounded up: an empty object 795,
 * an empty array 395, a scalar 66 to 106 (with its slot in the array
 * holding it), a member 137 besides its value.  The bytes of strings,
 * keys and numbers' text come on top.
 */
#define COST_OBJECT	1024
#define COST_ARRAY	512
#define COST_SCALAR	128
#define COST_MEMBER	192

/* Numbers this long or shorter are converted from a buffer on the stack. */
#define NUMBER_SHORT	64

/* Which top-level member's value comes next. */
enum top_key {
	TOP_OTHER,
	TOP_MODEL,
	TOP_STREAM,
};

enum pass {
	PASS_CHECK,	/* validate and find the facts */
	PASS_COST,	/* the same, adding up what the tree would cost */
	PASS_BUILD,	/* build the tree of a body that passed PASS_COST */
};

struct scan {
	enum pass		 pass;
	const char		*body;
	size_t			 len;
	struct body_facts	*facts;
	enum rerr		 rc;		/* why a callback stopped yajl */
	size_t			 depth;		/* containers open */
	enum top_key		 top_key;
	size_t			 members;	/* of the top-level object */

	/* PASS_CHECK, PASS_COST: the top-level keys' hashes. */
	uint64_t		*hashes;
	size_t			 nslots;	/* a power of two */

	/*
	 * PASS_COST: the tree's bytes, and the largest of each buffer that
	 * lives beside it while it is built: yajl's for decoding escapes,
	 * the key being read, a long number's copy.
	 */
	size_t			 cost;
	size_t			 decoded;
	size_t			 keylen;
	size_t			 numlen;
	size_t			 budget;

	/* PASS_BUILD */
	struct json_object	*root;
	struct json_object	*open[BODY_JSON_DEPTH];
	char			*key;		/* the member being read */
	size_t			 keysz;
};

/* Whether content_type is type, with or without parameters. */
static bool
media_is(const char *content_type, const char *type)
{
	size_t	n = strlen(type);

	if (content_type == NULL)
		return false;
	content_type += strspn(content_type, " \t");
	return strncasecmp(content_type, type, n) == 0 &&
	    strchr("; \t", content_type[n]) != NULL;
}

bool
body_is_json_type(const char *content_type)
{
	return media_is(content_type, "application/json");
}

bool
body_is_form_type(const char *content_type)
{
	return media_is(content_type, "application/x-www-form-urlencoded");
}

/*
 * PASS_COST: counts cost more bytes of tree; false (stopping the parse
 * with RERR_JSON_TOO_COMPLEX) once the tree and the buffers beside it
 * would pass the budget.  Always true in the other passes.
 */
static bool
costs(struct scan *s, size_t cost)
{
	if (s->pass != PASS_COST)
		return true;
	s->cost += cost;
	if (s->cost + s->decoded + s->keylen + 1 + s->numlen <= s->budget)
		return true;
	s->rc = RERR_JSON_TOO_COMPLEX;
	return false;
}

/*
 * PASS_COST, for a string or key: yajl hands over one without escapes
 * where it lies in the body, and decodes the others into a buffer of its
 * own that stays as large as the longest of them.  It decodes an escaped
 * lone low surrogate ("\udc00") to bytes that are not UTF-8, which a
 * tree must not hold: json-c would write them out as they are.  False
 * (stopping the parse with RERR_INVALID_JSON) for those.
 */
static bool
decoded_ok(struct scan *s, const unsigned char *p, size_t len)
{
	uintptr_t	at = (uintptr_t)p, start = (uintptr_t)s->body;

	if (at >= start && at < start + s->len)
		return true;
	if (len > s->decoded)
		s->decoded = len;
	if (utf8_valid((const char *)p, len))
		return true;
	s->rc = RERR_INVALID_JSON;
	return false;
}

/*
 * PASS_BUILD: adds v (owned; NULL is JSON null) where the parse is: as
 * the root, as the next element of an array, or as the value of the
 * member whose key was just read.  PASS_COST: refuses a root that is not
 * an object.  Returns 0 to stop yajl.
 */
static int
tree_add(struct scan *s, struct json_object *v, bool is_object)
{
	struct json_object	*parent;

	if (s->depth == 0 && !is_object) {
		s->rc = RERR_JSON_NOT_OBJECT;
		return 0;
	}
	if (s->pass != PASS_BUILD)
		return 1;
	if (s->depth == 0) {
		s->root = v;
		return 1;
	}
	parent = s->open[s->depth - 1];
	if (json_object_is_type(parent, json_type_array))
		json_object_array_add(parent, v);
	else
		json_object_object_add_ex(parent, s->key, v,
		    JSON_C_OBJECT_ADD_KEY_IS_NEW);
	return 1;
}

static int
on_null(void *ctx)
{
	struct scan	*s = ctx;

	if (s->pass == PASS_CHECK)
		return 1;
	return costs(s, COST_SCALAR) && tree_add(s, NULL, false);
}

static int
on_boolean(void *ctx, int value)
{
	struct scan	*s = ctx;

	if (s->depth == 1 && s->top_key == TOP_STREAM)
		s->facts->stream = value != 0;
	if (s->pass == PASS_CHECK)
		return 1;
	return costs(s, COST_SCALAR) && tree_add(s, s->pass == PASS_BUILD ?
	    json_object_new_boolean(value) : NULL, false);
}

/*
 * A number as json-c's own parser makes it, an integer or a double that
 * keeps its text for serialising, except that an integer too large for
 * 64 bits keeps its text too, where json-c would saturate it.
 */
static struct json_object *
number_new(const char *text)
{
	long long		i;
	unsigned long long	u;

	if (strpbrk(text, ".eE") == NULL) {
		errno = 0;
		if (text[0] == '-') {
			i = strtoll(text, NULL, 10);
			if (errno == 0)
				return json_object_new_int64(i);
		} else {
			u = strtoull(text, NULL, 10);
			if (errno == 0)
				return u <= INT64_MAX ?
				    json_object_new_int64((int64_t)u) :
				    json_object_new_uint64(u);
		}
	}
	return json_object_new_double_s(strtod(text, NULL), text);
}

static int
on_number(void *ctx, const char *text, size_t len)
{
	struct scan		*s = ctx;
	struct json_object	*v;
	char			 shortbuf[NUMBER_SHORT + 1], *buf = shortbuf;

	switch (s->pass) {
	case PASS_CHECK:
		return 1;
	case PASS_COST:
		if (len > NUMBER_SHORT && len + 1 > s->numlen)
			s->numlen = len + 1;
		return costs(s, COST_SCALAR + len + 1) &&
		    tree_add(s, NULL, false);
	case PASS_BUILD:
		break;
	}
	if (len > NUMBER_SHORT)
		buf = xmalloc(len + 1);
	memcpy(buf, text, len);
	buf[len] = '\0';
	v = number_new(buf);
	if (buf != shortbuf)
		free(buf);
	return tree_add(s, v, false);
}

static int
on_string(void *ctx, const unsigned char *str, size_t len)
{
	struct scan		*s = ctx;
	struct body_facts	*f = s->facts;

	if (s->depth == 1 && s->top_key == TOP_MODEL &&
	    len < sizeof(f->model) && memchr(str, '\0', len) == NULL) {
		memcpy(f->model, str, len);
		f->model[len] = '\0';
		f->model_kind = BODY_MODEL_STRING;
	}
	if (s->pass == PASS_CHECK)
		return 1;
	/* A root string is refused as such, whatever it holds. */
	if (s->pass == PASS_COST && s->depth > 0 && !decoded_ok(s, str, len))
		return 0;
	return costs(s, COST_SCALAR + len + 1) && tree_add(s,
	    s->pass == PASS_BUILD ? json_object_new_string_len(
	    (const char *)str, (int)len) : NULL, false);
}

static int
container_start(struct scan *s, bool is_object)
{
	struct json_object	*v = NULL;

	if (s->depth == 0)
		s->facts->object = is_object;
	if (s->depth == BODY_JSON_DEPTH) {
		s->rc = RERR_INVALID_JSON;
		return 0;
	}
	if (s->pass != PASS_CHECK) {
		if (!costs(s, is_object ? COST_OBJECT : COST_ARRAY))
			return 0;
		if (s->pass == PASS_BUILD)
			v = is_object ? json_object_new_object() :
			    json_object_new_array();
		if (!tree_add(s, v, is_object))
			return 0;
		s->open[s->depth] = v;
	}
	s->depth++;
	return 1;
}

static int
on_start_map(void *ctx)
{
	return container_start(ctx, true);
}

static int
on_start_array(void *ctx)
{
	return container_start(ctx, false);
}

static int
on_end(void *ctx)
{
	struct scan	*s = ctx;

	s->depth--;
	return 1;
}

/* FNV-1a, 64 bits; never 0, which marks a free slot. */
static uint64_t
key_hash(const unsigned char *key, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

/* Puts h in the table of nslots (a power of two); false if it was there. */
static bool
slot_put(uint64_t *slots, size_t nslots, uint64_t h)
{
	size_t	i;

	for (i = h & (nslots - 1); slots[i] != 0; i = (i + 1) & (nslots - 1))
		if (slots[i] == h)
			return false;
	slots[i] = h;
	return true;
}

/*
 * Records a top-level key; false if it was there already.  Keys are
 * compared by their 64-bit hash, so none is copied: two different keys
 * that share one (for BODY_JSON_MEMBERS_MAX keys, about one chance in
 * 10^13) are refused as if repeated, never the other way round.
 */
static bool
key_new(struct scan *s, const unsigned char *key, size_t len)
{
	uint64_t	*old = s->hashes;
	size_t		 i, n = s->nslots;

	if (s->members * 2 > n) {
		s->nslots = n == 0 ? 32 : n * 2;
		s->hashes = xcalloc(s->nslots, sizeof(*s->hashes));
		for (i = 0; i < n; i++)
			if (old[i] != 0)
				slot_put(s->hashes, s->nslots, old[i]);
		free(old);
	}
	return slot_put(s->hashes, s->nslots, key_hash(key, len));
}

/*
 * A key of the top-level object: the facts it settles, and whether it
 * is new (PASS_BUILD leaves that to json-c, as for every other object).
 */
static bool
top_key_new(struct scan *s, const unsigned char *key, size_t len)
{
	struct body_facts	*f = s->facts;

	s->top_key = TOP_OTHER;
	if (len == 5 && memcmp(key, "model", 5) == 0) {
		s->top_key = TOP_MODEL;
		f->model_kind = BODY_MODEL_OTHER;	/* until a string */
	} else if (len == 6 && memcmp(key, "stream", 6) == 0) {
		s->top_key = TOP_STREAM;
		f->has_stream = true;
	} else if (len == 14 && memcmp(key, "stream_options", 14) == 0) {
		f->has_stream_options = true;
	}
	return s->pass == PASS_BUILD || key_new(s, key, len);
}

static int
on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct scan	*s = ctx;

	if (s->depth == 1) {
		if (++s->members > BODY_JSON_MEMBERS_MAX) {
			s->rc = RERR_JSON_TOO_COMPLEX;
			return 0;
		}
		if (!top_key_new(s, key, len)) {
			s->rc = RERR_JSON_DUPLICATE_KEY;
			return 0;
		}
	}
	switch (s->pass) {
	case PASS_CHECK:
		return 1;
	case PASS_COST:
		/* json-c would cut such a key short. */
		if (memchr(key, '\0', len) != NULL) {
			s->rc = RERR_INVALID_JSON;
			return 0;
		}
		if (!decoded_ok(s, key, len))
			return 0;
		if (len > s->keylen)
			s->keylen = len;
		return costs(s, COST_MEMBER + len + 1);
	case PASS_BUILD:
		break;
	}
	if (len + 1 > s->keysz) {
		s->keysz = len + 1;
		s->key = xrealloc(s->key, s->keysz);
	}
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	if (json_object_object_get_ex(s->open[s->depth - 1], s->key, NULL)) {
		s->rc = RERR_JSON_DUPLICATE_KEY;
		return 0;
	}
	return 1;
}

static const yajl_callbacks scan_callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

/* One pass of yajl over body[0..len) with s's callbacks. */
static enum rerr
scan_run(struct scan *s, const char *body, size_t len,
    struct body_facts *facts)
{
	struct yajlmem	mem;
	yajl_handle	h;
	yajl_status	st;

	memset(facts, 0, sizeof(*facts));
	s->body = body;
	s->len = len;
	s->facts = facts;
	/*
	 * yajl takes \v and \f for white space, which RFC 8259 does not;
	 * raw, they are invalid inside strings too, so none may appear.
	 */
	if (len == 0 || len > INT_MAX - 1 || !utf8_valid(body, len) ||
	    memchr(body, '\v', len) != NULL || memchr(body, '\f', len) != NULL)
		return RERR_INVALID_JSON;
	yajlmem_init(&mem);
	h = yajl_alloc(&scan_callbacks, &mem.funcs, s);
	if (h == NULL)
		abort();
	st = whole_parse(h, body, len);
	yajl_free(h);
	free(s->hashes);
	free(s->key);
	if (st == yajl_status_client_canceled)
		return s->rc;
	return st == yajl_status_ok ? RERR_OK : RERR_INVALID_JSON;
}

enum rerr
body_json_check(const char *body, size_t len, struct body_facts *facts)
{
	struct scan	s = { .pass = PASS_CHECK };

	return scan_run(&s, body, len, facts);
}

enum rerr
body_json_tree(const char *body, size_t len, struct body_facts *facts,
    struct json_object **out)
{
	struct scan	cost = { .pass = PASS_COST,
	    .budget = len + BODY_TREE_SLACK };
	struct scan	build = { .pass = PASS_BUILD };
	enum rerr	rc;

	*out = NULL;
	rc = scan_run(&cost, body, len, facts);
	if (rc != RERR_OK)
		return rc;
	rc = scan_run(&build, body, len, facts);
	if (rc != RERR_OK) {
		json_object_put(build.root);
		return rc;
	}
	*out = build.root;
	return RERR_OK;
}
