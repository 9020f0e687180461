/*
 * The usage scanner: usage read from answers and streams fed in pieces
 * of every size, in constant memory, and a stream without its end told
 * apart from one that finished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/usage.h"
#include "policy/util.h"
#include "tests/unit/suites.h"

/* Feeds text in pieces of piece bytes. */
static void
feed(struct usage_scan *s, const char *text, size_t piece)
{
	size_t	len = strlen(text), n;

	usage_scan_init(s);
	while (len > 0) {
		n = len < piece ? len : piece;
		usage_scan_feed(s, text, n);
		text += n;
		len -= n;
	}
}

static const char RESPONSE[] =
    "{\"id\":\"resp_1\",\"output\":[{\"type\":\"message\",\"usage\":"
    "{\"input_tokens\":999}}],\"text\":\"a \\\"usage\\\": {\\\"x\\\":1} }\","
    "\"usage\":{\"input_tokens\":11,\"input_tokens_details\":"
    "{\"cached_tokens\":3},\"output_tokens\":22,\"output_tokens_details\":"
    "{\"reasoning_tokens\":4},\"total_tokens\":33}}";

START_TEST(json_answer_in_any_pieces)
{
	struct usage_scan	s;
	size_t			piece;

	for (piece = 1; piece <= 17; piece++) {
		feed(&s, RESPONSE, piece);
		ck_assert(s.tokens.reported);
		ck_assert_int_eq(s.tokens.input, 11);
		ck_assert_int_eq(s.tokens.output, 22);
		ck_assert_int_eq(s.tokens.total, 33);
		ck_assert_int_eq(s.tokens.cached, 3);
		ck_assert_int_eq(s.tokens.reasoning, 4);
	}
}
END_TEST

START_TEST(chat_names_and_embeddings)
{
	struct usage_scan	s;

	feed(&s, "{\"object\":\"chat.completion\",\"usage\":{\"prompt_tokens\":"
	    "5,\"completion_tokens\":6,\"total_tokens\":11,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":2},"
	    "\"completion_tokens_details\":{\"reasoning_tokens\":1}}}", 3);
	ck_assert_int_eq(s.tokens.input, 5);
	ck_assert_int_eq(s.tokens.output, 6);
	ck_assert_int_eq(s.tokens.cached, 2);
	ck_assert_int_eq(s.tokens.reasoning, 1);
	feed(&s, "{\"object\":\"list\",\"usage\":{\"prompt_tokens\":8,"
	    "\"total_tokens\":8}}", 5);
	ck_assert_int_eq(s.tokens.input, 8);
	ck_assert_int_eq(s.tokens.total, 8);
}
END_TEST

START_TEST(responses_stream_ends)
{
	static const char	stream[] =
	    "event: response.created\n"
	    "data: {\"type\":\"response.created\",\"response\":"
	    "{\"id\":\"r\",\"usage\":null}}\n\n"
	    "event: response.output_text.delta\n"
	    "data: {\"type\":\"response.output_text.delta\",\"delta\":\"}{\"}\n\n"
	    "event: response.completed\n"
	    "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\","
	    "\"usage\":{\"input_tokens\":2,\"output_tokens\":3,"
	    "\"total_tokens\":5}}}\n\n";
	struct usage_scan	s;
	size_t			piece;

	for (piece = 1; piece <= 13; piece += 4) {
		feed(&s, stream, piece);
		ck_assert(usage_scan_finished(&s));
		ck_assert(s.terminal);
		ck_assert_int_eq(s.tokens.total, 5);
	}
	/* Cut before its end: not finished, nothing reported. */
	feed(&s, "event: response.created\ndata: {\"type\":\"response.created\""
	    ",\"response\":{\"usage\":null}}\n\ndata: {\"type\":\"response.out",
	    7);
	ck_assert(!usage_scan_finished(&s));
	ck_assert(!s.tokens.reported);
}
END_TEST

/* A Realtime session's response.done, as the WebSocket bridge feeds it. */
START_TEST(realtime_response_done)
{
	struct usage_scan	s;

	feed(&s, "{\"type\":\"response.done\",\"event_id\":\"e\","
	    "\"response\":{\"object\":\"realtime.response\",\"usage\":"
	    "{\"total_tokens\":7,\"input_tokens\":3,\"output_tokens\":4,"
	    "\"input_token_details\":{\"cached_tokens\":1}}}}", 6);
	ck_assert(s.tokens.reported);
	ck_assert_int_eq(s.tokens.input, 3);
	ck_assert_int_eq(s.tokens.output, 4);
	ck_assert_int_eq(s.tokens.total, 7);
	ck_assert_int_eq(s.tokens.cached, 1);
}
END_TEST

START_TEST(chat_stream_done_and_usage_chunk)
{
	struct usage_scan	s;

	feed(&s, "data: {\"choices\":[{\"delta\":{\"content\":\"[DONE]\"}}],"
	    "\"usage\":null}\n\n", 4);
	ck_assert(!usage_scan_finished(&s));
	feed(&s, "data: {\"choices\":[{\"delta\":{}}]}\n\ndata: [DONE]\n\n", 2);
	ck_assert(usage_scan_finished(&s));
	ck_assert(!s.tokens.reported);
	feed(&s, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,"
	    "\"completion_tokens\":1,\"total_tokens\":5}}\n\ndata: [DONE]\n\n",
	    6);
	ck_assert_int_eq(s.tokens.total, 5);
}
END_TEST

/* A long answer costs nothing more: deep nesting, a usage too big. */
START_TEST(bounded_whatever_the_answer)
{
	struct usage_scan	 s;
	size_t			 n = 1 << 20, i;
	char			*big = malloc(n + 64);

	usage_scan_init(&s);
	usage_scan_feed(&s, "{\"data\":\"", 9);
	memset(big, 'x', n);
	usage_scan_feed(&s, big, n);
	/* Far deeper than the depth tracked, then back. */
	for (i = 0; i < n; i++)
		big[i] = i < n / 2 ? '[' : ']';
	usage_scan_feed(&s, "\",\"deep\":", 9);
	usage_scan_feed(&s, big, n);
	usage_scan_feed(&s, ",\"usage\":{\"total_tokens\":7}}", 28);
	ck_assert_int_eq(s.tokens.total, 7);
	usage_scan_init(&s);
	usage_scan_feed(&s, "{\"usage\":{\"pad\":\"", 17);
	usage_scan_feed(&s, big, USAGE_OBJECT_MAX);
	usage_scan_feed(&s, "\",\"total_tokens\":7}}", 20);
	ck_assert(!s.tokens.reported);
	free(big);
}
END_TEST

/*
 * usage_strip_event on a string; what the client gets of a rewritten
 * event (the event less the cut) goes to out, of out_size bytes.
 */
static enum usage_event
strip(const char *event, char *out, size_t out_size)
{
	struct usage_cut	cut;
	size_t			len = strlen(event);
	enum usage_event	v = usage_strip_event(event, len, &cut);

	out[0] = '\0';
	if (v == USAGE_EVENT_REWRITTEN) {
		ck_assert(cut.from <= cut.to && cut.to <= len &&
		    len - (cut.to - cut.from) < out_size);
		memcpy(out, event, cut.from);
		memcpy(out + cut.from, event + cut.to, len - cut.to + 1);
	}
	return v;
}

START_TEST(strip_what_the_client_did_not_ask_for)
{
	char	out[256];

	ck_assert_int_eq(strip("data: {\"id\":\"c\",\"choices\":[{\"delta\":"
	    "{\"content\":\"hi\"}}],\"usage\":null}\n\n", out, sizeof(out)),
	    USAGE_EVENT_REWRITTEN);
	ck_assert_str_eq(out, "data: {\"id\":\"c\",\"choices\":[{\"delta\":"
	    "{\"content\":\"hi\"}}]}\n\n");
	ck_assert_int_eq(strip("data: {\"id\":\"c\",\"choices\":[],"
	    "\"usage\":{\"total_tokens\":3}}\n\n", out, sizeof(out)),
	    USAGE_EVENT_DROP);
	ck_assert_int_eq(strip("data: [DONE]\n\n", out, sizeof(out)),
	    USAGE_EVENT_KEEP);
	ck_assert_int_eq(strip(": keepalive\n\n", out, sizeof(out)),
	    USAGE_EVENT_KEEP);
}
END_TEST

/*
 * Only the object's own "usage" goes, with the comma that joined it, and
 * every other byte stays as upstream sent it; anything that is not one
 * object with one such member passes whole.
 */
START_TEST(strip_cuts_only_the_top_level_usage)
{
	static const struct {
		const char		*event;
		enum usage_event	 verdict;
		const char		*out;	/* rewritten; "" if not */
	} cases[] = {
		/* First, with blanks around it; then the only member. */
		{ "data: { \"usage\" : null , \"id\":\"c\"}\n\n",
		    USAGE_EVENT_REWRITTEN, "data: { \"id\":\"c\"}\n\n" },
		{ "data:{\"usage\":null}\r\n\r\n", USAGE_EVENT_REWRITTEN,
		    "data:{}\r\n\r\n" },
		/* Between two members, and last after a nested object. */
		{ "data: {\"a\":[1,{\"b\":2}], \"usage\":null,\"c\":1.50}\n\n",
		    USAGE_EVENT_REWRITTEN,
		    "data: {\"a\":[1,{\"b\":2}],\"c\":1.50}\n\n" },
		{ "data: {\"o\":{\"usage\":1},\"usage\":null}\n\n",
		    USAGE_EVENT_REWRITTEN, "data: {\"o\":{\"usage\":1}}\n\n" },
		/* The name as an escape is still the name. */
		{ "data: {\"x\":\"\\\"usage\\\"\",\"\\u0075sage\":null}\n\n",
		    USAGE_EVENT_REWRITTEN,
		    "data: {\"x\":\"\\\"usage\\\"\"}\n\n" },
		/* A nested usage, and a text that says usage, are kept. */
		{ "data: {\"choices\":[{\"delta\":{\"usage\":null}}]}\n\n",
		    USAGE_EVENT_KEEP, "" },
		{ "data: {\"content\":\"\\\"usage\\\":null\"}\n\n",
		    USAGE_EVENT_KEEP, "" },
		/* A usage report goes only when no choice comes with it. */
		{ "data: {\"choices\":[ ],\"usage\":{\"total_tokens\":1}}\n\n",
		    USAGE_EVENT_DROP, "" },
		{ "data: {\"usage\":{},\"choices\":[[]]}\n\n",
		    USAGE_EVENT_KEEP, "" },
		{ "data: {\"usage\":{},\"choices\":{}}\n\n", USAGE_EVENT_KEEP,
		    "" },
		{ "data: {\"usage\":{\"total_tokens\":1}}\n\n",
		    USAGE_EVENT_KEEP, "" },
		/* Twice, not an object, not whole, not one line: untouched. */
		{ "data: {\"usage\":null,\"usage\":null}\n\n", USAGE_EVENT_KEEP,
		    "" },
		{ "data: [{\"usage\":null}]\n\n", USAGE_EVENT_KEEP, "" },
		{ "data: {\"usage\":null}x\n\n", USAGE_EVENT_KEEP, "" },
		{ "data: {\"usage\":null} \"x\n\n", USAGE_EVENT_KEEP, "" },
		{ "data: {\"usage\":null\n\n", USAGE_EVENT_KEEP, "" },
		{ "data: {\"usage\":null}\ndata: {}\n\n", USAGE_EVENT_KEEP,
		    "" },
		{ "event: x\ndata: {\"usage\":null}\n\n", USAGE_EVENT_KEEP,
		    "" },
	};
	char	out[256];
	size_t	i;

	for (i = 0; i < NELEM(cases); i++) {
		ck_assert_msg(strip(cases[i].event, out, sizeof(out)) ==
		    cases[i].verdict, "case %zu: %s", i, cases[i].event);
		ck_assert_str_eq(out, cases[i].out);
	}
}
END_TEST

/* usage_parse on a string. */
static bool
parse_text(const char *text, struct usage_tokens *t)
{
	return usage_parse(text, strlen(text), t);
}

/*
 * A usage object's text read as a tree would read it: the first name of
 * each list that holds its kind, the last of a repeated name, nested
 * objects other than the details skipped, and only an object counts.
 */
START_TEST(usage_object_read_like_a_tree)
{
	struct usage_tokens	t;

	ck_assert(parse_text("{\"prompt_tokens\":5,\"input_tokens\":7,"
	    "\"completion_tokens\":2.9,\"other\":{\"input_tokens\":99,"
	    "\"cached_tokens\":98},\"prompt_tokens_details\":"
	    "{\"cached_tokens\":4},\"input_tokens_details\":null}", &t));
	ck_assert(t.reported);
	ck_assert_int_eq(t.input, 7);
	ck_assert_int_eq(t.output, 2);
	ck_assert_int_eq(t.total, 9);
	ck_assert_int_eq(t.cached, 4);
	ck_assert_int_eq(t.reasoning, 0);

	/* The last of a name wins; a string there leaves the next name. */
	ck_assert(parse_text("{\"input_tokens\":1,\"input_tokens\":\"x\","
	    "\"prompt_tokens\":6,\"total_tokens\":1,\"total_tokens\":8,"
	    "\"output_tokens_details\":{\"reasoning_tokens\":3,"
	    "\"reasoning_tokens\":[1]},\"input_tokens_details\":"
	    "{\"cached_tokens\":2,\"cached_tokens\":null}}", &t));
	ck_assert_int_eq(t.input, 6);
	ck_assert_int_eq(t.total, 8);
	ck_assert_int_eq(t.reasoning, 0);
	ck_assert_int_eq(t.cached, 0);

	ck_assert(!parse_text("[1,2]", &t));
	ck_assert(!parse_text("7", &t));
	ck_assert(!parse_text("{\"input_tokens\":1", &t));
	ck_assert(!parse_text("{\"input_tokens\":1}{}", &t));
	ck_assert(!parse_text("{\"input_tokens\":1} \"x", &t));
}
END_TEST

/*
 * The scanner passes inert bytes in blocks: every byte that ends a run
 * is seen wherever it falls in a block (and across two), in strings,
 * arrays and objects.  A missed one loses the structure, and with it the
 * answer's usage.
 */
START_TEST(run_ends_at_every_offset)
{
	/*
	 * Each shape is a prefix, padding, then the byte to be seen: the
	 * answer's usage is read only if that byte is.
	 */
	static const char *const shapes[][2] = {
		/* An escaped quote: missed, the string ends and "}" closes
		 * the answer. */
		{ "{\"text\":\"", "\\\"}\"," },
		/* An object opened inside an array. */
		{ "{\"data\":[", "{\"usage\":{\"total_tokens\":1}}]," },
		/* An array inside an array, and its end. */
		{ "{\"data\":[", "[1],[{\"usage\":{\"total_tokens\":1}}]]," },
		/* The comma before the member's name. */
		{ "{\"a\":1", "," },
		/* An object's end. */
		{ "{\"o\":{\"x\":1", "},\"p\":[{\"usage\":1}]," },
	};
	struct usage_scan	 s;
	char			 text[512];
	size_t			 i, k, n, piece;
	char			 pad;

	for (i = 0; i < NELEM(shapes); i++)
		for (k = 0; k < 48; k++)
			for (piece = 7; piece <= sizeof(text); piece +=
			    sizeof(text) - 7) {
				/* Text in strings, digits in arrays. */
				pad = i == 0 ? 'a' : i < 3 ? '7' : ' ';
				n = (size_t)snprintf(text, sizeof(text), "%s",
				    shapes[i][0]);
				memset(text + n, pad, k);
				snprintf(text + n + k, sizeof(text) - n - k,
				    "%s\"usage\":{\"total_tokens\":2}}",
				    shapes[i][1]);
				feed(&s, text, piece);
				ck_assert_msg(s.tokens.reported &&
				    s.tokens.total == 2, "shape %zu, %zu "
				    "bytes before the end: %s", i, k, text);
			}
}
END_TEST

Suite *
usage_suite(void)
{
	Suite	*s = suite_create("usage");
	TCase	*tc = tcase_create("scan");

	tcase_add_test(tc, json_answer_in_any_pieces);
	tcase_add_test(tc, chat_names_and_embeddings);
	tcase_add_test(tc, responses_stream_ends);
	tcase_add_test(tc, realtime_response_done);
	tcase_add_test(tc, chat_stream_done_and_usage_chunk);
	tcase_add_test(tc, bounded_whatever_the_answer);
	tcase_add_test(tc, strip_what_the_client_did_not_ask_for);
	tcase_add_test(tc, strip_cuts_only_the_top_level_usage);
	tcase_add_test(tc, usage_object_read_like_a_tree);
	tcase_add_test(tc, run_ends_at_every_offset);
	suite_add_tcase(s, tc);
	return s;
}
