/* Content-type checks, and JSON bodies: validation, facts and trees. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "policy/body.h"
#include "tests/unit/suites.h"

START_TEST(json_content_types)
{
	ck_assert(body_is_json_type("application/json"));
	ck_assert(body_is_json_type("Application/JSON; charset=utf-8"));
	ck_assert(body_is_json_type("application/json;charset=utf-8"));
	ck_assert(!body_is_json_type(NULL));
	ck_assert(!body_is_json_type(""));
	ck_assert(!body_is_json_type("application/jsonp"));
	ck_assert(!body_is_json_type("application/x-www-form-urlencoded"));
	ck_assert(!body_is_json_type("multipart/form-data; boundary=x"));
	ck_assert(!body_is_json_type("text/json"));
}
END_TEST

/*
 * What both entry points accept: strict RFC 8259.  json-c's strict mode
 * took single-quoted keys, NaN/Infinity and "1.", yajl takes \v and \f
 * for white space: none of those may reach upstream.
 */
static const struct {
	const char	*body;
	enum rerr	 rc;
} syntax[] = {
	{ "{}", RERR_OK },
	{ "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}", RERR_OK },
	{ "  {\"a\":[1,2,{\"b\":null}]}\n\t\r ", RERR_OK },
	{ "{\"t\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \\/ \\\" \\\\\"}",
	    RERR_OK },
	{ "{\"a\":[0,-0,1.5,-1.5e-3,1E+9,12345678901234567890123]}", RERR_OK },
	{ "{\"a\":true,\"b\":false,\"c\":null,\"d\":\"\x7f\"}", RERR_OK },
	/* A lone surrogate escape is JSON's grammar; upstream decides. */
	{ "{\"a\":\"\\ud800\"}", RERR_OK },
	{ "", RERR_INVALID_JSON },
	{ " \n", RERR_INVALID_JSON },
	{ "{", RERR_INVALID_JSON },
	{ "{\"a\":", RERR_INVALID_JSON },
	{ "{\"a\"}", RERR_INVALID_JSON },
	{ "{\"a\":1,}", RERR_INVALID_JSON },
	{ "{\"a\":[1,]}", RERR_INVALID_JSON },
	{ "{\"a\":[,1]}", RERR_INVALID_JSON },
	{ "{,}", RERR_INVALID_JSON },
	{ "{}{}", RERR_INVALID_JSON },
	{ "{} x", RERR_INVALID_JSON },
	/* yajl alone takes a string left open after the value. */
	{ "{} \"x", RERR_INVALID_JSON },
	{ "{\"a\":1}\"}", RERR_INVALID_JSON },
	{ "{'a':1}", RERR_INVALID_JSON },
	{ "{\"a\":'b'}", RERR_INVALID_JSON },
	{ "{a:1}", RERR_INVALID_JSON },
	{ "{\"a\":NaN}", RERR_INVALID_JSON },
	{ "{\"a\":Infinity}", RERR_INVALID_JSON },
	{ "{\"a\":-Infinity}", RERR_INVALID_JSON },
	{ "{\"a\":1.}", RERR_INVALID_JSON },
	{ "{\"a\":.5}", RERR_INVALID_JSON },
	{ "{\"a\":01}", RERR_INVALID_JSON },
	{ "{\"a\":-01}", RERR_INVALID_JSON },
	{ "{\"a\":+1}", RERR_INVALID_JSON },
	{ "{\"a\":-}", RERR_INVALID_JSON },
	{ "{\"a\":1e}", RERR_INVALID_JSON },
	{ "{\"a\":0x10}", RERR_INVALID_JSON },
	{ "{\"a\":True}", RERR_INVALID_JSON },
	{ "{\"a\":nul}", RERR_INVALID_JSON },
	{ "{/* c */\"a\":1}", RERR_INVALID_JSON },
	{ "{\"a\":1}// c", RERR_INVALID_JSON },
	{ "{\"a\":1}\n# c", RERR_INVALID_JSON },
	{ "{\v}", RERR_INVALID_JSON },
	{ "{\f\"a\":1}", RERR_INVALID_JSON },
	{ "{\"a\":\"\x01\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\t\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\n\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\\x41\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\\u12\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\\U0041\"}", RERR_INVALID_JSON },
	{ "\xef\xbb\xbf{}", RERR_INVALID_JSON },
	{ "{\"a\":\"\xff\"}", RERR_INVALID_JSON },
	/* Forms yajl's and json-c's own UTF-8 checks let through. */
	{ "{\"a\":\"\xc0\xaf\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\xed\xa0\x80\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", RERR_INVALID_JSON },
	{ "{\"a\xc3\":1}", RERR_INVALID_JSON },
};

START_TEST(json_syntax)
{
	struct body_facts	 f;
	struct json_object	*tree = NULL;
	const char		*body = syntax[_i].body;

	ck_assert_msg(body_json_check(body, strlen(body), &f) ==
	    syntax[_i].rc, "check %s", body);
	ck_assert_msg(body_json_tree(body, strlen(body), &f, &tree) ==
	    syntax[_i].rc, "tree %s", body);
	ck_assert(syntax[_i].rc == RERR_OK ? tree != NULL : tree == NULL);
	json_object_put(tree);
}
END_TEST

START_TEST(nul_bytes_are_not_json)
{
	struct body_facts	 f;
	struct json_object	*tree;

	ck_assert_int_eq(body_json_check("{}\0{}", 5, &f), RERR_INVALID_JSON);
	ck_assert_int_eq(body_json_check("{\"a\":\"\0\"}", 9, &f),
	    RERR_INVALID_JSON);
	ck_assert_int_eq(body_json_tree("{}\0", 3, &f, &tree),
	    RERR_INVALID_JSON);
	/* Escaped, it is a string's character like any other... */
	ck_assert_int_eq(body_json_check("{\"a\\u0000\":\"\\u0000\"}", 20, &f),
	    RERR_OK);
	/* ...but json-c would cut a key short there. */
	ck_assert_int_eq(body_json_tree("{\"a\\u0000b\":1}", 14, &f, &tree),
	    RERR_INVALID_JSON);
	ck_assert_ptr_null(tree);
}
END_TEST

/*
 * Escaped surrogates: grammatical JSON, so a body forwarded as it came
 * takes them, but yajl decodes a lone low one to bytes that are not
 * UTF-8, which no tree may hold (json-c would write them out).
 */
START_TEST(lone_surrogates)
{
	static const char *const refused[] = {
		"{\"a\":\"\\udc00\"}", "{\"\\udfff\":1}",
		"{\"a\":[\"x\\udc00y\"]}",
	};
	struct body_facts	 f;
	struct json_object	*tree, *v;
	size_t			 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_int_eq(body_json_check(refused[i],
		    strlen(refused[i]), &f), RERR_OK);
		ck_assert_int_eq(body_json_tree(refused[i],
		    strlen(refused[i]), &f, &tree), RERR_INVALID_JSON);
	}
	/* A pair is one character. */
	ck_assert_int_eq(body_json_tree("{\"a\":\"\\ud83d\\ude00\"}", 20,
	    &f, &tree), RERR_OK);
	ck_assert(json_object_object_get_ex(tree, "a", &v));
	ck_assert_str_eq(json_object_get_string(v), "\xf0\x9f\x98\x80");
	json_object_put(tree);
}
END_TEST

/* Values other than objects: any JSON for body_json_check, none for a tree. */
START_TEST(top_level_values)
{
	static const char *const values[] = {
		"[]", "[{}]", "\"text\"", "123", "-1.5e3", "null", "true",
	};
	struct body_facts	 f;
	struct json_object	*tree;
	size_t			 i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ck_assert_int_eq(body_json_check(values[i], strlen(values[i]),
		    &f), RERR_OK);
		ck_assert(!f.object);
		ck_assert_int_eq(body_json_tree(values[i], strlen(values[i]),
		    &f, &tree), RERR_JSON_NOT_OBJECT);
		ck_assert_ptr_null(tree);
	}
	ck_assert_int_eq(body_json_check("{}", 2, &f), RERR_OK);
	ck_assert(f.object);
}
END_TEST

static struct body_facts
facts_of(const char *body)
{
	struct body_facts	f;

	ck_assert_msg(body_json_check(body, strlen(body), &f) == RERR_OK,
	    "%s", body);
	return f;
}

START_TEST(top_level_facts)
{
	struct body_facts	f;
	char			long_model[BODY_MODEL_MAX + 16];

	f = facts_of("{\"model\":\"gpt-4o\",\"stream\":true,"
	    "\"stream_options\":{\"include_usage\":true}}");
	ck_assert(f.object && f.stream && f.has_stream);
	ck_assert(f.has_stream_options);
	ck_assert_int_eq(f.model_kind, BODY_MODEL_STRING);
	ck_assert_str_eq(f.model, "gpt-4o");

	f = facts_of("{\"input\":\"x\"}");
	ck_assert(!f.stream && !f.has_stream && !f.has_stream_options);
	ck_assert_int_eq(f.model_kind, BODY_MODEL_ABSENT);

	/* Only the literal true asks for a stream. */
	f = facts_of("{\"stream\":false}");
	ck_assert(!f.stream && f.has_stream);
	f = facts_of("{\"stream\":\"true\"}");
	ck_assert(!f.stream && f.has_stream);
	f = facts_of("{\"stream\":[true]}");
	ck_assert(!f.stream && f.has_stream);
	f = facts_of("{\"stream\":null}");
	ck_assert(!f.stream && f.has_stream);

	/* Top level only. */
	f = facts_of("{\"a\":{\"model\":\"m\",\"stream\":true,"
	    "\"stream_options\":{}},\"b\":[{\"model\":\"m\"}]}");
	ck_assert(!f.stream && !f.has_stream && !f.has_stream_options);
	ck_assert_int_eq(f.model_kind, BODY_MODEL_ABSENT);
	f = facts_of("[{\"model\":\"m\",\"stream\":true}]");
	ck_assert(!f.stream && !f.has_stream);
	ck_assert_int_eq(f.model_kind, BODY_MODEL_ABSENT);

	/* The model as upstream decodes it. */
	f = facts_of("{\"model\":\"gpt\\u002d4o\\/x\"}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_STRING);
	ck_assert_str_eq(f.model, "gpt-4o/x");
	f = facts_of("{\"model\":\"\"}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_STRING);
	ck_assert_str_eq(f.model, "");

	/* What no allowlist can pass. */
	f = facts_of("{\"model\":42}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_OTHER);
	f = facts_of("{\"model\":null}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_OTHER);
	f = facts_of("{\"model\":{\"name\":\"gpt-4o\"}}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_OTHER);
	f = facts_of("{\"model\":\"gpt-4o\\u0000x\"}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_OTHER);
	memset(long_model, 'm', sizeof(long_model));
	memcpy(long_model, "{\"model\":\"", 10);
	memcpy(long_model + BODY_MODEL_MAX + 10, "\"}", 3);
	f = facts_of(long_model);
	ck_assert_int_eq(f.model_kind, BODY_MODEL_OTHER);
	/* One byte shorter fits, NUL included. */
	memcpy(long_model + BODY_MODEL_MAX + 9, "\"}", 3);
	f = facts_of(long_model);
	ck_assert_int_eq(f.model_kind, BODY_MODEL_STRING);
	ck_assert_uint_eq(strlen(f.model), BODY_MODEL_MAX - 1);

	/* A key that is not "model" until decoded still is. */
	f = facts_of("{\"mod\\u0065l\":\"m\",\"\\u0073tream\":true}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_STRING);
	ck_assert(f.stream);
	/* One holding U+0000 is another key, for upstream too. */
	f = facts_of("{\"model\\u0000\":\"m\",\"stream\\u0000\":true}");
	ck_assert_int_eq(f.model_kind, BODY_MODEL_ABSENT);
	ck_assert(!f.has_stream);

	/* The tree's pass finds the same facts. */
	{
		struct json_object	*tree;
		const char		*body = "{\"model\":\"m\","
		    "\"stream\":true}";

		ck_assert_int_eq(body_json_tree(body, strlen(body), &f,
		    &tree), RERR_OK);
		ck_assert(f.object && f.stream && f.has_stream);
		ck_assert_str_eq(f.model, "m");
		json_object_put(tree);
	}
}
END_TEST

/*
 * Duplicates: the relay reads only the top level of a body it forwards as
 * it came, and every object of one it builds a tree of.
 */
static const struct {
	const char	*body;
	enum rerr	 check, tree;
} duplicates[] = {
	{ "{\"model\":\"gpt-4o-realtime-preview\",\"model\":\"gpt-realtime\"}",
	    RERR_JSON_DUPLICATE_KEY, RERR_JSON_DUPLICATE_KEY },
	{ "{\"stream\":false,\"input\":\"x\",\"stream\":true}",
	    RERR_JSON_DUPLICATE_KEY, RERR_JSON_DUPLICATE_KEY },
	{ "{\"a\":1,\"\\u0061\":2}",
	    RERR_JSON_DUPLICATE_KEY, RERR_JSON_DUPLICATE_KEY },
	{ "{\"\":1,\"\":2}", RERR_JSON_DUPLICATE_KEY, RERR_JSON_DUPLICATE_KEY },
	{ "{\"session\":{\"model\":\"a\",\"model\":\"b\"}}",
	    RERR_OK, RERR_JSON_DUPLICATE_KEY },
	{ "{\"a\":[{\"b\":1,\"c\":2,\"b\":3}]}",
	    RERR_OK, RERR_JSON_DUPLICATE_KEY },
	{ "{\"a\":{\"x\":1},\"b\":{\"x\":1},\"x\":{\"a\":1,\"b\":2}}",
	    RERR_OK, RERR_OK },
	{ "{\"a\":1,\"A\":2,\"a \":3,\"\\u0000\":4,\"\":5}", RERR_OK, RERR_OK },
};

START_TEST(duplicate_keys)
{
	struct body_facts	 f;
	struct json_object	*tree;
	const char		*body = duplicates[_i].body;

	ck_assert_msg(body_json_check(body, strlen(body), &f) ==
	    duplicates[_i].check, "check %s", body);
	if (strstr(body, "\\u0000") != NULL)
		return;	/* a tree takes no such key */
	ck_assert_msg(body_json_tree(body, strlen(body), &f, &tree) ==
	    duplicates[_i].tree, "tree %s", body);
	json_object_put(tree);
}
END_TEST

/* A top-level object of n members "k0" ... with a value each. */
static char *
members(size_t n, size_t *len)
{
	size_t	 cap = n * 16 + 8, i, o = 0;
	char	*s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	s[o++] = '{';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s\"k%zu\":%zu",
		    i ? "," : "", i, i);
	s[o++] = '}';
	s[o] = '\0';
	*len = o;
	return s;
}

START_TEST(top_level_members_are_capped)
{
	struct body_facts	 f;
	struct json_object	*tree;
	size_t			 len;
	char			*body = members(BODY_JSON_MEMBERS_MAX, &len);

	ck_assert_int_eq(body_json_check(body, len, &f), RERR_OK);
	ck_assert_int_eq(body_json_tree(body, len, &f, &tree), RERR_OK);
	ck_assert_int_eq(json_object_object_length(tree),
	    BODY_JSON_MEMBERS_MAX);
	json_object_put(tree);
	free(body);
	body = members(BODY_JSON_MEMBERS_MAX + 1, &len);
	ck_assert_int_eq(body_json_check(body, len, &f),
	    RERR_JSON_TOO_COMPLEX);
	ck_assert_int_eq(body_json_tree(body, len, &f, &tree),
	    RERR_JSON_TOO_COMPLEX);
	free(body);
	/* Repeated near the end, among many. */
	body = members(BODY_JSON_MEMBERS_MAX - 1, &len);
	memcpy(body + len - 1, ",\"k7\":0}", 9);
	ck_assert_int_eq(body_json_check(body, len + 7, &f),
	    RERR_JSON_DUPLICATE_KEY);
	free(body);
}
END_TEST

/* opener depth times, then inner, then closer depth times. */
static char *
nested(size_t depth, const char *opener, const char *inner,
    const char *closer, size_t *len)
{
	size_t	 o = strlen(opener), c = strlen(closer), i, n = 0;
	char	*s = malloc(depth * (o + c) + strlen(inner) + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < depth; i++, n += o)
		memcpy(s + n, opener, o);
	memcpy(s + n, inner, strlen(inner));
	n += strlen(inner);
	for (i = 0; i < depth; i++, n += c)
		memcpy(s + n, closer, c);
	s[n] = '\0';
	*len = n;
	return s;
}

START_TEST(nesting_is_bounded)
{
	struct body_facts	 f;
	struct json_object	*tree;
	size_t			 len;
	char			*deep;

	deep = nested(BODY_JSON_DEPTH, "{\"a\":", "1", "}", &len);
	ck_assert_int_eq(body_json_check(deep, len, &f), RERR_OK);
	ck_assert_int_eq(body_json_tree(deep, len, &f, &tree), RERR_OK);
	json_object_put(tree);
	free(deep);
	deep = nested(BODY_JSON_DEPTH, "[", "1", "]", &len);
	ck_assert_int_eq(body_json_check(deep, len, &f), RERR_OK);
	free(deep);

	deep = nested(BODY_JSON_DEPTH + 1, "{\"a\":", "1", "}", &len);
	ck_assert_int_eq(body_json_check(deep, len, &f), RERR_INVALID_JSON);
	ck_assert_int_eq(body_json_tree(deep, len, &f, &tree),
	    RERR_INVALID_JSON);
	free(deep);
	deep = nested(100000, "[", "", "]", &len);
	ck_assert_int_eq(body_json_check(deep, len, &f), RERR_INVALID_JSON);
	free(deep);
}
END_TEST

/* The tree holds what json-c's own parser would make of the text. */
START_TEST(tree_values)
{
	static const char body[] = "{\"i\":-42,\"u\":18446744073709551615,"
	    "\"big\":9223372036854775807,\"d\":1.50,\"e\":1e3,\"s\":\"a\\/b\","
	    "\"t\":true,\"n\":null,\"a\":[1,\"x\",{}],\"o\":{\"k\":\"v\"}}";
	struct body_facts	 f;
	struct json_object	*tree, *v;

	ck_assert_int_eq(body_json_tree(body, sizeof(body) - 1, &f, &tree),
	    RERR_OK);
	ck_assert(json_object_object_get_ex(tree, "i", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int64(v), -42);
	ck_assert(json_object_object_get_ex(tree, "u", &v));
	ck_assert_uint_eq(json_object_get_uint64(v), 18446744073709551615ULL);
	ck_assert(json_object_object_get_ex(tree, "big", &v));
	ck_assert_int_eq(json_object_get_int64(v), 9223372036854775807LL);
	ck_assert(json_object_object_get_ex(tree, "d", &v));
	ck_assert(json_object_is_type(v, json_type_double));
	ck_assert_str_eq(json_object_to_json_string(v), "1.50");
	ck_assert(json_object_object_get_ex(tree, "e", &v));
	ck_assert(json_object_get_double(v) == 1000.0);
	ck_assert(json_object_object_get_ex(tree, "s", &v));
	ck_assert_str_eq(json_object_get_string(v), "a/b");
	ck_assert(json_object_object_get_ex(tree, "t", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(tree, "n", &v));
	ck_assert_ptr_null(v);
	ck_assert(json_object_object_get_ex(tree, "a", &v));
	ck_assert_uint_eq(json_object_array_length(v), 3);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v,
	    1)), "x");
	ck_assert_str_eq(json_object_to_json_string_ext(tree,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"i\":-42,\"u\":18446744073709551615,"
	    "\"big\":9223372036854775807,\"d\":1.50,\"e\":1e3,\"s\":\"a/b\","
	    "\"t\":true,\"n\":null,\"a\":[1,\"x\",{}],\"o\":{\"k\":\"v\"}}");
	json_object_put(tree);
}
END_TEST

/* body with n copies of unit between prefix and suffix. */
static char *
repeated(const char *prefix, const char *unit, size_t n, const char *suffix,
    size_t *len)
{
	size_t	 p = strlen(prefix), u = strlen(unit), x = strlen(suffix), i;
	char	*s = malloc(p + u * n + x + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, p);
	for (i = 0; i < n; i++)
		memcpy(s + p + i * u, unit, u);
	memcpy(s + p + n * u, suffix, x + 1);
	*len = p + n * u + x;
	return s;
}

/* Bytes malloc has handed out and not had back. */
static size_t
heap_in_use(void)
{
	struct mallinfo2	m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/*
 * The shapes json-c makes most of: a tree over budget is refused, and
 * one just under it costs no more than the budget says (the bound is
 * only measurable with glibc's own allocator, not the sanitizers').
 */
START_TEST(trees_fit_their_budget)
{
	static const struct {
		const char	*prefix, *unit, *suffix;
		size_t		 unit_cost;	/* an upper bound */
	} shapes[] = {
		{ "{\"a\":[{}", ",{}", "]}", 1024 + 8 },
		{ "{\"a\":[[]", ",[]", "]}", 512 + 8 },
		{ "{\"a\":[0", ",0", "]}", 128 },
		{ "{\"a\":[\"\"", ",\"\"", "]}", 128 + 1 },
		{ "{\"a\":[{\"k\":0}", ",{\"k\":0}", "]}", 1024 + 192 + 128 },
	};
	struct body_facts	 f;
	struct json_object	*tree;
	size_t			 len, n, before, used, i;
	char			*body;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		/* Well over: 1 MiB of it. */
		n = (1024 * 1024) / strlen(shapes[i].unit);
		body = repeated(shapes[i].prefix, shapes[i].unit, n,
		    shapes[i].suffix, &len);
		ck_assert_int_eq(body_json_check(body, len, &f), RERR_OK);
		ck_assert_int_eq(body_json_tree(body, len, &f, &tree),
		    RERR_JSON_TOO_COMPLEX);
		ck_assert_ptr_null(tree);
		free(body);

		/* Near the budget, and within it. */
		n = BODY_TREE_SLACK / 10 * 9 / shapes[i].unit_cost;
		body = repeated(shapes[i].prefix, shapes[i].unit, n,
		    shapes[i].suffix, &len);
		before = heap_in_use();
		ck_assert_int_eq(body_json_tree(body, len, &f, &tree),
		    RERR_OK);
		used = heap_in_use() - before;
		(void)used;
#if !defined(__SANITIZE_ADDRESS__)
		ck_assert_msg(used <= len + BODY_TREE_SLACK, "shape %zu: %zu "
		    "values of %zu bytes made %zu bytes of tree", i, n, len,
		    used);
#endif
		json_object_put(tree);
		free(body);
	}
}
END_TEST

/*
 * Long strings cost their length once: a file in base64 makes a tree
 * about as large as the body; with escapes yajl's decoding buffer counts
 * too, so the same length no longer fits.
 */
START_TEST(long_strings_fit_once)
{
	struct body_facts	 f;
	struct json_object	*tree, *v;
	size_t			 len, n = 4 * 1024 * 1024;
	char			*body;

	body = repeated("{\"data_base64\":\"", "QUJD", n / 4, "\"}", &len);
	ck_assert_int_eq(body_json_tree(body, len, &f, &tree), RERR_OK);
	ck_assert(json_object_object_get_ex(tree, "data_base64", &v));
	ck_assert_int_eq(json_object_get_string_len(v), (int)n);
	json_object_put(tree);
	free(body);

	body = repeated("{\"data_base64\":\"", "AB\\/", n / 4, "\"}", &len);
	ck_assert_int_eq(body_json_check(body, len, &f), RERR_OK);
	ck_assert_int_eq(body_json_tree(body, len, &f, &tree),
	    RERR_JSON_TOO_COMPLEX);
	free(body);
	/* Short enough, it fits all the same. */
	body = repeated("{\"data_base64\":\"", "AB\\/", 16384, "\"}", &len);
	ck_assert_int_eq(body_json_tree(body, len, &f, &tree), RERR_OK);
	json_object_put(tree);
	free(body);

	/* A long number's text, too, kept as it came. */
	body = repeated("{\"n\":1", "0", 100000, "}", &len);
	ck_assert_int_eq(body_json_tree(body, len, &f, &tree), RERR_OK);
	ck_assert(json_object_object_get_ex(tree, "n", &v));
	ck_assert(json_object_is_type(v, json_type_double));
	ck_assert_uint_eq(strlen(json_object_to_json_string(v)), len - 6);
	ck_assert(strncmp(json_object_to_json_string(v), body + 5,
	    len - 6) == 0);
	json_object_put(tree);
	free(body);
}
END_TEST

Suite *
body_suite(void)
{
	Suite	*s = suite_create("body");
	TCase	*tc = tcase_create("json");

	tcase_add_test(tc, json_content_types);
	tcase_add_loop_test(tc, json_syntax, 0,
	    (int)(sizeof(syntax) / sizeof(syntax[0])));
	tcase_add_test(tc, nul_bytes_are_not_json);
	tcase_add_test(tc, lone_surrogates);
	tcase_add_test(tc, top_level_values);
	tcase_add_test(tc, top_level_facts);
	tcase_add_loop_test(tc, duplicate_keys, 0,
	    (int)(sizeof(duplicates) / sizeof(duplicates[0])));
	tcase_add_test(tc, top_level_members_are_capped);
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, tree_values);
	tcase_add_test(tc, trees_fit_their_budget);
	tcase_add_test(tc, long_strings_fit_once);
	suite_add_tcase(s, tc);
	return s;
}
