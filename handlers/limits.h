/*
 * A key's limits (policy/keys.h) applied to a call: the surface and
 * models it may use, decided purely, then its requests per minute,
 * tokens per UTC day and calls in flight, counted in the state store
 * every relay process shares.  The limits are those of ex->key, the
 * entry the call was authenticated as, however that was.
 *
 * A limited key whose counters cannot be reached is refused (503
 * limits_unavailable): fail closed.  Keys without rpm, tokens_per_day
 * or concurrency never touch the store here.
 */
#ifndef HANDLERS_LIMITS_H
#define HANDLERS_LIMITS_H

#include <time.h>

#include "policy/error.h"

struct exchange;
struct forward_call;
struct key_entry;
struct route;
struct state;

/*
 * A slot lives as a lease in the store (handlers/state.h) that runs
 * SLOT_TTL_S unless renewed: one whose process died is given back by
 * then.  Renewed every SLOT_RENEW_S while its call lasts.
 */
#define SLOT_TTL_S		120
#define SLOT_RENEW_S		30
#define LIMITS_HOLDER_LEN	16

/* One of a key's concurrency slots, held by a call (or none). */
struct limits_slot {
	char	holder[LIMITS_HOLDER_LEN + 1];	/* "": none held */
	time_t	renewed;
};

/*
 * Admits the call once its body is accepted: surface=actions, the
 * model its JSON body names (and a realtime session's), then the
 * counters.  On RERR_OK the call may hold one of the key's concurrency
 * slots (ex->slot) until limits_finish; otherwise nothing is held, *param names
 * the refused field (or is NULL) and, for rate_limit_exceeded,
 * ex->retry_after_s is set.
 */
enum rerr limits_admit(struct exchange *ex, const char **param);

/*
 * The counted limits alone: requests per minute, tokens per UTC day and
 * calls in flight, of key, in st (NULL: the store is unreachable).  For
 * limits_admit, and for calls that are no exchange (the WebSocket
 * bridge's sessions).  On RERR_OK *slot is one of the key's concurrency
 * slots if it has that limit, to give back with limits_release; for
 * rate_limit_exceeded *retry_after_s is set.
 */
enum rerr limits_count(struct state *st, const struct key_entry *key,
    long *retry_after_s, struct limits_slot *slot);

/*
 * While the call lasts, as often as it likes: renews the slot's lease
 * every SLOT_RENEW_S (a time check in between).
 */
void limits_renew(struct state *st, const char *key_name,
    struct limits_slot *slot);

/* Gives back the slot limits_count took for key_name, if it took one. */
void limits_release(struct state *st, const char *key_name,
    struct limits_slot *slot);

/*
 * Whether the key may name model (NULL: the call names none, allowed);
 * RERR_OK or RERR_MODEL_NOT_ALLOWED.  For the models the relay only
 * sees later: a proxied body's, an upload's form field.
 */
enum rerr limits_model(const struct exchange *ex, const char *model);

/*
 * Whether the key may reach the model a path names (route is
 * GET|DELETE /v1/models/{model}, path the concrete one): RERR_OK, or
 * RERR_NOT_FOUND for a model it may not use.  Any other route: RERR_OK.
 */
enum rerr limits_model_path(const struct exchange *ex,
    const struct route *route, const char *path);

/* The UTC day of t as YYYY-MM-DD: the day usage and budgets count in. */
void limits_utc_day(long long t, char day[11]);

/*
 * What the key has spent of its limits: tokens today, requests this
 * minute, calls in flight (each 0 when that limit is not set).
 * RERR_OK, or RERR_LIMITS_UNAVAILABLE.
 */
enum rerr limits_spent(struct exchange *ex, long long *tokens,
    long long *requests, long long *inflight);

/*
 * GET /v1/models for the key: upstream's list as it came, or, with
 * models=, only the models the key may use.
 */
void limits_list_models(struct exchange *ex, const struct forward_call *call);

/*
 * Ends the call: gives its concurrency slot back and, for a call that
 * goes upstream, records its usage (key, model, UTC day; requests,
 * errors, incomplete streams, tokens) and counts its tokens against the
 * key's day.  Safe on a call never admitted, or refused.
 */
void limits_finish(struct exchange *ex);

#endif
