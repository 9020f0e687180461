/* Content-type and JSON-shape checks on request bodies. */
#include <string.h>

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
 * json-c's strict mode still takes three non-standard forms (single-quoted
 * keys, NaN/Infinity, "1."); those reach OpenAI, which rejects them
 * itself.  Everything below is what the relay must decide on its own.
 */
static const struct {
	const char	*body;
	enum rerr	 rc;
} bodies[] = {
	{ "{}", RERR_OK },
	{ "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}", RERR_OK },
	{ "  {\"a\":[1,2,{\"b\":null}]}\n\t ", RERR_OK },
	{ "{\"t\":\"caf\xc3\xa9 \\u00e9\"}", RERR_OK },
	{ "[]", RERR_JSON_NOT_OBJECT },
	{ "\"text\"", RERR_JSON_NOT_OBJECT },
	{ "123", RERR_JSON_NOT_OBJECT },
	{ "null", RERR_JSON_NOT_OBJECT },
	{ "", RERR_INVALID_JSON },
	{ "{", RERR_INVALID_JSON },
	{ "{\"a\":", RERR_INVALID_JSON },
	{ "{\"a\":1,}", RERR_INVALID_JSON },
	{ "{}{}", RERR_INVALID_JSON },
	{ "{} x", RERR_INVALID_JSON },
	{ "{\"a\":\"\xff\"}", RERR_INVALID_JSON },
	/* Forms json-c's UTF-8 check lets through. */
	{ "{\"a\":\"\xc0\xaf\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\xed\xa0\x80\"}", RERR_INVALID_JSON },
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", RERR_INVALID_JSON },
};

START_TEST(json_objects)
{
	ck_assert_msg(body_check_json_object(bodies[_i].body,
	    strlen(bodies[_i].body)) == bodies[_i].rc, "%s", bodies[_i].body);
}
END_TEST

START_TEST(embedded_nul_after_object)
{
	ck_assert_int_eq(body_check_json_object("{}\0{}", 5),
	    RERR_INVALID_JSON);
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char	deep[2 * 200 + 16];
	size_t	i, n = 0;

	deep[n++] = '{';
	deep[n++] = '"';
	deep[n++] = 'a';
	deep[n++] = '"';
	deep[n++] = ':';
	for (i = 0; i < 150; i++)
		deep[n++] = '[';
	for (i = 0; i < 150; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	ck_assert_int_eq(body_check_json_object(deep, n), RERR_INVALID_JSON);
}
END_TEST

Suite *
body_suite(void)
{
	Suite	*s = suite_create("body");
	TCase	*tc = tcase_create("json");

	tcase_add_test(tc, json_content_types);
	tcase_add_loop_test(tc, json_objects, 0,
	    (int)(sizeof(bodies) / sizeof(bodies[0])));
	tcase_add_test(tc, embedded_nul_after_object);
	tcase_add_test(tc, nesting_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}
