/*
 * The upstream seam: the unit suites link this in place of
 * handlers/upstream.o.  It implements handlers/upstream.h by playing
 * answers a test queued and recording every call, so the logic of
 * forward, proxy, actions and stream runs in-process against scripted
 * answers, in milliseconds, with nothing on the network (h2o's t/00unit
 * tests its handlers the same way).  What libcurl itself does with a
 * call is the integration run's business.
 */
#ifndef TESTS_UNIT_SCRIPTED_UPSTREAM_H
#define TESTS_UNIT_SCRIPTED_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "handlers/upstream.h"

#define SCRIPTED_LINES_MAX	24
#define SCRIPTED_PARTS_MAX	16

/*
 * One answer: a head (unless status is 0: upstream never answered),
 * the body in pieces, one on_body call each with an on_tick call before
 * it, then result.  Strings are the test's (static) and are not copied.
 * The piece SCRIPTED_STALL (the pointer, also as the first piece of an
 * answer without a head) makes upstream go silent there: on_tick is
 * called every SCRIPTED_TICK_MS until it aborts the call (the relay's
 * deadlines are on_tick's), for at most SCRIPTED_STALL_MAX_S.
 */
#define SCRIPTED_TICK_MS	20
#define SCRIPTED_STALL_MAX_S	60
extern const char SCRIPTED_STALL[];
struct scripted_answer {
	int			 status;
	const char		*headers[SCRIPTED_LINES_MAX];	/* "Name: value" */
	const char		*pieces[SCRIPTED_LINES_MAX];
	enum upstream_result	 result;
};

/* What one upstream_perform call was asked to send; owned here. */
struct scripted_call {
	char		*method;
	char		*url;
	char		*headers[SCRIPTED_LINES_MAX];	/* "Name: value" */
	size_t		 nheaders;
	/* The body: rq->body, or all read_body gave (NULL: none). */
	char		*body;
	size_t		 body_len;
	bool		 read_failed;	/* read_body refused to go on */
	long long	 read_size;
	struct {
		char	*name, *filename, *content_type, *data;
		size_t	 len;
	}		 parts[SCRIPTED_PARTS_MAX];
	size_t		 nparts;
	long		 connect_timeout_ms;
};

/* Forgets every call and queued answer. */
void	 scripted_reset(void);
/*
 * Queues an answer for the next call (copied).  With none queued a call
 * gets 200, application/json {"object":"scripted"} and an x-request-id.
 */
void	 scripted_push(const struct scripted_answer *a);
/* How many calls were made since the reset; the i-th of them. */
size_t	 scripted_calls(void);
const struct scripted_call *scripted_call(size_t i);
/* The value of the first header line named name, or NULL; how many. */
const char *scripted_header(const struct scripted_call *c, const char *name);
size_t	 scripted_header_count(const struct scripted_call *c,
	    const char *name);
/* The part called name, or -1. */
int	 scripted_part(const struct scripted_call *c, const char *name);

/*
 * upstream_download's answer for its next call (copied, data too):
 * result, and on UPSTREAM_DONE the status and bytes.  With none queued
 * it answers UPSTREAM_UNREACHABLE.
 */
void	 scripted_download_push(enum upstream_result result, long status,
	    const void *data, size_t len);
/* How many downloads were asked for since the reset. */
size_t	 scripted_downloads(void);

#endif
