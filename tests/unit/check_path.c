/* Request-target syntax: what may be routed and forwarded verbatim. */
#include <string.h>

#include "policy/path.h"
#include "tests/unit/suites.h"

static const struct {
	const char	*path;
	enum rerr	 rc;
} paths[] = {
	{ "/", RERR_OK },
	{ "/v1/models", RERR_OK },
	{ "/v1/models/", RERR_OK },
	{ "/v1/responses:stream", RERR_OK },
	{ "/v1/models/ft:gpt-4o:org:x", RERR_OK },
	{ "/v1/files/file-abc_DEF.1~", RERR_OK },
	{ "/v1/models/ft%3Agpt", RERR_OK },
	{ "", RERR_BAD_PATH },
	{ "v1", RERR_BAD_PATH },
	{ "//v1/models", RERR_BAD_PATH },
	{ "/v1//models", RERR_BAD_PATH },
	{ "/v1/./models", RERR_BAD_PATH },
	{ "/v1/../admin", RERR_BAD_PATH },
	{ "/v1/..", RERR_BAD_PATH },
	{ "/v1/.", RERR_BAD_PATH },
	{ "/v1/a%2fb", RERR_BAD_PATH },
	{ "/v1/a%2Fb", RERR_BAD_PATH },
	{ "/v1/%2e%2e/x", RERR_BAD_PATH },
	{ "/v1/%2E", RERR_BAD_PATH },
	{ "/v1/a%00", RERR_BAD_PATH },
	{ "/v1/a%252e", RERR_BAD_PATH },
	{ "/v1/a%5c", RERR_BAD_PATH },
	{ "/v1/a%c3%a9", RERR_BAD_PATH },
	{ "/v1/a%2", RERR_BAD_PATH },
	{ "/v1/a%zz", RERR_BAD_PATH },
	{ "/v1/a b", RERR_BAD_PATH },
	{ "/v1/a\tb", RERR_BAD_PATH },
	{ "/v1/a#b", RERR_BAD_PATH },
	{ "/v1/a?b", RERR_BAD_PATH },
	{ "/v1/a\\b", RERR_BAD_PATH },
	{ "/v1/\xc3\xa9", RERR_BAD_PATH },
	{ "/v1/a\"b", RERR_BAD_PATH },
};

START_TEST(path_table_driven)
{
	ck_assert_msg(path_check(paths[_i].path) == paths[_i].rc,
	    "path_check(\"%s\")", paths[_i].path);
}
END_TEST

START_TEST(path_length_is_capped)
{
	char	long_path[2100];

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(path_check(long_path), RERR_BAD_PATH);
	long_path[2048] = '\0';
	ck_assert_int_eq(path_check(long_path), RERR_OK);
}
END_TEST

static const struct {
	const char	*query;
	enum rerr	 rc;
} queries[] = {
	{ "", RERR_OK },
	{ "limit=1", RERR_OK },
	{ "include[]=a&include[]=b", RERR_OK },
	{ "include%5B%5D=file_search_call.results&after=x%2Fy", RERR_OK },
	{ "a=b c", RERR_BAD_QUERY },
	{ "a=%zz", RERR_BAD_QUERY },
	{ "a=%4", RERR_BAD_QUERY },
	{ "a=\x01", RERR_BAD_QUERY },
	{ "a=\xc3\xa9", RERR_BAD_QUERY },
	{ "a=b#frag", RERR_BAD_QUERY },
};

START_TEST(query_table_driven)
{
	ck_assert_msg(query_check(queries[_i].query) == queries[_i].rc,
	    "query_check(\"%s\")", queries[_i].query);
}
END_TEST

Suite *
path_suite(void)
{
	Suite	*s = suite_create("path");
	TCase	*tc = tcase_create("syntax");

	tcase_add_loop_test(tc, path_table_driven, 0,
	    (int)(sizeof(paths) / sizeof(paths[0])));
	tcase_add_test(tc, path_length_is_capped);
	tcase_add_loop_test(tc, query_table_driven, 0,
	    (int)(sizeof(queries) / sizeof(queries[0])));
	suite_add_tcase(s, tc);
	return s;
}
