/*
 * Decisions on the OpenAI operations the relay does not serve.  Entries
 * name exact operations, so a new endpoint, even in a family excluded
 * here, shows up as UNKNOWN until someone decides; only the
 * administration APIs are excluded by prefix, because nothing under them
 * can ever be relayed.
 */
#include <string.h>

#include "policy/decisions.h"

#define B(name)	BUCKET_EXCLUDE_##name

static const char R_ADMIN[] =
    "administration API: needs an admin key, which a relay must never hold";
static const char R_ASSISTANTS[] =
    "Assistants API: deprecated by OpenAI in favour of Responses";
static const char R_COMPLETIONS[] =
    "legacy Completions API: superseded by Responses and Chat Completions";
static const char R_VOICES[] =
    "custom voices and their consent recordings: voice cloning needs "
    "the speaker's recorded consent, managed with the operator's own key, "
    "not through a relay";
static const char R_CHATKIT[] =
    "ChatKit: browser-session API for OpenAI's own widget, not relayed";
static const char R_PROVENANCE[] =
    "content provenance checks: multipart uploads, not relayed yet";
static const char R_OPERATOR[] =
    "operator tooling (fine-tuning, evals, model deletion): run it with "
    "the operator's own key, not through a relay";
static const char R_SKILLS[] = "skills: uploads of code bundles, not relayed";
static const char R_REALTIME[] =
    "realtime translation sessions: not relayed yet";
static const char R_REALTIME_CALLS[] =
    "realtime SIP/WebRTC call control: SDP bodies, not relayed";
static const char R_VIDEO_EXTRAS[] =
    "video characters, edits and extensions: not relayed yet";

const struct decision decisions[] = {
	{ "*", "/organization/", B(ADMIN), R_ADMIN },
	{ "*", "/projects/", B(ADMIN), R_ADMIN },
	{ "GET", "/assistants", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/assistants", B(DEPRECATED), R_ASSISTANTS },
	{ "DELETE", "/assistants/{assistant_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/assistants/{assistant_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/assistants/{assistant_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/audio/voice_consents", B(UNSERVED), R_VOICES },
	{ "POST", "/audio/voice_consents", B(UNSERVED), R_VOICES },
	{ "DELETE", "/audio/voice_consents/{consent_id}", B(UNSERVED), R_VOICES },
	{ "GET", "/audio/voice_consents/{consent_id}", B(UNSERVED), R_VOICES },
	{ "POST", "/audio/voice_consents/{consent_id}", B(UNSERVED), R_VOICES },
	{ "POST", "/audio/voices", B(UNSERVED), R_VOICES },
	{ "POST", "/chatkit/sessions", B(UNSERVED), R_CHATKIT },
	{ "POST", "/chatkit/sessions/{session_id}/cancel", B(UNSERVED), R_CHATKIT },
	{ "GET", "/chatkit/threads", B(UNSERVED), R_CHATKIT },
	{ "DELETE", "/chatkit/threads/{thread_id}", B(UNSERVED), R_CHATKIT },
	{ "GET", "/chatkit/threads/{thread_id}", B(UNSERVED), R_CHATKIT },
	{ "GET", "/chatkit/threads/{thread_id}/items", B(UNSERVED), R_CHATKIT },
	{ "POST", "/completions", B(DEPRECATED), R_COMPLETIONS },
	{ "POST", "/content_provenance_checks", B(UNSERVED), R_PROVENANCE },
	{ "GET", "/evals", B(UNSERVED), R_OPERATOR },
	{ "POST", "/evals", B(UNSERVED), R_OPERATOR },
	{ "DELETE", "/evals/{eval_id}", B(UNSERVED), R_OPERATOR },
	{ "GET", "/evals/{eval_id}", B(UNSERVED), R_OPERATOR },
	{ "POST", "/evals/{eval_id}", B(UNSERVED), R_OPERATOR },
	{ "GET", "/evals/{eval_id}/runs", B(UNSERVED), R_OPERATOR },
	{ "POST", "/evals/{eval_id}/runs", B(UNSERVED), R_OPERATOR },
	{ "DELETE", "/evals/{eval_id}/runs/{run_id}", B(UNSERVED), R_OPERATOR },
	{ "GET", "/evals/{eval_id}/runs/{run_id}", B(UNSERVED), R_OPERATOR },
	{ "POST", "/evals/{eval_id}/runs/{run_id}", B(UNSERVED), R_OPERATOR },
	{ "GET", "/evals/{eval_id}/runs/{run_id}/output_items", B(UNSERVED), R_OPERATOR },
	{ "GET", "/evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/alpha/graders/run", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/alpha/graders/validate", B(UNSERVED), R_OPERATOR },
	{ "GET", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", B(UNSERVED), R_OPERATOR },
	{ "DELETE", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}", B(UNSERVED), R_OPERATOR },
	{ "GET", "/fine_tuning/jobs", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/jobs", B(UNSERVED), R_OPERATOR },
	{ "GET", "/fine_tuning/jobs/{fine_tuning_job_id}", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/jobs/{fine_tuning_job_id}/cancel", B(UNSERVED), R_OPERATOR },
	{ "GET", "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", B(UNSERVED), R_OPERATOR },
	{ "GET", "/fine_tuning/jobs/{fine_tuning_job_id}/events", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/jobs/{fine_tuning_job_id}/pause", B(UNSERVED), R_OPERATOR },
	{ "POST", "/fine_tuning/jobs/{fine_tuning_job_id}/resume", B(UNSERVED), R_OPERATOR },
	{ "DELETE", "/models/{model}", B(UNSERVED), R_OPERATOR },
	{ "POST", "/realtime/calls", B(UNSERVED), R_REALTIME_CALLS },
	{ "POST", "/realtime/calls/{call_id}/accept", B(UNSERVED), R_REALTIME_CALLS },
	{ "POST", "/realtime/calls/{call_id}/hangup", B(UNSERVED), R_REALTIME_CALLS },
	{ "POST", "/realtime/calls/{call_id}/refer", B(UNSERVED), R_REALTIME_CALLS },
	{ "POST", "/realtime/calls/{call_id}/reject", B(UNSERVED), R_REALTIME_CALLS },
	{ "POST", "/realtime/translations/client_secrets", B(UNSERVED), R_REALTIME },
	{ "GET", "/skills", B(UNSERVED), R_SKILLS },
	{ "POST", "/skills", B(UNSERVED), R_SKILLS },
	{ "DELETE", "/skills/{skill_id}", B(UNSERVED), R_SKILLS },
	{ "GET", "/skills/{skill_id}", B(UNSERVED), R_SKILLS },
	{ "POST", "/skills/{skill_id}", B(UNSERVED), R_SKILLS },
	{ "GET", "/skills/{skill_id}/content", B(UNSERVED), R_SKILLS },
	{ "GET", "/skills/{skill_id}/versions", B(UNSERVED), R_SKILLS },
	{ "POST", "/skills/{skill_id}/versions", B(UNSERVED), R_SKILLS },
	{ "DELETE", "/skills/{skill_id}/versions/{version}", B(UNSERVED), R_SKILLS },
	{ "GET", "/skills/{skill_id}/versions/{version}", B(UNSERVED), R_SKILLS },
	{ "GET", "/skills/{skill_id}/versions/{version}/content", B(UNSERVED),
	    R_SKILLS },
	{ "POST", "/threads", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/runs", B(DEPRECATED), R_ASSISTANTS },
	{ "DELETE", "/threads/{thread_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}/messages", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}/messages", B(DEPRECATED), R_ASSISTANTS },
	{ "DELETE", "/threads/{thread_id}/messages/{message_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}/messages/{message_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}/messages/{message_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}/runs", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}/runs", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}/runs/{run_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}/runs/{run_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}/runs/{run_id}/cancel", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}/runs/{run_id}/steps", B(DEPRECATED), R_ASSISTANTS },
	{ "GET", "/threads/{thread_id}/runs/{run_id}/steps/{step_id}", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", B(DEPRECATED), R_ASSISTANTS },
	{ "POST", "/videos/characters", B(UNSERVED), R_VIDEO_EXTRAS },
	{ "GET", "/videos/characters/{character_id}", B(UNSERVED), R_VIDEO_EXTRAS },
	{ "POST", "/videos/edits", B(UNSERVED), R_VIDEO_EXTRAS },
	{ "POST", "/videos/extensions", B(UNSERVED), R_VIDEO_EXTRAS },
};

const size_t decisions_count = sizeof(decisions) / sizeof(decisions[0]);

const struct decision *
decision_find(const char *method, const char *path)
{
	size_t	i, n;

	for (i = 0; i < decisions_count; i++) {
		const struct decision *d = &decisions[i];

		if (strcmp(d->method, "*") != 0 &&
		    strcmp(d->method, method) != 0)
			continue;
		n = strlen(d->path);
		if (d->path[n - 1] == '/' ? strncmp(path, d->path, n) == 0 :
		    strcmp(path, d->path) == 0)
			return d;
	}
	return NULL;
}
