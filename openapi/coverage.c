/*
 * Classification for the coverage report.  Relay routes carry their
 * bucket in the route table; a row on the proxy's allowlist
 * (route_in_proxy) must also pass the proxy's own rules, or the entry
 * is dead and counts as UNKNOWN.  An OpenAI operation takes the bucket of the route serving it
 * or of its decision in policy/decisions.c; having both (a stale
 * decision) or neither is UNKNOWN.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "openapi/coverage.h"
#include "policy/decisions.h"
#include "policy/proxy.h"
#include "policy/route.h"
#include "policy/xalloc.h"

#define UNKNOWN	BUCKET__MAX	/* one past the real buckets */

struct entry {
	char		*method;
	char		*path;
	int		 bucket;	/* enum bucket, or UNKNOWN */
	const char	*detail;	/* static text */
};

struct entries {
	struct entry	*v;
	size_t		 n;
};

static void
add(struct entries *es, const char *method, const char *path, int bucket,
    const char *detail)
{
	es->v = xrealloc(es->v, (es->n + 1) * sizeof(*es->v));
	es->v[es->n].method = xstrdup(method);
	es->v[es->n].path = xstrdup(path);
	es->v[es->n].bucket = bucket;
	es->v[es->n].detail = detail;
	es->n++;
}

static void
entries_free(struct entries *es)
{
	size_t	i;

	for (i = 0; i < es->n; i++) {
		free(es->v[i].method);
		free(es->v[i].path);
	}
	free(es->v);
}

/* Templates equal up to parameter names: "/a/{x}" matches "/a/{y}". */
static bool
same_template(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (*a == '{' && *b == '{') {
			a = strchr(a, '}');
			b = strchr(b, '}');
			if (a == NULL || b == NULL)
				return false;
		} else if (*a != *b)
			return false;
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* A concrete path for a template: each "{name}" becomes "id_1". */
static void
sample_path(const char *tmpl, char *buf, size_t bufsz)
{
	size_t	o = 0;

	while (*tmpl != '\0' && o + 5 < bufsz) {
		if (*tmpl == '{' && strchr(tmpl, '}') != NULL) {
			memcpy(buf + o, "id_1", 4);
			o += 4;
			tmpl = strchr(tmpl, '}') + 1;
		} else
			buf[o++] = *tmpl++;
	}
	buf[o] = '\0';
}

static void
classify_routes(struct entries *es)
{
	const struct route	*r, *hit;
	const char		*detail, *reason;
	char			 path[512], *norm;
	int			 bucket;
	size_t			 i;

	for (i = 0; i < routes_count; i++) {
		r = &routes[i];
		bucket = (int)r->bucket;
		detail = r->operation_id;
		if (r->bucket == BUCKET_ACTIONS_DIRECT)
			detail = "in openapi.actions.json";
		if (r->bucket == BUCKET_PROXY_HARNESS)
			detail = "allowlisted_by_proxy";
		if (route_in_proxy(r)) {
			sample_path(r->path, path, sizeof(path));
			if (proxy_check_path(r->method, path, false, &norm,
			    &hit, &reason) != RERR_OK) {
				bucket = UNKNOWN;
				detail = "allowlisted row the proxy denies";
			}
			free(norm);
		}
		add(es, method_name(r->method), r->path, bucket, detail);
	}
}

static const struct route *
served_by(const char *method, const char *v1path)
{
	size_t	i;

	for (i = 0; i < routes_count; i++)
		if (strcasecmp(method_name(routes[i].method), method) == 0 &&
		    same_template(routes[i].path, v1path))
			return &routes[i];
	return NULL;
}

static void
classify_openai(struct entries *es, struct json_object *spec)
{
	static const char *const methods[] = {
		"get", "post", "put", "patch", "delete",
	};
	struct json_object	*paths, *ops, *op;
	const struct decision	*d;
	const struct route	*r;
	char			 v1path[1024], upper[8], *q;
	size_t			 k, j;

	if (!json_object_object_get_ex(spec, "paths", &paths))
		return;
	json_object_object_foreach(paths, path, ops_) {
		ops = ops_;
		/* "/responses?beta=true" is the same operation, flagged. */
		snprintf(v1path, sizeof(v1path), "/v1%s", path);
		q = strchr(v1path, '?');
		if (q != NULL)
			*q = '\0';
		for (k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
			if (!json_object_object_get_ex(ops, methods[k], &op))
				continue;
			for (j = 0; methods[k][j] != '\0'; j++)
				upper[j] = (char)(methods[k][j] - 'a' + 'A');
			upper[j] = '\0';
			r = served_by(upper, v1path);
			d = decision_find(upper, v1path + 3);
			if (r != NULL && d != NULL)
				add(es, upper, path, UNKNOWN,
				    "served and excluded at once: drop the "
				    "stale decision");
			else if (r != NULL)
				add(es, upper, path, (int)r->bucket,
				    r->operation_id);
			else if (d != NULL)
				add(es, upper, path, (int)d->bucket,
				    d->reason);
			else
				add(es, upper, path, UNKNOWN,
				    "no route and no decision");
		}
	}
}

static const char *
name_of(int bucket)
{
	return bucket == UNKNOWN ? "UNKNOWN" : bucket_name(bucket);
}

/* Summary and one section per bucket; returns the UNKNOWN count. */
static int
print_entries(FILE *out, const char *title, const struct entries *es)
{
	size_t	counts[BUCKET__MAX + 1] = { 0 };
	size_t	i;
	int	b;

	for (i = 0; i < es->n; i++)
		counts[es->v[i].bucket]++;
	fprintf(out, "\nBucket summary (%s):\n", title);
	for (b = 0; b <= UNKNOWN; b++)
		if (counts[b] > 0)
			fprintf(out, "%7lu %s\n", (unsigned long)counts[b],
			    name_of(b));
	for (b = 0; b <= UNKNOWN; b++) {
		if (counts[b] == 0)
			continue;
		fprintf(out, "\n== %s (%lu) ==\n", name_of(b),
		    (unsigned long)counts[b]);
		for (i = 0; i < es->n; i++)
			if (es->v[i].bucket == b)
				fprintf(out, "%-6s %-55s  %s\n",
				    es->v[i].method, es->v[i].path,
				    es->v[i].detail);
	}
	return (int)counts[UNKNOWN];
}

int
coverage_report(FILE *out, struct json_object *spec)
{
	struct entries	relay = { NULL, 0 }, openai = { NULL, 0 };
	size_t		i, actions = 0, proxy = 0;
	int		unknown;

	classify_routes(&relay);
	if (spec != NULL)
		classify_openai(&openai, spec);
	for (i = 0; i < routes_count; i++) {
		actions += routes[i].bucket == BUCKET_ACTIONS_DIRECT;
		proxy += route_in_proxy(&routes[i]);
	}
	fprintf(out, "Counts:\n  relay_routes=%lu\n  actions_ops=%lu\n"
	    "  proxy_allowlist=%lu\n  decisions=%lu\n",
	    (unsigned long)routes_count, (unsigned long)actions,
	    (unsigned long)proxy, (unsigned long)decisions_count);
	if (spec != NULL)
		fprintf(out, "  openai_ops=%lu\n", (unsigned long)openai.n);

	unknown = print_entries(out, "relay routes", &relay);
	if (spec != NULL)
		unknown += print_entries(out, "OpenAI operations", &openai);
	fputc('\n', out);
	if (unknown > 0)
		fprintf(out, "ERROR: UNKNOWN endpoints detected (%d).\n"
		    "Give each a route row (policy/route.c) or a decision "
		    "(policy/decisions.c).\n", unknown);
	else
		fprintf(out, "OK: All full endpoints mapped to a bucket "
		    "(no UNKNOWN).\n");
	entries_free(&relay);
	entries_free(&openai);
	return unknown;
}
