/* The error catalogue and its OpenAI-shaped envelope. */
#include <string.h>

#include <json.h>

#include "policy/error.h"
#include "tests/unit/suites.h"

START_TEST(every_error_is_described)
{
	int	e;

	for (e = 1; e < RERR__MAX; e++) {
		const struct rerr_info *info = rerr_info((enum rerr)e);

		ck_assert_msg(info->status >= 400 && info->status < 600,
		    "error %d", e);
		ck_assert_msg(info->message != NULL && info->message[0],
		    "error %d", e);
		ck_assert_msg(info->type != NULL && info->type[0], "%d", e);
		ck_assert_msg(info->code != NULL && info->code[0], "%d", e);
	}
}
END_TEST

START_TEST(statuses)
{
	ck_assert_int_eq(rerr_info(RERR_BAD_PATH)->status, 400);
	ck_assert_int_eq(rerr_info(RERR_MISSING_KEY)->status, 401);
	ck_assert_int_eq(rerr_info(RERR_NOT_FOUND)->status, 404);
	ck_assert_int_eq(rerr_info(RERR_METHOD_NOT_ALLOWED)->status, 405);
	ck_assert_int_eq(rerr_info(RERR_BODY_TOO_LARGE)->status, 413);
	ck_assert_int_eq(rerr_info(RERR_UNSUPPORTED_MEDIA)->status, 415);
	ck_assert_int_eq(rerr_info(RERR_UPSTREAM_KEY_MISSING)->status, 424);
	ck_assert_int_eq(rerr_info(RERR_UPSTREAM_FAILED)->status, 502);
	ck_assert_int_eq(rerr_info(RERR_UPSTREAM_TIMEOUT)->status, 504);
	ck_assert_int_eq(rerr_info(RERR__MAX)->status, 500);
	ck_assert_ptr_nonnull(strstr(rerr_info(RERR_UPSTREAM_FAILED)->message,
	    "Upstream request failed"));
}
END_TEST

START_TEST(envelope_shape)
{
	char			 buf[512];
	struct json_object	*root, *err, *v;
	int			 len;

	len = rerr_envelope(RERR_INVALID_JSON, NULL, "body", buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(strlen(buf), (size_t)len);
	root = json_tokener_parse(buf);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_uint_eq(json_object_object_length(root), 1);
	ck_assert(json_object_object_get_ex(err, "message", &v));
	ck_assert_str_eq(json_object_get_string(v),
	    "Request body is not valid JSON.");
	ck_assert(json_object_object_get_ex(err, "type", &v));
	ck_assert_str_eq(json_object_get_string(v), "invalid_request_error");
	ck_assert(json_object_object_get_ex(err, "param", &v));
	ck_assert_str_eq(json_object_get_string(v), "body");
	ck_assert(json_object_object_get_ex(err, "code", &v));
	ck_assert_str_eq(json_object_get_string(v), "invalid_json");
	json_object_put(root);

	len = rerr_envelope(RERR_NOT_FOUND, NULL, NULL, buf, sizeof(buf));
	root = json_tokener_parse(buf);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert(json_object_object_get_ex(err, "param", &v));
	ck_assert_ptr_null(v);
	json_object_put(root);

	ck_assert_int_eq(rerr_envelope(RERR_NOT_FOUND, NULL, NULL, buf, 10), -1);

	len = rerr_envelope(RERR_PROXY_DENIED, "blocked prefix: /v1/audio", NULL,
	    buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"message\":\"blocked prefix: "
	    "/v1/audio\""));
}
END_TEST

Suite *
error_suite(void)
{
	Suite	*s = suite_create("error");
	TCase	*tc = tcase_create("envelope");

	tcase_add_test(tc, every_error_is_described);
	tcase_add_test(tc, statuses);
	tcase_add_test(tc, envelope_shape);
	suite_add_tcase(s, tc);
	return s;
}
