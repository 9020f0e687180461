/* Relay-key authentication, with the original relay's rules and texts. */
#include <string.h>

#include "policy/auth.h"
#include "tests/unit/suites.h"

#define KEY	"relay-key-0123456789"
#define KEY2	"second-key-abcdefghij"

static struct config	cfg;
static struct keyset	ks;

static void
make_config(const char *enabled, const char *key, const char *keys)
{
	const char	*values[SETTINGS_MAX] = { NULL };
	char		 err[256];

	values[setting_lookup("RELAY_AUTH_ENABLED")] = enabled;
	values[setting_lookup("RELAY_KEY")] = key;
	values[setting_lookup("RELAY_KEYS")] = keys;
	ck_assert_msg(config_build(values, &cfg, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(keys_build(&cfg, NULL, NULL, &ks, err, sizeof(err)),
	    0);
}

static void
teardown(void)
{
	keys_free(&ks);
	config_free(&cfg);
}

static enum rerr
check(const char *authorization, const char *x_relay_key, const char **who)
{
	const struct key_entry	*key;
	enum rerr		 rc = auth_check(&cfg, &ks, authorization,
	    x_relay_key, &key);

	ck_assert(rc == RERR_OK ? key != NULL : key == NULL);
	if (who != NULL)
		*who = key != NULL ? key->name : "-";
	return rc;
}

START_TEST(disabled_lets_everyone_in)
{
	const char	*who;

	make_config("false", NULL, NULL);
	ck_assert_int_eq(check(NULL, NULL, &who), RERR_OK);
	ck_assert_str_eq(who, "anonymous");
}
END_TEST

START_TEST(enabled_without_key_fails_closed)
{
	make_config(NULL, NULL, NULL);
	ck_assert_int_eq(check("Bearer anything-at-all-123", NULL, NULL),
	    RERR_AUTH_MISCONFIGURED);
	ck_assert_int_eq(rerr_info(RERR_AUTH_MISCONFIGURED)->status, 500);
}
END_TEST

START_TEST(bearer_and_header_accepted)
{
	const char	*who;

	make_config(NULL, KEY, NULL);
	ck_assert_int_eq(check("Bearer " KEY, NULL, &who), RERR_OK);
	ck_assert_str_eq(who, "default");
	ck_assert_int_eq(check("bearer   " KEY "  ", NULL, NULL), RERR_OK);
	ck_assert_int_eq(check(NULL, " " KEY " ", NULL), RERR_OK);
	ck_assert_int_eq(check("", KEY, NULL), RERR_OK);
}
END_TEST

START_TEST(missing_key)
{
	make_config(NULL, KEY, NULL);
	ck_assert_int_eq(check(NULL, NULL, NULL), RERR_MISSING_KEY);
	ck_assert_int_eq(check("Bearer ", NULL, NULL), RERR_MISSING_KEY);
	ck_assert_int_eq(check("bearer", NULL, NULL), RERR_MISSING_KEY);
	ck_assert_int_eq(check("Bearer    ", "  ", NULL), RERR_MISSING_KEY);
	ck_assert_str_eq(rerr_info(RERR_MISSING_KEY)->message,
	    "Missing relay key");
}
END_TEST

START_TEST(wrong_scheme_refused_even_with_good_header)
{
	make_config(NULL, KEY, NULL);
	ck_assert_int_eq(check("Basic dXNlcjpwYXNz", KEY, NULL),
	    RERR_BAD_AUTH_SCHEME);
	ck_assert_int_eq(check(KEY, NULL, NULL), RERR_BAD_AUTH_SCHEME);
	ck_assert_int_eq(check("Bearers " KEY, NULL, NULL),
	    RERR_BAD_AUTH_SCHEME);
	ck_assert_ptr_nonnull(strstr(rerr_info(RERR_BAD_AUTH_SCHEME)->message,
	    "Bearer"));
}
END_TEST

START_TEST(invalid_keys)
{
	char	huge[5000];

	make_config(NULL, KEY, NULL);
	ck_assert_int_eq(check("Bearer wrong-key-0123456789", NULL, NULL),
	    RERR_INVALID_KEY);
	ck_assert_int_eq(check("Bearer relay-key-012345678", NULL, NULL),
	    RERR_INVALID_KEY);
	ck_assert_int_eq(check("Bearer " KEY "0", NULL, NULL),
	    RERR_INVALID_KEY);
	/* X-Relay-Key wins over the bearer token. */
	ck_assert_int_eq(check("Bearer " KEY, "wrong-key-0123456789", NULL),
	    RERR_INVALID_KEY);
	memset(huge, 'k', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	ck_assert_int_eq(check(NULL, huge, NULL), RERR_INVALID_KEY);
	ck_assert_str_eq(rerr_info(RERR_INVALID_KEY)->message,
	    "Invalid relay key");
}
END_TEST

START_TEST(named_keys_identify_the_client)
{
	const char	*who;

	make_config(NULL, KEY, "alice:" KEY2 ",bob:bob-key-0123456789xyz");
	ck_assert_int_eq(check("Bearer " KEY2, NULL, &who), RERR_OK);
	ck_assert_str_eq(who, "alice");
	ck_assert_int_eq(check(NULL, "bob-key-0123456789xyz", &who), RERR_OK);
	ck_assert_str_eq(who, "bob");
	ck_assert_int_eq(check(NULL, KEY, &who), RERR_OK);
	ck_assert_str_eq(who, "default");
}
END_TEST

START_TEST(constant_time_equal)
{
	ck_assert(auth_equal("abc", "abc"));
	ck_assert(!auth_equal("abc", "abd"));
	ck_assert(!auth_equal("abc", "ab"));
	ck_assert(!auth_equal("abc", "abcd"));
	ck_assert(!auth_equal("abc", ""));
	ck_assert(!auth_equal("", "a"));
}
END_TEST

Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("check");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, disabled_lets_everyone_in);
	tcase_add_test(tc, enabled_without_key_fails_closed);
	tcase_add_test(tc, bearer_and_header_accepted);
	tcase_add_test(tc, missing_key);
	tcase_add_test(tc, wrong_scheme_refused_even_with_good_header);
	tcase_add_test(tc, invalid_keys);
	tcase_add_test(tc, named_keys_identify_the_client);
	tcase_add_test(tc, constant_time_equal);
	suite_add_tcase(s, tc);
	return s;
}
