// The official MCP TypeScript SDK's OAuth client against the relay's
// sign-in (tests/integ/t_oauth.c runs this behind lighttpd and Apache
// mod_fcgid): discovery (RFC 9728, RFC 8414), dynamic registration, PKCE,
// the code for tokens, a token on a route that takes tokens, and a refresh.
// The person signing in is played by two requests: the sign-in page the
// SDK sends them to, and its form posted back with the relay key.
//   node oauth.mjs BASE_URL RELAY_KEY
// Exits 1 with a message at the first thing that is not as it must be.
import assert from "node:assert/strict";
import { auth } from "@modelcontextprotocol/sdk/client/auth.js";

const [base, relayKey] = process.argv.slice(2);
const serverUrl = `${base}/mcp`;
const redirectUrl = `${base}/cb`;
const saved = {};
const provider = {
	redirectUrl,
	clientMetadata: {
		client_name: "MCP SDK test", redirect_uris: [redirectUrl],
		grant_types: ["authorization_code", "refresh_token"],
		response_types: ["code"], token_endpoint_auth_method: "none",
	},
	state: () => "sdk-state",
	clientInformation: () => saved.client,
	saveClientInformation: (c) => { saved.client = c; },
	tokens: () => saved.tokens,
	saveTokens: (t) => { saved.tokens = t; },
	saveCodeVerifier: (v) => { saved.verifier = v; },
	codeVerifier: () => saved.verifier,
	redirectToAuthorization: (url) => { saved.signIn = url; },
};

async function signIn(url) {
	const page = await fetch(url);
	assert.equal(page.status, 200);
	assert.match(await page.text(), /name="relay_key"/);
	const form = new URLSearchParams(url.searchParams);
	form.set("relay_key", relayKey);
	const answer = await fetch(`${base}/oauth/authorize`, {
		method: "POST", body: form, redirect: "manual",
	});
	assert.equal(answer.status, 302);
	const back = new URL(answer.headers.get("location"));
	assert.equal(`${back.origin}${back.pathname}`, redirectUrl);
	assert.equal(back.searchParams.get("state"), "sdk-state");
	return back.searchParams.get("code");
}

async function ping(token) {
	const r = await fetch(`${base}/v1/actions/ping`, {
		headers: { authorization: `Bearer ${token}` },
	});
	return r.status;
}

try {
	assert.equal(await auth(provider, { serverUrl }), "REDIRECT");
	assert.match(saved.client.client_id, /^rly_cl_/);
	const url = saved.signIn;
	assert.equal(url.searchParams.get("code_challenge_method"), "S256");
	assert.equal(url.searchParams.get("resource"), serverUrl);
	const code = await signIn(url);
	assert.match(code, /^rly_ac_/);

	assert.equal(await auth(provider, { serverUrl, authorizationCode: code }),
	    "AUTHORIZED");
	const first = saved.tokens;
	assert.match(first.access_token, /^rly_at_/);
	assert.equal(await ping(first.access_token), 200);

	// With a refresh token in hand, auth() refreshes (and rotates).
	assert.equal(await auth(provider, { serverUrl }), "AUTHORIZED");
	assert.notEqual(saved.tokens.access_token, first.access_token);
	assert.notEqual(saved.tokens.refresh_token, first.refresh_token);
	assert.equal(await ping(saved.tokens.access_token), 200);
	console.log("mcp sdk oauth: discovery, registration, PKCE, code, " +
	    "token, refresh: ok");
} catch (err) {
	console.error(err);
	process.exit(1);
}
