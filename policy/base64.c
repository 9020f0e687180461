#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy/base64.h"
#include "policy/xalloc.h"

static int
sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Skips "data:<type>;base64," if in starts with one. */
static size_t
data_url_prefix(const char *in, size_t len)
{
	const char	*comma;
	static const char marker[] = ";base64,";

	if (len < 5 || strncmp(in, "data:", 5) != 0)
		return 0;
	comma = memchr(in, ',', len);
	if (comma == NULL || (size_t)(comma - in) + 1 < sizeof(marker) - 1 ||
	    strncmp(comma - (sizeof(marker) - 2), marker,
	    sizeof(marker) - 1) != 0)
		return (size_t)-1;
	return (size_t)(comma - in) + 1;
}

enum base64_result
base64_decode(const char *in, size_t len, size_t cap, char **out,
    size_t *outlen)
{
	unsigned char	*buf;
	size_t		 skip, i, o = 0, pad = 0, size;
	int		 v[4], k;

	*out = NULL;
	*outlen = 0;
	skip = data_url_prefix(in, len);
	if (skip == (size_t)-1)
		return BASE64_INVALID;
	in += skip;
	len -= skip;
	if (len == 0)
		return BASE64_EMPTY;
	if (len % 4 != 0)
		return BASE64_INVALID;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	size = len / 4 * 3 - pad;
	if (size == 0)
		return BASE64_EMPTY;
	if (size > cap)
		return BASE64_TOO_LARGE;

	buf = xmalloc(size);
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			v[k] = sextet((unsigned char)in[i + k]);
			/* '=' only as the final one or two characters. */
			if (v[k] < 0 && !(last && in[i + k] == '=' &&
			    k >= 4 - (int)pad))
				goto bad;
		}
		buf[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (last && pad == 2) {
			if (v[1] & 0x0f)
				goto bad;	/* stray bits: not canonical */
			break;
		}
		buf[o++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (last && pad == 1) {
			if (v[2] & 0x03)
				goto bad;
			break;
		}
		buf[o++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	}
	*out = (char *)buf;
	*outlen = o;
	return BASE64_OK;
bad:
	free(buf);
	return BASE64_INVALID;
}
