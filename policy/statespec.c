#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/statespec.h"

/* A decimal in [lo, hi] running to end or to stop; NULL if not. */
static const char *
number_parse(const char *p, long lo, long hi, int *out)
{
	char	*end;
	long	 v;

	if (*p < '0' || *p > '9')
		return NULL;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || v < lo || v > hi)
		return NULL;
	*out = (int)v;
	return end;
}

static bool
redis_parse(const char *spec, struct state_spec *out)
{
	const char	*h = spec + strlen("redis://"), *p;
	size_t		 n = strcspn(h, ":/@?#");

	/* user:password@ and query options are not supported. */
	if (n == 0 || n >= sizeof(out->host) || h[n] != ':')
		return false;
	memcpy(out->host, h, n);
	out->host[n] = '\0';
	if ((p = number_parse(h + n + 1, 1, 65535, &out->port)) == NULL)
		return false;
	out->db = 0;
	if (*p == '/')
		p = number_parse(p + 1, 0, 65535, &out->db);
	return p != NULL && *p == '\0';
}

bool
state_spec_parse(const char *spec, struct state_spec *out, char *err,
    size_t errsz)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "sqlite:", 7) == 0 && spec[7] != '\0') {
		out->backend = STATE_BACKEND_SQLITE;
		out->path = spec + 7;
		return true;
	}
	if (strncmp(spec, "redis://", 8) == 0) {
		out->backend = STATE_BACKEND_REDIS;
		if (redis_parse(spec, out))
			return true;
	}
	snprintf(err, errsz, "RELAY_STATE: expected sqlite:PATH or "
	    "redis://HOST:PORT[/DB]");
	return false;
}
