/*
 * Instructions per relayed request, counted by callgrind: repeatable on
 * a noisy machine where times are not.  The relay runs standalone
 * (--listen) under valgrind and this file plays the web server, with a
 * minimal FastCGI client sending what nginx would for the same request,
 * so only the relay's own work is counted.  Counting is zeroed after a
 * warm-up (connections to upstream open, threads started) and dumped
 * after n requests, with callgrind_control; callgrind_annotate then
 * names the costs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bench/bench.h"
#include "tests/integ/frontend.h"

#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_RESPONDER		1

#define CG_START_TIMEOUT_MS	60000.0
#define CG_TOP			15

struct wbuf {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
wb_put(struct wbuf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
wb_record(struct wbuf *b, int type, const void *data, size_t len)
{
	unsigned char	h[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };

	wb_put(b, h, sizeof(h));
	wb_put(b, data, len);
}

static void
nv_len(struct wbuf *b, size_t n)
{
	unsigned char	l[4] = { (unsigned char)((n >> 24) | 0x80),
	    (unsigned char)(n >> 16), (unsigned char)(n >> 8),
	    (unsigned char)n };

	if (n < 128) {
		l[0] = (unsigned char)n;
		wb_put(b, l, 1);
	} else
		wb_put(b, l, 4);
}

static void
nv(struct wbuf *b, const char *name, const char *value)
{
	nv_len(b, strlen(name));
	nv_len(b, strlen(value));
	wb_put(b, name, strlen(name));
	wb_put(b, value, strlen(value));
}

/* The records of one POST /v1/embeddings, as nginx's shipped block sends. */
static void
fcgi_request(struct wbuf *out, int port)
{
	struct wbuf	 params = { NULL, 0, 0 };
	const char	*body = bench_post_body();
	size_t		 blen = strlen(body), off, chunk;
	unsigned char	 begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
	char		 clen[32], sport[16];

	snprintf(clen, sizeof(clen), "%zu", blen);
	snprintf(sport, sizeof(sport), "%d", port);
	nv(&params, "REQUEST_URI", "/v1/embeddings");
	nv(&params, "REQUEST_METHOD", "POST");
	nv(&params, "QUERY_STRING", "");
	nv(&params, "CONTENT_TYPE", "application/json");
	nv(&params, "CONTENT_LENGTH", clen);
	nv(&params, "SERVER_NAME", "relay.localhost");
	nv(&params, "SERVER_PORT", sport);
	nv(&params, "REQUEST_SCHEME", "http");
	nv(&params, "SERVER_PROTOCOL", "HTTP/1.1");
	nv(&params, "REMOTE_ADDR", "127.0.0.1");
	nv(&params, "HTTP_HOST", "127.0.0.1");
	nv(&params, "HTTP_CONTENT_TYPE", "application/json");
	nv(&params, "HTTP_CONTENT_LENGTH", clen);
	nv(&params, "HTTP_ACCEPT", "application/json");
	nv(&params, "HTTP_AUTHORIZATION", "Bearer " BENCH_RELAY_KEY);
	nv(&params, "HTTP_OPENAI_BETA", "assistants=v2");
	nv(&params, "HTTP_USER_AGENT", "OpenAI/Python 1.54.0");
	nv(&params, "HTTP_X_FORWARDED_FOR", "198.51.100.7");
	nv(&params, "HTTP_COOKIE", "session=not-for-upstream");

	out->len = 0;
	wb_record(out, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	wb_record(out, FCGI_PARAMS, params.p, params.len);
	wb_record(out, FCGI_PARAMS, NULL, 0);
	for (off = 0; off < blen; off += chunk) {
		chunk = blen - off > 65535 ? 65535 : blen - off;
		wb_record(out, FCGI_STDIN, body + off, chunk);
	}
	wb_record(out, FCGI_STDIN, NULL, 0);
	free(params.p);
}

static int
connect_port(int port)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
read_full(int fd, unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request on a new connection; its HTTP status, or -1. */
static int
fcgi_call(const struct wbuf *req, int port)
{
	unsigned char	 h[8], content[65536 + 256];
	char		 head[64];
	size_t		 headlen = 0, clen;
	int		 fd, status = -1;
	bool		 ended = false;

	if ((fd = connect_port(port)) == -1)
		return -1;
	if (write(fd, req->p, req->len) != (ssize_t)req->len)
		goto out;
	while (!ended && read_full(fd, h, 8) == 0) {
		clen = ((size_t)h[4] << 8) | h[5];
		if (read_full(fd, content, clen + h[6]) == -1)
			break;
		if (h[1] == FCGI_STDOUT && headlen < sizeof(head) - 1) {
			size_t	take = clen < sizeof(head) - 1 - headlen ?
			    clen : sizeof(head) - 1 - headlen;

			memcpy(head + headlen, content, take);
			headlen += take;
		}
		ended = h[1] == FCGI_END_REQUEST;
	}
	head[headlen] = '\0';
	if (ended && strncmp(head, "Status: ", 8) == 0)
		status = (int)strtol(head + 8, NULL, 10);
out:
	close(fd);
	return status;
}

/* Runs argv, output to out_path (appended); exit status or -1. */
static int
run_tool(char *const argv[], const char *out_path)
{
	pid_t	pid = fork();
	int	status, fd;

	if (pid == -1)
		return -1;
	if (pid == 0) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
stop_child(pid_t pid)
{
	int	i, status;

	kill(pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static double
parse_count(const char *s)
{
	double	v = 0;

	for (; *s == ' '; s++)
		;
	for (; (*s >= '0' && *s <= '9') || *s == ','; s++)
		if (*s != ',')
			v = v * 10 + (*s - '0');
	return v;
}

struct obj_cost {
	char	name[128];
	double	ir;
};

/* "/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0" -> "libcurl.so.4.8.0". */
static void
short_object(const char *obj, size_t len, char *out, size_t outsz)
{
	const char	*slash = obj + len;

	while (slash > obj && slash[-1] != '/')
		slash--;
	snprintf(out, outsz, "%.*s", (int)(obj + len - slash), slash);
}

/*
 * callgrind_annotate's self-cost listing: the total, then one line per
 * function ("N (P%)  file:function [object]").  Fills r->top and
 * r->by_object as markdown table rows.
 */
static void
annotate(const char *listing, long n, struct cg_result *r)
{
	struct bench_text	 top = { NULL, 0, 0 }, objs = { NULL, 0, 0 };
	struct obj_cost		 oc[32];
	size_t			 noc = 0, i, j;
	const char		*line, *p, *fn, *ob, *obe;
	double			 total = 0, ir;
	int			 shown = 0;
	size_t			 len;
	char			 name[160], obj[128];

	memset(oc, 0, sizeof(oc));
	for (line = listing; *line != '\0'; line += len + (line[len] != '\0')) {
		len = strcspn(line, "\n");
		if (memmem(line, len, "PROGRAM TOTALS", 14) != NULL) {
			total = parse_count(line);
			continue;
		}
		p = line + strspn(line, " ");
		if (*p < '0' || *p > '9' || total <= 0)
			continue;
		ir = parse_count(p);
		if ((fn = memchr(line, ')', len)) == NULL)
			continue;
		fn += 1 + strspn(fn + 1, " ");
		ob = memchr(fn, '[', (size_t)(line + len - fn));
		obe = ob ? memchr(ob, ']', (size_t)(line + len - ob)) : NULL;
		if (ob != NULL && obe != NULL)
			short_object(ob + 1, (size_t)(obe - ob - 1), obj,
			    sizeof(obj));
		else
			/* Inlined code (fortify wrappers): the relay's own. */
			snprintf(obj, sizeof(obj), "relay");
		/* "file:function": the function, then its object. */
		{
			const char	*end = ob ? ob : line + len;
			const char	*colon = fn;
			const char	*c;

			while (end > fn && end[-1] == ' ')
				end--;
			for (c = fn; c < end; c++)
				if (*c == ':' && c + 1 < end && c[1] != ':' &&
				    (c == fn || c[-1] != ':'))
					colon = c + 1;
			snprintf(name, sizeof(name), "%.*s",
			    (int)(end - colon), colon);
		}
		/*
		 * Thread entry frames open when counting was zeroed come
		 * out with the whole cost as their own: not a real cost.
		 */
		if (strcmp(name, "clone") == 0 ||
		    strcmp(name, "start_thread") == 0 || ir >= total)
			continue;
		if (shown < CG_TOP) {
			bench_text_add(&top, "| `%s` | %s | %.0f | %.1f%% |\n",
			    name, obj, ir / (double)n, 100.0 * ir / total);
			shown++;
		}
		for (i = 0; i < noc && strcmp(oc[i].name, obj) != 0; i++)
			;
		if (i == noc && noc < sizeof(oc) / sizeof(oc[0]))
			snprintf(oc[noc++].name, sizeof(oc[0].name), "%s", obj);
		if (i < noc)
			oc[i].ir += ir;
	}
	/* Largest first. */
	for (i = 0; i < noc; i++)
		for (j = i + 1; j < noc; j++)
			if (oc[j].ir > oc[i].ir) {
				struct obj_cost	tmp = oc[i];

				oc[i] = oc[j];
				oc[j] = tmp;
			}
	for (i = 0; i < noc; i++)
		if (oc[i].ir / total >= 0.001)
			bench_text_add(&objs, "| %s | %.0f | %.1f%% |\n",
			    oc[i].name, oc[i].ir / (double)n,
			    100.0 * oc[i].ir / total);
	r->top = top.s;
	r->by_object = objs.s;
	if (total > 0) {
		r->instr_per_req = total / (double)n;
		r->ok = true;
	}
}

void
cg_run(const char *relay_bin, const char *relay_conf, int warmup, int n,
    const char *keep_dir, struct cg_result *r)
{
	struct wbuf	 req = { NULL, 0, 0 };
	char		 listen_arg[64], out_opt[320], pid_s[16];
	char		 log_path[300], ann_path[300], dump[300];
	char		*listing = NULL, *argv[16];
	double		 deadline;
	pid_t		 pid;
	int		 port, fd, i, bad = 0, status;
	FILE		*f;
	size_t		 len, cap;

	memset(r, 0, sizeof(*r));
	r->requests = n;
	if ((port = frontend_free_port()) == -1)
		return;
	snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%d", port);
	snprintf(out_opt, sizeof(out_opt),
	    "--callgrind-out-file=%s/callgrind.out.%%p", keep_dir);
	snprintf(log_path, sizeof(log_path), "%s/callgrind.log", keep_dir);
	if ((pid = fork()) == -1)
		return;
	if (pid == 0) {
		fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("valgrind", "valgrind", "--tool=callgrind", out_opt,
		    "--dump-instr=no", "--vgdb=yes", relay_bin, "--config",
		    relay_conf, "--listen", listen_arg, "--threads", "2",
		    (char *)NULL);
		_exit(127);
	}
	/* Valgrind takes a while to start; wait for the port to accept. */
	deadline = bench_now_ms() + CG_START_TIMEOUT_MS;
	while ((fd = connect_port(port)) == -1 && bench_now_ms() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "bench: relay under callgrind exited "
			    "(see %s)\n", log_path);
			return;
		}
		usleep(100000);
	}
	if (fd == -1) {
		fprintf(stderr, "bench: relay under callgrind did not "
		    "listen\n");
		stop_child(pid);
		return;
	}
	close(fd);

	fcgi_request(&req, port);
	for (i = 0; i < warmup; i++)
		if (fcgi_call(&req, port) != 200)
			bad++;
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	argv[0] = "callgrind_control";
	argv[1] = "-z";
	argv[2] = pid_s;
	argv[3] = NULL;
	if (run_tool(argv, log_path) != 0) {
		fprintf(stderr, "bench: callgrind_control -z failed (see "
		    "%s)\n", log_path);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (fcgi_call(&req, port) != 200)
			bad++;
	argv[1] = "-d";
	if (run_tool(argv, log_path) != 0) {
		fprintf(stderr, "bench: callgrind_control -d failed\n");
		goto out;
	}
	if (bad > 0) {
		fprintf(stderr, "bench: %d requests under callgrind did not "
		    "answer 200\n", bad);
		goto out;
	}
	/* The first dump of that process: callgrind.out.PID.1 */
	snprintf(dump, sizeof(dump), "%s/callgrind.out.%d.1", keep_dir,
	    (int)pid);
	snprintf(ann_path, sizeof(ann_path), "%s/callgrind.self.txt",
	    keep_dir);
	unlink(ann_path);
	argv[0] = "callgrind_annotate";
	argv[1] = "--inclusive=no";
	argv[2] = "--threshold=100";
	argv[3] = "--auto=no";
	argv[4] = dump;
	argv[5] = NULL;
	if (run_tool(argv, ann_path) != 0) {
		fprintf(stderr, "bench: callgrind_annotate %s failed\n", dump);
		goto out;
	}
	if ((f = fopen(ann_path, "r")) != NULL) {
		cap = 1 << 20;
		listing = malloc(cap);
		len = listing ? fread(listing, 1, cap - 1, f) : 0;
		if (listing != NULL) {
			listing[len] = '\0';
			annotate(listing, n, r);
		}
		fclose(f);
	}
	snprintf(r->out_file, sizeof(r->out_file), "%s", dump);
out:
	free(listing);
	free(req.p);
	stop_child(pid);
}
