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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcgiapp.h>

#include <json.h>

#include "fcgi/keyring.h"
#include "fcgi/keyscli.h"
#include "fcgi/settings.h"
#include "fcgi/usagecli.h"
#include "fcgi/worker.h"
#include "fcgi/wsbridge.h"
#include "handlers/upstream.h"
#include "openapi/coverage.h"
#include "policy/config.h"
#include "policy/mcp.h"
#include "policy/secret.h"
#include "policy/version.h"

#define EXIT_CONFIG	78	/* sysexits' EX_CONFIG */
#define LISTEN_BACKLOG	1024
/* A unix socket's mode without --socket-mode: the owner and its group. */
#define SOCKET_MODE	0660

static void
usage(FILE *fp)
{
	fputs("usage: relay [--config FILE] [--listen ADDR [--socket-mode MODE]] "
	    "[--threads N]\n"
	    "             [--processes N]\n"
	    "       relay --websocket --listen 127.0.0.1:PORT [--config FILE]\n"
	    "       relay --check-config [--config FILE]\n"
	    "       relay --help-config\n"
	    "       relay coverage [--openai-spec FILE]\n"
	    "       relay keys [--config FILE] add|list|revoke ...\n"
	    "       relay usage [--config FILE] [--day D] [--since D] "
	    "[--key NAME] [--json]\n"
	    "       relay --version\n"
	    "\n"
	    "With no --listen, fd 0 must be a listening FastCGI socket (as\n"
	    "mod_fcgid, lighttpd bin-path, spawn-fcgi and systemd provide).\n"
	    "ADDR is HOST:PORT (127.0.0.1:PORT; 0.0.0.0:PORT for every\n"
	    "interface, on purpose only) or unix:/path/to/socket, made with\n"
	    "MODE (octal, default 0660).\n", fp);
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

/* An octal file mode, at most 0777; -1 with a message otherwise. */
static int
parse_mode(const char *s, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 0777) {
		fputs("relay: --socket-mode must be an octal mode such as "
		    "0660\n", stderr);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Opens the --listen socket.  A TCP address must name its host: libfcgi
 * takes ":PORT" and "*:PORT" for every interface, which no one should
 * get by leaving the host out; 0.0.0.0 asks for it and is warned about.
 * A unix socket is made owner-only and then given socket_mode (-1 for
 * SOCKET_MODE), so it is never more open than asked, whatever the umask.
 */
static int
open_listen_socket(const char *addr, long socket_mode)
{
	const char	*colon = strchr(addr, ':');	/* as libfcgi reads it */
	mode_t		 umask_was;
	char		*end;
	long		 port;
	int		 fd;

	if (strncmp(addr, "unix:", 5) == 0) {
		addr += 5;
		umask_was = umask(0177);
		fd = FCGX_OpenSocket(addr, LISTEN_BACKLOG);
		umask(umask_was);
		if (fd >= 0 && chmod(addr, (mode_t)(socket_mode >= 0 ?
		    socket_mode : SOCKET_MODE)) == -1) {
			fprintf(stderr, "relay: chmod %s: %s\n", addr,
			    strerror(errno));
			close(fd);
			return -1;
		}
	} else {
		if (colon == NULL) {
			fputs("relay: --listen takes HOST:PORT or "
			    "unix:/path\n", stderr);
			return -1;
		}
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno != 0 || end == colon + 1 || *end != '\0' ||
		    port < 1 || port > 65535) {
			fputs("relay: --listen needs a port from 1 to 65535\n",
			    stderr);
			return -1;
		}
		if (colon == addr || (colon - addr == 1 && addr[0] == '*')) {
			fprintf(stderr, "relay: --listen %s would listen on "
			    "every interface: give 127.0.0.1%s, or 0.0.0.0%s "
			    "if that is what you mean\n", addr, colon, colon);
			return -1;
		}
		if (strncmp(addr, "0.0.0.0:", 8) == 0)
			fprintf(stderr, "relay: WARNING: listening on every "
			    "interface (%s): anyone who can reach this host "
			    "can speak FastCGI to the relay and set its "
			    "request parameters; bind 127.0.0.1 behind a "
			    "front server\n", addr);
		fd = FCGX_OpenSocket(addr, LISTEN_BACKLOG);
	}
	if (fd < 0)
		fprintf(stderr, "relay: cannot listen on %s\n", addr);
	return fd;
}

/*
 * RELAY_MCP=open spends the operator's key for anyone who reaches /mcp:
 * said at every start, where the operator reads the relay's messages.
 */
static void
mcp_open_warn(const struct config *cfg)
{
	if (cfg->mcp != MCP_OPEN)
		return;
	fprintf(stderr, "relay: WARNING: RELAY_MCP=open: /mcp takes no key, "
	    "so anyone who can reach it spends the OpenAI key of this relay; "
	    "%s\n", cfg->mcp_open_public ? "RELAY_MCP_OPEN_PUBLIC=true serves "
	    "it on every front address" : "it answers only requests to a "
	    "loopback front address");
}

/*
 * The host the relay will listen on: the host of --listen HOST:PORT
 * (brackets dropped), else the address of the socket on fd 0; "" for a
 * unix socket, which only this host reaches.
 */
static void
listener_host(const char *listen_addr, char *host, size_t hostsz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	const char		*colon;

	host[0] = '\0';
	if (listen_addr != NULL) {
		colon = strrchr(listen_addr, ':');
		if (strncmp(listen_addr, "unix:", 5) != 0 && colon != NULL)
			snprintf(host, hostsz, "%.*s", (int)(colon - listen_addr),
			    listen_addr);
		if (host[0] == '[' && strlen(host) >= 2) {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		return;
	}
	if (getsockname(0, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    host, (socklen_t)hostsz);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    host, (socklen_t)hostsz);
}

/*
 * RELAY_MCP=open is for loopback and private setups: a TCP listener
 * that is not loopback needs RELAY_MCP_OPEN_PUBLIC to confirm it.
 * Decided before --listen binds anything.
 */
static bool
mcp_open_listener_ok(const struct config *cfg, const char *listen_addr)
{
	char	host[INET6_ADDRSTRLEN + 2];

	if (cfg->mcp != MCP_OPEN || cfg->mcp_open_public)
		return true;
	listener_host(listen_addr, host, sizeof(host));
	if (host[0] == '\0' || mcp_addr_loopback(host) ||
	    strcmp(host, "localhost") == 0)
		return true;
	fprintf(stderr, "relay: RELAY_MCP=open (no key) on %s, which is not "
	    "loopback: anyone who reaches it would spend the OpenAI key; use "
	    "RELAY_MCP=oauth, or set RELAY_MCP_OPEN_PUBLIC=true to confirm\n",
	    host);
	return false;
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
supervise(int listen_fd, const struct config *cfg, struct keyring *keys,
    long nprocs, long nthreads)
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
				_exit(workers_run(listen_fd, cfg, keys,
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

static int
config_ok(const char *file_used)
{
	printf("relay: configuration OK (%s)\n",
	    file_used[0] ? file_used : "environment and defaults only");
	return EXIT_SUCCESS;
}

/* The Realtime bridge: a WebSocket server, not FastCGI. */
static int
run_websocket(const char *listen_addr, const struct config *cfg,
    struct keyring *keys)
{
	if (listen_addr == NULL) {
		fputs("relay: --websocket needs --listen HOST:PORT\n", stderr);
		return EXIT_FAILURE;
	}
	return wsbridge_run(listen_addr, cfg, keys);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "processes", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help-config", no_argument, NULL, 'H' },
		{ "websocket", no_argument, NULL, 'W' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	 cfg;
	struct keyring	*keys;
	const char	*config_path = NULL, *listen_addr = NULL;
	char		 err[512], file_used[4096], *table;
	long		 threads = 0, processes = 1, socket_mode = -1;
	int		 ch, check_only = 0, websocket = 0, listen_fd = 0, rc;
	sigset_t	 stop;

	if (argc > 1 && strcmp(argv[1], "coverage") == 0)
		return run_coverage(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "keys") == 0)
		return keyscli_run(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "usage") == 0)
		return usagecli_run(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "c:l:m:t:p:CHWVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'm':
			if (parse_mode(optarg, &socket_mode) == -1)
				return EXIT_FAILURE;
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
		case 'H':
			/* The README's settings table is this output. */
			table = config_table();
			fputs(table, stdout);
			free(table);
			return EXIT_SUCCESS;
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
	if (socket_mode >= 0 && (listen_addr == NULL ||
	    strncmp(listen_addr, "unix:", 5) != 0)) {
		fputs("relay: --socket-mode is for --listen unix:/path\n",
		    stderr);
		return EXIT_FAILURE;
	}

	if (settings_load(config_path, &cfg, file_used, sizeof(file_used),
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "relay: configuration error: %s\n", err);
		return EXIT_CONFIG;
	}
	mcp_open_warn(&cfg);
	/* A keys file with a bad line stops the relay, as a bad setting does. */
	if ((keys = keyring_open(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "relay: configuration error: %s\n", err);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	/* The bridge's listener serves no /mcp. */
	if (!websocket && !mcp_open_listener_ok(&cfg, listen_addr)) {
		keyring_close(keys);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (check_only || websocket) {
		rc = check_only ? config_ok(file_used) :
		    run_websocket(listen_addr, &cfg, keys);
		keyring_close(keys);
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
	if (upstream_global_init() == -1 || !secret_init() ||
	    FCGX_Init() != 0) {
		fputs("relay: library initialisation failed\n", stderr);
		return EXIT_FAILURE;
	}
	if (listen_addr != NULL) {
		listen_fd = open_listen_socket(listen_addr, socket_mode);
		if (listen_fd < 0) {
			keyring_close(keys);
			config_free(&cfg);
			return EXIT_FAILURE;
		}
	} else if (FCGX_IsCGI()) {
		fputs("relay: fd 0 is not a listening FastCGI socket; run me "
		    "under a web server or with --listen\n", stderr);
		usage(stderr);
		keyring_close(keys);
		config_free(&cfg);
		return EXIT_FAILURE;
	}
	/* A vanished client must be a failed write, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);

	/*
	 * Recycling needs a process that keeps the socket while workers
	 * come and go: the supervisor, even for a single worker.
	 */
	if (processes > 1 || cfg.max_requests > 0)
		rc = supervise(listen_fd, &cfg, keys, processes, threads);
	else
		rc = workers_run(listen_fd, &cfg, keys, (int)threads, 0) == 0 ?
		    0 : 1;
	/* Threads may still run after a timed-out drain: leave cfg alone. */
	if (rc == 0) {
		keyring_close(keys);
		config_free(&cfg);
		upstream_global_cleanup();
	}
	return rc;
}
