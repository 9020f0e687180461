#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "policy/usage.h"
#include "policy/util.h"
#include "policy/yajlmem.h"
#include "policy/yajlwhole.h"

static const char *const field_names[USAGE__MAX] = {
	[USAGE_REQUESTS] = "requests",
	[USAGE_ERRORS] = "errors",
	[USAGE_INCOMPLETE] = "incomplete",
	[USAGE_INPUT_TOKENS] = "input_tokens",
	[USAGE_OUTPUT_TOKENS] = "output_tokens",
	[USAGE_TOTAL_TOKENS] = "total_tokens",
	[USAGE_CACHED_TOKENS] = "cached_tokens",
	[USAGE_REASONING_TOKENS] = "reasoning_tokens",
};

static const char DONE[] = "[DONE]";

const char *
usage_field_name(enum usage_field f)
{
	return field_names[(unsigned)f < USAGE__MAX ? f : USAGE_REQUESTS];
}

void
usage_scan_init(struct usage_scan *s)
{
	memset(s, 0, offsetof(struct usage_scan, object));
	/* Depth 0, outside any container, is read but never opened. */
	s->object[0] = false;
	s->want_name[0] = false;
}

bool
usage_scan_finished(const struct usage_scan *s)
{
	return s->done || s->terminal || s->tokens.reported;
}

/* Whether the container opening at depth d is a usage object we read. */
static bool
is_usage_object(const struct usage_scan *s, int d)
{
	return (d == 2 && strcmp(s->member[2], "usage") == 0) ||
	    (d == 3 && strcmp(s->member[2], "response") == 0 &&
	    strcmp(s->member[3], "usage") == 0);
}

static void
capture_byte(struct usage_scan *s, char c)
{
	if (s->capture_len < sizeof(s->capture))
		s->capture[s->capture_len++] = c;
	else
		s->capture_overflow = true;
}

static void
capture_end(struct usage_scan *s)
{
	struct usage_tokens	t;

	if (!s->capture_overflow && usage_parse(s->capture, s->capture_len,
	    &t))
		s->tokens = t;
	s->capture_depth = 0;
	s->capture_len = 0;
	s->capture_overflow = false;
}

static void
open_container(struct usage_scan *s, bool object)
{
	int	d = s->depth + 1;

	s->depth = d;
	if (d > USAGE_DEPTH_MAX)
		return;
	s->object[d] = object;
	s->want_name[d] = object;
	s->member[d][0] = '\0';
	if (d > 1 && s->object[d - 1])
		memcpy(s->member[d], s->name, sizeof(s->member[d]));
	if (d == 1) {
		s->type[0] = '\0';
		s->typelen = 0;
	}
	if (object && s->capture_depth == 0 && is_usage_object(s, d))
		s->capture_depth = d;
}

static void
close_container(struct usage_scan *s)
{
	static const char *const ends[] = { "response.completed",
	    "response.incomplete", "response.failed" };
	size_t	i;

	if (s->depth == 1)
		for (i = 0; i < NELEM(ends); i++)
			if (strcmp(s->type, ends[i]) == 0)
				s->terminal = true;
	s->depth--;
	if (s->capture_depth > 0 && s->depth < s->capture_depth)
		capture_end(s);
}

/* One byte inside a string; names and the top-level "type" are kept. */
static void
string_byte(struct usage_scan *s, char c)
{
	if (s->escaped) {
		s->escaped = false;
	} else if (c == '\\') {
		s->escaped = true;
	} else if (c == '"') {
		s->in_string = false;
		if (s->string_is_name && s->depth <= USAGE_DEPTH_MAX) {
			s->want_name[s->depth] = false;
			/* One too long matches none of the names looked for. */
			s->name[s->namelen < sizeof(s->name) ? s->namelen :
			    0] = '\0';
		}
		s->in_type = false;
		return;
	}
	if (s->string_is_name && s->namelen < sizeof(s->name)) {
		/* Room for the NUL is made when the name ends. */
		if (s->namelen < sizeof(s->name) - 1)
			s->name[s->namelen] = c;
		s->namelen++;
	} else if (s->in_type && s->typelen < sizeof(s->type) - 1) {
		s->type[s->typelen++] = c;
		s->type[s->typelen] = '\0';
	}
}

static void
string_open(struct usage_scan *s)
{
	int	d = s->depth;

	s->in_string = true;
	s->escaped = false;
	s->string_is_name = d <= USAGE_DEPTH_MAX && s->object[d] &&
	    s->want_name[d];
	s->namelen = 0;
	s->in_type = !s->string_is_name && d == 1 &&
	    strcmp(s->name, "type") == 0;
	if (s->in_type) {
		s->typelen = 0;
		s->type[0] = '\0';
	}
}

/* Outside any JSON value: only an event's "{" and "[DONE]" count. */
static void
outside_byte(struct usage_scan *s, char c)
{
	if (c == '{') {
		s->done_match = 0;
		s->name[0] = '\0';
		open_container(s, true);
		return;
	}
	if (c == DONE[s->done_match]) {
		if (++s->done_match == sizeof(DONE) - 1) {
			s->done = true;
			s->done_match = 0;
		}
	} else
		s->done_match = c == DONE[0];
}

static void
scan_byte(struct usage_scan *s, char c)
{
	if (s->capture_depth > 0)
		capture_byte(s, c);
	if (s->in_string) {
		string_byte(s, c);
		return;
	}
	if (s->depth == 0) {
		outside_byte(s, c);
		return;
	}
	switch (c) {
	case '"':
		string_open(s);
		break;
	case '{':
	case '[':
		open_container(s, c == '{');
		/* A capture starts with its own brace. */
		if (s->capture_depth == s->depth && s->capture_len == 0)
			capture_byte(s, c);
		break;
	case '}':
	case ']':
		close_container(s);
		break;
	case ',':
		if (s->depth <= USAGE_DEPTH_MAX && s->object[s->depth])
			s->want_name[s->depth] = true;
		break;
	default:
		break;
	}
}

/* The bytes that end an inert run, a table so the loop stays short. */
static const bool structural[256] = {
	['"'] = true, ['{'] = true, ['}'] = true, ['['] = true, [']'] = true,
	[','] = true,
};
/* In an array a comma starts no member name: it ends nothing. */
static const bool array_structural[256] = {
	['"'] = true, ['{'] = true, ['}'] = true, ['['] = true, [']'] = true,
};
static const bool string_end[256] = { ['"'] = true, ['\\'] = true };

#ifdef __SSE2__
/*
 * Sixteen bytes at a time (SSE2, which every x86-64 has): how many of
 * buf's first len bytes come before the first block of 16 holding a byte
 * that may end a run.  A block is tested against four bytes, c1 and c2
 * as they are, c3 and c4 with 0x20 OR-ed in, which folds '[' onto '{'
 * and ']' onto '}' and nothing else onto either: one test for each pair.
 */
static size_t
blocks_before_end(const char *buf, size_t len, char c1, char c2, char c3,
    char c4)
{
	const __m128i	fold = _mm_set1_epi8(0x20);
	const __m128i	a = _mm_set1_epi8(c1), b = _mm_set1_epi8(c2);
	const __m128i	c = _mm_set1_epi8(c3), d = _mm_set1_epi8(c4);
	__m128i		v, f, m;
	size_t		i;

	for (i = 0; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
		f = _mm_or_si128(v, fold);
		m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, a),
		    _mm_cmpeq_epi8(v, b)), _mm_or_si128(_mm_cmpeq_epi8(f, c),
		    _mm_cmpeq_epi8(f, d)));
		if (_mm_movemask_epi8(m) != 0)
			break;
	}
	return i;
}
#endif

/*
 * How many bytes from buf on change nothing but the position: inside a
 * value's string up to its quote or backslash, inside a container up to
 * its next structural character.  Most of an answer is such bytes (an
 * embedding's numbers, a completion's text), and the scanner runs on
 * every answer, so it passes them sixteen at a time where it can, then
 * finds the byte that ends the run with a table.  A byte at a time, an
 * embedding's 2 KB took 11,000 instructions (make bench, callgrind).
 */
static size_t
inert_run(const struct usage_scan *s, const char *buf, size_t len)
{
	const bool	*ends;
	size_t		 i = 0;

	if (s->capture_depth > 0 || s->depth == 0 ||
	    s->depth > USAGE_DEPTH_MAX)
		return 0;
	if (s->in_string) {
		if (s->escaped || s->string_is_name || s->in_type)
			return 0;
		ends = string_end;
	} else
		ends = s->object[s->depth] ? structural : array_structural;
#ifdef __SSE2__
	/* With 0x20 OR-ed in, no byte is NUL: those two tests never hit. */
	if (ends == string_end)
		i = blocks_before_end(buf, len, '"', '\\', '\0', '\0');
	else
		i = blocks_before_end(buf, len, '"', ends == structural ?
		    ',' : '"', '{', '}');
#endif
	while (i < len && !ends[(unsigned char)buf[i]])
		i++;
	return i;
}

void
usage_scan_feed(struct usage_scan *s, const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		i += inert_run(s, buf + i, len - i);
		if (i < len)
			scan_byte(s, buf[i]);
	}
}

/*
 * A usage object is read by yajl's callbacks, without a tree: json-c's
 * tree cost about 11,000 instructions an answer (make bench, callgrind),
 * as much as the scan of a 2 KB answer that found the object.
 *
 * What it reads: the numbers of a few names at the top, and one number
 * in each "details" object.  Each name has a slot; like a tree, the last
 * of a repeated name wins, and a slot holds only a value of its kind (a
 * number, or an object for the details), so a name with another value
 * leaves room for the next name of its list.
 */
enum usage_name {
	N_INPUT, N_PROMPT, N_OUTPUT, N_COMPLETION, N_TOTAL,
	/* The details objects, in the order they are preferred. */
	N_INPUT_DETAILS, N_PROMPT_DETAILS, N_INPUT_DETAILS_REALTIME,
	N_OUTPUT_DETAILS, N_COMPLETION_DETAILS,
	N__MAX,
	N_NONE = N__MAX
};

static const char *const usage_names[N__MAX] = {
	[N_INPUT] = "input_tokens",
	[N_PROMPT] = "prompt_tokens",
	[N_OUTPUT] = "output_tokens",
	[N_COMPLETION] = "completion_tokens",
	[N_TOTAL] = "total_tokens",
	[N_INPUT_DETAILS] = "input_tokens_details",
	[N_PROMPT_DETAILS] = "prompt_tokens_details",
	/* Realtime's response.done spells it input_token_details. */
	[N_INPUT_DETAILS_REALTIME] = "input_token_details",
	[N_OUTPUT_DETAILS] = "output_tokens_details",
	[N_COMPLETION_DETAILS] = "completion_tokens_details",
};

struct usage_read {
	bool			 object;	/* the text is an object */
	int			 depth;		/* 1: the usage object */
	enum usage_name		 name;		/* of the member at depth 1 */
	bool			 in_wanted;	/* depth 2: its wanted number */
	bool			 has[N__MAX];	/* a number, or a details object */
	long long		 value[N__MAX];	/* the number, or the detail's */
};

static bool
is_details(enum usage_name n)
{
	return n >= N_INPUT_DETAILS && n < N__MAX;
}

/* A value at depth 1 clears its member's slot unless it is its kind. */
static void
value_seen(struct usage_read *r, bool number, long long v)
{
	if (r->depth == 1 && r->name != N_NONE) {
		r->has[r->name] = number && !is_details(r->name);
		r->value[r->name] = r->has[r->name] ? v : 0;
	} else if (r->depth == 2 && r->in_wanted)
		r->value[r->name] = number ? v : 0;
}

static int
read_number(void *ctx, const char *text, size_t len)
{
	char	n[64];
	double	d;

	/* Longer than any count: read as 0, like a number of no digits. */
	if (len >= sizeof(n))
		len = 0;
	memcpy(n, text, len);
	n[len] = '\0';
	if (strpbrk(n, ".eE") == NULL) {
		value_seen(ctx, true, strtoll(n, NULL, 10));
		return 1;
	}
	d = strtod(n, NULL);
	value_seen(ctx, true, d >= 9.2e18 ? LLONG_MAX : d <= -9.2e18 ?
	    LLONG_MIN : (long long)d);
	return 1;
}

static int
read_other(void *ctx)
{
	value_seen(ctx, false, 0);
	return 1;
}

static int
read_boolean(void *ctx, int b)
{
	(void)b;
	return read_other(ctx);
}

static int
read_string(void *ctx, const unsigned char *s, size_t len)
{
	(void)s;
	(void)len;
	return read_other(ctx);
}

static int
read_key(void *ctx, const unsigned char *key, size_t len)
{
	struct usage_read	*r = ctx;
	static const char	*const wanted[] = { "cached_tokens",
	    "reasoning_tokens" };
	size_t			 i;

	if (r->depth == 1) {
		r->name = N_NONE;
		for (i = 0; i < N__MAX; i++)
			if (strlen(usage_names[i]) == len &&
			    memcmp(usage_names[i], key, len) == 0)
				r->name = (enum usage_name)i;
	} else if (r->depth == 2 && is_details(r->name)) {
		i = r->name < N_OUTPUT_DETAILS ? 0 : 1;
		r->in_wanted = strlen(wanted[i]) == len &&
		    memcmp(wanted[i], key, len) == 0;
	}
	return 1;
}

static int
read_start(void *ctx, bool map)
{
	struct usage_read	*r = ctx;

	/* Only an object is a usage object. */
	if (r->depth == 0 && !map)
		return 0;
	if (r->depth == 0)
		r->object = true;
	/* A container is no number: it clears its member's slot... */
	value_seen(r, false, 0);
	/* ...unless it is a details object, the only ones read further. */
	if (r->depth == 1 && map && is_details(r->name))
		r->has[r->name] = true;
	else if (r->depth == 1)
		r->name = N_NONE;
	r->in_wanted = false;
	r->depth++;
	return 1;
}

static int
read_start_map(void *ctx)
{
	return read_start(ctx, true);
}

static int
read_start_array(void *ctx)
{
	return read_start(ctx, false);
}

static int
read_end(void *ctx)
{
	struct usage_read	*r = ctx;

	/* Back at depth 1 after a member's value: no name until the next. */
	if (--r->depth == 1)
		r->name = N_NONE;
	r->in_wanted = false;
	return 1;
}

static const yajl_callbacks read_callbacks = {
	.yajl_null = read_other,
	.yajl_boolean = read_boolean,
	.yajl_number = read_number,
	.yajl_string = read_string,
	.yajl_start_map = read_start_map,
	.yajl_map_key = read_key,
	.yajl_end_map = read_end,
	.yajl_start_array = read_start_array,
	.yajl_end_array = read_end,
};

/* The first slot of names[0..n) that holds its kind, or -1. */
static int
first_held(const struct usage_read *r, const enum usage_name *names,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (r->has[names[i]])
			return (int)names[i];
	return -1;
}

static long long
held_value(const struct usage_read *r, const enum usage_name *names,
    size_t n)
{
	int	i = first_held(r, names, n);

	return i < 0 ? 0 : r->value[i];
}

bool
usage_parse(const char *text, size_t len, struct usage_tokens *t)
{
	static const enum usage_name input[] = { N_INPUT, N_PROMPT };
	static const enum usage_name output[] = { N_OUTPUT, N_COMPLETION };
	static const enum usage_name total[] = { N_TOTAL };
	static const enum usage_name in_details[] = { N_INPUT_DETAILS,
	    N_PROMPT_DETAILS, N_INPUT_DETAILS_REALTIME };
	static const enum usage_name out_details[] = { N_OUTPUT_DETAILS,
	    N_COMPLETION_DETAILS };
	struct usage_read	 r = { .name = N_NONE };
	struct yajlmem		 mem;
	yajl_handle		 h;
	yajl_status		 st;

	yajlmem_init(&mem);
	h = yajl_alloc(&read_callbacks, &mem.funcs, &r);
	if (h == NULL)
		abort();
	st = whole_parse(h, text, len);
	yajl_free(h);
	if (st != yajl_status_ok || !r.object)
		return false;
	memset(t, 0, sizeof(*t));
	t->input = held_value(&r, input, NELEM(input));
	t->output = held_value(&r, output, NELEM(output));
	t->total = held_value(&r, total, NELEM(total));
	if (t->total == 0)
		t->total = t->input + t->output;
	t->cached = held_value(&r, in_details, NELEM(in_details));
	t->reasoning = held_value(&r, out_details, NELEM(out_details));
	t->reported = true;
	return true;
}

/*
 * The top-level members of an event's object that usage_strip_event
 * acts on, read by yajl's callbacks.  Offsets are into the JSON text:
 * inside a callback, yajl_get_bytes_consumed is just past the token that
 * called it, as yajl's lexer moves it before the parser calls out.
 */
enum strip_member { SM_OTHER, SM_USAGE, SM_CHOICES };

struct strip_read {
	yajl_handle		 h;
	int			 depth;		/* 1: inside the object */
	enum strip_member	 member;	/* the one being read */
	size_t			 member_end;	/* past the last member or '{' */
	int			 members;	/* read before the current one */
	int			 usages;	/* "usage" members */
	bool			 usage_first;	/* it came before any other */
	bool			 usage_null;
	size_t			 cut_from, cut_to;	/* its text */
	bool			 choices_empty;
	bool			 in_choices;	/* the choices array is open */
	bool			 choices_item;	/* it has held a value */
};

/* Marks an item of an open choices array. */
static void
strip_item(struct strip_read *r)
{
	if (r->depth == 2 && r->in_choices)
		r->choices_item = true;
}

/* A member's value ended at depth 1: null tells whether it was null. */
static void
strip_member_done(struct strip_read *r, bool null)
{
	size_t	end = yajl_get_bytes_consumed(r->h);

	if (r->member == SM_USAGE) {
		r->cut_to = end;
		r->usage_null = null;
	} else if (r->member == SM_CHOICES)
		r->choices_empty = r->in_choices && !r->choices_item;
	r->in_choices = false;
	r->member_end = end;
	r->member = SM_OTHER;
	r->members++;
}

static int
strip_scalar(struct strip_read *r, bool null)
{
	strip_item(r);
	if (r->depth == 1)
		strip_member_done(r, null);
	return 1;
}

static int
strip_null(void *ctx)
{
	return strip_scalar(ctx, true);
}

static int
strip_boolean(void *ctx, int b)
{
	(void)b;
	return strip_scalar(ctx, false);
}

static int
strip_number(void *ctx, const char *text, size_t len)
{
	(void)text;
	(void)len;
	return strip_scalar(ctx, false);
}

static int
strip_string(void *ctx, const unsigned char *s, size_t len)
{
	(void)s;
	(void)len;
	return strip_scalar(ctx, false);
}

static int
strip_key(void *ctx, const unsigned char *key, size_t len)
{
	struct strip_read	*r = ctx;

	if (r->depth != 1)
		return 1;
	r->member = SM_OTHER;
	if (len == 5 && memcmp(key, "usage", 5) == 0) {
		r->member = SM_USAGE;
		r->usages++;
		r->usage_first = r->members == 0;
		r->cut_from = r->member_end;
	} else if (len == 7 && memcmp(key, "choices", 7) == 0)
		r->member = SM_CHOICES;
	return 1;
}

static int
strip_start(struct strip_read *r, bool map)
{
	/* Only an object is an event's object. */
	if (r->depth == 0 && !map)
		return 0;
	strip_item(r);
	if (r->depth == 0)
		r->member_end = yajl_get_bytes_consumed(r->h);
	else if (r->depth == 1)
		r->in_choices = r->member == SM_CHOICES && !map;
	r->depth++;
	return 1;
}

static int
strip_start_map(void *ctx)
{
	return strip_start(ctx, true);
}

static int
strip_start_array(void *ctx)
{
	return strip_start(ctx, false);
}

static int
strip_end(void *ctx)
{
	struct strip_read	*r = ctx;

	if (--r->depth == 1)
		strip_member_done(r, false);
	return 1;
}

static const yajl_callbacks strip_callbacks = {
	.yajl_null = strip_null,
	.yajl_boolean = strip_boolean,
	.yajl_number = strip_number,
	.yajl_string = strip_string,
	.yajl_start_map = strip_start_map,
	.yajl_map_key = strip_key,
	.yajl_end_map = strip_end,
	.yajl_start_array = strip_start_array,
	.yajl_end_array = strip_end,
};

/*
 * Where the JSON of an event that is one "data:" line starts and ends;
 * false for any other event.
 */
static bool
event_data(const char *event, size_t len, size_t *start, size_t *end)
{
	size_t	i;

	if (len < 6 || strncmp(event, "data:", 5) != 0)
		return false;
	*start = 5 + (event[5] == ' ');
	*end = *start;
	while (*end < len && event[*end] != '\n' && event[*end] != '\r')
		(*end)++;
	/* Only a single line followed by the blank one. */
	for (i = *end; i < len; i++)
		if (event[i] != '\n' && event[i] != '\r')
			return false;
	return true;
}

/* What yajl's lexer skips between tokens. */
static bool
is_yajl_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

/* Reads the event's JSON into *r; false if it is not one object. */
static bool
strip_read(const char *json, size_t len, struct strip_read *r)
{
	struct yajlmem	mem;
	yajl_status	st;

	memset(r, 0, sizeof(*r));
	yajlmem_init(&mem);
	r->h = yajl_alloc(&strip_callbacks, &mem.funcs, r);
	if (r->h == NULL)
		abort();
	st = whole_parse(r->h, json, len);
	yajl_free(r->h);
	return st == yajl_status_ok;
}

enum usage_event
usage_strip_event(const char *event, size_t len, struct usage_cut *cut)
{
	struct strip_read	 r;
	const char		*json;
	size_t			 start, end, to, n;

	/* A repeated "usage" is left as upstream sent it. */
	if (!event_data(event, len, &start, &end) ||
	    !strip_read(event + start, end - start, &r) || r.usages != 1)
		return USAGE_EVENT_KEEP;
	if (!r.usage_null)
		return r.choices_empty ? USAGE_EVENT_DROP : USAGE_EVENT_KEEP;
	/*
	 * The member goes with the comma before it, or, when it came first,
	 * with the one after it: only blanks and that comma lie between.
	 */
	json = event + start;
	n = end - start;
	to = r.cut_to;
	if (r.usage_first) {
		while (to < n && is_yajl_blank(json[to]))
			to++;
		if (to < n && json[to] == ',')
			to++;
	}
	cut->from = start + r.cut_from;
	cut->to = start + to;
	return USAGE_EVENT_REWRITTEN;
}
