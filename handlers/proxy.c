/*
 * POST /v1/proxy: the envelope is decided by policy/proxy.c; an allowed
 * call goes upstream with a JSON body the relay serialised itself and
 * none of the client's headers (its Accept cannot switch on streaming).
 */
#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "handlers/reply.h"
#include "policy/proxy.h"

void
proxy_handle(struct exchange *ex)
{
	struct proxy_call	 call;
	const char		*reason;
	enum rerr		 rc;

	rc = proxy_decide(ex->body, ex->body_len, &call, &reason);
	if (rc != RERR_OK) {
		reply_error_reason(ex, rc, reason, NULL);
		return;
	}
	ex->proxied = call.route;
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
