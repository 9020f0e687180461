/*
 * The realtime HTTP routes through a real front server: minting calls
 * forwarded for allowed models only, and the two local helpers, which
 * must never reach upstream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH	"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT	"Content-Type: application/json"

static void
post(const char *target, const char *body, struct response *r)
{
	static const char *const headers[] = { AUTH, JSON_CT, NULL };

	ck_assert_msg(http_request(integ_frontend->base_url, "POST", target,
	    headers, body, strlen(body), r) == 0, "no answer for %s", target);
}

/* The error code of r's envelope (static copy), or "" */
static const char *
error_code(const struct response *r, char *buf, size_t bufsz)
{
	struct json_object	*root = response_json(r), *err;

	buf[0] = '\0';
	if (root != NULL && json_object_object_get_ex(root, "error", &err))
		snprintf(buf, bufsz, "%s", json_str(err, "code") ?
		    json_str(err, "code") : "");
	json_object_put(root);
	return buf;
}

static const struct {
	const char	*path;
	const char	*body;
} allowed[] = {
	{ "/v1/realtime/sessions",
	    "{\"model\":\"gpt-realtime\",\"voice\":\"marin\"}" },
	{ "/v1/realtime/client_secrets",
	    "{\"session\":{\"type\":\"realtime\","
	    "\"model\":\"gpt-realtime-mini-2025-10-06\"}}" },
	{ "/v1/realtime/transcription_sessions",
	    "{\"input_audio_format\":\"pcm16\"}" },
};

START_TEST(allowed_model_is_forwarded_unchanged)
{
	struct json_object	*list, *rec;
	struct response		 r;
	const char		*body = allowed[_i].body;

	post(allowed[_i].path, body, &r);
	ck_assert_msg(r.status == 200, "%ld: %s", r.status, r.body);
	ck_assert_ptr_null(strstr(r.headers, TEST_OPENAI_KEY));
	response_free(&r);
	list = fake_requests(integ_fake_url);
	ck_assert_ptr_nonnull(list);
	ck_assert_uint_eq(json_object_array_length(list), 1);
	rec = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(json_str(rec, "method"), "POST");
	ck_assert_str_eq(json_str(rec, "path"), allowed[_i].path);
	ck_assert_str_eq(json_str(rec, "body"), body);
	ck_assert_str_eq(recorded_header(rec, "Authorization"),
	    "Bearer " TEST_OPENAI_KEY);
	json_object_put(list);
}
END_TEST

static const struct {
	const char	*path;
	const char	*body;
	const char	*param;
} refused[] = {
	{ "/v1/realtime/sessions", "{\"model\":\"gpt-4o\"}", "model" },
	{ "/v1/realtime/sessions", "{\"model\":[\"gpt-realtime\"]}", "model" },
	{ "/v1/realtime/client_secrets",
	    "{\"session\":{\"type\":\"realtime\",\"model\":\"o3-pro\"}}",
	    "session.model" },
	{ "/v1/realtime/transcription_sessions",
	    "{\"model\":\"gpt-4o-realtime-preview\"}", "model" },
};

START_TEST(unsupported_model_is_400_and_reaches_nothing)
{
	struct json_object	*root, *err;
	struct response		 r;
	char			 code[64];

	post(refused[_i].path, refused[_i].body, &r);
	ck_assert_msg(r.status == 400, "%ld: %s", r.status, r.body);
	ck_assert_str_eq(error_code(&r, code, sizeof(code)),
	    "unsupported_model");
	root = response_json(&r);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_str_eq(json_str(err, "param"), refused[_i].param);
	/* Never echoes what the client sent. */
	ck_assert_ptr_null(strstr(r.body, "o3-pro"));
	json_object_put(root);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/*
 * The body goes upstream as it came, so the model checked must be the one
 * upstream reads: a repeated key (json-c kept the last, upstream may
 * take either) or one holding an escaped NUL is refused.
 */
static const struct {
	const char	*path;
	const char	*body;
	const char	*code;
} ambiguous[] = {
	{ "/v1/realtime/sessions", "{\"model\":\"gpt-4o-realtime-preview\","
	    "\"model\":\"gpt-realtime\"}", "duplicate_json_key" },
	{ "/v1/realtime/client_secrets", "{\"session\":{\"type\":\"realtime\","
	    "\"model\":\"o3-pro\",\"model\":\"gpt-realtime\"}}",
	    "duplicate_json_key" },
	{ "/v1/realtime/client_secrets", "{\"session\":{\"model\":"
	    "\"gpt-realtime\"},\"session\":{\"model\":\"o3-pro\"}}",
	    "duplicate_json_key" },
	{ "/v1/realtime/sessions", "{\"model\":\"gpt-realtime\\u0000x\"}",
	    "unsupported_model" },
	{ "/v1/realtime/sessions", "{\"model\\u0000\":\"gpt-realtime\"}",
	    "invalid_json" },
};

START_TEST(ambiguous_model_is_400_and_reaches_nothing)
{
	struct response	r;
	char		code[64];

	post(ambiguous[_i].path, ambiguous[_i].body, &r);
	ck_assert_msg(r.status == 400, "%s: %ld: %s", ambiguous[_i].body,
	    r.status, r.body);
	ck_assert_str_eq(error_code(&r, code, sizeof(code)),
	    ambiguous[_i].code);
	ck_assert_ptr_null(strstr(r.body, "preview"));
	ck_assert_ptr_null(strstr(r.body, "o3-pro"));
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(validate_answers_200_or_410_locally)
{
	struct json_object	*root;
	struct response		 r;
	char			 body[128], code[64];
	long			 now = (long)time(NULL);

	snprintf(body, sizeof(body), "{\"session_id\":\"sess_1\","
	    "\"expires_at\":%ld}", now + 600);
	post("/v1/realtime/sessions/validate", body, &r);
	ck_assert_msg(r.status == 200, "%ld: %s", r.status, r.body);
	root = response_json(&r);
	ck_assert_str_eq(json_str(root, "status"), "ok");
	ck_assert_str_eq(json_str(root, "session_id"), "sess_1");
	json_object_put(root);
	response_free(&r);

	snprintf(body, sizeof(body), "{\"session_id\":\"sess_1\","
	    "\"expires_at\":%ld}", now - 1);
	post("/v1/realtime/sessions/validate", body, &r);
	ck_assert_msg(r.status == 410, "%ld: %s", r.status, r.body);
	ck_assert_str_eq(error_code(&r, code, sizeof(code)), "session_expired");
	response_free(&r);

	post("/v1/realtime/sessions/validate", "{\"expires_at\":1}", &r);
	ck_assert_int_eq(r.status, 400);
	response_free(&r);
	post("/v1/realtime/sessions/validate",
	    "{\"session_id\":\"s\",\"other\":1}", &r);
	ck_assert_int_eq(r.status, 400);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(introspect_shape_without_secrets)
{
	static const char *const headers[] = { AUTH, NULL };
	static const char *const keys[] = { "status", "realtime_model",
	    "realtime_models", "openai_api_base", "openai_realtime_beta",
	    "websocket_enabled", "now" };
	struct json_object	*root, *v;
	struct response		 r;
	size_t			 i;

	ck_assert_int_eq(http_request(integ_frontend->base_url, "GET",
	    "/v1/realtime/sessions/introspect", headers, NULL, 0, &r), 0);
	ck_assert_msg(r.status == 200, "%ld: %s", r.status, r.body);
	ck_assert_ptr_null(strstr(r.body, TEST_OPENAI_KEY));
	ck_assert_ptr_null(strstr(r.body, TEST_RELAY_KEY));
	root = response_json(&r);
	ck_assert_ptr_nonnull(root);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_object_get_ex(root, keys[i], &v),
		    "no %s", keys[i]);
	ck_assert_uint_eq(json_object_object_length(root),
	    sizeof(keys) / sizeof(keys[0]));
	ck_assert_str_eq(json_str(root, "realtime_model"), "gpt-realtime");
	ck_assert_str_eq(json_str(root, "realtime_models"), "gpt-realtime*");
	ck_assert_str_eq(json_str(root, "openai_api_base"), integ_fake_url);
	json_object_put(root);
	response_free(&r);

	/* Protected like every non-public route. */
	ck_assert_int_eq(http_request(integ_frontend->base_url, "GET",
	    "/v1/realtime/sessions/introspect", NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 401);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

void
add_realtime_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("realtime-http");

	(void)kind;
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_loop_test(tc, allowed_model_is_forwarded_unchanged, 0,
	    (int)(sizeof(allowed) / sizeof(allowed[0])));
	tcase_add_loop_test(tc, unsupported_model_is_400_and_reaches_nothing,
	    0, (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_loop_test(tc, ambiguous_model_is_400_and_reaches_nothing, 0,
	    (int)(sizeof(ambiguous) / sizeof(ambiguous[0])));
	tcase_add_test(tc, validate_answers_200_or_410_locally);
	tcase_add_test(tc, introspect_shape_without_secrets);
	suite_add_tcase(s, tc);
}
