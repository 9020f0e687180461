/*
 * The one log line per request, written to the request's FastCGI error
 * stream so it lands in the front server's error log (lighttpd sends a
 * spawned backend's own stderr to /dev/null when it daemonises).
 */
#ifndef FCGI_ACCESSLOG_H
#define FCGI_ACCESSLOG_H

#include <fcgiapp.h>

struct exchange;

/*
 * Writes (to the process's stderr instead when the client is gone, since
 * the FastCGI connection is closed with it): request id, client key name,
 * method, route template, status,
 * bytes in and out, upstream and total milliseconds, upstream request
 * id.  Never a key, a header value or a body; client-supplied text is
 * escaped so it cannot forge lines.
 */
void accesslog_write(FCGX_Stream *err, const struct exchange *ex,
    double total_ms);

#endif
