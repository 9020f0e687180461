/*
 * The /v1/proxy policy, table-driven: each envelope, the expected
 * outcome, and either the reason or what would be sent upstream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "policy/body.h"
#include "policy/proxy.h"
#include "tests/unit/suites.h"

static const struct {
	const char	*envelope;
	enum rerr	 rc;
	const char	*expect;	/* reason part, or "PATH?QUERY|BODY" */
} cases[] = {
	/* Allowed, and exactly what goes upstream. */
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\"}", RERR_OK,
	    "/v1/files?|" },
	{ "{\"method\":\" get \",\"path\":\"files\"}", RERR_OK, "/v1/files?|" },
	{ "{\"method\":\"GET\",\"path\":\"  /files \"}", RERR_OK,
	    "/v1/files?|" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/file%2Dabc\"}", RERR_OK,
	    "/v1/files/file-abc?|" },
	{ "{\"method\":\"DELETE\",\"path\":\"/v1/files/f1\"}", RERR_OK,
	    "/v1/files/f1?|" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/models/gpt-4o\"}", RERR_OK,
	    "/v1/models/gpt-4o?|" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/vector_stores\"}", RERR_OK,
	    "/v1/vector_stores?|{}" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/batches\",\"body\":"
	    "{\"endpoint\":\"/v1/responses\",\"n\":1.5}}", RERR_OK,
	    "/v1/batches?|{\"endpoint\":\"/v1/responses\",\"n\":1.5}" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/chat/completions\",\"json\":"
	    "{\"stream\":false}}", RERR_OK,
	    "/v1/chat/completions?|{\"stream\":false}" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/conversations\",\"json_body\":"
	    "{}}", RERR_OK, "/v1/conversations?|{}" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":{\"limit\":2,"
	    "\"purpose\":\"batch job\",\"include[]\":[\"a\",\"b\"],"
	    "\"flag\":true}}", RERR_OK, "/v1/files?limit=2&purpose=batch%20job"
	    "&include%5B%5D=a&include%5B%5D=b&flag=true|" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/batches\",\"params\":"
	    "{\"after\":\"b/1\"}}", RERR_OK, "/v1/batches?after=b%2F1|" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/batches\",\"query_params\":{}}",
	    RERR_OK, "/v1/batches?|" },
	/* The Actions operations' own JSON routes too, as callProxy says. */
	{ "{\"method\":\"GET\",\"path\":\"/v1/models\"}", RERR_OK,
	    "/v1/models?|" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/responses\"}", RERR_OK,
	    "/v1/responses?|{}" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/responses/resp_1/input_items\","
	    "\"query\":{\"limit\":5}}", RERR_OK,
	    "/v1/responses/resp_1/input_items?limit=5|" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/responses/compact\",\"body\":"
	    "{\"model\":\"m\"}}", RERR_OK,
	    "/v1/responses/compact?|{\"model\":\"m\"}" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/embeddings\",\"body\":"
	    "{\"input\":\"a\"}}", RERR_OK, "/v1/embeddings?|{\"input\":\"a\"}" },
	/* Plain JSON, unlike the original's dead entry behind its prefix. */
	{ "{\"method\":\"POST\",\"path\":\"moderations\",\"body\":"
	    "{\"input\":\"hi\"}}", RERR_OK, "/v1/moderations?|{\"input\":\"hi\"}" },

	/* Denied, in the original's order. */
	{ "{\"method\":\"POST\",\"path\":\"/v1/chat/completions\",\"body\":"
	    "{\"stream\":true}}", RERR_PROXY_DENIED, "stream=true is not allowed" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/responses/r1\",\"query\":"
	    "{\"stream\":true}}", RERR_PROXY_DENIED, "stream=true is not allowed" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/responses/r1\",\"query\":"
	    "{\"stream\":\"true\"}}", RERR_PROXY_DENIED,
	    "stream=true is not allowed" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/responses:stream\"}",
	    RERR_PROXY_DENIED, "':' paths are not allowed" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/../admin\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/%2e%2e\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a%2Fb\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a%00\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a%252F\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a%zz\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a%20b\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"//v1//models\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1//models\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/./models\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/f1#x\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a\\\\b\"}",
	    RERR_PROXY_DENIED, "illegal sequences" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/a b\"}",
	    RERR_PROXY_DENIED, "must not contain whitespace" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/proxy\"}", RERR_PROXY_DENIED,
	    "path is blocked" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/audiox\"}", RERR_PROXY_DENIED,
	    "blocked prefix: /v1/audio" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/uploads\"}", RERR_PROXY_DENIED,
	    "blocked prefix: /v1/uploads" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/realtime/sessions\"}",
	    RERR_PROXY_DENIED, "blocked prefix: /v1/realtime" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/audio/transcriptions\"}",
	    RERR_PROXY_DENIED, "blocked prefix: /v1/audio" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/audio/speech\",\"body\":"
	    "{\"input\":\"hi\"}}", RERR_PROXY_DENIED,
	    "blocked prefix: /v1/audio" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files/f1/content\"}",
	    RERR_PROXY_DENIED, "blocked suffix: /content" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/batches/b1/results\"}",
	    RERR_PROXY_DENIED, "blocked suffix: /results" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/files\"}", RERR_PROXY_DENIED,
	    "multipart endpoint blocked" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/images/edits\"}",
	    RERR_PROXY_DENIED, "multipart endpoint blocked" },

	/* Not on the allowlist: deny by default. */
	{ "{\"method\":\"GET\",\"path\":\"/v1/evals\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/fine_tuning/jobs\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/models/\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/actions/images/edits\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/actions/uploads\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/images/generations\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },

	/* A path served with other methods: 405 and what Allow says. */
	{ "{\"method\":\"PUT\",\"path\":\"/v1/vector_stores\"}",
	    RERR_METHOD_NOT_ALLOWED, "GET, POST" },
	{ "{\"method\":\"DELETE\",\"path\":\"/v1/models\"}",
	    RERR_METHOD_NOT_ALLOWED, "GET" },
	{ "{\"method\":\"GET\",\"path\":\"embeddings\"}",
	    RERR_METHOD_NOT_ALLOWED, "POST" },
	{ "{\"method\":\"PATCH\",\"path\":\"/v1/files/f1\"}",
	    RERR_METHOD_NOT_ALLOWED, "GET, DELETE" },
	{ "{\"method\":\"GET\",\"path\":\"/v1beta/files\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },
	{ "{\"method\":\"GET\",\"path\":\"/actions/system/info\"}",
	    RERR_PROXY_NOT_ALLOWLISTED, "not allowlisted" },

	/* Malformed: 400. */
	{ "{\"method\":\"GET\",\"path\":\"  \"}", RERR_PROXY_MALFORMED,
	    "path is required" },
	{ "{\"method\":\"GET\",\"path\":\"https://api.openai.com/v1/models\"}",
	    RERR_PROXY_MALFORMED, "not a URL" },
	{ "{\"method\":\"GET\",\"path\":\"HTTP/v1\"}", RERR_PROXY_MALFORMED,
	    "not a URL" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files?limit=1\"}",
	    RERR_PROXY_MALFORMED, "use `query` field" },
	{ "{\"method\":\"TRACE\",\"path\":\"/v1/files\"}", RERR_PROXY_MALFORMED,
	    "Unsupported method" },
	{ "{\"method\":\"G ET\",\"path\":\"/v1/files\"}", RERR_PROXY_MALFORMED,
	    "Unsupported method" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":\"a=b\"}",
	    RERR_PROXY_MALFORMED, "query must be an object" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":{\"a\":null}}",
	    RERR_PROXY_MALFORMED, "query must be an object" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":{\"a\":{}}}",
	    RERR_PROXY_MALFORMED, "query must be an object" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":{\"a\":[[1]]}}",
	    RERR_PROXY_MALFORMED, "query must be an object" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"query\":{},"
	    "\"params\":{}}", RERR_PROXY_MALFORMED, "give the query once" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/batches\",\"body\":{},"
	    "\"json\":{}}", RERR_PROXY_MALFORMED, "give the body once" },
	{ "{\"method\":\"POST\",\"path\":\"/v1/batches\",\"body\":[1]}",
	    RERR_PROXY_MALFORMED, "body must be a JSON object" },
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"body\":{}}",
	    RERR_PROXY_MALFORMED, "not allowed with GET" },

	/* Schema: 422, without echoing anything. */
	{ "{\"method\":\"GET\",\"path\":\"/v1/files\",\"extra\":1}",
	    RERR_PROXY_SCHEMA, NULL },
	{ "{\"path\":\"/v1/files\"}", RERR_PROXY_SCHEMA, NULL },
	{ "{\"method\":\"GET\"}", RERR_PROXY_SCHEMA, NULL },
	{ "{\"method\":1,\"path\":\"/v1/files\"}", RERR_PROXY_SCHEMA, NULL },
	{ "{\"method\":\"GET\",\"path\":[\"/v1/files\"]}", RERR_PROXY_SCHEMA,
	    NULL },
	{ "[]", RERR_PROXY_SCHEMA, NULL },
};

START_TEST(proxy_table_driven)
{
	struct proxy_call	 call;
	struct json_object	*parsed = NULL;
	struct body_facts	 facts;
	const char		*reason = NULL;
	const char		*env = cases[_i].envelope;
	char			 got[1024];
	enum rerr		 rc;

	/* As handlers_serve hands it over: parsed, or NULL if it is not. */
	(void)body_json_tree(env, strlen(env), &facts, &parsed);
	rc = proxy_decide(parsed, &call, &reason);
	json_object_put(parsed);
	ck_assert_msg(rc == cases[_i].rc, "%s: got %d want %d (%s)", env, rc,
	    cases[_i].rc, reason ? reason : "-");
	if (rc == RERR_OK) {
		snprintf(got, sizeof(got), "%s?%s|%s", call.path, call.query,
		    call.body ? call.body : "");
		ck_assert_str_eq(got, cases[_i].expect);
		ck_assert(route_in_proxy(call.route));
		proxy_call_free(&call);
	} else if (rc == RERR_METHOD_NOT_ALLOWED) {
		ck_assert_str_eq(call.allow, cases[_i].expect);
		ck_assert_ptr_null(call.path);
	} else if (cases[_i].expect != NULL) {
		ck_assert_msg(reason != NULL && strstr(reason,
		    cases[_i].expect) != NULL, "%s: reason %s", env,
		    reason ? reason : "(none)");
	} else {
		ck_assert_ptr_null(reason);
	}
}
END_TEST

/* An allowlist row the denial rules would block is dead: none allowed. */
START_TEST(every_allowlisted_row_is_reachable)
{
	const struct route	*r;
	char			 path[256], *norm;
	const char		*reason;
	size_t			 i;

	for (i = 0; i < routes_count; i++) {
		if (!route_in_proxy(&routes[i]))
			continue;
		route_sample_path(&routes[i], path, sizeof(path));
		ck_assert_msg(proxy_check_path(routes[i].method, path, false,
		    &norm, &r, &reason) == RERR_OK, "%s %s: %s",
		    method_name(routes[i].method), path, reason);
		ck_assert_ptr_eq(r, &routes[i]);
		free(norm);
	}
}
END_TEST

Suite *
proxy_suite(void)
{
	Suite	*s = suite_create("proxy");
	TCase	*tc = tcase_create("decide");

	tcase_add_loop_test(tc, proxy_table_driven, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, every_allowlisted_row_is_reachable);
	suite_add_tcase(s, tc);
	return s;
}
