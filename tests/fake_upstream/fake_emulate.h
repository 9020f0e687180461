#ifndef FAKE_EMULATE_H
#define FAKE_EMULATE_H

#include "tests/fake_upstream/fake_http.h"
#include "tests/fake_upstream/fake_multipart.h"
#include "tests/fake_upstream/fake_respond.h"

/*
 * A small stateful emulation of OpenAI's Files, Uploads, Images, Videos
 * and container-file-content endpoints (state in fake_store.c), and of
 * audio and moderations. It only ever answers when no script is queued:
 * scripts still come first.
 */

/*
 * Audio as the tests know it: a transcript reports the upload's file
 * name and length, with this usage; streams are paced this far apart;
 * speech is SPEECH_BYTES_BASE + SPEECH_BYTES_PER_CHAR * strlen(input)
 * bytes, byte i being (i * 31 + 7) mod 251.
 */
#define AUDIO_INPUT_TOKENS	14
#define AUDIO_OUTPUT_TOKENS	9
#define AUDIO_EVENT_INTERVAL_MS	100
#define SPEECH_BYTES_BASE	1000
#define SPEECH_BYTES_PER_CHAR	10

/*
 * What an emulated multipart request carried: each part's name, filename
 * and small value, and the bytes of the one part the endpoint keeps
 * ("file" for POST /v1/files, "data" for upload parts), streamed into a
 * blob as they arrive.
 */
struct emul_capture;

/*
 * For an endpoint that takes multipart bodies, returns a capture and
 * hands it mp's parts from now on; else NULL (also when mp is NULL).
 * Call before the body is read.
 */
struct emul_capture *emul_capture_new(const struct http_request *req,
				      struct multipart *mp);
/* Drops the capture and any bytes no answer took over (NULL is fine). */
void emul_capture_free(struct emul_capture *cap);

/*
 * Answers the request if it is for an emulated endpoint: returns 1 and
 * sets *rc as respond_default would return. Returns 0 otherwise.
 */
int emul_respond(struct respond_ctx *ctx, int *rc);

#endif
