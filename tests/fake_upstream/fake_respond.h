#ifndef FAKE_RESPOND_H
#define FAKE_RESPOND_H

#include <stdint.h>

#include <json-c/json.h>

#include "tests/fake_upstream/fake_http.h"
#include "tests/fake_upstream/fake_script.h"

/* The canned reply text; streams send it in these three pieces. */
#define RESPOND_TEXT_1 "(fake upstream) "
#define RESPOND_TEXT_2 "This reply comes from the relay's test server, "
#define RESPOND_TEXT_3 "not from OpenAI."
#define RESPOND_TEXT RESPOND_TEXT_1 RESPOND_TEXT_2 RESPOND_TEXT_3

struct emul_capture;

/* What an answer needs to know about the request, and what it reports. */
struct respond_ctx {
	struct http_conn *conn;
	const struct http_request *req;
	json_object *req_json;	/* request body if it was a JSON object, else NULL */
	uint64_t body_length;
	uint64_t id;		/* answers carry x-request-id: req_fake_<id> */
	struct emul_capture *capture;	/* multipart parts kept for the emulation */
	int status;		/* out: status sent, 0 if none */
	uint64_t bytes;		/* out: response body bytes written */
};

/*
 * Appends the headers every answer shares after the status line and the
 * caller's framing header: Content-Type (content_type may be NULL),
 * x-request-id, openai-processing-ms, Connection, then the script's own
 * headers in order (s may be NULL); a name the script sets replaces ours.
 * want_close forces "Connection: close". Ends the head with the blank
 * line and returns 1 if the connection may be reused afterwards.
 */
int respond_head_finish(struct buf *b, struct respond_ctx *ctx,
			const struct script *s, const char *content_type,
			int want_close);

/*
 * A Responses-API "response" object (new reference). completed: status
 * "completed" with the canned text and usage; else "in_progress", empty.
 */
json_object *respond_response_object(uint64_t id, const char *model,
				     int completed);

/*
 * Sends obj (the reference is consumed) as a JSON answer with this
 * status. Same return convention as respond_script.
 */
int respond_json(struct respond_ctx *ctx, int status, json_object *obj);

/*
 * Answers the request as the script says. Returns 0 if the connection
 * can carry another request, -1 if it must be closed now (scripted close,
 * hang, truncation, SSE failure, peer gone, stop).
 */
int respond_script(struct respond_ctx *ctx, const struct script *s);
/*
 * Answers with the canned OpenAI-shaped reply, or from the Files,
 * Uploads, Images, Videos and container-file emulation (fake_emulate.c)
 * for those endpoints; same return convention.
 */
int respond_default(struct respond_ctx *ctx);

#endif
