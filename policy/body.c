#include <limits.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "policy/body.h"

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
body_check_json_object(const char *body, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	enum rerr		 rc = RERR_INVALID_JSON;
	size_t			 end = len;

	if (len == 0 || len > INT_MAX - 1)
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
	if (obj == NULL &&
	    json_tokener_get_error(tok) == json_tokener_success) {
		rc = RERR_JSON_NOT_OBJECT;	/* the literal null */
	} else if (obj != NULL) {
		while (end < len && strchr(" \t\r\n", body[end]) != NULL &&
		    body[end] != '\0')
			end++;
		if (end < len)
			rc = RERR_INVALID_JSON;
		else if (!json_object_is_type(obj, json_type_object))
			rc = RERR_JSON_NOT_OBJECT;
		else
			rc = RERR_OK;
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}
