/*
 * MCP message checks (see mcp.h).
 */
#include <string.h>
#include <strings.h>

#include <json.h>

#include "policy/mcp.h"
#include "policy/strlist.h"

static const char *const rev_names[MCP_REV__MAX] = {
	[MCP_REV_2025_06_18] = "2025-06-18",
	[MCP_REV_2025_11_25] = "2025-11-25",
	[MCP_REV_2026_07_28] = "2026-07-28",
};

const char *
mcp_rev_name(enum mcp_rev r)
{
	return (unsigned)r < MCP_REV__MAX ? rev_names[r] : "?";
}

int
mcp_rev_parse(const char *s)
{
	int	r;

	for (r = 0; s != NULL && r < MCP_REV__MAX; r++)
		if (strcmp(s, rev_names[r]) == 0)
			return r;
	return -1;
}

enum mcp_rev
mcp_negotiate(const char *requested)
{
	int	r = mcp_rev_parse(requested);

	return r >= 0 && r <= MCP_REV_HANDSHAKE_LATEST ? (enum mcp_rev)r :
	    MCP_REV_HANDSHAKE_LATEST;
}

static bool
is_type(struct json_object *o, enum json_type t)
{
	return o != NULL && json_object_is_type(o, t);
}

static int
invalid(const char **reason, const char *why)
{
	*reason = why;
	return MCP_ERR_INVALID_REQUEST;
}

int
mcp_message_check(struct json_object *msg, struct mcp_message *out,
    const char **reason)
{
	struct json_object	*v, *id = NULL, *method = NULL;

	memset(out, 0, sizeof(*out));
	if (is_type(msg, json_type_array))
		return invalid(reason, "JSON-RPC batches are not supported "
		    "(MCP removed them in 2025-06-18): send one message per "
		    "request");
	if (!is_type(msg, json_type_object))
		return invalid(reason, "The body must be a JSON-RPC message "
		    "object");
	if (!json_object_object_get_ex(msg, "jsonrpc", &v) ||
	    !is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0)
		return invalid(reason, "jsonrpc must be \"2.0\"");
	if (json_object_object_get_ex(msg, "id", &id) &&
	    !is_type(id, json_type_string) && !is_type(id, json_type_int))
		return invalid(reason, "id must be a string or an integer");
	if (json_object_object_get_ex(msg, "method", &method) &&
	    !is_type(method, json_type_string))
		return invalid(reason, "method must be a string");
	if (json_object_object_get_ex(msg, "params", &out->params) &&
	    !is_type(out->params, json_type_object))
		return invalid(reason, "params must be an object");
	if (method == NULL && (id == NULL ||
	    (!json_object_object_get_ex(msg, "result", NULL) &&
	    !json_object_object_get_ex(msg, "error", NULL))))
		return invalid(reason, "A message needs a method (a request "
		    "or notification) or an id with a result or error");
	out->method = method != NULL ? json_object_get_string(method) : NULL;
	out->id = id;
	return 0;
}

/* params._meta's revision, or NULL. */
static const char *
meta_version(const struct mcp_message *m)
{
	struct json_object	*meta, *v;

	if (m->params == NULL ||
	    !json_object_object_get_ex(m->params, "_meta", &meta) ||
	    !json_object_object_get_ex(meta, MCP_META_VERSION, &v) ||
	    !is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *
mcp_tool_name(const struct mcp_message *m)
{
	struct json_object	*v;

	if (m->params == NULL ||
	    !json_object_object_get_ex(m->params, "name", &v) ||
	    !is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
fail(const char **reason, const char *why, int code)
{
	*reason = why;
	return code;
}

/* The 2026-07-28 form: headers repeat what the body says. */
static int
modern_check(const struct mcp_message *m, const struct mcp_headers *h,
    const char *version, const char **reason)
{
	if (mcp_rev_parse(version) != MCP_REV_2026_07_28)
		return fail(reason, "Unsupported protocol version in "
		    "params._meta", MCP_ERR_UNSUPPORTED_VERSION);
	if (!same(h->version, version))
		return fail(reason, "MCP-Protocol-Version must repeat the "
		    "version in params._meta", MCP_ERR_HEADER_MISMATCH);
	if (m->method != NULL && !same(h->method, m->method))
		return fail(reason, "Mcp-Method must repeat the body's method",
		    MCP_ERR_HEADER_MISMATCH);
	if (same(m->method, "tools/call") && !same(h->name, mcp_tool_name(m)))
		return fail(reason, "Mcp-Name must repeat the tool's name",
		    MCP_ERR_HEADER_MISMATCH);
	return 0;
}

int
mcp_revision(const struct mcp_message *m, const struct mcp_headers *h,
    enum mcp_rev *rev, const char **reason)
{
	const char	*version = meta_version(m);
	int		 r, rc;

	if (version != NULL) {
		if ((rc = modern_check(m, h, version, reason)) != 0)
			return rc;
		*rev = MCP_REV_2026_07_28;
		return 0;
	}
	if (h->version == NULL) {
		*rev = MCP_REV_2025_06_18;
		return 0;
	}
	r = mcp_rev_parse(h->version);
	if (r == MCP_REV_2026_07_28)
		return fail(reason, "MCP-Protocol-Version 2026-07-28 needs the "
		    "version in params._meta too", MCP_ERR_HEADER_MISMATCH);
	if (r < 0)
		return fail(reason, "Unsupported MCP-Protocol-Version",
		    MCP_ERR_UNSUPPORTED_VERSION);
	*rev = (enum mcp_rev)r;
	return 0;
}

bool
mcp_origin_allowed(const struct strlist *allowed, const char *origin)
{
	size_t	i;

	if (origin == NULL)
		return true;
	/* Exact entries only: a '*' in RELAY_MCP_ORIGINS is no pattern. */
	for (i = 0; i < allowed->n; i++)
		if (strcmp(allowed->items[i], origin) == 0)
			return true;
	return false;
}

bool
mcp_addr_loopback(const char *addr)
{
	if (addr == NULL)
		return false;
	if (strncasecmp(addr, "::ffff:", 7) == 0)
		addr += 7;
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}
