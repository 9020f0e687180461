/*
 * multipart/form-data framing, as far as the relay checks it: it streams
 * clients' uploads through without holding them, refuses a body that
 * does not start with its boundary or end with the closing one, and
 * reads a few small fields on the way.
 */
#ifndef POLICY_MULTIPART_H
#define POLICY_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX	70	/* RFC 2046 */

/*
 * Copies the boundary parameter of a multipart/form-data Content-Type
 * (quoted or not) into buf (at least MULTIPART_BOUNDARY_MAX + 1 bytes).
 * False if the type is another one or the boundary is missing or not
 * 1 to 70 characters of RFC 2046's set.
 */
bool multipart_boundary(const char *content_type, char *buf, size_t bufsz);

/* How many trailing bytes multipart_closes needs to see. */
size_t multipart_tail_size(const char *boundary);

/*
 * Whether tail, the last bytes of a body (up to multipart_tail_size),
 * ends with the closing delimiter "--boundary--", optionally followed by
 * a line break.
 */
bool multipart_closes(const char *boundary, const char *tail, size_t len);

/* Whether a body's first bytes open with "--boundary". */
bool multipart_opens(const char *boundary, const char *head, size_t len);

/*
 * A few plain fields of a form read as its bytes stream past, never
 * holding the form: some decide how it is served (stream=true asks for
 * an event stream; the model is what per-key policy looks at).  A field
 * counts only as one plain part (no filename) with a short value; a
 * second part of that name, a file part of that name, or a part whose
 * header cannot be read makes it unknown, so a form cannot name one
 * model to the relay and another to upstream.
 */
#define MULTIPART_SCAN_FIELDS_MAX	4
#define MULTIPART_SCAN_VALUE_MAX	256
#define MULTIPART_SCAN_LINE_MAX		1024

struct multipart_scan {
	/* The fields looked for, their values and how often they came. */
	const char	*names[MULTIPART_SCAN_FIELDS_MAX];
	char		 values[MULTIPART_SCAN_FIELDS_MAX][MULTIPART_SCAN_VALUE_MAX];
	unsigned	 counts[MULTIPART_SCAN_FIELDS_MAX];
	bool		 unclear[MULTIPART_SCAN_FIELDS_MAX];
	size_t		 nnames;
	bool		 closed;	/* the closing delimiter went past */
	bool		 unreadable;	/* a part header was too long */

	/* Where the scan is: the rest is the scanner's own. */
	int		 state;
	char		 delim[MULTIPART_BOUNDARY_MAX + 4];	/* CRLF "--" b */
	size_t		 dlen, matched;
	char		 line[MULTIPART_SCAN_LINE_MAX];
	size_t		 line_len;
	bool		 line_cut;
	bool		 in_part;
	int		 part_field;	/* index into names, or -1 */
	unsigned	 part_names;	/* name parameters in this part */
	bool		 part_file;
	size_t		 value_len;
	bool		 value_cut;
};

/*
 * Starts a scan of a form with this boundary (already checked by
 * multipart_boundary) for up to MULTIPART_SCAN_FIELDS_MAX field names,
 * which must outlive the scan.  The first bytes fed must be the body's
 * first bytes.
 */
void multipart_scan_init(struct multipart_scan *s, const char *boundary,
    const char *const *names, size_t nnames);

/* Reads the next len bytes of the body.  Never fails. */
void multipart_scan_feed(struct multipart_scan *s, const char *buf,
    size_t len);

/*
 * The value of field name so far: NULL unless exactly one plain part of
 * that name has ended, with a value under MULTIPART_SCAN_VALUE_MAX
 * bytes and no NUL, and nothing made the field unclear.  Only once
 * s->closed is set is the answer final.
 */
const char *multipart_scan_value(const struct multipart_scan *s,
    const char *name);

#endif
