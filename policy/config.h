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
	SETTING_RELAY_THREADS,
	SETTING_RELAY_SHUTDOWN_GRACE,
	SETTING_DEFAULT_MODEL,
	SETTING_RELAY_NAME,
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
	long			 threads;
	long			 shutdown_grace_s;
	char			*default_model;
	char			*relay_name;
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
