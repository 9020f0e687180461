#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_store.h"

#define ID_MAX 40
/* An Upload expires an hour after it was created, as OpenAI's do. */
#define UPLOAD_TTL_S 3600

struct sfile {
	char id[ID_MAX];
	char *filename, *purpose;
	int64_t created_at;
	int64_t expires_at;	/* 0: none */
	struct blob *data;
};

struct spart {
	char id[ID_MAX];
	struct blob *data;
};

enum upload_status { UP_PENDING, UP_COMPLETING, UP_COMPLETED, UP_CANCELLED };

struct supload {
	char id[ID_MAX];
	char *filename, *purpose, *mime_type;
	uint64_t bytes;
	int64_t created_at;
	int64_t file_expires_at;
	enum upload_status status;
	struct spart *parts;
	size_t nparts, parts_cap;
};

struct svideo {
	char id[ID_MAX];
	char *model, *prompt, *seconds, *size;
	char remixed_from[ID_MAX];	/* "" if not a remix */
	int64_t created_at;
};

/* A growable array of pointers. */
struct vec {
	void **items;
	size_t n, cap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vec files, uploads, videos;
static uint64_t next_file = 1, next_upload = 1, next_part = 1, next_video = 1;

static void vec_push(struct vec *v, void *item)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->items = xrealloc(v->items, v->cap * sizeof(*v->items));
	}
	v->items[v->n++] = item;
}

static void vec_remove(struct vec *v, size_t i)
{
	memmove(v->items + i, v->items + i + 1, (v->n - i - 1) * sizeof(*v->items));
	v->n--;
}

static char *dup_or_empty(const char *s)
{
	return xstrndup(s ? s : "", s ? strlen(s) : 0);
}

static int64_t now_s(void)
{
	return io_now_ms() / 1000;
}

static void set_err(struct store_err *err, int status, const char *param,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_err(struct store_err *err, int status, const char *param,
		    const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->param = param;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Ids come off the wire; shown in messages only up to this many bytes. */
#define SHOWN_ID 100

static void not_found(struct store_err *err, const char *what, const char *id)
{
	set_err(err, 404, "id", "No such %s object: %.*s", what, SHOWN_ID, id);
}

static json_object *str(const char *s)
{
	return json_wire_string(s, strlen(s));
}

/* Paging over any vec of objects whose first member is the id. */
static json_object *page_list(const struct vec *v, const struct store_page *pg,
			      int (*keep)(const void *item, const void *arg),
			      const void *arg,
			      json_object *(*to_json)(const void *item))
{
	json_object *r = json_object_new_object();
	json_object *data = json_object_new_array();
	const char *first = NULL, *last = NULL;
	int started = pg->after == NULL, more = 0;
	long count = 0;

	for (size_t k = 0; k < v->n; k++) {
		const void *item = v->items[pg->ascending ? k : v->n - 1 - k];
		const char *id = (const char *)item;

		if (keep != NULL && !keep(item, arg))
			continue;
		if (!started) {
			started = strcmp(id, pg->after) == 0;
			continue;
		}
		if (pg->limit > 0 && count == pg->limit) {
			more = 1;
			break;
		}
		json_object_array_add(data, to_json(item));
		if (first == NULL)
			first = id;
		last = id;
		count++;
	}
	json_object_object_add(r, "object", json_object_new_string("list"));
	json_object_object_add(r, "data", data);
	json_object_object_add(r, "first_id", first ? str(first) : NULL);
	json_object_object_add(r, "last_id", last ? str(last) : NULL);
	json_object_object_add(r, "has_more", json_object_new_boolean(more));
	return r;
}

/* ---- files ---- */

static json_object *file_json(const void *item)
{
	const struct sfile *f = item;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", str(f->id));
	json_object_object_add(o, "object", json_object_new_string("file"));
	json_object_object_add(o, "bytes",
			       json_object_new_int64((int64_t)blob_length(f->data)));
	json_object_object_add(o, "created_at", json_object_new_int64(f->created_at));
	if (f->expires_at != 0)
		json_object_object_add(o, "expires_at",
				       json_object_new_int64(f->expires_at));
	json_object_object_add(o, "filename", str(f->filename));
	json_object_object_add(o, "purpose", str(f->purpose));
	json_object_object_add(o, "status", json_object_new_string("processed"));
	return o;
}

static void file_free(struct sfile *f)
{
	blob_unref(f->data);
	free(f->filename);
	free(f->purpose);
	free(f);
}

/* With the lock held. */
static struct sfile *file_add_locked(const char *filename, const char *purpose,
				     int64_t expires_at, struct blob *data)
{
	struct sfile *f = xmalloc(sizeof(*f));

	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "file-%llu", (unsigned long long)next_file++);
	f->filename = dup_or_empty(filename);
	f->purpose = dup_or_empty(purpose);
	f->created_at = now_s();
	f->expires_at = expires_at;
	f->data = data;
	vec_push(&files, f);
	return f;
}

json_object *store_file_add(const char *filename, const char *purpose,
			    int64_t expires_at, struct blob *data)
{
	json_object *o;

	pthread_mutex_lock(&lock);
	o = file_json(file_add_locked(filename, purpose, expires_at, data));
	pthread_mutex_unlock(&lock);
	return o;
}

static int file_has_purpose(const void *item, const void *arg)
{
	return strcmp(((const struct sfile *)item)->purpose, arg) == 0;
}

json_object *store_file_list(const char *purpose, const struct store_page *pg)
{
	json_object *o;

	pthread_mutex_lock(&lock);
	o = page_list(&files, pg, purpose ? file_has_purpose : NULL, purpose,
		      file_json);
	pthread_mutex_unlock(&lock);
	return o;
}

/* With the lock held. */
static long file_find(const char *id)
{
	for (size_t i = 0; i < files.n; i++)
		if (strcmp(((struct sfile *)files.items[i])->id, id) == 0)
			return (long)i;
	return -1;
}

json_object *store_file_get(const char *id, struct store_err *err)
{
	json_object *o = NULL;
	long i;

	pthread_mutex_lock(&lock);
	i = file_find(id);
	if (i >= 0)
		o = file_json(files.items[i]);
	else
		not_found(err, "File", id);
	pthread_mutex_unlock(&lock);
	return o;
}

json_object *store_file_delete(const char *id, struct store_err *err)
{
	json_object *o = NULL;
	struct sfile *f = NULL;
	long i;

	pthread_mutex_lock(&lock);
	i = file_find(id);
	if (i >= 0) {
		f = files.items[i];
		vec_remove(&files, (size_t)i);
	} else {
		not_found(err, "File", id);
	}
	pthread_mutex_unlock(&lock);
	if (f != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "id", str(f->id));
		json_object_object_add(o, "object", json_object_new_string("file"));
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
		/* A download still running keeps its own reference. */
		file_free(f);
	}
	return o;
}

struct blob *store_file_content(const char *id, char **filename,
				struct store_err *err)
{
	struct blob *b = NULL;
	long i;

	pthread_mutex_lock(&lock);
	i = file_find(id);
	if (i >= 0) {
		struct sfile *f = files.items[i];

		b = blob_ref(f->data);
		*filename = dup_or_empty(f->filename);
	} else {
		not_found(err, "File", id);
	}
	pthread_mutex_unlock(&lock);
	return b;
}

json_object *store_file_debug(void)
{
	json_object *arr = json_object_new_array();

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < files.n; i++) {
		const struct sfile *f = files.items[i];
		json_object *o = json_object_new_object();
		char hex[17];

		fnv1a64_hex(blob_fnv(f->data), hex);
		json_object_object_add(o, "id", str(f->id));
		json_object_object_add(o, "filename", str(f->filename));
		json_object_object_add(o, "purpose", str(f->purpose));
		json_object_object_add(o, "bytes",
			json_object_new_int64((int64_t)blob_length(f->data)));
		json_object_object_add(o, "fnv1a64", json_object_new_string(hex));
		json_object_object_add(o, "storage", json_object_new_string(
			blob_on_disk(f->data) ? "disk" : "memory"));
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&lock);
	return arr;
}

/* ---- uploads ---- */

static const char *upload_status_name(enum upload_status s)
{
	switch (s) {
	case UP_COMPLETED: return "completed";
	case UP_CANCELLED: return "cancelled";
	default: return "pending";
	}
}

static json_object *upload_json(const struct supload *u, json_object *file)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", str(u->id));
	json_object_object_add(o, "object", json_object_new_string("upload"));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)u->bytes));
	json_object_object_add(o, "created_at", json_object_new_int64(u->created_at));
	json_object_object_add(o, "filename", str(u->filename));
	json_object_object_add(o, "purpose", str(u->purpose));
	json_object_object_add(o, "status",
			       json_object_new_string(upload_status_name(u->status)));
	json_object_object_add(o, "expires_at",
			       json_object_new_int64(u->created_at + UPLOAD_TTL_S));
	json_object_object_add(o, "file", file);
	return o;
}

static void upload_drop_parts(struct supload *u)
{
	for (size_t i = 0; i < u->nparts; i++)
		blob_unref(u->parts[i].data);
	free(u->parts);
	u->parts = NULL;
	u->nparts = u->parts_cap = 0;
}

static void upload_free(struct supload *u)
{
	upload_drop_parts(u);
	free(u->filename);
	free(u->purpose);
	free(u->mime_type);
	free(u);
}

/* With the lock held. */
static struct supload *upload_find(const char *id, struct store_err *err)
{
	for (size_t i = 0; i < uploads.n; i++) {
		struct supload *u = uploads.items[i];

		if (strcmp(u->id, id) == 0)
			return u;
	}
	not_found(err, "Upload", id);
	return NULL;
}

/* With the lock held: 0 if parts may be added / it may end, else -1. */
static int upload_pending(const struct supload *u, struct store_err *err)
{
	if (u->status == UP_PENDING)
		return 0;
	if (u->status == UP_COMPLETING)
		set_err(err, 400, NULL, "Upload %s is being completed.", u->id);
	else
		set_err(err, 400, NULL, "Upload %s is already %s.", u->id,
			upload_status_name(u->status));
	return -1;
}

json_object *store_upload_create(const char *filename, const char *purpose,
				 uint64_t bytes, const char *mime_type,
				 int64_t file_expires_at)
{
	struct supload *u = xmalloc(sizeof(*u));
	json_object *o;

	memset(u, 0, sizeof(*u));
	u->filename = dup_or_empty(filename);
	u->purpose = dup_or_empty(purpose);
	u->mime_type = dup_or_empty(mime_type);
	u->bytes = bytes;
	u->created_at = now_s();
	u->file_expires_at = file_expires_at;
	u->status = UP_PENDING;
	pthread_mutex_lock(&lock);
	snprintf(u->id, sizeof(u->id), "upload_%llu",
		 (unsigned long long)next_upload++);
	vec_push(&uploads, u);
	o = upload_json(u, NULL);
	pthread_mutex_unlock(&lock);
	return o;
}

json_object *store_upload_add_part(const char *upload_id, struct blob *data,
				   struct store_err *err)
{
	json_object *o = NULL;
	struct supload *u;

	pthread_mutex_lock(&lock);
	u = upload_find(upload_id, err);
	if (u != NULL && upload_pending(u, err) == 0) {
		struct spart *p;

		if (u->nparts == u->parts_cap) {
			u->parts_cap = u->parts_cap ? u->parts_cap * 2 : 8;
			u->parts = xrealloc(u->parts, u->parts_cap * sizeof(*u->parts));
		}
		p = &u->parts[u->nparts++];
		snprintf(p->id, sizeof(p->id), "part_%llu",
			 (unsigned long long)next_part++);
		p->data = data;
		data = NULL;
		o = json_object_new_object();
		json_object_object_add(o, "id", str(p->id));
		json_object_object_add(o, "object", json_object_new_string("upload.part"));
		json_object_object_add(o, "created_at", json_object_new_int64(now_s()));
		json_object_object_add(o, "upload_id", str(u->id));
	}
	pthread_mutex_unlock(&lock);
	blob_unref(data);
	return o;
}

/* With the lock held: the blobs of the named parts, in the order given. */
static struct blob **upload_pick(struct supload *u, const char *const *ids,
				 size_t n, struct store_err *err)
{
	struct blob **picked = xmalloc((n ? n : 1) * sizeof(*picked));
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		const struct spart *p = NULL;

		for (size_t j = 0; j < i; j++) {
			if (strcmp(ids[i], ids[j]) == 0) {
				set_err(err, 400, "part_ids",
					"Part %.*s is listed more than once.",
					SHOWN_ID, ids[i]);
				goto fail;
			}
		}
		for (size_t j = 0; j < u->nparts && p == NULL; j++)
			if (strcmp(u->parts[j].id, ids[i]) == 0)
				p = &u->parts[j];
		if (p == NULL) {
			set_err(err, 400, "part_ids",
				"No such Part object for upload %s: %.*s",
				u->id, SHOWN_ID, ids[i]);
			goto fail;
		}
		picked[i] = p->data;
		total += blob_length(p->data);
	}
	if (total != u->bytes) {
		set_err(err, 400, NULL,
			"The number of bytes uploaded (%llu) does not match the "
			"number of bytes the upload was created with (%llu).",
			(unsigned long long)total, (unsigned long long)u->bytes);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		blob_ref(picked[i]);
	return picked;
fail:
	free(picked);
	return NULL;
}

json_object *store_upload_complete(const char *upload_id,
				   const char *const *part_ids, size_t nparts,
				   struct store_err *err)
{
	struct blob **picked = NULL, *data;
	struct supload *u;
	json_object *o = NULL;

	pthread_mutex_lock(&lock);
	u = upload_find(upload_id, err);
	if (u != NULL && upload_pending(u, err) == 0) {
		picked = upload_pick(u, part_ids, nparts, err);
		if (picked != NULL)
			u->status = UP_COMPLETING;
	}
	pthread_mutex_unlock(&lock);
	if (picked == NULL)
		return NULL;

	/* Hundreds of MiB may be copied: not under the lock. */
	data = blob_new();
	for (size_t i = 0; i < nparts; i++) {
		blob_append_blob(data, picked[i]);
		blob_unref(picked[i]);
	}
	free(picked);
	blob_finish(data);

	pthread_mutex_lock(&lock);
	/* A reset may have come in between. */
	u = upload_find(upload_id, err);
	if (u == NULL || u->status != UP_COMPLETING) {
		if (u != NULL)
			set_err(err, 400, NULL, "Upload %s changed while completing.",
				u->id);
	} else if (blob_failed(data)) {
		u->status = UP_PENDING;
		set_err(err, 500, NULL, "fake-upstream could not store the file.");
	} else {
		struct sfile *f = file_add_locked(u->filename, u->purpose,
						  u->file_expires_at, data);

		data = NULL;
		u->status = UP_COMPLETED;
		upload_drop_parts(u);
		o = upload_json(u, file_json(f));
	}
	pthread_mutex_unlock(&lock);
	blob_unref(data);
	return o;
}

json_object *store_upload_cancel(const char *upload_id, struct store_err *err)
{
	json_object *o = NULL;
	struct supload *u;

	pthread_mutex_lock(&lock);
	u = upload_find(upload_id, err);
	if (u != NULL && upload_pending(u, err) == 0) {
		u->status = UP_CANCELLED;
		upload_drop_parts(u);
		o = upload_json(u, NULL);
	}
	pthread_mutex_unlock(&lock);
	return o;
}

/* ---- videos ---- */

static json_object *video_json(const void *item)
{
	const struct svideo *v = item;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", str(v->id));
	json_object_object_add(o, "object", json_object_new_string("video"));
	json_object_object_add(o, "model", str(v->model));
	json_object_object_add(o, "status", json_object_new_string("completed"));
	json_object_object_add(o, "progress", json_object_new_int(100));
	json_object_object_add(o, "created_at", json_object_new_int64(v->created_at));
	json_object_object_add(o, "completed_at", json_object_new_int64(v->created_at));
	json_object_object_add(o, "expires_at", NULL);
	json_object_object_add(o, "prompt", str(v->prompt));
	json_object_object_add(o, "size", str(v->size));
	json_object_object_add(o, "seconds", str(v->seconds));
	json_object_object_add(o, "remixed_from_video_id",
			       v->remixed_from[0] ? str(v->remixed_from) : NULL);
	json_object_object_add(o, "error", NULL);
	return o;
}

static void video_free(struct svideo *v)
{
	free(v->model);
	free(v->prompt);
	free(v->seconds);
	free(v->size);
	free(v);
}

/* With the lock held. */
static long video_find(const char *id, struct store_err *err)
{
	for (size_t i = 0; i < videos.n; i++)
		if (strcmp(((struct svideo *)videos.items[i])->id, id) == 0)
			return (long)i;
	not_found(err, "Video", id);
	return -1;
}

json_object *store_video_create(const char *model, const char *prompt,
				const char *seconds, const char *size,
				const char *remix_of, struct store_err *err)
{
	const struct svideo *src = NULL;
	struct svideo *v;
	json_object *o = NULL;

	pthread_mutex_lock(&lock);
	if (remix_of != NULL) {
		long i = video_find(remix_of, err);

		if (i < 0)
			goto out;
		src = videos.items[i];
	}
	v = xmalloc(sizeof(*v));
	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "video_%llu", (unsigned long long)next_video++);
	v->model = dup_or_empty(model ? model : src ? src->model : "sora-2");
	v->prompt = dup_or_empty(prompt);
	v->seconds = dup_or_empty(seconds ? seconds : src ? src->seconds : "4");
	v->size = dup_or_empty(size ? size : src ? src->size : "720x1280");
	if (src != NULL)
		snprintf(v->remixed_from, sizeof(v->remixed_from), "%s", src->id);
	v->created_at = now_s();
	vec_push(&videos, v);
	o = video_json(v);
out:
	pthread_mutex_unlock(&lock);
	return o;
}

json_object *store_video_list(const struct store_page *pg)
{
	json_object *o;

	pthread_mutex_lock(&lock);
	o = page_list(&videos, pg, NULL, NULL, video_json);
	pthread_mutex_unlock(&lock);
	return o;
}

json_object *store_video_get(const char *id, struct store_err *err)
{
	json_object *o = NULL;
	long i;

	pthread_mutex_lock(&lock);
	i = video_find(id, err);
	if (i >= 0)
		o = video_json(videos.items[i]);
	pthread_mutex_unlock(&lock);
	return o;
}

json_object *store_video_delete(const char *id, struct store_err *err)
{
	json_object *o = NULL;
	long i;

	pthread_mutex_lock(&lock);
	i = video_find(id, err);
	if (i >= 0) {
		struct svideo *v = videos.items[i];

		vec_remove(&videos, (size_t)i);
		o = json_object_new_object();
		json_object_object_add(o, "id", str(v->id));
		json_object_object_add(o, "object", json_object_new_string("video.deleted"));
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
		video_free(v);
	}
	pthread_mutex_unlock(&lock);
	return o;
}

void store_clear(void)
{
	struct vec f, u, v;

	pthread_mutex_lock(&lock);
	f = files;
	u = uploads;
	v = videos;
	memset(&files, 0, sizeof(files));
	memset(&uploads, 0, sizeof(uploads));
	memset(&videos, 0, sizeof(videos));
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < f.n; i++)
		file_free(f.items[i]);
	for (size_t i = 0; i < u.n; i++)
		upload_free(u.items[i]);
	for (size_t i = 0; i < v.n; i++)
		video_free(v.items[i]);
	free(f.items);
	free(u.items);
	free(v.items);
	blob_tmpdir_remove();
}
