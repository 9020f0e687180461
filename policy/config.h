/*
 * Settings: their names, defaults and validation, and the typed
 * configuration built from them.  Pure: the caller (fcgi/settings.c)
 * gathers the raw strings from the config file, the environment and
 * secret files; this module decides whether they make a valid config.
 */
#ifndef POLICY_CONFIG_H
#define POLICY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/strlist.h"

/* Room for this many rows; config.c refuses to build with more. */
#define SETTINGS_MAX	96

enum setting_type {
	SETTING_STRING,		/* char *, "" when unset */
	SETTING_SECRET,		/* the same, never printed or logged */
	SETTING_SECRET_FILE,	/* path of a 0600 file holding a secret */
	SETTING_URL,		/* char *, normalised; "" when unset */
	SETTING_BOOL,		/* bool */
	SETTING_INT,		/* long, from min to max */
	SETTING_LIST,		/* struct strlist */
	SETTING_HOST_LIST,	/* struct strlist of host[:port], lower case */
	SETTING_KEY,		/* a client key named "default", into keys */
	SETTING_KEY_LIST,	/* name:key,name:key, into keys */
};

/* One row of the settings table in config.c. */
struct setting {
	const char		*name;
	enum setting_type	 type;
	size_t			 offset;	/* of its field in struct config */
	const char		*default_value;	/* as relay.conf would say it;
						   NULL: unset */
	long			 min, max;	/* SETTING_INT only */
	const char		*file_for;	/* SETTING_SECRET_FILE: the
						   setting its file holds */
	const char		*help;		/* its README row */
};

extern const struct setting settings[];
extern const size_t settings_count;

/* RELAY_MCP: whether POST /mcp is served, and who may use it. */
enum mcp_mode {
	MCP_OFF,	/* /mcp answers 404 */
	MCP_OAUTH,	/* a relay key or an OAuth token, like every route */
	MCP_OPEN,	/* no key at all: loopback or a private network only */
};

/* A client key: RELAY_KEY is named "default"; RELAY_KEYS names its own. */
struct client_key {
	char	*name;
	char	*key;
};

struct config {
	char			*openai_api_key;	/* "" when unset */
	char			*openai_api_base;	/* no trailing / or /v1 */
	char			*openai_organization;	/* "" when unset */
	char			*openai_project;	/* "" when unset */
	struct client_key	*keys;
	size_t			 nkeys;
	char			*keys_file;	/* RELAY_KEYS_FILE, resolved;
						   "" when unset */
	bool			 auth_enabled;
	char			*state_spec;	/* RELAY_STATE, resolved */
	long			 timeout_s;
	long			 connect_timeout_s;
	long			 body_idle_timeout_s;
	long			 max_json_body;
	long			 max_upload_body;
	long			 actions_file_max;	/* decoded bytes */
	long			 actions_image_max;
	long			 actions_video_max;
	long			 actions_audio_max;	/* in and out */
	long			 actions_link_ttl_s;	/* a link's life */
	long			 actions_links_max;	/* bytes behind links */
	struct strlist		 fetch_hosts;		/* host[:port] */
	long			 fetch_timeout_s;
	char			*fetch_ca_file;		/* "" for the system's */
	struct strlist		 video_models;
	struct strlist		 video_sizes;
	struct strlist		 video_seconds;
	long			 threads;
	long			 min_threads;	/* started at once; capped by threads */
	long			 spare_threads;	/* idle ones kept ready; the same */
	long			 thread_idle_timeout_s;	/* surplus idle ones end
							   after it; 0: never */
	long			 shutdown_grace_s;
	long			 max_requests;	/* per worker process; 0: no limit */
	long			 stream_keepalive_s;
	long			 stream_first_byte_timeout_s;
	long			 stream_idle_timeout_s;
	long			 stream_total_timeout_s;	/* 0: none */
	struct strlist		 realtime_models;
	char			*realtime_model;	/* the bridge's default; allowed */
	char			*realtime_beta;		/* OpenAI-Beta, "" when unset */
	bool			 realtime_ws_enabled;
	long			 realtime_ws_max_message;	/* bytes */
	long			 realtime_ws_idle_timeout_s;
	long			 realtime_ws_max_session_s;
	char			*default_model;
	char			*relay_name;
	char			*public_url;	/* "" when unset; no trailing / or /v1 */
	char			*mcp_setting;	/* RELAY_MCP as given */
	enum mcp_mode		 mcp;		/* ... and parsed */
	struct strlist		 mcp_origins;	/* Origin values allowed */
	bool			 mcp_open_public;	/* open beyond loopback */
	long			 oauth_access_ttl_s;	/* an access token's life */
	long			 oauth_refresh_ttl_s;	/* a grant's, unrefreshed */
	struct strlist		 oauth_private_hosts;	/* host[:port] */
	long			 oauth_registrations_per_hour;
	char			*app_mode;
	char			*environment;
};

/* The definition of setting id; never NULL for id < settings_count. */
const struct setting *setting_get(int id);

/* Looks a setting up by its exact name: its index, or -1. */
int setting_lookup(const char *name);

/* Whether a file that sets s must be private (s holds or makes a key). */
bool setting_is_secret(const struct setting *s);

/*
 * Builds *cfg from raw values (indexed like settings[]; NULL or blank
 * means unset, and the default applies).  Secret files must already be
 * resolved by the caller: the row a file is for holds the file's
 * contents, and SETTING_SECRET_FILE values are ignored here.  On failure
 * returns -1 with a one-line reason in err (naming the setting, never
 * echoing a secret) and leaves *cfg empty; on success returns 0 and the
 * caller owns *cfg.
 */
int config_build(const char *const values[SETTINGS_MAX], struct config *cfg,
    char *err, size_t errsz);

/* Frees what config_build allocated; safe on a zeroed or freed config. */
void config_free(struct config *cfg);

/*
 * The list setting name's entries in cfg, or NULL if name is not a list
 * setting: for tables that name the setting a value must be listed in.
 */
const struct strlist *config_list(const struct config *cfg,
    const char *name);

/*
 * The README's settings table, generated from the rows: a header, then
 * one markdown row per setting.  A fresh string the caller frees.
 */
char *config_table(void);

#endif
