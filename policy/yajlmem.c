/*
 * A bump allocator for yajl: each block is preceded by its size, and
 * freeing one inside the buffer does nothing, as the whole buffer goes
 * with the parse.  Only the latest block grows in place.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy/yajlmem.h"

#define ALIGN	_Alignof(max_align_t)
#define HEAD	ALIGN	/* a block's size, padded so the block is aligned */

static size_t
rounded(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static bool
inside(const struct yajlmem *m, const void *p)
{
	const unsigned char	*c = p;

	return c >= m->buf && c < m->buf + sizeof(m->buf);
}

static size_t
block_size(const void *p)
{
	size_t	n;

	memcpy(&n, (const unsigned char *)p - HEAD, sizeof(n));
	return n;
}

static void *
mem_malloc(void *ctx, size_t sz)
{
	struct yajlmem	*m = ctx;
	unsigned char	*p;

	if (sz > sizeof(m->buf) - HEAD ||
	    rounded(sz) + HEAD > sizeof(m->buf) - m->used)
		return malloc(sz);
	p = m->buf + m->used + HEAD;
	memcpy(p - HEAD, &sz, sizeof(sz));
	m->last = m->used;
	m->used += HEAD + rounded(sz);
	return p;
}

static void
mem_free(void *ctx, void *p)
{
	if (!inside(ctx, p))
		free(p);
}

static void *
mem_realloc(void *ctx, void *p, size_t sz)
{
	struct yajlmem	*m = ctx;
	size_t		 old;
	void		*q;

	if (p == NULL)
		return mem_malloc(m, sz);
	if (!inside(m, p))
		return realloc(p, sz);
	old = block_size(p);
	if (sz <= old)
		return p;
	if ((unsigned char *)p - HEAD == m->buf + m->last &&
	    m->last + HEAD + rounded(sz) <= sizeof(m->buf)) {
		memcpy((unsigned char *)p - HEAD, &sz, sizeof(sz));
		m->used = m->last + HEAD + rounded(sz);
		return p;
	}
	q = mem_malloc(m, sz);
	if (q != NULL)
		memcpy(q, p, old);
	return q;
}

void
yajlmem_init(struct yajlmem *m)
{
	m->funcs.malloc = mem_malloc;
	m->funcs.realloc = mem_realloc;
	m->funcs.free = mem_free;
	m->funcs.ctx = m;
	m->used = 0;
	m->last = 0;
}
