/*
 * The OpenAPI documents and /docs through a real front server: served
 * without a key, generated from the route table, valid according to a
 * real OpenAPI validator (tests/openapi/validate.js), servers[0].url
 * from the request's origin or RELAY_PUBLIC_URL, and Swagger UI really
 * rendering the operations in headless Chromium.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json.h>

#include "policy/route.h"
#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define VALIDATOR	"tests/openapi/validate.js"
/* What Swagger UI 5 renders for each operation. */
#define RENDERED_OP	"class=\"opblock-summary-path\""
#define RENDERED_GET	"class=\"opblock opblock-get"

static void
get(const char *target, const char *const *headers, struct response *r)
{
	ck_assert_msg(http_request(integ_frontend->base_url, "GET", target,
	    headers, NULL, 0, r) == 0, "no HTTP answer for %s", target);
}

/* GETs a document (no key) and returns it parsed; the caller puts it. */
static struct json_object *
fetch_document(const char *target, const char *const *headers,
    size_t *size)
{
	struct json_object	*doc;
	struct response		 r;
	char			*ct;

	get(target, headers, &r);
	ck_assert_msg(r.status == 200, "%s: %ld %s", target, r.status, r.body);
	ct = response_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	doc = response_json(&r);
	ck_assert_msg(doc != NULL, "%s is not JSON", target);
	if (size != NULL)
		*size = r.body_len;
	response_free(&r);
	return doc;
}

static const char *
server_url(struct json_object *doc)
{
	struct json_object	*servers, *url;

	ck_assert(json_object_object_get_ex(doc, "servers", &servers));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(servers,
	    0), "url", &url));
	return json_object_get_string(url);
}

static size_t
count_operations(struct json_object *doc, bool *has_route, size_t nroutes)
{
	struct json_object	*paths, *op, *id;
	size_t			 n = 0, i;

	ck_assert(json_object_object_get_ex(doc, "paths", &paths));
	json_object_object_foreach(paths, path, item) {
		(void)path;
		json_object_object_foreach(item, method, val) {
			(void)method;
			op = val;
			n++;
			ck_assert(json_object_object_get_ex(op, "operationId",
			    &id));
			for (i = 0; i < nroutes; i++)
				if (strcmp(routes[i].operation_id,
				    json_object_get_string(id)) == 0)
					has_route[i] = true;
		}
	}
	return n;
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Writes text to dir/name; returns the path in buf. */
static void
write_temp(const char *dir, const char *name, const char *text, char *buf,
    size_t bufsz)
{
	FILE	*fp;

	snprintf(buf, bufsz, "%s/%s", dir, name);
	fp = fopen(buf, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(documents_are_public_and_follow_the_table)
{
	struct json_object	*full, *actions;
	bool			 in_full[256] = { false };
	bool			 in_actions[256] = { false };
	size_t			 i, nfull, nactions, want = 0;
	size_t			 full_size, actions_size;

	ck_assert_uint_le(routes_count, 256);
	full = fetch_document("/openapi.json", NULL, &full_size);
	actions = fetch_document("/openapi.actions.json", NULL, &actions_size);
	nfull = count_operations(full, in_full, routes_count);
	nactions = count_operations(actions, in_actions, routes_count);
	ck_assert_uint_eq(nfull, routes_count);
	for (i = 0; i < routes_count; i++) {
		ck_assert_msg(in_full[i], "%s", routes[i].operation_id);
		ck_assert_msg(in_actions[i] == route_in_actions(&routes[i]),
		    "%s", routes[i].operation_id);
		want += route_in_actions(&routes[i]);
	}
	ck_assert_uint_eq(nactions, want);
	ck_assert_uint_le(nactions, 30);
	ck_assert_uint_lt(actions_size, 1024 * 1024);
	/* No RELAY_PUBLIC_URL: the origin this request came to. */
	ck_assert_str_eq(server_url(full), integ_frontend->base_url);
	ck_assert_str_eq(server_url(actions), integ_frontend->base_url);
	printf("%s: /openapi.json %zu bytes, %zu operations; "
	    "/openapi.actions.json %zu bytes, %zu operations\n",
	    frontend_name(integ_frontend->kind), full_size, nfull,
	    actions_size, nactions);
	json_object_put(full);
	json_object_put(actions);
}
END_TEST

START_TEST(documents_pass_the_openapi_validator)
{
	struct response	 full, actions;
	char		 dir[] = "/tmp/relay-openapi-XXXXXX";
	char		 fpath[128], apath[128], cmd[512];
	int		 rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	get("/openapi.json", NULL, &full);
	get("/openapi.actions.json", NULL, &actions);
	ck_assert_int_eq(full.status, 200);
	ck_assert_int_eq(actions.status, 200);
	write_temp(dir, "openapi.json", full.body, fpath, sizeof(fpath));
	write_temp(dir, "openapi.actions.json", actions.body, apath,
	    sizeof(apath));
	response_free(&full);
	response_free(&actions);
	snprintf(cmd, sizeof(cmd), "node " VALIDATOR " %s %s", fpath, apath);
	rc = system(cmd);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	ck_assert_msg(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
	    "OpenAPI validator failed (%d); run make check to install it",
	    rc);
}
END_TEST

START_TEST(server_url_follows_a_plain_host_only)
{
	const char *const	 good[] = { "Host: relay.example.net:8443",
	    NULL };
	const char *const	 bad[] = { "Host: evil.example/x", NULL };
	struct json_object	*doc;
	struct response		 r;
	const char		*url;

	doc = fetch_document("/openapi.actions.json", good, NULL);
	ck_assert_str_eq(server_url(doc), "http://relay.example.net:8443");
	json_object_put(doc);

	/* A Host that is not a host name never reaches the document. */
	get("/openapi.actions.json", bad, &r);
	if (r.status == 200) {
		doc = response_json(&r);
		ck_assert_ptr_nonnull(doc);
		url = server_url(doc);
		ck_assert_msg(strstr(url, "evil") == NULL, "%s", url);
		ck_assert_msg(strcmp(url, "/") == 0 ||
		    strncmp(url, "http://", 7) == 0, "%s", url);
		json_object_put(doc);
	} else {
		/* The front server refused it first: also fine. */
		ck_assert_int_eq(r.status, 400);
	}
	response_free(&r);
}
END_TEST

START_TEST(docs_serves_its_page_and_assets)
{
	const char		*revalidate[2];
	char			 inm[128];
	struct response		 r;
	char			*ct, *cc, *etag;

	get("/docs", NULL, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/html; charset=utf-8");
	free(ct);
	ck_assert_ptr_nonnull(strstr(r.body, "docs/swagger-ui-bundle.js"));
	ck_assert_ptr_nonnull(strstr(r.body, "openapi.json"));
	response_free(&r);

	get("/docs/swagger-ui.css", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/css; charset=utf-8");
	cc = response_header(&r, "Cache-Control");
	ck_assert_ptr_nonnull(strstr(cc, "max-age="));
	etag = response_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	ck_assert_uint_gt(r.body_len, 10000);
	free(ct);
	free(cc);
	response_free(&r);

	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	free(etag);
	revalidate[0] = inm;
	revalidate[1] = NULL;
	get("/docs/swagger-ui.css", revalidate, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.body_len, 0);
	response_free(&r);

	get("/docs/swagger-ui-bundle.js", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/javascript; charset=utf-8");
	free(ct);
	ck_assert_uint_gt(r.body_len, 100000);
	response_free(&r);

	get("/docs/no-such-asset.js", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\""));
	response_free(&r);
}
END_TEST

/* Counts the occurrences of needle in hay. */
static size_t
count_of(const char *hay, const char *needle)
{
	size_t	n = 0;

	for (hay = strstr(hay, needle); hay != NULL;
	    hay = strstr(hay + 1, needle))
		n++;
	return n;
}

START_TEST(docs_render_in_chromium)
{
	char	 dir[] = "/tmp/relay-chromium-XXXXXX";
	char	 cmd[1024], chunk[65536];
	char	*dom = NULL;
	size_t	 len = 0, n, ops = 0, i;
	FILE	*p;
	int	 rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* Real, offline headless Chromium: it must fetch /docs, its assets
	 * and /openapi.json from the relay and build the operation list. */
	snprintf(cmd, sizeof(cmd), "timeout 120 chromium --headless "
	    "--no-sandbox --disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update "
	    "--disable-sync --user-data-dir=%s --virtual-time-budget=8000 "
	    "--dump-dom %s/docs 2>/dev/null", dir, integ_frontend->base_url);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		dom = realloc(dom, len + n + 1);
		ck_assert_ptr_nonnull(dom);
		memcpy(dom + len, chunk, n);
		len += n;
		dom[len] = '\0';
	}
	rc = pclose(p);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	ck_assert_msg(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0 &&
	    dom != NULL, "chromium failed (%d); is it installed?", rc);

	for (i = 0; i < routes_count; i++)
		ops += routes[i].method == METHOD_GET;
	/* One rendered block per row of the table, GETs among them. */
	ck_assert_msg(count_of(dom, RENDERED_OP) == routes_count,
	    "%zu operations rendered, want %zu", count_of(dom, RENDERED_OP),
	    routes_count);
	ck_assert_uint_eq(count_of(dom, RENDERED_GET), ops);
	ck_assert_ptr_nonnull(strstr(dom, "data-path=\"/v1/responses\""));
	ck_assert_ptr_nonnull(strstr(dom, "Create a model response."));
	ck_assert_ptr_nonnull(strstr(dom, "OpenAI relay"));
	free(dom);
}
END_TEST

/* Served and generated through each front server (the origin it passes
 * on names the server). */
void
add_documents_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("documents");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, documents_are_public_and_follow_the_table);
	tcase_add_test(tc, server_url_follows_a_plain_host_only);
	tcase_add_test(tc, docs_serves_its_page_and_assets);
	suite_add_tcase(s, tc);
}

/* What a validator and a browser make of the documents: the same bytes
 * behind any front server and from any build, so checked once. */
void
add_documents_validated_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("documents-validated");

	(void)kind;
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, documents_pass_the_openapi_validator);
	tcase_add_test(tc, docs_render_in_chromium);
	suite_add_tcase(s, tc);
}
