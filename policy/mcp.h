/*
 * The Model Context Protocol's pure decisions for POST /mcp: which
 * protocol revision a message speaks, whether it is a well-formed
 * JSON-RPC message, and whether the 2026-07-28 headers agree with its
 * body.  No I/O; handlers/mcp.c does the HTTP and the answers.
 *
 * The relay is stateless: it never mints Mcp-Session-Id, so each
 * message says (or implies) its revision on its own.  2025-06-18 and
 * 2025-11-25 negotiate in initialize and may omit MCP-Protocol-Version
 * (claude.ai has); 2026-07-28 has no handshake and carries the revision
 * in params._meta, repeated in headers the relay checks against it.
 */
#ifndef POLICY_MCP_H
#define POLICY_MCP_H

#include <stdbool.h>

struct json_object;
struct strlist;

/* The revisions the relay implements, oldest first. */
enum mcp_rev {
	MCP_REV_2025_06_18,
	MCP_REV_2025_11_25,
	MCP_REV_2026_07_28,
	MCP_REV__MAX
};

/* The newest revision that negotiates in initialize. */
#define MCP_REV_HANDSHAKE_LATEST	MCP_REV_2025_11_25

/* Where 2026-07-28 puts the revision: a key of params._meta. */
#define MCP_META_VERSION	"io.modelcontextprotocol/protocolVersion"

/* JSON-RPC error codes: JSON-RPC 2.0's and the MCP spec's. */
#define MCP_ERR_PARSE			(-32700)
#define MCP_ERR_INVALID_REQUEST		(-32600)
#define MCP_ERR_METHOD_NOT_FOUND	(-32601)
#define MCP_ERR_INVALID_PARAMS		(-32602)
#define MCP_ERR_HEADER_MISMATCH		(-32020)
#define MCP_ERR_UNSUPPORTED_VERSION	(-32022)

/* "2025-06-18", ...; never NULL for r < MCP_REV__MAX. */
const char *mcp_rev_name(enum mcp_rev r);

/* The revision name s spells, or -1 if the relay does not implement it. */
int mcp_rev_parse(const char *s);

/*
 * What initialize answers a client that asked for requested (NULL when
 * it named none): the same revision when the relay implements it and
 * it negotiates, else the newest one that does.  Never a revision the
 * relay does not implement, and never 2026-07-28, which has no
 * initialize.
 */
enum mcp_rev mcp_negotiate(const char *requested);

/* One JSON-RPC message from the client, its parts pointing into it. */
struct mcp_message {
	const char		*method;	/* NULL: a response to us */
	struct json_object	*id;		/* NULL: a notification */
	struct json_object	*params;	/* NULL when absent */
};

/*
 * Checks msg (any JSON value) is one JSON-RPC 2.0 request, notification
 * or response, and fills *out.  Returns 0, or MCP_ERR_INVALID_REQUEST
 * with a fixed *reason: an array (a batch: removed in 2025-06-18), not
 * an object, jsonrpc not "2.0", an id that is not a string or an
 * integer, a method that is not a string, params that are not an
 * object, or a response without its id.
 */
int mcp_message_check(struct json_object *msg, struct mcp_message *out,
    const char **reason);

/* The MCP request headers, each NULL when absent. */
struct mcp_headers {
	const char	*version;	/* MCP-Protocol-Version */
	const char	*method;	/* Mcp-Method */
	const char	*name;		/* Mcp-Name */
};

/*
 * The revision m speaks.  With a version in params._meta it is that
 * one, which must be 2026-07-28 (MCP_ERR_UNSUPPORTED_VERSION otherwise),
 * and MCP-Protocol-Version and Mcp-Method must repeat the version and
 * the method, and Mcp-Name a tools/call's tool name
 * (MCP_ERR_HEADER_MISMATCH otherwise).  Without it, MCP-Protocol-Version
 * may be absent (2025-06-18 is assumed) or name a handshake revision;
 * 2026-07-28 there without _meta is a mismatch, anything else
 * unsupported.  Returns 0 with *rev, or the error code with a fixed
 * *reason.
 */
int mcp_revision(const struct mcp_message *m, const struct mcp_headers *h,
    enum mcp_rev *rev, const char **reason);

/*
 * Whether a request with this Origin header (NULL when absent) may use
 * /mcp: absent (not a browser), or listed in allowed exactly.
 */
bool mcp_origin_allowed(const struct strlist *allowed, const char *origin);

/*
 * Whether addr (a front server's SERVER_ADDR) is a loopback address:
 * 127.0.0.0/8, ::1 or IPv4-mapped 127.x.  False for NULL or "".
 */
bool mcp_addr_loopback(const char *addr);

/* A tools/call's tool name (params.name), or NULL if it has none. */
const char *mcp_tool_name(const struct mcp_message *m);

#endif
