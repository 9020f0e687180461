/*
 * The Actions wrappers: what a GPT can send (JSON, files as base64 or
 * as openaiFileIdRefs download links), turned into the requests OpenAI
 * documents.  Each wrapper's fields are a table checked by one function
 * (fields_check) before anything else happens; then its files are
 * decoded or downloaded into buffers capped by configuration; only then
 * are the parts built and sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <openssl/evp.h>
#include <strings.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/links.h"
#include "handlers/reply.h"
#include "handlers/upstream.h"
#include "policy/answer.h"
#include "policy/base64.h"
#include "policy/body.h"
#include "policy/config.h"
#include "policy/fetch.h"
#include "policy/headers.h"
#include "policy/mime.h"
#include "policy/route.h"
#include "policy/strlist.h"
#include "policy/util.h"
#include "policy/xalloc.h"

#define PATH_MAX_LEN	2048
#define FORM_PARTS_MAX	16

static const unsigned char PNG_MAGIC[8] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

/* What a field must hold. */
enum field_type {
	FIELD_STRING,
	FIELD_TEXT,	/* a string; an empty one counts as missing */
	FIELD_MIME,	/* a string fit for a part's Content-Type line */
	FIELD_BASE64,	/* a string; anything else is invalid_base64 */
	FIELD_INT,	/* a whole number, at most max */
	FIELD_SECONDS,	/* a whole number or a string of one ("8") */
	FIELD_SCALAR,	/* a string, number or boolean: form text */
	FIELD_ARRAY,
	FIELD_FORM_JSON,	/* form text, or an array or object of it */
};

/* One field of a wrapper's table; a row without a name is skipped. */
struct field {
	const char	*name;
	enum field_type	 type;
	bool		 required;
	const char	*allowed;	/* the list setting it must be on */
	long long	 max;		/* FIELD_INT: the largest value */
	bool		 form;		/* sent on as a form field of its own */
};

/* Why a wrapper refuses a request. */
struct refusal {
	enum rerr	 e;
	const char	*param;
	char		 reason[256];	/* "" for the catalogue's message */
};

/* The upstream path of a wrapper: its own path without "/actions". */
static void
upstream_path(const struct exchange *ex, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "/v1%s", ex->path + strlen("/v1/actions"));
}

static bool
refuse(struct refusal *why, enum rerr e, const char *param)
{
	why->e = e;
	why->param = param;
	why->reason[0] = '\0';
	return false;
}

/* The text a scalar is sent as in a form; NULL for anything else. */
static const char *
form_value(struct json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_boolean))
		return json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN);
	return NULL;
}

static bool
field_type_ok(enum field_type t, struct json_object *v)
{
	switch (t) {
	case FIELD_STRING:
	case FIELD_BASE64:
		return json_object_is_type(v, json_type_string);
	case FIELD_TEXT:
		return json_object_is_type(v, json_type_string) &&
		    json_object_get_string_len(v) > 0;
	case FIELD_MIME:
		/* libcurl writes it as given: a CR or LF would add headers. */
		return json_object_is_type(v, json_type_string) &&
		    headers_value_valid(json_object_get_string(v));
	case FIELD_INT:
		return json_object_is_type(v, json_type_int);
	case FIELD_SECONDS:
		return json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_string);
	case FIELD_SCALAR:
		return form_value(v) != NULL;
	case FIELD_ARRAY:
		return json_object_is_type(v, json_type_array);
	case FIELD_FORM_JSON:
		/* form_add_json checks what it holds as it builds the form. */
		return true;
	}
	return false;
}

/* "name must be one of: a, b, c", from the configured list. */
static void
one_of(const char *name, const struct strlist *list, char *buf, size_t bufsz)
{
	size_t	o = (size_t)snprintf(buf, bufsz, "%s must be one of: ", name);

	if (o < bufsz)
		strlist_join(list, ", ", buf + o, bufsz - o);
}

/*
 * Checks the fields of obj against the n rows of table, in order, and
 * puts each one's value (NULL when absent or null) in got[].  False at
 * the first field that is missing, of the wrong type, over its max or
 * not on its list, with why set.
 */
static bool
fields_check(const struct config *cfg, struct json_object *obj,
    const struct field *table, size_t n, struct json_object **got,
    struct refusal *why)
{
	const struct field	*f;
	const struct strlist	*list;
	struct json_object	*v;
	size_t			 i;

	for (i = 0; i < n; i++) {
		f = &table[i];
		got[i] = NULL;
		if (f->name == NULL)
			continue;
		if (!json_object_object_get_ex(obj, f->name, &v) || v == NULL ||
		    (f->type == FIELD_TEXT && json_object_is_type(v,
		    json_type_string) && json_object_get_string_len(v) == 0)) {
			if (!f->required)
				continue;
			refuse(why, RERR_MISSING_FIELD, f->name);
			snprintf(why->reason, sizeof(why->reason),
			    "%s is required", f->name);
			return false;
		}
		list = f->allowed ? config_list(cfg, f->allowed) : NULL;
		if (f->allowed != NULL && list == NULL)
			return refuse(why, RERR_INTERNAL, NULL);	/* a typo */
		if (!field_type_ok(f->type, v) || (list != NULL &&
		    !strlist_match(list, form_value(v)))) {
			refuse(why, f->type == FIELD_BASE64 ?
			    RERR_INVALID_BASE64 : RERR_INVALID_FIELD, f->name);
			if (list != NULL)
				one_of(f->name, list, why->reason,
				    sizeof(why->reason));
			return false;
		}
		if (f->type == FIELD_INT && f->max > 0 &&
		    json_object_get_int64(v) > f->max) {
			refuse(why, RERR_INVALID_FIELD, f->name);
			snprintf(why->reason, sizeof(why->reason),
			    "%s exceeds %lld", f->name, f->max);
			return false;
		}
		got[i] = v;
	}
	return true;
}

/* A string field's value, or NULL when it is absent. */
static const char *
text_of(struct json_object *v)
{
	return v != NULL ? json_object_get_string(v) : NULL;
}

/* Decodes base64 text into *bytes, at most cap of them. */
static bool
decode(const char *text, const char *param, size_t cap, char **bytes,
    size_t *len, struct refusal *why)
{
	enum base64_result	r = base64_decode(text, strlen(text), cap, bytes,
	    len);

	if (r == BASE64_OK)
		return true;
	return refuse(why, r == BASE64_EMPTY ? RERR_EMPTY_INPUT :
	    r == BASE64_TOO_LARGE ? RERR_INPUT_TOO_LARGE : RERR_INVALID_BASE64,
	    param);
}

static void
reply_refusal(struct exchange *ex, const struct refusal *why)
{
	reply_error_reason(ex, why->e, why->reason[0] ? why->reason : NULL,
	    why->param);
}

/*
 * POST /v1/actions/X/...: the JSON object goes as it is to /v1/X/...
 * (uploads create, complete and cancel, video remix); a cancel without a
 * body sends {}.
 */
void
action_json_handle(struct exchange *ex)
{
	char	path[PATH_MAX_LEN];

	upstream_path(ex, path, sizeof(path));
	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = path,
		.query = ex->query,
		.body = ex->body_len > 0 ? ex->body : "{}",
		.body_len = ex->body_len > 0 ? ex->body_len : 2,
		.content_type = "application/json",
	});
}

/* ---- files and upload parts */

enum { F_PURPOSE, F_FILENAME, F_MIME, F_DATA, F__MAX };

/* POST /v1/actions/files/upload {purpose, filename, mime_type?, data_base64} */
static const struct field file_fields[F__MAX] = {
	[F_PURPOSE] = { "purpose", FIELD_STRING, .required = true },
	[F_FILENAME] = { "filename", FIELD_STRING, .required = true },
	[F_MIME] = { "mime_type", FIELD_MIME },
	[F_DATA] = { "data_base64", FIELD_BASE64, .required = true },
};

/* POST /v1/actions/uploads/{id}/parts {data_base64, filename?, mime_type?} */
static const struct field part_fields[F__MAX] = {
	[F_FILENAME] = { "filename", FIELD_STRING },
	[F_MIME] = { "mime_type", FIELD_MIME },
	[F_DATA] = { "data_base64", FIELD_BASE64, .required = true },
};

/*
 * A file → multipart /v1/files {purpose, file}; an upload part →
 * multipart field "data" of /v1/uploads/{id}/parts.
 */
void
action_file_handle(struct exchange *ex)
{
	bool			 is_part = strstr(ex->path, "/parts") != NULL;
	struct json_object	*got[F__MAX];
	struct upstream_part	 parts[2];
	struct refusal		 why;
	const char		*purpose, *filename, *mime;
	char			 path[PATH_MAX_LEN], *bytes = NULL;
	size_t			 len, n = 0;

	if (!fields_check(ex->config, ex->json, is_part ? part_fields :
	    file_fields, F__MAX, got, &why) || !decode(text_of(got[F_DATA]),
	    "data_base64", (size_t)ex->config->actions_file_max, &bytes, &len,
	    &why)) {
		reply_refusal(ex, &why);
		return;
	}
	purpose = text_of(got[F_PURPOSE]);
	filename = text_of(got[F_FILENAME]);
	mime = text_of(got[F_MIME]);

	if (purpose != NULL)
		parts[n++] = (struct upstream_part){ "purpose", NULL, NULL,
		    purpose, strlen(purpose) };
	parts[n++] = (struct upstream_part){ is_part ? "data" : "file",
	    filename ? filename : "part.bin",
	    mime ? mime : "application/octet-stream", bytes, len };
	upstream_path(ex, path, sizeof(path));
	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = is_part ? path : "/v1/files",
		.query = ex->query,
		.parts = parts,
		.nparts = n,
	});
	free(bytes);
}

/*
 * Image answers for Actions.  OpenAI's image models answer in base64
 * (gpt-image-1 always does), megabytes that no Action can carry; the
 * wrappers keep each image behind a link (handlers/links.h) and answer
 * with the link and upstream's small fields instead.
 */

/* Room in a held image answer for everything but the images. */
#define IMAGES_ANSWER_OVERHEAD	(64 * 1024)
/* Images one request may ask for ("n"), as OpenAI allows. */
#define IMAGES_N_MAX		10
/* Upstream's members up to this size are passed on beside the links. */
#define SMALL_MEMBER_MAX	2048
/* A file's metadata, which the file wrapper reads first. */
#define FILE_META_MAX		(64 * 1024)

/* How many images to hold room for: "n" when it is 1..10, else 10. */
static size_t
images_count(struct json_object *obj)
{
	struct json_object	*v;
	int64_t			 n;

	if (!json_object_object_get_ex(obj, "n", &v) ||
	    !json_object_is_type(v, json_type_int))
		return json_object_object_get_ex(obj, "n", NULL) ?
		    IMAGES_N_MAX : 1;
	n = json_object_get_int64(v);
	return n >= 1 && n <= IMAGES_N_MAX ? (size_t)n : IMAGES_N_MAX;
}

static bool
small_member(struct json_object *v)
{
	size_t	len = 0;

	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	return len <= SMALL_MEMBER_MAX;
}

/* Copies from's small members into to, but for the one named skip. */
static void
copy_small(struct json_object *from, struct json_object *to,
    const char *skip)
{
	json_object_object_foreach(from, key, val) {
		if (strcmp(key, skip) != 0 && small_member(val))
			json_object_object_add(to, key, json_object_get(val));
	}
}

/* A whole answer for an Action, or answer_too_large if it is longer. */
static void
reply_for_action(struct exchange *ex, struct json_object *obj)
{
	size_t	len = 0;

	json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (len > ANSWER_ACTIONS_MAX)
		reply_error(ex, RERR_ANSWER_TOO_LARGE, NULL, NULL);
	else
		reply_json(ex, 200, obj);
}

/* Upstream's own answer (an error, say) as it came, if an Action can
 * read it. */
static void
relay_held(struct exchange *ex, const struct forward_answer *a)
{
	if (a->len > ANSWER_ACTIONS_MAX)
		reply_error(ex, RERR_ANSWER_TOO_LARGE, NULL, NULL);
	else
		forward_answer_send(ex, a);
}

/*
 * One image of upstream's data[] as the Action gets it: a link to the
 * decoded b64_json beside the item's small fields (revised_prompt), or
 * the item as it came when it has a URL of its own (dall-e).
 */
static enum rerr
image_link(struct exchange *ex, struct json_object *item, const char *type,
    struct json_object *into, const char **reason)
{
	struct json_object	*v, *out;
	char			*bytes = NULL, url[LINKS_URL_MAX];
	const char		*b64;
	size_t			 len = 0;
	long long		 expires_at = 0;
	enum base64_result	 r;
	enum rerr		 rc;

	if (!json_object_is_type(item, json_type_object)) {
		*reason = "Upstream request failed: an image in OpenAI's "
		    "answer is not an object.";
		return RERR_UPSTREAM_BAD_RESPONSE;
	}
	if (!json_object_object_get_ex(item, "b64_json", &v) || v == NULL) {
		json_object_array_add(into, json_object_get(item));
		return RERR_OK;
	}
	b64 = json_object_get_string(v);
	r = json_object_is_type(v, json_type_string) ? base64_decode(b64,
	    (size_t)json_object_get_string_len(v),
	    (size_t)ex->config->actions_image_max, &bytes, &len) :
	    BASE64_INVALID;
	if (r == BASE64_TOO_LARGE) {
		*reason = "Upstream request failed: an image OpenAI made is "
		    "larger than RELAY_ACTIONS_IMAGE_MAX.";
		return RERR_UPSTREAM_TOO_LARGE;
	}
	if (r != BASE64_OK) {
		*reason = "Upstream request failed: an image in OpenAI's "
		    "answer is not valid base64.";
		return RERR_UPSTREAM_BAD_RESPONSE;
	}
	if (type == NULL)
		type = mime_sniff_image(bytes, len);
	rc = links_put(ex, bytes, len, type ? type :
	    "application/octet-stream", url, sizeof(url), &expires_at);
	free(bytes);
	if (rc != RERR_OK)
		return rc;
	out = json_object_new_object();
	json_object_object_add(out, "url", json_object_new_string(url));
	json_object_object_add(out, "expires_at",
	    json_object_new_int64(expires_at));
	copy_small(item, out, "b64_json");
	json_object_array_add(into, out);
	return RERR_OK;
}

/*
 * Sends an image call upstream, holding its answer (room for as many
 * images as the request asks for, each up to RELAY_ACTIONS_IMAGE_MAX),
 * and answers with links in place of the base64.
 */
static void
images_answer_links(struct exchange *ex, const struct forward_call *call)
{
	size_t			 per_image = (size_t)ex->config->actions_image_max /
				    3 * 4 + 8;
	struct forward_answer	 a;
	struct body_facts	 facts;
	struct json_object	*root = NULL, *data, *out = NULL, *items, *fmt;
	const char		*reason = NULL, *type = NULL;
	enum rerr		 rc;
	size_t			 i;

	rc = forward_fetch(ex, call, images_count(ex->json) * per_image +
	    IMAGES_ANSWER_OVERHEAD, &a);
	if (rc != RERR_OK) {
		reply_error_reason(ex, rc, rc == RERR_UPSTREAM_TOO_LARGE ?
		    "Upstream request failed: OpenAI's images are larger than "
		    "RELAY_ACTIONS_IMAGE_MAX allows each." : NULL, NULL);
		return;
	}
	if (a.status != 200) {
		relay_held(ex, &a);
		goto out;
	}
	if (body_json_tree(a.body, a.len, &facts, &root) != RERR_OK ||
	    !json_object_object_get_ex(root, "data", &data) ||
	    !json_object_is_type(data, json_type_array)) {
		reply_error_reason(ex, RERR_UPSTREAM_BAD_RESPONSE, "Upstream "
		    "request failed: OpenAI's image answer has no data list.",
		    NULL);
		goto out;
	}
	if (json_object_object_get_ex(root, "output_format", &fmt) &&
	    json_object_is_type(fmt, json_type_string))
		type = mime_from_image_format(json_object_get_string(fmt));
	out = json_object_new_object();
	copy_small(root, out, "data");
	items = json_object_new_array();
	json_object_object_add(out, "data", items);
	for (i = 0; i < json_object_array_length(data); i++) {
		rc = image_link(ex, json_object_array_get_idx(data, i), type,
		    items, &reason);
		if (rc != RERR_OK) {
			reply_error_reason(ex, rc, reason, NULL);
			goto out;
		}
	}
	reply_for_action(ex, out);
out:
	json_object_put(out);
	json_object_put(root);
	forward_answer_free(&a);
}

/*
 * POST /v1/actions/images/generations: the JSON request goes to
 * /v1/images/generations as it is, and the answer comes back as links.
 * A stream cannot be turned into links, so it is refused.
 */
/* POST /v1/actions/images/generations: the JSON goes upstream as it is. */
static const struct field generation_fields[] = {
	{ "prompt", FIELD_TEXT, .required = true },
};

void
action_image_generation_handle(struct exchange *ex)
{
	struct json_object	*got[NELEM(generation_fields)];
	struct refusal		 why;

	if (!fields_check(ex->config, ex->json, generation_fields,
	    NELEM(generation_fields), got, &why)) {
		reply_refusal(ex, &why);
		return;
	}
	if (ex->facts.stream) {
		reply_error_reason(ex, RERR_INVALID_FIELD, "stream is not "
		    "supported here: the images come back whole, as links",
		    "stream");
		return;
	}
	images_answer_links(ex, &(struct forward_call){
		.method = "POST",
		.path = "/v1/images/generations",
		.query = ex->query,
		.body = ex->body,
		.body_len = ex->body_len,
		.content_type = "application/json",
	});
}

/* The file's type: upstream's when it names one, else from the name. */
static const char *
file_type(const struct forward_answer *content, const char *name)
{
	const char	*type;

	if (mime_is_specific(content->content_type))
		return content->content_type;
	if ((type = mime_from_name(name)) != NULL)
		return type;
	type = mime_sniff_image(content->body, content->len);
	return type ? type : "application/octet-stream";
}

/* Its content inline, ChatGPT's way: {name, mime_type, content}. */
static struct json_object *
file_inline(const struct forward_answer *content, const char *name,
    const char *type)
{
	struct json_object	*file = json_object_new_object();
	char			*b64 = xmalloc(4 * ((content->len + 2) / 3) + 1);
	int			 n;

	n = EVP_EncodeBlock((unsigned char *)b64,
	    (const unsigned char *)content->body, (int)content->len);
	json_object_object_add(file, "name", json_object_new_string(name));
	json_object_object_add(file, "mime_type", json_object_new_string(type));
	json_object_object_add(file, "content",
	    json_object_new_string_len(b64, n));
	free(b64);
	return file;
}

static const char FILE_TOO_LARGE[] = "The file is larger than "
    "RELAY_ACTIONS_FILE_MAX lets this action hold; an SDK can download it "
    "from GET /v1/files/{file_id}/content.";

/*
 * GET /v1/actions/files/{file_id}/content: the file's metadata (its
 * name), then its bytes, into the conversation as openaiFileResponse,
 * ChatGPT's documented shape (base64 inline); images, which that shape
 * does not take, and files too big for an Action's answer, as a link
 * (openaiFileResponse takes a URL for the latter).
 */
void
action_file_content_handle(struct exchange *ex)
{
	const char		*id = ex->path + strlen("/v1/actions/files/");
	struct forward_answer	 meta, content;
	struct body_facts	 facts;
	struct json_object	*info = NULL, *out = NULL, *files, *v;
	char			 path[PATH_MAX_LEN], url[LINKS_URL_MAX];
	const char		*name = "file", *type;
	int			 idlen = (int)strcspn(id, "/");
	long long		 expires_at = 0;
	size_t			 len = 0;
	enum rerr		 rc;

	memset(&content, 0, sizeof(content));
	snprintf(path, sizeof(path), "/v1/files/%.*s", idlen, id);
	rc = forward_fetch(ex, &(struct forward_call){ .method = "GET",
	    .path = path, .query = "" }, FILE_META_MAX, &meta);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return;
	}
	if (meta.status != 200) {
		relay_held(ex, &meta);
		goto out;
	}
	if (body_json_tree(meta.body, meta.len, &facts, &info) != RERR_OK) {
		reply_error(ex, RERR_UPSTREAM_BAD_RESPONSE, NULL, NULL);
		goto out;
	}
	if (json_object_object_get_ex(info, "filename", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		name = json_object_get_string(v);
	if (json_object_object_get_ex(info, "bytes", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > ex->config->actions_file_max) {
		reply_error_reason(ex, RERR_ANSWER_TOO_LARGE, FILE_TOO_LARGE,
		    NULL);
		goto out;
	}

	snprintf(path, sizeof(path), "/v1/files/%.*s/content", idlen, id);
	rc = forward_fetch(ex, &(struct forward_call){ .method = "GET",
	    .path = path, .query = "" }, (size_t)ex->config->actions_file_max,
	    &content);
	if (rc != RERR_OK) {
		reply_error_reason(ex, rc == RERR_UPSTREAM_TOO_LARGE ?
		    RERR_ANSWER_TOO_LARGE : rc, rc == RERR_UPSTREAM_TOO_LARGE ?
		    FILE_TOO_LARGE : NULL, NULL);
		goto out;
	}
	if (content.status != 200) {
		relay_held(ex, &content);
		goto out;
	}
	type = file_type(&content, name);

	out = json_object_new_object();
	if (json_object_object_get_ex(info, "id", &v))
		json_object_object_add(out, "id", json_object_get(v));
	json_object_object_add(out, "name", json_object_new_string(name));
	json_object_object_add(out, "mime_type", json_object_new_string(type));
	json_object_object_add(out, "bytes",
	    json_object_new_int64((int64_t)content.len));
	if (strncasecmp(type, "image/", 6) != 0 &&
	    4 * ((content.len + 2) / 3) < ANSWER_ACTIONS_MAX) {
		files = json_object_new_array();
		json_object_array_add(files, file_inline(&content, name, type));
		json_object_object_add(out, "openaiFileResponse", files);
		json_object_to_json_string_length(out, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		if (len <= ANSWER_ACTIONS_MAX) {
			reply_json(ex, 200, out);
			goto out;
		}
		json_object_object_del(out, "openaiFileResponse");
	}
	rc = links_put(ex, content.body, content.len, type, url, sizeof(url),
	    &expires_at);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		goto out;
	}
	json_object_object_add(out, "url", json_object_new_string(url));
	json_object_object_add(out, "expires_at",
	    json_object_new_int64(expires_at));
	/* ChatGPT takes no images in openaiFileResponse; other files by
	 * URL, which it fetches itself. */
	if (strncasecmp(type, "image/", 6) != 0) {
		files = json_object_new_array();
		json_object_array_add(files, json_object_new_string(url));
		json_object_object_add(out, "openaiFileResponse", files);
	}
	reply_for_action(ex, out);
out:
	json_object_put(out);
	json_object_put(info);
	forward_answer_free(&meta);
	forward_answer_free(&content);
}


/* ---- images */

enum {
	I_REFS, I_IMAGE_URL, I_IMAGE_BASE64, I_MASK_URL, I_MASK_BASE64,
	I_PROMPT, I_MODEL, I_N, I_SIZE, I_RESPONSE_FORMAT, I_USER, I_QUALITY,
	I_BACKGROUND, I_OUTPUT_FORMAT, I_OUTPUT_COMPRESSION, I_INPUT_FIDELITY,
	I__MAX
};

#define IMAGE_INPUTS \
	[I_REFS] = { "openaiFileIdRefs", FIELD_ARRAY }, \
	[I_IMAGE_URL] = { "image_url", FIELD_STRING }, \
	[I_IMAGE_BASE64] = { "image_base64", FIELD_STRING }, \
	[I_MASK_URL] = { "mask_url", FIELD_STRING }, \
	[I_MASK_BASE64] = { "mask_base64", FIELD_STRING }
#define FORM(name)	{ name, FIELD_SCALAR, .form = true }

/* POST /v1/actions/images/edits: the image, a mask, and the form. */
static const struct field edit_fields[I__MAX] = {
	IMAGE_INPUTS,
	[I_PROMPT] = { "prompt", FIELD_TEXT, .required = true, .form = true },
	[I_MODEL] = FORM("model"),
	[I_N] = FORM("n"),
	[I_SIZE] = FORM("size"),
	[I_RESPONSE_FORMAT] = FORM("response_format"),
	[I_USER] = FORM("user"),
	[I_QUALITY] = FORM("quality"),
	[I_BACKGROUND] = FORM("background"),
	[I_OUTPUT_FORMAT] = FORM("output_format"),
	[I_OUTPUT_COMPRESSION] = FORM("output_compression"),
	[I_INPUT_FIDELITY] = FORM("input_fidelity"),
};

/* POST /v1/actions/images/variations: the image and fewer fields. */
static const struct field variation_fields[I__MAX] = {
	IMAGE_INPUTS,
	[I_MODEL] = FORM("model"),
	[I_N] = FORM("n"),
	[I_SIZE] = FORM("size"),
	[I_RESPONSE_FORMAT] = FORM("response_format"),
	[I_USER] = FORM("user"),
};

/* One image input: a download link, a URL or base64. */
struct image_source {
	const char	*link;		/* openaiFileIdRefs[i].download_link */
	const char	*name;		/* openaiFileIdRefs[i].name */
	const char	*url;
	const char	*base64;
	const char	*url_param;	/* the fields named in errors */
	const char	*base64_param;
};

/* Reads openaiFileIdRefs[i] into src; -1 if present but malformed. */
static int
file_ref(struct json_object *refs, size_t i, struct image_source *src)
{
	struct json_object	*ref, *link, *name;

	if (refs == NULL || i >= json_object_array_length(refs))
		return 0;
	ref = json_object_array_get_idx(refs, i);
	if (!json_object_is_type(ref, json_type_object) ||
	    !json_object_object_get_ex(ref, "download_link", &link) ||
	    !json_object_is_type(link, json_type_string))
		return -1;
	if (json_object_object_get_ex(ref, "name", &name) && name != NULL) {
		if (!json_object_is_type(name, json_type_string))
			return -1;
		src->name = json_object_get_string(name);
	}
	src->link = json_object_get_string(link);
	return 1;
}

/* Loads src (downloaded or decoded, at most the image cap), a PNG. */
/*
 * A wrapper's input file into *bytes (the caller frees), at most cap
 * bytes: downloaded from url when it is not NULL (https, an allowed
 * host, decided before any connection), else decoded from base64.
 * param names the field in a refusal.
 */
static bool
input_load(struct exchange *ex, const char *url, const char *base64,
    const char *param, size_t cap, char **bytes, size_t *len,
    struct refusal *why)
{
	const struct config	*cfg = ex->config;
	enum upstream_result	 res;
	long			 status;

	if (url == NULL)
		return decode(base64, param, cap, bytes, len, why);
	/* Decided before any connection: no internal hosts. */
	if (!fetch_url_allowed(url, &cfg->fetch_hosts))
		return refuse(why, RERR_FETCH_REFUSED, param);
	res = upstream_download(ex->upstream, url,
	    cfg->fetch_ca_file[0] ? cfg->fetch_ca_file : NULL, cap,
	    cfg->fetch_timeout_s * 1000, NULL, bytes, len, &status);
	if (res == UPSTREAM_TOO_LARGE)
		return refuse(why, RERR_INPUT_TOO_LARGE, param);
	if (res != UPSTREAM_DONE || status != 200)
		return refuse(why, RERR_FETCH_FAILED, param);
	return true;
}

static bool
image_load(struct exchange *ex, const struct image_source *src,
    char **bytes, size_t *len, struct refusal *why)
{
	const char	*param = src->link ? "openaiFileIdRefs" :
	    src->url ? src->url_param : src->base64_param;

	if (!input_load(ex, src->link ? src->link : src->url, src->base64,
	    param, (size_t)ex->config->actions_image_max, bytes, len, why))
		return false;
	if (*len < sizeof(PNG_MAGIC) || memcmp(*bytes, PNG_MAGIC,
	    sizeof(PNG_MAGIC)) != 0)
		return refuse(why, RERR_NOT_PNG, param);
	return true;
}

/*
 * The image and (for edits) the mask, from openaiFileIdRefs, a URL or
 * base64, checked and loaded into their buffers (the caller frees them).
 */
static bool
images_load(struct exchange *ex, bool edits, struct json_object **got,
    struct image_source *image, struct image_source *mask, char **bytes,
    size_t *len, struct refusal *why)
{
	*image = (struct image_source){ .url = text_of(got[I_IMAGE_URL]),
	    .base64 = text_of(got[I_IMAGE_BASE64]), .url_param = "image_url",
	    .base64_param = "image_base64" };
	*mask = (struct image_source){ .url = text_of(got[I_MASK_URL]),
	    .base64 = text_of(got[I_MASK_BASE64]), .url_param = "mask_url",
	    .base64_param = "mask_base64" };
	if (file_ref(got[I_REFS], 0, image) == -1 || (edits &&
	    file_ref(got[I_REFS], 1, mask) == -1)) {
		refuse(why, RERR_MISSING_FIELD, "openaiFileIdRefs");
		snprintf(why->reason, sizeof(why->reason),
		    "openaiFileIdRefs[i].download_link is required");
		return false;
	}
	if (image->link == NULL && image->url == NULL && image->base64 == NULL)
		return refuse(why, RERR_MISSING_IMAGE, NULL);
	if (!image_load(ex, image, &bytes[0], &len[0], why))
		return false;
	if (!edits || (mask->link == NULL && mask->url == NULL &&
	    mask->base64 == NULL))
		return true;
	if (image_load(ex, mask, &bytes[1], &len[1], why))
		return true;
	if (why->e == RERR_NOT_PNG)
		snprintf(why->reason, sizeof(why->reason),
		    "Uploaded mask must be a PNG");
	return false;
}

/*
 * POST /v1/actions/images/edits and /variations → multipart
 * /v1/images/{edits,variations}: the image (and mask), then every form
 * field given.
 */
void
action_image_handle(struct exchange *ex)
{
	bool			 edits = strstr(ex->path, "/edits") != NULL;
	const struct field	*table = edits ? edit_fields : variation_fields;
	struct json_object	*got[I__MAX];
	struct image_source	 image, mask;
	struct upstream_part	 parts[FORM_PARTS_MAX];
	struct refusal		 why;
	char			*bytes[2] = { NULL, NULL };
	char			 path[PATH_MAX_LEN];
	const char		*text;
	size_t			 len[2] = { 0, 0 }, n = 0, i;

	if (!fields_check(ex->config, ex->json, table, I__MAX, got, &why) ||
	    !images_load(ex, edits, got, &image, &mask, bytes, len, &why)) {
		reply_refusal(ex, &why);
		goto out;
	}
	parts[n++] = (struct upstream_part){ "image",
	    image.name ? image.name : "image.png", "image/png", bytes[0],
	    len[0] };
	if (bytes[1] != NULL)
		parts[n++] = (struct upstream_part){ "mask",
		    mask.name ? mask.name : "mask.png", "image/png", bytes[1],
		    len[1] };
	for (i = 0; i < I__MAX; i++) {
		if (!table[i].form || got[i] == NULL)
			continue;
		text = form_value(got[i]);
		parts[n++] = (struct upstream_part){ table[i].name, NULL, NULL,
		    text, strlen(text) };
	}
	upstream_path(ex, path, sizeof(path));
	images_answer_links(ex, &(struct forward_call){
		.method = "POST",
		.path = path,
		.query = ex->query,
		.parts = parts,
		.nparts = n,
	});
out:
	free(bytes[0]);
	free(bytes[1]);
}

/* ---- videos */

enum {
	V_PROMPT, V_MODEL, V_SIZE, V_SECONDS, V_DURATION, V_FRAMES, V_REF,
	V_REF_ALIAS, V_MIME, V_FILENAME, V__MAX
};

/* POST /v1/actions/videos (and /generations, the original's name). */
static const struct field video_fields[V__MAX] = {
	[V_PROMPT] = { "prompt", FIELD_TEXT, .required = true },
	[V_MODEL] = { "model", FIELD_STRING, .allowed = "RELAY_VIDEO_MODELS" },
	[V_SIZE] = { "size", FIELD_STRING, .allowed = "RELAY_VIDEO_SIZES" },
	[V_SECONDS] = { "seconds", FIELD_SECONDS,
	    .allowed = "RELAY_VIDEO_SECONDS" },
	/* The original's fields and its limits on them. */
	[V_DURATION] = { "duration_seconds", FIELD_INT, .max = 30 },
	[V_FRAMES] = { "frames", FIELD_INT, .max = 300 },
	[V_REF] = { "input_reference_base64", FIELD_BASE64 },
	[V_REF_ALIAS] = { "data_base64", FIELD_BASE64 },
	[V_MIME] = { "mime_type", FIELD_MIME },
	[V_FILENAME] = { "filename", FIELD_STRING },
};

/* A checked video request: what goes upstream. */
struct video {
	const char	*prompt, *model, *size, *mime, *filename;
	char		 seconds[24];	/* "" when not given */
	char		*ref;		/* the decoded input reference */
	size_t		 reflen;
};

/*
 * Checks the request into *v: the table, then seconds taken from the
 * original's duration_seconds when only that is given, then the input
 * reference decoded (the caller frees v->ref).
 */
static bool
video_check(struct exchange *ex, struct video *v, struct refusal *why)
{
	const struct config	*cfg = ex->config;
	struct json_object	*got[V__MAX];
	const char		*ref_param = "input_reference_base64";

	memset(v, 0, sizeof(*v));
	if (!fields_check(cfg, ex->json, video_fields, V__MAX, got, why))
		return false;
	v->prompt = text_of(got[V_PROMPT]);
	v->model = text_of(got[V_MODEL]);
	v->size = text_of(got[V_SIZE]);
	v->mime = text_of(got[V_MIME]);
	v->filename = text_of(got[V_FILENAME]);
	if (got[V_SECONDS] != NULL)
		snprintf(v->seconds, sizeof(v->seconds), "%s",
		    form_value(got[V_SECONDS]));
	else if (got[V_DURATION] != NULL) {
		snprintf(v->seconds, sizeof(v->seconds), "%lld",
		    (long long)json_object_get_int64(got[V_DURATION]));
		if (!strlist_match(&cfg->video_seconds, v->seconds)) {
			refuse(why, RERR_INVALID_FIELD, "duration_seconds");
			one_of("duration_seconds", &cfg->video_seconds,
			    why->reason, sizeof(why->reason));
			return false;
		}
	}
	if (got[V_REF] == NULL && got[V_REF_ALIAS] != NULL) {
		got[V_REF] = got[V_REF_ALIAS];
		ref_param = "data_base64";
	}
	return got[V_REF] == NULL || decode(text_of(got[V_REF]), ref_param,
	    (size_t)cfg->actions_video_max, &v->ref, &v->reflen, why);
}

/* Multipart /v1/videos: the fields given, then the input reference. */
static void
video_send_form(struct exchange *ex, const struct video *v)
{
	struct upstream_part	parts[5];
	size_t			n = 0;

	parts[n++] = (struct upstream_part){ "prompt", NULL, NULL, v->prompt,
	    strlen(v->prompt) };
	if (v->model != NULL)
		parts[n++] = (struct upstream_part){ "model", NULL, NULL,
		    v->model, strlen(v->model) };
	if (v->size != NULL)
		parts[n++] = (struct upstream_part){ "size", NULL, NULL,
		    v->size, strlen(v->size) };
	if (v->seconds[0] != '\0')
		parts[n++] = (struct upstream_part){ "seconds", NULL, NULL,
		    v->seconds, strlen(v->seconds) };
	parts[n++] = (struct upstream_part){ "input_reference",
	    v->filename ? v->filename : "input_reference",
	    v->mime ? v->mime : "application/octet-stream", v->ref, v->reflen };
	forward_call(ex, &(struct forward_call){
		.method = "POST", .path = "/v1/videos",
		.query = ex->query, .parts = parts, .nparts = n,
	});
}

/* JSON /v1/videos with only OpenAI's own fields. */
static void
video_send_json(struct exchange *ex, const struct video *v)
{
	struct json_object	*body = json_object_new_object();
	const char		*text;
	size_t			 len;

	json_object_object_add(body, "prompt",
	    json_object_new_string(v->prompt));
	if (v->model != NULL)
		json_object_object_add(body, "model",
		    json_object_new_string(v->model));
	if (v->size != NULL)
		json_object_object_add(body, "size",
		    json_object_new_string(v->size));
	if (v->seconds[0] != '\0')
		json_object_object_add(body, "seconds",
		    json_object_new_string(v->seconds));
	text = json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	forward_call(ex, &(struct forward_call){
		.method = "POST", .path = "/v1/videos",
		.query = ex->query, .body = text, .body_len = len,
		.content_type = "application/json",
	});
	json_object_put(body);
}

/*
 * A prompt, model/size/seconds from the configured sets, the original's
 * frames and duration limits, and an optional base64 input reference:
 * JSON to /v1/videos, or multipart when there is a reference.
 */
void
action_video_handle(struct exchange *ex)
{
	struct video	v;
	struct refusal	why;

	if (!video_check(ex, &v, &why))
		reply_refusal(ex, &why);
	else if (v.ref != NULL)
		video_send_form(ex, &v);
	else
		video_send_json(ex, &v);
	free(v.ref);
}

/* ---- audio */

/* Form fields a wrapper builds, with the names it had to make, and
 * room for the file after them. */
#define AUDIO_FORM_MAX	48

struct form {
	struct upstream_part	 parts[AUDIO_FORM_MAX + 1];
	char			*names[AUDIO_FORM_MAX + 1];	/* owned */
	size_t			 n;
};

/* Adds one plain field (name becomes the form's); -1 when it is full. */
static int
form_add(struct form *f, char *name, const char *value)
{
	if (f->n == AUDIO_FORM_MAX) {
		free(name);
		return -1;
	}
	f->names[f->n] = name;
	f->parts[f->n] = (struct upstream_part){ name, NULL, NULL, value,
	    strlen(value) };
	f->n++;
	return 0;
}

/*
 * A JSON field as form fields, the way OpenAI's SDKs send them: a
 * scalar as itself, an array as repeated "name[]" fields, an object as
 * "name[key]" fields (keys of letters, digits and '_' only: they become
 * part of a header line).  -1 for anything else, or too many fields.
 */
static int
form_add_json(struct form *f, const char *name, struct json_object *v)
{
	const char	*text = form_value(v);
	size_t		 i;

	if (text != NULL)
		return form_add(f, xstrdup(name), text);
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			text = form_value(json_object_array_get_idx(v, i));
			if (text == NULL || form_add(f, xconcat(name, "[]",
			    (char *)NULL), text) == -1)
				return -1;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_object))
		return -1;
	json_object_object_foreach(v, key, member) {
		text = member ? form_value(member) : NULL;
		if (text == NULL || key[0] == '\0' || strspn(key,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_") != strlen(key) ||
		    form_add(f, xconcat(name, "[", key, "]",
		    (char *)NULL), text) == -1)
			return -1;
	}
	return 0;
}

static void
form_free(struct form *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		free(f->names[i]);
	f->n = 0;
}

enum {
	T_REFS, T_DATA, T_FILENAME, T_MIME, T_MODEL, T_LANGUAGE, T_PROMPT,
	T_RESPONSE_FORMAT, T_TEMPERATURE, T_TIMESTAMPS, T_INCLUDE,
	T_CHUNKING, T_LANGUAGES, T_KEYWORDS, T_SPEAKER_NAMES,
	T_SPEAKER_REFERENCES, T__MAX
};

#define AUDIO_FORM(name)	{ name, FIELD_FORM_JSON, .form = true }

/*
 * POST /v1/actions/audio/transcriptions {model, filename, mime_type?,
 * data_base64 or openaiFileIdRefs, and OpenAI's optional fields}.
 */
static const struct field transcription_fields[T__MAX] = {
	[T_REFS] = { "openaiFileIdRefs", FIELD_ARRAY },
	[T_DATA] = { "data_base64", FIELD_BASE64 },
	[T_FILENAME] = { "filename", FIELD_STRING },
	[T_MIME] = { "mime_type", FIELD_MIME },
	[T_MODEL] = { "model", FIELD_TEXT, .required = true, .form = true },
	[T_LANGUAGE] = AUDIO_FORM("language"),
	[T_PROMPT] = AUDIO_FORM("prompt"),
	[T_RESPONSE_FORMAT] = AUDIO_FORM("response_format"),
	[T_TEMPERATURE] = AUDIO_FORM("temperature"),
	[T_TIMESTAMPS] = AUDIO_FORM("timestamp_granularities"),
	[T_INCLUDE] = AUDIO_FORM("include"),
	[T_CHUNKING] = AUDIO_FORM("chunking_strategy"),
	[T_LANGUAGES] = AUDIO_FORM("languages"),
	[T_KEYWORDS] = AUDIO_FORM("keywords"),
	[T_SPEAKER_NAMES] = AUDIO_FORM("known_speaker_names"),
	[T_SPEAKER_REFERENCES] = AUDIO_FORM("known_speaker_references"),
};

/*
 * The audio's name (OpenAI tells the format by its extension) and type:
 * the request's, else those of the attached file.
 */
static bool
audio_naming(struct json_object **got, const struct image_source *ref,
    const char **filename, const char **mime, struct refusal *why)
{
	struct json_object	*v;

	*filename = got[T_FILENAME] ? text_of(got[T_FILENAME]) : ref->name;
	if (*filename == NULL || (*filename)[0] == '\0') {
		refuse(why, RERR_MISSING_FIELD, "filename");
		snprintf(why->reason, sizeof(why->reason), "filename (with the "
		    "audio's extension, e.g. talk.mp3) is required");
		return false;
	}
	*mime = text_of(got[T_MIME]);
	if (*mime == NULL && ref->link != NULL && json_object_object_get_ex(
	    json_object_array_get_idx(got[T_REFS], 0), "mime_type", &v) &&
	    v != NULL) {
		if (!field_type_ok(FIELD_MIME, v))
			return refuse(why, RERR_INVALID_FIELD, "mime_type");
		*mime = json_object_get_string(v);
	}
	return true;
}

/*
 * Builds multipart /v1/audio/transcriptions (never a stream: a GPT
 * reads the transcript whole); upstream's answer comes back as it is.
 */
void
action_transcription_handle(struct exchange *ex)
{
	struct json_object	*got[T__MAX];
	struct form		 form = { .n = 0 };
	struct image_source	 ref = { .url = NULL };	/* openaiFileIdRefs[0] */
	struct refusal		 why;
	const char		*filename, *mime;
	char			*bytes = NULL;
	size_t			 len = 0, i;

	if (!fields_check(ex->config, ex->json, transcription_fields, T__MAX,
	    got, &why))
		goto refused;
	if (file_ref(got[T_REFS], 0, &ref) == -1) {
		refuse(&why, RERR_MISSING_FIELD, "openaiFileIdRefs");
		snprintf(why.reason, sizeof(why.reason),
		    "openaiFileIdRefs[i].download_link is required");
		goto refused;
	}
	if (ref.link == NULL && got[T_DATA] == NULL) {
		refuse(&why, RERR_MISSING_FIELD, "data_base64");
		snprintf(why.reason, sizeof(why.reason), "The audio file is "
		    "required: openaiFileIdRefs or data_base64");
		goto refused;
	}
	if (!audio_naming(got, &ref, &filename, &mime, &why))
		goto refused;
	for (i = 0; i < T__MAX; i++)
		if (transcription_fields[i].form && got[i] != NULL &&
		    form_add_json(&form, transcription_fields[i].name,
		    got[i]) == -1) {
			refuse(&why, RERR_INVALID_FIELD,
			    transcription_fields[i].name);
			goto refused;
		}
	if (!input_load(ex, ref.link, text_of(got[T_DATA]), ref.link ?
	    "openaiFileIdRefs" : "data_base64",
	    (size_t)ex->config->actions_audio_max, &bytes, &len, &why))
		goto refused;
	form.names[form.n] = NULL;
	form.parts[form.n++] = (struct upstream_part){ "file", filename,
	    mime ? mime : "application/octet-stream", bytes, len };
	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = "/v1/audio/transcriptions",
		.query = ex->query,
		.parts = form.parts,
		.nparts = form.n,
	});
	goto out;
refused:
	reply_refusal(ex, &why);
out:
	form_free(&form);
	free(bytes);
}

enum {
	S_MODEL, S_INPUT, S_VOICE, S_INSTRUCTIONS, S_FORMAT, S_SPEED, S__MAX
};

/* POST /v1/actions/audio/speech: only OpenAI's fields go on. */
static const struct field speech_fields[S__MAX] = {
	[S_MODEL] = { "model", FIELD_TEXT, .required = true },
	[S_INPUT] = { "input", FIELD_TEXT, .required = true },
	[S_VOICE] = { "voice", FIELD_FORM_JSON, .required = true },
	[S_INSTRUCTIONS] = { "instructions", FIELD_STRING },
	[S_FORMAT] = { "response_format", FIELD_STRING },
	[S_SPEED] = { "speed", FIELD_SCALAR },
};

/* The answer to a GPT: where the audio is, never the audio. */
static void
speech_link_reply(struct exchange *ex, const struct forward_answer *a)
{
	struct json_object	*answer;
	const char		*ctype = a->content_type[0] ? a->content_type :
	    "application/octet-stream";
	char			 url[LINKS_URL_MAX];
	long long		 expires_at = 0;
	enum rerr		 rc;

	rc = links_put(ex, a->body, a->len, ctype, url, sizeof(url),
	    &expires_at);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return;
	}
	answer = json_object_new_object();
	json_object_object_add(answer, "url", json_object_new_string(url));
	json_object_object_add(answer, "expires_at",
	    json_object_new_int64(expires_at));
	json_object_object_add(answer, "content_type",
	    json_object_new_string(ctype));
	json_object_object_add(answer, "bytes",
	    json_object_new_int64((int64_t)a->len));
	reply_json(ex, 200, answer);
	json_object_put(answer);
}

/*
 * POST /v1/actions/audio/speech {model, input, voice, instructions?,
 * response_format?, speed?} -> JSON to /v1/audio/speech.  An Action
 * carries text, never audio: the audio is held (at most
 * RELAY_ACTIONS_AUDIO_MAX, else 502) and kept behind a short-lived link,
 * and the answer is {url, expires_at, content_type, bytes}.  An upstream
 * error passes through as it came; stream_format never goes upstream:
 * the audio comes whole.
 */
void
action_speech_handle(struct exchange *ex)
{
	struct json_object	*got[S__MAX], *body;
	struct forward_answer	 a;
	struct refusal		 why;
	const char		*text;
	size_t			 len, i;
	enum rerr		 rc;

	if (!fields_check(ex->config, ex->json, speech_fields, S__MAX, got,
	    &why)) {
		reply_refusal(ex, &why);
		return;
	}
	body = json_object_new_object();
	for (i = 0; i < S__MAX; i++)
		if (got[i] != NULL)
			json_object_object_add(body, speech_fields[i].name,
			    json_object_get(got[i]));
	text = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = forward_fetch(ex, &(struct forward_call){
		.method = "POST",
		.path = "/v1/audio/speech",
		.query = ex->query,
		.body = text,
		.body_len = len,
		.content_type = "application/json",
	}, (size_t)ex->config->actions_audio_max, &a);
	json_object_put(body);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return;
	}
	if (a.status < 200 || a.status >= 300)
		forward_answer_send(ex, &a);
	else
		speech_link_reply(ex, &a);
	forward_answer_free(&a);
}
