/*
 * A fake OpenAI Realtime WebSocket endpoint for the bridge tests, built
 * on libwebsockets: serves /v1/realtime on a free loopback port (written
 * to the file named by argv[1]) and answers, per whole message:
 *   text holding "session.update"  -> {"type":"session.updated",...}
 *   text "inspect"                 -> what its handshake carried (JSON)
 *   text "close:CODE"              -> closes with CODE
 *   text "respond"                 -> a response.done that cost 7 tokens
 *   binary                         -> the same bytes back
 * Stops on SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <libwebsockets.h>

#define MAX_MSG	(1024 * 1024)

struct conn {
	unsigned char	 rx[MAX_MSG];
	size_t		 rxlen;
	int		 binary;
	unsigned char	 tx[LWS_PRE + MAX_MSG];
	size_t		 txlen;
	int		 tx_binary;
	int		 close_code;
	char		 handshake[2048];	/* JSON, from ESTABLISHED */
};

static volatile sig_atomic_t	stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
header(struct lws *wsi, struct json_object *o, const char *key,
    enum lws_token_indexes tok)
{
	char	buf[1024];

	if (lws_hdr_copy(wsi, buf, sizeof(buf), tok) > 0)
		json_object_object_add(o, key, json_object_new_string(buf));
}

static void
reply(struct lws *wsi, struct conn *c, const void *data, size_t len,
    int binary)
{
	memcpy(c->tx + LWS_PRE, data, len);
	c->txlen = len;
	c->tx_binary = binary;
	lws_callback_on_writable(wsi);
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct conn		*c = user;
	struct json_object	*o;
	char			 buf[256], text[128];

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		o = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string("inspect"));
		header(wsi, o, "path", WSI_TOKEN_GET_URI);
		header(wsi, o, "authorization", WSI_TOKEN_HTTP_AUTHORIZATION);
		header(wsi, o, "protocols", WSI_TOKEN_PROTOCOL);
		if (lws_hdr_custom_copy(wsi, buf, sizeof(buf), "x-relay-key:",
		    12) > 0)
			json_object_object_add(o, "x_relay_key",
			    json_object_new_string(buf));
		if (lws_get_urlarg_by_name(wsi, "model=", buf, sizeof(buf)))
			json_object_object_add(o, "model", json_object_new_string(
			    lws_get_urlarg_by_name(wsi, "model=", buf,
			    sizeof(buf))));
		snprintf(c->handshake, sizeof(c->handshake), "%s",
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (lws_is_first_fragment(wsi)) {
			c->rxlen = 0;
			c->binary = lws_frame_is_binary(wsi);
		}
		if (c->rxlen + len > MAX_MSG)
			return -1;
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			return 0;
		if (c->binary) {
			reply(wsi, c, c->rx, c->rxlen, 1);
			return 0;
		}
		snprintf(text, sizeof(text), "%.*s", (int)(c->rxlen < 127 ?
		    c->rxlen : 127), (const char *)c->rx);
		if (strncmp(text, "close:", 6) == 0) {
			c->close_code = (int)strtol(text + 6, NULL, 10);
			lws_callback_on_writable(wsi);
		} else if (strcmp(text, "inspect") == 0)
			reply(wsi, c, c->handshake, strlen(c->handshake), 0);
		else if (strcmp(text, "respond") == 0) {
			/* What a finished response cost: 7 tokens. */
			static const char ans[] = "{\"type\":\"response.done\","
			    "\"response\":{\"object\":\"realtime.response\","
			    "\"status\":\"completed\",\"usage\":{"
			    "\"total_tokens\":7,\"input_tokens\":3,"
			    "\"output_tokens\":4,\"input_token_details\":"
			    "{\"cached_tokens\":1}}}}";

			reply(wsi, c, ans, sizeof(ans) - 1, 0);
		} else if (memmem(c->rx, c->rxlen, "session.update", 14)) {
			static const char ans[] = "{\"type\":\"session.updated\","
			    "\"session\":{\"object\":\"realtime.session\"}}";

			reply(wsi, c, ans, sizeof(ans) - 1, 0);
		}
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c->close_code != 0) {
			lws_close_reason(wsi, (enum lws_close_status)c->close_code,
			    (unsigned char *)"fake closing", 12);
			return -1;
		}
		if (c->txlen > 0 && lws_write(wsi, c->tx + LWS_PRE, c->txlen,
		    c->tx_binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
		    (int)c->txlen)
			return -1;
		c->txlen = 0;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "fake-realtime", callback, sizeof(struct conn), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

int
main(int argc, char *argv[])
{
	struct lws_context_creation_info	 info;
	struct lws_context			*ctx;
	FILE					*fp;
	int					 n = 0;

	if (argc != 2) {
		fputs("usage: fake-ws PORT_FILE\n", stderr);
		return 1;
	}
	signal(SIGTERM, on_signal);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = 0;		/* a free port, read back below */
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	ctx = lws_create_context(&info);
	if (ctx == NULL)
		return 1;
	fp = fopen(argv[1], "w");
	if (fp == NULL)
		return 1;
	fprintf(fp, "%d\n", lws_get_vhost_listen_port(
	    lws_get_vhost_by_name(ctx, "default")));
	fclose(fp);
	while (n >= 0 && !stopping)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	return 0;
}
