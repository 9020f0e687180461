/*
 * Audio and moderations through every front server: transcription and
 * translation forms streamed through, a transcription's event stream
 * (and the stream deadlines it gets, from its form or from the answer),
 * speech bytes and speech events compared end to end, moderations
 * canonical and through the proxy, the two Actions wrappers (the form
 * the relay builds, the link to the speech), and bad input reaching
 * nothing upstream.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <json.h>

#include "tests/fake_upstream/fake_emulate.h"
#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH		"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define BOUNDARY	"AudioFormBoundary42"
#define FORM_CT		"Content-Type: multipart/form-data; boundary=" BOUNDARY
#define UPLOAD_BYTES	(200 * 1024)

/* A multipart body built by hand, so the test says every byte. */
struct form {
	char	*data;
	size_t	 len;
};

static void
form_append(struct form *f, const char *p, size_t n)
{
	f->data = realloc(f->data, f->len + n + 1);
	memcpy(f->data + f->len, p, n);
	f->len += n;
	f->data[f->len] = '\0';
}

static void
form_puts(struct form *f, const char *s)
{
	form_append(f, s, strlen(s));
}

static void
form_field(struct form *f, const char *name, const char *value)
{
	form_puts(f, "--" BOUNDARY "\r\nContent-Disposition: form-data; "
	    "name=\"");
	form_puts(f, name);
	form_puts(f, "\"\r\n\r\n");
	form_puts(f, value);
	form_puts(f, "\r\n");
}

static void
form_file(struct form *f, const char *filename, const char *data, size_t n)
{
	form_puts(f, "--" BOUNDARY "\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"");
	form_puts(f, filename);
	form_puts(f, "\"\r\nContent-Type: audio/mpeg\r\n\r\n");
	form_append(f, data, n);
	form_puts(f, "\r\n");
}

static void
form_close(struct form *f)
{
	form_puts(f, "--" BOUNDARY "--\r\n");
}

/* The fake's speech: byte i is (i * 31 + 7) mod 251. */
static char *
pattern(size_t n)
{
	char	*p = malloc(n + 1);
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (char)((i * 31 + 7) % 251);
	return p;
}

static size_t
speech_len(const char *input)
{
	return SPEECH_BYTES_BASE + SPEECH_BYTES_PER_CHAR * strlen(input);
}

static void
post(const char *target, const char *ctype, const char *body, size_t len,
    struct response *r)
{
	const char	*headers[] = { AUTH, ctype, NULL };

	req("POST", target, headers, body, len, r);
}

static void
post_json(const char *target, const char *body, struct response *r)
{
	post(target, JSON_CT, body, strlen(body), r);
}

static const char *
part_text(struct json_object *up, const char *name, int nth)
{
	struct json_object	*p = recorded_part(up, name, nth);

	return p ? json_str(p, "text") : NULL;
}

/* The "data:" payloads of an event stream, comments skipped. */
static int
stream_data(const char *body, char **out, int max)
{
	const char	*p = body, *end;
	int		 n = 0;

	while (n < max && (p = strstr(p, "data: ")) != NULL) {
		end = strstr(p, "\n\n");
		if (end == NULL)
			break;
		out[n++] = strndup(p + 6, (size_t)(end - p - 6));
		p = end + 2;
	}
	return n;
}

static void
free_all(char **v, int n)
{
	while (n-- > 0)
		free(v[n]);
}

/* Both SDKs' field orders: Node's file first, Python's fields first. */
START_TEST(transcription_form_streams_through)
{
	char			*audio = pattern(UPLOAD_BYTES);
	struct json_object	*root, *list, *up, *usage;
	struct form		 f = { NULL, 0 };
	struct response		 r;
	char			 want[128];

	if (_i == 0)
		form_file(&f, "talk.mp3", audio, UPLOAD_BYTES);
	form_field(&f, "model", "gpt-4o-transcribe");
	form_field(&f, "language", "en");
	form_field(&f, "timestamp_granularities[]", "word");
	if (_i == 1)
		form_file(&f, "talk.mp3", audio, UPLOAD_BYTES);
	form_close(&f);
	post("/v1/audio/transcriptions", FORM_CT, f.data, f.len, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	root = response_json(&r);
	snprintf(want, sizeof(want), "Transcript of talk.mp3 (%d bytes).",
	    UPLOAD_BYTES);
	ck_assert_str_eq(json_str(root, "text"), want);
	/* What per-key usage will count: upstream's transcription tokens. */
	ck_assert(json_object_object_get_ex(root, "usage", &usage));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(usage,
	    "total_tokens")), AUDIO_INPUT_TOKENS + AUDIO_OUTPUT_TOKENS);
	json_object_put(root);
	response_free(&r);

	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/audio/transcriptions");
	ck_assert_str_eq(recorded_header(up, "Content-Type"),
	    "multipart/form-data; boundary=" BOUNDARY);
	ck_assert_uint_eq(json_object_get_int(json_object_object_get(up,
	    "body_length")), f.len);
	ck_assert_str_eq(part_text(up, "model", 0), "gpt-4o-transcribe");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
	    recorded_part(up, "file", 0), "length")), UPLOAD_BYTES);
	json_object_put(list);
	free(f.data);
	free(audio);
}
END_TEST

START_TEST(transcription_stream_is_relayed_event_by_event)
{
	struct json_object	*ev, *usage;
	struct form		 f = { NULL, 0 };
	struct response		 r;
	char			*data[16], *ct, *cc, text[256] = "";
	int			 n, i;

	form_file(&f, "q.wav", "RIFF....WAVE", 12);
	form_field(&f, "model", "gpt-4o-mini-transcribe");
	form_field(&f, "stream", "true");
	form_close(&f);
	post("/v1/audio/transcriptions", FORM_CT, f.data, f.len, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ct = response_header(&r, "Content-Type");
	cc = response_header(&r, "Cache-Control");
	ck_assert_str_eq(ct, "text/event-stream");
	/* The relay's own mark of a stream it relays event by event. */
	ck_assert_str_eq(cc, "no-cache");
	free(ct);
	free(cc);
	n = stream_data(r.body, data, 16);
	ck_assert_msg(n == 4, "%d events: %s", n, r.body);
	for (i = 0; i < 3; i++) {
		ev = json_tokener_parse(data[i]);
		ck_assert_str_eq(json_str(ev, "type"), "transcript.text.delta");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s", json_str(ev, "delta"));
		json_object_put(ev);
	}
	ev = json_tokener_parse(data[3]);
	ck_assert_str_eq(json_str(ev, "type"), "transcript.text.done");
	ck_assert_str_eq(json_str(ev, "text"), text);
	ck_assert_str_eq(text, "Transcript of q.wav (12 bytes).");
	ck_assert(json_object_object_get_ex(ev, "usage", &usage));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(usage,
	    "input_tokens")), AUDIO_INPUT_TOKENS);
	json_object_put(ev);
	free_all(data, n);
	response_free(&r);
	free(f.data);
}
END_TEST

/*
 * A form whose answer turns out to be a stream gets the stream
 * deadlines from then on (the deadlines relay.conf): four events 1.2 s
 * apart go on past RELAY_TIMEOUT (TEST_DEADLINE_S, 3 s; the fake's
 * pauses last at least that long) within the idle limit (TEST_IDLE_S,
 * 5 s, four times a gap), and end whole.
 */
START_TEST(transcription_stream_outlasts_relay_timeout)
{
	struct form	 f = { NULL, 0 };
	struct response	 r;
	char		*data[16];
	int		 n;

	fake_script(integ_fake_url,
	    "{\"sse\":{\"events\":4,\"interval_ms\":1200}}");
	form_file(&f, "long.mp3", "ID3", 3);
	form_field(&f, "model", "gpt-4o-transcribe");
	form_close(&f);
	post("/v1/audio/transcriptions", FORM_CT, f.data, f.len, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_msg(strstr(r.body, "event: error") == NULL, "%s", r.body);
	n = stream_data(r.body, data, 16);
	ck_assert_msg(n == 5, "%d events: %s", n, r.body);
	ck_assert_str_eq(data[4], "[DONE]");
	free_all(data, n);
	response_free(&r);
	free(f.data);
}
END_TEST

/*
 * stream=true in the form, read as it passes, brings the stream
 * deadlines in before upstream answers: an upstream that never answers
 * meets the first-byte deadline, not RELAY_TIMEOUT.
 */
START_TEST(streamed_form_gets_stream_deadlines)
{
	struct form	f = { NULL, 0 };
	struct response	r;

	fake_script(integ_fake_url, "{\"hang\":true}");
	form_field(&f, "stream", "true");
	form_field(&f, "model", "gpt-4o-transcribe");
	form_file(&f, "a.mp3", "ID3", 3);
	form_close(&f);
	post("/v1/audio/transcriptions", FORM_CT, f.data, f.len, &r);
	assert_relay_error(&r, 504, "upstream_first_byte_timeout");
	response_free(&r);
	free(f.data);

	/* Without it, the plain deadline. */
	fake_script(integ_fake_url, "{\"hang\":true}");
	f.data = NULL;
	f.len = 0;
	form_field(&f, "model", "gpt-4o-transcribe");
	form_file(&f, "a.mp3", "ID3", 3);
	form_close(&f);
	post("/v1/audio/transcriptions", FORM_CT, f.data, f.len, &r);
	assert_relay_error(&r, 504, "upstream_timeout");
	response_free(&r);
	free(f.data);
}
END_TEST

START_TEST(translation_form_streams_through)
{
	struct json_object	*root, *list, *up;
	struct form		 f = { NULL, 0 };
	struct response		 r;
	char			*ct;

	form_file(&f, "hola.m4a", "\0\0\0 ftypM4A ", 12);
	form_field(&f, "model", "whisper-1");
	form_field(&f, "response_format", "text");
	form_close(&f);
	post("/v1/audio/translations", FORM_CT, f.data, f.len, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/plain; charset=utf-8");
	ck_assert_str_eq(r.body, "Transcript of hola.m4a (12 bytes).");
	free(ct);
	response_free(&r);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/audio/translations");
	ck_assert_uint_eq(json_object_get_int(json_object_object_get(up,
	    "body_length")), f.len);
	json_object_put(list);
	free(f.data);

	f.data = NULL;
	f.len = 0;
	reset_fake();
	form_file(&f, "hola.m4a", "x", 1);
	form_field(&f, "model", "whisper-1");
	form_close(&f);
	post("/v1/audio/translations", FORM_CT, f.data, f.len, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	root = response_json(&r);
	ck_assert_str_eq(json_str(root, "text"),
	    "Transcript of hola.m4a (1 bytes).");
	json_object_put(root);
	response_free(&r);
	free(f.data);
}
END_TEST

START_TEST(speech_bytes_come_back_intact)
{
	static const struct {
		const char	*body;
		const char	*ctype;
	} cases[] = {
		{ "{\"model\":\"gpt-4o-mini-tts\",\"input\":\"Hello there\","
		    "\"voice\":\"coral\"}", "audio/mpeg" },
		{ "{\"model\":\"tts-1\",\"input\":\"Hello there\",\"voice\":"
		    "{\"id\":\"voice_1\"},\"response_format\":\"wav\"}",
		    "audio/wav" },
	};
	size_t		 n = speech_len("Hello there"), i;
	char		*want = pattern(n), *ct, *clen, len[32];
	struct response	 r;

	snprintf(len, sizeof(len), "%zu", n);
	for (i = 0; i < 2; i++) {
		post_json("/v1/audio/speech", cases[i].body, &r);
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		ct = response_header(&r, "Content-Type");
		ck_assert_str_eq(ct, cases[i].ctype);
		clen = response_header(&r, "Content-Length");
		if (clen != NULL)	/* a front server may chunk it */
			ck_assert_str_eq(clen, len);
		ck_assert_uint_eq(r.body_len, n);
		ck_assert_msg(memcmp(r.body, want, n) == 0, "bytes differ");
		free(ct);
		free(clen);
		response_free(&r);
	}
	free(want);
}
END_TEST

/* Decodes standard base64 (the fake's own, well formed) into out. */
static size_t
unbase64(const char *in, char *out)
{
	static const char	abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned		acc = 0;
	int			bits = 0;
	size_t			n = 0;

	for (; *in != '\0' && *in != '='; in++) {
		acc = acc << 6 | (unsigned)(strchr(abc, *in) - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits);
		}
	}
	return n;
}

START_TEST(speech_events_carry_the_audio)
{
	size_t			 n = speech_len("Stream me"), got = 0;
	char			*want = pattern(n), *audio = malloc(n + 8);
	char			*data[8], *ct;
	struct json_object	*ev;
	struct response		 r;
	int			 k, i;

	post_json("/v1/audio/speech", "{\"model\":\"gpt-4o-mini-tts\","
	    "\"input\":\"Stream me\",\"voice\":\"alloy\",\"stream_format\":"
	    "\"sse\"}", &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ct = response_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/event-stream");
	free(ct);
	k = stream_data(r.body, data, 8);
	ck_assert_msg(k == 3, "%d events: %s", k, r.body);
	for (i = 0; i < 2; i++) {
		ev = json_tokener_parse(data[i]);
		ck_assert_str_eq(json_str(ev, "type"), "speech.audio.delta");
		got += unbase64(json_str(ev, "audio"), audio + got);
		json_object_put(ev);
	}
	ck_assert_ptr_nonnull(strstr(data[2], "\"speech.audio.done\""));
	ck_assert_uint_eq(got, n);
	ck_assert_msg(memcmp(audio, want, n) == 0, "audio differs");
	free_all(data, k);
	response_free(&r);
	free(audio);
	free(want);
}
END_TEST

START_TEST(moderations_canonical_and_through_the_proxy)
{
	static const char	 body[] = "{\"input\":[\"a\",\"b\"],\"model\":"
	    "\"omni-moderation-latest\"}";
	struct json_object	*root, *results, *list, *up;
	struct response		 r;
	int			 k;

	for (k = 0; k < 2; k++) {
		if (k == 0)
			post_json("/v1/moderations", body, &r);
		else
			post_json("/v1/proxy", "{\"method\":\"POST\",\"path\":"
			    "\"/v1/moderations\",\"body\":{\"input\":[\"a\","
			    "\"b\"],\"model\":\"omni-moderation-latest\"}}",
			    &r);
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		root = response_json(&r);
		ck_assert_str_eq(json_str(root, "model"),
		    "omni-moderation-latest");
		ck_assert(json_object_object_get_ex(root, "results",
		    &results));
		ck_assert_uint_eq(json_object_array_length(results), 2);
		json_object_put(root);
		response_free(&r);
		up = only_upstream_request(&list);
		ck_assert_str_eq(json_str(up, "path"), "/v1/moderations");
		ck_assert_str_eq(json_str(up, "body"), body);
		json_object_put(list);
		reset_fake();
	}
}
END_TEST

START_TEST(transcription_action_builds_the_form)
{
	struct json_object	*root, *list, *up, *file;
	struct response		 r;

	post_json("/v1/actions/audio/transcriptions", "{\"model\":"
	    "\"gpt-4o-transcribe\",\"filename\":\"memo.mp3\",\"mime_type\":"
	    "\"audio/mpeg\",\"data_base64\":\"data:audio/mpeg;base64,"
	    "SUQzBA==\",\"language\":\"en\",\"temperature\":0.5,"
	    "\"response_format\":\"verbose_json\",\"timestamp_granularities\":"
	    "[\"word\",\"segment\"],\"chunking_strategy\":{\"type\":"
	    "\"server_vad\",\"threshold\":0.5},\"stream\":true,"
	    "\"purpose\":\"x\"}", &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	root = response_json(&r);
	ck_assert_str_eq(json_str(root, "text"),
	    "Transcript of memo.mp3 (4 bytes).");
	ck_assert_str_eq(json_str(root, "task"), "transcribe");
	json_object_put(root);
	response_free(&r);

	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/audio/transcriptions");
	ck_assert_ptr_nonnull(strstr(recorded_header(up, "Content-Type"),
	    "multipart/form-data; boundary="));
	file = recorded_part(up, "file", 0);
	ck_assert_str_eq(json_str(file, "filename"), "memo.mp3");
	ck_assert_str_eq(json_str(file, "content_type"), "audio/mpeg");
	ck_assert_str_eq(json_str(file, "text"), "ID3\x04");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(file,
	    "length")), 4);
	ck_assert_str_eq(part_text(up, "model", 0), "gpt-4o-transcribe");
	ck_assert_str_eq(part_text(up, "language", 0), "en");
	ck_assert_str_eq(part_text(up, "temperature", 0), "0.5");
	ck_assert_str_eq(part_text(up, "timestamp_granularities[]", 0),
	    "word");
	ck_assert_str_eq(part_text(up, "timestamp_granularities[]", 1),
	    "segment");
	ck_assert_str_eq(part_text(up, "chunking_strategy[type]", 0),
	    "server_vad");
	ck_assert_str_eq(part_text(up, "chunking_strategy[threshold]", 0),
	    "0.5");
	/* A GPT reads the transcript whole; only OpenAI's fields pass. */
	ck_assert_ptr_null(recorded_part(up, "stream", 0));
	ck_assert_ptr_null(recorded_part(up, "purpose", 0));
	ck_assert_ptr_null(recorded_part(up, "data_base64", 0));
	json_object_put(list);
}
END_TEST

START_TEST(transcription_action_downloads_the_attached_file)
{
	char			 body[512];
	struct json_object	*list, *up, *file;
	struct response		 r;

	/* The files fixture's 16-byte text.txt, attached as clip.mp3. */
	snprintf(body, sizeof(body), "{\"model\":\"whisper-1\","
	    "\"openaiFileIdRefs\":[{\"name\":\"clip.mp3\",\"id\":\"file-1\","
	    "\"mime_type\":\"audio/mpeg\",\"download_link\":\"https://"
	    "%s/text.txt\"}],\"response_format\":\"text\"}",
	    files_fixture_host());
	post_json("/v1/actions/audio/transcriptions", body, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "Transcript of clip.mp3 (16 bytes).");
	response_free(&r);
	up = only_upstream_request(&list);
	file = recorded_part(up, "file", 0);
	ck_assert_str_eq(json_str(file, "text"), "not a png at all");
	ck_assert_str_eq(json_str(file, "content_type"), "audio/mpeg");
	json_object_put(list);

	/* Over RELAY_ACTIONS_AUDIO_MAX: refused while downloading. */
	reset_fake();
	snprintf(body, sizeof(body), "{\"model\":\"whisper-1\","
	    "\"openaiFileIdRefs\":[{\"name\":\"big.mp3\",\"download_link\":"
	    "\"https://%s/huge.png\"}]}", files_fixture_host());
	post_json("/v1/actions/audio/transcriptions", body, &r);
	assert_relay_error(&r, 413, "input_too_large");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(speech_action_answers_with_a_link)
{
	size_t			 n = speech_len("Read this aloud");
	char			*want = pattern(n), prefix[128], *ct;
	const char		*url;
	struct json_object	*root;
	struct response		 r, link;

	post_json("/v1/actions/audio/speech", "{\"model\":\"gpt-4o-mini-tts\","
	    "\"input\":\"Read this aloud\",\"voice\":\"nova\","
	    "\"stream_format\":\"sse\"}", &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	root = response_json(&r);
	url = json_str(root, "url");
	snprintf(prefix, sizeof(prefix), "%s/v1/actions/links/",
	    integ_frontend->base_url);
	ck_assert_msg(url != NULL && strncmp(url, prefix, strlen(prefix)) ==
	    0 && strlen(url) > strlen(prefix) + 40, "%s", r.body);
	ck_assert_str_eq(json_str(root, "content_type"), "audio/mpeg");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(root,
	    "bytes")), (int)n);
	ck_assert_int_gt(json_object_get_int64(json_object_object_get(root,
	    "expires_at")), (int64_t)time(NULL));
	/* Never the bytes: a short answer. */
	ck_assert_uint_lt(r.body_len, 512);

	/* The link needs no key: it is the credential. */
	req("GET", url + strlen(integ_frontend->base_url), NULL, NULL, 0,
	    &link);
	ck_assert_int_eq(link.status, 200);
	ct = response_header(&link, "Content-Type");
	ck_assert_str_eq(ct, "audio/mpeg");
	ck_assert_uint_eq(link.body_len, n);
	ck_assert_msg(memcmp(link.body, want, n) == 0, "linked bytes differ");
	free(ct);
	response_free(&link);
	json_object_put(root);
	response_free(&r);

	/* stream_format stayed behind: the audio came whole. */
	ck_assert_int_eq(fake_request_count(integ_fake_url), 1);
	req("GET", "/v1/actions/links/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAA", NULL, NULL, 0, &link);
	assert_relay_error(&link, 404, "link_not_found");
	response_free(&link);
	free(want);
}
END_TEST

START_TEST(speech_action_passes_errors_and_keeps_its_cap)
{
	char			 body[1024], input[600];
	struct json_object	*root, *err;
	struct response		 r;

	post_json("/v1/actions/audio/speech", "{\"model\":\"fake-status-400\","
	    "\"input\":\"x\",\"voice\":\"alloy\"}", &r);
	ck_assert_int_eq(r.status, 400);
	root = response_json(&r);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_str_eq(json_str(err, "code"), "fake_status");
	json_object_put(root);
	response_free(&r);

	/* Speech longer than RELAY_ACTIONS_AUDIO_MAX is not held. */
	memset(input, 'a', sizeof(input) - 1);
	input[sizeof(input) - 1] = '\0';
	ck_assert_uint_gt(speech_len(input), TEST_ACTIONS_AUDIO_MAX);
	snprintf(body, sizeof(body), "{\"model\":\"tts-1\",\"input\":\"%s\","
	    "\"voice\":\"alloy\"}", input);
	post_json("/v1/actions/audio/speech", body, &r);
	assert_relay_error(&r, 502, "upstream_bad_response");
	response_free(&r);
}
END_TEST

static const struct {
	const char	*target;
	const char	*body;
	long		 status;
	const char	*code;
} refusals[] = {
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\"}", 400, "missing_required_parameter" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\",\"data_base64\":\"SUQz!A==\"}", 400,
	    "invalid_base64" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\",\"data_base64\":\"\"}", 400,
	    "empty_input" },
	{ "/v1/actions/audio/transcriptions", "{\"filename\":\"a.mp3\","
	    "\"data_base64\":\"SUQz\"}", 400, "missing_required_parameter" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"data_base64\":\"SUQz\"}", 400, "missing_required_parameter" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\",\"data_base64\":\"SUQz\",\"language\":"
	    "{\"a\":[1]}}", 400, "invalid_value" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\",\"data_base64\":\"SUQz\","
	    "\"chunking_strategy\":{\"a\\\"\\r\\nX\":1}}", 400,
	    "invalid_value" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\",\"data_base64\":\"SUQz\",\"mime_type\":"
	    "\"audio/mpeg\\r\\nX-Injected: 1\"}", 400, "invalid_value" },
	{ "/v1/actions/audio/transcriptions", "{\"model\":\"whisper-1\","
	    "\"openaiFileIdRefs\":[{\"name\":\"a.mp3\",\"download_link\":"
	    "\"https://169.254.169.254/a\"}]}", 400, "fetch_refused" },
	{ "/v1/actions/audio/speech", "{\"model\":\"tts-1\",\"voice\":"
	    "\"alloy\"}", 400, "missing_required_parameter" },
	{ "/v1/actions/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\"}",
	    400, "missing_required_parameter" },
	{ "/v1/actions/audio/speech", "[\"hi\"]", 400, "invalid_json" },
	/* JSON to the multipart routes. */
	{ "/v1/audio/transcriptions", "{\"model\":\"whisper-1\"}", 415,
	    "unsupported_media_type" },
	{ "/v1/audio/translations", "{\"model\":\"whisper-1\"}", 415,
	    "unsupported_media_type" },
};

START_TEST(audio_refusals_reach_nothing)
{
	struct response	r;

	post_json(refusals[_i].target, refusals[_i].body, &r);
	assert_relay_error(&r, refusals[_i].status, refusals[_i].code);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* Decoded audio over RELAY_ACTIONS_AUDIO_MAX, a body over the JSON cap. */
START_TEST(oversize_audio_input_reaches_nothing)
{
	size_t		 n = TEST_ACTIONS_AUDIO_MAX / 3 * 4 + 8, cap, i;
	char		*body = malloc(n + 256), *big;
	struct response	 r;

	i = (size_t)snprintf(body, 256, "{\"model\":\"whisper-1\","
	    "\"filename\":\"a.mp3\",\"data_base64\":\"");
	memset(body + i, 'A', n);
	memcpy(body + i + n, "\"}", 3);
	post_json("/v1/actions/audio/transcriptions", body, &r);
	assert_relay_error(&r, 413, "input_too_large");
	response_free(&r);
	free(body);

	cap = TEST_MAX_JSON_BODY + 1;
	big = malloc(cap + 1);
	memset(big, ' ', cap);
	big[0] = '{';
	big[cap - 1] = '}';
	big[cap] = '\0';
	post("/v1/actions/audio/speech", JSON_CT, big, cap, &r);
	assert_relay_error(&r, 413, "request_too_large");
	response_free(&r);
	free(big);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

#define STR(x)	#x
#define XSTR(x)	STR(x)

/* OpenAI's Node SDK, as a program pointed at the relay uses it. */
START_TEST(openai_sdk_calls_work)
{
	char	cmd[512];
	int	rc;

	snprintf(cmd, sizeof(cmd), "node tests/sdk/audio.mjs %s %s "
	    XSTR(SPEECH_BYTES_BASE) " " XSTR(SPEECH_BYTES_PER_CHAR) " %d",
	    integ_frontend->base_url, TEST_RELAY_KEY,
	    AUDIO_INPUT_TOKENS + AUDIO_OUTPUT_TOKENS);
	rc = system(cmd);
	ck_assert_msg(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
	    "the SDK script failed (%d); run make check to install openai "
	    "in tests/sdk", rc);
}
END_TEST

void
add_audio_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("audio");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_loop_test(tc, transcription_form_streams_through, 0, 2);
	tcase_add_test(tc, transcription_stream_is_relayed_event_by_event);
	tcase_add_test(tc, translation_form_streams_through);
	tcase_add_test(tc, speech_bytes_come_back_intact);
	tcase_add_test(tc, speech_events_carry_the_audio);
	tcase_add_test(tc, moderations_canonical_and_through_the_proxy);
	tcase_add_test(tc, transcription_action_builds_the_form);
	tcase_add_test(tc, transcription_action_downloads_the_attached_file);
	tcase_add_test(tc, speech_action_answers_with_a_link);
	tcase_add_test(tc, speech_action_passes_errors_and_keeps_its_cap);
	tcase_add_loop_test(tc, audio_refusals_reach_nothing, 0,
	    (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, oversize_audio_input_reaches_nothing);
	tcase_add_test(tc, openai_sdk_calls_work);
	suite_add_tcase(s, tc);
}

/* With the deadlines relay.conf. */
void
add_audio_deadline_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("audio-deadlines");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, transcription_stream_outlasts_relay_timeout);
	tcase_add_test(tc, streamed_form_gets_stream_deadlines);
	suite_add_tcase(s, tc);
}
