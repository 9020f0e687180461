/*
 * The relay's memory, read from /proc: private memory (what a process
 * costs beyond the shared libraries and binary pages), RSS and peak RSS.
 * And the large-body runs: 512 MiB through the relay while a sampler
 * thread watches its RSS.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/bench/bench.h"
#include "tests/integ/frontend.h"

#define SAMPLE_MS	20

/* The kB value of "key:" lines in a /proc file, summed; -1 if none. */
static double
proc_kb(pid_t pid, const char *file, const char *key, bool sum)
{
	char	 path[64], line[256];
	size_t	 klen = strlen(key);
	double	 total = -1, v;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) != 0 ||
		    sscanf(line + klen, "%lf", &v) != 1)
			continue;
		total = total < 0 ? v : total + v;
		if (!sum)
			break;
	}
	fclose(f);
	return total;
}

void
mem_measure(const char *exe, struct mem_usage *m)
{
	pid_t	pids[BENCH_PIDS_MAX];
	size_t	n = frontend_pids_running(exe, pids, BENCH_PIDS_MAX), i;
	double	v;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++) {
		double	clean = proc_kb(pids[i], "smaps_rollup",
		    "Private_Clean:", false);
		double	dirty = proc_kb(pids[i], "smaps_rollup",
		    "Private_Dirty:", false);

		if (clean < 0 || dirty < 0)
			continue;	/* gone meanwhile */
		m->procs++;
		m->private_kb += clean + dirty;
		if ((v = proc_kb(pids[i], "status", "VmRSS:", false)) > 0) {
			m->rss_kb += v;
			if (v > m->rss_max_kb)
				m->rss_max_kb = v;
		}
		if ((v = proc_kb(pids[i], "status", "VmHWM:", false)) >
		    m->hwm_max_kb)
			m->hwm_max_kb = v;
		if ((v = proc_kb(pids[i], "status", "Threads:", false)) > 0)
			m->threads += (long)v;
	}
}

double
mem_cpu_pid(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 utime, stime;
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "(comm)": state is field 3; utime and stime are 14 and 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %*d "
	    "%*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
		return 0;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

double
mem_cpu_exe(const char *exe)
{
	pid_t	pids[BENCH_PIDS_MAX];
	size_t	n = frontend_pids_running(exe, pids, BENCH_PIDS_MAX), i;
	double	total = 0;

	for (i = 0; i < n; i++)
		total += mem_cpu_pid(pids[i]);
	return total;
}

double
mem_cpu_self(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

struct sampler {
	pthread_t	 thread;
	const char	*exe;
	volatile bool	 stop;
	double		 peak_kb;
};

static void *
sampler_main(void *arg)
{
	struct sampler		*s = arg;
	struct mem_usage	 m;

	while (!s->stop) {
		mem_measure(s->exe, &m);
		if (m.rss_max_kb > s->peak_kb)
			s->peak_kb = m.rss_max_kb;
		usleep(SAMPLE_MS * 1000);
	}
	return NULL;
}

struct counted {
	long long	 n;
	long long	 limit;		/* upload: bytes to produce */
};

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct counted	*c = arg;

	(void)ptr;
	c->n += (long long)(size * nmemb);
	return size * nmemb;
}

/* The upload's file part: a repeating pattern, made as it is read. */
static size_t
produce(char *buf, size_t size, size_t nitems, void *arg)
{
	struct counted	*c = arg;
	size_t		 want = size * nitems, i;

	if ((long long)want > c->limit - c->n)
		want = (size_t)(c->limit - c->n);
	for (i = 0; i < want; i++)
		buf[i] = (char)('a' + (c->n + (long long)i) % 26);
	c->n += (long long)want;
	return want;
}

static void
large_run(const char *url, long long bytes, const char *relay_exe,
    bool upload, struct large_result *r)
{
	struct sampler		 s = { 0 };
	struct mem_usage	 m;
	struct counted		 down = { 0, 0 }, up = { 0, bytes };
	struct curl_slist	*hdr = NULL;
	curl_mime		*form = NULL;
	curl_mimepart		*part;
	CURL			*c;
	CURLcode		 rc;
	double			 t0;

	memset(r, 0, sizeof(*r));
	mem_measure(relay_exe, &m);
	r->base_rss_kb = m.rss_max_kb;
	s.exe = relay_exe;
	s.peak_kb = m.rss_max_kb;
	if (pthread_create(&s.thread, NULL, sampler_main, &s) != 0)
		return;

	c = curl_easy_init();
	hdr = curl_slist_append(hdr, "Authorization: Bearer "
	    BENCH_RELAY_KEY);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &down);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 240L);
	if (upload) {
		form = curl_mime_init(c);
		part = curl_mime_addpart(form);
		curl_mime_name(part, "purpose");
		curl_mime_data(part, "batch", CURL_ZERO_TERMINATED);
		part = curl_mime_addpart(form);
		curl_mime_name(part, "file");
		curl_mime_filename(part, "bench.jsonl");
		curl_mime_type(part, "application/octet-stream");
		curl_mime_data_cb(part, (curl_off_t)bytes, produce, NULL, NULL,
		    &up);
		curl_easy_setopt(c, CURLOPT_MIMEPOST, form);
	}
	t0 = bench_now_ms();
	rc = curl_easy_perform(c);
	r->seconds = (bench_now_ms() - t0) / 1000.0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);

	s.stop = true;
	pthread_join(s.thread, NULL);
	r->peak_rss_kb = s.peak_kb;
	r->unavailable = r->status == 404 || r->status == 405;
	if (upload)
		r->done = rc == CURLE_OK && r->status / 100 == 2 &&
		    up.n == bytes;
	else
		r->done = rc == CURLE_OK && r->status == 200 &&
		    down.n == bytes;
	if (r->seconds > 0)
		r->mib_per_s = (double)bytes / 1048576.0 / r->seconds;
	if (!r->done && !r->unavailable)
		fprintf(stderr, "bench: %s %s: curl %d, status %ld, %lld "
		    "bytes\n", upload ? "upload to" : "download from", url,
		    (int)rc, r->status, upload ? up.n : down.n);
	curl_mime_free(form);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
}

void
large_download(const char *url, long long bytes, const char *relay_exe,
    struct large_result *r)
{
	large_run(url, bytes, relay_exe, false, r);
}

void
large_upload(const char *url, long long bytes, const char *relay_exe,
    struct large_result *r)
{
	large_run(url, bytes, relay_exe, true, r);
}
