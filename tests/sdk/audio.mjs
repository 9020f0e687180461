// OpenAI's own Node SDK against the relay: audio and moderations as a
// program calls them (tests/integ/t_audio.c runs this through every front
// server).  Usage:
//   node audio.mjs BASE_URL RELAY_KEY SPEECH_BYTES_BASE SPEECH_BYTES_PER_CHAR TOKENS
// where the numbers are the fake upstream's (tests/fake_upstream/fake_emulate.h).
// Exits 1 with a message at the first thing that is not as it must be.
import assert from "node:assert/strict";
import OpenAI, { toFile } from "openai";

const [baseURL, apiKey, speechBase, perChar, tokens] = process.argv.slice(2);
const client = new OpenAI({
	baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0, timeout: 30000,
});
const audio = Buffer.alloc(1000, 7);
const upload = (name) => toFile(audio, name, { type: "audio/mpeg" });

try {
	const t = await client.audio.transcriptions.create({
		file: await upload("talk.mp3"), model: "gpt-4o-transcribe",
		language: "en",
	});
	assert.equal(t.text, "Transcript of talk.mp3 (1000 bytes).");
	assert.equal(t.usage.total_tokens, Number(tokens));

	const stream = await client.audio.transcriptions.create({
		file: await upload("talk.mp3"), model: "gpt-4o-mini-transcribe",
		stream: true,
	});
	let deltas = "", done = null;
	for await (const event of stream) {
		if (event.type === "transcript.text.delta")
			deltas += event.delta;
		else if (event.type === "transcript.text.done")
			done = event;
	}
	assert.ok(done, "no transcript.text.done event");
	assert.equal(deltas, done.text);
	assert.equal(done.usage.total_tokens, Number(tokens));

	const tr = await client.audio.translations.create({
		file: await upload("hola.m4a"), model: "whisper-1",
	});
	assert.equal(tr.text, "Transcript of hola.m4a (1000 bytes).");

	const input = "Hello there";
	const speech = await client.audio.speech.create({
		model: "gpt-4o-mini-tts", input, voice: "coral",
	});
	assert.equal(speech.headers.get("content-type"), "audio/mpeg");
	const bytes = Buffer.from(await speech.arrayBuffer());
	assert.equal(bytes.length, Number(speechBase) +
	    Number(perChar) * input.length);
	bytes.forEach((b, i) => {
		if (b !== (i * 31 + 7) % 251)
			throw new Error(`speech byte ${i} differs`);
	});

	const mod = await client.moderations.create({ input: ["a", "b"] });
	assert.equal(mod.results.length, 2);
	assert.equal(mod.results[0].flagged, false);
} catch (err) {
	console.error(`sdk: ${err.stack || err}`);
	process.exit(1);
}
console.log("sdk: transcriptions (and their stream), translations, speech and moderations work");
