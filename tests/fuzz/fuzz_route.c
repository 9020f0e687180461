/* Path syntax, the router and the query check: the first byte picks a
 * method, the rest is the request target. */
#include <stdlib.h>
#include <string.h>

#include "policy/path.h"
#include "policy/route.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {
		"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "",
	};
	const struct route	*r;
	char			 allow[64], *target, *query;

	if (size == 0)
		return 0;
	target = fuzz_string(data + 1, size - 1);
	query = strchr(target, '?');
	if (query != NULL)
		*query++ = '\0';
	route_match(methods[data[0] % 7], target, &r, allow, sizeof(allow));
	if (query != NULL)
		query_check(query);
	free(target);
	return 0;
}
