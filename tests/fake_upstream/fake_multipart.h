#ifndef FAKE_MULTIPART_H
#define FAKE_MULTIPART_H

#include <stddef.h>

#include <json-c/json.h>

struct multipart;

/*
 * Returns a streaming multipart/form-data parser if content_type names
 * that media type with a usable boundary, else NULL. Memory use does not
 * grow with part sizes, so 512 MiB uploads are summarised like small ones.
 */
struct multipart *multipart_new(const char *content_type);
/* Feeds the next body bytes. */
void multipart_feed(struct multipart *mp, const char *data, size_t len);
/*
 * Ends the body and returns the "parts" array (new reference owned by the
 * caller); *complete is set to 1 when the closing delimiter was seen.
 */
json_object *multipart_finish(struct multipart *mp, int *complete);
void multipart_free(struct multipart *mp);

#endif
