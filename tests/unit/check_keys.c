/* The keys file's grammar, matching, lookup and what options allow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/config.h"
#include "policy/keys.h"
#include "policy/secret.h"
#include "tests/unit/suites.h"

#define ALICE	"alice-key-0123456789"
/* sha256("alice-key-0123456789"), as `relay keys add` would write it. */
static char		alice_hash[KEYS_HASH_LEN + 1];
static struct config	cfg;
static struct keyset	ks;

static void
setup(void)
{
	const char	*values[SETTINGS_MAX] = { NULL };
	char		 err[256];

	values[setting_lookup("RELAY_KEYS")] = "ops:ops-key-0123456789ab";
	ck_assert_msg(config_build(values, &cfg, err, sizeof(err)) == 0, "%s",
	    err);
	secret_sha256_hex(ALICE, alice_hash);
}

static void
teardown(void)
{
	keys_free(&ks);
	config_free(&cfg);
}

/* Parses text; the error (or "") into err. */
static int
build(const char *text, char *err, size_t errsz)
{
	err[0] = '\0';
	keys_free(&ks);
	return keys_build(&cfg, text, "keys.txt", &ks, err, errsz);
}

START_TEST(hashes_in_hex)
{
	char	h[KEYS_HASH_LEN + 1];

	secret_sha256_hex("abc", h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(lines_with_options_and_comments)
{
	char			 err[256], text[1024];
	const struct key_entry	*e;

	snprintf(text, sizeof(text),
	    "# keys for the team\n"
	    "\n"
	    "alice " ALICE " models=gpt-4o-mini,gpt-5* rpm=60\n"
	    "  gpt\tsha256:%s surface=actions concurrency=2 # the GPT\n"
	    "bob bob-key-0123456789xyz tokens_per_day=100000\r\n",
	    "0000000000000000000000000000000000000000000000000000000000000ABC");
	ck_assert_msg(build(text, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(ks.n, 4);	/* ops, from RELAY_KEYS, first */
	ck_assert_str_eq(ks.entries[0].name, "ops");
	ck_assert(!keys_limited(&ks.entries[0]));

	e = keys_match(&ks, ALICE);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->name, "alice");
	ck_assert_int_eq(e->limits.rpm, 60);
	ck_assert(keys_limited(e));
	ck_assert(keys_model_allowed(e, "gpt-4o-mini"));
	ck_assert(keys_model_allowed(e, "gpt-5-nano"));
	ck_assert(!keys_model_allowed(e, "gpt-4o"));
	ck_assert(!keys_model_allowed(e, ""));
	ck_assert(keys_model_allowed(e, NULL));

	e = &ks.entries[2];
	ck_assert_str_eq(e->name, "gpt");
	ck_assert_str_eq(e->hash, "00000000000000000000000000000000"
	    "00000000000000000000000000000abc");
	ck_assert(e->limits.actions_only);
	ck_assert_int_eq(e->limits.concurrency, 2);
	ck_assert(keys_model_allowed(e, "anything"));

	e = keys_match(&ks, "bob-key-0123456789xyz");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->limits.tokens_per_day, 100000);
	ck_assert_ptr_null(keys_match(&ks, "bob-key-0123456789xy"));
	ck_assert_ptr_nonnull(keys_match(&ks, "ops-key-0123456789ab"));
}
END_TEST

/* Each bad line names the file and its line, and never the key. */
START_TEST(bad_lines_name_file_and_line)
{
	static const struct {
		const char	*text;
		const char	*says;
	} bad[] = {
		{ "alice\n", "keys.txt:1: expected NAME KEY" },
		{ "# c\nalice short\n", "keys.txt:2: a key must be" },
		{ "al/ice " ALICE "\n", "keys.txt:1: a name must" },
		{ "alice " ALICE " rpm=0\n", "keys.txt:1: rpm=" },
		{ "alice " ALICE " rpm=ten\n", "keys.txt:1: rpm=" },
		{ "alice " ALICE " rpm=+5\n", "keys.txt:1: rpm=" },
		{ "alice " ALICE " rpm=5 rpm=6\n", "twice" },
		{ "alice " ALICE " colour=blue\n", "unknown option" },
		{ "alice " ALICE " models=\n", "at least one model" },
		{ "alice " ALICE " models=a*b\n", "'*' may only end" },
		{ "alice " ALICE " surface=all\n", "surface= takes only" },
		{ "alice " ALICE " rpm\n", "OPTION=VALUE" },
		{ "alice sha256:abc\n", "64 hex digits" },
		{ "alice " ALICE "\nalice other-key-0123456789\n",
		    "keys.txt:2: this name is used twice" },
		{ "alice " ALICE "\nbob " ALICE "\n",
		    "keys.txt:2: this key is used twice" },
		{ "ops some-key-0123456789abc\n", "this name is used twice" },
		{ "carol ops-key-0123456789ab\n", "this key is used twice" },
	};
	char	err[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(build(bad[i].text, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i].says) != NULL, "%zu: %s", i,
		    err);
		ck_assert_msg(strstr(err, "0123456789") == NULL, "%s", err);
		ck_assert_uint_eq(ks.n, 0);
	}
}
END_TEST

START_TEST(long_line_refused)
{
	static char	text[6000];
	char		err[256];

	memset(text, 'a', sizeof(text) - 1);
	ck_assert_int_eq(build(text, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "keys.txt:1: line too long"));
}
END_TEST

/* The lookup a credential bound to a key relies on. */
START_TEST(find_by_name_and_hash)
{
	char			 err[256], text[256];
	const struct key_entry	*e;

	snprintf(text, sizeof(text), "alice sha256:%s rpm=3\n", alice_hash);
	ck_assert_msg(build(text, err, sizeof(err)) == 0, "%s", err);
	e = keys_find(&ks, "alice", alice_hash);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->limits.rpm, 3);
	ck_assert_ptr_eq(keys_match(&ks, ALICE), e);
	/* Same name, another key: a re-added name is not the same key. */
	ck_assert_ptr_null(keys_find(&ks, "alice", "00000000000000000000"
	    "00000000000000000000000000000000000000000000"));
	ck_assert_ptr_null(keys_find(&ks, "bob", alice_hash));
	ck_assert_ptr_nonnull(keys_find(&ks, "ops", ks.entries[0].hash));
}
END_TEST

/* What `relay keys add` appends reads back as the same entry. */
START_TEST(line_round_trip)
{
	char			 err[256], *line, want[512], options[256];
	const struct key_entry	*e;

	ck_assert(build("alice " ALICE " models=a,b* rpm=5 tokens_per_day=9 "
	    "concurrency=1 surface=actions\n", err, sizeof(err)) == 0);
	e = keys_match(&ks, ALICE);
	line = keys_line(e);
	snprintf(want, sizeof(want), "alice sha256:%s models=a,b* rpm=5 "
	    "tokens_per_day=9 concurrency=1 surface=actions\n", alice_hash);
	ck_assert_str_eq(line, want);
	ck_assert_msg(build(line, err, sizeof(err)) == 0, "%s", err);
	free(line);
	e = keys_match(&ks, ALICE);
	ck_assert_ptr_nonnull(e);
	keys_options(e, options, sizeof(options));
	ck_assert_str_eq(options, "models=a,b* rpm=5 tokens_per_day=9 "
	    "concurrency=1 surface=actions");
}
END_TEST

START_TEST(line_names)
{
	ck_assert(keys_line_names("alice sha256:00 rpm=1\n", "alice"));
	ck_assert(keys_line_names("  alice\tkey\n", "alice"));
	ck_assert(!keys_line_names("alice2 key\n", "alice"));
	ck_assert(!keys_line_names("# alice key\n", "alice"));
	ck_assert(keys_name_valid("a.b_c-1"));
	ck_assert(!keys_name_valid(""));
	ck_assert(!keys_name_valid("a b"));
}
END_TEST

Suite *
keys_suite(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hashes_in_hex);
	tcase_add_test(tc, lines_with_options_and_comments);
	tcase_add_test(tc, bad_lines_name_file_and_line);
	tcase_add_test(tc, long_line_refused);
	tcase_add_test(tc, find_by_name_and_hash);
	tcase_add_test(tc, line_round_trip);
	tcase_add_test(tc, line_names);
	suite_add_tcase(s, tc);
	return s;
}
