/*
 * Shared state of the integration run: which front server the current
 * suite talks to, the fake upstream, and the secrets the relay was given
 * (so tests can prove they never leak).
 */
#ifndef TESTS_INTEG_INTEG_H
#define TESTS_INTEG_INTEG_H

#include <check.h>
#include <stdbool.h>

#include "tests/integ/frontend.h"

#define TEST_OPENAI_KEY		"sk-test-upstream-key-9f8e7d6c5b4a"
#define TEST_RELAY_KEY		"relay-test-key-0123456789abcdef"
#define TEST_SECOND_KEY		"second-client-key-0123456789"
#define TEST_RELAY_TIMEOUT_S	3
#define TEST_MAX_JSON_BODY	1048576
#define TEST_PUBLIC_URL		"https://gpt.example.org/relay"

extern const struct frontend	*integ_frontend;	/* under test */
extern const char		*integ_fake_url;

struct json_object;
struct response;

/* One request to the front server under test; fails the test if no
 * HTTP answer comes back. */
void	 req(const char *method, const char *target,
	    const char *const *headers, const char *body, size_t len,
	    struct response *r);
/* Clears the fake upstream's records and scripts (a checked fixture). */
void	 reset_fake(void);
/* The one request upstream received; the caller puts *list. */
struct json_object *only_upstream_request(struct json_object **list);
/*
 * Whether a log line holding needle reached the server: the error log,
 * or the server's own output, where a relay writes the line of a request
 * whose FastCGI connection is gone or cut (lighttpd -D keeps its
 * children's stderr).
 */
bool	 relay_logged(const char *needle);
/* Asserts r is the relay's JSON error envelope with this status and
 * error.code. */
void	 assert_relay_error(const struct response *r, long status,
	    const char *code);

/* The main suite, run through each front server in turn. */
Suite	*relay_suite(const char *name);

/* Adds the event-stream tests to the main suite. */
void	 add_sse_tests(Suite *s);

/*
 * Files, uploads, images and videos.  The fixture starts the HTTPS file
 * server the image wrappers download from and writes the relay.conf
 * lines that allow it; -1 if it cannot.
 */
#define TEST_MAX_UPLOAD_BODY	(64 * 1024 * 1024)
#define TEST_ACTIONS_FILE_MAX	12
#define TEST_ACTIONS_VIDEO_MAX	6
int	 files_fixture_start(char *conf, size_t confsz);
void	 files_fixture_stop(void);
Suite	*files_suite(const char *name);

/* The smoke suite (t_smoke.c), run through every kind with the relay.conf
 * smoke_relay_conf writes (a JSON cap with room for its 30 MiB body). */
Suite	*smoke_suite(enum frontend_kind kind);
void	 smoke_relay_conf(char *buf, size_t bufsz, const char *fake_url);

/* Suites for one relay configuration each, run through lighttpd. */
Suite	*no_upstream_key_suite(void);
Suite	*auth_misconfigured_suite(void);
Suite	*auth_disabled_suite(void);

/* The OpenAPI documents and /docs (t_openapi.c); the second with
 * RELAY_PUBLIC_URL = TEST_PUBLIC_URL. */
Suite	*documents_suite(enum frontend_kind kind);
Suite	*public_url_suite(void);

/* The realtime HTTP routes (t_realtime.c), with the main relay.conf. */
Suite	*realtime_suite(const char *name);

/*
 * The WebSocket bridge (t_wsbridge.c): the fixture starts the fake
 * Realtime endpoint, relay_bin --websocket and lighttpd from
 * deploy/lighttpd-websocket.conf (-1 if they do not start); stop them
 * by PID after the suite.
 */
int	 wsbridge_fixture_start(const char *relay_bin);
void	 wsbridge_fixture_stop(void);
/* Stops its processes but keeps its dir, whose log/ holds their output. */
void	 wsbridge_fixture_halt(void);
const char *wsbridge_fixture_dir(void);
Suite	*wsbridge_suite(void);

/*
 * Fault injection (t_faults.c): the suite runs with the main relay.conf,
 * the large one with a RELAY_TIMEOUT long enough for 2 GiB, the refused
 * one with OPENAI_API_BASE at the URL refusing_upstream_open writes (a
 * port bound and never listening; -1 if none could be had), closed by
 * refusing_upstream_close after it.
 */
#define TEST_LARGE_RELAY_TIMEOUT_S	600
Suite	*faults_suite(const char *name);
Suite	*faults_large_suite(const char *name);
Suite	*faults_refused_suite(const char *name);
int	 refusing_upstream_open(char *url, size_t urlsz);
void	 refusing_upstream_close(void);

/*
 * Worker recycling (t_recycle.c), with RELAY_MAX_REQUESTS =
 * TEST_RECYCLE_N in relay.conf; a stream test where one worker serves
 * everything (nginx, systemd).
 */
#define TEST_RECYCLE_N		5
Suite	*recycle_suite(enum frontend_kind kind);

#endif
