/* SPDX-License-Identifier: ISC */
/*
 * Arithmetic in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1
 * (0x11B), the field of HashiCorp Vault's Shamir shares.  Addition is XOR;
 * multiplication is carry-less multiplication reduced by 0x11B.
 *
 * Constant-time contract.  Two kinds of function live here, and their
 * names say which is which.
 *
 *   - Everything without "_vartime" in its name is constant time: it
 *     neither branches on nor indexes memory with the value of any
 *     argument, and it uses no tables.  gf256_mul is Vault's bit-serial
 *     loop with masks for conditionals; gf256_inv raises to the power 254.
 *     The "x8" functions work SWAR-style on a uint64_t holding eight
 *     elements, one per byte (a lane); lanes never interact, so byte order
 *     does not matter as long as words are loaded and stored with memcpy.
 *     These are the only functions that may ever see a secret, a share's
 *     y bytes or a polynomial coefficient.
 *
 *   - The "_vartime" functions look their arguments up in log and exp
 *     tables: the memory they touch depends on the values.  They exist for
 *     public values only, the x coordinates of shares and what is derived
 *     from x alone (powers of x, Lagrange coefficients), where they are
 *     many times faster.  Never pass them anything secret.  (The suffix is
 *     the one libsodium and other cryptographic libraries use for the same
 *     promise.)  The constant-time check under valgrind verifies that no
 *     secret-derived value reaches them.
 *
 * No state, no initialisation; thread-safe.  Internal to libshamir.
 */
#ifndef SHAMIR_GF256_H
#define SHAMIR_GF256_H

#include <stdint.h>

#define GF256_POLY    0x11B
#define GF256_ORDER   255 /* of the multiplicative group */
#define GF256_X8_ONES UINT64_C(0x0101010101010101) /* 1 in every lane */
#define GF256_X8_LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f) /* all but lane tops */

/* Logarithms and powers to the base 3, a generator; see the _vartime rule. */
extern const uint8_t gf256_log_table[256];
extern const uint8_t gf256_exp_table[2 * GF256_ORDER];

/** Returns a * b.  Constant time. */
uint8_t gf256_mul(uint8_t a, uint8_t b);

/**
 * Returns the multiplicative inverse of a, computed as a^254 with eleven
 * multiplications.  a = 0 has no inverse and gives 0 (as 0^254 does).
 * Constant time.
 */
uint8_t gf256_inv(uint8_t a);

/**
 * Returns a / b = a * b^-1.  Division by zero gives 0 rather than failing:
 * callers that can meet b = 0 must reject it themselves.  Constant time.
 */
uint8_t gf256_div(uint8_t a, uint8_t b);

/** Returns a word holding c in every lane. */
static inline uint64_t
gf256_x8_splat(uint8_t c)
{
	return GF256_X8_ONES * c;
}

/**
 * Returns w * 2 (xtime) in every lane: shift each lane left by one and,
 * where its top bit fell off, reduce by XOR with 0x1B.  This equals
 * ((w & LOW7) << 1) ^ (((w >> 7) & ONES) * 0x1B), with the multiply
 * written as (t << 8) - t = t * 0xFF for the top bits t moved to bit 0,
 * which cannot borrow across lanes.  Without a multiply, compilers
 * vectorize it with SSE2, which has no 64-bit multiply.  Constant time.
 */
static inline uint64_t
gf256_x8_double(uint64_t w)
{
	uint64_t hi = w & ~GF256_X8_LOW7;

	return ((w & GF256_X8_LOW7) << 1) ^
	    (((hi << 1) - (hi >> 7)) & UINT64_C(0x1b1b1b1b1b1b1b1b));
}

/**
 * Returns w * c in every lane: the XOR of the doublings w * 2^b selected
 * by the set bits of c.  The selection is by mask, not by branch, so it is
 * constant time in c as well as in w.
 */
static inline uint64_t
gf256_x8_mulc(uint64_t w, uint8_t c)
{
	uint64_t r = 0;

	for (unsigned b = 0; b < 8; b++) {
		r ^= w & (UINT64_C(0) - ((c >> b) & 1));
		w = gf256_x8_double(w);
	}
	return r;
}

/**
 * Returns the logarithm of a to the base 3, in 0..254.  a must not be 0,
 * which has no logarithm (the table holds 0 there).  PUBLIC values only.
 */
static inline unsigned
gf256_log_vartime(uint8_t a)
{
	return gf256_log_table[a];
}

/**
 * Returns 3^e for e < 510, enough for the sum of two logarithms without
 * reducing it.  PUBLIC values only.
 */
static inline uint8_t
gf256_exp_vartime(unsigned e)
{
	return gf256_exp_table[e];
}

#endif /* SHAMIR_GF256_H */
