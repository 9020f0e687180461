/* The realtime decisions: allowlist, minting and validate checks, the
 * bridge's upstream address and the subprotocol key. */
#include <math.h>
#include <string.h>

#include <json.h>

#include "policy/realtime.h"
#include "policy/strlist.h"
#include "tests/unit/suites.h"

/* A list as config_build parses RELAY_REALTIME_MODELS (the test frees). */
static struct strlist
models(const char *text)
{
	struct strlist	l;

	strlist_parse(&l, text);
	return l;
}

START_TEST(allowlist_exact_and_prefix)
{
	struct strlist	 parsed = models("gpt-realtime*, gpt-4o-realtime-preview");
	struct strlist	 none = models(""), all = models("*");
	struct strlist	*list = &parsed;

	ck_assert(realtime_model_allowed(list, "gpt-realtime"));
	ck_assert(realtime_model_allowed(list, "gpt-realtime-mini-2025-10-06"));
	ck_assert(realtime_model_allowed(list, "gpt-4o-realtime-preview"));
	ck_assert(!realtime_model_allowed(list, "gpt-4o-realtime-preview-x"));
	ck_assert(!realtime_model_allowed(list, "gpt-4o"));
	ck_assert(!realtime_model_allowed(list, "gpt-realtim"));
	ck_assert(!realtime_model_allowed(list, ""));
	ck_assert(!realtime_model_allowed(list, "gpt-realtime&x=1"));
	ck_assert(!realtime_model_allowed(&none, "gpt-realtime"));
	ck_assert(realtime_model_allowed(&all, "anything-goes"));
	strlist_free(&parsed);
	strlist_free(&none);
	strlist_free(&all);
}
END_TEST

static enum rerr
mint(const char *json, const char **param)
{
	struct json_object	*o = json_tokener_parse(json);
	struct strlist		 allowed = models("gpt-realtime*");
	enum rerr		 rc;

	ck_assert_ptr_nonnull(o);
	rc = realtime_check_mint(&allowed, o, param);
	json_object_put(o);
	strlist_free(&allowed);
	return rc;
}

START_TEST(mint_checks_model_and_session_model)
{
	const char	*param;

	ck_assert_int_eq(mint("{}", &param), RERR_OK);
	ck_assert_int_eq(mint("{\"model\":\"gpt-realtime\"}", &param), RERR_OK);
	ck_assert_int_eq(mint("{\"session\":{\"model\":\"gpt-realtime-mini\"}}",
	    &param), RERR_OK);
	ck_assert_int_eq(mint("{\"model\":\"gpt-4o\"}", &param),
	    RERR_UNSUPPORTED_MODEL);
	ck_assert_str_eq(param, "model");
	ck_assert_int_eq(mint("{\"model\":7}", &param), RERR_UNSUPPORTED_MODEL);
	ck_assert_int_eq(mint("{\"session\":{\"type\":\"realtime\","
	    "\"model\":\"o3\"}}", &param), RERR_UNSUPPORTED_MODEL);
	ck_assert_str_eq(param, "session.model");
	/* Upstream reads the body as it came, past an escaped NUL. */
	ck_assert_int_eq(mint("{\"model\":\"gpt-realtime\\u0000x\"}", &param),
	    RERR_UNSUPPORTED_MODEL);
	ck_assert_int_eq(mint("{\"session\":{\"model\":"
	    "\"gpt-realtime\\u0000\"}}", &param), RERR_UNSUPPORTED_MODEL);
}
END_TEST

static enum rerr
validate(const char *json, double *exp, const char **param)
{
	struct json_object	*o = json_tokener_parse(json);
	enum rerr		 rc;

	ck_assert_ptr_nonnull(o);
	rc = realtime_check_validate(o, 1000.0, exp, param);
	json_object_put(o);
	return rc;
}

START_TEST(validate_expiry_and_shape)
{
	const char	*param;
	double		 exp;

	ck_assert_int_eq(validate("{\"session_id\":\"s\"}", &exp, &param),
	    RERR_OK);
	ck_assert(isnan(exp));
	ck_assert_int_eq(validate("{\"session_id\":\"s\",\"expires_at\":1000.5}",
	    &exp, &param), RERR_OK);
	ck_assert(exp == 1000.5);
	ck_assert_int_eq(validate("{\"session_id\":\"s\",\"expires_at\":1000}",
	    &exp, &param), RERR_SESSION_EXPIRED);
	ck_assert_int_eq(validate("{\"expires_at\":2000}", &exp, &param),
	    RERR_MISSING_FIELD);
	ck_assert_str_eq(param, "session_id");
	ck_assert_int_eq(validate("{\"session_id\":\"s\",\"expires_at\":\"x\"}",
	    &exp, &param), RERR_INVALID_FIELD);
	ck_assert_int_eq(validate("{\"session_id\":\"s\",\"extra\":1}", &exp,
	    &param), RERR_INVALID_FIELD);
	ck_assert_ptr_null(param);
}
END_TEST

START_TEST(target_from_base)
{
	struct realtime_target	t;

	ck_assert_int_eq(realtime_target("https://api.openai.com",
	    "gpt-realtime", &t), 0);
	ck_assert(t.tls);
	ck_assert_str_eq(t.host, "api.openai.com");
	ck_assert_int_eq(t.port, 443);
	ck_assert_str_eq(t.path, "/v1/realtime?model=gpt-realtime");
	ck_assert_int_eq(realtime_target("http://127.0.0.1:8123/openai",
	    "a:b", &t), 0);
	ck_assert(!t.tls);
	ck_assert_str_eq(t.host, "127.0.0.1");
	ck_assert_int_eq(t.port, 8123);
	ck_assert_str_eq(t.path, "/openai/v1/realtime?model=a%3Ab");
	ck_assert_int_eq(realtime_target("http://h:99999", "m", &t), -1);
	ck_assert_int_eq(realtime_target("ftp://h", "m", &t), -1);
}
END_TEST

START_TEST(subprotocol_key)
{
	const char	*k;
	size_t		 len;

	k = realtime_subprotocol_key("realtime, openai-insecure-api-key.abc123,"
	    " openai-beta.realtime-v1", &len);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(len, 6);
	ck_assert(strncmp(k, "abc123", len) == 0);
	ck_assert_ptr_null(realtime_subprotocol_key("realtime", &len));
	ck_assert_ptr_null(realtime_subprotocol_key(
	    "openai-insecure-api-key.", &len));
}
END_TEST

Suite *
realtime_suite(void)
{
	Suite	*s = suite_create("realtime");
	TCase	*tc = tcase_create("decisions");

	tcase_add_test(tc, allowlist_exact_and_prefix);
	tcase_add_test(tc, mint_checks_model_and_session_model);
	tcase_add_test(tc, validate_expiry_and_shape);
	tcase_add_test(tc, target_from_base);
	tcase_add_test(tc, subprotocol_key);
	suite_add_tcase(s, tc);
	return s;
}
