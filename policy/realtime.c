/*
 * Realtime decisions: the model allowlist, the local session check and
 * the bridge's upstream address.  The allowlist is the operator's cost
 * control, so every model a client names is checked, in the body of a
 * minting call or in the bridge's query.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "policy/path.h"
#include "policy/realtime.h"
#include "policy/strlist.h"

#define MODEL_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._:-"
#define KEY_PREFIX	"openai-insecure-api-key."

bool
realtime_model_allowed(const struct strlist *allowlist, const char *model)
{
	size_t	mlen = strlen(model);

	return mlen > 0 && strspn(model, MODEL_CHARS) == mlen &&
	    strlist_match(allowlist, model);
}

/*
 * A model field: allowed when absent, else an allowed string.  One that
 * holds U+0000 is not: the body goes upstream as it came, and upstream
 * would read past where the check stopped.
 */
static bool
model_field_ok(const struct strlist *allowlist, struct json_object *obj,
    const char *key)
{
	struct json_object	*v;
	const char		*model;

	if (!json_object_object_get_ex(obj, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_string))
		return false;
	model = json_object_get_string(v);
	return strlen(model) == (size_t)json_object_get_string_len(v) &&
	    realtime_model_allowed(allowlist, model);
}

enum rerr
realtime_check_mint(const struct strlist *allowlist, struct json_object *body,
    const char **param)
{
	struct json_object	*session;

	*param = NULL;
	if (!model_field_ok(allowlist, body, "model")) {
		*param = "model";
		return RERR_UNSUPPORTED_MODEL;
	}
	if (json_object_object_get_ex(body, "session", &session) &&
	    json_object_is_type(session, json_type_object) &&
	    !model_field_ok(allowlist, session, "model")) {
		*param = "session.model";
		return RERR_UNSUPPORTED_MODEL;
	}
	return RERR_OK;
}

enum rerr
realtime_check_validate(struct json_object *body, double now,
    double *expires_at, const char **param)
{
	struct json_object	*v;

	*expires_at = NAN;
	*param = NULL;
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "session_id") != 0 &&
		    strcmp(key, "expires_at") != 0)
			return RERR_INVALID_FIELD;
	}
	if (!json_object_object_get_ex(body, "session_id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0) {
		*param = "session_id";
		return RERR_MISSING_FIELD;
	}
	if (!json_object_object_get_ex(body, "expires_at", &v) || v == NULL)
		return RERR_OK;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double)) {
		*param = "expires_at";
		return RERR_INVALID_FIELD;
	}
	*expires_at = json_object_get_double(v);
	if (*expires_at <= now) {
		*param = "expires_at";
		return RERR_SESSION_EXPIRED;
	}
	return RERR_OK;
}

int
realtime_target(const char *base, const char *model,
    struct realtime_target *t)
{
	const char		*auth, *slash, *colon;
	char			 enc[256];
	size_t			 hostlen, i, o = 0;
	long			 port;
	int			 n;

	memset(t, 0, sizeof(*t));
	if (strncmp(base, "https://", 8) == 0) {
		t->tls = true;
		auth = base + 8;
	} else if (strncmp(base, "http://", 7) == 0)
		auth = base + 7;
	else
		return -1;
	slash = auth + strcspn(auth, "/");
	colon = memchr(auth, ':', (size_t)(slash - auth));
	hostlen = (size_t)((colon ? colon : slash) - auth);
	if (hostlen == 0 || hostlen >= sizeof(t->host) || auth[0] == '[')
		return -1;
	memcpy(t->host, auth, hostlen);
	port = t->tls ? 443 : 80;
	if (colon != NULL) {
		port = 0;
		for (i = 1; colon + i < slash; i++) {
			if (colon[i] < '0' || colon[i] > '9' || port > 65535)
				return -1;
			port = port * 10 + (colon[i] - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
	}
	t->port = (int)port;
	/* Allowed models are plain tokens, but encode in case a pattern
	 * lets something else through. */
	if (path_append_encoded(enc, sizeof(enc), &o, model) == -1)
		return -1;
	n = snprintf(t->path, sizeof(t->path), "%s/v1/realtime?model=%s",
	    slash, enc);
	return n < 0 || (size_t)n >= sizeof(t->path) ? -1 : 0;
}

const char *
realtime_subprotocol_key(const char *list, size_t *len)
{
	const char	*p = list;

	while (*p != '\0') {
		size_t	n;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n > strlen(KEY_PREFIX) &&
		    strncmp(p, KEY_PREFIX, strlen(KEY_PREFIX)) == 0) {
			*len = n - strlen(KEY_PREFIX);
			return p + strlen(KEY_PREFIX);
		}
		p += n;
	}
	*len = 0;
	return NULL;
}
