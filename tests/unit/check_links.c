/*
 * Links (handlers/links.c) on both stores, with the clock passed in:
 * what goes in comes out, until exactly its TTL; tokens are unguessable
 * and never stored as they are; the cap on the bytes held refuses what
 * would go over it and frees up as windows pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers/links.h"
#include "handlers/state.h"
#include "tests/unit/suites.h"

#define TTL	60
#define MAX	1000000

static const char	 BYTES[] = "\x89PNG\r\n\x1a\n\0binary\0bytes";

START_TEST(what_goes_in_comes_out_until_its_ttl)
{
	struct state	*st = state_new(state_fixture_spec());
	char		 token[LINKS_TOKEN_LEN + 1], *bytes, *type;
	long long	 now = (long long)time(NULL), expires = 0;
	size_t		 len;

	ck_assert_int_eq(links_store(st, TTL, MAX, BYTES, sizeof(BYTES),
	    "image/png", now, token), RERR_OK);
	ck_assert_int_eq(links_fetch(st, token, now, &bytes, &len, &type,
	    &expires), RERR_OK);
	ck_assert_uint_eq(len, sizeof(BYTES));
	ck_assert_mem_eq(bytes, BYTES, len);
	ck_assert_int_eq(bytes[len], '\0');
	ck_assert_str_eq(type, "image/png");
	ck_assert_int_eq(expires, now + TTL);
	free(bytes);
	free(type);
	/* The last second of its life, then none. */
	ck_assert_int_eq(links_fetch(st, token, now + TTL - 1, &bytes, &len,
	    &type, &expires), RERR_OK);
	free(bytes);
	free(type);
	ck_assert_int_eq(links_fetch(st, token, now + TTL, &bytes, &len,
	    &type, &expires), RERR_LINK_NOT_FOUND);
	ck_assert_ptr_null(bytes);
	/* An empty file is a file. */
	ck_assert_int_eq(links_store(st, TTL, MAX, "", 0, "text/plain", now,
	    token), RERR_OK);
	ck_assert_int_eq(links_fetch(st, token, now, &bytes, &len, &type,
	    &expires), RERR_OK);
	ck_assert_uint_eq(len, 0);
	free(bytes);
	free(type);
	state_free(st);
}
END_TEST

START_TEST(unknown_and_malformed_tokens_are_not_found)
{
	static const char *const tokens[] = {
		"", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	struct state	*st = state_new(state_fixture_spec());
	char		*bytes, *type;
	long long	 expires;
	size_t		 len, i;

	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		ck_assert_int_eq(links_fetch(st, tokens[i], time(NULL), &bytes,
		    &len, &type, &expires), RERR_LINK_NOT_FOUND);
	state_free(st);
}
END_TEST

/*
 * 256 random bits each: over 200 tokens, all distinct, every base64url
 * character in use, and about half of all bits set (51,200 bits, so a
 * 5 % skew is more than 20 standard deviations: no fluke).
 */
START_TEST(tokens_are_unguessable)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	enum { N = 200 };
	struct state		*st = state_new(state_fixture_spec());
	static char		 tokens[N][LINKS_TOKEN_LEN + 1];
	bool			 seen[64] = { false };
	long long		 now = (long long)time(NULL);
	size_t			 i, j, k, ones = 0, bits = 0, used = 0;

	for (i = 0; i < N; i++) {
		ck_assert_int_eq(links_store(st, TTL, MAX, "x", 1, "text/plain",
		    now, tokens[i]), RERR_OK);
		ck_assert_uint_eq(strlen(tokens[i]), LINKS_TOKEN_LEN);
		ck_assert_uint_eq(strspn(tokens[i], abc), LINKS_TOKEN_LEN);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(tokens[i], tokens[j]);
		/* 42 whole characters of 6 bits; the last holds 4. */
		for (j = 0; j < LINKS_TOKEN_LEN - 1; j++) {
			k = (size_t)(strchr(abc, tokens[i][j]) - abc);
			seen[k] = true;
			ones += (size_t)__builtin_popcount((unsigned)k);
			bits += 6;
		}
	}
	for (k = 0; k < 64; k++)
		used += seen[k];
	ck_assert_uint_eq(used, 64);
	ck_assert_msg(ones * 100 > bits * 45 && ones * 100 < bits * 55,
	    "%zu of %zu bits set", ones, bits);
	state_free(st);
}
END_TEST

/* A leaked store must not leak live links: keys are the tokens' hashes. */
START_TEST(tokens_are_not_stored)
{
	struct state	*st = state_new(state_fixture_spec());
	char		 token[LINKS_TOKEN_LEN + 1], key[64], *v = NULL;
	size_t		 len;

	ck_assert_int_eq(links_store(st, TTL, MAX, BYTES, sizeof(BYTES),
	    "image/png", (long long)time(NULL), token), RERR_OK);
	snprintf(key, sizeof(key), "link:%s", token);
	ck_assert_int_eq(state_get(st, key, &v, &len), STATE_ABSENT);
	state_free(st);
}
END_TEST

/* The SQLite file itself never holds a token. */
START_TEST(sqlite_file_holds_no_token)
{
	struct state	*st = state_new(state_fixture_spec());
	char		 token[LINKS_TOKEN_LEN + 1], buf[65536];
	FILE		*fp;
	size_t		 n;
	char		 path[600];

	ck_assert_int_eq(links_store(st, TTL, MAX, BYTES, sizeof(BYTES),
	    "image/png", (long long)time(NULL), token), RERR_OK);
	state_free(st);		/* checkpoints the WAL into the file */
	snprintf(path, sizeof(path), "%s", state_fixture_spec() + 7);
	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_nonnull(memmem(buf, n, "binary", 6));
	ck_assert_ptr_null(memmem(buf, n, token, LINKS_TOKEN_LEN));
}
END_TEST

/*
 * RELAY_ACTIONS_LINKS_MAX: what would go over is refused and holds
 * nothing; once two TTLs have passed, what was held counts no more.
 */
START_TEST(the_cap_refuses_what_would_go_over)
{
	struct state	*st = state_new(state_fixture_spec());
	static char	 big[700];
	char		 token[LINKS_TOKEN_LEN + 1];
	long long	 now = (long long)time(NULL);

	ck_assert_int_eq(links_store(st, TTL, 1000, big, 1001, "text/plain",
	    now, token), RERR_LINKS_FULL);
	ck_assert_int_eq(links_store(st, TTL, 1000, big, 600, "text/plain",
	    now, token), RERR_OK);
	ck_assert_int_eq(links_store(st, TTL, 1000, big, 300, "text/plain",
	    now, token), RERR_OK);
	ck_assert_int_eq(links_store(st, TTL, 1000, big, 200, "text/plain",
	    now, token), RERR_LINKS_FULL);
	/* The refusal held nothing: exactly what is left still fits. */
	ck_assert_int_eq(links_store(st, TTL, 1000, big, 100, "text/plain",
	    now, token), RERR_OK);
	ck_assert_int_eq(links_store(st, TTL, 1000, big, 1, "text/plain",
	    now + TTL, token), RERR_LINKS_FULL);
	/* Two windows on, the links made now have long expired. */
	ck_assert_int_eq(links_store(st, TTL, 1000, big, 700, "text/plain",
	    now + 2 * TTL, token), RERR_OK);
	state_free(st);
}
END_TEST

START_TEST(a_type_that_is_no_header_value_is_refused)
{
	struct state	*st = state_new(state_fixture_spec());
	char		 token[LINKS_TOKEN_LEN + 1];

	ck_assert_int_eq(links_store(st, TTL, MAX, "x", 1,
	    "text/html\r\nSet-Cookie: a=1", (long long)time(NULL), token),
	    RERR_INTERNAL);
	state_free(st);
}
END_TEST

START_TEST(no_store_is_unavailable)
{
	char		 token[LINKS_TOKEN_LEN + 1], *bytes, *type;
	long long	 expires;
	size_t		 len;

	ck_assert_int_eq(links_store(NULL, TTL, MAX, "x", 1, "text/plain",
	    (long long)time(NULL), token), RERR_LINKS_UNAVAILABLE);
	ck_assert_int_eq(links_fetch(NULL,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", time(NULL), &bytes,
	    &len, &type, &expires), RERR_LINKS_UNAVAILABLE);
}
END_TEST

static TCase *
links_case(const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, what_goes_in_comes_out_until_its_ttl);
	tcase_add_test(tc, unknown_and_malformed_tokens_are_not_found);
	tcase_add_test(tc, tokens_are_unguessable);
	tcase_add_test(tc, tokens_are_not_stored);
	tcase_add_test(tc, the_cap_refuses_what_would_go_over);
	tcase_add_test(tc, a_type_that_is_no_header_value_is_refused);
	return tc;
}

Suite *
links_suite(void)
{
	Suite	*s = suite_create("links");
	TCase	*sqlite = links_case("sqlite", state_fixture_sqlite_setup,
	    state_fixture_sqlite_teardown);
	TCase	*other = tcase_create("none");

	tcase_add_test(sqlite, sqlite_file_holds_no_token);
	suite_add_tcase(s, sqlite);
	suite_add_tcase(s, links_case("redis", state_fixture_redis_setup,
	    state_fixture_redis_teardown));
	tcase_add_test(other, no_store_is_unavailable);
	suite_add_tcase(s, other);
	return s;
}
