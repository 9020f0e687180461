/*
 * Lingering closes (fcgi/linger.c) on a socket pair: the far end sees
 * the answer's end at once, and the connection is closed once the far
 * end closes, however much it sent meanwhile.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgi/linger.h"
#include "tests/unit/suites.h"

/* Whether fd is still open in this process, waiting up to wait_ms. */
static int
still_open(int fd, int wait_ms)
{
	char	path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (; wait_ms > 0 && access(path, F_OK) == 0; wait_ms -= 50)
		usleep(50000);
	return access(path, F_OK) == 0;
}

START_TEST(the_far_end_sees_the_end_and_may_keep_sending)
{
	struct lingerer	*l = linger_start();
	char		 buf[4096];
	int		 sv[2];

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], "answer", 6), 6);
	linger_close(l, sv[0]);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 6);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 0);	/* its end */
	/* What the front server still sends is read and thrown away. */
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 256; i++)
		ck_assert_int_eq(write(sv[1], buf, sizeof(buf)),
		    (int)sizeof(buf));
	ck_assert(still_open(sv[0], 0));
	close(sv[1]);
	ck_assert_msg(!still_open(sv[0], 20000), "kept after the far end "
	    "closed");
	linger_stop(l);
}
END_TEST

START_TEST(stopping_closes_what_lingers)
{
	struct lingerer	*l = linger_start();
	int		 sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	linger_close(l, sv[0]);
	linger_stop(l);
	ck_assert(!still_open(sv[0], 0));
	close(sv[1]);
	/* Without a lingering thread, the close is at once. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	linger_close(NULL, sv[0]);
	ck_assert(!still_open(sv[0], 0));
	close(sv[1]);
}
END_TEST

Suite *
linger_suite(void)
{
	Suite	*s = suite_create("linger");
	TCase	*tc = tcase_create("close");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_far_end_sees_the_end_and_may_keep_sending);
	tcase_add_test(tc, stopping_closes_what_lingers);
	suite_add_tcase(s, tc);
	return s;
}
