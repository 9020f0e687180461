#ifndef FAKE_BODY_H
#define FAKE_BODY_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* How much of each request body is kept for the record. */
#define BODY_KEEP_MAX (1024 * 1024)

struct multipart;

/*
 * Running summary of a request body: total length and FNV-1a over every
 * byte, the first BODY_KEEP_MAX bytes, and multipart parts if any.
 */
struct body_digest {
	uint64_t length;
	uint64_t fnv;
	char *kept;		/* owned, grows up to BODY_KEEP_MAX */
	size_t kept_len;
	size_t kept_cap;
	struct multipart *mp;	/* owned; NULL unless multipart/form-data */
};

/* content_type may be NULL. */
void body_init(struct body_digest *b, const char *content_type);
/* Signature fits http_read_body's callback; arg is a struct body_digest. */
void body_feed(void *arg, const char *data, size_t len);
/*
 * Adds body, body_base64, body_length, body_fnv1a64, body_truncated and
 * parts (plus parts_complete) to rec. Call once, after the last feed.
 */
void body_describe(struct body_digest *b, json_object *rec);
/* 1 if every byte of the body is in kept. */
int body_all_kept(const struct body_digest *b);
void body_free(struct body_digest *b);

#endif
