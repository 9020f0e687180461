/*
 * The Realtime WebSocket bridge (see wsbridge.h).  One libwebsockets
 * context serves the clients and opens the upstream connections; each
 * client and its upstream form a bridge.  A message is collected whole
 * (up to RELAY_REALTIME_WS_MAX_MESSAGE) and queued for the other side,
 * so boundaries and the text/binary kind are kept; reading from a side
 * pauses while the other side's queue is long.  Pings are answered by
 * libwebsockets itself.  Policy (the key, the model, the upstream
 * address) comes from policy/; this file only moves bytes.
 *
 * A session is one call of its key: it is counted against the key's
 * rpm and tokens_per_day when the upgrade is decided, holds one of the
 * key's concurrency slots until it ends (its timer renews the lease),
 * and its usage (one request, and the tokens of every response.done
 * upstream sends) is recorded then, as for the relay's other calls
 * (handlers/limits.h).  The store
 * is asked on the loop's one thread: on SQLite, a write that waits for
 * another process's (up to its busy timeout) holds every session up.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "fcgi/keyring.h"
#include "fcgi/wsbridge.h"
#include "handlers/limits.h"
#include "handlers/state.h"
#include "handlers/usagebuf.h"
#include "policy/auth.h"
#include "policy/config.h"
#include "policy/dynbuf.h"
#include "policy/error.h"
#include "policy/headers.h"
#include "policy/keys.h"
#include "policy/realtime.h"
#include "policy/usage.h"
#include "policy/xalloc.h"

#define WS_PATH		"/v1/realtime/ws"
#define CLOSE_NORMAL	1000
#define CLOSE_GOING	1001
#define CLOSE_POLICY	1008
#define CLOSE_TOO_BIG	1009
#define CLOSE_UPSTREAM	1011
#define EXIT_CONFIG	78
/* Pause reading a side once this many messages' worth waits for the other. */
#define QUEUE_FACTOR	4

struct msg {
	struct msg	*next;
	size_t		 len;
	bool		 binary;
	unsigned char	 buf[];		/* LWS_PRE bytes, then the payload */
};

/* One end of a bridge, and what waits to be written to it. */
struct side {
	struct lws	*wsi;		/* NULL once closed */
	struct msg	*head, *tail;
	size_t		 queued;	/* payload bytes in the queue */
	struct dynbuf	 rx;		/* the message being received from it */
	bool		 rx_binary;
	bool		 paused;	/* its reads are paused */
	int		 close_code;	/* sent once its queue is drained */
	char		 close_reason[124];
	unsigned long long bytes;	/* payload bytes received from it */
};

struct bridge {
	struct side	 client, upstream;
	char		 key_name[KEYS_NAME_MAX + 1];
	char		 model[128];
	char		 host[300];	/* Host header for upstream */
	time_t		 started, last_activity;
	int		 close_code;	/* the client's, for the log */
	struct limits_slot slot;	/* the key's concurrency slot, if any */
	long long	 usage[USAGE__MAX];	/* tokens upstream reported */
};

static const struct config	*bcfg;
static struct keyring		*bkeys;
static struct state		*bstate;	/* counters and usage */
static volatile sig_atomic_t	 stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Answers an upgrade the bridge refuses with the relay's envelope. */
static int
refuse(struct lws *wsi, enum rerr e, const char *param, long retry_after_s)
{
	unsigned char	 head[LWS_PRE + 1024], *start = head + LWS_PRE;
	unsigned char	*p = start, *end = head + sizeof(head) - 1;
	char		 body[LWS_PRE + 600], retry[24];
	int		 n, r;

	n = rerr_envelope(e, NULL, param, body + LWS_PRE, sizeof(body) -
	    LWS_PRE);
	r = snprintf(retry, sizeof(retry), "%ld", retry_after_s);
	if (n < 0 ||
	    lws_add_http_header_status(wsi, (unsigned)rerr_info(e)->status,
	    &p, end) ||
	    (retry_after_s > 0 && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"retry-after:", (unsigned char *)retry, r,
	    &p, end)) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	    (const unsigned char *)"application/json", 16, &p, end) ||
	    lws_add_http_header_content_length(wsi, (lws_filepos_t)n, &p,
	    end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (lws_write(wsi, (unsigned char *)body + LWS_PRE, (size_t)n,
	    LWS_WRITE_HTTP_FINAL) != n)
		return -1;
	return 1;
}

/* admit(), with the keys to check the presented key against. */
static enum rerr
admit_with(struct lws *wsi, const struct keyset *keys, struct bridge *b,
    const char **param, long *retry_after_s)
{
	char		 uri[256], auth[512], xkey[512], protos[1024];
	char		 arg[160], subkey[512];
	const char		*m, *k;
	const struct key_entry	*key;
	size_t			 klen;
	enum rerr		 rc;

	*param = NULL;
	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
	    strcmp(uri, WS_PATH) != 0)
		return RERR_NOT_FOUND;
	if (lws_hdr_copy(wsi, auth, sizeof(auth),
	    WSI_TOKEN_HTTP_AUTHORIZATION) <= 0)
		auth[0] = '\0';
	if (lws_hdr_custom_copy(wsi, xkey, sizeof(xkey), "x-relay-key:",
	    12) <= 0)
		xkey[0] = '\0';
	if (lws_hdr_copy(wsi, protos, sizeof(protos), WSI_TOKEN_PROTOCOL) <= 0)
		protos[0] = '\0';
	/* A browser cannot set headers: its key rides in a subprotocol. */
	k = realtime_subprotocol_key(protos, &klen);
	if (xkey[0] == '\0' && k != NULL && klen < sizeof(subkey)) {
		memcpy(subkey, k, klen);
		subkey[klen] = '\0';
		rc = auth_check(bcfg, keys, auth[0] ? auth : NULL, subkey,
		    &key);
		explicit_bzero(subkey, sizeof(subkey));
	} else
		rc = auth_check(bcfg, keys, auth[0] ? auth : NULL,
		    xkey[0] ? xkey : NULL, &key);
	if (rc != RERR_OK)
		return rc;
	/* The bridge is no operation of the Actions document. */
	if (key->limits.actions_only)
		return RERR_ROUTE_NOT_ALLOWED;
	snprintf(b->key_name, sizeof(b->key_name), "%s", key->name);
	if (bcfg->openai_api_key[0] == '\0')
		return RERR_UPSTREAM_KEY_MISSING;
	m = lws_get_urlarg_by_name(wsi, "model=", arg, sizeof(arg));
	if (m == NULL || *m == '\0')
		m = bcfg->realtime_model;
	if (!realtime_model_allowed(&bcfg->realtime_models, m) ||
	    strlen(m) >= sizeof(b->model)) {
		*param = "model";
		return RERR_UNSUPPORTED_MODEL;
	}
	if (!keys_model_allowed(key, m)) {
		*param = "model";
		return RERR_MODEL_NOT_ALLOWED;
	}
	snprintf(b->model, sizeof(b->model), "%s", m);
	return limits_count(bstate, key, retry_after_s, &b->slot);
}

/*
 * Decides whether an upgrade may proceed: the path, the relay key (from
 * X-Relay-Key, Authorization, or the subprotocol list), the upstream key,
 * the model (RELAY_REALTIME_MODELS, then the key's own models=), then
 * the key's counted limits.  On RERR_OK, b's key name and model are set
 * and the session is counted; otherwise *param names the refused field
 * (or is NULL) and, for rate_limit_exceeded, *retry_after_s is set.
 */
static enum rerr
admit(struct lws *wsi, struct bridge *b, const char **param,
    long *retry_after_s)
{
	const struct keyset	*keys = keyring_acquire(bkeys);
	enum rerr		 rc = admit_with(wsi, keys, b, param,
	    retry_after_s);

	keyring_release(bkeys, keys);
	return rc;
}

static void
queue_free(struct side *s)
{
	struct msg	*m;

	while ((m = s->head) != NULL) {
		s->head = m->next;
		free(m);
	}
	s->tail = NULL;
	s->queued = 0;
	dynbuf_free(&s->rx);
}

/* Asks for side s to be closed with code once its queue is drained. */
static void
schedule_close(struct side *s, int code, const char *reason)
{
	if (s->wsi == NULL || s->close_code != 0)
		return;
	s->close_code = code;
	snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
	lws_callback_on_writable(s->wsi);
}

static void
bridge_log(const struct bridge *b)
{
	fprintf(stderr, "relay-ws: key=%s model=%s close=%d seconds=%ld "
	    "client_bytes=%llu upstream_bytes=%llu tokens=%lld\n",
	    b->key_name, b->model, b->close_code,
	    (long)(time(NULL) - b->started), b->client.bytes,
	    b->upstream.bytes, b->usage[USAGE_TOTAL_TOKENS]);
}

/*
 * The session's end as a call of its key: its slot given back, its
 * usage written at once (a session is long, and the loop may then sleep
 * until the next client comes).
 */
static void
bridge_account(struct bridge *b)
{
	char	day[11];

	limits_release(bstate, b->key_name, &b->slot);
	b->usage[USAGE_REQUESTS] = 1;
	b->usage[USAGE_ERRORS] = b->close_code == CLOSE_UPSTREAM;
	limits_utc_day(time(NULL), day);
	usagebuf_add(bstate, day, b->key_name, b->model, b->usage);
	usagebuf_flush(bstate);
}

/* Adds what a response.done from upstream says it cost to b's usage. */
static void
count_usage(struct bridge *b, const void *msg, size_t len)
{
	/* Some kilobytes, and the bridge's one thread: not on the stack. */
	static struct usage_scan	scan;

	if (memmem(msg, len, "\"response.done\"", 15) == NULL)
		return;
	usage_scan_init(&scan);
	usage_scan_feed(&scan, msg, len);
	if (!scan.tokens.reported)
		return;
	b->usage[USAGE_INPUT_TOKENS] += scan.tokens.input;
	b->usage[USAGE_OUTPUT_TOKENS] += scan.tokens.output;
	b->usage[USAGE_TOTAL_TOKENS] += scan.tokens.total;
	b->usage[USAGE_CACHED_TOKENS] += scan.tokens.cached;
	b->usage[USAGE_REASONING_TOKENS] += scan.tokens.reasoning;
}

static void
bridge_maybe_free(struct bridge *b)
{
	if (b->client.wsi != NULL || b->upstream.wsi != NULL)
		return;
	bridge_log(b);
	bridge_account(b);
	queue_free(&b->client);
	queue_free(&b->upstream);
	free(b);
}

/*
 * wsi, one side of b, is gone: the other side is asked to close, and b
 * freed once neither is left.  wsi forgets b first, so none of its later
 * callbacks (WSI_DESTROY comes last) can reach a freed bridge.
 */
static void
side_gone(struct bridge *b, struct lws *wsi, const char *upstream_why)
{
	lws_set_opaque_user_data(wsi, NULL);
	if (wsi == b->client.wsi) {
		b->client.wsi = NULL;
		schedule_close(&b->upstream, CLOSE_GOING, "");
	} else {
		b->upstream.wsi = NULL;
		/* Gone without a close frame: an upstream failure. */
		if (b->close_code == 0)
			b->close_code = CLOSE_UPSTREAM;
		schedule_close(&b->client, CLOSE_UPSTREAM, upstream_why);
	}
	bridge_maybe_free(b);
}

static int
connect_upstream(struct lws *wsi, struct bridge *b)
{
	struct lws_client_connect_info	ci;
	struct realtime_target		t;

	if (realtime_target(bcfg->openai_api_base, b->model, &t) == -1)
		return -1;
	if ((t.tls && t.port == 443) || (!t.tls && t.port == 80))
		snprintf(b->host, sizeof(b->host), "%s", t.host);
	else
		snprintf(b->host, sizeof(b->host), "%s:%d", t.host, t.port);
	memset(&ci, 0, sizeof(ci));
	ci.context = lws_get_context(wsi);
	ci.address = t.host;
	ci.port = t.port;
	ci.path = t.path;
	ci.host = b->host;
	ci.origin = b->host;
	/*
	 * A redirect would be followed to any host, with the operator's key
	 * sent again: the handshake fails instead.
	 */
	ci.ssl_connection = (t.tls ? LCCSCF_USE_SSL : 0) |
	    LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	ci.local_protocol_name = "realtime";
	ci.opaque_user_data = b;
	ci.pwsi = &b->upstream.wsi;
	return lws_client_connect_via_info(&ci) == NULL ? -1 : 0;
}

/* Adds one upstream request header; nonzero if it does not fit. */
static int
add_header(struct lws *wsi, const char *name, const char *value,
    unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

static int
append_upstream_headers(struct lws *wsi, unsigned char **p, size_t len)
{
	struct operator_header	 h[OPERATOR_HEADERS_MAX];
	unsigned char		*end = *p + len - 1;
	char			 name[64], value[1024], *c;
	size_t			 n, i;
	int			 rc = 0, w;

	n = headers_operator(bcfg, bcfg->realtime_beta, h);
	for (i = 0; i < n && rc == 0; i++) {
		/* libwebsockets takes names in lower case, colon included. */
		snprintf(name, sizeof(name), "%s:", h[i].name);
		for (c = name; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		w = snprintf(value, sizeof(value), "%s%s", h[i].prefix,
		    h[i].value);
		rc = w < 0 || (size_t)w >= sizeof(value) ||
		    add_header(wsi, name, value, p, end) ? -1 : 0;
	}
	explicit_bzero(value, sizeof(value));
	return rc;
}

/*
 * A piece of a message from side `from`; a whole message goes to the
 * queue of `to`.  Returns -1 to close `from` (message too large).
 */
static int
receive(struct bridge *b, struct lws *wsi, struct side *from,
    struct side *to, const void *in, size_t len)
{
	size_t		 max = (size_t)bcfg->realtime_ws_max_message;
	struct msg	*m;

	if (from->rx.cap == 0)		/* its first message: a zeroed side */
		dynbuf_init(&from->rx, max);
	if (lws_is_first_fragment(wsi)) {
		dynbuf_reset(&from->rx);
		from->rx_binary = lws_frame_is_binary(wsi) != 0;
	}
	if (dynbuf_add(&from->rx, in, len) == -1) {
		lws_close_reason(wsi, CLOSE_TOO_BIG,
		    (unsigned char *)"message too large", 17);
		if (from == &b->client)
			b->close_code = CLOSE_TOO_BIG;
		schedule_close(to, CLOSE_TOO_BIG, "message too large");
		return -1;
	}
	from->bytes += len;
	b->last_activity = time(NULL);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;

	if (from == &b->upstream && !from->rx_binary)
		count_usage(b, from->rx.buf, from->rx.len);
	m = xmalloc(sizeof(*m) + LWS_PRE + from->rx.len);
	m->next = NULL;
	m->len = from->rx.len;
	m->binary = from->rx_binary;
	memcpy(m->buf + LWS_PRE, from->rx.buf, from->rx.len);
	dynbuf_reset(&from->rx);
	if (to->tail != NULL)
		to->tail->next = m;
	else
		to->head = m;
	to->tail = m;
	to->queued += m->len;
	if (to->queued > QUEUE_FACTOR * max && !from->paused) {
		lws_rx_flow_control(wsi, 0);
		from->paused = true;
	}
	if (to->wsi != NULL)
		lws_callback_on_writable(to->wsi);
	return 0;
}

/* Side s may be written: one queued message, or its close. */
static int
writeable(struct bridge *b, struct side *s, struct side *peer)
{
	size_t		 max = (size_t)bcfg->realtime_ws_max_message;
	struct msg	*m = s->head;

	if (m != NULL) {
		if (lws_write(s->wsi, m->buf + LWS_PRE, m->len, m->binary ?
		    LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		s->head = m->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->queued -= m->len;
		free(m);
		b->last_activity = time(NULL);
		if (peer->paused && peer->wsi != NULL &&
		    s->queued <= QUEUE_FACTOR * max) {
			lws_rx_flow_control(peer->wsi, 1);
			peer->paused = false;
		}
		if (s->head != NULL || s->close_code != 0)
			lws_callback_on_writable(s->wsi);
		return 0;
	}
	if (s->close_code != 0) {
		lws_close_reason(s->wsi, (enum lws_close_status)s->close_code,
		    (unsigned char *)s->close_reason, strlen(s->close_reason));
		return -1;
	}
	return 0;
}

/*
 * The close code to pass on: the peer's own when it is one that may be
 * sent, else 1000 to a client (upstream ended normally) and 1011 to
 * upstream (no code given).
 */
static int
pass_on(const unsigned char *in, size_t len, bool to_client)
{
	int	code;

	if (len < 2)
		return to_client ? CLOSE_NORMAL : CLOSE_GOING;
	code = (in[0] << 8) | in[1];
	if ((code >= 1000 && code <= 1003) || (code >= 1007 &&
	    code <= 1014) || (code >= 3000 && code <= 4999))
		return code;
	return to_client ? CLOSE_UPSTREAM : CLOSE_GOING;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bridge	*b = lws_get_opaque_user_data(wsi);
	const char	*param;
	char		 why[124];
	bool		 is_client;
	size_t		 rlen;
	long		 retry_after_s = 0;
	enum rerr	 rc;

	(void)user;
	/* Only while wsi still belongs to a bridge: b is NULL otherwise. */
	is_client = b != NULL && wsi == b->client.wsi;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* Anything but an upgrade to the one path. */
		return refuse(wsi, RERR_NOT_FOUND, NULL, 0) < 0 ? -1 :
		    lws_http_transaction_completed(wsi);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/*
		 * Decided once, here: the bridge is made now and stays with
		 * wsi through the upgrade, so a connection dropped before it
		 * is established still ends the session (WSI_DESTROY).
		 */
		b = xcalloc(1, sizeof(*b));
		rc = admit(wsi, b, &param, &retry_after_s);
		if (rc != RERR_OK) {
			free(b);
			return refuse(wsi, rc, param, retry_after_s);
		}
		b->client.wsi = wsi;
		b->started = b->last_activity = time(NULL);
		lws_set_opaque_user_data(wsi, b);
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		if (b == NULL)		/* never admitted: not reached */
			return -1;
		if (connect_upstream(wsi, b) == -1 && b->upstream.wsi == NULL) {
			b->close_code = CLOSE_UPSTREAM;
			lws_close_reason(wsi, CLOSE_UPSTREAM,
			    (unsigned char *)"upstream connection failed", 26);
			return -1;
		}
		lws_set_timer_usecs(wsi, LWS_USEC_PER_SEC);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_upstream_headers(wsi, (unsigned char **)in, len);
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (b == NULL || b->client.wsi == NULL)
			return -1;
		if (b->upstream.head != NULL || b->upstream.close_code != 0)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
		/* Not reached with NO_FOLLOW_REDIRECT; refused all the same. */
		return -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (b != NULL)
			side_gone(b, wsi, "upstream connection failed");
		return 0;
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (b == NULL)
			return -1;
		return is_client ? receive(b, wsi, &b->client, &b->upstream, in,
		    len) : receive(b, wsi, &b->upstream, &b->client, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (b == NULL)
			return -1;
		return is_client ? writeable(b, &b->client, &b->upstream) :
		    writeable(b, &b->upstream, &b->client);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (b == NULL)
			return 0;
		rlen = len > 2 ? len - 2 : 0;
		if (rlen >= sizeof(why))
			rlen = sizeof(why) - 1;
		memcpy(why, rlen ? (const char *)in + 2 : "", rlen);
		why[rlen] = '\0';
		if (is_client) {
			b->close_code = pass_on(in, len, false);
			schedule_close(&b->upstream, b->close_code, why);
		} else {
			b->close_code = pass_on(in, len, true);
			schedule_close(&b->client, b->close_code, why);
		}
		return 0;
	case LWS_CALLBACK_TIMER:
		if (b == NULL || !is_client)
			return 0;
		if (time(NULL) - b->started >= bcfg->realtime_ws_max_session_s ||
		    time(NULL) - b->last_activity >=
		    bcfg->realtime_ws_idle_timeout_s) {
			b->close_code = CLOSE_POLICY;
			schedule_close(&b->upstream, CLOSE_GOING, "");
			lws_close_reason(wsi, CLOSE_POLICY,
			    (unsigned char *)"session time limit", 18);
			return -1;
		}
		limits_renew(bstate, b->key_name, &b->slot);
		lws_set_timer_usecs(wsi, LWS_USEC_PER_SEC);
		return 0;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLIENT_CLOSED:
	/*
	 * The last callback of every wsi; a pending upstream handshake that
	 * libwebsockets gives up on (its timeout) ends here with no other.
	 */
	case LWS_CALLBACK_WSI_DESTROY:
		if (b != NULL)
			side_gone(b, wsi, "upstream connection lost");
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	/* Named as OpenAI's browser convention offers it, so it is chosen. */
	{ "realtime", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

int
wsbridge_run(const char *addr, const struct config *cfg, struct keyring *keys)
{
	struct lws_context_creation_info	 info;
	struct lws_context			*ctx;
	struct sigaction			 sa;
	char					 host[64];
	const char				*colon = strrchr(addr, ':');
	char					*end;
	long					 port;
	int					 n = 0;

	if (!cfg->realtime_ws_enabled) {
		fputs("relay: the WebSocket bridge is off: set "
		    "RELAY_REALTIME_WS_ENABLED = true\n", stderr);
		return EXIT_CONFIG;
	}
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (colon == NULL || *end != '\0' || port < 1 || port > 65535 ||
	    (size_t)(colon - addr) >= sizeof(host) || colon == addr) {
		fputs("relay: --websocket needs --listen HOST:PORT\n", stderr);
		return 1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	bcfg = cfg;
	bkeys = keys;
	bstate = state_new(cfg->state_spec);

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof(info));
	info.port = (int)port;
	info.iface = host;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	ctx = lws_create_context(&info);
	if (ctx == NULL) {
		fprintf(stderr, "relay: cannot listen on %s\n", addr);
		return 1;
	}
	/* The listening vhost also makes the wss:// upstream connections. */
	if (lws_init_vhost_client_ssl(&info, lws_get_vhost_by_name(ctx,
	    "default")) != 0)
		fputs("relay: warning: no TLS for wss:// upstreams\n", stderr);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "relay: WebSocket bridge on ws://%s%s\n", addr,
	    WS_PATH);
	while (n >= 0 && !stopping)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	usagebuf_flush(bstate);
	state_free(bstate);
	return 0;
}
