/*
 * The documents and /docs: both OpenAPI documents, generated per
 * request (servers[0].url depends on where the request came to), and
 * Swagger UI from the assets compiled in at build time.  Nothing here
 * ever calls upstream or loads anything at run time.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "openapi/embedded.h"
#include "openapi/openapi.h"
#include "openapi/origin.h"
#include "policy/config.h"
#include "policy/version.h"

#define DOCS_PAGE	"index.html"

static void
document(struct exchange *ex, enum openapi_doc doc)
{
	struct json_object	*root;
	char			*url;

	url = origin_server_url(ex->config->public_url, ex->scheme,
	    ex->host);
	root = openapi_build(doc, ex->config->relay_name, RELAY_VERSION, url);
	free(url);
	if (root == NULL) {
		reply_error(ex, RERR_INTERNAL, NULL, NULL);
		return;
	}
	reply_json(ex, 200, root);
	json_object_put(root);
}

void
docs_openapi(struct exchange *ex)
{
	document(ex, OPENAPI_FULL);
}

void
docs_openapi_actions(struct exchange *ex)
{
	document(ex, OPENAPI_ACTIONS);
}

static const struct embedded_file *
asset_find(const char *name)
{
	size_t	i;

	for (i = 0; i < docs_assets_count; i++)
		if (strcmp(docs_assets[i].name, name) == 0)
			return &docs_assets[i];
	return NULL;
}

static const char *
content_type(const char *name)
{
	const char	*dot = strrchr(name, '.');

	if (dot != NULL && strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (dot != NULL && strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	return "text/html; charset=utf-8";
}

/*
 * The page is revalidated on every load; the assets behind it may be
 * cached for a day.  Both carry a content hash as ETag, so a browser's
 * revalidation costs a 304.
 */
static void
asset_send(struct exchange *ex, const struct embedded_file *f,
    const char *cache_control)
{
	const char		*given = exchange_header(ex, "If-None-Match");
	struct reply_head	 h;
	char			 clen[32];
	bool			 fresh = given != NULL &&
				    strstr(given, f->etag) != NULL;

	snprintf(clen, sizeof(clen), "%lu", fresh ? 0UL :
	    (unsigned long)f->len);
	reply_head_init(&h, ex, fresh ? 304 : 200);
	if (!fresh) {
		reply_head_add(&h, "Content-Type", content_type(f->name));
		reply_head_add(&h, "Content-Length", clen);
	}
	reply_head_add(&h, "Cache-Control", cache_control);
	reply_head_add(&h, "ETag", f->etag);
	reply_head_add(&h, "X-Content-Type-Options", "nosniff");
	if (reply_head_send(ex, &h) == 0 && !fresh)
		reply_write(ex, f->data, f->len);
}

void
docs_page(struct exchange *ex)
{
	const struct embedded_file	*page = asset_find(DOCS_PAGE);

	if (page == NULL) {
		reply_error(ex, RERR_DOCS_UNAVAILABLE, NULL, NULL);
		return;
	}
	asset_send(ex, page, "no-cache");
}

void
docs_asset(struct exchange *ex)
{
	const char			*name = strrchr(ex->path, '/') + 1;
	const struct embedded_file	*f;

	/* The page itself lives at /docs, not /docs/index.html. */
	f = strcmp(name, DOCS_PAGE) == 0 ? NULL : asset_find(name);
	if (f == NULL) {
		reply_error(ex, docs_assets_count == 0 ?
		    RERR_DOCS_UNAVAILABLE : RERR_NOT_FOUND, NULL, NULL);
		return;
	}
	asset_send(ex, f, "public, max-age=86400");
}
