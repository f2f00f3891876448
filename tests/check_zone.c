/* SPDX-License-Identifier: ISC */
/*
 * zone: every documented error; round trips for both types over every
 * size class, with and without associated data; that a ciphertext opens
 * nowhere else (another zone, other ad, any one byte changed); the exact
 * ciphertext layout; Vault's version rules and texts; rotate, config,
 * trim and delete; sealing; usage counters across flushes and reopens;
 * and at rest, that a zone file alone is useless and that no store file
 * holds a version key or a plaintext.  Each test runs in its own data
 * directory, initialised in plaintext mode 2-of-3 and unsealed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "escrow/seal.h"
#include "escrow/store.h"
#include "escrow/zone.h"
#include "escrow/zone_priv.h"
#include "tests/fixture.h"
#include "tests/suites.h"

#define T0      1000000u
#define CT_MAX  ZONE_CIPHERTEXT_MAX
#define TOO_NEW "invalid ciphertext: version is too new"
#define TOO_OLD                                                                \
	"ciphertext or signature version is disallowed by policy (too old)"

static char dir[4096];
static struct store *st;
static struct seal *sl;
static struct zones *zs;
static uint8_t *plain; /* secret: the three plaintext shares */
static char ct[CT_MAX], ct2[CT_MAX], ct3[CT_MAX];
static uint8_t pt[ZONE_PLAINTEXT_MAX + 1], out[ZONE_PLAINTEXT_MAX + 1];

static void
unseal(struct seal *s, const uint8_t *shares)
{
	char who[CUSTODIAN_NAME_MAX + 1];
	struct seal_progress pr;

	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(seal_submit_plaintext(s,
		                     CUSTODIAN_PURPOSE_UNSEAL, T0, NULL,
		                     shares + i * SEAL_SHARE_BYTES,
		                     SEAL_SHARE_BYTES, who, &pr),
		    0);
	ck_assert(pr.complete);
}

/* A store, an initialised and unsealed seal domain, and a registry. */
static void
domain_open(const char *d, struct store **stp, struct seal **sp,
    struct zones **zp, uint8_t *shares)
{
	struct seal_config c = { .attempt_ttl = 600, .allow_plaintext = true };
	char token[SEAL_TOKEN_MAX + 1];

	ck_assert_int_eq(store_open(stp, d, NULL), 0);
	ck_assert_int_eq(seal_open(sp, *stp, &c), 0);
	ck_assert_int_eq(seal_init(*sp, T0, 2, 3, NULL, shares, token), 0);
	unseal(*sp, shares);
	ck_assert_int_eq(zones_open(zp, *stp, *sp), 0);
	sodium_memzero(token, sizeof(token));
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", fixture_tmpdir());
	ck_assert_ptr_nonnull(plain = sodium_allocarray(3, SEAL_SHARE_BYTES));
	domain_open(dir, &st, &sl, &zs, plain);
	randombytes_buf(pt, sizeof(pt));
}

static void
teardown(void)
{
	zones_close(zs);
	zs = NULL;
	seal_close(sl);
	sl = NULL;
	store_close(st);
	st = NULL;
	sodium_free(plain);
	fixture_rmtree(dir);
}

static void
reopen_zones(void)
{
	zones_close(zs);
	ck_assert_int_eq(zones_open(&zs, st, sl), 0);
}

static void
seal_all(void)
{
	ck_assert_int_eq(seal_seal(sl), 0);
	zones_wipe(zs);
}

static int
enc(const char *name, uint32_t v, size_t len, const char *ad, char *to,
    uint32_t *used)
{
	return zone_encrypt(zs, name, v, pt, len, (const uint8_t *)ad,
	    ad != NULL ? strlen(ad) : 0, to, CT_MAX, used);
}

static int
dec(const char *name, const char *c, const char *ad, size_t *len, uint32_t *v)
{
	return zone_decrypt(zs, name, c, (const uint8_t *)ad,
	    ad != NULL ? strlen(ad) : 0, out, sizeof(out), len, v);
}

/* Decrypt c and check that it gives the first `len` bytes of pt. */
static void
check_dec(const char *name, const char *c, const char *ad, size_t len,
    uint32_t version)
{
	size_t got;
	uint32_t v;

	ck_assert_int_eq(dec(name, c, ad, &got, &v), 0);
	ck_assert_uint_eq(got, len);
	ck_assert_uint_eq(v, version);
	ck_assert(len == 0 || memcmp(out, pt, len) == 0);
}

static void
create(const char *name, enum zone_type t)
{
	ck_assert_int_eq(zone_create(zs, name, t, T0), 0);
}

static void
rotate_to(const char *name, uint32_t latest)
{
	struct zone_config c;

	ck_assert_int_eq(zone_read(zs, name, &c, NULL, NULL), 0);
	for (uint32_t v = c.latest_version; v < latest; v++)
		ck_assert_int_eq(zone_rotate(zs, name, T0 + v), 0);
}

static struct zone_config
config_of(const char *name)
{
	struct zone_config c;

	ck_assert_int_eq(zone_read(zs, name, &c, NULL, NULL), 0);
	return c;
}

/* The config of `name` equals *c, field by field. */
static void
cfg_check(const struct zone_config *c, const char *name)
{
	struct zone_config now = config_of(name);

	ck_assert_int_eq(now.type, c->type);
	ck_assert_uint_eq(now.latest_version, c->latest_version);
	ck_assert_uint_eq(now.min_decryption_version,
	    c->min_decryption_version);
	ck_assert_uint_eq(now.min_encryption_version,
	    c->min_encryption_version);
	ck_assert_uint_eq(now.min_available_version, c->min_available_version);
	ck_assert_int_eq(now.deletion_allowed, c->deletion_allowed);
	ck_assert_uint_eq(now.auto_rotate_period, c->auto_rotate_period);
	ck_assert_uint_eq(now.created, c->created);
}

static void
set_min(const char *name, uint32_t dec_v, uint32_t enc_v)
{
	struct zone_config_change ch = { .has_min_decryption_version = true,
		.has_min_encryption_version = true,
		.min_decryption_version = dec_v,
		.min_encryption_version = enc_v };

	ck_assert_int_eq(zone_config_set(zs, name, &ch), 0);
}

static void
allow_delete(const char *name)
{
	struct zone_config_change ch = { .has_deletion_allowed = true,
		.deletion_allowed = true };

	ck_assert_int_eq(zone_config_set(zs, name, &ch), 0);
}

/* ---- direct store access ------------------------------------------- */

struct raw {
	const char *table;
	uint8_t key[8];
	size_t klen;
	const void *val; /* NULL: delete */
	size_t vlen;
};

static int
raw_fn(struct store_txn *txn, void *arg)
{
	const struct raw *r = arg;

	if (r->val == NULL)
		return store_del(txn, r->table, r->key, r->klen);
	return store_put(txn, r->table, r->key, r->klen, r->val, r->vlen);
}

static struct store_env *
env_of(const char *name)
{
	struct store_env *env;

	ck_assert_int_eq(store_zone_open(st, name, false, &env), 0);
	return env;
}

static void
put_config(const char *name, const void *val, size_t len)
{
	struct raw r = { "meta", "config", 6, val, len };

	ck_assert_int_eq(store_write(env_of(name), raw_fn, &r), 0);
}

static void
put_version(const char *name, uint32_t v, const void *val, size_t len)
{
	struct raw r = { "versions", { 0 }, 4, val, len };

	zone_be32(r.key, v);
	ck_assert_int_eq(store_write(env_of(name), raw_fn, &r), 0);
}

/* Copy of record `v` of `table` into buf; returns -ENOENT if absent. */
static int
get_record(const char *name, const char *table, uint32_t v, uint8_t *buf,
    size_t cap, size_t *len)
{
	struct store_txn *txn;
	const void *val;
	uint8_t k[4];
	int rc;

	zone_be32(k, v);
	ck_assert_int_eq(store_read_begin(env_of(name), &txn), 0);
	if ((rc = store_get(txn, table, k, 4, &val, len)) == 0) {
		ck_assert_uint_le(*len, cap);
		memcpy(buf, val, *len);
	}
	store_txn_end(txn);
	return rc;
}

/*
 * Open version v's stored key the way zone.h documents it: XChaCha20-
 * Poly1305 under seal_derive(term, "zone-kek", zone), AD "escrow-zone-
 * key-v1" 0 zone 0 version.
 */
static void
stored_key(const char *name, uint32_t v, uint8_t key[ZONE_KEY_BYTES],
    uint8_t kek[32])
{
	uint8_t rec[ZONE_VREC_BYTES], ad[128];
	size_t len, adlen, n = strlen(name);
	uint32_t term;

	ck_assert_int_eq(
	    get_record(name, "versions", v, rec, sizeof(rec), &len), 0);
	ck_assert_uint_eq(len, ZONE_VREC_BYTES);
	term = (uint32_t)rec[10] << 24 | (uint32_t)rec[11] << 16 |
	    (uint32_t)rec[12] << 8 | rec[13];
	ck_assert_int_eq(seal_derive(sl, term, "zone-kek", name, kek), 0);
	memcpy(ad, "escrow-zone-key-v1", 19);
	memcpy(ad + 19, name, n);
	ad[19 + n] = 0;
	zone_be32(ad + 20 + n, v);
	adlen = 24 + n;
	ck_assert_int_eq(crypto_aead_xchacha20poly1305_ietf_decrypt(key, NULL,
	                     NULL, rec + 14 + 24, 48, ad, adlen, rec + 14, kek),
	    0);
}

/* ---- type ---------------------------------------------------------- */

START_TEST(test_zone_type_name_and_parse)
{
	ck_assert_str_eq(zone_type_name(ZONE_XCHACHA20_POLY1305),
	    "xchacha20-poly1305");
	ck_assert_str_eq(zone_type_name(ZONE_CHACHA20_POLY1305),
	    "chacha20-poly1305");
	ck_assert_ptr_null(zone_type_name(0));
	ck_assert_ptr_null(zone_type_name(3));
	ck_assert_int_eq(zone_type_parse("xchacha20-poly1305"),
	    ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(zone_type_parse("chacha20-poly1305"),
	    ZONE_CHACHA20_POLY1305);
	ck_assert_int_eq(zone_type_parse("aes256-gcm96"), 0);
	ck_assert_int_eq(zone_type_parse(""), 0);
	ck_assert_int_eq(zone_type_parse(NULL), 0);
}
END_TEST

/* ---- create -------------------------------------------------------- */

static int
version_list(void *arg, const struct zone_version_info *v)
{
	struct zone_version_info *vs = arg;

	ck_assert_uint_ge(v->version, 1);
	ck_assert_uint_le(v->version, 8);
	vs[v->version - 1] = *v;
	return 0;
}

START_TEST(test_zone_create_defaults)
{
	struct zone_version_info vs[8] = { 0 };
	struct zone_config c;

	create("tx", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(zone_read(zs, "tx", &c, version_list, vs), 0);
	ck_assert_int_eq(c.type, ZONE_XCHACHA20_POLY1305);
	ck_assert_uint_eq(c.latest_version, 1);
	ck_assert_uint_eq(c.min_decryption_version, 1);
	ck_assert_uint_eq(c.min_encryption_version, 0);
	ck_assert_uint_eq(c.min_available_version, 0);
	ck_assert(!c.deletion_allowed);
	ck_assert_uint_eq(c.auto_rotate_period, 0);
	ck_assert_uint_eq(c.created, T0);
	ck_assert_uint_eq(vs[0].version, 1);
	ck_assert_uint_eq(vs[0].created, T0);
	ck_assert_int_eq(vs[0].state, ZONE_VERSION_ACTIVE);
	ck_assert_uint_eq(vs[0].encrypts + vs[0].decrypts + vs[0].rewraps, 0);
	ck_assert_uint_eq(vs[1].version, 0);
	create("cc", ZONE_CHACHA20_POLY1305);
	ck_assert_int_eq(config_of("cc").type, ZONE_CHACHA20_POLY1305);
}
END_TEST

START_TEST(test_zone_create_refuses_bad_name_or_type)
{
	char longname[STORE_ZONE_NAME_MAX + 2];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(zone_create(zs, "", ZONE_CHACHA20_POLY1305, T0),
	    -EINVAL);
	ck_assert_int_eq(zone_create(zs, "-x", ZONE_CHACHA20_POLY1305, T0),
	    -EINVAL);
	ck_assert_int_eq(zone_create(zs, "Tx", ZONE_CHACHA20_POLY1305, T0),
	    -EINVAL);
	ck_assert_int_eq(zone_create(zs, "../x", ZONE_CHACHA20_POLY1305, T0),
	    -EINVAL);
	ck_assert_int_eq(zone_create(zs, longname, ZONE_CHACHA20_POLY1305, T0),
	    -EINVAL);
	ck_assert_int_eq(zone_create(zs, "tx", 0, T0), -EINVAL);
	ck_assert_int_eq(zone_create(zs, "tx", 3, T0), -EINVAL);
	longname[STORE_ZONE_NAME_MAX] = '\0';
	create(longname, ZONE_CHACHA20_POLY1305);
}
END_TEST

START_TEST(test_zone_create_eexist)
{
	create("tx", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("tx", 0, 10, NULL, ct, &(uint32_t){ 0 }), 0);
	ck_assert_int_eq(zone_create(zs, "tx", ZONE_CHACHA20_POLY1305, T0 + 1),
	    -EEXIST);
	/* The zone is untouched: same type, same key. */
	ck_assert_int_eq(config_of("tx").type, ZONE_XCHACHA20_POLY1305);
	reopen_zones();
	check_dec("tx", ct, NULL, 10, 1);
}
END_TEST

static int
count_zones(void *arg, const char *name)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_zone_create_euninit)
{
	char d2[4096];
	struct store *st2;
	struct seal *s2;
	struct zones *z2;
	int n = 0;

	snprintf(d2, sizeof(d2), "%s", fixture_tmpdir());
	ck_assert_int_eq(store_open(&st2, d2, NULL), 0);
	ck_assert_int_eq(seal_open(&s2, st2, NULL), 0);
	ck_assert_int_eq(zones_open(&z2, st2, s2), 0);
	ck_assert_int_eq(zone_create(z2, "tx", ZONE_XCHACHA20_POLY1305, T0),
	    -ESC_EUNINIT);
	ck_assert_int_eq(zone_foreach(z2, count_zones, &n), 0);
	ck_assert_int_eq(n, 0);
	zones_close(z2);
	seal_close(s2);
	store_close(st2);
	fixture_rmtree(d2);
}
END_TEST

/* ---- encrypt and decrypt ------------------------------------------- */

static const size_t sizes[] = { 0, 1, 2, 3, 4, 15, 16, 17, 31, 32, 33, 63, 64,
	65, 100, 255, 256, 1000, 1024, 4095, 4096, 10000,
	ZONE_PLAINTEXT_MAX - 1, ZONE_PLAINTEXT_MAX };

START_TEST(test_zone_encrypt_round_trip_every_size)
{
	static const char *const names[] = { "x", "c" };
	uint32_t used;

	create("x", ZONE_XCHACHA20_POLY1305);
	create("c", ZONE_CHACHA20_POLY1305);
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			ck_assert_int_eq(
			    enc(names[t], 0, sizes[i], NULL, ct, &used), 0);
			ck_assert_uint_eq(used, 1);
			ck_assert_uint_lt(strlen(ct), CT_MAX);
			check_dec(names[t], ct, NULL, sizes[i], 1);
			ck_assert_int_eq(enc(names[t], 1, sizes[i],
			                     "row 17 of accounts", ct, &used),
			    0);
			check_dec(names[t], ct, "row 17 of accounts", sizes[i],
			    1);
		}
}
END_TEST

/* The raw bytes after "vault:v1:" of a ciphertext, and their length. */
static size_t
raw_of(const char *c, uint8_t *raw, size_t cap)
{
	const char *b64 = c + strlen("vault:v1:");
	size_t len;

	ck_assert(strncmp(c, "vault:v1:", 9) == 0);
	ck_assert_int_eq(sodium_base642bin(raw, cap, b64, strlen(b64), NULL,
	                     &len, NULL, sodium_base64_VARIANT_ORIGINAL),
	    0);
	return len;
}

START_TEST(test_zone_encrypt_layout)
{
	static uint8_t raw[ZONE_RAW_MAX];
	uint8_t key[ZONE_KEY_BYTES], kek[32];
	uint32_t used;
	size_t len;

	create("x", ZONE_XCHACHA20_POLY1305);
	create("c", ZONE_CHACHA20_POLY1305);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_int_eq(enc("x", 0, sizes[i], "ad", ct, &used), 0);
		ck_assert_uint_eq(raw_of(ct, raw, sizeof(raw)),
		    24 + sizes[i] + 16);
		ck_assert_int_eq(enc("c", 0, sizes[i], "ad", ct, &used), 0);
		ck_assert_uint_eq(raw_of(ct, raw, sizeof(raw)),
		    12 + sizes[i] + 16);
	}
	/* Vault's chacha20-poly1305: 12-byte nonce, then the IETF AEAD;
	 * xchacha20-poly1305: 24-byte nonce. */
	stored_key("c", 1, key, kek);
	ck_assert_int_eq(enc("c", 0, 40, "ad", ct, &used), 0);
	len = raw_of(ct, raw, sizeof(raw));
	ck_assert_int_eq(crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL,
	                     NULL, raw + 12, len - 12, (const uint8_t *)"ad", 2,
	                     raw, key),
	    0);
	ck_assert_mem_eq(out, pt, 40);
	stored_key("x", 1, key, kek);
	ck_assert_int_eq(enc("x", 0, 40, "ad", ct, &used), 0);
	len = raw_of(ct, raw, sizeof(raw));
	ck_assert_int_eq(crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL,
	                     NULL, raw + 24, len - 24, (const uint8_t *)"ad", 2,
	                     raw, key),
	    0);
	ck_assert_mem_eq(out, pt, 40);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(kek, sizeof(kek));
	/* A fresh nonce each time. */
	ck_assert_int_eq(enc("x", 0, 16, NULL, ct, &used), 0);
	ck_assert_int_eq(enc("x", 0, 16, NULL, ct2, &used), 0);
	ck_assert_str_ne(ct, ct2);
}
END_TEST

START_TEST(test_zone_encrypt_refuses_bad_arguments)
{
	uint8_t ad[ZONE_AD_MAX + 1] = { 0 };
	uint32_t used = 7;
	size_t need;

	create("x", ZONE_XCHACHA20_POLY1305);
	rotate_to("x", 3);
	ct[0] = 'z';
	ck_assert_int_eq(zone_encrypt(zs, "x", 0, pt, ZONE_PLAINTEXT_MAX + 1,
	                     NULL, 0, ct, CT_MAX, &used),
	    -EINVAL);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(ct[0], '\0');
	ck_assert_int_eq(zone_encrypt(zs, "x", 0, pt, 1, ad, ZONE_AD_MAX + 1,
	                     ct, CT_MAX, &used),
	    -EINVAL);
	ck_assert_int_eq(
	    zone_encrypt(zs, "x", 0, pt, 1, ad, ZONE_AD_MAX, ct, CT_MAX, &used),
	    0);
	ck_assert_int_eq(
	    zone_encrypt(zs, "x", 0, NULL, 1, NULL, 0, ct, CT_MAX, &used),
	    -EINVAL);
	ck_assert_int_eq(
	    zone_encrypt(zs, "x", 0, NULL, 0, NULL, 0, ct, CT_MAX, &used), 0);
	ck_assert_int_eq(enc("x", 4, 1, NULL, ct, &used), -EINVAL);
	set_min("x", 2, 3);
	ck_assert_int_eq(enc("x", 2, 1, NULL, ct, &used), -EINVAL);
	ck_assert_int_eq(enc("x", 1, 1, NULL, ct, &used), -EINVAL);
	ck_assert_int_eq(enc("x", 3, 1, NULL, ct, &used), 0);
	set_min("x", 2, 0);
	ck_assert_int_eq(enc("x", 2, 1, NULL, ct, &used), 0);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(enc("x", 1, 1, NULL, ct, &used), -EINVAL);
	/* cap: exactly enough works, one less is -ENOSPC. */
	need = strlen("vault:v3:") +
	    sodium_base64_ENCODED_LEN(24 + 100 + 16,
	        sodium_base64_VARIANT_ORIGINAL);
	ck_assert_int_eq(
	    zone_encrypt(zs, "x", 0, pt, 100, NULL, 0, ct, need - 1, &used),
	    -ENOSPC);
	ck_assert_int_eq(ct[0], '\0');
	ck_assert_int_eq(
	    zone_encrypt(zs, "x", 0, pt, 100, NULL, 0, ct, need, &used), 0);
	ck_assert_uint_eq(strlen(ct), need - 1);
	ck_assert_int_eq(
	    zone_encrypt(zs, "x", 0, pt, 1, NULL, 0, NULL, 0, &used), -ENOSPC);
	ck_assert_int_eq(enc("nope", 0, 1, NULL, ct, &used), -ENOENT);
	ck_assert_int_eq(enc("No/pe", 0, 1, NULL, ct, &used), -ENOENT);
}
END_TEST

START_TEST(test_zone_encrypt_longest_fits_ciphertext_max)
{
	uint32_t used;

	create("x", ZONE_XCHACHA20_POLY1305);
	create("c", ZONE_CHACHA20_POLY1305);
	rotate_to("x", 10);
	ck_assert_int_eq(zone_encrypt(zs, "x", 0, pt, ZONE_PLAINTEXT_MAX, pt,
	                     ZONE_AD_MAX, ct, ZONE_CIPHERTEXT_MAX, &used),
	    0);
	ck_assert_uint_lt(strlen(ct), ZONE_CIPHERTEXT_MAX);
	ck_assert_int_eq(zone_encrypt(zs, "c", 0, pt, ZONE_PLAINTEXT_MAX, pt,
	                     ZONE_AD_MAX, ct, ZONE_CIPHERTEXT_MAX, &used),
	    0);
	ck_assert_uint_lt(strlen(ct), ZONE_CIPHERTEXT_MAX);
}
END_TEST

START_TEST(test_zone_decrypt_fails_elsewhere)
{
	size_t len;
	uint32_t v;

	create("a", ZONE_XCHACHA20_POLY1305);
	create("b", ZONE_XCHACHA20_POLY1305);
	create("ca", ZONE_CHACHA20_POLY1305);
	create("cb", ZONE_CHACHA20_POLY1305);
	ck_assert_int_eq(enc("a", 0, 64, "ctx", ct, &v), 0);
	ck_assert_int_eq(enc("ca", 0, 64, "ctx", ct2, &v), 0);
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(dec("b", ct, "ctx", &len, &v), -ESC_ECRYPTO);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(dec("cb", ct2, "ctx", &len, &v), -ESC_ECRYPTO);
	/* Same key, other associated data, or none. */
	ck_assert_int_eq(dec("a", ct, "ctY", &len, &v), -ESC_ECRYPTO);
	ck_assert_int_eq(dec("a", ct, NULL, &len, &v), -ESC_ECRYPTO);
	ck_assert_int_eq(dec("ca", ct2, "ct", &len, &v), -ESC_ECRYPTO);
	ck_assert_int_eq(dec("ca", ct2, NULL, &len, &v), -ESC_ECRYPTO);
	ck_assert_int_eq(enc("a", 0, 64, NULL, ct, &v), 0);
	ck_assert_int_eq(dec("a", ct, "x", &len, &v), -ESC_ECRYPTO);
	/* Another type's ciphertext: the nonce length differs. */
	ck_assert_int_eq(dec("ca", ct, NULL, &len, &v), -ESC_ECRYPTO);
	check_dec("a", ct, NULL, 64, 1);
}
END_TEST

/* Every single-byte change of c must fail to decrypt. */
static void
tamper_each_byte(const char *name, const char *c)
{
	static const char subs[] = "0129AZaz+/=:v\x01\xff";
	size_t n = strlen(c), len;
	uint32_t v;
	int rc;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sizeof(subs) - 1; j++) {
			if (c[i] == subs[j])
				continue;
			memcpy(ct2, c, n + 1);
			ct2[i] = subs[j];
			rc = dec(name, ct2, "ad", &len, &v);
			ck_assert_msg(rc != 0, "byte %zu to %02x decrypts", i,
			    (unsigned char)subs[j]);
		}
	/* Dropping or adding a byte too. */
	memcpy(ct2, c, n + 1);
	ct2[n - 1] = '\0';
	ck_assert_int_ne(dec(name, ct2, "ad", &len, &v), 0);
	memcpy(ct2, c, n);
	memcpy(ct2 + n, "AAAA", 5);
	ck_assert_int_ne(dec(name, ct2, "ad", &len, &v), 0);
}

START_TEST(test_zone_decrypt_any_byte_change_fails)
{
	uint32_t v;

	/* Version 2: "v0" would read as version 1 and decrypt. */
	create("x", ZONE_XCHACHA20_POLY1305);
	create("c", ZONE_CHACHA20_POLY1305);
	rotate_to("x", 2);
	rotate_to("c", 2);
	ck_assert_int_eq(enc("x", 0, 20, "ad", ct, &v), 0);
	ck_assert_uint_eq(v, 2);
	tamper_each_byte("x", ct);
	ck_assert_int_eq(enc("c", 0, 20, "ad", ct, &v), 0);
	tamper_each_byte("c", ct);
	check_dec("c", ct, "ad", 20, 2);
}
END_TEST

START_TEST(test_zone_decrypt_malformed)
{
	static const char *const bad[] = { "", "vault", "vault:", "vault:v",
		"vault:v:", "vault:v1", "vault:v1:", "vault:vx:AAAA",
		"vault:v+1:AAAA", "vault:v-1:AAAA", "vault:v 1:AAAA",
		"Vault:v1:AAAA", "vault:1:AAAA", "xvault:v1:AAAA",
		"vault:v1:!!!!", "vault:v1:AAAA", /* too short */
		"vault:v1234567890123456789:AAAA" };
	static char big[CT_MAX + 64];
	size_t len, n;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(dec("x", bad[i], NULL, &len, &v) ==
		        -ESC_EMALFORMED,
		    "\"%s\" is not -ESC_EMALFORMED", bad[i]);
	ck_assert_int_eq(
	    zone_decrypt(zs, "x", NULL, NULL, 0, out, sizeof(out), &len, &v),
	    -ESC_EMALFORMED);
	/* Unpadded, or with whitespace: strict base64 only. */
	ck_assert_int_eq(enc("x", 0, 22, NULL, ct, &v), 0);
	n = strlen(ct);
	ck_assert_int_eq(ct[n - 1], '=');
	memcpy(ct2, ct, n + 1);
	ct2[n - 1] = '\0';
	ck_assert_int_eq(dec("x", ct2, NULL, &len, &v), -ESC_EMALFORMED);
	memcpy(ct2, ct, n);
	memcpy(ct2 + n, "\n", 2);
	ck_assert_int_eq(dec("x", ct2, NULL, &len, &v), -ESC_EMALFORMED);
	/* libsodium alone would read a byte >= 0x80 as '/'. */
	do
		ck_assert_int_eq(enc("x", 0, 60, NULL, ct, &v), 0);
	while (strchr(ct + 9, '/') == NULL);
	check_dec("x", ct, NULL, 60, 1);
	*strchr(ct + 9, '/') = (char)0x80;
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), -ESC_EMALFORMED);
	/* Longer than any ciphertext. */
	memcpy(big, "vault:v1:", 9);
	memset(big + 9, 'A', sizeof(big) - 10);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(dec("x", big, NULL, &len, &v), -ESC_EMALFORMED);
	/* Well-formed, but one byte longer than any chacha20 ciphertext. */
	{
		static uint8_t raw[ZONE_RAW_MAX];
		size_t rawlen = 12 + ZONE_PLAINTEXT_MAX + 1 + 16;

		create("c", ZONE_CHACHA20_POLY1305);
		memset(raw, 0, sizeof(raw));
		memcpy(big, "vault:v1:", 9);
		sodium_bin2base64(big + 9, sizeof(big) - 9, raw, rawlen,
		    sodium_base64_VARIANT_ORIGINAL);
		ck_assert_int_eq(dec("c", big, NULL, &len, &v),
		    -ESC_EMALFORMED);
	}
	ck_assert_int_eq(dec("nope", ct, NULL, &len, &v), -ENOENT);
}
END_TEST

START_TEST(test_zone_decrypt_enospc)
{
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 100, NULL, ct, &v), 0);
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(zone_decrypt(zs, "x", ct, NULL, 0, out, 99, &len, &v),
	    -ENOSPC);
	ck_assert(sodium_is_zero(out, 99));
	ck_assert_int_eq(out[99], 0xaa); /* zeroed up to cap, no further */
	ck_assert_int_eq(zone_decrypt(zs, "x", ct, NULL, 0, out, 100, &len, &v),
	    0);
	ck_assert_uint_eq(len, 100);
	ck_assert_int_eq(enc("x", 0, 0, NULL, ct, &v), 0);
	ck_assert_int_eq(zone_decrypt(zs, "x", ct, NULL, 0, NULL, 0, &len, &v),
	    0);
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* Replace the version of "vault:v<N>:..." c with `v` into to. */
static void
reversion(const char *c, const char *v, char *to)
{
	ck_assert_ptr_ne(c, to);
	const char *rest = strchr(c + 7, ':');

	snprintf(to, CT_MAX, "vault:v%s%s", v, rest);
}

START_TEST(test_zone_decrypt_version_rules)
{
	size_t len;
	uint32_t v;
	int rc;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 30, NULL, ct, &v), 0);
	reversion(ct, "0", ct2); /* version 0 reads as 1 */
	check_dec("x", ct2, NULL, 30, 1);
	reversion(ct, "001", ct2);
	check_dec("x", ct2, NULL, 30, 1);
	reversion(ct, "2", ct2);
	ck_assert_int_eq(rc = dec("x", ct2, NULL, &len, &v), -ESC_ETOONEW);
	ck_assert_str_eq(err_str(rc), TOO_NEW);
	reversion(ct, "99999999999", ct2);
	ck_assert_int_eq(dec("x", ct2, NULL, &len, &v), -ESC_ETOONEW);
	/* The version is checked before the base64, as Vault does. */
	ck_assert_int_eq(dec("x", "vault:v2:!", NULL, &len, &v), -ESC_ETOONEW);
	rotate_to("x", 3);
	ck_assert_int_eq(enc("x", 0, 30, NULL, ct2, &v), 0);
	ck_assert_uint_eq(v, 3);
	set_min("x", 2, 0);
	ck_assert_int_eq(rc = dec("x", ct, NULL, &len, &v), -ESC_ETOOOLD);
	ck_assert_str_eq(err_str(rc), TOO_OLD);
	reversion(ct, "0", ct3);
	ck_assert_int_eq(dec("x", ct3, NULL, &len, &v), -ESC_ETOOOLD);
	ck_assert_int_eq(dec("x", "vault:v1:!", NULL, &len, &v), -ESC_ETOOOLD);
	check_dec("x", ct2, NULL, 30, 3);
	/* Lowering it again lets version 1 decrypt. */
	set_min("x", 1, 0);
	check_dec("x", ct, NULL, 30, 1);
	check_dec("x", ct3, NULL, 30, 1);
}
END_TEST

/* ---- rewrap -------------------------------------------------------- */

START_TEST(test_zone_rewrap_moves_versions)
{
	uint8_t ad[ZONE_AD_MAX + 1] = { 0 };
	char *nowhere = ct2;
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	create("y", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 50, "ad", ct, &v), 0);
	rotate_to("x", 3);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, (const uint8_t *)"ad", 2, 0,
	                     ct2, CT_MAX, &v),
	    0);
	ck_assert_uint_eq(v, 3);
	ck_assert(strncmp(ct2, "vault:v3:", 9) == 0);
	check_dec("x", ct2, "ad", 50, 3);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct2, (const uint8_t *)"ad", 2, 2,
	                     ct3, CT_MAX, &v),
	    0);
	ck_assert_uint_eq(v, 2);
	check_dec("x", ct3, "ad", 50, 2);
	/* The errors of both halves. */
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, (const uint8_t *)"ax", 2, 0,
	                     nowhere, CT_MAX, &v),
	    -ESC_ECRYPTO);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(nowhere[0], '\0');
	ck_assert_int_eq(zone_rewrap(zs, "y", ct, (const uint8_t *)"ad", 2, 0,
	                     nowhere, CT_MAX, &v),
	    -ESC_ECRYPTO);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, (const uint8_t *)"ad", 2, 4,
	                     nowhere, CT_MAX, &v),
	    -EINVAL);
	ck_assert_int_eq(
	    zone_rewrap(zs, "x", ct, ad, sizeof(ad), 0, nowhere, CT_MAX, &v),
	    -EINVAL);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, (const uint8_t *)"ad", 2, 0,
	                     nowhere, 20, &v),
	    -ENOSPC);
	ck_assert_int_eq(
	    zone_rewrap(zs, "x", "vault:v", NULL, 0, 0, nowhere, CT_MAX, &v),
	    -ESC_EMALFORMED);
	ck_assert_int_eq(zone_rewrap(zs, "x", "vault:v9:AAAA", NULL, 0, 0,
	                     nowhere, CT_MAX, &v),
	    -ESC_ETOONEW);
	ck_assert_int_eq(
	    zone_rewrap(zs, "nope", ct, NULL, 0, 0, nowhere, CT_MAX, &v),
	    -ENOENT);
	set_min("x", 2, 0);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, (const uint8_t *)"ad", 2, 0,
	                     nowhere, CT_MAX, &v),
	    -ESC_ETOOOLD);
	ck_assert_int_eq(dec("x", ct, "ad", &len, &v), -ESC_ETOOOLD);
}
END_TEST

/* ---- rotate -------------------------------------------------------- */

START_TEST(test_zone_rotate_then_decrypt_old_and_new)
{
	struct zone_version_info vs[8] = { 0 };
	struct zone_config c;
	uint32_t v;

	create("x", ZONE_CHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 40, NULL, ct, &v), 0);
	ck_assert_int_eq(zone_rotate(zs, "x", T0 + 5), 0);
	ck_assert_int_eq(enc("x", 0, 41, NULL, ct2, &v), 0);
	ck_assert_uint_eq(v, 2);
	check_dec("x", ct, NULL, 40, 1);
	check_dec("x", ct2, NULL, 41, 2);
	ck_assert_int_eq(zone_read(zs, "x", &c, version_list, vs), 0);
	ck_assert_uint_eq(c.latest_version, 2);
	ck_assert_int_eq(vs[0].state, ZONE_VERSION_DECRYPT_ONLY);
	ck_assert_int_eq(vs[1].state, ZONE_VERSION_ACTIVE);
	ck_assert_uint_eq(vs[1].created, T0 + 5);
	/* min_encryption_version 0: an older version may still encrypt. */
	ck_assert_int_eq(enc("x", 1, 42, NULL, ct, &v), 0);
	ck_assert_uint_eq(v, 1);
	/* From the store alone, after the cache is gone. */
	reopen_zones();
	check_dec("x", ct, NULL, 42, 1);
	check_dec("x", ct2, NULL, 41, 2);
	ck_assert_int_eq(zone_rotate(zs, "nope", T0), -ENOENT);
}
END_TEST

START_TEST(test_zone_rotate_uses_current_keyring_term)
{
	uint8_t rec[ZONE_VREC_BYTES];
	struct zone_vrec r;
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 40, NULL, ct, &v), 0);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 1), 0);
	ck_assert_int_eq(zone_rotate(zs, "x", T0 + 2), 0);
	ck_assert_int_eq(enc("x", 0, 41, NULL, ct2, &v), 0);
	for (uint32_t i = 1; i <= 2; i++) {
		ck_assert_int_eq(
		    get_record("x", "versions", i, rec, sizeof(rec), &len), 0);
		ck_assert_int_eq(zone_vrec_decode(&r, rec, len), 0);
		ck_assert_uint_eq(r.term, i);
	}
	/* A reload derives the KEK of each term. */
	zones_wipe(zs);
	check_dec("x", ct, NULL, 40, 1);
	check_dec("x", ct2, NULL, 41, 2);
}
END_TEST

START_TEST(test_zone_rotate_enospc_at_versions_max)
{
	struct zone_config c;
	uint8_t rec[ZONE_CONFIG_BYTES];

	create("x", ZONE_XCHACHA20_POLY1305);
	c = config_of("x");
	c.latest_version = ZONE_VERSIONS_MAX;
	c.min_decryption_version = ZONE_VERSIONS_MAX;
	c.min_available_version = ZONE_VERSIONS_MAX;
	zone_config_encode(&c, rec);
	put_config("x", rec, sizeof(rec));
	reopen_zones();
	ck_assert_int_eq(zone_rotate(zs, "x", T0), -ENOSPC);
	ck_assert_uint_eq(config_of("x").latest_version, ZONE_VERSIONS_MAX);
}
END_TEST

START_TEST(test_zone_rotate_refuses_moved_key_record)
{
	uint8_t rec[ZONE_VREC_BYTES];
	size_t len;
	uint32_t v;

	/* Version 1's record in version 2's place: the AD binds it. */
	create("x", ZONE_XCHACHA20_POLY1305);
	rotate_to("x", 2);
	ck_assert_int_eq(get_record("x", "versions", 1, rec, sizeof(rec), &len),
	    0);
	put_version("x", 2, rec, len);
	reopen_zones();
	ck_assert_int_eq(enc("x", 0, 1, NULL, ct, &v), -ESC_ECORRUPT);
	ck_assert_int_eq(zone_rotate(zs, "x", T0), -ESC_ECORRUPT);
	/* And a record of another zone. */
	create("y", ZONE_XCHACHA20_POLY1305);
	put_version("y", 1, rec, len);
	reopen_zones();
	ck_assert_int_eq(dec("y", "vault:v1:AAAA", NULL, &len, &v),
	    -ESC_ECORRUPT);
}
END_TEST

/* ---- config -------------------------------------------------------- */

START_TEST(test_zone_config_set_applies_and_persists)
{
	struct zone_config_change ch = { .has_deletion_allowed = true,
		.deletion_allowed = true,
		.has_auto_rotate_period = true,
		.auto_rotate_period = 3600 };
	struct zone_config c;

	create("x", ZONE_XCHACHA20_POLY1305);
	rotate_to("x", 4);
	ck_assert_int_eq(zone_config_set(zs, "x", &ch), 0);
	set_min("x", 2, 3);
	reopen_zones();
	c = config_of("x");
	ck_assert(c.deletion_allowed);
	ck_assert_uint_eq(c.auto_rotate_period, 3600);
	ck_assert_uint_eq(c.min_decryption_version, 2);
	ck_assert_uint_eq(c.min_encryption_version, 3);
	/* Unset fields stay; 0 turns auto-rotation off; 0 reads as 1. */
	memset(&ch, 0, sizeof(ch));
	ch.has_auto_rotate_period = true;
	ch.has_min_decryption_version = true;
	ck_assert_int_eq(zone_config_set(zs, "x", &ch), 0);
	c = config_of("x");
	ck_assert_uint_eq(c.auto_rotate_period, 0);
	ck_assert_uint_eq(c.min_decryption_version, 1);
	ck_assert_uint_eq(c.min_encryption_version, 3);
	ck_assert(c.deletion_allowed);
	memset(&ch, 0, sizeof(ch));
	ck_assert_int_eq(zone_config_set(zs, "x", &ch), 0);
	ck_assert_int_eq(zone_config_set(zs, "nope", &ch), -ENOENT);
}
END_TEST

/* Apply ch, expect -EINVAL and the config as it was, also on disk. */
static void
refused(const char *name, struct zone_config_change ch)
{
	struct zone_config before = config_of(name);

	ck_assert_int_eq(zone_config_set(zs, name, &ch), -EINVAL);
	cfg_check(&before, name);
	reopen_zones();
	cfg_check(&before, name);
}

START_TEST(test_zone_config_set_refuses_each_rule)
{
	struct zone_config_change ch;

	create("x", ZONE_XCHACHA20_POLY1305);
	rotate_to("x", 3);
	set_min("x", 2, 2);
	/* Above the latest version. */
	refused("x",
	    (struct zone_config_change){ .has_min_decryption_version = true,
	        .min_decryption_version = 4 });
	refused("x",
	    (struct zone_config_change){ .has_min_encryption_version = true,
	        .min_encryption_version = 4 });
	/* min_encryption below min_decryption, either way round. */
	refused("x",
	    (struct zone_config_change){ .has_min_encryption_version = true,
	        .min_encryption_version = 1 });
	refused("x",
	    (struct zone_config_change){ .has_min_decryption_version = true,
	        .min_decryption_version = 3 });
	/* auto_rotate_period below an hour. */
	refused("x",
	    (struct zone_config_change){ .has_auto_rotate_period = true,
	        .auto_rotate_period = 1 });
	refused("x",
	    (struct zone_config_change){ .has_auto_rotate_period = true,
	        .auto_rotate_period = 3599 });
	/* All or nothing: a good field beside a bad one is not applied. */
	ch = (struct zone_config_change){ .has_deletion_allowed = true,
		.deletion_allowed = true,
		.has_min_decryption_version = true,
		.min_decryption_version = 9 };
	refused("x", ch);
	ck_assert(!config_of("x").deletion_allowed);
	/* Below min_available_version (after a trim), also as 0 -> 1. */
	ck_assert_int_eq(zone_trim(zs, "x", 2), 0);
	refused("x",
	    (struct zone_config_change){ .has_min_decryption_version = true,
	        .min_decryption_version = 1 });
	refused("x",
	    (struct zone_config_change){ .has_min_decryption_version = true,
	        .min_decryption_version = 0 });
}
END_TEST

/* ---- trim ---------------------------------------------------------- */

START_TEST(test_zone_trim_destroys_old_versions)
{
	struct zone_version_info vs[8] = { 0 };
	uint8_t rec[ZONE_VREC_BYTES];
	struct zone_config c;
	size_t len;
	uint32_t v;
	int rc;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 10, NULL, ct, &v), 0);
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), 0);
	rotate_to("x", 2);
	ck_assert_int_eq(enc("x", 0, 11, NULL, ct2, &v), 0);
	rotate_to("x", 3);
	ck_assert_int_eq(enc("x", 0, 12, NULL, ct3, &v), 0);
	ck_assert_int_eq(zones_flush(zs), 0); /* a usage record for v1 */
	set_min("x", 3, 3);
	ck_assert_int_eq(zone_trim(zs, "x", 3), 0);
	ck_assert_int_eq(zone_read(zs, "x", &c, version_list, vs), 0);
	ck_assert_uint_eq(c.min_available_version, 3);
	ck_assert_uint_eq(vs[0].version + vs[1].version, 0);
	ck_assert_uint_eq(vs[2].version, 3);
	for (uint32_t i = 1; i <= 2; i++) {
		ck_assert_int_eq(
		    get_record("x", "versions", i, rec, sizeof(rec), &len),
		    -ENOENT);
		ck_assert_int_eq(
		    get_record("x", "usage", i, rec, sizeof(rec), &len),
		    -ENOENT);
	}
	ck_assert_int_eq(rc = dec("x", ct, NULL, &len, &v), -ESC_ETOOOLD);
	ck_assert_str_eq(err_str(rc), TOO_OLD);
	ck_assert_int_eq(dec("x", ct2, NULL, &len, &v), -ESC_ETOOOLD);
	ck_assert_int_eq(enc("x", 2, 1, NULL, ct, &v), -EINVAL);
	check_dec("x", ct3, NULL, 12, 3);
	reopen_zones();
	check_dec("x", ct3, NULL, 12, 3);
	ck_assert_int_eq(dec("x", ct2, NULL, &len, &v), -ESC_ETOOOLD);
}
END_TEST

START_TEST(test_zone_trim_rules)
{
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	rotate_to("x", 4);
	ck_assert_int_eq(zone_trim(zs, "x", 0), -EINVAL);
	ck_assert_int_eq(zone_trim(zs, "x", 2), -EINVAL); /* min_dec is 1 */
	set_min("x", 3, 0);
	ck_assert_int_eq(zone_trim(zs, "x", 4), -EINVAL);
	set_min("x", 3, 3);
	ck_assert_int_eq(zone_trim(zs, "x", 4), -EINVAL);
	ck_assert_uint_eq(config_of("x").min_available_version, 0);
	ck_assert_int_eq(zone_trim(zs, "x", 1), 0); /* deletes nothing */
	ck_assert_int_eq(zone_trim(zs, "x", 1), 0); /* equal is allowed */
	ck_assert_int_eq(zone_trim(zs, "x", 2), 0);
	ck_assert_int_eq(zone_trim(zs, "x", 1), -EINVAL); /* going down */
	ck_assert_uint_eq(config_of("x").min_available_version, 2);
	ck_assert_int_eq(zone_trim(zs, "nope", 1), -ENOENT);
	/* A trim with the keys not loaded, then a rotate. */
	reopen_zones();
	ck_assert_int_eq(zone_trim(zs, "x", 3), 0);
	ck_assert_int_eq(zone_rotate(zs, "x", T0), 0);
	ck_assert_int_eq(enc("x", 0, 5, NULL, ct, &v), 0);
	ck_assert_uint_eq(v, 5);
	check_dec("x", ct, NULL, 5, 5);
	ck_assert_int_eq(enc("x", 3, 5, NULL, ct, &v), 0);
	check_dec("x", ct, NULL, 5, 3);
}
END_TEST

/* ---- delete and foreach -------------------------------------------- */

START_TEST(test_zone_delete_refused_then_allowed)
{
	char path[4200];
	struct stat sb;
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 10, NULL, ct, &v), 0);
	ck_assert_int_eq(zone_delete(zs, "x"), -ESC_EPERM);
	check_dec("x", ct, NULL, 10, 1);
	allow_delete("x");
	ck_assert_int_eq(zone_delete(zs, "x"), 0);
	snprintf(path, sizeof(path), "%s/zones/x.mdb", dir);
	ck_assert_int_eq(stat(path, &sb), -1);
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), -ENOENT);
	ck_assert_int_eq(enc("x", 0, 10, NULL, ct2, &v), -ENOENT);
	ck_assert_int_eq(
	    zone_read(zs, "x", &(struct zone_config){ 0 }, NULL, NULL),
	    -ENOENT);
	ck_assert_int_eq(zone_delete(zs, "x"), -ENOENT);
	/* The name again is a new zone with new keys. */
	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), -ESC_ECRYPTO);
	ck_assert(!config_of("x").deletion_allowed);
}
END_TEST

START_TEST(test_zone_delete_errors)
{
	ck_assert_int_eq(zone_delete(zs, "nope"), -ENOENT);
	ck_assert_int_eq(zone_delete(zs, ""), -EINVAL);
	ck_assert_int_eq(zone_delete(zs, "../core"), -EINVAL);
}
END_TEST

struct names {
	char buf[64];
	int stop_after;
	int seen;
};

static int
collect(void *arg, const char *name)
{
	struct names *n = arg;

	strcat(n->buf, name);
	strcat(n->buf, ",");
	return ++n->seen == n->stop_after ? 7 : 0;
}

START_TEST(test_zone_foreach_in_name_order)
{
	struct names n = { .stop_after = 0 };

	create("b", ZONE_XCHACHA20_POLY1305);
	create("a", ZONE_CHACHA20_POLY1305);
	create("c2", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(zone_foreach(zs, collect, &n), 0);
	ck_assert_str_eq(n.buf, "a,b,c2,");
	n = (struct names){ .stop_after = 2 };
	ck_assert_int_eq(zone_foreach(zs, collect, &n), 7);
	ck_assert_str_eq(n.buf, "a,b,");
}
END_TEST

/* ---- read ---------------------------------------------------------- */

static int
stop_at_two(void *arg, const struct zone_version_info *v)
{
	(*(int *)arg)++;
	return v->version == 2 ? 42 : 0;
}

START_TEST(test_zone_read_errors_and_states)
{
	struct zone_version_info vs[8] = { 0 };
	uint8_t rec[ZONE_VREC_BYTES];
	struct zone_config c;
	size_t len;
	uint32_t v;
	int calls = 0;

	create("x", ZONE_XCHACHA20_POLY1305);
	rotate_to("x", 3);
	set_min("x", 2, 0);
	ck_assert_int_eq(zone_read(zs, "x", &c, version_list, vs), 0);
	ck_assert_int_eq(vs[0].state, ZONE_VERSION_RETIRED);
	ck_assert_int_eq(vs[1].state, ZONE_VERSION_DECRYPT_ONLY);
	ck_assert_int_eq(vs[2].state, ZONE_VERSION_ACTIVE);
	ck_assert_int_eq(zone_read(zs, "x", &c, stop_at_two, &calls), 42);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(zone_read(zs, "Bad", &c, NULL, NULL), -EINVAL);
	ck_assert_int_eq(zone_read(zs, "nope", &c, NULL, NULL), -ENOENT);
	/* A version record with an unknown state byte. */
	ck_assert_int_eq(get_record("x", "versions", 2, rec, sizeof(rec), &len),
	    0);
	rec[9] = 9;
	put_version("x", 2, rec, len);
	reopen_zones();
	ck_assert_int_eq(zone_read(zs, "x", &c, version_list, vs),
	    -ESC_ECORRUPT);
	ck_assert_int_eq(enc("x", 0, 1, NULL, ct, &v), -ESC_ECORRUPT);
	/* A config record cut short. */
	create("y", ZONE_XCHACHA20_POLY1305);
	zone_config_encode(&c, rec);
	put_config("y", rec, ZONE_CONFIG_BYTES - 1);
	ck_assert_int_eq(zone_read(zs, "y", &c, NULL, NULL), -ESC_ECORRUPT);
	ck_assert_uint_eq(c.latest_version, 0);
}
END_TEST

START_TEST(test_zone_config_decode_is_strict)
{
	struct zone_config good = { .type = ZONE_XCHACHA20_POLY1305,
		.latest_version = 3,
		.min_decryption_version = 2,
		.min_encryption_version = 3,
		.min_available_version = 2,
		.auto_rotate_period = 7200,
		.created = T0 },
	                   c;
	uint8_t rec[ZONE_CONFIG_BYTES], bad[ZONE_CONFIG_BYTES];
	static const struct {
		size_t at;
		uint8_t val;
	} breaks[] = {
		{ 0, 2 },           /* record version */
		{ 1, 0 }, { 1, 3 }, /* type */
		{ 5, 1 },           /* latest 1 < min_dec */
		{ 9, 4 },           /* min_dec above latest */
		{ 13, 1 },          /* min_enc below min_dec */
		{ 17, 3 },          /* min_avail above min_dec */
		{ 18, 2 },          /* deletion_allowed */
		{ 26, 1 },          /* auto_rotate_period 1 s */
	};

	zone_config_encode(&good, rec);
	ck_assert_int_eq(zone_config_decode(&c, rec, sizeof(rec)), 0);
	ck_assert_int_eq(c.type, good.type);
	ck_assert_uint_eq(c.latest_version, 3);
	ck_assert_uint_eq(c.min_decryption_version, 2);
	ck_assert_uint_eq(c.min_encryption_version, 3);
	ck_assert_uint_eq(c.min_available_version, 2);
	ck_assert(!c.deletion_allowed);
	ck_assert_uint_eq(c.auto_rotate_period, 7200);
	ck_assert_uint_eq(c.created, T0);
	ck_assert_int_eq(zone_config_decode(&c, rec, sizeof(rec) - 1),
	    -ESC_ECORRUPT);
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		memcpy(bad, rec, sizeof(rec));
		if (breaks[i].at == 26)
			memset(bad + 19, 0, 8);
		bad[breaks[i].at] = breaks[i].val;
		ck_assert_msg(zone_config_decode(&c, bad, sizeof(bad)) ==
		        -ESC_ECORRUPT,
		    "break %zu decodes", i);
	}
}
END_TEST

/* ---- sealed -------------------------------------------------------- */

START_TEST(test_zone_sealed_refuses_then_unseal_works)
{
	struct zone_config_change ch = { .has_deletion_allowed = true,
		.deletion_allowed = true };
	struct zone_config c;
	size_t len;
	uint32_t v;
	int n = 0;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 33, NULL, ct, &v), 0);
	allow_delete("x");
	seal_all();
	ck_assert_int_eq(enc("x", 0, 33, NULL, ct2, &v), -ESC_ESEALED);
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), -ESC_ESEALED);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, NULL, 0, 0, ct2, CT_MAX, &v),
	    -ESC_ESEALED);
	ck_assert_int_eq(zone_rotate(zs, "x", T0), -ESC_ESEALED);
	ck_assert_int_eq(zone_trim(zs, "x", 1), -ESC_ESEALED);
	ck_assert_int_eq(zone_config_set(zs, "x", &ch), -ESC_ESEALED);
	ck_assert_int_eq(zone_delete(zs, "x"), -ESC_ESEALED);
	ck_assert_int_eq(zone_create(zs, "y", ZONE_XCHACHA20_POLY1305, T0),
	    -ESC_ESEALED);
	/* Reading works sealed, also for a zone not yet open. */
	ck_assert_int_eq(zone_read(zs, "x", &c, NULL, NULL), 0);
	ck_assert_uint_eq(c.latest_version, 1);
	reopen_zones();
	ck_assert_int_eq(zone_read(zs, "x", &c, NULL, NULL), 0);
	ck_assert_int_eq(zone_foreach(zs, count_zones, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), -ESC_ESEALED);
	unseal(sl, plain);
	check_dec("x", ct, NULL, 33, 1);
	ck_assert_int_eq(enc("x", 0, 33, NULL, ct2, &v), 0);
	ck_assert_int_eq(zone_rotate(zs, "x", T0), 0);
	ck_assert_int_eq(zone_delete(zs, "x"), 0);
}
END_TEST

START_TEST(test_zone_wipe_while_unsealed_reloads)
{
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 33, NULL, ct, &v), 0);
	zones_wipe(zs);
	zones_wipe(NULL);
	check_dec("x", ct, NULL, 33, 1);
}
END_TEST

/* ---- usage --------------------------------------------------------- */

static void
check_usage(const char *name, uint32_t version, uint64_t e, uint64_t d,
    uint64_t r, uint64_t since)
{
	struct zone_version_info vs[8] = { 0 };
	struct zone_config c;

	ck_assert_int_eq(zone_read(zs, name, &c, version_list, vs), 0);
	ck_assert_uint_eq(vs[version - 1].encrypts, e);
	ck_assert_uint_eq(vs[version - 1].decrypts, d);
	ck_assert_uint_eq(vs[version - 1].rewraps, r);
	ck_assert_uint_ge(vs[version - 1].last_used, since);
}

START_TEST(test_zone_usage_counts_and_survives_flush_and_reopen)
{
	uint64_t since = (uint64_t)time(NULL);
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(enc("x", 0, 8, NULL, ct, &v), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(dec("x", ct, NULL, &len, &v), 0);
	ck_assert_int_eq(zone_rewrap(zs, "x", ct, NULL, 0, 0, ct2, CT_MAX, &v),
	    0);
	/* Failures count nothing. */
	ck_assert_int_eq(dec("x", ct, "other", &len, &v), -ESC_ECRYPTO);
	ck_assert_int_eq(enc("x", 9, 8, NULL, ct2, &v), -EINVAL);
	check_usage("x", 1, 3, 2, 1, since);
	ck_assert_int_eq(zones_flush(zs), 0);
	check_usage("x", 1, 3, 2, 1, since);
	ck_assert_int_eq(zones_flush(zs), 0); /* nothing counted twice */
	check_usage("x", 1, 3, 2, 1, since);
	reopen_zones();
	check_usage("x", 1, 3, 2, 1, since);
	/* New uses add to the stored counts; close flushes too. */
	rotate_to("x", 2);
	ck_assert_int_eq(dec("x", ct, NULL, &len, &v), 0);
	ck_assert_int_eq(enc("x", 0, 8, NULL, ct, &v), 0);
	reopen_zones();
	check_usage("x", 1, 3, 3, 1, since);
	check_usage("x", 2, 1, 0, 0, since);
	ck_assert_int_eq(zones_flush(zs), 0);
	check_usage("x", 1, 3, 3, 1, since);
}
END_TEST

/* ---- registry ------------------------------------------------------ */

START_TEST(test_zone_registry_full_enospc)
{
	struct zone_config c;
	uint32_t v;

	create("a", ZONE_XCHACHA20_POLY1305);
	create("b", ZONE_XCHACHA20_POLY1305);
	create("c", ZONE_XCHACHA20_POLY1305);
	zones_limit_set(zs, 2);
	ck_assert_int_eq(enc("a", 0, 8, NULL, ct, &v), 0);
	ck_assert_int_eq(zone_read(zs, "b", &c, NULL, NULL), 0);
	ck_assert_int_eq(enc("c", 0, 8, NULL, ct, &v), -ENOSPC);
	ck_assert_int_eq(zone_read(zs, "c", &c, NULL, NULL), -ENOSPC);
	ck_assert_int_eq(zone_rotate(zs, "c", T0), -ENOSPC);
	allow_delete("a");
	ck_assert_int_eq(zone_delete(zs, "a"), 0);
	ck_assert_int_eq(enc("c", 0, 8, NULL, ct, &v), 0);
	check_dec("c", ct, NULL, 8, 1);
}
END_TEST

/* ---- at rest ------------------------------------------------------- */

static void
copy_file(const char *from, const char *to)
{
	size_t len;
	uint8_t *buf = fixture_slurp(from, &len);
	int fd;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_ge(fd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600), 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

START_TEST(test_zone_file_copied_alone_is_useless)
{
	char d2[4096], from[4200], to[4200];
	struct store *st2;
	struct seal *s2;
	struct zones *z2;
	struct zone_config c;
	uint8_t *shares2;
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	ck_assert_int_eq(enc("x", 0, 48, NULL, ct, &v), 0);
	snprintf(d2, sizeof(d2), "%s", fixture_tmpdir());
	ck_assert_ptr_nonnull(shares2 = sodium_allocarray(3, SEAL_SHARE_BYTES));
	domain_open(d2, &st2, &s2, &z2, shares2);
	snprintf(from, sizeof(from), "%s/zones/x.mdb", dir);
	snprintf(to, sizeof(to), "%s/zones/x.mdb", d2);
	copy_file(from, to);
	/* The public config reads; no key opens, and nothing crashes. */
	ck_assert_int_eq(zone_read(z2, "x", &c, NULL, NULL), 0);
	ck_assert_uint_eq(c.latest_version, 1);
	ck_assert_int_eq(
	    zone_decrypt(z2, "x", ct, NULL, 0, out, sizeof(out), &len, &v),
	    -ESC_ECORRUPT);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	ck_assert_int_eq(
	    zone_encrypt(z2, "x", 0, pt, 8, NULL, 0, ct2, CT_MAX, &v),
	    -ESC_ECORRUPT);
	ck_assert_int_eq(zone_rotate(z2, "x", T0), -ESC_ECORRUPT);
	/* Only a version of a term the other keyring never had. */
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 1), 0);
	ck_assert_int_eq(zone_rotate(zs, "x", T0 + 2), 0);
	ck_assert_int_eq(enc("x", 0, 48, NULL, ct, &v), 0);
	set_min("x", 2, 0);
	ck_assert_int_eq(zone_trim(zs, "x", 2), 0);
	zones_close(z2);
	ck_assert_int_eq(store_zone_remove(st2, "x"), 0);
	copy_file(from, to);
	ck_assert_int_eq(zones_open(&z2, st2, s2), 0);
	ck_assert_int_eq(
	    zone_decrypt(z2, "x", ct, NULL, 0, out, sizeof(out), &len, &v),
	    -ESC_ECORRUPT);
	zones_close(z2);
	seal_close(s2);
	store_close(st2);
	sodium_free(shares2);
	fixture_rmtree(d2);
}
END_TEST

/* Every store file (and lock file) under d and d/zones. */
static void
assert_nowhere_in(const char *d, const void *secret, size_t len,
    const char *what)
{
	char path[4400], hex[2 * 64 + 1];
	struct dirent *de;
	DIR *dh;

	ck_assert_uint_le(len, 64);
	sodium_bin2hex(hex, sizeof(hex), secret, len);
	ck_assert_ptr_nonnull(dh = opendir(d));
	while ((de = readdir(dh)) != NULL) {
		if (strstr(de->d_name, ".mdb") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, de->d_name);
		ck_assert_msg(!fixture_file_contains(path, secret, len),
		    "%s found in %s", what, path);
		ck_assert_msg(!fixture_file_contains(path, hex, 2 * len),
		    "%s (hex) found in %s", what, path);
	}
	closedir(dh);
}

static void
assert_nowhere(const void *secret, size_t len, const char *what)
{
	char zdir[4200];

	snprintf(zdir, sizeof(zdir), "%s/zones", dir);
	assert_nowhere_in(dir, secret, len, what);
	assert_nowhere_in(zdir, secret, len, what);
}

START_TEST(test_zone_store_holds_no_key_or_plaintext)
{
	static const char *const names[] = { "x", "c" };
	uint8_t keys[2][4][ZONE_KEY_BYTES], kek[32], secret[48];
	size_t len;
	uint32_t v;

	create("x", ZONE_XCHACHA20_POLY1305);
	create("c", ZONE_CHACHA20_POLY1305);
	rotate_to("x", 2);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 1), 0);
	rotate_to("x", 4);
	rotate_to("c", 4);
	for (int z = 0; z < 2; z++)
		for (uint32_t i = 1; i <= 4; i++) {
			stored_key(names[z], i, keys[z][i - 1], kek);
			assert_nowhere(kek, sizeof(kek), "a zone KEK");
		}
	/* Version 1 of x is trimmed: its key must not linger either. */
	set_min("x", 2, 0);
	ck_assert_int_eq(zone_trim(zs, "x", 2), 0);
	randombytes_buf(secret, sizeof(secret));
	memcpy(pt, secret, sizeof(secret));
	for (int z = 0; z < 2; z++)
		for (uint32_t i = 2; i <= 4; i++) {
			ck_assert_int_eq(
			    enc(names[z], i, sizeof(secret), "ad", ct, &v), 0);
			ck_assert_int_eq(dec(names[z], ct, "ad", &len, &v), 0);
		}
	ck_assert_int_eq(zones_flush(zs), 0);
	for (int z = 0; z < 2; z++)
		for (int i = 0; i < 4; i++)
			assert_nowhere(keys[z][i], ZONE_KEY_BYTES,
			    "a version key");
	assert_nowhere(secret, sizeof(secret), "a plaintext");
	assert_nowhere(secret, 16, "part of a plaintext");
	sodium_memzero(keys, sizeof(keys));
	sodium_memzero(kek, sizeof(kek));
}
END_TEST

START_TEST(test_zone_b64_matches_libsodium)
{
	uint8_t in[300], dec[300];
	char mine[512], theirs[512];
	size_t n;

	for (size_t len = 0; len <= sizeof(in); len++) {
		randombytes_buf(in, len);
		ck_assert_uint_eq(zone_b64_encode(mine, in, len),
		    4 * ((len + 2) / 3));
		sodium_bin2base64(theirs, sizeof(theirs), in, len,
		    sodium_base64_VARIANT_ORIGINAL);
		ck_assert_str_eq(mine, theirs);
		ck_assert_int_eq(
		    zone_b64_decode(dec, sizeof(dec), mine, strlen(mine), &n),
		    0);
		ck_assert_uint_eq(n, len);
		ck_assert(len == 0 || memcmp(dec, in, len) == 0);
		/* One byte short of room is refused. */
		if (len > 0)
			ck_assert_int_eq(zone_b64_decode(dec, len - 1, mine,
			                     strlen(mine), &n),
			    -1);
	}
}
END_TEST

START_TEST(test_zone_b64_decode_is_strict)
{
	static const char *const bad[] = {
		"A",
		"AB",
		"ABC",
		"AB=A",
		"A===",
		"====",
		"AB==AAAA",
		"AB=",
		"AB\x80\x80",
		"AB C",
		"AB\nC",
		"AB-_",
		"AC==",
		"AAB=",
		"QUJD\xc3\xa9",
		"QUJ\x00",
	};
	uint8_t dec[16];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(zone_b64_decode(dec, sizeof(dec), bad[i],
		                  i == 15 ? 4 : strlen(bad[i]), &n) == -1,
		    "accepted bad[%zu]", i);
	/* Canonical forms are taken. */
	ck_assert_int_eq(zone_b64_decode(dec, sizeof(dec), "AA==", 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(zone_b64_decode(dec, sizeof(dec), "AAA=", 4, &n), 0);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_zone_nonce_never_repeats)
{
	uint8_t a[24], b[24];

	zone_nonce(a, sizeof(a));
	for (int i = 0; i < 1000; i++) { /* crosses several pool refills */
		zone_nonce(b, sizeof(b));
		ck_assert(memcmp(a, b, sizeof(a)) != 0);
		memcpy(a, b, sizeof(a));
	}
	ck_assert(!sodium_is_zero(a, sizeof(a)));
}
END_TEST

Suite *
zone_suite(void)
{
	Suite *s = suite_create("zone");
	TCase *tc;

	tc = tcase_create("create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zone_type_name_and_parse);
	tcase_add_test(tc, test_zone_create_defaults);
	tcase_add_test(tc, test_zone_create_refuses_bad_name_or_type);
	tcase_add_test(tc, test_zone_create_eexist);
	tcase_add_test(tc, test_zone_create_euninit);
	suite_add_tcase(s, tc);
	tc = tcase_create("b64");
	tcase_add_test(tc, test_zone_b64_matches_libsodium);
	tcase_add_test(tc, test_zone_b64_decode_is_strict);
	tcase_add_test(tc, test_zone_nonce_never_repeats);
	suite_add_tcase(s, tc);
	tc = tcase_create("crypto");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zone_encrypt_round_trip_every_size);
	tcase_add_test(tc, test_zone_encrypt_layout);
	tcase_add_test(tc, test_zone_encrypt_refuses_bad_arguments);
	tcase_add_test(tc, test_zone_encrypt_longest_fits_ciphertext_max);
	tcase_add_test(tc, test_zone_decrypt_fails_elsewhere);
	tcase_add_test(tc, test_zone_decrypt_any_byte_change_fails);
	tcase_add_test(tc, test_zone_decrypt_malformed);
	tcase_add_test(tc, test_zone_decrypt_enospc);
	tcase_add_test(tc, test_zone_decrypt_version_rules);
	tcase_add_test(tc, test_zone_rewrap_moves_versions);
	suite_add_tcase(s, tc);
	tc = tcase_create("versions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zone_rotate_then_decrypt_old_and_new);
	tcase_add_test(tc, test_zone_rotate_uses_current_keyring_term);
	tcase_add_test(tc, test_zone_rotate_enospc_at_versions_max);
	tcase_add_test(tc, test_zone_rotate_refuses_moved_key_record);
	tcase_add_test(tc, test_zone_config_set_applies_and_persists);
	tcase_add_test(tc, test_zone_config_set_refuses_each_rule);
	tcase_add_test(tc, test_zone_trim_destroys_old_versions);
	tcase_add_test(tc, test_zone_trim_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zone_delete_refused_then_allowed);
	tcase_add_test(tc, test_zone_delete_errors);
	tcase_add_test(tc, test_zone_foreach_in_name_order);
	tcase_add_test(tc, test_zone_read_errors_and_states);
	tcase_add_test(tc, test_zone_config_decode_is_strict);
	tcase_add_test(tc, test_zone_sealed_refuses_then_unseal_works);
	tcase_add_test(tc, test_zone_wipe_while_unsealed_reloads);
	tcase_add_test(tc,
	    test_zone_usage_counts_and_survives_flush_and_reopen);
	tcase_add_test(tc, test_zone_registry_full_enospc);
	suite_add_tcase(s, tc);
	tc = tcase_create("at_rest");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zone_file_copied_alone_is_useless);
	tcase_add_test(tc, test_zone_store_holds_no_key_or_plaintext);
	suite_add_tcase(s, tc);
	return s;
}
