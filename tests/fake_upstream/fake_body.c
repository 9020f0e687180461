#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_body.h"
#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_multipart.h"

void body_init(struct body_digest *b, const char *content_type)
{
	memset(b, 0, sizeof(*b));
	b->fnv = FNV1A64_INIT;
	b->mp = multipart_new(content_type);
}

void body_feed(void *arg, const char *data, size_t len)
{
	struct body_digest *b = arg;

	b->length += len;
	b->fnv = fnv1a64_update(b->fnv, data, len);
	if (b->kept_len < BODY_KEEP_MAX) {
		size_t take = BODY_KEEP_MAX - b->kept_len;

		if (take > len)
			take = len;
		if (b->kept_len + take > b->kept_cap) {
			size_t cap = b->kept_cap ? b->kept_cap : 4096;

			while (cap < b->kept_len + take)
				cap *= 2;
			if (cap > BODY_KEEP_MAX)
				cap = BODY_KEEP_MAX;
			b->kept = xrealloc(b->kept, cap);
			b->kept_cap = cap;
		}
		memcpy(b->kept + b->kept_len, data, take);
		b->kept_len += take;
	}
	if (b->mp != NULL)
		multipart_feed(b->mp, data, len);
}

int body_all_kept(const struct body_digest *b)
{
	return b->length == b->kept_len;
}

void body_describe(struct body_digest *b, json_object *rec)
{
	int truncated = !body_all_kept(b);
	size_t n = b->kept_len;
	char hex[17];

	/* A character cut in half by the 1 MiB limit is not "binary". */
	if (truncated)
		n = utf8_trim_cut(b->kept, n);
	if (utf8_valid(b->kept, n)) {
		json_object_object_add(rec, "body",
			json_object_new_string_len(n ? b->kept : "", (int)n));
		json_object_object_add(rec, "body_base64", NULL);
	} else {
		char *b64 = base64_encode(b->kept, b->kept_len);

		json_object_object_add(rec, "body", NULL);
		json_object_object_add(rec, "body_base64", json_object_new_string(b64));
		free(b64);
	}
	json_object_object_add(rec, "body_length",
			       json_object_new_int64((int64_t)b->length));
	fnv1a64_hex(b->fnv, hex);
	json_object_object_add(rec, "body_fnv1a64", json_object_new_string(hex));
	json_object_object_add(rec, "body_truncated", json_object_new_boolean(truncated));
	if (b->mp != NULL) {
		int complete;

		json_object_object_add(rec, "parts", multipart_finish(b->mp, &complete));
		json_object_object_add(rec, "parts_complete",
				       json_object_new_boolean(complete));
	} else {
		json_object_object_add(rec, "parts", NULL);
		json_object_object_add(rec, "parts_complete", NULL);
	}
}

void body_free(struct body_digest *b)
{
	free(b->kept);
	multipart_free(b->mp);
	memset(b, 0, sizeof(*b));
}
