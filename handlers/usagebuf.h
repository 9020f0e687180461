/*
 * Usage counted in this process's memory and written to the state store
 * in batches, at most about once every USAGEBUF_FLUSH_MS, and whenever
 * the process ends cleanly.  A write per relayed call cost the relay
 * 39% of its requests per second (make bench, JSON POST row): every
 * SQLite commit takes turns with every other process's.
 *
 * So another process sees a call's usage up to about a second late,
 * and a token budget reads the store plus this process's unwritten part
 * (other processes' unwritten parts are seen once they are written).
 */
#ifndef HANDLERS_USAGEBUF_H
#define HANDLERS_USAGEBUF_H

#include "handlers/state.h"
#include "policy/usage.h"

#define USAGEBUF_FLUSH_MS	1000

/*
 * Adds n to the row (day, key, model) in memory, then writes what is
 * pending through st if the interval has passed (or the table is full)
 * and no other thread is writing it.
 */
void usagebuf_add(struct state *st, const char *day, const char *key,
    const char *model, const long long n[USAGE__MAX]);

/* Writes what is pending if the interval has passed: for idle workers. */
void usagebuf_tick(struct state *st);

/*
 * Writes everything pending through st now (a clean exit, or a reader
 * that wants this process's calls in the store).  Rows the store
 * refuses stay pending.
 */
void usagebuf_flush(struct state *st);

/* The total tokens of key on day not yet written by this process. */
long long usagebuf_tokens(const char *day, const char *key);

#endif
