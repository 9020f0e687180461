#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "fcgi/settings.h"
#include "fcgi/usagecli.h"
#include "handlers/limits.h"
#include "handlers/state.h"
#include "policy/config.h"
#include "policy/usage.h"

#define EXIT_CONFIG	78

/* Which rows: days since..until, and one key or all. */
struct query {
	const char	*config;
	char		 since[11];
	char		 until[11];
	const char	*key;
	bool		 json;
};

static void
usage(void)
{
	fputs("usage: relay usage [--config FILE] [--day YYYY-MM-DD] "
	    "[--since YYYY-MM-DD]\n"
	    "                   [--key NAME] [--json]\n"
	    "With neither --day nor --since: today (UTC).\n", stderr);
}

/* YYYY-MM-DD, checked by strptime. */
static bool
day_valid(const char *s)
{
	struct tm	tm;
	const char	*end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	return strlen(s) == 10 && end != NULL && *end == '\0';
}

static int
parse_args(int argc, char *argv[], struct query *q)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "day", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch;

	memset(q, 0, sizeof(*q));
	limits_utc_day(time(NULL), q->since);
	memcpy(q->until, q->since, sizeof(q->until));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((ch == 'd' || ch == 's') && !day_valid(optarg)) {
			fputs("relay usage: days are YYYY-MM-DD\n", stderr);
			return -1;
		}
		if (ch == 'c')
			q->config = optarg;
		else if (ch == 'd') {
			memcpy(q->since, optarg, sizeof(q->since));
			memcpy(q->until, optarg, sizeof(q->until));
		} else if (ch == 's') {
			memcpy(q->since, optarg, sizeof(q->since));
			memcpy(q->until, "9999-12-31", sizeof(q->until));
		} else if (ch == 'k')
			q->key = optarg;
		else if (ch == 'j')
			q->json = true;
		else {
			usage();
			return -1;
		}
	}
	if (optind != argc) {
		usage();
		return -1;
	}
	return 0;
}

static void
print_json(const struct usage_row *rows, size_t n)
{
	struct json_object	*list = json_object_new_array(), *o;
	size_t			 i;
	int			 f;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "key",
		    json_object_new_string(rows[i].key));
		json_object_object_add(o, "model",
		    json_object_new_string(rows[i].model));
		json_object_object_add(o, "day",
		    json_object_new_string(rows[i].day));
		for (f = 0; f < USAGE__MAX; f++)
			json_object_object_add(o,
			    usage_field_name((enum usage_field)f),
			    json_object_new_int64(rows[i].n[f]));
		json_object_array_add(list, o);
	}
	puts(json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(list);
}

static void
print_table(const struct usage_row *rows, size_t n)
{
	size_t	i;
	int	f;

	printf("%-10s  %-20s  %-28s", "day", "key", "model");
	for (f = 0; f < USAGE__MAX; f++)
		printf("  %s", usage_field_name((enum usage_field)f));
	putchar('\n');
	for (i = 0; i < n; i++) {
		printf("%-10s  %-20s  %-28s", rows[i].day, rows[i].key,
		    rows[i].model);
		for (f = 0; f < USAGE__MAX; f++)
			printf("  %*lld", (int)strlen(usage_field_name(
			    (enum usage_field)f)), rows[i].n[f]);
		putchar('\n');
	}
}

int
usagecli_run(int argc, char *argv[])
{
	struct query		 q;
	struct config		 cfg;
	struct state		*st;
	struct usage_row	*rows;
	char			 err[512], file_used[PATH_MAX];
	size_t			 n;
	int			 rc = EXIT_SUCCESS;

	if (parse_args(argc, argv, &q) == -1)
		return EXIT_FAILURE;
	if (settings_load(q.config, &cfg, file_used, sizeof(file_used), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "relay usage: configuration error: %s\n", err);
		return EXIT_CONFIG;
	}
	st = state_new(cfg.state_spec);
	if (state_usage_list(st, q.since, q.until, q.key, &rows, &n) !=
	    STATE_OK) {
		fputs("relay usage: the state store (RELAY_STATE) cannot be "
		    "read\n", stderr);
		rc = EXIT_FAILURE;
	} else {
		if (q.json)
			print_json(rows, n);
		else
			print_table(rows, n);
		free(rows);
	}
	state_free(st);
	config_free(&cfg);
	return rc;
}
