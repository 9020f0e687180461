/*
 * fake-upstream: a stand-in for the OpenAI API that the relay's tests
 * start on loopback. It records every request for the tests to inspect
 * and answers with canned or scripted responses (see /__fake/ in
 * fake_control.c and struct script); Files, Uploads, Images, Videos and
 * container file content are emulated with in-memory state
 * (fake_emulate.c, fake_store.c, fake_blob.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fake_upstream/fake_conn.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_record.h"
#include "tests/fake_upstream/fake_script.h"
#include "tests/fake_upstream/fake_store.h"

/* Leaves room before the promised 1 s for the process to exit. */
#define SHUTDOWN_WAIT_MS 800

static void usage(FILE *out)
{
	fputs("usage: fake-upstream [--port N] [--port-file PATH] [--quiet]\n"
	      "Listens on 127.0.0.1 (port 0 = ephemeral) until SIGTERM/SIGINT.\n",
	      out);
}

static int parse_port(const char *s, int *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* Written then renamed, so a waiting test never reads half a number. */
static int write_port_file(const char *path, int port)
{
	char tmp[4096], text[16];
	int fd, n, rc = -1;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	n = snprintf(text, sizeof(text), "%d\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)n) == n && close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int listen_loopback(int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	/* Loopback only: this server answers anyone without a key. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	io_request_stop();
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	/* Peers vanish mid-write all the time in these tests. */
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	return 0;
}

static void accept_loop(int lfd)
{
	int one = 1;

	while (io_wait(lfd, POLLIN, -1) == 1) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			/* Out of descriptors: let connections drain a little. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				(void)io_sleep_ms(50);
			continue;
		}
		/* SSE events must leave as soon as they are written. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)conn_start(fd);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *port_file = NULL;
	int port = 0, quiet = 0, bound, lfd, opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_port(optarg, &port) < 0) {
				fprintf(stderr, "fake-upstream: bad --port %s\n", optarg);
				return 2;
			}
			break;
		case 'f':
			port_file = optarg;
			break;
		case 'q':
			quiet = 1;
			conn_set_quiet(1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (io_init() < 0 || install_signals() < 0) {
		perror("fake-upstream: setup");
		return 1;
	}
	lfd = listen_loopback(port, &bound);
	if (lfd < 0) {
		fprintf(stderr, "fake-upstream: cannot listen on 127.0.0.1:%d: %s\n",
			port, strerror(errno));
		return 1;
	}
	if (port_file != NULL && write_port_file(port_file, bound) < 0) {
		fprintf(stderr, "fake-upstream: cannot write %s: %s\n", port_file,
			strerror(errno));
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "fake-upstream: listening on 127.0.0.1:%d\n", bound);
	accept_loop(lfd);
	close(lfd);
	if (!conn_wait_idle(SHUTDOWN_WAIT_MS)) {
		/* A thread stuck somewhere must not keep the test waiting. */
		fflush(stderr);
		/* Spilled files are unlinked already; the directory is empty. */
		blob_tmpdir_remove();
		_exit(0);
	}
	record_clear();
	script_clear();
	store_clear();
	io_free();
	return 0;
}
