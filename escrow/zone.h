/* SPDX-License-Identifier: ISC */
/*
 * Zones: a database zone's versioned keys and the encryption that uses
 * them, as Vault's transit engine does it with a zone as the key name.
 *
 * Each zone lives in its own LMDB environment (zones/<zone>.mdb, see
 * store.h) with tables:
 *   meta      "config": type, latest version, min_decryption_version,
 *             min_encryption_version, min_available_version,
 *             deletion_allowed, auto_rotate_period, created
 *   versions  <u32 version, big-endian>: created, state, kek term, and the
 *             32-byte version key AEAD-encrypted (XChaCha20-Poly1305) under
 *             the zone KEK = seal_derive(term, "zone-kek", zone), with
 *             associated data "escrow-zone-key-v1" 0 zone 0 version, so a
 *             record moved to another zone or version does not open
 *   usage     <u32 version>: encrypt, decrypt, rewrap counts, last use
 * A zone file copied alone is useless: its keys need the keyring, which
 * needs M.
 *
 * Ciphertexts are "vault:v<N>:" + base64(nonce || AEAD(plaintext)), with
 * a 24-byte nonce for xchacha20-poly1305 (the default) and Vault's 12-byte
 * nonce layout for chacha20-poly1305.  The caller's associated data
 * (transit `associated_data`, or `context`) is AEAD associated data and is
 * not stored.  Vault's version rules apply: version 0 reads as 1; above the
 * latest is "invalid ciphertext: version is too new"; below
 * min_decryption_version is "ciphertext or signature version is disallowed
 * by policy (too old)".
 *
 * Hot path: version keys are decrypted once per unseal into sodium_malloc
 * memory (read-only) and cached per zone; zones_wipe drops them all when
 * the domain is sealed.  Usage counters are kept in memory with atomics
 * and written to each zone's usage table by zones_flush in one write
 * transaction per zone (the daemon calls it periodically and at exit), so
 * no request pays for a write transaction.
 *
 * A registry holds at most 1024 zones in memory at once (each is opened
 * on first use and stays open); any call that would open one more returns
 * -ENOSPC.  A call that needs a zone's keys and finds them not yet cached
 * loads them, and may then also return -ESC_ECORRUPT (a version key does
 * not open: the file was made under another keyring, or was tampered
 * with), -ENOMEM or a store error.
 *
 * Thread-safety: every function may be called from any thread; each zone
 * has a read-write lock (encryption takes it shared; rotate, config, trim,
 * delete exclusive).  Needs sodium_init() first.
 */
#ifndef ESCROW_ZONE_H
#define ESCROW_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "escrow/err.h"
#include "escrow/store.h"

#define ZONE_KEY_BYTES      32
#define ZONE_PLAINTEXT_MAX  (32 * 1024) /* bytes of one encrypt item */
#define ZONE_AD_MAX         4096        /* bytes of associated data */
#define ZONE_VERSIONS_MAX   65535
#define ZONE_CIPHERTEXT_MAX (16 + 4 * (ZONE_PLAINTEXT_MAX + 64) / 3 + 8)

struct seal;
struct zones;

enum zone_type {
	ZONE_XCHACHA20_POLY1305 = 1, /* "xchacha20-poly1305", default */
	ZONE_CHACHA20_POLY1305 = 2,  /* "chacha20-poly1305", Vault's */
};

enum zone_version_state {
	ZONE_VERSION_ACTIVE = 1,       /* the latest version */
	ZONE_VERSION_DECRYPT_ONLY = 2, /* an older one */
	ZONE_VERSION_RETIRED = 3,      /* below min_decryption_version */
	ZONE_VERSION_DESTROYED = 4,    /* trimmed: its key is gone */
};

struct zone_config {
	enum zone_type type;
	uint32_t latest_version;
	uint32_t min_decryption_version;
	uint32_t min_encryption_version; /* 0 = latest */
	uint32_t min_available_version;
	bool deletion_allowed;
	uint64_t auto_rotate_period; /* seconds, 0 = off */
	uint64_t created;
};

struct zone_version_info {
	uint32_t version;
	uint64_t created;
	enum zone_version_state state;
	uint64_t encrypts, decrypts, rewraps, last_used;
};

/* A change to a zone's config; only fields with their has_ flag set. */
struct zone_config_change {
	bool has_min_decryption_version, has_min_encryption_version;
	bool has_deletion_allowed, has_auto_rotate_period;
	uint32_t min_decryption_version, min_encryption_version;
	bool deletion_allowed;
	uint64_t auto_rotate_period;
};

/** The type's transit name, or NULL. */
const char *zone_type_name(enum zone_type t);
/** Parse a transit type name; 0 if unknown. */
enum zone_type zone_type_parse(const char *name);

/**
 * The zone registry over a store and a seal domain.  Opens nothing yet.
 * Returns 0 or -ENOMEM.
 */
ESC_MUST_CHECK int zones_open(struct zones **out, struct store *st,
    struct seal *s);

/** Flush counters, wipe cached keys and free.  Accepts NULL. */
void zones_close(struct zones *zs);

/** Drop every cached version key (call when the domain is sealed). */
void zones_wipe(struct zones *zs);

/**
 * Write the in-memory usage counters of every zone to its usage table.
 * Returns 0 or the first store error.
 */
ESC_MUST_CHECK int zones_flush(struct zones *zs);

/**
 * Create zone `name` with version 1 (unsealed only).
 *
 * Returns 0, or -EINVAL (invalid name or type), -EEXIST, -ESC_ESEALED,
 * -ESC_EUNINIT, or a store error.
 */
ESC_MUST_CHECK int zone_create(struct zones *zs, const char *name,
    enum zone_type type, uint64_t now);

/**
 * Delete zone `name` and its file; only when its config allows deletion.
 *
 * Returns 0, or -ENOENT, -EINVAL, -ESC_EPERM (deletion_allowed is false),
 * -ESC_ESEALED, or a store error.
 */
ESC_MUST_CHECK int zone_delete(struct zones *zs, const char *name);

/**
 * Call fn(arg, name) for each zone in name order.  Works sealed.
 * Returns 0, fn's non-zero value, or a store error.
 */
ESC_MUST_CHECK int zone_foreach(struct zones *zs,
    int (*fn)(void *arg, const char *name), void *arg);

/**
 * Read a zone's config and, through fn (may be NULL), each live version in
 * order (usage counters include those not yet flushed).  Works sealed.
 * fn must not call back into the registry.
 *
 * Returns 0, or -ENOENT, -EINVAL, -ESC_ECORRUPT, or a store error.
 */
ESC_MUST_CHECK int zone_read(struct zones *zs, const char *name,
    struct zone_config *cfg,
    int (*fn)(void *arg, const struct zone_version_info *v), void *arg);

/**
 * Change a zone's config with Vault's rules: min_decryption_version 0 reads
 * as 1; min_encryption_version is 0 or >= min_decryption_version; neither
 * above the latest version;
 * min_decryption_version not below min_available_version;
 * auto_rotate_period 0 or >= 3600.
 *
 * Returns 0, or -ENOENT, -EINVAL (a rule broken; nothing changed),
 * -ESC_ESEALED, or a store error.
 */
ESC_MUST_CHECK int zone_config_set(struct zones *zs, const char *name,
    const struct zone_config_change *ch);

/**
 * Add a version (unsealed only), encrypted under the current keyring term.
 * The previous latest version becomes decrypt-only.
 *
 * Returns 0, or -ENOENT, -ENOSPC (ZONE_VERSIONS_MAX), -ESC_ESEALED,
 * -ESC_ECORRUPT, -ENOMEM, or a store error.
 */
ESC_MUST_CHECK int zone_rotate(struct zones *zs, const char *name,
    uint64_t now);

/**
 * Destroy every version below `min_available` (Vault's trim): it must be
 * non-zero, at most min(min_decryption_version, min_encryption_version or
 * latest), and not below the current min_available_version.
 *
 * Returns 0, or -ENOENT, -EINVAL, -ESC_ESEALED, or a store error.
 */
ESC_MUST_CHECK int zone_trim(struct zones *zs, const char *name,
    uint32_t min_available);

/**
 * Encrypt `len` bytes (at most ZONE_PLAINTEXT_MAX) with `version` (0 =
 * latest; else at least min_encryption_version and live: not trimmed and
 * not below min_decryption_version) and associated data `ad` (adlen bytes,
 * may be 0; NULL means none).  Writes the NUL-terminated ciphertext
 * string to out (cap bytes; ZONE_CIPHERTEXT_MAX is always enough) and the
 * version used to *used.
 *
 * Returns 0, or -ENOENT (no such zone), -EINVAL (bad version, too long
 * plaintext or ad), -ENOSPC (cap too small), -ESC_ESEALED, or a key
 * loading error (see the top of this file).
 */
ESC_MUST_CHECK int zone_encrypt(struct zones *zs, const char *name,
    uint32_t version, const uint8_t *pt, size_t len, const uint8_t *ad,
    size_t adlen, char *out, size_t cap, uint32_t *used);

/**
 * Decrypt a "vault:v<N>:..." string.  Writes up to cap bytes to pt.
 *
 * Returns 0, or -ENOENT (no such zone), -ESC_EMALFORMED (not a ciphertext
 * string, bad base64, too short), -ESC_ETOONEW (above the latest
 * version), -ESC_ETOOOLD (below min_decryption_version, or destroyed),
 * -ESC_ECRYPTO (does not authenticate: wrong zone, wrong associated data,
 * or tampered), -ENOSPC, -ESC_ESEALED, or a key loading error (see the
 * top of this file).  On failure pt is zeroed up to cap.
 * Secrets: pt is plaintext; the caller wipes it.
 */
ESC_MUST_CHECK int zone_decrypt(struct zones *zs, const char *name,
    const char *ct, const uint8_t *ad, size_t adlen, uint8_t *pt, size_t cap,
    size_t *len, uint32_t *version);

/**
 * Decrypt and re-encrypt with `version` (0 = latest), never exposing the
 * plaintext.  Errors as zone_decrypt and zone_encrypt.
 */
ESC_MUST_CHECK int zone_rewrap(struct zones *zs, const char *name,
    const char *ct, const uint8_t *ad, size_t adlen, uint32_t version,
    char *out, size_t cap, uint32_t *used);

#endif /* ESCROW_ZONE_H */
