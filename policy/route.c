/*
 * The route table and the router.
 *
 * Rows are grouped by API family.  Templates use OpenAI's own parameter
 * names so the coverage report can line them up with OpenAI's published
 * description.  Order matters only where templates overlap: the first
 * row whose method and path match wins.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/path.h"
#include "policy/route.h"

#define GET	METHOD_GET
#define POST	METHOD_POST
#define DELETE	METHOD_DELETE

/*
 * Columns: method, path, bucket, handler, body, public, consequential,
 * operationId, summary; the _TOOL forms add the MCP tool's name and
 * title; TOKENS rows take OAuth access tokens as well as relay keys.
 */
#define ROW_FULL(m, p, b, h, body, pub, cons, op, sum, tool, title, tokens) \
	{ m, p, BUCKET_##b, HANDLER_##h, BODY_##body, pub, cons, op, sum, \
	  tool, title, tokens }
#define ROW_TOOL(m, p, b, h, body, pub, cons, op, sum, tool, title) \
	ROW_FULL(m, p, b, h, body, pub, cons, op, sum, tool, title, false)
#define ROW(m, p, b, h, body, pub, cons, op, sum) \
	ROW_TOOL(m, p, b, h, body, pub, cons, op, sum, NULL, NULL)
#define TOKENS(m, p, b, h, body, cons, op, sum) \
	ROW_FULL(m, p, b, h, body, false, cons, op, sum, NULL, NULL, true)
/* A canonical route forwarded unchanged to the same OpenAI path. */
#define FWD_TOOL(m, p, b, body, cons, op, sum, tool, title) \
	ROW_TOOL(m, p, b, FORWARD, body, false, cons, op, sum, tool, title)
#define FWD(m, p, b, body, cons, op, sum) \
	FWD_TOOL(m, p, b, body, cons, op, sum, NULL, NULL)

const struct route routes[] = {
	/* Meta: answered by the relay itself, never upstream. */
	ROW(GET, "/", EXCLUDE_META_NONV1, HEALTH, NONE, true, false,
	    "getRoot", "Relay health (root alias)."),
	ROW(GET, "/health", EXCLUDE_LEGACY, HEALTH, NONE, true, false,
	    "getHealthLegacy", "Relay health (non-/v1 alias)."),
	ROW_TOOL(GET, "/v1/health", ACTIONS_DIRECT, HEALTH, NONE, true, false,
	    "getHealth", "Relay health: liveness, configuration summary, "
	    "no secrets.",
	    "relay_health", "Relay health"),
	ROW(GET, "/manifest", EXCLUDE_META_NONV1, MANIFEST, NONE, true, false,
	    "getManifest", "Relay manifest: served endpoints by group."),
	/* Takes OAuth tokens too, so a client can check one. */
	TOKENS(GET, "/v1/actions/ping", EXCLUDE_META_V1, PING, NONE, false,
	    "pingRelay", "Authenticated ping."),
	ROW(GET, "/v1/actions/relay_info", EXCLUDE_META_V1, RELAY_INFO, NONE,
	    false, false, "getRelayInfo", "Relay name, mode and upstream."),
	ROW_TOOL(GET, "/v1/actions/usage", ACTIONS_DIRECT, USAGE, NONE, false,
	    false, "getMyUsage", "Your relay key's usage today (UTC), its "
	    "limits and what remains of them.",
	    "relay_usage", "Your usage and limits"),
	ROW(GET, "/actions/system/info", EXCLUDE_META_NONV1, SYSTEM_INFO,
	    NONE, false, false, "getSystemInfo",
	    "Relay configuration summary (no secrets)."),
	/* Public: ChatGPT fetches images without a key; the unguessable
	 * link is the credential. */
	ROW(GET, "/v1/actions/links/{link_id}", EXCLUDE_META_V1, LINK, NONE,
	    true, false, "getLink", "What a short-lived link from an Actions "
	    "wrapper holds (an image, a file, speech), until it expires; no "
	    "key."),

	/*
	 * OAuth 2.1 for /mcp: the relay is its own authorization server,
	 * where a person signs in with a relay key (policy/oauth.h).  The
	 * path-suffixed metadata is the one RFC 9728 names for /mcp;
	 * clients try both.
	 */
	ROW(GET, "/.well-known/oauth-protected-resource", EXCLUDE_META_NONV1,
	    OAUTH_RESOURCE, NONE, true, false, "getOauthProtectedResource",
	    "OAuth protected resource metadata (RFC 9728) for /mcp."),
	ROW(GET, "/.well-known/oauth-protected-resource/mcp",
	    EXCLUDE_META_NONV1, OAUTH_RESOURCE, NONE, true, false,
	    "getOauthProtectedResourceMcp", "OAuth protected resource "
	    "metadata (RFC 9728) at /mcp's own well-known path."),
	ROW(GET, "/.well-known/oauth-authorization-server", EXCLUDE_META_NONV1,
	    OAUTH_SERVER, NONE, true, false, "getOauthAuthorizationServer",
	    "OAuth authorization server metadata (RFC 8414)."),
	ROW(POST, "/oauth/register", EXCLUDE_META_NONV1, OAUTH_REGISTER, JSON,
	    true, true, "registerOauthClient", "Register an OAuth client "
	    "(RFC 7591): public clients, redirect URIs https or loopback."),
	ROW(GET, "/oauth/authorize", EXCLUDE_META_NONV1, OAUTH_AUTHORIZE, NONE,
	    true, false, "getOauthAuthorize", "The sign-in page of an OAuth "
	    "authorization request (PKCE S256): a form asking for a relay "
	    "key."),
	ROW(POST, "/oauth/authorize", EXCLUDE_META_NONV1, OAUTH_AUTHORIZE,
	    FORM, true, true, "submitOauthAuthorize", "Sign in with a relay "
	    "key: redirects to the client with a code, or shows the form "
	    "again."),
	ROW(POST, "/oauth/token", EXCLUDE_META_NONV1, OAUTH_TOKEN, FORM, true,
	    true, "createOauthToken", "Exchange an authorization code (with "
	    "its PKCE verifier) or a refresh token for tokens."),

	/* Documents, generated from this table by openapi/. */
	ROW(GET, "/openapi.json", EXCLUDE_META_NONV1, OPENAPI, NONE, true,
	    false, "getOpenapi", "OpenAPI 3.1 document of every route the "
	    "relay serves."),
	ROW(GET, "/openapi.actions.json", EXCLUDE_META_NONV1, OPENAPI_ACTIONS,
	    NONE, true, false, "getOpenapiActions", "OpenAPI document for "
	    "a ChatGPT custom GPT's Action: the curated subset."),
	ROW(GET, "/docs", EXCLUDE_META_NONV1, DOCS_PAGE, NONE, true, false,
	    "getDocs", "Interactive API documentation (Swagger UI)."),
	ROW(GET, "/docs/{asset}", EXCLUDE_META_NONV1, DOCS_ASSET, NONE, true,
	    false, "getDocsAsset", "A Swagger UI asset for /docs."),

	/* MCP (Streamable HTTP, stateless): the rows with a tool name,
	 * for ChatGPT apps and Claude connectors. */
	TOKENS(POST, "/mcp", EXCLUDE_META_NONV1, MCP, JSON_ANY, true,
	    "callMcp", "Model Context Protocol endpoint: the relay's curated "
	    "operations as tools (JSON-RPC over HTTP POST)."),

	/* The guarded proxy: reaches the rows route_in_proxy() keeps. */
	ROW_TOOL(POST, "/v1/proxy", ACTIONS_DIRECT, PROXY, JSON, false, true,
	    "callProxy", "Call an OpenAI JSON endpoint this relay serves: "
	    "{method, path, query, body}. Reaches responses, models, "
	    "embeddings, files metadata, batches, vector stores, "
	    "conversations, containers...; no streams, uploads or downloads.",
	    "proxy", "OpenAI API call"),

	/* Responses */
	FWD_TOOL(POST, "/v1/responses", ACTIONS_DIRECT, JSON, true,
	    "createResponse", "Create a model response.",
	    "create_response", "Create a model response"),
	ROW(POST, "/v1/responses:stream", WRAPPER_STREAM, STREAM_WRAPPER,
	    JSON_ANY, false, true, "streamResponse",
	    "Create a model response and stream its events. A non-object "
	    "body becomes {\"input\": body}; stream defaults to true."),
	ROW(POST, "/v1/actions/responses/stream", ACTIONS_DIRECT,
	    STREAM_WRAPPER, JSON_ANY, false, true, "streamResponseAction",
	    "Create a model response as an event stream (for clients that "
	    "read SSE). A non-object body becomes {\"input\": body}."),
	FWD_TOOL(GET, "/v1/responses/{response_id}", ACTIONS_DIRECT, NONE, false,
	    "getResponse", "Retrieve a model response by ID.",
	    "get_response", "Get a model response"),
	FWD(DELETE, "/v1/responses/{response_id}", PROXY_HARNESS, NONE, true,
	    "deleteResponse", "Delete a model response."),
	FWD_TOOL(POST, "/v1/responses/{response_id}/cancel", ACTIONS_DIRECT,
	    JSON_OPTIONAL, true, "cancelResponse",
	    "Cancel a background response.",
	    "cancel_response", "Cancel a background response"),
	FWD_TOOL(GET, "/v1/responses/{response_id}/input_items", ACTIONS_DIRECT,
	    NONE, false, "listInputItems",
	    "List the input items of a response.",
	    "list_response_input_items", "List a response's input items"),
	FWD_TOOL(POST, "/v1/responses/compact", ACTIONS_DIRECT, JSON, true,
	    "compactResponse", "Compact a conversation (OpenAI's own "
	    "compaction endpoint).",
	    "compact_conversation", "Compact a conversation"),
	FWD(POST, "/v1/responses/input_tokens", PROXY_HARNESS, JSON, false,
	    "countInputTokens", "Count the input tokens of a response "
	    "request."),

	/* Chat completions and embeddings */
	FWD(POST, "/v1/chat/completions", PROXY_HARNESS, JSON, true,
	    "createChatCompletion", "Create a chat completion."),
	FWD(GET, "/v1/chat/completions", PROXY_HARNESS, NONE, false,
	    "listChatCompletions", "List stored chat completions."),
	FWD(GET, "/v1/chat/completions/{completion_id}", PROXY_HARNESS, NONE,
	    false, "getChatCompletion", "Retrieve a stored chat completion."),
	FWD(POST, "/v1/chat/completions/{completion_id}", PROXY_HARNESS, JSON,
	    true, "updateChatCompletion",
	    "Update a stored chat completion's metadata."),
	FWD(DELETE, "/v1/chat/completions/{completion_id}", PROXY_HARNESS,
	    NONE, true, "deleteChatCompletion",
	    "Delete a stored chat completion."),
	FWD(GET, "/v1/chat/completions/{completion_id}/messages",
	    PROXY_HARNESS, NONE, false, "getChatCompletionMessages",
	    "List the messages of a stored chat completion."),
	FWD_TOOL(POST, "/v1/embeddings", ACTIONS_DIRECT, JSON, true,
	    "createEmbedding", "Create embeddings for the input.",
	    "create_embeddings", "Create embeddings"),

	/* Models */
	FWD_TOOL(GET, "/v1/models", ACTIONS_DIRECT, NONE, false, "listModels",
	    "List the models available to the relay's OpenAI key.",
	    "list_models", "List models"),
	FWD(GET, "/v1/models/{model}", PROXY_HARNESS, NONE, false,
	    "retrieveModel", "Retrieve a model."),

	/* Images (JSON) */
	/* Actions reach it through generateImageAction, which answers
	 * links: gpt-image-1's base64 is far over an Action's 100,000
	 * characters. */
	FWD(POST, "/v1/images/generations", WRAPPER_IMAGES_LINKS, JSON, true,
	    "createImage", "Generate images from a prompt."),
	FWD(POST, "/v1/images/edits", WRAPPER_IMAGES_MULTIPART,
	    MULTIPART_OR_JSON, true, "createImageEdit",
	    "Edit images (multipart, or JSON with image references)."),
	FWD(POST, "/v1/images/variations", WRAPPER_IMAGES_MULTIPART,
	    MULTIPART, true, "createImageVariation",
	    "Create variations of an image (multipart)."),
	ROW_TOOL(POST, "/v1/actions/images/generations", ACTIONS_DIRECT,
	    ACTION_IMAGE_GENERATION, JSON, false, true, "generateImageAction",
	    "Generate images from a prompt; the answer links to each image "
	    "(a URL to show, valid for an hour by default) instead of "
	    "carrying base64.",
	    "generate_image", "Generate images"),
	ROW_TOOL(POST, "/v1/actions/images/edits", ACTIONS_DIRECT, ACTION_IMAGE,
	    JSON, false, true, "editImageAction", "Edit a PNG image: from "
	    "openaiFileIdRefs, image_url or image_base64, with an optional "
	    "mask, and a prompt; the answer links to the edited images.",
	    "edit_image", "Edit an image"),
	ROW_TOOL(POST, "/v1/actions/images/variations", ACTIONS_DIRECT,
	    ACTION_IMAGE, JSON, false, true, "createImageVariationAction",
	    "Create variations of a PNG image from openaiFileIdRefs, "
	    "image_url or image_base64; the answer links to the images.",
	    "create_image_variation", "Create image variations"),

	/*
	 * Audio.  Transcriptions and translations are multipart uploads,
	 * streamed through; a transcription with stream=true answers an
	 * event stream.  Speech is JSON in and audio bytes out (events with
	 * stream_format "sse").  A GPT uses the two wrappers.
	 */
	FWD(POST, "/v1/audio/transcriptions", WRAPPER_AUDIO_MULTIPART,
	    MULTIPART, true, "createTranscription", "Transcribe audio "
	    "(multipart: file, model; stream=true answers events)."),
	FWD(POST, "/v1/audio/translations", WRAPPER_AUDIO_MULTIPART,
	    MULTIPART, true, "createTranslation",
	    "Translate audio into English text (multipart: file, model)."),
	FWD(POST, "/v1/audio/speech", EXCLUDE_BINARY, JSON, true,
	    "createSpeech", "Generate speech from text: the audio bytes, or "
	    "events with stream_format \"sse\"."),
	ROW_TOOL(POST, "/v1/actions/audio/transcriptions", ACTIONS_DIRECT,
	    ACTION_TRANSCRIPTION, JSON, false, true, "createTranscriptionAction",
	    "Transcribe an audio file from openaiFileIdRefs or base64 "
	    "(filename with its extension, model); returns the transcript.",
	    "transcribe_audio", "Transcribe audio"),
	ROW_TOOL(POST, "/v1/actions/audio/speech", ACTIONS_DIRECT, ACTION_SPEECH,
	    JSON, false, true, "createSpeechAction", "Turn text into speech; "
	    "returns a short-lived link to the audio file, not the audio.",
	    "create_speech", "Turn text into speech"),

	/* Moderations */
	FWD(POST, "/v1/moderations", PROXY_HARNESS, JSON, false,
	    "createModeration", "Classify text or images as potentially "
	    "harmful."),

	/* Files: metadata, and uploads and downloads streamed through */
	FWD(GET, "/v1/files", PROXY_HARNESS, NONE, false, "listFiles",
	    "List files."),
	FWD(POST, "/v1/files", WRAPPER_FILES_UPLOAD, MULTIPART, true,
	    "createFile", "Upload a file (multipart: purpose, file)."),
	FWD(GET, "/v1/files/{file_id}/content", EXCLUDE_BINARY, NONE, false,
	    "downloadFile", "Download a file's content."),
	FWD(GET, "/v1/files/{file_id}", PROXY_HARNESS, NONE, false,
	    "retrieveFile", "Retrieve a file's metadata."),
	FWD(DELETE, "/v1/files/{file_id}", PROXY_HARNESS, NONE, true,
	    "deleteFile", "Delete a file."),
	ROW_TOOL(GET, "/v1/actions/files/{file_id}/content", ACTIONS_DIRECT,
	    ACTION_FILE_CONTENT, NONE, false, false, "downloadFileAction",
	    "Get a file into the conversation: as openaiFileResponse "
	    "(base64) when it fits in the answer, else, and for images, as "
	    "a short-lived link.",
	    "get_file_content", "Get a file's content"),

	/* Uploads, for files larger than one request */
	FWD(POST, "/v1/uploads", WRAPPER_UPLOADS_RESUMABLE, JSON, true,
	    "createUpload", "Start a multi-part upload."),
	FWD(POST, "/v1/uploads/{upload_id}/parts", WRAPPER_UPLOADS_RESUMABLE,
	    MULTIPART, true, "addUploadPart",
	    "Add a part (multipart field data, at most 64 MB)."),
	FWD(POST, "/v1/uploads/{upload_id}/complete",
	    WRAPPER_UPLOADS_RESUMABLE, JSON, true, "completeUpload",
	    "Complete an upload from its ordered part IDs."),
	FWD(POST, "/v1/uploads/{upload_id}/cancel", WRAPPER_UPLOADS_RESUMABLE,
	    JSON_OPTIONAL, true, "cancelUpload", "Cancel an upload."),

	/* Actions wrappers: what a GPT can send (JSON, files as base64) */
	ROW_TOOL(POST, "/v1/actions/files/upload", ACTIONS_DIRECT, ACTION_FILE, JSON,
	    false, true, "uploadFileAction", "Upload a file given as base64 "
	    "JSON (at most 10 MiB; a GPT request carries < 100,000 "
	    "characters, so files over ~70 KB go through the uploads "
	    "actions).",
	    "upload_file", "Upload a file"),
	ROW_TOOL(POST, "/v1/actions/uploads", ACTIONS_DIRECT, ACTION_JSON, JSON,
	    false, true, "createUploadAction", "Start a multi-part upload "
	    "(for files too big for one request): then add parts, then "
	    "complete.",
	    "create_upload", "Start a multi-part upload"),
	ROW_TOOL(POST, "/v1/actions/uploads/{upload_id}/parts", ACTIONS_DIRECT,
	    ACTION_FILE, JSON, false, true, "addUploadPartAction",
	    "Add one base64 part to an upload (keep each request under "
	    "~70 KB of data).",
	    "add_upload_part", "Add an upload part"),
	ROW_TOOL(POST, "/v1/actions/uploads/{upload_id}/complete", ACTIONS_DIRECT,
	    ACTION_JSON, JSON, false, true, "completeUploadAction",
	    "Complete an upload from its ordered part IDs; returns the "
	    "file.",
	    "complete_upload", "Complete an upload"),
	ROW_TOOL(POST, "/v1/actions/uploads/{upload_id}/cancel", ACTIONS_DIRECT,
	    ACTION_JSON, JSON_OPTIONAL, false, true, "cancelUploadAction",
	    "Cancel an upload.",
	    "cancel_upload", "Cancel an upload"),

	/* Batches */
	FWD(POST, "/v1/batches", PROXY_HARNESS, JSON, true, "createBatch",
	    "Create a batch from an uploaded JSONL file."),
	FWD(GET, "/v1/batches", PROXY_HARNESS, NONE, false, "listBatches",
	    "List batches."),
	FWD(GET, "/v1/batches/{batch_id}", PROXY_HARNESS, NONE, false,
	    "retrieveBatch", "Retrieve a batch."),
	FWD(POST, "/v1/batches/{batch_id}/cancel", PROXY_HARNESS,
	    JSON_OPTIONAL, true, "cancelBatch", "Cancel a batch."),

	/* Vector stores */
	FWD(GET, "/v1/vector_stores", PROXY_HARNESS, NONE, false,
	    "listVectorStores", "List vector stores."),
	FWD(POST, "/v1/vector_stores", PROXY_HARNESS, JSON, true,
	    "createVectorStore", "Create a vector store."),
	FWD(GET, "/v1/vector_stores/{vector_store_id}", PROXY_HARNESS, NONE,
	    false, "getVectorStore", "Retrieve a vector store."),
	FWD(POST, "/v1/vector_stores/{vector_store_id}", PROXY_HARNESS, JSON,
	    true, "modifyVectorStore", "Modify a vector store."),
	FWD(DELETE, "/v1/vector_stores/{vector_store_id}", PROXY_HARNESS,
	    NONE, true, "deleteVectorStore", "Delete a vector store."),
	FWD(POST, "/v1/vector_stores/{vector_store_id}/search", PROXY_HARNESS,
	    JSON, false, "searchVectorStore", "Search a vector store."),
	FWD(GET, "/v1/vector_stores/{vector_store_id}/files", PROXY_HARNESS,
	    NONE, false, "listVectorStoreFiles",
	    "List the files of a vector store."),
	FWD(POST, "/v1/vector_stores/{vector_store_id}/files", PROXY_HARNESS,
	    JSON, true, "createVectorStoreFile",
	    "Attach a file to a vector store."),
	FWD(GET, "/v1/vector_stores/{vector_store_id}/files/{file_id}",
	    PROXY_HARNESS, NONE, false, "getVectorStoreFile",
	    "Retrieve a vector store file."),
	FWD(POST, "/v1/vector_stores/{vector_store_id}/files/{file_id}",
	    PROXY_HARNESS, JSON, true, "updateVectorStoreFileAttributes",
	    "Update a vector store file's attributes."),
	/* Parsed text as JSON despite the name; kept off the proxy with the
	 * other /content routes. */
	FWD(GET, "/v1/vector_stores/{vector_store_id}/files/{file_id}/content",
	    EXCLUDE_BINARY, NONE, false, "retrieveVectorStoreFileContent",
	    "Retrieve the parsed content of a vector store file."),
	FWD(DELETE, "/v1/vector_stores/{vector_store_id}/files/{file_id}",
	    PROXY_HARNESS, NONE, true, "deleteVectorStoreFile",
	    "Detach a file from a vector store."),
	FWD(POST, "/v1/vector_stores/{vector_store_id}/file_batches",
	    PROXY_HARNESS, JSON, true, "createVectorStoreFileBatch",
	    "Attach a batch of files to a vector store."),
	FWD(GET, "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}",
	    PROXY_HARNESS, NONE, false, "getVectorStoreFileBatch",
	    "Retrieve a vector store file batch."),
	FWD(POST,
	    "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel",
	    PROXY_HARNESS, JSON_OPTIONAL, true, "cancelVectorStoreFileBatch",
	    "Cancel a vector store file batch."),
	FWD(GET,
	    "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files",
	    PROXY_HARNESS, NONE, false, "listFilesInVectorStoreBatch",
	    "List the files of a vector store file batch."),

	/* Videos */
	FWD(POST, "/v1/videos", WRAPPER_VIDEOS_MULTIPART, MULTIPART_OR_JSON,
	    true, "createVideo", "Create a video job (multipart with an "
	    "input_reference, or JSON)."),
	FWD(POST, "/v1/videos/{video_id}/remix", WRAPPER_VIDEOS_MULTIPART,
	    MULTIPART_OR_JSON, true, "remixVideo", "Remix a video."),
	FWD(GET, "/v1/videos/{video_id}/content", EXCLUDE_BINARY, NONE, false,
	    "downloadVideoContent",
	    "Download a video, its thumbnail or its spritesheet (variant)."),
	ROW_TOOL(POST, "/v1/actions/videos", ACTIONS_DIRECT, ACTION_VIDEO, JSON,
	    false, true, "createVideoAction", "Create a video from a prompt, "
	    "with an optional base64 input reference; model, size and "
	    "seconds from the allowed sets.",
	    "create_video", "Create a video"),
	ROW(POST, "/v1/actions/videos/generations", ACTIONS_DIRECT,
	    ACTION_VIDEO, JSON, false, true, "generateVideoAction",
	    "The original relay's name for createVideoAction."),
	ROW_TOOL(POST, "/v1/actions/videos/{video_id}/remix", ACTIONS_DIRECT,
	    ACTION_JSON, JSON, false, true, "remixVideoAction",
	    "Remix a video with a new prompt.",
	    "remix_video", "Remix a video"),
	FWD(GET, "/v1/videos", PROXY_HARNESS, NONE, false, "listVideos",
	    "List video jobs."),
	FWD_TOOL(GET, "/v1/videos/{video_id}", PROXY_HARNESS, NONE, false,
	    "getVideo", "Retrieve a video job.",
	    "get_video", "Get a video job"),
	FWD(DELETE, "/v1/videos/{video_id}", PROXY_HARNESS, NONE, true,
	    "deleteVideo", "Delete a video job."),

	/* Conversations */
	FWD(POST, "/v1/conversations", PROXY_HARNESS, JSON, true,
	    "createConversation", "Create a conversation."),
	FWD(GET, "/v1/conversations/{conversation_id}", PROXY_HARNESS, NONE,
	    false, "getConversation", "Retrieve a conversation."),
	FWD(POST, "/v1/conversations/{conversation_id}", PROXY_HARNESS, JSON,
	    true, "updateConversation", "Update a conversation's metadata."),
	FWD(DELETE, "/v1/conversations/{conversation_id}", PROXY_HARNESS,
	    NONE, true, "deleteConversation", "Delete a conversation."),
	FWD(GET, "/v1/conversations/{conversation_id}/items", PROXY_HARNESS,
	    NONE, false, "listConversationItems",
	    "List the items of a conversation."),
	FWD(POST, "/v1/conversations/{conversation_id}/items", PROXY_HARNESS,
	    JSON, true, "createConversationItems",
	    "Add items to a conversation."),
	FWD(GET, "/v1/conversations/{conversation_id}/items/{item_id}",
	    PROXY_HARNESS, NONE, false, "getConversationItem",
	    "Retrieve a conversation item."),
	FWD(DELETE, "/v1/conversations/{conversation_id}/items/{item_id}",
	    PROXY_HARNESS, NONE, true, "deleteConversationItem",
	    "Delete a conversation item."),

	/* Realtime: ephemeral keys for browsers and SDKs, minted with the
	 * operator's key for allowlisted models only; the two local helpers
	 * never call upstream.  The WebSocket bridge is relay --websocket. */
	ROW(POST, "/v1/realtime/sessions", ACTIONS_DIRECT, REALTIME_MINT, JSON,
	    false, true, "createRealtimeSession", "Create a Realtime session "
	    "and its ephemeral client key (model from the relay's allowed "
	    "realtime models)."),
	ROW(POST, "/v1/realtime/client_secrets", ACTIONS_DIRECT, REALTIME_MINT,
	    JSON, false, true, "createRealtimeClientSecret", "Mint an "
	    "ephemeral Realtime client secret for a session configuration "
	    "(session.model from the relay's allowed realtime models)."),
	ROW(POST, "/v1/realtime/transcription_sessions", EXCLUDE_REALTIME,
	    REALTIME_MINT, JSON, false, true,
	    "createRealtimeTranscriptionSession",
	    "Create a Realtime transcription session and its ephemeral key."),
	ROW(POST, "/v1/realtime/sessions/validate", EXCLUDE_REALTIME_LOCAL,
	    REALTIME_VALIDATE, JSON, false, false, "validateRealtimeSession",
	    "Check locally that a session has not expired (410 if it has); "
	    "never calls upstream."),
	ROW(GET, "/v1/realtime/sessions/introspect", EXCLUDE_REALTIME_LOCAL,
	    REALTIME_INTROSPECT, NONE, false, false,
	    "introspectRealtimeSessions", "The relay's realtime configuration: "
	    "default and allowed models, upstream base, beta header; no "
	    "secrets."),

	/* Containers */
	FWD(GET, "/v1/containers", PROXY_HARNESS, NONE, false,
	    "listContainers", "List containers."),
	FWD(POST, "/v1/containers", PROXY_HARNESS, JSON, true,
	    "createContainer", "Create a container."),
	FWD(GET, "/v1/containers/{container_id}", PROXY_HARNESS, NONE, false,
	    "retrieveContainer", "Retrieve a container."),
	FWD(DELETE, "/v1/containers/{container_id}", PROXY_HARNESS, NONE,
	    true, "deleteContainer", "Delete a container."),
	FWD(GET, "/v1/containers/{container_id}/files", PROXY_HARNESS, NONE,
	    false, "listContainerFiles", "List the files of a container."),
	FWD(POST, "/v1/containers/{container_id}/files", PROXY_HARNESS,
	    MULTIPART_OR_JSON, true, "createContainerFile",
	    "Add a file to a container: multipart upload, or JSON "
	    "{file_id}."),
	FWD(GET, "/v1/containers/{container_id}/files/{file_id}",
	    PROXY_HARNESS, NONE, false, "retrieveContainerFile",
	    "Retrieve a container file's metadata."),
	FWD(GET, "/v1/containers/{container_id}/files/{file_id}/content",
	    EXCLUDE_BINARY, NONE, false, "retrieveContainerFileContent",
	    "Download a container file's content."),
	FWD(DELETE, "/v1/containers/{container_id}/files/{file_id}",
	    PROXY_HARNESS, NONE, true, "deleteContainerFile",
	    "Delete a container file."),
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

static const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_POST] = "POST",
	[METHOD_PUT] = "PUT",
	[METHOD_PATCH] = "PATCH",
	[METHOD_DELETE] = "DELETE",
};

static const char *const bucket_names[BUCKET__MAX] = {
	[BUCKET_ACTIONS_DIRECT] = "ACTIONS_DIRECT",
	[BUCKET_PROXY_HARNESS] = "PROXY_HARNESS",
	[BUCKET_WRAPPER_FILES_UPLOAD] = "WRAPPER_FILES_UPLOAD",
	[BUCKET_WRAPPER_UPLOADS_RESUMABLE] = "WRAPPER_UPLOADS_RESUMABLE",
	[BUCKET_WRAPPER_IMAGES_MULTIPART] = "WRAPPER_IMAGES_MULTIPART",
	[BUCKET_WRAPPER_VIDEOS_MULTIPART] = "WRAPPER_VIDEOS_MULTIPART",
	[BUCKET_WRAPPER_AUDIO_MULTIPART] = "WRAPPER_AUDIO_MULTIPART",
	[BUCKET_WRAPPER_STREAM] = "WRAPPER_STREAM",
	[BUCKET_WRAPPER_IMAGES_LINKS] = "WRAPPER_IMAGES_LINKS",
	[BUCKET_EXCLUDE_BINARY] = "EXCLUDE_BINARY",
	[BUCKET_EXCLUDE_COLON_PATH] = "EXCLUDE_COLON_PATH",
	[BUCKET_EXCLUDE_LEGACY] = "EXCLUDE_LEGACY",
	[BUCKET_EXCLUDE_META_V1] = "EXCLUDE_META_V1",
	[BUCKET_EXCLUDE_META_NONV1] = "EXCLUDE_META_NONV1",
	[BUCKET_EXCLUDE_REALTIME_LOCAL] = "EXCLUDE_REALTIME_LOCAL",
	[BUCKET_EXCLUDE_REALTIME] = "EXCLUDE_REALTIME",
	[BUCKET_EXCLUDE_ADMIN] = "EXCLUDE_ADMIN",
	[BUCKET_EXCLUDE_DEPRECATED] = "EXCLUDE_DEPRECATED",
	[BUCKET_EXCLUDE_UNSERVED] = "EXCLUDE_UNSERVED",
};

const char *
method_name(enum method m)
{
	return (unsigned)m < METHOD__MAX ? method_names[m] : "?";
}

int
method_parse(const char *name, enum method *out)
{
	int	m;

	for (m = 0; m < METHOD__MAX; m++)
		if (strcmp(name, method_names[m]) == 0) {
			*out = (enum method)m;
			return 0;
		}
	return -1;
}

const char *
bucket_name(enum bucket b)
{
	return (unsigned)b < BUCKET__MAX ? bucket_names[b] : "UNKNOWN";
}

bool
route_in_actions(const struct route *r)
{
	return r->bucket == BUCKET_ACTIONS_DIRECT;
}

bool
route_in_mcp(const struct route *r)
{
	return r->tool != NULL;
}

bool
route_in_proxy(const struct route *r)
{
	/* The proxy sends JSON it serialised itself, never a form. */
	return r->handler == HANDLER_FORWARD && r->body != BODY_MULTIPART &&
	    (r->bucket == BUCKET_PROXY_HARNESS ||
	    r->bucket == BUCKET_ACTIONS_DIRECT);
}

/*
 * Does path match template?  Literal segments compare exactly; a
 * "{name}" segment matches any one non-empty segment (path_check has
 * already vetted its characters).
 */
static bool
template_matches(const char *tmpl, const char *path)
{
	while (*tmpl != '\0' && *path != '\0') {
		if (*tmpl == '{') {
			tmpl = strchr(tmpl, '}');
			if (tmpl == NULL || *path == '/')
				return false;
			tmpl++;
			path += strcspn(path, "/");
			continue;
		}
		if (*tmpl != *path)
			return false;
		tmpl++;
		path++;
	}
	return *tmpl == '\0' && *path == '\0';
}

const struct route *
route_find(enum method m, const char *path)
{
	size_t	i;

	for (i = 0; i < routes_count; i++)
		if (routes[i].method == m &&
		    template_matches(routes[i].path, path))
			return &routes[i];
	return NULL;
}

bool
route_methods(const char *path, char *allow, size_t allowsz)
{
	bool	seen[METHOD__MAX] = { false };
	bool	any = false;
	size_t	i, used = 0;
	int	k, n;

	for (i = 0; i < routes_count; i++)
		if (template_matches(routes[i].path, path)) {
			seen[routes[i].method] = true;
			any = true;
		}
	if (allowsz > 0)
		allow[0] = '\0';
	for (k = 0; k < METHOD__MAX && allowsz > 0; k++) {
		if (!seen[k])
			continue;
		n = snprintf(allow + used, allowsz - used, "%s%s",
		    used ? ", " : "", method_names[k]);
		if (n < 0 || (size_t)n >= allowsz - used)
			break;
		used += (size_t)n;
	}
	return any;
}

enum rerr
route_match(const char *method, const char *path, const struct route **out,
    char *allow, size_t allowsz)
{
	enum method	m;

	*out = NULL;
	if (path_check(path) != RERR_OK)
		return RERR_BAD_PATH;
	if (method_parse(method, &m) == 0 && (*out = route_find(m, path)) !=
	    NULL)
		return RERR_OK;
	return route_methods(path, allow, allowsz) ? RERR_METHOD_NOT_ALLOWED :
	    RERR_NOT_FOUND;
}

/* Where OpenAI's clients open a WebSocket before falling back to HTTP. */
static const struct {
	const char	*path;
	enum rerr	 refusal;
} websocket_paths[] = {
	{ "/v1/responses", RERR_WS_RESPONSES },
	{ "/v1/realtime", RERR_WS_REALTIME },
	{ "/v1/realtime/ws", RERR_WS_REALTIME },
};

/* Whether a comma-separated header value lists token (any case). */
static bool
header_lists(const char *value, const char *token)
{
	size_t	len = strlen(token), n;

	while (*value != '\0') {
		value += strspn(value, " \t,");
		n = strcspn(value, " \t,");
		if (n == len && strncasecmp(value, token, len) == 0)
			return true;
		value += n;
	}
	return false;
}

enum rerr
route_websocket_refusal(const char *method, const char *path,
    const char *upgrade, const char *key)
{
	size_t	i;

	if (strcmp(method, "GET") != 0 || (key == NULL && (upgrade == NULL ||
	    !header_lists(upgrade, "websocket"))))
		return RERR_OK;
	for (i = 0; i < sizeof(websocket_paths) / sizeof(websocket_paths[0]);
	    i++)
		if (strcmp(path, websocket_paths[i].path) == 0)
			return websocket_paths[i].refusal;
	return RERR_OK;
}
