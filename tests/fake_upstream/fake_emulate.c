#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_blob.h"
#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_emulate.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_sse.h"
#include "tests/fake_upstream/fake_store.h"

/* Parts beyond this many are parsed (and recorded) but not looked at. */
#define CAPTURE_PARTS_MAX 1000
/* Form values are kept up to this size each, and this much in all. */
#define CAPTURE_VALUE_MAX 65536
#define CAPTURE_VALUES_TOTAL (4 * 1024 * 1024)
/* Path segments (ids) longer than this are not ours: the echo answers. */
#define SEG_MAX 512
/* Sizes of the generated downloads. */
#define VIDEO_BYTES 65536
#define THUMBNAIL_BYTES 4096
#define SPRITESHEET_BYTES 16384
#define CONTAINER_FILE_BYTES 4096
/* images "n" is honoured up to this. */
#define IMAGES_N_MAX 10

struct emul_part {
	char *name, *filename, *content_type;	/* NULL when absent */
	uint64_t length;
	struct buf value;	/* the bytes, unless cut or the kept part */
	int cut;
};

struct emul_capture {
	const char *keep_name;	/* part whose bytes go to kept, or NULL */
	struct emul_part *parts;
	size_t nparts, cap;
	long cur;		/* index of the part being read, -1: none */
	int storing;		/* cur's bytes go to kept */
	struct blob *kept;	/* the first keep_name part's bytes */
	size_t values_total;
	int complete;		/* closing delimiter seen */
};

/* ---- capture: a multipart sink ---- */

static char *dup_or_null(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

static void cap_begin(void *arg, const char *name, const char *filename,
		      const char *content_type)
{
	struct emul_capture *cap = arg;
	struct emul_part *p;

	cap->cur = -1;
	cap->storing = 0;
	if (cap->nparts >= CAPTURE_PARTS_MAX)
		return;
	if (cap->nparts == cap->cap) {
		cap->cap = cap->cap ? cap->cap * 2 : 8;
		cap->parts = xrealloc(cap->parts, cap->cap * sizeof(*cap->parts));
	}
	p = &cap->parts[cap->nparts];
	memset(p, 0, sizeof(*p));
	p->name = dup_or_null(name);
	p->filename = dup_or_null(filename);
	p->content_type = dup_or_null(content_type);
	cap->cur = (long)cap->nparts++;
	if (cap->keep_name != NULL && cap->kept == NULL && name != NULL &&
	    strcmp(name, cap->keep_name) == 0) {
		cap->kept = blob_new();
		cap->storing = 1;
	}
}

static void cap_data(void *arg, const char *data, size_t n)
{
	struct emul_capture *cap = arg;
	struct emul_part *p;

	if (cap->cur < 0)
		return;
	p = &cap->parts[cap->cur];
	p->length += n;
	if (cap->storing) {
		blob_write(cap->kept, data, n);
		return;
	}
	if (p->cut)
		return;
	if (p->value.len + n > CAPTURE_VALUE_MAX ||
	    cap->values_total + n > CAPTURE_VALUES_TOTAL) {
		p->cut = 1;
		return;
	}
	buf_append(&p->value, data, n);
	cap->values_total += n;
}

static void cap_end(void *arg)
{
	struct emul_capture *cap = arg;

	if (cap->storing)
		blob_finish(cap->kept);
	cap->storing = 0;
	cap->cur = -1;
}

static void cap_finish(void *arg, int complete)
{
	struct emul_capture *cap = arg;

	cap->complete = complete;
}

static const struct multipart_sink capture_sink = {
	.begin = cap_begin,
	.data = cap_data,
	.end = cap_end,
	.finish = cap_finish,
};

/* The first part with this name, or NULL. */
static const struct emul_part *part_find(const struct emul_capture *cap,
					 const char *name)
{
	for (size_t i = 0; cap != NULL && i < cap->nparts; i++)
		if (cap->parts[i].name != NULL && strcmp(cap->parts[i].name, name) == 0)
			return &cap->parts[i];
	return NULL;
}

/* The value of the first part with this name, or NULL (absent or cut). */
static const char *part_value(const struct emul_capture *cap, const char *name)
{
	const struct emul_part *p = part_find(cap, name);

	if (p == NULL || p->cut || (cap->keep_name && strcmp(name, cap->keep_name) == 0))
		return NULL;
	return p->value.data ? p->value.data : "";
}

void emul_capture_free(struct emul_capture *cap)
{
	if (cap == NULL)
		return;
	for (size_t i = 0; i < cap->nparts; i++) {
		free(cap->parts[i].name);
		free(cap->parts[i].filename);
		free(cap->parts[i].content_type);
		buf_free(&cap->parts[i].value);
	}
	free(cap->parts);
	blob_unref(cap->kept);
	free(cap);
}

/* ---- routing ---- */

/*
 * Matches path against pat, where each '*' stands for one non-empty
 * segment, copied into caps in order.
 */
static int match(const char *path, const char *pat, char caps[][SEG_MAX])
{
	int k = 0;

	while (*pat != '\0') {
		if (*pat == '*') {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= SEG_MAX)
				return 0;
			memcpy(caps[k], path, n);
			caps[k][n] = '\0';
			k++;
			path += n;
			pat++;
		} else {
			if (*path != *pat)
				return 0;
			path++;
			pat++;
		}
	}
	return *path == '\0';
}

struct emul_capture *emul_capture_new(const struct http_request *req,
				      struct multipart *mp)
{
	char caps[1][SEG_MAX];
	const char *keep = NULL;
	struct emul_capture *cap;

	if (mp == NULL || strcmp(req->method, "POST") != 0)
		return NULL;
	if (strcmp(req->path, "/v1/files") == 0)
		keep = "file";
	else if (match(req->path, "/v1/uploads/*/parts", caps))
		keep = "data";
	else if (strcmp(req->path, "/v1/images/edits") != 0 &&
		 strcmp(req->path, "/v1/images/variations") != 0 &&
		 strcmp(req->path, "/v1/audio/transcriptions") != 0 &&
		 strcmp(req->path, "/v1/audio/translations") != 0 &&
		 strcmp(req->path, "/v1/videos") != 0 &&
		 !match(req->path, "/v1/videos/*/remix", caps))
		return NULL;
	cap = xmalloc(sizeof(*cap));
	memset(cap, 0, sizeof(*cap));
	cap->keep_name = keep;
	cap->cur = -1;
	multipart_set_sink(mp, &capture_sink, cap);
	return cap;
}

/* ---- answers ---- */

static int send_error(struct respond_ctx *ctx, int status, const char *param,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int send_error(struct respond_ctx *ctx, int status, const char *param,
		      const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	json_object *e = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(e, "message", json_wire_string(msg, strlen(msg)));
	json_object_object_add(e, "type", json_object_new_string(
		status >= 500 ? "server_error" : "invalid_request_error"));
	json_object_object_add(e, "param", param ? json_object_new_string(param) : NULL);
	json_object_object_add(e, "code", NULL);
	json_object_object_add(o, "error", e);
	return respond_json(ctx, status, o);
}

static int send_store(struct respond_ctx *ctx, json_object *o,
		      const struct store_err *err)
{
	if (o == NULL)
		return send_error(ctx, err->status, err->param, "%s", err->message);
	return respond_json(ctx, 200, o);
}

static int missing(struct respond_ctx *ctx, const char *param)
{
	return send_error(ctx, 400, param, "Missing required parameter: '%s'.", param);
}

static int bad_json(struct respond_ctx *ctx)
{
	return send_error(ctx, 400, NULL,
		"We could not parse the JSON body of your request. (HINT: This "
		"likely means you aren't using your HTTP library correctly. The "
		"OpenAI API expects a JSON payload.)");
}

/* 0 if the request came as a whole multipart body, else answers 400. */
static int need_multipart(struct respond_ctx *ctx, int *rc)
{
	if (ctx->capture == NULL) {
		*rc = send_error(ctx, 400, NULL,
			"Invalid Content-Type header (%s), expected "
			"multipart/form-data with a boundary.",
			http_header_get(ctx->req, "Content-Type") ?
			http_header_get(ctx->req, "Content-Type") : "none");
		return -1;
	}
	if (!ctx->capture->complete) {
		*rc = send_error(ctx, 400, NULL,
			"The multipart/form-data body is malformed: its closing "
			"boundary is missing.");
		return -1;
	}
	return 0;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (o != NULL && json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of key in a URL query, %-decoded into out. 1 if present. */
static int query_get(const char *query, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && (p[klen] == '=' || p[klen] == '&' ||
						    p[klen] == '\0')) {
			const char *v = p[klen] == '=' ? p + klen + 1 : p + klen;
			size_t o = 0;

			while (*v != '\0' && *v != '&' && o + 1 < outlen) {
				int hi = *v == '%' ? hex_digit(v[1]) : -1;
				int lo = hi >= 0 ? hex_digit(v[2]) : -1;

				if (lo >= 0) {
					out[o++] = (char)(hi << 4 | lo);
					v += 3;
				} else {
					out[o++] = *v == '+' ? ' ' : *v;
					v++;
				}
			}
			out[o] = '\0';
			return 1;
		}
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return 0;
}

static void page_from_query(const char *query, struct store_page *pg, char *after,
			    size_t after_len)
{
	char v[64];

	memset(pg, 0, sizeof(*pg));
	if (query_get(query, "order", v, sizeof(v)))
		pg->ascending = strcmp(v, "asc") == 0;
	if (query_get(query, "limit", v, sizeof(v)))
		pg->limit = strtol(v, NULL, 10);
	if (query_get(query, "after", after, after_len) && after[0] != '\0')
		pg->after = after;
}

/* 1 and *out if s is a whole decimal integer. */
static int parse_int(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Starts a binary answer: status 200 and the given headers. */
static int send_bytes_head(struct respond_ctx *ctx, const char *ctype,
			   uint64_t len, uint64_t fnv, const char *disposition,
			   int *keep)
{
	struct buf b = { 0 };
	char hex[17];
	int rc;

	fnv1a64_hex(fnv, hex);
	http_head_begin(&b, 200);
	buf_printf(&b, "Content-Length: %llu\r\n", (unsigned long long)len);
	if (disposition != NULL)
		http_head_add(&b, "Content-Disposition", disposition);
	http_head_add(&b, "X-Fake-Fnv1a64", hex);
	*keep = respond_head_finish(&b, ctx, NULL, ctype, 0);
	ctx->status = 200;
	rc = io_write_all(ctx->conn->fd, b.data, b.len);
	buf_free(&b);
	return rc;
}

static int send_bytes(struct respond_ctx *ctx, const char *ctype,
		      const char *data, size_t len)
{
	int keep;

	if (send_bytes_head(ctx, ctype, len, fnv1a64_update(FNV1A64_INIT, data, len),
			    NULL, &keep) < 0 ||
	    io_write_all(ctx->conn->fd, data, len) < 0)
		return -1;
	ctx->bytes += len;
	return keep ? 0 : -1;
}

/*
 * n deterministic bytes for the pair (a, b), starting with magic: the
 * same request always downloads the same content.
 */
static char *made_up_bytes(const char *a, const char *b, const char *magic,
			   size_t magic_len, size_t n)
{
	uint64_t x = fnv1a64_update(FNV1A64_INIT, a, strlen(a) + 1);
	char *out = xmalloc(n);

	x = fnv1a64_update(x, b, strlen(b));
	if (x == 0)
		x = 1;
	for (size_t i = 0; i < n; i++) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = (char)(x >> 24);
	}
	memcpy(out, magic, magic_len < n ? magic_len : n);
	return out;
}

/* ---- files ---- */

static int files_create(struct respond_ctx *ctx)
{
	struct emul_capture *cap = ctx->capture;
	const struct emul_part *file;
	const char *purpose, *secs;
	int64_t expires_at = 0;
	long long s;
	int rc;

	if (need_multipart(ctx, &rc) < 0)
		return rc;
	purpose = part_value(cap, "purpose");
	if (purpose == NULL)
		return missing(ctx, "purpose");
	file = part_find(cap, "file");
	if (file == NULL)
		return missing(ctx, "file");
	if (file->filename == NULL)
		return send_error(ctx, 400, "file",
			"'file' must be a file upload: its part has no filename.");
	if (blob_failed(cap->kept))
		return send_error(ctx, 500, NULL,
				  "fake-upstream could not store the file.");
	secs = part_value(cap, "expires_after[seconds]");
	if (secs != NULL) {
		if (!parse_int(secs, &s) || s <= 0)
			return send_error(ctx, 400, "expires_after[seconds]",
				"Invalid value for 'expires_after[seconds]'.");
		expires_at = io_now_ms() / 1000 + s;
	}
	rc = respond_json(ctx, 200, store_file_add(file->filename, purpose,
						   expires_at, cap->kept));
	cap->kept = NULL;
	return rc;
}

/* Content-Disposition value with the name as a safe quoted-string. */
static char *disposition(const char *filename)
{
	struct buf b = { 0 };

	buf_puts(&b, "attachment; filename=\"");
	for (const char *p = filename; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f)
			buf_puts(&b, "_");
		else if (ch == '"' || ch == '\\')
			buf_printf(&b, "\\%c", ch);
		else
			buf_append(&b, p, 1);
	}
	buf_puts(&b, "\"");
	return b.data;
}

static int write_piece(void *arg, const void *p, size_t n)
{
	struct respond_ctx *ctx = arg;

	if (io_write_all(ctx->conn->fd, p, n) < 0)
		return -1;
	ctx->bytes += n;
	return 0;
}

static int files_content(struct respond_ctx *ctx, const char *id)
{
	struct store_err err;
	char *name = NULL, *disp;
	struct blob *b = store_file_content(id, &name, &err);
	int keep, rc;

	if (b == NULL)
		return send_error(ctx, err.status, err.param, "%s", err.message);
	disp = disposition(name);
	rc = send_bytes_head(ctx, "application/octet-stream", blob_length(b),
			     blob_fnv(b), disp, &keep);
	/* Streamed from memory or the spill file; a failure cuts it short. */
	if (rc == 0)
		rc = blob_each(b, write_piece, ctx);
	free(disp);
	free(name);
	blob_unref(b);
	return rc == 0 && keep ? 0 : -1;
}

static int files_list(struct respond_ctx *ctx)
{
	struct store_page pg;
	char after[SEG_MAX], purpose[256];
	int has_purpose = query_get(ctx->req->query, "purpose", purpose, sizeof(purpose));

	page_from_query(ctx->req->query, &pg, after, sizeof(after));
	return respond_json(ctx, 200,
		store_file_list(has_purpose && purpose[0] ? purpose : NULL, &pg));
}

/* ---- uploads ---- */

static int uploads_create(struct respond_ctx *ctx)
{
	json_object *j = ctx->req_json, *v, *exp;
	const char *filename, *purpose, *mime;
	int64_t file_expires_at = 0;

	if (j == NULL)
		return bad_json(ctx);
	if ((purpose = jstr(j, "purpose")) == NULL)
		return missing(ctx, "purpose");
	if ((filename = jstr(j, "filename")) == NULL)
		return missing(ctx, "filename");
	if (!json_object_object_get_ex(j, "bytes", &v))
		return missing(ctx, "bytes");
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return send_error(ctx, 400, "bytes",
			"Invalid value for 'bytes': expected a non-negative integer.");
	if ((mime = jstr(j, "mime_type")) == NULL)
		return missing(ctx, "mime_type");
	if (json_object_object_get_ex(j, "expires_after", &exp) && exp != NULL) {
		json_object *s;

		if (!json_object_is_type(exp, json_type_object) ||
		    !json_object_object_get_ex(exp, "seconds", &s) ||
		    !json_object_is_type(s, json_type_int) ||
		    json_object_get_int64(s) <= 0)
			return send_error(ctx, 400, "expires_after",
				"Invalid value for 'expires_after'.");
		file_expires_at = io_now_ms() / 1000 + json_object_get_int64(s);
	}
	return respond_json(ctx, 200, store_upload_create(filename, purpose,
		(uint64_t)json_object_get_int64(v), mime, file_expires_at));
}

static int uploads_part(struct respond_ctx *ctx, const char *id)
{
	struct emul_capture *cap = ctx->capture;
	struct store_err err;
	json_object *o;
	int rc;

	if (need_multipart(ctx, &rc) < 0)
		return rc;
	if (part_find(cap, "data") == NULL)
		return missing(ctx, "data");
	if (blob_failed(cap->kept))
		return send_error(ctx, 500, NULL,
				  "fake-upstream could not store the part.");
	o = store_upload_add_part(id, cap->kept, &err);
	cap->kept = NULL;
	return send_store(ctx, o, &err);
}

static int uploads_complete(struct respond_ctx *ctx, const char *id)
{
	json_object *j = ctx->req_json, *arr, *md5;
	const char **ids;
	struct store_err err;
	json_object *o;
	size_t n;

	if (j == NULL)
		return bad_json(ctx);
	if (!json_object_object_get_ex(j, "part_ids", &arr))
		return missing(ctx, "part_ids");
	if (!json_object_is_type(arr, json_type_array))
		return send_error(ctx, 400, "part_ids",
			"Invalid type for 'part_ids': expected an array of strings.");
	if (json_object_object_get_ex(j, "md5", &md5) && md5 != NULL &&
	    !json_object_is_type(md5, json_type_string))
		return send_error(ctx, 400, "md5",
			"Invalid type for 'md5': expected a string.");
	n = json_object_array_length(arr);
	ids = xmalloc((n ? n : 1) * sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_string)) {
			free(ids);
			return send_error(ctx, 400, "part_ids",
				"Invalid type for 'part_ids[%zu]': expected a string.", i);
		}
		ids[i] = json_object_get_string(e);
	}
	/* md5 is accepted but not checked: /__fake/files has the FNV-1a. */
	o = store_upload_complete(id, ids, n, &err);
	free(ids);
	return send_store(ctx, o, &err);
}

/* ---- images ---- */

/*
 * Answers as gpt-image-1 does: always base64, with the size, quality,
 * format and usage beside it.  Each image is deterministic for its
 * prompt, size and index, so the same request always draws the same
 * bytes: a tenth of a byte per pixel (1024x1024 gives 104,857 bytes,
 * 139,812 characters of base64, more than an Action's answer can carry)
 * behind the output format's signature.
 */
enum image_kind { IMAGE_GENERATION, IMAGE_EDIT, IMAGE_VARIATION };

static size_t image_bytes_for(const char *size)
{
	long w = 0, h = 0;

	if (size == NULL || strcmp(size, "auto") == 0 ||
	    sscanf(size, "%ldx%ld", &w, &h) != 2 || w < 64 || h < 64 ||
	    w > 4096 || h > 4096)
		w = h = 1024;
	return (size_t)(w * h / 10);
}

static int images(struct respond_ctx *ctx, enum image_kind kind)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	static const unsigned char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF";
	static const unsigned char webp[] = "RIFF\0\0\0\0WEBPVP8 ";
	const char *prompt, *size, *format, *quality, *model;
	const unsigned char *magic = png;
	size_t magic_len = sizeof(png) - 1, nbytes;
	json_object *r, *data, *nv, *usage;
	long long n = 1;
	char seed[64];
	int rc;

	if (kind == IMAGE_GENERATION) {
		if (ctx->req_json == NULL)
			return bad_json(ctx);
		if ((prompt = jstr(ctx->req_json, "prompt")) == NULL)
			return missing(ctx, "prompt");
		if (json_object_object_get_ex(ctx->req_json, "n", &nv) &&
		    json_object_is_type(nv, json_type_int))
			n = json_object_get_int64(nv);
		size = jstr(ctx->req_json, "size");
		format = jstr(ctx->req_json, "output_format");
		quality = jstr(ctx->req_json, "quality");
		model = jstr(ctx->req_json, "model");
	} else {
		if (need_multipart(ctx, &rc) < 0)
			return rc;
		if (part_find(ctx->capture, "image") == NULL &&
		    part_find(ctx->capture, "image[]") == NULL)
			return missing(ctx, "image");
		prompt = part_value(ctx->capture, "prompt");
		if (kind == IMAGE_EDIT && prompt == NULL)
			return missing(ctx, "prompt");
		if (prompt == NULL)
			prompt = "variation";
		if (!parse_int(part_value(ctx->capture, "n"), &n))
			n = 1;
		size = part_value(ctx->capture, "size");
		format = part_value(ctx->capture, "output_format");
		quality = part_value(ctx->capture, "quality");
		model = part_value(ctx->capture, "model");
	}
	if (n < 1 || n > IMAGES_N_MAX)
		n = 1;
	if (format != NULL && strcmp(format, "jpeg") == 0) {
		magic = jpeg;
		magic_len = sizeof(jpeg) - 1;
	} else if (format != NULL && strcmp(format, "webp") == 0) {
		magic = webp;
		magic_len = sizeof(webp) - 1;
	} else {
		format = "png";
	}
	nbytes = image_bytes_for(size);
	r = json_object_new_object();
	data = json_object_new_array();
	for (long long i = 0; i < n; i++) {
		json_object *img = json_object_new_object();
		char *bytes, *b64;

		snprintf(seed, sizeof(seed), "%s#%lld", size ? size : "auto", i);
		bytes = made_up_bytes(prompt, seed, (const char *)magic,
				      magic_len, nbytes);
		b64 = base64_encode(bytes, nbytes);
		json_object_object_add(img, "b64_json", json_object_new_string(b64));
		if (model != NULL && strcmp(model, "dall-e-3") == 0)
			json_object_object_add(img, "revised_prompt",
					       json_object_new_string(prompt));
		json_object_array_add(data, img);
		free(b64);
		free(bytes);
	}
	usage = json_object_new_object();
	json_object_object_add(usage, "input_tokens", json_object_new_int64(50));
	json_object_object_add(usage, "output_tokens",
			       json_object_new_int64(1056 * n));
	json_object_object_add(usage, "total_tokens",
			       json_object_new_int64(50 + 1056 * n));
	json_object_object_add(r, "created", json_object_new_int64(io_now_ms() / 1000));
	json_object_object_add(r, "background", json_object_new_string("opaque"));
	json_object_object_add(r, "data", data);
	json_object_object_add(r, "output_format", json_object_new_string(format));
	json_object_object_add(r, "quality",
			       json_object_new_string(quality ? quality : "high"));
	json_object_object_add(r, "size",
			       json_object_new_string(size ? size : "1024x1024"));
	json_object_object_add(r, "usage", usage);
	return respond_json(ctx, 200, r);
}

/* ---- videos ---- */

/* A string member, or an integer one as text (seconds may come as 8). */
static const char *jstr_or_int(json_object *o, const char *key, char *tmp,
			       size_t tmplen)
{
	json_object *v;

	if (o != NULL && json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_int)) {
		snprintf(tmp, tmplen, "%lld", (long long)json_object_get_int64(v));
		return tmp;
	}
	return jstr(o, key);
}

/* POST /v1/videos, or a remix of remix_of. */
static int videos_create(struct respond_ctx *ctx, const char *remix_of)
{
	const char *prompt, *model = NULL, *seconds = NULL, *size = NULL;
	struct store_err err;
	char tmp[32];
	int rc;

	if (ctx->capture != NULL) {
		if (need_multipart(ctx, &rc) < 0)
			return rc;
		prompt = part_value(ctx->capture, "prompt");
		if (remix_of == NULL) {
			model = part_value(ctx->capture, "model");
			seconds = part_value(ctx->capture, "seconds");
			size = part_value(ctx->capture, "size");
		}
	} else if (ctx->req_json != NULL) {
		prompt = jstr(ctx->req_json, "prompt");
		if (remix_of == NULL) {
			model = jstr(ctx->req_json, "model");
			seconds = jstr_or_int(ctx->req_json, "seconds", tmp, sizeof(tmp));
			size = jstr(ctx->req_json, "size");
		}
	} else {
		return bad_json(ctx);
	}
	if (prompt == NULL || prompt[0] == '\0')
		return missing(ctx, "prompt");
	return send_store(ctx, store_video_create(model, prompt, seconds, size,
						  remix_of, &err), &err);
}

static int videos_content(struct respond_ctx *ctx, const char *id)
{
	static const char mp4[] = "\0\0\0\030ftypmp42\0\0\0\0mp42isom";
	static const char jpeg[] = "\377\330\377\340\0\020JFIF\0\1\1\0\0\1\0\1\0\0";
	struct store_err err;
	json_object *v = store_video_get(id, &err);
	char variant[32], *data;
	const char *ctype;
	size_t n;
	int rc;

	if (!query_get(ctx->req->query, "variant", variant, sizeof(variant)))
		snprintf(variant, sizeof(variant), "video");
	if (strcmp(variant, "video") != 0 && strcmp(variant, "thumbnail") != 0 &&
	    strcmp(variant, "spritesheet") != 0) {
		json_object_put(v);
		return send_error(ctx, 400, "variant",
			"Invalid value for 'variant': expected one of video, "
			"thumbnail, spritesheet.");
	}
	if (v == NULL)
		return send_error(ctx, err.status, err.param, "%s", err.message);
	json_object_put(v);
	if (strcmp(variant, "video") == 0) {
		ctype = "video/mp4";
		n = VIDEO_BYTES;
		data = made_up_bytes(id, variant, mp4, sizeof(mp4) - 1, n);
	} else if (strcmp(variant, "thumbnail") == 0) {
		uint32_t riff = THUMBNAIL_BYTES - 8;
		char webp[16];

		memcpy(webp, "RIFF", 4);
		for (int i = 0; i < 4; i++)
			webp[4 + i] = (char)(riff >> (8 * i));
		memcpy(webp + 8, "WEBPVP8 ", 8);
		ctype = "image/webp";
		n = THUMBNAIL_BYTES;
		data = made_up_bytes(id, variant, webp, sizeof(webp), n);
	} else {
		ctype = "image/jpeg";
		n = SPRITESHEET_BYTES;
		data = made_up_bytes(id, variant, jpeg, sizeof(jpeg) - 1, n);
		data[n - 2] = (char)0xff;
		data[n - 1] = (char)0xd9;
	}
	rc = send_bytes(ctx, ctype, data, n);
	free(data);
	return rc;
}

static int videos_list(struct respond_ctx *ctx)
{
	struct store_page pg;
	char after[SEG_MAX];

	page_from_query(ctx->req->query, &pg, after, sizeof(after));
	return respond_json(ctx, 200, store_video_list(&pg));
}

static int container_content(struct respond_ctx *ctx, const char *cid,
			     const char *fid)
{
	char *data = made_up_bytes(cid, fid, "", 0, CONTAINER_FILE_BYTES);
	int rc = send_bytes(ctx, "application/octet-stream", data,
			    CONTAINER_FILE_BYTES);

	free(data);
	return rc;
}

/* ---- audio and moderations ---- */

/* The transcript of an upload: what it was, so tests see it arrived. */
static char *transcript_text(const struct emul_part *file)
{
	struct buf b = { 0 };

	buf_printf(&b, "Transcript of %s (%llu bytes).", file->filename,
		   (unsigned long long)file->length);
	return b.data;
}

/* Token usage; typed as transcriptions have it ("type": "tokens"). */
static json_object *audio_usage(int typed)
{
	json_object *u = json_object_new_object();

	if (typed)
		json_object_object_add(u, "type", json_object_new_string("tokens"));
	json_object_object_add(u, "input_tokens", json_object_new_int(AUDIO_INPUT_TOKENS));
	json_object_object_add(u, "output_tokens", json_object_new_int(AUDIO_OUTPUT_TOKENS));
	json_object_object_add(u, "total_tokens",
			       json_object_new_int(AUDIO_INPUT_TOKENS + AUDIO_OUTPUT_TOKENS));
	return u;
}

static int send_text(struct respond_ctx *ctx, const char *text)
{
	return send_bytes(ctx, "text/plain; charset=utf-8", text, strlen(text));
}

/*
 * The transcript as three transcript.text.delta events (its thirds) and
 * transcript.text.done with the usage, as gpt-4o-transcribe streams.
 */
static int transcript_stream(struct respond_ctx *ctx, const char *text)
{
	json_object *ev[4];
	size_t len = strlen(text), cut[4] = { 0, len / 3, 2 * len / 3, len };
	int rc;

	for (int i = 0; i < 3; i++) {
		ev[i] = json_object_new_object();
		json_object_object_add(ev[i], "type",
				       json_object_new_string("transcript.text.delta"));
		json_object_object_add(ev[i], "delta", json_object_new_string_len(
			text + cut[i], (int)(cut[i + 1] - cut[i])));
	}
	ev[3] = json_object_new_object();
	json_object_object_add(ev[3], "type", json_object_new_string("transcript.text.done"));
	json_object_object_add(ev[3], "text", json_object_new_string(text));
	json_object_object_add(ev[3], "usage", audio_usage(1));
	rc = sse_send_events(ctx, ev, 4, AUDIO_EVENT_INTERVAL_MS);
	for (int i = 0; i < 4; i++)
		json_object_put(ev[i]);
	return rc;
}

/* POST /v1/audio/transcriptions and /translations (translate set). */
static int audio_transcribe(struct respond_ctx *ctx, int translate)
{
	const struct emul_part *file;
	const char *format, *stream;
	json_object *r;
	char *text;
	int rc;

	if (need_multipart(ctx, &rc) < 0)
		return rc;
	file = part_find(ctx->capture, "file");
	if (file == NULL)
		return missing(ctx, "file");
	if (file->filename == NULL)
		return send_error(ctx, 400, "file",
			"'file' must be a file upload: its part has no filename.");
	if (part_value(ctx->capture, "model") == NULL)
		return missing(ctx, "model");
	format = part_value(ctx->capture, "response_format");
	stream = part_value(ctx->capture, "stream");
	text = transcript_text(file);
	if (!translate && stream != NULL && strcmp(stream, "true") == 0) {
		rc = transcript_stream(ctx, text);
	} else if (format != NULL && (strcmp(format, "text") == 0 ||
		   strcmp(format, "srt") == 0 || strcmp(format, "vtt") == 0)) {
		rc = send_text(ctx, text);
	} else {
		r = json_object_new_object();
		if (format != NULL && strcmp(format, "verbose_json") == 0) {
			json_object_object_add(r, "task", json_object_new_string(
				translate ? "translate" : "transcribe"));
			json_object_object_add(r, "language", json_object_new_string(
				translate ? "english" : "en"));
			json_object_object_add(r, "duration", json_object_new_double(1.5));
			json_object_object_add(r, "segments", json_object_new_array());
		}
		json_object_object_add(r, "text", json_object_new_string(text));
		if (!translate)
			json_object_object_add(r, "usage", audio_usage(1));
		rc = respond_json(ctx, 200, r);
	}
	free(text);
	return rc;
}

/* n bytes of speech, as fake_emulate.h describes them. */
static char *speech_bytes(size_t n)
{
	char *p = xmalloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		p[i] = (char)((i * 31 + 7) % 251);
	return p;
}

static const char *speech_type(const char *format)
{
	static const char *const types[][2] = {
		{ "mp3", "audio/mpeg" }, { "opus", "audio/opus" },
		{ "aac", "audio/aac" }, { "flac", "audio/flac" },
		{ "wav", "audio/wav" }, { "pcm", "audio/pcm" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(format, types[i][0]) == 0)
			return types[i][1];
	return NULL;
}

/* POST /v1/audio/speech: the bytes, or with stream_format sse events. */
static int audio_speech(struct respond_ctx *ctx)
{
	json_object *j = ctx->req_json, *voice, *ev[3];
	const char *input, *format, *ctype, *sf;
	size_t n;
	char *bytes, *b64;
	int rc;

	if (j == NULL)
		return bad_json(ctx);
	if ((input = jstr(j, "input")) == NULL)
		return missing(ctx, "input");
	if (!json_object_object_get_ex(j, "voice", &voice) || voice == NULL)
		return missing(ctx, "voice");
	if (jstr(j, "model") == NULL)
		return missing(ctx, "model");
	format = jstr(j, "response_format");
	ctype = speech_type(format ? format : "mp3");
	if (ctype == NULL)
		return send_error(ctx, 400, "response_format",
			"Invalid value for 'response_format'.");
	n = SPEECH_BYTES_BASE + SPEECH_BYTES_PER_CHAR * strlen(input);
	bytes = speech_bytes(n);
	sf = jstr(j, "stream_format");
	if (sf == NULL || strcmp(sf, "sse") != 0) {
		rc = send_bytes(ctx, ctype, bytes, n);
		free(bytes);
		return rc;
	}
	/* Two deltas (the halves, base64) and the done event. */
	for (int i = 0; i < 2; i++) {
		ev[i] = json_object_new_object();
		b64 = base64_encode(bytes + i * (n / 2), i == 0 ? n / 2 : n - n / 2);
		json_object_object_add(ev[i], "type",
				       json_object_new_string("speech.audio.delta"));
		json_object_object_add(ev[i], "audio", json_object_new_string(b64));
		free(b64);
	}
	ev[2] = json_object_new_object();
	json_object_object_add(ev[2], "type", json_object_new_string("speech.audio.done"));
	json_object_object_add(ev[2], "usage", audio_usage(0));
	rc = sse_send_events(ctx, ev, 3, AUDIO_EVENT_INTERVAL_MS);
	for (int i = 0; i < 3; i++)
		json_object_put(ev[i]);
	free(bytes);
	return rc;
}

/* POST /v1/moderations: one unflagged result per input. */
static int moderations(struct respond_ctx *ctx)
{
	json_object *j = ctx->req_json, *input, *r, *results;
	size_t n = 1;
	const char *model;

	if (j == NULL)
		return bad_json(ctx);
	if (!json_object_object_get_ex(j, "input", &input) || input == NULL)
		return missing(ctx, "input");
	if (json_object_is_type(input, json_type_array))
		n = json_object_array_length(input);
	model = jstr(j, "model");
	r = json_object_new_object();
	results = json_object_new_array();
	json_object_object_add(r, "id", json_object_new_string("modr-fake"));
	json_object_object_add(r, "model", json_object_new_string(
		model ? model : "omni-moderation-latest"));
	for (size_t i = 0; i < n; i++) {
		json_object *res = json_object_new_object();
		json_object *cats = json_object_new_object();
		json_object *scores = json_object_new_object();

		json_object_object_add(cats, "violence", json_object_new_boolean(0));
		json_object_object_add(scores, "violence", json_object_new_double(0.001));
		json_object_object_add(res, "flagged", json_object_new_boolean(0));
		json_object_object_add(res, "categories", cats);
		json_object_object_add(res, "category_scores", scores);
		json_object_array_add(results, res);
	}
	json_object_object_add(r, "results", results);
	return respond_json(ctx, 200, r);
}

int emul_respond(struct respond_ctx *ctx, int *rc)
{
	const char *path = ctx->req->path, *m = ctx->req->method;
	int get = strcmp(m, "GET") == 0;
	int post = strcmp(m, "POST") == 0;
	int del = strcmp(m, "DELETE") == 0;
	char caps[2][SEG_MAX];
	struct store_err err;

	if (strncmp(path, "/v1/", 4) != 0)
		return 0;
	if (strcmp(path, "/v1/files") == 0 && post)
		*rc = files_create(ctx);
	else if (strcmp(path, "/v1/files") == 0 && get)
		*rc = files_list(ctx);
	else if (match(path, "/v1/files/*", caps) && get)
		*rc = send_store(ctx, store_file_get(caps[0], &err), &err);
	else if (match(path, "/v1/files/*", caps) && del)
		*rc = send_store(ctx, store_file_delete(caps[0], &err), &err);
	else if (match(path, "/v1/files/*/content", caps) && get)
		*rc = files_content(ctx, caps[0]);
	else if (strcmp(path, "/v1/uploads") == 0 && post)
		*rc = uploads_create(ctx);
	else if (match(path, "/v1/uploads/*/parts", caps) && post)
		*rc = uploads_part(ctx, caps[0]);
	else if (match(path, "/v1/uploads/*/complete", caps) && post)
		*rc = uploads_complete(ctx, caps[0]);
	else if (match(path, "/v1/uploads/*/cancel", caps) && post)
		*rc = send_store(ctx, store_upload_cancel(caps[0], &err), &err);
	else if (strcmp(path, "/v1/images/generations") == 0 && post)
		*rc = images(ctx, IMAGE_GENERATION);
	else if (strcmp(path, "/v1/images/edits") == 0 && post)
		*rc = images(ctx, IMAGE_EDIT);
	else if (strcmp(path, "/v1/images/variations") == 0 && post)
		*rc = images(ctx, IMAGE_VARIATION);
	else if (strcmp(path, "/v1/videos") == 0 && post)
		*rc = videos_create(ctx, NULL);
	else if (strcmp(path, "/v1/videos") == 0 && get)
		*rc = videos_list(ctx);
	else if (match(path, "/v1/videos/*", caps) && get)
		*rc = send_store(ctx, store_video_get(caps[0], &err), &err);
	else if (match(path, "/v1/videos/*", caps) && del)
		*rc = send_store(ctx, store_video_delete(caps[0], &err), &err);
	else if (match(path, "/v1/videos/*/remix", caps) && post)
		*rc = videos_create(ctx, caps[0]);
	else if (match(path, "/v1/videos/*/content", caps) && get)
		*rc = videos_content(ctx, caps[0]);
	else if (match(path, "/v1/containers/*/files/*/content", caps) && get)
		*rc = container_content(ctx, caps[0], caps[1]);
	else if (strcmp(path, "/v1/audio/transcriptions") == 0 && post)
		*rc = audio_transcribe(ctx, 0);
	else if (strcmp(path, "/v1/audio/translations") == 0 && post)
		*rc = audio_transcribe(ctx, 1);
	else if (strcmp(path, "/v1/audio/speech") == 0 && post)
		*rc = audio_speech(ctx);
	else if (strcmp(path, "/v1/moderations") == 0 && post)
		*rc = moderations(ctx);
	else
		return 0;
	return 1;
}
