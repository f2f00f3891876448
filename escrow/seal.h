/* SPDX-License-Identifier: ISC */
/*
 * A seal domain: the master key M, its custodians and shares, and the
 * state machine uninitialised -> sealed -> unsealed -> sealed.
 *
 * M (32 bytes) is never stored.  At init it is split k-of-n with Shamir;
 * each share is sealed to its custodian's X25519 key (crypto_box_seal) and
 * only the sealed share is stored, beside
 *     KCV          = BLAKE2b-256(key = M, "escrow-kcv-v1")
 *     commitment_i = BLAKE2b-256("escrow-share-v1" || share_i)
 * and the keyring encrypted under M.  The plaintext shares are wiped at
 * once.  In plaintext mode (Vault compatibility, only where the config
 * allows it) there are no custodians: the n shares are handed to the
 * caller once, and each is known by its x coordinate, named "share-<x>".
 *
 * Ceremonies collect shares in attempts held only in memory: unseal,
 * rekey (old shares), verify (new shares, when the rekey asked for
 * verification).  Each attempt has a random 16-byte nonce, an ephemeral
 * X25519 key pair, a threshold and an expiry (config: attempt_ttl).  A
 * submission is a share sealed to the attempt's key plus the custodian's
 * Ed25519 signature over it (see custodian.h); it is checked in this order
 * and refused with a reason that names the custodian: malformed,
 * unknown custodian or one holding no share of this attempt's set, nonce
 * of another attempt, expired attempt, bad signature, already submitted,
 * share does not match its commitment.  A refusal never changes the
 * attempt's progress.  At the threshold the shares are combined, the
 * result checked against the KCV, and the attempt wiped, success or not.
 *
 * Rekey makes a new M' and new shares (for new custodians, or in plaintext
 * mode), and re-encrypts only the keyring.  Without verification it takes
 * effect at once.  With verification, M' and its shares are stored as
 * pending while the old shares stay valid; once a quorum of the new shares
 * has been verified, one transaction makes them current.
 *
 * Storage (core.mdb): meta "config" (k, n, generation, KCV, mode),
 * meta "keyring" (the blob), shares <x> (name, commitment, sealed share),
 * custodians <name> (public keys), pending "config", "keyring", "share/<x>".
 * Every state change is one write transaction.  The root token made at
 * init is stored only as a hash, in auth.mdb (auth.h).
 *
 * Thread-safety: every function takes the domain's mutex, so the HTTP
 * pool may call them concurrently.  Results come back as plain values
 * (copies), never pointers into the domain.  Needs sodium_init() first.
 */
#ifndef ESCROW_SEAL_H
#define ESCROW_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "escrow/custodian.h"
#include "escrow/err.h"

#define SEAL_MK_BYTES       32
#define SEAL_SHARE_BYTES    (SEAL_MK_BYTES + 1) /* Vault layout: y || x */
#define SEAL_SEALED_BYTES   (SEAL_SHARE_BYTES + CUSTODIAN_SEAL_OVERHEAD)
#define SEAL_HASH_BYTES     32
#define SEAL_SHARES_MAX     255
#define SEAL_TTL_DEFAULT    600 /* seconds an attempt lives */
#define SEAL_TOKEN_MAX      64  /* chars of a root token, without NUL */
#define SEAL_PLAIN_NAME_FMT "share-%u"

struct store;
struct seal;

enum seal_state {
	SEAL_STATE_UNINIT,
	SEAL_STATE_SEALED,
	SEAL_STATE_UNSEALED,
};

struct seal_config {
	unsigned attempt_ttl; /* seconds; 0 = SEAL_TTL_DEFAULT */
	bool allow_plaintext; /* accept and hand out Vault-style shares */
};

/* What a caller may know of the domain; a copy. */
struct seal_status {
	enum seal_state state;
	unsigned k, n;                 /* 0, 0 when uninitialised */
	uint32_t generation;           /* bumps at each completed rekey */
	bool plaintext;                /* initialised in plaintext mode */
	bool rekey_pending;            /* new shares await verification */
	unsigned pending_k, pending_n; /* their threshold and count */
};

/* One ceremony attempt, as a copy. */
struct seal_attempt_info {
	enum custodian_purpose purpose;
	bool active; /* false: none in progress */
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];
	uint8_t pk[CUSTODIAN_BOX_PK_BYTES]; /* seal submissions to this */
	uint64_t started, expires;          /* unix seconds */
	unsigned threshold, progress;
	/* rekey attempts: the parameters being installed */
	unsigned new_k, new_n;
	bool require_verification;
	/* who submitted: only the first `progress` entries are set, then
	 * one empty string (the rest is left as it was) */
	char submitted[SEAL_SHARES_MAX][CUSTODIAN_NAME_MAX + 1];
};

/* The outcome of an accepted submission. */
struct seal_progress {
	unsigned progress, threshold;
	bool complete; /* the threshold was reached and the ceremony done */
};

/**
 * Open the seal domain over an open store and load its state (sealed if
 * initialised, else uninitialised).  `cfg` may be NULL for the defaults.
 *
 * Returns 0, or -ESC_ECORRUPT if the stored records do not parse, -ENOMEM,
 * or a store error.  On failure *out is NULL.
 */
ESC_MUST_CHECK int seal_open(struct seal **out, struct store *st,
    const struct seal_config *cfg);

/** Seal (wipe every key), drop every attempt, and free.  Accepts NULL. */
void seal_close(struct seal *s);

/** A copy of the domain's status. */
void seal_status_get(struct seal *s, struct seal_status *out);

/**
 * Register a custodian's public keys under its name (before init, or to
 * name new custodians for a rekey).  Registering the same keys again is a
 * no-op.
 *
 * Returns 0, or -EINVAL for an invalid name, -EEXIST if the name is taken
 * by other keys, or a store error.
 */
ESC_MUST_CHECK int seal_custodian_add(struct seal *s,
    const struct custodian_pub *pub);

/**
 * Look up a registered custodian.
 *
 * Returns 0, -ENOENT, -EINVAL for an invalid name, or a store error.
 */
ESC_MUST_CHECK int seal_custodian_get(struct seal *s, const char *name,
    struct custodian_pub *out);

/**
 * Call fn(arg, pub, holds_share) for every registered custodian in name
 * order; holds_share tells whether it holds a current share.  A non-zero
 * return from fn stops the walk and is returned.
 */
ESC_MUST_CHECK int seal_custodian_foreach(struct seal *s,
    int (*fn)(void *arg, const struct custodian_pub *pub, bool holds_share),
    void *arg);

/**
 * Initialise: make M and the keyring, split M k-of-n, store the sealed
 * shares, KCV and commitments, and issue the root token.  The domain stays
 * sealed afterwards, as Vault's does.
 *
 * names: the n registered custodians to seal shares to, in order; or NULL
 * for plaintext mode (needs cfg.allow_plaintext), in which case `plain`
 * (n * SEAL_SHARE_BYTES, sodium_malloc'd by the caller) receives the n
 * plaintext shares, once.  token receives the root token, NUL-terminated.
 *
 * Returns 0, or
 *   -ESC_EINITED     already initialised;
 *   -EINVAL          k < 2, k > n, n > SEAL_SHARES_MAX, a name repeated,
 *                    or names == NULL and plain == NULL;
 *   -ENOENT          a name is not a registered custodian;
 *   -ESC_EPLAINTEXT  plaintext mode without cfg.allow_plaintext;
 *   -ENOMEM, or a store error.
 * On failure nothing is stored, and `plain` and `token` are zeroed.
 * Secrets: `plain` and `token` are secrets; the caller wipes them.
 */
ESC_MUST_CHECK int seal_init(struct seal *s, uint64_t now, unsigned k,
    unsigned n, const char *const *names, uint8_t *plain,
    char token[static SEAL_TOKEN_MAX + 1]);

/**
 * The sealed share stored for custodian `name` (SEAL_SEALED_BYTES to
 * `sealed`) and, when `commitment` is not NULL, its commitment;
 * `pending` selects the share of a rekey awaiting verification.  Both
 * are public: only that custodian's key opens the share, and the
 * commitment lets the custodian check it without unsealing anything.
 *
 * Returns 0, -ENOENT if the custodian holds no such share, -ESC_EUNINIT,
 * or a store error.
 */
ESC_MUST_CHECK int seal_share_get(struct seal *s, const char *name,
    bool pending, uint8_t sealed[static SEAL_SEALED_BYTES],
    uint8_t commitment[SEAL_HASH_BYTES]);

/**
 * The attempt of kind `purpose` (UNSEAL, REKEY or VERIFY), started now if
 * none is in progress or the last one expired (UNSEAL only: rekey
 * attempts are started by seal_rekey_start, verify attempts by the rekey).
 *
 * Returns 0, or -ESC_EUNINIT, -ESC_EUNSEALED (an unseal attempt while
 * unsealed), -ESC_ESEALED (rekey or verify while sealed), -ESC_ENOATTEMPT
 * (no rekey or verification in progress; *out is filled with active =
 * false), -EINVAL for another purpose, -ENOMEM.
 */
ESC_MUST_CHECK int seal_attempt_get(struct seal *s,
    enum custodian_purpose purpose, uint64_t now,
    struct seal_attempt_info *out);

/**
 * The attempt of kind `purpose` as it stands, never starting one: *out
 * has active = false when none is live (an expired one is dropped).
 *
 * Returns 0, or -EINVAL for a bad purpose.
 */
int seal_attempt_peek(struct seal *s, enum custodian_purpose purpose,
    uint64_t now, struct seal_attempt_info *out);

/**
 * Submit custodian `name`'s share to the attempt of kind `purpose`:
 * `sealed` is the share sealed to the attempt's key, `sig` the custodian's
 * signature over it (custodian_submission_make).
 *
 * Returns 0 with *out filled, or (each refusal leaves progress unchanged)
 *   -ESC_EMALFORMED   sealed_len is not SEAL_SEALED_BYTES, or the box does
 *                     not open with the attempt's key;
 *   -ESC_ECUSTODIAN   name is not registered or holds no share of the set
 *                     this attempt collects;
 *   -ESC_ENOATTEMPT   no attempt of this kind in progress;
 *   -ESC_ENONCE       nonce names no current attempt (a replay);
 *   -ESC_EEXPIRED     nonce names the attempt that has expired;
 *   -ESC_EBADSIG      the signature does not verify;
 *   -ESC_EDUPLICATE   this custodian already submitted to this attempt;
 *   -ESC_EBADSHARE    the share does not match the custodian's commitment;
 *   -ESC_EKCV         at the threshold, the result fails the KCV (the
 *                     attempt is wiped);
 *   -ESC_EUNINIT, -ESC_ESEALED, -ESC_EUNSEALED as for seal_attempt_get;
 *   -ESC_ECORRUPT, -ENOMEM, or a store error.
 */
ESC_MUST_CHECK int seal_submit(struct seal *s, enum custodian_purpose purpose,
    uint64_t now, const char *name,
    const uint8_t nonce[static CUSTODIAN_NONCE_BYTES], const uint8_t *sealed,
    size_t sealed_len, const uint8_t sig[static CUSTODIAN_SIG_BYTES],
    struct seal_progress *out);

/**
 * Submit a Vault-style plaintext share (hex- or base64-decoded, with its
 * x byte last) to the attempt of kind `purpose`.  Needs
 * cfg.allow_plaintext.  The share is known by its x coordinate and checked
 * against the commitment stored for that x, so a wrong share is refused
 * naming its holder (`who` receives the name, also on refusal when known).
 * An unseal attempt is started if none is in progress.  `nonce`, when not
 * NULL, must name the attempt (Vault's rekey and verify calls carry it;
 * its unseal call does not).
 *
 * Returns as seal_submit, except that signatures play no part, plus
 * -ESC_EPLAINTEXT when not allowed; -ESC_ECUSTODIAN when no current share
 * has this x; -ESC_EMALFORMED when len is not SEAL_SHARE_BYTES.
 * Secrets: `share` is borrowed and not kept beyond the attempt.
 */
ESC_MUST_CHECK int seal_submit_plaintext(struct seal *s,
    enum custodian_purpose purpose, uint64_t now,
    const uint8_t nonce[CUSTODIAN_NONCE_BYTES], const uint8_t *share,
    size_t len, char who[static CUSTODIAN_NAME_MAX + 1],
    struct seal_progress *out);

/**
 * Drop the attempt of kind `purpose` (wiping what it collected).  For
 * REKEY this cancels the rekey; the nonce must match it (no blind cancel).
 * For VERIFY it restarts verification with a new nonce.
 *
 * Returns 0, or -ESC_ENOATTEMPT, -ESC_ENONCE (nonce given and not the
 * current one), -EINVAL for a bad purpose.
 */
ESC_MUST_CHECK int seal_attempt_reset(struct seal *s,
    enum custodian_purpose purpose, const uint8_t nonce[CUSTODIAN_NONCE_BYTES],
    uint64_t now);

/**
 * Seal: wipe M and the keyring from memory and drop every attempt.
 *
 * Returns 0, or -ESC_EUNINIT, or -ESC_ESEALED if already sealed.
 */
ESC_MUST_CHECK int seal_seal(struct seal *s);

/**
 * Start a rekey to k-of-n (unsealed only).  names: the n registered
 * custodians of the new share set, or NULL for plaintext mode (needs
 * cfg.allow_plaintext).  The rekey attempt then collects a quorum of the
 * CURRENT shares through seal_submit(CUSTODIAN_PURPOSE_REKEY).  When it
 * completes, the new sealed shares can be fetched with seal_share_get
 * (pending = require_verification); in plaintext mode the domain keeps
 * the new shares in guarded memory until seal_rekey_take_plain.
 *
 * Returns 0 with *out describing the attempt, or -ESC_ESEALED,
 * -ESC_EUNINIT, -ESC_EINPROGRESS (a rekey or verification is in progress:
 * cancel it first), -EINVAL, -ENOENT, -ESC_EPLAINTEXT as for seal_init,
 * -ENOMEM.
 */
ESC_MUST_CHECK int seal_rekey_start(struct seal *s, uint64_t now, unsigned k,
    unsigned n, const char *const *names, bool require_verification,
    struct seal_attempt_info *out);

/**
 * After a plaintext-mode rekey completed, copy the new shares (n *
 * SEAL_SHARE_BYTES) to `plain` once and wipe the domain's copy.
 *
 * Returns 0 with *n set, or -ENOENT if there are none to take.
 * Secrets: `plain` receives shares; the caller wipes it.
 */
ESC_MUST_CHECK int seal_rekey_take_plain(struct seal *s, uint8_t *plain,
    size_t cap, unsigned *n);

/**
 * Add a keyring term (unsealed only) and store the re-encrypted keyring.
 *
 * Returns 0, or -ESC_ESEALED, -ESC_EUNINIT, -ENOSPC, -ENOMEM, or a store
 * error; on failure the stored and in-memory keyrings are unchanged.
 */
ESC_MUST_CHECK int seal_keyring_rotate(struct seal *s, uint64_t now);

/**
 * Current keyring term and its install time (unsealed only).
 *
 * Returns 0, or -ESC_ESEALED, -ESC_EUNINIT.
 */
ESC_MUST_CHECK int seal_keyring_status(struct seal *s, uint32_t *term,
    uint64_t *install_time);

/**
 * Derive a key from the keyring (unsealed only): see keyring_derive.
 * term 0 means the current term.
 *
 * Returns 0, or -ESC_ESEALED, -ESC_EUNINIT, -ENOENT, -EINVAL.
 * Secrets: `out` is a key; the caller wipes it.
 */
ESC_MUST_CHECK int seal_derive(struct seal *s, uint32_t term,
    const char *purpose, const char *name, uint8_t out[static 32]);

/**
 * Check a plaintext share against the commitment stored for custodian
 * `name` (`pending`: the share set awaiting verification), without
 * unsealing anything.  Works on a read-only store.
 *
 * Returns 0 if it matches, or -ESC_EBADSHARE, -ESC_EMALFORMED (len is not
 * SEAL_SHARE_BYTES), -ENOENT (no such share), -ESC_EUNINIT, or a store
 * error.
 */
ESC_MUST_CHECK int seal_share_verify(struct seal *s, const char *name,
    bool pending, const uint8_t *share, size_t len);

/** KCV of a master key (public). */
void seal_kcv(const uint8_t mk[static SEAL_MK_BYTES],
    uint8_t out[static SEAL_HASH_BYTES]);

/** Commitment to one share (public). */
void seal_share_commitment(const uint8_t share[static SEAL_SHARE_BYTES],
    uint8_t out[static SEAL_HASH_BYTES]);

#endif /* ESCROW_SEAL_H */
