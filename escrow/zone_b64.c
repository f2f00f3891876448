/* SPDX-License-Identifier: ISC */
/*
 * Base64 and nonces for ciphertexts, the transit hot path.  A ciphertext
 * string is public, so it needs no constant-time codec: libsodium's
 * (which the rest of escrow uses, for keys, shares and plaintexts) cost a
 * third of a rewrap batch.  This codec is standard base64 with padding,
 * strict and canonical: one spelling per ciphertext (libsodium 1.0.18's
 * decoder also takes bytes of 0x80 and above, as '/').  Nonces come from
 * a per-thread pool of randombytes_buf output, refilled 4 KiB at a time,
 * instead of one getrandom system call per encryption.
 */
#include <string.h>

#include <sodium.h>

#include "escrow/zone_priv.h"

#define NONCE_POOL_BYTES 4096

static const char enc[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
zone_b64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t o = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = enc[v >> 18];
		out[o++] = enc[(v >> 12) & 63];
		out[o++] = enc[(v >> 6) & 63];
		out[o++] = enc[v & 63];
	}
	if (n - i == 1) {
		out[o++] = enc[in[i] >> 2];
		out[o++] = enc[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = enc[v >> 10];
		out[o++] = enc[(v >> 4) & 63];
		out[o++] = enc[(v & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* 0..63 for a base64 character, 64 for '=', 255 for anything else. */
static uint8_t
dec(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return c == '=' ? 64 : 255;
}

int
zone_b64_decode(uint8_t *out, size_t cap, const char *in, size_t len,
    size_t *outlen)
{
	size_t o = 0;

	*outlen = 0;
	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		uint8_t a = dec((unsigned char)in[i]);
		uint8_t b = dec((unsigned char)in[i + 1]);
		uint8_t c = dec((unsigned char)in[i + 2]);
		uint8_t d = dec((unsigned char)in[i + 3]);
		bool last = i + 4 == len;

		if (a > 63 || b > 63 || c == 255 || d == 255)
			return -1;
		if (c == 64 || d == 64) {
			/* Padding: only in the last group, "x=" after "=" is
			 * wrong, and the bits it hides must be zero. */
			if (!last || (c == 64 && d != 64) ||
			    (c == 64 && (b & 15) != 0) ||
			    (c != 64 && (c & 3) != 0))
				return -1;
		}
		if (cap - o < (size_t)(c == 64 ? 1 : d == 64 ? 2 : 3))
			return -1;
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		if (c != 64)
			out[o++] = (uint8_t)(b << 4 | c >> 2);
		if (d != 64 && c != 64)
			out[o++] = (uint8_t)(c << 6 | d);
	}
	*outlen = o;
	return 0;
}

void
zone_nonce(uint8_t *out, size_t n)
{
	static _Thread_local uint8_t pool[NONCE_POOL_BYTES];
	static _Thread_local size_t pos = NONCE_POOL_BYTES;

	if (n > NONCE_POOL_BYTES) {
		randombytes_buf(out, n);
		return;
	}
	if (NONCE_POOL_BYTES - pos < n) {
		randombytes_buf(pool, sizeof(pool));
		pos = 0;
	}
	memcpy(out, pool + pos, n);
	/* A nonce is handed out once: wipe it from the pool. */
	sodium_memzero(pool + pos, n);
	pos += n;
}
