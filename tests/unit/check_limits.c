/*
 * Per-key limits through the pipeline, against the scripted upstream
 * and a real store (SQLite, and redis-server): every refusal has its
 * code and status and reaches nothing upstream; usage is recorded.
 * Counters a verdict depends on are set up in the store beforehand, so
 * no verdict depends on the clock crossing a minute.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "handlers/limits.h"
#include "handlers/state.h"
#include "policy/config.h"
#include "tests/unit/mem_exchange.h"
#include "tests/unit/scripted_upstream.h"
#include "tests/unit/suites.h"
#include "tests/utcday.h"

#define RELAY_KEY	"relay-unit-key-0123456789"
#define ALICE		"alice-key-0123456789"
#define GPT		"gpt-key-0123456789abc"
#define BOB		"bob-key-0123456789xyz"
#define CAROL		"carol-key-0123456789"
/* Three keys alike, one per attempt of the lease test. */
#define LOTS		"lots-key-0123456789a"
#define LOTS_RPM	40
#define JSON_CT		"Content-Type: application/json"

static const char KEYS[] =
    "alice " ALICE " models=gpt-4o-mini,gpt-5* rpm=2\n"
    "gpt " GPT " surface=actions\n"
    "bob " BOB " tokens_per_day=10\n"
    "carol " CAROL " concurrency=1\n"
    "lots0 " LOTS "0 rpm=40\n"
    "lots1 " LOTS "1 rpm=40\n"
    "lots2 " LOTS "2 rpm=40\n";

static struct config	cfg;
static char		state_line[512];

static void
make_config(const char *spec)
{
	const char	*lines[] = { "OPENAI_API_KEY=sk-unit-0123456789",
	    "OPENAI_API_BASE=http://upstream.test", "RELAY_KEY=" RELAY_KEY,
	    "RELAY_MCP=oauth", state_line, NULL };

	snprintf(state_line, sizeof(state_line), "RELAY_STATE=%s", spec);
	mem_config(&cfg, lines);
}

static void
sqlite_setup(void)
{
	state_fixture_sqlite_setup();
	scripted_reset();
	make_config(state_fixture_spec());
}

static void
redis_setup(void)
{
	state_fixture_redis_setup();
	scripted_reset();
	make_config(state_fixture_spec());
}

static void
sqlite_teardown(void)
{
	config_free(&cfg);
	scripted_reset();
	state_fixture_sqlite_teardown();
}

static void
redis_teardown(void)
{
	config_free(&cfg);
	scripted_reset();
	state_fixture_redis_teardown();
}

/* Serves a request as the holder of key; body NULL: a GET. */
static void
serve(const char *key, const char *target, const char *body,
    struct mem_reply *r)
{
	char			 auth[128];
	const char		*headers[] = { auth, JSON_CT, NULL };
	struct mem_request	 rq = { body ? "POST" : "GET", target, headers,
	    body, body ? strlen(body) : 0, 0, 0, false, KEYS };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	mem_serve(&cfg, &rq, r);
}

static void
assert_refused(const struct mem_reply *r, int status, const char *code)
{
	ck_assert_msg(r->status == status, "status %d, want %d: %s",
	    r->status, status, r->body);
	ck_assert_str_eq(mem_error_code(r), code);
	ck_assert_uint_eq(scripted_calls(), 0);
}

/* Adds n to a counter of the store, as other processes would have. */
static void
counter_add(const char *key, long long n)
{
	struct state	*st = state_new(cfg.state_spec);
	long long	 total;

	ck_assert_int_eq(state_add(st, key, n, 120, &total), STATE_OK);
	state_free(st);
}

/* The answer's member.field is the number want. */
static void
assert_number(const struct mem_reply *r, const char *member,
    const char *field, long long want)
{
	struct json_object	*root = mem_json(r), *m, *v;

	ck_assert_msg(json_object_object_get_ex(root, member, &m) &&
	    json_object_object_get_ex(m, field, &v), "%s", r->body);
	ck_assert_int_eq(json_object_get_int64(v), want);
	json_object_put(root);
}

START_TEST(models_outside_the_list_are_refused)
{
	struct mem_reply	 r;
	struct json_object	*root, *err, *param;

	serve(ALICE, "/v1/chat/completions", "{\"model\":\"gpt-4o\"}", &r);
	assert_refused(&r, 403, "model_not_allowed");
	root = mem_json(&r);
	ck_assert(json_object_object_get_ex(root, "error", &err) &&
	    json_object_object_get_ex(err, "param", &param));
	ck_assert_str_eq(json_object_get_string(param), "model");
	json_object_put(root);
	mem_reply_free(&r);

	/* A model that is not a string passes no list. */
	serve(ALICE, "/v1/responses", "{\"model\":[\"gpt-5\"]}", &r);
	assert_refused(&r, 403, "model_not_allowed");
	mem_reply_free(&r);

	/* Nor does a proxied body's. */
	serve(ALICE, "/v1/proxy", "{\"method\":\"POST\",\"path\":"
	    "\"/v1/embeddings\",\"body\":{\"model\":\"text-embedding-3-small\","
	    "\"input\":\"x\"}}", &r);
	assert_refused(&r, 403, "model_not_allowed");
	mem_reply_free(&r);

	serve(ALICE, "/v1/responses", "{\"model\":\"gpt-5-mini\"}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(scripted_calls(), 1);
	mem_reply_free(&r);
}
END_TEST

START_TEST(model_list_shows_only_allowed_models)
{
	static const struct scripted_answer list = { 200,
	    { "Content-Type: application/json" },
	    { "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\"},"
	    "{\"id\":\"gpt-4o-mini\"},{\"id\":\"gpt-5-nano\"}]}" },
	    UPSTREAM_DONE };
	struct mem_reply	 r;
	struct json_object	*root, *data;

	scripted_push(&list);
	serve(ALICE, "/v1/models", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	root = mem_json(&r);
	ck_assert(json_object_object_get_ex(root, "data", &data));
	ck_assert_uint_eq(json_object_array_length(data), 2);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(data, 1), "id")), "gpt-5-nano");
	json_object_put(root);
	mem_reply_free(&r);

	scripted_reset();
	serve(ALICE, "/v1/models/gpt-4o", NULL, &r);
	assert_refused(&r, 404, "not_found");
	mem_reply_free(&r);
}
END_TEST

START_TEST(rate_limit_refuses_with_retry_after)
{
	struct mem_reply	 r;
	char			 key[64], *retry;
	long long		 minute = (long long)time(NULL) / 60;
	long			 seconds;

	/* This minute and the next are full, whenever the call lands. */
	snprintf(key, sizeof(key), "rpm:alice:%lld", minute);
	counter_add(key, 2);
	snprintf(key, sizeof(key), "rpm:alice:%lld", minute + 1);
	counter_add(key, 2);
	serve(ALICE, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	assert_refused(&r, 429, "rate_limit_exceeded");
	retry = mem_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	seconds = strtol(retry, NULL, 10);
	ck_assert(seconds >= 1 && seconds <= 60);
	free(retry);
	mem_reply_free(&r);
}
END_TEST

/*
 * A process leases a busy key's minute several requests at a time, but
 * never more than rpm in all: exactly rpm pass, the next is refused, and
 * the store never counts past rpm.  An attempt that a minute's end cuts
 * in two proves nothing: the next uses a key of its own.
 */
START_TEST(rate_leases_never_pass_rpm)
{
	struct mem_reply	 r;
	struct state		*st;
	char			 key[64], lots[32];
	long long		 minute, n;
	int			 i, passed, attempt;
	bool			 refused = false;

	for (attempt = 0; attempt < 3; attempt++) {
		snprintf(lots, sizeof(lots), LOTS "%d", attempt);
		minute = (long long)time(NULL) / 60;
		for (i = passed = 0; i <= LOTS_RPM; i++) {
			serve(lots, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
			passed += r.status == 200;
			/* Judged once the attempt is known to be whole. */
			if (i == LOTS_RPM)
				refused = strcmp(mem_error_code(&r),
				    "rate_limit_exceeded") == 0;
			mem_reply_free(&r);
			scripted_reset();
		}
		if ((long long)time(NULL) / 60 == minute)
			break;
	}
	ck_assert_int_lt(attempt, 3);
	ck_assert_msg(refused, "call %d of the minute was not refused",
	    LOTS_RPM + 1);
	ck_assert_int_eq(passed, LOTS_RPM);
	snprintf(key, sizeof(key), "rpm:lots%d:%lld", attempt, minute);
	st = state_new(cfg.state_spec);
	ck_assert_int_eq(state_add(st, key, 0, 120, &n), STATE_OK);
	ck_assert_int_eq(n, LOTS_RPM);
	state_free(st);
}
END_TEST

START_TEST(actions_surface_only)
{
	struct mem_reply	r;

	serve(GPT, "/v1/files", NULL, &r);
	assert_refused(&r, 403, "route_not_allowed");
	mem_reply_free(&r);
	serve(GPT, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
}
END_TEST

/* The call that crosses the budget completes; the next is refused. */
START_TEST(token_budget_spent)
{
	static const struct scripted_answer costly = { 200,
	    { "Content-Type: application/json" },
	    { "{\"id\":\"resp_1\",\"usage\":{\"input_tokens\":5,",
	    "\"output_tokens\":7,\"total_tokens\":12}}" }, UPSTREAM_DONE };
	struct mem_reply	 r;
	struct state		*st;
	struct usage_row	*rows;
	size_t			 n;

	scripted_push(&costly);
	serve(BOB, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
	scripted_reset();
	serve(BOB, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	assert_refused(&r, 429, "insufficient_quota");
	mem_reply_free(&r);

	st = state_new(cfg.state_spec);
	ck_assert_int_eq(state_usage_list(st, "0000-00-00", "9999-99-99",
	    "bob", &rows, &n), STATE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(rows[0].model, "gpt-5");
	ck_assert_int_eq(rows[0].n[USAGE_REQUESTS], 2);
	ck_assert_int_eq(rows[0].n[USAGE_ERRORS], 1);
	ck_assert_int_eq(rows[0].n[USAGE_INPUT_TOKENS], 5);
	ck_assert_int_eq(rows[0].n[USAGE_OUTPUT_TOKENS], 7);
	ck_assert_int_eq(rows[0].n[USAGE_TOTAL_TOKENS], 12);
	free(rows);
	state_free(st);

	/* What the key itself is told. */
	serve(BOB, "/v1/actions/usage", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	assert_number(&r, "usage", "total_tokens", 12);
	assert_number(&r, "usage", "requests", 2);
	assert_number(&r, "limits", "tokens_per_day", 10);
	assert_number(&r, "remaining", "tokens_today", 0);
	mem_reply_free(&r);
}
END_TEST

/* concurrency=1: the key's one slot is a lease, held by a call elsewhere. */
START_TEST(concurrency_counts_calls_in_flight)
{
	struct mem_reply	 r;
	struct state		*st = state_new(cfg.state_spec);
	long long		 n;

	ck_assert_int_eq(state_lease_take(st, "slots:carol", "elsewhere",
	    1, 120), STATE_OK);
	serve(CAROL, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	assert_refused(&r, 429, "too_many_concurrent_requests");
	mem_reply_free(&r);
	/* Which ended. */
	ck_assert_int_eq(state_lease_drop(st, "slots:carol", "elsewhere"),
	    STATE_OK);
	serve(CAROL, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
	/* Each call gave its slot back. */
	ck_assert_int_eq(state_lease_count(st, "slots:carol", &n),
	    STATE_OK);
	ck_assert_int_eq(n, 0);
	state_free(st);
}
END_TEST

/*
 * A slot last renewed SLOT_RENEW_S ago or more gets its lease run
 * SLOT_TTL_S again: a lease of 1 s, renewed, is still running 2 s later
 * (it would have run out by then however slow the machine).
 */
START_TEST(long_calls_renew_their_slot)
{
	struct limits_slot	 slot = { "0123456789abcdef", 0 };
	struct state		*st = state_new(cfg.state_spec);
	long long		 n;
	time_t			 before;

	ck_assert_int_eq(state_lease_take(st, "slots:carol", slot.holder,
	    1, 1), STATE_OK);
	before = time(NULL);
	limits_renew(st, "carol", &slot);
	ck_assert_int_ge(slot.renewed, before);
	sleep(2);
	ck_assert_int_eq(state_lease_count(st, "slots:carol", &n),
	    STATE_OK);
	ck_assert_int_eq(n, 1);
	limits_release(st, "carol", &slot);
	ck_assert_str_eq(slot.holder, "");
	ck_assert_int_eq(state_lease_count(st, "slots:carol", &n),
	    STATE_OK);
	ck_assert_int_eq(n, 0);
	state_free(st);
}
END_TEST

/* Fail closed: limited keys are refused, unlimited ones go on. */
START_TEST(store_down_refuses_limited_keys_only)
{
	struct mem_reply	r;

	config_free(&cfg);
	make_config("redis://127.0.0.1:1");
	serve(ALICE, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	assert_refused(&r, 503, "limits_unavailable");
	mem_reply_free(&r);
	serve(RELAY_KEY, "/v1/responses", "{\"model\":\"gpt-5\"}", &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
}
END_TEST

/*
 * A chat stream the client asked no usage of: the relay asks upstream,
 * counts it, and the client sees none of it.
 */
START_TEST(chat_stream_usage_asked_for_and_hidden)
{
	static const struct scripted_answer stream = { 200,
	    { "Content-Type: text/event-stream" },
	    { "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],"
	    "\"usage\":null}\n\n",
	    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
	    "\"completion_tokens\":4,\"total_tokens\":7}}\n\n",
	    "data: [DONE]\n\n" }, UPSTREAM_DONE };
	struct mem_reply	 r;
	struct state		*st;
	struct usage_row	*rows;
	size_t			 n;

	scripted_push(&stream);
	serve(RELAY_KEY, "/v1/chat/completions", "{\"model\":\"gpt-5\","
	    "\"stream\":true,\"messages\":[]}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(scripted_call(0)->body,
	    "\"stream_options\":{\"include_usage\":true}"));
	ck_assert_ptr_null(strstr(r.body, "usage"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"content\":\"a\""));
	ck_assert_ptr_nonnull(strstr(r.body, "data: [DONE]"));
	mem_reply_free(&r);

	st = state_new(cfg.state_spec);
	ck_assert_int_eq(state_usage_list(st, "0000-00-00", "9999-99-99",
	    "default", &rows, &n), STATE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rows[0].n[USAGE_TOTAL_TOKENS], 7);
	ck_assert_int_eq(rows[0].n[USAGE_INCOMPLETE], 0);
	free(rows);
	state_free(st);
}
END_TEST

/* A stream cut before its end is counted, as incomplete. */
START_TEST(cut_stream_counted_incomplete)
{
	static const struct scripted_answer cut = { 200,
	    { "Content-Type: text/event-stream" },
	    { "event: response.created\ndata: {\"type\":\"response.created\","
	    "\"response\":{\"usage\":null}}\n\n" }, UPSTREAM_UNREACHABLE };
	struct mem_reply	 r;
	struct state		*st;
	struct usage_row	*rows;
	size_t			 n;

	scripted_push(&cut);
	serve(RELAY_KEY, "/v1/responses", "{\"model\":\"gpt-5\","
	    "\"stream\":true}", &r);
	mem_reply_free(&r);
	st = state_new(cfg.state_spec);
	ck_assert_int_eq(state_usage_list(st, "0000-00-00", "9999-99-99",
	    NULL, &rows, &n), STATE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rows[0].n[USAGE_REQUESTS], 1);
	ck_assert_int_eq(rows[0].n[USAGE_INCOMPLETE], 1);
	free(rows);
	state_free(st);
}
END_TEST

/*
 * A tool called through /mcp acts for the key /mcp was called with: its
 * models= refuses the call, which reaches nothing, and usage is its.
 */
START_TEST(mcp_tool_calls_carry_the_key)
{
	struct mem_reply	 r;
	struct state		*st;
	struct usage_row	*rows;
	size_t			 n;

	serve(ALICE, "/mcp", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"create_response\","
	    "\"arguments\":{\"model\":\"gpt-4o\",\"input\":\"x\"}}}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"isError\":true"));
	ck_assert_ptr_nonnull(strstr(r.body, "model_not_allowed"));
	ck_assert_uint_eq(scripted_calls(), 0);
	mem_reply_free(&r);

	serve(ALICE, "/mcp", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"create_response\","
	    "\"arguments\":{\"model\":\"gpt-5\",\"input\":\"x\"}}}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(scripted_calls(), 1);
	mem_reply_free(&r);
	st = state_new(cfg.state_spec);
	ck_assert_int_eq(state_usage_list(st, "0000-00-00", "9999-99-99",
	    "alice", &rows, &n), STATE_OK);
	/* The refused call counts too, as an error of its model. */
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(rows[0].model, "gpt-4o");
	ck_assert_int_eq(rows[0].n[USAGE_ERRORS], 1);
	ck_assert_str_eq(rows[1].model, "gpt-5");
	ck_assert_int_eq(rows[1].n[USAGE_REQUESTS], 1);
	ck_assert_int_eq(rows[1].n[USAGE_ERRORS], 0);
	free(rows);
	state_free(st);
}
END_TEST

/* Every test here counts by today's UTC day; each takes milliseconds. */
static void
day_room(void)
{
	utc_day_room(2);
}

static TCase *
store_case(const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, day_room, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, models_outside_the_list_are_refused);
	tcase_add_test(tc, model_list_shows_only_allowed_models);
	tcase_add_test(tc, rate_limit_refuses_with_retry_after);
	tcase_add_test(tc, rate_leases_never_pass_rpm);
	tcase_add_test(tc, actions_surface_only);
	tcase_add_test(tc, token_budget_spent);
	tcase_add_test(tc, concurrency_counts_calls_in_flight);
	tcase_add_test(tc, long_calls_renew_their_slot);
	tcase_add_test(tc, store_down_refuses_limited_keys_only);
	tcase_add_test(tc, chat_stream_usage_asked_for_and_hidden);
	tcase_add_test(tc, cut_stream_counted_incomplete);
	tcase_add_test(tc, mcp_tool_calls_carry_the_key);
	return tc;
}

Suite *
limits_suite(void)
{
	Suite	*s = suite_create("limits");

	suite_add_tcase(s, store_case("sqlite", sqlite_setup,
	    sqlite_teardown));
	suite_add_tcase(s, store_case("redis", redis_setup, redis_teardown));
	return s;
}
