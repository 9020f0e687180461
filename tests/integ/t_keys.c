/*
 * Keys from a keys file, through real servers: limits that hold across
 * the relay processes lighttpd starts (two, deploy/lighttpd.conf) on the
 * SQLite store beside relay.conf, and across two front servers with
 * their own relays sharing one redis-server; usage as the fake upstream
 * reports it, streams included; the keys file changed under a running
 * relay, by hand and by `relay keys`.
 *
 * Each test uses keys of its own, so the counters of one never decide
 * another.  Nothing waits on the clock: a call is known in flight when
 * upstream has recorded it (and holds it until released), a reload when
 * a request sees it; a minute boundary crossed during the rate test
 * makes it start again in the new minute, and in the last minute of a
 * UTC day a test first waits for the next (tests/utcday.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"
#include "tests/utcday.h"

#define HOLD_STREAM	"{\"sse\":{\"events\":2,\"interval_ms\":0," \
			"\"hold_after\":1}}"
#define RESPONSES_BODY	"{\"model\":\"gpt-5\",\"input\":\"hi\"}"
#define WAIT_TRIES	(TEST_LOG_WAIT_S * 50)
#define KEYS_TIMEOUT_S	120

static const struct timespec	pause_20ms = { 0, 20 * 1000 * 1000 };

/* A request to base_url with key; body NULL: a GET. */
static void
call(const char *base_url, const char *key, const char *target,
    const char *body, struct response *r)
{
	char		 auth[128];
	const char	*headers[] = { auth, "Content-Type: application/json",
	    NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	ck_assert_msg(http_request(base_url, body ? "POST" : "GET", target,
	    headers, body, body ? strlen(body) : 0, r) == 0, "no answer");
}

static long
status_of(const char *base_url, const char *key, const char *target,
    const char *body)
{
	struct response	r;
	long		status;

	call(base_url, key, target, body, &r);
	status = r.status;
	response_free(&r);
	return status;
}

static int	relay_cli(const char *const args[], char *out, size_t outsz);

/* The sum of field over the rows `relay usage --json --key name` prints. */
static long long
usage_total(const char *name, const char *field)
{
	char		out[16384];
	long long	total;

	ck_assert_int_eq(relay_cli((const char *[]){ "usage", "--json",
	    "--key", name, NULL }, out, sizeof(out)), 0);
	total = json_rows_sum(out, field);
	ck_assert_msg(total >= 0, "%s", out);
	return total;
}

/*
 * The same once it reaches want: each relay process writes its usage
 * within about a second (handlers/usagebuf.h), so the calls another
 * process served are waited for, under a hang guard.
 */
static long long
usage_total_soon(const char *name, const char *field, long long want)
{
	long long	total = 0;
	int		tries;

	for (tries = 0; tries < WAIT_TRIES; tries++) {
		if ((total = usage_total(name, field)) >= want)
			break;
		nanosleep(&pause_20ms, NULL);
	}
	return total;
}

/* Waits until upstream has recorded n requests since the reset. */
static void
upstream_has(long n)
{
	int	tries;

	for (tries = 0; tries < WAIT_TRIES &&
	    fake_request_count(integ_fake_url) < n; tries++)
		nanosleep(&pause_20ms, NULL);
	ck_assert_int_ge(fake_request_count(integ_fake_url), n);
}

/* A call held by upstream, on a thread of its own. */
struct held {
	pthread_t	 thread;
	const char	*base_url;
	const char	*key;
	long		 status;
};

static void *
held_run(void *arg)
{
	struct held	*h = arg;
	struct response	 r;
	char		 auth[128];
	const char	*headers[] = { auth, "Content-Type: application/json",
	    NULL };
	static const char body[] = "{\"model\":\"gpt-5\",\"stream\":true}";

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->key);
	h->status = http_request(h->base_url, "POST", "/v1/responses", headers,
	    body, sizeof(body) - 1, &r) == 0 ? r.status : -1;
	if (h->status != -1)
		response_free(&r);
	return NULL;
}

/* Starts a streamed call that upstream holds, and waits until it does. */
static void
held_start(struct held *h, const char *base_url, const char *key)
{
	reset_fake();
	fake_script(integ_fake_url, HOLD_STREAM);
	h->base_url = base_url;
	h->key = key;
	ck_assert_int_eq(pthread_create(&h->thread, NULL, held_run, h), 0);
	upstream_has(1);
}

static void
held_finish(struct held *h)
{
	ck_assert(fake_release(integ_fake_url));
	pthread_join(h->thread, NULL);
	ck_assert_int_eq(h->status, 200);
}

START_TEST(models_and_surface_reach_nothing)
{
	struct response	r;

	reset_fake();
	call(integ_frontend->base_url, TEST_KEYS_MODELS, "/v1/chat/completions",
	    "{\"model\":\"gpt-4o\",\"messages\":[]}", &r);
	assert_relay_error(&r, 403, "model_not_allowed");
	response_free(&r);
	call(integ_frontend->base_url, TEST_KEYS_GPT, "/v1/files", NULL, &r);
	assert_relay_error(&r, 403, "route_not_allowed");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	ck_assert_int_eq(status_of(integ_frontend->base_url, TEST_KEYS_MODELS,
	    "/v1/responses", "{\"model\":\"gpt-5-mini\"}"), 200);
	ck_assert_int_eq(status_of(integ_frontend->base_url, TEST_KEYS_GPT,
	    "/v1/responses", RESPONSES_BODY), 200);
}
END_TEST

START_TEST(model_list_filtered)
{
	struct response		 r;
	struct json_object	*root, *data, *id;
	size_t			 i;

	call(integ_frontend->base_url, TEST_KEYS_MODELS, "/v1/models", NULL,
	    &r);
	ck_assert_int_eq(r.status, 200);
	root = response_json(&r);
	ck_assert(json_object_object_get_ex(root, "data", &data));
	ck_assert_uint_gt(json_object_array_length(data), 0);
	for (i = 0; i < json_object_array_length(data); i++) {
		id = json_object_object_get(json_object_array_get_idx(data, i),
		    "id");
		ck_assert_msg(strcmp(json_object_get_string(id), "gpt-4o-mini")
		    == 0 || strncmp(json_object_get_string(id), "gpt-5", 5) == 0,
		    "%s", json_object_get_string(id));
	}
	json_object_put(root);
	response_free(&r);
	call(integ_frontend->base_url, TEST_KEYS_MODELS, "/v1/models/gpt-4o",
	    NULL, &r);
	assert_relay_error(&r, 404, "not_found");
	response_free(&r);
}
END_TEST

/*
 * One call held in one relay process; lighttpd gives the next to the
 * other (the first is busy), and the shared store refuses it.
 */
static void
concurrency_across(const char *base1, const char *base2, const char *key)
{
	struct held	h;
	struct response	r;

	held_start(&h, base1, key);
	call(base2, key, "/v1/responses", RESPONSES_BODY, &r);
	assert_relay_error(&r, 429, "too_many_concurrent_requests");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 1);
	held_finish(&h);
	/* Its slot is back. */
	ck_assert_int_eq(status_of(base2, key, "/v1/responses",
	    RESPONSES_BODY), 200);
}

START_TEST(concurrency_across_processes)
{
	concurrency_across(integ_frontend->base_url, integ_frontend->base_url,
	    TEST_KEYS_ONE);
}
END_TEST

/*
 * rpm requests pass in a minute, the next is refused with Retry-After;
 * the calls alternate between base1 and base2.  The windows are fixed
 * minutes: an attempt that a minute's end cuts in two proves nothing,
 * and the next starts with the minute after.
 */
static void
rate_across(const char *base1, const char *base2, const char *key, int rpm)
{
	struct response	 r;
	long		 status[16];
	char		*retry = NULL;
	time_t		 minute, now;
	int		 i, attempt;

	ck_assert_int_lt(rpm, 16);
	for (attempt = 0; attempt < 3; attempt++) {
		minute = time(NULL) / 60;
		for (i = 0; i <= rpm; i++) {
			call(i % 2 ? base2 : base1, key, "/v1/responses",
			    RESPONSES_BODY, &r);
			status[i] = r.status;
			if (i == rpm)
				retry = response_header(&r, "Retry-After");
			response_free(&r);
		}
		if ((now = time(NULL) / 60) == minute)
			break;
		free(retry);
		retry = NULL;
		while (time(NULL) / 60 == now)
			nanosleep(&pause_20ms, NULL);
	}
	ck_assert_msg(attempt < 3, "a minute ended during every attempt");
	for (i = 0; i < rpm; i++)
		ck_assert_int_eq(status[i], 200);
	ck_assert_int_eq(status[rpm], 429);
	ck_assert_ptr_nonnull(retry);
	ck_assert(strtol(retry, NULL, 10) >= 1 && strtol(retry, NULL, 10) <= 60);
	free(retry);
}

START_TEST(rate_limit_across_processes)
{
	rate_across(integ_frontend->base_url, integ_frontend->base_url,
	    TEST_KEYS_RATE, TEST_KEYS_RATE_RPM);
}
END_TEST

/*
 * The fake reports 2 tokens a response: the budget of 3 ends at two,
 * once both are written (the process that did not serve a call sees it
 * then).
 */
START_TEST(token_budget_spent_across_processes)
{
	struct response	r;

	ck_assert_int_eq(status_of(integ_frontend->base_url, TEST_KEYS_BUDGET,
	    "/v1/responses", RESPONSES_BODY), 200);
	ck_assert_int_eq(status_of(integ_frontend->base_url, TEST_KEYS_BUDGET,
	    "/v1/responses", RESPONSES_BODY), 200);
	ck_assert_int_eq(usage_total_soon("budget", "total_tokens", 4), 4);
	reset_fake();
	call(integ_frontend->base_url, TEST_KEYS_BUDGET, "/v1/responses",
	    RESPONSES_BODY, &r);
	assert_relay_error(&r, 429, "insufficient_quota");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* The usage document's member.field. */
static long long
usage_number(const char *member, const char *field)
{
	struct response		 r;
	struct json_object	*root, *m, *v;
	long long		 n;

	call(integ_frontend->base_url, TEST_KEYS_USAGE, "/v1/actions/usage",
	    NULL, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	root = response_json(&r);
	ck_assert(json_object_object_get_ex(root, member, &m) &&
	    json_object_object_get_ex(m, field, &v));
	n = json_object_get_int64(v);
	json_object_put(root);
	response_free(&r);
	return n;
}

/* The same once it equals want (another process's calls come later). */
static long long
usage_number_soon(const char *member, const char *field, long long want)
{
	long long	n = 0;
	int		tries;

	for (tries = 0; tries < WAIT_TRIES; tries++) {
		if ((n = usage_number(member, field)) == want)
			break;
		nanosleep(&pause_20ms, NULL);
	}
	return n;
}

/*
 * A chat stream whose client asked no usage: counted from the usage the
 * relay asked for (3 in, one out per event of the fake's 5), and the
 * client sees none of it; a responses stream from response.completed;
 * a stream cut before its end counts as incomplete.
 */
START_TEST(streams_counted_as_upstream_reports)
{
	struct response	r;

	ck_assert_int_eq(usage_number("usage", "requests"), 0);
	call(integ_frontend->base_url, TEST_KEYS_USAGE, "/v1/chat/completions",
	    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "usage"));
	ck_assert_ptr_nonnull(strstr(r.body, "data: [DONE]"));
	response_free(&r);
	ck_assert_int_eq(usage_number_soon("usage", "total_tokens", 8), 8);
	call(integ_frontend->base_url, TEST_KEYS_USAGE, "/v1/responses",
	    "{\"model\":\"gpt-5\",\"stream\":true}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "response.completed"));
	response_free(&r);
	ck_assert_int_eq(usage_number_soon("usage", "total_tokens", 10), 10);
	fake_script(integ_fake_url, "{\"sse\":{\"events\":3,\"interval_ms\":0,"
	    "\"fail_after\":1}}");
	call(integ_frontend->base_url, TEST_KEYS_USAGE, "/v1/responses",
	    "{\"model\":\"gpt-5\",\"stream\":true}", &r);
	response_free(&r);
	ck_assert_int_eq(usage_number_soon("usage", "requests", 3), 3);
	ck_assert_int_eq(usage_number_soon("usage", "incomplete", 1), 1);
	ck_assert(relay_logged_soon("client=usage method=POST "
	    "route=/v1/chat/completions status=200"));
	ck_assert(relay_logged_soon("tokens_in=3 tokens_out=5 tokens=8"));
}
END_TEST

/* The keys file beside relay.conf, rewritten as the relay's user. */
static void
keys_file_write(const char *text)
{
	char	path[512], tmp[520];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/keys.txt", integ_frontend->dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fp = fopen(tmp, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(tmp, 0600), 0);
	ck_assert_int_eq(chown(tmp, integ_frontend->run_uid,
	    integ_frontend->run_gid), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

/* Waits until key gets status from every relay process (two tries each). */
static void
key_answers_soon(const char *key, long status)
{
	int	tries, agreed = 0;

	for (tries = 0; tries < WAIT_TRIES && agreed < 4; tries++) {
		if (status_of(integ_frontend->base_url, key, "/v1/responses",
		    RESPONSES_BODY) == status)
			agreed++;
		else {
			agreed = 0;
			nanosleep(&pause_20ms, NULL);
		}
	}
	ck_assert_msg(agreed == 4, "key never answered %ld", status);
}

START_TEST(live_reload_keeps_the_last_good_keys)
{
	static const char added[] = TEST_KEYS_FILE
	    "late late-key-0123456789abcdef\n";
	static const char bad[] = TEST_KEYS_FILE
	    "late late-key-0123456789abcdef\n"
	    "oops oops-key-0123456789abcdef rpm=lots\n";
	int			tries = 0;

	key_answers_soon("late-key-0123456789abcdef", 401);
	keys_file_write(added);
	key_answers_soon("late-key-0123456789abcdef", 200);
	keys_file_write(bad);
	/* A relay looks at the file when a request comes. */
	while (!relay_logged("keys.txt:9: rpm=") && tries++ < WAIT_TRIES) {
		ck_assert_int_eq(status_of(integ_frontend->base_url,
		    "late-key-0123456789abcdef", "/v1/responses",
		    RESPONSES_BODY), 200);
		nanosleep(&pause_20ms, NULL);
	}
	ck_assert(relay_logged("keys file not reloaded, keeping the last "
	    "good keys"));
	ck_assert(relay_logged("keys.txt:9: rpm="));
	ck_assert_int_eq(status_of(integ_frontend->base_url,
	    "late-key-0123456789abcdef", "/v1/responses", RESPONSES_BODY), 200);
	ck_assert_int_eq(status_of(integ_frontend->base_url,
	    "oops-key-0123456789abcdef", "/v1/responses", RESPONSES_BODY), 401);
	keys_file_write(TEST_KEYS_FILE);
	key_answers_soon("late-key-0123456789abcdef", 401);
}
END_TEST

/*
 * Runs fe->dir/relay with args as the relay's user (the keys file is
 * theirs), its stdout into out; returns its exit status.
 */
static int
relay_cli(const char *const args[], char *out, size_t outsz)
{
	char	 bin[320], conf[320];
	int	 fds[2], status;
	ssize_t	 n;
	size_t	 got = 0;
	pid_t	 pid;
	const char *argv[16];
	size_t	 i;

	snprintf(bin, sizeof(bin), "%s/relay", integ_frontend->dir);
	snprintf(conf, sizeof(conf), "%s/relay.conf", integ_frontend->dir);
	argv[0] = bin;
	argv[1] = args[0];
	argv[2] = "--config";
	argv[3] = conf;
	for (i = 1; args[i] != NULL && i < 11; i++)
		argv[i + 3] = args[i];
	argv[i + 3] = NULL;
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (setgid(integ_frontend->run_gid) != 0 ||
		    setuid(integ_frontend->run_uid) != 0)
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < outsz && (n = read(fds[0], out + got,
	    outsz - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(keys_cli_adds_lists_and_revokes)
{
	char			 out[8192], key[128];
	struct json_object	*rows;

	ck_assert_int_eq(relay_cli((const char *[]){ "keys", "add", "cli",
	    "--rpm", "100", "--models", "gpt-5*", NULL }, out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, "rk-", 3) == 0 && strlen(out) >= 36, "%s",
	    out);
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(out, "\n"), out);
	key_answers_soon(key, 200);
	ck_assert_int_eq(status_of(integ_frontend->base_url, key,
	    "/v1/responses", "{\"model\":\"gpt-4o\"}"), 403);

	ck_assert_int_eq(relay_cli((const char *[]){ "keys", "list", NULL },
	    out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "cli"));
	ck_assert_ptr_nonnull(strstr(out, "models=gpt-5* rpm=100"));
	ck_assert_ptr_null(strstr(out, key));
	ck_assert_ptr_null(strstr(out, "sha256:"));
	ck_assert_ptr_null(strstr(out, "0123456789abcdef"));

	ck_assert_int_eq(relay_cli((const char *[]){ "keys", "add", "cli",
	    NULL }, out, sizeof(out)), 1);
	ck_assert_int_ge(usage_total_soon("cli", "requests", 1), 1);
	ck_assert_int_eq(relay_cli((const char *[]){ "usage", "--json",
	    "--key", "cli", NULL }, out, sizeof(out)), 0);
	rows = json_tokener_parse(out);
	ck_assert_msg(rows != NULL && json_object_array_length(rows) >= 1,
	    "%s", out);
	ck_assert_str_eq(json_str(json_object_array_get_idx(rows, 0), "key"),
	    "cli");
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(rows,
	    0), "total_tokens", NULL));
	json_object_put(rows);

	ck_assert_int_eq(relay_cli((const char *[]){ "keys", "revoke", "cli",
	    NULL }, out, sizeof(out)), 0);
	key_answers_soon(key, 401);
	ck_assert_int_eq(relay_cli((const char *[]){ "keys", "revoke", "cli",
	    NULL }, out, sizeof(out)), 1);
}
END_TEST

static bool
pid_listed(const pid_t *pids, size_t n, pid_t pid)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/*
 * A relay stopped by SIGTERM writes the usage it holds before it exits:
 * once the processes that served a fresh key's calls are gone, `relay
 * usage` shows every call.  Last of its test case: the front is left
 * to start new relays.
 */
START_TEST(stopped_relay_leaves_its_usage_written)
{
	char	out[8192], key[128], exe[320];
	pid_t	pids[64], now[64];
	size_t	n, m, i, j;
	int	tries;

	ck_assert_int_eq(relay_cli((const char *[]){ "keys", "add", "stopper",
	    NULL }, out, sizeof(out)), 0);
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(out, "\n"), out);
	key_answers_soon(key, 200);
	n = frontend_relay_pids(integ_frontend, pids, 64);
	ck_assert_uint_gt(n, 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(kill(pids[i], SIGTERM), 0);
	snprintf(exe, sizeof(exe), "%s/relay", integ_frontend->dir);
	for (tries = 0, j = 0; tries < WAIT_TRIES; tries++) {
		m = frontend_pids_running(exe, now, 64);
		for (i = 0, j = 0; i < n; i++)
			j += pid_listed(now, m, pids[i]);
		if (j == 0)
			break;
		nanosleep(&pause_20ms, NULL);
	}
	ck_assert_msg(j == 0, "the relays did not stop");
	ck_assert_int_ge(usage_total("stopper", "requests"), 4);
	ck_assert_int_ge(usage_total("stopper", "total_tokens"), 8);
}
END_TEST

/* Budgets and `relay usage` (today, by default) count by UTC day. */
static void
day_room(void)
{
	utc_day_room(KEYS_TIMEOUT_S / 2);
}

void
add_keys_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("keys");

	(void)kind;
	tcase_set_timeout(tc, KEYS_TIMEOUT_S);
	tcase_add_checked_fixture(tc, day_room, NULL);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, models_and_surface_reach_nothing);
	tcase_add_test(tc, model_list_filtered);
	tcase_add_test(tc, concurrency_across_processes);
	tcase_add_test(tc, rate_limit_across_processes);
	tcase_add_test(tc, token_budget_spent_across_processes);
	tcase_add_test(tc, streams_counted_as_upstream_reports);
	tcase_add_test(tc, live_reload_keeps_the_last_good_keys);
	tcase_add_test(tc, keys_cli_adds_lists_and_revokes);
	tcase_add_test(tc, stopped_relay_leaves_its_usage_written);
	suite_add_tcase(s, tc);
}

/* ------------------------------------------------ one Redis, two fronts */

static struct redis_server	redis;
static char			redis_conf[96];

const char *
keys_redis_conf(void)
{
	return redis_conf;
}

int
keys_redis_start(void)
{
	if (redis_server_start(&redis) == -1)
		return -1;
	snprintf(redis_conf, sizeof(redis_conf), "RELAY_STATE = %s\n",
	    redis.spec);
	return 0;
}

void
keys_redis_stop(void)
{
	redis_server_stop(&redis);
}

static struct frontend	second;

/*
 * nginx with its own relay, from the same relay.conf and files as the
 * front under test: the two share nothing but the Redis store.
 */
static void
second_start(void)
{
	char	path[320], *conf;
	const struct frontend_file files[] = {
		{ "openai.key", TEST_OPENAI_KEY "\n" },
		{ "relay.key", TEST_RELAY_KEY "\n" },
		{ "keys.txt", TEST_KEYS_FILE },
	};

	reset_fake();
	snprintf(path, sizeof(path), "%s/relay.conf", integ_frontend->dir);
	conf = frontend_read_file(path);
	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(frontend_start(&second, FRONTEND_NGINX,
	    integ_relay_bin, conf, files, 3), 0);
	free(conf);
}

static void
second_stop(void)
{
	frontend_stop(&second);
}

START_TEST(concurrency_across_fronts)
{
	concurrency_across(integ_frontend->base_url, second.base_url,
	    TEST_KEYS_ONE);
}
END_TEST

START_TEST(rate_limit_across_fronts)
{
	rate_across(integ_frontend->base_url, second.base_url, TEST_KEYS_RATE,
	    TEST_KEYS_RATE_RPM);
}
END_TEST

START_TEST(token_budget_across_fronts)
{
	struct response	r;

	ck_assert_int_eq(status_of(integ_frontend->base_url, TEST_KEYS_BUDGET,
	    "/v1/responses", RESPONSES_BODY), 200);
	ck_assert_int_eq(status_of(second.base_url, TEST_KEYS_BUDGET,
	    "/v1/responses", RESPONSES_BODY), 200);
	ck_assert_int_eq(usage_total_soon("budget", "total_tokens", 4), 4);
	call(integ_frontend->base_url, TEST_KEYS_BUDGET, "/v1/responses",
	    RESPONSES_BODY, &r);
	assert_relay_error(&r, 429, "insufficient_quota");
	response_free(&r);
}
END_TEST

void
add_keys_redis_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("keys-redis");

	(void)kind;
	tcase_set_timeout(tc, KEYS_TIMEOUT_S);
	tcase_add_checked_fixture(tc, day_room, NULL);
	tcase_add_unchecked_fixture(tc, second_start, second_stop);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, concurrency_across_fronts);
	tcase_add_test(tc, rate_limit_across_fronts);
	tcase_add_test(tc, token_budget_across_fronts);
	suite_add_tcase(s, tc);
}
