/*
 * The request pipeline (handlers/serve.c) with in-memory client I/O: the
 * body reader's cap and completeness checks, and what is written back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/exchange.h"
#include "policy/config.h"
#include "tests/unit/suites.h"

struct memio {
	const char	*in;
	size_t		 inlen, inpos;
	char		 out[4096];
	size_t		 outlen;
};

static long
mem_read(void *ctx, char *buf, size_t len)
{
	struct memio	*m = ctx;
	size_t		 n = m->inlen - m->inpos;

	/* Hand out small pieces, as a socket would. */
	if (n > len)
		n = len;
	if (n > 1000)
		n = 1000;
	memcpy(buf, m->in + m->inpos, n);
	m->inpos += n;
	return (long)n;
}

static int
mem_write(void *ctx, const char *buf, size_t len)
{
	struct memio	*m = ctx;

	if (len > sizeof(m->out) - 1 - m->outlen)
		len = sizeof(m->out) - 1 - m->outlen;
	memcpy(m->out + m->outlen, buf, len);
	m->outlen += len;
	m->out[m->outlen] = '\0';
	return 0;
}

static int
mem_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static struct config	cfg;
static struct memio	io;

/* Serves one POST /v1/responses with the given body and Content-Length. */
static void
serve(const char *body, size_t len, long content_length, const char *ctype)
{
	struct header	 headers[] = { { "Content-Type", (char *)ctype } };
	struct exchange	 ex;
	const char	*values[SETTING__MAX] = { NULL };
	char		 err[256];

	values[SETTING_RELAY_AUTH_ENABLED] = "false";
	values[SETTING_RELAY_MAX_JSON_BODY] = "4096";
	ck_assert_int_eq(config_build(values, &cfg, err, sizeof(err)), 0);
	memset(&io, 0, sizeof(io));
	io.in = body;
	io.inlen = len;
	memset(&ex, 0, sizeof(ex));
	ex.config = &cfg;
	ex.io.ctx = &io;
	ex.io.read = mem_read;
	ex.io.write = mem_write;
	ex.io.flush = mem_flush;
	ex.method = "POST";
	ex.path = "/v1/responses";
	ex.query = "";
	ex.headers = headers;
	ex.nheaders = 1;
	ex.content_length = content_length;
	snprintf(ex.request_id, sizeof(ex.request_id), "unit-1");
	handlers_serve(&ex);
	exchange_release(&ex);
	config_free(&cfg);
}

START_TEST(over_cap_without_length_is_413)
{
	char	*big = malloc(5000);

	memset(big, ' ', 5000);
	big[0] = '{';
	big[4999] = '}';
	serve(big, 5000, -1, "application/json");
	ck_assert_ptr_nonnull(strstr(io.out, "Status: 413"));
	ck_assert_ptr_nonnull(strstr(io.out, "request_too_large"));
	free(big);
}
END_TEST

START_TEST(exactly_at_cap_is_read_whole)
{
	char	*body = malloc(4096);

	memset(body, ' ', 4096);
	body[0] = '[';
	body[4095] = ']';
	serve(body, 4096, -1, "application/json");
	/* Read whole, then judged as JSON: an array is not an object. */
	ck_assert_ptr_nonnull(strstr(io.out, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(io.out, "must be a JSON object"));
	free(body);
}
END_TEST

START_TEST(declared_length_over_cap_is_413_unread)
{
	serve("{}", 2, 1000000, "application/json");
	ck_assert_ptr_nonnull(strstr(io.out, "Status: 413"));
	ck_assert_uint_eq(io.inpos, 0);
}
END_TEST

START_TEST(truncated_body_is_refused)
{
	serve("{\"a\":1}", 7, 100, "application/json");
	ck_assert_ptr_nonnull(strstr(io.out, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(io.out, "incomplete_body"));
}
END_TEST

START_TEST(reply_carries_request_id_and_envelope)
{
	serve("{}", 2, 2, "text/plain");
	ck_assert_ptr_nonnull(strstr(io.out, "Status: 415 Unsupported Media "
	    "Type\r\n"));
	ck_assert_ptr_nonnull(strstr(io.out, "X-Request-Id: unit-1\r\n"));
	ck_assert_ptr_nonnull(strstr(io.out, "Content-Type: application/json"
	    "\r\n"));
	ck_assert_ptr_nonnull(strstr(io.out, "\r\n\r\n{\"error\":{"));
}
END_TEST

/* A line break in a header value would forge a header upstream. */
START_TEST(header_with_line_break_is_400_unread)
{
	serve("{}", 2, 2, "application/json\r\nOpenAI-Organization: org-x");
	ck_assert_ptr_nonnull(strstr(io.out, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(io.out, "\"code\":\"invalid_header\""));
	ck_assert_uint_eq(io.inpos, 0);
}
END_TEST

Suite *
serve_suite(void)
{
	Suite	*s = suite_create("serve");
	TCase	*tc = tcase_create("body");

	tcase_add_test(tc, over_cap_without_length_is_413);
	tcase_add_test(tc, exactly_at_cap_is_read_whole);
	tcase_add_test(tc, declared_length_over_cap_is_413_unread);
	tcase_add_test(tc, truncated_body_is_refused);
	tcase_add_test(tc, reply_carries_request_id_and_envelope);
	tcase_add_test(tc, header_with_line_break_is_400_unread);
	suite_add_tcase(s, tc);
	return s;
}
