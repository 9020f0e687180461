#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "policy/auth.h"

bool
auth_equal(const char *secret, const char *presented)
{
	size_t		 slen = strlen(secret), plen = strlen(presented), i;
	unsigned char	 diff = (unsigned char)(slen != plen);

	for (i = 0; i < slen; i++)
		diff |= (unsigned char)secret[i] ^
		    (unsigned char)(i < plen ? presented[i] : 0);
	return diff == 0;
}

/*
 * Copies s without leading and trailing blanks into buf.  Returns NULL if
 * it does not fit: no configured key is that long, and truncating could
 * turn a wrong key into a right one.
 */
static const char *
trim(const char *s, char *buf, size_t bufsz)
{
	size_t	len;

	s += strspn(s, " \t");
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= bufsz)
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

enum rerr
auth_check(const struct config *cfg, const struct keyset *keys,
    const char *authorization, const char *x_relay_key,
    const struct key_entry **key)
{
	char		 buf[1024];
	const char	*presented = NULL, *raw = NULL;

	*key = NULL;
	if (!cfg->auth_enabled) {
		*key = &keys_anonymous;
		return RERR_OK;
	}
	if (keys->n == 0)
		return RERR_AUTH_MISCONFIGURED;

	/* Servers trim "Bearer " to "Bearer": that is a missing key. */
	if (authorization != NULL && strcasecmp(authorization, "bearer") == 0)
		authorization = NULL;
	if (authorization != NULL && authorization[0] != '\0' &&
	    strncasecmp(authorization, "bearer ", 7) != 0)
		return RERR_BAD_AUTH_SCHEME;

	if (x_relay_key != NULL && x_relay_key[strspn(x_relay_key, " \t")])
		raw = x_relay_key;
	else if (authorization != NULL && authorization[0] != '\0' &&
	    authorization[7 + strspn(authorization + 7, " \t")])
		raw = authorization + 7;
	if (raw == NULL)
		return RERR_MISSING_KEY;
	presented = trim(raw, buf, sizeof(buf));
	if (presented == NULL)
		return RERR_INVALID_KEY;
	*key = keys_match(keys, presented);
	explicit_bzero(buf, sizeof(buf));
	return *key != NULL ? RERR_OK : RERR_INVALID_KEY;
}

bool
auth_bound_digest(const struct keyset *keys, const char *name,
    char hex[SECRET_DIGEST_HEX])
{
	size_t	i;

	for (i = 0; i < keys->n; i++)
		if (strcmp(keys->entries[i].name, name) == 0) {
			snprintf(hex, SECRET_DIGEST_HEX, "%s",
			    keys->entries[i].hash);
			return true;
		}
	return false;
}
