/*
 * Relay configurations other than the normal one, each through lighttpd:
 * no OpenAI key, auth on without a relay key, auth explicitly off.
 */
#include <string.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH	"Authorization: Bearer " TEST_RELAY_KEY

static void
get(const char *target, const char *const *headers, struct response *r)
{
	ck_assert(http_request(integ_frontend->base_url, "GET", target,
	    headers, NULL, 0, r) == 0);
}

static void
assert_code(const struct response *r, long status, const char *code)
{
	struct json_object	*root, *err;

	ck_assert_msg(r->status == status, "%ld: %s", r->status, r->body);
	root = response_json(r);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_str_eq(json_str(err, "code"), code);
	json_object_put(root);
}

START_TEST(missing_upstream_key_is_424)
{
	static const char *const auth[] = { AUTH, NULL };
	struct json_object	*root, *openai;
	struct response		 r;

	get("/v1/models", auth, &r);
	assert_code(&r, 424, "upstream_key_missing");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);

	get("/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	root = response_json(&r);
	ck_assert(json_object_object_get_ex(root, "openai", &openai));
	ck_assert(!json_object_get_boolean(json_object_object_get(openai,
	    "api_key_configured")));
	json_object_put(root);
	response_free(&r);
}
END_TEST

START_TEST(auth_on_without_key_fails_closed)
{
	static const char *const auth[] = { AUTH, NULL };
	struct response		 r;

	get("/v1/models", auth, &r);
	assert_code(&r, 500, "relay_auth_misconfigured");
	response_free(&r);
	get("/v1/actions/ping", NULL, &r);
	assert_code(&r, 500, "relay_auth_misconfigured");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);

	get("/health", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	response_free(&r);
}
END_TEST

START_TEST(auth_off_serves_without_key)
{
	struct json_object	*list, *up;
	struct response		 r;

	get("/v1/models", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	response_free(&r);
	list = fake_requests(integ_fake_url);
	ck_assert_uint_eq(json_object_array_length(list), 1);
	up = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(recorded_header(up, "Authorization"),
	    "Bearer " TEST_OPENAI_KEY);
	json_object_put(list);
}
END_TEST

static Suite *
one_test_suite(const char *name, const TTest *test)
{
	Suite	*s = suite_create(name);
	TCase	*tc = tcase_create(name);

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	_tcase_add_test(tc, test, 0, 0, 0, 1);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
no_upstream_key_suite(void)
{
	return one_test_suite("no-upstream-key", missing_upstream_key_is_424);
}

Suite *
auth_misconfigured_suite(void)
{
	return one_test_suite("auth-misconfigured",
	    auth_on_without_key_fails_closed);
}

Suite *
auth_disabled_suite(void)
{
	return one_test_suite("auth-disabled", auth_off_serves_without_key);
}
