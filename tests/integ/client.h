/*
 * What an integration test needs to talk to: the relay through a front
 * server (a plain HTTP client), and the fake upstream's control API.
 */
#ifndef TESTS_INTEG_CLIENT_H
#define TESTS_INTEG_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

struct response {
	long	 status;
	char	*headers;	/* raw header block, NUL-terminated */
	char	*body;		/* NUL-terminated */
	size_t	 body_len;
};

/*
 * Sends one request to base_url + target.  headers is a NULL-terminated
 * list of "Name: value" lines (may be NULL); body NULL sends none.
 * Returns 0 and fills *out (free with response_free), or -1 if no HTTP
 * response came back.
 */
int http_request(const char *base_url, const char *method,
    const char *target, const char *const *headers, const char *body,
    size_t body_len, struct response *out);
void response_free(struct response *r);

/* The value of response header name (case-insensitive), malloc'd, or NULL. */
char *response_header(const struct response *r, const char *name);

/* The body parsed as JSON (caller puts it), or NULL. */
struct json_object *response_json(const struct response *r);

/* Whether text holds any of the keys the relay was given. */
bool secret_in(const char *text, size_t len);

/* Fake upstream control: clear records and scripts. */
void fake_reset(const char *fake_url);
/* Queue a scripted answer (a JSON object text, see fake_upstream). */
void fake_script(const char *fake_url, const char *script_json);
/*
 * Lets one held step of a scripted answer go on ("hold_after",
 * "lockstep", "hold_after_bytes"); false if the fake did not take it.
 */
bool fake_release(const char *fake_url);
/* The requests recorded since the last reset, as a JSON array. */
struct json_object *fake_requests(const char *fake_url);
/* How many requests were recorded since the last reset; -1 on error. */
long fake_request_count(const char *fake_url);

/* Field helpers on recorded requests and JSON bodies. */
const char *json_str(struct json_object *obj, const char *key);
/*
 * The sum of field over the objects of the JSON array text (what
 * `relay usage --json` prints); -1 if text is no array.
 */
long long json_rows_sum(const char *text, const char *field);
/* The first recorded header named name (case-insensitive), or NULL. */
const char *recorded_header(struct json_object *req, const char *name);
/* How many recorded headers are named name (case-insensitive). */
size_t recorded_header_count(struct json_object *req, const char *name);

#endif
