/*
 * Integration run: the real ./relay behind real lighttpd and real Apache
 * mod_fcgid (from the shipped deploy/ configs), talking to a fake OpenAI
 * upstream that records what it receives.  Every server is started here
 * on loopback and stopped by PID.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "tests/integ/integ.h"

const struct frontend	*integ_frontend;
const char		*integ_fake_url;

static char		 relay_bin[PATH_MAX];
static int		 total_run, total_failed;

/* relay.conf for a run; extra lines are appended. */
static void
relay_conf(char *buf, size_t bufsz, const char *fake_url, const char *extra)
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
	    "%s", fake_url, TEST_RELAY_TIMEOUT_S, TEST_MAX_JSON_BODY, extra);
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

/* Starts kind with conf, runs s through it, stops it. */
static void
run_behind(enum frontend_kind kind, const char *conf,
    const struct frontend_file *files, size_t nfiles, Suite *s)
{
	static struct frontend	fe;

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
	frontend_stop(&fe);
	integ_frontend = NULL;
}

int
main(void)
{
	static const struct frontend_file keys[] = {
		{ "openai.key", TEST_OPENAI_KEY "\n" },
		{ "relay.key", TEST_RELAY_KEY "\n" },
	};
	struct fake_upstream	fake;
	char			conf[2048];
	int			kind;

	if (realpath("relay", relay_bin) == NULL) {
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

	fake_upstream_stop(&fake);
	curl_global_cleanup();
	printf("integration: %d passed, %d failed\n", total_run - total_failed,
	    total_failed);
	return total_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
