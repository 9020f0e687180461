/*
 * The relay counts usage and token budgets by UTC day, so a test that
 * spends a day's budget or reads today's usage proves nothing if the
 * day ends while it runs (CI may start at any hour).  Such a test
 * starts with utc_day_room(room_s): within room_s seconds of midnight
 * it waits for the new day, so a test that takes less than room_s runs
 * within one day whenever it starts, on any machine.  Give room_s at
 * most half the test's timeout: the wait counts against it.
 */
#ifndef TESTS_UTCDAY_H
#define TESTS_UTCDAY_H

#include <time.h>
#include <unistd.h>

#define UTC_DAY_S	86400	/* POSIX time has no leap seconds */

static inline void
utc_day_room(int room_s)
{
	time_t	now = time(NULL), day = now / UTC_DAY_S;

	if (UTC_DAY_S - now % UTC_DAY_S > room_s)
		return;
	while (time(NULL) / UTC_DAY_S == day)
		sleep(1);
}

#endif
