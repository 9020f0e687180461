/*
 * The Realtime WebSocket bridge behind real lighttpd (from the shipped
 * deploy/lighttpd-websocket.conf), in front of the fake Realtime
 * endpoint tests/fake_ws/fake-ws.  Everything on loopback, started here
 * and stopped by PID.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "tests/integ/integ.h"
#include "tests/integ/wsclient.h"

#define KEY_HEADER	"X-Relay-Key: " TEST_RELAY_KEY
#define WS_TARGET	"/v1/realtime/ws?model=gpt-realtime-mini"

static char	dir[256];
static pid_t	pids[3];	/* fake-ws, relay --websocket, lighttpd */
static int	http_port;

static bool
port_open(int port)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

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

	for (i = 2; i >= 0; i--) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGTERM);
		for (n = 0; n < 50 && waitpid(pids[i], &status, WNOHANG) == 0;
		    n++)
			usleep(100000);
		if (n == 50) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
		}
		pids[i] = 0;
	}
}

int
wsbridge_fixture_start(const char *relay_bin)
{
	char	path[512], conf[1024], portbuf[32], listen[64], log[320];
	FILE	*fp;
	int	fake_port = 0, bridge_port, n;

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
	pids[0] = spawn((char *[]){ "tests/fake_ws/fake-ws", path, NULL }, log);
	for (n = 0; n < 100 && fake_port <= 0; n++) {
		usleep(100000);
		if ((fp = fopen(path, "r")) != NULL) {
			if (fscanf(fp, "%d", &fake_port) != 1)
				fake_port = 0;
			fclose(fp);
		}
	}
	bridge_port = frontend_free_port();
	http_port = frontend_free_port();
	if (fake_port <= 0 || bridge_port <= 0 || http_port <= 0)
		goto fail;

	/* An http:// base: the bridge must connect with ws://. */
	snprintf(conf, sizeof(conf),
	    "OPENAI_API_BASE = http://127.0.0.1:%d/v1\n"
	    "OPENAI_API_KEY = " TEST_OPENAI_KEY "\n"
	    "RELAY_KEY = " TEST_RELAY_KEY "\n"
	    "RELAY_REALTIME_WS_ENABLED = true\n"
	    "RELAY_REALTIME_WS_MAX_MESSAGE = 262144\n", fake_port);
	snprintf(path, sizeof(path), "%s/relay.conf", dir);
	if (write_file(path, conf) != 0)
		goto fail;
	chmod(path, 0600);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", bridge_port);
	if (frontend_valgrind()) {
		char	cmd[2048];

		/* The shell execs valgrind: pids[1] is still the relay's. */
		snprintf(cmd, sizeof(cmd), "exec " FRONTEND_VALGRIND " "
		    FRONTEND_VALGRIND_OPTIONS " --log-file=%s/log/"
		    "valgrind-%%p.log '%s' --websocket --listen %s "
		    "--config '%s'", dir, relay_bin, listen, path);
		pids[1] = spawn((char *[]){ "/bin/sh", "-c", cmd, NULL }, log);
	} else
		pids[1] = spawn((char *[]){ (char *)relay_bin, "--websocket",
		    "--listen", listen, "--config", path, NULL }, log);
	snprintf(path, sizeof(path), "%s/lighttpd.conf", dir);
	if (write_lighttpd_conf(path, bridge_port) != 0)
		goto fail;
	pids[2] = spawn((char *[]){ "/usr/sbin/lighttpd", "-D", "-f", path,
	    NULL }, log);
	for (n = 0; n < 100; n++) {
		if (port_open(bridge_port) && port_open(http_port))
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

Suite *
wsbridge_suite(void)
{
	Suite	*s = suite_create("wsbridge-lighttpd");
	TCase	*tc = tcase_create("bridge");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, unauthenticated_upgrade_is_refused);
	tcase_add_test(tc, session_relays_text_binary_and_pings);
	tcase_add_test(tc, browser_subprotocol_key_is_accepted_and_kept_local);
	tcase_add_test(tc, upstream_close_code_reaches_the_client);
	suite_add_tcase(s, tc);
	return s;
}
