/*
 * The usage cut (usage_strip_event) on an event made of one "data:" line
 * holding the input, checked against json-c's tree of the same text: a
 * rewritten event loses bytes of its JSON only, and what is left reads
 * as the input's object less its "usage"; a dropped one was a usage
 * report; an object with a null "usage" (said once, without escapes) is
 * rewritten.
 */
#include <json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "policy/usage.h"
#include "policy/yajlwhole.h"
#include "tests/fuzz/fuzz.h"

/* The input read strictly as one whole JSON object, or NULL. */
static struct json_object *
strict_object(const char *text, size_t len)
{
	struct json_tokener	*tok = json_tokener_new_ex(1024);
	struct json_object	*obj;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj != NULL && (json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/*
 * Text yajl read as one object, read by json-c: yajl also takes \v and
 * \f for blanks, which json-c does not, and which can stand nowhere else
 * in text yajl read (a string holds no control byte).
 */
static struct json_object *
json_read(const char *text, size_t len)
{
	struct json_object	*obj;
	char			*copy = malloc(len + 1);
	size_t			 i;

	if (copy == NULL)
		abort();
	for (i = 0; i < len; i++)
		copy[i] = text[i] == '\v' || text[i] == '\f' ? ' ' : text[i];
	obj = strict_object(copy, len);
	free(copy);
	return obj;
}

/*
 * The cut lies inside the data line's JSON, in[0..n); what is left of it
 * reads as the input's object less its "usage".
 */
static void
check_rewritten(const char *in, size_t n, const struct usage_cut *cut)
{
	struct json_object	*want, *got, *usage;
	char			*left;
	size_t			 from, to;

	if (cut->from < 6 || cut->from >= cut->to || cut->to - 6 > n)
		abort();
	from = cut->from - 6;
	to = cut->to - 6;
	if ((left = malloc(n - (to - from))) == NULL)
		abort();
	memcpy(left, in, from);
	memcpy(left + from, in + to, n - to);
	want = json_read(in, n);
	got = json_read(left, n - (to - from));
	free(left);
	if (want == NULL || got == NULL ||
	    !json_object_object_get_ex(want, "usage", &usage) || usage != NULL)
		abort();
	json_object_object_del(want, "usage");
	if (!json_object_equal(want, got))
		abort();
	json_object_put(want);
	json_object_put(got);
}

static void
check_dropped(const char *in, size_t n)
{
	struct json_object	*obj = json_read(in, n), *usage, *choices;

	if (obj == NULL || !json_object_object_get_ex(obj, "usage", &usage) ||
	    usage == NULL ||
	    !json_object_object_get_ex(obj, "choices", &choices) ||
	    !json_object_is_type(choices, json_type_array) ||
	    json_object_array_length(choices) != 0)
		abort();
	json_object_put(obj);
}

/* JSON text to yajl, which is stricter than json-c (leading zeros...). */
static bool
yajl_reads(const char *in, size_t n)
{
	yajl_handle	h = yajl_alloc(NULL, NULL, NULL);
	yajl_status	st;

	if (h == NULL)
		abort();
	st = whole_parse(h, in, n);
	yajl_free(h);
	return st == yajl_status_ok;
}

/*
 * Kept, though both parsers read an object whose "usage", said once and
 * without escapes, is null.
 */
static void
check_kept(const char *in, size_t n)
{
	struct json_object	*obj, *usage;
	const char		*first = memmem(in, n, "\"usage\"", 7);

	if (first == NULL || memmem(first + 1, n - (size_t)(first + 1 - in),
	    "\"usage\"", 7) != NULL || memchr(in, '\\', n) != NULL ||
	    memchr(in, '\n', n) != NULL || memchr(in, '\r', n) != NULL ||
	    !yajl_reads(in, n) || (obj = json_read(in, n)) == NULL)
		return;
	if (json_object_object_get_ex(obj, "usage", &usage) && usage == NULL)
		abort();
	json_object_put(obj);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*in = (const char *)data;
	char			*event;
	size_t			 len = 6 + size + 2, line = 0;
	struct usage_cut	 cut;

	event = malloc(len);
	if (event == NULL)
		abort();
	memcpy(event, "data: ", 6);
	memcpy(event + 6, data, size);
	memcpy(event + 6 + size, "\n\n", 2);
	/* The data line's text: what follows it can only be line ends. */
	while (line < size && in[line] != '\n' && in[line] != '\r')
		line++;
	switch (usage_strip_event(event, len, &cut)) {
	case USAGE_EVENT_REWRITTEN:
		check_rewritten(in, line, &cut);
		break;
	case USAGE_EVENT_DROP:
		check_dropped(in, line);
		break;
	case USAGE_EVENT_KEEP:
		check_kept(in, size);
		break;
	}
	free(event);
	return 0;
}
