#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/xalloc.h"

static void
xalloc_fail(size_t size)
{
	fprintf(stderr, "relay: out of memory allocating %lu bytes\n",
	    (unsigned long)size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p = malloc(size ? size : 1);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xalloc_fail(nmemb * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void	*p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/*
 * On the request path in place of snprintf("%s%s..."), which costs
 * several times as much for plain joins (callgrind, make bench).
 */
char *
xconcat(const char *s, ...)
{
	va_list		 ap;
	const char	*part;
	size_t		 size = 1, len;
	char		*joined, *o;

	va_start(ap, s);
	for (part = s; part != NULL; part = va_arg(ap, const char *))
		size += strlen(part);
	va_end(ap);
	o = joined = xmalloc(size);
	va_start(ap, s);
	for (part = s; part != NULL; part = va_arg(ap, const char *)) {
		len = strlen(part);
		memcpy(o, part, len);
		o += len;
	}
	va_end(ap);
	*o = '\0';
	return joined;
}
