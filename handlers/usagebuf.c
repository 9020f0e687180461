/*
 * The pending usage of handlers/usagebuf.h: a small table of rows
 * guarded by one lock, and a second lock that only the thread writing
 * it holds, taken with trylock so no caller waits for the store.
 *
 * A row stays in the table while it is written and loses what was
 * written only afterwards: meanwhile a budget counts it twice (refusing
 * a call a little early) rather than not at all.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "handlers/usagebuf.h"

/* Distinct (day, key, model) rows a process holds; full, it writes. */
#define USAGEBUF_ROWS	128

static struct usage_row	rows[USAGEBUF_ROWS];
static size_t		nrows;
static long long	last_flush_ms;
static pthread_mutex_t	rows_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t	write_lock = PTHREAD_MUTEX_INITIALIZER;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct usage_row *
row_find(const char *day, const char *key, const char *model)
{
	size_t	i;

	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].key, key) == 0 &&
		    strcmp(rows[i].model, model) == 0 &&
		    strcmp(rows[i].day, day) == 0)
			return &rows[i];
	return NULL;
}

/* The row of (day, key, model), made if there is room; NULL if not. */
static struct usage_row *
row_of(const char *day, const char *key, const char *model)
{
	struct usage_row	*r = row_find(day, key, model);

	if (r != NULL || nrows == USAGEBUF_ROWS)
		return r;
	memset(&rows[nrows], 0, sizeof(rows[nrows]));
	snprintf(rows[nrows].day, sizeof(rows[nrows].day), "%s", day);
	snprintf(rows[nrows].key, sizeof(rows[nrows].key), "%s", key);
	snprintf(rows[nrows].model, sizeof(rows[nrows].model), "%s", model);
	return &rows[nrows++];
}

/* Takes what was written of a row off its pending counts. */
static void
row_written(const struct usage_row *done)
{
	struct usage_row	*r;
	size_t			 i;
	int			 f;

	/* Gone only if dropped while the store was refusing writes. */
	if ((r = row_find(done->day, done->key, done->model)) == NULL)
		return;
	for (f = 0; f < USAGE__MAX; f++)
		r->n[f] -= done->n[f];
	for (f = 0; f < USAGE__MAX && r->n[f] == 0; f++)
		;
	if (f < USAGE__MAX)
		return;
	i = (size_t)(r - rows);
	rows[i] = rows[--nrows];
}

/* Writes the pending rows; the caller holds write_lock. */
static void
write_pending(struct state *st)
{
	struct usage_row	batch[USAGEBUF_ROWS];
	size_t			n, i;

	pthread_mutex_lock(&rows_lock);
	n = nrows;
	memcpy(batch, rows, n * sizeof(batch[0]));
	last_flush_ms = now_ms();
	pthread_mutex_unlock(&rows_lock);
	for (i = 0; i < n; i++) {
		if (state_usage_add(st, batch[i].day, batch[i].key,
		    batch[i].model, batch[i].n) != STATE_OK)
			continue;	/* kept for the next write */
		pthread_mutex_lock(&rows_lock);
		row_written(&batch[i]);
		pthread_mutex_unlock(&rows_lock);
	}
}

static bool
due(void)
{
	bool	d;

	pthread_mutex_lock(&rows_lock);
	d = nrows > 0 && now_ms() - last_flush_ms >= USAGEBUF_FLUSH_MS;
	pthread_mutex_unlock(&rows_lock);
	return d;
}

void
usagebuf_tick(struct state *st)
{
	if (!due() || pthread_mutex_trylock(&write_lock) != 0)
		return;
	write_pending(st);
	pthread_mutex_unlock(&write_lock);
}

void
usagebuf_flush(struct state *st)
{
	pthread_mutex_lock(&write_lock);
	write_pending(st);
	pthread_mutex_unlock(&write_lock);
}

void
usagebuf_add(struct state *st, const char *day, const char *key,
    const char *model, const long long n[USAGE__MAX])
{
	struct usage_row	*r;
	int			 f;

	pthread_mutex_lock(&rows_lock);
	while ((r = row_of(day, key, model)) == NULL) {
		/* Full: this call waits for a write, memory stays bounded. */
		pthread_mutex_unlock(&rows_lock);
		usagebuf_flush(st);
		pthread_mutex_lock(&rows_lock);
		if (nrows == USAGEBUF_ROWS) {
			/* The store refused them all: drop the oldest. */
			rows[0] = rows[--nrows];
		}
	}
	for (f = 0; f < USAGE__MAX; f++)
		r->n[f] += n[f];
	pthread_mutex_unlock(&rows_lock);
	usagebuf_tick(st);
}

long long
usagebuf_tokens(const char *day, const char *key)
{
	long long	total = 0;
	size_t		i;

	pthread_mutex_lock(&rows_lock);
	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].day, day) == 0 &&
		    strcmp(rows[i].key, key) == 0)
			total += rows[i].n[USAGE_TOTAL_TOKENS];
	pthread_mutex_unlock(&rows_lock);
	return total;
}
