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
