/*
 * What is kept in the state store, by key name:
 *
 *   rpm:NAME:MINUTE    requests in that minute (a counter, fixed window)
 *   slots:NAME         the calls in flight now, one lease each (not
 *                      "inflight:NAME", the counter this replaced, which
 *                      a Redis store may still hold for up to an hour)
 *
 * and the day's tokens are those of the key's usage rows, so the budget
 * and `relay usage` never disagree.
 * Tokens are not reserved ahead: a call is admitted while the day's
 * count is under the budget, and the call that crosses it completes
 * (its tokens are known only at its end).
 * A call's lease runs SLOT_TTL_S and is renewed every SLOT_RENEW_S while
 * the call lasts, so a process that dies with calls in flight gives
 * their slots back within SLOT_TTL_S, and no call, however long, loses
 * its slot (a counter would do neither: it forgets every call when its
 * window ends, and never forgets a dead one before).
 */
#include <json.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/limits.h"
#include "handlers/reply.h"
#include "handlers/state.h"
#include "handlers/usagebuf.h"
#include "policy/keys.h"
#include "policy/route.h"

#define MINUTE_TTL_S		120
/* Upstream's model list is about 100 KiB; room for many more. */
#define MODELS_LIST_MAX		(4 * 1024 * 1024)

void
limits_utc_day(long long t, char day[11])
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

/* The key of name's counter ("rpm") for now, or of its leases ("slots"). */
static void
counter_key(const char *kind, const char *name, time_t now, char *buf,
    size_t bufsz)
{
	if (strcmp(kind, "rpm") == 0)
		snprintf(buf, bufsz, "rpm:%s:%lld", name, (long long)now / 60);
	else
		snprintf(buf, bufsz, "slots:%s", name);
}

enum rerr
limits_model(const struct exchange *ex, const char *model)
{
	return ex->key == NULL || keys_model_allowed(ex->key, model) ?
	    RERR_OK : RERR_MODEL_NOT_ALLOWED;
}

/* A realtime session's own model ("session": {"model": ...}). */
static const char *
session_model(const struct exchange *ex)
{
	struct json_object	*session, *model;

	if (ex->json == NULL || !json_object_object_get_ex(ex->json,
	    "session", &session) || !json_object_object_get_ex(session,
	    "model", &model))
		return NULL;
	return json_object_is_type(model, json_type_string) ?
	    json_object_get_string(model) : "";
}

/* The body's model: what it names, "" for one no list can pass. */
static const char *
body_model(const struct exchange *ex)
{
	switch (ex->facts.model_kind) {
	case BODY_MODEL_STRING:
		return ex->facts.model;
	case BODY_MODEL_OTHER:
		return "";
	default:
		return NULL;
	}
}

static enum rerr
check_models(const struct exchange *ex, const char **param)
{
	if (limits_model(ex, body_model(ex)) != RERR_OK) {
		*param = "model";
		return RERR_MODEL_NOT_ALLOWED;
	}
	if (limits_model(ex, session_model(ex)) != RERR_OK) {
		*param = "session.model";
		return RERR_MODEL_NOT_ALLOWED;
	}
	return RERR_OK;
}

enum rerr
limits_model_path(const struct exchange *ex, const struct route *route,
    const char *path)
{
	static const char	prefix[] = "/v1/models/";

	if (strcmp(route->path, "/v1/models/{model}") != 0 ||
	    strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return RERR_OK;
	return limits_model(ex, path + sizeof(prefix) - 1) == RERR_OK ?
	    RERR_OK : RERR_NOT_FOUND;
}

/* Adds delta to name's counter of kind for now, its total in *n. */
static bool
counter_add(struct state *st, const char *name, const char *kind,
    time_t now, long long delta, long ttl_s, long long *n)
{
	char	key[128];

	counter_key(kind, name, now, key, sizeof(key));
	return state_add(st, key, delta, ttl_s, n) == STATE_OK;
}

/*
 * A process takes a key's minute in leases of several requests at once,
 * so that a busy key commits to the store once a lease, not once a
 * request (on SQLite every commit takes turns with every process's).
 * No more than rpm are ever leased in all: the part of a lease past it
 * is given back at once.  Leases shrink to one request as the minute
 * fills (an eighth of what is left, at most LEASE_MAX), so what other
 * processes hold unused can refuse only a few requests early, and a key
 * with a small rpm is counted one request at a time.
 */
#define LEASE_MAX	16
#define LEASES		64

struct lease {
	char		name[KEYS_NAME_MAX + 1];
	long long	minute;
	long long	left;		/* requests leased, not yet used */
	long long	seen;		/* the minute's count, last seen */
};

static struct lease	leases[LEASES];
static pthread_mutex_t	leases_lock = PTHREAD_MUTEX_INITIALIZER;

/* name's lease for minute; another key's, or an old one, is replaced. */
static struct lease *
lease_of(const char *name, long long minute)
{
	unsigned	h = 5381;
	const char	*c;
	struct lease	*l;

	for (c = name; *c != '\0'; c++)
		h = h * 33 + (unsigned char)*c;
	l = &leases[h % LEASES];
	if (strcmp(l->name, name) != 0 || l->minute != minute) {
		snprintf(l->name, sizeof(l->name), "%s", name);
		l->minute = minute;
		l->left = l->seen = 0;
	}
	return l;
}

/* Leases more of the minute into l; RERR_OK if one request got in. */
static enum rerr
lease_more(struct state *st, const struct key_entry *key, struct lease *l,
    time_t now)
{
	long long	rpm = key->limits.rpm, want, n, over, back;

	want = (rpm - l->seen) / 8;
	want = want < 1 ? 1 : want > LEASE_MAX ? LEASE_MAX : want;
	if (!counter_add(st, key->name, "rpm", now, want, MINUTE_TTL_S, &n))
		return RERR_LIMITS_UNAVAILABLE;
	over = n > rpm ? n - rpm : 0;
	back = over < want ? over : want;
	if (back > 0 && !counter_add(st, key->name, "rpm", now, -back,
	    MINUTE_TTL_S, &n))
		return RERR_LIMITS_UNAVAILABLE;
	l->seen = n;
	if (want - back <= 0)
		return RERR_RATE_LIMITED;
	l->left = want - back - 1;
	return RERR_OK;
}

/* One request more this minute; refused past rpm, with Retry-After. */
static enum rerr
count_rate(struct state *st, const struct key_entry *key, time_t now,
    long *retry_after_s)
{
	struct lease	*l;
	enum rerr	 rc = RERR_OK;

	pthread_mutex_lock(&leases_lock);
	l = lease_of(key->name, (long long)now / 60);
	if (l->left > 0)
		l->left--;
	else
		rc = lease_more(st, key, l, now);
	pthread_mutex_unlock(&leases_lock);
	if (rc == RERR_RATE_LIMITED)
		*retry_after_s = 60 - (long)(now % 60);
	return rc;
}

/*
 * The key's tokens on day: those written to the store (a read, no lock
 * taken) and those this process has not written yet.
 */
static bool
day_tokens(struct state *st, const char *name, const char *day,
    long long *n)
{
	if (state_usage_tokens(st, day, name, n) != STATE_OK)
		return false;
	*n += usagebuf_tokens(day, name);
	return true;
}

static enum rerr
check_tokens(struct state *st, const struct key_entry *key, time_t now)
{
	char		day[11];
	long long	n;

	limits_utc_day(now, day);
	if (!day_tokens(st, key->name, day, &n))
		return RERR_LIMITS_UNAVAILABLE;
	return n < key->limits.tokens_per_day ? RERR_OK :
	    RERR_QUOTA_EXHAUSTED;
}

static enum rerr
take_slot(struct state *st, const struct key_entry *key,
    struct limits_slot *slot)
{
	unsigned char	raw[LIMITS_HOLDER_LEN / 2];
	char		k[128];
	size_t		i;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return RERR_LIMITS_UNAVAILABLE;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(slot->holder + 2 * i, 3, "%02x", raw[i]);
	counter_key("slots", key->name, 0, k, sizeof(k));
	switch (state_lease_take(st, k, slot->holder, key->limits.concurrency,
	    SLOT_TTL_S)) {
	case STATE_OK:
		slot->renewed = time(NULL);
		return RERR_OK;
	case STATE_ABSENT:
		slot->holder[0] = '\0';
		return RERR_TOO_MANY_CONCURRENT;
	default:
		slot->holder[0] = '\0';
		return RERR_LIMITS_UNAVAILABLE;
	}
}

void
limits_renew(struct state *st, const char *key_name, struct limits_slot *slot)
{
	char	k[128];
	time_t	now;

	if (slot->holder[0] == '\0' || (now = time(NULL)) - slot->renewed <
	    SLOT_RENEW_S)
		return;
	counter_key("slots", key_name, 0, k, sizeof(k));
	/* A store that is down now may be back at the next try. */
	if (state_lease_renew(st, k, slot->holder, SLOT_TTL_S) == STATE_OK)
		slot->renewed = now;
}

enum rerr
limits_count(struct state *st, const struct key_entry *key,
    long *retry_after_s, struct limits_slot *slot)
{
	const struct key_limits	*l = &key->limits;
	time_t			 now = time(NULL);
	enum rerr		 rc;

	slot->holder[0] = '\0';
	if (!keys_limited(key))
		return RERR_OK;
	if (st == NULL)
		return RERR_LIMITS_UNAVAILABLE;
	if (l->rpm > 0 && (rc = count_rate(st, key, now, retry_after_s)) !=
	    RERR_OK)
		return rc;
	if (l->tokens_per_day > 0 && (rc = check_tokens(st, key, now)) !=
	    RERR_OK)
		return rc;
	if (l->concurrency > 0)
		return take_slot(st, key, slot);
	return RERR_OK;
}

void
limits_release(struct state *st, const char *key_name,
    struct limits_slot *slot)
{
	char	k[128];

	if (slot->holder[0] == '\0')
		return;
	counter_key("slots", key_name, 0, k, sizeof(k));
	/* Not given back while the store is down: its lease runs out. */
	(void)state_lease_drop(st, k, slot->holder);
	slot->holder[0] = '\0';
}

/*
 * The handlers whose calls go upstream, and so are limited and
 * accounted for; the local answers (health, documents, links, usage
 * itself) are not.
 */
static const bool relays[HANDLER__MAX] = {
	[HANDLER_FORWARD] = true,
	[HANDLER_PROXY] = true,
	[HANDLER_STREAM_WRAPPER] = true,
	[HANDLER_ACTION_JSON] = true,
	[HANDLER_ACTION_FILE] = true,
	[HANDLER_ACTION_IMAGE] = true,
	[HANDLER_ACTION_VIDEO] = true,
	[HANDLER_ACTION_IMAGE_GENERATION] = true,
	[HANDLER_ACTION_FILE_CONTENT] = true,
	[HANDLER_ACTION_TRANSCRIPTION] = true,
	[HANDLER_ACTION_SPEECH] = true,
	[HANDLER_REALTIME_MINT] = true,
};

enum rerr
limits_admit(struct exchange *ex, const char **param)
{
	enum rerr	rc;

	*param = NULL;
	if (ex->key == NULL)
		return RERR_OK;
	if (ex->key->limits.actions_only && !route_in_actions(ex->route))
		return RERR_ROUTE_NOT_ALLOWED;
	/* A key that spent its budget may still read its usage. */
	if (!relays[ex->route->handler])
		return RERR_OK;
	if ((rc = check_models(ex, param)) != RERR_OK)
		return rc;
	return limits_count(ex->state, ex->key, &ex->retry_after_s, &ex->slot);
}

/* The entries of a model list the key may use, in their order. */
static void
filter_models(const struct exchange *ex, struct json_object *list)
{
	struct json_object	*data, *kept, *item, *id;
	size_t			 i, n;

	if (!json_object_object_get_ex(list, "data", &data) ||
	    !json_object_is_type(data, json_type_array))
		return;
	kept = json_object_new_array();
	n = json_object_array_length(data);
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(data, i);
		if (json_object_object_get_ex(item, "id", &id) &&
		    json_object_is_type(id, json_type_string) &&
		    keys_model_allowed(ex->key, json_object_get_string(id)))
			json_object_array_add(kept, json_object_get(item));
	}
	json_object_object_add(list, "data", kept);
}

void
limits_list_models(struct exchange *ex, const struct forward_call *call)
{
	struct forward_answer	 a;
	struct json_object	*list;
	enum rerr		 rc;

	if (ex->key == NULL || ex->key->limits.models.n == 0) {
		forward_call(ex, call);
		return;
	}
	rc = forward_fetch(ex, call, MODELS_LIST_MAX, &a);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return;
	}
	list = a.status == 200 ? json_tokener_parse(a.body) : NULL;
	if (list == NULL || !json_object_is_type(list, json_type_object))
		forward_answer_send(ex, &a);
	else {
		filter_models(ex, list);
		reply_json(ex, 200, list);
	}
	json_object_put(list);
	forward_answer_free(&a);
}


/* The model a call is recorded under: its body's, its form's, or "-". */
static const char *
usage_model(const struct exchange *ex)
{
	const char	*m = body_model(ex);

	if (m == NULL || m[0] == '\0')
		m = session_model(ex);
	if ((m == NULL || m[0] == '\0') && ex->form_model[0] != '\0')
		m = ex->form_model;
	return m != NULL && m[0] != '\0' ? m : "-";
}

/*
 * One row of usage for the call, in memory until it is written with
 * others (handlers/usagebuf.h); a store that stays down loses it.
 */
static void
record_usage(struct exchange *ex, const char *day)
{
	long long	n[USAGE__MAX] = { 0 };

	n[USAGE_REQUESTS] = 1;
	n[USAGE_ERRORS] = ex->status >= 400;
	n[USAGE_INCOMPLETE] = ex->stream_incomplete;
	n[USAGE_INPUT_TOKENS] = ex->usage.input;
	n[USAGE_OUTPUT_TOKENS] = ex->usage.output;
	n[USAGE_TOTAL_TOKENS] = ex->usage.total;
	n[USAGE_CACHED_TOKENS] = ex->usage.cached;
	n[USAGE_REASONING_TOKENS] = ex->usage.reasoning;
	usagebuf_add(ex->state, day, ex->key->name, usage_model(ex), n);
}

void
limits_finish(struct exchange *ex)
{
	char		day[11];

	if (ex->key != NULL)
		limits_release(ex->state, ex->key->name, &ex->slot);
	if (ex->key == NULL || ex->state == NULL || ex->route == NULL ||
	    !relays[ex->route->handler])
		return;
	limits_utc_day(time(NULL), day);
	record_usage(ex, day);
}

static bool
inflight_count(struct exchange *ex, long long *n)
{
	char	k[128];

	counter_key("slots", ex->key->name, 0, k, sizeof(k));
	return state_lease_count(ex->state, k, n) == STATE_OK;
}

enum rerr
limits_spent(struct exchange *ex, long long *tokens, long long *requests,
    long long *inflight)
{
	const struct key_limits	*l = &ex->key->limits;
	time_t			 now = time(NULL);

	*tokens = *requests = *inflight = 0;
	if (!keys_limited(ex->key))
		return RERR_OK;
	char			 day[11];

	limits_utc_day(now, day);
	/* Adding 0 reads a counter without changing it. */
	if (ex->state == NULL ||
	    (l->tokens_per_day > 0 && !day_tokens(ex->state, ex->key->name,
	    day, tokens)) ||
	    (l->rpm > 0 && !counter_add(ex->state, ex->key->name, "rpm", now,
	    0, MINUTE_TTL_S, requests)) ||
	    (l->concurrency > 0 && !inflight_count(ex, inflight)))
		return RERR_LIMITS_UNAVAILABLE;
	return RERR_OK;
}
