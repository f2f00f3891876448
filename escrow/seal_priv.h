/* SPDX-License-Identifier: ISC */
/*
 * Private to seal.c and seal_ceremony.c: the seal domain's layout, its
 * stored record formats, and the helpers the two files share.  Nothing
 * else includes this header.
 */
#ifndef ESCROW_SEAL_PRIV_H
#define ESCROW_SEAL_PRIV_H

#include <pthread.h>

#include "escrow/keyring.h"
#include "escrow/seal.h"
#include "escrow/store.h"

#define REC_VERSION 1
#define ATTEMPTS    3 /* unseal, rekey, verify: index purpose - 1 */

/* meta "config" and pending "config" */
struct seal_conf {
	bool plaintext;
	unsigned k, n;
	uint32_t generation;
	uint64_t created;
	uint8_t kcv[SEAL_HASH_BYTES];
};

/* shares <x> and pending "share/<x>" */
struct seal_share_rec {
	uint8_t x;
	char name[CUSTODIAN_NAME_MAX + 1];
	uint8_t commitment[SEAL_HASH_BYTES];
	bool has_sealed; /* false in plaintext mode */
	uint8_t sealed[SEAL_SEALED_BYTES];
};

struct seal_attempt {
	bool active;
	bool expired; /* kept to tell a late submission it expired */
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];
	uint8_t pk[CUSTODIAN_BOX_PK_BYTES];
	uint8_t *sk;     /* secret: sodium_malloc, while active */
	uint8_t *shares; /* secret: SEAL_SHARES_MAX * SEAL_SHARE_BYTES */
	uint64_t started, expires;
	unsigned threshold, count;
	char names[SEAL_SHARES_MAX][CUSTODIAN_NAME_MAX + 1];
	/* rekey only: what the completed rekey installs */
	unsigned new_k, new_n;
	bool verify, plaintext;
	char new_names[SEAL_SHARES_MAX][CUSTODIAN_NAME_MAX + 1];
};

struct seal {
	pthread_mutex_t mu;
	struct store *st;
	struct seal_config cfg;
	enum seal_state state;
	struct seal_conf conf; /* valid unless SEAL_STATE_UNINIT */
	bool pending;          /* pending config exists */
	uint8_t *mk;           /* secret: M while unsealed, else NULL */
	struct keyring *kr;    /* while unsealed, else NULL */
	struct seal_attempt att[ATTEMPTS];
	uint8_t *rekey_plain; /* secret: new plaintext shares to hand out */
	unsigned rekey_plain_n;
};

/* Record codecs: 0 or -ESC_ECORRUPT. */
size_t seal_conf_encode(const struct seal_conf *c, uint8_t *buf);
int seal_conf_decode(struct seal_conf *c, const void *val, size_t len);
size_t seal_share_encode(const struct seal_share_rec *r, uint8_t *buf);
int seal_share_decode(struct seal_share_rec *r, const void *val, size_t len);
#define SEAL_CONF_BYTES (1 + 1 + 1 + 1 + 4 + 8 + SEAL_HASH_BYTES)
#define SEAL_SHARE_REC_MAX                                                     \
	(1 + 1 + SEAL_HASH_BYTES + 1 + CUSTODIAN_NAME_MAX + 1 +                \
	    SEAL_SEALED_BYTES)

/* Load the share record holding x (pending set or current). */
int seal_share_load_x(struct seal *s, bool pending, uint8_t x,
    struct seal_share_rec *out);
/* Load the share record of custodian `name`. */
int seal_share_load_name(struct seal *s, bool pending, const char *name,
    struct seal_share_rec *out);

/*
 * Make a new master key and its n share records, KCV and (when `kr` is
 * given) the keyring blob under it.  Shares are sealed to the custodians
 * `names`, or kept in `plain` (n * SEAL_SHARE_BYTES) in plaintext mode.
 */
struct seal_newkey {
	struct seal_conf conf;
	struct seal_share_rec recs[SEAL_SHARES_MAX];
	uint8_t *blob;
	size_t bloblen;
};
int seal_newkey_make(struct seal *s, uint64_t now, unsigned k, unsigned n,
    const char names[][CUSTODIAN_NAME_MAX + 1], bool plaintext,
    uint32_t generation, uint8_t *mk_out, uint8_t *plain,
    struct seal_newkey *nk);
void seal_newkey_clear(struct seal_newkey *nk);

/* Delete every record of `table` in a write transaction. */
int seal_table_clear(struct store_txn *txn, const char *table);
/* Write a new key's config, keyring and shares, as current or pending,
 * replacing what was there. */
int seal_install_records(struct store_txn *txn, const struct seal_newkey *nk,
    bool pending);

/* Check names: valid, registered, distinct; copy into out. */
int seal_names_check(struct seal *s, const char *const *names, unsigned n,
    char out[][CUSTODIAN_NAME_MAX + 1]);

/* Wipe an attempt's secrets and mark it inactive. */
void seal_attempt_clear(struct seal_attempt *a);
/* Start attempt `a` with a fresh nonce and key pair. */
int seal_attempt_begin(struct seal *s, struct seal_attempt *a, uint64_t now,
    unsigned threshold);

/* The config of the rekey awaiting verification. */
int seal_pending_conf(struct seal *s, struct seal_conf *out);
/* Threshold reached: combine, check the KCV, act; wipes the attempt. */
int seal_attempt_complete(struct seal *s, enum custodian_purpose purpose,
    struct seal_attempt *a, uint64_t now);
/* Start an attempt the caller may start implicitly (unseal; verify after a
 * restart), expiring a stale one first. */
int seal_attempt_ensure(struct seal *s, enum custodian_purpose purpose,
    struct seal_attempt *a, uint64_t now);
/* Expire an attempt whose time is up, keeping its nonce for refusals. */
void seal_attempt_expire_due(struct seal_attempt *a, uint64_t now);
struct seal_attempt *seal_attempt_slot(struct seal *s,
    enum custodian_purpose purpose);
int seal_state_check(const struct seal *s, enum custodian_purpose purpose);
void seal_attempt_info_fill(const struct seal_attempt *a,
    enum custodian_purpose purpose, struct seal_attempt_info *out);

/* Access to M: readable between _open and _close; noaccess otherwise. */
void seal_mk_open(struct seal *s);
void seal_mk_close(struct seal *s);
/* Wipe M and the keyring and drop every attempt. */
void seal_wipe(struct seal *s);

#endif /* ESCROW_SEAL_PRIV_H */
