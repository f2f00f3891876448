/* SPDX-License-Identifier: ISC */
/*
 * A zone's stored records and its version keys at rest.  The codecs
 * decode strictly (exact length, known version byte and enum values, a
 * config that keeps every rule), so a damaged record is -ESC_ECORRUPT and
 * never a half-read value.  A version key is stored only encrypted under
 * the zone KEK of a keyring term, bound by its associated data to its zone
 * and version; it is decrypted only into a zone's sodium_malloc arena, and
 * every KEK is wiped as soon as the keys it opens or seals are done.
 */
#include "escrow/zone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/seal.h"
#include "escrow/zone_priv.h"

#define KEK_PURPOSE "zone-kek"

_Static_assert(ZONE_NONCE_MAX == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "a version key's nonce is XChaCha20-Poly1305's");
_Static_assert(ZONE_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "a version key's tag is Poly1305's");
_Static_assert(ZONE_KEK_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "the KEK is an XChaCha20-Poly1305 key");
_Static_assert(ZONE_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES &&
        ZONE_KEY_BYTES == crypto_aead_chacha20poly1305_ietf_KEYBYTES,
    "a version key is a key of either zone type");
_Static_assert(ZONE_VERSIONS_MAX <= SIZE_MAX / ZONE_KEY_BYTES,
    "every version key fits one arena");

void
zone_be32(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put64(uint8_t *p, uint64_t v)
{
	zone_be32(p, (uint32_t)(v >> 32));
	zone_be32(p + 4, (uint32_t)v);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ---- config -------------------------------------------------------- */

uint32_t
zone_cfg_base(const struct zone_config *c)
{
	return c->min_available_version > 1 ? c->min_available_version : 1;
}

bool
zone_config_valid(const struct zone_config *c)
{
	uint32_t latest = c->latest_version, dec = c->min_decryption_version;
	uint32_t enc = c->min_encryption_version;

	return zone_type_name(c->type) != NULL && latest >= 1 &&
	    latest <= ZONE_VERSIONS_MAX && dec >= 1 && dec <= latest &&
	    c->min_available_version <= dec &&
	    (enc == 0 || (enc >= dec && enc <= latest)) &&
	    (c->auto_rotate_period == 0 ||
	        c->auto_rotate_period >= ZONE_AUTO_ROTATE_MIN);
}

void
zone_config_encode(const struct zone_config *c, uint8_t *buf)
{
	buf[0] = ZONE_REC_VERSION;
	buf[1] = (uint8_t)c->type;
	zone_be32(buf + 2, c->latest_version);
	zone_be32(buf + 6, c->min_decryption_version);
	zone_be32(buf + 10, c->min_encryption_version);
	zone_be32(buf + 14, c->min_available_version);
	buf[18] = c->deletion_allowed ? 1 : 0;
	put64(buf + 19, c->auto_rotate_period);
	put64(buf + 27, c->created);
}

int
zone_config_decode(struct zone_config *c, const void *val, size_t len)
{
	const uint8_t *p = val;

	memset(c, 0, sizeof(*c));
	if (len != ZONE_CONFIG_BYTES || p[0] != ZONE_REC_VERSION || p[18] > 1)
		return -ESC_ECORRUPT;
	c->type = (enum zone_type)p[1];
	c->latest_version = get32(p + 2);
	c->min_decryption_version = get32(p + 6);
	c->min_encryption_version = get32(p + 10);
	c->min_available_version = get32(p + 14);
	c->deletion_allowed = p[18] == 1;
	c->auto_rotate_period = get64(p + 19);
	c->created = get64(p + 27);
	if (!zone_config_valid(c)) {
		memset(c, 0, sizeof(*c));
		return -ESC_ECORRUPT;
	}
	return 0;
}

int
zone_config_load(struct store_env *env, struct zone_config *c)
{
	struct store_txn *txn = NULL;
	const void *v;
	size_t vl;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = store_read_begin(env, &txn)) != 0)
		return rc;
	if ((rc = store_get(txn, "meta", "config", 6, &v, &vl)) == 0)
		rc = zone_config_decode(c, v, vl);
	store_txn_end(txn);
	return rc;
}

/* ---- versions and usage -------------------------------------------- */

void
zone_vrec_encode(const struct zone_vrec *r, uint8_t *buf)
{
	buf[0] = ZONE_REC_VERSION;
	put64(buf + 1, r->created);
	buf[9] = (uint8_t)r->state;
	zone_be32(buf + 10, r->term);
	memcpy(buf + 14, r->sealed, sizeof(r->sealed));
}

int
zone_vrec_decode(struct zone_vrec *r, const void *val, size_t len)
{
	const uint8_t *p = val;

	memset(r, 0, sizeof(*r));
	if (len != ZONE_VREC_BYTES || p[0] != ZONE_REC_VERSION ||
	    (p[9] != ZONE_VERSION_ACTIVE && p[9] != ZONE_VERSION_DECRYPT_ONLY))
		return -ESC_ECORRUPT;
	r->created = get64(p + 1);
	r->state = (enum zone_version_state)p[9];
	/* Term 0 would ask seal_derive for the current term. */
	if ((r->term = get32(p + 10)) == 0)
		return -ESC_ECORRUPT;
	memcpy(r->sealed, p + 14, sizeof(r->sealed));
	return 0;
}

void
zone_urec_encode(const struct zone_urec *r, uint8_t *buf)
{
	buf[0] = ZONE_REC_VERSION;
	put64(buf + 1, r->encrypts);
	put64(buf + 9, r->decrypts);
	put64(buf + 17, r->rewraps);
	put64(buf + 25, r->last_used);
}

int
zone_urec_decode(struct zone_urec *r, const void *val, size_t len)
{
	const uint8_t *p = val;

	memset(r, 0, sizeof(*r));
	if (len != ZONE_USAGE_BYTES || p[0] != ZONE_REC_VERSION)
		return -ESC_ECORRUPT;
	r->encrypts = get64(p + 1);
	r->decrypts = get64(p + 9);
	r->rewraps = get64(p + 17);
	r->last_used = get64(p + 25);
	return 0;
}

struct zone_usage *
zone_usage_new(uint32_t nver)
{
	struct zone_usage *u = malloc((size_t)nver * sizeof(*u));

	for (uint32_t i = 0; u != NULL && i < nver; i++) {
		atomic_init(&u[i].encrypts, 0);
		atomic_init(&u[i].decrypts, 0);
		atomic_init(&u[i].rewraps, 0);
		atomic_init(&u[i].last_used, 0);
	}
	return u;
}

/* ---- version keys -------------------------------------------------- */

/* "escrow-zone-key-v1" 0 zone 0 version(u32 BE); returns its length. */
static size_t
key_ad(uint8_t ad[static ZONE_KEY_AD_MAX], const char *name, uint32_t version)
{
	size_t o = sizeof(ZONE_KEY_AD), n = strlen(name);

	memcpy(ad, ZONE_KEY_AD, sizeof(ZONE_KEY_AD)); /* with its NUL */
	memcpy(ad + o, name, n);
	o += n;
	ad[o++] = 0;
	zone_be32(ad + o, version);
	return o + 4;
}

int
zone_vkey_seal(struct seal *s, const char *name, uint32_t version,
    uint64_t created, const uint8_t key[static ZONE_KEY_BYTES],
    struct zone_vrec *r)
{
	uint8_t kek[ZONE_KEK_BYTES]; /* secret */
	uint8_t ad[ZONE_KEY_AD_MAX];
	uint64_t installed;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = seal_keyring_status(s, &r->term, &installed)) != 0 ||
	    (rc = seal_derive(s, r->term, KEK_PURPOSE, name, kek)) != 0)
		goto out;
	r->created = created;
	r->state = ZONE_VERSION_ACTIVE;
	randombytes_buf(r->sealed, ZONE_NONCE_MAX);
	crypto_aead_xchacha20poly1305_ietf_encrypt(r->sealed + ZONE_NONCE_MAX,
	    NULL, key, ZONE_KEY_BYTES, ad, key_ad(ad, name, version), NULL,
	    r->sealed, kek);
out:
	sodium_memzero(kek, sizeof(kek));
	return rc;
}

/*
 * Open the key of version v into out.  kek holds the KEK of term *kterm
 * (0: none yet) and is re-derived only when the term changes, so a load
 * derives once per term, not once per version.  A term the keyring does
 * not have, or a key that does not open, means the record was made under
 * another keyring (a zone file copied from elsewhere) or was tampered with.
 */
static int
key_open(struct seal *s, struct store_txn *txn, const char *name, uint32_t v,
    uint8_t *out, uint8_t kek[static ZONE_KEK_BYTES], uint32_t *kterm)
{
	struct zone_vrec r;
	uint8_t k[4], ad[ZONE_KEY_AD_MAX];
	const void *val;
	size_t vl;
	int rc;

	zone_be32(k, v);
	if ((rc = store_get(txn, "versions", k, 4, &val, &vl)) != 0)
		return rc == -ENOENT ? -ESC_ECORRUPT : rc;
	if ((rc = zone_vrec_decode(&r, val, vl)) != 0)
		return rc;
	if (r.term != *kterm) {
		*kterm = 0;
		rc = seal_derive(s, r.term, KEK_PURPOSE, name, kek);
		if (rc == -ENOENT)
			return -ESC_ECORRUPT;
		if (rc != 0)
			return rc == -ESC_EUNINIT ? -ESC_ESEALED : rc;
		*kterm = r.term;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	        r.sealed + ZONE_NONCE_MAX, ZONE_KEY_BYTES + ZONE_TAG_BYTES, ad,
	        key_ad(ad, name, v), r.sealed, kek) != 0)
		return -ESC_ECORRUPT;
	return 0;
}

int
zone_keys_load(struct seal *s, struct zone *z)
{
	struct store_txn *txn = NULL;
	uint8_t kek[ZONE_KEK_BYTES]; /* secret */
	uint8_t *keys;               /* secret */
	uint32_t kterm = 0;
	int rc;

	if ((keys = sodium_allocarray(z->nver, ZONE_KEY_BYTES)) == NULL)
		return -ENOMEM;
	if ((rc = store_read_begin(z->env, &txn)) != 0)
		goto out;
	for (uint32_t i = 0; i < z->nver && rc == 0; i++)
		rc = key_open(s, txn, z->name, z->base + i,
		    keys + (size_t)i * ZONE_KEY_BYTES, kek, &kterm);
out:
	store_txn_end(txn);
	sodium_memzero(kek, sizeof(kek));
	if (rc != 0) {
		sodium_free(keys);
		return rc;
	}
	sodium_mprotect_readonly(keys);
	z->keys = keys;
	return 0;
}
