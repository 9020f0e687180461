/* multipart/form-data: the boundary parameter and the framing checks. */
#include <stdlib.h>
#include <string.h>

#include "policy/multipart.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 boundary[MULTIPART_BOUNDARY_MAX + 1];
	char	*ctype = fuzz_string(data, size);

	if (multipart_boundary(ctype, boundary, sizeof(boundary))) {
		if (strlen(boundary) == 0 ||
		    strlen(boundary) > MULTIPART_BOUNDARY_MAX)
			abort();
		multipart_opens(boundary, (const char *)data, size);
		multipart_closes(boundary, (const char *)data, size);
	}
	free(ctype);
	return 0;
}
