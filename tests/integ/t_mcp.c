/*
 * POST /mcp through real front servers: the official MCP TypeScript SDK
 * (tests/sdk/mcp.mjs) with a relay key as its Bearer token, calling
 * every tool against the fake upstream; the 2026-07-28 form over raw
 * HTTP; and bad input, each a clear error with nothing sent upstream.
 * The main relay.conf has RELAY_MCP = oauth and the default
 * RELAY_MCP_ORIGINS.  The front suite checks that every shipped setup
 * hands /mcp, /oauth/... and /.well-known/oauth-... to the relay.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH		"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define ACCEPT		"Accept: application/json, text/event-stream"
#define MODERN		"MCP-Protocol-Version: 2026-07-28"
#define META		"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":" \
			"\"2026-07-28\"}"
#define PING		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"

static const char *const plain[] = { AUTH, JSON_CT, ACCEPT, NULL };

static void
mcp_post(const char *const *headers, const char *body, struct response *r)
{
	char	*sid;

	req("POST", "/mcp", headers, body, strlen(body), r);
	/* Stateless, whatever the answer. */
	sid = response_header(r, "Mcp-Session-Id");
	ck_assert_msg(sid == NULL, "a session id was minted");
}

/* The answer's result; the root to put in *root. */
static struct json_object *
result_of(const struct response *r, struct json_object **root)
{
	struct json_object	*res;
	char			*ct = response_header(r, "Content-Type");

	ck_assert_msg(r->status == 200, "%ld: %s", r->status, r->body);
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	*root = response_json(r);
	ck_assert_msg(*root != NULL && json_object_object_get_ex(*root,
	    "result", &res), "%s", r->body);
	return res;
}

static int
rpc_error_code(const struct response *r)
{
	struct json_object	*root = response_json(r), *err, *code;
	int			 c;

	ck_assert_msg(root != NULL && json_object_object_get_ex(root, "error",
	    &err) && json_object_object_get_ex(err, "code", &code), "%s",
	    r->body);
	c = json_object_get_int(code);
	json_object_put(root);
	return c;
}

START_TEST(official_sdk_lists_and_calls_every_tool)
{
	char	cmd[512];
	int	rc;

	snprintf(cmd, sizeof(cmd), "node tests/sdk/mcp.mjs %s %s",
	    integ_frontend->base_url, TEST_RELAY_KEY);
	rc = system(cmd);
	ck_assert_msg(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
	    "the MCP SDK script failed (%d); run make check to install "
	    "@modelcontextprotocol/sdk in tests/sdk", rc);
}
END_TEST

START_TEST(modern_revision_over_raw_http)
{
	static const char *const discover[] = { AUTH, JSON_CT, ACCEPT, MODERN,
	    "Mcp-Method: server/discover", NULL };
	static const char *const call[] = { AUTH, JSON_CT, ACCEPT, MODERN,
	    "Mcp-Method: tools/call", "Mcp-Name: list_models", NULL };
	struct json_object	*root, *res, *sc, *up;
	struct response		 r;

	mcp_post(discover, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"server/discover\",\"params\":{" META "}}", &r);
	res = result_of(&r, &root);
	ck_assert_str_eq(json_str(res, "resultType"), "complete");
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(res),
	    "\"2026-07-28\""));
	json_object_put(root);
	response_free(&r);

	mcp_post(call, "{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_models\","
	    "\"arguments\":{}," META "}}", &r);
	res = result_of(&r, &root);
	ck_assert_str_eq(json_str(res, "resultType"), "complete");
	ck_assert(!json_object_get_boolean(json_object_object_get(res,
	    "isError")));
	ck_assert(json_object_object_get_ex(res, "structuredContent", &sc));
	ck_assert_str_eq(json_str(sc, "object"), "list");
	json_object_put(root);
	response_free(&r);

	/* The route's own upstream call, with the operator's key only. */
	up = only_upstream_request(&root);
	ck_assert_str_eq(json_str(up, "method"), "GET");
	ck_assert_str_eq(json_str(up, "path"), "/v1/models");
	ck_assert_str_eq(recorded_header(up, "Authorization"),
	    "Bearer " TEST_OPENAI_KEY);
	json_object_put(root);
}
END_TEST

/* Each refused with a clear answer, and nothing sent upstream. */
static const struct {
	const char	*what;
	const char	*headers[7];	/* NULL-ended */
	const char	*body;
	long		 status;
	int		 rpc;		/* JSON-RPC error code, or 0 */
	const char	*envelope;	/* the relay's error code, or NULL */
	bool		 is_error;	/* an isError result */
} refusals[] = {
	{ "unknown tool", { AUTH, JSON_CT, ACCEPT }, "{\"jsonrpc\":\"2.0\","
	    "\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"drop_tables\",\"arguments\":{}}}", 200, -32602, NULL, false },
	{ "wrong arguments", { AUTH, JSON_CT, ACCEPT }, "{\"jsonrpc\":\"2.0\","
	    "\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"create_video\",\"arguments\":{\"prompt\":7}}}", 200, 0, NULL,
	    true },
	{ "argument the wrapper refuses", { AUTH, JSON_CT, ACCEPT },
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"create_video\",\"arguments\":{\"prompt\":"
	    "\"p\",\"model\":\"not-a-video-model\"}}}", 200, 0, NULL, true },
	{ "a path the proxy denies", { AUTH, JSON_CT, ACCEPT },
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"proxy_read\",\"arguments\":{\"path\":"
	    "\"/v1/organization/admin_api_keys\"}}}", 200, 0, NULL, true },
	{ "disallowed Origin", { AUTH, JSON_CT, ACCEPT,
	    "Origin: https://evil.example" }, PING, 403, 0,
	    "origin_not_allowed", false },
	{ "body that is not JSON", { AUTH, JSON_CT, ACCEPT }, "ping", 400, 0,
	    "invalid_json", false },
	{ "body that is not JSON-RPC", { AUTH, JSON_CT, ACCEPT },
	    "{\"hello\":\"world\"}", 400, -32600, NULL, false },
	{ "a batch", { AUTH, JSON_CT, ACCEPT }, "[{\"jsonrpc\":\"2.0\","
	    "\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
	    "\"list_models\"}}]", 400, -32600, NULL, false },
	{ "no key", { JSON_CT, ACCEPT }, PING, 401, 0, "missing_relay_key",
	    false },
	{ "headers that disagree with the body", { AUTH, JSON_CT, ACCEPT,
	    MODERN, "Mcp-Method: tools/call", "Mcp-Name: get_video" },
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_models\"," META "}}", 400, -32020,
	    NULL, false },
	{ "an unsupported revision", { AUTH, JSON_CT, ACCEPT,
	    "MCP-Protocol-Version: 2031-01-01" }, PING, 400, -32022, NULL,
	    false },
};

START_TEST(refusals_reach_nothing)
{
	struct json_object	*root, *res;
	struct response		 r;

	mcp_post(refusals[_i].headers, refusals[_i].body, &r);
	ck_assert_msg(r.status == refusals[_i].status, "%s: %ld %s",
	    refusals[_i].what, r.status, r.body);
	if (refusals[_i].rpc != 0)
		ck_assert_int_eq(rpc_error_code(&r), refusals[_i].rpc);
	if (refusals[_i].envelope != NULL)
		assert_relay_error(&r, refusals[_i].status,
		    refusals[_i].envelope);
	if (refusals[_i].is_error) {
		res = result_of(&r, &root);
		ck_assert(json_object_get_boolean(json_object_object_get(res,
		    "isError")));
		json_object_put(root);
	}
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(get_and_delete_are_not_served)
{
	static const char *const methods[] = { "GET", "DELETE" };
	struct response	r;
	char		*allow;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		req(methods[i], "/mcp", plain, NULL, 0, &r);
		assert_relay_error(&r, 405, "method_not_allowed");
		allow = response_header(&r, "Allow");
		ck_assert_str_eq(allow, "POST");
		free(allow);
		response_free(&r);
	}
}
END_TEST

START_TEST(notification_is_accepted_without_a_body)
{
	struct response	r;

	mcp_post(plain, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}", &r);
	ck_assert_int_eq(r.status, 202);
	ck_assert_uint_eq(r.body_len, 0);
	response_free(&r);
}
END_TEST

void
add_mcp_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("mcp");

	(void)kind;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, official_sdk_lists_and_calls_every_tool);
	tcase_add_test(tc, modern_revision_over_raw_http);
	tcase_add_loop_test(tc, refusals_reach_nothing, 0,
	    (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, get_and_delete_are_not_served);
	tcase_add_test(tc, notification_is_accepted_without_a_body);
	suite_add_tcase(s, tc);
}

/*
 * The paths MCP clients use reach the relay through every shipped
 * setup: its own answer (X-Relay-Request-Id), whatever it is, not the
 * front server's 404.
 */
static const char *const mcp_paths[] = {
	"/mcp",
	"/oauth/authorize",
	"/oauth/token",
	"/.well-known/oauth-authorization-server",
	"/.well-known/oauth-protected-resource",
	"/.well-known/oauth-protected-resource/mcp",
};

START_TEST(mcp_paths_reach_the_relay)
{
	struct response	r;
	char		*id;

	req("POST", mcp_paths[_i], plain, PING, strlen(PING), &r);
	id = response_header(&r, "X-Relay-Request-Id");
	ck_assert_msg(id != NULL, "%s: %ld from the front server",
	    mcp_paths[_i], r.status);
	free(id);
	response_free(&r);
}
END_TEST

START_TEST(ping_through_the_front)
{
	struct json_object	*root;
	struct response		 r;

	mcp_post(plain, PING, &r);
	(void)result_of(&r, &root);
	json_object_put(root);
	response_free(&r);
}
END_TEST

void
add_mcp_front_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("mcp-front");

	(void)kind;
	tcase_add_loop_test(tc, mcp_paths_reach_the_relay, 0,
	    (int)(sizeof(mcp_paths) / sizeof(mcp_paths[0])));
	tcase_add_test(tc, ping_through_the_front);
	suite_add_tcase(s, tc);
}
