/*
 * The smoke suite, the same few checks through every way of deploying
 * the relay (every kind in frontend.h): health, auth with a Bearer
 * header (Apache drops Authorization unless told), a relayed JSON call
 * as upstream saw it, a 30 MiB JSON body (the cap) arriving byte for
 * byte, and a 30 MiB upload downloaded back.  Under apache-htaccess it
 * also checks that the relay ran with no deployment settings in its
 * environment, as under suexec; under lighttpd, that a client without a
 * key is refused before it sends a large body.  (An SSE stream arriving
 * event by event through each: t_sse.c.)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

#define AUTH		"Authorization: Bearer " TEST_RELAY_KEY
#define JSON_CT		"Content-Type: application/json"
/* At the relay's JSON cap, past every server's default body limit. */
#define SMOKE_BIG_BODY	TEST_MAX_JSON_BODY
/* Generous: a wait ends as soon as the answer comes. */
#define SMOKE_WAIT_S	60

static void
assert_error_code(const struct response *r, long status, const char *code)
{
	struct json_object	*root, *err;

	ck_assert_msg(r->status == status, "status %ld, want %ld: %s",
	    r->status, status, r->body);
	root = response_json(r);
	ck_assert_msg(root != NULL, "not JSON: %s", r->body);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_str_eq(json_str(err, "code"), code);
	json_object_put(root);
}

START_TEST(health_answers)
{
	struct json_object	*root, *o;
	struct response		 r;

	req("GET", "/health", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	root = response_json(&r);
	ck_assert_msg(root != NULL, "not JSON: %s", r.body);
	ck_assert_str_eq(json_str(root, "status"), "ok");
	ck_assert(json_object_object_get_ex(root, "openai", &o));
	/* The key file was found: relay.conf beside the binary was read. */
	ck_assert(json_object_get_boolean(json_object_object_get(o,
	    "api_key_configured")));
	json_object_put(root);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(bearer_header_reaches_the_relay)
{
	static const char *const bearer[] = { AUTH, NULL };
	static const char *const wrong[] = {
		"Authorization: Bearer wrong-key-0123456789", NULL
	};
	struct response	r;

	/* A server that drops Authorization turns this into a 401. */
	req("GET", "/v1/models", bearer, NULL, 0, &r);
	ck_assert_msg(r.status == 200, "Bearer key refused (%ld): %s",
	    r.status, r.body);
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 1);

	reset_fake();
	req("GET", "/v1/models", NULL, NULL, 0, &r);
	assert_error_code(&r, 401, "missing_relay_key");
	response_free(&r);
	req("GET", "/v1/models", wrong, NULL, 0, &r);
	assert_error_code(&r, 401, "invalid_relay_key");
	response_free(&r);
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);
}
END_TEST

START_TEST(json_call_is_relayed)
{
	static const char	 body[] = "{\"model\":\"text-embedding-3-small\","
	    "\"input\":\"caf\xc3\xa9 / tea?\"}";
	const char		*headers[] = { AUTH, JSON_CT, NULL };
	struct json_object	*list, *up, *root;
	struct response		 r;

	req("POST", "/v1/embeddings?x=1&x=2", headers, body, strlen(body),
	    &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	root = response_json(&r);
	ck_assert_msg(root != NULL, "not JSON: %s", r.body);
	json_object_put(root);
	response_free(&r);

	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "method"), "POST");
	ck_assert_str_eq(json_str(up, "path"), "/v1/embeddings");
	ck_assert_str_eq(json_str(up, "query"), "x=1&x=2");
	ck_assert_str_eq(json_str(up, "body"), body);
	ck_assert_str_eq(recorded_header(up, "Authorization"),
	    "Bearer " TEST_OPENAI_KEY);
	ck_assert_ptr_null(strstr(json_object_to_json_string(up),
	    TEST_RELAY_KEY));
	json_object_put(list);
}
END_TEST

/* FNV-1a 64, as the fake upstream computes it over a body. */
static uint64_t
fnv1a64(const char *p, size_t n)
{
	uint64_t	h = UINT64_C(0xcbf29ce484222325);
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

START_TEST(big_json_body_arrives_whole)
{
	static const char	 head[] = "{\"model\":\"gpt-test\",\"input\":\"";
	const char		*headers[] = { AUTH, JSON_CT, NULL };
	struct json_object	*list, *up;
	struct response		 r;
	char			*body, hex[17];
	size_t			 i;

	/* Not one repeated byte: a dropped or repeated chunk must change the hash. */
	body = malloc(SMOKE_BIG_BODY);
	ck_assert_ptr_nonnull(body);
	memcpy(body, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < SMOKE_BIG_BODY - 2; i++)
		body[i] = "abcdefghijklmnopqrstuvwxyz012345"[(i * 7 + i / 4093) %
		    32];
	memcpy(body + SMOKE_BIG_BODY - 2, "\"}", 2);
	snprintf(hex, sizeof(hex), "%016llx",
	    (unsigned long long)fnv1a64(body, SMOKE_BIG_BODY));

	req("POST", "/v1/responses", headers, body, SMOKE_BIG_BODY, &r);
	ck_assert_msg(r.status == 200, "%ld %.300s", r.status, r.body);
	response_free(&r);
	free(body);
	up = only_upstream_request(&list);
	ck_assert_str_eq(json_str(up, "path"), "/v1/responses");
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(up,
	    "body_length")), SMOKE_BIG_BODY);
	ck_assert_str_eq(json_str(up, "body_fnv1a64"), hex);
	json_object_put(list);
}
END_TEST

/*
 * A 30 MiB multipart upload streamed through, then the same bytes
 * downloaded back through the relay from the fake's stored file.
 */
START_TEST(upload_and_download_round_trip)
{
	static const char	 head[] = "--smk\r\nContent-Disposition: "
	    "form-data; name=\"purpose\"\r\n\r\nbatch\r\n--smk\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename="
	    "\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
	static const char	 tail[] = "\r\n--smk--\r\n";
	const size_t		 flen = 30 * 1024 * 1024;
	const size_t		 len = sizeof(head) - 1 + flen + sizeof(tail) - 1;
	const char		*up_headers[] = { AUTH,
	    "Content-Type: multipart/form-data; boundary=smk", NULL };
	const char		*get_headers[] = { AUTH, NULL };
	struct json_object	*o;
	struct response		 r;
	char			*body = malloc(len), *file, path[128];
	size_t			 i;

	ck_assert_ptr_nonnull(body);
	memcpy(body, head, sizeof(head) - 1);
	file = body + sizeof(head) - 1;
	for (i = 0; i < flen; i++)
		file[i] = (char)(i * 131 + i / 65521);
	memcpy(file + flen, tail, sizeof(tail) - 1);

	req("POST", "/v1/files", up_headers, body, len, &r);
	ck_assert_msg(r.status == 200, "%ld %.300s", r.status, r.body);
	o = response_json(&r);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(o,
	    "bytes")), (int64_t)flen);
	snprintf(path, sizeof(path), "/v1/files/%s/content", json_str(o, "id"));
	json_object_put(o);
	response_free(&r);

	req("GET", path, get_headers, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, flen);
	ck_assert_msg(fnv1a64(r.body, r.body_len) == fnv1a64(file, flen),
	    "downloaded bytes differ from the uploaded ones");
	response_free(&r);
	free(body);
}
END_TEST

/*
 * Sends only the head of a request that announces a body, and returns
 * the status of the answer that comes without the body (0 if none comes
 * within SMOKE_WAIT_S); *from_relay says whether the relay gave it.
 */
static int
answer_before_body(const char *head, bool *from_relay)
{
	struct sockaddr_in	sa;
	struct timeval		tv = { SMOKE_WAIT_S, 0 };
	char			buf[8192];
	size_t			used = 0;
	ssize_t			n;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)integ_frontend->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert(send(fd, head, strlen(head), MSG_NOSIGNAL) ==
	    (ssize_t)strlen(head));
	buf[0] = '\0';
	while (used + 1 < sizeof(buf) && strstr(buf, "\r\n\r\n") == NULL &&
	    (n = recv(fd, buf + used, sizeof(buf) - 1 - used, 0)) > 0) {
		used += (size_t)n;
		buf[used] = '\0';
	}
	close(fd);
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	*from_relay = strstr(buf, "X-Relay-Request-Id:") != NULL;
	return status;
}

/*
 * Behind lighttpd, which reads a body whole before its FastCGI
 * responder sees it, a client without a valid key must not get to send
 * one: on the upload routes the relay answers first as a FastCGI
 * authorizer, from the head alone; elsewhere lighttpd takes no more than
 * the JSON cap.  A key holder's upload larger than that still passes.
 */
START_TEST(keyless_bodies_are_refused_before_they_are_read)
{
	static const char *const keys[] = { "", "Authorization: Bearer "
	    "not-the-key-0123456789\r\n" };
	static const char	 head[] = "--smk\r\nContent-Disposition: "
	    "form-data; name=\"purpose\"\r\n\r\nbatch\r\n--smk\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename="
	    "\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
	static const char	 tail[] = "\r\n--smk--\r\n";
	const size_t		 flen = 48 * 1024 * 1024;	/* > the JSON cap */
	const size_t		 len = sizeof(head) - 1 + flen + sizeof(tail) - 1;
	const char		*up_headers[] = { AUTH,
	    "Content-Type: multipart/form-data; boundary=smk", NULL };
	struct json_object	*o;
	struct response		 r;
	char			 text[512], *body;
	bool			 relay;
	size_t			 i;

	for (i = 0; i < 2; i++) {
		/* 512 MiB announced, none sent. */
		snprintf(text, sizeof(text), "POST /v1/files HTTP/1.1\r\n"
		    "Host: 127.0.0.1\r\n%sContent-Type: multipart/form-data; "
		    "boundary=smk\r\nContent-Length: 536870912\r\n\r\n",
		    keys[i]);
		ck_assert_int_eq(answer_before_body(text, &relay), 401);
		ck_assert(relay);
		/* More than the JSON cap to a JSON route: lighttpd's 413. */
		snprintf(text, sizeof(text), "POST /v1/embeddings HTTP/1.1\r\n"
		    "Host: 127.0.0.1\r\n%s" JSON_CT "\r\nContent-Length: "
		    "104857600\r\n\r\n", keys[i]);
		ck_assert_int_eq(answer_before_body(text, &relay), 413);
	}
	ck_assert_int_eq(fake_request_count(integ_fake_url), 0);

	body = malloc(len);
	ck_assert_ptr_nonnull(body);
	memcpy(body, head, sizeof(head) - 1);
	memset(body + sizeof(head) - 1, 'u', flen);
	memcpy(body + sizeof(head) - 1 + flen, tail, sizeof(tail) - 1);
	req("POST", "/v1/files", up_headers, body, len, &r);
	free(body);
	ck_assert_msg(r.status == 200, "%ld %.300s", r.status, r.body);
	o = response_json(&r);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(o,
	    "bytes")), (int64_t)flen);
	json_object_put(o);
	response_free(&r);
}
END_TEST

/*
 * Names suexec keeps (apache/httpd support/suexec.c, safe_env_lst, the
 * ones a FastCGI program could be handed at start) besides HTTP_* and
 * SSL_*; everything else, RELAY_CONFIG and OPENAI_API_KEY among them,
 * it strips.  PWD comes from the shell in relay.fcgi.
 */
static const char *const suexec_safe[] = {
	"AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "CONTEXT_DOCUMENT_ROOT",
	"CONTEXT_PREFIX", "DATE_GMT", "DATE_LOCAL", "DOCUMENT_ARGS",
	"DOCUMENT_NAME", "DOCUMENT_PATH_INFO", "DOCUMENT_ROOT", "DOCUMENT_URI",
	"GATEWAY_INTERFACE", "HTTPS", "LAST_MODIFIED", "PATH", "PATH_INFO",
	"PATH_TRANSLATED", "PWD", "QUERY_STRING", "QUERY_STRING_UNESCAPED",
	"REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_PORT",
	"REMOTE_USER", "REDIRECT_ERROR_NOTES", "REDIRECT_HANDLER",
	"REDIRECT_QUERY_STRING", "REDIRECT_REMOTE_USER", "REDIRECT_SCRIPT_FILENAME",
	"REDIRECT_STATUS", "REDIRECT_URL", "REQUEST_METHOD", "REQUEST_URI",
	"REQUEST_SCHEME", "SCRIPT_FILENAME", "SCRIPT_NAME", "SCRIPT_URI",
	"SCRIPT_URL", "SERVER_ADMIN", "SERVER_NAME", "SERVER_ADDR",
	"SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SIGNATURE",
	"SERVER_SOFTWARE", "UNIQUE_ID", "USER_NAME", "TZ",
};

START_TEST(relay_runs_with_a_suexec_environment)
{
	struct response	 r;
	char		*env, *line, *save = NULL;
	size_t		 i, n = 0, len;

	/* The relay is running (health started it); read its environment. */
	req("GET", "/health", NULL, NULL, 0, &r);
	response_free(&r);
	env = frontend_relay_environ(integ_frontend);
	ck_assert_msg(env != NULL, "no relay process found under %s",
	    integ_frontend->dir);
	for (line = strtok_r(env, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		len = strcspn(line, "=");
		if (strncmp(line, "HTTP_", 5) == 0 ||
		    strncmp(line, "SSL_", 4) == 0)
			continue;
		for (i = 0; i < sizeof(suexec_safe) / sizeof(suexec_safe[0]);
		    i++)
			if (strlen(suexec_safe[i]) == len &&
			    strncmp(line, suexec_safe[i], len) == 0)
				break;
		ck_assert_msg(i < sizeof(suexec_safe) / sizeof(suexec_safe[0]),
		    "the relay's environment has %.*s, which suexec would "
		    "strip", (int)len, line);
		n++;
	}
	free(env);
	ck_assert_msg(n > 0, "an empty environment: not even PATH?");
}
END_TEST

void
add_smoke_tests(Suite *s, enum frontend_kind kind)
{
	TCase	*tc = tcase_create("smoke");

	tcase_set_timeout(tc, 5 * SMOKE_WAIT_S);
	tcase_add_checked_fixture(tc, reset_fake, NULL);
	tcase_add_test(tc, health_answers);
	tcase_add_test(tc, bearer_header_reaches_the_relay);
	tcase_add_test(tc, json_call_is_relayed);
	tcase_add_test(tc, big_json_body_arrives_whole);
	tcase_add_test(tc, upload_and_download_round_trip);
	if (kind == FRONTEND_APACHE_HTACCESS)
		tcase_add_test(tc, relay_runs_with_a_suexec_environment);
	if (kind == FRONTEND_LIGHTTPD)
		tcase_add_test(tc,
		    keyless_bodies_are_refused_before_they_are_read);
	suite_add_tcase(s, tc);
}
