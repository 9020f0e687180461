/*
 * POST /v1/proxy: the envelope is decided by policy/proxy.c; an allowed
 * call goes upstream with a JSON body the relay serialised itself and
 * none of the client's headers (its Accept cannot switch on streaming).
 */
#include <string.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/limits.h"
#include "handlers/reply.h"
#include "policy/body.h"
#include "policy/proxy.h"

/*
 * The key's models= applies to the call the envelope names: the model
 * of its body, and one its path names.
 */
static enum rerr
proxied_model(struct exchange *ex, const struct proxy_call *call)
{
	struct body_facts	facts;

	memset(&facts, 0, sizeof(facts));
	if (call->body != NULL && body_json_check(call->body, call->body_len,
	    &facts) == RERR_OK && facts.model_kind != BODY_MODEL_ABSENT &&
	    limits_model(ex, facts.model_kind == BODY_MODEL_STRING ?
	    facts.model : "") != RERR_OK)
		return RERR_MODEL_NOT_ALLOWED;
	return limits_model_path(ex, call->route, call->path);
}

void
proxy_handle(struct exchange *ex)
{
	struct proxy_call	 call;
	const char		*reason;
	enum rerr		 rc;

	rc = proxy_decide(ex->json, &call, &reason);
	if (rc == RERR_METHOD_NOT_ALLOWED) {
		reply_error(ex, rc, NULL, call.allow);
		return;
	}
	if (rc != RERR_OK) {
		reply_error_reason(ex, rc, reason, NULL);
		return;
	}
	ex->proxied = call.route;
	rc = proxied_model(ex, &call);
	if (rc != RERR_OK) {
		reply_error(ex, rc, rc == RERR_MODEL_NOT_ALLOWED ? "body.model" :
		    NULL, NULL);
		proxy_call_free(&call);
		return;
	}
	forward_call(ex, &(struct forward_call){
		.method = method_name(call.method),
		.path = call.path,
		.query = call.query,
		.body = call.body,
		.body_len = call.body_len,
		.content_type = call.body ? "application/json" : NULL,
	});
	proxy_call_free(&call);
}
