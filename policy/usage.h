/*
 * Usage accounting: what upstream says a call cost, read from its answer
 * as the bytes pass, in constant memory whatever the answer's size.
 *
 * The scanner follows JSON's structure without building anything: it
 * knows strings, nesting and member names, and copies only a "usage"
 * object (at most USAGE_OBJECT_MAX bytes) that is a member of the
 * top-level object, or of its "response" member.  That covers JSON
 * answers (responses, chat completions, embeddings, images...) and event
 * streams, whose bytes it is fed as they come: outside JSON it skips
 * everything but "{" (an event's data) and the chat stream's "[DONE]".
 * Responses streams report usage in response.completed, .incomplete and
 * .failed; chat streams in their final chunk when include_usage is on.
 */
#ifndef POLICY_USAGE_H
#define POLICY_USAGE_H

#include <stdbool.h>
#include <stddef.h>

#define USAGE_OBJECT_MAX	4096
#define USAGE_DEPTH_MAX		64

/* The fields recorded per key, model and UTC day, in this order. */
enum usage_field {
	USAGE_REQUESTS,
	USAGE_ERRORS,		/* status >= 400 */
	USAGE_INCOMPLETE,	/* streams that ended without their end */
	USAGE_INPUT_TOKENS,
	USAGE_OUTPUT_TOKENS,
	USAGE_TOTAL_TOKENS,
	USAGE_CACHED_TOKENS,
	USAGE_REASONING_TOKENS,
	USAGE__MAX
};

/* "requests", "errors", ..., "reasoning_tokens"; never NULL. */
const char *usage_field_name(enum usage_field f);

/* The tokens of one answer, as upstream reported them. */
struct usage_tokens {
	long long	 input, output, total, cached, reasoning;
	bool		 reported;	/* a usage object was seen */
};

struct usage_scan {
	int		 depth;
	bool		 in_string, escaped, string_is_name;
	char		 name[16];	/* the member name being read */
	size_t		 namelen;
	size_t		 done_match;	/* of "[DONE]" at depth 0 */
	bool		 done;		/* a chat stream's [DONE] */
	bool		 terminal;	/* a response.{completed,...} event */
	bool		 in_type;	/* reading the top-level "type" */
	char		 type[32];
	size_t		 typelen;
	int		 capture_depth;	/* 0: not copying a usage object */
	size_t		 capture_len;
	bool		 capture_overflow;
	struct usage_tokens tokens;	/* the last usage object seen */
	/*
	 * The rest is written before it is read: per depth when a container
	 * opens (depth 0 by usage_scan_init), the capture as it is copied.
	 * usage_scan_init leaves the rest, as zeroing its 5 KB cost more than
	 * the scan of a small answer.
	 */
	/* Per depth: an object (else an array), and expecting a name. */
	bool		 object[USAGE_DEPTH_MAX + 1];
	bool		 want_name[USAGE_DEPTH_MAX + 1];
	char		 member[USAGE_DEPTH_MAX + 1][16];	/* the member whose
						   value each depth is in */
	char		 capture[USAGE_OBJECT_MAX];
};

void usage_scan_init(struct usage_scan *s);

/* Feeds answer bytes, in pieces of any size. */
void usage_scan_feed(struct usage_scan *s, const char *buf, size_t len);

/*
 * Whether an event stream ended properly: a responses stream's terminal
 * event, a chat stream's [DONE], or a usage report came.
 */
bool usage_scan_finished(const struct usage_scan *s);

/*
 * A chat stream's event, when the relay asked upstream for
 * stream_options.include_usage and the client did not: what the client
 * gets instead.  USAGE_EVENT_DROP for the usage chunk (no choices, a
 * usage); USAGE_EVENT_REWRITTEN when its "usage": null goes: the client
 * gets the event without bytes [cut->from, cut->to), the member and the
 * comma that joined it, and every other byte as upstream sent it;
 * USAGE_EVENT_KEEP for anything else ([DONE], comments, other shapes).
 */
enum usage_event {
	USAGE_EVENT_KEEP,
	USAGE_EVENT_REWRITTEN,
	USAGE_EVENT_DROP,
};
struct usage_cut {
	size_t	from, to;
};
enum usage_event usage_strip_event(const char *event, size_t len,
    struct usage_cut *cut);

/*
 * Reads a usage object's text into *t (both naming schemes: responses'
 * input/output_tokens, chat's prompt/completion_tokens).  False if it
 * is not an object of numbers.
 */
bool usage_parse(const char *text, size_t len, struct usage_tokens *t);

#endif
