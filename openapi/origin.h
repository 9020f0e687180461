/*
 * Where the documents say the relay lives (servers[0].url): the
 * configured public URL, else the origin the request came to (a host
 * fcgi/params.c vetted with headers_host_valid); a document never
 * carries anything else the client sent.
 */
#ifndef OPENAPI_ORIGIN_H
#define OPENAPI_ORIGIN_H

#include <stddef.h>

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
