/* The SSE event-boundary scanner, whole and split at every byte. */
#include <string.h>

#include "policy/sse.h"
#include "tests/unit/suites.h"

/* Feeds text in pieces of size step; returns the boundary offsets. */
static int
boundaries(const char *text, size_t step, size_t *out, int max)
{
	struct sse_scan	 s = { 0 };
	size_t		 len = strlen(text), pos = 0, n, piece;
	int		 k = 0;

	while (pos < len) {
		piece = len - pos < step ? len - pos : step;
		n = sse_scan(&s, text + pos, piece);
		if (n == 0) {
			pos += piece;
			continue;
		}
		ck_assert_int_lt(k, max);
		out[k++] = pos + n;
		pos += n;
	}
	return k;
}

static const struct {
	const char	*text;
	int		 n;
	size_t		 at[4];	/* offsets just past each event's end */
} cases[] = {
	{ "data: a\n\n", 1, { 9 } },
	{ "event: x\ndata: a\n\ndata: b\n\n", 2, { 18, 27 } },
	{ "data: a\r\n\r\ndata: b\r\n\r\n", 2, { 11, 22 } },
	{ "data: a\r\rdata: b\r\r", 2, { 9, 18 } },
	{ ": keepalive\n\ndata: [DONE]\n\n", 2, { 13, 27 } },
	{ "data: a\ndata: b\n", 0, { 0 } },
	{ "data: partial", 0, { 0 } },
	{ "\ndata: a\n\n", 1, { 10 } },
	{ "data: a\n\n\n", 2, { 9, 10 } },
};

START_TEST(events_found_whatever_the_chunking)
{
	size_t	at[8], step;
	int	n, i;

	for (step = 1; step <= strlen(cases[_i].text); step++) {
		n = boundaries(cases[_i].text, step, at, 8);
		ck_assert_msg(n == cases[_i].n, "case %d step %zu: %d events",
		    _i, step, n);
		for (i = 0; i < n; i++)
			ck_assert_msg(at[i] == cases[_i].at[i] ||
			    /* a CRLF split between two pieces */
			    (at[i] + 1 == cases[_i].at[i] &&
			    cases[_i].text[at[i] - 1] == '\r' &&
			    at[i] % step == 0),
			    "case %d step %zu: event %d ends at %zu", _i, step,
			    i, at[i]);
	}
}
END_TEST

Suite *
sse_suite(void)
{
	Suite	*s = suite_create("sse");
	TCase	*tc = tcase_create("scan");

	tcase_add_loop_test(tc, events_found_whatever_the_chunking, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
