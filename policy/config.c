/*
 * The settings table and validation.  Names follow the original relay
 * where it had one.  Every value is checked once, at start; a bad value
 * stops the relay with a message naming the setting.  Values may never
 * hold control characters: several end up in upstream request headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/config.h"
#include "policy/error.h"
#include "policy/realtime.h"
#include "policy/xalloc.h"

#define RELAY_KEY_MIN_LEN	16

#define S(id, type, def, lo, hi, file_for, help) \
	[SETTING_##id] = { #id, SETTING_##type, def, lo, hi, file_for, help }

static const struct setting settings[SETTING__MAX] = {
	S(OPENAI_API_KEY, SECRET, NULL, 0, 0, 0,
	    "The operator's OpenAI API key, sent upstream as a Bearer token. "
	    "Without it, relayed calls answer 424."),
	S(OPENAI_API_KEY_FILE, SECRET_FILE, NULL, 0, 0,
	    SETTING_OPENAI_API_KEY,
	    "Path of a file (mode 0600) holding OPENAI_API_KEY; for hosts "
	    "whose suexec strips the environment."),
	S(OPENAI_API_BASE, URL, "https://api.openai.com", 0, 0, 0,
	    "Upstream base URL, with or without a trailing /v1."),
	S(OPENAI_ORGANIZATION, STRING, NULL, 0, 0, 0,
	    "Sent upstream as OpenAI-Organization when set."),
	S(OPENAI_PROJECT, STRING, NULL, 0, 0, 0,
	    "Sent upstream as OpenAI-Project when set."),
	S(RELAY_KEY, SECRET, NULL, 0, 0, 0,
	    "The key clients present (Authorization: Bearer or X-Relay-Key); "
	    "at least 16 characters."),
	S(RELAY_KEY_FILE, SECRET_FILE, NULL, 0, 0, SETTING_RELAY_KEY,
	    "Path of a file (mode 0600) holding RELAY_KEY."),
	S(RELAY_KEYS, KEY_LIST, NULL, 0, 0, 0,
	    "More client keys as name:key,name:key, so one client can be "
	    "revoked alone; the name is logged, never the key."),
	S(RELAY_AUTH_ENABLED, BOOL, "true", 0, 0, 0,
	    "Require a relay key on every non-public route. When true and no "
	    "key is configured, protected routes answer 500 (fail closed)."),
	S(RELAY_TIMEOUT, INT, "120", 1, 86400, 0,
	    "Seconds an upstream call may take in total."),
	S(RELAY_CONNECT_TIMEOUT, INT, "10", 1, 300, 0,
	    "Seconds to establish the upstream connection."),
	S(RELAY_MAX_JSON_BODY, INT, "37748736", 1024, 1073741824, 0,
	    "Largest JSON request body in bytes; larger ones answer 413."),
	S(RELAY_MAX_UPLOAD_BODY, INT, "537919488", 1024, 8589934592L, 0,
	    "Largest multipart upload in bytes (512 MiB files plus form "
	    "overhead), streamed upstream, never held in memory."),
	S(RELAY_ACTIONS_FILE_MAX, INT, "10485760", 1, 1073741824, 0,
	    "Largest decoded file or upload part an Actions wrapper takes."),
	S(RELAY_ACTIONS_IMAGE_MAX, INT, "4194304", 1, 1073741824, 0,
	    "Largest image (or mask) an Actions image wrapper takes or "
	    "downloads."),
	S(RELAY_ACTIONS_VIDEO_MAX, INT, "26214400", 1, 1073741824, 0,
	    "Largest decoded video input reference an Actions video wrapper "
	    "takes."),
	S(RELAY_FETCH_HOSTS, STRING, "files.oaiusercontent.com", 0, 0, 0,
	    "Hosts (host or host:port, comma-separated, exact) the image "
	    "wrappers may download user files from, over https only."),
	S(RELAY_FETCH_TIMEOUT, INT, "20", 1, 600, 0,
	    "Seconds a wrapper's file download may take."),
	S(RELAY_FETCH_CA_FILE, STRING, NULL, 0, 0, 0,
	    "CA bundle for those downloads instead of the system's."),
	S(RELAY_VIDEO_MODELS, STRING, "sora-2,sora-2-pro", 0, 0, 0,
	    "Models the Actions video wrappers accept."),
	S(RELAY_VIDEO_SIZES, STRING, "720x1280,1280x720,1024x1792,1792x1024",
	    0, 0, 0, "Sizes the Actions video wrappers accept."),
	S(RELAY_VIDEO_SECONDS, STRING, "4,8,12", 0, 0, 0,
	    "Durations in seconds the Actions video wrappers accept."),
	S(RELAY_THREADS, INT, "256", 1, 4096, 0,
	    "Most worker threads per process (--threads overrides); they "
	    "start as concurrent requests need them, and each open stream "
	    "holds one."),
	S(RELAY_STREAM_KEEPALIVE, INT, "15", 1, 3600, 0,
	    "Seconds of upstream silence after which a stream gets a "
	    "': keepalive' comment (keeps FcgidIOTimeout and idle proxies "
	    "from cutting long generations, and notices departed clients)."),
	S(RELAY_STREAM_FIRST_BYTE_TIMEOUT, INT, "120", 1, 86400, 0,
	    "Seconds a streamed call may wait for upstream's response "
	    "headers."),
	S(RELAY_STREAM_IDLE_TIMEOUT, INT, "300", 1, 86400, 0,
	    "Seconds a stream may go without a byte from upstream."),
	S(RELAY_STREAM_TOTAL_TIMEOUT, INT, "0", 0, 604800, 0,
	    "Seconds a stream may last in all; 0 for no limit."),
	S(RELAY_REALTIME_MODELS, STRING, "gpt-realtime*", 0, 0, 0,
	    "Models the realtime routes and the WebSocket bridge accept, "
	    "comma-separated; an entry ending in * matches by prefix."),
	S(RELAY_REALTIME_MODEL, STRING, "gpt-realtime", 0, 0, 0,
	    "Model the WebSocket bridge uses when the client names none; "
	    "must be allowed by RELAY_REALTIME_MODELS."),
	S(RELAY_REALTIME_BETA, STRING, NULL, 0, 0, 0,
	    "OpenAI-Beta header the bridge sends upstream (realtime=v1 for "
	    "the beta interface); unset for the GA interface."),
	S(RELAY_REALTIME_WS_ENABLED, BOOL, "false", 0, 0, 0,
	    "Serve the WebSocket bridge (relay --websocket); off by default."),
	S(RELAY_REALTIME_WS_MAX_MESSAGE, INT, "4194304", 1024, 268435456, 0,
	    "Largest WebSocket message in bytes the bridge relays either "
	    "way; a larger one closes the session (1009)."),
	S(RELAY_REALTIME_WS_IDLE_TIMEOUT, INT, "300", 1, 86400, 0,
	    "Seconds a bridged session may go without a message either way."),
	S(RELAY_REALTIME_WS_MAX_SESSION, INT, "3600", 1, 86400, 0,
	    "Seconds a bridged session may last in all."),
	S(RELAY_SHUTDOWN_GRACE, INT, "20", 0, 3600, 0,
	    "Seconds in-flight requests may take to finish after SIGTERM."),
	S(RELAY_MAX_REQUESTS, INT, "0", 0, 1000000000, 0,
	    "Requests a worker process accepts before it is replaced by a "
	    "fresh one (the in-flight ones, streams included, finish first); "
	    "0 for never. A guard against slow leaks."),
	S(DEFAULT_MODEL, STRING, "gpt-4o-mini", 0, 0, 0,
	    "Model reported by health and relay_info."),
	S(RELAY_NAME, STRING, "OpenAI relay", 0, 0, 0,
	    "Name shown by health, manifest and relay_info."),
	S(RELAY_PUBLIC_URL, URL, NULL, 0, 0, 0,
	    "The relay's public base URL, given to clients as servers[0].url "
	    "in the OpenAPI documents; unset, each document names the "
	    "origin it was fetched from."),
	S(APP_MODE, STRING, "production", 0, 0, 0,
	    "Free-form mode label shown by health and ping."),
	S(ENVIRONMENT, STRING, "production", 0, 0, 0,
	    "Free-form environment label shown by health and ping."),
};

const struct setting *
setting_get(enum setting_id id)
{
	return &settings[(unsigned)id < SETTING__MAX ? id : 0];
}

int
setting_lookup(const char *name)
{
	int	i;

	for (i = 0; i < SETTING__MAX; i++)
		if (strcmp(name, settings[i].name) == 0)
			return i;
	return -1;
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "t", "yes", "y", "on" };
	static const char *const no[] = { "0", "false", "f", "no", "n", "off" };
	size_t	i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
 * Accepts http(s)://host[:port][/prefix] with no userinfo, query or
 * fragment, and returns it without a trailing "/" or "/v1": every routed
 * path already starts with /v1.
 */
static char *
normalise_base(const char *s)
{
	const char	*authority;
	size_t		 len;

	if (strncmp(s, "https://", 8) == 0)
		authority = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		authority = s + 7;
	else
		return NULL;
	if (*authority == '\0' || *authority == '/' ||
	    strpbrk(s, " ?#@\\") != NULL)
		return NULL;
	len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		len--;
	if (len >= 3 && strncmp(s + len - 3, "/v1", 3) == 0 &&
	    s + len - 3 >= authority + 1)
		len -= 3;
	while (len > 0 && s[len - 1] == '/')
		len--;
	return xstrndup(s, len);
}

static void
add_key(struct config *cfg, const char *name, size_t namelen,
    const char *key, size_t keylen)
{
	cfg->keys = xrealloc(cfg->keys, (cfg->nkeys + 1) * sizeof(*cfg->keys));
	cfg->keys[cfg->nkeys].name = xstrndup(name, namelen);
	cfg->keys[cfg->nkeys].key = xstrndup(key, keylen);
	cfg->nkeys++;
}

static bool
key_name_taken(const struct config *cfg, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < cfg->nkeys; i++)
		if (strlen(cfg->keys[i].name) == len &&
		    strncmp(cfg->keys[i].name, name, len) == 0)
			return true;
	return false;
}

/* RELAY_KEYS: name:key,name:key — names [A-Za-z0-9_.-]+, keys >= 16. */
static int
parse_key_list(struct config *cfg, const char *list, char *err, size_t errsz)
{
	const char	*p = list;

	while (*p != '\0') {
		size_t		 itemlen = strcspn(p, ",");
		const char	*colon = memchr(p, ':', itemlen);
		size_t		 namelen, keylen;

		if (colon == NULL)
			return reason_fail(err, errsz, "RELAY_KEYS: each entry must "
			    "be name:key");
		namelen = (size_t)(colon - p);
		keylen = itemlen - namelen - 1;
		if (namelen == 0 || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_.-") < namelen)
			return reason_fail(err, errsz, "RELAY_KEYS: a name must be "
			    "letters, digits, '_', '.' or '-'");
		if (keylen < RELAY_KEY_MIN_LEN || memchr(colon + 1, ' ',
		    keylen) != NULL)
			return reason_fail(err, errsz, "RELAY_KEYS: each key must be "
			    "at least %d characters without spaces",
			    RELAY_KEY_MIN_LEN);
		if (key_name_taken(cfg, p, namelen))
			return reason_fail(err, errsz, "RELAY_KEYS: a name is used "
			    "twice");
		add_key(cfg, p, namelen, colon + 1, keylen);
		p += itemlen;
		if (*p == ',')
			p++;
	}
	return 0;
}

static const char *
value_or_default(const char *const values[SETTING__MAX], enum setting_id id)
{
	const char	*v = values[id];

	if (v == NULL || v[strspn(v, " \t")] == '\0')
		return settings[id].default_value;
	return v;
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

int
config_build(const char *const values[SETTING__MAX], struct config *cfg,
    char *err, size_t errsz)
{
	const char	*v;
	long		*ints[SETTING__MAX] = {
		[SETTING_RELAY_TIMEOUT] = &cfg->timeout_s,
		[SETTING_RELAY_CONNECT_TIMEOUT] = &cfg->connect_timeout_s,
		[SETTING_RELAY_MAX_JSON_BODY] = &cfg->max_json_body,
		[SETTING_RELAY_MAX_UPLOAD_BODY] = &cfg->max_upload_body,
		[SETTING_RELAY_ACTIONS_FILE_MAX] = &cfg->actions_file_max,
		[SETTING_RELAY_ACTIONS_IMAGE_MAX] = &cfg->actions_image_max,
		[SETTING_RELAY_ACTIONS_VIDEO_MAX] = &cfg->actions_video_max,
		[SETTING_RELAY_FETCH_TIMEOUT] = &cfg->fetch_timeout_s,
		[SETTING_RELAY_THREADS] = &cfg->threads,
		[SETTING_RELAY_SHUTDOWN_GRACE] = &cfg->shutdown_grace_s,
		[SETTING_RELAY_MAX_REQUESTS] = &cfg->max_requests,
		[SETTING_RELAY_STREAM_KEEPALIVE] = &cfg->stream_keepalive_s,
		[SETTING_RELAY_STREAM_FIRST_BYTE_TIMEOUT] =
		    &cfg->stream_first_byte_timeout_s,
		[SETTING_RELAY_STREAM_IDLE_TIMEOUT] =
		    &cfg->stream_idle_timeout_s,
		[SETTING_RELAY_STREAM_TOTAL_TIMEOUT] =
		    &cfg->stream_total_timeout_s,
		[SETTING_RELAY_REALTIME_WS_MAX_MESSAGE] =
		    &cfg->realtime_ws_max_message,
		[SETTING_RELAY_REALTIME_WS_IDLE_TIMEOUT] =
		    &cfg->realtime_ws_idle_timeout_s,
		[SETTING_RELAY_REALTIME_WS_MAX_SESSION] =
		    &cfg->realtime_ws_max_session_s,
	};
	int		 i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < SETTING__MAX; i++) {
		v = value_or_default(values, (enum setting_id)i);
		if (v != NULL && has_control(v)) {
			reason_fail(err, errsz, "%s must not contain control "
			    "characters", settings[i].name);
			goto bad;
		}
		if (settings[i].type == SETTING_INT &&
		    parse_long(v, settings[i].min, settings[i].max,
		    ints[i]) == -1) {
			reason_fail(err, errsz, "%s must be a whole number from %ld "
			    "to %ld", settings[i].name, settings[i].min,
			    settings[i].max);
			goto bad;
		}
	}

	if (parse_bool(value_or_default(values, SETTING_RELAY_AUTH_ENABLED),
	    &cfg->auth_enabled) == -1) {
		reason_fail(err, errsz, "RELAY_AUTH_ENABLED must be true or false "
		    "(1/0, yes/no, on/off)");
		goto bad;
	}
	if (parse_bool(value_or_default(values,
	    SETTING_RELAY_REALTIME_WS_ENABLED),
	    &cfg->realtime_ws_enabled) == -1) {
		reason_fail(err, errsz, "RELAY_REALTIME_WS_ENABLED must be true or "
		    "false (1/0, yes/no, on/off)");
		goto bad;
	}
	cfg->realtime_models = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_REALTIME_MODELS));
	cfg->realtime_model = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_REALTIME_MODEL));
	cfg->realtime_beta = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_REALTIME_BETA));
	if (!realtime_model_allowed(cfg->realtime_models,
	    cfg->realtime_model)) {
		reason_fail(err, errsz, "RELAY_REALTIME_MODEL must be allowed by "
		    "RELAY_REALTIME_MODELS");
		goto bad;
	}

	cfg->openai_api_base = normalise_base(value_or_default(values,
	    SETTING_OPENAI_API_BASE));
	if (cfg->openai_api_base == NULL) {
		reason_fail(err, errsz, "OPENAI_API_BASE must be an http:// or "
		    "https:// URL without credentials, query or fragment");
		goto bad;
	}
	v = value_or_default(values, SETTING_RELAY_PUBLIC_URL);
	cfg->public_url = v == NULL ? xstrdup("") : normalise_base(v);
	if (cfg->public_url == NULL) {
		reason_fail(err, errsz, "RELAY_PUBLIC_URL must be an http:// or "
		    "https:// URL without credentials, query or fragment");
		goto bad;
	}

	v = value_or_default(values, SETTING_RELAY_KEY);
	if (v != NULL) {
		if (strlen(v) < RELAY_KEY_MIN_LEN || strchr(v, ' ') != NULL) {
			reason_fail(err, errsz, "RELAY_KEY must be at least %d "
			    "characters without spaces", RELAY_KEY_MIN_LEN);
			goto bad;
		}
		add_key(cfg, "default", 7, v, strlen(v));
	}
	v = value_or_default(values, SETTING_RELAY_KEYS);
	if (v != NULL && parse_key_list(cfg, v, err, errsz) == -1)
		goto bad;

	cfg->openai_api_key = dup_or_empty(value_or_default(values,
	    SETTING_OPENAI_API_KEY));
	cfg->openai_organization = dup_or_empty(value_or_default(values,
	    SETTING_OPENAI_ORGANIZATION));
	cfg->openai_project = dup_or_empty(value_or_default(values,
	    SETTING_OPENAI_PROJECT));
	cfg->default_model = dup_or_empty(value_or_default(values,
	    SETTING_DEFAULT_MODEL));
	cfg->relay_name = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_NAME));
	cfg->app_mode = dup_or_empty(value_or_default(values,
	    SETTING_APP_MODE));
	cfg->environment = dup_or_empty(value_or_default(values,
	    SETTING_ENVIRONMENT));
	cfg->fetch_hosts = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_FETCH_HOSTS));
	cfg->fetch_ca_file = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_FETCH_CA_FILE));
	cfg->video_models = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_VIDEO_MODELS));
	cfg->video_sizes = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_VIDEO_SIZES));
	cfg->video_seconds = dup_or_empty(value_or_default(values,
	    SETTING_RELAY_VIDEO_SECONDS));
	return 0;
bad:
	config_free(cfg);
	return -1;
}

void
config_free(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].name);
		free(cfg->keys[i].key);
	}
	free(cfg->keys);
	free(cfg->openai_api_key);
	free(cfg->openai_api_base);
	free(cfg->openai_organization);
	free(cfg->openai_project);
	free(cfg->default_model);
	free(cfg->relay_name);
	free(cfg->public_url);
	free(cfg->app_mode);
	free(cfg->environment);
	free(cfg->fetch_hosts);
	free(cfg->fetch_ca_file);
	free(cfg->video_models);
	free(cfg->video_sizes);
	free(cfg->video_seconds);
	free(cfg->realtime_models);
	free(cfg->realtime_model);
	free(cfg->realtime_beta);
	memset(cfg, 0, sizeof(*cfg));
}
