/*
 * Local answers: health, manifest, ping, relay and system info.  They
 * describe the relay from its configuration and route table, and never
 * reveal a secret: keys are reported only as configured or not.  The
 * public ones (health, manifest) do not name the upstream either: a base
 * URL can carry an account id or a gateway's token, so only callers with
 * a relay key (relay and system info) see it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "policy/config.h"
#include "policy/route.h"
#include "policy/version.h"

static void
add_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

static void
add_bool(struct json_object *o, const char *key, bool value)
{
	json_object_object_add(o, key, json_object_new_boolean(value));
}

static void
reply_and_put(struct exchange *ex, struct json_object *obj)
{
	reply_json(ex, 200, obj);
	json_object_put(obj);
}

/* ISO-8601 UTC with microseconds, as the original relay printed it. */
static void
iso_timestamp(char *buf, size_t bufsz)
{
	struct timespec	ts;
	struct tm	tm;
	char		secs[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, bufsz, "%s.%06ld+00:00", secs, ts.tv_nsec / 1000);
}

void
meta_health(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct json_object	*root, *relay, *openai, *meta;
	char			 ts[64];

	iso_timestamp(ts, sizeof(ts));
	root = json_object_new_object();
	add_string(root, "object", "health");
	add_string(root, "status", "ok");
	add_string(root, "environment", cfg->environment[0] ?
	    cfg->environment : cfg->app_mode[0] ? cfg->app_mode : "unknown");
	add_string(root, "default_model", cfg->default_model);
	add_string(root, "timestamp", ts);

	relay = json_object_new_object();
	add_string(relay, "name", cfg->relay_name);
	add_string(relay, "version", RELAY_VERSION);
	add_string(relay, "app_mode", cfg->app_mode);
	add_bool(relay, "auth_enabled", cfg->auth_enabled);
	add_string(relay, "auth_header",
	    "Authorization: Bearer <relay key> (or X-Relay-Key)");
	add_bool(relay, "relay_key_configured", cfg->nkeys > 0);
	json_object_object_add(root, "relay", relay);

	openai = json_object_new_object();
	add_bool(openai, "api_key_configured", cfg->openai_api_key[0] != '\0');
	json_object_object_add(root, "openai", openai);

	meta = json_object_new_object();
	json_object_object_add(meta, "routes",
	    json_object_new_int64((int64_t)routes_count));
	/*
	 * A deployment self-test: call /health with any Authorization
	 * header; "absent" means the web server strips it (Apache without
	 * CGIPassAuth), so Bearer keys will never arrive.
	 */
	add_string(meta, "authorization_header",
	    exchange_header(ex, "Authorization") ? "present" : "absent");
	json_object_object_add(root, "meta", meta);
	reply_and_put(ex, root);
}

/*
 * The manifest group of a template: its first segment after /v1
 * ("/v1/files/{file_id}" is "files"), "<family>_actions" for Actions
 * wrappers, "actions" for the /v1/actions meta routes and "meta" for
 * anything outside /v1.
 */
static void
manifest_group(const char *path, char *buf, size_t bufsz)
{
	const char	*seg;
	size_t		 len;

	if (strncmp(path, "/v1/", 4) != 0) {
		snprintf(buf, bufsz, "meta");
		return;
	}
	seg = path + 4;
	len = strcspn(seg, "/:");
	if (len == 7 && strncmp(seg, "actions", 7) == 0 && seg[7] == '/') {
		const char	*fam = seg + 8;
		size_t		 famlen = strcspn(fam, "/");

		if (fam[famlen] == '/')
			snprintf(buf, bufsz, "%.*s_actions", (int)famlen, fam);
		else
			snprintf(buf, bufsz, "actions");
		return;
	}
	snprintf(buf, bufsz, "%.*s", (int)len, seg);
}

static struct json_object *
manifest_endpoints(void)
{
	struct json_object	*groups = json_object_new_object();
	struct json_object	*list;
	char			 group[64];
	size_t			 i, n;

	for (i = 0; i < routes_count; i++) {
		manifest_group(routes[i].path, group, sizeof(group));
		if (!json_object_object_get_ex(groups, group, &list)) {
			list = json_object_new_array();
			json_object_object_add(groups, group, list);
		}
		/* Rows sharing a template (GET and DELETE) list it once. */
		n = json_object_array_length(list);
		if (n > 0 && strcmp(json_object_get_string(
		    json_object_array_get_idx(list, n - 1)),
		    routes[i].path) == 0)
			continue;
		json_object_array_add(list,
		    json_object_new_string(routes[i].path));
	}
	return groups;
}

void
meta_manifest(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct json_object	*root, *data, *endpoints, *meta;

	endpoints = manifest_endpoints();
	meta = json_object_new_object();
	add_string(meta, "relay_name", cfg->relay_name);
	add_bool(meta, "auth_required", cfg->auth_enabled);
	add_string(meta, "auth_header", "X-Relay-Key");
	add_bool(meta, "upstream_configured", cfg->openai_api_key[0] != '\0');

	/* The original served the same two objects twice; clients rely on
	 * both spellings. */
	data = json_object_new_object();
	json_object_object_add(data, "endpoints", json_object_get(endpoints));
	json_object_object_add(data, "meta", json_object_get(meta));
	root = json_object_new_object();
	add_string(root, "object", "relay.manifest");
	json_object_object_add(root, "data", data);
	json_object_object_add(root, "endpoints", endpoints);
	json_object_object_add(root, "meta", meta);
	reply_and_put(ex, root);
}

void
meta_ping(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct json_object	*root = json_object_new_object();

	add_string(root, "source", cfg->relay_name);
	add_string(root, "status", "ok");
	add_string(root, "app_mode", cfg->app_mode);
	add_string(root, "environment", cfg->environment);
	reply_and_put(ex, root);
}

void
meta_relay_info(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct json_object	*root, *relay, *upstream;

	relay = json_object_new_object();
	add_string(relay, "name", cfg->relay_name);
	add_string(relay, "app_mode", cfg->app_mode);
	add_string(relay, "environment", cfg->environment);
	upstream = json_object_new_object();
	add_string(upstream, "base_url", cfg->openai_api_base);
	add_string(upstream, "default_model", cfg->default_model);
	root = json_object_new_object();
	add_string(root, "type", "relay.info");
	json_object_object_add(root, "relay", relay);
	json_object_object_add(root, "upstream", upstream);
	reply_and_put(ex, root);
}

void
meta_system_info(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct json_object	*root = json_object_new_object();

	add_string(root, "relay_name", cfg->relay_name);
	add_string(root, "relay_version", RELAY_VERSION);
	add_string(root, "app_mode", cfg->app_mode);
	add_string(root, "environment", cfg->environment);
	add_string(root, "openai_api_base", cfg->openai_api_base);
	add_string(root, "default_model", cfg->default_model);
	add_bool(root, "openai_api_key_set", cfg->openai_api_key[0] != '\0');
	add_bool(root, "openai_organization_set",
	    cfg->openai_organization[0] != '\0');
	add_bool(root, "openai_project_set", cfg->openai_project[0] != '\0');
	add_bool(root, "relay_auth_enabled", cfg->auth_enabled);
	add_bool(root, "relay_auth_key_set", cfg->nkeys > 0);
	json_object_object_add(root, "relay_client_keys",
	    json_object_new_int64((int64_t)cfg->nkeys));
	reply_and_put(ex, root);
}
