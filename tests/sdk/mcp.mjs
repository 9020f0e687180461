// The official MCP TypeScript SDK against the relay's POST /mcp, as an
// MCP client (Claude Code, ChatGPT's developer mode) uses it with a relay
// key as its Bearer token: the handshake, tools/list, and a tools/call
// of every tool listed, each against the fake upstream
// (tests/integ/t_mcp.c runs this through lighttpd and Apache mod_fcgid).
// Usage:
//   node mcp.mjs BASE_URL RELAY_KEY
// Exits 1 with a message at the first thing that is not as it must be.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from
    "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [baseURL, key] = process.argv.slice(2);
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" +
    "AAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const b64 = (s) => Buffer.from(s).toString("base64");

const client = new Client({ name: "relay-check", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(`${baseURL}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${key}` } } });

// Calls a tool, which must succeed; its structuredContent.
async function call(name, args) {
	const r = await client.callTool({ name, arguments: args });
	assert.equal(r.isError, false, `${name}: ${JSON.stringify(r.content)}`);
	assert.equal(r.content[0].type, "text", name);
	called.add(name);
	return r;
}

// The relay's links are public: fetched without a key, as ChatGPT does.
// Returns the bytes.
async function linked(r, type) {
	const link = r.content.find((c) => c.type === "resource_link");
	assert.ok(link, `no resource_link in ${JSON.stringify(r.content)}`);
	assert.match(link.uri, /\/v1\/actions\/links\/[A-Za-z0-9_-]{43}$/);
	const got = await fetch(link.uri.replace(/^https?:\/\/[^/]+/, baseURL));
	assert.equal(got.status, 200);
	assert.ok(got.headers.get("content-type").startsWith(type));
	const bytes = Buffer.from(await got.arrayBuffer());
	assert.ok(bytes.length > 0);
	return bytes;
}

const called = new Set();
try {
	await client.connect(transport);
	assert.equal(transport.sessionId, undefined, "a session id was minted");
	assert.equal(client.getServerVersion().name.length > 0, true);
	const { tools } = await client.listTools();
	for (const t of tools) {
		assert.match(t.name, /^[A-Za-z0-9_.-]{1,64}$/);
		assert.equal(t.inputSchema.type, "object", t.name);
		assert.equal(typeof t.annotations.readOnlyHint, "boolean");
	}

	await call("relay_health", {});
	assert.equal((await call("list_models", {})).structuredContent.object,
	    "list");
	const resp = (await call("create_response", { model: "gpt-4o-mini",
	    input: "Hello" })).structuredContent;
	assert.match(resp.id, /^resp_/);
	await call("get_response", { response_id: resp.id });
	await call("list_response_input_items", { response_id: resp.id });
	await call("cancel_response", { response_id: resp.id });
	await call("compact_conversation", { model: "gpt-4o-mini",
	    input: "Hello" });
	assert.ok((await call("create_embeddings", {
	    model: "text-embedding-3-small", input: "Hello" }))
	    .structuredContent.data.length > 0);

	const big = await call("generate_image", { prompt: "a cat" });
	await linked(big, "image/");
	assert.ok(!big.content.some((c) => c.type === "image"),
	    "a 100 KB image came inline");
	// A small one comes inline too: the fake's 256x256 is 6,553 bytes.
	const small = await call("generate_image", { prompt: "a dot",
	    size: "256x256" });
	const behind = await linked(small, "image/");
	const inline = small.content.find((c) => c.type === "image");
	assert.ok(inline, "no inline image");
	assert.equal(inline.mimeType, "image/png");
	assert.equal(behind.length, 6553);
	assert.deepEqual(Buffer.from(inline.data, "base64"), behind);
	await linked(await call("edit_image", { image_base64: PNG,
	    prompt: "a hat" }), "image/");
	await linked(await call("create_image_variation",
	    { image_base64: PNG }), "image/");
	const heard = await call("transcribe_audio", { model: "whisper-1",
	    data_base64: b64("x".repeat(100)), filename: "talk.mp3" });
	assert.equal(heard.structuredContent.text,
	    "Transcript of talk.mp3 (100 bytes).");
	await linked(await call("create_speech", { model: "gpt-4o-mini-tts",
	    input: "Hello", voice: "coral" }), "audio/");

	const file = (await call("upload_file", { purpose: "assistants",
	    filename: "a.txt", mime_type: "text/plain",
	    data_base64: b64("hello") })).structuredContent;
	assert.match(file.id, /^file/);
	await call("get_file_content", { file_id: file.id });
	const up = (await call("create_upload", { purpose: "assistants",
	    filename: "b.txt", bytes: 5, mime_type: "text/plain" }))
	    .structuredContent;
	const part = (await call("add_upload_part", { upload_id: up.id,
	    data_base64: b64("hello") })).structuredContent;
	await call("complete_upload", { upload_id: up.id,
	    part_ids: [part.id] });
	const up2 = (await call("create_upload", { purpose: "assistants",
	    filename: "c.txt", bytes: 5, mime_type: "text/plain" }))
	    .structuredContent;
	await call("cancel_upload", { upload_id: up2.id });

	const video = (await call("create_video", { prompt: "a cat",
	    model: "sora-2" })).structuredContent;
	assert.match(video.id, /^video/);
	assert.equal((await call("get_video", { video_id: video.id }))
	    .structuredContent.id, video.id);
	await call("remix_video", { video_id: video.id, prompt: "again" });

	assert.equal((await call("proxy_read", { path: "/v1/models" }))
	    .structuredContent.object, "list");
	await call("proxy_write", { method: "POST", path: "/v1/embeddings",
	    body: { model: "text-embedding-3-small", input: "x" } });

	const usage = (await call("relay_usage", {})).structuredContent;
	assert.equal(usage.object, "relay.usage");
	assert.ok(usage.usage.requests > 0);

	const untried = tools.map((t) => t.name).filter((n) => !called.has(n));
	assert.deepEqual(untried, [], "tools without a call here");

	// Bad arguments are a result the model can correct, not an error.
	const bad = await client.callTool({ name: "get_video", arguments: {} });
	assert.equal(bad.isError, true);
	assert.match(bad.content[0].text, /video_id/);
	await assert.rejects(client.callTool({ name: "no_such_tool",
	    arguments: {} }), (e) => e.code === -32602);
	await client.close();
} catch (e) {
	console.error(`mcp.mjs: ${e.stack || e}`);
	process.exit(1);
}
