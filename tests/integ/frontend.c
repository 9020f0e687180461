/*
 * Starting and stopping real front servers and the fake upstream for
 * integration tests.  See frontend.h for the contract.
 *
 * The server configs are the shipped deploy/ files with two literals
 * replaced in one pass: "8080" (the port) and "/srv/relay" (the install
 * directory, here the temp dir).  Any other difference between what the
 * tests run and what we ship would let the shipped file rot unnoticed.
 */
#include "tests/integ/frontend.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
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
#define FE_DIR_LITERAL		"/srv/relay"
#define FE_START_TIMEOUT_MS	15000
#define FE_STOP_TIMEOUT_MS	5000
#define FE_STRAY_GRACE_MS	1000	/* the server is gone: strays get little time */
#define FE_STRAY_TIMEOUT_MS	3000
#define FE_UPSTREAM_TIMEOUT_MS	10000
#define FE_START_ATTEMPTS	3
#define FE_LOG_TAIL_BYTES	4096
/* Apache user when we are root; lighttpd's comes from deploy/lighttpd.conf. */
#define FE_SERVER_USER		"www-data"

static const char *const frontend_names[FRONTEND__MAX] = {
	[FRONTEND_LIGHTTPD] = "lighttpd",
	[FRONTEND_APACHE_FCGID] = "apache-fcgid",
};

/* The shipped config each kind runs, under deploy/. */
static const char *const frontend_deploy_files[FRONTEND__MAX] = {
	[FRONTEND_LIGHTTPD] = "lighttpd.conf",
	[FRONTEND_APACHE_FCGID] = "apache-fcgid.conf",
};

/* Where Debian and Red Hat style systems keep Apache's modules. */
static const char *const apache_module_dirs[] = {
	"/usr/lib/apache2/modules",
	"/usr/lib64/httpd/modules",
	"/usr/lib/httpd/modules",
};

const char *
frontend_name(enum frontend_kind kind)
{
	if ((unsigned)kind >= FRONTEND__MAX)
		return "?";
	return frontend_names[kind];
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
static int
fe_pick_port(void)
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
 * The text with every FE_PORT_LITERAL replaced by port and every
 * FE_DIR_LITERAL by dir, in one pass so a replacement is never scanned
 * again (a temp dir name may itself contain "8080").  Caller frees.
 */
static char *
fe_substitute(const char *text, const char *dir, int port)
{
	char		 portstr[16];
	const char	*p;
	char		*out, *o;
	size_t		 plen = strlen(FE_PORT_LITERAL), dlen = strlen(FE_DIR_LITERAL);
	size_t		 nport = 0, ndir = 0, sz;

	snprintf(portstr, sizeof(portstr), "%d", port);
	for (p = text; *p != '\0'; p++) {
		if (strncmp(p, FE_PORT_LITERAL, plen) == 0)
			nport++;
		else if (strncmp(p, FE_DIR_LITERAL, dlen) == 0)
			ndir++;
	}
	sz = strlen(text) + nport * strlen(portstr) + ndir * strlen(dir) + 1;
	if ((out = malloc(sz)) == NULL)
		abort();
	for (p = text, o = out; *p != '\0';) {
		if (strncmp(p, FE_PORT_LITERAL, plen) == 0) {
			o = stpcpy(o, portstr);
			p += plen;
		} else if (strncmp(p, FE_DIR_LITERAL, dlen) == 0) {
			o = stpcpy(o, dir);
			p += dlen;
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
 * Forks and execs argv[0] with stdin from /dev/null and stdout/stderr
 * appended to out_path.  The child gets default signal dispositions and
 * an empty mask (a test runner may block or ignore SIGTERM, and exec
 * keeps both), and no inherited descriptors beyond 0-2.  It also gets
 * SIGTERM if we die first (a Check test killed on timeout), so servers
 * do not outlive their test; lighttpd loses this when it drops root.
 */
static pid_t
fe_spawn(char *const argv[], const char *out_path)
{
	sigset_t	all;
	pid_t		pid, parent = getpid();
	int		fd, sig;

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
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);	/* the parent died before prctl */
	execv(argv[0], argv);
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
	char		 prefix[300], path[64], buf[4096];
	ssize_t		 n, i;
	pid_t		 pid;
	int		 fd, found = 0;

	snprintf(prefix, sizeof(prefix), "%s/", dir);
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(proc)) != NULL) {
		if ((pid = (pid_t)atoi(de->d_name)) <= 0 || pid == getpid())
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

/* The smallest Apache server config around the shipped snippet. */
static int
fe_write_httpd_conf(const struct frontend *fe, const char *snippet_path)
{
	char	 moddir[PATH_MAX], probe[PATH_MAX + 32], path[300];
	char	*text = NULL;
	size_t	 i;
	int	 len, rc;

	for (i = 0; i < sizeof(apache_module_dirs) / sizeof(apache_module_dirs[0]);
	    i++) {
		snprintf(probe, sizeof(probe), "%s/mod_fcgid.so",
		    apache_module_dirs[i]);
		if (fe_is_file(probe))
			break;
	}
	if (i == sizeof(apache_module_dirs) / sizeof(apache_module_dirs[0])) {
		fprintf(stderr, "frontend: mod_fcgid.so not found "
		    "(Debian: apt-get install libapache2-mod-fcgid)\n");
		return -1;
	}
	snprintf(moddir, sizeof(moddir), "%s", apache_module_dirs[i]);
	len = asprintf(&text,
	    "# Written by tests/integ/frontend.c around the shipped snippet.\n"
	    "ServerRoot \"%s\"\n"
	    "LoadModule mpm_event_module %s/mod_mpm_event.so\n"
	    "LoadModule authz_core_module %s/mod_authz_core.so\n"
	    "LoadModule alias_module %s/mod_alias.so\n"
	    "LoadModule env_module %s/mod_env.so\n"
	    "LoadModule fcgid_module %s/mod_fcgid.so\n"
	    "ServerName 127.0.0.1\n"
	    "Listen 127.0.0.1:%d\n"
	    "%s%s%s%s%s"
	    "PidFile \"%s/run/httpd.pid\"\n"
	    "DefaultRuntimeDir \"%s/run\"\n"
	    "ErrorLog \"%s\"\n"
	    "LogLevel warn\n"
	    "FcgidIPCDir \"%s/run/fcgid\"\n"
	    "FcgidProcessTableFile \"%s/run/fcgid_shm\"\n"
	    "Include \"%s\"\n",
	    fe->dir, moddir, moddir, moddir, moddir, moddir, fe->port,
	    geteuid() == 0 ? "User " : "",
	    geteuid() == 0 ? FE_SERVER_USER : "",
	    geteuid() == 0 ? "\nGroup " : "",
	    geteuid() == 0 ? FE_SERVER_USER : "",
	    geteuid() == 0 ? "\n" : "",
	    fe->dir, fe->dir, fe->error_log, fe->dir, fe->dir, snippet_path);
	if (len < 0)
		abort();
	snprintf(path, sizeof(path), "%s/httpd.conf", fe->dir);
	rc = fe_write_file(path, text, (size_t)len, 0644, geteuid(),
	    getegid());
	free(text);
	return rc;
}

/* Writes the server config(s) for fe->port; fills conf with the path to run. */
static int
fe_write_server_conf(const struct frontend *fe, const char *relay_bin,
    char *conf, size_t confsz)
{
	char	 shipped[PATH_MAX], path[300];
	char	*text, *subst;
	int	 rc;

	if (fe_deploy_path(relay_bin, frontend_deploy_files[fe->kind],
	    shipped, sizeof(shipped)) == -1) {
		fprintf(stderr, "frontend: deploy/%s not found (set "
		    "RELAY_DEPLOY_DIR)\n", frontend_deploy_files[fe->kind]);
		return -1;
	}
	if ((text = fe_slurp(shipped, NULL)) == NULL) {
		fprintf(stderr, "frontend: %s: %s\n", shipped, strerror(errno));
		return -1;
	}
	subst = fe_substitute(text, fe->dir, fe->port);
	free(text);
	snprintf(path, sizeof(path), "%s/%s", fe->dir,
	    frontend_deploy_files[fe->kind]);
	rc = fe_write_file(path, subst, strlen(subst), 0644, geteuid(),
	    getegid());
	free(subst);
	if (rc == -1)
		return -1;
	if (fe->kind == FRONTEND_APACHE_FCGID) {
		if (fe_write_httpd_conf(fe, path) == -1)
			return -1;
		snprintf(conf, confsz, "%s/httpd.conf", fe->dir);
	} else
		snprintf(conf, confsz, "%s", path);
	return 0;
}

/*
 * The temp dir and everything in it but the server config: the relay
 * copy, relay.conf, the files, and the run/log/tmp/www dirs.  The dir is
 * 0755 so the server's user can reach the binary; what it must write to
 * (run, log, tmp) and read in secret (relay.conf, the files) is its own.
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
	if (chmod(fe->dir, 0755) == -1)
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

/* Polls /health until 200 (0), the server exits (1) or time runs out (-1). */
static int
fe_wait_healthy(struct frontend *fe)
{
	long long	deadline = fe_now_ms() + FE_START_TIMEOUT_MS;

	while (fe_now_ms() < deadline) {
		if (fe_reaped(fe->pid)) {
			fe->pid = 0;
			return 1;
		}
		if (fe_http_status(fe->port, "/health") == 200)
			return 0;
		fe_sleep_ms(100);
	}
	return -1;
}

int
frontend_start(struct frontend *fe, enum frontend_kind kind,
    const char *relay_bin, const char *relay_conf_text,
    const struct frontend_file *files, size_t nfiles)
{
	struct passwd	*pw;
	char		 exe[PATH_MAX], conf[PATH_MAX];
	char		*argv[6];
	int		 attempt, rc = 1;

	memset(fe, 0, sizeof(*fe));
	fe->kind = kind;
	if ((unsigned)kind >= FRONTEND__MAX)
		return -1;
	fe->run_uid = geteuid();
	fe->run_gid = getegid();
	if (geteuid() == 0) {
		/* Both shipped setups drop root for this user before running the relay. */
		if ((pw = getpwnam(FE_SERVER_USER)) == NULL) {
			fprintf(stderr, "frontend: no user %s\n",
			    FE_SERVER_USER);
			return -1;
		}
		fe->run_uid = pw->pw_uid;
		fe->run_gid = pw->pw_gid;
	}
	if (fe_find_exec(kind == FRONTEND_LIGHTTPD ? "lighttpd" : "apache2",
	    exe, sizeof(exe)) == -1 && (kind == FRONTEND_LIGHTTPD ||
	    fe_find_exec("httpd", exe, sizeof(exe)) == -1)) {
		fprintf(stderr, "frontend: %s is not installed\n",
		    frontend_name(kind));
		return -1;
	}
	if (fe_prepare_dir(fe, relay_bin, relay_conf_text, files,
	    nfiles) == -1)
		goto fail;

	for (attempt = 0; attempt < FE_START_ATTEMPTS && rc == 1; attempt++) {
		if ((fe->port = fe_pick_port()) == -1)
			goto fail;
		snprintf(fe->base_url, sizeof(fe->base_url),
		    "http://127.0.0.1:%d", fe->port);
		if (fe_write_server_conf(fe, relay_bin, conf,
		    sizeof(conf)) == -1)
			goto fail;
		argv[0] = exe;
		if (kind == FRONTEND_LIGHTTPD) {
			argv[1] = "-D";
			argv[2] = "-f";
			argv[3] = conf;
			argv[4] = NULL;
		} else {
			/* Not -X: mod_fcgid's process manager needs the normal process model. */
			argv[1] = "-f";
			argv[2] = conf;
			argv[3] = "-DFOREGROUND";
			argv[4] = NULL;
		}
		if ((fe->pid = fe_spawn(argv, fe->server_out)) == -1) {
			fe->pid = 0;
			goto fail;
		}
		/* 1: it died while starting, most likely the port was taken meanwhile. */
		rc = fe_wait_healthy(fe);
		if (rc == 1)
			fe_end_strays(fe->dir);
	}
	if (rc == 0)
		return 0;
	fprintf(stderr, "frontend: %s did not answer GET /health with 200 "
	    "within %d s\n", frontend_name(kind), FE_START_TIMEOUT_MS / 1000);
fail:
	if (fe->dir[0] != '\0') {
		fe_print_tail("server error log", fe->error_log);
		fe_print_tail("server stdout/stderr", fe->server_out);
	}
	frontend_stop(fe);
	return -1;
}

void
frontend_stop(struct frontend *fe)
{
	fe_terminate(fe->pid, FE_STOP_TIMEOUT_MS);
	fe->pid = 0;
	if (fe->dir[0] != '\0') {
		fe_end_strays(fe->dir);
		fe_rmtree(fe->dir);
		fe->dir[0] = '\0';
	}
}

char *
frontend_read_error_log(const struct frontend *fe)
{
	if (fe->error_log[0] == '\0')
		return NULL;
	return fe_slurp(fe->error_log, NULL);
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
	if ((fu->pid = fe_spawn(argv, logfile)) == -1) {
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
