/*
 * The upstream HTTP client: the only module that knows libcurl.
 *
 * Each worker thread owns one struct upstream and reuses it for every
 * request, so connections (and TLS sessions) to OpenAI are kept alive.
 * Redirects are never followed, proxies from the environment are
 * ignored, and only http/https are spoken.
 */
#ifndef HANDLERS_UPSTREAM_H
#define HANDLERS_UPSTREAM_H

#include <stddef.h>

struct upstream;

/* A response header as upstream sent it; borrowed for on_head's call. */
struct upstream_header {
	const char	*name;
	const char	*value;
};

struct upstream_request {
	const char		*method;
	const char		*url;
	const char *const	*headers;	/* "Name: value" lines */
	size_t			 nheaders;
	const char		*body;		/* NULL: send no body */
	size_t			 body_len;
	long			 connect_timeout_ms;
	long			 timeout_ms;	/* whole transfer; 0: none */
};

/* Where the response goes, as it arrives. */
struct upstream_sink {
	void	*ctx;
	/* The status and every header are in; 0 to go on, -1 to abort. */
	int	(*on_head)(void *ctx, int status,
		    const struct upstream_header *headers, size_t n);
	/* A piece of the body; 0 to go on, -1 to abort. */
	int	(*on_body)(void *ctx, const char *buf, size_t len);
};

enum upstream_result {
	UPSTREAM_DONE,		/* the whole response was delivered */
	UPSTREAM_UNREACHABLE,	/* connect/TLS/transport failure */
	UPSTREAM_TIMEOUT,
	UPSTREAM_BAD_RESPONSE,	/* not HTTP, or a header block too big */
	UPSTREAM_ABORTED,	/* the sink asked to stop */
};

/* Once per process, before any thread starts; -1 on failure. */
int upstream_global_init(void);
void upstream_global_cleanup(void);

/* A client for one thread; aborts on out-of-memory. */
struct upstream *upstream_new(void);
void upstream_free(struct upstream *u);

/*
 * Performs one request, delivering the response to sink as it arrives.
 * on_head is called exactly once before any on_body call if upstream
 * answered at all.  *elapsed_ms receives the time spent.
 */
enum upstream_result upstream_perform(struct upstream *u,
    const struct upstream_request *rq, const struct upstream_sink *sink,
    double *elapsed_ms);

#endif
