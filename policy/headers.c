/*
 * Header allowlists.  Kept short on purpose: each entry is a header an
 * OpenAI SDK or Actions client needs.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "policy/config.h"
#include "policy/headers.h"
#include "policy/util.h"

#define HOST_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789.-"

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

	/* OpenAI's own id, which SDKs read and its support asks for. */
	if (strcasecmp(name, "x-request-id") == 0)
		return "x-request-id";
	if (strncasecmp(name, "x-ratelimit-", 12) == 0)
		return name;
	for (i = 0; i < NELEM(response_allowed); i++)
		if (strcasecmp(name, response_allowed[i]) == 0)
			return response_allowed[i];
	return NULL;
}

bool
headers_host_valid(const char *host)
{
	size_t		 name = strspn(host, HOST_CHARS);
	const char	*port = host + name;
	size_t		 digits;
	long		 value = 0;

	if (name == 0)
		return false;
	if (*port == '\0')
		return true;
	if (*port++ != ':')
		return false;
	digits = strspn(port, "0123456789");
	if (digits == 0 || digits > 5 || port[digits] != '\0')
		return false;
	for (; *port != '\0'; port++)
		value = value * 10 + (*port - '0');
	return value >= 1 && value <= 65535;
}

bool
headers_accept_event_stream(const char *accept)
{
	return accept != NULL && strstr(accept, "text/event-stream") != NULL;
}

size_t
headers_operator(const struct config *cfg, const char *beta,
    struct operator_header out[OPERATOR_HEADERS_MAX])
{
	size_t	n = 0;

	out[n++] = (struct operator_header){ "Authorization", "Bearer ",
	    cfg->openai_api_key };
	if (cfg->openai_organization[0] != '\0')
		out[n++] = (struct operator_header){ "OpenAI-Organization", "",
		    cfg->openai_organization };
	if (cfg->openai_project[0] != '\0')
		out[n++] = (struct operator_header){ "OpenAI-Project", "",
		    cfg->openai_project };
	if (beta != NULL && beta[0] != '\0')
		out[n++] = (struct operator_header){ "OpenAI-Beta", "", beta };
	return n;
}
