/*
 * An event ends at an empty line.  The states remember just enough of
 * what came before the current byte to see one: whether the current line
 * has content, and whether the previous line ended in a CR that a LF may
 * still complete.
 */
#include <stdbool.h>

#include "policy/sse.h"

enum {
	IN_LINE,	/* inside a line with content (also the start) */
	LINE_START,	/* at the start of a line, after its LF */
	AFTER_CR,	/* a line ended in CR; an LF here completes it */
	EMPTY_CR,	/* an empty line ended in CR: the event is over */
};

size_t
sse_scan(struct sse_scan *s, const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		char	c = buf[i];
		bool	line_start;

		if (c == '\n' && (s->state == AFTER_CR ||
		    s->state == EMPTY_CR)) {
			/* The LF of a CRLF whose CR was already counted. */
			s->state = LINE_START;
			continue;
		}
		line_start = s->state != IN_LINE;
		if (c == '\n') {
			s->state = LINE_START;
			if (line_start)
				return i + 1;
		} else if (c == '\r') {
			s->state = line_start ? EMPTY_CR : AFTER_CR;
			if (!line_start)
				continue;
			/* Take the LF of a CRLF along when it is here already. */
			if (i + 1 < len && buf[i + 1] == '\n') {
				s->state = LINE_START;
				return i + 2;
			}
			return i + 1;
		} else {
			s->state = IN_LINE;
		}
	}
	return 0;
}
