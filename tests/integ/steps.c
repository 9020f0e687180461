/*
 * Steps every integration suite takes against the front server under
 * test and the fake upstream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "tests/integ/client.h"
#include "tests/integ/integ.h"

void
req(const char *method, const char *target, const char *const *headers,
    const char *body, size_t len, struct response *r)
{
	ck_assert_msg(http_request(integ_frontend->base_url, method, target,
	    headers, body, len, r) == 0, "no HTTP answer for %s %s", method,
	    target);
}

void
reset_fake(void)
{
	fake_reset(integ_fake_url);
}

struct json_object *
only_upstream_request(struct json_object **list)
{
	*list = fake_requests(integ_fake_url);
	ck_assert_ptr_nonnull(*list);
	ck_assert_uint_eq(json_object_array_length(*list), 1);
	return json_object_array_get_idx(*list, 0);
}

bool
relay_logged(const char *needle)
{
	char	*text = frontend_read_error_log(integ_frontend);
	bool	 found = text != NULL && strstr(text, needle) != NULL;
	FILE	*fp;
	char	 line[2048];

	free(text);
	fp = fopen(integ_frontend->server_out, "r");
	while (!found && fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, needle) != NULL;
	if (fp != NULL)
		fclose(fp);
	return found;
}

void
assert_relay_error(const struct response *r, long status, const char *code)
{
	struct json_object	*root, *err;
	char			*ct;

	/* Bodies can be large (the fault suite's): print only their start. */
	ck_assert_msg(r->status == status, "status %ld, want %ld: %.300s",
	    r->status, status, r->body);
	ct = response_header(r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	root = response_json(r);
	ck_assert_msg(root != NULL, "not JSON: %.300s", r->body);
	ck_assert(json_object_object_get_ex(root, "error", &err));
	ck_assert_ptr_nonnull(json_str(err, "message"));
	ck_assert_ptr_nonnull(json_str(err, "type"));
	ck_assert_str_eq(json_str(err, "code"), code);
	json_object_put(root);
}
