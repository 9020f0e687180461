/*
 * The SSE event splitter: fed in pieces whose sizes come from the first
 * byte, every boundary it reports must lie inside the piece.
 */
#include <stdlib.h>

#include "policy/sse.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sse_scan	 s = { 0 };
	size_t		 step, pos = 1, piece, n;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	while (pos < size) {
		piece = size - pos < step ? size - pos : step;
		n = sse_scan(&s, (const char *)data + pos, piece);
		if (n > piece)
			abort();
		pos += n > 0 ? n : piece;
	}
	return 0;
}
