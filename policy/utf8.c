#include <stdint.h>
#include <string.h>

#include "policy/utf8.h"

#define ASCII_MASK	0x8080808080808080ULL

bool
utf8_valid(const char *text, size_t len)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i = 0, n, k;
	unsigned char		 c, lo, hi;
	uint64_t		 word;

	while (i < len) {
		/* Bodies are mostly ASCII: eight bytes at a time. */
		if (len - i >= 8) {
			memcpy(&word, s + i, 8);
			if ((word & ASCII_MASK) == 0) {
				i += 8;
				continue;
			}
		}
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		/* The second byte's range rules out overlong forms,
		 * surrogates and code points past U+10FFFF (RFC 3629 §4). */
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return false;
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}
