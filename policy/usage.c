#include <json.h>
#include <string.h>

#include "policy/usage.h"
#include "policy/util.h"
#include "policy/xalloc.h"

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
	memset(s, 0, sizeof(*s));
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

/*
 * How many bytes from buf on change nothing but the position: inside a
 * value's string up to its quote or backslash, inside a container up to
 * its next structural character.  Most of an answer is such bytes (an
 * embedding's numbers, a completion's text), and the scanner runs on
 * every answer, so it passes them in a tight loop.
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
		while (i < len && !string_end[(unsigned char)buf[i]])
			i++;
		return i;
	}
	ends = s->object[s->depth] ? structural : array_structural;
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

/* The first of names that obj has as a number, else 0. */
static long long
number_of(struct json_object *obj, const char *const names[])
{
	struct json_object	*v;
	size_t			 i;

	for (i = 0; obj != NULL && names[i] != NULL; i++)
		if (json_object_object_get_ex(obj, names[i], &v) &&
		    (json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double)))
			return json_object_get_int64(v);
	return 0;
}

/* obj's first object member of names, or NULL. */
static struct json_object *
object_of(struct json_object *obj, const char *const names[])
{
	struct json_object	*v;
	size_t			 i;

	for (i = 0; names[i] != NULL; i++)
		if (json_object_object_get_ex(obj, names[i], &v) &&
		    json_object_is_type(v, json_type_object))
			return v;
	return NULL;
}

bool
usage_parse(const char *text, size_t len, struct usage_tokens *t)
{
	static const char *const input[] = { "input_tokens", "prompt_tokens",
	    NULL };
	static const char *const output[] = { "output_tokens",
	    "completion_tokens", NULL };
	static const char *const total[] = { "total_tokens", NULL };
	static const char *const cached[] = { "cached_tokens", NULL };
	static const char *const reasoning[] = { "reasoning_tokens", NULL };
	/* Realtime's response.done spells it input_token_details. */
	static const char *const in_details[] = { "input_tokens_details",
	    "prompt_tokens_details", "input_token_details", NULL };
	static const char *const out_details[] = { "output_tokens_details",
	    "completion_tokens_details", NULL };
	struct json_tokener	*tok = json_tokener_new();
	struct json_object	*obj;

	obj = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return false;
	}
	memset(t, 0, sizeof(*t));
	t->input = number_of(obj, input);
	t->output = number_of(obj, output);
	t->total = number_of(obj, total);
	if (t->total == 0)
		t->total = t->input + t->output;
	t->cached = number_of(object_of(obj, in_details), cached);
	t->reasoning = number_of(object_of(obj, out_details), reasoning);
	t->reported = true;
	json_object_put(obj);
	return true;
}

/* The JSON of an event that is one "data:" line, or NULL. */
static struct json_object *
event_json(const char *event, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	size_t			 start, end;

	if (len < 6 || strncmp(event, "data:", 5) != 0)
		return NULL;
	start = 5 + (event[5] == ' ');
	end = start;
	while (end < len && event[end] != '\n' && event[end] != '\r')
		end++;
	/* Only a single line followed by the blank one. */
	if (strspn(event + end, "\r\n") != len - end)
		return NULL;
	tok = json_tokener_new();
	obj = json_tokener_parse_ex(tok, event + start, (int)(end - start));
	if (obj != NULL && json_tokener_get_parse_end(tok) != end - start) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	if (obj != NULL && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

enum usage_event
usage_strip_event(const char *event, size_t len, char **out, size_t *outlen)
{
	struct json_object	*obj = event_json(event, len), *usage, *choices;
	enum usage_event	 verdict = USAGE_EVENT_KEEP;
	const char		*text;
	size_t			 n;

	if (obj == NULL || !json_object_object_get_ex(obj, "usage", &usage))
		goto out;
	if (usage != NULL) {
		if (json_object_object_get_ex(obj, "choices", &choices) &&
		    json_object_is_type(choices, json_type_array) &&
		    json_object_array_length(choices) == 0)
			verdict = USAGE_EVENT_DROP;
		goto out;
	}
	json_object_object_del(obj, "usage");
	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	*outlen = 6 + n + 2;
	*out = xmalloc(*outlen + 1);
	memcpy(*out, "data: ", 6);
	memcpy(*out + 6, text, n);
	memcpy(*out + 6 + n, "\n\n", 3);
	verdict = USAGE_EVENT_REWRITTEN;
out:
	json_object_put(obj);
	return verdict;
}
