/* The route table's invariants and the router's decisions. */
#include <string.h>

#include "policy/route.h"
#include "tests/unit/suites.h"

START_TEST(operation_ids_unique_and_verb_first)
{
	size_t	i, j;

	for (i = 0; i < routes_count; i++) {
		const char *op = routes[i].operation_id;

		ck_assert_msg(op[0] >= 'a' && op[0] <= 'z',
		    "%s is not camelCase", op);
		ck_assert_msg(strpbrk(op, "_- ") == NULL, "%s", op);
		for (j = i + 1; j < routes_count; j++)
			ck_assert_msg(strcmp(op, routes[j].operation_id) != 0,
			    "duplicate operationId %s", op);
	}
}
END_TEST

START_TEST(rows_unique_and_well_formed)
{
	size_t	i, j;

	for (i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];

		ck_assert_msg(r->path[0] == '/', "%s", r->path);
		ck_assert_msg(strlen(r->summary) > 0 &&
		    strlen(r->summary) <= 300, "%s", r->path);
		ck_assert_msg(r->method != METHOD_GET || r->body == BODY_NONE,
		    "GET %s takes a body", r->path);
		for (j = i + 1; j < routes_count; j++)
			ck_assert_msg(r->method != routes[j].method ||
			    strcmp(r->path, routes[j].path) != 0,
			    "%s %s twice", method_name(r->method), r->path);
	}
}
END_TEST

START_TEST(reads_are_not_consequential)
{
	size_t	i;

	for (i = 0; i < routes_count; i++)
		if (routes[i].method == METHOD_GET)
			ck_assert_msg(!routes[i].consequential, "%s",
			    routes[i].path);
}
END_TEST

START_TEST(public_routes_are_the_originals)
{
	static const char *const expected[] = {
		"/", "/health", "/v1/health", "/manifest",
		"/openapi.json", "/openapi.actions.json", "/docs",
		"/docs/{asset}",
	};
	size_t	i, k, npublic = 0;

	for (i = 0; i < routes_count; i++) {
		bool listed = false;

		if (!routes[i].public)
			continue;
		npublic++;
		for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
			listed |= strcmp(routes[i].path, expected[k]) == 0;
		ck_assert_msg(listed, "%s is public", routes[i].path);
	}
	ck_assert_uint_eq(npublic, 8);
}
END_TEST

START_TEST(every_bucket_has_a_name)
{
	int	b;

	for (b = 0; b < BUCKET__MAX; b++)
		ck_assert_ptr_nonnull(bucket_name((enum bucket)b));
	ck_assert_str_eq(bucket_name(BUCKET_EXCLUDE_META_NONV1),
	    "EXCLUDE_META_NONV1");
}
END_TEST

/* Table-driven: method, path, expected result, expected template. */
static const struct {
	const char	*method;
	const char	*path;
	enum rerr	 rc;
	const char	*tmpl;
} cases[] = {
	{ "GET", "/health", RERR_OK, "/health" },
	{ "GET", "/", RERR_OK, "/" },
	{ "POST", "/v1/responses", RERR_OK, "/v1/responses" },
	{ "GET", "/v1/responses/resp_123", RERR_OK,
	    "/v1/responses/{response_id}" },
	{ "DELETE", "/v1/responses/resp_123", RERR_OK,
	    "/v1/responses/{response_id}" },
	{ "POST", "/v1/responses/compact", RERR_OK, "/v1/responses/compact" },
	{ "POST", "/v1/responses/resp_1/cancel", RERR_OK,
	    "/v1/responses/{response_id}/cancel" },
	{ "GET", "/v1/models/ft:gpt-4o-mini:org:abc", RERR_OK,
	    "/v1/models/{model}" },
	{ "GET", "/v1/models/ft%3Agpt-4o", RERR_OK, "/v1/models/{model}" },
	{ "GET", "/v1/vector_stores/vs_1/file_batches/b_2/files", RERR_OK,
	    "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files" },
	{ "GET", "/actions/system/info", RERR_OK, "/actions/system/info" },
	{ "PUT", "/v1/models", RERR_METHOD_NOT_ALLOWED, NULL },
	{ "PROPFIND", "/v1/files", RERR_METHOD_NOT_ALLOWED, NULL },
	{ "GET", "/v1/nope", RERR_NOT_FOUND, NULL },
	{ "GET", "/v1/models/", RERR_NOT_FOUND, NULL },
	{ "GET", "/v1/models/a/b", RERR_NOT_FOUND, NULL },
	{ "GET", "/V1/models", RERR_NOT_FOUND, NULL },
	{ "GET", "/v1//models", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/..", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/%2e%2e", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/a%2Fb", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/a%00", RERR_BAD_PATH, NULL },
	{ "GET", "", RERR_BAD_PATH, NULL },
	{ "GET", "v1/models", RERR_BAD_PATH, NULL },
};

START_TEST(router_table_driven)
{
	const struct route	*r;
	char			 allow[64];
	enum rerr		 rc;

	rc = route_match(cases[_i].method, cases[_i].path, &r, allow,
	    sizeof(allow));
	ck_assert_msg(rc == cases[_i].rc, "%s %s: got %d want %d",
	    cases[_i].method, cases[_i].path, rc, cases[_i].rc);
	if (cases[_i].tmpl != NULL)
		ck_assert_str_eq(r->path, cases[_i].tmpl);
	else
		ck_assert_ptr_null(r);
}
END_TEST

START_TEST(allow_lists_every_method_of_the_path)
{
	const struct route	*r;
	char			 allow[64];

	ck_assert_int_eq(route_match("PATCH", "/v1/files/file_1", &r, allow,
	    sizeof(allow)), RERR_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(allow, "GET, DELETE");
	ck_assert_int_eq(route_match("GET", "/v1/embeddings", &r, allow,
	    sizeof(allow)), RERR_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(allow, "POST");
}
END_TEST

Suite *
route_suite(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("table");

	tcase_add_test(tc, operation_ids_unique_and_verb_first);
	tcase_add_test(tc, rows_unique_and_well_formed);
	tcase_add_test(tc, reads_are_not_consequential);
	tcase_add_test(tc, public_routes_are_the_originals);
	tcase_add_test(tc, every_bucket_has_a_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("router");
	tcase_add_loop_test(tc, router_table_driven, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, allow_lists_every_method_of_the_path);
	suite_add_tcase(s, tc);
	return s;
}
