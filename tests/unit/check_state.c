/*
 * The state store (handlers/state.c) against the real thing: a SQLite
 * file in a temporary directory, and a redis-server this suite starts on
 * a loopback port and stops by PID.  The same checks run on both, and
 * counters are raced from several processes at once, which is how the
 * relay's workers share them.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "handlers/state.h"
#include "policy/statespec.h"
#include "tests/unit/suites.h"

#define RACERS		4
#define RACER_ADDS	250
#define OPENERS		8
#define OPEN_ROUNDS	10

static char	spec[512];
static char	dir[] = "/tmp/relay-state-XXXXXX";
static pid_t	redis_pid;

/* A port nobody listens on now (the kernel's pick, released). */
static int
free_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd != -1 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd != -1)
		close(fd);
	return port;
}

static void
sqlite_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(spec, sizeof(spec), "sqlite:%s/state.db", dir);
}

static void
sqlite_teardown(void)
{
	char	cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

/* Starts redis-server and waits until it answers a PING. */
static void
redis_setup(void)
{
	struct state		*st;
	enum state_result	 res = STATE_UNAVAILABLE;
	char			 port[16];
	int			 i, p = free_port();
	long long		 n;

	ck_assert_int_gt(p, 0);
	snprintf(port, sizeof(port), "%d", p);
	snprintf(spec, sizeof(spec), "redis://127.0.0.1:%d/3", p);
	redis_pid = fork();
	ck_assert_int_ne(redis_pid, -1);
	if (redis_pid == 0) {
		/* Its start-up warnings are not the test's output. */
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		    "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	/* A hang guard, not a verdict: the server answers or the test fails. */
	for (i = 0; i < 200 && res != STATE_OK; i++) {
		usleep(50000);
		st = state_new(spec);
		res = state_add(st, "probe", 0, 0, &n);
		state_free(st);
	}
	ck_assert_int_eq(res, STATE_OK);
}

static void
redis_teardown(void)
{
	kill(redis_pid, SIGTERM);
	waitpid(redis_pid, NULL, 0);
}

START_TEST(put_get_take_delete)
{
	struct state	*st = state_new(spec);
	char		*v = NULL;
	size_t		 len = 0;

	ck_assert_int_eq(state_get(st, "k:a", &v, &len), STATE_ABSENT);
	ck_assert_int_eq(state_put(st, "k:a", "one\0two", 7, 0), STATE_OK);
	ck_assert_int_eq(state_get(st, "k:a", &v, &len), STATE_OK);
	ck_assert_uint_eq(len, 7);
	ck_assert_mem_eq(v, "one\0two", 8);	/* and the NUL after */
	free(v);
	ck_assert_int_eq(state_put(st, "k:a", "", 0, 60), STATE_OK);
	ck_assert_int_eq(state_take(st, "k:a", &v, &len), STATE_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_int_eq(state_take(st, "k:a", &v, &len), STATE_ABSENT);
	ck_assert_int_eq(state_put(st, "k:b", "x", 1, 0), STATE_OK);
	ck_assert_int_eq(state_delete(st, "k:b"), STATE_OK);
	ck_assert_int_eq(state_get(st, "k:b", &v, &len), STATE_ABSENT);
	ck_assert_int_eq(state_delete(st, "k:b"), STATE_OK);
	state_free(st);
}
END_TEST

/*
 * A one-second lifetime is over once two seconds have passed, however
 * fast the machine: the sleep is a lower bound.
 */
START_TEST(values_and_counters_expire)
{
	struct state	*st = state_new(spec);
	char		*v;
	size_t		 len;
	long long	 n;

	ck_assert_int_eq(state_put(st, "k:short", "x", 1, 1), STATE_OK);
	ck_assert_int_eq(state_put(st, "k:long", "y", 1, 3600), STATE_OK);
	ck_assert_int_eq(state_add(st, "c:short", 5, 1, &n), STATE_OK);
	ck_assert_int_eq(n, 5);
	sleep(2);
	ck_assert_int_eq(state_get(st, "k:short", &v, &len), STATE_ABSENT);
	ck_assert_int_eq(state_take(st, "k:short", &v, &len), STATE_ABSENT);
	ck_assert_int_eq(state_get(st, "k:long", &v, &len), STATE_OK);
	free(v);
	/* An expired window starts again from the delta. */
	ck_assert_int_eq(state_add(st, "c:short", 2, 1, &n), STATE_OK);
	ck_assert_int_eq(n, 2);
	state_free(st);
}
END_TEST

START_TEST(leases_hold_up_to_the_limit)
{
	struct state	*st = state_new(spec);
	long long	 n;

	ck_assert_int_eq(state_lease_take(st, "l:k", "a", 2, 3600), STATE_OK);
	ck_assert_int_eq(state_lease_take(st, "l:k", "b", 2, 3600), STATE_OK);
	ck_assert_int_eq(state_lease_take(st, "l:k", "c", 2, 3600),
	    STATE_ABSENT);
	ck_assert_int_eq(state_lease_count(st, "l:k", &n), STATE_OK);
	ck_assert_int_eq(n, 2);
	/* Another key's leases are its own. */
	ck_assert_int_eq(state_lease_take(st, "l:other", "c", 2, 3600),
	    STATE_OK);
	/* Dropped twice: the second frees nothing more. */
	ck_assert_int_eq(state_lease_drop(st, "l:k", "a"), STATE_OK);
	ck_assert_int_eq(state_lease_drop(st, "l:k", "a"), STATE_OK);
	ck_assert_int_eq(state_lease_count(st, "l:k", &n), STATE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(state_lease_take(st, "l:k", "c", 2, 3600), STATE_OK);
	ck_assert_int_eq(state_lease_take(st, "l:k", "d", 2, 3600),
	    STATE_ABSENT);
	state_free(st);
}
END_TEST

/*
 * A lease whose holder is gone ends by itself; a renewed one runs on.
 * Leases of 1 s, looked at 2 s later: they have run out by then however
 * slow the machine (a lower bound only).
 */
START_TEST(leases_run_out_unless_renewed)
{
	struct state	*st = state_new(spec);
	long long	 n;

	ck_assert_int_eq(state_lease_take(st, "l:gone", "a", 1, 1), STATE_OK);
	ck_assert_int_eq(state_lease_take(st, "l:kept", "b", 1, 1), STATE_OK);
	ck_assert_int_eq(state_lease_renew(st, "l:kept", "b", 3600), STATE_OK);
	sleep(2);
	ck_assert_int_eq(state_lease_count(st, "l:gone", &n), STATE_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(state_lease_take(st, "l:gone", "c", 1, 3600),
	    STATE_OK);
	ck_assert_int_eq(state_lease_count(st, "l:kept", &n), STATE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(state_lease_take(st, "l:kept", "c", 1, 3600),
	    STATE_ABSENT);
	state_free(st);
}
END_TEST

START_TEST(counters_add_and_subtract)
{
	struct state	*st = state_new(spec);
	long long	 n;

	ck_assert_int_eq(state_add(st, "c:x", 3, 0, &n), STATE_OK);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(state_add(st, "c:x", 4, 0, &n), STATE_OK);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(state_add(st, "c:x", -7, 0, &n), STATE_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(state_add(st, "c:y", 0, 60, &n), STATE_OK);
	ck_assert_int_eq(n, 0);
	state_free(st);
}
END_TEST

/* Processes adding at once lose no increment; one take wins. */
START_TEST(processes_share_counters_and_single_takes)
{
	struct state	*st;
	pid_t		 pids[RACERS];
	int		 i, j, status, won = 0;
	long long	 n;
	char		*v, holder[24];
	size_t		 len;

	st = state_new(spec);
	ck_assert_int_eq(state_put(st, "code:once", "secret", 6, 60),
	    STATE_OK);
	state_free(st);
	for (i = 0; i < RACERS; i++) {
		pids[i] = fork();
		ck_assert_int_ne(pids[i], -1);
		if (pids[i] != 0)
			continue;
		st = state_new(spec);
		for (j = 0; j < RACER_ADDS; j++)
			if (state_add(st, "c:shared", 1, 3600, &n) != STATE_OK)
				_exit(2);
		j = state_take(st, "code:once", &v, &len);
		state_free(st);
		_exit(j == STATE_OK ? 10 : j == STATE_ABSENT ? 11 : 3);
	}
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status));
		ck_assert(WEXITSTATUS(status) == 10 ||
		    WEXITSTATUS(status) == 11);
		won += WEXITSTATUS(status) == 10;
	}
	ck_assert_int_eq(won, 1);

	/* RACERS at once for RACERS - 1 leases: one is left out. */
	won = 0;
	for (i = 0; i < RACERS; i++) {
		pids[i] = fork();
		ck_assert_int_ne(pids[i], -1);
		if (pids[i] != 0)
			continue;
		snprintf(holder, sizeof(holder), "racer-%d", i);
		st = state_new(spec);
		j = state_lease_take(st, "l:raced", holder, RACERS - 1, 3600);
		state_free(st);
		_exit(j == STATE_OK ? 10 : j == STATE_ABSENT ? 11 : 3);
	}
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status));
		ck_assert(WEXITSTATUS(status) == 10 ||
		    WEXITSTATUS(status) == 11);
		won += WEXITSTATUS(status) == 10;
	}
	ck_assert_int_eq(won, RACERS - 1);
	st = state_new(spec);
	ck_assert_int_eq(state_add(st, "c:shared", 0, 3600, &n), STATE_OK);
	ck_assert_int_eq(n, RACERS * RACER_ADDS);
	state_free(st);
}
END_TEST

START_TEST(sqlite_file_is_owner_only)
{
	struct state	*st = state_new(spec);
	struct stat	 sb;
	long long	 n;

	ck_assert_int_eq(state_add(st, "c:x", 1, 0, &n), STATE_OK);
	ck_assert_int_eq(stat(spec + 7, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	state_free(st);
}
END_TEST

/*
 * Processes whose first use of a new SQLite file comes at once (every
 * relay process of a fresh store, at its first request) all get in: one
 * of them turns WAL on while the others open it.  Released together by
 * closing a pipe; a round in which none overlapped proves nothing and
 * fails nothing, so there are several.
 */
START_TEST(processes_open_a_new_file_at_once)
{
	char		 file[600];
	pid_t		 pids[OPENERS];
	int		 gate[2], round, i, status;
	long long	 n;
	struct state	*st;

	for (round = 0; round < OPEN_ROUNDS; round++) {
		snprintf(file, sizeof(file), "sqlite:%s/new-%d.db", dir, round);
		ck_assert_int_eq(pipe(gate), 0);
		for (i = 0; i < OPENERS; i++) {
			pids[i] = fork();
			ck_assert_int_ne(pids[i], -1);
			if (pids[i] != 0)
				continue;
			close(gate[1]);
			/* Returns 0 once the parent closes its end. */
			if (read(gate[0], &n, 1) != 0)
				_exit(3);
			st = state_new(file);
			status = state_add(st, "c:first", 1, 60, &n);
			state_free(st);
			_exit(status == STATE_OK ? 0 : 2);
		}
		close(gate[0]);
		close(gate[1]);
		for (i = 0; i < OPENERS; i++) {
			ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
			ck_assert_msg(WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0, "round %d: opener %d "
			    "failed (%d)", round, i, status);
		}
		st = state_new(file);
		ck_assert_int_eq(state_add(st, "c:first", 0, 60, &n),
		    STATE_OK);
		ck_assert_int_eq(n, OPENERS);
		state_free(st);
	}
}
END_TEST

/* Nothing listening, or no place for the file: unavailable, no crash. */
START_TEST(unreachable_store_is_unavailable)
{
	static const char *const specs[] = {
		"sqlite:/dev/null/state.db",
		NULL,	/* a Redis port nobody listens on */
	};
	char		 redis[64];
	struct state	*st;
	long long	 n;
	char		*v;
	size_t		 len;
	size_t		 i;

	snprintf(redis, sizeof(redis), "redis://127.0.0.1:%d", free_port());
	for (i = 0; i < 2; i++) {
		st = state_new(specs[i] != NULL ? specs[i] : redis);
		ck_assert_int_eq(state_add(st, "c", 1, 0, &n),
		    STATE_UNAVAILABLE);
		ck_assert_int_eq(state_put(st, "k", "v", 1, 0),
		    STATE_UNAVAILABLE);
		ck_assert_int_eq(state_get(st, "k", &v, &len),
		    STATE_UNAVAILABLE);
		ck_assert_int_eq(state_take(st, "k", &v, &len),
		    STATE_UNAVAILABLE);
		ck_assert_int_eq(state_delete(st, "k"), STATE_UNAVAILABLE);
		state_free(st);
	}
}
END_TEST

START_TEST(specs_parse)
{
	struct state_spec	s;
	char			err[128];

	ck_assert(state_spec_parse("sqlite:/a/b.db", &s, err, sizeof(err)));
	ck_assert_int_eq(s.backend, STATE_BACKEND_SQLITE);
	ck_assert_str_eq(s.path, "/a/b.db");
	ck_assert(state_spec_parse("redis://h.example:6380/2", &s, err,
	    sizeof(err)));
	ck_assert_int_eq(s.backend, STATE_BACKEND_REDIS);
	ck_assert_str_eq(s.host, "h.example");
	ck_assert_int_eq(s.port, 6380);
	ck_assert_int_eq(s.db, 2);
	ck_assert(state_spec_parse("redis://10.0.0.1:6379", &s, err,
	    sizeof(err)));
	ck_assert_int_eq(s.db, 0);
	ck_assert(!state_spec_parse("sqlite:", &s, err, sizeof(err)));
	ck_assert(!state_spec_parse("redis://h", &s, err, sizeof(err)));
	ck_assert(!state_spec_parse("redis://:6379", &s, err, sizeof(err)));
	ck_assert(!state_spec_parse("redis://h:0", &s, err, sizeof(err)));
	ck_assert(!state_spec_parse("redis://h:6379/x", &s, err,
	    sizeof(err)));
	ck_assert(!state_spec_parse("redis://u:pw@h:6379", &s, err,
	    sizeof(err)));
	ck_assert(strstr(err, "pw") == NULL);
	ck_assert(!state_spec_parse("memcached://h:1", &s, err, sizeof(err)));
	ck_assert(!state_spec_parse("/plain/path", &s, err, sizeof(err)));
}
END_TEST

static TCase *
store_case(const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, put_get_take_delete);
	tcase_add_test(tc, values_and_counters_expire);
	tcase_add_test(tc, counters_add_and_subtract);
	tcase_add_test(tc, leases_hold_up_to_the_limit);
	tcase_add_test(tc, leases_run_out_unless_renewed);
	tcase_add_test(tc, processes_share_counters_and_single_takes);
	return tc;
}

Suite *
state_suite(void)
{
	Suite	*s = suite_create("state");
	TCase	*sqlite = store_case("sqlite", sqlite_setup, sqlite_teardown);
	TCase	*other = tcase_create("spec");

	tcase_add_test(sqlite, sqlite_file_is_owner_only);
	tcase_add_test(sqlite, processes_open_a_new_file_at_once);
	suite_add_tcase(s, sqlite);
	suite_add_tcase(s, store_case("redis", redis_setup, redis_teardown));
	tcase_add_test(other, unreachable_store_is_unavailable);
	tcase_add_test(other, specs_parse);
	suite_add_tcase(s, other);
	return s;
}

/* The fixtures, for the suites built on the store (check_links.c). */
void
state_fixture_sqlite_setup(void)
{
	sqlite_setup();
}

void
state_fixture_sqlite_teardown(void)
{
	sqlite_teardown();
}

void
state_fixture_redis_setup(void)
{
	redis_setup();
}

void
state_fixture_redis_teardown(void)
{
	redis_teardown();
}

const char *
state_fixture_spec(void)
{
	return spec;
}
