/*
 * The soak's clients: each thread walks the same mix of requests from
 * its own starting point, on one keep-alive curl handle, and checks
 * every answer (status and body) against what that kind must get.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json.h>

#include "tests/soak/soak.h"

#define AUTH		"Authorization: Bearer " SOAK_RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
#define UPLOAD_BYTES	(48 * 1024)
/* The fake's default stream: created, 3 deltas, completed, [DONE]. */
#define STREAM_DELTAS	3
#define CLIENTS_MAX	64

static const struct {
	const char	*name;
	int		 expected;
} kinds[K__MAX] = {
	[K_EMBEDDINGS] = { "POST /v1/embeddings", 200 },
	[K_CHAT] = { "POST /v1/chat/completions", 200 },
	[K_STREAM] = { "POST /v1/responses (stream)", 200 },
	[K_UPLOAD] = { "POST /v1/files (multipart)", 200 },
	[K_DOWNLOAD] = { "GET /v1/files/{id}/content", 200 },
	[K_DELETE] = { "DELETE /v1/files/{id}", 200 },
	[K_MODELS] = { "GET /v1/models", 200 },
	[K_BAD_KEY] = { "wrong relay key", 401 },
	[K_UNKNOWN_ROUTE] = { "unknown route", 404 },
	[K_OVERSIZE] = { "JSON over the cap", 413 },
	[K_UPSTREAM_500] = { "upstream 500", 500 },
};

/* One round of the mix; an upload is followed by its download and delete. */
static const enum soak_kind mix[] = {
	K_EMBEDDINGS, K_CHAT, K_STREAM, K_EMBEDDINGS, K_UPLOAD, K_MODELS,
	K_EMBEDDINGS, K_CHAT, K_STREAM, K_BAD_KEY, K_EMBEDDINGS, K_CHAT,
	K_UNKNOWN_ROUTE, K_STREAM, K_OVERSIZE, K_EMBEDDINGS, K_UPSTREAM_500,
	K_CHAT,
};

static atomic_long	done;
static pthread_mutex_t	counts_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*oversize_body;
static unsigned char	 upload_bytes[UPLOAD_BYTES];

const char *
soak_kind_name(enum soak_kind k)
{
	return kinds[k].name;
}

int
soak_kind_expected(enum soak_kind k)
{
	return kinds[k].expected;
}

long
soak_load_done(void)
{
	return atomic_load(&done);
}

struct body {
	char	*data;
	size_t	 len;
};

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body	*b = arg;
	size_t		 n = size * nmemb;

	if ((b->data = realloc(b->data, b->len + n + 1)) == NULL)
		abort();
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

struct client {
	pthread_t		 thread;
	const char		*base_url;
	volatile bool		*stop;
	struct soak_counts	*counts;
	CURL			*curl;
	size_t			 next;		/* position in mix */
	char			 file_id[128];	/* the last upload's */
};

/*
 * One request: method and path, a JSON body or a multipart form, with
 * or without the right key.  The status (0 if no answer) and body.
 */
static long
call(struct client *c, const char *method, const char *path,
    const char *json, curl_mime *form, const char *key_header,
    struct body *b)
{
	struct curl_slist	*h = NULL;
	char			 url[512];
	long			 status = 0;

	memset(b, 0, sizeof(*b));
	curl_easy_reset(c->curl);
	snprintf(url, sizeof(url), "%s%s", c->base_url, path);
	h = curl_slist_append(h, key_header);
	h = curl_slist_append(h, "Expect:");
	if (json != NULL) {
		h = curl_slist_append(h, JSON_CT);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, json);
	}
	if (form != NULL)
		curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, form);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
	if (curl_easy_perform(c->curl) == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	atomic_fetch_add(&done, 1);
	return status;
}

/* Whether the body is JSON with key (an object or array) at the top. */
static bool
json_has(const struct body *b, const char *key)
{
	struct json_object	*root = json_tokener_parse(b->data ? b->data :
	    "");
	bool			 ok = root != NULL &&
	    json_object_object_get_ex(root, key, NULL);

	json_object_put(root);
	return ok;
}

static int
occurrences(const char *hay, const char *needle)
{
	int	n = 0;

	for (; hay != NULL && (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* Remembers the upload's id for its download and delete. */
static bool
take_file_id(struct client *c, const struct body *b)
{
	struct json_object	*root = json_tokener_parse(b->data ? b->data :
	    ""), *id;
	bool			 ok = false;

	c->file_id[0] = '\0';
	if (root != NULL && json_object_object_get_ex(root, "id", &id) &&
	    json_object_is_type(id, json_type_string)) {
		snprintf(c->file_id, sizeof(c->file_id), "%s",
		    json_object_get_string(id));
		ok = c->file_id[0] != '\0';
	}
	json_object_put(root);
	return ok;
}

static void
record(struct client *c, enum soak_kind k, long status, bool body_ok,
    const struct body *b)
{
	struct soak_counts	*n = c->counts;
	bool			 unexpected = status != kinds[k].expected ||
	    !body_ok;

	pthread_mutex_lock(&counts_lock);
	n->by_status[k][status >= 0 && status < SOAK_STATUS_MAX ? status : 0]++;
	if (unexpected) {
		n->unexpected++;
		if (n->nexamples < SOAK_UNEXPECTED_KEEP)
			snprintf(n->examples[n->nexamples++],
			    sizeof(n->examples[0]), "%s: %ld%s %.120s",
			    kinds[k].name, status, body_ok ? "" :
			    " (body not as expected)", b->data ? b->data : "");
	}
	pthread_mutex_unlock(&counts_lock);
}

static void
one(struct client *c, enum soak_kind k)
{
	static const char emb[] = "{\"model\":\"text-embedding-3-small\","
	    "\"input\":\"soak\"}";
	static const char chat[] = "{\"model\":\"gpt-4o-mini\",\"messages\":"
	    "[{\"role\":\"user\",\"content\":\"soak\"}]}";
	static const char stream[] = "{\"model\":\"gpt-4o-mini\",\"input\":"
	    "\"soak\",\"stream\":true}";
	static const char fail[] = "{\"model\":\"fake-status-500\","
	    "\"input\":\"soak\"}";
	curl_mime	*form;
	curl_mimepart	*part;
	struct body	 b;
	char		 path[256];
	long		 st;
	bool		 ok;

	switch (k) {
	case K_EMBEDDINGS:
		st = call(c, "POST", "/v1/embeddings", emb, NULL, AUTH, &b);
		ok = json_has(&b, "data");
		break;
	case K_CHAT:
		st = call(c, "POST", "/v1/chat/completions", chat, NULL, AUTH,
		    &b);
		ok = json_has(&b, "choices");
		break;
	case K_STREAM:
		st = call(c, "POST", "/v1/responses", stream, NULL, AUTH, &b);
		ok = occurrences(b.data, "event: response.output_text.delta\n")
		    == STREAM_DELTAS && occurrences(b.data,
		    "event: response.created\n") == 1 && occurrences(b.data,
		    "event: response.completed\n") == 1 &&
		    occurrences(b.data, "\ndata: [DONE]\n\n") == 1;
		break;
	case K_UPLOAD:
		form = curl_mime_init(c->curl);
		part = curl_mime_addpart(form);
		curl_mime_name(part, "purpose");
		curl_mime_data(part, "assistants", CURL_ZERO_TERMINATED);
		part = curl_mime_addpart(form);
		curl_mime_name(part, "file");
		curl_mime_filename(part, "soak.bin");
		curl_mime_type(part, "application/octet-stream");
		curl_mime_data(part, (const char *)upload_bytes, UPLOAD_BYTES);
		st = call(c, "POST", "/v1/files", NULL, form, AUTH, &b);
		curl_mime_free(form);
		ok = take_file_id(c, &b);
		break;
	case K_DOWNLOAD:
		snprintf(path, sizeof(path), "/v1/files/%s/content", c->file_id);
		st = call(c, "GET", path, NULL, NULL, AUTH, &b);
		ok = b.len == UPLOAD_BYTES &&
		    memcmp(b.data, upload_bytes, UPLOAD_BYTES) == 0;
		break;
	case K_DELETE:
		snprintf(path, sizeof(path), "/v1/files/%s", c->file_id);
		st = call(c, "DELETE", path, NULL, NULL, AUTH, &b);
		ok = json_has(&b, "deleted");
		break;
	case K_MODELS:
		st = call(c, "GET", "/v1/models", NULL, NULL, AUTH, &b);
		ok = json_has(&b, "data");
		break;
	case K_BAD_KEY:
		st = call(c, "POST", "/v1/embeddings", emb, NULL,
		    "Authorization: Bearer not-the-relay-key-0000", &b);
		ok = json_has(&b, "error");
		break;
	case K_UNKNOWN_ROUTE:
		st = call(c, "GET", "/v1/no/such/route", NULL, NULL, AUTH, &b);
		ok = json_has(&b, "error");
		break;
	case K_OVERSIZE:
		st = call(c, "POST", "/v1/embeddings", oversize_body, NULL,
		    AUTH, &b);
		ok = json_has(&b, "error");
		break;
	case K_UPSTREAM_500:
		st = call(c, "POST", "/v1/embeddings", fail, NULL, AUTH, &b);
		ok = json_has(&b, "error");
		break;
	default:
		return;
	}
	record(c, k, st, ok, &b);
	free(b.data);
	/* An upload that worked is read back and deleted, else the fake grows. */
	if (k == K_UPLOAD && ok && st == 200) {
		one(c, K_DOWNLOAD);
		one(c, K_DELETE);
	}
}

static void *
client_main(void *arg)
{
	struct client	*c = arg;

	while (!*c->stop) {
		one(c, mix[c->next]);
		c->next = (c->next + 1) % (sizeof(mix) / sizeof(mix[0]));
	}
	return NULL;
}

void
soak_load_run(const char *base_url, int clients, volatile bool *stop,
    struct soak_counts *counts)
{
	static struct client	c[CLIENTS_MAX];
	size_t			i, len = SOAK_MAX_JSON_BODY + 4096;
	int			n = clients < CLIENTS_MAX ? clients :
	    CLIENTS_MAX;

	for (i = 0; i < UPLOAD_BYTES; i++)
		upload_bytes[i] = (unsigned char)(i * 7 + i / 251);
	if ((oversize_body = malloc(len + 1)) == NULL)
		abort();
	i = (size_t)snprintf(oversize_body, len, "{\"model\":\"m\","
	    "\"input\":\"");
	memset(oversize_body + i, 'a', len - i - 2);
	memcpy(oversize_body + len - 2, "\"}", 3);
	for (i = 0; i < (size_t)n; i++) {
		c[i] = (struct client){ .base_url = base_url, .stop = stop,
		    .counts = counts, .curl = curl_easy_init(),
		    .next = i * 5 % (sizeof(mix) / sizeof(mix[0])) };
		if (pthread_create(&c[i].thread, NULL, client_main, &c[i]) != 0)
			abort();
	}
	for (i = 0; i < (size_t)n; i++) {
		pthread_join(c[i].thread, NULL);
		curl_easy_cleanup(c[i].curl);
	}
	free(oversize_body);
}
