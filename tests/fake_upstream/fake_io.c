#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/fake_upstream/fake_io.h"

static int stop_pipe[2] = { -1, -1 };
/* One byte per release not yet taken; both ends non-blocking. */
static int release_pipe[2] = { -1, -1 };
/* Each connection has its own thread, so a per-thread pace is per answer. */
static _Thread_local long trickle_ms;
/* Lock-free, so both the signal handler and every thread may use it. */
static atomic_int stop_flag;

int io_init(void)
{
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	return pipe2(release_pipe, O_CLOEXEC | O_NONBLOCK);
}

void io_free(void)
{
	for (int i = 0; i < 2; i++) {
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
		stop_pipe[i] = -1;
		if (release_pipe[i] >= 0)
			close(release_pipe[i]);
		release_pipe[i] = -1;
	}
}

void io_request_stop(void)
{
	int saved = errno;
	char c = 's';

	atomic_store(&stop_flag, 1);
	/* Never drained: the read end stays readable and wakes every poll. */
	if (write(stop_pipe[1], &c, 1) < 0) {
		/* Pipe already full means a stop is already pending. */
	}
	errno = saved;
}

int io_stopping(void)
{
	return atomic_load(&stop_flag) != 0;
}

int io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p[2];
	int64_t deadline = timeout_ms >= 0 ? io_mono_ms() + timeout_ms : 0;
	int n = 1;

	p[0].fd = stop_pipe[0];
	p[0].events = POLLIN;
	if (fd >= 0) {
		p[1].fd = fd;
		p[1].events = events;
		n = 2;
	}
	for (;;) {
		int left = -1, r;

		if (timeout_ms >= 0) {
			int64_t d = deadline - io_mono_ms();

			left = d > 0 ? (int)d : 0;
		}
		r = poll(p, (nfds_t)n, left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (io_stopping() || (p[0].revents & POLLIN))
			return -1;
		if (r == 0)
			return 0;
		if (n == 2 && p[1].revents)
			return 1;
	}
}

int io_sleep_ms(long ms)
{
	if (ms <= 0)
		return io_stopping() ? -1 : 0;
	if (ms > 0x7fffffffL)
		ms = 0x7fffffffL;
	return io_wait(-1, 0, (int)ms) < 0 ? -1 : 0;
}

ssize_t io_read(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n;

		if (io_stopping())
			return -1;
		n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io_wait(fd, POLLIN, -1) < 0)
			return -1;
	}
}

void io_set_trickle_ms(long ms)
{
	trickle_ms = ms;
}

void io_reset_on_close(int fd)
{
	struct linger lg = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n;

		if (io_stopping())
			return -1;
		if (trickle_ms > 0 && io_sleep_ms(trickle_ms) < 0)
			return -1;
		n = send(fd, p, trickle_ms > 0 ? 1 : len, MSG_NOSIGNAL);
		if (n >= 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io_wait(fd, POLLOUT, -1) < 0)
			return -1;
	}
	return 0;
}

void io_wait_peer_close(int fd)
{
	/*
	 * POLLRDHUP without POLLIN: a peer that sends more bytes does not
	 * wake us (we read nothing more), only its close or reset does.
	 */
	(void)io_wait(fd, POLLRDHUP, -1);
}

void io_release(void)
{
	char c = 'r';

	/* A full pipe holds 64 Ki releases: more than any test makes. */
	if (write(release_pipe[1], &c, 1) < 0) {
		/* Nothing to do: the release is lost, a hold stays held. */
	}
}

void io_release_clear(void)
{
	char buf[256];

	while (read(release_pipe[0], buf, sizeof(buf)) > 0)
		continue;
}

int io_hold(int fd)
{
	struct pollfd p[3] = {
		{ stop_pipe[0], POLLIN, 0 },
		{ release_pipe[0], POLLIN, 0 },
		{ fd, POLLRDHUP, 0 },
	};
	char c;

	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (io_stopping() || (p[0].revents & POLLIN) || p[2].revents)
			return -1;
		/* Another held answer may take the byte first: wait again. */
		if ((p[1].revents & POLLIN) && read(release_pipe[0], &c, 1) == 1)
			return 0;
	}
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t io_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t io_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}
