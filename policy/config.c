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
#include "policy/dynbuf.h"
#include "policy/error.h"
#include "policy/headers.h"
#include "policy/realtime.h"
#include "policy/statespec.h"
#include "policy/util.h"
#include "policy/xalloc.h"

#define RELAY_KEY_MIN_LEN	16

/*
 * The settings, one row each, in the order the README lists them.  A row
 * names the setting, its field in struct config, its default as relay.conf
 * would spell it (NULL: unset) and its README line.  Adding a setting is
 * adding its field to struct config and one row here; the README's table
 * must then match `relay --help-config`, which prints these rows (a unit
 * test compares them).
 *
 *   STRING(NAME, field, default, help)      char *, "" when unset
 *   SECRET(NAME, field, help)               the same, never printed
 *   SECRET_FILE(NAME, SECRET_NAME, help)    a 0600 file holding SECRET_NAME
 *   URL(NAME, field, default, help)         char *, http(s)://host[/prefix]
 *                                           without a trailing / or /v1
 *   BOOL(NAME, field, default, help)        bool
 *   INT(NAME, field, default, min, max, help)  long
 *   LIST(NAME, field, default, help)        struct strlist (see strlist.h)
 *   HOST_LIST(NAME, field, default, help)   the same, of host[:port]
 *   KEY(NAME, help), KEY_LIST(NAME, help)   client keys, into keys/nkeys
 *
 * A rule that involves two settings goes in cross_check() below.
 */
#define ROW(n, t, f, d, lo, hi, ff, h) { .name = #n, .type = SETTING_##t, \
	.offset = offsetof(struct config, f), .default_value = d, .min = lo, \
	.max = hi, .file_for = ff, .help = h }
#define STRING(n, f, d, h)		ROW(n, STRING, f, d, 0, 0, NULL, h)
#define SECRET(n, f, h)			ROW(n, SECRET, f, NULL, 0, 0, NULL, h)
/* A file setting has no field of its own (keys stands in for one). */
#define SECRET_FILE(n, target, h)	ROW(n, SECRET_FILE, keys, NULL, 0, 0, \
					    #target, h)
#define URL(n, f, d, h)			ROW(n, URL, f, d, 0, 0, NULL, h)
#define BOOL(n, f, d, h)		ROW(n, BOOL, f, d, 0, 0, NULL, h)
#define INT(n, f, d, lo, hi, h)		ROW(n, INT, f, d, lo, hi, NULL, h)
#define LIST(n, f, d, h)		ROW(n, LIST, f, d, 0, 0, NULL, h)
#define HOST_LIST(n, f, d, h)		ROW(n, HOST_LIST, f, d, 0, 0, NULL, h)
#define KEY(n, h)			ROW(n, KEY, keys, NULL, 0, 0, NULL, h)
#define KEY_LIST(n, h)			ROW(n, KEY_LIST, keys, NULL, 0, 0, NULL, h)

const struct setting settings[] = {
	SECRET(OPENAI_API_KEY, openai_api_key,
	    "The operator's OpenAI key, sent upstream as a Bearer token. "
	    "Without it, relayed calls answer 424."),
	SECRET_FILE(OPENAI_API_KEY_FILE, OPENAI_API_KEY,
	    "Path of a 0600 file holding `OPENAI_API_KEY`."),
	URL(OPENAI_API_BASE, openai_api_base, "https://api.openai.com",
	    "Upstream base URL, with or without a trailing `/v1`."),
	STRING(OPENAI_ORGANIZATION, openai_organization, NULL,
	    "Sent upstream as `OpenAI-Organization` when set."),
	STRING(OPENAI_PROJECT, openai_project, NULL,
	    "Sent upstream as `OpenAI-Project` when set."),
	KEY(RELAY_KEY,
	    "The key clients present; at least 16 characters."),
	SECRET_FILE(RELAY_KEY_FILE, RELAY_KEY,
	    "Path of a 0600 file holding `RELAY_KEY`."),
	KEY_LIST(RELAY_KEYS,
	    "More client keys as `name:key,name:key`."),
	STRING(RELAY_KEYS_FILE, keys_file, NULL,
	    "Path of the keys file (relative to `relay.conf`'s directory): "
	    "one key a line with its models, rates, token budget, concurrency "
	    "and surface (see Keys); owner-only like the other secrets, "
	    "reread when it changes."),
	BOOL(RELAY_AUTH_ENABLED, auth_enabled, "true",
	    "Require a relay key on every non-public route."),
	STRING(RELAY_STATE, state_spec, NULL,
	    "Where counters, usage and short-lived links live, shared by "
	    "every relay process: `sqlite:PATH` (relative to `relay.conf`'s "
	    "directory) or `redis://HOST:PORT[/DB]` for several hosts. "
	    "Default: `sqlite:relay-state.db` beside `RELAY_KEYS_FILE`, else "
	    "beside `relay.conf`, else beside the binary."),
	INT(RELAY_TIMEOUT, timeout_s, "120", 1, 86400,
	    "Seconds an upstream call may take in total."),
	INT(RELAY_CONNECT_TIMEOUT, connect_timeout_s, "10", 1, 300,
	    "Seconds to establish the upstream connection."),
	INT(RELAY_BODY_IDLE_TIMEOUT, body_idle_timeout_s, "60", 1, 3600,
	    "Seconds a request body may pause before the request is dropped "
	    "as `incomplete_body` (front servers that stream bodies, as "
	    "`deploy/nginx.conf` does, pass their clients' pauses on)."),
	INT(RELAY_MAX_JSON_BODY, max_json_body, "37748736", 1024, 1073741824,
	    "Largest JSON request body in bytes (36 MiB)."),
	INT(RELAY_MAX_UPLOAD_BODY, max_upload_body, "537919488", 1024,
	    8589934592L,
	    "Largest multipart upload in bytes (512 MiB plus form overhead), "
	    "streamed upstream, never held in memory."),
	INT(RELAY_ACTIONS_FILE_MAX, actions_file_max, "10485760", 1,
	    1073741824,
	    "Largest decoded file or upload part an Actions wrapper takes "
	    "(10 MiB)."),
	INT(RELAY_ACTIONS_IMAGE_MAX, actions_image_max, "4194304", 1,
	    1073741824,
	    "Largest image or mask an Actions image wrapper takes or "
	    "downloads (4 MiB)."),
	INT(RELAY_ACTIONS_VIDEO_MAX, actions_video_max, "26214400", 1,
	    1073741824,
	    "Largest decoded video input reference an Actions video wrapper "
	    "takes (25 MiB)."),
	INT(RELAY_ACTIONS_AUDIO_MAX, actions_audio_max, "26214400", 1,
	    1073741824, "Largest audio file the Actions transcription wrapper "
	    "takes or downloads, and largest speech the speech wrapper holds "
	    "for its link (25 MiB)."),
	INT(RELAY_ACTIONS_LINK_TTL, actions_link_ttl_s, "3600", 1, 604800,
	    "Seconds a link from an Actions wrapper (an image, a file too big "
	    "for the answer) serves its bytes, without a key."),
	INT(RELAY_ACTIONS_LINKS_MAX, actions_links_max, "268435456", 1,
	    68719476736L, "Most bytes the links hold in the state store at "
	    "once (256 MiB); past it, wrappers answer 507 until older links "
	    "expire."),
	HOST_LIST(RELAY_FETCH_HOSTS, fetch_hosts, "files.oaiusercontent.com",
	    "Hosts (`host` or `host:port`, exact, any case) the image and "
	    "transcription wrappers may download user files from, https "
	    "only."),
	INT(RELAY_FETCH_TIMEOUT, fetch_timeout_s, "20", 1, 600,
	    "Seconds a wrapper's file download may take."),
	STRING(RELAY_FETCH_CA_FILE, fetch_ca_file, NULL,
	    "CA bundle for those downloads, and for OAuth client ID metadata "
	    "documents, instead of the system's."),
	LIST(RELAY_VIDEO_MODELS, video_models, "sora-2,sora-2-pro",
	    "Models the Actions video wrappers accept."),
	LIST(RELAY_VIDEO_SIZES, video_sizes,
	    "720x1280,1280x720,1024x1792,1792x1024",
	    "Sizes the Actions video wrappers accept."),
	LIST(RELAY_VIDEO_SECONDS, video_seconds, "4,8,12",
	    "Durations in seconds the Actions video wrappers accept."),
	INT(RELAY_THREADS, threads, "256", 1, 4096,
	    "Most worker threads per process (`--threads` overrides); started "
	    "as concurrent requests need them; each open stream holds one."),
	INT(RELAY_MIN_THREADS, min_threads, "8", 1, 4096,
	    "Worker threads each process starts with (at most "
	    "`RELAY_THREADS`); they stay."),
	INT(RELAY_SPARE_THREADS, spare_threads, "64", 1, 4096,
	    "Idle worker threads each process keeps ready (at most "
	    "`RELAY_THREADS`): whenever fewer wait, a thread of its own starts "
	    "more, so a burst of requests does not wait for threads."),
	INT(RELAY_THREAD_IDLE_TIMEOUT, thread_idle_timeout_s, "60", 0, 86400,
	    "Seconds the idle threads beyond `RELAY_SPARE_THREADS` may all "
	    "stay idle before they end (never below `RELAY_MIN_THREADS`), so "
	    "a peak of streams does not keep its threads; 0 keeps every "
	    "thread to the process's end."),
	INT(RELAY_SHUTDOWN_GRACE, shutdown_grace_s, "20", 0, 3600,
	    "Seconds in-flight requests may finish after SIGTERM."),
	INT(RELAY_MAX_REQUESTS, max_requests, "0", 0, 1000000000,
	    "Requests a worker process accepts before a fresh one replaces it "
	    "(see Recycling); 0 for never."),
	INT(RELAY_STREAM_KEEPALIVE, stream_keepalive_s, "15", 1, 3600,
	    "Seconds of upstream silence before a stream gets a `: keepalive` "
	    "comment."),
	INT(RELAY_STREAM_FIRST_BYTE_TIMEOUT, stream_first_byte_timeout_s,
	    "120", 1, 86400,
	    "Seconds a streamed call may wait for upstream's response "
	    "headers."),
	INT(RELAY_STREAM_IDLE_TIMEOUT, stream_idle_timeout_s, "300", 1, 86400,
	    "Seconds a stream may go without a byte from upstream."),
	INT(RELAY_STREAM_TOTAL_TIMEOUT, stream_total_timeout_s, "0", 0, 604800,
	    "Seconds a stream may last in all; 0 for no limit."),
	LIST(RELAY_REALTIME_MODELS, realtime_models, "gpt-realtime*",
	    "Models the realtime routes and the WebSocket bridge accept."),
	STRING(RELAY_REALTIME_MODEL, realtime_model, "gpt-realtime",
	    "Model the WebSocket bridge uses when the client names none; must "
	    "be allowed."),
	STRING(RELAY_REALTIME_BETA, realtime_beta, NULL,
	    "`OpenAI-Beta` header the bridge sends upstream (`realtime=v1` for "
	    "the beta interface); unset for GA."),
	BOOL(RELAY_REALTIME_WS_ENABLED, realtime_ws_enabled, "false",
	    "Serve the WebSocket bridge (`relay --websocket`)."),
	INT(RELAY_REALTIME_WS_MAX_MESSAGE, realtime_ws_max_message, "4194304",
	    1024, 268435456,
	    "Largest WebSocket message in bytes relayed either way; a larger "
	    "one closes the session (1009)."),
	INT(RELAY_REALTIME_WS_IDLE_TIMEOUT, realtime_ws_idle_timeout_s, "300",
	    1, 86400,
	    "Seconds a bridged session may go without a message either way "
	    "(then 1008)."),
	INT(RELAY_REALTIME_WS_MAX_SESSION, realtime_ws_max_session_s, "3600",
	    1, 86400,
	    "Seconds a bridged session may last in all (then 1008)."),
	STRING(DEFAULT_MODEL, default_model, "gpt-4o-mini",
	    "Model reported by health and relay_info."),
	STRING(RELAY_NAME, relay_name, "OpenAI relay",
	    "Name shown by health, manifest, relay_info and the OAuth sign-in "
	    "page."),
	URL(RELAY_PUBLIC_URL, public_url, NULL,
	    "The relay's public base URL (`https://host[/prefix]`), given as "
	    "`servers[0].url` in the OpenAPI documents and as the OAuth issuer "
	    "(`/mcp` is the resource); unset, each document names the scheme "
	    "and host it was fetched from."),
	STRING(RELAY_MCP, mcp_setting, "off",
	    "`off`, `oauth` or `open`: serve the MCP endpoint `POST /mcp` "
	    "(ChatGPT apps, Claude connectors). `oauth` takes a relay key as "
	    "`Authorization: Bearer`, like every route, or a token from the "
	    "relay's OAuth sign-in; `open` takes no key at all, and spends the "
	    "OpenAI key for anyone who can reach it: loopback only, unless "
	    "`RELAY_MCP_OPEN_PUBLIC` confirms it."),
	LIST(RELAY_MCP_ORIGINS, mcp_origins, "https://chatgpt.com,"
	    "https://claude.ai",
	    "Browser origins (`scheme://host[:port]`, exact) allowed to call "
	    "`/mcp`; a request with any other `Origin` gets 403 (DNS "
	    "rebinding). Requests without `Origin` are not browsers' and "
	    "pass."),
	BOOL(RELAY_MCP_OPEN_PUBLIC, mcp_open_public, "false",
	    "Confirms `RELAY_MCP=open` on a front server that is not on "
	    "loopback: anyone who has the URL spends the OpenAI key."),
	INT(RELAY_OAUTH_ACCESS_TTL, oauth_access_ttl_s, "3600", 1, 86400,
	    "Seconds an OAuth access token (sign-in for `/mcp` with a relay "
	    "key) is valid; clients refresh it."),
	INT(RELAY_OAUTH_REFRESH_TTL, oauth_refresh_ttl_s, "2592000", 60,
	    31536000, "Seconds an OAuth sign-in lasts without being "
	    "refreshed (30 days); each refresh starts it again. Revoking or "
	    "replacing the relay key ends it at once."),
	INT(RELAY_OAUTH_REGISTRATIONS_PER_HOUR, oauth_registrations_per_hour,
	    "100", 1, 1000000, "Most OAuth client registrations the relay "
	    "takes per clock hour, from anyone (registering needs no key); "
	    "past it, `/oauth/register` answers 429 until the next hour."),
	HOST_LIST(RELAY_OAUTH_CLIENT_PRIVATE_HOSTS, oauth_private_hosts, NULL,
	    "Hosts (`host` or `host:port`) whose OAuth client ID metadata "
	    "documents may be fetched from a loopback or private address (a "
	    "client on a private network); every other client's document "
	    "comes from a public address only."),
	STRING(APP_MODE, app_mode, "production",
	    "Free-form label shown by health and ping."),
	STRING(ENVIRONMENT, environment, "production",
	    "Free-form label shown by health and ping."),
};

const size_t settings_count = NELEM(settings);

_Static_assert(NELEM(settings) <= SETTINGS_MAX, "raise SETTINGS_MAX");

const struct setting *
setting_get(int id)
{
	return &settings[id >= 0 && (size_t)id < settings_count ? id : 0];
}

int
setting_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < settings_count; i++)
		if (strcmp(name, settings[i].name) == 0)
			return (int)i;
	return -1;
}

bool
setting_is_secret(const struct setting *s)
{
	return s->type == SETTING_SECRET || s->type == SETTING_KEY ||
	    s->type == SETTING_KEY_LIST;
}

/* The field row s fills in cfg. */
static void *
field_of(const struct config *cfg, const struct setting *s)
{
	return (char *)cfg + s->offset;
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
parse_bool(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	static const char *const yes[] = { "1", "true", "t", "yes", "y", "on" };
	static const char *const no[] = { "0", "false", "f", "no", "n", "off" };
	bool	*out = field_of(cfg, s);
	size_t	 i;

	for (i = 0; i < NELEM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return reason_fail(err, errsz, "%s must be true or false (1/0, yes/no, "
	    "on/off)", s->name);
}

static int
parse_int(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	long	*out = field_of(cfg, s);
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < s->min || n > s->max)
		return reason_fail(err, errsz, "%s must be a whole number from "
		    "%ld to %ld", s->name, s->min, s->max);
	*out = n;
	return 0;
}

static int
parse_string(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	(void)err;
	(void)errsz;
	*(char **)field_of(cfg, s) = xstrdup(v);
	return 0;
}

/*
 * Accepts http(s)://host[:port][/prefix] with no userinfo, query or
 * fragment, and keeps it without a trailing "/" or "/v1": every routed
 * path already starts with /v1.
 */
static int
parse_url(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	const char	*authority;
	size_t		 len;

	if (strncmp(v, "https://", 8) == 0)
		authority = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		authority = v + 7;
	else
		authority = NULL;
	if (authority == NULL || *authority == '\0' || *authority == '/' ||
	    strpbrk(v, " ?#@\\") != NULL)
		return reason_fail(err, errsz, "%s must be an http:// or "
		    "https:// URL without credentials, query or fragment",
		    s->name);
	len = strlen(v);
	while (len > 0 && v[len - 1] == '/')
		len--;
	if (len >= 3 && strncmp(v + len - 3, "/v1", 3) == 0 &&
	    v + len - 3 >= authority + 1)
		len -= 3;
	while (len > 0 && v[len - 1] == '/')
		len--;
	*(char **)field_of(cfg, s) = xstrndup(v, len);
	return 0;
}

static int
parse_list(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	(void)err;
	(void)errsz;
	strlist_parse(field_of(cfg, s), v);
	return 0;
}

/* Host names compare in any case: the entries are kept in lower case. */
static int
parse_host_list(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	struct strlist	*l = field_of(cfg, s);
	size_t		 i;
	char		*c;

	strlist_parse(l, v);
	for (i = 0; i < l->n; i++) {
		if (!headers_host_valid(l->items[i]))
			return reason_fail(err, errsz, "%s: each entry must be "
			    "host or host:port", s->name);
		for (c = l->items[i]; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	return 0;
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

static int
parse_key(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	if (strlen(v) < RELAY_KEY_MIN_LEN || strchr(v, ' ') != NULL)
		return reason_fail(err, errsz, "%s must be at least %d "
		    "characters without spaces", s->name, RELAY_KEY_MIN_LEN);
	add_key(cfg, "default", 7, v, strlen(v));
	return 0;
}

/* name:key,name:key — names [A-Za-z0-9_.-]+, keys >= 16. */
static int
parse_key_list(const struct setting *s, const char *v, struct config *cfg,
    char *err, size_t errsz)
{
	const char	*p = v;

	while (*p != '\0') {
		size_t		 itemlen = strcspn(p, ",");
		const char	*colon = memchr(p, ':', itemlen);
		size_t		 namelen, keylen;

		if (colon == NULL)
			return reason_fail(err, errsz, "%s: each entry must "
			    "be name:key", s->name);
		namelen = (size_t)(colon - p);
		keylen = itemlen - namelen - 1;
		if (namelen == 0 || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_.-") < namelen)
			return reason_fail(err, errsz, "%s: a name must be "
			    "letters, digits, '_', '.' or '-'", s->name);
		if (keylen < RELAY_KEY_MIN_LEN || memchr(colon + 1, ' ',
		    keylen) != NULL)
			return reason_fail(err, errsz, "%s: each key must be "
			    "at least %d characters without spaces", s->name,
			    RELAY_KEY_MIN_LEN);
		if (key_name_taken(cfg, p, namelen))
			return reason_fail(err, errsz, "%s: a name is used "
			    "twice", s->name);
		add_key(cfg, p, namelen, colon + 1, keylen);
		p += itemlen;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* How a value of each type becomes its field; 0, or -1 with a reason. */
static int (*const parsers[])(const struct setting *, const char *,
    struct config *, char *, size_t) = {
	[SETTING_STRING] = parse_string,
	[SETTING_SECRET] = parse_string,
	[SETTING_SECRET_FILE] = NULL,	/* the caller reads the file */
	[SETTING_URL] = parse_url,
	[SETTING_BOOL] = parse_bool,
	[SETTING_INT] = parse_int,
	[SETTING_LIST] = parse_list,
	[SETTING_HOST_LIST] = parse_host_list,
	[SETTING_KEY] = parse_key,
	[SETTING_KEY_LIST] = parse_key_list,
};

/* The rules that involve more than one setting. */
static const char *const mcp_modes[] = {
	[MCP_OFF] = "off", [MCP_OAUTH] = "oauth", [MCP_OPEN] = "open",
};

static int
mcp_mode_parse(struct config *cfg, char *err, size_t errsz)
{
	size_t	i;

	for (i = 0; i < NELEM(mcp_modes); i++)
		if (strcmp(cfg->mcp_setting, mcp_modes[i]) == 0) {
			cfg->mcp = (enum mcp_mode)i;
			return 0;
		}
	return reason_fail(err, errsz, "RELAY_MCP must be off, oauth or open");
}

static int
cross_check(struct config *cfg, char *err, size_t errsz)
{
	struct state_spec	spec;

	/* fcgi/settings.c resolves the default before this runs. */
	if (cfg->state_spec[0] != '\0' &&
	    !state_spec_parse(cfg->state_spec, &spec, err, errsz))
		return -1;
	if (!realtime_model_allowed(&cfg->realtime_models, cfg->realtime_model))
		return reason_fail(err, errsz, "RELAY_REALTIME_MODEL must be "
		    "allowed by RELAY_REALTIME_MODELS");
	return mcp_mode_parse(cfg, err, errsz);
}

static bool
is_blank(const char *v)
{
	return v == NULL || v[strspn(v, " \t")] == '\0';
}

/* Whether s's field is a char *, "" when unset. */
static bool
holds_string(const struct setting *s)
{
	return s->type == SETTING_STRING || s->type == SETTING_SECRET ||
	    s->type == SETTING_URL;
}

int
config_build(const char *const values[SETTINGS_MAX], struct config *cfg,
    char *err, size_t errsz)
{
	const struct setting	*s;
	const char		*v;
	size_t			 i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < settings_count; i++) {
		s = &settings[i];
		v = is_blank(values[i]) ? s->default_value : values[i];
		if (v != NULL && has_control(v)) {
			reason_fail(err, errsz, "%s must not contain control "
			    "characters", s->name);
			goto bad;
		}
		if (s->type == SETTING_SECRET_FILE)
			continue;	/* the caller read the file */
		if (v == NULL) {
			if (holds_string(s))
				*(char **)field_of(cfg, s) = xstrdup("");
			continue;
		}
		if (parsers[s->type](s, v, cfg, err, errsz) == -1)
			goto bad;
	}
	if (cross_check(cfg, err, errsz) == -1)
		goto bad;
	return 0;
bad:
	config_free(cfg);
	return -1;
}

void
config_free(struct config *cfg)
{
	const struct setting	*s;
	size_t			 i;

	for (i = 0; i < settings_count; i++) {
		s = &settings[i];
		if (holds_string(s))
			free(*(char **)field_of(cfg, s));
		else if (s->type == SETTING_LIST ||
		    s->type == SETTING_HOST_LIST)
			strlist_free(field_of(cfg, s));
	}
	for (i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].name);
		free(cfg->keys[i].key);
	}
	free(cfg->keys);
	memset(cfg, 0, sizeof(*cfg));
}

const struct strlist *
config_list(const struct config *cfg, const char *name)
{
	int	id = setting_lookup(name);

	if (id < 0 || (settings[id].type != SETTING_LIST &&
	    settings[id].type != SETTING_HOST_LIST))
		return NULL;
	return field_of(cfg, &settings[id]);
}

char *
config_table(void)
{
	static const char	 head[] = "| setting | default | meaning |\n"
	    "|---|---|---|\n";
	struct dynbuf		 out;
	const struct setting	*s;
	size_t			 i, len;

	dynbuf_init(&out, 1 << 20);
	dynbuf_add(&out, head, sizeof(head) - 1);
	for (i = 0; i < settings_count; i++) {
		s = &settings[i];
		dynbuf_add(&out, "| `", 3);
		dynbuf_add(&out, s->name, strlen(s->name));
		dynbuf_add(&out, "` | ", 4);
		if (s->default_value == NULL)
			dynbuf_add(&out, "\xe2\x80\x94", 3);	/* an em dash */
		else {
			dynbuf_add(&out, "`", 1);
			dynbuf_add(&out, s->default_value,
			    strlen(s->default_value));
			dynbuf_add(&out, "`", 1);
		}
		dynbuf_add(&out, " | ", 3);
		dynbuf_add(&out, s->help, strlen(s->help));
		dynbuf_add(&out, " |\n", 3);
	}
	return dynbuf_take(&out, &len);
}
