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

enum setting_id {
	SETTING_OPENAI_API_KEY,
	SETTING_OPENAI_API_KEY_FILE,
	SETTING_OPENAI_API_BASE,
	SETTING_OPENAI_ORGANIZATION,
	SETTING_OPENAI_PROJECT,
	SETTING_RELAY_KEY,
	SETTING_RELAY_KEY_FILE,
	SETTING_RELAY_KEYS,
	SETTING_RELAY_AUTH_ENABLED,
	SETTING_RELAY_TIMEOUT,
	SETTING_RELAY_CONNECT_TIMEOUT,
	SETTING_RELAY_MAX_JSON_BODY,
	SETTING_RELAY_MAX_UPLOAD_BODY,
	SETTING_RELAY_ACTIONS_FILE_MAX,
	SETTING_RELAY_ACTIONS_IMAGE_MAX,
	SETTING_RELAY_ACTIONS_VIDEO_MAX,
	SETTING_RELAY_FETCH_HOSTS,
	SETTING_RELAY_FETCH_TIMEOUT,
	SETTING_RELAY_FETCH_CA_FILE,
	SETTING_RELAY_VIDEO_MODELS,
	SETTING_RELAY_VIDEO_SIZES,
	SETTING_RELAY_VIDEO_SECONDS,
	SETTING_RELAY_THREADS,
	SETTING_RELAY_SHUTDOWN_GRACE,
	SETTING_RELAY_MAX_REQUESTS,
	SETTING_RELAY_STREAM_KEEPALIVE,
	SETTING_RELAY_STREAM_FIRST_BYTE_TIMEOUT,
	SETTING_RELAY_STREAM_IDLE_TIMEOUT,
	SETTING_RELAY_STREAM_TOTAL_TIMEOUT,
	SETTING_RELAY_REALTIME_MODELS,
	SETTING_RELAY_REALTIME_MODEL,
	SETTING_RELAY_REALTIME_BETA,
	SETTING_RELAY_REALTIME_WS_ENABLED,
	SETTING_RELAY_REALTIME_WS_MAX_MESSAGE,
	SETTING_RELAY_REALTIME_WS_IDLE_TIMEOUT,
	SETTING_RELAY_REALTIME_WS_MAX_SESSION,
	SETTING_DEFAULT_MODEL,
	SETTING_RELAY_NAME,
	SETTING_RELAY_PUBLIC_URL,
	SETTING_APP_MODE,
	SETTING_ENVIRONMENT,
	SETTING__MAX
};

enum setting_type {
	SETTING_STRING,
	SETTING_SECRET,		/* never printed or logged */
	SETTING_SECRET_FILE,	/* path of a 0600 file holding a secret */
	SETTING_URL,
	SETTING_BOOL,
	SETTING_INT,
	SETTING_KEY_LIST,	/* name:key,name:key */
};

struct setting {
	const char		*name;
	enum setting_type	 type;
	const char		*default_value;	/* NULL: unset */
	long			 min, max;	/* SETTING_INT only */
	enum setting_id		 file_for;	/* SETTING_SECRET_FILE only */
	const char		*help;
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
	bool			 auth_enabled;
	long			 timeout_s;
	long			 connect_timeout_s;
	long			 max_json_body;
	long			 max_upload_body;
	long			 actions_file_max;	/* decoded bytes */
	long			 actions_image_max;
	long			 actions_video_max;
	char			*fetch_hosts;		/* host[:port],... */
	long			 fetch_timeout_s;
	char			*fetch_ca_file;		/* "" for the system's */
	char			*video_models;		/* comma-separated */
	char			*video_sizes;
	char			*video_seconds;
	long			 threads;
	long			 shutdown_grace_s;
	long			 max_requests;	/* per worker process; 0: no limit */
	long			 stream_keepalive_s;
	long			 stream_first_byte_timeout_s;
	long			 stream_idle_timeout_s;
	long			 stream_total_timeout_s;	/* 0: none */
	char			*realtime_models;	/* allowlist, "prefix*" entries */
	char			*realtime_model;	/* the bridge's default; allowed */
	char			*realtime_beta;		/* OpenAI-Beta, "" when unset */
	bool			 realtime_ws_enabled;
	long			 realtime_ws_max_message;	/* bytes */
	long			 realtime_ws_idle_timeout_s;
	long			 realtime_ws_max_session_s;
	char			*default_model;
	char			*relay_name;
	char			*public_url;	/* "" when unset; no trailing / or /v1 */
	char			*app_mode;
	char			*environment;
};

/* The definition of setting id; never NULL for id < SETTING__MAX. */
const struct setting *setting_get(enum setting_id id);

/* Looks a setting up by its exact name; -1 if there is none. */
int setting_lookup(const char *name);

/*
 * Builds *cfg from raw values (indexed by enum setting_id; NULL or blank
 * means unset, and the default applies).  Secret files must already be
 * resolved by the caller: values[file_for] holds the file's contents and
 * values[SETTING_*_FILE] is ignored here.  On failure returns -1 with a
 * one-line reason in err (naming the setting, never echoing a secret)
 * and leaves *cfg empty; on success returns 0 and the caller owns *cfg.
 */
int config_build(const char *const values[SETTING__MAX], struct config *cfg,
    char *err, size_t errsz);

/* Frees what config_build allocated; safe on a zeroed or freed config. */
void config_free(struct config *cfg);

#endif
