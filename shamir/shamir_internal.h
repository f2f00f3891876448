/* SPDX-License-Identifier: ISC */
/*
 * libshamir's internal entry point: a split whose randomness the caller
 * supplies.  It exists for the unit tests, the known-answer vectors and the
 * constant-time check (which must be able to taint the polynomial
 * coefficients as secret); production code calls shamir_split(), which
 * draws the same inputs from libsodium's CSPRNG.  Nothing outside shamir/
 * and tests/ may include this header.
 */
#ifndef SHAMIR_SHAMIR_INTERNAL_H
#define SHAMIR_SHAMIR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "shamir/shamir.h"

/*
 * Secrets are processed in blocks of this many bytes (four 64-bit words of
 * eight field elements each); a shorter tail is padded in a local buffer.
 */
#define SHAMIR_BLOCK_BYTES 32

/**
 * Split like shamir_split(), with given coefficients and x coordinates.
 *
 * coeffs: (k - 1) * len bytes, coefficient-major: coeffs[(j - 1) * len + t]
 * is the coefficient of x^j in the polynomial of secret byte t, for
 * j = 1..k-1 (the constant term is secret[t]).  Secret, like `secret`.
 * xs: n distinct non-zero x coordinates; share i gets xs[i].  Public.
 *
 * Returns 0, or
 *   -EINVAL  as shamir_split(), or coeffs or xs is NULL;
 *   -EDOM    some xs[i] is 0;
 *   -EEXIST  two xs are equal.
 * On failure nothing is written to `out`.
 * Secrets: `out` holds key material; the caller wipes it and `coeffs`.
 */
SHAMIR_MUST_CHECK int shamir_split_with(uint8_t *out, const uint8_t *secret,
    size_t len, unsigned k, unsigned n, const uint8_t *coeffs,
    const uint8_t *xs);

#endif /* SHAMIR_SHAMIR_INTERNAL_H */
