/* Header allowlists in both directions. */
#include "policy/headers.h"
#include "tests/unit/suites.h"

START_TEST(request_allowlist)
{
	static const char *const pass[] = {
		"Content-Type", "content-type", "Accept", "OpenAI-Beta",
		"Idempotency-Key",
	};
	static const char *const drop[] = {
		"Authorization", "X-Relay-Key", "Cookie", "Connection",
		"Keep-Alive", "Proxy-Authorization", "TE", "Trailer",
		"Transfer-Encoding", "Upgrade", "Host", "Content-Length",
		"Accept-Encoding", "X-Forwarded-For", "Forwarded", "Origin",
		"OpenAI-Organization", "OpenAI-Project", "X-Api-Key",
		"Proxy", "User-Agent",
	};
	size_t	i;

	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		ck_assert_msg(headers_request_allowed(pass[i]), "%s", pass[i]);
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		ck_assert_msg(!headers_request_allowed(drop[i]), "%s", drop[i]);
}
END_TEST

START_TEST(value_control_characters)
{
	static const char *const pass[] = {
		"", "application/json", "a\tb", "caf\xc3\xa9", "~!\"#$%&'()*",
	};
	static const char *const refuse[] = {
		"a\r\nX-Forged: 1", "a\nb", "a\rb", "\x01", "a\x7f", "\x1b[0m",
	};
	size_t	i;

	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		ck_assert_msg(headers_value_valid(pass[i]), "%s", pass[i]);
	for (i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++)
		ck_assert_msg(!headers_value_valid(refuse[i]), "%zu", i);
}
END_TEST

START_TEST(response_allowlist)
{
	static const char *const drop[] = {
		"Authorization", "Set-Cookie", "Connection", "Keep-Alive",
		"Transfer-Encoding", "Content-Encoding", "Upgrade", "Server",
		"OpenAI-Organization", "Strict-Transport-Security",
		"Alt-Svc", "CF-Ray", "X-Relay-Key", "Trailer",
		"X-Relay-Request-Id",
	};
	size_t	i;

	ck_assert_str_eq(headers_response_name("content-type"),
	    "Content-Type");
	ck_assert_str_eq(headers_response_name("openai-processing-ms"),
	    "OpenAI-Processing-Ms");
	ck_assert_str_eq(headers_response_name("x-ratelimit-remaining-tokens"),
	    "x-ratelimit-remaining-tokens");
	ck_assert_str_eq(headers_response_name("retry-after-ms"),
	    "Retry-After-Ms");
	/* OpenAI's id under its own name: SDKs read x-request-id. */
	ck_assert_str_eq(headers_response_name("X-Request-ID"),
	    "x-request-id");
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		ck_assert_msg(headers_response_name(drop[i]) == NULL, "%s",
		    drop[i]);
}
END_TEST

Suite *
headers_suite(void)
{
	Suite	*s = suite_create("headers");
	TCase	*tc = tcase_create("allowlists");

	tcase_add_test(tc, request_allowlist);
	tcase_add_test(tc, response_allowlist);
	tcase_add_test(tc, value_control_characters);
	suite_add_tcase(s, tc);
	return s;
}
