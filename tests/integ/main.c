/*
 * Integration run: the real ./relay behind real lighttpd and real Apache
 * mod_fcgid (from the shipped deploy/ configs), talking to a fake OpenAI
 * upstream that records what it receives.  Every server is started here
 * on loopback and stopped by PID.
 *
 * The environment picks what runs: RELAY_BIN the relay binary (default
 * ./relay; make check also runs an ASan+UBSan build), INTEG_KINDS a
 * comma-separated list of front kinds (default all; see frontend_name),
 * INTEG_VALGRIND=1 the relay under valgrind (see frontend.h).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

const struct frontend	*integ_frontend;
const char		*integ_fake_url;

#define STR(x)		#x
#define XSTR(x)		STR(x)
#define RECYCLE_N_TEXT	XSTR(TEST_RECYCLE_N)

static char		 relay_bin[PATH_MAX];
static int		 total_run, total_failed;

/* relay.conf for a run with this RELAY_TIMEOUT; extra lines are appended. */
static void
relay_conf_timeout(char *buf, size_t bufsz, const char *fake_url,
    int timeout_s, const char *extra)
{
	/* The /v1 suffix proves the base is normalised, as the original's
	 * .env.example wrote it. */
	snprintf(buf, bufsz,
	    "# written by tests/integ/main.c\n"
	    "OPENAI_API_BASE = %s/v1\n"
	    "OPENAI_ORGANIZATION = org-test\n"
	    "OPENAI_PROJECT = proj_test\n"
	    "RELAY_TIMEOUT = %d\n"
	    "RELAY_MAX_JSON_BODY = %d\n"
	    /* Short stream deadlines, so their tests take seconds. */
	    "RELAY_STREAM_KEEPALIVE = 1\n"
	    "RELAY_STREAM_FIRST_BYTE_TIMEOUT = 2\n"
	    "RELAY_STREAM_IDLE_TIMEOUT = 3\n"
	    "%s", fake_url, timeout_s, TEST_MAX_JSON_BODY, extra);
}

/* relay.conf for a run; extra lines are appended. */
static void
relay_conf(char *buf, size_t bufsz, const char *fake_url, const char *extra)
{
	relay_conf_timeout(buf, bufsz, fake_url, TEST_RELAY_TIMEOUT_S, extra);
}

/*
 * The files suite's relay.conf: small wrapper caps so the size limits are
 * cheap to cross, and the HTTPS host its image downloads may use.
 */
static void
files_conf(char *buf, size_t bufsz, const char *fake_url)
{
	char	extra[1024], fetch[512];
	int	n;

	if (files_fixture_start(fetch, sizeof(fetch)) == -1) {
		fputs("integ: the HTTPS file server did not start\n", stderr);
		fetch[0] = '\0';
	}
	n = snprintf(extra, sizeof(extra),
	    "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEY_FILE = relay.key\n"
	    "RELAY_MAX_UPLOAD_BODY = %d\n"
	    "RELAY_ACTIONS_FILE_MAX = %d\n"
	    "RELAY_ACTIONS_VIDEO_MAX = %d\n%s",
	    TEST_MAX_UPLOAD_BODY, TEST_ACTIONS_FILE_MAX,
	    TEST_ACTIONS_VIDEO_MAX, fetch);
	if (n > 0 && (size_t)n < sizeof(extra))
		relay_conf(buf, bufsz, fake_url, extra);
}

static void
run_suite(Suite *s)
{
	SRunner	*sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	total_run += srunner_ntests_run(sr);
	total_failed += srunner_ntests_failed(sr);
	srunner_free(sr);
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
	total_run++;
	if (leaked) {
		fprintf(stderr, "integ: a key or a sanitizer report appears in "
		    "%s's logs\n", what);
		total_failed++;
	}
}

/* Whether INTEG_KINDS (all kinds when unset) names kind. */
static bool
kind_wanted(enum frontend_kind kind)
{
	const char	*kinds = getenv("INTEG_KINDS");
	const char	*name = frontend_name(kind), *p;
	size_t		 len = strlen(name), n;

	if (kinds == NULL || kinds[0] == '\0')
		return true;
	for (p = kinds; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == len && strncmp(p, name, len) == 0)
			return true;
	}
	return false;
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
	total_run++;
	if (frontend_valgrind_log_errors(logdir, what) > 0)
		total_failed++;
}

/*
 * Starts kind with conf, runs s through it, stops it, then checks what
 * the processes logged, up to their exit.
 */
static void
run_behind(enum frontend_kind kind, const char *conf,
    const struct frontend_file *files, size_t nfiles, Suite *s)
{
	static struct frontend	fe;
	char			logdir[300];

	if (!kind_wanted(kind)) {
		srunner_free(srunner_create(s));	/* frees s */
		return;
	}
	if (frontend_start(&fe, kind, relay_bin, conf, files, nfiles) == -1) {
		fprintf(stderr, "integ: %s did not start\n",
		    frontend_name(kind));
		total_run++;
		total_failed++;
		srunner_free(srunner_create(s));	/* frees s */
		return;
	}
	integ_frontend = &fe;
	run_suite(s);
	frontend_halt(&fe);
	logs_keep_secrets(frontend_name(kind), (const char *const[]){
	    fe.error_log, fe.server_out }, 2);
	snprintf(logdir, sizeof(logdir), "%s/log", fe.dir);
	valgrind_clean(logdir, frontend_name(kind));
	frontend_stop(&fe);
	integ_frontend = NULL;
}

/*
 * Fault injection behind the two servers that spawn the relay
 * themselves, where a crashed relay would be replaced unseen but for its
 * PID, and behind nginx, which streams request bodies to the relay (so
 * client faults reach it); then 2 GiB answers under a deadline that
 * allows them, and an upstream that refuses connections.
 */
static void
run_faults(const struct frontend_file *keys, const char *fake_url)
{
	char	conf[2048], refusing[64];

	relay_conf(conf, sizeof(conf), fake_url,
	    "OPENAI_API_KEY_FILE = openai.key\nRELAY_KEY_FILE = relay.key\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2,
	    faults_suite("faults-lighttpd"));
	run_behind(FRONTEND_APACHE_FCGID, conf, keys, 2,
	    faults_suite("faults-apache-fcgid"));
	run_behind(FRONTEND_NGINX, conf, keys, 2, faults_suite("faults-nginx"));
	relay_conf_timeout(conf, sizeof(conf), fake_url,
	    TEST_LARGE_RELAY_TIMEOUT_S,
	    "OPENAI_API_KEY_FILE = openai.key\nRELAY_KEY_FILE = relay.key\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2,
	    faults_large_suite("faults-large-lighttpd"));
	run_behind(FRONTEND_APACHE_FCGID, conf, keys, 2,
	    faults_large_suite("faults-large-apache-fcgid"));
	if (refusing_upstream_open(refusing, sizeof(refusing)) == -1) {
		fputs("integ: no port for the refusing upstream\n", stderr);
		total_run++;
		total_failed++;
		return;
	}
	relay_conf(conf, sizeof(conf), refusing,
	    "OPENAI_API_KEY_FILE = openai.key\nRELAY_KEY_FILE = relay.key\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2,
	    faults_refused_suite("faults-refused-lighttpd"));
	run_behind(FRONTEND_APACHE_FCGID, conf, keys, 2,
	    faults_refused_suite("faults-refused-apache-fcgid"));
	refusing_upstream_close();
}

int
main(void)
{
	static const struct frontend_file keys[] = {
		{ "openai.key", TEST_OPENAI_KEY "\n" },
		{ "relay.key", TEST_RELAY_KEY "\n" },
	};
	struct fake_upstream	fake;
	char			conf[2048], logdir[300], wslog[320];
	int			kind;

	if (realpath(getenv("RELAY_BIN") != NULL ? getenv("RELAY_BIN") :
	    "relay", relay_bin) == NULL) {
		fputs("integ: run from the repository root after make\n",
		    stderr);
		return EXIT_FAILURE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fake_upstream_start(&fake,
	    "tests/fake_upstream/fake-upstream") == -1)
		return EXIT_FAILURE;
	integ_fake_url = fake.base_url;

	relay_conf(conf, sizeof(conf), fake.base_url,
	    "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEY_FILE = relay.key\n"
	    "RELAY_KEYS = second:" TEST_SECOND_KEY "\n");
	for (kind = 0; kind < FRONTEND__MAX; kind++)
		run_behind((enum frontend_kind)kind, conf, keys, 2,
		    relay_suite(frontend_name((enum frontend_kind)kind)));
	for (kind = 0; kind < FRONTEND__MAX; kind++)
		run_behind((enum frontend_kind)kind, conf, keys, 2,
		    documents_suite((enum frontend_kind)kind));
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2,
	    realtime_suite("realtime-lighttpd"));
	run_behind(FRONTEND_APACHE_FCGID, conf, keys, 2,
	    realtime_suite("realtime-apache-fcgid"));
	/* The bridge runs behind lighttpd's mod_proxy. */
	if (!kind_wanted(FRONTEND_LIGHTTPD))
		;
	else if (wsbridge_fixture_start(relay_bin) == 0) {
		run_suite(wsbridge_suite());
		wsbridge_fixture_halt();
		snprintf(logdir, sizeof(logdir), "%s/log",
		    wsbridge_fixture_dir());
		snprintf(wslog, sizeof(wslog), "%s/servers.log", logdir);
		logs_keep_secrets("wsbridge", (const char *const[]){ wslog },
		    1);
		valgrind_clean(logdir, "wsbridge");
	} else {
		total_run++;
		total_failed++;
	}
	wsbridge_fixture_stop();
	/* Every deploy/ file, the same smoke checks through each. */
	smoke_relay_conf(conf, sizeof(conf), fake.base_url);
	for (kind = 0; kind < FRONTEND__MAX; kind++)
		run_behind((enum frontend_kind)kind, conf, keys, 2,
		    smoke_suite((enum frontend_kind)kind));

	files_conf(conf, sizeof(conf), fake.base_url);
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2, files_suite("files-lighttpd"));
	run_behind(FRONTEND_APACHE_FCGID, conf, keys, 2,
	    files_suite("files-apache-fcgid"));
	files_fixture_stop();

	run_faults(keys, fake.base_url);

	relay_conf(conf, sizeof(conf), fake.base_url,
	    "RELAY_KEY_FILE = relay.key\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2, no_upstream_key_suite());
	relay_conf(conf, sizeof(conf), fake.base_url,
	    "OPENAI_API_KEY_FILE = openai.key\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2,
	    auth_misconfigured_suite());
	relay_conf(conf, sizeof(conf), fake.base_url,
	    "OPENAI_API_KEY_FILE = openai.key\nRELAY_AUTH_ENABLED = false\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2, auth_disabled_suite());
	relay_conf(conf, sizeof(conf), fake.base_url,
	    "RELAY_KEY_FILE = relay.key\n"
	    "RELAY_PUBLIC_URL = " TEST_PUBLIC_URL "/v1\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2, public_url_suite());

	/* Worker recycling behind each way the relay is started. */
	relay_conf(conf, sizeof(conf), fake.base_url,
	    "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEY_FILE = relay.key\n"
	    "RELAY_MAX_REQUESTS = " RECYCLE_N_TEXT "\n");
	run_behind(FRONTEND_LIGHTTPD, conf, keys, 2,
	    recycle_suite(FRONTEND_LIGHTTPD));
	run_behind(FRONTEND_APACHE_FCGID, conf, keys, 2,
	    recycle_suite(FRONTEND_APACHE_FCGID));
	run_behind(FRONTEND_NGINX, conf, keys, 2,
	    recycle_suite(FRONTEND_NGINX));
	run_behind(FRONTEND_SYSTEMD, conf, keys, 2,
	    recycle_suite(FRONTEND_SYSTEMD));

	fake_upstream_stop(&fake);
	curl_global_cleanup();
	printf("integration: %d passed, %d failed\n", total_run - total_failed,
	    total_failed);
	return total_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
