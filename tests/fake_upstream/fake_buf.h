#ifndef FAKE_BUF_H
#define FAKE_BUF_H

#include <stddef.h>

/*
 * A growable byte buffer for assembling response heads and control
 * answers. Allocation failure aborts: everything stored here is built by
 * the server itself, never sized directly by a client.
 */
struct buf {
	char *data;	/* owned; always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

/* Appends len bytes. */
void buf_append(struct buf *b, const void *p, size_t len);
/* Appends a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);
/* Appends formatted text (snprintf rules). */
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Releases the storage and leaves b empty and reusable. */
void buf_free(struct buf *b);

/* malloc/realloc/strdup that abort on failure, for small internal data. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

#endif
