/*
 * make bench: the relay measured from outside, side by side with nginx
 * proxy_pass and with the fake upstream called directly, in one run on
 * this machine, reported as ratios (the box is shared and noisy).
 *
 *   1. Relayed JSON POST (/v1/embeddings, ~1 KB in, ~2 KB out) with wrk:
 *      direct, nginx proxy_pass (keepalive pool), lighttpd -> relay,
 *      nginx -> relay --listen, Apache mod_fcgid -> relay.  All run at
 *      once and are measured in interleaved passes; medians reported.
 *   2. The same at concurrency 1: latency the relay adds over direct.
 *   3. SSE stall test through lighttpd and direct: k streams of 64
 *      events 20 ms apart; relay memory sampled meanwhile.
 *   4. Memory per idle worker and per active stream; peak RSS while a
 *      512 MiB body goes through (download; upload when served).
 *   5. Instructions per relayed request under callgrind.
 * The table is printed and written to tests/bench/RESULTS.md.  Every
 * server binds 127.0.0.1 and is stopped by PID.
 *
 *   tests/bench/run-bench [--quick] [--only json,sse,cpu] [--out FILE]
 *   tests/bench/run-bench --serve SECONDS [--front NAME]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/bench/bench.h"
#include "tests/integ/frontend.h"

#define LARGE_BYTES		536870912LL	/* 512 MiB */
#define SSE_EVENTS		64
#define SSE_INTERVAL_MS		20
#define SSE_GAP_LIMIT_MS	(10.0 * SSE_INTERVAL_MS)
#define SSE_RAMP_MS		500.0
#define JSON_CONNECTIONS	32
#define PASSES_MAX		5

/* ---- small shared helpers (bench.h) ---- */

double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void
bench_text_add(struct bench_text *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
		    t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (t->s != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		if ((t->s = realloc(t->s, t->cap)) == NULL)
			abort();
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
bench_percentile(double *v, size_t n, double p)
{
	size_t	i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)ceil(p / 100.0 * (double)n);
	return v[i == 0 ? 0 : i - 1];
}

static size_t
discard_body(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

int
bench_http(const char *method, const char *url, const char *json)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	long			 status = -1;

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Authorization: Bearer " BENCH_RELAY_KEY);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	if (json != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return (int)status;
}

/* An embeddings request of about 1 KB, built once. */
const char *
bench_post_body(void)
{
	static char	body[1200];
	size_t		len;

	if (body[0] != '\0')
		return body;
	len = (size_t)snprintf(body, sizeof(body),
	    "{\"model\":\"text-embedding-3-small\",\"encoding_format\":"
	    "\"float\",\"input\":\"");
	while (len < 990)
		len += (size_t)snprintf(body + len, sizeof(body) - len,
		    "The quick brown fox jumps over the lazy dog. ");
	snprintf(body + len, sizeof(body) - len, "\"}");
	return body;
}

/* The upstream's answer to every JSON POST: embeddings, about 2 KB. */
static char *
json_answer(void)
{
	struct bench_text	body = { NULL, 0, 0 };
	int			k;

	bench_text_add(&body, "{\"object\":\"list\",\"data\":[{\"object\":"
	    "\"embedding\",\"index\":0,\"embedding\":[");
	for (k = 0; body.len < 1900; k++)
		bench_text_add(&body, "%s%.9f", k ? "," : "",
		    sin((double)k) / 7.0);
	bench_text_add(&body, "]}],\"model\":\"text-embedding-3-small\","
	    "\"usage\":{\"prompt_tokens\":220,\"total_tokens\":220}}");
	return body.s;
}

/* The same answer as a /__fake/script for the test fake upstream. */
static char *
json_script(const char *answer)
{
	struct bench_text	s = { NULL, 0, 0 };
	size_t			i;

	bench_text_add(&s, "{\"status\":200,\"times\":-1,"
	    "\"content_type\":\"application/json\",\"body\":\"");
	for (i = 0; answer[i] != '\0'; i++)
		bench_text_add(&s, "%s%c", answer[i] == '"' ? "\\" : "",
		    answer[i]);
	bench_text_add(&s, "\"}");
	return s.s;
}

/* ---- the nginx proxy_pass baseline (tests/bench/nginx-proxy.conf) ---- */

struct baseline {
	pid_t	pid;
	int	port;
	char	dir[64];
	char	base_url[64];
};

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len < 0 || (buf = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	buf[fread(buf, 1, (size_t)len, f)] = '\0';
	fclose(f);
	return buf;
}

/* text with every @NAME@ in names replaced by the matching value. */
static char *
substitute(const char *text, const char *const *names,
    const char *const *values, size_t n)
{
	struct bench_text	out = { NULL, 0, 0 };
	const char		*p = text;
	size_t			 i;

	bench_text_add(&out, "%s", "");
	while (*p != '\0') {
		for (i = 0; i < n; i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i < n) {
			bench_text_add(&out, "%s", values[i]);
			p += strlen(names[i]);
		} else
			bench_text_add(&out, "%c", *p++);
	}
	return out.s;
}

static void
stop_pid(pid_t pid)
{
	int	i, status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void
baseline_stop(struct baseline *b)
{
	char	cmd[128];

	stop_pid(b->pid);
	b->pid = 0;
	if (b->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", b->dir);
		b->dir[0] = '\0';
	}
}

static int
baseline_start(struct baseline *b, const char *conf_template,
    int upstream_port)
{
	static const char *const names[] = { "@USER@", "@DIR@",
	    "@UPSTREAM_PORT@", "@PORT@" };
	const char	*values[4];
	char		 port_s[16], up_s[16], path[128], errlog[128];
	char		 prefix[80], url[96];
	char		*tmpl, *text;
	double		 deadline;
	int		 fd, status;
	FILE		*f;

	memset(b, 0, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/relay-bench-nginx-XXXXXX");
	if (mkdtemp(b->dir) == NULL || chmod(b->dir, 0755) == -1)
		return -1;
	if ((tmpl = slurp(conf_template)) == NULL) {
		fprintf(stderr, "bench: cannot read %s\n", conf_template);
		return -1;
	}
	b->port = frontend_free_port();
	snprintf(port_s, sizeof(port_s), "%d", b->port);
	snprintf(up_s, sizeof(up_s), "%d", upstream_port);
	values[0] = geteuid() == 0 ? "user www-data;" : "";
	values[1] = b->dir;
	values[2] = up_s;
	values[3] = port_s;
	text = substitute(tmpl, names, values, 4);
	free(tmpl);
	snprintf(path, sizeof(path), "%s/nginx.conf", b->dir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", b->dir);
	snprintf(prefix, sizeof(prefix), "%s/", b->dir);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF) {
		free(text);
		return -1;
	}
	free(text);
	if ((b->pid = fork()) == -1)
		return -1;
	if (b->pid == 0) {
		fd = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("nginx", "nginx", "-e", errlog, "-p", prefix, "-c",
		    path, (char *)NULL);
		_exit(127);
	}
	snprintf(b->base_url, sizeof(b->base_url), "http://127.0.0.1:%d",
	    b->port);
	snprintf(url, sizeof(url), "%s/v1/models", b->base_url);
	deadline = bench_now_ms() + 10000;
	while (bench_now_ms() < deadline) {
		if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
			b->pid = 0;
			break;
		}
		if (bench_http("GET", url, NULL) == 200)
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "bench: nginx proxy_pass baseline did not start "
	    "(see %s)\n", errlog);
	return -1;
}

/* One SSE round, with the CPU each party used meanwhile. */
static void
sse_timed(const char *url, int k, double ramp_ms, const char *relay_exe,
    pid_t upstream, pid_t front, struct sse_result *r)
{
	double	client = mem_cpu_self(), up = mem_cpu_pid(upstream);
	double	fr = front ? mem_cpu_pid(front) : 0;
	double	rel = relay_exe ? mem_cpu_exe(relay_exe) : 0;

	sse_run(url, k, ramp_ms, SSE_EVENTS, SSE_GAP_LIMIT_MS, relay_exe, r);
	r->cpu_client = mem_cpu_self() - client;
	r->cpu_upstream = mem_cpu_pid(upstream) - up;
	r->cpu_front = front ? mem_cpu_pid(front) - fr : 0;
	r->cpu_relay = relay_exe ? mem_cpu_exe(relay_exe) - rel : 0;
}

/*
 * Copies src into dir (mode 0755) and puts the copy's path in out: the
 * whole run then measures one binary, whatever a concurrent rebuild (or
 * make clean) does to the tree meanwhile.
 */
static int
private_copy(const char *src, const char *dir, char *out, size_t outsz)
{
	const char	*base = strrchr(src, '/');
	char		 buf[65536];
	ssize_t		 n;
	int		 in, fd, rc = -1;

	snprintf(out, outsz, "%s/%s", dir, base ? base + 1 : src);
	if ((in = open(src, O_RDONLY)) == -1)
		return -1;
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0755)) != -1) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)n) != n)
				break;
		rc = n == 0 ? 0 : -1;
		if (close(fd) == -1)
			rc = -1;
	}
	close(in);
	return rc;
}

/* ---- the FastAPI + httpx baseline (tests/bench/fastapi_relay.py) ---- */

static void
pyrelay_stop(pid_t *pid)
{
	/* uvicorn's supervisor stops its workers on SIGTERM. */
	stop_pid(*pid);
	*pid = 0;
}

/* Starts it on a free port against upstream_url; its URL in base_url. */
static int
pyrelay_start(pid_t *pid, const char *app_dir, const char *upstream_url,
    char *base_url, size_t base_url_size)
{
	char	port_s[16];
	double	deadline;
	int	port = frontend_free_port(), fd;

	snprintf(port_s, sizeof(port_s), "%d", port);
	if ((*pid = fork()) == -1)
		return -1;
	if (*pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("BENCH_UPSTREAM", upstream_url, 1);
		setenv("BENCH_RELAY_KEY", BENCH_RELAY_KEY, 1);
		setenv("BENCH_OPENAI_KEY", BENCH_OPENAI_KEY, 1);
		/* Debian's python3, which sees Debian's packages; named so
		 * in argv[0] too, or Python looks for its library beside
		 * whichever python3 PATH finds first. */
		execl("/usr/bin/python3", "/usr/bin/python3", "-m", "uvicorn",
		    "fastapi_relay:app", "--app-dir", app_dir, "--host",
		    "127.0.0.1", "--port", port_s, "--workers", "2",
		    "--log-level", "warning", "--no-access-log", (char *)NULL);
		_exit(127);
	}
	for (deadline = bench_now_ms() + 15000; bench_now_ms() < deadline;
	    usleep(100000))
		if (frontend_port_open(port)) {
			snprintf(base_url, base_url_size,
			    "http://127.0.0.1:%d", port);
			return 0;
		}
	fprintf(stderr, "bench: the FastAPI relay did not start (Debian: "
	    "apt-get install python3-fastapi python3-httpx "
	    "python3-uvicorn)\n");
	pyrelay_stop(pid);
	return -1;
}

/* ---- the run ---- */

enum target {
	T_DIRECT,
	T_PROXY,
	T_LIGHTTPD,
	T_NGINX,
	T_FCGID,
	T_KEYS_SQLITE,
	T_KEYS_REDIS,
	T_FAKE,
	T_HEALTH,	/* lighttpd → relay again, GET /health */
	T_FASTAPI,
	T__MAX
};

static const struct target_info {
	const char		*label;
	enum frontend_kind	 kind;		/* for the relay paths */
	bool			 relay;
	const char		*method, *path;
	int			 warmup_s;
	/*
	 * Connections of the warm-up, as multiples of JSON_CONNECTIONS.
	 * mod_fcgid starts a process only for a request that waited 1 s
	 * for a free one and still found none; at the measured
	 * concurrency, with sub-millisecond answers, one is nearly always
	 * free by then, so its pool stalls a few processes short of the
	 * connections (28 for 32) and every request beyond waits 1 s.  A
	 * warm-up above the concurrency grows it past (deploy/
	 * apache-fcgid.conf, "Process pool").
	 */
	int			 warmup_conn_x;
} targets[T__MAX] = {
	[T_DIRECT] = { "direct to the upstream", 0, false, "POST",
	    "/v1/embeddings", 2, 1 },
	[T_PROXY] = { "nginx proxy_pass (keepalive pool)", 0, false, "POST",
	    "/v1/embeddings", 2, 1 },
	[T_LIGHTTPD] = { "lighttpd → relay", FRONTEND_LIGHTTPD, true, "POST",
	    "/v1/embeddings", 2, 1 },
	[T_NGINX] = { "nginx → relay --listen", FRONTEND_NGINX, true, "POST",
	    "/v1/embeddings", 2, 1 },
	[T_FCGID] = { "Apache mod_fcgid → relay", FRONTEND_APACHE_FCGID,
	    true, "POST", "/v1/embeddings", 8, 2 },
	[T_KEYS_SQLITE] = { "lighttpd → relay, keys file, SQLite",
	    FRONTEND_LIGHTTPD, true, "POST", "/v1/embeddings", 2, 1 },
	[T_KEYS_REDIS] = { "lighttpd → relay, keys file, Redis",
	    FRONTEND_LIGHTTPD, true, "POST", "/v1/embeddings", 2, 1 },
	[T_FAKE] = { "(direct to the test fake upstream, for scale)", 0,
	    false, "POST", "/v1/embeddings", 2, 1 },
	[T_HEALTH] = { "lighttpd → relay, `GET /health` (no upstream call)",
	    0, false, "GET", "/health", 2, 1 },
	[T_FASTAPI] = { "FastAPI + httpx relay (uvicorn, 2 workers)", 0, false,
	    "POST", "/v1/embeddings", 2, 1 },
};

struct options {
	int	 passes;
	int	 json_s;	/* seconds per throughput pass */
	int	 lat_s;		/* seconds per concurrency-1 pass */
	int	 sse_k[3];
	int	 cg_requests;
	const char *out;
	bool	 json, sse, cg;		/* which parts run (--only) */
};

struct json_row {
	bool			 up;
	char			 base_url[64];
	struct wrk_result	 pass[PASSES_MAX];
	struct wrk_result	 lat[PASSES_MAX];
	double			 rps, p50, p99, lat_p50, lat_p99;
	long			 errors;
};

static double
median_of(const double *v, int n)
{
	double	tmp[PASSES_MAX];
	int	i;

	for (i = 0; i < n; i++)
		tmp[i] = v[i];
	qsort(tmp, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static void
summarise(struct json_row *row, int passes)
{
	double	rps[PASSES_MAX], p50[PASSES_MAX], p99[PASSES_MAX];
	double	l50[PASSES_MAX], l99[PASSES_MAX];
	int	i, n = 0, m = 0;

	row->errors = 0;
	for (i = 0; i < passes; i++) {
		if (row->pass[i].ok) {
			rps[n] = row->pass[i].rps;
			p50[n] = row->pass[i].p50_ms;
			p99[n] = row->pass[i].p99_ms;
			n++;
		}
		if (row->lat[i].ok) {
			l50[m] = row->lat[i].p50_ms;
			l99[m] = row->lat[i].p99_ms;
			m++;
		}
		row->errors += row->pass[i].errors + row->lat[i].errors;
	}
	if (n > 0) {
		row->rps = median_of(rps, n);
		row->p50 = median_of(p50, n);
		row->p99 = median_of(p99, n);
	}
	if (m > 0) {
		row->lat_p50 = median_of(l50, m);
		row->lat_p99 = median_of(l99, m);
	}
}

static void
write_relay_conf(char *buf, size_t bufsz, const char *upstream_url,
    const char *key_dir)
{
	/* Keys in 0600 files as deployed; threads enough for 1,000 streams. */
	snprintf(buf, bufsz,
	    "# written by tests/bench/bench_main.c\n"
	    "OPENAI_API_BASE = %s\n"
	    "OPENAI_API_KEY_FILE = %sopenai.key\n"
	    "RELAY_KEY_FILE = %srelay.key\n"
	    "RELAY_THREADS = 1024\n", upstream_url, key_dir, key_dir);
}

static const struct frontend_file key_files[] = {
	{ "openai.key", BENCH_OPENAI_KEY "\n" },
	{ "relay.key", BENCH_RELAY_KEY "\n" },
};

/*
 * The keys-file rows: the bench's key with limits that every request
 * checks and counts but none reaches, on the store state names ("" for
 * the SQLite file beside relay.conf).
 */
static void
write_keys_conf(char *buf, size_t bufsz, const char *upstream_url,
    const char *state)
{
	snprintf(buf, bufsz,
	    "# written by tests/bench/bench_main.c\n"
	    "OPENAI_API_BASE = %s\n"
	    "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEYS_FILE = keys.txt\n"
	    "RELAY_THREADS = 1024\n%s%s%s", upstream_url,
	    state[0] ? "RELAY_STATE = " : "", state, state[0] ? "\n" : "");
}

static const struct frontend_file keys_files[] = {
	{ "openai.key", BENCH_OPENAI_KEY "\n" },
	{ "keys.txt", "bench " BENCH_RELAY_KEY " rpm=1000000000 "
	    "tokens_per_day=1000000000000000\n" },
};

static void
fmt_kb(char *buf, size_t sz, double kb)
{
	if (kb >= 1024.0 * 10)
		snprintf(buf, sz, "%.0f MiB", kb / 1024.0);
	else if (kb >= 1024.0)
		snprintf(buf, sz, "%.1f MiB", kb / 1024.0);
	else
		snprintf(buf, sz, "%.0f KiB", kb);
}

static void
machine_line(struct bench_text *t)
{
	struct utsname	 u;
	char		 line[256], model[160] = "?";
	FILE		*f;
	time_t		 now = time(NULL);
	char		 date[64];

	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				char	*v = strchr(line, ':');

				if (v != NULL) {
					v += 1 + strspn(v + 1, " ");
					v[strcspn(v, "\n")] = '\0';
					snprintf(model, sizeof(model), "%s", v);
				}
				break;
			}
		fclose(f);
	}
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	bench_text_add(t, "Run %s on %ld cores (%s), Linux %s. Everything on "
	    "127.0.0.1; the load generator, servers, relay and upstream "
	    "share the same cores, so only ratios within one run mean "
	    "much.\n\n", date, sysconf(_SC_NPROCESSORS_ONLN), model,
	    u.release);
}

/* Everything one run measures, and what it ran against. */
struct results {
	struct options		 opt;
	struct json_row		 rows[T__MAX];
	/* [0]: all streams at once; [1]: spread over SSE_RAMP_MS. */
	struct sse_result	 sse_direct[2][3], sse_relay[2][3];
	bool			 sse_up, large_up;
	struct mem_usage	 mem0, mem_idle;
	struct mem_usage	 fcgid_pool;	/* after its warm-up */
	struct large_result	 down, up;
	const char		*down_route;
	struct cg_result	 cg;
};

/* ---- 1 and 2: relayed JSON POST, every path up at once ---- */
static void
run_json(struct results *res, const char *relay_bin, const char *lua,
    const char *proxy_tmpl, const struct bench_upstream *bu,
    const struct fake_upstream *fu)
{
	const struct options	*opt = &res->opt;
	struct json_row		*rows = res->rows;
	struct frontend		 fe[T__MAX];
	struct baseline		 base;
	struct redis_server	 redis;
	char			 conf[1024], keys_conf[1024], exe[400];
	char			 app_dir[PATH_MAX];
	pid_t			 pyrelay = 0;
	int			 i, p;

	memset(fe, 0, sizeof(fe));
	printf("bench: starting the servers\n");
	fflush(stdout);
	write_relay_conf(conf, sizeof(conf), bu->base_url, "");
	rows[T_DIRECT].up = true;
	snprintf(rows[T_DIRECT].base_url, sizeof(rows[0].base_url), "%s",
	    bu->base_url);
	rows[T_FAKE].up = true;
	snprintf(rows[T_FAKE].base_url, sizeof(rows[0].base_url), "%s",
	    fu->base_url);
	if (baseline_start(&base, proxy_tmpl, bu->port) == 0) {
		rows[T_PROXY].up = true;
		snprintf(rows[T_PROXY].base_url, sizeof(rows[0].base_url),
		    "%s", base.base_url);
	}
	if (redis_server_start(&redis) == -1)
		printf("bench: redis-server did not start\n");
	for (i = T_LIGHTTPD; i <= T_KEYS_REDIS; i++) {
		if (i == T_KEYS_REDIS && redis.pid == 0)
			continue;
		write_keys_conf(keys_conf, sizeof(keys_conf), bu->base_url,
		    i == T_KEYS_REDIS ? redis.spec : "");
		if (frontend_start(&fe[i], targets[i].kind, relay_bin,
		    i >= T_KEYS_SQLITE ? keys_conf : conf, i >= T_KEYS_SQLITE ?
		    keys_files : key_files, 2) == 0) {
			rows[i].up = true;
			snprintf(rows[i].base_url, sizeof(rows[0].base_url),
			    "%s", fe[i].base_url);
		}
	}
	rows[T_HEALTH] = rows[T_LIGHTTPD];
	/* post.lua's directory holds the FastAPI app too. */
	snprintf(app_dir, sizeof(app_dir), "%s", lua);
	if (strrchr(app_dir, '/') != NULL)
		*strrchr(app_dir, '/') = '\0';
	rows[T_FASTAPI].up = pyrelay_start(&pyrelay, app_dir, bu->base_url,
	    rows[T_FASTAPI].base_url, sizeof(rows[0].base_url)) == 0;
	for (i = 0; i < T__MAX; i++) {
		if (!rows[i].up)
			continue;
		printf("bench: warming up %s\n", targets[i].label);
		fflush(stdout);
		wrk_run(lua, rows[i].base_url, targets[i].method,
		    targets[i].path, 2,
		    JSON_CONNECTIONS * targets[i].warmup_conn_x,
		    targets[i].warmup_s, &rows[i].pass[0]);
	}
	if (rows[T_FCGID].up) {
		snprintf(exe, sizeof(exe), "%s/relay", fe[T_FCGID].dir);
		mem_measure(exe, &res->fcgid_pool);
	}
	for (p = 0; p < opt->passes; p++) {
		for (i = 0; i < T__MAX; i++) {
			if (!rows[i].up)
				continue;
			printf("bench: pass %d/%d: %s, %d connections\n",
			    p + 1, opt->passes, targets[i].label,
			    JSON_CONNECTIONS);
			fflush(stdout);
			wrk_run(lua, rows[i].base_url, targets[i].method,
			    targets[i].path, 2, JSON_CONNECTIONS, opt->json_s,
			    &rows[i].pass[p]);
		}
		for (i = 0; i < T__MAX; i++) {
			/* What the relay adds: its paths and the two to
			 * compare them with. */
			if (!rows[i].up || (!targets[i].relay &&
			    i != T_DIRECT && i != T_PROXY))
				continue;
			printf("bench: pass %d/%d: %s, 1 connection\n", p + 1,
			    opt->passes, targets[i].label);
			fflush(stdout);
			wrk_run(lua, rows[i].base_url, targets[i].method,
			    targets[i].path, 1, 1, opt->lat_s, &rows[i].lat[p]);
		}
	}
	for (i = 0; i < T__MAX; i++)
		summarise(&rows[i], opt->passes);
	baseline_stop(&base);
	pyrelay_stop(&pyrelay);
	for (i = T_LIGHTTPD; i <= T_KEYS_REDIS; i++)
		frontend_stop(&fe[i]);
	redis_server_stop(&redis);
}

/* ---- 3 and 4: SSE streams, direct and through lighttpd ---- */
static void
run_sse(struct results *res, const char *relay_bin,
    const struct bench_upstream *bu)
{
	struct frontend	 fe;
	char		 conf[1024], url[512], exe[400];
	int		 k;

	snprintf(url, sizeof(url), "%s/v1/chat/completions", bu->base_url);
	for (k = 0; k < 3; k++) {
		printf("bench: SSE, %d streams at once, direct\n",
		    res->opt.sse_k[k]);
		fflush(stdout);
		sse_timed(url, res->opt.sse_k[k], 0, NULL, bu->pid, 0,
		    &res->sse_direct[0][k]);
	}
	write_relay_conf(conf, sizeof(conf), bu->base_url, "");
	if (frontend_start(&fe, FRONTEND_LIGHTTPD, relay_bin, conf,
	    key_files, 2) == -1)
		return;
	res->sse_up = true;
	snprintf(exe, sizeof(exe), "%s/relay", fe.dir);
	mem_measure(exe, &res->mem0);
	snprintf(url, sizeof(url), "%s/v1/chat/completions", fe.base_url);
	for (k = 0; k < 3; k++) {
		printf("bench: SSE, %d streams at once, lighttpd → relay\n",
		    res->opt.sse_k[k]);
		fflush(stdout);
		sse_timed(url, res->opt.sse_k[k], 0, exe, bu->pid, fe.pid,
		    &res->sse_relay[0][k]);
	}
	sleep(1);	/* let the last threads go back to waiting */
	mem_measure(exe, &res->mem_idle);
	/* The same, the streams arriving over SSE_RAMP_MS. */
	for (k = 0; k < 3; k++) {
		snprintf(url, sizeof(url), "%s/v1/chat/completions",
		    bu->base_url);
		printf("bench: SSE, %d streams over %.0f ms, direct\n",
		    res->opt.sse_k[k], SSE_RAMP_MS);
		fflush(stdout);
		sse_timed(url, res->opt.sse_k[k], SSE_RAMP_MS, NULL, bu->pid,
		    0, &res->sse_direct[1][k]);
		snprintf(url, sizeof(url), "%s/v1/chat/completions",
		    fe.base_url);
		printf("bench: SSE, %d streams over %.0f ms, lighttpd → "
		    "relay\n", res->opt.sse_k[k], SSE_RAMP_MS);
		fflush(stdout);
		sse_timed(url, res->opt.sse_k[k], SSE_RAMP_MS, exe, bu->pid,
		    fe.pid, &res->sse_relay[1][k]);
	}
	frontend_stop(&fe);
}

/*
 * 512 MiB each way through a fresh lighttpd → relay, against the test
 * fake upstream (it makes large bodies and takes multipart uploads).
 */
static void
run_large(struct results *res, const char *relay_bin,
    const struct fake_upstream *fu)
{
	struct frontend	 fe;
	char		 conf[1024], url[512], exe[400];

	write_relay_conf(conf, sizeof(conf), fu->base_url, "");
	if (frontend_start(&fe, FRONTEND_LIGHTTPD, relay_bin, conf,
	    key_files, 2) == -1)
		return;
	res->large_up = true;
	snprintf(exe, sizeof(exe), "%s/relay", fe.dir);
	snprintf(url, sizeof(url), "%s/__fake/reset", fu->base_url);
	bench_http("POST", url, NULL);
	snprintf(url, sizeof(url), "%s/__fake/script", fu->base_url);
	bench_http("POST", url, "{\"large_body_bytes\":536870912,"
	    "\"content_type\":\"application/octet-stream\",\"times\":-1}");
	printf("bench: 512 MiB download through lighttpd → relay\n");
	fflush(stdout);
	/* The file content route when served; else any forwarded GET. */
	res->down_route = "GET /v1/files/{file_id}/content";
	snprintf(url, sizeof(url), "%s/v1/files/file-bench/content",
	    fe.base_url);
	large_download(url, LARGE_BYTES, exe, &res->down);
	if (res->down.unavailable) {
		res->down_route = "GET /v1/files/{file_id}";
		snprintf(url, sizeof(url), "%s/v1/files/file-bench",
		    fe.base_url);
		large_download(url, LARGE_BYTES, exe, &res->down);
	}
	snprintf(url, sizeof(url), "%s/__fake/reset", fu->base_url);
	bench_http("POST", url, NULL);
	printf("bench: 512 MiB upload through lighttpd → relay\n");
	fflush(stdout);
	snprintf(url, sizeof(url), "%s/v1/files", fe.base_url);
	large_upload(url, LARGE_BYTES, exe, &res->up);
	frontend_stop(&fe);
}

/* ---- 5: instructions per request under callgrind ---- */
static void
run_cg(struct results *res, const char *relay_bin,
    const struct bench_upstream *bu, char *dir, size_t dirsz)
{
	char	conf[1024], path[160], dirslash[80];
	int	i, fd;

	snprintf(dir, dirsz, "/tmp/relay-bench-cg-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(dirslash, sizeof(dirslash), "%s/", dir);
	write_relay_conf(conf, sizeof(conf), bu->base_url, dirslash);
	for (i = -1; i < 2; i++) {
		const char	*name = i < 0 ? "relay.conf" : key_files[i].name;
		const char	*text = i < 0 ? conf : key_files[i].content;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || write(fd, text, strlen(text)) !=
		    (ssize_t)strlen(text))
			perror("bench: writing the callgrind config");
		if (fd != -1)
			close(fd);
	}
	printf("bench: %d relayed requests under callgrind\n",
	    res->opt.cg_requests);
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/relay.conf", dir);
	cg_run(relay_bin, path, 20, res->opt.cg_requests, dir, &res->cg);
}

/*
 * The keys-file rows against the unlimited relay: the same lighttpd and
 * relays, the key with rpm and tokens_per_day instead of RELAY_KEY.
 */
/* What the keys-file rows commit to the store, after their figures. */
#define KEYS_NOTE	" Each request of both rows commits its usage; the " \
	"limited key adds a read of the day's usage (its token budget) and " \
	"counts its minute in leases of up to 16 requests, one commit each, " \
	"so on SQLite, where the relays' commits take turns, it costs about " \
	"one commit in sixteen more."

static void
keys_ratios(struct bench_text *md, const struct json_row *rows)
{
	static const struct {
		enum target	 t;
		const char	*store;
		double		 target;
	} k[] = {
		{ T_KEYS_SQLITE, "SQLite", 0.85 },
		{ T_KEYS_REDIS, "Redis", 0.8 },
	};
	size_t	i;

	bench_text_add(md, "Keys file: the relay key with `rpm` and "
	    "`tokens_per_day` (checked and counted on every request, never "
	    "reached), against lighttpd → relay with `RELAY_KEY` (which "
	    "records usage too):");
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		if (rows[k[i].t].rps > 0 && rows[T_LIGHTTPD].rps > 0)
			bench_text_add(md, " %s **%.2f** of unlimited (target "
			    "≥ %.2f)%s", k[i].store, rows[k[i].t].rps /
			    rows[T_LIGHTTPD].rps, k[i].target, i + 1 <
			    sizeof(k) / sizeof(k[0]) ? ";" : ".");
		else
			bench_text_add(md, " %s did not run%s", k[i].store,
			    i + 1 < sizeof(k) / sizeof(k[0]) ? ";" : ".");
	}
	bench_text_add(md, "%s\n\n", KEYS_NOTE);
}

static void
report_json(struct bench_text *md, const struct results *res)
{
	const struct json_row	*rows = res->rows;
	int			 i;

	bench_text_add(md, "## 1. Relayed JSON POST\n\n"
	    "`POST /v1/embeddings`, %zu-byte JSON body in, %s-byte JSON "
	    "answer out, relay key, headers to filter. wrk, 2 threads, %d "
	    "connections, keep-alive; median of %d passes of %d s, the "
	    "paths interleaved. The upstream is the bench's own "
	    "(tests/bench/bench_upstream.c: one epoll thread, answers "
	    "rendered once), so the relay's cost is not drowned by the "
	    "upstream's.\n\n"
	    "| path | requests/s | p50 ms | p99 ms | ÷ nginx proxy_pass | "
	    "errors |\n|---|---:|---:|---:|---:|---:|\n",
	    strlen(bench_post_body()), "~2,000", JSON_CONNECTIONS,
	    res->opt.passes, res->opt.json_s);
	for (i = 0; i < T__MAX; i++) {
		if (!rows[i].up || rows[i].rps <= 0) {
			bench_text_add(md, "| %s | did not run | | | | |\n",
			    targets[i].label);
			continue;
		}
		bench_text_add(md, "| %s | %s%.0f%s | %.2f | %.2f | ",
		    targets[i].label, i == T_LIGHTTPD ? "**" : "",
		    rows[i].rps, i == T_LIGHTTPD ? "**" : "", rows[i].p50,
		    rows[i].p99);
		if (rows[T_PROXY].rps > 0)
			bench_text_add(md, "%s%.2f%s", i == T_LIGHTTPD ?
			    "**" : "", rows[i].rps / rows[T_PROXY].rps,
			    i == T_LIGHTTPD ? "**" : "");
		bench_text_add(md, " | %ld |\n", rows[i].errors);
	}
	if (rows[T_HEALTH].rps > 0 && rows[T_LIGHTTPD].rps > 0)
		bench_text_add(md, "\nRelayed POST ÷ `GET /health` through "
		    "the same lighttpd: **%.2f** (target ≥ 0.75: lighttpd's "
		    "own FastCGI path, which `/health` measures, is the "
		    "ceiling for any responder behind it).\n",
		    rows[T_LIGHTTPD].rps / rows[T_HEALTH].rps);
	if (rows[T_FASTAPI].rps > 0 && rows[T_LIGHTTPD].rps > 0)
		bench_text_add(md, "\nlighttpd → relay ÷ the FastAPI + httpx "
		    "relay (tests/bench/fastapi_relay.py, the same checks "
		    "and allowlists): **%.1f×** (target ≥ 10×).\n",
		    rows[T_LIGHTTPD].rps / rows[T_FASTAPI].rps);
	bench_text_add(md, "\nThe ratio to nginx proxy_pass is "
	    "information, no longer a target (the relay keeps libfcgi: "
	    "issue 20); a naive C FastCGI + libcurl relay measured 0.27 "
	    "here. Each front runs as shipped: lighttpd spawns 2 relay "
	    "processes; nginx (1 worker) talks to `relay --listen --threads "
	    "16`; mod_fcgid runs one request per relay process, at most "
	    "64, warmed up at %d connections (its pool grows only past "
	    "requests that waited 1 s: deploy/apache-fcgid.conf, \"Process "
	    "pool\"). The row \"for scale\" is the test fake upstream "
	    "(tests/fake_upstream/) answering the same request directly: "
	    "it records every request, which is why the relay paths are "
	    "not measured against it.\n\n",
	    JSON_CONNECTIONS * targets[T_FCGID].warmup_conn_x);
	if (res->fcgid_pool.procs > 0)
		bench_text_add(md, "mod_fcgid's pool after the warm-up: %zu "
		    "relay processes, %.1f MiB private in all (%.0f KiB "
		    "each).\n\n", res->fcgid_pool.procs,
		    res->fcgid_pool.private_kb / 1024.0,
		    res->fcgid_pool.private_kb /
		    (double)res->fcgid_pool.procs);
	keys_ratios(md, rows);

	bench_text_add(md, "## 2. Added latency at concurrency 1\n\n"
	    "Same request, 1 connection, median of %d passes of %d s; added "
	    "= path − direct.\n\n"
	    "| path | p50 ms | p99 ms | added p50 ms | added p99 ms |\n"
	    "|---|---:|---:|---:|---:|\n", res->opt.passes, res->opt.lat_s);
	for (i = 0; i < T__MAX; i++) {
		if (!rows[i].up || rows[i].lat_p50 <= 0)
			continue;
		bench_text_add(md, "| %s | %.3f | %.3f | ", targets[i].label,
		    rows[i].lat_p50, rows[i].lat_p99);
		if (i == T_DIRECT)
			bench_text_add(md, "– | – |\n");
		else
			bench_text_add(md, "%+.3f | %+.3f |\n",
			    rows[i].lat_p50 - rows[T_DIRECT].lat_p50,
			    rows[i].lat_p99 - rows[T_DIRECT].lat_p99);
	}
	bench_text_add(md, "\nTarget: added p99 ≤ 0.5 ms.\n\n");
}

static void
report_sse(struct bench_text *md, const struct results *res)
{
	static const char *const mode[2] = { "at once", "over 500 ms" };
	char	a[32];
	int	k, m;

	bench_text_add(md, "## 3. SSE stall test\n\n"
	    "k streams (`POST /v1/chat/completions`, `\"stream\":true`), "
	    "each %d deltas %d ms apart plus `[DONE]`; a stream stalls if "
	    "any gap between two events exceeds %.0f ms. Opened all at once "
	    "(the stall test proper), then again spread evenly over %.0f ms "
	    "(arrivals as a server sees them; all k are still open together "
	    "for the last ~0.8 s). Through lighttpd → relay (2 processes, "
	    "`RELAY_THREADS=1024`), and direct to the same upstream. The "
	    "relay asks upstream for the stream's usage, so its chunks carry "
	    "`\"usage\":null` and a usage chunk comes before `[DONE]`, as "
	    "OpenAI sends them; the relay cuts both out for the client, who "
	    "did not ask. TTFE: "
	    "from a stream's request to its first complete event. Memory: "
	    "the largest sample (every 100 ms) of the relay processes' "
	    "private memory. CPU: seconds used during the round by the "
	    "client (this bench), the upstream, lighttpd and the relay.\n\n"
	    "| path | streams | opened | stall-free | stalled | failed | gap "
	    "p99 / max ms | TTFE p50 / p99 ms | added TTFE p50 / p99 ms | "
	    "relay private memory (threads) | CPU s client / upstream / "
	    "lighttpd / relay |\n"
	    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	    SSE_EVENTS, SSE_INTERVAL_MS, SSE_GAP_LIMIT_MS, SSE_RAMP_MS);
	for (m = 0; m < 2; m++)
		for (k = 0; k < 3; k++) {
			const struct sse_result	*d = &res->sse_direct[m][k];

			bench_text_add(md, "| direct | %d | %s | %d | %d | %d "
			    "| %.1f / %.1f | %.2f / %.2f | – | – | %.2f / "
			    "%.2f / – / – |\n", d->streams, mode[m], d->ok,
			    d->stalled, d->failed, d->gap_p99_ms,
			    d->gap_max_ms, d->ttfe_p50_ms, d->ttfe_p99_ms,
			    d->cpu_client, d->cpu_upstream);
		}
	for (m = 0; m < 2; m++)
		for (k = 0; k < 3; k++) {
			const struct sse_result	*r = &res->sse_relay[m][k];
			const struct sse_result	*d = &res->sse_direct[m][k];

			if (!res->sse_up) {
				bench_text_add(md, "| lighttpd → relay | %d | "
				    "%s | did not run | | | | | | | |\n",
				    res->opt.sse_k[k], mode[m]);
				continue;
			}
			fmt_kb(a, sizeof(a), r->mem.private_kb);
			bench_text_add(md, "| lighttpd → relay | %d | %s | "
			    "**%d** | %d | %d | %.1f / %.1f | %.2f / %.2f | "
			    "%+.2f / %+.2f | %s (%ld) | %.2f / %.2f / %.2f / "
			    "%.2f |\n", r->streams, mode[m], r->ok,
			    r->stalled, r->failed, r->gap_p99_ms,
			    r->gap_max_ms, r->ttfe_p50_ms, r->ttfe_p99_ms,
			    r->ttfe_p50_ms - d->ttfe_p50_ms,
			    r->ttfe_p99_ms - d->ttfe_p99_ms,
			    r->mem_sampled ? a : "?", r->mem.threads,
			    r->cpu_client, r->cpu_upstream, r->cpu_front,
			    r->cpu_relay);
		}
	bench_text_add(md, "\nTargets: 1,000 streams with zero stalls; "
	    "1,000 opened at once, added TTFE p99 ≤ 20 ms. Each relay "
	    "process keeps `RELAY_SPARE_THREADS` (64) idle threads ready, "
	    "so the threads counted here are the streams' plus those.\n\n");
}

static void
report_memory(struct bench_text *md, const struct results *res)
{
	const struct sse_result		*big = &res->sse_relay[0][2];
	const struct large_result	*down = &res->down, *up = &res->up;
	long				 grown;
	char				 a[32], b[32];

	bench_text_add(md, "## 4. Memory\n\n| measure | value |\n"
	    "|---|---:|\n");
	if (res->sse_up) {
		grown = res->mem_idle.threads - res->mem0.threads;
		fmt_kb(a, sizeof(a), res->mem0.private_kb);
		bench_text_add(md, "| relay under lighttpd at start (%zu "
		    "processes, %ld threads), private | %s |\n",
		    res->mem0.procs, res->mem0.threads, a);
		if (grown > 0) {
			fmt_kb(a, sizeof(a), (res->mem_idle.private_kb -
			    res->mem0.private_kb) / (double)grown);
			fmt_kb(b, sizeof(b), res->mem_idle.private_kb);
			bench_text_add(md, "| per idle worker (after the SSE "
			    "rounds: %ld threads, %s private in all) | %s |\n",
			    res->mem_idle.threads, b, a);
		}
		if (big->mem_sampled && big->streams > 0) {
			fmt_kb(a, sizeof(a), (big->mem.private_kb -
			    res->mem0.private_kb) / big->streams);
			bench_text_add(md, "| per active stream (%d streams: "
			    "peak private − private at start, ÷ streams; "
			    "target ≤ 256 KiB) | %s |\n", big->streams, a);
		}
	}
	if (!res->large_up) {
		bench_text_add(md, "| 512 MiB bodies | did not run |\n\n");
		return;
	}
	fmt_kb(a, sizeof(a), down->base_rss_kb);
	fmt_kb(b, sizeof(b), down->peak_rss_kb);
	if (down->done)
		bench_text_add(md, "| peak RSS of a relay process relaying "
		    "a 512 MiB download (`%s`, %.0f MiB/s; %s before) | %s "
		    "|\n", res->down_route, down->mib_per_s, a, b);
	else
		bench_text_add(md, "| 512 MiB download | failed (status %ld) "
		    "|\n", down->status);
	fmt_kb(a, sizeof(a), up->base_rss_kb);
	fmt_kb(b, sizeof(b), up->peak_rss_kb);
	if (up->done)
		bench_text_add(md, "| peak RSS of a relay process relaying "
		    "a 512 MiB upload (`POST /v1/files`, multipart; %.0f MiB/s "
		    "end to end, lighttpd spools it first; %s before) | %s |\n",
		    up->mib_per_s, a, b);
	else if (up->unavailable)
		bench_text_add(md, "| 512 MiB upload (`POST /v1/files`) | "
		    "pending: the route answers %ld |\n", up->status);
	else
		bench_text_add(md, "| 512 MiB upload (`POST /v1/files`) | "
		    "failed (status %ld) |\n", up->status);
	bench_text_add(md, "\nThe 512 MiB runs go through a fresh lighttpd "
	    "→ relay against the test fake upstream; RSS sampled every "
	    "20 ms.\n\n");
}

static void
report_cg(struct bench_text *md, const struct results *res)
{
	const struct cg_result	*cg = &res->cg;

	bench_text_add(md, "## 5. CPU per request (callgrind)\n\n");
	if (!cg->ok) {
		bench_text_add(md, "callgrind did not run (see the messages "
		    "of the run).\n\n");
		return;
	}
	bench_text_add(md, "The relay alone (`--listen`, 2 threads) under "
	    "`valgrind --tool=callgrind`, fed the same request over FastCGI "
	    "by the bench itself (the parameters nginx's shipped block "
	    "sends); counted over %ld requests after 20 of warm-up, so "
	    "start-up is not in it. Instruction counts repeat to within a "
	    "fraction of a percent from run to run, unlike times.\n\n"
	    "**%.0f instructions per relayed request.**\n\n"
	    "| object | instructions / request | share |\n"
	    "|---|---:|---:|\n%s\n"
	    "Top functions by own cost (libcurl's and json-c's internal "
	    "functions have no symbols in Debian's builds):\n\n"
	    "| function | object | instructions / request | share |\n"
	    "|---|---|---:|---:|\n%s\n",
	    cg->requests, cg->instr_per_req,
	    cg->by_object ? cg->by_object : "", cg->top ? cg->top : "");
}

/*
 * For profiling by hand: the bench upstream and one front server (as
 * make bench runs it) → relay, up for seconds; prints where they are.
 */
static void
serve(const char *relay_bin, const struct bench_upstream *bu,
    enum frontend_kind kind, int seconds)
{
	struct frontend	fe;
	sigset_t	stop;
	char		conf[1024];

	write_relay_conf(conf, sizeof(conf), bu->base_url, "");
	if (frontend_start(&fe, kind, relay_bin, conf, key_files, 2) == -1)
		return;
	printf("upstream %s (pid %d)\n%s → relay %s (pid %d, files in %s)\n"
	    "relay key %s\n", bu->base_url, (int)bu->pid,
	    frontend_name(kind), fe.base_url, (int)fe.pid, fe.dir,
	    BENCH_RELAY_KEY);
	fflush(stdout);
	/* Until the time is up or a SIGTERM/SIGINT asks for an early stop:
	 * either way everything started here is stopped. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	sigtimedwait(&stop, NULL, &(struct timespec){ seconds, 0 });
	frontend_stop(&fe);
}

/*
 * What RESULTS.md holds from HISTORY_MARK on (before-and-after figures
 * of past changes, written by hand) outlives the run that rewrites the
 * rest: it is appended to md again.
 */
#define HISTORY_MARK	"<!-- kept by make bench: the rest is by hand -->"

static void
keep_history(struct bench_text *md, const char *path)
{
	char	*old = slurp(path);
	char	*mark = old != NULL ? strstr(old, HISTORY_MARK) : NULL;

	if (mark != NULL)
		bench_text_add(md, "\n%s", mark);
	free(old);
}

/* The kind frontend_name calls name; -1 if none does. */
static int
front_kind(const char *name, enum frontend_kind *kind)
{
	int	k;

	for (k = 0; k < FRONTEND__MAX; k++)
		if (strcmp(frontend_name((enum frontend_kind)k), name) == 0) {
			*kind = (enum frontend_kind)k;
			return 0;
		}
	return -1;
}

int
main(int argc, char **argv)
{
	static struct results	 res;
	struct options		*opt = &res.opt;
	struct fake_upstream	 fu;
	struct bench_upstream	 bu;
	struct bench_text	 md = { NULL, 0, 0 };
	struct rlimit		 rl;
	char			 relay_src[PATH_MAX], fake_src[PATH_MAX];
	char			 relay_bin[PATH_MAX], fake_bin[PATH_MAX];
	char			 bin_dir[64] = "/tmp/relay-bench-bin-XXXXXX";
	char			 deploy_dir[PATH_MAX];
	char			 lua[PATH_MAX], proxy_tmpl[PATH_MAX];
	char			 url[512], cg_dir[64] = "";
	char			*answer, *script;
	double			 t_start = bench_now_ms();
	int			 i, rc = 1, serve_s = 0;
	enum frontend_kind	 serve_kind = FRONTEND_LIGHTTPD;
	FILE			*f;

	*opt = (struct options){ 3, 5, 3, { 100, 500, 1000 }, 1000,
	    "tests/bench/RESULTS.md", true, true, true };
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			opt->passes = 1;
			opt->json_s = 3;
			opt->lat_s = 2;
			opt->cg_requests = 200;
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			opt->out = argv[++i];
		else if (strcmp(argv[i], "--serve") == 0 && i + 1 < argc)
			serve_s = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--front") == 0 && i + 1 < argc &&
		    front_kind(argv[i + 1], &serve_kind) == 0)
			i++;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			i++;
			opt->json = strstr(argv[i], "json") != NULL;
			opt->sse = strstr(argv[i], "sse") != NULL;
			opt->cg = strstr(argv[i], "cpu") != NULL;
		} else {
			fprintf(stderr, "usage: run-bench [--quick] "
			    "[--only json,sse,cpu] [--out FILE]\n"
			    "       run-bench --serve SECONDS [--front NAME]\n");
			return 2;
		}
	}
	if (realpath("relay", relay_src) == NULL ||
	    realpath("tests/fake_upstream/fake-upstream", fake_src) == NULL ||
	    realpath("tests/bench/post.lua", lua) == NULL ||
	    realpath("tests/bench/nginx-proxy.conf", proxy_tmpl) == NULL) {
		fprintf(stderr, "bench: run from the repository root after "
		    "make relay tests/fake_upstream/fake-upstream\n");
		return 2;
	}
	/* The copies are not beside deploy/: name the shipped files. */
	if (realpath("deploy", deploy_dir) != NULL)
		setenv("RELAY_DEPLOY_DIR", deploy_dir, 1);
	if (mkdtemp(bin_dir) == NULL || chmod(bin_dir, 0755) == -1 ||
	    private_copy(relay_src, bin_dir, relay_bin, sizeof(relay_bin)) ||
	    private_copy(fake_src, bin_dir, fake_bin, sizeof(fake_bin))) {
		fprintf(stderr, "bench: cannot copy the binaries to %s\n",
		    bin_dir);
		return 1;
	}
	/* 1,000 streams hold several descriptors each in every process. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&bu, 0, sizeof(bu));

	answer = json_answer();
	if (fake_upstream_start(&fu, fake_bin) == -1)
		goto out;
	if (upstream_start(&bu, answer, SSE_EVENTS, SSE_INTERVAL_MS) == -1) {
		fprintf(stderr, "bench: cannot start the bench upstream\n");
		goto out;
	}
	snprintf(url, sizeof(url), "%s/__fake/script", fu.base_url);
	script = json_script(answer);
	if (bench_http("POST", url, script) != 200) {
		fprintf(stderr, "bench: the fake upstream refused the "
		    "script\n");
		free(script);
		goto out;
	}
	free(script);

	if (serve_s > 0) {
		serve(relay_bin, &bu, serve_kind, serve_s);
		rc = 0;
		goto out;
	}
	if (opt->json)
		run_json(&res, relay_bin, lua, proxy_tmpl, &bu, &fu);
	if (opt->sse) {
		run_sse(&res, relay_bin, &bu);
		run_large(&res, relay_bin, &fu);
	}
	if (opt->cg)
		run_cg(&res, relay_bin, &bu, cg_dir, sizeof(cg_dir));

	bench_text_add(&md, "# relay benchmarks\n\n"
	    "Written by `make bench` (tests/bench/). ");
	machine_line(&md);
	if (opt->json)
		report_json(&md, &res);
	if (opt->sse) {
		report_sse(&md, &res);
		report_memory(&md, &res);
	}
	if (opt->cg)
		report_cg(&md, &res);
	bench_text_add(&md, "`make bench` took %.0f s.\n",
	    (bench_now_ms() - t_start) / 1000.0);
	keep_history(&md, opt->out);

	fputs("\n", stdout);
	fputs(md.s, stdout);
	if ((f = fopen(opt->out, "w")) == NULL || fputs(md.s, f) == EOF ||
	    fclose(f) == EOF)
		fprintf(stderr, "bench: cannot write %s\n", opt->out);
	else
		printf("\nbench: written to %s\n", opt->out);
	if (res.cg.ok)
		printf("bench: callgrind profile kept in %s; for the call "
		    "tree: callgrind_annotate --inclusive=yes %s\n", cg_dir,
		    res.cg.out_file);
	rc = 0;
out:
	free(md.s);
	free(answer);
	free(res.cg.top);
	free(res.cg.by_object);
	upstream_stop(&bu);
	fake_upstream_stop(&fu);
	curl_global_cleanup();
	unlink(relay_bin);
	unlink(fake_bin);
	rmdir(bin_dir);
	return rc;
}
