/*
 * relay: a FastCGI responder that relays the OpenAI API.
 *
 * Started by a web server (mod_fcgid, lighttpd bin-path, spawn-fcgi,
 * systemd with StandardInput=socket) it finds its listening socket on
 * fd 0.  Started by hand, --listen opens one, for nginx or
 * mod_proxy_fcgi.  --processes forks that many copies of the thread pool
 * on the same socket and replaces any that die or retire
 * (RELAY_MAX_REQUESTS).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include <json.h>

#include "fcgi/settings.h"
#include "fcgi/worker.h"
#include "fcgi/wsbridge.h"
#include "handlers/handler.h"
#include "handlers/upstream.h"
#include "openapi/coverage.h"
#include "policy/config.h"

#define EXIT_CONFIG	78	/* sysexits' EX_CONFIG */
#define LISTEN_BACKLOG	1024

static void
usage(FILE *fp)
{
	fputs("usage: relay [--config FILE] [--listen ADDR] [--threads N] "
	    "[--processes N]\n"
	    "       relay --websocket --listen 127.0.0.1:PORT [--config FILE]\n"
	    "       relay --check-config [--config FILE]\n"
	    "       relay coverage [--openai-spec FILE]\n"
	    "       relay --version\n"
	    "\n"
	    "With no --listen, fd 0 must be a listening FastCGI socket (as\n"
	    "mod_fcgid, lighttpd bin-path, spawn-fcgi and systemd provide).\n"
	    "ADDR is 127.0.0.1:PORT or unix:/path/to/socket.\n", fp);
}

static int
parse_count(const char *s, const char *what, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 4096) {
		fprintf(stderr, "relay: %s must be a number from 1 to 4096\n",
		    what);
		return -1;
	}
	*out = v;
	return 0;
}

static int
open_listen_socket(const char *addr)
{
	int	fd;

	if (strncmp(addr, "unix:", 5) == 0)
		addr += 5;
	else if (strchr(addr, ':') == NULL) {
		fprintf(stderr, "relay: --listen takes HOST:PORT or "
		    "unix:/path\n");
		return -1;
	}
	fd = FCGX_OpenSocket(addr, LISTEN_BACKLOG);
	if (fd < 0)
		fprintf(stderr, "relay: cannot listen on %s\n", addr);
	return fd;
}

/* A worker process of the supervisor. */
struct child {
	pid_t	pid;
	bool	retiring;	/* replaced already; finishing its requests */
};

static size_t
count_active(const struct child *kids, size_t nkids)
{
	size_t	i, n = 0;

	for (i = 0; i < nkids; i++)
		n += !kids[i].retiring;
	return n;
}

/* Marks pid as retiring, if it is one of ours and active. */
static void
mark_retiring(struct child *kids, size_t nkids, pid_t pid, long max_requests)
{
	size_t	i;

	for (i = 0; i < nkids; i++)
		if (kids[i].pid == pid && !kids[i].retiring) {
			kids[i].retiring = true;
			fprintf(stderr, "relay: worker process %d accepted its "
			    "%ld requests (RELAY_MAX_REQUESTS); starting a "
			    "fresh one\n", (int)pid, max_requests);
		}
}

/*
 * Runs nprocs copies of the worker pool on listen_fd, which stays open
 * here for as long as the supervisor runs.  A worker that retires
 * (RELAY_MAX_REQUESTS) is replaced at once and finishes its requests
 * beside its successor; one that exits unasked is replaced after a
 * second, so a crash loop cannot spin.  SIGTERM/SIGINT are passed on and
 * waited for.
 */
static int
supervise(int listen_fd, const struct config *cfg, long nprocs, long nthreads)
{
	static const struct timespec	 now = { 0, 0 };
	struct child			*kids = NULL;
	size_t				 nkids = 0, cap = 0, i;
	sigset_t			 set, workers_own, retire_only;
	siginfo_t			 info;
	int				 sig, status, stopping = 0;
	bool				 backoff = false;
	pid_t				 pid, self = getpid();

	sigemptyset(&workers_own);
	sigaddset(&workers_own, SIGTERM);
	sigaddset(&workers_own, SIGINT);
	sigaddset(&workers_own, SIGCHLD);
	set = workers_own;
	sigaddset(&set, WORKER_RETIRE_SIGNAL);
	sigemptyset(&retire_only);
	sigaddset(&retire_only, WORKER_RETIRE_SIGNAL);
	sigprocmask(SIG_BLOCK, &set, NULL);

	for (;;) {
		while (!stopping && count_active(kids, nkids) < (size_t)nprocs) {
			if (backoff)
				sleep(1);
			backoff = false;
			if (nkids == cap) {
				cap = cap ? cap * 2 : (size_t)nprocs * 2;
				if ((kids = realloc(kids, cap *
				    sizeof(*kids))) == NULL)
					abort();
			}
			pid = fork();
			if (pid == 0) {
				/* Do not outlive a supervisor that was killed. */
				prctl(PR_SET_PDEATHSIG, SIGTERM);
				sigprocmask(SIG_UNBLOCK, &workers_own, NULL);
				free(kids);	/* the supervisor's, not ours */
				_exit(workers_run(listen_fd, cfg,
				    (int)nthreads, self) == 0 ? 0 : 1);
			}
			if (pid < 0) {
				backoff = true;
				continue;
			}
			kids[nkids].pid = pid;
			kids[nkids].retiring = false;
			nkids++;
		}
		if (nkids == 0)
			break;
		sig = sigwaitinfo(&set, &info);
		if (sig == SIGTERM || sig == SIGINT) {
			stopping = 1;
			for (i = 0; i < nkids; i++)
				kill(kids[i].pid, SIGTERM);
			continue;
		}
		if (sig == WORKER_RETIRE_SIGNAL) {
			mark_retiring(kids, nkids, info.si_pid,
			    cfg->max_requests);
			continue;
		}
		if (sig != SIGCHLD)
			continue;
		/* A worker that retired and exited at once: its notice first. */
		while (sigtimedwait(&retire_only, &info, &now) ==
		    WORKER_RETIRE_SIGNAL)
			mark_retiring(kids, nkids, info.si_pid,
			    cfg->max_requests);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < nkids && kids[i].pid != pid; i++)
				continue;
			if (i == nkids)
				continue;
			if (!kids[i].retiring && !stopping) {
				fprintf(stderr, "relay: worker process %d "
				    "exited; starting another\n", (int)pid);
				backoff = true;
			} else if (kids[i].retiring && !stopping &&
			    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
				fprintf(stderr, "relay: retired worker process "
				    "%d did not finish its requests cleanly\n",
				    (int)pid);
			kids[i] = kids[--nkids];
		}
	}
	free(kids);
	return 0;
}

/*
 * relay coverage [--openai-spec FILE]: the guardrail report.  Exits 2
 * when anything is UNKNOWN, as the original's script did.
 */
static int
run_coverage(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "openai-spec", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object	*spec = NULL;
	const char		*spec_path = NULL;
	int			 ch, unknown;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (ch != 's') {
			usage(stderr);
			return EXIT_FAILURE;
		}
		spec_path = optarg;
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	if (spec_path != NULL) {
		spec = json_object_from_file(spec_path);
		if (spec == NULL || !json_object_is_type(spec,
		    json_type_object)) {
			fprintf(stderr, "relay: cannot read an OpenAPI document "
			    "from %s\n", spec_path);
			json_object_put(spec);
			return EXIT_FAILURE;
		}
		printf("OpenAI spec: %s\n", spec_path);
	}
	unknown = coverage_report(stdout, spec);
	json_object_put(spec);
	return unknown > 0 ? 2 : EXIT_SUCCESS;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "processes", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "websocket", no_argument, NULL, 'W' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	 cfg;
	const char	*config_path = NULL, *listen_addr = NULL;
	char		 err[512], file_used[4096];
	long		 threads = 0, processes = 1;
	int		 ch, check_only = 0, websocket = 0, listen_fd = 0, rc;
	sigset_t	 stop;

	if (argc > 1 && strcmp(argv[1], "coverage") == 0)
		return run_coverage(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "c:l:t:p:CWVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 't':
			if (parse_count(optarg, "--threads", &threads) == -1)
				return EXIT_FAILURE;
			break;
		case 'p':
			if (parse_count(optarg, "--processes", &processes) == -1)
				return EXIT_FAILURE;
			break;
		case 'C':
			check_only = 1;
			break;
		case 'W':
			websocket = 1;
			break;
		case 'V':
			puts("relay " RELAY_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}

	if (settings_load(config_path, &cfg, file_used, sizeof(file_used),
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "relay: configuration error: %s\n", err);
		return EXIT_CONFIG;
	}
	if (check_only) {
		printf("relay: configuration OK (%s)\n",
		    file_used[0] ? file_used : "environment and defaults only");
		config_free(&cfg);
		return EXIT_SUCCESS;
	}
	if (websocket) {
		/* The Realtime bridge: a WebSocket server, not FastCGI. */
		if (listen_addr == NULL) {
			fputs("relay: --websocket needs --listen HOST:PORT\n",
			    stderr);
			config_free(&cfg);
			return EXIT_FAILURE;
		}
		rc = wsbridge_run(listen_addr, &cfg);
		config_free(&cfg);
		return rc;
	}
	if (threads == 0)
		threads = cfg.threads;

	/*
	 * A stop asked for while the libraries start (slow under valgrind)
	 * waits until the pool takes it and stops cleanly, instead of
	 * killing the process in the middle of OpenSSL's initialisation.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (upstream_global_init() == -1 || FCGX_Init() != 0) {
		fputs("relay: library initialisation failed\n", stderr);
		return EXIT_FAILURE;
	}
	if (listen_addr != NULL) {
		listen_fd = open_listen_socket(listen_addr);
		if (listen_fd < 0)
			return EXIT_FAILURE;
	} else if (FCGX_IsCGI()) {
		fputs("relay: fd 0 is not a listening FastCGI socket; run me "
		    "under a web server or with --listen\n", stderr);
		usage(stderr);
		return EXIT_FAILURE;
	}
	/* A vanished client must be a failed write, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);

	/*
	 * Recycling needs a process that keeps the socket while workers
	 * come and go: the supervisor, even for a single worker.
	 */
	if (processes > 1 || cfg.max_requests > 0)
		rc = supervise(listen_fd, &cfg, processes, threads);
	else
		rc = workers_run(listen_fd, &cfg, (int)threads, 0) == 0 ? 0 : 1;
	/* Threads may still run after a timed-out drain: leave cfg alone. */
	if (rc == 0) {
		config_free(&cfg);
		upstream_global_cleanup();
	}
	return rc;
}
