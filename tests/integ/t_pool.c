/*
 * The worker pool behind a front server that spawns the relay (lighttpd,
 * 2 processes, RELAY_THREADS 256, the default RELAY_MIN_THREADS and
 * RELAY_SPARE_THREADS, RELAY_THREAD_IDLE_TIMEOUT 1): every process has
 * its spare threads up before a request needs them; when held streams
 * take some, more start while the streams are still open, not when the
 * last idle one is taken; and once the streams are over, the threads
 * beyond the spares end.
 *
 * Idle workers are counted in /proc (threads blocked in accept); each
 * wait is a hang guard (the spawner gets there in moments however slow
 * the machine), and the streams are held at the fake upstream until the
 * counts have been read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define SPARE		64	/* RELAY_SPARE_THREADS's default */
#define STREAMS		8	/* more than the old pool's first threads */
#define PROCS_MAX	8
/* Hang guards: 30 s in 50 ms steps. */
#define WAIT_STEPS	600
/* Counts over one accept wake-up period (1 s), in 100 ms steps... */
#define PEAK_SAMPLES	11
/* ...and the same 30 s of them. */
#define PEAK_WAITS	30

/*
 * Idle workers of a relay process: its threads blocked in accept (the
 * first field of /proc/.../syscall is the call a blocked thread is in).
 */
static long
idle_of(pid_t pid)
{
	char	path[96], line[64];
	FILE	*fp;
	long	n = 0, call, tid;
	char	*end;
	DIR	*d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		tid = strtol(e->d_name, &end, 10);
		if (*end != '\0' || tid <= 0)
			continue;	/* "." and ".." */
		snprintf(path, sizeof(path), "/proc/%d/task/%ld/syscall",
		    (int)pid, tid);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), fp) != NULL &&
		    sscanf(line, "%ld", &call) == 1 &&
		    (call == SYS_accept || call == SYS_accept4))
			n++;
		fclose(fp);
	}
	closedir(d);
	return n;
}

/*
 * Each relay process's idle workers, the most of samples counts 100 ms
 * apart; sets *most and *least over the processes (0 if none runs).  An
 * idle thread leaves accept once a second for a moment, so one count is
 * a lower bound, and PEAK_SAMPLES of them see every idle thread.
 */
static void
idle_peaks(int samples, long *most, long *least)
{
	pid_t	pids[PROCS_MAX];
	size_t	n = frontend_relay_pids(integ_frontend, pids, PROCS_MAX), i;
	long	peak[PROCS_MAX] = { 0 }, k;
	int	sample;

	for (sample = 0; sample < samples; sample++) {
		if (sample > 0)
			usleep(100000);
		for (i = 0; i < n; i++)
			if ((k = idle_of(pids[i])) > peak[i])
				peak[i] = k;
	}
	*most = 0;
	*least = n > 0 ? peak[0] : 0;
	for (i = 0; i < n; i++) {
		if (peak[i] > *most)
			*most = peak[i];
		if (peak[i] < *least)
			*least = peak[i];
	}
}

/*
 * Waits until every relay process has its spares idle.  The verdict is
 * on the count the wait ended with: a count taken again could catch an
 * idle thread between its accept's wake-up (once a second) and the next.
 */
static void
wait_spares(void)
{
	long	most, least;
	int	waited;

	idle_peaks(1, &most, &least);
	for (waited = 0; least < SPARE && waited < WAIT_STEPS; waited++) {
		usleep(50000);
		idle_peaks(1, &most, &least);
	}
	ck_assert_int_ge(least, SPARE);
}

START_TEST(spare_threads_wait_before_any_request)
{
	wait_spares();
}
END_TEST

/* Opens STREAMS streams that upstream holds open, each on a thread. */
static void
streams_hold(struct bg_stream *st)
{
	char	script[128];
	int	i, waited;

	memset(st, 0, STREAMS * sizeof(*st));
	snprintf(script, sizeof(script), "{\"sse\":{\"events\":2,"
	    "\"interval_ms\":0,\"hold_after\":1},\"times\":%d}", STREAMS);
	fake_script(integ_fake_url, script);
	for (i = 0; i < STREAMS; i++)
		bg_stream_start(&st[i]);
	for (waited = 0; fake_request_count(integ_fake_url) < STREAMS &&
	    waited < WAIT_STEPS; waited++)
		usleep(50000);
	ck_assert_int_eq(fake_request_count(integ_fake_url), STREAMS);
}

/* Lets the held streams finish; each must have ended whole. */
static void
streams_release(struct bg_stream *st)
{
	int	i;

	for (i = 0; i < STREAMS; i++)
		ck_assert(fake_release(integ_fake_url));
	for (i = 0; i < STREAMS; i++) {
		bg_stream_join(&st[i]);
		ck_assert_int_eq(st[i].status, 200);
		ck_assert_ptr_nonnull(strstr(st[i].raw, "data: [DONE]"));
		free(st[i].raw);
	}
}

START_TEST(held_streams_get_their_threads_replaced)
{
	struct bg_stream	st[STREAMS];

	wait_spares();
	/* Each stream holds a thread at upstream... */
	streams_hold(st);
	/* ...and another waits in its place while it is open. */
	wait_spares();
	streams_release(st);
}
END_TEST

/*
 * The threads started in the streams' place are surplus once they are
 * over: within moments of a second idle each process is back to its
 * spares, none below.  Without the trim the process that served them
 * keeps SPARE + its streams idle.
 */
START_TEST(surplus_threads_end_once_idle)
{
	struct bg_stream	st[STREAMS];
	long			most, least;
	int			waited;

	wait_spares();
	streams_hold(st);
	wait_spares();
	streams_release(st);
	/* Judged on the counts the wait ended with, as in wait_spares. */
	for (waited = 0;; waited++) {
		idle_peaks(PEAK_SAMPLES, &most, &least);
		if ((most == SPARE && least >= SPARE) ||
		    waited == PEAK_WAITS)
			break;
	}
	ck_assert_int_eq(most, SPARE);
	ck_assert_int_ge(least, SPARE);
}
END_TEST

void
add_pool_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("pool");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, spare_threads_wait_before_any_request);
	tcase_add_test(tc, held_streams_get_their_threads_replaced);
	tcase_add_test(tc, surplus_threads_end_once_idle);
	suite_add_tcase(s, tc);
}
