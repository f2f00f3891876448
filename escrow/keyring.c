/* SPDX-License-Identifier: ISC */
/*
 * The keyring's terms, their encryption under the master key, and key
 * derivation from them.  The terms sit in one sodium_malloc arena that is
 * read-only except while it is being built; a rotation builds a new arena
 * and frees (wipes) the old one, so a failed rotation changes nothing.
 */
#include "escrow/keyring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define BLOB_VERSION 1
#define PLAIN_MAGIC  "EKR1"
#define TERM_BYTES   (4 + 8 + KEYRING_KEY_BYTES)
#define PLAIN_HEADER (4 + 4)
#define AD           "escrow-keyring-v1"

_Static_assert(KEYRING_BLOB_HEADER ==
        1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "blob header is the version byte and the nonce");
_Static_assert(KEYRING_MK_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "M is an XChaCha20-Poly1305 key");
_Static_assert(KEYRING_KEY_BYTES >= crypto_generichash_KEYBYTES_MIN &&
        KEYRING_KEY_BYTES <= crypto_generichash_KEYBYTES_MAX,
    "a term key is a BLAKE2b key");

struct term {
	uint32_t term;
	uint64_t install_time;
	uint8_t key[KEYRING_KEY_BYTES]; /* secret */
};

struct keyring {
	uint32_t count;
	struct term *terms; /* sodium_malloc, read-only between changes */
};

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/* A writable arena for `count` terms, or NULL. */
static struct term *
arena_new(uint32_t count)
{
	return sodium_allocarray(count, sizeof(struct term));
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	sodium_free(kr->terms); /* wipes */
	free(kr);
}

int
keyring_new(struct keyring **out, uint64_t now)
{
	struct keyring *kr;

	*out = NULL;
	if ((kr = calloc(1, sizeof(*kr))) == NULL)
		return -ENOMEM;
	if ((kr->terms = arena_new(1)) == NULL) {
		free(kr);
		return -ENOMEM;
	}
	kr->count = 1;
	kr->terms[0].term = 1;
	kr->terms[0].install_time = now;
	randombytes_buf(kr->terms[0].key, KEYRING_KEY_BYTES);
	sodium_mprotect_readonly(kr->terms);
	*out = kr;
	return 0;
}

int
keyring_rotate(struct keyring *kr, uint64_t now)
{
	struct term *next;

	if (kr->count >= KEYRING_TERMS_MAX)
		return -ENOSPC;
	if ((next = arena_new(kr->count + 1)) == NULL)
		return -ENOMEM;
	memcpy(next, kr->terms, kr->count * sizeof(struct term));
	next[kr->count].term = kr->terms[kr->count - 1].term + 1;
	next[kr->count].install_time = now;
	randombytes_buf(next[kr->count].key, KEYRING_KEY_BYTES);
	sodium_mprotect_readonly(next);
	sodium_free(kr->terms);
	kr->terms = next;
	kr->count++;
	return 0;
}

uint32_t
keyring_term(const struct keyring *kr)
{
	return kr->terms[kr->count - 1].term;
}

uint64_t
keyring_install_time(const struct keyring *kr)
{
	return kr->terms[kr->count - 1].install_time;
}

int
keyring_seal(const struct keyring *kr,
    const uint8_t mk[static KEYRING_MK_BYTES], uint8_t **blob, size_t *bloblen)
{
	size_t plen = PLAIN_HEADER + (size_t)kr->count * TERM_BYTES;
	size_t blen = KEYRING_BLOB_HEADER + plen +
	    crypto_aead_xchacha20poly1305_ietf_ABYTES;
	uint8_t *plain, *b, *p;

	*blob = NULL;
	*bloblen = 0;
	if ((plain = sodium_malloc(plen)) == NULL)
		return -ENOMEM;
	if ((b = malloc(blen)) == NULL) {
		sodium_free(plain);
		return -ENOMEM;
	}
	memcpy(plain, PLAIN_MAGIC, 4);
	put_u32(plain + 4, kr->count);
	p = plain + PLAIN_HEADER;
	for (uint32_t i = 0; i < kr->count; i++, p += TERM_BYTES) {
		put_u32(p, kr->terms[i].term);
		put_u64(p + 4, kr->terms[i].install_time);
		memcpy(p + 12, kr->terms[i].key, KEYRING_KEY_BYTES);
	}
	b[0] = BLOB_VERSION;
	randombytes_buf(b + 1, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + KEYRING_BLOB_HEADER,
	    NULL, plain, plen, (const uint8_t *)AD, sizeof(AD) - 1, NULL, b + 1,
	    mk);
	sodium_free(plain);
	*blob = b;
	*bloblen = blen;
	return 0;
}

/* Check the decrypted plaintext and copy its terms into a new arena. */
static int
parse_plain(struct keyring *kr, const uint8_t *plain, size_t plen)
{
	const uint8_t *p = plain + PLAIN_HEADER;
	uint32_t count;

	if (plen < PLAIN_HEADER || memcmp(plain, PLAIN_MAGIC, 4) != 0)
		return -ESC_ECORRUPT;
	count = get_u32(plain + 4);
	if (count == 0 || count > KEYRING_TERMS_MAX ||
	    plen != PLAIN_HEADER + (size_t)count * TERM_BYTES)
		return -ESC_ECORRUPT;
	if ((kr->terms = arena_new(count)) == NULL)
		return -ENOMEM;
	kr->count = count;
	for (uint32_t i = 0; i < count; i++, p += TERM_BYTES) {
		kr->terms[i].term = get_u32(p);
		kr->terms[i].install_time = get_u64(p + 4);
		memcpy(kr->terms[i].key, p + 12, KEYRING_KEY_BYTES);
		if (kr->terms[i].term !=
		    (i == 0 ? 1 : kr->terms[i - 1].term + 1))
			return -ESC_ECORRUPT;
	}
	sodium_mprotect_readonly(kr->terms);
	return 0;
}

int
keyring_open(struct keyring **out, const uint8_t mk[static KEYRING_MK_BYTES],
    const uint8_t *blob, size_t bloblen)
{
	struct keyring *kr = NULL;
	uint8_t *plain = NULL;
	unsigned long long plen;
	int rc;

	*out = NULL;
	if (bloblen < KEYRING_BLOB_HEADER +
	            crypto_aead_xchacha20poly1305_ietf_ABYTES + PLAIN_HEADER ||
	    blob[0] != BLOB_VERSION)
		return -ESC_ECORRUPT;
	if ((plain = sodium_malloc(bloblen)) == NULL ||
	    (kr = calloc(1, sizeof(*kr))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	        blob + KEYRING_BLOB_HEADER, bloblen - KEYRING_BLOB_HEADER,
	        (const uint8_t *)AD, sizeof(AD) - 1, blob + 1, mk) != 0) {
		rc = -ESC_ECORRUPT;
		goto out;
	}
	if ((rc = parse_plain(kr, plain, (size_t)plen)) != 0)
		goto out;
	*out = kr;
	kr = NULL;
out:
	keyring_free(kr);
	sodium_free(plain);
	return rc;
}

static const struct term *
find_term(const struct keyring *kr, uint32_t term)
{
	/* Terms are 1..count in order (checked by parse_plain). */
	if (term == 0 || term > kr->count)
		return NULL;
	return &kr->terms[term - 1];
}

int
keyring_derive(const struct keyring *kr, uint32_t term, const char *purpose,
    const char *name, uint8_t out[static 32])
{
	static const uint8_t zero = 0;
	const struct term *t;
	crypto_generichash_state st;
	size_t plen, nlen;

	sodium_memzero(out, 32);
	plen = strnlen(purpose, KEYRING_LABEL_MAX + 1);
	nlen = strnlen(name, KEYRING_LABEL_MAX + 1);
	if (plen == 0 || plen > KEYRING_LABEL_MAX || nlen > KEYRING_LABEL_MAX)
		return -EINVAL;
	if ((t = find_term(kr, term)) == NULL)
		return -ENOENT;
	crypto_generichash_init(&st, t->key, KEYRING_KEY_BYTES, 32);
	crypto_generichash_update(&st, (const uint8_t *)"escrow-kdf-v1", 13);
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, (const uint8_t *)purpose, plen);
	crypto_generichash_update(&st, &zero, 1);
	crypto_generichash_update(&st, (const uint8_t *)name, nlen);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
	return 0;
}
