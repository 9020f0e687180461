/*
 * The Actions wrappers: what a GPT can send (JSON, files as base64 or
 * as openaiFileIdRefs download links), turned into the requests OpenAI
 * documents.  Every check runs before anything goes upstream; files are
 * decoded into buffers capped by configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "handlers/upstream.h"
#include "policy/base64.h"
#include "policy/config.h"
#include "policy/fetch.h"
#include "policy/headers.h"
#include "policy/route.h"

#define PATH_MAX_LEN	2048
#define FORM_PARTS_MAX	16

static const unsigned char PNG_MAGIC[8] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

/* The upstream path of a wrapper: its own path without "/actions". */
static void
upstream_path(const struct exchange *ex, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "/v1%s", ex->path + strlen("/v1/actions"));
}

/* A string field: 1 present, 0 absent (or null), -1 of another type. */
static int
string_field(struct json_object *obj, const char *key, const char **out)
{
	struct json_object	*v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	return 1;
}

/*
 * The "mime_type" field, sent as a part's Content-Type header line,
 * which libcurl writes as given: 1 present, 0 absent, -1 not a string or
 * holding a control character (a CR or LF would add part headers).
 */
static int
mime_type_field(struct json_object *obj, const char **out)
{
	int	rc = string_field(obj, "mime_type", out);

	return rc == 1 && !headers_value_valid(*out) ? -1 : rc;
}

/* The text a scalar field is sent as in a form; NULL for non-scalars. */
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

static enum rerr
decode_error(enum base64_result r)
{
	switch (r) {
	case BASE64_EMPTY:
		return RERR_EMPTY_INPUT;
	case BASE64_TOO_LARGE:
		return RERR_INPUT_TOO_LARGE;
	default:
		return RERR_INVALID_BASE64;
	}
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

/*
 * POST /v1/actions/files/upload {purpose, filename, mime_type?,
 * data_base64} → multipart /v1/files; POST
 * /v1/actions/uploads/{id}/parts {data_base64, filename?, mime_type?}
 * → multipart field "data" of /v1/uploads/{id}/parts.
 */
void
action_file_handle(struct exchange *ex)
{
	struct upstream_part	 parts[2];
	const char		*purpose = NULL, *filename, *mime, *data;
	char			 path[PATH_MAX_LEN], *bytes = NULL;
	bool			 is_part = strstr(ex->path, "/parts") != NULL;
	size_t			 len, n = 0;
	enum base64_result	 r;

	if (!is_part && string_field(ex->json, "purpose", &purpose) != 1) {
		reply_error(ex, RERR_MISSING_FIELD, "purpose", NULL);
		return;
	}
	if (string_field(ex->json, "filename", &filename) == -1 ||
	    (!is_part && filename == NULL)) {
		reply_error(ex, RERR_MISSING_FIELD, "filename", NULL);
		return;
	}
	if (mime_type_field(ex->json, &mime) == -1) {
		reply_error(ex, RERR_INVALID_FIELD, "mime_type", NULL);
		return;
	}
	if (string_field(ex->json, "data_base64", &data) != 1) {
		reply_error(ex, RERR_MISSING_FIELD, "data_base64", NULL);
		return;
	}
	r = base64_decode(data, strlen(data),
	    (size_t)ex->config->actions_file_max, &bytes, &len);
	if (r != BASE64_OK) {
		reply_error(ex, decode_error(r), "data_base64", NULL);
		return;
	}

	if (!is_part)
		parts[n++] = (struct upstream_part){ "purpose", NULL, NULL,
		    purpose, strlen(purpose) };
	parts[n++] = (struct upstream_part){ is_part ? "data" : "file",
	    filename ? filename : "part.bin",
	    mime ? mime : "application/octet-stream", bytes, len };
	if (is_part)
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

/* One image input: a download link, a URL or base64, into *bytes. */
struct image_source {
	const char	*link;		/* openaiFileIdRefs[i].download_link */
	const char	*name;		/* openaiFileIdRefs[i].name */
	const char	*url;
	const char	*base64;
	const char	*url_param;	/* the fields named in errors */
	const char	*base64_param;
};

static enum rerr
image_load(struct exchange *ex, const struct image_source *src,
    char **bytes, size_t *len, const char **param)
{
	const struct config	*cfg = ex->config;
	const char		*url = src->link ? src->link : src->url;
	enum base64_result	 r;
	enum upstream_result	 res;
	long			 status;

	*param = src->link ? "openaiFileIdRefs" : src->url ? src->url_param :
	    src->base64_param;
	if (url != NULL) {
		/* Decided before any connection: no internal hosts. */
		if (!fetch_url_allowed(url, cfg->fetch_hosts))
			return RERR_FETCH_REFUSED;
		res = upstream_download(ex->upstream, url,
		    cfg->fetch_ca_file[0] ? cfg->fetch_ca_file : NULL,
		    (size_t)cfg->actions_image_max, cfg->fetch_timeout_s * 1000,
		    bytes, len, &status);
		if (res == UPSTREAM_TOO_LARGE)
			return RERR_INPUT_TOO_LARGE;
		if (res != UPSTREAM_DONE || status != 200)
			return RERR_FETCH_FAILED;
	} else {
		r = base64_decode(src->base64, strlen(src->base64),
		    (size_t)cfg->actions_image_max, bytes, len);
		if (r != BASE64_OK)
			return decode_error(r);
	}
	if (*len < sizeof(PNG_MAGIC) || memcmp(*bytes, PNG_MAGIC,
	    sizeof(PNG_MAGIC)) != 0)
		return RERR_NOT_PNG;
	return RERR_OK;
}

/* Reads openaiFileIdRefs[i] into src; -1 if present but malformed. */
static int
file_ref(struct json_object *refs, size_t i, struct image_source *src)
{
	struct json_object	*ref;

	if (refs == NULL || i >= json_object_array_length(refs))
		return 0;
	ref = json_object_array_get_idx(refs, i);
	if (!json_object_is_type(ref, json_type_object) ||
	    string_field(ref, "download_link", &src->link) != 1 ||
	    string_field(ref, "name", &src->name) == -1)
		return -1;
	return 1;
}

/*
 * POST /v1/actions/images/edits and /variations: the image (and, for
 * edits, the mask) from openaiFileIdRefs, a URL or base64; the other
 * fields as form fields; multipart to /v1/images/{edits,variations}.
 */
void
action_image_handle(struct exchange *ex)
{
	static const char *const edit_fields[] = {
		"prompt", "model", "n", "size", "response_format", "user",
		"quality", "background", "output_format", "output_compression",
		"input_fidelity",
	};
	static const char *const variation_fields[] = {
		"model", "n", "size", "response_format", "user",
	};
	bool			 edits = strstr(ex->path, "/edits") != NULL;
	const char *const	*fields = edits ? edit_fields : variation_fields;
	size_t			 nfields = edits ? 11 : 5;
	struct image_source	 image = { .url_param = "image_url",
	    .base64_param = "image_base64" };
	struct image_source	 mask = { .url_param = "mask_url",
	    .base64_param = "mask_base64" };
	struct upstream_part	 parts[FORM_PARTS_MAX];
	struct json_object	*refs = NULL, *v;
	char			*image_bytes = NULL, *mask_bytes = NULL;
	char			 path[PATH_MAX_LEN];
	const char		*param = NULL, *prompt;
	size_t			 image_len = 0, mask_len = 0, n = 0, i;
	enum rerr		 rc = RERR_OK;
	bool			 has_mask;

	if (json_object_object_get_ex(ex->json, "openaiFileIdRefs", &refs) &&
	    refs != NULL && !json_object_is_type(refs, json_type_array)) {
		reply_error(ex, RERR_INVALID_FIELD, "openaiFileIdRefs", NULL);
		return;
	}
	if (file_ref(refs, 0, &image) == -1 || (edits &&
	    file_ref(refs, 1, &mask) == -1)) {
		reply_error_reason(ex, RERR_MISSING_FIELD, "openaiFileIdRefs"
		    "[i].download_link is required", "openaiFileIdRefs");
		return;
	}
	if (string_field(ex->json, "image_url", &image.url) == -1 ||
	    string_field(ex->json, "image_base64", &image.base64) == -1 ||
	    string_field(ex->json, "mask_url", &mask.url) == -1 ||
	    string_field(ex->json, "mask_base64", &mask.base64) == -1 ||
	    (edits && string_field(ex->json, "prompt", &prompt) == -1)) {
		reply_error(ex, RERR_INVALID_FIELD, NULL, NULL);
		return;
	}
	if (image.link == NULL && image.url == NULL && image.base64 == NULL) {
		reply_error(ex, RERR_MISSING_IMAGE, NULL, NULL);
		return;
	}
	if (edits && (string_field(ex->json, "prompt", &prompt) != 1 ||
	    prompt[0] == '\0')) {
		reply_error_reason(ex, RERR_MISSING_FIELD, "prompt is required",
		    "prompt");
		return;
	}

	rc = image_load(ex, &image, &image_bytes, &image_len, &param);
	has_mask = edits && (mask.link || mask.url || mask.base64);
	if (rc == RERR_OK && has_mask) {
		rc = image_load(ex, &mask, &mask_bytes, &mask_len, &param);
		if (rc == RERR_NOT_PNG) {
			reply_error_reason(ex, rc, "Uploaded mask must be a PNG",
			    param);
			goto out;
		}
	}
	if (rc != RERR_OK) {
		reply_error(ex, rc, param, NULL);
		goto out;
	}

	parts[n++] = (struct upstream_part){ "image",
	    image.name ? image.name : "image.png", "image/png", image_bytes,
	    image_len };
	if (has_mask)
		parts[n++] = (struct upstream_part){ "mask",
		    mask.name ? mask.name : "mask.png", "image/png",
		    mask_bytes, mask_len };
	for (i = 0; i < nfields; i++) {
		const char *text;

		if (!json_object_object_get_ex(ex->json, fields[i], &v) ||
		    v == NULL)
			continue;
		text = form_value(v);
		if (text == NULL) {
			reply_error(ex, RERR_INVALID_FIELD, fields[i], NULL);
			goto out;
		}
		parts[n++] = (struct upstream_part){ fields[i], NULL, NULL,
		    text, strlen(text) };
	}
	upstream_path(ex, path, sizeof(path));
	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = path,
		.query = ex->query,
		.parts = parts,
		.nparts = n,
	});
out:
	free(image_bytes);
	free(mask_bytes);
}

/* Whether value is one of the comma-separated items of list. */
static bool
listed(const char *list, const char *value)
{
	size_t	len, vlen = strlen(value);

	while (*list != '\0') {
		len = strcspn(list, ",");
		if (len == vlen && strncmp(list, value, len) == 0)
			return true;
		list += len + (list[len] == ',');
	}
	return false;
}

/* "field must be one of: a, b, c" from a configured list. */
static void
one_of(const char *field, const char *list, char *buf, size_t bufsz)
{
	size_t	o;

	o = (size_t)snprintf(buf, bufsz, "%s must be one of: ", field);
	for (; *list != '\0' && o + 3 < bufsz; list++) {
		buf[o++] = *list;
		if (*list == ',')
			buf[o++] = ' ';
	}
	buf[o < bufsz ? o : bufsz - 1] = '\0';
}

/* An integer field: 1 present, 0 absent, -1 of another type. */
static int
int_field(struct json_object *obj, const char *key, long long *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 1;
}

/*
 * POST /v1/actions/videos (and /generations, the original's name): a
 * prompt, model/size/seconds from the configured sets, the original's
 * frames and duration limits, and an optional base64 input_reference;
 * JSON to /v1/videos, or multipart when there is a reference.
 */
void
action_video_handle(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct upstream_part	 parts[6];
	struct json_object	*body = NULL, *v;
	const char		*prompt, *model, *size, *ref64, *name, *mime;
	char			 reason[256], seconds[24], *ref = NULL;
	long long		 secs = 0, frames = 0, duration = 0;
	size_t			 reflen = 0, n = 0;
	enum base64_result	 r;
	int			 has_secs, has_duration;

	if (string_field(ex->json, "prompt", &prompt) != 1 ||
	    prompt[0] == '\0') {
		reply_error_reason(ex, RERR_MISSING_FIELD, "prompt is required",
		    "prompt");
		return;
	}
	if (string_field(ex->json, "model", &model) == -1 ||
	    (model != NULL && !listed(cfg->video_models, model))) {
		one_of("model", cfg->video_models, reason, sizeof(reason));
		reply_error_reason(ex, RERR_INVALID_FIELD, reason, "model");
		return;
	}
	if (string_field(ex->json, "size", &size) == -1 ||
	    (size != NULL && !listed(cfg->video_sizes, size))) {
		one_of("size", cfg->video_sizes, reason, sizeof(reason));
		reply_error_reason(ex, RERR_INVALID_FIELD, reason, "size");
		return;
	}
	/* seconds as a number or a string ("8"), as OpenAI spells it. */
	seconds[0] = '\0';
	has_secs = int_field(ex->json, "seconds", &secs);
	if (has_secs == -1 && json_object_object_get_ex(ex->json, "seconds",
	    &v) && json_object_is_type(v, json_type_string)) {
		snprintf(seconds, sizeof(seconds), "%s",
		    json_object_get_string(v));
		has_secs = 1;
	} else if (has_secs == 1)
		snprintf(seconds, sizeof(seconds), "%lld", secs);
	has_duration = int_field(ex->json, "duration_seconds", &duration);
	if (has_secs == 0 && has_duration == 1) {
		snprintf(seconds, sizeof(seconds), "%lld", duration);
		has_secs = 1;
	}
	if (has_secs == -1 || has_duration == -1 ||
	    (has_secs == 1 && !listed(cfg->video_seconds, seconds))) {
		one_of("seconds", cfg->video_seconds, reason, sizeof(reason));
		reply_error_reason(ex, RERR_INVALID_FIELD, reason, "seconds");
		return;
	}
	if (has_duration == 1 && duration > 30) {
		reply_error_reason(ex, RERR_INVALID_FIELD,
		    "duration_seconds exceeds 30", "duration_seconds");
		return;
	}
	if (int_field(ex->json, "frames", &frames) == -1 || frames > 300) {
		reply_error_reason(ex, RERR_INVALID_FIELD, "frames exceeds 300",
		    "frames");
		return;
	}
	if (string_field(ex->json, "input_reference_base64", &ref64) == -1 ||
	    (ref64 == NULL && string_field(ex->json, "data_base64",
	    &ref64) == -1)) {
		reply_error(ex, RERR_INVALID_BASE64, "input_reference_base64",
		    NULL);
		return;
	}
	if (mime_type_field(ex->json, &mime) == -1) {
		reply_error(ex, RERR_INVALID_FIELD, "mime_type", NULL);
		return;
	}
	if (ref64 != NULL) {
		r = base64_decode(ref64, strlen(ref64),
		    (size_t)cfg->actions_video_max, &ref, &reflen);
		if (r != BASE64_OK) {
			reply_error(ex, decode_error(r), "input_reference_base64",
			    NULL);
			return;
		}
	}

	if (ref != NULL) {
		string_field(ex->json, "filename", &name);
		parts[n++] = (struct upstream_part){ "prompt", NULL, NULL,
		    prompt, strlen(prompt) };
		if (model != NULL)
			parts[n++] = (struct upstream_part){ "model", NULL,
			    NULL, model, strlen(model) };
		if (size != NULL)
			parts[n++] = (struct upstream_part){ "size", NULL,
			    NULL, size, strlen(size) };
		if (has_secs == 1)
			parts[n++] = (struct upstream_part){ "seconds", NULL,
			    NULL, seconds, strlen(seconds) };
		parts[n++] = (struct upstream_part){ "input_reference",
		    name ? name : "input_reference",
		    mime ? mime : "application/octet-stream", ref, reflen };
		forward_call(ex, &(struct forward_call){
			.method = "POST", .path = "/v1/videos",
			.query = ex->query, .parts = parts, .nparts = n,
		});
		free(ref);
		return;
	}

	/* Only OpenAI's own fields go upstream. */
	body = json_object_new_object();
	json_object_object_add(body, "prompt", json_object_new_string(prompt));
	if (model != NULL)
		json_object_object_add(body, "model",
		    json_object_new_string(model));
	if (size != NULL)
		json_object_object_add(body, "size",
		    json_object_new_string(size));
	if (has_secs == 1)
		json_object_object_add(body, "seconds",
		    json_object_new_string(seconds));
	{
		size_t		 len;
		const char	*text = json_object_to_json_string_length(body,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);

		forward_call(ex, &(struct forward_call){
			.method = "POST", .path = "/v1/videos",
			.query = ex->query, .body = text, .body_len = len,
			.content_type = "application/json",
		});
	}
	json_object_put(body);
}
