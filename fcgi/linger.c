#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgi/linger.h"
#include "policy/util.h"
#include "policy/xalloc.h"

struct lingering {
	int			fd;
	double			deadline_ms;
	unsigned long long	bytes;
};

struct lingerer {
	pthread_t		 thread;
	pthread_mutex_t		 lock;		/* guards the three below */
	struct lingering	 conns[LINGER_MAX];
	size_t			 n;
	bool			 stopping;
	int			 wake[2];	/* a pipe: new work, or stop */
};

/* Wakes the thread; a full pipe has woken it already. */
static void
wake(struct lingerer *l)
{
	ssize_t	n = write(l->wake[1], "", 1);

	(void)n;
}

/*
 * Reads what has come on c, a bounded amount per call so that one fast
 * sender cannot keep the others waiting; false once c is to be closed.
 */
static bool
linger_read(struct lingering *c, double now)
{
	char	buf[65536];
	ssize_t	n = 0;
	int	reads;

	for (reads = 0; reads < 16; reads++) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		c->bytes += (unsigned long long)n;
		if (c->bytes > LINGER_BYTES_MAX)
			return false;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR))
		return false;
	return now < c->deadline_ms;
}

/*
 * Only this thread removes connections, and linger_close only appends,
 * so the first n of a snapshot stay put while it reads them unlocked.
 */
static void *
linger_main(void *arg)
{
	struct lingerer	*l = arg;
	struct pollfd	 pfd[LINGER_MAX + 1];
	bool		 done[LINGER_MAX];
	size_t		 n, i, kept;
	double		 now, next;
	char		 drop[64];

	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		n = l->n;
		now = now_ms();
		next = now + LINGER_MS;
		pfd[0] = (struct pollfd){ l->wake[0], POLLIN, 0 };
		for (i = 0; i < n; i++) {
			pfd[i + 1] = (struct pollfd){ l->conns[i].fd, POLLIN, 0 };
			if (l->conns[i].deadline_ms < next)
				next = l->conns[i].deadline_ms;
		}
		pthread_mutex_unlock(&l->lock);
		(void)poll(pfd, n + 1, next > now ? (int)(next - now) + 1 : 0);
		while (read(l->wake[0], drop, sizeof(drop)) > 0)
			continue;
		now = now_ms();
		for (i = 0; i < n; i++) {
			done[i] = (pfd[i + 1].revents != 0 ||
			    now >= l->conns[i].deadline_ms) &&
			    !linger_read(&l->conns[i], now);
			if (done[i])
				close(l->conns[i].fd);
		}
		pthread_mutex_lock(&l->lock);
		for (i = kept = 0; i < l->n; i++)
			if (i >= n || !done[i])
				l->conns[kept++] = l->conns[i];
		l->n = kept;
	}
	for (i = 0; i < l->n; i++)
		close(l->conns[i].fd);
	l->n = 0;
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

struct lingerer *
linger_start(void)
{
	struct lingerer	*l = xcalloc(1, sizeof(*l));

	pthread_mutex_init(&l->lock, NULL);
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) == -1)
		goto fail;
	if (pthread_create(&l->thread, NULL, linger_main, l) != 0) {
		close(l->wake[0]);
		close(l->wake[1]);
		goto fail;
	}
	return l;
fail:
	pthread_mutex_destroy(&l->lock);
	free(l);
	return NULL;
}

void
linger_close(struct lingerer *l, int fd)
{
	bool	taken = false;

	(void)shutdown(fd, SHUT_WR);
	if (l != NULL) {
		pthread_mutex_lock(&l->lock);
		if (l->n < LINGER_MAX && !l->stopping) {
			l->conns[l->n++] = (struct lingering){ fd,
			    now_ms() + LINGER_MS, 0 };
			taken = true;
		}
		pthread_mutex_unlock(&l->lock);
	}
	if (taken)
		wake(l);
	else
		close(fd);
}

void
linger_stop(struct lingerer *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	pthread_join(l->thread, NULL);
	close(l->wake[0]);
	close(l->wake[1]);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
