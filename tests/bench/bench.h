/*
 * make bench: the relay measured from outside, side by side with the
 * cheapest alternatives, in one run on one machine.  See bench_main.c
 * for what runs in which order; each file here is one kind of
 * measurement.
 */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BENCH_RELAY_KEY		"bench-relay-key-0123456789abcdef"
#define BENCH_OPENAI_KEY	"sk-bench-not-a-real-key-0123456789"

/* Monotonic time in milliseconds, with sub-millisecond precision. */
double bench_now_ms(void);

/* Appends printf output to a growing string (aborts on OOM). */
struct bench_text {
	char	*s;
	size_t	 len, cap;
};
void bench_text_add(struct bench_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Percentile p (0..100) of n values, sorting them in place; 0 if n is 0. */
double bench_percentile(double *v, size_t n, double p);

/*
 * One HTTP call to the fake upstream's control API (or anything on
 * loopback): method, URL, optional JSON body.  Returns the status, or
 * -1 if no answer came; the body is discarded.
 */
int bench_http(const char *method, const char *url, const char *json);

/* ---- bench_upstream.c: a cheap upstream (see there why) ---- */

struct bench_upstream {
	pid_t	pid;
	int	port;
	char	base_url[64];
};

/*
 * Forks the upstream on a free loopback port: json_body for every
 * request, or a stream of events interval_ms apart for one that
 * accepts text/event-stream.  0, or -1 if it could not listen.
 */
int upstream_start(struct bench_upstream *u, const char *json_body,
    int events, int interval_ms);
/* SIGTERM and reap. */
void upstream_stop(struct bench_upstream *u);

/* ---- bench_wrk.c: requests/s and latency from wrk ---- */

struct wrk_result {
	bool	 ok;		/* wrk ran and printed its summary */
	double	 rps;
	double	 p50_ms, p99_ms;
	long	 requests;
	long	 errors;	/* connect, read, write, timeout, non-2xx */
};

/*
 * Runs wrk with tests/bench/post.lua (a ~1 KB JSON POST to path with the
 * relay key and a few headers the relay must filter; with method "GET"
 * the same headers and no body) against base_url for seconds, with
 * threads and connections.  Fills r.
 */
void wrk_run(const char *lua, const char *base_url, const char *method,
    const char *path, int threads, int connections, int seconds,
    struct wrk_result *r);

/* ---- bench_mem.c: the relay's processes and their memory ---- */

#define BENCH_PIDS_MAX	64

struct mem_usage {
	size_t	 procs;
	long	 threads;
	double	 private_kb;	/* Private_Clean + Private_Dirty, summed */
	double	 rss_kb;	/* VmRSS, summed */
	double	 rss_max_kb;	/* largest single VmRSS */
	double	 hwm_max_kb;	/* largest single VmHWM (peak RSS) */
};

/* Sums the memory of every process running exe. */
void mem_measure(const char *exe, struct mem_usage *m);

/* CPU seconds (user + system) a process has used; 0 if it is gone. */
double mem_cpu_pid(pid_t pid);
/* The same, summed over every process running exe. */
double mem_cpu_exe(const char *exe);
/* CPU seconds this process (all its threads) has used. */
double mem_cpu_self(void);

/* ---- bench_sse.c: the SSE stall test ---- */

struct sse_result {
	int	 streams;
	int	 ok;		/* complete and no gap over the limit */
	int	 stalled;	/* complete, but a gap over the limit */
	int	 failed;	/* error, wrong status, or events missing */
	double	 ttfe_p50_ms, ttfe_p99_ms;
	double	 gap_p99_ms, gap_max_ms;
	double	 wall_ms;
	struct mem_usage mem;	/* the largest sample while streams ran */
	bool	 mem_sampled;
	/* CPU seconds used during the run, filled in by the caller. */
	double	 cpu_client, cpu_upstream, cpu_front, cpu_relay;
};

/*
 * Opens k concurrent streams, POSTing a streaming chat completion to url
 * (with the relay key), all at once (ramp_ms 0) or spread evenly over
 * ramp_ms, and reads them to the end.
 * Each must bring events + 1 events ("data: [DONE]" last); a gap between
 * two over gap_limit_ms makes the stream stalled.  When relay_exe is not
 * NULL, the relay's memory is sampled once while every stream is open.
 */
void sse_run(const char *url, int k, double ramp_ms, int events,
    double gap_limit_ms, const char *relay_exe, struct sse_result *r);

/* ---- bench_mem.c: large bodies ---- */

struct large_result {
	bool	 done;		/* transfer completed with the right size */
	bool	 unavailable;	/* the route is not there (404/405) */
	long	 status;
	double	 seconds;
	double	 mib_per_s;
	double	 base_rss_kb;	/* largest relay VmRSS before */
	double	 peak_rss_kb;	/* largest relay VmRSS sampled during */
};

/* GET url (a body of bytes), sampling the relay's RSS meanwhile. */
void large_download(const char *url, long long bytes, const char *relay_exe,
    struct large_result *r);

/* POST a multipart upload of bytes to url, sampling likewise. */
void large_upload(const char *url, long long bytes, const char *relay_exe,
    struct large_result *r);

/* ---- bench_fcgi.c: instructions per request under callgrind ---- */

struct cg_result {
	bool	 ok;
	long	 requests;
	double	 instr_per_req;
	char	*top;		/* markdown table rows of the top functions */
	char	*by_object;	/* markdown table rows per shared object */
	char	 out_file[320];	/* the callgrind dump kept for annotation */
};

/*
 * Runs relay_bin --listen under valgrind --tool=callgrind with
 * relay_conf (a file path), sends warmup then n relayed JSON POSTs over
 * FastCGI itself, and counts instructions for those n only.
 */
void cg_run(const char *relay_bin, const char *relay_conf, int warmup,
    int n, const char *keep_dir, struct cg_result *r);

/* The request both wrk and the FastCGI client send (about 1 KB). */
const char *bench_post_body(void);

#endif
