/*
 * Document generation.  Fragments are parsed afresh for every document:
 * it costs well under a millisecond, and sharing parsed json-c objects
 * between worker threads would need locking (json-c refcounts are not
 * atomic everywhere).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "openapi/embedded.h"
#include "openapi/fragments.h"
#include "openapi/openapi.h"
#include "policy/error.h"
#include "policy/route.h"

#define SCHEME_NAME	"relayKey"
/* ChatGPT's limit on summaries and descriptions. */
#define TEXT_MAX	300

static const char *const operation_keys[] = {
	"description", "request", "response", "media", "query",
};

void
fragments_free(struct fragments *f)
{
	json_object_put(f->schemas);
	json_object_put(f->parameters);
	json_object_put(f->path_parameters);
	json_object_put(f->operations);
	memset(f, 0, sizeof(*f));
}

static bool
is_type(struct json_object *o, enum json_type type)
{
	return o != NULL && json_object_is_type(o, type);
}

static bool
all_strings(struct json_object *a)
{
	size_t	i;

	if (!is_type(a, json_type_array))
		return false;
	for (i = 0; i < json_object_array_length(a); i++)
		if (!is_type(json_object_array_get_idx(a, i), json_type_string))
			return false;
	return true;
}

static int
operation_check(const char *file, const char *op, struct json_object *o,
    char *err, size_t errsz)
{
	struct json_object	*v;
	size_t			 k;
	bool			 known;

	if (!is_type(o, json_type_object))
		return reason_fail(err, errsz, "%s: %s is not an object", file, op);
	json_object_object_foreach(o, key, val) {
		known = false;
		for (k = 0; k < sizeof(operation_keys) /
		    sizeof(operation_keys[0]); k++)
			known |= strcmp(key, operation_keys[k]) == 0;
		if (!known)
			return reason_fail(err, errsz, "%s: %s: unknown key %s", file,
			    op, key);
		(void)val;
	}
	if (json_object_object_get_ex(o, "description", &v) &&
	    (!is_type(v, json_type_string) ||
	    json_object_get_string_len(v) > TEXT_MAX))
		return reason_fail(err, errsz, "%s: %s: description must be a string "
		    "of at most %d characters", file, op, TEXT_MAX);
	if ((json_object_object_get_ex(o, "request", &v) &&
	    !is_type(v, json_type_object)) ||
	    (json_object_object_get_ex(o, "response", &v) &&
	    !is_type(v, json_type_object)))
		return reason_fail(err, errsz, "%s: %s: a schema is not an object",
		    file, op);
	if ((json_object_object_get_ex(o, "media", &v) && (!all_strings(v) ||
	    json_object_array_length(v) == 0)) ||
	    (json_object_object_get_ex(o, "query", &v) && !all_strings(v)))
		return reason_fail(err, errsz, "%s: %s: media and query must be lists "
		    "of strings", file, op);
	return 0;
}

/* Adds the members of section (from file) to into, refusing duplicates. */
static int
merge_section(const char *file, const char *section, struct json_object *src,
    struct json_object *into, char *err, size_t errsz)
{
	if (!is_type(src, json_type_object))
		return reason_fail(err, errsz, "%s: %s is not an object", file,
		    section);
	json_object_object_foreach(src, key, val) {
		if (json_object_object_get_ex(into, key, NULL))
			return reason_fail(err, errsz, "%s: %s %s is defined twice",
			    file, section, key);
		if (strcmp(section, "operations") == 0 &&
		    operation_check(file, key, val, err, errsz) == -1)
			return -1;
		if (strcmp(section, "path_parameters") == 0 &&
		    !is_type(val, json_type_string))
			return reason_fail(err, errsz, "%s: path parameter %s needs a "
			    "description string", file, key);
		json_object_object_add(into, key, json_object_get(val));
	}
	return 0;
}

int
fragments_load(struct fragments *f, char *err, size_t errsz)
{
	struct json_object	*file, *sections[4];
	static const char *const names[4] = {
		"schemas", "parameters", "path_parameters", "operations",
	};
	enum json_tokener_error	 jerr;
	size_t			 i, s;
	int			 rc = 0;

	f->schemas = json_object_new_object();
	f->parameters = json_object_new_object();
	f->path_parameters = json_object_new_object();
	f->operations = json_object_new_object();
	sections[0] = f->schemas;
	sections[1] = f->parameters;
	sections[2] = f->path_parameters;
	sections[3] = f->operations;

	for (i = 0; i < openapi_fragments_count && rc == 0; i++) {
		const char *name = openapi_fragments[i].name;

		file = json_tokener_parse_verbose(openapi_fragments[i].data,
		    &jerr);
		if (!is_type(file, json_type_object)) {
			rc = reason_fail(err, errsz, "%s: not a JSON object (%s)",
			    name, file == NULL ? json_tokener_error_desc(jerr) :
			    "wrong type");
			json_object_put(file);
			break;
		}
		json_object_object_foreach(file, key, val) {
			for (s = 0; s < 4; s++)
				if (strcmp(key, names[s]) == 0)
					break;
			if (s == 4)
				rc = reason_fail(err, errsz, "%s: unknown key %s",
				    name, key);
			else
				rc = merge_section(name, key, val, sections[s],
				    err, errsz);
			if (rc == -1)
				break;
		}
		json_object_put(file);
	}
	if (rc == -1)
		fragments_free(f);
	return rc;
}

/*
 * Calls back for every "$ref" string under node.  Stops at, and
 * returns, the first non-zero answer.
 */
static int
refs_walk(struct json_object *node,
    int (*fn)(const char *ref, void *arg), void *arg)
{
	size_t	i;
	int	rc;

	if (is_type(node, json_type_array)) {
		for (i = 0; i < json_object_array_length(node); i++)
			if ((rc = refs_walk(json_object_array_get_idx(node, i),
			    fn, arg)) != 0)
				return rc;
		return 0;
	}
	if (!is_type(node, json_type_object))
		return 0;
	json_object_object_foreach(node, key, val) {
		if (strcmp(key, "$ref") == 0 && is_type(val, json_type_string))
			rc = fn(json_object_get_string(val), arg);
		else
			rc = refs_walk(val, fn, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Pruning: copies every schema reachable from a document part. */
struct prune {
	struct json_object	*all;
	struct json_object	*used;
};

static int
prune_ref(const char *ref, void *arg)
{
	struct prune		*p = arg;
	struct json_object	*schema;
	const char		*name;

	if (strncmp(ref, SCHEMA_REF, strlen(SCHEMA_REF)) != 0)
		return 0;
	name = ref + strlen(SCHEMA_REF);
	if (json_object_object_get_ex(p->used, name, NULL) ||
	    !json_object_object_get_ex(p->all, name, &schema))
		return 0;
	json_object_object_add(p->used, name, json_object_get(schema));
	return refs_walk(schema, prune_ref, p);
}

/* The Swagger UI group: the first segment after /v1, else "relay". */
static void
tag_of(const char *path, char *buf, size_t bufsz)
{
	const char	*seg;

	if (strncmp(path, "/v1/", 4) != 0) {
		snprintf(buf, bufsz, "relay");
		return;
	}
	seg = path + 4;
	snprintf(buf, bufsz, "%.*s", (int)strcspn(seg, "/{"), seg);
}

static struct json_object *
string_list(const char *s)
{
	struct json_object	*a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(s));
	return a;
}

/* A schema for rows without a fragment: any JSON object. */
static struct json_object *
generic_schema(void)
{
	struct json_object	*s = json_object_new_object();

	json_object_object_add(s, "type", json_object_new_string("object"));
	json_object_object_add(s, "additionalProperties",
	    json_object_new_boolean(1));
	return s;
}

/* Path parameters from the template's "{name}" segments, in order. */
static void
path_parameters_add(const char *tmpl, const struct fragments *f,
    struct json_object *params)
{
	const char		*open, *close;
	struct json_object	*p, *desc, *schema;
	char			 name[128], fallback[192];

	for (open = strchr(tmpl, '{'); open != NULL;
	    open = strchr(close, '{')) {
		close = strchr(open, '}');
		if (close == NULL)
			return;
		snprintf(name, sizeof(name), "%.*s",
		    (int)(close - open - 1), open + 1);
		p = json_object_new_object();
		json_object_object_add(p, "name", json_object_new_string(name));
		json_object_object_add(p, "in", json_object_new_string("path"));
		json_object_object_add(p, "required",
		    json_object_new_boolean(1));
		if (json_object_object_get_ex(f->path_parameters, name, &desc))
			json_object_object_add(p, "description",
			    json_object_get(desc));
		else {
			snprintf(fallback, sizeof(fallback), "The %s.", name);
			json_object_object_add(p, "description",
			    json_object_new_string(fallback));
		}
		schema = json_object_new_object();
		json_object_object_add(schema, "type",
		    json_object_new_string("string"));
		json_object_object_add(p, "schema", schema);
		json_object_array_add(params, p);
	}
}

static void
query_parameters_add(struct json_object *frag, const struct fragments *f,
    struct json_object *params)
{
	struct json_object	*keys, *p;
	size_t			 i;

	if (frag == NULL || !json_object_object_get_ex(frag, "query", &keys))
		return;
	for (i = 0; i < json_object_array_length(keys); i++)
		if (json_object_object_get_ex(f->parameters,
		    json_object_get_string(json_object_array_get_idx(keys, i)),
		    &p))
			json_object_array_add(params, json_object_get(p));
}

/* {"<media>": {"schema": schema}} for each media type. */
static struct json_object *
content_of(struct json_object *media, struct json_object *schema)
{
	struct json_object	*content = json_object_new_object();
	struct json_object	*entry;
	size_t			 i;

	for (i = 0; i < json_object_array_length(media); i++) {
		entry = json_object_new_object();
		json_object_object_add(entry, "schema",
		    json_object_get(schema));
		json_object_object_add(content, json_object_get_string(
		    json_object_array_get_idx(media, i)), entry);
	}
	return content;
}

static struct json_object *
request_body(const struct route *r, struct json_object *frag)
{
	struct json_object	*body, *schema, *media;

	if (frag == NULL || !json_object_object_get_ex(frag, "request",
	    &schema))
		schema = generic_schema();
	else
		json_object_get(schema);
	/* Multipart routes take the same fields as form parts. */
	media = json_object_new_array();
	if (r->body == BODY_MULTIPART || r->body == BODY_MULTIPART_OR_JSON)
		json_object_array_add(media,
		    json_object_new_string("multipart/form-data"));
	if (r->body == BODY_FORM)
		json_object_array_add(media, json_object_new_string(
		    "application/x-www-form-urlencoded"));
	else if (r->body != BODY_MULTIPART)
		json_object_array_add(media,
		    json_object_new_string("application/json"));
	body = json_object_new_object();
	json_object_object_add(body, "required",
	    json_object_new_boolean(r->body != BODY_JSON_OPTIONAL));
	json_object_object_add(body, "content", content_of(media, schema));
	json_object_put(media);
	json_object_put(schema);
	return body;
}

static struct json_object *
responses(struct json_object *frag)
{
	struct json_object	*all, *ok, *err, *schema, *media, *ref;

	if (frag == NULL || !json_object_object_get_ex(frag, "response",
	    &schema))
		schema = generic_schema();
	else
		json_object_get(schema);
	if (frag == NULL || !json_object_object_get_ex(frag, "media", &media))
		media = string_list("application/json");
	else
		json_object_get(media);
	ok = json_object_new_object();
	json_object_object_add(ok, "description",
	    json_object_new_string("Success."));
	json_object_object_add(ok, "content", content_of(media, schema));
	json_object_put(media);
	json_object_put(schema);

	ref = json_object_new_object();
	json_object_object_add(ref, "$ref",
	    json_object_new_string(SCHEMA_REF "ErrorResponse"));
	media = string_list("application/json");
	err = json_object_new_object();
	json_object_object_add(err, "description", json_object_new_string(
	    "An error in OpenAI's envelope, from the relay or from OpenAI."));
	json_object_object_add(err, "content", content_of(media, ref));
	json_object_put(media);
	json_object_put(ref);

	all = json_object_new_object();
	json_object_object_add(all, "200", ok);
	json_object_object_add(all, "default", err);
	return all;
}

static struct json_object *
operation_build(const struct route *r, const struct fragments *f)
{
	struct json_object	*op = json_object_new_object();
	struct json_object	*frag = NULL, *desc, *params;
	char			 tag[64];

	json_object_object_get_ex(f->operations, r->operation_id, &frag);
	json_object_object_add(op, "operationId",
	    json_object_new_string(r->operation_id));
	json_object_object_add(op, "summary",
	    json_object_new_string(r->summary));
	if (frag != NULL && json_object_object_get_ex(frag, "description",
	    &desc))
		json_object_object_add(op, "description",
		    json_object_get(desc));
	tag_of(r->path, tag, sizeof(tag));
	json_object_object_add(op, "tags", string_list(tag));
	if (r->public)
		json_object_object_add(op, "security",
		    json_object_new_array());

	params = json_object_new_array();
	path_parameters_add(r->path, f, params);
	query_parameters_add(frag, f, params);
	if (json_object_array_length(params) > 0)
		json_object_object_add(op, "parameters", params);
	else
		json_object_put(params);

	if (r->body != BODY_NONE)
		json_object_object_add(op, "requestBody",
		    request_body(r, frag));
	json_object_object_add(op, "responses", responses(frag));
	json_object_object_add(op, "x-openai-isConsequential",
	    json_object_new_boolean(r->consequential));
	return op;
}

static struct json_object *
info_build(enum openapi_doc doc, const char *title, const char *version)
{
	struct json_object	*info = json_object_new_object();
	char			 full[512];

	snprintf(full, sizeof(full), "%s%s", title,
	    doc == OPENAPI_ACTIONS ? " (Actions subset)" : "");
	json_object_object_add(info, "title", json_object_new_string(full));
	json_object_object_add(info, "version",
	    json_object_new_string(version));
	json_object_object_add(info, "description", json_object_new_string(
	    doc == OPENAPI_ACTIONS ?
	    "OpenAI API operations for a custom GPT, through a relay that "
	    "keeps the OpenAI key on the server. Authenticate with "
	    "Authorization: Bearer <relay key>. An answer over 100,000 "
	    "characters comes back as the error answer_too_large; images "
	    "and big files come back as links." :
	    "The OpenAI API through a relay that keeps the OpenAI key on "
	    "the server; paths mirror OpenAI's. Authenticate with "
	    "Authorization: Bearer <relay key> (or X-Relay-Key)."));
	return info;
}

static struct json_object *
components_build(enum openapi_doc doc, struct json_object *paths,
    const struct fragments *f)
{
	struct json_object	*components = json_object_new_object();
	struct json_object	*schemes, *bearer;
	struct prune		 p;

	if (doc == OPENAPI_FULL) {
		json_object_object_add(components, "schemas",
		    json_object_get(f->schemas));
	} else {
		p.all = f->schemas;
		p.used = json_object_new_object();
		refs_walk(paths, prune_ref, &p);
		json_object_object_add(components, "schemas", p.used);
	}
	bearer = json_object_new_object();
	json_object_object_add(bearer, "type", json_object_new_string("http"));
	json_object_object_add(bearer, "scheme",
	    json_object_new_string("bearer"));
	json_object_object_add(bearer, "description", json_object_new_string(
	    "The relay key: Authorization: Bearer <relay key>."));
	schemes = json_object_new_object();
	json_object_object_add(schemes, SCHEME_NAME, bearer);
	json_object_object_add(components, "securitySchemes", schemes);
	return components;
}

struct json_object *
openapi_build(enum openapi_doc doc, const char *title, const char *version,
    const char *server_url)
{
	struct fragments	 f;
	struct json_object	*root, *servers, *server, *security, *req;
	struct json_object	*paths, *item;
	char			 err[256], method[8];
	size_t			 i, k;

	if (fragments_load(&f, err, sizeof(err)) == -1)
		return NULL;

	root = json_object_new_object();
	json_object_object_add(root, "openapi",
	    json_object_new_string("3.1.0"));
	json_object_object_add(root, "info", info_build(doc, title, version));
	server = json_object_new_object();
	json_object_object_add(server, "url",
	    json_object_new_string(server_url));
	servers = json_object_new_array();
	json_object_array_add(servers, server);
	json_object_object_add(root, "servers", servers);
	req = json_object_new_object();
	json_object_object_add(req, SCHEME_NAME, json_object_new_array());
	security = json_object_new_array();
	json_object_array_add(security, req);
	json_object_object_add(root, "security", security);

	paths = json_object_new_object();
	for (i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];

		if (doc == OPENAPI_ACTIONS && !route_in_actions(r))
			continue;
		if (!json_object_object_get_ex(paths, r->path, &item)) {
			item = json_object_new_object();
			json_object_object_add(paths, r->path, item);
		}
		snprintf(method, sizeof(method), "%s", method_name(r->method));
		for (k = 0; method[k] != '\0'; k++)
			method[k] = (char)(method[k] - 'A' + 'a');
		json_object_object_add(item, method, operation_build(r, &f));
	}
	json_object_object_add(root, "paths", paths);
	json_object_object_add(root, "components",
	    components_build(doc, paths, &f));
	fragments_free(&f);
	return root;
}

/* Checking: every "$ref" names a schema that exists. */
struct ref_check {
	struct json_object	*schemas;
	const char		*where;
	char			*err;
	size_t			 errsz;
};

static int
ref_check(const char *ref, void *arg)
{
	struct ref_check	*c = arg;

	if (strncmp(ref, SCHEMA_REF, strlen(SCHEMA_REF)) != 0 ||
	    !json_object_object_get_ex(c->schemas, ref + strlen(SCHEMA_REF),
	    NULL))
		return reason_fail(c->err, c->errsz, "%s: unresolved $ref %s",
		    c->where, ref);
	return 0;
}

static bool
table_has_operation(const char *op)
{
	size_t	i;

	for (i = 0; i < routes_count; i++)
		if (strcmp(routes[i].operation_id, op) == 0)
			return true;
	return false;
}

int
openapi_check_fragments(char *err, size_t errsz)
{
	struct fragments	 f;
	struct ref_check	 c = { NULL, NULL, err, errsz };
	struct json_object	*keys, *in, *name;
	size_t			 i;
	int			 rc = 0;

	if (fragments_load(&f, err, errsz) == -1)
		return -1;
	c.schemas = f.schemas;
	json_object_object_foreach(f.operations, op, frag) {
		if (!table_has_operation(op)) {
			rc = reason_fail(err, errsz, "fragment for %s, which the "
			    "route table does not have", op);
			goto out;
		}
		c.where = op;
		if ((rc = refs_walk(frag, ref_check, &c)) != 0)
			goto out;
		if (!json_object_object_get_ex(frag, "query", &keys))
			continue;
		for (i = 0; i < json_object_array_length(keys); i++) {
			const char *key = json_object_get_string(
			    json_object_array_get_idx(keys, i));

			if (!json_object_object_get_ex(f.parameters, key,
			    NULL)) {
				rc = reason_fail(err, errsz, "%s: no parameter %s",
				    op, key);
				goto out;
			}
		}
	}
	json_object_object_foreach(f.parameters, pkey, param) {
		if (!json_object_object_get_ex(param, "in", &in) ||
		    !is_type(in, json_type_string) ||
		    strcmp(json_object_get_string(in), "query") != 0 ||
		    !json_object_object_get_ex(param, "name", &name) ||
		    !is_type(name, json_type_string)) {
			rc = reason_fail(err, errsz, "parameter %s needs name and "
			    "in: query", pkey);
			goto out;
		}
	}
	json_object_object_foreach(f.schemas, sname, schema) {
		c.where = sname;
		if ((rc = refs_walk(schema, ref_check, &c)) != 0)
			goto out;
	}
out:
	fragments_free(&f);
	return rc == 0 ? 0 : -1;
}
