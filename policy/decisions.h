/*
 * OpenAI operations the relay does not serve, each with its decision and
 * the reason.  Together with the route table this classifies every
 * operation of OpenAI's published API; one in neither is UNKNOWN and
 * fails the coverage report, so a new upstream endpoint is a decision
 * someone makes, not silence.
 */
#ifndef POLICY_DECISIONS_H
#define POLICY_DECISIONS_H

#include <stddef.h>

#include "policy/route.h"

struct decision {
	const char	*method;	/* "GET", ...; "*" for every method */
	const char	*path;		/* OpenAI's template, relative to /v1;
					 * one ending in '/' covers a prefix */
	enum bucket	 bucket;
	const char	*reason;
};

extern const struct decision	decisions[];
extern const size_t		decisions_count;

/*
 * The decision for an OpenAI operation (method upper-case, path relative
 * to /v1 without any query), or NULL when nobody decided.
 */
const struct decision *decision_find(const char *method, const char *path);

#endif
