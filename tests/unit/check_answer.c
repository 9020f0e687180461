/*
 * Which answers are held to an Action's size (policy/answer.c), and the
 * proof over the Actions document: every operation in it either has its
 * answer held to ANSWER_ACTIONS_MAX when ChatGPT calls it, or is one the
 * relay answers itself (measured in check_serve.c).  SDKs are never cut.
 */
#include <string.h>

#include <json.h>

#include "openapi/openapi.h"
#include "policy/answer.h"
#include "policy/route.h"
#include "tests/unit/suites.h"

#define CHATGPT	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); " \
		"compatible; ChatGPT-User/1.0; +https://openai.com/bot"
#define SDK	"OpenAI/Python 1.99.0"

static const struct route *
row(const char *operation_id)
{
	size_t	i;

	for (i = 0; i < routes_count; i++)
		if (strcmp(routes[i].operation_id, operation_id) == 0)
			return &routes[i];
	ck_abort_msg("no row %s", operation_id);
	return NULL;
}

START_TEST(chatgpt_is_told_by_its_agent)
{
	ck_assert(answer_from_chatgpt(CHATGPT));
	ck_assert(!answer_from_chatgpt(SDK));
	ck_assert(!answer_from_chatgpt("curl/7.88.1"));
	ck_assert(!answer_from_chatgpt(NULL));
}
END_TEST

START_TEST(actions_paths_are_always_held_canonical_ones_for_chatgpt)
{
	static const char *const actions_only[] = {
		"callProxy", "streamResponseAction", "generateImageAction",
		"downloadFileAction", "uploadFileAction", "remixVideoAction",
	};
	static const char *const canonical[] = {
		"createResponse", "getResponse", "listInputItems",
		"compactResponse", "createEmbedding", "listModels",
		"createRealtimeSession", "streamResponse",
	};
	size_t	i;

	for (i = 0; i < sizeof(actions_only) / sizeof(actions_only[0]); i++) {
		ck_assert(answer_capped(row(actions_only[i]), NULL));
		ck_assert(answer_capped(row(actions_only[i]), SDK));
	}
	for (i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		ck_assert_msg(!answer_capped(row(canonical[i]), SDK), "%s",
		    canonical[i]);
		ck_assert(!answer_capped(row(canonical[i]), NULL));
		ck_assert(answer_capped(row(canonical[i]), CHATGPT));
	}
	ck_assert_int_lt(ANSWER_ACTIONS_MAX, 100000);
}
END_TEST

/* The handlers that answer without calling upstream. */
static bool
answered_locally(enum handler h)
{
	switch (h) {
	case HANDLER_HEALTH:
	case HANDLER_MANIFEST:
	case HANDLER_PING:
	case HANDLER_RELAY_INFO:
	case HANDLER_SYSTEM_INFO:
	case HANDLER_OPENAPI:
	case HANDLER_OPENAPI_ACTIONS:
	case HANDLER_DOCS_PAGE:
	case HANDLER_DOCS_ASSET:
	case HANDLER_REALTIME_VALIDATE:
	case HANDLER_REALTIME_INTROSPECT:
	case HANDLER_LINK:
		return true;
	default:
		return false;
	}
}

/*
 * Over the document a GPT imports: each operation's answer, when
 * ChatGPT calls it, is held to the cap, or is the relay's own (health,
 * measured by check_serve.c); and the document says what a longer one
 * comes back as.
 */
START_TEST(every_actions_operation_fits_or_is_cut)
{
	struct json_object	*doc, *v;
	const struct route	*r;
	size_t			 i, n = 0;

	doc = openapi_build(OPENAPI_ACTIONS, "t", "1", "https://h");
	ck_assert_ptr_nonnull(doc);
	for (i = 0; i < routes_count; i++) {
		r = &routes[i];
		if (!route_in_actions(r))
			continue;
		n++;
		if (answered_locally(r->handler)) {
			ck_assert_msg(r->handler == HANDLER_HEALTH, "%s: measure "
			    "its answer in check_serve.c", r->operation_id);
			continue;
		}
		ck_assert_msg(answer_capped(r, CHATGPT), "%s", r->operation_id);
	}
	ck_assert_uint_gt(n, 0);
	ck_assert(json_object_object_get_ex(doc, "info", &v));
	ck_assert(json_object_object_get_ex(v, "description", &v));
	ck_assert_ptr_nonnull(strstr(json_object_get_string(v),
	    "answer_too_large"));
	json_object_put(doc);
}
END_TEST

Suite *
answer_suite(void)
{
	Suite	*s = suite_create("answer");
	TCase	*tc = tcase_create("cap");

	tcase_add_test(tc, chatgpt_is_told_by_its_agent);
	tcase_add_test(tc, actions_paths_are_always_held_canonical_ones_for_chatgpt);
	tcase_add_test(tc, every_actions_operation_fits_or_is_cut);
	suite_add_tcase(s, tc);
	return s;
}
