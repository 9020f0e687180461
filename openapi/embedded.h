/*
 * Files compiled into the relay at build time by openapi/embed: the
 * OpenAPI schema fragments (always) and the Swagger UI assets behind
 * /docs (only when the npm package swagger-ui-dist was installed when
 * building; the table is empty otherwise).  Everything here is static,
 * read-only data owned by the binary.
 */
#ifndef OPENAPI_EMBEDDED_H
#define OPENAPI_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char	*name;	/* file name as served, e.g. "swagger-ui.css" */
	const char	*data;	/* len bytes, then a NUL not counted in len */
	size_t		 len;
	const char	*etag;	/* quoted strong validator of the content */
};

/* The JSON files of openapi/fragments/, by file name. */
extern const struct embedded_file	openapi_fragments[];
extern const size_t			openapi_fragments_count;

/* The /docs page and its assets; docs_assets_count is 0 without them. */
extern const struct embedded_file	docs_assets[];
extern const size_t			docs_assets_count;

#endif
