/*
 * The /v1/proxy policy.  The original relay matched regexes against the
 * raw path, so %2F, %2e%2e and "//" could slip past its allowlist; here
 * the path is decoded once and anything a later decoding or
 * normalisation step could change is refused instead of interpreted.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "policy/path.h"
#include "policy/proxy.h"
#include "policy/util.h"
#include "policy/xalloc.h"

#define PROXY_QUERY_MAX	8192

/* A plain string prefix, as the original had it: /v1/audiox is blocked. */
static const struct {
	const char	*prefix;
	const char	*reason;
} blocked_prefixes[] = {
	{ "/v1/admin", "blocked prefix: /v1/admin" },
	{ "/v1/webhooks", "blocked prefix: /v1/webhooks" },
	{ "/v1/realtime", "blocked prefix: /v1/realtime" },
	{ "/v1/uploads", "blocked prefix: /v1/uploads" },
	{ "/v1/audio", "blocked prefix: /v1/audio" },
};

/* Binary downloads and batch results: not JSON a GPT can use. */
static const struct {
	const char	*suffix;
	const char	*reason;
} blocked_suffixes[] = {
	{ "/content", "blocked suffix: /content" },
	{ "/results", "blocked suffix: /results" },
};

/* Multipart endpoints: a JSON envelope cannot carry their bodies. */
static const struct {
	enum method	 method;
	const char	*path;
} multipart_endpoints[] = {
	{ METHOD_POST, "/v1/files" },
	{ METHOD_POST, "/v1/images/edits" },
	{ METHOD_POST, "/v1/images/variations" },
	{ METHOD_POST, "/v1/videos" },
};

static const char REASON_STREAM[] =
    "stream=true is not allowed via /v1/proxy (use explicit streaming route)";
static const char REASON_COLON[] = "':' paths are not allowed via /v1/proxy";
static const char REASON_ILLEGAL[] = "path contains illegal sequences";
static const char REASON_SPACE[] = "path must not contain whitespace";

/*
 * Decodes percent-escapes once into out (at least strlen(raw)+1 bytes).
 * An escape that is malformed or stands for a separator, a dot, '%'
 * itself (double encoding), a control or non-ASCII byte sets *illegal.
 */
static void
decode_once(const char *raw, char *out, bool *illegal)
{
	int	hi, lo, c;

	for (; *raw != '\0'; raw++) {
		if (*raw != '%') {
			*out++ = *raw;
			continue;
		}
		hi = path_hexval((unsigned char)raw[1]);
		lo = hi < 0 ? -1 : path_hexval((unsigned char)raw[2]);
		if (lo < 0) {
			*illegal = true;
			*out++ = *raw;
			continue;
		}
		c = hi * 16 + lo;
		if (c < 0x21 || c >= 0x7f || strchr("/\\.%#?", c) != NULL)
			*illegal = true;
		*out++ = (char)c;
		raw += 2;
	}
	*out = '\0';
}

/*
 * Empty, "." or ".." segments, or a character outside the path set
 * (white space aside: it has its own, clearer reason).
 */
static bool
has_illegal_sequence(const char *p)
{
	const char	*seg;
	size_t		 len;

	if (strstr(p, "..") != NULL || strchr(p, '#') != NULL)
		return true;
	for (seg = p + 1;; seg += len + 1) {
		len = strcspn(seg, "/");
		if ((len == 0 && seg[len] == '/') ||
		    (len == 1 && seg[0] == '.'))
			return true;
		if (seg[len] == '\0')
			break;
	}
	for (; *p != '\0'; p++)
		/* What may stand in a normalised path: pchar, without '%'. */
		if (!isspace((unsigned char)*p) && *p != '/' &&
		    !path_is_pchar((unsigned char)*p))
			return true;
	return false;
}

/* Trims, refuses URLs and queries, adds "/" and "/v1", decodes once. */
static enum rerr
normalise(const char *raw, char **out, bool *illegal, const char **reason)
{
	size_t	 len;
	char	*trimmed, *prefixed, *decoded;
	int	 n;

	raw += strspn(raw, " \t\r\n");
	len = strlen(raw);
	while (len > 0 && strchr(" \t\r\n", raw[len - 1]) != NULL)
		len--;
	if (len == 0) {
		*reason = "path is required";
		return RERR_PROXY_MALFORMED;
	}
	trimmed = xstrndup(raw, len);
	if (strstr(trimmed, "://") != NULL ||
	    strncasecmp(trimmed, "http", 4) == 0) {
		free(trimmed);
		*reason = "path must be an OpenAI API path, not a URL";
		return RERR_PROXY_MALFORMED;
	}
	if (strchr(trimmed, '?') != NULL) {
		free(trimmed);
		*reason = "path must not include '?'; use `query` field";
		return RERR_PROXY_MALFORMED;
	}

	/* "models" and "/models" both mean "/v1/models". */
	prefixed = xmalloc(len + 5);
	n = snprintf(prefixed, len + 5, "%s%s",
	    trimmed[0] == '/' ? "" : "/", trimmed);
	if (strncmp(prefixed, "/v1/", 4) != 0 && strcmp(prefixed, "/v1") != 0) {
		memmove(prefixed + 3, prefixed, (size_t)n + 1);
		memcpy(prefixed, "/v1", 3);
	}
	free(trimmed);

	decoded = xmalloc(strlen(prefixed) + 1);
	decode_once(prefixed, decoded, illegal);
	free(prefixed);
	*out = decoded;
	return RERR_OK;
}

enum rerr
proxy_check_path(enum method m, const char *raw, bool stream,
    char **normalised, const struct route **route, const char **reason)
{
	const struct route	*r;
	bool			 illegal = false;
	char			*p = NULL;
	size_t			 i, len;
	enum rerr		 rc;

	*normalised = NULL;
	*route = NULL;
	rc = normalise(raw, &p, &illegal, reason);
	if (rc != RERR_OK)
		return rc;

	rc = RERR_PROXY_DENIED;
	if (stream) {
		*reason = REASON_STREAM;
		goto out;
	}
	if (strchr(p, ':') != NULL) {
		*reason = REASON_COLON;
		goto out;
	}
	if (illegal || has_illegal_sequence(p)) {
		*reason = REASON_ILLEGAL;
		goto out;
	}
	if (strpbrk(p, " \t\r\n\v\f") != NULL) {
		*reason = REASON_SPACE;
		goto out;
	}
	if (strcmp(p, "/v1/proxy") == 0) {
		*reason = "path is blocked";
		goto out;
	}
	for (i = 0; i < NELEM(blocked_prefixes); i++)
		if (strncmp(p, blocked_prefixes[i].prefix,
		    strlen(blocked_prefixes[i].prefix)) == 0) {
			*reason = blocked_prefixes[i].reason;
			goto out;
		}
	len = strlen(p);
	for (i = 0; i < NELEM(blocked_suffixes); i++) {
		size_t n = strlen(blocked_suffixes[i].suffix);

		if (len >= n &&
		    strcmp(p + len - n, blocked_suffixes[i].suffix) == 0) {
			*reason = blocked_suffixes[i].reason;
			goto out;
		}
	}
	for (i = 0; i < NELEM(multipart_endpoints); i++)
		if (m == multipart_endpoints[i].method &&
		    strcmp(p, multipart_endpoints[i].path) == 0) {
			*reason = "multipart endpoint blocked via /v1/proxy";
			goto out;
		}

	r = route_find(m, p);
	if (r == NULL && route_methods(p, NULL, 0)) {
		/* A path OpenAI serves, with another method: as the router
		 * answers it, and the caller can name the methods. */
		*reason = NULL;
		*normalised = p;
		return RERR_METHOD_NOT_ALLOWED;
	}
	if (r == NULL || !route_in_proxy(r)) {
		*reason = "method/path not allowlisted for /v1/proxy";
		rc = RERR_PROXY_NOT_ALLOWLISTED;
		goto out;
	}
	*route = r;
	*normalised = p;
	return RERR_OK;
out:
	free(p);
	return rc;
}

/* The one field of obj named by any of names, or NULL; -1 if several. */
static int
field(struct json_object *obj, const char *const *names, size_t n,
    struct json_object **out, bool *present)
{
	struct json_object	*v;
	size_t			 i;
	int			 found = 0;

	*out = NULL;
	*present = false;
	for (i = 0; i < n; i++)
		if (json_object_object_get_ex(obj, names[i], &v)) {
			*out = v;
			*present = true;
			found++;
		}
	return found > 1 ? -1 : 0;
}

static bool
is_scalar(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_boolean);
}

static int
append_pair(char *buf, size_t bufsz, size_t *len, const char *key,
    struct json_object *v)
{
	const char	*text = json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN);

	if (*len > 0) {
		if (*len + 2 >= bufsz)
			return -1;
		buf[(*len)++] = '&';
	}
	if (path_append_encoded(buf, bufsz, len, key) == -1 || *len + 2 >= bufsz)
		return -1;
	buf[(*len)++] = '=';
	buf[*len] = '\0';
	return path_append_encoded(buf, bufsz, len, text);
}

/*
 * The query, only from the envelope: an object of strings, numbers and
 * booleans, where an array of those repeats its key.
 */
static enum rerr
build_query(struct json_object *q, char **out, const char **reason)
{
	char	buf[PROXY_QUERY_MAX];
	size_t	len = 0, i;

	buf[0] = '\0';
	*reason = "query must be an object of strings, numbers or booleans "
	    "(arrays of them repeat the key)";
	if (q != NULL && !json_object_is_type(q, json_type_object))
		return RERR_PROXY_MALFORMED;
	if (q != NULL) {
		json_object_object_foreach(q, key, v) {
			if (key[0] == '\0' || v == NULL)
				return RERR_PROXY_MALFORMED;
			if (is_scalar(v)) {
				if (append_pair(buf, sizeof(buf), &len, key,
				    v) == -1)
					goto toolong;
				continue;
			}
			if (!json_object_is_type(v, json_type_array))
				return RERR_PROXY_MALFORMED;
			for (i = 0; i < json_object_array_length(v); i++) {
				struct json_object *e =
				    json_object_array_get_idx(v, i);

				if (e == NULL || !is_scalar(e))
					return RERR_PROXY_MALFORMED;
				if (append_pair(buf, sizeof(buf), &len, key,
				    e) == -1)
					goto toolong;
			}
		}
	}
	*out = xstrdup(buf);
	return RERR_OK;
toolong:
	*reason = "query is too long";
	return RERR_PROXY_MALFORMED;
}

static enum rerr
parse_method(struct json_object *v, enum method *m, const char **reason)
{
	const char	*s;
	char		 upper[16];
	size_t		 i, n;

	s = json_object_get_string(v);
	s += strspn(s, " \t");
	n = strcspn(s, " \t");
	*reason = "Unsupported method: use GET, POST, PUT, PATCH or DELETE";
	if (n == 0 || n >= sizeof(upper) || s[n + strspn(s + n, " \t")] != '\0')
		return RERR_PROXY_MALFORMED;
	for (i = 0; i < n; i++)
		upper[i] = (char)toupper((unsigned char)s[i]);
	upper[n] = '\0';
	return method_parse(upper, m) == 0 ? RERR_OK : RERR_PROXY_MALFORMED;
}

enum rerr
proxy_decide(struct json_object *env, struct proxy_call *call,
    const char **reason)
{
	static const char *const method_names[] = { "method" };
	static const char *const path_names[] = { "path" };
	static const char *const query_names[] = {
		"query", "params", "query_params"
	};
	static const char *const body_names[] = { "body", "json", "json_body" };
	static const char *const known[] = {
		"method", "path", "query", "params", "query_params", "body",
		"json", "json_body",
	};
	struct json_object	*method, *path, *query, *body, *st;
	bool			 has_method, has_path, has_query, has_body;
	bool			 stream = false;
	const char		*text;
	enum rerr		 rc = RERR_PROXY_SCHEMA;
	size_t			 i;

	memset(call, 0, sizeof(*call));
	*reason = NULL;
	if (!json_object_is_type(env, json_type_object))
		goto out;

	json_object_object_foreach(env, key, val) {
		bool ok = false;

		(void)val;
		for (i = 0; i < NELEM(known); i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok)
			goto out;
	}
	field(env, method_names, 1, &method, &has_method);
	field(env, path_names, 1, &path, &has_path);
	if (!has_method || !has_path ||
	    !json_object_is_type(method, json_type_string) ||
	    !json_object_is_type(path, json_type_string))
		goto out;
	rc = RERR_PROXY_MALFORMED;
	if (field(env, query_names, NELEM(query_names), &query,
	    &has_query) == -1) {
		*reason = "give the query once: query, params or query_params";
		goto out;
	}
	if (field(env, body_names, NELEM(body_names), &body, &has_body) == -1) {
		*reason = "give the body once: body, json or json_body";
		goto out;
	}

	rc = parse_method(method, &call->method, reason);
	if (rc != RERR_OK)
		goto out;
	rc = RERR_PROXY_MALFORMED;
	if (body != NULL && !json_object_is_type(body, json_type_object)) {
		*reason = "body must be a JSON object";
		goto out;
	}
	if (body != NULL && (call->method == METHOD_GET ||
	    call->method == METHOD_DELETE)) {
		*reason = "body is not allowed with GET or DELETE";
		goto out;
	}
	if (body != NULL && json_object_object_get_ex(body, "stream", &st) &&
	    json_object_is_type(st, json_type_boolean) &&
	    json_object_get_boolean(st))
		stream = true;
	/* GET /v1/responses/{id}?stream=true resumes a stream too. */
	if (query != NULL && json_object_is_type(query, json_type_object) &&
	    json_object_object_get_ex(query, "stream", &st) && st != NULL &&
	    strcmp(json_object_get_string(st), "true") == 0)
		stream = true;

	rc = proxy_check_path(call->method, json_object_get_string(path),
	    stream, &call->path, &call->route, reason);
	if (rc == RERR_METHOD_NOT_ALLOWED)
		route_methods(call->path, call->allow, sizeof(call->allow));
	if (rc != RERR_OK)
		goto out;
	rc = build_query(has_query ? query : NULL, &call->query, reason);
	if (rc != RERR_OK)
		goto out;

	if (call->method != METHOD_GET && call->method != METHOD_DELETE) {
		/* A write without a body sends {}, as the original did. */
		text = body ? json_object_to_json_string_ext(body,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) :
		    "{}";
		call->body = xstrdup(text);
		call->body_len = strlen(text);
	}
	rc = RERR_OK;
out:
	if (rc == RERR_PROXY_SCHEMA)
		*reason = NULL;	/* the catalogue's text names the fields */
	if (rc != RERR_OK)
		proxy_call_free(call);
	return rc;
}

void
proxy_call_free(struct proxy_call *call)
{
	free(call->path);
	free(call->query);
	free(call->body);
	call->path = call->query = call->body = NULL;
	call->body_len = 0;
	call->route = NULL;
}
