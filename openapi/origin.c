#include <stdio.h>
#include <string.h>

#include "openapi/origin.h"
#include "policy/xalloc.h"

#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789.-"

bool
origin_host_valid(const char *host)
{
	size_t		 name = strspn(host, NAME_CHARS);
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

char *
origin_server_url(const char *public_url, const char *scheme,
    const char *host)
{
	size_t	 size;
	char	*url;

	if (public_url != NULL && public_url[0] != '\0')
		return xstrdup(public_url);
	if (host == NULL || host[0] == '\0')
		return xstrdup("/");
	if (scheme == NULL)
		scheme = "http";
	size = strlen(scheme) + strlen(host) + 4;
	url = xmalloc(size);
	snprintf(url, size, "%s://%s", scheme, host);
	return url;
}
