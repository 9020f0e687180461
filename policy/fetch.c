#include <ctype.h>
#include <string.h>

#include "policy/fetch.h"
#include "policy/strlist.h"

#define URL_MAX	4096

/*
 * Is the authority host[:port] on the list (RELAY_FETCH_HOSTS, whose
 * entries are kept in lower case)?  An explicit :443 is the same host as
 * none.
 */
static bool
authority_listed(const char *auth, size_t len, const struct strlist *allowed)
{
	char	host[URL_MAX + 1];
	size_t	i;

	if (len > 4 && strncmp(auth + len - 4, ":443", 4) == 0)
		len -= 4;
	for (i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)auth[i]);
	host[len] = '\0';
	return strlist_match(allowed, host);
}

bool
fetch_url_allowed(const char *url, const struct strlist *allowed)
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

/* An IPv4 address is public unless it is in one of these. */
static const struct {
	unsigned char	net[4];
	int		bits;
} v4_inward[] = {
	{ { 0, 0, 0, 0 }, 8 },		/* "this network" */
	{ { 10, 0, 0, 0 }, 8 },
	{ { 100, 64, 0, 0 }, 10 },	/* shared, carrier-grade NAT */
	{ { 127, 0, 0, 0 }, 8 },
	{ { 169, 254, 0, 0 }, 16 },	/* link-local, cloud metadata */
	{ { 172, 16, 0, 0 }, 12 },
	{ { 192, 0, 0, 0 }, 24 },	/* IETF protocol assignments */
	{ { 192, 168, 0, 0 }, 16 },
	{ { 198, 18, 0, 0 }, 15 },	/* benchmarking */
	{ { 224, 0, 0, 0 }, 4 },	/* multicast */
	{ { 240, 0, 0, 0 }, 4 },	/* reserved, broadcast */
};

static bool
prefix_is(const unsigned char *a, const unsigned char *net, int bits)
{
	int	i;

	for (i = 0; i < bits; i++)
		if (((a[i / 8] ^ net[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static bool
v4_public(const unsigned char *a)
{
	size_t	i;

	for (i = 0; i < sizeof(v4_inward) / sizeof(v4_inward[0]); i++)
		if (prefix_is(a, v4_inward[i].net, v4_inward[i].bits))
			return false;
	return true;
}

bool
fetch_address_public(const unsigned char *addr, size_t len)
{
	static const unsigned char	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	static const unsigned char	nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char	zero[16] = { 0 };

	if (len == 4)
		return v4_public(addr);
	if (len != 16)
		return false;
	if (memcmp(addr, mapped, 12) == 0 || memcmp(addr, nat64, 12) == 0)
		return v4_public(addr + 12);
	/* ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d */
	if (memcmp(addr, zero, 12) == 0)
		return false;
	/* Global unicast is 2000::/3; everything else (fc00::/7,
	 * fe80::/10, ff00::/8, ...) stays inside. */
	return (addr[0] & 0xe0) == 0x20;
}
