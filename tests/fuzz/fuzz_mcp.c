/*
 * The MCP message checks: whatever mcp_message_check accepts is a
 * JSON-RPC 2.0 object, and a revision mcp_revision settles on is one
 * the relay implements, 2026-07-28 only when the header repeats it.
 * The input is three header lines (MCP-Protocol-Version, Mcp-Method,
 * Mcp-Name; an empty line for an absent one), then the body.
 */
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "policy/mcp.h"
#include "tests/fuzz/fuzz.h"

/* The next line of *s (cut in place), NULL when empty; *s moves on. */
static const char *
line_take(char **s)
{
	char	*line = *s, *nl = strchr(line, '\n');

	if (nl == NULL) {
		*s = line + strlen(line);
		return *line != '\0' ? line : NULL;
	}
	*nl = '\0';
	*s = nl + 1;
	return *line != '\0' ? line : NULL;
}

static void
accepted_check(struct json_object *msg, const struct mcp_message *m)
{
	struct json_object	*v;

	if (!json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "jsonrpc", &v) ||
	    strcmp(json_object_get_string(v), "2.0") != 0)
		abort();
	if (m->method == NULL && m->id == NULL)
		abort();
	if (m->params != NULL && !json_object_is_type(m->params,
	    json_type_object))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*text = fuzz_string(data, size), *rest = text;
	struct mcp_headers	 h;
	struct mcp_message	 m;
	struct json_object	*msg;
	enum mcp_rev		 rev;
	const char		*reason;

	h.version = line_take(&rest);
	h.method = line_take(&rest);
	h.name = line_take(&rest);
	msg = json_tokener_parse(rest);
	if (mcp_message_check(msg, &m, &reason) == 0) {
		accepted_check(msg, &m);
		if (mcp_revision(&m, &h, &rev, &reason) == 0 &&
		    ((unsigned)rev >= MCP_REV__MAX ||
		    (rev == MCP_REV_2026_07_28 && (h.version == NULL ||
		    strcmp(h.version, "2026-07-28") != 0))))
			abort();
	}
	(void)mcp_negotiate(h.version);
	json_object_put(msg);
	free(text);
	return 0;
}
