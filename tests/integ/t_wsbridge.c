/*
 * The Realtime WebSocket bridge behind real lighttpd (from the shipped
 * deploy/lighttpd-websocket.conf), in front of the fake Realtime
 * endpoint tests/fake_ws/fake-ws; and a second bridge, reached directly,
 * in front of a scripted upstream of this file's own that misbehaves on
 * purpose (it redirects, or never answers the handshake).  Both take
 * the keys of TEST_KEYS_FILE too: the first counts them on SQLite beside
 * it, the second on a Redis address where nothing listens.  Everything
 * on loopback, started here and stopped by PID.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"
#include "tests/integ/wsclient.h"
#include "tests/utcday.h"

#define KEY_HEADER	"X-Relay-Key: " TEST_RELAY_KEY
#define WS_TARGET	"/v1/realtime/ws?model=gpt-realtime-mini"
/* Models the scripted upstream tells apart (gpt-realtime* are allowed). */
#define MODEL_REDIRECT	"gpt-realtime-redirect"
#define MODEL_SILENT	"gpt-realtime-silent"
/* Generous hang guards: a wait ends as soon as what it waits for
 * happens (valgrind's relay starts and exits slowly). */
#define WAIT_S		60

enum { PID_FAKE_WS, PID_RELAY, PID_LIGHTTPD, PID_SCRIPTED, PID_RELAY_SCRIPTED,
    PID__MAX };

static char	dir[256];
static char	relay[256];	/* the binary, for `relay usage` */
static pid_t	pids[PID__MAX];	/* stopped in reverse order */
static int	http_port;
static int	scripted_bridge_port;	/* the second bridge, no front server */

static pid_t
spawn(char *const argv[], const char *log)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    NULL };
	pid_t	pid = fork();
	int	fd;

	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return pid;
}

static int
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

/* deploy/lighttpd-websocket.conf with only ports and /srv/relay replaced. */
static int
write_lighttpd_conf(const char *path, int bridge_port)
{
	FILE	*in = fopen("deploy/lighttpd-websocket.conf", "r"), *out;
	char	 line[1024], *p;
	int	 rc = 0;

	if (in == NULL || (out = fopen(path, "w")) == NULL) {
		if (in != NULL)
			fclose(in);
		return -1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		for (p = line; *p != '\0'; p++) {
			if (strncmp(p, "8080", 4) == 0) {
				fprintf(out, "%d", http_port);
				p += 3;
			} else if (strncmp(p, "9100", 4) == 0) {
				fprintf(out, "%d", bridge_port);
				p += 3;
			} else if (strncmp(p, "/srv/relay", 10) == 0) {
				fputs(dir, out);
				p += 9;
			} else
				fputc(*p, out);
		}
	}
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

static void
stop_all(void)
{
	int	i, n, status;

	for (i = PID__MAX - 1; i >= 0; i--) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGTERM);
		for (n = 0; n < WAIT_S * 10 && waitpid(pids[i], &status,
		    WNOHANG) == 0; n++)
			usleep(100000);
		if (n == WAIT_S * 10) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
		}
		pids[i] = 0;
	}
}

/*
 * The scripted upstream: a process with two listeners, recording in
 * dir/scripted.log one line per event.  On the first, a handshake for
 * MODEL_REDIRECT is answered 307 to the second ("upstream redirect");
 * any other is held unanswered ("upstream held") until the bridge
 * closes it or SIGUSR1 closes every held one.  The second listener
 * records what reaches it ("redirected", key=yes if the operator's key
 * came along) and closes.
 */
static volatile sig_atomic_t	scripted_release;

static void
on_release(int sig)
{
	(void)sig;
	scripted_release = 1;
}

static int
listen_loopback(int *port)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0 || getsockname(fd, (struct sockaddr *)&sa,
	    &len) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Reads a request head (up to its blank line) into buf. */
static void
read_head(int fd, char *buf, size_t bufsz)
{
	size_t	used = 0;
	ssize_t	n;

	buf[0] = '\0';
	while (used + 1 < bufsz && strstr(buf, "\r\n\r\n") == NULL) {
		n = read(fd, buf + used, bufsz - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
	}
}

static void
record(int logfd, const char *event, const char *head)
{
	char	line[256];
	int	n;

	n = snprintf(line, sizeof(line), "%s key=%s\n", event,
	    strstr(head, "Bearer " TEST_OPENAI_KEY) ? "yes" : "no");
	if (n > 0 && write(logfd, line, (size_t)n) != n)
		_exit(1);
}

static void __attribute__((noreturn))
scripted_serve(int front, int second, int second_port, int logfd)
{
	struct pollfd	 pfd[2 + 16];
	sigset_t	 usr1, none;
	char		 head[8192], answer[256];
	int		 held[16], nheld = 0, i, n, fd;

	/* SIGUSR1 comes only inside ppoll, so none is missed. */
	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGUSR1, on_release);
	for (;;) {
		if (scripted_release) {
			scripted_release = 0;
			for (i = 0; i < nheld; i++)
				close(held[i]);
			nheld = 0;
		}
		pfd[0] = (struct pollfd){ front, POLLIN, 0 };
		pfd[1] = (struct pollfd){ second, POLLIN, 0 };
		for (i = 0; i < nheld; i++)
			pfd[2 + i] = (struct pollfd){ held[i], POLLIN, 0 };
		if (ppoll(pfd, (nfds_t)(2 + nheld), NULL, &none) < 0)
			continue;	/* EINTR: SIGUSR1 */
		for (i = nheld - 1; i >= 0; i--) {
			if (pfd[2 + i].revents == 0 ||
			    read(held[i], head, sizeof(head)) > 0)
				continue;
			close(held[i]);
			held[i] = held[--nheld];
		}
		if ((pfd[1].revents & POLLIN) &&
		    (fd = accept(second, NULL, NULL)) >= 0) {
			read_head(fd, head, sizeof(head));
			record(logfd, "redirected", head);
			close(fd);
		}
		if (!(pfd[0].revents & POLLIN) ||
		    (fd = accept(front, NULL, NULL)) < 0)
			continue;
		read_head(fd, head, sizeof(head));
		if (strstr(head, "model=" MODEL_REDIRECT) != NULL) {
			record(logfd, "upstream redirect", head);
			n = snprintf(answer, sizeof(answer), "HTTP/1.1 307 "
			    "Temporary Redirect\r\nLocation: ws://127.0.0.1:%d"
			    "/v1/realtime?model=" MODEL_REDIRECT "\r\n"
			    "Content-Length: 0\r\n\r\n", second_port);
			if (n > 0 && write(fd, answer, (size_t)n) != n)
				_exit(1);
			close(fd);
		} else if (nheld < 16) {
			record(logfd, "upstream held", head);
			held[nheld++] = fd;
		} else
			close(fd);
	}
}

/* Starts the scripted upstream; its first listener's port, or -1. */
static int
scripted_start(void)
{
	char	path[320];
	int	front, second, front_port = 0, second_port = 0, logfd;

	snprintf(path, sizeof(path), "%s/scripted.log", dir);
	front = listen_loopback(&front_port);
	second = listen_loopback(&second_port);
	logfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (front < 0 || second < 0 || logfd < 0)
		return -1;
	pids[PID_SCRIPTED] = fork();
	if (pids[PID_SCRIPTED] == 0)
		scripted_serve(front, second, second_port, logfd);
	close(front);
	close(second);
	close(logfd);
	return pids[PID_SCRIPTED] > 0 ? front_port : -1;
}

/* How many lines of dir/scripted.log start with event. */
static int
scripted_count(const char *event)
{
	char	path[320], line[256];
	FILE	*fp;
	int	n = 0;

	snprintf(path, sizeof(path), "%s/scripted.log", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, event, strlen(event)) == 0;
	fclose(fp);
	return n;
}

/* How many times needle occurs in the servers' log. */
static int
servers_log_count(const char *needle)
{
	char		 path[320], *log;
	const char	*p;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/log/servers.log", dir);
	if ((log = frontend_read_file(path)) == NULL)
		return 0;
	for (p = log; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* Waits up to WAIT_S for count() of what to exceed above. */
static bool
wait_above(int (*count)(const char *), const char *what, int above)
{
	int	i;

	for (i = 0; i < WAIT_S * 10; i++) {
		if (count(what) > above)
			return true;
		usleep(100000);
	}
	return false;
}

/* relay_bin --websocket with conf, listening on 127.0.0.1:port. */
static pid_t
spawn_bridge(const char *relay_bin, const char *conf, int port,
    const char *log)
{
	char	listen[64];

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	if (frontend_valgrind()) {
		char	cmd[2048];

		/* The shell execs valgrind: the PID is still the relay's. */
		snprintf(cmd, sizeof(cmd), "exec " FRONTEND_VALGRIND " "
		    FRONTEND_VALGRIND_OPTIONS " --log-file=%s/log/"
		    "valgrind-%%p.log '%s' --websocket --listen %s "
		    "--config '%s'", dir, relay_bin, listen, conf);
		return spawn((char *[]){ "/bin/sh", "-c", cmd, NULL }, log);
	}
	return spawn((char *[]){ (char *)relay_bin, "--websocket", "--listen",
	    listen, "--config", (char *)conf, NULL }, log);
}

/*
 * A relay.conf for a bridge in front of http://127.0.0.1:upstream_port,
 * with dir/keys.txt and state_line (empty: the SQLite store beside it).
 */
static int
write_bridge_conf(const char *path, int upstream_port, const char *state_line)
{
	char	conf[1024];

	/* An http:// base: the bridge must connect with ws://. */
	snprintf(conf, sizeof(conf),
	    "OPENAI_API_BASE = http://127.0.0.1:%d/v1\n"
	    "OPENAI_API_KEY = " TEST_OPENAI_KEY "\n"
	    "RELAY_KEY = " TEST_RELAY_KEY "\n"
	    "RELAY_KEYS_FILE = %s/keys.txt\n%s"
	    "RELAY_REALTIME_WS_ENABLED = true\n"
	    "RELAY_REALTIME_WS_MAX_MESSAGE = 262144\n", upstream_port, dir,
	    state_line);
	if (write_file(path, conf) != 0)
		return -1;
	return chmod(path, 0600);
}

int
wsbridge_fixture_start(const char *relay_bin)
{
	char	path[512], portbuf[32], log[320], nowhere[80];
	FILE	*fp;
	int	fake_port = 0, bridge_port, scripted_port, n;

	snprintf(relay, sizeof(relay), "%s", relay_bin);
	snprintf(dir, sizeof(dir), "/tmp/relay-ws-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(log, sizeof(log), "%s/log/servers.log", dir);
	/* lighttpd opens its error log as www-data, after dropping root. */
	chmod(dir, 0755);
	for (n = 0; n < 3; n++) {
		static const char *const sub[] = { "www", "run", "log" };

		snprintf(path, sizeof(path), "%s/%s", dir, sub[n]);
		mkdir(path, 0777);
		chmod(path, 0777);
	}
	snprintf(path, sizeof(path), "%s/fake-ws.port", dir);
	pids[PID_FAKE_WS] = spawn((char *[]){ "tests/fake_ws/fake-ws", path,
	    NULL }, log);
	for (n = 0; n < WAIT_S * 10 && fake_port <= 0; n++) {
		usleep(100000);
		if ((fp = fopen(path, "r")) != NULL) {
			if (fscanf(fp, "%d", &fake_port) != 1)
				fake_port = 0;
			fclose(fp);
		}
	}
	bridge_port = frontend_free_port();
	http_port = frontend_free_port();
	scripted_bridge_port = frontend_free_port();
	scripted_port = scripted_start();
	if (fake_port <= 0 || bridge_port <= 0 || http_port <= 0 ||
	    scripted_bridge_port <= 0 || scripted_port <= 0)
		goto fail;

	snprintf(path, sizeof(path), "%s/keys.txt", dir);
	if (write_file(path, TEST_KEYS_FILE) != 0 || chmod(path, 0600) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/relay.conf", dir);
	if (write_bridge_conf(path, fake_port, "") != 0)
		goto fail;
	pids[PID_RELAY] = spawn_bridge(relay_bin, path, bridge_port, log);
	/* A port nothing listens on: the store is down. */
	snprintf(nowhere, sizeof(nowhere), "RELAY_STATE = redis://127.0.0.1:"
	    "%d\n", frontend_free_port());
	snprintf(path, sizeof(path), "%s/relay-scripted.conf", dir);
	if (write_bridge_conf(path, scripted_port, nowhere) != 0)
		goto fail;
	pids[PID_RELAY_SCRIPTED] = spawn_bridge(relay_bin, path,
	    scripted_bridge_port, log);
	snprintf(path, sizeof(path), "%s/lighttpd.conf", dir);
	if (write_lighttpd_conf(path, bridge_port) != 0)
		goto fail;
	pids[PID_LIGHTTPD] = spawn((char *[]){ "/usr/sbin/lighttpd", "-D",
	    "-f", path, NULL }, log);
	for (n = 0; n < WAIT_S * 10; n++) {
		if (frontend_port_open(bridge_port) &&
		    frontend_port_open(http_port) &&
		    frontend_port_open(scripted_bridge_port))
			return 0;
		usleep(100000);
	}
fail:
	snprintf(portbuf, sizeof(portbuf), "%d", fake_port);
	fprintf(stderr, "integ: the WebSocket bridge did not start (fake "
	    "port %s); see %s\n", portbuf, log);
	stop_all();
	return -1;
}

void
wsbridge_fixture_halt(void)
{
	stop_all();
}

const char *
wsbridge_fixture_dir(void)
{
	return dir;
}

void
wsbridge_fixture_stop(void)
{
	char	cmd[300];

	stop_all();
	if (dir[0] != '\0' && strncmp(dir, "/tmp/relay-ws-", 14) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "integ: could not remove %s\n", dir);
	}
	dir[0] = '\0';
}

static int
open_ok(const char *const *headers)
{
	int	status, fd;

	fd = ws_open(http_port, WS_TARGET, headers, &status);
	ck_assert_msg(fd >= 0, "upgrade refused: HTTP %d", status);
	return fd;
}

/* Receives one frame and checks its kind. */
static char *
expect(int fd, int opcode, size_t *len)
{
	char	*msg;
	int	 got = ws_recv(fd, &msg, len);

	ck_assert_msg(got == opcode, "opcode %d, want %d", got, opcode);
	return msg;
}

START_TEST(unauthenticated_upgrade_is_refused)
{
	static const char *const none[] = { NULL };
	static const char *const wrong[] = { "X-Relay-Key: not-the-key-at-all",
	    NULL };
	static const char *const wrong_sub[] = { "Sec-WebSocket-Protocol: "
	    "realtime, openai-insecure-api-key.not-the-key-at-all", NULL };
	static const char *const good[] = { KEY_HEADER, NULL };
	int	status;

	ck_assert_int_eq(ws_open(http_port, WS_TARGET, none, &status), -1);
	ck_assert_int_eq(status, 401);
	ck_assert_int_eq(ws_open(http_port, WS_TARGET, wrong, &status), -1);
	ck_assert_int_eq(status, 401);
	ck_assert_int_eq(ws_open(http_port, WS_TARGET, wrong_sub, &status),
	    -1);
	ck_assert_int_eq(status, 401);
	/* A good key but a model off the allowlist. */
	ck_assert_int_eq(ws_open(http_port, "/v1/realtime/ws?model=gpt-4o",
	    good, &status), -1);
	ck_assert_int_eq(status, 400);
}
END_TEST

START_TEST(session_relays_text_binary_and_pings)
{
	static const char *const headers[] = { KEY_HEADER, NULL };
	static const char update[] = "{\"type\":\"session.update\","
	    "\"session\":{\"instructions\":\"Be brief.\"}}";
	struct json_object	*seen;
	unsigned char		*blob;
	char			*msg;
	size_t			 len, i, n = 100000;
	int			 fd = open_ok(headers);

	ck_assert_int_eq(ws_send(fd, WS_TEXT, update, strlen(update)), 0);
	msg = expect(fd, WS_TEXT, &len);
	ck_assert_ptr_nonnull(strstr(msg, "\"type\":\"session.updated\""));
	free(msg);

	/* One large binary message: back whole, bytes unchanged. */
	blob = malloc(n);
	for (i = 0; i < n; i++)
		blob[i] = (unsigned char)(i * 7 + (i >> 8));
	ck_assert_int_eq(ws_send(fd, WS_BINARY, blob, n), 0);
	msg = expect(fd, WS_BINARY, &len);
	ck_assert_uint_eq(len, n);
	ck_assert(memcmp(msg, blob, n) == 0);
	free(msg);
	free(blob);

	ck_assert_int_eq(ws_send(fd, WS_PING, "hi", 2), 0);
	msg = expect(fd, WS_PONG, &len);
	ck_assert_uint_eq(len, 2);
	ck_assert(memcmp(msg, "hi", 2) == 0);
	free(msg);

	/* Upstream saw the operator's key, the model, no client secret. */
	ck_assert_int_eq(ws_send(fd, WS_TEXT, "inspect", 7), 0);
	msg = expect(fd, WS_TEXT, &len);
	ck_assert_ptr_null(strstr(msg, TEST_RELAY_KEY));
	seen = json_tokener_parse(msg);
	ck_assert_ptr_nonnull(seen);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(seen,
	    "authorization")), "Bearer " TEST_OPENAI_KEY);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(seen,
	    "path")), "/v1/realtime");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(seen,
	    "model")), "gpt-realtime-mini");
	json_object_put(seen);
	free(msg);
	close(fd);
}
END_TEST

START_TEST(browser_subprotocol_key_is_accepted_and_kept_local)
{
	static const char *const headers[] = { "Sec-WebSocket-Protocol: "
	    "realtime, openai-insecure-api-key." TEST_RELAY_KEY, NULL };
	char	*msg;
	size_t	 len;
	int	 fd = open_ok(headers);

	ck_assert_int_eq(ws_send(fd, WS_TEXT, "inspect", 7), 0);
	msg = expect(fd, WS_TEXT, &len);
	ck_assert_ptr_null(strstr(msg, TEST_RELAY_KEY));
	ck_assert_ptr_nonnull(strstr(msg, "Bearer " TEST_OPENAI_KEY));
	free(msg);
	close(fd);
}
END_TEST

START_TEST(upstream_close_code_reaches_the_client)
{
	static const char *const headers[] = { KEY_HEADER, NULL };
	char	*msg;
	size_t	 len;
	int	 fd = open_ok(headers);

	ck_assert_int_eq(ws_send(fd, WS_TEXT, "close:1008", 10), 0);
	msg = expect(fd, WS_CLOSE, &len);
	ck_assert_uint_ge(len, 2);
	ck_assert_int_eq(((unsigned char)msg[0] << 8) | (unsigned char)msg[1],
	    1008);
	free(msg);
	close(fd);
}
END_TEST

/* Opens a session with the second bridge, for model; waits WAIT_S. */
static int
open_scripted(const char *model)
{
	static const char *const headers[] = { KEY_HEADER, NULL };
	struct timeval	tv = { WAIT_S, 0 };
	char		target[128];
	int		status, fd;

	snprintf(target, sizeof(target), "/v1/realtime/ws?model=%s", model);
	fd = ws_open(scripted_bridge_port, target, headers, &status);
	ck_assert_msg(fd >= 0, "upgrade refused: HTTP %d", status);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The close code of a close frame the bridge sends next. */
static int
expect_close(int fd)
{
	char	*msg;
	size_t	 len;
	int	 code;

	msg = expect(fd, WS_CLOSE, &len);
	ck_assert_uint_ge(len, 2);
	code = ((unsigned char)msg[0] << 8) | (unsigned char)msg[1];
	free(msg);
	return code;
}

/*
 * An upstream that answers the upgrade with a redirect gets no second
 * handshake: libwebsockets would follow it to any host, with the
 * operator's key.  The client is told the upstream failed.
 */
START_TEST(upstream_redirect_is_not_followed)
{
	int	before = scripted_count("upstream redirect");
	int	fd = open_scripted(MODEL_REDIRECT);

	ck_assert_int_eq(expect_close(fd), 1011);
	close(fd);
	ck_assert_int_eq(scripted_count("upstream redirect"), before + 1);
	ck_assert_int_eq(scripted_count("redirected"), 0);
}
END_TEST

/*
 * A client that leaves while its upstream's handshake is pending:
 * opens a session, waits until the upstream holds the handshake, and
 * closes.  Returns how many sessions the bridge had logged before.
 */
static int
leave_before_upstream_answers(void)
{
	int	logged = servers_log_count("model=" MODEL_SILENT " close=");
	int	held = scripted_count("upstream held");
	int	fd = open_scripted(MODEL_SILENT);
	char	*msg, c;
	size_t	 len;

	ck_assert_msg(wait_above(scripted_count, "upstream held", held),
	    "the upstream never saw the handshake");
	ck_assert_int_eq(ws_send(fd, WS_CLOSE, "\x03\xe8", 2), 0);
	/* The bridge answers the close, then ends the connection. */
	ck_assert_int_eq(ws_recv(fd, &msg, &len), WS_CLOSE);
	free(msg);
	ck_assert_int_eq(read(fd, &c, 1), 0);
	close(fd);
	return logged;
}

/*
 * The upstream never answers and the client has left: libwebsockets
 * gives up on the handshake after its timeout, and the bridge must end
 * (and log) the session then rather than keep it forever.
 */
START_TEST(session_ends_when_a_pending_upstream_is_dropped)
{
	int	logged = leave_before_upstream_answers();

	ck_assert_msg(wait_above(servers_log_count, "model=" MODEL_SILENT
	    " close=", logged), "the bridge kept the session of a client "
	    "that left");
}
END_TEST

/*
 * The upstream gives up after the client has left: the bridge, freed
 * then, must not be touched again (a use-after-free the sanitized and
 * valgrind runs catch; the sanitized bridge aborts on it).
 */
START_TEST(upstream_failing_after_the_client_left_is_safe)
{
	static const char *const none[] = { NULL };
	int	logged = leave_before_upstream_answers(), status;

	ck_assert_int_eq(kill(pids[PID_SCRIPTED], SIGUSR1), 0);
	ck_assert_msg(wait_above(servers_log_count, "model=" MODEL_SILENT
	    " close=", logged), "the bridge never ended the session");
	/* Served after the session's end: the bridge is still there. */
	ck_assert_int_eq(ws_open(scripted_bridge_port, WS_TARGET, none,
	    &status), -1);
	ck_assert_int_eq(status, 401);
}
END_TEST

/*
 * An upgrade with key: the session, or -1 with the HTTP status in
 * *status and the refusal's head and body in answer.
 */
static int
open_keyed(int port, const char *key, int *status, char *answer,
    size_t answersz)
{
	char			header[160];
	const char *const	headers[] = { header, NULL };

	snprintf(header, sizeof(header), "X-Relay-Key: %s", key);
	return ws_open_answer(port, WS_TARGET, headers, status, answer,
	    answersz);
}

/* The upgrade with key is refused with status and code. */
static void
expect_refused(int port, const char *key, int want, const char *code,
    char *answer, size_t answersz)
{
	int	status, fd = open_keyed(port, key, &status, answer, answersz);

	if (fd >= 0)
		close(fd);
	ck_assert_msg(fd < 0, "a session opened for %s; want %d %s", key, want,
	    code);
	ck_assert_int_eq(status, want);
	ck_assert_msg(strstr(answer, code) != NULL, "%s", answer);
}

/* Ends a session as a client should: a close frame, answered. */
static void
end_session(int fd)
{
	char	*msg;
	size_t	 len;

	ck_assert_int_eq(ws_send(fd, WS_CLOSE, "\x03\xe8", 2), 0);
	ck_assert_int_eq(ws_recv(fd, &msg, &len), WS_CLOSE);
	free(msg);
	close(fd);
}

/*
 * Opens a session for key once the bridge has ended the earlier ones
 * (it does so after their close, in its own time), waiting WAIT_S; until
 * then it is refused with refused_status.
 */
static int
open_once_ended(const char *key, int refused_status)
{
	char	answer[4096];
	int	status, fd = -1, i;

	for (i = 0; i < WAIT_S * 10 && fd < 0; i++) {
		fd = open_keyed(http_port, key, &status, answer,
		    sizeof(answer));
		if (fd < 0) {
			ck_assert_msg(status == refused_status, "%s", answer);
			usleep(100000);
		}
	}
	ck_assert_msg(fd >= 0, "the bridge never ended %s's session", key);
	return fd;
}

START_TEST(key_models_and_surface_apply_to_sessions)
{
	char	answer[4096];

	/* models=gpt-4o-mini,gpt-5*: not the realtime model. */
	expect_refused(http_port, TEST_KEYS_MODELS, 403, "model_not_allowed",
	    answer, sizeof(answer));
	ck_assert_ptr_nonnull(strstr(answer, "\"param\":\"model\""));
	/* surface=actions: the bridge is no operation of the document. */
	expect_refused(http_port, TEST_KEYS_GPT, 403, "route_not_allowed",
	    answer, sizeof(answer));
}
END_TEST

/* concurrency=1: a session holds its key's slot until it ends. */
START_TEST(session_holds_a_concurrency_slot)
{
	char	answer[4096];
	int	status, fd = open_keyed(http_port, TEST_KEYS_ONE, &status,
	    answer, sizeof(answer));

	ck_assert_msg(fd >= 0, "HTTP %d: %s", status, answer);
	expect_refused(http_port, TEST_KEYS_ONE, 429,
	    "too_many_concurrent_requests", answer, sizeof(answer));
	end_session(fd);
	end_session(open_once_ended(TEST_KEYS_ONE, 429));
}
END_TEST

/*
 * rpm=3: each session is one request of its minute.  The windows are
 * fixed minutes: an attempt that a minute's end cuts in two proves
 * nothing, and the next starts with the minute after.
 */
START_TEST(sessions_count_against_rpm)
{
	char	answer[4096], *retry;
	time_t	minute, now;
	int	status, opened = 0, refused_status = 0, attempt, i, fd;

	for (attempt = 0; attempt < 3; attempt++) {
		minute = time(NULL) / 60;
		for (opened = 0; opened <= TEST_KEYS_RATE_RPM; opened++) {
			fd = open_keyed(http_port, TEST_KEYS_RATE, &status,
			    answer, sizeof(answer));
			if (fd < 0)
				break;
			end_session(fd);
		}
		refused_status = fd < 0 ? status : 0;
		if ((now = time(NULL) / 60) == minute)
			break;
		while (time(NULL) / 60 == now)
			usleep(20000);
	}
	ck_assert_msg(attempt < 3, "a minute ended during every attempt");
	ck_assert_int_eq(opened, TEST_KEYS_RATE_RPM);
	ck_assert_int_eq(refused_status, 429);
	ck_assert_msg(strstr(answer, "rate_limit_exceeded") != NULL, "%s",
	    answer);
	retry = strcasestr(answer, "\r\nRetry-After:");
	ck_assert_msg(retry != NULL, "%s", answer);
	i = (int)strtol(retry + 14, NULL, 10);
	ck_assert(i >= 1 && i <= 60);
}
END_TEST

/* The sum of field over the rows `relay usage --json --key name` prints. */
static long long
usage_total(const char *name, const char *field)
{
	char		 cmd[1024], out[16384];
	long long	 total;
	size_t		 got;
	FILE		*p;

	snprintf(cmd, sizeof(cmd), "'%s' usage --config '%s/relay.conf' "
	    "--json --key %s", relay, dir, name);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	got = fread(out, 1, sizeof(out) - 1, p);
	out[got] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	total = json_rows_sum(out, field);
	ck_assert_msg(total >= 0, "%s", out);
	return total;
}

/*
 * tokens_per_day=3: a session whose response.done reports 7 tokens
 * spends the day's budget (it completes), and the key's next session is
 * refused once the first has ended.  The usage is the key's, under the
 * session's model, as `relay usage` shows it.
 */
START_TEST(session_usage_is_recorded_and_spends_the_budget)
{
	char	answer[4096], *msg;
	size_t	len;
	int	status, fd, i;

	/* The budget and `relay usage` (today) count by UTC day. */
	utc_day_room(3 * WAIT_S / 2);
	fd = open_keyed(http_port, TEST_KEYS_BUDGET, &status, answer,
	    sizeof(answer));
	ck_assert_msg(fd >= 0, "HTTP %d: %s", status, answer);
	ck_assert_int_eq(ws_send(fd, WS_TEXT, "respond", 7), 0);
	msg = expect(fd, WS_TEXT, &len);
	ck_assert_ptr_nonnull(strstr(msg, "\"response.done\""));
	free(msg);
	end_session(fd);
	/* Sessions opened before the first has ended are allowed. */
	for (i = 0; i < WAIT_S * 10; i++) {
		fd = open_keyed(http_port, TEST_KEYS_BUDGET, &status, answer,
		    sizeof(answer));
		if (fd < 0)
			break;
		end_session(fd);
		usleep(100000);
	}
	ck_assert_msg(fd < 0, "the budget was never spent");
	ck_assert_int_eq(status, 429);
	ck_assert_msg(strstr(answer, "insufficient_quota") != NULL, "%s",
	    answer);
	ck_assert_int_eq(usage_total("budget", "total_tokens"), 7);
	ck_assert_int_eq(usage_total("budget", "input_tokens"), 3);
	ck_assert_int_eq(usage_total("budget", "output_tokens"), 4);
	ck_assert_int_eq(usage_total("budget", "cached_tokens"), 1);
	ck_assert_int_ge(usage_total("budget", "requests"), 1);
	/* The first session's line comes before its usage, so before 429. */
	ck_assert_int_eq(servers_log_count(" tokens=7\n"), 1);
}
END_TEST

/*
 * With the store down, a limited key's session is refused (fail
 * closed); an unlimited key's still opens (and reaches the upstream,
 * which redirects it).
 */
START_TEST(limited_keys_fail_closed_without_the_store)
{
	char	answer[4096];
	int	fd;

	expect_refused(scripted_bridge_port, TEST_KEYS_ONE, 503,
	    "limits_unavailable", answer, sizeof(answer));
	fd = open_scripted(MODEL_REDIRECT);
	ck_assert_int_eq(expect_close(fd), 1011);
	close(fd);
}
END_TEST

void
add_wsbridge_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("bridge");

	(void)kind;
	tcase_set_timeout(tc, 3 * WAIT_S);
	tcase_add_test(tc, unauthenticated_upgrade_is_refused);
	tcase_add_test(tc, session_relays_text_binary_and_pings);
	tcase_add_test(tc, browser_subprotocol_key_is_accepted_and_kept_local);
	tcase_add_test(tc, upstream_close_code_reaches_the_client);
	tcase_add_test(tc, upstream_redirect_is_not_followed);
	tcase_add_test(tc, upstream_failing_after_the_client_left_is_safe);
	tcase_add_test(tc, session_ends_when_a_pending_upstream_is_dropped);
	tcase_add_test(tc, key_models_and_surface_apply_to_sessions);
	tcase_add_test(tc, session_holds_a_concurrency_slot);
	tcase_add_test(tc, sessions_count_against_rpm);
	tcase_add_test(tc, session_usage_is_recorded_and_spends_the_budget);
	tcase_add_test(tc, limited_keys_fail_closed_without_the_store);
	suite_add_tcase(s, tc);
}
