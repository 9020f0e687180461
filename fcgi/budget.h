/*
 * How many requests a worker process may still accept
 * (RELAY_MAX_REQUESTS).  Threads accept concurrently, so each takes a
 * unit before it calls accept: the process accepts exactly max requests,
 * never one more, and exactly one of them is reported as the last.
 */
#ifndef FCGI_BUDGET_H
#define FCGI_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>

struct accept_budget {
	long		max;		/* 0: no limit */
	atomic_long	left;		/* units not taken */
	atomic_long	accepted;
};

/* max 0 means no limit: every take succeeds, nothing is counted. */
void budget_init(struct accept_budget *b, long max);

/* A unit for one accept; false once every unit is taken. */
bool budget_take(struct accept_budget *b);

/* Gives back the unit of an accept that failed. */
void budget_return(struct accept_budget *b);

/* Counts an accepted request: true for the one that used the last unit. */
bool budget_accepted(struct accept_budget *b);

#endif
