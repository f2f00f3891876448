// SPDX-License-Identifier: ISC
//
// Drives npm shamir-secret-sharing for the interop test.
//   privy.js split LEN K N   prints a random secret, then N shares (hex)
//   privy.js combine         reads hex shares on stdin, prints the secret
'use strict';
const { split, combine } = require('shamir-secret-sharing');
const crypto = require('node:crypto');
const fs = require('node:fs');

const hex = (u8) => Buffer.from(u8).toString('hex');

async function main() {
	const [verb, ...args] = process.argv.slice(2);
	if (verb === 'split') {
		const [len, k, n] = args.map(Number);
		const secret = new Uint8Array(crypto.randomBytes(len));
		const shares = await split(secret, n, k);
		console.log(hex(secret));
		for (const s of shares)
			console.log(hex(s));
	} else if (verb === 'combine') {
		const lines = fs.readFileSync(0, 'utf8').split('\n')
		    .map((l) => l.trim()).filter((l) => l.length > 0);
		const shares = lines.map((l) => new Uint8Array(Buffer.from(l, 'hex')));
		console.log(hex(await combine(shares)));
	} else {
		throw new Error('usage: privy.js split LEN K N | combine');
	}
}
main().catch((e) => { console.error(e.message); process.exit(1); });
