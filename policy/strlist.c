#include <stdlib.h>
#include <string.h>

#include "policy/strlist.h"
#include "policy/xalloc.h"

#define BLANKS	" \t"

void
strlist_parse(struct strlist *l, const char *text)
{
	const char	*p = text;
	size_t		 len, lead;

	l->items = NULL;
	l->n = 0;
	while (p != NULL && *p != '\0') {
		len = strcspn(p, ",");
		lead = strspn(p, BLANKS);
		if (lead > len)
			lead = len;
		while (len > lead && strchr(BLANKS, p[len - 1]) != NULL)
			len--;
		if (len > lead) {
			l->items = xrealloc(l->items, (l->n + 1) *
			    sizeof(*l->items));
			l->items[l->n++] = xstrndup(p + lead, len - lead);
		}
		p += strcspn(p, ",");
		p += *p == ',';
	}
}

bool
strlist_match(const struct strlist *l, const char *value)
{
	size_t	i, len;

	for (i = 0; i < l->n; i++) {
		len = strlen(l->items[i]);
		if (l->items[i][len - 1] == '*') {
			if (strncmp(value, l->items[i], len - 1) == 0)
				return true;
		} else if (strcmp(value, l->items[i]) == 0)
			return true;
	}
	return false;
}

void
strlist_join(const struct strlist *l, const char *sep, char *buf,
    size_t bufsz)
{
	size_t	i, o = 0, need;

	if (bufsz == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		need = strlen(l->items[i]) + (i > 0 ? strlen(sep) : 0);
		if (o + need >= bufsz)
			return;
		if (i > 0) {
			memcpy(buf + o, sep, strlen(sep));
			o += strlen(sep);
		}
		memcpy(buf + o, l->items[i], strlen(l->items[i]));
		o += strlen(l->items[i]);
		buf[o] = '\0';
	}
}

void
strlist_free(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
