/*
 * Integration run: the real relay behind real front servers (from the
 * shipped deploy/ configs), talking to a fake OpenAI upstream that
 * records what it receives.  Every server is started here on loopback
 * and stopped by PID.
 *
 * What runs where is the table below, one row per suite: the relay.conf
 * it needs, the front server kinds it runs behind and the relay builds
 * ("flavours") it runs against.  Rows that share a relay.conf behind the
 * same kind share one start of that server.
 *
 * The environment picks what runs: INTEG_FLAVOUR plain (default), san or
 * valgrind (see flavours below); RELAY_BIN the relay binary (default
 * ./relay, ./relay-san for san); INTEG_KINDS a comma-separated list of
 * front kinds (default all; see frontend_name); INTEG_SUITES a
 * comma-separated list of row names (default all); INTEG_ALL_ROWS=1
 * every row behind every kind it names, whatever its flavours say
 * (make valgrind, make check SAN=1).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

const struct frontend	*integ_frontend;
const char		*integ_fake_url;
const char		*integ_relay_bin;

/*
 * Front tags: the kinds a row runs behind.
 *   ONE_FRONT    behaviour no front server changes: routing, auth, proxy
 *                decisions, wrappers, upstream faults, errors
 *   EVERY_FRONT  what a front server changes, through every shipped
 *                setup: headers, bodies, streaming, cut bodies, the
 *                shipped config itself
 *   SERVERS      the three servers, each with its own request parser and
 *                body buffering: what misbehaving clients meet
 *   SPAWNING     the two that spawn the relay and read a body whole
 *                before it runs: uploads and downloads through them
 *   STARTS       each way the relay is started (spawned by lighttpd or
 *                mod_fcgid, --listen, systemd socket activation)
 *   CUT_FRONT    nginx, which cuts its client off when the relay cuts a
 *                body, so a deadline's cut can be asserted
 *   STREAMING    the two that stream a request body to the relay as it
 *                arrives (nginx, Apache mod_proxy_fcgi): slow clients
 *                reach the relay itself
 */
#define KIND(k)		(1u << FRONTEND_##k)
#define ONE_FRONT	KIND(LIGHTTPD)
#define EVERY_FRONT	((1u << FRONTEND__MAX) - 1)
#define SERVERS		(KIND(LIGHTTPD) | KIND(APACHE_FCGID) | KIND(NGINX))
#define SPAWNING	(KIND(LIGHTTPD) | KIND(APACHE_FCGID))
#define STARTS		(SERVERS | KIND(SYSTEMD))
#define CUT_FRONT	KIND(NGINX)
#define STREAMING	(KIND(NGINX) | KIND(APACHE_PROXY_FCGI))

/*
 * Flavour tags: the relay builds a row runs against.  Every row runs
 * against the plain ./relay.  SAN: relay-san (ASan, UBSan, LeakSanitizer)
 * behind every kind the row names.  VALGRIND: ./relay under memcheck
 * behind the first kind the row names only (it slows the relay 20-50
 * times; make valgrind runs every kind).  The sanitizers and valgrind
 * run the rows whose code paths can hide memory errors; what only
 * checks a document or the front server (a validator, a browser, a
 * size) runs once.
 */
enum flavour {
	FLAVOUR_PLAIN,
	FLAVOUR_SAN,
	FLAVOUR_VALGRIND,
	FLAVOUR__MAX
};
#define PLAIN		(1u << FLAVOUR_PLAIN)
#define SAN		(1u << FLAVOUR_SAN)
#define VALGRIND	(1u << FLAVOUR_VALGRIND)
#define EVERY_FLAVOUR	(PLAIN | SAN | VALGRIND)

static const char *const flavour_names[FLAVOUR__MAX] = {
	"plain", "san", "valgrind",
};

/*
 * The relay.conf a row needs (conf_text writes each).  CONF_WSBRIDGE is
 * no front server of frontend.h but the bridge's own fixture.
 */
enum conf {
	CONF_MAIN,		/* deadlines far away, every feature on */
	CONF_DEADLINES,		/* short deadlines, for the suites about them */
	CONF_REFUSED,		/* an upstream that refuses connections */
	CONF_RECYCLE,		/* RELAY_MAX_REQUESTS = TEST_RECYCLE_N */
	CONF_SLOW,		/* few threads, a short body idle limit */
	CONF_ONE_THREAD,	/* RELAY_THREADS = 1: one curl handle serves all */
	CONF_LINKS_CAP,		/* RELAY_ACTIONS_LINKS_MAX = TEST_LINKS_MAX */
	CONF_LINKS_TTL,		/* short lives: links and access tokens 1 s */
	CONF_WSBRIDGE,		/* relay --websocket behind lighttpd */
	CONF_KEYS,		/* RELAY_KEYS_FILE, SQLite beside it */
	CONF_KEYS_REDIS,	/* the same on a redis-server */
	CONF_POOL,		/* surplus idle threads end after 1 s */
	CONF__MAX
};

static const char *const conf_names[CONF__MAX] = {
	"main", "deadlines", "refused", "recycle", "slow", "one-thread",
	"links-cap", "links-ttl", "wsbridge", "keys", "keys-redis", "pool",
};

struct row {
	const char	*name;
	void		(*add)(Suite *, enum frontend_kind);
	enum conf	 conf;
	unsigned	 fronts;
	unsigned	 flavours;
};

/*
 * Adding a suite is one row here: its name (the suites print as
 * name-kind), the function adding its test cases (integ.h), its
 * relay.conf, where it runs and against what.
 */
static const struct row rows[] = {
	{ "relay", add_relay_tests, CONF_MAIN, ONE_FRONT, EVERY_FLAVOUR },
	{ "relay-front", add_relay_front_tests, CONF_MAIN, EVERY_FRONT,
	    EVERY_FLAVOUR },
	{ "smoke", add_smoke_tests, CONF_MAIN, EVERY_FRONT, EVERY_FLAVOUR },
	{ "sse", add_sse_tests, CONF_MAIN, ONE_FRONT, EVERY_FLAVOUR },
	{ "sse-front", add_sse_front_tests, CONF_MAIN, EVERY_FRONT,
	    EVERY_FLAVOUR },
	{ "documents", add_documents_tests, CONF_MAIN, EVERY_FRONT,
	    EVERY_FLAVOUR },
	{ "documents-validated", add_documents_validated_tests, CONF_MAIN,
	    ONE_FRONT, PLAIN },
	{ "realtime", add_realtime_tests, CONF_MAIN, ONE_FRONT,
	    EVERY_FLAVOUR },
	{ "files", add_files_tests, CONF_MAIN, SPAWNING, EVERY_FLAVOUR },
	{ "actions", add_actions_tests, CONF_MAIN, ONE_FRONT, EVERY_FLAVOUR },
	{ "audio", add_audio_tests, CONF_MAIN, EVERY_FRONT, EVERY_FLAVOUR },
	{ "audio-deadlines", add_audio_deadline_tests, CONF_DEADLINES,
	    CUT_FRONT, EVERY_FLAVOUR },
	{ "links", add_links_tests, CONF_MAIN, ONE_FRONT, EVERY_FLAVOUR },
	{ "links-cap", add_links_cap_tests, CONF_LINKS_CAP, ONE_FRONT,
	    PLAIN | SAN },
	{ "links-expiry", add_links_expiry_tests, CONF_LINKS_TTL, ONE_FRONT,
	    PLAIN | SAN },
	{ "faults-upstream", add_faults_upstream_tests, CONF_MAIN, ONE_FRONT,
	    EVERY_FLAVOUR },
	{ "faults-front", add_faults_front_tests, CONF_MAIN, EVERY_FRONT,
	    EVERY_FLAVOUR },
	{ "faults-client", add_faults_client_tests, CONF_MAIN, SERVERS,
	    EVERY_FLAVOUR },
	{ "faults-large", add_faults_large_tests, CONF_MAIN, ONE_FRONT,
	    PLAIN },
	{ "faults-deadlines", add_faults_deadline_tests, CONF_DEADLINES,
	    CUT_FRONT, EVERY_FLAVOUR },
	{ "sse-deadlines", add_sse_deadline_tests, CONF_DEADLINES, CUT_FRONT,
	    EVERY_FLAVOUR },
	{ "faults-refused", add_faults_refused_tests, CONF_REFUSED,
	    ONE_FRONT, EVERY_FLAVOUR },
	{ "recycle", add_recycle_tests, CONF_RECYCLE, STARTS, EVERY_FLAVOUR },
	{ "pool", add_pool_tests, CONF_POOL, ONE_FRONT, PLAIN | SAN },
	/* Every kind of call in turn on one thread's curl handle, which
	 * keeps options from one plain call to the next (upstream.c):
	 * behind systemd, whose unit takes RELAY_THREADS from relay.conf. */
	{ "relay-front-one-thread", add_relay_front_tests, CONF_ONE_THREAD,
	    KIND(SYSTEMD), PLAIN | SAN },
	{ "faults-slow-bodies", add_faults_slow_bodies_tests, CONF_SLOW,
	    STREAMING, PLAIN | SAN },
	{ "mcp", add_mcp_tests, CONF_MAIN, SPAWNING, EVERY_FLAVOUR },
	{ "mcp-front", add_mcp_front_tests, CONF_MAIN, EVERY_FRONT, PLAIN },
	{ "oauth", add_oauth_tests, CONF_MAIN, SPAWNING, EVERY_FLAVOUR },
	{ "oauth-expiry", add_oauth_expiry_tests, CONF_LINKS_TTL, ONE_FRONT,
	    PLAIN | SAN },
	{ "oauth-sdk", add_oauth_sdk_tests, CONF_MAIN, SPAWNING, PLAIN },
	{ "oauth-browser", add_oauth_browser_tests, CONF_MAIN, ONE_FRONT,
	    PLAIN },
	{ "wsbridge", add_wsbridge_tests, CONF_WSBRIDGE, KIND(LIGHTTPD),
	    EVERY_FLAVOUR },
	/* lighttpd runs two relay processes: limits must hold across. */
	{ "keys", add_keys_tests, CONF_KEYS, KIND(LIGHTTPD), PLAIN | SAN },
	{ "keys-redis", add_keys_redis_tests, CONF_KEYS_REDIS, KIND(LIGHTTPD),
	    PLAIN | SAN },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

static const struct frontend_file keys[] = {
	{ "openai.key", TEST_OPENAI_KEY "\n" },
	{ "relay.key", TEST_RELAY_KEY "\n" },
	/* Read only where RELAY_KEYS_FILE names it. */
	{ "keys.txt", TEST_KEYS_FILE },
};

static char		 relay_bin[PATH_MAX];
static char		 fetch_lines[512];	/* the HTTPS file server */
static char		 refusing_url[64];
static int		 total_run, total_failed;

/*
 * What failed, said again after the last row: CI keeps only the tail
 * of the output, and a failure printed mid-run is lost there.
 */
#define RECAP_MAX	32
static char		 recap[RECAP_MAX][512];
static int		 nrecap;

static void
recap_add(const char *what, const char *detail)
{
	if (nrecap < RECAP_MAX)
		snprintf(recap[nrecap++], sizeof(recap[0]), "%s: %s", what,
		    detail);
}

/* One failure outside Check's tests: said now and in the recap. */
static void
failed(const char *what, const char *detail)
{
	fprintf(stderr, "integ: %s: %s\n", what, detail);
	recap_add(what, detail);
	total_run++;
	total_failed++;
}

/* Adds a finished runner's counts to the totals, its failures to the
 * recap under the name of what ran (the front server, say). */
static void
count_run(SRunner *sr, const char *what)
{
	TestResult	**trs = srunner_failures(sr);
	char		  where[256];
	int		  i, n = srunner_ntests_failed(sr);

	total_run += srunner_ntests_run(sr);
	total_failed += n;
	for (i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "%s, %s:%d %s",
		    tr_tcname(trs[i]), tr_lfile(trs[i]), tr_lno(trs[i]),
		    tr_msg(trs[i]));
		recap_add(what, where);
	}
	free(trs);
}

static int
https_files_start(void)
{
	return files_fixture_start(fetch_lines, sizeof(fetch_lines));
}

static int
refusing_start(void)
{
	return refusing_upstream_open(refusing_url, sizeof(refusing_url));
}

/*
 * What the servers of a relay.conf need running first: started once per
 * run, before any server, when a row of that conf runs; stopped at the
 * end.  A start that fails counts as one failed check.
 */
static const struct fixture {
	const char	*what;
	enum conf	 conf;
	int		(*start)(void);		/* 0, or -1 */
	void		(*stop)(void);
} fixtures[] = {
	{ "the HTTPS file server", CONF_MAIN, https_files_start,
	    files_fixture_stop },
	{ "the refusing upstream", CONF_REFUSED, refusing_start,
	    refusing_upstream_close },
	{ "redis-server", CONF_KEYS_REDIS, keys_redis_start, keys_redis_stop },
};
#define NFIXTURES	(sizeof(fixtures) / sizeof(fixtures[0]))

/* relay.conf for conf, the fake upstream at fake_url; -1 if unknown. */
static int
conf_text(enum conf conf, const char *fake_url, char *buf, size_t bufsz)
{
	int	n;

	n = snprintf(buf, bufsz,
	    "# written by tests/integ/main.c\n"
	    /* The /v1 suffix proves the base is normalised, as the
	     * original's .env.example wrote it. */
	    "OPENAI_API_BASE = %s/v1\n"
	    "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEY_FILE = relay.key\n"
	    "RELAY_KEYS = second:" TEST_SECOND_KEY "\n"
	    "OPENAI_ORGANIZATION = org-test\n"
	    "OPENAI_PROJECT = proj_test\n"
	    "RELAY_MAX_JSON_BODY = %d\n"
	    /* Small wrapper caps, so the size limits are cheap to cross. */
	    "RELAY_MAX_UPLOAD_BODY = %d\n"
	    "RELAY_ACTIONS_FILE_MAX = %d\n"
	    "RELAY_ACTIONS_VIDEO_MAX = %d\n"
	    "RELAY_ACTIONS_AUDIO_MAX = %d\n"
	    "RELAY_MCP = oauth\n"
	    "%s",
	    conf == CONF_REFUSED ? refusing_url : fake_url,
	    TEST_MAX_JSON_BODY, TEST_MAX_UPLOAD_BODY, TEST_ACTIONS_FILE_MAX,
	    TEST_ACTIONS_VIDEO_MAX, TEST_ACTIONS_AUDIO_MAX, fetch_lines);
	if (n < 0 || (size_t)n >= bufsz)
		return -1;
	buf += n;
	bufsz -= (size_t)n;
	switch (conf) {
	case CONF_MAIN:
	case CONF_REFUSED:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n",
		    TEST_RELAY_TIMEOUT_S);
		break;
	case CONF_DEADLINES:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_STREAM_KEEPALIVE = 1\n"
		    "RELAY_STREAM_FIRST_BYTE_TIMEOUT = %d\n"
		    "RELAY_STREAM_IDLE_TIMEOUT = %d\n", TEST_DEADLINE_S,
		    TEST_FIRST_BYTE_S, TEST_IDLE_S);
		break;
	case CONF_RECYCLE:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_MAX_REQUESTS = %d\n", TEST_RELAY_TIMEOUT_S,
		    TEST_RECYCLE_N);
		break;
	case CONF_LINKS_CAP:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_ACTIONS_LINKS_MAX = %d\n", TEST_RELAY_TIMEOUT_S,
		    TEST_LINKS_MAX);
		break;
	case CONF_LINKS_TTL:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_ACTIONS_LINK_TTL = 1\nRELAY_OAUTH_ACCESS_TTL = 1\n",
		    TEST_RELAY_TIMEOUT_S);
		break;
	case CONF_KEYS:
	case CONF_KEYS_REDIS:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_KEYS_FILE = keys.txt\n%s", TEST_RELAY_TIMEOUT_S,
		    conf == CONF_KEYS_REDIS ? keys_redis_conf() : "");
		break;
	case CONF_ONE_THREAD:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_THREADS = 1\n", TEST_RELAY_TIMEOUT_S);
		break;
	case CONF_POOL:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_THREAD_IDLE_TIMEOUT = 1\n", TEST_RELAY_TIMEOUT_S);
		break;
	case CONF_SLOW:
		n = snprintf(buf, bufsz, "RELAY_TIMEOUT = %d\n"
		    "RELAY_THREADS = %d\nRELAY_BODY_IDLE_TIMEOUT = %d\n",
		    TEST_RELAY_TIMEOUT_S, TEST_SLOW_THREADS,
		    TEST_SLOW_BODY_IDLE_S);
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Where a sanitizer's report begins in text (make check runs the relay
 * built with them), or NULL.
 */
static const char *
sanitizer_report(const char *text)
{
	const char	*at = strstr(text, "Sanitizer");

	return at != NULL ? at : strstr(text, "runtime error:");
}

/* The start of a report, for the run's output: reports hold no keys. */
static void
print_report(const char *what, const char *text, const char *at)
{
	while (at > text && at[-1] != '\n')
		at--;
	fprintf(stderr, "integ: sanitizer report in %s's logs:\n%.3000s\n",
	    what, at);
}

/*
 * Every log line the servers and the relay wrote (the files in paths),
 * up to their exit, must be free of keys and of sanitizer reports;
 * either counts as one failed check.
 */
static void
logs_keep_secrets(const char *what, const char *const paths[], size_t n)
{
	const char	*at;
	char		*log;
	bool		 leaked = false;
	size_t		 i;

	for (i = 0; i < n && !leaked; i++) {
		if ((log = frontend_read_file(paths[i])) == NULL)
			continue;
		leaked = secret_in(log, strlen(log));
		if (!leaked && (at = sanitizer_report(log)) != NULL) {
			print_report(what, log, at);
			leaked = true;
		}
		free(log);
	}
	if (leaked)
		failed(what, "a key or a sanitizer report appears in its logs");
	else
		total_run++;
}

/*
 * Under valgrind, every relay process's log in logdir must end with a
 * clean summary; one failed check per server run otherwise.
 */
static void
valgrind_clean(const char *logdir, const char *what)
{
	if (!frontend_valgrind())
		return;
	if (frontend_valgrind_log_errors(logdir, what) > 0)
		failed(what, "valgrind found errors");
	else
		total_run++;
}

/* Whether the comma-separated list in environment variable var (every
 * name when unset or empty) names name. */
static bool
listed(const char *var, const char *name)
{
	const char	*list = getenv(var), *p;
	size_t		 len = strlen(name), n;

	if (list == NULL || list[0] == '\0')
		return true;
	for (p = list; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == len && strncmp(p, name, len) == 0)
			return true;
	}
	return false;
}

static enum flavour
flavour_wanted(void)
{
	const char	*v = getenv("INTEG_FLAVOUR");
	int		 f;

	for (f = 0; v != NULL && v[0] != '\0' && f < FLAVOUR__MAX; f++)
		if (strcmp(v, flavour_names[f]) == 0)
			return (enum flavour)f;
	if (v != NULL && v[0] != '\0') {
		fprintf(stderr, "integ: INTEG_FLAVOUR=%s: want plain, san or "
		    "valgrind\n", v);
		exit(EXIT_FAILURE);
	}
	return FLAVOUR_PLAIN;
}

/* The lowest kind in a set of front tags. */
static enum frontend_kind
first_kind(unsigned fronts)
{
	int	k;

	for (k = 0; k < FRONTEND__MAX && !(fronts & (1u << k)); k++)
		continue;
	return (enum frontend_kind)k;
}

/* Whether row r runs behind kind in flavour f, as the environment asks. */
static bool
row_runs(const struct row *r, enum frontend_kind kind, enum flavour f)
{
	const char	*all = getenv("INTEG_ALL_ROWS");
	bool		 every = all != NULL && all[0] != '\0' &&
	    strcmp(all, "0") != 0;

	if (!(r->fronts & (1u << kind)) || !listed("INTEG_KINDS",
	    frontend_name(kind)) || !listed("INTEG_SUITES", r->name))
		return false;
	if (every)
		return true;
	if (!(r->flavours & (1u << f)))
		return false;
	return f != FLAVOUR_VALGRIND || kind == first_kind(r->fronts);
}

/* Runs a suite that needs no front server (s is freed). */
static void
run_frontless(Suite *s)
{
	SRunner	*sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	count_run(sr, "no front server");
	srunner_free(sr);
}

/*
 * Runs the rows of conf that run behind kind in flavour f, all in one
 * start of the server (or the bridge's fixture), then checks what the
 * processes logged, up to their exit.
 */
static void
run_start(enum conf conf, enum frontend_kind kind, enum flavour f)
{
	static struct frontend	 fe;
	const char		*what = frontend_name(kind);
	char			 text[4096], logdir[300], wslog[320];
	char			 names[NROWS][96];
	SRunner			*sr = NULL;
	Suite			*s;
	size_t			 i, n = 0;
	double			 t0 = now_s();
	int			 started;

	for (i = 0; i < NROWS; i++) {
		if (rows[i].conf != conf || !row_runs(&rows[i], kind, f))
			continue;
		snprintf(names[n], sizeof(names[n]), "%s-%s", rows[i].name,
		    what);
		s = suite_create(names[n++]);
		rows[i].add(s, kind);
		if (sr == NULL)
			sr = srunner_create(s);
		else
			srunner_add_suite(sr, s);
	}
	if (sr == NULL)
		return;
	if (conf == CONF_WSBRIDGE) {
		what = "wsbridge";
		started = wsbridge_fixture_start(relay_bin);
	} else {
		started = conf_text(conf, integ_fake_url, text, sizeof(text));
		if (started == 0)
			started = frontend_start(&fe, kind, relay_bin, text,
			    keys, sizeof(keys) / sizeof(keys[0]));
		integ_frontend = &fe;
	}
	if (started == -1) {
		failed(what, "did not start");
	} else {
		srunner_run_all(sr, CK_NORMAL);
		count_run(sr, what);
	}
	srunner_free(sr);
	if (conf == CONF_WSBRIDGE) {
		wsbridge_fixture_halt();
		snprintf(logdir, sizeof(logdir), "%s/log",
		    wsbridge_fixture_dir());
		snprintf(wslog, sizeof(wslog), "%s/servers.log", logdir);
		if (started == 0) {
			logs_keep_secrets(what, (const char *const[]){ wslog },
			    1);
			valgrind_clean(logdir, what);
		}
		wsbridge_fixture_stop();
	} else if (started == 0) {
		frontend_halt(&fe);
		logs_keep_secrets(what, (const char *const[]){ fe.error_log,
		    fe.server_out }, 2);
		snprintf(logdir, sizeof(logdir), "%s/log", fe.dir);
		valgrind_clean(logdir, what);
		frontend_stop(&fe);
	}
	integ_frontend = NULL;
	fprintf(stderr, "integ: %s relay.conf behind %s: %zu suite(s), "
	    "%.1f s\n", conf_names[conf], what, n, now_s() - t0);
}

/* Whether any row of conf runs in flavour f. */
static bool
conf_used(enum conf conf, enum flavour f)
{
	size_t	i;
	int	k;

	for (i = 0; i < NROWS; i++)
		for (k = 0; k < FRONTEND__MAX; k++)
			if (rows[i].conf == conf &&
			    row_runs(&rows[i], (enum frontend_kind)k, f))
				return true;
	return false;
}

int
main(void)
{
	struct fake_upstream	 fake;
	enum flavour		 f = flavour_wanted();
	const char		*bin = getenv("RELAY_BIN");
	size_t			 i;
	int			 kind, conf;

	if (bin == NULL || bin[0] == '\0')
		bin = f == FLAVOUR_SAN ? "relay-san" : "relay";
	if (realpath(bin, relay_bin) == NULL) {
		fprintf(stderr, "integ: no %s: run from the repository root "
		    "after make\n", bin);
		return EXIT_FAILURE;
	}
	integ_relay_bin = relay_bin;
	/* frontend.c runs the relay under valgrind when this is set. */
	if (f == FLAVOUR_VALGRIND)
		setenv("INTEG_VALGRIND", "1", 1);
	/* Timeouts are hang guards: scaled for the slower builds. */
	if (f != FLAVOUR_PLAIN)
		setenv("CK_TIMEOUT_MULTIPLIER", f == FLAVOUR_SAN ? "4" : "10",
		    0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fake_upstream_start(&fake,
	    "tests/fake_upstream/fake-upstream") == -1)
		return EXIT_FAILURE;
	integ_fake_url = fake.base_url;
	for (i = 0; i < NFIXTURES; i++) {
		if (!conf_used(fixtures[i].conf, f) || fixtures[i].start() == 0)
			continue;
		failed(fixtures[i].what, "did not start");
	}

	/* The relay started by hand, no front server: its command line.
	 * Valgrind adds nothing here that the rows do not cover. */
	if (f != FLAVOUR_VALGRIND && listed("INTEG_SUITES", "cli"))
		run_frontless(cli_suite(relay_bin));

	for (kind = 0; kind < FRONTEND__MAX; kind++)
		for (conf = 0; conf < CONF__MAX; conf++)
			run_start((enum conf)conf, (enum frontend_kind)kind, f);

	for (i = 0; i < NFIXTURES; i++)
		fixtures[i].stop();
	fake_upstream_stop(&fake);
	curl_global_cleanup();
	for (i = 0; i < (size_t)nrecap; i++)
		printf("integration (%s) failed: %s\n", flavour_names[f],
		    recap[i]);
	/* Every failure was offered to the recap: the rest are above. */
	if (total_failed > nrecap)
		printf("integration (%s) failed: %d more, said above\n",
		    flavour_names[f], total_failed - nrecap);
	printf("integration (%s): %d passed, %d failed\n", flavour_names[f],
	    total_run - total_failed, total_failed);
	return total_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
