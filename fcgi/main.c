/*
 * relay: a FastCGI responder that relays the OpenAI API.
 *
 * Started by a web server (mod_fcgid, lighttpd bin-path, spawn-fcgi,
 * systemd with StandardInput=socket) it finds its listening socket on
 * fd 0.  Started by hand, --listen opens one, for nginx or
 * mod_proxy_fcgi.  --processes forks that many copies of the thread pool
 * on the same socket and replaces any that die.
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

/*
 * Runs nprocs copies of the worker pool and replaces any that exit
 * unasked (one per second at most, so a crash loop cannot spin).
 * SIGTERM/SIGINT are passed on and waited for.
 */
static int
supervise(int listen_fd, const struct config *cfg, long nprocs, long nthreads)
{
	pid_t		*pids = calloc((size_t)nprocs, sizeof(*pids));
	sigset_t	 set;
	int		 sig, status, live = 0, stopping = 0;
	long		 i;
	pid_t		 pid;
	bool		 respawn = false;

	if (pids == NULL)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	for (;;) {
		for (i = 0; i < nprocs && !stopping; i++) {
			if (pids[i] != 0)
				continue;
			if (respawn)
				sleep(1);
			pid = fork();
			if (pid == 0) {
				/* Do not outlive a supervisor that was killed. */
				prctl(PR_SET_PDEATHSIG, SIGTERM);
				sigprocmask(SIG_UNBLOCK, &set, NULL);
				_exit(workers_run(listen_fd, cfg,
				    (int)nthreads) == 0 ? 0 : 1);
			}
			if (pid > 0) {
				pids[i] = pid;
				live++;
			}
		}
		respawn = true;
		if (live == 0)
			break;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			stopping = 1;
			for (i = 0; i < nprocs; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < nprocs; i++)
				if (pids[i] == pid) {
					pids[i] = 0;
					live--;
				}
			if (!stopping)
				fprintf(stderr, "relay: worker process %d "
				    "exited; starting another\n", (int)pid);
		}
	}
	free(pids);
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

	if (processes > 1)
		rc = supervise(listen_fd, &cfg, processes, threads);
	else
		rc = workers_run(listen_fd, &cfg, (int)threads) == 0 ? 0 : 1;
	/* Threads may still run after a timed-out drain: leave cfg alone. */
	if (rc == 0) {
		config_free(&cfg);
		upstream_global_cleanup();
	}
	return rc;
}
