/*
 * FastCGI params as the front server hands them over: the input is the
 * params array, NUL-separated "NAME=value" strings (any other byte can
 * come through FastCGI).  params_read turns it into the request, which
 * then goes through what the pipeline decides from it before any body
 * is read: the router, the query check, the relay key, the header
 * allowlist and the documents' origin; and the WebSocket subprotocol
 * list the bridge takes a relay key from.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcgi/params.h"
#include "handlers/exchange.h"
#include "openapi/origin.h"
#include "policy/headers.h"
#include "policy/auth.h"
#include "policy/config.h"
#include "policy/keys.h"
#include "policy/path.h"
#include "policy/realtime.h"
#include "policy/route.h"
#include "tests/fuzz/fuzz.h"

#define PARAMS_MAX	256

static struct keyset	 fuzz_keys;

/* The config, and its keys into fuzz_keys, built once. */
static const struct config *
fuzz_config(void)
{
	static struct config	 cfg;
	static int		 built;
	const char		*values[SETTINGS_MAX] = { NULL };
	char			 err[256];

	if (!built) {
		values[setting_lookup("RELAY_KEY")] = "relay-fuzz-key-0123456789";
		values[setting_lookup("RELAY_KEYS")] = "second:second-fuzz-key-0123";
		if (config_build(values, &cfg, err, sizeof(err)) != 0 ||
		    keys_build(&cfg, NULL, NULL, &fuzz_keys, err,
		    sizeof(err)) != 0)
			abort();
		built = 1;
	}
	return &cfg;
}

static const char *
header(const struct exchange *ex, const char *name)
{
	size_t	i;

	for (i = 0; i < ex->nheaders; i++)
		if (strcasecmp(ex->headers[i].name, name) == 0)
			return ex->headers[i].value;
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*buf = malloc(size + 1);
	char			*envp[PARAMS_MAX + 1], allow[64], *url;
	const struct route	*r;
	const struct config	*cfg;
	const struct key_entry	*client;
	const char		*proto, *key;
	struct exchange		 ex;
	struct params		 p;
	size_t			 n = 0, pos = 0, i, idlen, keylen;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* Each string ends at a NUL (the last one at the end of data). */
	while (pos < size && n < PARAMS_MAX) {
		envp[n++] = buf + pos;
		pos += strlen(buf + pos) + 1;
	}
	envp[n] = NULL;

	memset(&ex, 0, sizeof(ex));
	params_read(envp, &p, &ex);

	idlen = strlen(ex.request_id);
	if (idlen == 0 || idlen > 64 || strspn(ex.request_id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != idlen)
		abort();
	if (ex.host[0] != '\0' && !headers_host_valid(ex.host))
		abort();
	if (ex.content_length < -1 || ex.path == NULL || ex.query == NULL)
		abort();

	if (route_match(ex.method, ex.path, &r, allow, sizeof(allow)) ==
	    RERR_OK)
		query_check(ex.query);
	cfg = fuzz_config();
	auth_check(cfg, &fuzz_keys, header(&ex, "Authorization"),
	    header(&ex, "X-Relay-Key"), &client);
	for (i = 0; i < ex.nheaders; i++)
		headers_request_allowed(ex.headers[i].name);
	url = origin_server_url(NULL, ex.scheme, ex.host);
	free(url);
	/* The bridge reads the browser's key from this header's list. */
	if ((proto = header(&ex, "Sec-WebSocket-Protocol")) != NULL &&
	    (key = realtime_subprotocol_key(proto, &keylen)) != NULL &&
	    (key < proto || key + keylen > proto + strlen(proto)))
		abort();

	params_free(&p);
	free(buf);
	return 0;
}
