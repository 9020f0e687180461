#ifndef FAKE_STORE_H
#define FAKE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "tests/fake_upstream/fake_blob.h"

/*
 * The in-memory state behind the emulated Files, Uploads and Videos
 * APIs. Every function is thread-safe (one mutex); /__fake/reset empties
 * it all with store_clear. Ids keep counting across resets, like the
 * request sequence numbers, so an id from before a reset never names a
 * new object.
 *
 * Functions that answer with an object return a new JSON reference, or
 * NULL with *err filled in for an OpenAI-shaped error answer.
 */

struct store_err {
	int status;		/* 400 or 404 (500 when storing failed) */
	const char *param;	/* NULL: "param": null */
	char message[256];
};

/* List paging as OpenAI's list endpoints take it. */
struct store_page {
	int ascending;		/* order=asc; default newest first */
	long limit;		/* <= 0: everything */
	const char *after;	/* id to start after, or NULL */
};

/* Files. store_file_add takes over the caller's reference to data. */
json_object *store_file_add(const char *filename, const char *purpose,
			    int64_t expires_at, struct blob *data);
json_object *store_file_list(const char *purpose, const struct store_page *pg);
json_object *store_file_get(const char *id, struct store_err *err);
json_object *store_file_delete(const char *id, struct store_err *err);
/* A new reference to the file's bytes and its name (malloc'd), or NULL. */
struct blob *store_file_content(const char *id, char **filename,
				struct store_err *err);
/* [{"id","filename","purpose","bytes","fnv1a64","storage"}] for /__fake/files. */
json_object *store_file_debug(void);

/* Uploads. */
json_object *store_upload_create(const char *filename, const char *purpose,
				 uint64_t bytes, const char *mime_type,
				 int64_t file_expires_at);
/* Takes over the caller's reference to data. */
json_object *store_upload_add_part(const char *upload_id, struct blob *data,
				   struct store_err *err);
json_object *store_upload_complete(const char *upload_id,
				   const char *const *part_ids, size_t nparts,
				   struct store_err *err);
json_object *store_upload_cancel(const char *upload_id, struct store_err *err);

/* Videos; remix_of is NULL for a new video (else its fields fill gaps). */
json_object *store_video_create(const char *model, const char *prompt,
				const char *seconds, const char *size,
				const char *remix_of, struct store_err *err);
json_object *store_video_list(const struct store_page *pg);
json_object *store_video_get(const char *id, struct store_err *err);
json_object *store_video_delete(const char *id, struct store_err *err);

/* Forgets every file, upload and video. */
void store_clear(void);

#endif
