/*
 * Shared state of the integration run: which front server the current
 * suite talks to, the fake upstream, and the secrets the relay was given
 * (so tests can prove they never leak).
 */
#ifndef TESTS_INTEG_INTEG_H
#define TESTS_INTEG_INTEG_H

#include <check.h>

#include "tests/integ/frontend.h"

#define TEST_OPENAI_KEY		"sk-test-upstream-key-9f8e7d6c5b4a"
#define TEST_RELAY_KEY		"relay-test-key-0123456789abcdef"
#define TEST_SECOND_KEY		"second-client-key-0123456789"
#define TEST_RELAY_TIMEOUT_S	3
#define TEST_MAX_JSON_BODY	1048576

extern const struct frontend	*integ_frontend;	/* under test */
extern const char		*integ_fake_url;

/* The main suite, run through each front server in turn. */
Suite	*relay_suite(const char *name);

/* Suites for one relay configuration each, run through lighttpd. */
Suite	*no_upstream_key_suite(void);
Suite	*auth_misconfigured_suite(void);
Suite	*auth_disabled_suite(void);

#endif
