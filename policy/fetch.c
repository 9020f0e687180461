#include <string.h>
#include <strings.h>

#include "policy/fetch.h"

#define URL_MAX	4096

/* Does the authority host[:port] equal one entry of the list? */
static bool
authority_listed(const char *auth, size_t len, const char *allowed)
{
	const char	*entry = allowed;
	size_t		 elen, hostlen;

	/* An explicit :443 is the same host as none. */
	if (len > 4 && strncmp(auth + len - 4, ":443", 4) == 0)
		len -= 4;
	hostlen = len;
	while (*entry != '\0') {
		entry += strspn(entry, " ,");
		elen = strcspn(entry, ", ");
		if (elen > 0 && elen == hostlen &&
		    strncasecmp(entry, auth, hostlen) == 0)
			return true;
		entry += elen;
	}
	return false;
}

bool
fetch_url_allowed(const char *url, const char *allowed)
{
	const char	*auth;
	size_t		 len, i;

	if (url == NULL || allowed == NULL || strlen(url) > URL_MAX ||
	    strncmp(url, "https://", 8) != 0)
		return false;
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f ||
		    url[i] == '\\')
			return false;
	auth = url + 8;
	len = strcspn(auth, "/?#");
	/* Credentials, or a bracketed address, are never on the list. */
	if (len == 0 || memchr(auth, '@', len) != NULL ||
	    memchr(auth, '[', len) != NULL)
		return false;
	return authority_listed(auth, len, allowed);
}
