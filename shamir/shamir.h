/* SPDX-License-Identifier: ISC */
/*
 * Shamir secret sharing over GF(2^8), byte-compatible with HashiCorp Vault.
 *
 * The field is GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1
 * (0x11B).  Every byte of the secret gets its own random polynomial of
 * degree k - 1 whose constant term is that byte; share i holds the values
 * of all polynomials at one x coordinate.  A share is laid out as Vault
 * lays it out: the y bytes, one per secret byte, followed by the x byte.
 * The x coordinates are distinct, non-zero and drawn at random.
 *
 * Constant time: no branch and no memory index depends on a secret byte, a
 * share's y bytes or a polynomial coefficient.  The x coordinates are
 * public and may be branched on.  Every intermediate is wiped.
 *
 * This library knows nothing of escrow.  It depends only on libsodium
 * (randombytes_buf for randomness, sodium_memzero for wiping); the caller
 * must have called sodium_init() first.  Both functions are thread-safe.
 */
#ifndef SHAMIR_SHAMIR_H
#define SHAMIR_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define SHAMIR_MUST_CHECK __attribute__((warn_unused_result))
#define SHAMIR_SHARES_MAX 255 /* x = 0 would be the secret itself */
#define SHAMIR_OVERHEAD   1   /* the trailing x byte */

/**
 * Split `secret` (len bytes) into n shares, any k of which recover it.
 *
 * out: n shares of (len + 1) bytes each, back to back; share i is
 * y[0..len-1] followed by its x byte (HashiCorp Vault's layout).
 *
 * Returns 0, or -EINVAL if k < 2, k > n, n > SHAMIR_SHARES_MAX, len == 0,
 * or a pointer is NULL.  On failure nothing is written to `out`.
 * Secrets: `out` holds key material; the caller wipes it.
 */
SHAMIR_MUST_CHECK int shamir_split(uint8_t *out, const uint8_t *secret,
    size_t len, unsigned k, unsigned n);

/**
 * Recombine `count` shares of share_len bytes each, back to back (x last),
 * by Lagrange interpolation at x = 0 over all of them.
 *
 * Writes share_len - 1 bytes to `secret`.  With fewer shares than the
 * threshold the result is a wrong secret, not an error: Shamir shares carry
 * no integrity of their own (escrow checks commitments and a key check
 * value around this call).
 *
 * Returns 0, or
 *   -EINVAL  count < 2, share_len < 2, or a pointer is NULL;
 *   -EDOM    a share has x = 0;
 *   -EEXIST  two shares have the same x.
 * On failure the share_len - 1 bytes of `secret` (when share_len >= 2) are
 * zeroed.
 * Secrets: `secret` holds key material; the caller wipes it.
 */
SHAMIR_MUST_CHECK int shamir_combine(uint8_t *secret, const uint8_t *shares,
    size_t share_len, unsigned count);

#endif /* SHAMIR_SHAMIR_H */
