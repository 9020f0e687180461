/*
 * The generated OpenAPI documents against the route table, ChatGPT's
 * Actions limits, the fragments' consistency, and where servers[0].url
 * comes from.  (Validation by a real OpenAPI validator, and Swagger UI
 * rendering, run in the integration suite.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "openapi/openapi.h"
#include "openapi/origin.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/route.h"
#include "tests/unit/suites.h"

#define SERVER		"https://relay.example.org"
#define ACTIONS_MAX_OPS	30
#define SIZE_HARD_MAX	(1024 * 1024)	/* ChatGPT refuses larger */
#define SIZE_BUDGET	(200 * 1024)	/* ours: far below it */

static struct json_object *
build(enum openapi_doc doc)
{
	struct json_object	*root;

	root = openapi_build(doc, "Test relay", "9.9.9", SERVER);
	ck_assert_msg(root != NULL, "a fragment does not parse");
	return root;
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return v;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object	*v = get(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string), "%s", key);
	return json_object_get_string(v);
}

static void
lower(const char *s, char *buf, size_t bufsz)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < bufsz; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	buf[i] = '\0';
}

/* The operation of route r in doc, or NULL. */
static struct json_object *
operation_of(struct json_object *doc, const struct route *r)
{
	struct json_object	*item, *op;
	char			 m[8];

	if (!json_object_object_get_ex(get(doc, "paths"), r->path, &item))
		return NULL;
	lower(method_name(r->method), m, sizeof(m));
	return json_object_object_get_ex(item, m, &op) ? op : NULL;
}

static size_t
operation_count(struct json_object *doc)
{
	size_t	n = 0;

	json_object_object_foreach(get(doc, "paths"), path, item) {
		(void)path;
		n += (size_t)json_object_object_length(item);
	}
	return n;
}

/* The "{name}" segments of tmpl, each followed by '\n'. */
static void
template_names(const char *tmpl, char *buf, size_t bufsz)
{
	const char	*open, *close;
	size_t		 len = 0;

	buf[0] = '\0';
	for (open = strchr(tmpl, '{'); open != NULL;
	    open = strchr(close, '{')) {
		close = strchr(open, '}');
		ck_assert_ptr_nonnull(close);
		len += (size_t)snprintf(buf + len, bufsz - len, "%.*s\n",
		    (int)(close - open - 1), open + 1);
		ck_assert_uint_lt(len, bufsz);
	}
}

/* Checks op is route r's, as the table says. */
static void
assert_operation_matches(struct json_object *op, const struct route *r)
{
	struct json_object	*params, *sec, *v;
	char			 want[256], have[256];
	size_t			 i, len = 0;

	ck_assert_str_eq(get_str(op, "operationId"), r->operation_id);
	ck_assert_str_eq(get_str(op, "summary"), r->summary);
	v = get(op, "x-openai-isConsequential");
	ck_assert(json_object_is_type(v, json_type_boolean));
	ck_assert_int_eq(json_object_get_boolean(v), r->consequential);
	ck_assert_msg(json_object_object_get_ex(op, "security", &sec) ==
	    r->public, "%s: security", r->operation_id);
	if (r->public)
		ck_assert_uint_eq(json_object_array_length(sec), 0);
	ck_assert_msg(json_object_object_get_ex(op, "requestBody", NULL) ==
	    (r->body != BODY_NONE), "%s: requestBody", r->operation_id);
	get(get(op, "responses"), "200");

	template_names(r->path, want, sizeof(want));
	have[0] = '\0';
	if (json_object_object_get_ex(op, "parameters", &params))
		for (i = 0; i < json_object_array_length(params); i++) {
			struct json_object *p =
			    json_object_array_get_idx(params, i);

			if (strcmp(get_str(p, "in"), "path") != 0)
				continue;
			ck_assert(json_object_get_boolean(get(p, "required")));
			len += (size_t)snprintf(have + len, sizeof(have) - len,
			    "%s\n", get_str(p, "name"));
		}
	ck_assert_msg(strcmp(want, have) == 0, "%s: path parameters",
	    r->operation_id);
}

START_TEST(fragments_are_consistent)
{
	char	err[256] = "";

	ck_assert_msg(openapi_check_fragments(err, sizeof(err)) == 0, "%s",
	    err);
}
END_TEST

START_TEST(full_document_has_every_route)
{
	struct json_object	*doc = build(OPENAPI_FULL), *op;
	size_t			 i;

	ck_assert_str_eq(get_str(doc, "openapi"), "3.1.0");
	ck_assert_str_eq(get_str(get(doc, "info"), "title"), "Test relay");
	ck_assert_str_eq(get_str(get(doc, "info"), "version"), "9.9.9");
	for (i = 0; i < routes_count; i++) {
		op = operation_of(doc, &routes[i]);
		ck_assert_msg(op != NULL, "%s %s missing",
		    method_name(routes[i].method), routes[i].path);
		assert_operation_matches(op, &routes[i]);
	}
	ck_assert_uint_eq(operation_count(doc), routes_count);
	json_object_put(doc);
}
END_TEST

START_TEST(actions_document_is_the_actions_rows)
{
	struct json_object	*doc = build(OPENAPI_ACTIONS), *op;
	size_t			 i, n = 0;

	ck_assert_str_eq(get_str(get(doc, "info"), "title"),
	    "Test relay (Actions subset)");
	for (i = 0; i < routes_count; i++) {
		op = operation_of(doc, &routes[i]);
		ck_assert_msg((op != NULL) == route_in_actions(&routes[i]),
		    "%s %s", method_name(routes[i].method), routes[i].path);
		if (op == NULL)
			continue;
		assert_operation_matches(op, &routes[i]);
		n++;
	}
	ck_assert_uint_eq(operation_count(doc), n);
	ck_assert_uint_gt(n, 0);
	json_object_put(doc);
}
END_TEST

static bool
verb_first_camel(const char *op)
{
	static const char *const verbs[] = {
		"get", "list", "retrieve", "create", "update", "modify",
		"delete", "cancel", "search", "count", "compact", "ping",
		"call", "stream", "upload", "download", "edit", "generate",
		"remix", "complete", "add", "attach",
	};
	size_t	i, len = strspn(op, "abcdefghijklmnopqrstuvwxyz");

	if (op[len] != '\0' && !(op[len] >= 'A' && op[len] <= 'Z'))
		return false;
	if (strspn(op, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789") != strlen(op))
		return false;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i]) == len && strncmp(op, verbs[i], len) == 0)
			return true;
	return false;
}

/* A request schema from a fragment, not the generic any-object one. */
static bool
is_specific_schema(struct json_object *schema)
{
	return json_object_object_get_ex(schema, "$ref", NULL) ||
	    json_object_object_get_ex(schema, "properties", NULL);
}

START_TEST(actions_document_within_chatgpt_limits)
{
	struct json_object	*doc = build(OPENAPI_ACTIONS), *servers;
	struct json_object	*seen = json_object_new_object(), *v, *params;
	size_t			 len, i, nops = 0;

	json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ck_assert_msg(len < SIZE_HARD_MAX && len <= SIZE_BUDGET,
	    "Actions document is %zu bytes", len);

	servers = get(doc, "servers");
	ck_assert_str_eq(get_str(json_object_array_get_idx(servers, 0), "url"),
	    SERVER);
	ck_assert_str_eq(get_str(get(get(get(doc, "components"),
	    "securitySchemes"), "relayKey"), "scheme"), "bearer");
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(
	    get(doc, "security"), 0), "relayKey", NULL));

	json_object_object_foreach(get(doc, "paths"), path, item) {
		json_object_object_foreach(item, method, op) {
			const char *id = get_str(op, "operationId");

			nops++;
			ck_assert_msg(verb_first_camel(id), "%s", id);
			ck_assert_msg(!json_object_object_get_ex(seen, id,
			    NULL), "duplicate %s", id);
			json_object_object_add(seen, id, NULL);
			ck_assert_uint_le(strlen(get_str(op, "summary")), 300);
			if (json_object_object_get_ex(op, "description", &v))
				ck_assert_uint_le(strlen(
				    json_object_get_string(v)), 300);
			v = get(op, "x-openai-isConsequential");
			ck_assert(json_object_is_type(v, json_type_boolean));
			if (json_object_object_get_ex(op, "parameters",
			    &params))
				for (i = 0; i < json_object_array_length(
				    params); i++)
					ck_assert_uint_le(strlen(get_str(
					    json_object_array_get_idx(params,
					    i), "description")), 700);
			if (strcmp(method, "get") == 0)
				continue;
			/* ChatGPT sends no body without a schema. */
			v = get(get(get(get(op, "requestBody"), "content"),
			    "application/json"), "schema");
			ck_assert_msg(is_specific_schema(v),
			    "%s %s has no request schema fragment", method,
			    path);
		}
	}
	ck_assert_uint_le(nops, ACTIONS_MAX_OPS);
	/* The seed's surface: responses and responses/compact; images and
	 * files a GPT can use. */
	ck_assert_ptr_nonnull(json_object_object_get(get(doc, "paths"),
	    "/v1/responses/compact"));
	ck_assert_ptr_nonnull(json_object_object_get(get(doc, "paths"),
	    "/v1/actions/images/generations"));
	ck_assert_ptr_nonnull(json_object_object_get(get(doc, "paths"),
	    "/v1/actions/files/{file_id}/content"));
	ck_assert_uint_le(strlen(get_str(get(doc, "info"), "description")),
	    300);
	json_object_put(seen);
	json_object_put(doc);
}
END_TEST

/* Every "$ref" in doc resolves inside doc (the Actions one is pruned). */
static void
assert_refs_resolve(struct json_object *node, struct json_object *schemas)
{
	size_t	i;

	if (json_object_is_type(node, json_type_array)) {
		for (i = 0; i < json_object_array_length(node); i++)
			assert_refs_resolve(json_object_array_get_idx(node, i),
			    schemas);
		return;
	}
	if (!json_object_is_type(node, json_type_object))
		return;
	json_object_object_foreach(node, key, val) {
		if (strcmp(key, "$ref") == 0) {
			const char *ref = json_object_get_string(val);

			ck_assert_msg(strncmp(ref, "#/components/schemas/",
			    21) == 0 && json_object_object_get_ex(schemas,
			    ref + 21, NULL), "unresolved %s", ref);
		} else {
			assert_refs_resolve(val, schemas);
		}
	}
}

START_TEST(refs_resolve_and_actions_carry_only_used_schemas)
{
	struct json_object	*full = build(OPENAPI_FULL);
	struct json_object	*actions = build(OPENAPI_ACTIONS);
	struct json_object	*fs = get(get(full, "components"), "schemas");
	struct json_object	*as = get(get(actions, "components"),
				    "schemas");

	assert_refs_resolve(full, fs);
	assert_refs_resolve(actions, as);
	ck_assert_int_lt(json_object_object_length(as),
	    json_object_object_length(fs));
	/* Only the full document uses the batch schemas. */
	ck_assert(json_object_object_get_ex(fs, "Batch", NULL));
	ck_assert(!json_object_object_get_ex(as, "Batch", NULL));
	json_object_put(full);
	json_object_put(actions);
}
END_TEST

START_TEST(host_validation)
{
	static const char *const good[] = {
		"relay.example.org", "127.0.0.1:8080", "localhost", "a-b.c:1",
		"x:65535",
	};
	static const char *const bad[] = {
		"", ":80", "evil.com/x", "a b", "host:", "host:0",
		"host:65536", "host:123456", "[::1]:80", "a@b", "h:8x",
		"h\r\nX-Injected: 1", "\"><script>",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(headers_host_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!headers_host_valid(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(server_url_choice)
{
	char	*u;

	u = origin_server_url("https://public.example", "http", "h:1");
	ck_assert_str_eq(u, "https://public.example");
	free(u);
	u = origin_server_url("", "https", "h.example:8443");
	ck_assert_str_eq(u, "https://h.example:8443");
	free(u);
	u = origin_server_url(NULL, NULL, "h");
	ck_assert_str_eq(u, "http://h");
	free(u);
	u = origin_server_url("", "http", "");
	ck_assert_str_eq(u, "/");
	free(u);
}
END_TEST

/* RELAY_PUBLIC_URL is checked like OPENAI_API_BASE, and normalised. */
START_TEST(public_url_setting)
{
	static const char *const bad[] = {
		"ftp://x", "https://", "https://u:p@host", "https://h/?q=1",
		"https://h/#f", "relay.example",
	};
	const char	*values[SETTINGS_MAX] = { NULL };
	struct config	 cfg;
	char		 err[256];
	size_t		 i;

	ck_assert_int_eq(config_build(values, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.public_url, "");
	config_free(&cfg);
	values[setting_lookup("RELAY_PUBLIC_URL")] = "https://gpt.example.org/relay/v1/";
	ck_assert_int_eq(config_build(values, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.public_url, "https://gpt.example.org/relay");
	config_free(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		values[setting_lookup("RELAY_PUBLIC_URL")] = bad[i];
		ck_assert_msg(config_build(values, &cfg, err, sizeof(err)) ==
		    -1, "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "RELAY_PUBLIC_URL"));
	}
}
END_TEST

Suite *
openapi_suite(void)
{
	Suite	*s = suite_create("openapi");
	TCase	*tc = tcase_create("documents");

	tcase_add_test(tc, fragments_are_consistent);
	tcase_add_test(tc, full_document_has_every_route);
	tcase_add_test(tc, actions_document_is_the_actions_rows);
	tcase_add_test(tc, actions_document_within_chatgpt_limits);
	tcase_add_test(tc, refs_resolve_and_actions_carry_only_used_schemas);
	suite_add_tcase(s, tc);
	tc = tcase_create("origin");
	tcase_add_test(tc, host_validation);
	tcase_add_test(tc, server_url_choice);
	tcase_add_test(tc, public_url_setting);
	suite_add_tcase(s, tc);
	return s;
}
