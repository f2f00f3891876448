// SPDX-License-Identifier: ISC
//
// node-vault 0.12.0 against escrowd, through the client's own calls only.
'use strict';
const assert = require('node:assert/strict');

async function main() {
	const endpoint = process.env.VAULT_ADDR;
	const vault = require('node-vault')({ apiVersion: 'v1', endpoint });
	let checks = 0;
	const ok = (cond, what) => { assert.ok(cond, what); checks++; };

	ok((await vault.initialized()).initialized === false, 'not initialized');
	// Uninitialised health is 501; node-vault resolves /sys/health's body
	// whatever the status, and honours the code overrides.
	let h = await vault.health({ uninitcode: 200 });
	ok(h.initialized === false && h.sealed === true, 'health uninit');

	const init = await vault.init({ secret_shares: 3, secret_threshold: 2 });
	ok(Array.isArray(init.keys) && init.keys.length === 3, 'three keys');
	ok(init.keys.every((k) => /^[0-9a-f]{66}$/.test(k)), 'hex shares');
	ok(init.keys_base64.length === 3, 'base64 shares');
	ok(typeof init.root_token === 'string' && init.root_token.length > 0,
	    'root token');
	vault.token = init.root_token;
	ok((await vault.initialized()).initialized === true, 'initialized');

	let st = await vault.status();
	ok(st.sealed === true && st.t === 2 && st.n === 3 && st.progress === 0,
	    'sealed 2-of-3');
	h = await vault.health({ sealedcode: 299 });
	ok(h.sealed === true, 'health sealed with sealedcode');

	st = await vault.unseal({ key: init.keys[0] });
	ok(st.sealed === true && st.progress === 1, 'progress 1');
	// A tampered share is refused at once, and names its holder.
	const bad = init.keys[1].slice(0, 10) +
	    (init.keys[1][10] === 'a' ? 'b' : 'a') + init.keys[1].slice(11);
	await assert.rejects(vault.unseal({ key: bad }),
	    (e) => e.response.statusCode === 400 &&
	        /custodian share-\d+: share does not match/.test(e.message));
	checks++;
	st = await vault.status();
	ok(st.progress === 1, 'refusal left progress alone');
	st = await vault.unseal({ key: init.keys_base64[2] });
	ok(st.sealed === false && st.progress === 0, 'unsealed (base64 key)');

	// Transit, with a zone as the key, through node-vault's own calls.
	const created = await vault.transitCreateKey({ name: 'payments' });
	ok(created.data.name === 'payments' &&
	    created.data.type === 'xchacha20-poly1305', 'transitCreateKey');
	const pt = Buffer.from('4111-1111-1111-1111').toString('base64');
	const enc = await vault.encryptData({ name: 'payments', plaintext: pt });
	ok(/^vault:v1:/.test(enc.data.ciphertext), 'encryptData');
	let dec = await vault.decryptData({ name: 'payments',
	    ciphertext: enc.data.ciphertext });
	ok(dec.data.plaintext === pt, 'decryptData');
	await vault.write('transit/keys/payments/rotate', {});
	const key = await vault.transitReadKey({ name: 'payments' });
	ok(key.data.latest_version === 2 && key.data.keys['1'] > 0 &&
	    key.data.keys['2'] > 0, 'transitReadKey after rotate');
	const rw = await vault.rewrapData({ name: 'payments',
	    ciphertext: enc.data.ciphertext });
	ok(/^vault:v2:/.test(rw.data.ciphertext), 'rewrapData to v2');
	dec = await vault.decryptData({ name: 'payments',
	    ciphertext: rw.data.ciphertext });
	ok(dec.data.plaintext === pt, 'decrypt rewrapped');
	const list = await vault.transitListKeys();
	ok(list.data.keys.includes('payments'), 'transitListKeys');
	await assert.rejects(vault.decryptData({ name: 'payments',
	    ciphertext: 'vault:v9:AAAA' }),
	    (e) => e.response.statusCode === 400 &&
	        /version is too new/.test(e.message));
	checks++;
	await assert.rejects(vault.transitDeleteKey({ name: 'payments' }),
	    (e) => e.response.statusCode === 400);
	checks++;

	h = await vault.health();
	ok(h.initialized === true && h.sealed === false &&
	    h.standby === false, 'health active');
	h = await vault.health({ activecode: 299, standbyok: true });
	ok(h.sealed === false, 'health with activecode');

	await vault.seal();
	st = await vault.status();
	ok(st.sealed === true, 'sealed again');
	// Unseal again with the other pair.
	await vault.unseal({ key: init.keys[1] });
	st = await vault.unseal({ key: init.keys[2] });
	ok(st.sealed === false, 'unsealed again');
	console.log(`node-vault: ${checks} checks passed`);
}

main().catch((e) => {
	console.error('node-vault compat failed:', e.message,
	    e.response ? JSON.stringify(e.response.body) : '');
	process.exit(1);
});
