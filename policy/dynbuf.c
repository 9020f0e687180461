#include <stdlib.h>
#include <string.h>

#include "policy/dynbuf.h"
#include "policy/xalloc.h"

/* The first allocation; small events and bodies fit without a resize. */
#define DYNBUF_FIRST	256

void
dynbuf_init(struct dynbuf *d, size_t cap)
{
	d->buf = NULL;
	d->len = d->alloc = 0;
	d->cap = cap;
}

/* Grows the allocation to hold need bytes and the NUL (need <= cap). */
static void
grow(struct dynbuf *d, size_t need)
{
	size_t	size = d->alloc ? d->alloc : DYNBUF_FIRST;

	if (need < d->alloc)
		return;
	while (size <= need && size <= d->cap)
		size *= 2;
	if (size > d->cap + 1)
		size = d->cap + 1;
	d->buf = xrealloc(d->buf, size);
	d->alloc = size;
}

int
dynbuf_add(struct dynbuf *d, const void *mem, size_t len)
{
	if (len > d->cap - d->len)
		return -1;
	grow(d, d->len + len);
	if (len > 0)
		memcpy(d->buf + d->len, mem, len);
	d->len += len;
	d->buf[d->len] = '\0';
	return 0;
}

void
dynbuf_reserve(struct dynbuf *d, size_t n)
{
	if (n > d->cap)
		n = d->cap;
	if (n + 1 > d->alloc) {
		d->buf = xrealloc(d->buf, n + 1);
		d->alloc = n + 1;
		d->buf[d->len] = '\0';
	}
}

void
dynbuf_reset(struct dynbuf *d)
{
	d->len = 0;
	if (d->buf != NULL)
		d->buf[0] = '\0';
}

void
dynbuf_free(struct dynbuf *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = d->alloc = 0;
}

char *
dynbuf_take(struct dynbuf *d, size_t *len)
{
	char	*out = d->buf != NULL ? d->buf : xstrdup("");

	*len = d->len;
	d->buf = NULL;
	d->len = d->alloc = 0;
	return out;
}
