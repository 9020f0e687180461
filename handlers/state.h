/*
 * The state store: what every process serving the relay must see alike
 * (counters behind per-key limits, usage, short-lived links, OAuth codes
 * and tokens).  SQLite in a file by default, which needs nothing running
 * on a shared host; Redis when several hosts share one budget.  This is
 * the only module that includes sqlite3.h or hiredis.h.
 *
 * A handle belongs to one thread (a worker keeps one, as it keeps its
 * upstream client).  It connects lazily, on the first call, so a relay
 * whose store is down still serves every route that does not need it;
 * after a failure it tries again at most once a second.
 *
 * Keys are short printable strings the callers namespace ("link:...",
 * "rate:..."); values are bytes.  A ttl_s of 0 means no expiry.
 */
#ifndef HANDLERS_STATE_H
#define HANDLERS_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/usage.h"

struct state;

enum state_result {
	STATE_OK,
	STATE_ABSENT,		/* no such key, or it expired */
	STATE_UNAVAILABLE,	/* the store could not be reached or used */
};

/*
 * A handle for spec, which the settings have checked (policy/statespec.h);
 * never NULL, aborts on OOM.  It connects on first use.
 */
struct state *state_new(const char *spec);
void state_free(struct state *st);

/* Stores value under key for ttl_s seconds, replacing any value. */
enum state_result state_put(struct state *st, const char *key,
    const void *value, size_t len, long ttl_s);

/*
 * The live value of key in a fresh NUL-terminated buffer (*value, which
 * the caller frees; *len bytes before the NUL).
 */
enum state_result state_get(struct state *st, const char *key,
    char **value, size_t *len);

/*
 * The same, deleting the value in the same step, so that of several
 * processes taking one key only one gets it (single-use codes).
 */
enum state_result state_take(struct state *st, const char *key,
    char **value, size_t *len);

/* Deletes key; STATE_OK whether or not it existed. */
enum state_result state_delete(struct state *st, const char *key);

/*
 * Adds delta (which may be negative) to the counter under key and puts
 * the new total in *total.  A counter that is absent or expired starts
 * from 0 and lives ttl_s seconds from then: fixed windows for rates and
 * days.  Counters and values live apart; a key names one or the other.
 */
enum state_result state_add(struct state *st, const char *key,
    long long delta, long ttl_s, long long *total);

/*
 * Leases: at most a limit of holders under key at once, each lease
 * running ttl_s seconds unless renewed, so that one whose holder is gone
 * (a killed process) ends by itself.  holder names the lease (unique:
 * random).  Leases live apart from values and counters.
 *
 * state_lease_take: STATE_OK if holder got one, STATE_ABSENT if limit
 * leases are running (nothing taken).
 */
enum state_result state_lease_take(struct state *st, const char *key,
    const char *holder, long long limit, long ttl_s);

/* Runs holder's lease ttl_s seconds from now. */
enum state_result state_lease_renew(struct state *st, const char *key,
    const char *holder, long ttl_s);

/* Ends holder's lease (STATE_OK whether or not it was running). */
enum state_result state_lease_drop(struct state *st, const char *key,
    const char *holder);

/* How many leases under key are running, into *n. */
enum state_result state_lease_count(struct state *st, const char *key,
    long long *n);

/* One row of usage: a key's calls of one model on one UTC day. */
struct usage_row {
	char		 day[11];	/* YYYY-MM-DD */
	char		 key[65];
	char		 model[256];
	long long	 n[USAGE__MAX];
};

/*
 * Adds n to the usage row of (day, key, model), creating it, in one
 * step.  Usage rows do not expire.
 */
enum state_result state_usage_add(struct state *st, const char *day,
    const char *key, const char *model, const long long n[USAGE__MAX]);

/*
 * The rows from day since to day until (both YYYY-MM-DD, inclusive) of
 * key (NULL: every key), ordered by day, key and model, in a fresh array
 * (*rows, which the caller frees; *nrows of them).
 */
enum state_result state_usage_list(struct state *st, const char *since,
    const char *until, const char *key, struct usage_row **rows,
    size_t *nrows);

/*
 * The total tokens of key's usage on day, in all models, into *total
 * (0 when there is none).  A read: it takes no write lock.
 */
enum state_result state_usage_tokens(struct state *st, const char *day,
    const char *key, long long *total);

#endif
