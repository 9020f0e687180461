/*
 * How much of an answer its client can take.  A ChatGPT Action reads
 * answers of fewer than 100,000 characters; a longer one fails in
 * ChatGPT with nothing the model can act on.  So the relay holds such
 * answers to that size, and says so in an error envelope when one is
 * longer, instead of letting ChatGPT choke on it.  SDKs get every answer
 * whole.
 */
#ifndef POLICY_ANSWER_H
#define POLICY_ANSWER_H

#include <stdbool.h>

struct route;

/*
 * The most answer bytes an Action gets.  A UTF-8 character is at least
 * one byte, so an answer of this many bytes has fewer than 100,000
 * characters, however many of them are multi-byte.
 */
#define ANSWER_ACTIONS_MAX	99999

/*
 * Whether the caller is ChatGPT running an Action: its User-Agent names
 * ChatGPT-User, OpenAI's documented agent for GPT Actions.  False for
 * NULL.
 */
bool answer_from_chatgpt(const char *user_agent);

/*
 * Whether route r's answers are held to ANSWER_ACTIONS_MAX: always on
 * the relay's own Actions paths (/v1/actions/... and /v1/proxy), which
 * only GPTs use; on the canonical routes, which SDKs use too, only when
 * the caller is ChatGPT (user_agent may be NULL).
 */
bool answer_capped(const struct route *r, const char *user_agent);

#endif
