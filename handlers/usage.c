/*
 * GET /v1/actions/usage: what the calling key has spent today, so that
 * a GPT can tell its user, and what its limits leave.  The key is the
 * caller's own (ex->key): nobody reads another key's usage here; the
 * operator has `relay usage` for that.
 */
#include <json.h>
#include <stdlib.h>
#include <time.h>

#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/limits.h"
#include "handlers/reply.h"
#include "handlers/state.h"
#include "handlers/usagebuf.h"
#include "policy/keys.h"

/* The counts of a row (or a sum of rows) as an object. */
static struct json_object *
counts_object(const long long n[USAGE__MAX])
{
	struct json_object	*o = json_object_new_object();
	int			 f;

	for (f = 0; f < USAGE__MAX; f++)
		json_object_object_add(o, usage_field_name((enum usage_field)f),
		    json_object_new_int64(n[f]));
	return o;
}

/* A limit, or null when the key has none. */
static struct json_object *
limit_value(long long v)
{
	return v > 0 ? json_object_new_int64(v) : NULL;
}

static struct json_object *
limits_object(const struct key_limits *l)
{
	struct json_object	*o = json_object_new_object(), *models = NULL;
	size_t			 i;

	if (l->models.n > 0) {
		models = json_object_new_array();
		for (i = 0; i < l->models.n; i++)
			json_object_array_add(models,
			    json_object_new_string(l->models.items[i]));
	}
	json_object_object_add(o, "models", models);
	json_object_object_add(o, "rpm", limit_value(l->rpm));
	json_object_object_add(o, "tokens_per_day",
	    limit_value(l->tokens_per_day));
	json_object_object_add(o, "concurrency", limit_value(l->concurrency));
	json_object_object_add(o, "surface", json_object_new_string(
	    l->actions_only ? "actions" : "all"));
	return o;
}

/* What a limit leaves of spent (never below 0), or null without one. */
static struct json_object *
left(long long limit, long long spent)
{
	return limit > 0 ? json_object_new_int64(spent < limit ?
	    limit - spent : 0) : NULL;
}

static struct json_object *
remaining_object(const struct key_limits *l, long long tokens,
    long long requests, long long inflight)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "tokens_today",
	    left(l->tokens_per_day, tokens));
	json_object_object_add(o, "requests_this_minute", left(l->rpm,
	    requests));
	json_object_object_add(o, "concurrent_requests", left(l->concurrency,
	    inflight));
	return o;
}

void
usage_handle(struct exchange *ex)
{
	struct json_object	*root, *models, *m;
	struct usage_row	*rows = NULL;
	long long		 sum[USAGE__MAX] = { 0 }, tokens, requests, inflight;
	char			 day[11];
	size_t			 nrows = 0, i;
	int			 f;

	limits_utc_day(time(NULL), day);
	/* This process's own calls are in the store before it is read. */
	if (ex->state != NULL)
		usagebuf_flush(ex->state);
	if (ex->state == NULL || state_usage_list(ex->state, day, day,
	    ex->key->name, &rows, &nrows) != STATE_OK ||
	    limits_spent(ex, &tokens, &requests, &inflight) != RERR_OK) {
		free(rows);
		reply_error(ex, RERR_LIMITS_UNAVAILABLE, NULL, NULL);
		return;
	}
	models = json_object_new_array();
	for (i = 0; i < nrows; i++) {
		m = counts_object(rows[i].n);
		json_object_object_add(m, "model",
		    json_object_new_string(rows[i].model));
		json_object_array_add(models, m);
		for (f = 0; f < USAGE__MAX; f++)
			sum[f] += rows[i].n[f];
	}
	root = json_object_new_object();
	json_object_object_add(root, "object", json_object_new_string(
	    "relay.usage"));
	json_object_object_add(root, "key", json_object_new_string(
	    ex->key->name));
	json_object_object_add(root, "day", json_object_new_string(day));
	json_object_object_add(root, "usage", counts_object(sum));
	json_object_object_add(root, "models", models);
	json_object_object_add(root, "limits", limits_object(&ex->key->limits));
	json_object_object_add(root, "remaining", remaining_object(
	    &ex->key->limits, tokens, requests, inflight));
	reply_json(ex, 200, root);
	json_object_put(root);
	free(rows);
}
