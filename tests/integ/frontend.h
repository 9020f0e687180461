/*
 * Real front servers for integration tests, each configured from the
 * shipped deploy/ files with only ports and paths substituted, plus the
 * fake OpenAI upstream:
 *   lighttpd           lighttpd spawns the relay (mod_fastcgi bin-path)
 *   apache-fcgid       Apache + mod_fcgid spawns it (a virtual host)
 *   nginx              nginx + the relay started standalone (--listen)
 *   apache-proxy-fcgi  Apache + mod_proxy_fcgi + the relay standalone
 *   apache-htaccess    Apache set up like a shared host: only the shipped
 *                      .htaccess and relay.fcgi in the document root,
 *                      mod_fcgid spawns the relay with a clean environment
 *   systemd-nginx      the shipped systemd units run by
 *                      systemd-socket-activate (socket on fd 0), nginx
 * Everything binds 127.0.0.1 and lives in a private temporary directory,
 * so several instances (and a system server) can run at once.  Every
 * process is started as a child of the caller, with a clean environment,
 * and stopped by PID.
 */
#ifndef TESTS_INTEG_FRONTEND_H
#define TESTS_INTEG_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum frontend_kind {
	FRONTEND_LIGHTTPD,
	FRONTEND_APACHE_FCGID,
	FRONTEND_NGINX,
	FRONTEND_APACHE_PROXY_FCGI,
	FRONTEND_APACHE_HTACCESS,
	FRONTEND_SYSTEMD,
	FRONTEND__MAX
};

/* A secret or auxiliary file written beside the relay copy, mode 0600. */
struct frontend_file {
	const char	*name;		/* plain file name, no '/' */
	const char	*content;	/* NUL-terminated, written as is */
};

struct frontend {
	enum frontend_kind	 kind;
	pid_t			 pid;		/* the server's parent process; 0 when stopped */
	pid_t			 relay_pid;	/* a relay we started ourselves (--listen,
						   socket activation); 0 if none or stopped */
	int			 port;		/* 127.0.0.1:port */
	int			 fcgi_port;	/* the relay's own FastCGI port, 0 if the
						   server spawns the relay itself */
	char			 base_url[64];	/* "http://127.0.0.1:PORT", no trailing slash */
	char			 dir[256];	/* private temp dir; the relay copy is dir/relay */
	char			 error_log[320];/* server error log: holds the relay's log lines */
	char			 server_out[320];/* the server's own stdout/stderr, and
						   that of a relay we started */
	uid_t			 run_uid;	/* user the relay runs as (owner of the 0600 files) */
	gid_t			 run_gid;
};

/* "lighttpd", "apache-fcgid", ... (see above); "?" for an unknown kind. */
const char *frontend_name(enum frontend_kind kind);

/*
 * Creates a temp dir, copies relay_bin into it as "relay" (so relay.conf
 * beside it is found), writes relay_conf_text as relay.conf and the
 * nfiles files (mode 0600, owned by the user the relay runs as: www-data
 * when we are root, else ourselves), writes the server config from the
 * shipped deploy/ files (found in $RELAY_DEPLOY_DIR, else deploy/ beside
 * relay_bin, else ./deploy) with only the ports and "/srv/relay"
 * substituted, starts the relay where the kind runs it standalone (the
 * command written in the shipped file, or the systemd units) and the
 * server, in the foreground as children, and waits up to 15 s until GET
 * /health answers 200.  Retries with new ports if a process dies while
 * starting (port taken).  Returns 0; or -1 after printing the tail of
 * the logs to stderr and cleaning up (fe is then as after frontend_stop).
 */
int frontend_start(struct frontend *fe, enum frontend_kind kind,
    const char *relay_bin, const char *relay_conf_text,
    const struct frontend_file *files, size_t nfiles);

/*
 * Stops the server and any relay we started, by PID (SIGTERM, up to 5 s,
 * then SIGKILL), reaps them, then ends any process still running from
 * fe->dir (the relay copies a server spawned, Apache workers), and
 * removes the temp dir.  Safe to call twice, and on a zeroed struct.
 */
void frontend_stop(struct frontend *fe);

/*
 * Stops every process as frontend_stop does but keeps the temp dir, so
 * what the relay wrote as it exited (a LeakSanitizer report, valgrind's
 * summary) can be read before frontend_stop removes it.
 */
void frontend_halt(struct frontend *fe);

/* How the relay runs under valgrind: definite leaks count as errors. */
#define FRONTEND_VALGRIND	"/usr/bin/valgrind"
#define FRONTEND_VALGRIND_OPTIONS \
	"--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"

/*
 * Whether the relay runs under valgrind: INTEG_VALGRIND set (not "0").
 * The relay copy is then a script that execs valgrind on the binary
 * (see frontend.c), and CK_TIMEOUT_MULTIPLIER should be raised.
 */
bool frontend_valgrind(void);

/*
 * After the processes have exited (frontend_halt): how many of the
 * valgrind-*.log files in logdir (fe->dir/log for a front server) report
 * an error or lack their closing summary, each printed to stderr under
 * what; 1 if there is none at all (the relay did not run under valgrind).
 */
int frontend_valgrind_log_errors(const char *logdir, const char *what);

/*
 * The server's error log (where the relay's per-request log lines land)
 * as a NUL-terminated string the caller frees; NULL if it cannot be read.
 */
char *frontend_read_error_log(const struct frontend *fe);

/* Any file (a log), the same way; NULL if it cannot be read. */
char *frontend_read_file(const char *path);

/*
 * The environment of a running relay process whose binary is
 * fe->dir/relay, as "NAME=value" lines, NUL-terminated, for the caller
 * to free; NULL if none runs (or it cannot be read).
 */
char *frontend_relay_environ(const struct frontend *fe);

/* The processes whose executable is exe (their /proc exe link), at most
 * max, in /proc order.  Returns how many were found. */
size_t	frontend_pids_running(const char *exe, pid_t *pids, size_t max);

/* A free loopback port: bind port 0, read it back, close.  -1 on error. */
int	frontend_free_port(void);

/* Whether something accepts connections on 127.0.0.1:port. */
bool	frontend_port_open(int port);

/*
 * The PIDs of the relay processes now running from fe->dir/relay (the
 * server's children as well as one we started), at most max of them, in
 * /proc order.  Returns how many were found.
 */
size_t frontend_relay_pids(const struct frontend *fe, pid_t *pids,
    size_t max);

/* The fake OpenAI upstream (tests/fake_upstream/fake-upstream). */
struct fake_upstream {
	pid_t	pid;		/* 0 when stopped */
	int	port;		/* as written to its --port-file */
	char	base_url[64];	/* "http://127.0.0.1:PORT" */
	char	dir[256];	/* temp dir: port file and upstream.log */
};

/*
 * Starts bin on a free loopback port and waits up to 10 s for its port
 * file.  Returns 0; or -1 after printing its output to stderr (fu is
 * then as after fake_upstream_stop).
 */
int fake_upstream_start(struct fake_upstream *fu, const char *bin);

/* SIGTERM, up to 5 s, then SIGKILL; reaps it, removes fu->dir. Idempotent. */
void fake_upstream_stop(struct fake_upstream *fu);

/* A redis-server of our own, for the relay's state store. */
struct redis_server {
	pid_t	pid;		/* 0 when stopped */
	int	port;
	char	spec[64];	/* RELAY_STATE: "redis://127.0.0.1:PORT" */
};

/*
 * Starts redis-server on a free loopback port, saving nothing, and waits
 * up to 10 s until it accepts connections.  Returns 0, or -1 (rs is then
 * as after redis_server_stop).
 */
int redis_server_start(struct redis_server *rs);

/* Stops it by PID as fake_upstream_stop does.  Idempotent. */
void redis_server_stop(struct redis_server *rs);

#endif
