/*
 * Request-target syntax.  The relay routes the raw (percent-encoded) path
 * and forwards that same string upstream, so anything that a later
 * decoding or normalisation step could turn into a different path is
 * refused here rather than interpreted.
 */
#include <ctype.h>
#include <string.h>

#include "policy/path.h"

#define PATH_MAX_LEN	2048
#define QUERY_MAX_LEN	8192

int
path_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
path_is_pchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@", c));
}

int
path_append_encoded(char *buf, size_t bufsz, size_t *len, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (*len + 4 >= bufsz)
			return -1;
		if (isalnum(c) || strchr("-._~", c) != NULL) {
			buf[(*len)++] = (char)c;
			continue;
		}
		buf[(*len)++] = '%';
		buf[(*len)++] = hex[c >> 4];
		buf[(*len)++] = hex[c & 15];
	}
	buf[*len] = '\0';
	return 0;
}

/*
 * Characters a percent-escape in a path may stand for: those that cannot
 * split a segment, form a dot-segment, or start another escape.
 */
static int
is_safe_escaped(int c)
{
	return isalnum(c) || (c != '\0' && strchr("-_~!$&'()*+,;=:@", c));
}

enum rerr
path_check(const char *path)
{
	size_t	 seglen = 0, i, len;
	int	 hi, lo;

	len = strlen(path);
	if (len == 0 || len > PATH_MAX_LEN || path[0] != '/')
		return RERR_BAD_PATH;

	for (i = 1; i <= len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '/' || c == '\0') {
			/* A trailing '/' is syntax-correct; routing 404s it. */
			if (seglen == 0 && c == '/')
				return RERR_BAD_PATH;
			if ((seglen == 1 && path[i - 1] == '.') ||
			    (seglen == 2 && path[i - 1] == '.' &&
			    path[i - 2] == '.'))
				return RERR_BAD_PATH;
			seglen = 0;
			continue;
		}
		if (c == '%') {
			hi = path_hexval((unsigned char)path[i + 1]);
			lo = hi < 0 ? -1 :
			    path_hexval((unsigned char)path[i + 2]);
			if (lo < 0 || !is_safe_escaped(hi * 16 + lo))
				return RERR_BAD_PATH;
			i += 2;
			seglen += 3;
			continue;
		}
		if (!path_is_pchar(c))
			return RERR_BAD_PATH;
		seglen++;
	}
	return RERR_OK;
}

enum rerr
query_check(const char *query)
{
	size_t	i, len = strlen(query);

	if (len > QUERY_MAX_LEN)
		return RERR_BAD_QUERY;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)query[i];

		if (c <= 0x20 || c >= 0x7f || c == '#')
			return RERR_BAD_QUERY;
		if (c == '%') {
			if (path_hexval((unsigned char)query[i + 1]) < 0 ||
			    path_hexval((unsigned char)query[i + 2]) < 0)
				return RERR_BAD_QUERY;
			i += 2;
		}
	}
	return RERR_OK;
}
