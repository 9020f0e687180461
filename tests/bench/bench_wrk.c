/*
 * Requests/s and latency percentiles from wrk, which runs as a child
 * with post.lua; its done() hook prints one "BENCH ..." line we parse.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bench/bench.h"

void
wrk_run(const char *lua, const char *base_url, const char *method,
    const char *path, int threads, int connections, int seconds,
    struct wrk_result *r)
{
	char	 url[256], t[16], c[16], d[16], line[512];
	char	 out[] = "/tmp/relay-bench-wrk-XXXXXX";
	long	 requests, duration_us, errors, p50, p99;
	FILE	*f;
	pid_t	 pid;
	int	 fd, status;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	snprintf(t, sizeof(t), "%d", threads);
	snprintf(c, sizeof(c), "%d", connections);
	snprintf(d, sizeof(d), "%ds", seconds);
	if ((fd = mkstemp(out)) == -1) {
		perror("bench: mkstemp");
		return;
	}
	pid = fork();
	if (pid == -1) {
		perror("bench: fork");
		close(fd);
		unlink(out);
		return;
	}
	if (pid == 0) {
		dup2(fd, 1);
		setenv("BENCH_METHOD", method, 1);
		setenv("BENCH_PATH", path, 1);
		setenv("BENCH_BODY", bench_post_body(), 1);
		setenv("BENCH_KEY", BENCH_RELAY_KEY, 1);
		execlp("wrk", "wrk", "-t", t, "-c", c, "-d", d, "--timeout",
		    "5s", "-s", lua, url, (char *)NULL);
		perror("bench: exec wrk");
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if ((f = fopen(out, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "BENCH requests=%ld duration_us=%ld "
			    "errors=%ld p50_us=%ld p99_us=%ld", &requests,
			    &duration_us, &errors, &p50, &p99) == 5 &&
			    duration_us > 0) {
				r->ok = true;
				r->requests = requests;
				r->errors = errors;
				r->rps = (double)requests * 1e6 /
				    (double)duration_us;
				r->p50_ms = (double)p50 / 1000.0;
				r->p99_ms = (double)p99 / 1000.0;
			}
		}
		fclose(f);
	}
	if (!r->ok)
		fprintf(stderr, "bench: wrk against %s printed no summary "
		    "(output in %s)\n", url, out);
	else
		unlink(out);
}
