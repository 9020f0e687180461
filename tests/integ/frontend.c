/*
 * Starting and stopping real front servers and the fake upstream for
 * integration tests.  See frontend.h for the contract.
 *
 * The server configs are the shipped deploy/ files with three literals
 * replaced in one pass: "8080" (the HTTP port), "9000" (the relay's own
 * FastCGI port, where it runs standalone) and "/srv/relay" (the install
 * directory, here the temp dir).  Any other difference between what the
 * tests run and what we ship would let the shipped file rot unnoticed.
 * What the tests add around a shipped snippet (a minimal httpd.conf or
 * nginx.conf, a shared host's server config) is written here, in the
 * open, and holds no setting the snippet is there to prove.
 */
#include "tests/integ/frontend.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FE_PORT_LITERAL		"8080"
#define FE_FCGI_PORT_LITERAL	"9000"
#define FE_DIR_LITERAL		"/srv/relay"
/* Scaled by fe_slowdown(): the sanitizers and valgrind slow the relay. */
#define FE_START_TIMEOUT_MS	(15000 * fe_slowdown())
#define FE_STOP_TIMEOUT_MS	(5000 * fe_slowdown())
#define FE_STRAY_GRACE_MS	(1000 * fe_slowdown())	/* the server is gone: strays get little time */
#define FE_STRAY_TIMEOUT_MS	(3000 * fe_slowdown())
#define FE_UPSTREAM_TIMEOUT_MS	10000
#define FE_START_ATTEMPTS	3
#define FE_LOG_TAIL_BYTES	4096
#define FE_MAX_ARGS		16
/* Apache's and nginx's user when we are root; lighttpd's comes from deploy/lighttpd.conf. */
#define FE_SERVER_USER		"www-data"
/*
 * The whole environment of every process started here, as a service
 * manager would give it: nothing of the test runner's (an OPENAI_API_KEY
 * or https_proxy there must not change what the relay does).
 */
#define FE_CLEAN_PATH		"PATH=/usr/local/bin:/usr/bin:/bin"

/*
 * With INTEG_VALGRIND set, the relay copy is this script (the binary
 * beside it as relay.bin), so every way a test starts the relay, spawned
 * by a server or from the shipped command line, runs it under valgrind,
 * one log per process in log/.  Definite leaks count as errors.
 */
#define FE_VALGRIND_BIN		"relay.bin"
#define FE_VALGRIND_SCRIPT \
	"#!/bin/sh\n" \
	"# Written by tests/integ/frontend.c (INTEG_VALGRIND).\n" \
	"exec " FRONTEND_VALGRIND " " FRONTEND_VALGRIND_OPTIONS " " \
	"--log-file=%s/log/valgrind-%%p.log %s/" FE_VALGRIND_BIN " \"$@\"\n"

/* How the relay comes to run under each kind. */
enum fe_relay {
	FE_RELAY_SPAWNED,	/* the server spawns it (fd 0 socket) */
	FE_RELAY_LISTEN,	/* we run the command the shipped file shows */
	FE_RELAY_UNITS,		/* we run the shipped systemd units */
};

static const struct fe_kind {
	const char	*name;
	const char	*server;	/* executable name */
	const char	*deploy;	/* the shipped server config, or NULL */
	enum fe_relay	 relay;
} fe_kinds[FRONTEND__MAX] = {
	[FRONTEND_LIGHTTPD] = { "lighttpd", "lighttpd", "lighttpd.conf",
	    FE_RELAY_SPAWNED },
	[FRONTEND_APACHE_FCGID] = { "apache-fcgid", "apache2",
	    "apache-fcgid.conf", FE_RELAY_SPAWNED },
	[FRONTEND_NGINX] = { "nginx", "nginx", "nginx.conf", FE_RELAY_LISTEN },
	[FRONTEND_APACHE_PROXY_FCGI] = { "apache-proxy-fcgi", "apache2",
	    "apache-proxy-fcgi.conf", FE_RELAY_LISTEN },
	/* The host's config is ours; the tenant's files are shipped. */
	[FRONTEND_APACHE_HTACCESS] = { "apache-htaccess", "apache2", NULL,
	    FE_RELAY_SPAWNED },
	[FRONTEND_SYSTEMD] = { "systemd-nginx", "nginx", "nginx.conf",
	    FE_RELAY_UNITS },
};

/* The Apache modules each Apache kind loads (mod_mpm_event first). */
static const char *const fe_apache_modules[FRONTEND__MAX][10] = {
	[FRONTEND_APACHE_FCGID] = { "mpm_event", "authz_core", "alias", "env",
	    "fcgid" },
	[FRONTEND_APACHE_PROXY_FCGI] = { "mpm_event", "authz_core", "env",
	    "proxy", "proxy_fcgi" },
	/* What a shared host typically loads; mime for AddHandler. */
	[FRONTEND_APACHE_HTACCESS] = { "mpm_event", "authz_core", "env",
	    "mime", "dir", "rewrite", "setenvif", "fcgid" },
};

/* The shipped shared-hosting files and where the tenant puts them. */
#define FE_HTACCESS_DEPLOY	"htaccess"
#define FE_WRAPPER_DEPLOY	"relay.fcgi"
#define FE_UNIT_SOCKET		"systemd/relay.socket"
#define FE_UNIT_SERVICE		"systemd/relay.service"

/* Where Debian and Red Hat style systems keep Apache's modules. */
static const char *const apache_module_dirs[] = {
	"/usr/lib/apache2/modules",
	"/usr/lib64/httpd/modules",
	"/usr/lib/httpd/modules",
};

bool
frontend_valgrind(void)
{
	const char	*v = getenv("INTEG_VALGRIND");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* CK_TIMEOUT_MULTIPLIER, which also scales Check's test timeouts. */
static long
fe_slowdown(void)
{
	const char	*v = getenv("CK_TIMEOUT_MULTIPLIER");
	long		 n = v != NULL ? strtol(v, NULL, 10) : 1;

	return n >= 1 && n <= 100 ? n : 1;
}

const char *
frontend_name(enum frontend_kind kind)
{
	if ((unsigned)kind >= FRONTEND__MAX)
		return "?";
	return fe_kinds[kind].name;
}

static long long
fe_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fe_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A free loopback port: bind port 0, read it back, close.  -1 on error. */
int
frontend_free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	int			fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Whether something accepts connections on 127.0.0.1:port. */
bool
frontend_port_open(int port)
{
	struct sockaddr_in	sa;
	int			fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Whole file as a NUL-terminated string (caller frees); NULL on error. */
static char *
fe_slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/*
 * Writes len bytes to path (created or truncated) with mode, then gives
 * it to uid:gid when we are root.  The mode is set with fchmod so the
 * umask cannot widen or narrow it.  -1 with a message on error.
 */
static int
fe_write_file(const char *path, const void *data, size_t len, mode_t mode,
    uid_t uid, gid_t gid)
{
	const char	*p = data;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		fprintf(stderr, "frontend: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "frontend: write %s: %s\n", path,
			    strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) == -1 ||
	    (geteuid() == 0 && fchown(fd, uid, gid) == -1)) {
		fprintf(stderr, "frontend: chmod/chown %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int
fe_copy_file(const char *src, const char *dst, mode_t mode)
{
	char	*data;
	size_t	 len;
	int	 rc;

	if ((data = fe_slurp(src, &len)) == NULL) {
		fprintf(stderr, "frontend: cannot read %s: %s\n", src,
		    strerror(errno));
		return -1;
	}
	rc = fe_write_file(dst, data, len, mode, geteuid(), getegid());
	free(data);
	return rc;
}

/* mkdir path with mode, owned by uid:gid when we are root. */
static int
fe_mkdir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	if (mkdir(path, mode) == -1 || chmod(path, mode) == -1 ||
	    (geteuid() == 0 && chown(path, uid, gid) == -1)) {
		fprintf(stderr, "frontend: mkdir %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The text with every FE_PORT_LITERAL replaced by port, FE_FCGI_PORT_LITERAL
 * by fcgi_port and FE_DIR_LITERAL by dir, in one pass so a replacement is
 * never scanned again (a temp dir name may itself contain "8080").  Caller
 * frees.
 */
static char *
fe_substitute(const char *text, const char *dir, int port, int fcgi_port)
{
	const char	*lit[3] = { FE_PORT_LITERAL, FE_FCGI_PORT_LITERAL,
	    FE_DIR_LITERAL };
	char		 num[2][16];
	const char	*rep[3] = { num[0], num[1], dir };
	const char	*p;
	char		*out, *o;
	size_t		 sz = strlen(text) + 1, i;

	snprintf(num[0], sizeof(num[0]), "%d", port);
	snprintf(num[1], sizeof(num[1]), "%d", fcgi_port);
	/* Replacements may be longer than the literals: size for the worst. */
	for (p = text; *p != '\0'; p++)
		for (i = 0; i < 3; i++)
			if (strncmp(p, lit[i], strlen(lit[i])) == 0)
				sz += strlen(rep[i]);
	if ((out = malloc(sz)) == NULL)
		abort();
	for (p = text, o = out; *p != '\0';) {
		for (i = 0; i < 3; i++)
			if (strncmp(p, lit[i], strlen(lit[i])) == 0)
				break;
		if (i < 3) {
			o = stpcpy(o, rep[i]);
			p += strlen(lit[i]);
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static bool
fe_is_file(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* deploy/<name>: $RELAY_DEPLOY_DIR, else beside relay_bin, else ./deploy. */
static int
fe_deploy_path(const char *relay_bin, const char *name, char *out,
    size_t outsz)
{
	const char	*env = getenv("RELAY_DEPLOY_DIR");
	const char	*slash = strrchr(relay_bin, '/');
	int		 binlen = slash ? (int)(slash - relay_bin) : 1;

	if (env != NULL && *env != '\0') {
		snprintf(out, outsz, "%s/%s", env, name);
		return fe_is_file(out) ? 0 : -1;
	}
	snprintf(out, outsz, "%.*s/deploy/%s", binlen, slash ? relay_bin : ".",
	    name);
	if (fe_is_file(out))
		return 0;
	snprintf(out, outsz, "deploy/%s", name);
	return fe_is_file(out) ? 0 : -1;
}

/* First executable named name on PATH or in the sbin dirs (non-root PATHs lack them). */
static int
fe_find_exec(const char *name, char *out, size_t outsz)
{
	const char	*path = getenv("PATH");
	char		 dirs[4096];
	char		*save = NULL, *d;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/local/sbin",
	    path ? path : "/usr/bin:/bin");
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		snprintf(out, outsz, "%s/%s", d, name);
		if (access(out, X_OK) == 0 && fe_is_file(out))
			return 0;
	}
	return -1;
}

/*
 * Forks and execs argv[0] with stdin from /dev/null, stdout/stderr
 * appended to out_path and only FE_CLEAN_PATH in its environment.  With
 * drop (and when we are root) it runs as uid:gid instead of root, as a
 * service manager's User= would.  The child gets default signal
 * dispositions and an empty mask (a test runner may block or ignore
 * SIGTERM, and exec keeps both), and no inherited descriptors beyond
 * 0-2.  It also gets SIGTERM if we die first (a Check test killed on
 * timeout), so servers do not outlive their test; lighttpd loses this
 * when it drops root.
 */
static pid_t
fe_spawn(char *const argv[], const char *out_path, bool drop, uid_t uid,
    gid_t gid)
{
	static char *const	 envp[] = { FE_CLEAN_PATH, "LANG=C", NULL };
	sigset_t		 all;
	pid_t			 pid, parent = getpid();
	int			 fd, sig;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "frontend: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, 0);
		if (fd != 0)
			close(fd);
	}
	if ((fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	close_range(3, ~0U, 0);
	if (drop && geteuid() == 0 && (setgroups(0, NULL) == -1 ||
	    setgid(gid) == -1 || setuid(uid) == -1)) {
		dprintf(2, "frontend: cannot drop to %d:%d: %s\n", (int)uid,
		    (int)gid, strerror(errno));
		_exit(127);
	}
	/* After setuid, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);	/* the parent died before prctl */
	execve(argv[0], argv, envp);
	dprintf(2, "frontend: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Reaps pid if it has exited; true if it is gone (or was never ours). */
static bool
fe_reaped(pid_t pid)
{
	pid_t	r;

	do
		r = waitpid(pid, NULL, WNOHANG);
	while (r == -1 && errno == EINTR);
	return r == pid || (r == -1 && errno == ECHILD);
}

/* SIGTERM, up to timeout_ms, then SIGKILL; always reaps. */
static void
fe_terminate(pid_t pid, long timeout_ms)
{
	long long	deadline = fe_now_ms() + timeout_ms;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (fe_now_ms() < deadline) {
		if (fe_reaped(pid))
			return;
		fe_sleep_ms(50);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/*
 * Sends sig to every process (other than us) whose executable or command
 * line mentions dir/: the relay copies and Apache's workers.  The temp
 * dir name is unique, so this never touches anyone else's processes.
 * Returns how many were found.
 */
static int
fe_signal_strays(const char *dir, int sig)
{
	DIR		*proc;
	struct dirent	*de;
	char		 prefix[300], path[64], buf[4096], *end;
	ssize_t		 n, i;
	pid_t		 pid;
	int		 fd, found = 0;

	snprintf(prefix, sizeof(prefix), "%s/", dir);
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(proc)) != NULL) {
		pid = (pid_t)strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, prefix) == NULL) {
			snprintf(path, sizeof(path), "/proc/%d/cmdline",
			    (int)pid);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				continue;	/* kernel thread or zombie */
			for (i = 0; i < n; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			buf[n] = '\0';
			if (strstr(buf, prefix) == NULL)
				continue;
		}
		found++;
		kill(pid, sig);
	}
	closedir(proc);
	return found;
}

/* Ends whatever still runs from dir: SIGTERM, a grace period, SIGKILL. */
static void
fe_end_strays(const char *dir)
{
	long long	deadline = fe_now_ms() + FE_STRAY_GRACE_MS;

	if (fe_signal_strays(dir, SIGTERM) == 0)
		return;
	while (fe_now_ms() < deadline) {
		fe_sleep_ms(100);
		if (fe_signal_strays(dir, 0) == 0)
			return;
	}
	fe_signal_strays(dir, SIGKILL);
	deadline = fe_now_ms() + FE_STRAY_TIMEOUT_MS;
	while (fe_signal_strays(dir, 0) > 0 && fe_now_ms() < deadline)
		fe_sleep_ms(50);
}

static int
fe_rm_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
fe_rmtree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, fe_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The last FE_LOG_TAIL_BYTES of path to stderr, under a heading. */
static void
fe_print_tail(const char *what, const char *path)
{
	char	*text;
	size_t	 len, from;

	if ((text = fe_slurp(path, &len)) == NULL) {
		fprintf(stderr, "--- %s (%s): unreadable\n", what, path);
		return;
	}
	from = len > FE_LOG_TAIL_BYTES ? len - FE_LOG_TAIL_BYTES : 0;
	fprintf(stderr, "--- %s (%s), last %zu bytes:\n%s%s--- end\n", what,
	    path, len - from, text + from,
	    len > 0 && text[len - 1] != '\n' ? "\n" : "");
	free(text);
}

/*
 * GET path over HTTP/1.0 on 127.0.0.1:port; the status code, or -1 if
 * nothing answered within about 2 s.
 */
static int
fe_http_status(int port, const char *path)
{
	struct sockaddr_in	sa;
	struct timeval		tv = { 2, 0 };
	char			req[256], resp[64];
	size_t			got = 0;
	ssize_t			n;
	int			fd, status = -1, minor;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto out;
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n", path, port);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto out;
	while (got < sizeof(resp) - 1 &&
	    (n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%d %d", &minor, &status) != 2)
		status = -1;
out:
	close(fd);
	return status;
}

/* A growing string for the configs written here; aborts on OOM. */
struct fe_text {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static void fe_text_add(struct fe_text *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
fe_text_add(struct fe_text *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		if ((t->s = realloc(t->s, t->cap)) == NULL)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Writes t to dir/name (mode 0644, ours) and frees it. */
static int
fe_text_write(struct fe_text *t, const char *dir, const char *name)
{
	char	path[PATH_MAX];
	int	rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = fe_write_file(path, t->s, t->len, 0644, geteuid(), getegid());
	free(t->s);
	memset(t, 0, sizeof(*t));
	return rc;
}

/*
 * The shipped deploy/<name> with the literals substituted, as a string
 * the caller frees; NULL with a message if it cannot be read.
 */
static char *
fe_shipped(const struct frontend *fe, const char *relay_bin,
    const char *name)
{
	char	 path[PATH_MAX];
	char	*text, *subst;

	if (fe_deploy_path(relay_bin, name, path, sizeof(path)) == -1) {
		fprintf(stderr, "frontend: deploy/%s not found (set "
		    "RELAY_DEPLOY_DIR)\n", name);
		return NULL;
	}
	if ((text = fe_slurp(path, NULL)) == NULL) {
		fprintf(stderr, "frontend: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	subst = fe_substitute(text, fe->dir, fe->port, fe->fcgi_port);
	free(text);
	return subst;
}

/* The shipped deploy/<name>, substituted, written as dst with mode. */
static int
fe_install_shipped(const struct frontend *fe, const char *relay_bin,
    const char *name, const char *dst, mode_t mode, uid_t uid, gid_t gid)
{
	char	*text;
	int	 rc;

	if ((text = fe_shipped(fe, relay_bin, name)) == NULL)
		return -1;
	rc = fe_write_file(dst, text, strlen(text), mode, uid, gid);
	free(text);
	return rc;
}

/*
 * The smallest Apache server config that runs body: the kind's modules,
 * the port, and where pid, logs and mod_fcgid's sockets go.
 */
static int
fe_write_httpd_conf(const struct frontend *fe, const char *body)
{
	const char *const	*mods = fe_apache_modules[fe->kind];
	struct fe_text		 t = { NULL, 0, 0 };
	char			 probe[PATH_MAX + 32];
	const char		*moddir = NULL;
	bool			 fcgid = false;
	size_t			 i, m;

	for (i = 0; i < sizeof(apache_module_dirs) /
	    sizeof(apache_module_dirs[0]) && moddir == NULL; i++) {
		snprintf(probe, sizeof(probe), "%s/mod_mpm_event.so",
		    apache_module_dirs[i]);
		if (fe_is_file(probe))
			moddir = apache_module_dirs[i];
	}
	for (m = 0; mods[m] != NULL; m++) {
		snprintf(probe, sizeof(probe), "%s/mod_%s.so",
		    moddir ? moddir : apache_module_dirs[0], mods[m]);
		if (!fe_is_file(probe)) {
			fprintf(stderr, "frontend: %s not found (Debian: "
			    "apt-get install apache2%s)\n", probe,
			    strcmp(mods[m], "fcgid") == 0 ?
			    " libapache2-mod-fcgid" : "");
			return -1;
		}
		fcgid = fcgid || strcmp(mods[m], "fcgid") == 0;
	}
	fe_text_add(&t, "# Written by tests/integ/frontend.c around the "
	    "shipped files.\nServerRoot \"%s\"\n", fe->dir);
	for (m = 0; mods[m] != NULL; m++)
		fe_text_add(&t, "LoadModule %s_module %s/mod_%s.so\n", mods[m],
		    moddir, mods[m]);
	fe_text_add(&t, "ServerName 127.0.0.1\nListen 127.0.0.1:%d\n",
	    fe->port);
	if (geteuid() == 0)
		fe_text_add(&t, "User %s\nGroup %s\n", FE_SERVER_USER,
		    FE_SERVER_USER);
	fe_text_add(&t, "PidFile \"%s/run/httpd.pid\"\n"
	    "DefaultRuntimeDir \"%s/run\"\n"
	    "ErrorLog \"%s\"\n"
	    "LogLevel warn\n", fe->dir, fe->dir, fe->error_log);
	if (fcgid)
		fe_text_add(&t, "FcgidIPCDir \"%s/run/fcgid\"\n"
		    "FcgidProcessTableFile \"%s/run/fcgid_shm\"\n", fe->dir,
		    fe->dir);
	fe_text_add(&t, "%s", body);
	return fe_text_write(&t, fe->dir, "httpd.conf");
}

/*
 * The shared host's side of apache-htaccess: what deploy/htaccess says
 * the host must allow, and no more.  No FcgidInitialEnv, SetEnv or
 * PassEnv: under suexec none of them would reach the relay, so the relay
 * must find relay.conf beside its binary by itself.
 */
static int
fe_write_shared_host(const struct frontend *fe)
{
	struct fe_text	t = { NULL, 0, 0 };
	int		rc;

	fe_text_add(&t,
	    "# The host's part: the tenant's document root, the overrides\n"
	    "# deploy/htaccess asks for, the mod_fcgid limits it asks for.\n"
	    "DocumentRoot \"%s/www\"\n"
	    "<Directory />\n"
	    "    AllowOverride None\n"
	    "    Require all denied\n"
	    "</Directory>\n"
	    "<Directory \"%s/www\">\n"
	    "    AllowOverride AuthConfig FileInfo Options=ExecCGI\n"
	    "    Options SymLinksIfOwnerMatch\n"
	    "    Require all granted\n"
	    "</Directory>\n"
	    "<Files \".ht*\">\n"
	    "    Require all denied\n"
	    "</Files>\n"
	    "# mod_mime is here for AddHandler; no static file is served.\n"
	    "TypesConfig /dev/null\n"
	    "FcgidMaxRequestLen 37748736\n"
	    "FcgidOutputBufferSize 0\n", fe->dir, fe->dir);
	rc = fe_write_httpd_conf(fe, t.s);
	free(t.s);
	return rc;
}

/* nginx's main config around the shipped server block (dir/nginx.conf). */
static int
fe_write_nginx_main(const struct frontend *fe)
{
	struct fe_text	t = { NULL, 0, 0 };

	fe_text_add(&t, "# Written by tests/integ/frontend.c around the "
	    "shipped server block.\n");
	if (geteuid() == 0)
		fe_text_add(&t, "user %s;\n", FE_SERVER_USER);
	fe_text_add(&t, "worker_processes 1;\n"
	    "daemon off;\n"
	    "pid \"%s/run/nginx.pid\";\n"
	    "error_log \"%s\" warn;\n"
	    "events {\n    worker_connections 256;\n}\n"
	    "http {\n"
	    "    client_body_temp_path \"%s/tmp/client_body\";\n"
	    "    fastcgi_temp_path \"%s/tmp/fastcgi\";\n"
	    "    proxy_temp_path \"%s/tmp/proxy\";\n"
	    "    uwsgi_temp_path \"%s/tmp/uwsgi\";\n"
	    "    scgi_temp_path \"%s/tmp/scgi\";\n"
	    "    include \"%s/nginx.conf\";\n"
	    "}\n", fe->dir, fe->error_log, fe->dir, fe->dir, fe->dir,
	    fe->dir, fe->dir, fe->dir);
	return fe_text_write(&t, fe->dir, "nginx-main.conf");
}

/* Splits line (modified) on blanks into argv; -1 if more than max words. */
static int
fe_split(char *line, char *argv[], size_t max)
{
	char	*save = NULL, *w;
	size_t	 n = 0;

	for (w = strtok_r(line, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		argv[n++] = w;
	}
	argv[n] = NULL;
	return n > 0 ? 0 : -1;
}

/*
 * The command a shipped file tells people to start the relay with: the
 * first comment line whose text begins with the binary's path
 * ("#     /srv/relay/relay --listen 127.0.0.1:9000 ..."), split into argv
 * (pointers into buf).  -1 with a message if there is none.
 */
static int
fe_relay_command(const char *text, const char *dir, char *buf,
    size_t bufsz, char *argv[])
{
	char		 prefix[300];
	const char	*line, *p;
	size_t		 len;

	snprintf(prefix, sizeof(prefix), "%s/relay ", dir);
	for (line = text; *line != '\0'; line += len + (line[len] != '\0')) {
		len = strcspn(line, "\n");
		if (line[0] != '#')
			continue;
		p = line + 1 + strspn(line + 1, " \t");
		if (strncmp(p, prefix, strlen(prefix)) != 0 ||
		    (size_t)(line + len - p) >= bufsz)
			continue;
		memcpy(buf, p, (size_t)(line + len - p));
		buf[line + len - p] = '\0';
		return fe_split(buf, argv, FE_MAX_ARGS);
	}
	fprintf(stderr, "frontend: the shipped file shows no \"%s...\" "
	    "command\n", prefix);
	return -1;
}

/*
 * The value of the first "key=value" line of a systemd unit (comments
 * skipped, blanks around the value trimmed) into out; -1 if absent.
 */
static int
fe_unit_value(const char *text, const char *key, char *out, size_t outsz)
{
	const char	*line, *v;
	size_t		 len, klen = strlen(key), vlen;

	for (line = text; *line != '\0'; line += len + (line[len] != '\0')) {
		len = strcspn(line, "\n");
		if (len <= klen || strncmp(line, key, klen) != 0 ||
		    line[klen] != '=')
			continue;
		v = line + klen + 1;
		vlen = (size_t)(line + len - v);
		while (vlen > 0 && strchr(" \t\r", v[vlen - 1]) != NULL)
			vlen--;
		if (vlen >= outsz)
			return -1;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return 0;
	}
	return -1;
}

/* Runs argv to completion (output to out_path); its exit status or -1. */
static int
fe_run(char *const argv[], const char *out_path)
{
	pid_t	pid;
	int	status;

	if ((pid = fe_spawn(argv, out_path, false, 0, 0)) == -1)
		return -1;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * The shipped systemd units, substituted, into dir/units/, checked with
 * systemd-analyze verify (which must print nothing), and turned into
 * the systemd-socket-activate command that does what they say: listen
 * on ListenStream and exec ExecStart with the listening socket on fd 0
 * (--inetd without --accept; it also puts it on fd 1, as StandardInput=
 * socket does with StandardOutput's default).  Fills argv (pointers into
 * buf).  The unit's User= and sandboxing need systemd as PID 1; the
 * relay runs as our unprivileged user instead.
 */
static int
fe_unit_command(const struct frontend *fe, const char *relay_bin,
    char *buf, size_t bufsz, char *argv[])
{
	static char	 activate[PATH_MAX], analyze[PATH_MAX];
	static char	 listen_arg[128];
	char		 units[300], sock_path[PATH_MAX], svc_path[PATH_MAX];
	char		 out[PATH_MAX], want[64], value[256];
	char		*sock = NULL, *svc = NULL, *text = NULL;
	char		*verify[5];
	int		 rc = -1;

	if (fe_find_exec("systemd-socket-activate", activate,
	    sizeof(activate)) == -1 || fe_find_exec("systemd-analyze",
	    analyze, sizeof(analyze)) == -1) {
		fprintf(stderr, "frontend: systemd-socket-activate or "
		    "systemd-analyze missing (Debian: apt-get install "
		    "systemd)\n");
		return -1;
	}
	snprintf(units, sizeof(units), "%s/units", fe->dir);
	if (mkdir(units, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "frontend: mkdir %s: %s\n", units,
		    strerror(errno));
		return -1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/relay.socket", units);
	snprintf(svc_path, sizeof(svc_path), "%s/relay.service", units);
	snprintf(out, sizeof(out), "%s/log/systemd-analyze.out", fe->dir);
	if ((sock = fe_shipped(fe, relay_bin, FE_UNIT_SOCKET)) == NULL ||
	    (svc = fe_shipped(fe, relay_bin, FE_UNIT_SERVICE)) == NULL ||
	    fe_write_file(sock_path, sock, strlen(sock), 0644, geteuid(),
	    getegid()) == -1 ||
	    fe_write_file(svc_path, svc, strlen(svc), 0644, geteuid(),
	    getegid()) == -1)
		goto out;

	/* Warnings (an unknown key, say) leave the status 0: none allowed. */
	verify[0] = analyze;
	verify[1] = "verify";
	verify[2] = sock_path;
	verify[3] = svc_path;
	verify[4] = NULL;
	if (fe_run(verify, out) != 0 || (text = fe_slurp(out, NULL)) == NULL ||
	    text[0] != '\0') {
		fprintf(stderr, "frontend: systemd-analyze verify objects to "
		    "the shipped units\n");
		fe_print_tail("systemd-analyze", out);
		goto out;
	}
	/* The emulation below is exactly these semantics; insist on them. */
	snprintf(want, sizeof(want), "127.0.0.1:%d", fe->fcgi_port);
	if (fe_unit_value(sock, "ListenStream", listen_arg,
	    sizeof(listen_arg)) == -1 || strcmp(listen_arg, want) != 0 ||
	    fe_unit_value(sock, "Accept", value, sizeof(value)) == -1 ||
	    strcmp(value, "no") != 0 ||
	    fe_unit_value(svc, "StandardInput", value, sizeof(value)) == -1 ||
	    strcmp(value, "socket") != 0) {
		fprintf(stderr, "frontend: the shipped units must say "
		    "ListenStream=127.0.0.1:9000, Accept=no and "
		    "StandardInput=socket\n");
		goto out;
	}
	if (fe_unit_value(svc, "ExecStart", buf, bufsz) == -1 ||
	    buf[0] != '/') {
		fprintf(stderr, "frontend: relay.service has no plain "
		    "ExecStart=/path\n");
		goto out;
	}
	argv[0] = activate;
	argv[1] = "--inetd";
	argv[2] = "--listen";
	argv[3] = listen_arg;
	rc = fe_split(buf, argv + 4, FE_MAX_ARGS - 4);
out:
	free(text);
	free(sock);
	free(svc);
	return rc;
}

/*
 * Writes everything the kind runs from for the ports in fe: the server
 * config (its path into conf) and, where we start the relay ourselves,
 * its command (argv into relay_argv, pointers into cmd; relay_argv[0]
 * NULL otherwise).
 */
static int
fe_write_server_conf(const struct frontend *fe, const char *relay_bin,
    char *conf, size_t confsz, char *cmd, size_t cmdsz, char *relay_argv[])
{
	const struct fe_kind	*k = &fe_kinds[fe->kind];
	char			 path[PATH_MAX], include[PATH_MAX + 16];
	char			*text = NULL;
	int			 rc = -1;

	relay_argv[0] = NULL;
	if (k->deploy != NULL) {
		if ((text = fe_shipped(fe, relay_bin, k->deploy)) == NULL)
			return -1;
		snprintf(path, sizeof(path), "%s/%s", fe->dir, k->deploy);
		if (fe_write_file(path, text, strlen(text), 0644, geteuid(),
		    getegid()) == -1)
			goto out;
	}
	if (k->relay == FE_RELAY_LISTEN &&
	    fe_relay_command(text, fe->dir, cmd, cmdsz, relay_argv) == -1)
		goto out;
	if (k->relay == FE_RELAY_UNITS &&
	    fe_unit_command(fe, relay_bin, cmd, cmdsz, relay_argv) == -1)
		goto out;

	switch (fe->kind) {
	case FRONTEND_LIGHTTPD:
		snprintf(conf, confsz, "%s", path);
		rc = 0;
		break;
	case FRONTEND_APACHE_FCGID:
	case FRONTEND_APACHE_PROXY_FCGI:
		snprintf(include, sizeof(include), "Include \"%s\"\n", path);
		rc = fe_write_httpd_conf(fe, include);
		snprintf(conf, confsz, "%s/httpd.conf", fe->dir);
		break;
	case FRONTEND_APACHE_HTACCESS:
		/* The tenant's files: shipped, owned by the tenant. */
		snprintf(path, sizeof(path), "%s/www/.htaccess", fe->dir);
		if (fe_install_shipped(fe, relay_bin, FE_HTACCESS_DEPLOY, path,
		    0644, fe->run_uid, fe->run_gid) == -1)
			goto out;
		snprintf(path, sizeof(path), "%s/www/relay.fcgi", fe->dir);
		if (fe_install_shipped(fe, relay_bin, FE_WRAPPER_DEPLOY, path,
		    0755, fe->run_uid, fe->run_gid) == -1)
			goto out;
		rc = fe_write_shared_host(fe);
		snprintf(conf, confsz, "%s/httpd.conf", fe->dir);
		break;
	case FRONTEND_NGINX:
	case FRONTEND_SYSTEMD:
		rc = fe_write_nginx_main(fe);
		snprintf(conf, confsz, "%s/nginx-main.conf", fe->dir);
		break;
	default:
		break;
	}
out:
	free(text);
	return rc;
}

/*
 * The temp dir and everything in it but the server config: the relay
 * copy, relay.conf, the files, and the run/log/tmp/www dirs.  The dir is
 * 0755 so the server's user can reach the binary; what it must write to
 * (run, log, tmp) and read in secret (relay.conf, the files) is its own.
 * So is the dir itself, as the deploy notes have it: the state store's
 * default file goes beside relay.conf.
 */
static int
fe_prepare_dir(struct frontend *fe, const char *relay_bin,
    const char *relay_conf_text, const struct frontend_file *files,
    size_t nfiles)
{
	static const char *const subdirs[] = { "run", "log", "tmp", "www" };
	char	path[PATH_MAX];
	size_t	i;

	snprintf(fe->dir, sizeof(fe->dir), "/tmp/relay-fe-XXXXXX");
	if (mkdtemp(fe->dir) == NULL) {
		fprintf(stderr, "frontend: mkdtemp: %s\n", strerror(errno));
		fe->dir[0] = '\0';
		return -1;
	}
	if (chmod(fe->dir, 0755) == -1 || (geteuid() == 0 &&
	    chown(fe->dir, fe->run_uid, fe->run_gid) == -1))
		return -1;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fe->dir, subdirs[i]);
		if (fe_mkdir(path, 0755, fe->run_uid, fe->run_gid) == -1)
			return -1;
	}
	snprintf(fe->error_log, sizeof(fe->error_log), "%s/log/error.log",
	    fe->dir);
	snprintf(fe->server_out, sizeof(fe->server_out), "%s/log/server.out",
	    fe->dir);
	/* Created now, owned by the server user, so it can reopen it after dropping root. */
	if (fe_write_file(fe->error_log, "", 0, 0644, fe->run_uid,
	    fe->run_gid) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/relay", fe->dir);
	if (frontend_valgrind()) {
		struct fe_text	t = { NULL, 0, 0 };

		fe_text_add(&t, FE_VALGRIND_SCRIPT, fe->dir, fe->dir);
		if (fe_write_file(path, t.s, t.len, 0755, geteuid(),
		    getegid()) == -1) {
			free(t.s);
			return -1;
		}
		free(t.s);
		snprintf(path, sizeof(path), "%s/" FE_VALGRIND_BIN, fe->dir);
	}
	if (fe_copy_file(relay_bin, path, 0755) == -1)
		return -1;
	if (relay_conf_text == NULL)
		relay_conf_text = "";
	snprintf(path, sizeof(path), "%s/relay.conf", fe->dir);
	if (fe_write_file(path, relay_conf_text, strlen(relay_conf_text),
	    0600, fe->run_uid, fe->run_gid) == -1)
		return -1;
	for (i = 0; i < nfiles; i++) {
		if (files[i].name == NULL || files[i].content == NULL ||
		    files[i].name[0] == '\0' ||
		    strchr(files[i].name, '/') != NULL ||
		    strcmp(files[i].name, "..") == 0) {
			fprintf(stderr, "frontend: bad file name\n");
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", fe->dir, files[i].name);
		if (fe_write_file(path, files[i].content,
		    strlen(files[i].content), 0600, fe->run_uid,
		    fe->run_gid) == -1)
			return -1;
	}
	return 0;
}

/*
 * Polls /health until 200 (0), the server or our relay exits (1) or
 * time runs out (-1).
 */
static int
fe_wait_healthy(struct frontend *fe)
{
	long long	deadline = fe_now_ms() + FE_START_TIMEOUT_MS;

	while (fe_now_ms() < deadline) {
		if (fe_reaped(fe->pid)) {
			fe->pid = 0;
			return 1;
		}
		if (fe->relay_pid != 0 && fe_reaped(fe->relay_pid)) {
			fe->relay_pid = 0;
			return 1;
		}
		if (fe_http_status(fe->port, "/health") == 200)
			return 0;
		fe_sleep_ms(100);
	}
	return -1;
}


/* Stops what fe runs, by PID, then anything left running from fe->dir. */
static void
fe_stop_processes(struct frontend *fe)
{
	fe_terminate(fe->pid, FE_STOP_TIMEOUT_MS);
	fe->pid = 0;
	fe_terminate(fe->relay_pid, FE_STOP_TIMEOUT_MS);
	fe->relay_pid = 0;
	if (fe->dir[0] != '\0')
		fe_end_strays(fe->dir);
}

/* The server's command line for conf (pointers into fe and exe). */
static void
fe_server_argv(const struct frontend *fe, char *exe, char *conf,
    char *errlog, char *prefix, char *argv[])
{
	size_t	n = 0;

	argv[n++] = exe;
	if (strcmp(fe_kinds[fe->kind].server, "lighttpd") == 0) {
		argv[n++] = "-D";
		argv[n++] = "-f";
		argv[n++] = conf;
	} else if (strcmp(fe_kinds[fe->kind].server, "nginx") == 0) {
		/* -e: else it first opens its compiled-in error log. */
		argv[n++] = "-e";
		argv[n++] = errlog;
		argv[n++] = "-p";
		argv[n++] = prefix;
		argv[n++] = "-c";
		argv[n++] = conf;
	} else {
		/* Apache; not -X: mod_fcgid's process manager needs the normal process model. */
		argv[n++] = "-f";
		argv[n++] = conf;
		argv[n++] = "-DFOREGROUND";
	}
	argv[n] = NULL;
}

int
frontend_start(struct frontend *fe, enum frontend_kind kind,
    const char *relay_bin, const char *relay_conf_text,
    const struct frontend_file *files, size_t nfiles)
{
	struct passwd	*pw;
	char		 exe[PATH_MAX], conf[PATH_MAX], cmd[2048];
	char		 prefix[PATH_MAX];
	char		*argv[FE_MAX_ARGS + 1], *relay_argv[FE_MAX_ARGS + 1];
	int		 attempt, rc = 1;

	memset(fe, 0, sizeof(*fe));
	fe->kind = kind;
	if ((unsigned)kind >= FRONTEND__MAX)
		return -1;
	fe->run_uid = geteuid();
	fe->run_gid = getegid();
	if (geteuid() == 0) {
		/* Every shipped setup runs the relay as an unprivileged user. */
		if ((pw = getpwnam(FE_SERVER_USER)) == NULL) {
			fprintf(stderr, "frontend: no user %s\n",
			    FE_SERVER_USER);
			return -1;
		}
		fe->run_uid = pw->pw_uid;
		fe->run_gid = pw->pw_gid;
	}
	if (fe_find_exec(fe_kinds[kind].server, exe, sizeof(exe)) == -1 &&
	    (strcmp(fe_kinds[kind].server, "apache2") != 0 ||
	    fe_find_exec("httpd", exe, sizeof(exe)) == -1)) {
		fprintf(stderr, "frontend: %s is not installed (needed for "
		    "%s)\n", fe_kinds[kind].server, frontend_name(kind));
		return -1;
	}
	if (fe_prepare_dir(fe, relay_bin, relay_conf_text, files,
	    nfiles) == -1)
		goto fail;
	snprintf(prefix, sizeof(prefix), "%s/", fe->dir);

	for (attempt = 0; attempt < FE_START_ATTEMPTS && rc == 1; attempt++) {
		if ((fe->port = frontend_free_port()) == -1 ||
		    (fe_kinds[kind].relay != FE_RELAY_SPAWNED &&
		    (fe->fcgi_port = frontend_free_port()) == -1))
			goto fail;
		snprintf(fe->base_url, sizeof(fe->base_url),
		    "http://127.0.0.1:%d", fe->port);
		if (fe_write_server_conf(fe, relay_bin, conf, sizeof(conf),
		    cmd, sizeof(cmd), relay_argv) == -1)
			goto fail;
		/*
		 * The relay first, as its own user, so the server finds it.
		 * Its stderr (where it logs once the request stream is gone)
		 * goes with the server's, as the journal would take both.
		 */
		if (relay_argv[0] != NULL && (fe->relay_pid =
		    fe_spawn(relay_argv, fe->server_out, true, fe->run_uid,
		    fe->run_gid)) == -1) {
			fe->relay_pid = 0;
			goto fail;
		}
		fe_server_argv(fe, exe, conf, fe->error_log, prefix, argv);
		if ((fe->pid = fe_spawn(argv, fe->server_out, false, 0,
		    0)) == -1) {
			fe->pid = 0;
			goto fail;
		}
		/* 1: something died while starting, most likely a port was taken meanwhile. */
		rc = fe_wait_healthy(fe);
		if (rc == 1)
			fe_stop_processes(fe);
	}
	if (rc == 0)
		return 0;
	fprintf(stderr, "frontend: %s did not answer GET /health with 200 "
	    "within %ld s\n", frontend_name(kind), FE_START_TIMEOUT_MS / 1000);
fail:
	if (fe->dir[0] != '\0') {
		fe_print_tail("server error log", fe->error_log);
		fe_print_tail("server (and relay) stdout/stderr",
		    fe->server_out);
	}
	frontend_stop(fe);
	return -1;
}

void
frontend_halt(struct frontend *fe)
{
	fe_stop_processes(fe);
}

int
frontend_valgrind_log_errors(const char *logdir, const char *what)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	char		*text;
	int		 bad = 0, logs = 0;

	if ((d = opendir(logdir)) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "valgrind-", 9) != 0)
			continue;
		logs++;
		snprintf(path, sizeof(path), "%s/%s", logdir, de->d_name);
		if ((text = fe_slurp(path, NULL)) == NULL) {
			bad++;
			continue;
		}
		/* A log without its summary: the process was killed first. */
		if (strstr(text, "ERROR SUMMARY: 0 errors") == NULL) {
			fprintf(stderr, "frontend: valgrind reports errors "
			    "(or no summary) for the relay under %s:\n%s\n",
			    what, text);
			bad++;
		}
		free(text);
	}
	closedir(d);
	fprintf(stderr, "frontend: valgrind: %d relay process(es) under %s, "
	    "%d with errors\n", logs, what, bad);
	/* No log at all: the relay did not run under valgrind. */
	return logs == 0 ? 1 : bad;
}

void
frontend_stop(struct frontend *fe)
{
	fe_stop_processes(fe);
	if (fe->dir[0] != '\0') {
		fe_rmtree(fe->dir);
		fe->dir[0] = '\0';
	}
}

char *
frontend_read_file(const char *path)
{
	return fe_slurp(path, NULL);
}

char *
frontend_read_error_log(const struct frontend *fe)
{
	if (fe->error_log[0] == '\0')
		return NULL;
	return fe_slurp(fe->error_log, NULL);
}

/*
 * What the valgrind wrapper adds to the relay's environment (valgrind's
 * launcher, and the shell's PWD): not the server's doing.
 */
static const char *const fe_valgrind_env[] = {
	"VALGRIND_LAUNCHER=", "LD_LIBRARY_PATH=", "GLIBCPP_FORCE_NEW=",
	"GLIBCXX_FORCE_NEW=", "PWD=",
};

/* Under valgrind: drops fe_valgrind_env's lines from env, in place. */
static void
fe_drop_valgrind_env(char *env)
{
	char	*line = env, *out = env;
	size_t	 len, i;

	while (*line != '\0') {
		len = strcspn(line, "\n");
		for (i = 0; i < sizeof(fe_valgrind_env) /
		    sizeof(fe_valgrind_env[0]); i++)
			if (strncmp(line, fe_valgrind_env[i],
			    strlen(fe_valgrind_env[i])) == 0)
				break;
		if (i == sizeof(fe_valgrind_env) / sizeof(fe_valgrind_env[0])) {
			memmove(out, line, len + (line[len] == '\n'));
			out += len + (line[len] == '\n');
		}
		line += len + (line[len] == '\n');
	}
	*out = '\0';
}

/*
 * Whether process pid runs fe's relay: its executable is dir/relay, or,
 * under valgrind (whose tool is the executable), its command line names
 * dir/relay.bin.
 */
static bool
fe_is_relay(const struct frontend *fe, pid_t pid)
{
	char	want[PATH_MAX], path[64], buf[PATH_MAX];
	ssize_t	n, i;
	int	fd;

	if (!frontend_valgrind()) {
		snprintf(want, sizeof(want), "%s/relay", fe->dir);
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		return strcmp(buf, want) == 0;
	}
	snprintf(want, sizeof(want), "%s/" FE_VALGRIND_BIN, fe->dir);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, want) != NULL;
}

size_t
frontend_pids_running(const char *exe, pid_t *pids, size_t max)
{
	DIR		*proc;
	struct dirent	*de;
	char		 path[64], buf[PATH_MAX], *end;
	ssize_t		 n;
	size_t		 count = 0;
	long		 pid;

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (count < max && (de = readdir(proc)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		n = readlink(path, buf, sizeof(buf) - 1);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strcmp(buf, exe) == 0)
			pids[count++] = (pid_t)pid;
	}
	closedir(proc);
	return count;
}

size_t
frontend_relay_pids(const struct frontend *fe, pid_t *pids, size_t max)
{
	DIR		*proc;
	struct dirent	*de;
	char		*end;
	size_t		 n = 0;
	pid_t		 pid;

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (n < max && (de = readdir(proc)) != NULL) {
		pid = (pid_t)strtol(de->d_name, &end, 10);
		if (*end == '\0' && pid > 0 && fe_is_relay(fe, pid))
			pids[n++] = pid;
	}
	closedir(proc);
	return n;
}

char *
frontend_relay_environ(const struct frontend *fe)
{
	pid_t	 pids[64];
	char	 path[64];
	char	*env = NULL;
	size_t	 len, i, k, n = frontend_relay_pids(fe, pids, 64);

	for (k = 0; env == NULL && k < n; k++) {
		snprintf(path, sizeof(path), "/proc/%d/environ", (int)pids[k]);
		if ((env = fe_slurp(path, &len)) == NULL)
			continue;
		for (i = 0; i < len; i++)
			if (env[i] == '\0')
				env[i] = '\n';
		if (frontend_valgrind())
			fe_drop_valgrind_env(env);
	}
	return env;
}

/* The port number in the port file, or -1 while it is not (fully) written. */
static int
fe_read_port_file(const char *path)
{
	char	*text;
	char	*end;
	long	 port;

	if ((text = fe_slurp(path, NULL)) == NULL)
		return -1;
	port = strtol(text, &end, 10);
	if (end == text || (*end != '\n' && *end != '\0') || port <= 0 ||
	    port > 65535)
		port = -1;
	free(text);
	return (int)port;
}

int
fake_upstream_start(struct fake_upstream *fu, const char *bin)
{
	char		 portfile[300], logfile[300];
	char		*argv[8];
	long long	 deadline;

	memset(fu, 0, sizeof(*fu));
	snprintf(fu->dir, sizeof(fu->dir), "/tmp/relay-fu-XXXXXX");
	if (mkdtemp(fu->dir) == NULL) {
		fprintf(stderr, "fake_upstream: mkdtemp: %s\n",
		    strerror(errno));
		fu->dir[0] = '\0';
		return -1;
	}
	snprintf(portfile, sizeof(portfile), "%s/port", fu->dir);
	snprintf(logfile, sizeof(logfile), "%s/upstream.log", fu->dir);

	/* Port 0: it binds an ephemeral port itself, so no race for a free one. */
	argv[0] = (char *)bin;
	argv[1] = "--port";
	argv[2] = "0";
	argv[3] = "--port-file";
	argv[4] = portfile;
	argv[5] = "--quiet";
	argv[6] = NULL;
	if ((fu->pid = fe_spawn(argv, logfile, false, 0, 0)) == -1) {
		fu->pid = 0;
		goto fail;
	}
	deadline = fe_now_ms() + FE_UPSTREAM_TIMEOUT_MS;
	while (fe_now_ms() < deadline) {
		/* It writes the file by rename, so a number read is complete. */
		if ((fu->port = fe_read_port_file(portfile)) > 0) {
			snprintf(fu->base_url, sizeof(fu->base_url),
			    "http://127.0.0.1:%d", fu->port);
			return 0;
		}
		if (fe_reaped(fu->pid)) {
			fu->pid = 0;
			break;
		}
		fe_sleep_ms(20);
	}
fail:
	fprintf(stderr, "fake_upstream: %s did not write its port file\n",
	    bin);
	fe_print_tail("fake upstream output", logfile);
	fake_upstream_stop(fu);
	return -1;
}

void
fake_upstream_stop(struct fake_upstream *fu)
{
	fe_terminate(fu->pid, FE_STOP_TIMEOUT_MS);
	fu->pid = 0;
	fe_rmtree(fu->dir);
	fu->dir[0] = '\0';
}

int
redis_server_start(struct redis_server *rs)
{
	struct timespec	pause = { 0, 20 * 1000 * 1000 };
	char		port[16];
	int		tries, null;

	memset(rs, 0, sizeof(*rs));
	if ((rs->port = frontend_free_port()) < 0)
		return -1;
	snprintf(port, sizeof(port), "%d", rs->port);
	rs->pid = fork();
	if (rs->pid == -1) {
		rs->pid = 0;
		return -1;
	}
	if (rs->pid == 0) {
		/* Its start and stop notices say nothing to a run. */
		if ((null = open("/dev/null", O_WRONLY)) >= 0)
			dup2(null, STDOUT_FILENO);
		execlp("redis-server", "redis-server", "--port", port, "--bind",
		    "127.0.0.1", "--save", "", "--appendonly", "no",
		    "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	for (tries = 0; tries < 500 && !frontend_port_open(rs->port); tries++)
		nanosleep(&pause, NULL);
	if (!frontend_port_open(rs->port)) {
		redis_server_stop(rs);
		return -1;
	}
	snprintf(rs->spec, sizeof(rs->spec), "redis://127.0.0.1:%d", rs->port);
	return 0;
}

void
redis_server_stop(struct redis_server *rs)
{
	fe_terminate(rs->pid, FE_STOP_TIMEOUT_MS);
	rs->pid = 0;
}
