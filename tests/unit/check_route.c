/* The route table's invariants and the router's decisions. */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "policy/route.h"
#include "tests/unit/suites.h"

START_TEST(operation_ids_unique_and_verb_first)
{
	size_t	i, j;

	for (i = 0; i < routes_count; i++) {
		const char *op = routes[i].operation_id;

		ck_assert_msg(op[0] >= 'a' && op[0] <= 'z',
		    "%s is not camelCase", op);
		ck_assert_msg(strpbrk(op, "_- ") == NULL, "%s", op);
		for (j = i + 1; j < routes_count; j++)
			ck_assert_msg(strcmp(op, routes[j].operation_id) != 0,
			    "duplicate operationId %s", op);
	}
}
END_TEST

START_TEST(rows_unique_and_well_formed)
{
	size_t	i, j;

	for (i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];

		ck_assert_msg(r->path[0] == '/', "%s", r->path);
		ck_assert_msg(strlen(r->summary) > 0 &&
		    strlen(r->summary) <= 300, "%s", r->path);
		ck_assert_msg(r->method != METHOD_GET || r->body == BODY_NONE,
		    "GET %s takes a body", r->path);
		for (j = i + 1; j < routes_count; j++)
			ck_assert_msg(r->method != routes[j].method ||
			    strcmp(r->path, routes[j].path) != 0,
			    "%s %s twice", method_name(r->method), r->path);
	}
}
END_TEST

START_TEST(reads_are_not_consequential)
{
	size_t	i;

	for (i = 0; i < routes_count; i++)
		if (routes[i].method == METHOD_GET)
			ck_assert_msg(!routes[i].consequential, "%s",
			    routes[i].path);
}
END_TEST

START_TEST(public_routes_are_the_originals)
{
	static const char *const expected[] = {
		"/", "/health", "/v1/health", "/manifest",
		"/openapi.json", "/openapi.actions.json", "/docs",
		"/docs/{asset}",
		/* ChatGPT fetches images without a key: the link is one. */
		"/v1/actions/links/{link_id}",
		/* OAuth: discovery and sign-in come before any credential
		 * (two paths have both GET and POST rows). */
		"/.well-known/oauth-protected-resource",
		"/.well-known/oauth-protected-resource/mcp",
		"/.well-known/oauth-authorization-server",
		"/oauth/register", "/oauth/authorize", "/oauth/token",
	};
	size_t	i, k, npublic = 0;

	for (i = 0; i < routes_count; i++) {
		bool listed = false;

		if (!routes[i].public)
			continue;
		npublic++;
		for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
			listed |= strcmp(routes[i].path, expected[k]) == 0;
		ck_assert_msg(listed, "%s is public", routes[i].path);
	}
	ck_assert_uint_eq(npublic, 16);
}
END_TEST

START_TEST(every_bucket_has_a_name)
{
	int	b;

	for (b = 0; b < BUCKET__MAX; b++)
		ck_assert_ptr_nonnull(bucket_name((enum bucket)b));
	ck_assert_str_eq(bucket_name(BUCKET_EXCLUDE_META_NONV1),
	    "EXCLUDE_META_NONV1");
}
END_TEST

/*
 * /v1/proxy reaches the PROXY_HARNESS rows and the Actions operations'
 * own canonical JSON routes (so callProxy can do what its summary
 * says), never a wrapper, a local route or a multipart upload.
 */
START_TEST(proxy_allowlist_rows)
{
	static const char *const in[] = {
		"listModels", "createResponse", "getResponse",
		"compactResponse", "createEmbedding", "listFiles",
		"createContainerFile",
	};
	static const char *const out[] = {
		"createImage", "createFile", "downloadFile", "callProxy",
		"getHealth", "generateImageAction", "createRealtimeSession",
		"streamResponseAction", "addUploadPart",
	};
	size_t	i, k;

	for (i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];

		if (r->bucket == BUCKET_PROXY_HARNESS)
			ck_assert_msg(route_in_proxy(r), "%s", r->operation_id);
		if (route_in_proxy(r))
			ck_assert_msg(r->handler == HANDLER_FORWARD &&
			    r->body != BODY_MULTIPART, "%s", r->operation_id);
		for (k = 0; k < sizeof(in) / sizeof(in[0]); k++)
			if (strcmp(r->operation_id, in[k]) == 0)
				ck_assert_msg(route_in_proxy(r), "%s", in[k]);
		for (k = 0; k < sizeof(out) / sizeof(out[0]); k++)
			if (strcmp(r->operation_id, out[k]) == 0)
				ck_assert_msg(!route_in_proxy(r), "%s", out[k]);
	}
}
END_TEST

START_TEST(methods_of_a_path)
{
	char	allow[64];

	ck_assert(route_methods("/v1/files/f1", allow, sizeof(allow)));
	ck_assert_str_eq(allow, "GET, DELETE");
	ck_assert(route_methods("/v1/responses", allow, sizeof(allow)));
	ck_assert_str_eq(allow, "POST");
	ck_assert(!route_methods("/v1/nope", allow, sizeof(allow)));
	ck_assert_str_eq(allow, "");
	ck_assert(route_methods("/v1/models", NULL, 0));
}
END_TEST

/* Table-driven: method, path, expected result, expected template. */
static const struct {
	const char	*method;
	const char	*path;
	enum rerr	 rc;
	const char	*tmpl;
} cases[] = {
	{ "GET", "/health", RERR_OK, "/health" },
	{ "GET", "/", RERR_OK, "/" },
	{ "POST", "/v1/responses", RERR_OK, "/v1/responses" },
	{ "GET", "/v1/responses/resp_123", RERR_OK,
	    "/v1/responses/{response_id}" },
	{ "DELETE", "/v1/responses/resp_123", RERR_OK,
	    "/v1/responses/{response_id}" },
	{ "POST", "/v1/responses/compact", RERR_OK, "/v1/responses/compact" },
	{ "POST", "/v1/responses/resp_1/cancel", RERR_OK,
	    "/v1/responses/{response_id}/cancel" },
	{ "GET", "/v1/models/ft:gpt-4o-mini:org:abc", RERR_OK,
	    "/v1/models/{model}" },
	{ "GET", "/v1/models/ft%3Agpt-4o", RERR_OK, "/v1/models/{model}" },
	{ "GET", "/v1/vector_stores/vs_1/file_batches/b_2/files", RERR_OK,
	    "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files" },
	{ "GET", "/actions/system/info", RERR_OK, "/actions/system/info" },
	{ "PUT", "/v1/models", RERR_METHOD_NOT_ALLOWED, NULL },
	{ "PROPFIND", "/v1/files", RERR_METHOD_NOT_ALLOWED, NULL },
	{ "GET", "/v1/nope", RERR_NOT_FOUND, NULL },
	{ "GET", "/v1/models/", RERR_NOT_FOUND, NULL },
	{ "GET", "/v1/models/a/b", RERR_NOT_FOUND, NULL },
	{ "GET", "/V1/models", RERR_NOT_FOUND, NULL },
	{ "GET", "/v1//models", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/..", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/%2e%2e", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/a%2Fb", RERR_BAD_PATH, NULL },
	{ "GET", "/v1/files/a%00", RERR_BAD_PATH, NULL },
	{ "GET", "", RERR_BAD_PATH, NULL },
	{ "GET", "v1/models", RERR_BAD_PATH, NULL },
};

START_TEST(router_table_driven)
{
	const struct route	*r;
	char			 allow[64];
	enum rerr		 rc;

	rc = route_match(cases[_i].method, cases[_i].path, &r, allow,
	    sizeof(allow));
	ck_assert_msg(rc == cases[_i].rc, "%s %s: got %d want %d",
	    cases[_i].method, cases[_i].path, rc, cases[_i].rc);
	if (cases[_i].tmpl != NULL)
		ck_assert_str_eq(r->path, cases[_i].tmpl);
	else
		ck_assert_ptr_null(r);
}
END_TEST

START_TEST(allow_lists_every_method_of_the_path)
{
	const struct route	*r;
	char			 allow[64];

	ck_assert_int_eq(route_match("PATCH", "/v1/files/file_1", &r, allow,
	    sizeof(allow)), RERR_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(allow, "GET, DELETE");
	ck_assert_int_eq(route_match("GET", "/v1/embeddings", &r, allow,
	    sizeof(allow)), RERR_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(allow, "POST");
}
END_TEST

/*
 * deploy/lighttpd.conf takes bodies beyond the JSON cap only on the
 * paths of its authorizer block; every multipart route must be one of
 * them, or lighttpd's general limit would refuse its uploads.  The
 * block's regex is plain POSIX ERE, as lighttpd's PCRE reads it too.
 */
START_TEST(lighttpd_authorizes_every_upload_route)
{
	static const char	 marker[] = "$HTTP[\"url\"] =~ \"";
	char			 conf[16384], pattern[256], path[256];
	const char		*at, *end, *t;
	size_t			 n, i, o;
	regex_t			 re;
	FILE			*fp = fopen("deploy/lighttpd.conf", "r");

	ck_assert_msg(fp != NULL, "run from the repository root");
	n = fread(conf, 1, sizeof(conf) - 1, fp);
	fclose(fp);
	conf[n] = '\0';
	at = strstr(conf, marker);
	ck_assert_msg(at != NULL, "no $HTTP[\"url\"] =~ block");
	at += strlen(marker);
	end = strchr(at, '"');
	ck_assert(end != NULL && (size_t)(end - at) < sizeof(pattern));
	memcpy(pattern, at, (size_t)(end - at));
	pattern[end - at] = '\0';
	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	for (i = 0; i < routes_count; i++) {
		if (routes[i].body != BODY_MULTIPART &&
		    routes[i].body != BODY_MULTIPART_OR_JSON)
			continue;
		/* "{video_id}" becomes "x", as a real id would fill it. */
		for (t = routes[i].path, o = 0; *t != '\0' &&
		    o + 1 < sizeof(path); t++) {
			if (*t == '{') {
				t = strchr(t, '}');
				ck_assert_ptr_nonnull(t);
				path[o++] = 'x';
			} else
				path[o++] = *t;
		}
		path[o] = '\0';
		ck_assert_msg(regexec(&re, path, 0, NULL, 0) == 0,
		    "%s is outside lighttpd.conf's upload block", path);
	}
	regfree(&re);
}
END_TEST
void
route_sample_path(const struct route *r, char *buf, size_t bufsz)
{
	const char	*t = r->path;
	size_t		 o = 0;

	while (*t != '\0' && o + 8 < bufsz) {
		if (*t == '{') {
			memcpy(buf + o, "id_1", 4);
			o += 4;
			t = strchr(t, '}') + 1;
		} else
			buf[o++] = *t++;
	}
	buf[o] = '\0';
}

Suite *
route_suite(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("table");

	tcase_add_test(tc, operation_ids_unique_and_verb_first);
	tcase_add_test(tc, rows_unique_and_well_formed);
	tcase_add_test(tc, reads_are_not_consequential);
	tcase_add_test(tc, public_routes_are_the_originals);
	tcase_add_test(tc, every_bucket_has_a_name);
	tcase_add_test(tc, lighttpd_authorizes_every_upload_route);
	tcase_add_test(tc, proxy_allowlist_rows);
	tcase_add_test(tc, methods_of_a_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("router");
	tcase_add_loop_test(tc, router_table_driven, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, allow_lists_every_method_of_the_path);
	suite_add_tcase(s, tc);
	return s;
}
