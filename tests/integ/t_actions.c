/*
 * What a GPT gets, through a real front server: image wrappers that
 * answer with links, the links themselves (fetched without a key, the
 * bytes upstream made, 404 once expired or unknown, a cap on what they
 * hold), files brought into the conversation, every Actions operation
 * held to the 100,000 characters an Action reads against the largest
 * answers the fake upstream makes (while SDKs get theirs whole), and,
 * behind every kind of server, the 426 that sends WebSocket clients to
 * HTTP.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <openssl/evp.h>

#include "policy/route.h"
#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH		"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
/* The agent OpenAI documents for GPT Actions. */
#define CHATGPT_UA	"User-Agent: Mozilla/5.0 AppleWebKit/537.36 " \
			"(KHTML, like Gecko); compatible; ChatGPT-User/1.0; " \
			"+https://openai.com/bot"
#define SDK_UA		"User-Agent: OpenAI/Python 1.99.0"
#define ACTIONS_MAX	99999
#define LINK_PREFIX	"/v1/actions/links/"
#define TOKEN_LEN	43
/* The fake's image for a 1024x1024 request: a tenth of a byte a pixel. */
#define IMAGE_BYTES	104857
/* Larger than anything the relay should read for an Action. */
#define HUGE_ANSWER	"4294967296"

static const char *const chatgpt[] = { AUTH, JSON_CT, CHATGPT_UA, NULL };
static const char *const sdk[] = { AUTH, JSON_CT, SDK_UA, NULL };

/* A 1x1 PNG, which the image wrappers accept. */
#define PNG_B64		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" \
			"AAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

/* Strict base64 back to bytes (*len of them); NULL if it is not. */
static unsigned char *
unbase64(const char *b64, size_t *len)
{
	size_t		 n = strlen(b64);
	unsigned char	*out = malloc(n / 4 * 3 + 3);
	int		 got;

	ck_assert_ptr_nonnull(out);
	got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (got < 0 || n % 4 != 0) {
		free(out);
		return NULL;
	}
	*len = (size_t)got - (n >= 1 && b64[n - 1] == '=') -
	    (n >= 2 && b64[n - 2] == '=');
	return out;
}

static char *
base64(const void *data, size_t len)
{
	char	*out = malloc(4 * ((len + 2) / 3) + 1);

	ck_assert_ptr_nonnull(out);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

static void
post(const char *target, const char *const *headers, const char *body,
    struct response *r)
{
	req("POST", target, headers, body, strlen(body), r);
}

/* The JSON answer r must be, with status 200. */
static struct json_object *
answer_json(const struct response *r)
{
	struct json_object	*root;

	ck_assert_msg(r->status == 200, "%ld: %.400s", r->status, r->body);
	root = response_json(r);
	ck_assert_msg(root != NULL, "not JSON: %.400s", r->body);
	return root;
}

static struct json_object *
member(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) && v != NULL,
	    "no %s in %s", key, json_object_to_json_string(o));
	return v;
}

/*
 * The path of a link the relay handed out: on the origin the request
 * came to, an unguessable token of 43 base64url characters.
 */
static const char *
link_path(const char *url)
{
	size_t		 blen = strlen(integ_frontend->base_url);
	const char	*token;

	ck_assert_msg(strncmp(url, integ_frontend->base_url, blen) == 0 &&
	    strncmp(url + blen, LINK_PREFIX, strlen(LINK_PREFIX)) == 0,
	    "%s is not a link of %s", url, integ_frontend->base_url);
	token = url + blen + strlen(LINK_PREFIX);
	ck_assert_uint_eq(strlen(token), TOKEN_LEN);
	ck_assert_uint_eq(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), TOKEN_LEN);
	return url + blen;
}

/* Fetches a link as ChatGPT does: no key, no headers of ours. */
static void
fetch_link(const char *url, struct response *r)
{
	req("GET", link_path(url), NULL, NULL, 0, r);
}

/* Checks r is the link answer: the bytes, their type, how to cache. */
static void
assert_link_answer(const struct response *r, const void *bytes, size_t len,
    const char *type, long ttl)
{
	char	*h, want[32];
	long	 age;

	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_uint_eq(r->body_len, len);
	ck_assert(memcmp(r->body, bytes, len) == 0);
	h = response_header(r, "Content-Type");
	ck_assert_str_eq(h, type);
	free(h);
	snprintf(want, sizeof(want), "%lu", (unsigned long)len);
	h = response_header(r, "Content-Length");
	ck_assert_str_eq(h, want);
	free(h);
	h = response_header(r, "Cache-Control");
	ck_assert_msg(h != NULL && sscanf(h, "private, max-age=%ld", &age) ==
	    1 && age >= 0 && age <= ttl, "Cache-Control: %s", h);
	free(h);
	h = response_header(r, "X-Content-Type-Options");
	ck_assert_str_eq(h, "nosniff");
	free(h);
}

/*
 * gpt-image-1 answers in base64 (the fake as OpenAI does); the wrapper
 * answers with a link per image, and each link, fetched without a key,
 * serves exactly the bytes upstream made.
 */
START_TEST(image_generation_answers_links_to_upstreams_bytes)
{
	static const char body[] = "{\"model\":\"gpt-image-1\",\"prompt\":"
	    "\"a red fox in snow\",\"size\":\"1024x1024\",\"n\":2}";
	struct json_object	*plain, *linked, *pdata, *ldata, *item;
	struct response		 r, sdk_r, img;
	unsigned char		*bytes;
	const char		*url[2];
	time_t			 before, after;
	long long		 expires;
	size_t			 len, i;

	/* What upstream makes, as an SDK sees it. */
	post("/v1/images/generations", sdk, body, &sdk_r);
	plain = answer_json(&sdk_r);
	pdata = member(plain, "data");
	ck_assert_uint_eq(json_object_array_length(pdata), 2);
	ck_assert_uint_gt(sdk_r.body_len, ACTIONS_MAX);

	before = time(NULL);
	post("/v1/actions/images/generations", chatgpt, body, &r);
	after = time(NULL);
	linked = answer_json(&r);
	ck_assert_uint_le(r.body_len, ACTIONS_MAX);
	ck_assert_ptr_null(strstr(r.body, "b64_json"));
	/* Upstream's small fields come along. */
	ck_assert_str_eq(json_str(linked, "output_format"), "png");
	ck_assert_str_eq(json_str(linked, "size"), "1024x1024");
	ck_assert_str_eq(json_str(linked, "quality"), "high");
	member(member(linked, "usage"), "total_tokens");
	member(linked, "created");
	ldata = member(linked, "data");
	ck_assert_uint_eq(json_object_array_length(ldata), 2);

	for (i = 0; i < 2; i++) {
		item = json_object_array_get_idx(ldata, i);
		url[i] = json_str(item, "url");
		ck_assert_ptr_nonnull(url[i]);
		expires = json_object_get_int64(member(item, "expires_at"));
		ck_assert(expires >= (long long)before + 3600 &&
		    expires <= (long long)after + 3600);
		bytes = unbase64(json_str(json_object_array_get_idx(pdata, i),
		    "b64_json"), &len);
		ck_assert_ptr_nonnull(bytes);
		ck_assert_uint_eq(len, IMAGE_BYTES);
		fetch_link(url[i], &img);
		assert_link_answer(&img, bytes, len, "image/png", 3600);
		/* An image is shown, not downloaded. */
		ck_assert_ptr_null(response_header(&img, "Content-Disposition"));
		response_free(&img);
		free(bytes);
	}
	ck_assert_str_ne(url[0], url[1]);
	/* A link outlives its request: fetched again, still there. */
	fetch_link(url[0], &img);
	ck_assert_int_eq(img.status, 200);
	response_free(&img);
	json_object_put(plain);
	json_object_put(linked);
	response_free(&r);
	response_free(&sdk_r);
}
END_TEST

/* Edits and variations answer with links too; formats keep their type. */
START_TEST(image_edits_and_variations_answer_links)
{
	struct json_object	*root, *item;
	struct response		 r, img;
	char			 body[512];

	snprintf(body, sizeof(body), "{\"image_base64\":\"%s\",\"prompt\":"
	    "\"add a hat\",\"output_format\":\"webp\",\"size\":\"256x256\"}",
	    PNG_B64);
	post("/v1/actions/images/edits", chatgpt, body, &r);
	root = answer_json(&r);
	ck_assert_ptr_null(strstr(r.body, "b64_json"));
	item = json_object_array_get_idx(member(root, "data"), 0);
	fetch_link(json_str(item, "url"), &img);
	ck_assert_int_eq(img.status, 200);
	ck_assert_uint_eq(img.body_len, 256 * 256 / 10);
	ck_assert(memcmp(img.body, "RIFF", 4) == 0);
	ck_assert_str_eq(response_header(&img, "Content-Type"), "image/webp");
	response_free(&img);
	json_object_put(root);
	response_free(&r);

	snprintf(body, sizeof(body), "{\"image_base64\":\"%s\",\"n\":3}",
	    PNG_B64);
	post("/v1/actions/images/variations", chatgpt, body, &r);
	root = answer_json(&r);
	ck_assert_uint_eq(json_object_array_length(member(root, "data")), 3);
	item = json_object_array_get_idx(member(root, "data"), 2);
	fetch_link(json_str(item, "url"), &img);
	ck_assert_int_eq(img.status, 200);
	ck_assert_uint_eq(img.body_len, IMAGE_BYTES);
	ck_assert(memcmp(img.body, "\x89PNG", 4) == 0);
	response_free(&img);
	json_object_put(root);
	response_free(&r);
}
END_TEST

START_TEST(image_generation_refusals_reach_nothing)
{
	static const struct {
		const char	*body;
		long		 status;
		const char	*code;
	} cases[] = {
		{ "{\"model\":\"gpt-image-1\"}", 400,
		    "missing_required_parameter" },
		{ "{\"prompt\":\"\"}", 400, "missing_required_parameter" },
		{ "{\"prompt\":\"p\",\"stream\":true}", 400, "invalid_value" },
		{ "[\"p\"]", 400, "invalid_json" },
	};
	struct response	r;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		post("/v1/actions/images/generations", chatgpt, cases[i].body,
		    &r);
		assert_relay_error(&r, cases[i].status, cases[i].code);
		response_free(&r);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* Unknown, malformed and forged links: 404 in the envelope, no key. */
START_TEST(unknown_links_are_404)
{
	static const char *const paths[] = {
		LINK_PREFIX "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		LINK_PREFIX "short",
		LINK_PREFIX "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!",
		LINK_PREFIX "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	struct response	r;
	size_t		i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		req("GET", paths[i], NULL, NULL, 0, &r);
		ck_assert_msg(r.status == 404, "%s: %ld", paths[i], r.status);
		if (strchr(paths[i], '!') == NULL)
			assert_relay_error(&r, 404, "link_not_found");
		response_free(&r);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

/* Uploads bytes as name through the Actions wrapper; the file's id. */
static char *
upload(const char *name, const void *bytes, size_t len)
{
	struct json_object	*root;
	struct response		 r;
	char			*b64 = base64(bytes, len), *body, *id;
	size_t			 size = strlen(b64) + 256;

	body = malloc(size);
	ck_assert_ptr_nonnull(body);
	snprintf(body, size, "{\"purpose\":\"assistants\",\"filename\":\"%s\","
	    "\"data_base64\":\"%s\"}", name, b64);
	post("/v1/actions/files/upload", chatgpt, body, &r);
	root = answer_json(&r);
	id = strdup(json_str(root, "id"));
	json_object_put(root);
	response_free(&r);
	free(body);
	free(b64);
	return id;
}

static struct json_object *
file_content(const char *id, struct response *r)
{
	char	target[256];

	snprintf(target, sizeof(target), "/v1/actions/files/%s/content", id);
	req("GET", target, chatgpt, NULL, 0, r);
	ck_assert_uint_le(r->body_len, ACTIONS_MAX);
	return answer_json(r);
}

/* A small file comes inline, as ChatGPT documents openaiFileResponse. */
START_TEST(small_file_comes_inline)
{
	static const char	 text[] = "Quarterly notes:\nall fine.\n";
	struct json_object	*root, *files, *f;
	struct response		 r;
	unsigned char		*bytes;
	char			*id = upload("notes.md", text, strlen(text));
	size_t			 len;

	root = file_content(id, &r);
	ck_assert_str_eq(json_str(root, "id"), id);
	ck_assert_str_eq(json_str(root, "name"), "notes.md");
	ck_assert_str_eq(json_str(root, "mime_type"), "text/markdown");
	ck_assert_int_eq(json_object_get_int(member(root, "bytes")),
	    (int)strlen(text));
	ck_assert_ptr_null(json_str(root, "url"));
	files = member(root, "openaiFileResponse");
	ck_assert_uint_eq(json_object_array_length(files), 1);
	f = json_object_array_get_idx(files, 0);
	ck_assert_str_eq(json_str(f, "name"), "notes.md");
	ck_assert_str_eq(json_str(f, "mime_type"), "text/markdown");
	bytes = unbase64(json_str(f, "content"), &len);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert(memcmp(bytes, text, len) == 0);
	free(bytes);
	json_object_put(root);
	response_free(&r);
	free(id);
}
END_TEST

/* One byte past RELAY_ACTIONS_FILE_MAX: refused, and nothing sent. */
START_TEST(file_past_the_cap_reaches_nothing)
{
	size_t		 n = TEST_ACTIONS_FILE_MAX + 1, size;
	char		*data = calloc(1, n), *b64, *body;
	struct response	 r;

	ck_assert_ptr_nonnull(data);
	b64 = base64(data, n);
	size = strlen(b64) + 128;
	body = malloc(size);
	ck_assert_ptr_nonnull(body);
	snprintf(body, size, "{\"purpose\":\"assistants\",\"filename\":\"a.bin\","
	    "\"data_base64\":\"%s\"}", b64);
	post("/v1/actions/files/upload", chatgpt, body, &r);
	assert_relay_error(&r, 413, "input_too_large");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
	free(body);
	free(b64);
	free(data);
}
END_TEST

/* One too big for an answer comes as a link, in openaiFileResponse too. */
START_TEST(big_file_comes_as_a_link)
{
	size_t			 n = 200000, i;
	char			*data = malloc(n), *id;
	struct json_object	*root, *files;
	struct response		 r, got;
	const char		*url;

	ck_assert_ptr_nonnull(data);
	for (i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	id = upload("big.csv", data, n);
	root = file_content(id, &r);
	ck_assert_str_eq(json_str(root, "mime_type"), "text/csv");
	url = json_str(root, "url");
	ck_assert_ptr_nonnull(url);
	files = member(root, "openaiFileResponse");
	ck_assert_uint_eq(json_object_array_length(files), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
	    files, 0)), url);
	fetch_link(url, &got);
	assert_link_answer(&got, data, n, "text/csv", 3600);
	/* Not an image: downloaded, never shown in the relay's origin. */
	ck_assert_str_eq(response_header(&got, "Content-Disposition"),
	    "attachment");
	ck_assert_ptr_nonnull(strstr(response_header(&got,
	    "Content-Security-Policy"), "sandbox"));
	response_free(&got);
	json_object_put(root);
	response_free(&r);
	free(id);
	free(data);
}
END_TEST

/* Images are not for openaiFileResponse: a link to show instead. */
START_TEST(image_file_comes_as_a_link)
{
	struct json_object	*root;
	struct response		 r, got;
	unsigned char		*png;
	size_t			 len;
	char			*id;

	png = unbase64(PNG_B64, &len);
	id = upload("cat.png", png, len);
	root = file_content(id, &r);
	ck_assert_str_eq(json_str(root, "mime_type"), "image/png");
	ck_assert(!json_object_object_get_ex(root, "openaiFileResponse", NULL));
	fetch_link(json_str(root, "url"), &got);
	assert_link_answer(&got, png, len, "image/png", 3600);
	response_free(&got);
	json_object_put(root);
	response_free(&r);
	free(id);
	free(png);
}
END_TEST

/* Upstream's own error (no such file) comes back as it was sent. */
START_TEST(missing_file_is_upstreams_404)
{
	struct response	r;
	char		*h;

	req("GET", "/v1/actions/files/file-nope/content", chatgpt, NULL, 0,
	    &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\""));
	h = response_header(&r, "x-request-id");
	ck_assert_msg(h != NULL && strncmp(h, "req_fake_", 9) == 0, "%s", h);
	free(h);
	response_free(&r);
}
END_TEST

/*
 * A request for every Actions operation that gets as far as upstream:
 * the document's operations, with what each must be sent.  A new
 * operation without a row here fails the test below.
 */
static const struct {
	const char	*operation_id;
	const char	*target;	/* path parameters filled in */
	const char	*body;		/* NULL for a GET */
} samples[] = {
	{ "getHealth", "/v1/health", NULL },
	{ "getMyUsage", "/v1/actions/usage", NULL },
	{ "callProxy", "/v1/proxy", "{\"method\":\"GET\",\"path\":"
	    "\"/v1/models\"}" },
	{ "createResponse", "/v1/responses", "{\"model\":\"m\",\"input\":"
	    "\"x\"}" },
	{ "streamResponseAction", "/v1/actions/responses/stream", "\"x\"" },
	{ "getResponse", "/v1/responses/resp_1", NULL },
	{ "cancelResponse", "/v1/responses/resp_1/cancel", "{}" },
	{ "listInputItems", "/v1/responses/resp_1/input_items", NULL },
	{ "compactResponse", "/v1/responses/compact", "{\"model\":\"m\"}" },
	{ "createEmbedding", "/v1/embeddings", "{\"model\":\"m\",\"input\":"
	    "\"x\"}" },
	{ "listModels", "/v1/models", NULL },
	{ "generateImageAction", "/v1/actions/images/generations",
	    "{\"prompt\":\"p\"}" },
	{ "editImageAction", "/v1/actions/images/edits", "{\"prompt\":\"p\","
	    "\"image_base64\":\"" PNG_B64 "\"}" },
	{ "createImageVariationAction", "/v1/actions/images/variations",
	    "{\"image_base64\":\"" PNG_B64 "\"}" },
	{ "downloadFileAction", "/v1/actions/files/file-1/content", NULL },
	{ "uploadFileAction", "/v1/actions/files/upload", "{\"purpose\":"
	    "\"assistants\",\"filename\":\"a.txt\",\"data_base64\":\"aGk=\"}" },
	{ "createUploadAction", "/v1/actions/uploads", "{\"purpose\":"
	    "\"assistants\",\"filename\":\"a\",\"bytes\":2,\"mime_type\":"
	    "\"text/plain\"}" },
	{ "addUploadPartAction", "/v1/actions/uploads/up_1/parts",
	    "{\"data_base64\":\"aGk=\"}" },
	{ "completeUploadAction", "/v1/actions/uploads/up_1/complete",
	    "{\"part_ids\":[\"part_1\"]}" },
	{ "cancelUploadAction", "/v1/actions/uploads/up_1/cancel", "{}" },
	{ "createVideoAction", "/v1/actions/videos", "{\"prompt\":\"p\"}" },
	{ "generateVideoAction", "/v1/actions/videos/generations",
	    "{\"prompt\":\"p\"}" },
	{ "remixVideoAction", "/v1/actions/videos/video_1/remix",
	    "{\"prompt\":\"p\"}" },
	{ "createTranscriptionAction", "/v1/actions/audio/transcriptions",
	    "{\"model\":\"whisper-1\",\"filename\":\"a.mp3\","
	    "\"data_base64\":\"SUQzBA==\"}" },
	{ "createSpeechAction", "/v1/actions/audio/speech", "{\"model\":"
	    "\"gpt-4o-mini-tts\",\"input\":\"hi\",\"voice\":\"nova\"}" },
	{ "createRealtimeSession", "/v1/realtime/sessions", "{\"model\":"
	    "\"gpt-realtime\"}" },
	{ "createRealtimeClientSecret", "/v1/realtime/client_secrets",
	    "{\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\"}}" },
};

/* The Actions rows, gathered before the suite runs. */
static size_t	actions_rows[64];
static int	nactions_rows;

static int
sample_of(const struct route *rt)
{
	size_t	i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].operation_id, rt->operation_id) == 0)
			return (int)i;
	return -1;
}

/* Calls rt as ChatGPT would (or as an SDK, with sdk_ua). */
static void
call_sample(const struct route *rt, int k, const char *const *headers,
    struct response *r)
{
	req(method_name(rt->method), samples[k].target, headers,
	    samples[k].body, samples[k].body ? strlen(samples[k].body) : 0, r);
}

/*
 * Every Actions operation, against the largest answer the fake makes
 * (4 GiB, as JSON or as an event stream): what ChatGPT gets fits in an
 * Action's answer and says it was not passed on, never a cut body
 * presented as whole.  The relay stops reading, so this is quick.
 */
START_TEST(every_actions_answer_fits_or_says_it_was_cut)
{
	const struct route	*rt = &routes[actions_rows[_i]];
	bool			 stream = rt->handler == HANDLER_STREAM_WRAPPER;
	struct json_object	*root, *err;
	struct response		 r;
	char			 script[256];
	int			 k = sample_of(rt);

	ck_assert_msg(k >= 0, "no sample request for %s: add one",
	    rt->operation_id);
	if (rt->handler == HANDLER_HEALTH || rt->handler == HANDLER_USAGE) {
		/* Answered by the relay itself, and small. */
		call_sample(rt, k, chatgpt, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_uint_le(r.body_len, ACTIONS_MAX);
		response_free(&r);
		return;
	}
	snprintf(script, sizeof(script), "{\"large_body_bytes\":" HUGE_ANSWER
	    ",\"content_type\":\"%s\"}", stream ? "text/event-stream" :
	    "application/json");
	fake_script(integ_fake_url, script);
	call_sample(rt, k, chatgpt, &r);
	ck_assert_msg(r.body_len <= ACTIONS_MAX, "%s: %lu bytes",
	    rt->operation_id, (unsigned long)r.body_len);
	ck_assert_int_ge(fake_request_count(integ_fake_url), 1);
	if (stream) {
		/* Too late for an envelope: the last event says it. */
		ck_assert_int_eq(r.status, 200);
		ck_assert_msg(strstr(r.body, "event: error\ndata: ") != NULL &&
		    strstr(r.body, "\"code\":\"answer_too_large\"") != NULL &&
		    strcmp(r.body + r.body_len - 2, "\n\n") == 0,
		    "%s: %.200s", rt->operation_id, r.body + (r.body_len > 300 ?
		    r.body_len - 300 : 0));
		response_free(&r);
		return;
	}
	/* Wrappers that rewrite OpenAI's answer hold at most what they
	 * can use; the rest at most what an Action can read. */
	ck_assert_msg(r.status == 502, "%s: %ld", rt->operation_id, r.status);
	root = response_json(&r);
	ck_assert_msg(root != NULL && json_object_object_get_ex(root, "error",
	    &err), "%s: %.200s", rt->operation_id, r.body);
	ck_assert_msg(strcmp(json_str(err, "code"), "answer_too_large") == 0 ||
	    strcmp(json_str(err, "code"), "upstream_bad_response") == 0,
	    "%s: %s", rt->operation_id, r.body);
	json_object_put(root);
	response_free(&r);
}
END_TEST

/*
 * SDKs use the same canonical paths and get every answer whole, however
 * long; the same call from ChatGPT is refused in the envelope.
 */
START_TEST(sdk_answers_are_never_cut)
{
	static const char	 script[] = "{\"large_body_bytes\":300000,"
	    "\"content_type\":\"application/json\",\"times\":2}";
	const struct route	*rt = &routes[actions_rows[_i]];
	struct response		 r;
	int			 k = sample_of(rt);

	/* Only the canonical paths are the SDKs'. */
	if (rt->handler != HANDLER_FORWARD)
		return;
	ck_assert_int_ge(k, 0);
	fake_script(integ_fake_url, script);
	call_sample(rt, k, sdk, &r);
	ck_assert_msg(r.status == 200 && r.body_len == 300000, "%s: %ld, %lu",
	    rt->operation_id, r.status, (unsigned long)r.body_len);
	response_free(&r);
	call_sample(rt, k, chatgpt, &r);
	assert_relay_error(&r, 502, "answer_too_large");
	response_free(&r);
}
END_TEST

/* An answer just under the limit passes to ChatGPT whole. */
START_TEST(answer_at_the_limit_passes_whole)
{
	struct response	r;

	fake_script(integ_fake_url, "{\"large_body_bytes\":99999,"
	    "\"content_type\":\"application/json\"}");
	req("GET", "/v1/models", chatgpt, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 99999);
	response_free(&r);
	fake_script(integ_fake_url, "{\"large_body_bytes\":100000,"
	    "\"content_type\":\"application/json\"}");
	req("GET", "/v1/models", chatgpt, NULL, 0, &r);
	assert_relay_error(&r, 502, "answer_too_large");
	response_free(&r);
}
END_TEST

static void
actions_rows_gather(void)
{
	size_t	i;

	nactions_rows = 0;
	for (i = 0; i < routes_count; i++)
		if (route_in_actions(&routes[i]))
			actions_rows[nactions_rows++] = i;
}

void
add_links_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("links");

	(void)kind;
	actions_rows_gather();
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, image_generation_answers_links_to_upstreams_bytes);
	tcase_add_test(tc, image_edits_and_variations_answer_links);
	tcase_add_test(tc, image_generation_refusals_reach_nothing);
	tcase_add_test(tc, unknown_links_are_404);
	tcase_add_test(tc, small_file_comes_inline);
	tcase_add_test(tc, big_file_comes_as_a_link);
	tcase_add_test(tc, file_past_the_cap_reaches_nothing);
	tcase_add_test(tc, image_file_comes_as_a_link);
	tcase_add_test(tc, missing_file_is_upstreams_404);
	suite_add_tcase(s, tc);
	tc = tcase_create("answers");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_loop_test(tc, every_actions_answer_fits_or_says_it_was_cut,
	    0, nactions_rows);
	tcase_add_loop_test(tc, sdk_answers_are_never_cut, 0, nactions_rows);
	tcase_add_test(tc, answer_at_the_limit_passes_whole);
	suite_add_tcase(s, tc);
}

/* One image of the fake's, generated through the wrapper: its link. */
static char *
one_image_link(struct response *r)
{
	struct json_object	*root;
	char			*url;

	post("/v1/actions/images/generations", chatgpt,
	    "{\"prompt\":\"a lighthouse\",\"size\":\"1024x1024\"}", r);
	if (r->status != 200)
		return NULL;
	root = answer_json(r);
	url = strdup(json_str(json_object_array_get_idx(member(root, "data"),
	    0), "url"));
	json_object_put(root);
	return url;
}

/*
 * RELAY_ACTIONS_LINKS_MAX = TEST_LINKS_MAX: two images fit, the third
 * is refused with 507 (nothing held for it), and the links made still
 * serve.  Files brought into the conversation share the same cap.
 */
START_TEST(links_hold_at_most_the_cap)
{
	struct response	 r, got;
	char		*url[2], *id, target[256];
	unsigned char	*png;
	size_t		 len, i;

	for (i = 0; i < 2; i++) {
		url[i] = one_image_link(&r);
		ck_assert_msg(url[i] != NULL, "%ld %s", r.status, r.body);
		response_free(&r);
	}
	ck_assert_ptr_null(one_image_link(&r));
	assert_relay_error(&r, 507, "links_full");
	response_free(&r);
	/* An image of 60,000 bytes would fit alone; not beside the two. */
	len = 60000;
	png = calloc(1, len);
	ck_assert_ptr_nonnull(png);
	memcpy(png, "\x89PNG\r\n\x1a\n", 8);
	id = upload("cat.png", png, len);
	snprintf(target, sizeof(target), "/v1/actions/files/%s/content", id);
	req("GET", target, chatgpt, NULL, 0, &r);
	assert_relay_error(&r, 507, "links_full");
	response_free(&r);
	for (i = 0; i < 2; i++) {
		fetch_link(url[i], &got);
		ck_assert_int_eq(got.status, 200);
		ck_assert_uint_eq(got.body_len, IMAGE_BYTES);
		response_free(&got);
		free(url[i]);
	}
	free(id);
	free(png);
}
END_TEST

/* The one test a relay.conf of its own is for. */
static void
add_one_test(Suite *s, const TTest *test)
{
	TCase	*tc = tcase_create("links");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

void
add_links_cap_tests(Suite *s, enum frontend_kind kind)
{
	(void)kind;
	add_one_test(s, links_hold_at_most_the_cap);
}

/*
 * RELAY_ACTIONS_LINK_TTL = 1: the answer says so, and a wait of more
 * than two seconds (a sleep lasts at least that long, however fast or
 * slow the machine) leaves the link expired: 404.
 */
START_TEST(expired_links_are_404)
{
	struct json_object	*root;
	struct response		 r, got;
	time_t			 after;
	char			*url;

	url = one_image_link(&r);
	ck_assert_ptr_nonnull(url);
	after = time(NULL);
	root = answer_json(&r);
	ck_assert(json_object_get_int64(member(json_object_array_get_idx(
	    member(root, "data"), 0), "expires_at")) <= (long long)after + 1);
	json_object_put(root);
	response_free(&r);
	sleep(2);
	usleep(500000);
	fetch_link(url, &got);
	assert_relay_error(&got, 404, "link_not_found");
	response_free(&got);
	free(url);
}
END_TEST

void
add_links_expiry_tests(Suite *s, enum frontend_kind kind)
{
	(void)kind;
	add_one_test(s, expired_links_are_404);
}

/*
 * Behind every kind of server: a WebSocket handshake on /v1/responses
 * (Codex, responses.connect()) or /v1/realtime without the bridge gets
 * 426 in the envelope, so the client falls back to HTTP at once, and
 * nothing reaches upstream; an ordinary GET is still 405.
 */
START_TEST(websocket_handshake_gets_426)
{
	static const char *const ws[] = {
		AUTH, "Connection: Upgrade", "Upgrade: websocket",
		"Sec-WebSocket-Version: 13",
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", NULL,
	};
	static const char *const auth[] = { AUTH, NULL };
	static const char *const paths[] = {
		"/v1/responses", "/v1/realtime?model=gpt-realtime",
		"/v1/realtime/ws?model=gpt-realtime",
	};
	struct response	 r;
	size_t		 i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		req("GET", paths[i], ws, NULL, 0, &r);
		assert_relay_error(&r, 426, "websocket_not_supported");
		response_free(&r);
	}
	req("GET", "/v1/responses", auth, NULL, 0, &r);
	assert_relay_error(&r, 405, "method_not_allowed");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

void
add_actions_relay_tests(Suite *s)
{
	TCase	*tc = tcase_create("websocket");

	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, websocket_handshake_gets_426);
	suite_add_tcase(s, tc);
}
