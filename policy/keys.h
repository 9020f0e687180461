/*
 * The keys a relay accepts, with what each may do: the keys file
 * (RELAY_KEYS_FILE, one key a line, "NAME KEY [OPTION=VALUE ...]") and
 * the unlimited keys of RELAY_KEY and RELAY_KEYS, in one set.  Pure:
 * the caller reads the file; this module parses its text, matches a
 * presented key and decides what a key's options allow.
 *
 * Keys are held only as the SHA-256 of the key, in hex, so a set never
 * holds a key in clear (the file need not either: "sha256:HEX").  That
 * hash, with the name, is also what other credentials bound to a key
 * (OAuth tokens) remember, so revoking the key revokes them too.
 */
#ifndef POLICY_KEYS_H
#define POLICY_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/secret.h"
#include "policy/strlist.h"

struct config;

#define KEYS_NAME_MAX	64
#define KEYS_HASH_LEN	(SECRET_DIGEST_HEX - 1)	/* SHA-256 in hex */

/* What a key may do; 0 (or an empty list) means no limit. */
struct key_limits {
	struct strlist	 models;	/* models=: the only models allowed */
	long long	 rpm;		/* requests per minute */
	long long	 tokens_per_day;	/* per UTC day, as upstream counts */
	long long	 concurrency;	/* requests in flight */
	bool		 actions_only;	/* surface=actions */
};

struct key_entry {
	char			 name[KEYS_NAME_MAX + 1];
	char			 hash[KEYS_HASH_LEN + 1];	/* lower-case hex */
	struct key_limits	 limits;
};

struct keyset {
	struct key_entry	*entries;
	size_t			 n;
};

/*
 * The entry of a relay whose auth is off (RELAY_AUTH_ENABLED=false):
 * named "anonymous", without limits.
 */
extern const struct key_entry keys_anonymous;

/* The entry /mcp requests act for under RELAY_MCP=open: "mcp-open". */
extern const struct key_entry keys_mcp_open;

/*
 * Builds *out from the config's own keys (RELAY_KEY, RELAY_KEYS: no
 * limits) and then the keys file's text (text NULL: none), named path in
 * messages.  Names must be unique across both, and so must keys.  On
 * failure returns -1 with "path:line: reason" in err (never a key, nor
 * a value from the file) and leaves *out empty; else 0, and the caller
 * frees *out with keys_free.
 */
int keys_build(const struct config *cfg, const char *text, const char *path,
    struct keyset *out, char *err, size_t errsz);

void keys_free(struct keyset *ks);

/*
 * The entry whose key is presented, or NULL.  Every entry is compared,
 * in constant time, so timing does not tell which nor how close.
 */
const struct key_entry *keys_match(const struct keyset *ks,
    const char *presented);

/*
 * The entry named name whose key hashes to hash, or NULL: for a
 * credential bound to a key, which stays valid only while that key does.
 */
const struct key_entry *keys_find(const struct keyset *ks, const char *name,
    const char *hash);

/* Whether any limit applies to e (which then needs the state store). */
bool keys_limited(const struct key_entry *e);

/*
 * Whether e may name model: always without models= or for a NULL model
 * (the call names none); with models=, only a listed one, never "" (a
 * model named in a way no list can pass).
 */
bool keys_model_allowed(const struct key_entry *e, const char *model);

/*
 * One keys-file line for a new key (its hash, never the key): "NAME
 * sha256:HEX [options]\n" in a fresh string the caller frees.  The
 * limits are e's; models are written as given.
 */
char *keys_line(const struct key_entry *e);

/*
 * The options of e as the keys file spells them ("rpm=60 models=a,b"),
 * "" for none, into buf (cut short if it does not fit).
 */
void keys_options(const struct key_entry *e, char *buf, size_t bufsz);

/*
 * Whether line (of a keys file) names name: for removing a key's line
 * without parsing (a comment or blank line never does).
 */
bool keys_line_names(const char *line, const char *name);

/* Whether name may name a key: 1 to 64 of [A-Za-z0-9_.-]. */
bool keys_name_valid(const char *name);

#endif
