/*
 * List settings (RELAY_VIDEO_MODELS = sora-2, sora-2-pro), parsed once
 * at start into their entries: split at commas, blanks around an entry
 * trimmed, empty entries dropped.  One matcher serves every list.
 */
#ifndef POLICY_STRLIST_H
#define POLICY_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char	**items;
	size_t	  n;
};

/* Parses text (NULL: no entries) into *l, which strlist_free frees. */
void strlist_parse(struct strlist *l, const char *text);

/*
 * Whether value matches an entry: exactly, or, for an entry ending in
 * '*', by starting with the rest ("gpt-realtime*").  Case-sensitive.
 */
bool strlist_match(const struct strlist *l, const char *value);

/*
 * The entries joined by sep into buf ("sora-2, sora-2-pro"), cut short
 * at an entry boundary if they do not fit.
 */
void strlist_join(const struct strlist *l, const char *sep, char *buf,
    size_t bufsz);

/* Frees the entries; *l is then empty.  Safe on a zeroed list. */
void strlist_free(struct strlist *l);

#endif
