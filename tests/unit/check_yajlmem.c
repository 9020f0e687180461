/* yajl's allocations from the caller's buffer: placement, growth, spill. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "policy/yajlmem.h"
#include "tests/unit/suites.h"

static void *
mem_alloc(struct yajlmem *m, size_t sz)
{
	return m->funcs.malloc(m->funcs.ctx, sz);
}

static void *
mem_realloc(struct yajlmem *m, void *p, size_t sz)
{
	return m->funcs.realloc(m->funcs.ctx, p, sz);
}

static int
in_buffer(const struct yajlmem *m, const void *p)
{
	const unsigned char	*c = p;

	return c >= m->buf && c < m->buf + sizeof(m->buf);
}

START_TEST(blocks_are_aligned_apart_and_in_the_buffer)
{
	struct yajlmem	 m;
	unsigned char	*a, *b, *c;

	yajlmem_init(&m);
	a = mem_alloc(&m, 3);
	b = mem_alloc(&m, 100);
	c = mem_alloc(&m, 1);
	ck_assert(in_buffer(&m, a) && in_buffer(&m, b) && in_buffer(&m, c));
	ck_assert_uint_eq((uintptr_t)a % _Alignof(max_align_t), 0);
	ck_assert_uint_eq((uintptr_t)b % _Alignof(max_align_t), 0);
	ck_assert_uint_eq((uintptr_t)c % _Alignof(max_align_t), 0);
	memset(a, 'a', 3);
	memset(b, 'b', 100);
	memset(c, 'c', 1);
	ck_assert(a + 3 <= b && b + 100 <= c);
	ck_assert_int_eq(a[2], 'a');
	ck_assert_int_eq(b[0], 'b');
	ck_assert_int_eq(b[99], 'b');
	m.funcs.free(m.funcs.ctx, b);
	ck_assert_int_eq(a[2], 'a');
	ck_assert_int_eq(c[0], 'c');
}
END_TEST

START_TEST(the_latest_block_grows_in_place_an_earlier_one_moves)
{
	struct yajlmem	 m;
	unsigned char	*a, *b, *moved;

	yajlmem_init(&m);
	a = mem_alloc(&m, 16);
	memset(a, 'a', 16);
	b = mem_alloc(&m, 16);
	memset(b, 'b', 16);
	ck_assert_ptr_eq(mem_realloc(&m, b, 200), b);
	memset(b + 16, 'B', 184);
	/* a is not the latest: it moves, its bytes with it, past b. */
	moved = mem_realloc(&m, a, 64);
	ck_assert_ptr_ne(moved, a);
	ck_assert(in_buffer(&m, moved));
	ck_assert(moved >= b + 200);
	ck_assert_int_eq(moved[0], 'a');
	ck_assert_int_eq(moved[15], 'a');
	ck_assert_int_eq(b[15], 'b');
	ck_assert_int_eq(b[199], 'B');
	/* Shrinking keeps the block. */
	ck_assert_ptr_eq(mem_realloc(&m, moved, 8), moved);
}
END_TEST

START_TEST(what_does_not_fit_comes_from_malloc)
{
	struct yajlmem	 m;
	unsigned char	*big, *a, *spilled;

	yajlmem_init(&m);
	big = mem_alloc(&m, YAJLMEM_SIZE);
	ck_assert_ptr_nonnull(big);
	ck_assert(!in_buffer(&m, big));
	memset(big, 'x', YAJLMEM_SIZE);
	a = mem_alloc(&m, 32);
	ck_assert(in_buffer(&m, a));
	memset(a, 'a', 32);
	spilled = mem_realloc(&m, a, 3 * YAJLMEM_SIZE);
	ck_assert(!in_buffer(&m, spilled));
	ck_assert_int_eq(spilled[0], 'a');
	ck_assert_int_eq(spilled[31], 'a');
	spilled = mem_realloc(&m, spilled, 4 * YAJLMEM_SIZE);
	ck_assert_int_eq(spilled[31], 'a');
	/* Freed to malloc: the sanitizer build reports a leak otherwise. */
	m.funcs.free(m.funcs.ctx, spilled);
	m.funcs.free(m.funcs.ctx, big);
}
END_TEST

struct counts {
	size_t	arrays, string_bytes;
};

static int
count_array(void *ctx)
{
	((struct counts *)ctx)->arrays++;
	return 1;
}

static int
count_string(void *ctx, const unsigned char *s, size_t len)
{
	(void)s;
	((struct counts *)ctx)->string_bytes += len;
	return 1;
}

static const yajl_callbacks counting = {
	.yajl_start_array = count_array,
	.yajl_string = count_string,
};

/* 2,000 arrays deep around a string of 6,000 escaped characters. */
START_TEST(a_parse_larger_than_the_buffer_reads_the_same)
{
	enum { DEPTH = 2000, CHARS = 6000 };
	char		*json = malloc(2 * DEPTH + 2 * CHARS + 3);
	struct yajlmem	 m;
	struct counts	 n = { 0, 0 };
	yajl_handle	 h;
	size_t		 len = 0, i;

	for (i = 0; i < DEPTH; i++)
		json[len++] = '[';
	json[len++] = '"';
	for (i = 0; i < CHARS; i++) {
		json[len++] = '\\';
		json[len++] = 'n';
	}
	json[len++] = '"';
	for (i = 0; i < DEPTH; i++)
		json[len++] = ']';
	yajlmem_init(&m);
	h = yajl_alloc(&counting, &m.funcs, &n);
	ck_assert_int_eq(yajl_parse(h, (unsigned char *)json, len),
	    yajl_status_ok);
	ck_assert_int_eq(yajl_complete_parse(h), yajl_status_ok);
	yajl_free(h);
	ck_assert_uint_eq(n.arrays, DEPTH);
	ck_assert_uint_eq(n.string_bytes, CHARS);
	free(json);
}
END_TEST

Suite *
yajlmem_suite(void)
{
	Suite	*s = suite_create("yajlmem");
	TCase	*tc = tcase_create("allocator");

	tcase_add_test(tc, blocks_are_aligned_apart_and_in_the_buffer);
	tcase_add_test(tc, the_latest_block_grows_in_place_an_earlier_one_moves);
	tcase_add_test(tc, what_does_not_fit_comes_from_malloc);
	tcase_add_test(tc, a_parse_larger_than_the_buffer_reads_the_same);
	suite_add_tcase(s, tc);
	return s;
}
