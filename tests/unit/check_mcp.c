/*
 * MCP: the protocol checks (policy/mcp.h), the tools generated from the
 * route table (openapi/tools.h), and POST /mcp served in memory against
 * the scripted upstream (handlers/mcp.c): what reaches upstream for a
 * tool call, and that bad input reaches nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "openapi/tools.h"
#include "policy/config.h"
#include "policy/mcp.h"
#include "policy/route.h"
#include "policy/strlist.h"
#include "tests/unit/mem_exchange.h"
#include "tests/unit/scripted_upstream.h"
#include "tests/unit/suites.h"

#define RELAY_KEY	"relay-unit-key-0123456789"
#define AUTH		"Authorization: Bearer " RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define META		"\"_meta\":{\"" MCP_META_VERSION "\":\"2026-07-28\"}"

/* --------------------------------------------------------- policy */

static const struct {
	const char	*asked;
	const char	*answered;
} negotiations[] = {
	{ "2025-06-18", "2025-06-18" },
	{ "2025-11-25", "2025-11-25" },
	/* No handshake in 2026-07-28: never answered from initialize. */
	{ "2026-07-28", "2025-11-25" },
	{ "2024-11-05", "2025-11-25" },
	{ "2099-01-01", "2025-11-25" },
	{ NULL, "2025-11-25" },
};

START_TEST(negotiation_never_echoes_what_is_not_implemented)
{
	ck_assert_str_eq(mcp_rev_name(mcp_negotiate(negotiations[_i].asked)),
	    negotiations[_i].answered);
}
END_TEST

static const struct {
	const char	*json;
	int		 code;
	bool		 method, id;
} messages[] = {
	{ "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
	    MCP_ERR_INVALID_REQUEST, false, false },
	{ "\"ping\"", MCP_ERR_INVALID_REQUEST, false, false },
	{ "{\"id\":1,\"method\":\"ping\"}", MCP_ERR_INVALID_REQUEST, false,
	    false },
	{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
	    MCP_ERR_INVALID_REQUEST, false, false },
	{ "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}",
	    MCP_ERR_INVALID_REQUEST, false, false },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
	    MCP_ERR_INVALID_REQUEST, false, false },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[]}",
	    MCP_ERR_INVALID_REQUEST, false, false },
	{ "{\"jsonrpc\":\"2.0\"}", MCP_ERR_INVALID_REQUEST, false, false },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 0, true, true },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}", 0, true,
	    true },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", 0,
	    true, false },
	{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", 0, false, true },
};

START_TEST(messages_are_checked)
{
	struct json_object	*msg = json_tokener_parse(messages[_i].json);
	struct mcp_message	 m;
	const char		*reason = NULL;

	ck_assert_int_eq(mcp_message_check(msg, &m, &reason),
	    messages[_i].code);
	if (messages[_i].code != 0)
		ck_assert_ptr_nonnull(reason);
	else {
		ck_assert(messages[_i].method == (m.method != NULL));
		ck_assert(messages[_i].id == (m.id != NULL));
	}
	json_object_put(msg);
}
END_TEST

static const struct {
	const char	*params;	/* the message's params */
	const char	*method;
	struct mcp_headers h;
	int		 code;
	int		 rev;
} revisions[] = {
	{ "{}", "tools/list", { NULL, NULL, NULL }, 0, MCP_REV_2025_06_18 },
	{ "{}", "tools/list", { "2025-11-25", NULL, NULL }, 0,
	    MCP_REV_2025_11_25 },
	{ "{}", "tools/list", { "2024-11-05", NULL, NULL },
	    MCP_ERR_UNSUPPORTED_VERSION, 0 },
	{ "{}", "tools/list", { "2026-07-28", "tools/list", NULL },
	    MCP_ERR_HEADER_MISMATCH, 0 },
	{ "{" META "}", "tools/list", { "2026-07-28", "tools/list", NULL }, 0,
	    MCP_REV_2026_07_28 },
	{ "{" META "}", "tools/list", { NULL, "tools/list", NULL },
	    MCP_ERR_HEADER_MISMATCH, 0 },
	{ "{" META "}", "tools/list", { "2025-11-25", "tools/list", NULL },
	    MCP_ERR_HEADER_MISMATCH, 0 },
	{ "{" META "}", "tools/list", { "2026-07-28", "tools/call", NULL },
	    MCP_ERR_HEADER_MISMATCH, 0 },
	{ "{\"name\":\"list_models\"," META "}", "tools/call",
	    { "2026-07-28", "tools/call", "list_models" }, 0,
	    MCP_REV_2026_07_28 },
	{ "{\"name\":\"list_models\"," META "}", "tools/call",
	    { "2026-07-28", "tools/call", "get_video" },
	    MCP_ERR_HEADER_MISMATCH, 0 },
	{ "{\"name\":\"list_models\"," META "}", "tools/call",
	    { "2026-07-28", "tools/call", NULL }, MCP_ERR_HEADER_MISMATCH, 0 },
	{ "{\"_meta\":{\"" MCP_META_VERSION "\":\"2099-01-01\"}}",
	    "tools/list", { "2099-01-01", "tools/list", NULL },
	    MCP_ERR_UNSUPPORTED_VERSION, 0 },
	{ "{\"_meta\":{\"" MCP_META_VERSION "\":\"2025-11-25\"}}",
	    "tools/list", { "2025-11-25", "tools/list", NULL },
	    MCP_ERR_UNSUPPORTED_VERSION, 0 },
};

START_TEST(revisions_and_headers_agree)
{
	struct json_object	*msg = json_object_new_object();
	struct mcp_message	 m;
	enum mcp_rev		 rev = MCP_REV__MAX;
	const char		*reason = NULL;

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_new_int(1));
	json_object_object_add(msg, "method",
	    json_object_new_string(revisions[_i].method));
	json_object_object_add(msg, "params",
	    json_tokener_parse(revisions[_i].params));
	ck_assert_int_eq(mcp_message_check(msg, &m, &reason), 0);
	ck_assert_int_eq(mcp_revision(&m, &revisions[_i].h, &rev, &reason),
	    revisions[_i].code);
	if (revisions[_i].code == 0)
		ck_assert_int_eq(rev, revisions[_i].rev);
	json_object_put(msg);
}
END_TEST

START_TEST(origins_and_loopback)
{
	struct strlist	l;

	strlist_parse(&l, "https://chatgpt.com, https://claude.ai");
	ck_assert(mcp_origin_allowed(&l, NULL));
	ck_assert(mcp_origin_allowed(&l, "https://claude.ai"));
	ck_assert(!mcp_origin_allowed(&l, "https://claude.ai.evil.test"));
	ck_assert(!mcp_origin_allowed(&l, "http://chatgpt.com"));
	ck_assert(!mcp_origin_allowed(&l, "null"));
	strlist_free(&l);
	ck_assert(mcp_addr_loopback("127.0.0.1"));
	ck_assert(mcp_addr_loopback("127.1.2.3"));
	ck_assert(mcp_addr_loopback("::1"));
	ck_assert(mcp_addr_loopback("::ffff:127.0.0.1"));
	ck_assert(!mcp_addr_loopback("10.0.0.1"));
	ck_assert(!mcp_addr_loopback("::ffff:10.0.0.1"));
	ck_assert(!mcp_addr_loopback(""));
	ck_assert(!mcp_addr_loopback(NULL));
}
END_TEST

/* ---------------------------------------------------------- tools */

static bool
name_valid(const char *s)
{
	return strlen(s) > 0 && strlen(s) <= TOOLS_NAME_MAX &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") == strlen(s);
}

static struct json_object *
tool_named(struct json_object *list, const char *name)
{
	struct json_object	*t, *n;
	size_t			 i;

	for (i = 0; i < json_object_array_length(list); i++) {
		t = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(t, "name", &n) &&
		    strcmp(json_object_get_string(n), name) == 0)
			return t;
	}
	return NULL;
}

static bool
hint(struct json_object *tool, const char *which)
{
	struct json_object	*a, *v;

	ck_assert(json_object_object_get_ex(tool, "annotations", &a));
	ck_assert(json_object_object_get_ex(a, which, &v));
	return json_object_get_boolean(v);
}

START_TEST(tools_are_named_described_and_flat)
{
	struct json_object	*list = tools_list(), *t, *v, *schema;
	const char		*name, *text;
	size_t			 i, k;

	ck_assert_ptr_nonnull(list);
	ck_assert_uint_gt(json_object_array_length(list), 20);
	for (i = 0; i < json_object_array_length(list); i++) {
		t = json_object_array_get_idx(list, i);
		ck_assert(json_object_object_get_ex(t, "name", &v));
		name = json_object_get_string(v);
		ck_assert_msg(name_valid(name), "tool name %s", name);
		for (k = 0; k < i; k++)
			ck_assert_ptr_ne(tool_named(list, name),
			    json_object_array_get_idx(list, k));
		ck_assert(json_object_object_get_ex(t, "title", &v));
		ck_assert(json_object_object_get_ex(t, "description", &v));
		ck_assert_uint_gt(json_object_get_string_len(v), 10);
		ck_assert(json_object_object_get_ex(t, "inputSchema", &schema));
		ck_assert(json_object_object_get_ex(schema, "type", &v));
		ck_assert_str_eq(json_object_get_string(v), "object");
		ck_assert(json_object_object_get_ex(schema, "properties", &v));
		/* Clients resolve no "$ref": everything is inlined. */
		text = json_object_to_json_string(schema);
		ck_assert_msg(strstr(text, "$ref") == NULL, "%s: %s", name,
		    text);
	}
	/* The proxy as a read tool and a write tool, never both. */
	t = tool_named(list, "proxy_read");
	ck_assert_ptr_nonnull(t);
	ck_assert(hint(t, "readOnlyHint") && !hint(t, "destructiveHint"));
	json_object_object_get_ex(t, "inputSchema", &schema);
	json_object_object_get_ex(schema, "properties", &v);
	ck_assert(!json_object_object_get_ex(v, "method", NULL));
	ck_assert(!json_object_object_get_ex(v, "body", NULL));
	t = tool_named(list, "proxy_write");
	ck_assert_ptr_nonnull(t);
	ck_assert(!hint(t, "readOnlyHint") && hint(t, "destructiveHint"));
	ck_assert(hint(tool_named(list, "list_models"), "readOnlyHint"));
	ck_assert(!hint(tool_named(list, "create_response"), "readOnlyHint"));
	/* Path parameters are required arguments. */
	json_object_object_get_ex(tool_named(list, "get_video"), "inputSchema",
	    &schema);
	ck_assert(json_object_object_get_ex(schema, "required", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v,
	    0)), "video_id");
	ck_assert_ptr_nonnull(tool_named(list, "generate_image"));
	json_object_put(list);
}
END_TEST

/*
 * The Actions rows that are deliberately no tool: a stream, which a
 * tool result cannot be; an alias of another row; ephemeral Realtime
 * keys, which are for browsers.  Any other Actions row without a tool
 * fails here, so leaving one out is a decision.
 */
static const char *const actions_not_tools[] = {
	"streamResponseAction", "generateVideoAction",
	"createRealtimeSession", "createRealtimeClientSecret",
};

START_TEST(actions_rows_are_tools_unless_excluded)
{
	size_t	i, k;
	bool	excluded;

	for (i = 0; i < routes_count; i++) {
		if (!route_in_actions(&routes[i]))
			continue;
		excluded = false;
		for (k = 0; k < sizeof(actions_not_tools) /
		    sizeof(actions_not_tools[0]); k++)
			excluded |= strcmp(routes[i].operation_id,
			    actions_not_tools[k]) == 0;
		ck_assert_msg(route_in_mcp(&routes[i]) != excluded,
		    "%s: a tool, or listed as excluded", routes[i].operation_id);
	}
}
END_TEST

static enum tool_status
request(const char *name, const char *args, struct tool_request *tr,
    char *err, size_t errsz)
{
	struct json_object	*a = args ? json_tokener_parse(args) : NULL;
	enum tool_status	 rc = tools_request(name, a, tr, err, errsz);

	json_object_put(a);
	return rc;
}

START_TEST(tool_calls_become_route_requests)
{
	struct tool_request	tr;
	char			err[256];

	ck_assert_int_eq(request("get_response", "{\"response_id\":\"resp 1/"
	    "x\",\"include\":[\"a\",\"b c\"]}", &tr, err, sizeof(err)),
	    TOOL_OK);
	ck_assert_str_eq(tr.route->operation_id, "getResponse");
	ck_assert_str_eq(tr.path, "/v1/responses/resp%201%2Fx");
	ck_assert_str_eq(tr.query, "include=a&include=b%20c");
	ck_assert_ptr_null(tr.body);
	tool_request_free(&tr);

	ck_assert_int_eq(request("create_response", "{\"model\":\"gpt-5\","
	    "\"input\":\"hi\"}", &tr, err, sizeof(err)), TOOL_OK);
	ck_assert_str_eq(tr.path, "/v1/responses");
	ck_assert_str_eq(tr.body, "{\"model\":\"gpt-5\",\"input\":\"hi\"}");
	tool_request_free(&tr);

	ck_assert_int_eq(request("remix_video", "{\"video_id\":\"v1\","
	    "\"prompt\":\"p\"}", &tr, err, sizeof(err)), TOOL_OK);
	ck_assert_str_eq(tr.path, "/v1/actions/videos/v1/remix");
	ck_assert_str_eq(tr.body, "{\"prompt\":\"p\"}");
	tool_request_free(&tr);

	ck_assert_int_eq(request("proxy_read", "{\"path\":\"/v1/files\"}",
	    &tr, err, sizeof(err)), TOOL_OK);
	ck_assert_str_eq(tr.path, "/v1/proxy");
	ck_assert_str_eq(tr.body, "{\"path\":\"\\/v1\\/files\","
	    "\"method\":\"GET\"}");
	tool_request_free(&tr);

	ck_assert_int_eq(request("list_models", NULL, &tr, err, sizeof(err)),
	    TOOL_OK);
	ck_assert_str_eq(tr.path, "/v1/models");
	tool_request_free(&tr);
}
END_TEST

static const struct {
	const char	*name;
	const char	*args;
	enum tool_status rc;
	const char	*says;
} bad_calls[] = {
	{ "no_such_tool", "{}", TOOL_UNKNOWN, NULL },
	{ "proxy", "{}", TOOL_UNKNOWN, NULL },
	{ "get_video", "{}", TOOL_BAD_ARGUMENTS, "video_id" },
	{ "get_video", "{\"video_id\":7}", TOOL_BAD_ARGUMENTS, "video_id" },
	{ "get_video", "{\"video_id\":\"\"}", TOOL_BAD_ARGUMENTS, "empty" },
	{ "get_video", "{\"video_id\":\"v\",\"x\":1}", TOOL_BAD_ARGUMENTS,
	    "Unknown argument x" },
	{ "remix_video", "{\"video_id\":\"v\",\"prompt\":\"p\",\"bogus\":1}",
	    TOOL_BAD_ARGUMENTS, "bogus" },
	{ "proxy_read", "{\"path\":\"/v1/files\",\"method\":\"DELETE\"}",
	    TOOL_BAD_ARGUMENTS, "method" },
	{ "proxy_write", "{\"path\":\"/v1/files\",\"method\":\"GET\"}",
	    TOOL_BAD_ARGUMENTS, "method" },
};

START_TEST(bad_tool_calls_are_refused)
{
	struct tool_request	tr;
	char			err[256] = "";

	ck_assert_int_eq(request(bad_calls[_i].name, bad_calls[_i].args, &tr,
	    err, sizeof(err)), bad_calls[_i].rc);
	if (bad_calls[_i].says != NULL)
		ck_assert_msg(strstr(err, bad_calls[_i].says) != NULL, "%s",
		    err);
	ck_assert_ptr_null(tr.path);
}
END_TEST

/* -------------------------------------------------------- handler */

static const char *const mcp_conf[] = {
	"OPENAI_API_KEY=sk-unit-upstream-key-0123456789",
	"OPENAI_API_BASE=http://upstream.test",
	"RELAY_KEY=" RELAY_KEY,
	"RELAY_MCP=oauth",
	NULL,
};

static struct config	cfg;

static void
setup(void)
{
	scripted_reset();
	mem_config(&cfg, mcp_conf);
}

static void
teardown(void)
{
	config_free(&cfg);
	scripted_reset();
}

static void
post_with(const struct config *c, const char *const *headers,
    const char *body, struct mem_reply *r)
{
	struct mem_request	rq = { "POST", "/mcp", headers, body,
	    strlen(body), 0, 0, false, NULL };

	mem_serve(c, &rq, r);
}

static const char *const plain[] = { AUTH, JSON_CT, NULL };

static void
post(const char *body, struct mem_reply *r)
{
	post_with(&cfg, plain, body, r);
}

/* The JSON-RPC answer's result (put the root). */
static struct json_object *
result_of(const struct mem_reply *r, struct json_object **root)
{
	struct json_object	*res;

	ck_assert_msg(r->status == 200, "%d %s", r->status, r->body);
	*root = mem_json(r);
	ck_assert_msg(*root != NULL && json_object_object_get_ex(*root,
	    "result", &res), "%s", r->body);
	return res;
}

static int
error_code_of(const struct mem_reply *r)
{
	struct json_object	*root = mem_json(r), *err, *code;
	int			 c;

	ck_assert_msg(root != NULL && json_object_object_get_ex(root, "error",
	    &err) && json_object_object_get_ex(err, "code", &code), "%s",
	    r->body);
	c = json_object_get_int(code);
	json_object_put(root);
	return c;
}

static const char *
string_at(struct json_object *o, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(v);
}

START_TEST(handshake_is_stateless)
{
	struct json_object	*root, *res;
	struct mem_reply	 r;
	char			*sid, *ct;

	post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2026-07-28\",\"capabilities\":{},"
	    "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}", &r);
	res = result_of(&r, &root);
	ck_assert_str_eq(string_at(res, "protocolVersion"), "2025-11-25");
	ck_assert(json_object_object_get_ex(res, "capabilities", NULL));
	ck_assert(!json_object_object_get_ex(res, "resultType", NULL));
	sid = mem_header(&r, "Mcp-Session-Id");
	ck_assert_ptr_null(sid);
	ct = mem_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	json_object_put(root);
	mem_reply_free(&r);

	post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
	    &r);
	ck_assert_int_eq(r.status, 202);
	ck_assert_uint_eq(r.body_len, 0);
	mem_reply_free(&r);

	post("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}", &r);
	res = result_of(&r, &root);
	ck_assert_str_eq(string_at(root, "id"), "p");
	json_object_put(root);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);
}
END_TEST

START_TEST(tools_list_and_call_go_upstream_through_the_route)
{
	struct json_object	*root, *res, *tools, *sc, *content;
	const struct scripted_call *c;
	struct scripted_answer	 a = { 200, { "Content-Type: application/json" },
	    { "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-5\"}]}" },
	    UPSTREAM_DONE };
	struct mem_reply	 r;

	post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &r);
	res = result_of(&r, &root);
	ck_assert(json_object_object_get_ex(res, "tools", &tools));
	ck_assert_uint_gt(json_object_array_length(tools), 20);
	json_object_put(root);
	mem_reply_free(&r);

	scripted_push(&a);
	post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_models\",\"arguments\":{}}}", &r);
	res = result_of(&r, &root);
	ck_assert(!json_object_get_boolean(json_object_object_get(res,
	    "isError")));
	ck_assert(json_object_object_get_ex(res, "structuredContent", &sc));
	ck_assert_str_eq(string_at(sc, "object"), "list");
	ck_assert(json_object_object_get_ex(res, "content", &content));
	ck_assert_str_eq(string_at(json_object_array_get_idx(content, 0),
	    "type"), "text");
	ck_assert_ptr_nonnull(strstr(string_at(json_object_array_get_idx(
	    content, 0), "text"), "gpt-5"));
	json_object_put(root);
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 1);
	c = scripted_call(0);
	ck_assert_str_eq(c->method, "GET");
	ck_assert_str_eq(c->url, "http://upstream.test/v1/models");
}
END_TEST

START_TEST(upstream_errors_are_error_results)
{
	struct json_object	*root, *res;
	struct scripted_answer	 a = { 404, { "Content-Type: application/json" },
	    { "{\"error\":{\"message\":\"No such video\",\"type\":"
	    "\"invalid_request_error\",\"code\":null}}" }, UPSTREAM_DONE };
	struct mem_reply	 r;

	scripted_push(&a);
	post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"get_video\",\"arguments\":{\"video_id\":"
	    "\"v9\"}}}", &r);
	res = result_of(&r, &root);
	ck_assert(json_object_get_boolean(json_object_object_get(res,
	    "isError")));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(res),
	    "No such video"));
	json_object_put(root);
	mem_reply_free(&r);
	ck_assert_str_eq(scripted_call(0)->url,
	    "http://upstream.test/v1/videos/v9");
}
END_TEST

/* A relay answer is cut, and says so, rather than exceed the bound. */
static char	big[300000];

START_TEST(long_answers_are_cut_and_say_so)
{
	struct json_object	*root, *res, *content;
	struct scripted_answer	 a = { 200, { "Content-Type: application/json" },
	    { big }, UPSTREAM_DONE };
	struct mem_reply	 r;
	const char		*text;

	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "{\"data\":\"", 9);
	memcpy(big + sizeof(big) - 3, "\"}", 2);
	scripted_push(&a);
	post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_models\"}}", &r);
	res = result_of(&r, &root);
	ck_assert(!json_object_object_get_ex(res, "structuredContent", NULL));
	json_object_object_get_ex(res, "content", &content);
	text = string_at(json_object_array_get_idx(content, 0), "text");
	ck_assert_uint_lt(strlen(text), 150000);
	ck_assert_ptr_nonnull(strstr(text, "[cut: the answer was"));
	ck_assert_uint_lt(r.body_len, 160000);
	json_object_put(root);
	mem_reply_free(&r);
}
END_TEST

/* Requests that must reach nothing upstream, and what they get. */
static const struct {
	const char	*method;
	const char	*headers[5];	/* NULL-ended */
	const char	*body;
	int		 status;
	int		 rpc;		/* a JSON-RPC error code, or 0 */
	bool		 is_error;	/* an isError result */
} refusals[] = {
	{ "GET", { AUTH }, NULL, 405, 0, false },
	{ "DELETE", { AUTH }, NULL, 405, 0, false },
	{ "POST", { JSON_CT }, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}", 401, 0, false },
	{ "POST", { AUTH, JSON_CT, "Origin: https://evil.test" },
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 403, 0,
	    false },
	{ "POST", { AUTH, JSON_CT }, "not json", 400, 0, false },
	{ "POST", { AUTH, JSON_CT }, "{\"id\":1,\"method\":\"ping\"}", 400,
	    MCP_ERR_INVALID_REQUEST, false },
	{ "POST", { AUTH, JSON_CT }, "[{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"list_models\"}}]",
	    400, MCP_ERR_INVALID_REQUEST, false },
	{ "POST", { AUTH, JSON_CT }, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"resources/list\"}", 200, MCP_ERR_METHOD_NOT_FOUND,
	    false },
	{ "POST", { AUTH, JSON_CT }, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"rm_rf\"}}", 200,
	    MCP_ERR_INVALID_PARAMS, false },
	{ "POST", { AUTH, JSON_CT }, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"get_video\","
	    "\"arguments\":{}}}", 200, 0, true },
	{ "POST", { AUTH, JSON_CT }, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"get_video\","
	    "\"arguments\":[1]}}", 200, 0, true },
	/* The pipeline's own checks: the proxy's allowlist. */
	{ "POST", { AUTH, JSON_CT }, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"proxy_read\","
	    "\"arguments\":{\"path\":\"/v1/organization/users\"}}}", 200, 0,
	    true },
	{ "POST", { AUTH, JSON_CT, "MCP-Protocol-Version: 2026-07-28",
	    "Mcp-Method: tools/list" }, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"list_models\","
	    META "}}", 400, MCP_ERR_HEADER_MISMATCH, false },
	{ "POST", { AUTH, JSON_CT, "MCP-Protocol-Version: 1999-01-01" },
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 400,
	    MCP_ERR_UNSUPPORTED_VERSION, false },
};

START_TEST(refusals_reach_nothing)
{
	struct mem_request	 rq = { refusals[_i].method, "/mcp",
	    refusals[_i].headers, refusals[_i].body,
	    refusals[_i].body ? strlen(refusals[_i].body) : 0, 0, 0, false,
	    NULL };
	struct json_object	*root, *res;
	struct mem_reply	 r;

	mem_serve(&cfg, &rq, &r);
	ck_assert_msg(r.status == refusals[_i].status, "%d: %s", r.status,
	    r.body);
	if (refusals[_i].rpc != 0)
		ck_assert_int_eq(error_code_of(&r), refusals[_i].rpc);
	if (refusals[_i].is_error) {
		res = result_of(&r, &root);
		ck_assert(json_object_get_boolean(json_object_object_get(res,
		    "isError")));
		json_object_put(root);
	}
	mem_reply_free(&r);
	ck_assert_uint_eq(scripted_calls(), 0);
}
END_TEST

START_TEST(modern_revision_discovers)
{
	const char *const	 headers[] = { AUTH, JSON_CT,
	    "MCP-Protocol-Version: 2026-07-28", "Mcp-Method: server/discover",
	    NULL };
	struct json_object	*root, *res, *v;
	struct mem_reply	 r;

	post_with(&cfg, headers, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"server/discover\",\"params\":{" META "}}", &r);
	res = result_of(&r, &root);
	ck_assert_str_eq(string_at(res, "resultType"), "complete");
	ck_assert(json_object_object_get_ex(res, "supportedVersions", &v));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(v),
	    "2026-07-28"));
	json_object_put(root);
	mem_reply_free(&r);
}
END_TEST

START_TEST(modes_off_and_open)
{
	static const char *const off[] = { "RELAY_KEY=" RELAY_KEY, NULL };
	static const char *const open[] = { "RELAY_KEY=" RELAY_KEY,
	    "RELAY_MCP=open", NULL };
	static const char *const open_public[] = { "RELAY_KEY=" RELAY_KEY,
	    "RELAY_MCP=open", "RELAY_MCP_OPEN_PUBLIC=true", NULL };
	static const char *const nokey[] = { JSON_CT, NULL };
	const char	*ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}";
	struct config	 c;
	struct mem_reply r;

	mem_config(&c, off);
	post_with(&c, plain, ping, &r);
	ck_assert_int_eq(r.status, 404);
	mem_reply_free(&r);
	config_free(&c);

	/* In memory the front address is unknown: not loopback. */
	mem_config(&c, open);
	post_with(&c, nokey, ping, &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(mem_error_code(&r), "mcp_open_not_loopback");
	mem_reply_free(&r);
	config_free(&c);

	mem_config(&c, open_public);
	post_with(&c, nokey, ping, &r);
	ck_assert_int_eq(r.status, 200);
	mem_reply_free(&r);
	config_free(&c);
}
END_TEST

Suite *
mcp_suite(void)
{
	Suite	*s = suite_create("mcp");
	TCase	*tc = tcase_create("policy");

	tcase_add_loop_test(tc, negotiation_never_echoes_what_is_not_implemented,
	    0, sizeof(negotiations) / sizeof(negotiations[0]));
	tcase_add_loop_test(tc, messages_are_checked, 0,
	    sizeof(messages) / sizeof(messages[0]));
	tcase_add_loop_test(tc, revisions_and_headers_agree, 0,
	    sizeof(revisions) / sizeof(revisions[0]));
	tcase_add_test(tc, origins_and_loopback);
	suite_add_tcase(s, tc);

	tc = tcase_create("tools");
	tcase_add_test(tc, tools_are_named_described_and_flat);
	tcase_add_test(tc, actions_rows_are_tools_unless_excluded);
	tcase_add_test(tc, tool_calls_become_route_requests);
	tcase_add_loop_test(tc, bad_tool_calls_are_refused, 0,
	    sizeof(bad_calls) / sizeof(bad_calls[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("handler");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake_is_stateless);
	tcase_add_test(tc, tools_list_and_call_go_upstream_through_the_route);
	tcase_add_test(tc, upstream_errors_are_error_results);
	tcase_add_test(tc, long_answers_are_cut_and_say_so);
	tcase_add_loop_test(tc, refusals_reach_nothing, 0,
	    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, modern_revision_discovers);
	tcase_add_test(tc, modes_off_and_open);
	suite_add_tcase(s, tc);
	return s;
}
