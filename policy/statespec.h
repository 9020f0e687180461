/*
 * Where the state store lives (RELAY_STATE): "sqlite:PATH" or
 * "redis://HOST:PORT[/DB]".  Parsed here, purely, so the settings can
 * refuse a bad one at start; handlers/state.c connects to it.
 */
#ifndef POLICY_STATESPEC_H
#define POLICY_STATESPEC_H

#include <stdbool.h>
#include <stddef.h>

enum state_backend {
	STATE_BACKEND_SQLITE,
	STATE_BACKEND_REDIS,
};

struct state_spec {
	enum state_backend	 backend;
	const char		*path;		/* SQLite: points into the spec */
	char			 host[256];	/* Redis */
	int			 port;
	int			 db;
};

/*
 * Parses spec into *out (which borrows from spec).  Returns true, or
 * false with a one-line reason in err that does not echo the spec (a
 * Redis URL may carry a password).
 */
bool state_spec_parse(const char *spec, struct state_spec *out, char *err,
    size_t errsz);

#endif
