#include <stdio.h>
#include <string.h>

#include "openapi/origin.h"
#include "policy/xalloc.h"

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
