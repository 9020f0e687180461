/*
 * MCP tools, generated from the route table the way the Actions
 * document is: one tool per row route_in_mcp() keeps, named and titled
 * by the row, described by its summary and fragment, with a flat
 * inputSchema (path parameters, query parameters and the JSON body's
 * properties side by side) built from the same fragments.  The guarded
 * proxy's row gives two tools, "<tool>_read" for GET and "<tool>_write"
 * for the rest, since a directory may refuse a tool that does both.
 *
 * A call is turned back into the route's own request (method, path,
 * query, body), which the caller runs through the HTTP pipeline.
 */
#ifndef OPENAPI_TOOLS_H
#define OPENAPI_TOOLS_H

#include <stddef.h>

struct json_object;
struct route;

/* Most characters in a tool's name (MCP's, and Claude's, limit). */
#define TOOLS_NAME_MAX	64

/*
 * The tools/list "tools" array, a new object the caller puts; NULL only
 * if the embedded fragments do not parse (a build defect).
 */
struct json_object *tools_list(void);

/* A tools/call as the request of the route behind the tool. */
struct tool_request {
	const struct route	*route;
	char			*path;		/* filled in, percent-encoded */
	char			*query;		/* percent-encoded, "" for none */
	char			*body;		/* JSON text; NULL for none */
	size_t			 body_len;
};

enum tool_status {
	TOOL_OK,
	TOOL_UNKNOWN,		/* no tool of that name */
	TOOL_BAD_ARGUMENTS,	/* the reason is in err */
};

/*
 * Builds *out for tool name called with args (an object, or NULL for
 * none), checked against the tool's inputSchema: every required
 * argument present, no argument the schema does not name (when it
 * names them all), top-level types and enums as it says.  TOOL_OK (free
 * *out with tool_request_free), TOOL_UNKNOWN, or TOOL_BAD_ARGUMENTS
 * with a reason in err that names the argument but never echoes its
 * value.
 */
enum tool_status tools_request(const char *name, struct json_object *args,
    struct tool_request *out, char *err, size_t errsz);

void tool_request_free(struct tool_request *r);

#endif
