#include <string.h>

#include "policy/answer.h"
#include "policy/route.h"

bool
answer_from_chatgpt(const char *user_agent)
{
	return user_agent != NULL && strstr(user_agent, "ChatGPT-User") != NULL;
}

bool
answer_capped(const struct route *r, const char *user_agent)
{
	return strncmp(r->path, "/v1/actions/", 12) == 0 ||
	    r->handler == HANDLER_PROXY || answer_from_chatgpt(user_agent);
}
