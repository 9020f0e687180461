/*
 * Worker recycling (RELAY_MAX_REQUESTS = TEST_RECYCLE_N) through a real
 * front server: every request of several rounds of N is answered, the
 * processes serving them change (workers retire and are replaced by the
 * relay's supervisor), while the process the front server started stays
 * (it never sees an exit).  Where one worker serves everything, a stream
 * open while its worker retires still arrives whole.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH		"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define ROUNDS		4	/* requests sent: ROUNDS * TEST_RECYCLE_N */
#define PROCS_MAX	64
#define STREAM_EVENTS	20
/* Hang guards for what follows at once: 30 s in 50 ms steps. */
#define WAIT_STEPS	600

/* The relay's processes now: supervisors (the front server's) and workers. */
struct relay_procs {
	pid_t	sup[PROCS_MAX], work[PROCS_MAX];
	size_t	nsup, nwork;
};

static pid_t
parent_of(pid_t pid)
{
	char	path[64], line[256];
	FILE	*fp;
	int	ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(fp);
	return (pid_t)ppid;
}

/* A relay process whose parent is a relay process too is a worker. */
static void
relay_procs(struct relay_procs *rp)
{
	pid_t	all[PROCS_MAX * 2], parent;
	size_t	n = frontend_relay_pids(integ_frontend, all, PROCS_MAX * 2);
	size_t	i, j;

	memset(rp, 0, sizeof(*rp));
	for (i = 0; i < n; i++) {
		parent = parent_of(all[i]);
		for (j = 0; j < n && all[j] != parent; j++)
			continue;
		if (j < n) {
			if (rp->nwork < PROCS_MAX)
				rp->work[rp->nwork++] = all[i];
		} else if (rp->nsup < PROCS_MAX)
			rp->sup[rp->nsup++] = all[i];
	}
}

/* Adds the pids not yet in set; returns the new size. */
static size_t
add_pids(pid_t *set, size_t n, const pid_t *pids, size_t npids)
{
	size_t	i, j;

	for (i = 0; i < npids; i++) {
		for (j = 0; j < n && set[j] != pids[i]; j++)
			continue;
		if (j == n && n < PROCS_MAX * 4)
			set[n++] = pids[i];
	}
	return n;
}

static bool
alive(pid_t pid)
{
	return kill(pid, 0) == 0;
}

/* How often the string occurs in the front server's logs. */
static int
log_count(const char *needle)
{
	char	*log = frontend_read_error_log(integ_frontend);
	char	 line[8192];
	FILE	*fp = fopen(integ_frontend->server_out, "r");
	int	 n = 0;
	char	*p;

	for (p = log; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, needle) != NULL;
	if (fp != NULL)
		fclose(fp);
	free(log);
	return n;
}

static void
embeddings_ok(int i)
{
	static const char *const h[] = { AUTH, JSON_CT, NULL };
	struct json_object	*root, *data;
	struct response		 r;
	char			 body[128];

	snprintf(body, sizeof(body), "{\"model\":\"text-embedding-3-small\","
	    "\"input\":\"request %d\"}", i);
	req("POST", "/v1/embeddings", h, body, strlen(body), &r);
	ck_assert_msg(r.status == 200, "request %d: %ld %s", i, r.status,
	    r.body);
	root = response_json(&r);
	ck_assert_msg(root != NULL && json_object_object_get_ex(root, "data",
	    &data) && json_object_array_length(data) == 1,
	    "request %d: %s", i, r.body);
	json_object_put(root);
	response_free(&r);
}

START_TEST(every_request_served_across_recycles)
{
	struct relay_procs	 now, start;
	pid_t			 sups[PROCS_MAX * 4], works[PROCS_MAX * 4];
	size_t			 nsups, nworks, i, retired_min, total;
	char			 needle[96];

	relay_procs(&start);
	ck_assert_msg(start.nsup > 0, "no relay process found");
	nsups = add_pids(sups, 0, start.sup, start.nsup);
	nworks = add_pids(works, 0, start.work, start.nwork);
	total = ROUNDS * TEST_RECYCLE_N;
	for (i = 0; i < total; i++) {
		embeddings_ok((int)i);
		relay_procs(&now);
		nsups = add_pids(sups, nsups, now.sup, now.nsup);
		nworks = add_pids(works, nworks, now.work, now.nwork);
	}
	/*
	 * However the front server spread them, each of its processes can
	 * have held back at most N - 1 without a worker retiring.
	 */
	retired_min = total > nsups * (TEST_RECYCLE_N - 1) ?
	    (total - nsups * (TEST_RECYCLE_N - 1) + TEST_RECYCLE_N - 1) /
	    TEST_RECYCLE_N : 0;
	ck_assert_msg(retired_min > 0, "too few requests to prove anything");
	ck_assert_msg(nworks >= nsups + retired_min, "%zu worker processes "
	    "served %zu requests under %zu front-server processes; at least "
	    "%zu retirements expected", nworks, total, nsups, retired_min);
	snprintf(needle, sizeof(needle), "accepted its %d requests "
	    "(RELAY_MAX_REQUESTS)", TEST_RECYCLE_N);
	ck_assert_int_ge(log_count(needle), (int)retired_min);
	/* The front server never saw its process go. */
	for (i = 0; i < start.nsup; i++)
		ck_assert_msg(alive(start.sup[i]), "relay %d exited",
		    (int)start.sup[i]);
}
END_TEST

static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	for (; hay != NULL && (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* Only where one worker serves every request (nginx, systemd). */
START_TEST(stream_outlives_its_retiring_worker)
{
	struct relay_procs	 before, now;
	struct bg_stream	 st = { 0 };
	pid_t			 old;
	int			 i, waited;
	bool			 replaced = false;

	/* Workers retired by the test before finish within moments. */
	for (waited = 0; relay_procs(&before), before.nwork > 1 &&
	    waited < WAIT_STEPS; waited++)
		usleep(50000);
	ck_assert_uint_eq(before.nwork, 1);
	old = before.work[0];
	/*
	 * STREAM_EVENTS events, held after the first until the worker has
	 * been replaced: open while N requests pass, however long they take.
	 */
	fake_script(integ_fake_url, "{\"sse\":{\"events\":20,\"interval_ms\":"
	    "0,\"hold_after\":1},\"times\":1}");
	bg_stream_start(&st);
	/* The stream has reached upstream (and taken the script). */
	for (waited = 0; fake_request_count(integ_fake_url) < 1 &&
	    waited < WAIT_STEPS; waited++)
		usleep(50000);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 1);
	/* Requests until the stream's worker has taken its last one. */
	for (i = 0; i <= TEST_RECYCLE_N && !replaced; i++) {
		embeddings_ok(i);
		relay_procs(&now);
		replaced = now.nwork > 0 && (now.nwork > 1 ||
		    now.work[0] != old);
	}
	ck_assert_msg(replaced, "worker %d was not replaced", (int)old);
	ck_assert_msg(alive(old), "worker %d left with its stream open",
	    (int)old);
	ck_assert(fake_release(integ_fake_url));
	bg_stream_join(&st);
	ck_assert_int_eq(st.status, 200);
	ck_assert_msg(count(st.raw, "event: response.output_text.delta") ==
	    STREAM_EVENTS && strstr(st.raw, "data: [DONE]") != NULL,
	    "stream cut short: %s", st.raw);
	/* Its last request done, the retired worker goes. */
	for (waited = 0; alive(old) && waited < WAIT_STEPS; waited++)
		usleep(50000);
	ck_assert_msg(!alive(old), "retired worker %d still runs", (int)old);
	free(st.raw);
}
END_TEST

/*
 * A worker stopped on its own (SIGTERM to it, not to the supervisor)
 * must leave the listening socket it shares with its successor, the
 * supervisor and systemd listening: it used to shut the socket down on
 * its way out, and every later request failed.
 */
START_TEST(a_worker_stopped_alone_leaves_the_socket_listening)
{
	struct relay_procs	 before;
	pid_t			 victim;
	int			 i, waited;

	relay_procs(&before);
	ck_assert_uint_ge(before.nwork, 1);
	victim = before.work[0];
	ck_assert_int_eq(kill(victim, SIGTERM), 0);
	for (waited = 0; alive(victim) && waited < WAIT_STEPS; waited++)
		usleep(50000);
	ck_assert_msg(!alive(victim), "worker %d did not stop", (int)victim);
	for (i = 0; i < 3; i++)
		embeddings_ok(i);
}
END_TEST

void
add_recycle_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("recycle");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, every_request_served_across_recycles);
	if (kind == FRONTEND_NGINX || kind == FRONTEND_SYSTEMD) {
		tcase_add_test(tc, stream_outlives_its_retiring_worker);
		tcase_add_test(tc,
		    a_worker_stopped_alone_leaves_the_socket_listening);
	}
	suite_add_tcase(s, tc);
}
