/*
 * Allocation for small internal objects: abort on exhaustion rather than
 * thread an error through every caller (a worker that dies loses only
 * its request).  Anything sized by a client or by upstream goes through
 * a capped buffer instead and fails with 413/502.
 */
#ifndef POLICY_XALLOC_H
#define POLICY_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
/* The strings up to the NULL that ends the list, joined in a fresh one. */
char	*xconcat(const char *s, ...);

#endif
