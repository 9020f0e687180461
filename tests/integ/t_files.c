/*
 * Files, uploads, images and videos through a real front server.  The
 * files row (behind the servers that spawn the relay): multipart
 * uploads and binary downloads streamed through intact, malformed and
 * oversize uploads refused.  The actions row (behind one): the Actions
 * wrappers end to end (what the fake upstream parsed out of the
 * multipart the relay built), and the image download guard against a
 * real HTTPS server.  (Every validation error reaching nothing upstream:
 * tests/unit/check_handlers.c.)
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH	"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT	"Content-Type: application/json"

/* The HTTPS file server the image wrappers download from. */
static struct {
	pid_t	pid;
	int	port;
	char	dir[64];
} tls;

static uint64_t
fnv1a64(const void *data, size_t len)
{
	const unsigned char	*p = data;
	uint64_t		 h = 0xcbf29ce484222325ULL;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static char *
base64(const void *data, size_t len)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*p = data;
	char			*out = malloc(len / 3 * 4 + 8), *o = out;
	size_t			 i;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = abc[p[i] >> 2];
		*o++ = abc[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = abc[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = abc[p[i + 2] & 63];
	}
	if (len - i == 1) {
		*o++ = abc[p[i] >> 2];
		*o++ = abc[(p[i] & 3) << 4];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		*o++ = abc[p[i] >> 2];
		*o++ = abc[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = abc[(p[i + 1] & 15) << 2];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* A PNG signature followed by len - 8 bytes of pattern. */
static char *
fake_png(size_t len, unsigned char seed)
{
	static const unsigned char magic[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};
	char	*p = malloc(len);
	size_t	 i;

	memcpy(p, magic, 8);
	for (i = 8; i < len; i++)
		p[i] = (char)(i * 7 + seed);
	return p;
}

static void
post_json(const char *target, const char *body, struct response *r)
{
	const char	*headers[] = { AUTH, JSON_CT, NULL };

	ck_assert(http_request(integ_frontend->base_url, "POST", target,
	    headers, body, strlen(body), r) == 0);
}

static void
assert_error(const struct response *r, long status, const char *code,
    const char *param)
{
	struct json_object	*root, *err, *p;

	ck_assert_msg(r->status == status, "%ld, want %ld: %s", r->status,
	    status, r->body);
	root = response_json(r);
	ck_assert_msg(root != NULL && json_object_object_get_ex(root, "error",
	    &err), "%s", r->body);
	ck_assert_str_eq(json_str(err, "code"), code);
	ck_assert(json_object_object_get_ex(err, "param", &p));
	if (param == NULL)
		ck_assert_ptr_null(p);
	else
		ck_assert_str_eq(json_object_get_string(p), param);
	json_object_put(root);
}

/* Requests upstream completed (a refused upload may leave a stub). */
static int
completed_upstream(void)
{
	struct json_object	*list = fake_requests(integ_fake_url), *c;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < json_object_array_length(list); i++)
		if (!json_object_object_get_ex(json_object_array_get_idx(list,
		    i), "body_complete", &c) || json_object_get_boolean(c))
			n++;
	json_object_put(list);
	return n;
}

/* The recorded request's first part called name, or NULL. */
static struct json_object *
part(struct json_object *req, const char *name)
{
	return recorded_part(req, name, 0);
}

static struct json_object *
last_request(struct json_object **list)
{
	*list = fake_requests(integ_fake_url);
	ck_assert_uint_ge(json_object_array_length(*list), 1);
	return json_object_array_get_idx(*list,
	    json_object_array_length(*list) - 1);
}

START_TEST(multipart_upload_streams_through_intact)
{
	size_t			 len = 40 * 1024 * 1024;
	char			*data = fake_png(len, 3), hex[32];
	CURL			*c = curl_easy_init();
	curl_mime		*form = curl_mime_init(c);
	curl_mimepart		*mp;
	struct curl_slist	*h = curl_slist_append(NULL, AUTH);
	struct json_object	*list, *up, *file;
	char			 url[256];
	long			 status = 0;

	mp = curl_mime_addpart(form);
	curl_mime_name(mp, "purpose");
	curl_mime_data(mp, "batch", CURL_ZERO_TERMINATED);
	mp = curl_mime_addpart(form);
	curl_mime_name(mp, "file");
	curl_mime_filename(mp, "big.bin");
	curl_mime_type(mp, "application/octet-stream");
	curl_mime_data(mp, data, len);
	snprintf(url, sizeof(url), "%s/v1/files", integ_frontend->base_url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, form);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwrite);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, fopen("/dev/null", "w"));
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_mime_free(form);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ck_assert_int_eq(status, 200);

	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/files");
	ck_assert_ptr_nonnull(strstr(recorded_header(up, "Content-Type"),
	    "multipart/form-data; boundary="));
	file = part(up, "file");
	ck_assert_ptr_nonnull(file);
	ck_assert_str_eq(json_str(file, "filename"), "big.bin");
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(file,
	    "length")), (int64_t)len);
	snprintf(hex, sizeof(hex), "%016llx",
	    (unsigned long long)fnv1a64(data, len));
	ck_assert_str_eq(json_str(file, "fnv1a64"), hex);
	ck_assert_str_eq(json_str(part(up, "purpose"), "text"), "batch");
	json_object_put(list);
	free(data);
}
END_TEST

static size_t
count_download(char *ptr, size_t size, size_t nmemb, void *arg)
{
	uint64_t	*state = arg;	/* [0] hash, [1] length */
	size_t		 n = size * nmemb, i;

	for (i = 0; i < n; i++)
		state[0] = (state[0] ^ (unsigned char)ptr[i]) *
		    0x100000001b3ULL;
	state[1] += n;
	return n;
}

START_TEST(binary_download_streams_through_intact)
{
	const uint64_t		 len = 100000000;
	uint64_t		 state[2] = { 0xcbf29ce484222325ULL, 0 };
	uint64_t		 want = 0xcbf29ce484222325ULL, i;
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = curl_slist_append(NULL, AUTH);
	char			 url[256], script[256];
	long			 status = 0;
	curl_off_t		 clen = 0;

	snprintf(script, sizeof(script), "{\"large_body_bytes\":%llu,"
	    "\"headers\":{\"Content-Disposition\":\"attachment; filename="
	    "\\\"v.mp4\\\"\"}}", (unsigned long long)len);
	fake_script(integ_fake_url, script);
	snprintf(url, sizeof(url), "%s/v1/videos/video_1/content?variant=video",
	    integ_frontend->base_url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_download);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, state);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ck_assert_int_eq(status, 200);
	ck_assert_uint_eq(state[1], len);
	ck_assert_int_eq(clen, (curl_off_t)len);
	/* The fake's pattern: byte i is i * 31 mod 251. */
	for (i = 0; i < len; i++)
		want = (want ^ (uint64_t)(i * 31 % 251)) * 0x100000001b3ULL;
	ck_assert_msg(state[0] == want, "downloaded bytes differ");
}
END_TEST

static const struct {
	const char	*content_type;
	const char	*body;
	long		 status;
	const char	*code;
} upload_refusals[] = {
	/* No closing boundary: refused before upstream has it all. */
	{ "multipart/form-data; boundary=xyz",
	    "--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
	    "batch\r\n", 400, "invalid_multipart" },
	{ "multipart/form-data; boundary=xyz",
	    "garbage before\r\n--xyz--\r\n", 400, "invalid_multipart" },
	{ "multipart/form-data", "--x--\r\n", 415, "unsupported_media_type" },
	{ "application/json", "{\"purpose\":\"batch\"}", 415,
	    "unsupported_media_type" },
	{ "text/plain", "hello", 415, "unsupported_media_type" },
};

START_TEST(malformed_uploads_are_refused)
{
	char		 ct[128];
	const char	*headers[] = { AUTH, ct, NULL };
	struct response	 r;

	snprintf(ct, sizeof(ct), "Content-Type: %s",
	    upload_refusals[_i].content_type);
	ck_assert(http_request(integ_frontend->base_url, "POST", "/v1/files",
	    headers, upload_refusals[_i].body,
	    strlen(upload_refusals[_i].body), &r) == 0);
	assert_error(&r, upload_refusals[_i].status, upload_refusals[_i].code,
	    NULL);
	response_free(&r);
	ck_assert_int_eq(completed_upstream(), 0);
}
END_TEST

START_TEST(oversize_upload_is_413_unread)
{
	const char	*headers[] = { AUTH,
	    "Content-Type: multipart/form-data; boundary=b", NULL };
	size_t		 len = TEST_MAX_UPLOAD_BODY + 1;
	char		*body = calloc(1, len);
	struct response	 r;

	memcpy(body, "--b\r\n", 5);
	ck_assert(http_request(integ_frontend->base_url, "POST", "/v1/files",
	    headers, body, len, &r) == 0);
	assert_error(&r, 413, "request_too_large", NULL);
	response_free(&r);
	free(body);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(file_upload_action_builds_the_multipart)
{
	struct json_object	*list, *up, *p;
	struct response		 r;

	post_json("/v1/actions/files/upload?x=1", "{\"purpose\":\"assistants\","
	    "\"filename\":\"notes.txt\",\"mime_type\":\"text/plain\","
	    "\"data_base64\":\"aGVsbG8gd29ybGQ=\"}", &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "method"), "POST");
	ck_assert_str_eq(json_str(up, "path"), "/v1/files");
	ck_assert_str_eq(json_str(up, "query"), "x=1");
	ck_assert_ptr_nonnull(strstr(recorded_header(up, "Content-Type"),
	    "multipart/form-data; boundary="));
	ck_assert_uint_eq(recorded_header_count(up, "Content-Type"), 1);
	ck_assert_str_eq(json_str(part(up, "purpose"), "text"), "assistants");
	p = part(up, "file");
	ck_assert_str_eq(json_str(p, "filename"), "notes.txt");
	ck_assert_str_eq(json_str(p, "content_type"), "text/plain");
	ck_assert_str_eq(json_str(p, "text"), "hello world");
	json_object_put(list);

	/* ChatGPT's data: URL form decodes the same (upstream's answer to
	 * a made-up upload id is its own 404). */
	fake_reset(integ_fake_url);
	post_json("/v1/actions/uploads/upload_9/parts", "{\"data_base64\":"
	    "\"data:text/plain;base64,aGk=\"}", &r);
	ck_assert_msg(r.status == 404 && strcasestr(r.headers,
	    "\r\nx-request-id: req_fake_") != NULL, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/uploads/upload_9/parts");
	ck_assert_str_eq(json_str(part(up, "data"), "text"), "hi");
	json_object_put(list);
}
END_TEST

START_TEST(image_edit_from_base64_and_download)
{
	char			*image = fake_png(3000, 1), *mask = fake_png(900, 2);
	char			*image64 = base64(image, 3000);
	char			*mask64 = base64(mask, 900), *body, hex[32];
	struct json_object	*list, *up, *p;
	struct response		 r;
	size_t			 size = strlen(image64) + strlen(mask64) + 512;

	body = malloc(size);
	snprintf(body, size, "{\"image_base64\":\"%s\",\"mask_base64\":"
	    "\"data:image/png;base64,%s\",\"prompt\":\"add a hat\","
	    "\"model\":\"gpt-image-1\",\"n\":2,\"openaiFileIdRefs\":[]}",
	    image64, mask64);
	post_json("/v1/actions/images/edits", body, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/images/edits");
	p = part(up, "image");
	ck_assert_str_eq(json_str(p, "filename"), "image.png");
	ck_assert_str_eq(json_str(p, "content_type"), "image/png");
	snprintf(hex, sizeof(hex), "%016llx",
	    (unsigned long long)fnv1a64(image, 3000));
	ck_assert_str_eq(json_str(p, "fnv1a64"), hex);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(part(up,
	    "mask"), "length")), 900);
	ck_assert_str_eq(json_str(part(up, "prompt"), "text"), "add a hat");
	ck_assert_str_eq(json_str(part(up, "n"), "text"), "2");
	ck_assert_str_eq(json_str(part(up, "model"), "text"), "gpt-image-1");
	json_object_put(list);

	/* The same image from the HTTPS host, as a ChatGPT file ref. */
	fake_reset(integ_fake_url);
	snprintf(body, size, "{\"openaiFileIdRefs\":[{\"name\":\"cat.png\","
	    "\"mime_type\":\"image/png\",\"download_link\":"
	    "\"https://localhost:%d/image.png\"}]}", tls.port);
	post_json("/v1/actions/images/variations", body, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/images/variations");
	p = part(up, "image");
	ck_assert_str_eq(json_str(p, "filename"), "cat.png");
	ck_assert_str_eq(json_str(p, "fnv1a64"), hex);
	json_object_put(list);
	free(body);
	free(image);
	free(mask);
	free(image64);
	free(mask64);
}
END_TEST

START_TEST(download_guard_against_a_real_host)
{
	static const struct {
		const char	*file;
		long		 status;
		const char	*code;
	} cases[] = {
		{ "redirect.png", 400, "fetch_failed" },	/* no redirects */
		{ "missing.png", 400, "fetch_failed" },
		{ "huge.png", 413, "input_too_large" },
		{ "text.txt", 400, "invalid_image" },
	};
	char		body[256];
	struct response	r;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"image_url\":"
		    "\"https://localhost:%d/%s\"}", tls.port, cases[i].file);
		post_json("/v1/actions/images/variations", body, &r);
		assert_error(&r, cases[i].status, cases[i].code, "image_url");
		response_free(&r);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(video_actions_send_only_api_fields)
{
	struct json_object	*list, *up, *p;
	struct response		 r;

	post_json("/v1/actions/videos/generations", "{\"prompt\":\"a cat\","
	    "\"model\":\"sora-2\",\"seconds\":\"8\",\"size\":\"1280x720\","
	    "\"frames\":24}", &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/videos");
	ck_assert_str_eq(json_str(up, "body"), "{\"prompt\":\"a cat\","
	    "\"model\":\"sora-2\",\"size\":\"1280x720\",\"seconds\":\"8\"}");
	json_object_put(list);

	fake_reset(integ_fake_url);
	post_json("/v1/actions/videos", "{\"prompt\":\"move\",\"duration_seconds"
	    "\":4,\"input_reference_base64\":\"QUJD\",\"filename\":\"ref.jpg\","
	    "\"mime_type\":\"image/jpeg\"}", &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(part(up, "seconds"), "text"), "4");
	ck_assert_str_eq(json_str(part(up, "prompt"), "text"), "move");
	p = part(up, "input_reference");
	ck_assert_str_eq(json_str(p, "filename"), "ref.jpg");
	ck_assert_str_eq(json_str(p, "content_type"), "image/jpeg");
	ck_assert_str_eq(json_str(p, "text"), "ABC");
	ck_assert_ptr_null(part(up, "duration_seconds"));
	json_object_put(list);

	fake_reset(integ_fake_url);
	post_json("/v1/actions/videos/video_7/remix", "{\"prompt\":\"night\"}",
	    &r);
	ck_assert_msg(r.status == 404 && strcasestr(r.headers,
	    "\r\nx-request-id: req_fake_") != NULL, "%s", r.body);
	response_free(&r);
	up = last_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/videos/video_7/remix");
	ck_assert_str_eq(json_str(up, "body"), "{\"prompt\":\"night\"}");
	json_object_put(list);
}
END_TEST

/* The resumable flow against the fake's stateful Uploads emulation. */
START_TEST(resumable_upload_round_trip)
{
	static const char *const chunks[] = { "first part, ", "second, ",
	    "and the end." };
	struct json_object	*o, *ids = json_object_new_array(), *file;
	struct response		 r;
	const char		*headers[] = { AUTH, NULL };
	char			 body[512], path[256], complete[300], *b64;
	size_t			 i;

	post_json("/v1/actions/uploads", "{\"purpose\":\"batch\",\"filename\":"
	    "\"all.txt\",\"bytes\":32,\"mime_type\":\"text/plain\"}", &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	o = response_json(&r);
	snprintf(path, sizeof(path), "/v1/actions/uploads/%s",
	    json_str(o, "id"));
	json_object_put(o);
	response_free(&r);
	for (i = 0; i < 3; i++) {
		char target[300];

		b64 = base64(chunks[i], strlen(chunks[i]));
		snprintf(body, sizeof(body), "{\"data_base64\":\"%s\"}", b64);
		free(b64);
		snprintf(target, sizeof(target), "%s/parts", path);
		post_json(target, body, &r);
		ck_assert_msg(r.status == 200, "%s", r.body);
		o = response_json(&r);
		json_object_array_add(ids, json_object_new_string(
		    json_str(o, "id")));
		json_object_put(o);
		response_free(&r);
	}
	snprintf(body, sizeof(body), "{\"part_ids\":%s}",
	    json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN));
	json_object_put(ids);
	snprintf(complete, sizeof(complete), "%s/complete", path);
	post_json(complete, body, &r);
	ck_assert_msg(r.status == 200, "%s", r.body);
	o = response_json(&r);
	ck_assert_str_eq(json_str(o, "status"), "completed");
	ck_assert(json_object_object_get_ex(o, "file", &file));
	snprintf(path, sizeof(path), "/v1/files/%s/content",
	    json_str(file, "id"));
	json_object_put(o);
	response_free(&r);
	ck_assert(http_request(integ_frontend->base_url, "GET", path, headers,
	    NULL, 0, &r) == 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "first part, second, and the end.");
	response_free(&r);

	/* A second upload, cancelled without a body. */
	post_json("/v1/actions/uploads", "{\"purpose\":\"batch\",\"filename\":"
	    "\"x\",\"bytes\":1,\"mime_type\":\"text/plain\"}", &r);
	o = response_json(&r);
	snprintf(path, sizeof(path), "/v1/actions/uploads/%s/cancel",
	    json_str(o, "id"));
	json_object_put(o);
	response_free(&r);
	ck_assert(http_request(integ_frontend->base_url, "POST", path, headers,
	    "", 0, &r) == 0);
	ck_assert_msg(r.status == 200, "%s", r.body);
	o = response_json(&r);
	ck_assert_str_eq(json_str(o, "status"), "cancelled");
	json_object_put(o);
	response_free(&r);
}
END_TEST

/* Writes len bytes of data to dir/name. */
static void
put_file(const char *name, const void *data, size_t len)
{
	char	path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/www/%s", tls.dir, name);
	fp = fopen(path, "w");
	fwrite(data, 1, len, fp);
	fclose(fp);
	chmod(path, 0644);
}

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* Does the HTTPS server answer 200 for the image, trusting its cert? */
static bool
tls_serves_image(void)
{
	CURL	*c = curl_easy_init();
	char	 url[128], ca[128];
	long	 status = 0;

	snprintf(url, sizeof(url), "https://localhost:%d/image.png", tls.port);
	snprintf(ca, sizeof(ca), "%s/cert.pem", tls.dir);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 2L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status == 200;
}

int
files_fixture_start(char *conf, size_t confsz)
{
	char	cmd[1024], path[256], doc[512];
	char	*image = fake_png(3000, 1), *huge;
	FILE	*fp;
	int	i, s;

	snprintf(tls.dir, sizeof(tls.dir), "/tmp/relay-tls-XXXXXX");
	if (mkdtemp(tls.dir) == NULL)
		return -1;
	chmod(tls.dir, 0755);
	snprintf(cmd, sizeof(cmd), "mkdir -m 755 %s/www && openssl req -x509 "
	    "-newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem "
	    "-days 2 -subj /CN=localhost -addext "
	    "subjectAltName=DNS:localhost,IP:127.0.0.1 "
	    ">/dev/null 2>&1 && chmod 644 %s/cert.pem", tls.dir, tls.dir,
	    tls.dir, tls.dir);
	if (system(cmd) != 0)
		return -1;
	put_file("image.png", image, 3000);
	put_file("text.txt", "not a png at all", 16);
	huge = fake_png(5 * 1024 * 1024, 9);
	put_file("huge.png", huge, 5 * 1024 * 1024);
	free(huge);
	free(image);

	for (i = 0; i < 5; i++) {
		tls.port = 20000 + (int)(getpid() % 20000) + i * 7;
		/* An OAuth client ID metadata document names its own URL. */
		snprintf(doc, sizeof(doc), "{\"client_id\":\"https://"
		    "localhost:%d/oauth-client.json\",\"client_name\":"
		    "\"Document client\",\"redirect_uris\":[\""
		    TEST_OAUTH_DOC_REDIRECT "\"]}", tls.port);
		put_file("oauth-client.json", doc, strlen(doc));
		snprintf(path, sizeof(path), "%s/lighttpd.conf", tls.dir);
		fp = fopen(path, "w");
		fprintf(fp, "server.modules = (\"mod_openssl\", "
		    "\"mod_redirect\")\n"
		    "server.bind = \"127.0.0.1\"\nserver.port = %d\n"
		    "server.document-root = \"%s/www\"\n"
		    "server.errorlog = \"%s/error.log\"\n"
		    "ssl.engine = \"enable\"\n"
		    "ssl.pemfile = \"%s/cert.pem\"\n"
		    "ssl.privkey = \"%s/key.pem\"\n"
		    "url.redirect = (\"^/redirect.png$\" => "
		    "\"https://localhost:%d/image.png\")\n",
		    tls.port, tls.dir, tls.dir, tls.dir, tls.dir, tls.port);
		fclose(fp);
		tls.pid = fork();
		if (tls.pid == 0) {
			execlp("lighttpd", "lighttpd", "-D", "-f", path,
			    (char *)NULL);
			_exit(127);
		}
		/* Ready when it serves the image over TLS (a 30 s guard). */
		for (s = 0; s < 300; s++) {
			if (tls_serves_image()) {
				snprintf(conf, confsz, "RELAY_FETCH_HOSTS = "
				    "localhost:%d\nRELAY_FETCH_CA_FILE = "
				    "%s/cert.pem\n"
				    "RELAY_OAUTH_CLIENT_PRIVATE_HOSTS = "
				    "localhost:%d\n", tls.port, tls.dir,
				    tls.port);
				return 0;
			}
			if (waitpid(tls.pid, NULL, WNOHANG) == tls.pid)
				break;	/* port taken: try another */
			usleep(100000);
		}
		kill(tls.pid, SIGKILL);
		waitpid(tls.pid, NULL, 0);
	}
	return -1;
}

const char *
files_fixture_host(void)
{
	static char	host[32];

	snprintf(host, sizeof(host), "localhost:%d", tls.port);
	return host;
}

void
files_fixture_stop(void)
{
	char	cmd[128];

	if (tls.pid > 0) {
		kill(tls.pid, SIGTERM);
		waitpid(tls.pid, NULL, 0);
		tls.pid = 0;
	}
	if (tls.dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tls.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "integ: could not remove %s\n", tls.dir);
		tls.dir[0] = '\0';
	}
}

/* Uploads and downloads streamed through the front server, intact. */
void
add_files_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("files");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, multipart_upload_streams_through_intact);
	tcase_add_test(tc, binary_download_streams_through_intact);
	tcase_add_loop_test(tc, malformed_uploads_are_refused, 0,
	    (int)(sizeof(upload_refusals) / sizeof(upload_refusals[0])));
	tcase_add_test(tc, oversize_upload_is_413_unread);
	suite_add_tcase(s, tc);
}

/* The Actions wrappers end to end, and the image download guard. */
void
add_actions_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("actions");

	(void)kind;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, file_upload_action_builds_the_multipart);
	tcase_add_test(tc, image_edit_from_base64_and_download);
	tcase_add_test(tc, download_guard_against_a_real_host);
	tcase_add_test(tc, video_actions_send_only_api_fields);
	tcase_add_test(tc, resumable_upload_round_trip);
	suite_add_tcase(s, tc);
}
