#include <string.h>
#include <strings.h>

#include "policy/multipart.h"

/* RFC 2046 bchars: digits, letters and '()+_,-./:=? and space. */
static bool
is_bchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

bool
multipart_boundary(const char *content_type, char *buf, size_t bufsz)
{
	const char	*p;
	size_t		 len = 0;
	char		 end = ';';

	if (content_type == NULL || strncasecmp(content_type,
	    "multipart/form-data", 19) != 0 ||
	    strchr("; \t", content_type[19]) == NULL)
		return false;
	for (p = content_type + 19; (p = strchr(p, ';')) != NULL; ) {
		p += 1 + strspn(p + 1, " \t");
		if (strncasecmp(p, "boundary=", 9) == 0)
			break;
	}
	if (p == NULL)
		return false;
	p += 9;
	if (*p == '"') {
		end = '"';
		p++;
	}
	while (p[len] != '\0' && p[len] != end && (end == '"' || p[len] != ' '))
		len++;
	if (end == '"' && p[len] != '"')
		return false;
	if (len == 0 || len > MULTIPART_BOUNDARY_MAX || len >= bufsz ||
	    p[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_bchar((unsigned char)p[i]))
			return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

size_t
multipart_tail_size(const char *boundary)
{
	/* "--" boundary "--" and a CRLF, with room for some slack. */
	return strlen(boundary) + 4 + 8;
}

bool
multipart_closes(const char *boundary, const char *tail, size_t len)
{
	size_t	blen = strlen(boundary);

	while (len > 0 && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
		len--;
	return len >= blen + 4 && memcmp(tail + len - 2, "--", 2) == 0 &&
	    memcmp(tail + len - 2 - blen, boundary, blen) == 0 &&
	    memcmp(tail + len - 4 - blen, "--", 2) == 0;
}

bool
multipart_opens(const char *boundary, const char *head, size_t len)
{
	size_t	blen = strlen(boundary);

	return len >= blen + 2 && memcmp(head, "--", 2) == 0 &&
	    memcmp(head + 2, boundary, blen) == 0;
}

/* Where a scan is in the form. */
enum {
	SCAN_CONTENT,		/* a part's content, or the preamble */
	SCAN_AFTER_DELIM,	/* right after a delimiter */
	SCAN_DASH,		/* "-" after a delimiter: closing? */
	SCAN_PADDING,		/* the rest of a delimiter line */
	SCAN_HEADERS,		/* a part's header lines */
	SCAN_EPILOGUE,		/* after the closing delimiter */
};

void
multipart_scan_init(struct multipart_scan *s, const char *boundary,
    const char *const *names, size_t nnames)
{
	size_t	blen = strlen(boundary);

	memset(s, 0, sizeof(*s));
	if (nnames > MULTIPART_SCAN_FIELDS_MAX)
		nnames = MULTIPART_SCAN_FIELDS_MAX;
	if (blen > MULTIPART_BOUNDARY_MAX)
		blen = MULTIPART_BOUNDARY_MAX;
	memcpy(s->names, names, nnames * sizeof(*names));
	s->nnames = nnames;
	memcpy(s->delim, "\r\n--", 4);
	memcpy(s->delim + 4, boundary, blen);
	s->dlen = blen + 4;
	/* The body opens with "--boundary": as if a line break came first. */
	s->matched = 2;
	s->state = SCAN_CONTENT;
	s->part_field = -1;
}

static int
field_index(const struct multipart_scan *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i], name) == 0)
			return (int)i;
	return -1;
}

static bool
capturing(const struct multipart_scan *s)
{
	return s->in_part && s->part_field >= 0 && !s->part_file &&
	    s->counts[s->part_field] == 0 && !s->unclear[s->part_field];
}

/* Bytes of a part's content. */
static void
scan_content(struct multipart_scan *s, const char *p, size_t n)
{
	char	*value;

	if (!capturing(s))
		return;
	value = s->values[s->part_field];
	if (s->value_cut || memchr(p, '\0', n) != NULL ||
	    s->value_len + n >= MULTIPART_SCAN_VALUE_MAX) {
		s->value_cut = true;
		return;
	}
	memcpy(value + s->value_len, p, n);
	s->value_len += n;
}

/* A delimiter ended the current part: count the field it was. */
static void
part_end(struct multipart_scan *s)
{
	int	i = s->part_field;

	if (!s->in_part || i < 0)
		return;
	if (s->part_names != 1 || s->part_file || s->value_cut) {
		s->unclear[i] = true;
		return;
	}
	if (s->counts[i] == 0)
		s->values[i][s->value_len] = '\0';
	s->counts[i]++;
}

/*
 * One parameter value of a header, quoted (with backslash escapes) or
 * not, into out; returns where the parameter ends.
 */
static const char *
param_value(const char *p, char *out, size_t outsz)
{
	size_t	o = 0;

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (o + 1 < outsz)
				out[o++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		for (; *p != '\0' && *p != ';'; p++)
			if (o + 1 < outsz)
				out[o++] = *p;
		while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
	}
	out[o] = '\0';
	return p;
}

/* Content-Disposition: form-data; name="..."; filename="..." */
static void
scan_disposition(struct multipart_scan *s, const char *p)
{
	char		 value[MULTIPART_SCAN_LINE_MAX];
	const char	*key;
	size_t		 klen;
	int		 i;

	while ((p = strchr(p, ';')) != NULL) {
		key = p + 1 + strspn(p + 1, " \t");
		klen = strcspn(key, "=; \t");
		p = key + klen + strspn(key + klen, " \t");
		if (*p != '=')
			continue;
		p++;
		p = param_value(p + strspn(p, " \t"), value, sizeof(value));
		if (klen == 4 && strncasecmp(key, "name", 4) == 0) {
			s->part_names++;
			i = field_index(s, value);
			if (i >= 0 && s->part_field < 0)
				s->part_field = i;
			else if (i >= 0 && i != s->part_field)
				s->unclear[i] = true;
		} else if (klen == 5 && strncasecmp(key, "name*", 5) == 0) {
			/* RFC 5987's encoded form: not read here, so unknown. */
			s->unreadable = true;
		} else if ((klen == 8 || klen == 9) &&
		    strncasecmp(key, "filename*", klen) == 0)
			s->part_file = true;
	}
}

/* One header line of a part, its line break removed. */
static void
scan_header_line(struct multipart_scan *s)
{
	if (s->line_len > 0 && s->line[s->line_len - 1] == '\r')
		s->line_len--;
	s->line[s->line_len] = '\0';
	if (s->line_cut)
		s->unreadable = true;
	else if (s->line_len == 0) {
		s->state = SCAN_CONTENT;
		s->matched = 0;
	} else if (strncasecmp(s->line, "Content-Disposition:", 20) == 0)
		scan_disposition(s, s->line + 20);
	s->line_len = 0;
	s->line_cut = false;
}

static void
part_begin(struct multipart_scan *s)
{
	s->in_part = true;
	s->part_field = -1;
	s->part_names = 0;
	s->part_file = false;
	s->value_len = 0;
	s->value_cut = false;
	s->line_len = 0;
	s->line_cut = false;
	s->state = SCAN_HEADERS;
}

/*
 * Content bytes, up to the next delimiter: returns how many were used.
 * Bytes of a partial delimiter that turns out not to be one are content;
 * no delimiter can begin inside one, since its CR is in no boundary.
 */
static size_t
scan_until_delimiter(struct multipart_scan *s, const char *buf, size_t len)
{
	const char	*cr;
	size_t		 i = 0;

	while (i < len) {
		if (s->matched == 0 && !capturing(s)) {
			/* Nothing to keep: skip to the next line break. */
			cr = memchr(buf + i, '\r', len - i);
			if (cr == NULL)
				return len;
			i = (size_t)(cr - buf);
		}
		if (s->matched > 0 && s->delim[s->matched] != buf[i]) {
			scan_content(s, s->delim, s->matched);
			s->matched = 0;
		}
		if (s->delim[s->matched] == buf[i])
			s->matched++;
		else
			scan_content(s, buf + i, 1);
		i++;
		if (s->matched == s->dlen) {
			part_end(s);
			s->in_part = false;
			s->matched = 0;
			s->state = SCAN_AFTER_DELIM;
			return i;
		}
	}
	return i;
}

void
multipart_scan_feed(struct multipart_scan *s, const char *buf, size_t len)
{
	size_t	i = 0;
	char	c;

	while (i < len) {
		if (s->state == SCAN_CONTENT) {
			i += scan_until_delimiter(s, buf + i, len - i);
			continue;
		}
		c = buf[i++];
		switch (s->state) {
		case SCAN_AFTER_DELIM:
			if (c == '-')
				s->state = SCAN_DASH;
			else if (c == '\n')
				part_begin(s);
			else
				s->state = SCAN_PADDING;
			break;
		case SCAN_DASH:
			if (c == '-') {
				s->closed = true;
				s->state = SCAN_EPILOGUE;
			} else if (c == '\n')
				part_begin(s);
			else
				s->state = SCAN_PADDING;
			break;
		case SCAN_PADDING:
			if (c == '\n')
				part_begin(s);
			break;
		case SCAN_HEADERS:
			if (c == '\n')
				scan_header_line(s);
			else if (s->line_len + 1 < sizeof(s->line))
				s->line[s->line_len++] = c;
			else
				s->line_cut = true;
			break;
		default:
			return;		/* the epilogue: nothing to read */
		}
	}
}

const char *
multipart_scan_value(const struct multipart_scan *s, const char *name)
{
	int	i = field_index(s, name);

	if (i < 0 || s->unreadable || s->unclear[i] || s->counts[i] != 1)
		return NULL;
	return s->values[i];
}
