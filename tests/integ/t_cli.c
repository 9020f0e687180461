/*
 * The relay binary started by hand, with no front server: what it
 * refuses at start (a config file others can change, an address on
 * every interface) and the socket it makes for --listen unix:.  Every
 * process is started here and stopped by PID; its stderr goes to a
 * file in a private temporary directory and must hold no sanitizer
 * report (make check runs this suite against relay-san too).
 */
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integ/integ.h"

/* Generous: a wait ends as soon as what it waits for happens. */
#define WAIT_S		60
#define EXIT_CONFIG	78

static const char	*relay_bin;
static char		 dir[64];

static void
dir_create(void)
{
	snprintf(dir, sizeof(dir), "/tmp/relay-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
dir_remove(void)
{
	chmod(dir, 0700);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Writes dir/name with text and mode; returns its path (static). */
static const char *
put_file(const char *name, const char *text, mode_t mode)
{
	static char	path[128];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* A relay.conf any of these tests can start with (mode 0600). */
static const char *
good_conf(void)
{
	put_file("openai.key", TEST_OPENAI_KEY "\n", 0600);
	return put_file("relay.conf", "OPENAI_API_KEY_FILE = openai.key\n"
	    "RELAY_KEY = " TEST_RELAY_KEY "\n", 0600);
}

/*
 * Starts relay_bin with args (NULL-terminated, argv[0] left out) and the
 * file mode creation mask umask_to, its stderr in dir/stderr.
 */
static pid_t
start(const char *const *args, mode_t umask_to)
{
	char	*argv[16], path[128];
	pid_t	 pid;
	int	 i, fd;

	argv[0] = (char *)relay_bin;
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	snprintf(path, sizeof(path), "%s/stderr", dir);
	pid = fork();
	if (pid == 0) {
		static char *const envp[] = {
		    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		umask(umask_to);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* What the last process started wrote to stderr; free it. */
static char *
stderr_text(void)
{
	char	 path[128], *text;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	text = frontend_read_file(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "Sanitizer") == NULL &&
	    strstr(text, "runtime error:") == NULL, "%.2000s", text);
	return text;
}

/*
 * Waits for pid to exit and returns its exit status; fails the test if
 * it is still running after WAIT_S, or as soon as it listens on port
 * (when port is not 0).
 */
static int
exit_status(pid_t pid, int port)
{
	int	status, i;

	for (i = 0; i < WAIT_S * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ck_assert_msg(WIFEXITED(status), "relay died: %d",
			    status);
			return WEXITSTATUS(status);
		}
		if (port != 0 && frontend_port_open(port))
			break;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_abort_msg(port != 0 && i < WAIT_S * 10 ? "the relay listens on "
	    "port %d" : "the relay did not exit (port %d)", port);
	return -1;
}

/* Stops a relay that is serving; its exit must be clean. */
static void
stop(pid_t pid)
{
	kill(pid, SIGTERM);
	ck_assert_int_eq(exit_status(pid, 0), 0);
}

/*
 * A relay.conf that group or others can change is refused whatever it
 * holds, here only a *_FILE line: whoever can write it could point
 * OPENAI_API_BASE elsewhere and receive the key.  So is one in a
 * directory they can write.  The relay stops as for any config error.
 */
START_TEST(writable_config_stops_the_relay)
{
	static const mode_t	 modes[] = { 0664, 0646 };
	const char		*conf;
	char			*text, path[128], sock[128];
	size_t			 i;

	put_file("openai.key", TEST_OPENAI_KEY "\n", 0600);
	snprintf(sock, sizeof(sock), "unix:%s/relay.sock", dir);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		conf = put_file("relay.conf",
		    "OPENAI_API_KEY_FILE = openai.key\n", modes[i]);
		snprintf(path, sizeof(path), "%s", conf);
		ck_assert_int_eq(exit_status(start((const char *[]){
		    "--check-config", "--config", path, NULL }, 022), 0),
		    EXIT_CONFIG);
		text = stderr_text();
		ck_assert_msg(strstr(text, path) != NULL &&
		    strstr(text, "chmod go-w") != NULL, "%s", text);
		free(text);
		ck_assert_int_eq(exit_status(start((const char *[]){
		    "--config", path, "--listen", sock, NULL }, 022), 0),
		    EXIT_CONFIG);
		free(stderr_text());
	}
	chmod(path, 0600);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(exit_status(start((const char *[]){ "--check-config",
	    "--config", path, NULL }, 022), 0), EXIT_CONFIG);
	text = stderr_text();
	ck_assert_msg(strstr(text, "directory") != NULL && strstr(text, dir),
	    "%s", text);
	free(text);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(exit_status(start((const char *[]){ "--check-config",
	    "--config", path, NULL }, 022), 0), 0);
	free(stderr_text());
}
END_TEST

/* Waits for path to appear; its mode bits. */
static unsigned
socket_mode(const char *path)
{
	struct stat	st;
	int		i;

	for (i = 0; i < WAIT_S * 10; i++) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return (unsigned)(st.st_mode & 07777);
		usleep(100000);
	}
	ck_abort_msg("no socket at %s", path);
	return 0;
}

/*
 * --listen unix: makes its socket 0660 (the owner and the front
 * server's group) whatever the umask, or the mode --socket-mode asks.
 */
START_TEST(unix_socket_gets_its_mode)
{
	const char	*conf = good_conf();
	char		 path[128], addr[140], cpath[128];
	pid_t		 pid;

	snprintf(cpath, sizeof(cpath), "%s", conf);
	snprintf(path, sizeof(path), "%s/relay.sock", dir);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	pid = start((const char *[]){ "--config", cpath, "--listen", addr,
	    "--threads", "2", NULL }, 0);
	ck_assert_uint_eq(socket_mode(path), 0660);
	stop(pid);
	free(stderr_text());
	unlink(path);

	pid = start((const char *[]){ "--config", cpath, "--listen", addr,
	    "--socket-mode", "0600", "--threads", "2", NULL }, 0);
	ck_assert_uint_eq(socket_mode(path), 0600);
	stop(pid);
	free(stderr_text());

	/* Nonsense, or a mode for a TCP socket, stops it at once. */
	ck_assert_int_eq(exit_status(start((const char *[]){ "--config",
	    cpath, "--listen", addr, "--socket-mode", "0999", NULL }, 022),
	    0), 1);
	free(stderr_text());
	ck_assert_int_eq(exit_status(start((const char *[]){ "--config",
	    cpath, "--listen", "127.0.0.1:1", "--socket-mode", "0600",
	    NULL }, 022), 0), 1);
	free(stderr_text());
}
END_TEST

/*
 * An address without a host (":PORT", "*:PORT") would have libfcgi
 * listen on every interface: refused, saying how to ask for it.
 */
START_TEST(every_interface_needs_asking)
{
	static const char *const hosts[] = { "", "*" };
	const char	*conf = good_conf();
	char		 cpath[128], addr[32], *text;
	size_t		 i;
	int		 port = frontend_free_port();

	ck_assert_int_gt(port, 0);
	snprintf(cpath, sizeof(cpath), "%s", conf);
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		snprintf(addr, sizeof(addr), "%s:%d", hosts[i], port);
		ck_assert_int_eq(exit_status(start((const char *[]){
		    "--config", cpath, "--listen", addr, "--threads", "2",
		    NULL }, 022), port), 1);
		text = stderr_text();
		ck_assert_msg(strstr(text, "every interface") != NULL &&
		    strstr(text, "0.0.0.0:") != NULL, "%s", text);
		free(text);
	}
}
END_TEST

/*
 * RELAY_MCP=open takes no key: refused at start on a listener that is
 * not loopback (before anything is bound), unless confirmed; on
 * loopback it serves, saying loudly what it spends.
 */
START_TEST(open_mcp_needs_loopback)
{
	char		 cpath[128], addr[32], *text;
	int		 port = frontend_free_port(), i;
	pid_t		 pid;

	ck_assert_int_gt(port, 0);
	put_file("openai.key", TEST_OPENAI_KEY "\n", 0600);
	snprintf(cpath, sizeof(cpath), "%s", put_file("relay.conf",
	    "OPENAI_API_KEY_FILE = openai.key\nRELAY_KEY = " TEST_RELAY_KEY
	    "\nRELAY_MCP = open\n", 0600));
	snprintf(addr, sizeof(addr), "0.0.0.0:%d", port);
	ck_assert_int_eq(exit_status(start((const char *[]){ "--config",
	    cpath, "--listen", addr, "--threads", "2", NULL }, 022), port),
	    EXIT_CONFIG);
	text = stderr_text();
	ck_assert_msg(strstr(text, "RELAY_MCP_OPEN_PUBLIC=true") != NULL,
	    "%s", text);
	free(text);

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	pid = start((const char *[]){ "--config", cpath, "--listen", addr,
	    "--threads", "2", NULL }, 022);
	for (i = 0; i < WAIT_S * 10 && !frontend_port_open(port); i++)
		usleep(100000);
	ck_assert_msg(frontend_port_open(port), "the relay did not listen");
	stop(pid);
	text = stderr_text();
	ck_assert_msg(strstr(text, "WARNING: RELAY_MCP=open") != NULL, "%s",
	    text);
	free(text);
}
END_TEST

Suite *
cli_suite(const char *bin)
{
	Suite	*s = suite_create("cli");
	TCase	*tc = tcase_create("start");

	relay_bin = bin;
	tcase_set_timeout(tc, 3 * WAIT_S);
	tcase_add_checked_fixture(tc, dir_create, dir_remove);
	tcase_add_test(tc, writable_config_stops_the_relay);
	tcase_add_test(tc, unix_socket_gets_its_mode);
	tcase_add_test(tc, every_interface_needs_asking);
	tcase_add_test(tc, open_mcp_needs_loopback);
	suite_add_tcase(s, tc);
	return s;
}
