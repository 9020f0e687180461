/* The capped buffer: growth, the cap, reuse and hand-over. */
#include <stdlib.h>
#include <string.h>

#include "policy/dynbuf.h"
#include "tests/unit/suites.h"

START_TEST(grows_in_pieces_up_to_the_cap)
{
	struct dynbuf	d;
	char		piece[100];
	int		i;

	memset(piece, 'x', sizeof(piece));
	dynbuf_init(&d, 1000);
	ck_assert_ptr_null(d.buf);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(dynbuf_add(&d, piece, sizeof(piece)), 0);
	ck_assert_uint_eq(d.len, 1000);
	ck_assert_uint_le(d.alloc, 1001);
	ck_assert_int_eq(d.buf[1000], '\0');
	/* Past the cap: refused, and nothing added. */
	ck_assert_int_eq(dynbuf_add(&d, "y", 1), -1);
	ck_assert_uint_eq(d.len, 1000);
	ck_assert_int_eq(dynbuf_add(&d, "", 0), 0);
	dynbuf_free(&d);
	ck_assert_ptr_null(d.buf);
	ck_assert_uint_eq(d.len, 0);
}
END_TEST

START_TEST(one_add_over_the_cap_is_refused_whole)
{
	struct dynbuf	d;

	dynbuf_init(&d, 4);
	ck_assert_int_eq(dynbuf_add(&d, "abc", 3), 0);
	ck_assert_int_eq(dynbuf_add(&d, "de", 2), -1);
	ck_assert_str_eq(d.buf, "abc");
	ck_assert_int_eq(dynbuf_add(&d, "d", 1), 0);
	ck_assert_str_eq(d.buf, "abcd");
	dynbuf_free(&d);
}
END_TEST

START_TEST(reserve_then_fill_allocates_once)
{
	struct dynbuf	 d;
	char		*before;

	dynbuf_init(&d, 1 << 20);
	dynbuf_reserve(&d, 5000);
	ck_assert_uint_eq(d.alloc, 5001);
	before = d.buf;
	while (d.len < 5000)
		ck_assert_int_eq(dynbuf_add(&d, "z", 1), 0);
	ck_assert_ptr_eq(d.buf, before);
	/* Never past the cap. */
	dynbuf_reserve(&d, 1 << 30);
	ck_assert_uint_eq(d.alloc, (1 << 20) + 1);
	dynbuf_free(&d);
}
END_TEST

START_TEST(reset_keeps_memory_and_take_hands_it_over)
{
	struct dynbuf	 d;
	char		*kept, *out;
	size_t		 len;

	dynbuf_init(&d, 64);
	ck_assert_int_eq(dynbuf_add(&d, "event", 5), 0);
	kept = d.buf;
	dynbuf_reset(&d);
	ck_assert_uint_eq(d.len, 0);
	ck_assert_str_eq(d.buf, "");
	ck_assert_int_eq(dynbuf_add(&d, "next", 4), 0);
	ck_assert_ptr_eq(d.buf, kept);
	out = dynbuf_take(&d, &len);
	ck_assert_str_eq(out, "next");
	ck_assert_uint_eq(len, 4);
	ck_assert_ptr_null(d.buf);
	free(out);
	/* Taking an empty buffer still gives a string. */
	out = dynbuf_take(&d, &len);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
	free(out);
}
END_TEST

Suite *
dynbuf_suite(void)
{
	Suite	*s = suite_create("dynbuf");
	TCase	*tc = tcase_create("buffer");

	tcase_add_test(tc, grows_in_pieces_up_to_the_cap);
	tcase_add_test(tc, one_add_over_the_cap_is_refused_whole);
	tcase_add_test(tc, reserve_then_fill_allocates_once);
	tcase_add_test(tc, reset_keeps_memory_and_take_hands_it_over);
	suite_add_tcase(s, tc);
	return s;
}
