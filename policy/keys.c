/*
 * The keys file's grammar: '#' starts a comment (at the start of a
 * word), blank lines are skipped, and every other line is
 *
 *     NAME KEY [models=LIST] [rpm=N] [tokens_per_day=N] [concurrency=N]
 *              [surface=actions]
 *
 * with words separated by blanks.  KEY is the key itself (at least 16
 * characters) or "sha256:" and its SHA-256 in hex.  Anything else is an
 * error naming the line, so a typo never turns into a key without its
 * limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/auth.h"
#include "policy/config.h"
#include "policy/secret.h"
#include "policy/error.h"
#include "policy/keys.h"
#include "policy/util.h"
#include "policy/xalloc.h"

#define KEY_MIN_LEN	16
#define LINE_MAX_LEN	4096
#define WORDS_MAX	16
#define BLANKS		" \t\r"
#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_.-"
#define HEX		"0123456789abcdef"

const struct key_entry keys_anonymous = { .name = "anonymous" };
const struct key_entry keys_mcp_open = { .name = "mcp-open" };

/* The numeric options: where each goes and how large it may be. */
static const struct number_option {
	const char	*name;
	size_t		 offset;	/* in struct key_limits */
	long long	 max;
} number_options[] = {
	{ "rpm", offsetof(struct key_limits, rpm), 1000000000LL },
	{ "tokens_per_day", offsetof(struct key_limits, tokens_per_day),
	    1000000000000000LL },
	{ "concurrency", offsetof(struct key_limits, concurrency), 1000000LL },
};

bool
keys_name_valid(const char *name)
{
	size_t	len = strlen(name);

	return len > 0 && len <= KEYS_NAME_MAX && strspn(name, NAME_CHARS) ==
	    len;
}

static void
entry_free(struct key_entry *e)
{
	strlist_free(&e->limits.models);
}

void
keys_free(struct keyset *ks)
{
	size_t	i;

	for (i = 0; i < ks->n; i++)
		entry_free(&ks->entries[i]);
	free(ks->entries);
	ks->entries = NULL;
	ks->n = 0;
}

/* Whether name or hash is already in ks: either would be ambiguous. */
static const char *
clash(const struct keyset *ks, const struct key_entry *e)
{
	size_t	i;

	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->entries[i].name, e->name) == 0)
			return "this name is used twice";
		if (strcmp(ks->entries[i].hash, e->hash) == 0)
			return "this key is used twice";
	}
	return NULL;
}

static void
keyset_add(struct keyset *ks, const struct key_entry *e)
{
	ks->entries = xrealloc(ks->entries, (ks->n + 1) * sizeof(*ks->entries));
	ks->entries[ks->n++] = *e;
}

/* The KEY word as a hash: "sha256:HEX" or a key in clear. */
static const char *
parse_key(const char *word, char hash[KEYS_HASH_LEN + 1])
{
	size_t	i;

	if (strncmp(word, "sha256:", 7) == 0) {
		word += 7;
		if (strlen(word) != KEYS_HASH_LEN ||
		    strspn(word, HEX "ABCDEF") != KEYS_HASH_LEN)
			return "sha256: must be followed by 64 hex digits";
		for (i = 0; i < KEYS_HASH_LEN; i++)
			hash[i] = (char)(word[i] >= 'A' && word[i] <= 'F' ?
			    word[i] - 'A' + 'a' : word[i]);
		hash[KEYS_HASH_LEN] = '\0';
		return NULL;
	}
	if (strlen(word) < KEY_MIN_LEN)
		return "a key must be at least 16 characters (or sha256:HEX)";
	secret_sha256_hex(word, hash);
	return NULL;
}

/* models=a,b*: names without blanks, '*' only at an entry's end. */
static const char *
parse_models(const char *v, struct key_limits *l)
{
	size_t	i;
	char	*star;

	if (l->models.n > 0)
		return "models= is given twice";
	strlist_parse(&l->models, v);
	if (l->models.n == 0)
		return "models= needs at least one model";
	for (i = 0; i < l->models.n; i++) {
		star = strchr(l->models.items[i], '*');
		if (star != NULL && star[1] != '\0')
			return "models=: '*' may only end an entry";
	}
	return NULL;
}

static const char *
parse_number(const struct number_option *o, const char *v,
    struct key_limits *l)
{
	long long	*out = (long long *)((char *)l + o->offset);
	char		*end;
	long long	 n;

	if (*out != 0)
		return "an option is given twice";
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '+' || n < 1 ||
	    n > o->max)
		return "rpm=, tokens_per_day= and concurrency= take a whole "
		    "number from 1";
	*out = n;
	return NULL;
}

static const char *
parse_option(const char *word, struct key_limits *l)
{
	const char	*eq = strchr(word, '=');
	size_t		 namelen, i;

	if (eq == NULL)
		return "expected OPTION=VALUE after the key";
	namelen = (size_t)(eq - word);
	if (namelen == 6 && strncmp(word, "models", 6) == 0)
		return parse_models(eq + 1, l);
	if (namelen == 7 && strncmp(word, "surface", 7) == 0) {
		if (l->actions_only)
			return "surface= is given twice";
		if (strcmp(eq + 1, "actions") != 0)
			return "surface= takes only actions";
		l->actions_only = true;
		return NULL;
	}
	for (i = 0; i < NELEM(number_options); i++)
		if (strlen(number_options[i].name) == namelen &&
		    strncmp(word, number_options[i].name, namelen) == 0)
			return parse_number(&number_options[i], eq + 1, l);
	return "unknown option (models, rpm, tokens_per_day, concurrency, "
	    "surface)";
}

/*
 * Splits line (modified) into its words, up to the first comment.
 * Returns how many, or -1 if there are more than max.
 */
static int
split_words(char *line, char **words, int max)
{
	int	n = 0;
	char	*p = line;

	for (;;) {
		p += strspn(p, BLANKS);
		if (*p == '\0' || *p == '#')
			return n;
		if (n == max)
			return -1;
		words[n++] = p;
		p += strcspn(p, BLANKS);
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* One line's entry into *e; NULL, or why the line is bad. */
static const char *
parse_line(char *line, struct key_entry *e, bool *blank)
{
	char		*words[WORDS_MAX];
	const char	*why;
	int		 n = split_words(line, words, WORDS_MAX), i;

	memset(e, 0, sizeof(*e));
	*blank = n == 0;
	if (n == 0)
		return NULL;
	if (n < 0)
		return "too many words";
	if (!keys_name_valid(words[0]))
		return "a name must be 1 to 64 letters, digits, '_', '.' or "
		    "'-'";
	snprintf(e->name, sizeof(e->name), "%s", words[0]);
	if (n < 2)
		return "expected NAME KEY [OPTION=VALUE ...]";
	if ((why = parse_key(words[1], e->hash)) != NULL)
		return why;
	for (i = 2; i < n; i++)
		if ((why = parse_option(words[i], &e->limits)) != NULL)
			return why;
	return NULL;
}

static int
parse_text(const char *text, const char *path, struct keyset *out, char *err,
    size_t errsz)
{
	char			 line[LINE_MAX_LEN + 1];
	const char		*p = text, *why;
	struct key_entry	 e;
	size_t			 len;
	int			 lineno = 0;
	bool			 blank;

	while (*p != '\0') {
		lineno++;
		len = strcspn(p, "\n");
		if (len > LINE_MAX_LEN)
			return reason_fail(err, errsz, "%s:%d: line too long",
			    path, lineno);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		why = parse_line(line, &e, &blank);
		if (why == NULL && !blank)
			why = clash(out, &e);
		if (why != NULL) {
			entry_free(&e);
			explicit_bzero(line, sizeof(line));
			return reason_fail(err, errsz, "%s:%d: %s", path,
			    lineno, why);
		}
		if (!blank)
			keyset_add(out, &e);
	}
	explicit_bzero(line, sizeof(line));
	return 0;
}

int
keys_build(const struct config *cfg, const char *text, const char *path,
    struct keyset *out, char *err, size_t errsz)
{
	struct key_entry	e;
	size_t			i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cfg->nkeys; i++) {
		memset(&e, 0, sizeof(e));
		snprintf(e.name, sizeof(e.name), "%s", cfg->keys[i].name);
		secret_sha256_hex(cfg->keys[i].key, e.hash);
		keyset_add(out, &e);
	}
	if (text != NULL && parse_text(text, path, out, err, errsz) == -1) {
		keys_free(out);
		return -1;
	}
	return 0;
}

const struct key_entry *
keys_match(const struct keyset *ks, const char *presented)
{
	const struct key_entry	*found = NULL;
	char			 hash[KEYS_HASH_LEN + 1];
	size_t			 i;

	secret_sha256_hex(presented, hash);
	for (i = 0; i < ks->n; i++)
		if (auth_equal(ks->entries[i].hash, hash) && found == NULL)
			found = &ks->entries[i];
	return found;
}

const struct key_entry *
keys_find(const struct keyset *ks, const char *name, const char *hash)
{
	size_t	i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->entries[i].name, name) == 0)
			return auth_equal(ks->entries[i].hash, hash) ?
			    &ks->entries[i] : NULL;
	return NULL;
}

bool
keys_limited(const struct key_entry *e)
{
	const struct key_limits	*l = &e->limits;

	return l->rpm > 0 || l->tokens_per_day > 0 || l->concurrency > 0;
}

bool
keys_model_allowed(const struct key_entry *e, const char *model)
{
	if (e->limits.models.n == 0 || model == NULL)
		return true;
	return model[0] != '\0' && strlist_match(&e->limits.models, model);
}

void
keys_options(const struct key_entry *e, char *buf, size_t bufsz)
{
	const struct key_limits	*l = &e->limits;
	char			 models[1024];
	size_t			 o = 0, i;
	long long		 v;

	buf[0] = '\0';
	if (l->models.n > 0) {
		strlist_join(&l->models, ",", models, sizeof(models));
		o += (size_t)snprintf(buf, bufsz, "models=%s", models);
	}
	for (i = 0; i < NELEM(number_options) && o < bufsz; i++) {
		v = *(const long long *)((const char *)l +
		    number_options[i].offset);
		if (v > 0)
			o += (size_t)snprintf(buf + o, bufsz - o, "%s%s=%lld",
			    o > 0 ? " " : "", number_options[i].name, v);
	}
	if (l->actions_only && o < bufsz)
		snprintf(buf + o, bufsz - o, "%ssurface=actions",
		    o > 0 ? " " : "");
}

char *
keys_line(const struct key_entry *e)
{
	char	options[2048];

	keys_options(e, options, sizeof(options));
	return xconcat(e->name, " sha256:", e->hash, options[0] ? " " : "",
	    options, "\n", (char *)NULL);
}

bool
keys_line_names(const char *line, const char *name)
{
	size_t	len = strlen(name);

	line += strspn(line, BLANKS);
	return strncmp(line, name, len) == 0 && (line[len] == ' ' ||
	    line[len] == '\t');
}
