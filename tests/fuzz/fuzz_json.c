/*
 * Request bodies: the yajl validator and its top-level facts, the tree
 * builder and its budget, and the realtime routes' checks on the trees
 * (model allowlist, session validation).  What the two entry points say
 * must agree, and a tree must survive its own serialisation.
 */
#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy/body.h"
#include "policy/realtime.h"
#include "policy/strlist.h"
#include "tests/fuzz/fuzz.h"

static bool
facts_equal(const struct body_facts *a, const struct body_facts *b)
{
	return a->object == b->object && a->stream == b->stream &&
	    a->has_stream == b->has_stream &&
	    a->has_stream_options == b->has_stream_options &&
	    a->model_kind == b->model_kind &&
	    (a->model_kind != BODY_MODEL_STRING ||
	    strcmp(a->model, b->model) == 0);
}

static void
check_facts(const struct body_facts *f)
{
	if (f->stream && !f->has_stream)
		abort();
	if ((f->has_stream || f->model_kind != BODY_MODEL_ABSENT) &&
	    !f->object)
		abort();
	if (f->model_kind == BODY_MODEL_STRING &&
	    strnlen(f->model, sizeof(f->model)) == sizeof(f->model))
		abort();
}

/* What json-c writes of a tree must read back the same. */
static void
round_trip(struct json_object *tree)
{
	struct body_facts	 f;
	struct json_object	*again;
	const char		*text;
	size_t			 len;

	text = json_object_to_json_string_length(tree,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (body_json_tree(text, len, &f, &again) != RERR_OK ||
	    !json_object_equal(tree, again))
		abort();
	json_object_put(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct body_facts	 checked, treed;
	struct json_object	*obj = NULL;
	const char		*body = (const char *)data, *param;
	double			 expires;
	enum rerr		 check, tree;
	struct strlist		 models;

	check = body_json_check(body, size, &checked);
	tree = body_json_tree(body, size, &treed, &obj);
	if (check == RERR_OK)
		check_facts(&checked);
	/* A tree is the stricter of the two, never the laxer. */
	if (tree == RERR_OK && (check != RERR_OK || obj == NULL ||
	    !facts_equal(&checked, &treed) || !checked.object))
		abort();
	if (tree != RERR_OK && obj != NULL)
		abort();
	if (check != RERR_OK && tree == RERR_OK)
		abort();
	if (check == RERR_OK && checked.object && tree != RERR_OK &&
	    tree != RERR_JSON_DUPLICATE_KEY && tree != RERR_INVALID_JSON &&
	    tree != RERR_JSON_TOO_COMPLEX)
		abort();
	if (check == RERR_OK && !checked.object &&
	    tree != RERR_JSON_NOT_OBJECT)
		abort();
	if (obj == NULL)
		return 0;

	round_trip(obj);
	strlist_parse(&models, "gpt-realtime*,gpt-4o-mini-realtime");
	if (realtime_check_mint(&models, obj, &param) != RERR_OK &&
	    param == NULL)
		abort();
	strlist_free(&models);
	if (realtime_check_validate(obj, 1.7e9, &expires, &param) ==
	    RERR_OK && !isnan(expires) && !(expires > 1.7e9))
		abort();
	json_object_put(obj);
	return 0;
}
