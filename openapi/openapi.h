/*
 * The two OpenAPI 3.1 documents, generated from the route table.
 *
 * Paths, methods, operationIds, summaries, path parameters, the public
 * flag (security: []), the Actions bucket and isConsequential all come
 * from routes[] (policy/route.h); nothing here lists paths.  What the
 * table cannot say (request and response schemas, query parameters,
 * longer descriptions) comes from the JSON fragments in
 * openapi/fragments/, compiled in by openapi/embed.  Each fragment file
 * is an object with any of:
 *
 *   "schemas":         { Name: schema }       -> components.schemas
 *   "parameters":      { key: parameter }     query parameters by key
 *   "path_parameters": { name: description }  for "{name}" in templates
 *   "operations":      { operationId: {
 *       "description": text (<= 300 characters),
 *       "request":     schema of the JSON body,
 *       "response":    schema of the 200 answer,
 *       "media":       [ media types of the 200 answer ] (JSON if absent),
 *       "query":       [ parameter keys ] } }
 *
 * A row without a fragment still appears, with a generic object schema.
 */
#ifndef OPENAPI_OPENAPI_H
#define OPENAPI_OPENAPI_H

#include <stddef.h>

struct json_object;

enum openapi_doc {
	OPENAPI_FULL,		/* every row of the table */
	OPENAPI_ACTIONS,	/* the rows route_in_actions() keeps */
};

/*
 * Builds a document.  title is the relay's name (the Actions document
 * appends " (Actions subset)"), version goes to info.version and
 * server_url to servers[0].url.  Returns a new object the caller puts;
 * NULL only if an embedded fragment does not parse, a build defect that
 * openapi_check_fragments() reports.
 */
struct json_object *openapi_build(enum openapi_doc doc, const char *title,
    const char *version, const char *server_url);

/*
 * Checks the embedded fragments against the route table: each parses,
 * uses only the keys above, defines no schema or parameter twice, names
 * only operations the table has and parameter keys that exist, and
 * every "$ref" resolves.  Returns 0, or -1 with a reason in err.
 */
int openapi_check_fragments(char *err, size_t errsz);

#endif
