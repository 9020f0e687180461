#ifndef FAKE_MULTIPART_H
#define FAKE_MULTIPART_H

#include <stddef.h>

#include <json-c/json.h>

struct multipart;

/*
 * Optional receiver of the parts as they stream by (see multipart_set_sink).
 * begin gets the part's Content-Disposition name and filename and its
 * Content-Type (each NULL when absent); data gets the part's bytes in
 * order, in pieces; end closes the part; finish runs once, from
 * multipart_finish, with complete = 1 if the closing delimiter was seen.
 */
struct multipart_sink {
	void (*begin)(void *arg, const char *name, const char *filename,
		      const char *content_type);
	void (*data)(void *arg, const char *p, size_t n);
	void (*end)(void *arg);
	void (*finish)(void *arg, int complete);
};

/*
 * Returns a streaming multipart/form-data parser if content_type names
 * that media type with a usable boundary, else NULL. Memory use does not
 * grow with part sizes, so 512 MiB uploads are summarised like small ones.
 */
struct multipart *multipart_new(const char *content_type);
/* Hands every later part to sink (borrowed; arg is passed back). */
void multipart_set_sink(struct multipart *mp, const struct multipart_sink *sink,
			void *arg);
/* Feeds the next body bytes. */
void multipart_feed(struct multipart *mp, const char *data, size_t len);
/*
 * Ends the body and returns the "parts" array (new reference owned by the
 * caller); *complete is set to 1 when the closing delimiter was seen.
 */
json_object *multipart_finish(struct multipart *mp, int *complete);
void multipart_free(struct multipart *mp);

#endif
