/*
 * make soak: SOAK_SECONDS (default 600) of mixed load through lighttpd →
 * relay (deploy/lighttpd.conf, two relay processes) against the fake
 * upstream: JSON calls, streams, uploads read back and deleted, and
 * error cases.  The relay's processes are sampled every SOAK_SAMPLE
 * seconds (RSS, peak RSS, threads, descriptors).  At the end: a markdown
 * report, also written to SOAK_RESULTS (default tests/soak/RESULTS.md),
 * and exit 1 if RSS grew faster than SOAK_SLOPE_MAX KiB/min after the
 * warm-up, if any answer was not what its request must get, or if a
 * relay process died.  SOAK_MAX_REQUESTS sets RELAY_MAX_REQUESTS.
 *
 * Everything runs on 127.0.0.1, is bounded in time, and is stopped by
 * PID at the end.
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/integ/frontend.h"
#include "tests/soak/soak.h"

/*
 * RSS slope allowed after the warm-up, in KiB per minute over all the
 * relay's processes.  A leak of 100 bytes a request at the few hundred
 * requests a second this box manages is over 1 MiB a minute; allocator
 * noise on a flat process is a few KiB either way.
 */
#define SLOPE_MAX_DEFAULT	64.0
#define SAMPLES_MAX		4096

struct settings {
	long		 seconds, warmup, sample_s, clients, max_requests;
	double		 slope_max;
	const char	*results;
};

struct load_arg {
	const char		*base_url;
	int			 clients;
	volatile bool		 stop;
	struct soak_counts	*counts;
};

static long
env_long(const char *name, long def, long lo, long hi)
{
	const char	*v = getenv(name);
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "soak: %s must be a number from %ld to %ld\n",
		    name, lo, hi);
		exit(2);
	}
	return n;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
load_main(void *p)
{
	struct load_arg	*a = p;

	soak_load_run(a->base_url, a->clients, &a->stop, a->counts);
	return NULL;
}

/* Growing report text. */
struct text {
	char	*s;
	size_t	 len;
};

static void text_add(struct text *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (t->s = realloc(t->s, t->len + (size_t)n + 1)) == NULL)
		abort();
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Lines of the server's and the relay's logs holding any of signs. */
static int
lines_logged(const struct frontend *fe, const char *const *signs,
    size_t nsigns)
{
	const char	*paths[2] = { fe->error_log, fe->server_out };
	char		 line[8192];
	FILE		*fp;
	size_t		 i, j;
	int		 n = 0;

	for (i = 0; i < 2; i++) {
		if ((fp = fopen(paths[i], "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL)
			for (j = 0; j < nsigns; j++)
				if (strstr(line, signs[j]) != NULL) {
					n++;
					break;
				}
		fclose(fp);
	}
	return n;
}

/* A relay process died, or lighttpd saw one exit. */
static int
deaths_logged(const struct frontend *fe)
{
	static const char *const signs[] = {
		"child exited", "child signalled", "child died",
		"exited; starting another", "did not finish its requests",
		"Sanitizer", "runtime error:",
	};

	return lines_logged(fe, signs, sizeof(signs) / sizeof(signs[0]));
}

/* Workers replaced after RELAY_MAX_REQUESTS. */
static int
recycles_logged(const struct frontend *fe)
{
	static const char *const signs[] = {
		"(RELAY_MAX_REQUESTS); starting a fresh one",
	};

	return lines_logged(fe, signs, 1);
}

static void
report(struct text *t, const struct settings *st,
    const struct soak_sample *s, size_t n, const struct soak_counts *c,
    double slope, int deaths, int recycles, double wall_s)
{
	char		 when[64];
	time_t		 now = time(NULL);
	double		 load[3] = { 0, 0, 0 };
	long		 total = 0, answered;
	size_t		 i;
	int		 k, code;
	bool		 pass = slope <= st->slope_max && c->unexpected == 0 &&
	    deaths == 0;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	getloadavg(load, 3);
	for (k = 0; k < K__MAX; k++)
		for (code = 0; code < SOAK_STATUS_MAX; code++)
			total += c->by_status[k][code];
	text_add(t, "# make soak\n\n"
	    "Run %s: %.0f s of mixed load from %ld clients through lighttpd "
	    "→ relay (`deploy/lighttpd.conf`, 2 relay processes) against "
	    "the fake upstream, `RELAY_MAX_REQUESTS = %ld`; the relay's "
	    "processes sampled every %ld s. %ld requests (%.0f/s). Load "
	    "average at the end %.2f (the box is shared: other work ran "
	    "meanwhile).\n\n", when, wall_s, st->clients, st->max_requests,
	    st->sample_s, total, wall_s > 0 ? (double)total / wall_s : 0,
	    load[0]);
	text_add(t, "**%s**: RSS slope after the %ld s warm-up **%+.1f "
	    "KiB/min** (limit %.0f), %ld unexpected answers, %d relay "
	    "process deaths logged, %d workers replaced after "
	    "`RELAY_MAX_REQUESTS`.\n\n", pass ? "PASS" : "FAIL", st->warmup,
	    slope, st->slope_max, c->unexpected, deaths, recycles);

	text_add(t, "## The relay's processes\n\n"
	    "RSS and threads summed over every relay process; VmHWM is the "
	    "largest peak of any one.\n\n"
	    "| t (s) | requests | processes | RSS (KiB) | largest RSS (KiB) | "
	    "largest VmHWM (KiB) | threads | open fds |\n"
	    "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++)
		text_add(t, "| %.0f%s | %ld | %d | %.0f | %.0f | %.0f | %ld | "
		    "%ld |\n", s[i].t_s, s[i].t_s < st->warmup ? " (warm-up)" :
		    "", s[i].requests, s[i].procs, s[i].rss_kib,
		    s[i].rss_max_kib, s[i].hwm_max_kib, s[i].threads,
		    s[i].fds);
	text_add(t, "\nLeast-squares slope of the summed RSS over the samples "
	    "from %ld s on: %+.1f KiB/min.\n\n", st->warmup, slope);

	text_add(t, "## Requests by outcome\n\n"
	    "| request | must get | answered | statuses |\n"
	    "|---|---:|---:|---|\n");
	for (k = 0; k < K__MAX; k++) {
		struct text	codes = { NULL, 0 };

		answered = 0;
		for (code = 0; code < SOAK_STATUS_MAX; code++) {
			if (c->by_status[k][code] == 0)
				continue;
			if (code != 0) {
				answered += c->by_status[k][code];
				text_add(&codes, "%s%d: %ld", codes.len ?
				    ", " : "", code, c->by_status[k][code]);
			} else
				text_add(&codes, "%sno answer: %ld",
				    codes.len ? ", " : "",
				    c->by_status[k][code]);
		}
		text_add(t, "| %s | %d | %ld | %s |\n", soak_kind_name(k),
		    soak_kind_expected(k), answered, codes.s ? codes.s : "-");
		free(codes.s);
	}
	text_add(t, "\n## Unexpected answers\n\n");
	if (c->unexpected == 0)
		text_add(t, "None.\n");
	for (i = 0; i < (size_t)c->nexamples; i++)
		text_add(t, "- `%s`\n", c->examples[i]);
	if (c->unexpected > c->nexamples)
		text_add(t, "- … and %ld more\n",
		    c->unexpected - c->nexamples);
}

int
main(void)
{
	static const struct frontend_file keys[] = {
		{ "openai.key", SOAK_OPENAI_KEY "\n" },
		{ "relay.key", SOAK_RELAY_KEY "\n" },
	};
	static struct soak_sample	samples[SAMPLES_MAX];
	static struct soak_counts	counts;
	struct settings			st;
	struct fake_upstream		fake;
	struct frontend			fe;
	struct load_arg			load;
	struct text			out = { NULL, 0 };
	pthread_t			loader;
	char				relay_bin[PATH_MAX], exe[PATH_MAX];
	char				conf[1024];
	double				start, next, slope;
	size_t				n = 0;
	int				deaths;
	FILE				*fp;
	const char			*v;

	st.seconds = env_long("SOAK_SECONDS", 600, 10, 86400);
	st.warmup = env_long("SOAK_WARMUP", st.seconds / 5 < 120 ?
	    st.seconds / 5 : 120, 0, st.seconds - 1);
	st.sample_s = env_long("SOAK_SAMPLE", 10, 1, 3600);
	st.clients = env_long("SOAK_CLIENTS", 8, 1, 64);
	st.max_requests = env_long("SOAK_MAX_REQUESTS", 0, 0, 1000000000);
	v = getenv("SOAK_SLOPE_MAX");
	st.slope_max = v != NULL && *v != '\0' ? strtod(v, NULL) :
	    SLOPE_MAX_DEFAULT;
	v = getenv("SOAK_RESULTS");
	st.results = v != NULL && *v != '\0' ? v : "tests/soak/RESULTS.md";

	if (realpath("relay", relay_bin) == NULL) {
		fputs("soak: run from the repository root after make\n",
		    stderr);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (fake_upstream_start(&fake,
	    "tests/fake_upstream/fake-upstream") == -1)
		return 2;
	snprintf(conf, sizeof(conf),
	    "# written by tests/soak/soak_main.c\n"
	    "OPENAI_API_BASE = %s\n"
	    "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEY_FILE = relay.key\n"
	    "RELAY_MAX_JSON_BODY = %d\n"
	    "RELAY_MAX_REQUESTS = %ld\n", fake.base_url, SOAK_MAX_JSON_BODY,
	    st.max_requests);
	if (frontend_start(&fe, FRONTEND_LIGHTTPD, relay_bin, conf, keys,
	    2) == -1) {
		fake_upstream_stop(&fake);
		return 2;
	}
	snprintf(exe, sizeof(exe), "%s/relay", fe.dir);
	fprintf(stderr, "soak: %ld s through %s, %ld clients, "
	    "RELAY_MAX_REQUESTS %ld\n", st.seconds, fe.base_url, st.clients,
	    st.max_requests);

	load = (struct load_arg){ fe.base_url, (int)st.clients, false,
	    &counts };
	start = now_s();
	if (pthread_create(&loader, NULL, load_main, &load) != 0)
		abort();
	for (next = start; n < SAMPLES_MAX; next += (double)st.sample_s) {
		while (now_s() < next)
			usleep(20000);
		samples[n].t_s = now_s() - start;
		samples[n].requests = soak_load_done();
		soak_sample_take(exe, &samples[n]);
		fprintf(stderr, "soak: %4.0f s  %8ld requests  %d processes  "
		    "RSS %.0f KiB  threads %ld  fds %ld\n", samples[n].t_s,
		    samples[n].requests, samples[n].procs,
		    samples[n].rss_kib, samples[n].threads, samples[n].fds);
		n++;
		if (next - start >= (double)st.seconds)
			break;
	}
	load.stop = true;
	pthread_join(loader, NULL);
	slope = soak_rss_slope(samples, n, (double)st.warmup);
	deaths = deaths_logged(&fe);
	report(&out, &st, samples, n, &counts, slope, deaths,
	    recycles_logged(&fe), samples[n - 1].t_s);
	fputs(out.s, stdout);
	if ((fp = fopen(st.results, "w")) != NULL) {
		fputs(out.s, fp);
		fclose(fp);
	} else
		fprintf(stderr, "soak: cannot write %s\n", st.results);

	frontend_stop(&fe);
	fake_upstream_stop(&fake);
	curl_global_cleanup();
	free(out.s);
	return slope <= st.slope_max && counts.unexpected == 0 &&
	    deaths == 0 ? 0 : 1;
}
