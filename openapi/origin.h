/*
 * Where the documents say the relay lives (servers[0].url): the
 * configured public URL, else the origin the request came to.  The Host
 * header is client data, so it is used only when it looks like a host
 * name; a document never carries anything else the client sent.
 */
#ifndef OPENAPI_ORIGIN_H
#define OPENAPI_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when host is a non-empty [A-Za-z0-9.-] name, optionally followed
 * by ":port" (1 to 65535).
 */
bool origin_host_valid(const char *host);

/*
 * servers[0].url, as a string the caller frees: public_url when it is
 * not empty (RELAY_PUBLIC_URL, validated at start); else scheme "://"
 * host (scheme "http" when NULL); else, when host is NULL or empty, "/"
 * (relative to wherever the document was fetched).  Aborts on
 * out-of-memory only.
 */
char *origin_server_url(const char *public_url, const char *scheme,
    const char *host);

#endif
