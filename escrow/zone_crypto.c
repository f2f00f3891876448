/* SPDX-License-Identifier: ISC */
/*
 * Transit encryption with a zone's cached version keys: the hot path.  A
 * call finds the zone, takes its shared lock, runs the AEAD and base64
 * over stack buffers and adds one to an atomic counter; it never touches
 * the store, allocates, or derives a key (the first call after an unseal
 * loads the keys once, see zone_acquire).  Ciphertexts are Vault's
 * "vault:v<N>:" + base64(nonce || ciphertext || tag); the nonce is random,
 * 24 bytes for xchacha20-poly1305 and 12 for chacha20-poly1305 (Vault's
 * layout), and the caller's associated data is bound but not stored.
 * Parsing is strict: the prefix, decimal digits only, ':', and canonical
 * padded base64 to the end of the string.  A NULL `ad` means none.
 *
 * A version may encrypt when it is live (not trimmed, not below
 * min_decryption_version, so that its ciphertexts can be decrypted) and
 * not below a non-zero min_encryption_version.
 */
#include "escrow/zone.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "escrow/zone_priv.h"

#define CT_PREFIX     "vault:v"
#define CT_VARIANT    sodium_base64_VARIANT_ORIGINAL
#define CT_PREFIX_MAX (sizeof(CT_PREFIX) - 1 + 10 + 1) /* u32 and ':' */
#define CT_DIGITS_MAX 18 /* a version with more is not a number */
#define CT_B64_MAX    (sodium_base64_ENCODED_LEN(ZONE_RAW_MAX, CT_VARIANT) - 1)

_Static_assert(ZONE_VERSIONS_MAX <= 99999, "a version has five digits");
_Static_assert(sizeof(CT_PREFIX) - 1 + 5 + 1 + CT_B64_MAX + 1 <=
        ZONE_CIPHERTEXT_MAX,
    "ZONE_CIPHERTEXT_MAX holds the longest ciphertext and its NUL");
_Static_assert(ZONE_TAG_BYTES == crypto_aead_chacha20poly1305_ietf_ABYTES,
    "both zone types have a 16-byte tag");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES <= ZONE_NONCE_MAX,
    "the raw buffer holds either nonce");

enum use_kind {
	USE_ENCRYPT,
	USE_DECRYPT,
	USE_REWRAP,
};

static const uint8_t nothing[1];

static size_t
nonce_bytes(enum zone_type t)
{
	return t == ZONE_CHACHA20_POLY1305
	    ? crypto_aead_chacha20poly1305_ietf_NPUBBYTES
	    : crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
}

static const uint8_t *
version_key(const struct zone *z, uint32_t v)
{
	return z->keys + (size_t)(v - z->base) * ZONE_KEY_BYTES;
}

static void
usage_add(struct zone *z, uint32_t v, enum use_kind k)
{
	struct zone_usage *u = &z->use[v - z->base];
	_Atomic uint64_t *c = k == USE_ENCRYPT ? &u->encrypts
	    : k == USE_DECRYPT                 ? &u->decrypts
	                                       : &u->rewraps;

	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
	atomic_store_explicit(&u->last_used, (uint64_t)time(NULL),
	    memory_order_relaxed);
}

static bool
may_encrypt(const struct zone *z, uint32_t v)
{
	const struct zone_config *c = &z->cfg;

	return v >= z->base && v >= c->min_decryption_version &&
	    v <= c->latest_version &&
	    (c->min_encryption_version == 0 || v >= c->min_encryption_version);
}

/* Write "vault:v<v>:" to out (CT_PREFIX_MAX bytes); returns its length. */
static size_t
prefix_put(char out[static CT_PREFIX_MAX], uint32_t v)
{
	char digits[10];
	size_t n = 0, o = sizeof(CT_PREFIX) - 1;

	memcpy(out, CT_PREFIX, o);
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		out[o++] = digits[--n];
	out[o++] = ':';
	return o;
}

/* Encrypt under the zone's lock with its keys loaded. */
static int
ct_seal(struct zone *z, uint32_t version, const uint8_t *pt, size_t len,
    const uint8_t *ad, size_t adlen, char *out, size_t cap, uint32_t *used)
{
	uint8_t raw[ZONE_RAW_MAX];
	char prefix[CT_PREFIX_MAX];
	size_t nb = nonce_bytes(z->cfg.type);
	size_t rawlen = nb + len + ZONE_TAG_BYTES, plen;

	if (version == 0)
		version = z->cfg.latest_version;
	else if (!may_encrypt(z, version))
		return -EINVAL;
	plen = prefix_put(prefix, version);
	if (cap < plen ||
	    cap - plen < sodium_base64_ENCODED_LEN(rawlen, CT_VARIANT))
		return -ENOSPC;
	zone_nonce(raw, nb);
	if (z->cfg.type == ZONE_CHACHA20_POLY1305)
		crypto_aead_chacha20poly1305_ietf_encrypt(raw + nb, NULL, pt,
		    len, ad, adlen, NULL, raw, version_key(z, version));
	else
		crypto_aead_xchacha20poly1305_ietf_encrypt(raw + nb, NULL, pt,
		    len, ad, adlen, NULL, raw, version_key(z, version));
	memcpy(out, prefix, plen);
	(void)zone_b64_encode(out + plen, raw, rawlen);
	*used = version;
	return 0;
}

/* Split "vault:v<digits>:<base64>"; the version is checked by the caller. */
static int
ct_parse(const char *ct, uint64_t *v, const char **b64, size_t *b64len)
{
	const char *p;
	size_t nd = 0;

	*v = 0;
	if (ct == NULL || strncmp(ct, CT_PREFIX, sizeof(CT_PREFIX) - 1) != 0)
		return -ESC_EMALFORMED;
	for (p = ct + sizeof(CT_PREFIX) - 1; *p >= '0' && *p <= '9'; p++) {
		if (++nd > CT_DIGITS_MAX)
			return -ESC_EMALFORMED;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	if (nd == 0 || *p != ':')
		return -ESC_EMALFORMED;
	*b64 = ++p;
	if ((*b64len = strnlen(p, CT_B64_MAX + 1)) > CT_B64_MAX)
		return -ESC_EMALFORMED;
	return 0;
}

/*
 * Decrypt under the zone's lock with its keys loaded, checking the version
 * before the base64 as Vault does.  *len and *version are set only on
 * success; on an authentication failure libsodium writes nothing to pt.
 */
static int
ct_open(struct zone *z, const char *ct, const uint8_t *ad, size_t adlen,
    uint8_t *pt, size_t cap, size_t *len, uint32_t *version)
{
	uint8_t raw[ZONE_RAW_MAX];
	const char *b64;
	size_t b64len, rawlen, mlen, nb = nonce_bytes(z->cfg.type);
	uint64_t v;
	int rc, bad;

	if ((rc = ct_parse(ct, &v, &b64, &b64len)) != 0)
		return rc;
	if (v == 0)
		v = 1;
	if (v > z->cfg.latest_version)
		return -ESC_ETOONEW;
	if (v < z->cfg.min_decryption_version || v < z->base)
		return -ESC_ETOOOLD;
	if (zone_b64_decode(raw, sizeof(raw), b64, b64len, &rawlen) != 0 ||
	    rawlen < nb + ZONE_TAG_BYTES ||
	    (mlen = rawlen - nb - ZONE_TAG_BYTES) > ZONE_PLAINTEXT_MAX)
		return -ESC_EMALFORMED;
	if (mlen > cap)
		return -ENOSPC;
	if (z->cfg.type == ZONE_CHACHA20_POLY1305)
		bad = crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL,
		    raw + nb, rawlen - nb, ad, adlen, raw,
		    version_key(z, (uint32_t)v));
	else
		bad = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
		    raw + nb, rawlen - nb, ad, adlen, raw,
		    version_key(z, (uint32_t)v));
	if (bad != 0)
		return -ESC_ECRYPTO;
	*len = mlen;
	*version = (uint32_t)v;
	return 0;
}

int
zone_encrypt(struct zones *zs, const char *name, uint32_t version,
    const uint8_t *pt, size_t len, const uint8_t *ad, size_t adlen, char *out,
    size_t cap, uint32_t *used)
{
	struct zone *z;
	int rc;

	*used = 0;
	if (out != NULL && cap > 0)
		out[0] = '\0';
	if (ad == NULL)
		adlen = 0;
	if (len > ZONE_PLAINTEXT_MAX || adlen > ZONE_AD_MAX ||
	    (pt == NULL && len > 0))
		return -EINVAL;
	if ((rc = zone_acquire(zs, name, ZONE_HOLD_READ_KEYS, &z)) != 0)
		return rc;
	rc = ct_seal(z, version, pt != NULL ? pt : nothing, len,
	    ad != NULL ? ad : nothing, adlen, out, cap, used);
	if (rc == 0)
		usage_add(z, *used, USE_ENCRYPT);
	zone_release(z);
	return rc;
}

int
zone_decrypt(struct zones *zs, const char *name, const char *ct,
    const uint8_t *ad, size_t adlen, uint8_t *pt, size_t cap, size_t *len,
    uint32_t *version)
{
	struct zone *z;
	int rc;

	*len = 0;
	*version = 0;
	if (ad == NULL)
		adlen = 0;
	if ((rc = zone_acquire(zs, name, ZONE_HOLD_READ_KEYS, &z)) == 0) {
		rc = ct_open(z, ct, ad != NULL ? ad : nothing, adlen, pt, cap,
		    len, version);
		if (rc == 0)
			usage_add(z, *version, USE_DECRYPT);
		zone_release(z);
	}
	if (rc != 0 && pt != NULL)
		sodium_memzero(pt, cap);
	return rc;
}

int
zone_rewrap(struct zones *zs, const char *name, const char *ct,
    const uint8_t *ad, size_t adlen, uint32_t version, char *out, size_t cap,
    uint32_t *used)
{
	uint8_t pt[ZONE_PLAINTEXT_MAX]; /* secret: the first len bytes */
	struct zone *z;
	size_t len = 0;
	uint32_t from;
	int rc;

	*used = 0;
	if (out != NULL && cap > 0)
		out[0] = '\0';
	if (ad == NULL)
		adlen = 0;
	if (adlen > ZONE_AD_MAX)
		return -EINVAL;
	if ((rc = zone_acquire(zs, name, ZONE_HOLD_READ_KEYS, &z)) != 0)
		return rc;
	ad = ad != NULL ? ad : nothing;
	if ((rc = ct_open(z, ct, ad, adlen, pt, sizeof(pt), &len, &from)) ==
	        0 &&
	    (rc = ct_seal(z, version, pt, len, ad, adlen, out, cap, used)) == 0)
		usage_add(z, from, USE_REWRAP);
	zone_release(z);
	sodium_memzero(pt, len);
	return rc;
}
