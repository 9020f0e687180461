/*
 * The coverage report: classification, the verdict line, and the
 * command's exit codes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json.h>

#include "openapi/coverage.h"
#include "policy/decisions.h"
#include "tests/unit/suites.h"

static char	*text;
static size_t	 textlen;

static int
report(const char *spec_json)
{
	struct json_object	*spec = NULL;
	FILE			*out;
	int			 unknown;

	if (spec_json != NULL) {
		spec = json_tokener_parse(spec_json);
		ck_assert_ptr_nonnull(spec);
	}
	free(text);
	out = open_memstream(&text, &textlen);
	ck_assert_ptr_nonnull(out);
	unknown = coverage_report(out, spec);
	fclose(out);
	json_object_put(spec);
	return unknown;
}

START_TEST(relay_routes_alone_hold)
{
	ck_assert_int_eq(report(NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "OK: All full endpoints mapped to "
	    "a bucket (no UNKNOWN)."));
	ck_assert_ptr_nonnull(strstr(text, "== PROXY_HARNESS ("));
	ck_assert_ptr_nonnull(strstr(text, "GET    /actions/system/info"));
	ck_assert_ptr_nonnull(strstr(text, "== EXCLUDE_META_NONV1 ("));
}
END_TEST

START_TEST(openai_operations_classified)
{
	ck_assert_int_eq(report("{\"paths\":{"
	    "\"/responses\":{\"post\":{},\"parameters\":[]},"
	    "\"/responses?beta=true\":{\"post\":{}},"
	    "\"/files/{id}\":{\"get\":{}},"
	    "\"/organization/brand_new\":{\"put\":{}},"
	    "\"/threads\":{\"post\":{}},"
	    "\"/agents\":{\"get\":{}},"
	    "\"/threads/{thread_id}/brand_new\":{\"get\":{}}}}"), 2);
	ck_assert_ptr_nonnull(strstr(text, "openai_ops=7"));
	ck_assert_ptr_nonnull(strstr(text, "ERROR: UNKNOWN endpoints detected "
	    "(2)."));
	ck_assert_ptr_nonnull(strstr(text, "GET    /agents "));
	ck_assert_ptr_nonnull(strstr(text,
	    "GET    /threads/{thread_id}/brand_new "));
	ck_assert_ptr_nonnull(strstr(text, "POST   /responses?beta=true "));
	ck_assert_ptr_nonnull(strstr(text, "== EXCLUDE_ADMIN (1) =="));
	ck_assert_ptr_nonnull(strstr(text, "== EXCLUDE_DEPRECATED (1) =="));
}
END_TEST

START_TEST(decisions_never_shadow_a_served_route)
{
	const struct route	*r;
	char			 v1[512];
	size_t			 i;

	for (i = 0; i < decisions_count; i++) {
		const struct decision *d = &decisions[i];

		if (d->path[strlen(d->path) - 1] == '/')
			continue;
		snprintf(v1, sizeof(v1), "/v1%s", d->path);
		r = route_find(METHOD_GET, v1);
		if (strcmp(d->method, "*") != 0) {
			enum method m;

			ck_assert_int_eq(method_parse(d->method, &m), 0);
			r = route_find(m, v1);
		}
		ck_assert_msg(r == NULL, "%s %s is served and excluded",
		    d->method, d->path);
		ck_assert_msg(d->bucket != BUCKET_ACTIONS_DIRECT &&
		    d->bucket != BUCKET_PROXY_HARNESS, "%s", d->path);
	}
}
END_TEST

/* The command: 0 when everything is decided, 2 when not, as scripts
 * and CI read it. */
static int
run_relay(const char *spec_text)
{
	char	path[] = "/tmp/relay-spec-XXXXXX";
	int	fd = mkstemp(path), status;
	pid_t	pid;

	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, spec_text, strlen(spec_text)) ==
	    (ssize_t)strlen(spec_text));
	close(fd);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl("./relay", "relay", "coverage", "--openai-spec", path,
		    (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(command_exit_codes)
{
	ck_assert_int_eq(run_relay("{\"paths\":{\"/models\":{\"get\":{}}}}"),
	    0);
	ck_assert_int_eq(run_relay("{\"paths\":{\"/agents\":{\"get\":{}}}}"),
	    2);
	ck_assert_int_eq(run_relay("not json"), 1);
}
END_TEST

Suite *
coverage_suite(void)
{
	Suite	*s = suite_create("coverage");
	TCase	*tc = tcase_create("report");

	tcase_add_test(tc, relay_routes_alone_hold);
	tcase_add_test(tc, openai_operations_classified);
	tcase_add_test(tc, decisions_never_shadow_a_served_route);
	tcase_add_test(tc, command_exit_codes);
	suite_add_tcase(s, tc);
	return s;
}
