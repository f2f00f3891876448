/* SPDX-License-Identifier: ISC */
/*
 * Custodians: the people who each hold one share of the master key.
 *
 * A custodian's identity is two key pairs: X25519 (crypto_box) to receive
 * sealed shares and Ed25519 (crypto_sign) to sign submissions.  Only the
 * public halves are ever registered with escrow.  The secret halves live in
 * a key file encrypted under the custodian's passphrase (Argon2id through
 * crypto_pwhash, XChaCha20-Poly1305), created 0600 with O_EXCL|O_NOFOLLOW,
 * and in memory only in sodium_malloc'd struct custodian_key objects.
 *
 * The public half travels as one line:
 *     escrow-custodian-v1 NAME BOX_PK_BASE64 SIGN_PK_BASE64
 * and is shown to humans with a fingerprint (hex of BLAKE2b-128 over both
 * public keys) to compare out of band.
 *
 * A submission (of a share to an unseal, rekey, verification or drill
 * attempt) is the share sealed with crypto_box_seal to the attempt's
 * ephemeral public key, plus an Ed25519 signature over
 *     "escrow-submission-v1" || purpose byte || attempt nonce || sealed
 * so that a signed submission cannot be replayed into another attempt or
 * another kind of ceremony.
 *
 * Key derivation (crypto_pwhash) is slow by design: only the CLI calls
 * custodian_key_save/load, never the daemon.  Everything else is cheap and
 * thread-safe.  Needs sodium_init() first.
 */
#ifndef ESCROW_CUSTODIAN_H
#define ESCROW_CUSTODIAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "escrow/err.h"

#define CUSTODIAN_NAME_MAX      32 /* [a-z0-9][a-z0-9._-]*, no other bytes */
#define CUSTODIAN_BOX_PK_BYTES  crypto_box_PUBLICKEYBYTES
#define CUSTODIAN_SIGN_PK_BYTES crypto_sign_PUBLICKEYBYTES
#define CUSTODIAN_SIG_BYTES     crypto_sign_BYTES
#define CUSTODIAN_SEAL_OVERHEAD crypto_box_SEALBYTES
#define CUSTODIAN_NONCE_BYTES   16  /* attempt nonces */
#define CUSTODIAN_FPR_CHARS     32  /* hex of 16 bytes */
#define CUSTODIAN_LINE_MAX      160 /* a public line, without newline */
#define CUSTODIAN_SHARE_MAX     64  /* bytes of a plaintext share */

enum custodian_purpose {
	CUSTODIAN_PURPOSE_UNSEAL = 1,
	CUSTODIAN_PURPOSE_REKEY = 2,
	CUSTODIAN_PURPOSE_VERIFY = 3,
	CUSTODIAN_PURPOSE_DRILL = 4,
};

struct custodian_pub {
	char name[CUSTODIAN_NAME_MAX + 1];
	uint8_t box_pk[CUSTODIAN_BOX_PK_BYTES];
	uint8_t sign_pk[CUSTODIAN_SIGN_PK_BYTES];
};

/* Opaque; the secret keys inside are in sodium_malloc memory. */
struct custodian_key;

/** Whether `name` is 1..CUSTODIAN_NAME_MAX bytes of [a-z0-9._-] starting
 * with a letter or digit. */
bool custodian_name_valid(const char *name);

/**
 * Parse a public line (trailing newline and spaces allowed).
 *
 * Returns 0, or -ESC_EMALFORMED for a wrong prefix, an invalid name, bad
 * base64, a wrong key length, or extra fields.
 */
ESC_MUST_CHECK int custodian_pub_parse(struct custodian_pub *out,
    const char *line, size_t len);

/**
 * Format `pub` as its public line, NUL-terminated, without a newline.
 *
 * Returns 0, or -ENOSPC if cap is too small (CUSTODIAN_LINE_MAX + 1 is
 * always enough), or -EINVAL if the name is invalid.
 */
ESC_MUST_CHECK int custodian_pub_format(const struct custodian_pub *pub,
    char *buf, size_t cap);

/** Hex fingerprint of both public keys; out gets CUSTODIAN_FPR_CHARS + 1. */
void custodian_pub_fingerprint(const struct custodian_pub *pub,
    char out[static CUSTODIAN_FPR_CHARS + 1]);

/**
 * Generate a fresh identity named `name`.
 *
 * Returns 0, -EINVAL for an invalid name, or -ENOMEM.
 * Secrets: *out holds secret keys; free it with custodian_key_free.
 */
ESC_MUST_CHECK int custodian_key_generate(struct custodian_key **out,
    const char *name);

/** Wipe and free.  Accepts NULL. */
void custodian_key_free(struct custodian_key *key);

/** The public half of `key`; borrowed, valid while `key` lives. */
const struct custodian_pub *custodian_key_pub(const struct custodian_key *key);

/**
 * Write `key` to a new file at `path` (O_CREAT|O_EXCL|O_NOFOLLOW, mode
 * 0600, fsynced), encrypted under the passphrase with Argon2id at the
 * given cost (opslimit, memlimit as crypto_pwhash takes them; 0, 0 means
 * crypto_pwhash_OPSLIMIT_MODERATE / MEMLIMIT_MODERATE).
 *
 * Returns 0, or -EEXIST if the path exists, -EINVAL for an empty
 * passphrase or costs below crypto_pwhash's minimums or above
 * crypto_pwhash_OPSLIMIT_SENSITIVE / MEMLIMIT_SENSITIVE (which
 * custodian_key_load refuses), -ENOMEM, or -errno.
 * On failure no file is left behind.
 * Secrets: the passphrase is borrowed and not kept.
 */
ESC_MUST_CHECK int custodian_key_save(const struct custodian_key *key,
    const char *path, const char *pass, size_t passlen,
    unsigned long long opslimit, size_t memlimit);

/**
 * Read and decrypt a key file.  Refuses Argon2 costs above
 * crypto_pwhash_OPSLIMIT_SENSITIVE / MEMLIMIT_SENSITIVE, so a hostile file
 * cannot make the CLI spend unbounded time or memory.
 *
 * Returns 0, or -ENOENT, -ESC_EMALFORMED (not a key file, or costs out of
 * range), -ESC_EPASSPHRASE (wrong passphrase or tampered file), -ENOMEM,
 * or -errno.
 * Secrets: *out holds secret keys; free it with custodian_key_free.
 */
ESC_MUST_CHECK int custodian_key_load(struct custodian_key **out,
    const char *path, const char *pass, size_t passlen);

/**
 * Seal a share (at most CUSTODIAN_SHARE_MAX bytes) to a X25519 public key
 * (a custodian's box_pk, or an attempt's ephemeral key).  `out` receives
 * len + CUSTODIAN_SEAL_OVERHEAD bytes.
 *
 * Returns 0, or -EINVAL if len is 0 or too long, -ESC_ECRYPTO.
 */
ESC_MUST_CHECK int custodian_share_seal(uint8_t *out,
    const uint8_t pk[static CUSTODIAN_BOX_PK_BYTES], const uint8_t *share,
    size_t len);

/**
 * Open a share sealed to this custodian's box key.  `share` receives
 * sealed_len - CUSTODIAN_SEAL_OVERHEAD bytes (at most cap).
 *
 * Returns 0, or -EINVAL if the sizes do not fit, -ESC_ECRYPTO if the box
 * does not open (not for this custodian, or tampered).  On failure `share`
 * is zeroed up to cap.
 * Secrets: `share` is a secret; the caller wipes it.
 */
ESC_MUST_CHECK int custodian_share_open(const struct custodian_key *key,
    uint8_t *share, size_t cap, const uint8_t *sealed, size_t sealed_len);

/**
 * Make a submission: seal `share` to the attempt's ephemeral key and sign
 * it for (purpose, nonce).  `sealed` receives len +
 * CUSTODIAN_SEAL_OVERHEAD bytes; `sig` CUSTODIAN_SIG_BYTES.
 *
 * Returns 0, or -EINVAL for a bad purpose or length, -ESC_ECRYPTO.
 */
ESC_MUST_CHECK int custodian_submission_make(const struct custodian_key *key,
    enum custodian_purpose purpose,
    const uint8_t nonce[static CUSTODIAN_NONCE_BYTES],
    const uint8_t attempt_pk[static CUSTODIAN_BOX_PK_BYTES],
    const uint8_t *share, size_t len, uint8_t *sealed,
    uint8_t sig[static CUSTODIAN_SIG_BYTES]);

/**
 * Check a submission's signature against the custodian's sign_pk.
 *
 * Returns 0, or -ESC_EBADSIG if it does not verify, -EINVAL for a bad
 * purpose or an empty or oversize sealed share.
 */
ESC_MUST_CHECK int custodian_submission_verify(const struct custodian_pub *pub,
    enum custodian_purpose purpose,
    const uint8_t nonce[static CUSTODIAN_NONCE_BYTES], const uint8_t *sealed,
    size_t sealed_len, const uint8_t sig[static CUSTODIAN_SIG_BYTES]);

/**
 * Sign a message with the custodian's Ed25519 key (audit cosignatures use
 * it).  A message that starts with the submission domain
 * "escrow-submission-v1" is refused, so nothing signed here can pass for a
 * share submission.
 *
 * Returns 0, -EINVAL for such a message (sig zeroed), or -ESC_ECRYPTO.
 */
ESC_MUST_CHECK int custodian_sign(const struct custodian_key *key,
    const uint8_t *msg, size_t len, uint8_t sig[static CUSTODIAN_SIG_BYTES]);

#endif /* ESCROW_CUSTODIAN_H */
