/*
 * Links in the state store.  Each is one value, "<expires_at>
 * <content type>\n" and the bytes, under "link:" and the SHA-256 of its
 * token, stored with the link's TTL: Redis expires it itself, SQLite
 * sweeps expired rows, and the expiry inside the value is checked on
 * every fetch, so a link never outlives its TTL by the sweep's delay.
 *
 * The cap counts bytes per window of one TTL ("linkbytes:<n>", a
 * counter that lives until its next window ends).  A live link was made
 * in this window or the one before, so the two counters together never
 * count less than what live links hold; they may count a little more
 * (links already expired), which refuses a little early, never late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "handlers/exchange.h"
#include "handlers/handler.h"
#include "handlers/links.h"
#include "handlers/reply.h"
#include "handlers/state.h"
#include "openapi/origin.h"
#include "policy/config.h"
#include "policy/headers.h"
#include "policy/mime.h"
#include "policy/secret.h"
#include "policy/xalloc.h"

#define KEY_PREFIX	"link:"
#define KEY_MAX		(sizeof(KEY_PREFIX) - 1 + SECRET_DIGEST_HEX)
/* The longest content type a link keeps (a header value). */
#define TYPE_MAX	255
#define HEADER_MAX	(24 + TYPE_MAX + 2)

static const char TOKEN_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz0123456789-_";

/* "link:" and the hex SHA-256 of token. */
static void
link_key(const char *token, char key[KEY_MAX])
{
	memcpy(key, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
	secret_sha256_hex(token, key + sizeof(KEY_PREFIX) - 1);
}

bool
links_token_new(char token[LINKS_TOKEN_LEN + 1])
{
	return secret_token(token);
}

/* The counter of window w. */
static void
window_key(long long w, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "linkbytes:%lld", w);
}

/*
 * Counts len bytes in now's window unless the last two windows would
 * then hold more than max_bytes.
 */
static enum rerr
reserve(struct state *st, long ttl_s, long long max_bytes, size_t len,
    long long now)
{
	long long	w = now / ttl_s, cur = 0, prev = 0;
	long		cur_ttl = (long)((w + 2) * ttl_s - now);
	char		kcur[48], kprev[48];
	enum rerr	rc = RERR_OK;

	if ((long long)len > max_bytes)
		return RERR_LINKS_FULL;
	window_key(w, kcur, sizeof(kcur));
	window_key(w - 1, kprev, sizeof(kprev));
	if (state_add(st, kcur, (long long)len, cur_ttl, &cur) != STATE_OK)
		return RERR_LINKS_UNAVAILABLE;
	/* Adding nothing reads the counter (and starts it at 0). */
	if (state_add(st, kprev, 0, (long)((w + 1) * ttl_s - now),
	    &prev) != STATE_OK)
		rc = RERR_LINKS_UNAVAILABLE;
	else if (cur + prev > max_bytes)
		rc = RERR_LINKS_FULL;
	if (rc != RERR_OK)
		(void)state_add(st, kcur, -(long long)len, cur_ttl, &cur);
	return rc;
}

enum rerr
links_store(struct state *st, long ttl_s, long long max_bytes,
    const void *bytes, size_t len, const char *content_type, long long now,
    char token[LINKS_TOKEN_LEN + 1])
{
	char		 key[KEY_MAX], head[HEADER_MAX], *value;
	long long	 w = now / ttl_s, cur;
	enum rerr	 rc;
	int		 n;

	if (st == NULL)
		return RERR_LINKS_UNAVAILABLE;
	if (strlen(content_type) > TYPE_MAX ||
	    !headers_value_valid(content_type))
		return RERR_INTERNAL;
	if (!links_token_new(token))
		return RERR_INTERNAL;
	link_key(token, key);
	n = snprintf(head, sizeof(head), "%lld %s\n", now + ttl_s,
	    content_type);
	if (n < 0 || (size_t)n >= sizeof(head))
		return RERR_INTERNAL;
	if ((rc = reserve(st, ttl_s, max_bytes, len, now)) != RERR_OK)
		return rc;
	value = xmalloc((size_t)n + len);
	memcpy(value, head, (size_t)n);
	memcpy(value + n, bytes, len);
	if (state_put(st, key, value, (size_t)n + len, ttl_s) != STATE_OK) {
		window_key(w, head, sizeof(head));
		(void)state_add(st, head, -(long long)len,
		    (long)((w + 2) * ttl_s - now), &cur);
		rc = RERR_LINKS_UNAVAILABLE;
	}
	free(value);
	return rc;
}

static bool
token_valid(const char *token)
{
	return strlen(token) == LINKS_TOKEN_LEN &&
	    strspn(token, TOKEN_CHARS) == LINKS_TOKEN_LEN;
}

enum rerr
links_fetch(struct state *st, const char *token, long long now,
    char **bytes, size_t *len, char **content_type, long long *expires_at)
{
	char			 key[KEY_MAX], *value = NULL, *end, *nl;
	size_t			 vlen = 0, hlen;
	enum state_result	 res;

	*bytes = *content_type = NULL;
	*len = 0;
	if (!token_valid(token))
		return RERR_LINK_NOT_FOUND;
	if (st == NULL)
		return RERR_LINKS_UNAVAILABLE;
	link_key(token, key);
	res = state_get(st, key, &value, &vlen);
	if (res != STATE_OK)
		return res == STATE_ABSENT ? RERR_LINK_NOT_FOUND :
		    RERR_LINKS_UNAVAILABLE;
	*expires_at = strtoll(value, &end, 10);
	nl = memchr(value, '\n', vlen);
	if (end == value || *end != ' ' || nl == NULL || *expires_at <= now) {
		free(value);
		return RERR_LINK_NOT_FOUND;
	}
	*content_type = xstrndup(end + 1, (size_t)(nl - end - 1));
	hlen = (size_t)(nl + 1 - value);
	memmove(value, nl + 1, vlen - hlen);
	value[vlen - hlen] = '\0';
	*bytes = value;
	*len = vlen - hlen;
	return RERR_OK;
}

enum rerr
links_put(struct exchange *ex, const void *bytes, size_t len,
    const char *content_type, char *url, size_t urlsz, long long *expires_at)
{
	const struct config	*cfg = ex->config;
	char			 token[LINKS_TOKEN_LEN + 1], *base;
	long long		 now = (long long)time(NULL);
	size_t			 blen;
	enum rerr		 rc;
	int			 n;

	if (urlsz < LINKS_URL_MAX)
		return RERR_INTERNAL;
	rc = links_store(ex->state, cfg->actions_link_ttl_s,
	    cfg->actions_links_max, bytes, len, content_type, now, token);
	if (rc != RERR_OK)
		return rc;
	/* "/" when the request named no usable host: a relative link. */
	base = origin_server_url(cfg->public_url, ex->scheme, ex->host);
	blen = strlen(base);
	if (blen > 0 && base[blen - 1] == '/')
		blen--;
	n = snprintf(url, urlsz, "%.*s%s%s", (int)blen, base, LINKS_PATH,
	    token);
	free(base);
	if (n < 0 || (size_t)n >= urlsz)
		return RERR_INTERNAL;
	if (expires_at != NULL)
		*expires_at = now + cfg->actions_link_ttl_s;
	return RERR_OK;
}

/*
 * GET /v1/actions/links/{link_id}.  The bytes are whatever a wrapper
 * stored, possibly a user's HTML: the answer is sandboxed, never
 * sniffed, and downloaded rather than shown unless it is a plain image.
 */
void
link_handle(struct exchange *ex)
{
	struct reply_head	 h;
	char			*bytes, *type, clen[32], cache[64];
	long long		 now = (long long)time(NULL), expires_at = 0;
	size_t			 len;
	enum rerr		 rc;

	rc = links_fetch(ex->state, strrchr(ex->path, '/') + 1, now, &bytes,
	    &len, &type, &expires_at);
	if (rc != RERR_OK) {
		reply_error(ex, rc, NULL, NULL);
		return;
	}
	snprintf(clen, sizeof(clen), "%lu", (unsigned long)len);
	snprintf(cache, sizeof(cache), "private, max-age=%lld",
	    expires_at - now);
	reply_head_init(&h, ex, 200);
	reply_head_add(&h, "Content-Type", type);
	reply_head_add(&h, "Content-Length", clen);
	reply_head_add(&h, "Cache-Control", cache);
	reply_head_add(&h, "X-Content-Type-Options", "nosniff");
	reply_head_add(&h, "Content-Security-Policy",
	    "sandbox; default-src 'none'");
	reply_head_add(&h, "Referrer-Policy", "no-referrer");
	if (!mime_is_image(type))
		reply_head_add(&h, "Content-Disposition", "attachment");
	if (reply_head_send(ex, &h) == 0)
		reply_write(ex, bytes, len);
	free(bytes);
	free(type);
}
