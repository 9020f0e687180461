/*
 * MCP tools from the route table (see tools.h).  Fragments are parsed
 * afresh for every list and call, as for the documents (openapi.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "openapi/fragments.h"
#include "openapi/tools.h"
#include "policy/dynbuf.h"
#include "policy/error.h"
#include "policy/route.h"
#include "policy/util.h"
#include "policy/xalloc.h"

/* How deep "$ref"s are inlined; a deeper (looping) one takes anything. */
#define INLINE_DEPTH	8
#define PATH_MAX_LEN	2048
#define QUERY_MAX_LEN	8192

/* What a row becomes: one tool, or the proxy's read and write halves. */
enum variant {
	VARIANT_PLAIN,
	VARIANT_READ,
	VARIANT_WRITE,
};

/* Tools that start a long job, and the tool that polls it. */
static const struct {
	const char	*tool;
	const char	*note;
} polls[] = {
	{ "create_video", "A video takes minutes: this returns its id at "
	    "once; call get_video with it until status is completed." },
	{ "remix_video", "This returns the new video's id at once; call "
	    "get_video with it until status is completed." },
	{ "create_response", "With background: true it returns at once; "
	    "call get_response with the id until status is completed." },
};

static bool
is_type(struct json_object *o, enum json_type t)
{
	return o != NULL && json_object_is_type(o, t);
}

/* A copy of schema node with every "$ref" replaced by what it names. */
static struct json_object *
schema_inline(struct json_object *node, struct json_object *schemas,
    int depth)
{
	struct json_object	*out, *ref, *target;
	const char		*s;
	size_t			 i;

	if (is_type(node, json_type_array)) {
		out = json_object_new_array();
		for (i = 0; i < json_object_array_length(node); i++)
			json_object_array_add(out, schema_inline(
			    json_object_array_get_idx(node, i), schemas, depth));
		return out;
	}
	if (!is_type(node, json_type_object))
		return json_object_get(node);
	if (json_object_object_get_ex(node, "$ref", &ref)) {
		s = json_object_get_string(ref);
		if (depth < INLINE_DEPTH && strncmp(s, SCHEMA_REF,
		    strlen(SCHEMA_REF)) == 0 && json_object_object_get_ex(
		    schemas, s + strlen(SCHEMA_REF), &target))
			return schema_inline(target, schemas, depth + 1);
		return json_object_new_object();
	}
	out = json_object_new_object();
	json_object_object_foreach(node, key, val)
		json_object_object_add(out, key, schema_inline(val, schemas,
		    depth));
	return out;
}

/* The route's fragment, or NULL. */
static struct json_object *
fragment_of(const struct route *r, const struct fragments *f)
{
	struct json_object	*frag = NULL;

	json_object_object_get_ex(f->operations, r->operation_id, &frag);
	return frag;
}

/* The query parameter objects the route's fragment lists (borrowed). */
static size_t
query_params(const struct route *r, const struct fragments *f,
    struct json_object **out, size_t max)
{
	struct json_object	*frag = fragment_of(r, f), *keys, *p;
	size_t			 i, n = 0;

	if (frag == NULL || !json_object_object_get_ex(frag, "query", &keys))
		return 0;
	for (i = 0; i < json_object_array_length(keys) && n < max; i++)
		if (json_object_object_get_ex(f->parameters,
		    json_object_get_string(json_object_array_get_idx(keys, i)),
		    &p))
			out[n++] = p;
	return n;
}

static const char *
param_name(struct json_object *p)
{
	struct json_object	*v;

	return json_object_object_get_ex(p, "name", &v) ?
	    json_object_get_string(v) : "";
}

/* Calls fn with each "{name}" of template, in order. */
static void
template_names(const char *tmpl, void (*fn)(const char *name, void *arg),
    void *arg)
{
	const char	*open, *close;
	char		 name[128];

	for (open = strchr(tmpl, '{'); open != NULL &&
	    (close = strchr(open, '}')) != NULL; open = strchr(close, '{')) {
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1),
		    open + 1);
		fn(name, arg);
	}
}

/* Schema building state: the flat properties and required names. */
struct flat {
	const struct fragments	*f;
	struct json_object	*props;
	struct json_object	*required;
};

static void
path_property_add(const char *name, void *arg)
{
	struct flat		*fl = arg;
	struct json_object	*p = json_object_new_object(), *desc;
	char			 fallback[192];

	json_object_object_add(p, "type", json_object_new_string("string"));
	if (json_object_object_get_ex(fl->f->path_parameters, name, &desc))
		json_object_object_add(p, "description", json_object_get(desc));
	else {
		snprintf(fallback, sizeof(fallback), "The %s.", name);
		json_object_object_add(p, "description",
		    json_object_new_string(fallback));
	}
	json_object_object_add(fl->props, name, p);
	json_object_array_add(fl->required, json_object_new_string(name));
}

static void
query_properties_add(const struct route *r, struct flat *fl)
{
	struct json_object	*params[32], *schema, *p, *desc;
	size_t			 i, n = query_params(r, fl->f, params,
			    NELEM(params));

	for (i = 0; i < n; i++) {
		p = json_object_object_get_ex(params[i], "schema", &schema) ?
		    schema_inline(schema, fl->f->schemas, 0) :
		    json_object_new_object();
		if (json_object_object_get_ex(params[i], "description", &desc))
			json_object_object_add(p, "description",
			    json_object_get(desc));
		json_object_object_add(fl->props, param_name(params[i]), p);
	}
}

/* The body's properties beside the others; false if it names none. */
static bool
body_properties_add(const struct route *r, struct flat *fl)
{
	struct json_object	*frag = fragment_of(r, fl->f), *schema, *body;
	struct json_object	*props, *req, *addl;
	bool			 closed;
	size_t			 i;

	if (frag == NULL || !json_object_object_get_ex(frag, "request",
	    &schema))
		return false;
	body = schema_inline(schema, fl->f->schemas, 0);
	if (!json_object_object_get_ex(body, "properties", &props)) {
		json_object_put(body);
		return false;
	}
	json_object_object_foreach(props, key, val)
		if (!json_object_object_get_ex(fl->props, key, NULL))
			json_object_object_add(fl->props, key,
			    json_object_get(val));
	if (json_object_object_get_ex(body, "required", &req))
		for (i = 0; i < json_object_array_length(req); i++)
			json_object_array_add(fl->required, json_object_get(
			    json_object_array_get_idx(req, i)));
	closed = json_object_object_get_ex(body, "additionalProperties",
	    &addl) && is_type(addl, json_type_boolean) &&
	    !json_object_get_boolean(addl);
	json_object_put(body);
	return closed;
}

/* The proxy's halves: GET without method or body, or the other verbs. */
static void
variant_apply(enum variant v, struct flat *fl)
{
	struct json_object	*method, *verbs, *kept;
	static const char *const writes[] = { "POST", "PUT", "PATCH",
	    "DELETE" };
	size_t			 i;

	if (v == VARIANT_WRITE && json_object_object_get_ex(fl->props,
	    "method", &method)) {
		verbs = json_object_new_array();
		for (i = 0; i < NELEM(writes); i++)
			json_object_array_add(verbs,
			    json_object_new_string(writes[i]));
		json_object_object_add(method, "enum", verbs);
	}
	if (v != VARIANT_READ)
		return;
	json_object_object_del(fl->props, "method");
	json_object_object_del(fl->props, "body");
	kept = json_object_new_array();
	for (i = 0; i < json_object_array_length(fl->required); i++) {
		method = json_object_array_get_idx(fl->required, i);
		if (strcmp(json_object_get_string(method), "method") != 0)
			json_object_array_add(kept, json_object_get(method));
	}
	json_object_put(fl->required);
	fl->required = kept;
}

static struct json_object *
input_schema(const struct route *r, enum variant v,
    const struct fragments *f)
{
	struct flat		 fl = { f, json_object_new_object(),
				    json_object_new_array() };
	struct json_object	*schema = json_object_new_object();
	bool			 closed = true;

	template_names(r->path, path_property_add, &fl);
	query_properties_add(r, &fl);
	if (r->body != BODY_NONE)
		closed = body_properties_add(r, &fl);
	variant_apply(v, &fl);
	json_object_object_add(schema, "type", json_object_new_string("object"));
	json_object_object_add(schema, "properties", fl.props);
	if (json_object_array_length(fl.required) > 0)
		json_object_object_add(schema, "required", fl.required);
	else
		json_object_put(fl.required);
	json_object_object_add(schema, "additionalProperties",
	    json_object_new_boolean(!closed));
	return schema;
}

static void
tool_name(const struct route *r, enum variant v, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s%s", r->tool, v == VARIANT_READ ? "_read" :
	    v == VARIANT_WRITE ? "_write" : "");
}

static struct json_object *
description_of(const struct route *r, enum variant v, const char *name,
    const struct fragments *f)
{
	struct json_object	*frag = fragment_of(r, f), *desc;
	char			 text[1024];
	size_t			 i;
	int			 n;

	n = snprintf(text, sizeof(text), "%s%s",
	    v == VARIANT_READ ? "GET only (reads): " :
	    v == VARIANT_WRITE ? "POST, PUT, PATCH or DELETE (writes): " : "",
	    r->summary);
	if (frag != NULL && json_object_object_get_ex(frag, "description",
	    &desc) && n >= 0 && (size_t)n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - (size_t)n, " %s",
		    json_object_get_string(desc));
	for (i = 0; i < NELEM(polls) && n >= 0 && (size_t)n < sizeof(text);
	    i++)
		if (strcmp(polls[i].tool, name) == 0)
			n += snprintf(text + n, sizeof(text) - (size_t)n, " %s",
			    polls[i].note);
	return json_object_new_string(text);
}

/*
 * Annotations: a read changes nothing; a DELETE, or the proxy's write
 * half (which may DELETE), may destroy data.
 */
static struct json_object *
annotations_of(const struct route *r, enum variant v, const char *title)
{
	struct json_object	*a = json_object_new_object();
	bool			 read = v == VARIANT_READ ||
				    (v == VARIANT_PLAIN && !r->consequential);

	json_object_object_add(a, "title", json_object_new_string(title));
	json_object_object_add(a, "readOnlyHint", json_object_new_boolean(read));
	json_object_object_add(a, "destructiveHint", json_object_new_boolean(
	    v == VARIANT_WRITE || (!read && r->method == METHOD_DELETE)));
	json_object_object_add(a, "openWorldHint",
	    json_object_new_boolean(r->handler != HANDLER_HEALTH));
	return a;
}

static struct json_object *
tool_build(const struct route *r, enum variant v, const struct fragments *f)
{
	struct json_object	*t = json_object_new_object();
	char			 name[TOOLS_NAME_MAX + 1], title[160];

	tool_name(r, v, name, sizeof(name));
	snprintf(title, sizeof(title), "%s%s", r->tool_title,
	    v == VARIANT_READ ? " (read)" : v == VARIANT_WRITE ?
	    " (write)" : "");
	json_object_object_add(t, "name", json_object_new_string(name));
	json_object_object_add(t, "title", json_object_new_string(title));
	json_object_object_add(t, "description",
	    description_of(r, v, name, f));
	json_object_object_add(t, "inputSchema", input_schema(r, v, f));
	json_object_object_add(t, "annotations", annotations_of(r, v, title));
	return t;
}

/* The variants row r gives: the proxy both halves, others one tool. */
static size_t
variants_of(const struct route *r, enum variant out[2])
{
	if (r->handler == HANDLER_PROXY) {
		out[0] = VARIANT_READ;
		out[1] = VARIANT_WRITE;
		return 2;
	}
	out[0] = VARIANT_PLAIN;
	return 1;
}

struct json_object *
tools_list(void)
{
	struct fragments	 f;
	struct json_object	*list;
	enum variant		 vs[2];
	char			 err[256];
	size_t			 i, k, n;

	if (fragments_load(&f, err, sizeof(err)) == -1)
		return NULL;
	list = json_object_new_array();
	for (i = 0; i < routes_count; i++) {
		if (!route_in_mcp(&routes[i]))
			continue;
		n = variants_of(&routes[i], vs);
		for (k = 0; k < n; k++)
			json_object_array_add(list, tool_build(&routes[i],
			    vs[k], &f));
	}
	fragments_free(&f);
	return list;
}

/* Checking arguments against a tool's inputSchema. */

static bool
type_is(const char *type, struct json_object *v)
{
	static const struct {
		const char	*name;
		enum json_type	 type;
	} types[] = {
		{ "string", json_type_string }, { "integer", json_type_int },
		{ "number", json_type_int }, { "number", json_type_double },
		{ "boolean", json_type_boolean }, { "array", json_type_array },
		{ "object", json_type_object }, { "null", json_type_null },
	};
	size_t	i;

	for (i = 0; i < NELEM(types); i++)
		if (strcmp(type, types[i].name) == 0 &&
		    json_object_is_type(v, types[i].type))
			return true;
	return false;
}

/* Whether v has the type (or one of the types) schema names, if any. */
static bool
type_ok(struct json_object *schema, struct json_object *v)
{
	struct json_object	*t;
	size_t			 i;

	if (!json_object_object_get_ex(schema, "type", &t))
		return true;
	if (is_type(t, json_type_string))
		return type_is(json_object_get_string(t), v);
	for (i = 0; is_type(t, json_type_array) &&
	    i < json_object_array_length(t); i++)
		if (type_is(json_object_get_string(
		    json_object_array_get_idx(t, i)), v))
			return true;
	return !is_type(t, json_type_array);
}

static bool
enum_ok(struct json_object *schema, struct json_object *v)
{
	struct json_object	*e;
	size_t			 i;

	if (!json_object_object_get_ex(schema, "enum", &e) ||
	    !is_type(e, json_type_array))
		return true;
	for (i = 0; i < json_object_array_length(e); i++)
		if (json_object_equal(json_object_array_get_idx(e, i), v))
			return true;
	return false;
}

static enum tool_status bad(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum tool_status
bad(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return TOOL_BAD_ARGUMENTS;
}

static enum tool_status
args_check(struct json_object *schema, struct json_object *args, char *err,
    size_t errsz)
{
	struct json_object	*props, *req, *addl, *ps;
	const char		*name;
	size_t			 i;

	json_object_object_get_ex(schema, "properties", &props);
	json_object_object_get_ex(schema, "additionalProperties", &addl);
	if (json_object_object_get_ex(schema, "required", &req))
		for (i = 0; i < json_object_array_length(req); i++) {
			name = json_object_get_string(
			    json_object_array_get_idx(req, i));
			if (!json_object_object_get_ex(args, name, NULL))
				return bad(err, errsz, "Missing required "
				    "argument %s.", name);
		}
	json_object_object_foreach(args, key, val) {
		if (!json_object_object_get_ex(props, key, &ps)) {
			if (!json_object_get_boolean(addl))
				return bad(err, errsz, "Unknown argument %s: "
				    "see the tool's inputSchema.", key);
			continue;
		}
		if (!type_ok(ps, val))
			return bad(err, errsz, "Argument %s has the wrong "
			    "type: see the tool's inputSchema.", key);
		if (!enum_ok(ps, val))
			return bad(err, errsz, "Argument %s must be one of the "
			    "values its schema lists.", key);
	}
	return TOOL_OK;
}

/* Building the route's request from checked arguments. */

static int
encode_add(struct dynbuf *d, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			esc[3];
	int			rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s) != NULL) {
			rc = dynbuf_add(d, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[(unsigned char)*s >> 4];
		esc[2] = hex[(unsigned char)*s & 15];
		rc = dynbuf_add(d, esc, 3);
	}
	return rc;
}

/* The template with each "{name}" replaced by its argument, encoded. */
static int
path_build(const char *tmpl, struct json_object *args, struct dynbuf *d)
{
	struct json_object	*v;
	const char		*close;
	char			 name[128];
	int			 rc = 0;

	while (*tmpl != '\0' && rc == 0) {
		if (*tmpl != '{') {
			rc = dynbuf_add(d, tmpl++, 1);
			continue;
		}
		close = strchr(tmpl, '}');
		snprintf(name, sizeof(name), "%.*s", (int)(close - tmpl - 1),
		    tmpl + 1);
		if (!json_object_object_get_ex(args, name, &v) ||
		    json_object_get_string_len(v) == 0)
			return -1;
		rc = encode_add(d, json_object_get_string(v));
		tmpl = close + 1;
	}
	return rc;
}

static int
query_pair_add(struct dynbuf *d, const char *name, struct json_object *v)
{
	if (d->len > 0 && dynbuf_add(d, "&", 1) == -1)
		return -1;
	if (encode_add(d, name) == -1 || dynbuf_add(d, "=", 1) == -1)
		return -1;
	return encode_add(d, json_object_get_string(v));
}

/* The query parameters given, an array repeating its parameter. */
static int
query_build(struct json_object *const params[], size_t n,
    struct json_object *args, struct dynbuf *d)
{
	struct json_object	*v;
	const char		*name;
	size_t			 i, k;

	for (i = 0; i < n; i++) {
		name = param_name(params[i]);
		if (!json_object_object_get_ex(args, name, &v))
			continue;
		if (!is_type(v, json_type_array)) {
			if (query_pair_add(d, name, v) == -1)
				return -1;
			continue;
		}
		for (k = 0; k < json_object_array_length(v); k++)
			if (query_pair_add(d, name,
			    json_object_array_get_idx(v, k)) == -1)
				return -1;
	}
	return 0;
}

static void
path_name_del(const char *name, void *arg)
{
	json_object_object_del(arg, name);
}

/* The JSON body: what is neither a path nor a query argument. */
static char *
body_build(const struct route *r, enum variant v,
    struct json_object *const params[], size_t n, struct json_object *args,
    size_t *len)
{
	struct json_object	*body = json_object_new_object();
	char			*text;
	size_t			 i;

	json_object_object_foreach(args, key, val)
		json_object_object_add(body, key, json_object_get(val));
	template_names(r->path, path_name_del, body);
	for (i = 0; i < n; i++)
		json_object_object_del(body, param_name(params[i]));
	if (v == VARIANT_READ)
		json_object_object_add(body, "method",
		    json_object_new_string("GET"));
	text = xstrdup(json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN));
	*len = strlen(text);
	json_object_put(body);
	return text;
}

static enum tool_status
request_build(const struct route *r, enum variant v, struct json_object *args,
    const struct fragments *f, struct tool_request *out, char *err,
    size_t errsz)
{
	struct json_object	*params[32];
	struct dynbuf		 path, query;
	size_t			 n = query_params(r, f, params, NELEM(params));
	size_t			 len;

	dynbuf_init(&path, PATH_MAX_LEN);
	dynbuf_init(&query, QUERY_MAX_LEN);
	if (path_build(r->path, args, &path) == -1 ||
	    query_build(params, n, args, &query) == -1) {
		dynbuf_free(&path);
		dynbuf_free(&query);
		return bad(err, errsz, "%s", "A path argument is empty, or "
		    "the arguments are too long for a URL.");
	}
	out->route = r;
	out->path = dynbuf_take(&path, &len);
	out->query = dynbuf_take(&query, &len);
	if (r->body != BODY_NONE)
		out->body = body_build(r, v, params, n, args, &out->body_len);
	return TOOL_OK;
}

enum tool_status
tools_request(const char *name, struct json_object *args,
    struct tool_request *out, char *err, size_t errsz)
{
	struct fragments	 f;
	struct json_object	*schema, *none = NULL;
	enum tool_status	 rc = TOOL_UNKNOWN;
	enum variant		 vs[2];
	char			 tname[TOOLS_NAME_MAX + 1];
	size_t			 i, k, n;

	memset(out, 0, sizeof(*out));
	if (fragments_load(&f, err, errsz) == -1)
		return TOOL_UNKNOWN;
	if (args == NULL)
		args = none = json_object_new_object();
	for (i = 0; i < routes_count && rc == TOOL_UNKNOWN; i++) {
		if (!route_in_mcp(&routes[i]))
			continue;
		n = variants_of(&routes[i], vs);
		for (k = 0; k < n && rc == TOOL_UNKNOWN; k++) {
			tool_name(&routes[i], vs[k], tname, sizeof(tname));
			if (strcmp(tname, name) != 0)
				continue;
			schema = input_schema(&routes[i], vs[k], &f);
			rc = args_check(schema, args, err, errsz);
			json_object_put(schema);
			if (rc == TOOL_OK)
				rc = request_build(&routes[i], vs[k], args,
				    &f, out, err, errsz);
		}
	}
	json_object_put(none);
	fragments_free(&f);
	return rc;
}

void
tool_request_free(struct tool_request *r)
{
	free(r->path);
	free(r->query);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
