/*
 * Shared state of the integration run: which front server the current
 * suite talks to, the fake upstream, and the secrets the relay was given
 * (so tests can prove they never leak); and the test cases of each row
 * of the run's table (main.c), which says behind which front servers,
 * with which relay.conf and against which relay builds each runs.
 */
#ifndef TESTS_INTEG_INTEG_H
#define TESTS_INTEG_INTEG_H

#include <check.h>
#include <pthread.h>
#include <stdbool.h>

#include "tests/integ/frontend.h"

#define TEST_OPENAI_KEY		"sk-test-upstream-key-9f8e7d6c5b4a"
#define TEST_RELAY_KEY		"relay-test-key-0123456789abcdef"
#define TEST_SECOND_KEY		"second-client-key-0123456789"
/*
 * The main relay.conf's deadlines are hang guards: no test waits for
 * them, and nothing a test sends may come near them on any machine.
 * The deadline suites' relay.conf has short ones, which only answers
 * that upstream holds back on purpose ever reach.
 */
#define TEST_RELAY_TIMEOUT_S	600
#define TEST_DEADLINE_S		3	/* RELAY_TIMEOUT */
#define TEST_FIRST_BYTE_S	2	/* RELAY_STREAM_FIRST_BYTE_TIMEOUT */
/*
 * RELAY_STREAM_IDLE_TIMEOUT: a keepalive comes after 1 s of silence (at
 * most 2 s: the relay looks about once a second), and the stalled test
 * stream must go on before this runs out.
 */
#define TEST_IDLE_S		5
/* Past every server's default body limit (nginx 1 MiB, mod_fcgid 128 KiB). */
#define TEST_MAX_JSON_BODY	(30 * 1024 * 1024)
#define TEST_MAX_UPLOAD_BODY	(64 * 1024 * 1024)
/* Room for the link tests' 200,000-byte file, and cheap to cross. */
#define TEST_ACTIONS_FILE_MAX	(256 * 1024)
#define TEST_ACTIONS_VIDEO_MAX	6
/* Worker recycling: RELAY_MAX_REQUESTS in the recycling relay.conf. */
#define TEST_RECYCLE_N		5

extern const struct frontend	*integ_frontend;	/* under test */
extern const char		*integ_fake_url;
extern const char		*integ_relay_bin;	/* absolute */

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
 * The nth (from 0) multipart part called name that upstream parsed out
 * of a recorded request (its name, filename, content_type, length,
 * fnv1a64 and, when short, text), or NULL.
 */
struct json_object *recorded_part(struct json_object *req, const char *name,
	    int nth);
/*
 * Whether a log line holding needle reached the server: the error log,
 * or the server's own output, where a relay writes the line of a request
 * whose FastCGI connection is gone or cut (lighttpd -D keeps its
 * children's stderr).
 */
bool	 relay_logged(const char *needle);
/*
 * Waits (a hang guard of TEST_LOG_WAIT_S) until relay_logged(needle);
 * false if the line never came.
 */
#define TEST_LOG_WAIT_S		30
bool	 relay_logged_soon(const char *needle);
/*
 * When upstream last saw a connection of the relay's close (wall-clock
 * ms, as the fake upstream reports it), waiting up to TEST_LOG_WAIT_S
 * for one at or after since_ms; less than since_ms if none came.
 */
double	 fake_closed_since(double since_ms);
/* Asserts r is the relay's JSON error envelope with this status and
 * error.code. */
void	 assert_relay_error(const struct response *r, long status,
	    const char *code);
/*
 * A stream (POST /v1/responses, "stream":true, with the relay key) read
 * on a thread of its own, so a test can act while it is open: start it,
 * hold it at the fake upstream, join it once released; the caller frees
 * raw (the body as it came).  status is 0 if no HTTP answer came.
 */
struct bg_stream {
	pthread_t	 thread;
	long		 status;
	char		*raw;
	size_t		 len;
};
void	 bg_stream_start(struct bg_stream *st);
void	 bg_stream_join(struct bg_stream *st);

/*
 * The test cases of each row, added to the suite the run made for it
 * behind front server kind (t_*.c; the rows are in main.c).
 */
void	 add_relay_tests(Suite *s, enum frontend_kind kind);
void	 add_relay_front_tests(Suite *s, enum frontend_kind kind);
void	 add_sse_tests(Suite *s, enum frontend_kind kind);
void	 add_sse_front_tests(Suite *s, enum frontend_kind kind);
void	 add_sse_deadline_tests(Suite *s, enum frontend_kind kind);
void	 add_smoke_tests(Suite *s, enum frontend_kind kind);
void	 add_documents_tests(Suite *s, enum frontend_kind kind);
void	 add_documents_validated_tests(Suite *s, enum frontend_kind kind);
void	 add_realtime_tests(Suite *s, enum frontend_kind kind);
void	 add_files_tests(Suite *s, enum frontend_kind kind);
void	 add_actions_tests(Suite *s, enum frontend_kind kind);
void	 add_audio_tests(Suite *s, enum frontend_kind kind);
void	 add_audio_deadline_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_upstream_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_front_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_client_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_deadline_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_large_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_refused_tests(Suite *s, enum frontend_kind kind);
void	 add_faults_slow_bodies_tests(Suite *s, enum frontend_kind kind);
void	 add_recycle_tests(Suite *s, enum frontend_kind kind);
void	 add_pool_tests(Suite *s, enum frontend_kind kind);
void	 add_wsbridge_tests(Suite *s, enum frontend_kind kind);
void	 add_mcp_tests(Suite *s, enum frontend_kind kind);
void	 add_mcp_front_tests(Suite *s, enum frontend_kind kind);
/*
 * OAuth sign-in (t_oauth.c): the flow over raw HTTP, with the main
 * relay.conf; an access token's expiry with the short lives' one
 * (RELAY_OAUTH_ACCESS_TTL = 1); the sign-in page in headless Chromium
 * driven by chromedriver.
 */
void	 add_oauth_tests(Suite *s, enum frontend_kind kind);
void	 add_oauth_expiry_tests(Suite *s, enum frontend_kind kind);
void	 add_oauth_browser_tests(Suite *s, enum frontend_kind kind);
/* The MCP TypeScript SDK's OAuth client through that sign-in. */
void	 add_oauth_sdk_tests(Suite *s, enum frontend_kind kind);

/*
 * The HTTPS file server the image wrappers download from (t_files.c):
 * the fixture starts it and writes the relay.conf lines that allow it;
 * -1 if it cannot.  It also serves oauth-client.json, an OAuth client ID
 * metadata document whose one redirect URI is TEST_OAUTH_DOC_REDIRECT,
 * from a host the relay.conf lines let resolve to loopback; its
 * certificate is good for localhost and 127.0.0.1.
 */
#define TEST_OAUTH_DOC_REDIRECT	"http://127.0.0.1:9/cb"
int	 files_fixture_start(char *conf, size_t confsz);
void	 files_fixture_stop(void);
/* "localhost:PORT" of that HTTPS server (its text.txt and huge.png). */
const char *files_fixture_host(void);

/*
 * The upstream that refuses connections (t_faults.c): a port bound and
 * never listening, its URL written to url; -1 if none could be had.
 */
int	 refusing_upstream_open(char *url, size_t urlsz);
void	 refusing_upstream_close(void);

/*
 * Audio and moderations (t_audio.c), with the main relay.conf (whose
 * RELAY_ACTIONS_AUDIO_MAX is TEST_ACTIONS_AUDIO_MAX) and its HTTPS file
 * server.
 */
#define TEST_ACTIONS_AUDIO_MAX	4096

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

/*
 * The relay started by hand, with no front server (t_cli.c): command
 * line and start-up checks, against relay_bin.
 */
Suite	*cli_suite(const char *relay_bin);

/*
 * Slow request bodies, behind front servers that stream them to the
 * relay (nginx, Apache mod_proxy_fcgi), with RELAY_THREADS =
 * TEST_SLOW_THREADS and RELAY_BODY_IDLE_TIMEOUT = TEST_SLOW_BODY_IDLE_S.
 */
#define TEST_SLOW_THREADS	4
#define TEST_SLOW_BODY_IDLE_S	8

/*
 * What a GPT gets (t_actions.c): the image and file wrappers' links and
 * the answer cap, with the main relay.conf; the links' cap with
 * RELAY_ACTIONS_LINKS_MAX = TEST_LINKS_MAX (room for two of the fake's
 * 1024x1024 images, not three) and their expiry with
 * RELAY_ACTIONS_LINK_TTL = 1, each on a fresh store.  The WebSocket
 * tests join the relay-front row, behind every kind of server.
 */
#define TEST_LINKS_MAX		250000
void	 add_links_tests(Suite *s, enum frontend_kind kind);
void	 add_links_cap_tests(Suite *s, enum frontend_kind kind);
void	 add_links_expiry_tests(Suite *s, enum frontend_kind kind);
void	 add_actions_relay_tests(Suite *s);

/*
 * Keys from a keys file (t_keys.c): RELAY_KEYS_FILE = keys.txt, which
 * holds TEST_KEYS_FILE (seven lines), on the SQLite store beside it; and
 * the same on a redis-server the fixture starts (RELAY_STATE is
 * keys_redis_conf()'s line), shared with a second front server.
 */
#define TEST_KEYS_MODELS	"models-key-0123456789abcdef"
#define TEST_KEYS_GPT		"gpt-key-0123456789abcdef"
#define TEST_KEYS_ONE		"one-key-0123456789abcdef"
#define TEST_KEYS_RATE		"rate-key-0123456789abcdef"
#define TEST_KEYS_RATE_RPM	3
#define TEST_KEYS_BUDGET	"budget-key-0123456789abcdef"
#define TEST_KEYS_USAGE		"usage-key-0123456789abcdef"
#define TEST_KEYS_FILE \
	"# keys for the integration run\n" \
	"models " TEST_KEYS_MODELS " models=gpt-4o-mini,gpt-5*\n" \
	"gpt " TEST_KEYS_GPT " surface=actions\n" \
	"one " TEST_KEYS_ONE " concurrency=1\n" \
	"rate " TEST_KEYS_RATE " rpm=3\n" \
	"budget " TEST_KEYS_BUDGET " tokens_per_day=3\n" \
	"usage " TEST_KEYS_USAGE "\n"
void	 add_keys_tests(Suite *s, enum frontend_kind kind);
void	 add_keys_redis_tests(Suite *s, enum frontend_kind kind);
int	 keys_redis_start(void);
void	 keys_redis_stop(void);
const char *keys_redis_conf(void);

#endif
