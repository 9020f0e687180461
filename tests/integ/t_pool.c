/*
 * The worker pool behind a front server that spawns the relay (lighttpd,
 * 2 processes, RELAY_THREADS 256 and the default RELAY_MIN_THREADS and
 * RELAY_SPARE_THREADS): every process has its spare threads up before a
 * request needs them, and when held streams take some, more start while
 * the streams are still open, not when the last idle one is taken.
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

/* The fewest idle workers any relay process has; 0 if none runs. */
static long
least_idle(void)
{
	pid_t	pids[PROCS_MAX];
	size_t	n = frontend_relay_pids(integ_frontend, pids, PROCS_MAX), i;
	long	least = n > 0 ? idle_of(pids[0]) : 0, k;

	for (i = 1; i < n; i++)
		if ((k = idle_of(pids[i])) < least)
			least = k;
	return least;
}

/* Waits until every relay process has its spares idle. */
static void
wait_spares(void)
{
	int	waited;

	for (waited = 0; least_idle() < SPARE && waited < WAIT_STEPS;
	    waited++)
		usleep(50000);
	ck_assert_int_ge(least_idle(), SPARE);
}

START_TEST(spare_threads_wait_before_any_request)
{
	wait_spares();
}
END_TEST

START_TEST(held_streams_get_their_threads_replaced)
{
	struct bg_stream	st[STREAMS];
	char			script[128];
	int			i, waited;

	memset(st, 0, sizeof(st));
	wait_spares();
	snprintf(script, sizeof(script), "{\"sse\":{\"events\":2,"
	    "\"interval_ms\":0,\"hold_after\":1},\"times\":%d}", STREAMS);
	fake_script(integ_fake_url, script);
	for (i = 0; i < STREAMS; i++)
		bg_stream_start(&st[i]);
	/* Each stream holds a thread at upstream... */
	for (waited = 0; fake_request_count(integ_fake_url) < STREAMS &&
	    waited < WAIT_STEPS; waited++)
		usleep(50000);
	ck_assert_int_eq(fake_request_count(integ_fake_url), STREAMS);
	/* ...and another waits in its place while it is open. */
	wait_spares();
	for (i = 0; i < STREAMS; i++)
		ck_assert(fake_release(integ_fake_url));
	for (i = 0; i < STREAMS; i++) {
		bg_stream_join(&st[i]);
		ck_assert_int_eq(st[i].status, 200);
		ck_assert_ptr_nonnull(strstr(st[i].raw, "data: [DONE]"));
		free(st[i].raw);
	}
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
	suite_add_tcase(s, tc);
}
