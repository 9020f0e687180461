/*
 * The stream wrappers, POST /v1/responses:stream and
 * /v1/actions/responses/stream, as the original relay had them: any JSON
 * body becomes a Responses request (a non-object is wrapped as
 * {"input": value}; "stream" is set to true unless the caller chose),
 * sent to POST /v1/responses and relayed as it streams.
 *
 * The body was validated, not parsed into a tree: the request is the
 * client's bytes with the member added as text, so it costs one copy of
 * the body and holds exactly what was checked.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers/exchange.h"
#include "handlers/forward.h"
#include "handlers/handler.h"
#include "policy/xalloc.h"

#define JSON_SPACE	" \t\r\n"
#define STREAM_MEMBER	"\"stream\":true"

static size_t
put(char *out, size_t at, const char *text, size_t len)
{
	memcpy(out + at, text, len);
	return at + len;
}

/*
 * The Responses request for a validated JSON text that has no top-level
 * "stream" member: an object with "stream":true appended, anything else
 * as {"input":<text>,"stream":true}.  Returns a new text (not
 * NUL-terminated); *len receives its length.
 */
static char *
responses_request(const char *text, size_t textlen, bool object,
    size_t *len)
{
	size_t	end = textlen, open, n = 0;
	char	*out = xmalloc(textlen + sizeof(STREAM_MEMBER) + 16);

	if (!object) {
		n = put(out, n, "{\"input\":", 9);
		n = put(out, n, text, textlen);
		n = put(out, n, ",", 1);
	} else {
		/* A valid object ends with its '}', but for white space. */
		while (strchr(JSON_SPACE, text[end - 1]) != NULL)
			end--;
		end--;
		open = strspn(text, JSON_SPACE);
		n = put(out, n, text, end);
		if (open + 1 + strspn(text + open + 1, JSON_SPACE) != end)
			n = put(out, n, ",", 1);
	}
	n = put(out, n, STREAM_MEMBER, sizeof(STREAM_MEMBER) - 1);
	*len = put(out, n, "}", 1);
	return out;
}
#include "policy/headers.h"

void
stream_wrapper_handle(struct exchange *ex)
{
	const struct body_facts	*facts = &ex->facts;
	char			*built = NULL;
	size_t			 len = ex->body_len;

	if (!facts->has_stream)
		built = responses_request(ex->body, ex->body_len,
		    facts->object, &len);
	forward_call(ex, &(struct forward_call){
		.method = "POST",
		.path = "/v1/responses",
		.query = ex->query,
		.body = built != NULL ? built : ex->body,
		.body_len = len,
		.client_headers = true,
		.content_type = "application/json",
		.stream = !facts->has_stream || facts->stream ||
		    headers_accept_event_stream(exchange_header(ex, "Accept")),
	});
	free(built);
}
