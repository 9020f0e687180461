#include <limits.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "policy/body.h"
#include "policy/utf8.h"

bool
body_is_json_type(const char *content_type)
{
	size_t	n = strlen("application/json");

	if (content_type == NULL)
		return false;
	content_type += strspn(content_type, " \t");
	return strncasecmp(content_type, "application/json", n) == 0 &&
	    strchr("; \t", content_type[n]) != NULL;
}

enum rerr
body_parse_json(const char *body, size_t len, struct json_object **out)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	enum rerr		 rc = RERR_INVALID_JSON;
	size_t			 end = len;
	bool			 parsed;

	*out = NULL;
	if (len == 0 || len > INT_MAX - 1 || !utf8_valid(body, len))
		return RERR_INVALID_JSON;
	tok = json_tokener_new_ex(BODY_JSON_DEPTH);
	if (tok == NULL)
		return RERR_INVALID_JSON;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (obj == NULL &&
	    json_tokener_get_error(tok) == json_tokener_continue) {
		/* A bare trailing number ends only at the terminating NUL. */
		obj = json_tokener_parse_ex(tok, "", 1);
	} else if (obj != NULL) {
		end = json_tokener_get_parse_end(tok);
	}
	/* The literal null parses to NULL with success. */
	parsed = obj != NULL ||
	    json_tokener_get_error(tok) == json_tokener_success;
	if (parsed) {
		while (end < len && body[end] != '\0' &&
		    strchr(" \t\r\n", body[end]) != NULL)
			end++;
		if (end == len) {
			*out = obj;
			obj = NULL;
			rc = RERR_OK;
		}
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

enum rerr
body_check_json_object(const char *body, size_t len)
{
	struct json_object	*obj;
	enum rerr		 rc = body_parse_json(body, len, &obj);

	if (rc == RERR_OK && !json_object_is_type(obj, json_type_object))
		rc = RERR_JSON_NOT_OBJECT;
	json_object_put(obj);
	return rc;
}

bool
body_flag_true(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	return obj != NULL && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}
