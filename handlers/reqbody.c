#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "handlers/exchange.h"
#include "handlers/reqbody.h"
#include "policy/dynbuf.h"

/* What one read of a body held in memory asks for. */
#define READ_CHUNK	16384

void
reqbody_init(struct reqbody *b, const struct exchange_io *io,
    long long length)
{
	b->io = io;
	b->length = length;
	b->cap = ULLONG_MAX;
	b->count = 0;
	b->eof = false;
	b->error = RERR_OK;
}

static enum rerr
too_large(const struct reqbody *b)
{
	return b->cap == 0 ? RERR_BODY_NOT_ALLOWED : RERR_BODY_TOO_LARGE;
}

enum rerr
reqbody_cap(struct reqbody *b, unsigned long long cap)
{
	b->cap = cap;
	if (b->length > 0 && (unsigned long long)b->length > cap)
		return too_large(b);
	return RERR_OK;
}

static long
fail(struct reqbody *b, enum rerr e)
{
	b->error = e;
	return -1;
}

long
reqbody_read(struct reqbody *b, char *buf, size_t len)
{
	long	n;

	if (b->error != RERR_OK)
		return -1;
	if (b->eof || len == 0)
		return 0;
	n = b->io->read(b->io->ctx, buf, len);
	if (n < 0)
		return fail(b, RERR_BODY_INCOMPLETE);
	if (n == 0) {
		b->eof = true;
		if (b->length >= 0 && b->count < (unsigned long long)b->length)
			return fail(b, RERR_BODY_INCOMPLETE);
		return 0;
	}
	b->count += (unsigned long long)n;
	if (b->count > b->cap)
		return fail(b, RERR_BODY_TOO_LARGE);
	return n;
}

enum rerr
reqbody_read_all(struct reqbody *b, char **out, size_t *len)
{
	struct dynbuf	body;
	char		chunk[READ_CHUNK];
	long		n;

	*out = NULL;
	*len = 0;
	dynbuf_init(&body, b->cap < SIZE_MAX ? (size_t)b->cap : SIZE_MAX - 1);
	if (b->length > 0)
		dynbuf_reserve(&body, (size_t)b->length);
	while ((n = reqbody_read(b, chunk, sizeof(chunk))) > 0)
		dynbuf_add(&body, chunk, (size_t)n);	/* within the cap */
	if (n < 0) {
		dynbuf_free(&body);
		return b->error == RERR_BODY_TOO_LARGE ? too_large(b) :
		    b->error;
	}
	*out = dynbuf_take(&body, len);
	return RERR_OK;
}
