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

#include <stdbool.h>
#include <stddef.h>

struct upstream;

/* A response header as upstream sent it; borrowed for on_head's call. */
struct upstream_header {
	const char	*name;
	const char	*value;
};

/*
 * A multipart/form-data part the relay builds (the Actions wrappers):
 * a plain field, or a file when filename is set.
 */
struct upstream_part {
	const char	*name;
	const char	*filename;	/* NULL: a plain field */
	const char	*content_type;	/* NULL: libcurl's default */
	const char	*data;
	size_t		 len;
};

/*
 * The body is one of: nothing, body/body_len held in memory, parts built
 * into a form, or bytes pulled from read_body as upstream takes them (a
 * client's upload streamed through, never held whole).
 */
struct upstream_request {
	const char		*method;
	const char		*url;
	const char *const	*headers;	/* "Name: value" lines */
	size_t			 nheaders;
	const char		*body;		/* NULL: send no body */
	size_t			 body_len;
	const struct upstream_part *parts;
	size_t			 nparts;
	/* Fills buf: the count, 0 at the end, -1 to abort the call. */
	long			(*read_body)(void *ctx, char *buf, size_t len);
	void			*read_ctx;
	long long		 read_size;	/* -1: unknown, sent chunked */
	/* The one deadline kept here; the sink's on_tick keeps the rest. */
	long			 connect_timeout_ms;
};

/* Where the response goes, as it arrives. */
struct upstream_sink {
	void	*ctx;
	/* The status and every header are in; 0 to go on, -1 to abort. */
	int	(*on_head)(void *ctx, int status,
		    const struct upstream_header *headers, size_t n);
	/* A piece of the body; 0 to go on, -1 to abort. */
	int	(*on_body)(void *ctx, const char *buf, size_t len);
	/*
	 * Called often while the transfer runs, and about once a second
	 * while upstream is silent; 0 to go on, -1 to abort.  May be NULL.
	 */
	int	(*on_tick)(void *ctx);
};

enum upstream_result {
	UPSTREAM_DONE,		/* the whole response was delivered */
	UPSTREAM_UNREACHABLE,	/* connect/TLS/transport failure */
	UPSTREAM_CONNECT_TIMEOUT,
	UPSTREAM_TIMEOUT,	/* upstream_download's time limit */
	UPSTREAM_BAD_RESPONSE,	/* not HTTP, or a header block too big */
	UPSTREAM_ABORTED,	/* the sink or read_body asked to stop */
	UPSTREAM_TOO_LARGE,	/* upstream_download: over the cap */
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

/*
 * Downloads url into a fresh buffer (*out, caller frees; *len bytes) for
 * a wrapper that must pass a user's file on: https only, no redirects,
 * environment proxies ignored, at most cap bytes, timeout_ms in all.
 * ca_file, when not NULL, is the CA bundle to trust instead of the
 * system's.  address_ok, when not NULL, judges each address before a
 * connection to it is opened (4 or 16 bytes, network order): one it
 * refuses is never connected to, and the download fails as
 * UPSTREAM_UNREACHABLE.  *status receives the HTTP status.
 * UPSTREAM_DONE means an answer came (check *status);
 * UPSTREAM_TOO_LARGE, or a failure.
 */
enum upstream_result upstream_download(struct upstream *u, const char *url,
    const char *ca_file, size_t cap, long timeout_ms,
    bool (*address_ok)(const unsigned char *addr, size_t len), char **out,
    size_t *len, long *status);

#endif
