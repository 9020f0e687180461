/*
 * POST /mcp: the Model Context Protocol's Streamable HTTP transport,
 * stateless.  Every answer is one application/json JSON-RPC message (or
 * 202 with no body for a notification or a response), and no
 * Mcp-Session-Id is ever minted, so any relay process answers any
 * request.  What a message means is decided in policy/mcp.c; the tools
 * come from the route table (openapi/tools.h).
 *
 * tools/call is not a second implementation of anything: the tool's
 * route runs through handlers_serve as an inner exchange whose answer
 * is written into a capped buffer, so routing, per-key policy, the
 * handler, upstream and the error envelope are the HTTP ones.  The
 * captured answer then becomes the result: structuredContent and a text
 * rendering, links as resource_link (a small image inline too), errors
 * as isError results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/links.h"
#include "handlers/reply.h"
#include "openapi/tools.h"
#include "policy/body.h"
#include "policy/config.h"
#include "policy/dynbuf.h"
#include "policy/mcp.h"
#include "policy/route.h"
#include "policy/utf8.h"
#include "policy/version.h"
#include "policy/xalloc.h"

/*
 * A result stays under what clients take: Claude caps a tool result at
 * about 150,000 characters.  The text rendering gets most of that; the
 * structured copy rides along only while both fit.
 */
#define RESULT_MAX		150000
#define RESULT_TEXT_MAX		140000
#define RESULT_STRUCTURED_MAX	70000
/* An image this small (bytes) may also come inline, as image content. */
#define IMAGE_INLINE_MAX	(24 * 1024)
/* The most of an inner answer held; beyond it the answer is cut. */
#define CAPTURE_MAX		(1024 * 1024)

#define INSTRUCTIONS \
	"OpenAI API operations through the operator's relay. Images, audio " \
	"and large files come back as short-lived links; videos and " \
	"background responses return an id to poll with get_video or " \
	"get_response."

enum rerr
mcp_admit(const struct exchange *ex)
{
	const struct config	*cfg = ex->config;

	if (cfg->mcp == MCP_OFF)
		return RERR_NOT_FOUND;
	if (!mcp_origin_allowed(&cfg->mcp_origins,
	    exchange_header(ex, "Origin")))
		return RERR_MCP_ORIGIN;
	if (cfg->mcp == MCP_OPEN && !cfg->mcp_open_public &&
	    !mcp_addr_loopback(ex->server_addr))
		return RERR_MCP_OPEN_NOT_LOOPBACK;
	return RERR_OK;
}

/* Answers: one JSON-RPC message, or 202 with no body. */

static void
answer_accepted(struct exchange *ex)
{
	struct reply_head	head;

	reply_head_init(&head, ex, 202);
	(void)reply_head_send(ex, &head);
}

static struct json_object *
message_new(struct json_object *id)
{
	struct json_object	*msg = json_object_new_object();

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_get(id));
	return msg;
}

/* A JSON-RPC error: HTTP 400 for a message the relay cannot take. */
static void
answer_error(struct exchange *ex, struct json_object *id, int code,
    const char *message)
{
	struct json_object	*msg = message_new(id), *err, *data, *list;
	int			 r;

	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_int(code));
	json_object_object_add(err, "message", json_object_new_string(message));
	if (code == MCP_ERR_UNSUPPORTED_VERSION) {
		list = json_object_new_array();
		for (r = 0; r < MCP_REV__MAX; r++)
			json_object_array_add(list, json_object_new_string(
			    mcp_rev_name((enum mcp_rev)r)));
		data = json_object_new_object();
		json_object_object_add(data, "supported", list);
		json_object_object_add(err, "data", data);
	}
	json_object_object_add(msg, "error", err);
	reply_json(ex, code == MCP_ERR_METHOD_NOT_FOUND ||
	    code == MCP_ERR_INVALID_PARAMS ? 200 : 400, msg);
	json_object_put(msg);
}

/* 2026-07-28 says what kind of result each is; "complete" here. */
static void
answer_result(struct exchange *ex, struct json_object *id, enum mcp_rev rev,
    struct json_object *result)
{
	struct json_object	*msg = message_new(id);

	if (rev >= MCP_REV_2026_07_28)
		json_object_object_add(result, "resultType",
		    json_object_new_string("complete"));
	json_object_object_add(msg, "result", result);
	reply_json(ex, 200, msg);
	json_object_put(msg);
}

/* What the server is, for initialize and server/discover. */
static void
server_describe(const struct exchange *ex, struct json_object *into)
{
	struct json_object	*caps = json_object_new_object();
	struct json_object	*tools = json_object_new_object();
	struct json_object	*info = json_object_new_object();

	json_object_object_add(tools, "listChanged",
	    json_object_new_boolean(0));
	json_object_object_add(caps, "tools", tools);
	json_object_object_add(into, "capabilities", caps);
	json_object_object_add(info, "name",
	    json_object_new_string(ex->config->relay_name));
	json_object_object_add(info, "version",
	    json_object_new_string(RELAY_VERSION));
	json_object_object_add(into, "serverInfo", info);
	json_object_object_add(into, "instructions",
	    json_object_new_string(INSTRUCTIONS));
}

static struct json_object *
initialize_result(const struct exchange *ex, const struct mcp_message *m)
{
	struct json_object	*result = json_object_new_object(), *v;
	const char		*asked = NULL;

	if (m->params != NULL &&
	    json_object_object_get_ex(m->params, "protocolVersion", &v) &&
	    json_object_is_type(v, json_type_string))
		asked = json_object_get_string(v);
	json_object_object_add(result, "protocolVersion",
	    json_object_new_string(mcp_rev_name(mcp_negotiate(asked))));
	server_describe(ex, result);
	return result;
}

static struct json_object *
discover_result(const struct exchange *ex)
{
	struct json_object	*result = json_object_new_object();
	struct json_object	*list = json_object_new_array();
	int			 r;

	for (r = 0; r < MCP_REV__MAX; r++)
		json_object_array_add(list, json_object_new_string(
		    mcp_rev_name((enum mcp_rev)r)));
	json_object_object_add(result, "supportedVersions", list);
	server_describe(ex, result);
	return result;
}

/* The inner exchange's client side: the body in memory, the answer
 * into a capped buffer. */
struct capture {
	const struct exchange	*outer;
	const char		*body;
	size_t			 len, pos;
	struct dynbuf		 out;
	bool			 cut;
};

static long
capture_read(void *ctx, char *buf, size_t len)
{
	struct capture	*c = ctx;
	size_t		 n = c->len - c->pos;

	if (n > len)
		n = len;
	memcpy(buf, c->body + c->pos, n);
	c->pos += n;
	return (long)n;
}

/* Keeps what fits, then fails, so the handler stops reading upstream. */
static int
capture_write(void *ctx, const char *buf, size_t len)
{
	struct capture	*c = ctx;
	size_t		 room = c->out.cap - c->out.len;

	if (len <= room)
		return dynbuf_add(&c->out, buf, len);
	(void)dynbuf_add(&c->out, buf, room);
	c->cut = true;
	return -1;
}

static int
capture_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The MCP client leaving ends the inner call too. */
static int
capture_client_gone(void *ctx)
{
	const struct exchange	*outer = ((struct capture *)ctx)->outer;

	return outer->io.client_gone(outer->io.ctx);
}

/* What the inner exchange answered, parsed out of its CGI output. */
struct answer {
	int		 status;
	char		 content_type[128];
	const char	*body;
	size_t		 len;
	bool		 cut;
};

static void
answer_parse(const struct capture *c, struct answer *a)
{
	const char	*text = c->out.buf != NULL ? c->out.buf : "";
	const char	*end = strstr(text, "\r\n\r\n"), *line;
	size_t		 n;

	memset(a, 0, sizeof(*a));
	a->cut = c->cut;
	a->status = strncmp(text, "Status: ", 8) == 0 ?
	    (int)strtol(text + 8, NULL, 10) : 500;
	if (end == NULL) {
		a->body = "";
		return;
	}
	for (line = text; line < end; line += strcspn(line, "\n") + 1)
		if (strncasecmp(line, "Content-Type: ", 14) == 0) {
			n = strcspn(line + 14, "\r\n");
			snprintf(a->content_type, sizeof(a->content_type),
			    "%.*s", (int)n, line + 14);
		}
	a->body = end + 4;
	a->len = c->out.len - (size_t)(a->body - text);
}

/* Runs the tool's request through the pipeline, as the same client. */
static void
inner_run(struct exchange *ex, const struct tool_request *tr,
    struct capture *c)
{
	struct header	 ctype = { "Content-Type", "application/json" };
	struct exchange	 in;

	memset(c, 0, sizeof(*c));
	c->outer = ex;
	c->body = tr->body != NULL ? tr->body : "";
	c->len = tr->body_len;
	dynbuf_init(&c->out, CAPTURE_MAX);

	memset(&in, 0, sizeof(in));
	in.config = ex->config;
	in.upstream = ex->upstream;
	in.state = ex->state;
	in.io = (struct exchange_io){ c, capture_read, capture_write,
	    capture_flush, capture_client_gone };
	in.method = method_name(tr->route->method);
	in.path = tr->path;
	in.query = tr->query;
	in.headers = &ctype;
	in.nheaders = tr->body != NULL ? 1 : 0;
	in.content_length = tr->body != NULL ? (long)tr->body_len : -1;
	in.scheme = ex->scheme;
	memcpy(in.host, ex->host, sizeof(in.host));
	memcpy(in.server_addr, ex->server_addr, sizeof(in.server_addr));
	memcpy(in.request_id, ex->request_id, sizeof(in.request_id));
	in.keys = ex->keys;
	in.inner_key = ex->key;
	handlers_serve(&in);
	exchange_release(&in);
	ex->upstream_ms += in.upstream_ms;
	if (in.upstream_request_id[0] != '\0')
		memcpy(ex->upstream_request_id, in.upstream_request_id,
		    sizeof(ex->upstream_request_id));
}

static void
content_add(struct json_object *content, const char *type, const char *key,
    const char *value)
{
	struct json_object	*item = json_object_new_object();

	json_object_object_add(item, "type", json_object_new_string(type));
	json_object_object_add(item, key, json_object_new_string(value));
	json_object_array_add(content, item);
}

/* Walking an answer for the relay's links, within the result's room. */
struct links_walk {
	const struct exchange	*ex;
	struct json_object	*content;
	size_t			 n;
	size_t			 room;	/* characters the result has left */
};

/*
 * A small image behind a link also comes inline, as image content, when
 * the result has room for its base64: a client can show it at once.
 */
static void
image_add(struct links_walk *w, const char *url)
{
	const char		*token = strstr(url, LINKS_PATH) +
				    strlen(LINKS_PATH);
	struct json_object	*item;
	long long		 expires_at;
	char			*bytes, *type, *b64;
	size_t			 len, b64len;

	if (w->ex->state == NULL || links_fetch(w->ex->state, token,
	    (long long)time(NULL), &bytes, &len, &type, &expires_at) != RERR_OK)
		return;
	b64len = 4 * ((len + 2) / 3);
	if (strncmp(type, "image/", 6) == 0 && len <= IMAGE_INLINE_MAX &&
	    b64len <= w->room) {
		b64 = xmalloc(b64len + 1);
		EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)bytes,
		    (int)len);
		item = json_object_new_object();
		json_object_object_add(item, "type",
		    json_object_new_string("image"));
		json_object_object_add(item, "data", json_object_new_string(b64));
		json_object_object_add(item, "mimeType",
		    json_object_new_string(type));
		json_object_array_add(w->content, item);
		w->room -= b64len;
		free(b64);
	}
	free(bytes);
	free(type);
}

/* A link the relay made (anything under its links path) as a
 * resource_link, with the type the answer gives it. */
static void
link_add(struct links_walk *w, struct json_object *obj)
{
	struct json_object	*url, *type, *item;
	char			 name[32];

	if (!json_object_object_get_ex(obj, "url", &url) ||
	    !json_object_is_type(url, json_type_string) ||
	    strstr(json_object_get_string(url), LINKS_PATH) == NULL)
		return;
	item = json_object_new_object();
	snprintf(name, sizeof(name), "link-%zu", ++w->n);
	json_object_object_add(item, "type",
	    json_object_new_string("resource_link"));
	json_object_object_add(item, "uri", json_object_get(url));
	json_object_object_add(item, "name", json_object_new_string(name));
	if (json_object_object_get_ex(obj, "content_type", &type) &&
	    json_object_is_type(type, json_type_string))
		json_object_object_add(item, "mimeType",
		    json_object_get(type));
	json_object_array_add(w->content, item);
	image_add(w, json_object_get_string(url));
}

static void
links_walk(struct links_walk *w, struct json_object *node, int depth)
{
	size_t	i;

	if (depth > 8)
		return;
	if (json_object_is_type(node, json_type_array)) {
		for (i = 0; i < json_object_array_length(node); i++)
			links_walk(w, json_object_array_get_idx(node, i),
			    depth + 1);
		return;
	}
	if (!json_object_is_type(node, json_type_object) || node == NULL)
		return;
	link_add(w, node);
	json_object_object_foreach(node, key, val) {
		(void)key;
		links_walk(w, val, depth + 1);
	}
}

/*
 * The text rendering: the answer itself when it fits, else its start
 * (whole UTF-8 characters) and a line that says it was cut.
 */
static void
text_add(const struct answer *a, struct json_object *content)
{
	struct dynbuf	 d;
	size_t		 keep = a->len, len;
	char		 note[200], *text;

	if (!utf8_valid(a->body, a->len)) {
		snprintf(note, sizeof(note), "The answer is %zu bytes of %s, "
		    "which a tool result does not carry.", a->len,
		    a->content_type[0] ? a->content_type : "binary data");
		content_add(content, "text", "text", note);
		return;
	}
	if (!a->cut && a->len <= RESULT_TEXT_MAX) {
		content_add(content, "text", "text", a->body);
		return;
	}
	if (keep > RESULT_TEXT_MAX)
		keep = RESULT_TEXT_MAX;
	while (keep > 0 && ((unsigned char)a->body[keep] & 0xC0) == 0x80)
		keep--;
	snprintf(note, sizeof(note), "\n[cut: the answer was %s%zu bytes; "
	    "this result holds the first %zu. Ask for less.]",
	    a->cut ? "over " : "", a->len, keep);
	dynbuf_init(&d, RESULT_TEXT_MAX + sizeof(note));
	(void)dynbuf_add(&d, a->body, keep);
	(void)dynbuf_add(&d, note, strlen(note));
	text = dynbuf_take(&d, &len);
	content_add(content, "text", "text", text);
	free(text);
}

static struct json_object *
call_result(const struct exchange *ex, const struct answer *a)
{
	struct json_object	*result = json_object_new_object();
	struct json_object	*parsed = NULL;
	struct links_walk	 w = { ex, json_object_new_array(), 0, 0 };
	bool			 failed = a->status < 200 || a->status > 299;
	bool			 structured;

	if (!a->cut && strncasecmp(a->content_type, "application/json",
	    16) == 0)
		parsed = json_tokener_parse(a->body);
	structured = json_object_is_type(parsed, json_type_object) &&
	    parsed != NULL && a->len <= RESULT_STRUCTURED_MAX;
	text_add(a, w.content);
	/* What the text and the structured copy leave of the bound. */
	w.room = RESULT_MAX - (a->len < RESULT_TEXT_MAX ? a->len :
	    RESULT_TEXT_MAX) - (structured ? a->len : 0);
	if (!failed)
		links_walk(&w, parsed, 0);
	json_object_object_add(result, "content", w.content);
	if (structured)
		json_object_object_add(result, "structuredContent",
		    json_object_get(parsed));
	json_object_object_add(result, "isError",
	    json_object_new_boolean(failed));
	json_object_put(parsed);
	return result;
}

/* A result the model can act on: isError with a fixed reason. */
static struct json_object *
error_result(const char *reason)
{
	struct json_object	*result = json_object_new_object();
	struct json_object	*content = json_object_new_array();

	content_add(content, "text", "text", reason);
	json_object_object_add(result, "content", content);
	json_object_object_add(result, "isError", json_object_new_boolean(1));
	return result;
}

static void
tools_call(struct exchange *ex, const struct mcp_message *m, enum mcp_rev rev)
{
	struct tool_request	 tr;
	struct json_object	*args = NULL;
	struct capture		 c;
	struct answer		 a;
	const char		*name = mcp_tool_name(m);
	char			 err[256];

	if (name == NULL) {
		answer_error(ex, m->id, MCP_ERR_INVALID_PARAMS,
		    "tools/call needs params.name, a tool's name");
		return;
	}
	json_object_object_get_ex(m->params, "arguments", &args);
	if (args != NULL && !json_object_is_type(args, json_type_object)) {
		answer_result(ex, m->id, rev, error_result("The arguments "
		    "must be an object: see the tool's inputSchema."));
		return;
	}
	switch (tools_request(name, args, &tr, err, sizeof(err))) {
	case TOOL_UNKNOWN:
		answer_error(ex, m->id, MCP_ERR_INVALID_PARAMS, "Unknown tool: "
		    "tools/list names the tools this relay offers");
		return;
	case TOOL_BAD_ARGUMENTS:
		answer_result(ex, m->id, rev, error_result(err));
		return;
	case TOOL_OK:
		break;
	}
	inner_run(ex, &tr, &c);
	tool_request_free(&tr);
	answer_parse(&c, &a);
	answer_result(ex, m->id, rev, call_result(ex, &a));
	dynbuf_free(&c.out);
}

static void
request_answer(struct exchange *ex, const struct mcp_message *m,
    enum mcp_rev rev)
{
	struct json_object	*tools, *result;
	bool			 modern = rev >= MCP_REV_2026_07_28;

	if (strcmp(m->method, "initialize") == 0 && !modern)
		answer_result(ex, m->id, rev, initialize_result(ex, m));
	else if (strcmp(m->method, "server/discover") == 0 && modern)
		answer_result(ex, m->id, rev, discover_result(ex));
	else if (strcmp(m->method, "ping") == 0)
		answer_result(ex, m->id, rev, json_object_new_object());
	else if (strcmp(m->method, "tools/list") == 0 &&
	    (tools = tools_list()) != NULL) {
		result = json_object_new_object();
		json_object_object_add(result, "tools", tools);
		answer_result(ex, m->id, rev, result);
	} else if (strcmp(m->method, "tools/call") == 0)
		tools_call(ex, m, rev);
	else
		answer_error(ex, m->id, MCP_ERR_METHOD_NOT_FOUND,
		    "Method not found: this relay serves initialize, ping, "
		    "tools/list and tools/call (server/discover in 2026-07-28)");
}

/*
 * The body's tree, for an object only: a batch or any other value is
 * refused by its top-level facts, without building one.  Returns what
 * mcp_message_check does, or -1 once the tree was refused (its cost)
 * with the envelope.
 */
static int
message_tree(struct exchange *ex, struct mcp_message *m, const char **reason)
{
	struct json_object	*shape;
	enum rerr		 rc;
	int			 code;

	if (!ex->facts.object) {
		shape = ex->body[strspn(ex->body, " \t\r\n")] == '[' ?
		    json_object_new_array() : NULL;
		code = mcp_message_check(shape, m, reason);
		json_object_put(shape);
		return code;
	}
	rc = body_json_tree(ex->body, ex->body_len, &ex->facts, &ex->json);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return -1;
	}
	return mcp_message_check(ex->json, m, reason);
}

void
mcp_handle(struct exchange *ex)
{
	struct mcp_headers	 h = {
		exchange_header(ex, "MCP-Protocol-Version"),
		exchange_header(ex, "Mcp-Method"),
		exchange_header(ex, "Mcp-Name"),
	};
	struct mcp_message	 m;
	enum mcp_rev		 rev;
	const char		*reason;
	int			 code;

	if ((code = message_tree(ex, &m, &reason)) == -1)
		return;
	if (code == 0)
		code = mcp_revision(&m, &h, &rev, &reason);
	if (code != 0) {
		answer_error(ex, m.id, code, reason);
		return;
	}
	/* Notifications (notifications/initialized) and responses. */
	if (m.method == NULL || m.id == NULL) {
		answer_accepted(ex);
		return;
	}
	request_answer(ex, &m, rev);
}
