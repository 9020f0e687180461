/*
 * yajl's allocations for one parse, from a buffer the caller holds (on
 * its stack): a parse made about ten small allocations and as many frees,
 * some 1,500 instructions of malloc's, for a handle that lives less than
 * the call (make bench, callgrind).  What does not fit comes from malloc.
 */
#ifndef POLICY_YAJLMEM_H
#define POLICY_YAJLMEM_H

#include <stddef.h>

#include <yajl/yajl_common.h>

/* Room for a handle, its lexer, its stack and one 2 KB buffer of yajl's. */
#define YAJLMEM_SIZE	4096

struct yajlmem {
	yajl_alloc_funcs funcs;		/* for yajl_alloc */
	size_t		 used;		/* bytes of buf given out */
	size_t		 last;		/* where the latest block starts */
	_Alignas(max_align_t) unsigned char buf[YAJLMEM_SIZE];
};

/* Readies m; pass &m->funcs to yajl_alloc, and keep m until yajl_free. */
void yajlmem_init(struct yajlmem *m);

#endif
