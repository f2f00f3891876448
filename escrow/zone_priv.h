/* SPDX-License-Identifier: ISC */
/*
 * Private to zone*.c (and the zone tests): the registry and per-zone
 * state, the stored record formats, and the helpers the files share.
 *
 * Records (integers big-endian, first byte ZONE_REC_VERSION):
 *   meta "config"   version, type u8, latest u32, min_decryption u32,
 *                   min_encryption u32, min_available u32,
 *                   deletion_allowed u8, auto_rotate_period u64, created u64
 *   versions <u32>  version, created u64, state u8, term u32,
 *                   nonce[24], AEAD(key[32]) (48 bytes)
 *   usage <u32>     version, encrypts u64, decrypts u64, rewraps u64,
 *                   last_used u64
 * Encrypts count against the version that encrypted; decrypts and rewraps
 * against the version of the ciphertext read (a rewrap's new ciphertext is
 * not counted again as an encrypt).
 * A decoded config always satisfies 1 <= min_decryption_version <= latest,
 * min_available_version <= min_decryption_version, min_encryption_version
 * 0 or in [min_decryption_version, latest], latest <= ZONE_VERSIONS_MAX.
 *
 * Live versions run from base = max(1, min_available_version) to latest;
 * only their records exist.  The stored state of a version is ACTIVE (the
 * latest) or DECRYPT_ONLY (an older one); RETIRED is what zone_read
 * reports for a live version below min_decryption_version, and DESTROYED
 * versions have no record at all.
 *
 * Locks, in the only order they are taken: zs->ddl (create, delete, a
 * zone's first open, wipe), then a zone's rwlock, then its flush_mu.  The
 * table mutex zs->mu nests only inside ddl and is never held with a zone
 * lock.  A zone's cfg, base, nver, keys and use change only under its
 * write lock.
 */
#ifndef ESCROW_ZONE_PRIV_H
#define ESCROW_ZONE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "escrow/zone.h"

#define ZONE_REC_VERSION  1
#define ZONES_OPEN_MAX    1024 /* zones in one registry at once */
#define ZONE_NONCE_MAX    24   /* bytes: XChaCha20-Poly1305's nonce */
#define ZONE_TAG_BYTES    16
#define ZONE_KEK_BYTES    32
#define ZONE_CONFIG_BYTES (1 + 1 + 4 * 4 + 1 + 8 + 8)
#define ZONE_VREC_BYTES   (1 + 8 + 1 + 4 + 24 + ZONE_KEY_BYTES + 16)
#define ZONE_USAGE_BYTES  (1 + 4 * 8)
#define ZONE_KEY_AD       "escrow-zone-key-v1"
#define ZONE_KEY_AD_MAX   (sizeof(ZONE_KEY_AD) + STORE_ZONE_NAME_MAX + 1 + 4)
#define ZONE_RAW_MAX      /* bytes of nonce || ciphertext || tag */            \
	(ZONE_NONCE_MAX + ZONE_PLAINTEXT_MAX + ZONE_TAG_BYTES)
#define ZONE_AUTO_ROTATE_MIN 3600 /* seconds, Vault's hour */

/* In-memory usage of one live version since the last flush. */
struct zone_usage {
	_Atomic uint64_t encrypts, decrypts, rewraps;
	_Atomic uint64_t last_used; /* not a delta: the latest use seen */
};

struct zone {
	char name[STORE_ZONE_NAME_MAX + 1];
	atomic_uint refs;         /* the table's and each caller's */
	pthread_rwlock_t lock;    /* shared: use; exclusive: change */
	pthread_mutex_t flush_mu; /* one flush or read of usage at a time */
	bool deleted;             /* set under the write lock, for good */
	struct store_env *env;    /* valid while !deleted */
	struct zone_config cfg;   /* equal to the stored config */
	uint32_t base, nver;      /* live versions: base .. base + nver - 1 */
	/* secret: sodium_malloc, nver * ZONE_KEY_BYTES, read-only; NULL until
	 * loaded and after a wipe */
	uint8_t *keys;
	struct zone_usage *use; /* nver entries */
};

struct zones {
	struct store *st;
	struct seal *s;
	pthread_mutex_t ddl; /* create, delete, first open, wipe */
	pthread_mutex_t mu;  /* tab and n */
	struct zone **tab;   /* sorted by name; each holds one ref */
	size_t n, limit;
};

/* How a caller holds a zone (see zone_acquire). */
enum zone_hold {
	ZONE_HOLD_READ,      /* shared lock */
	ZONE_HOLD_READ_KEYS, /* shared lock, keys loaded */
	ZONE_HOLD_WRITE,     /* exclusive lock */
};

/* ---- zone.c: the registry ------------------------------------------ */

/*
 * Find zone `name`, opening it (its config, from the store) on first use,
 * and lock it as `hold` asks.  Returns 0, -ENOENT (no such zone, also for
 * an invalid name), -ENOSPC (the registry is full), -ESC_ESEALED and the
 * key loading errors for ZONE_HOLD_READ_KEYS, -ESC_ECORRUPT, -ENOMEM, or
 * a store error.  Release with zone_release.
 */
int zone_acquire(struct zones *zs, const char *name, enum zone_hold hold,
    struct zone **out);
/* Unlock and drop the reference taken by zone_acquire.  Accepts NULL. */
void zone_release(struct zone *z);
/* Test hook: lower the number of zones the registry holds at once. */
void zones_limit_set(struct zones *zs, size_t limit);
/* 0 if the domain is unsealed, else -ESC_ESEALED (also uninitialised). */
int zone_unsealed(struct seal *s);

/* ---- zone_record.c: records and version keys ----------------------- */

void zone_config_encode(const struct zone_config *c, uint8_t *buf);
int zone_config_decode(struct zone_config *c, const void *val, size_t len);
/* Load the config of a zone from its environment. */
int zone_config_load(struct store_env *env, struct zone_config *c);
/* Whether a config keeps every rule listed at the top of this file. */
bool zone_config_valid(const struct zone_config *c);
void zone_be32(uint8_t p[4], uint32_t v);
/* The first live version of a config. */
uint32_t zone_cfg_base(const struct zone_config *c);

struct zone_vrec {
	uint64_t created;
	enum zone_version_state state;
	uint32_t term;
	uint8_t sealed[ZONE_NONCE_MAX + ZONE_KEY_BYTES + ZONE_TAG_BYTES];
};
void zone_vrec_encode(const struct zone_vrec *r, uint8_t *buf);
int zone_vrec_decode(struct zone_vrec *r, const void *val, size_t len);

struct zone_urec {
	uint64_t encrypts, decrypts, rewraps, last_used;
};
void zone_urec_encode(const struct zone_urec *r, uint8_t *buf);
int zone_urec_decode(struct zone_urec *r, const void *val, size_t len);

/*
 * Encrypt `key` for version `version` of zone `name` under the current
 * keyring term into r (created, state ACTIVE, term).  Returns 0,
 * -ESC_ESEALED, -ESC_EUNINIT.
 */
int zone_vkey_seal(struct seal *s, const char *name, uint32_t version,
    uint64_t created, const uint8_t key[static ZONE_KEY_BYTES],
    struct zone_vrec *r);
/*
 * Decrypt every live version key of z into a new arena (under z's write
 * lock).  Returns 0, -ESC_ESEALED, -ESC_ECORRUPT (a record is missing,
 * malformed, or does not open: another keyring's file), -ENOMEM, or a
 * store error.
 */
int zone_keys_load(struct seal *s, struct zone *z);
/* Usage counters for nver versions, or NULL; free with free(). */
struct zone_usage *zone_usage_new(uint32_t nver);

/* ---- zone_usage.c -------------------------------------------------- */

/* Write z's counters (see zones_flush).  Takes z's locks itself. */
int zone_flush(struct zone *z);

/*
 * Ciphertext codec and nonces (zone_b64.c).  zone_b64_encode writes
 * base64 of n bytes and a NUL to out (4 * ((n + 2) / 3) + 1 bytes) and
 * returns the length.  zone_b64_decode takes only canonical, padded,
 * standard base64: 0, or -1 for anything else or when cap is too small.
 * zone_nonce fills out with n random bytes from a per-thread pool.
 */
size_t zone_b64_encode(char *out, const uint8_t *in, size_t n);
int zone_b64_decode(uint8_t *out, size_t cap, const char *in, size_t len,
    size_t *outlen);
void zone_nonce(uint8_t *out, size_t n);

#endif /* ESCROW_ZONE_PRIV_H */
