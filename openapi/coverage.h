/*
 * The coverage guardrail: every route the relay serves and, given
 * OpenAI's published API description, every OpenAI operation, each in
 * exactly one bucket.  UNKNOWN means nobody decided.
 */
#ifndef OPENAPI_COVERAGE_H
#define OPENAPI_COVERAGE_H

#include <stdio.h>

struct json_object;

/*
 * Prints the report to out, in the original relay's shape: counts, a
 * bucket summary, one section per bucket (method, path, detail), then
 * the verdict line.  spec is OpenAI's OpenAPI document (paths relative
 * to /v1), or NULL to report on the relay's own routes only.
 * Returns the number of UNKNOWN entries (0 means the guardrail holds).
 */
int coverage_report(FILE *out, struct json_object *spec);

#endif
