/* SPDX-License-Identifier: ISC */
/*
 * The keyring: the terms, 32-byte keys that everything below the master
 * key is derived from (zone KEKs, the audit HMAC key).  Term 1 is made at
 * init; each rotation adds a term and makes it current, keeping the older
 * ones for what was derived from them.  No custodian is needed to rotate.
 *
 * At rest the keyring is one blob, AEAD-encrypted under the master key M
 * with XChaCha20-Poly1305 and the associated data "escrow-keyring-v1", so a
 * blob cannot be passed off as any other record.  In memory the terms live
 * in one sodium_malloc arena, read-only between changes.
 *
 * Blob layout (version 1): 0x01 || nonce (24) || AEAD(plain), where plain is
 * "EKR1" || u32 count || count x (u32 term || u64 install_time || key[32]),
 * integers big-endian, terms strictly increasing from 1.
 *
 * A keyring is not thread-safe; its owner (the seal domain) serialises
 * access.  Needs sodium_init() first.
 */
#ifndef ESCROW_KEYRING_H
#define ESCROW_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "escrow/err.h"

#define KEYRING_KEY_BYTES   32
#define KEYRING_MK_BYTES    32   /* the master key M */
#define KEYRING_TERMS_MAX   4096 /* rotations before a rekey is needed */
#define KEYRING_LABEL_MAX   64   /* bytes of a derivation purpose or name */
#define KEYRING_BLOB_HEADER (1 + 24)

struct keyring;

/**
 * A new keyring with term 1, installed at `now` (unix seconds).
 *
 * Returns 0 or -ENOMEM.  Secrets: free *out with keyring_free.
 */
ESC_MUST_CHECK int keyring_new(struct keyring **out, uint64_t now);

/** Wipe and free.  Accepts NULL. */
void keyring_free(struct keyring *kr);

/**
 * Add a term, installed at `now`, and make it current.
 *
 * Returns 0, -ENOSPC when KEYRING_TERMS_MAX terms exist, or -ENOMEM.  On
 * failure the keyring is unchanged.
 */
ESC_MUST_CHECK int keyring_rotate(struct keyring *kr, uint64_t now);

/** The current (highest) term number; terms count from 1. */
uint32_t keyring_term(const struct keyring *kr);

/** Install time of the current term, unix seconds. */
uint64_t keyring_install_time(const struct keyring *kr);

/**
 * Encrypt the keyring under the master key.  *blob is malloc'd ciphertext
 * (not secret); free it with free().
 *
 * Returns 0 or -ENOMEM.
 */
ESC_MUST_CHECK int keyring_seal(const struct keyring *kr,
    const uint8_t mk[static KEYRING_MK_BYTES], uint8_t **blob, size_t *bloblen);

/**
 * Decrypt a blob made by keyring_seal.
 *
 * Returns 0, or -ESC_ECORRUPT if the blob does not authenticate under `mk`
 * or its contents are malformed, or -ENOMEM.  On failure *out is NULL.
 * Secrets: free *out with keyring_free.
 */
ESC_MUST_CHECK int keyring_open(struct keyring **out,
    const uint8_t mk[static KEYRING_MK_BYTES], const uint8_t *blob,
    size_t bloblen);

/**
 * Derive a 32-byte key from term `term` for (purpose, name), for example
 * ("zone-kek", "transactions") or ("audit-hmac", "").  The KDF is keyed
 * BLAKE2b-256 with the term key over
 *     "escrow-kdf-v1" 0x00 purpose 0x00 name
 * so distinct (purpose, name) pairs give independent keys.
 *
 * Returns 0, -ENOENT if the term does not exist, or -EINVAL if purpose is
 * empty or either label is longer than KEYRING_LABEL_MAX bytes.
 * On failure `out` is zeroed.
 * Secrets: `out` is a key; the caller wipes it.
 */
ESC_MUST_CHECK int keyring_derive(const struct keyring *kr, uint32_t term,
    const char *purpose, const char *name, uint8_t out[static 32]);

#endif /* ESCROW_KEYRING_H */
