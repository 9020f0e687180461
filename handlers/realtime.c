/*
 * The realtime HTTP routes: session and client-secret minting, forwarded
 * with the operator's key once the model is allowed, and two local
 * helpers that never call upstream.  The WebSocket bridge is a separate
 * mode of the binary (fcgi/wsbridge.c): FastCGI cannot carry it.
 */
#include <math.h>
#include <time.h>

#include <json.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "policy/config.h"
#include "policy/realtime.h"
#include "policy/route.h"

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The body goes upstream as the client sent it: only checked, not
 * rewritten, so new session fields need no relay change. */
void
realtime_mint_handle(struct exchange *ex)
{
	const char	*param;

	if (realtime_check_mint(&ex->config->realtime_models, ex->json,
	    &param) != RERR_OK) {
		reply_error(ex, RERR_UNSUPPORTED_MODEL, param, NULL);
		return;
	}
	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = ex->path,
		.query = ex->query,
		.body = ex->body,
		.body_len = ex->body_len,
		.client_headers = true,
	});
}

void
realtime_validate_handle(struct exchange *ex)
{
	struct json_object	*root;
	const char		*param;
	double			 now = now_seconds(), expires_at;
	enum rerr		 rc;

	rc = realtime_check_validate(ex->json, now, &expires_at, &param);
	if (rc == RERR_INVALID_FIELD && param == NULL) {
		reply_error_reason(ex, rc, "Only session_id and expires_at are "
		    "accepted.", NULL);
		return;
	}
	if (rc != RERR_OK) {
		reply_error(ex, rc, param, NULL);
		return;
	}
	root = json_object_new_object();
	json_object_object_add(root, "status", json_object_new_string("ok"));
	json_object_object_add(root, "session_id", json_object_get(
	    json_object_object_get(ex->json, "session_id")));
	json_object_object_add(root, "expires_at", isnan(expires_at) ? NULL :
	    json_object_new_double(expires_at));
	json_object_object_add(root, "now", json_object_new_double(now));
	reply_json(ex, 200, root);
	json_object_put(root);
}

void
realtime_introspect_handle(struct exchange *ex)
{
	const struct config	*cfg = ex->config;
	struct json_object	*root;
	char			 models[1024];

	strlist_join(&cfg->realtime_models, ",", models, sizeof(models));
	root = json_object_new_object();
	json_object_object_add(root, "status", json_object_new_string("ok"));
	json_object_object_add(root, "realtime_model",
	    json_object_new_string(cfg->realtime_model));
	json_object_object_add(root, "realtime_models",
	    json_object_new_string(models));
	json_object_object_add(root, "openai_api_base",
	    json_object_new_string(cfg->openai_api_base));
	json_object_object_add(root, "openai_realtime_beta",
	    cfg->realtime_beta[0] ? json_object_new_string(cfg->realtime_beta) :
	    NULL);
	json_object_object_add(root, "websocket_enabled",
	    json_object_new_boolean(cfg->realtime_ws_enabled));
	json_object_object_add(root, "now",
	    json_object_new_double(now_seconds()));
	reply_json(ex, 200, root);
	json_object_put(root);
}
