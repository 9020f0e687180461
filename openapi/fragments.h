/*
 * The schema fragments of openapi/fragments/ (the format is in
 * openapi.h), parsed and merged, for the code that builds documents
 * and MCP tools from the route table.  Parsed afresh by each caller:
 * json-c objects are not shared between worker threads.
 */
#ifndef OPENAPI_FRAGMENTS_H
#define OPENAPI_FRAGMENTS_H

#include <stddef.h>

struct json_object;

/* What a "$ref" to a schema of the fragments starts with. */
#define SCHEMA_REF	"#/components/schemas/"

/* The sections of every file, merged; fragments_free puts them. */
struct fragments {
	struct json_object	*schemas;
	struct json_object	*parameters;
	struct json_object	*path_parameters;
	struct json_object	*operations;
};

/*
 * Parses and merges the embedded fragments into *f: 0, or -1 with a
 * reason in err (a build defect openapi_check_fragments reports), *f
 * then empty.
 */
int fragments_load(struct fragments *f, char *err, size_t errsz);

/* Puts what fragments_load made; *f is then empty. */
void fragments_free(struct fragments *f);

#endif
