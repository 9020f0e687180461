/*
 * Header allowlists.  Kept short on purpose: each entry is a header an
 * OpenAI SDK or Actions client needs.
 */
#include <stddef.h>
#include <strings.h>

#include "policy/headers.h"

/* Client → OpenAI. Authorization and org/project are set by the relay. */
static const char *const request_allowed[] = {
	"Content-Type",
	"Accept",
	"OpenAI-Beta",
	"Idempotency-Key",
};

/* OpenAI → client: body framing, SDK retry hints and rate-limit state. */
static const char *const response_allowed[] = {
	"Content-Type",
	"Content-Length",
	"Content-Disposition",
	"OpenAI-Processing-Ms",
	"OpenAI-Version",
	"Retry-After",
	"Retry-After-Ms",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

bool
headers_request_allowed(const char *name)
{
	size_t	i;

	for (i = 0; i < NELEM(request_allowed); i++)
		if (strcasecmp(name, request_allowed[i]) == 0)
			return true;
	return false;
}

bool
headers_value_valid(const char *value)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

const char *
headers_response_name(const char *name)
{
	size_t	i;

	if (strcasecmp(name, "x-request-id") == 0)
		return "X-Upstream-Request-Id";
	if (strncasecmp(name, "x-ratelimit-", 12) == 0)
		return name;
	for (i = 0; i < NELEM(response_allowed); i++)
		if (strcasecmp(name, response_allowed[i]) == 0)
			return response_allowed[i];
	return NULL;
}
