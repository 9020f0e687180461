/*
 * multipart/form-data: the boundary parameter, the framing checks, and
 * the streamed field scanner, which must read the same fields however
 * the body is split (the bytes after the first NUL, or all of them).
 */
#include <stdlib.h>
#include <string.h>

#include "policy/multipart.h"
#include "tests/fuzz/fuzz.h"

static const char *const NAMES[] = { "model", "stream", "file" };

static void
scan_split(struct multipart_scan *s, const char *boundary, const char *body,
    size_t len, size_t step)
{
	size_t	off, n;

	multipart_scan_init(s, boundary, NAMES, 3);
	for (off = 0; off < len; off += n) {
		n = step == 0 || len - off < step ? len - off : step;
		multipart_scan_feed(s, body + off, n);
	}
}

static void
scan_compare(const char *boundary, const char *body, size_t len, size_t step)
{
	static struct multipart_scan	whole, split;
	const char			*a, *b;
	size_t				i;

	scan_split(&whole, boundary, body, len, 0);
	scan_split(&split, boundary, body, len, step);
	if (whole.closed != split.closed)
		abort();
	for (i = 0; i < 3; i++) {
		a = multipart_scan_value(&whole, NAMES[i]);
		b = multipart_scan_value(&split, NAMES[i]);
		if ((a == NULL) != (b == NULL) || (a != NULL &&
		    (strcmp(a, b) != 0 || strlen(a) >= MULTIPART_SCAN_VALUE_MAX)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 boundary[MULTIPART_BOUNDARY_MAX + 1];
	char		*ctype = fuzz_string(data, size);
	const char	*nul = memchr(data, '\0', size);
	const char	*body = nul ? nul + 1 : (const char *)data;
	size_t		 blen = size - (size_t)(body - (const char *)data);

	if (multipart_boundary(ctype, boundary, sizeof(boundary))) {
		if (strlen(boundary) == 0 ||
		    strlen(boundary) > MULTIPART_BOUNDARY_MAX)
			abort();
		multipart_opens(boundary, (const char *)data, size);
		multipart_closes(boundary, (const char *)data, size);
		scan_compare(boundary, body, blen, size > 0 ? data[0] % 9 + 1 :
		    1);
	}
	free(ctype);
	return 0;
}
