'use strict';
/*
 * node validate.js FILE...: validates each OpenAPI document with
 * @apidevtools/swagger-parser, then checks what it leaves to the author
 * for OpenAPI 3.1: every "{name}" of a path is declared as a path
 * parameter of each of its operations, and operationIds are unique.
 * Exits 1 if any document fails, printing why.
 */
const fs = require('fs');
const SwaggerParser = require('@apidevtools/swagger-parser');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function extraProblems(doc) {
	const problems = [];
	const ids = new Set();

	for (const [path, item] of Object.entries(doc.paths || {})) {
		const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
		for (const method of METHODS.filter((m) => item[m])) {
			const op = item[method];
			const declared = (op.parameters || [])
				.filter((p) => p.in === 'path').map((p) => p.name);
			if (names.join() !== declared.join())
				problems.push(`${method} ${path}: path parameters ` +
				    `[${declared}] do not match the template`);
			if (ids.has(op.operationId))
				problems.push(`duplicate operationId ${op.operationId}`);
			ids.add(op.operationId);
		}
	}
	return problems;
}

async function main(files) {
	let failed = 0;

	for (const file of files) {
		try {
			const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
			/* validate() dereferences in place: give it a copy. */
			await SwaggerParser.validate(structuredClone(doc));
			const problems = extraProblems(doc);
			if (problems.length > 0)
				throw new Error(problems.join('; '));
			console.log(`${file}: valid OpenAPI ${doc.openapi}`);
		} catch (e) {
			failed++;
			console.error(`${file}: INVALID: ${e.message}`);
		}
	}
	process.exit(failed === 0 && files.length > 0 ? 0 : 1);
}

main(process.argv.slice(2));
