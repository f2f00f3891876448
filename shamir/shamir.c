/* SPDX-License-Identifier: ISC */
/*
 * Shamir split and combine over GF(2^8), byte-compatible with Vault, fast
 * and constant time because every multiplication that touches a secret is
 * by a public constant.  The secret is processed 32 bytes (four SWAR words
 * of eight field elements) at a time.  Splitting evaluates all the byte
 * polynomials of a block at once: for each coefficient a_j, the products
 * a_j * c are tabulated by nibble of c once, and share i adds the two
 * entries picked by x_i^j, a public value.  Combining weights each share
 * by its Lagrange coefficient for x = 0, which depends only on the public
 * x coordinates and is computed once per call, in the log domain.
 *
 * Constant time: branches and memory addresses depend only on len, k, n,
 * count and the x coordinates, which the header declares public.  Secret
 * bytes, coefficients and y bytes only ever meet XOR, shifts and AND with
 * masks made from public bits (tests/ctcheck_shamir.c checks this).
 *
 * Stack use is bounded: 255 one-block accumulators or share blocks (8 KiB)
 * and, in shamir_split, one block of random coefficients per share
 * (8 KiB).  Every intermediate that holds a secret, a coefficient or a
 * share is wiped before returning.
 */
#include "shamir/shamir.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "shamir/gf256.h"
#include "shamir/shamir_internal.h"

#define BLOCK_WORDS  (SHAMIR_BLOCK_BYTES / 8)
#define XRAND_BYTES  4 /* random bytes consumed per x coordinate */
#define COEFFS_MAX   ((SHAMIR_SHARES_MAX - 1) * SHAMIR_BLOCK_BYTES)
#define RANDOM_BYTES (COEFFS_MAX + SHAMIR_SHARES_MAX * XRAND_BYTES)

_Static_assert(SHAMIR_BLOCK_BYTES % 8 == 0, "a block is whole words");
_Static_assert(SHAMIR_SHARES_MAX == GF256_ORDER, "x is any non-zero byte");

/* One block of the secret or of a share: BLOCK_WORDS words of 8 lanes. */
struct block {
	uint64_t w[BLOCK_WORDS];
};

static inline size_t
block_len(size_t len, size_t off)
{
	return len - off < SHAMIR_BLOCK_BYTES ? len - off : SHAMIR_BLOCK_BYTES;
}

/* d = s * 2: block-wide xtime. */
static inline void
block_double(struct block *restrict d, const struct block *restrict s)
{
	for (unsigned w = 0; w < BLOCK_WORDS; w++)
		d->w[w] = gf256_x8_double(s->w[w]);
}

/* d = a + b. */
static inline void
block_xor(struct block *restrict d, const struct block *a,
    const struct block *b)
{
	for (unsigned w = 0; w < BLOCK_WORDS; w++)
		d->w[w] = a->w[w] ^ b->w[w];
}

/*
 * Copies blen (at most a block) bytes into a block, or out of one.  The
 * branch is on a public length: a whole block becomes a fixed-size copy
 * that the compiler inlines, where a variable one would call libc.
 */
static inline void
block_load(struct block *b, const uint8_t *src, size_t blen)
{
	if (blen == SHAMIR_BLOCK_BYTES)
		memcpy(b->w, src, SHAMIR_BLOCK_BYTES);
	else
		memcpy(b->w, src, blen);
}

static inline void
block_store(uint8_t *dst, const struct block *b, size_t blen)
{
	if (blen == SHAMIR_BLOCK_BYTES)
		memcpy(dst, b->w, SHAMIR_BLOCK_BYTES);
	else
		memcpy(dst, b->w, blen);
}

/*
 * Fills lo[c] = a * c and hi[c] = a * (c << 4) for every nibble c, so that
 * a * p = lo[p & 15] + hi[p >> 4] for any byte p, given lo[0] = 0 and
 * lo[1] = a.  The eight doublings a * 2^b land on the power-of-two entries;
 * every other entry c + t (t < c) is the XOR of two earlier ones.  All of
 * it is arithmetic on a; the loops depend on c and t only, and are
 * unrolled (GCC and clang both take the pragma) because their overhead
 * would otherwise cost a tenth of a small split.
 */
static void
block_nibbles(struct block lo[16], struct block hi[16])
{
	memset(&hi[0], 0, sizeof(hi[0]));
	block_double(&lo[2], &lo[1]);
	block_double(&lo[4], &lo[2]);
	block_double(&lo[8], &lo[4]);
	block_double(&hi[1], &lo[8]);
	block_double(&hi[2], &hi[1]);
	block_double(&hi[4], &hi[2]);
	block_double(&hi[8], &hi[4]);
#pragma GCC unroll 4
	for (unsigned c = 2; c < 16; c <<= 1) {
#pragma GCC unroll 8
		for (unsigned t = 1; t < c; t++) {
			block_xor(&lo[c + t], &lo[c], &lo[t]);
			block_xor(&hi[c + t], &hi[c], &hi[t]);
		}
	}
}

/*
 * Draws n distinct non-zero x coordinates: the first n entries of a partial
 * Fisher-Yates shuffle of 1..255.  Each swap index comes from a 32-bit
 * random value reduced modulo the remaining range, so the draw is biased by
 * at most 255 / 2^32, which is negligible; and x is public (every share
 * carries it in the clear), so neither that bias nor the data-dependent
 * branches and indexing here can reveal a secret.  The pool is kept
 * sparse: position p holds p + 1 until a swap moves another value there,
 * and position i is final once step i has drawn from it, so only the
 * moved values need storing.
 */
static void
xs_draw(uint8_t *xs, const uint8_t *rnd, unsigned n)
{
	uint8_t moved[SHAMIR_SHARES_MAX];
	uint64_t touched[4] = { 0 };

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = rnd + (size_t)i * XRAND_BYTES;
		uint32_t r = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		unsigned j = i + r % (SHAMIR_SHARES_MAX - i);
		uint64_t bi = UINT64_C(1) << (i & 63),
		         bj = UINT64_C(1) << (j & 63);
		uint8_t vi = touched[i >> 6] & bi ? moved[i] : (uint8_t)(i + 1);

		xs[i] = touched[j >> 6] & bj ? moved[j] : (uint8_t)(j + 1);
		moved[j] = vi;
		touched[j >> 6] |= bj;
	}
}

/*
 * Checks that the count x coordinates, stride bytes apart, are non-zero
 * and distinct: -EDOM or -EEXIST at the first that is not.  More than 255
 * of them cannot pass, which callers rely on to bound their per-x arrays.
 */
static int
xs_check(const uint8_t *xs, size_t stride, unsigned count)
{
	uint64_t seen[4] = { 0 };

	for (unsigned i = 0; i < count; i++) {
		unsigned x = xs[(size_t)i * stride];
		uint64_t bit = UINT64_C(1) << (x & 63);

		if (x == 0)
			return -EDOM;
		if (seen[x >> 6] & bit)
			return -EEXIST;
		seen[x >> 6] |= bit;
	}
	return 0;
}

/*
 * Evaluates the polynomials of one block of blen secret bytes at every x:
 * acc[i] = sum_j a_j * x_i^j.  The constant term a_0 is the secret; the
 * coefficient a_j (j >= 1) of every byte is at coeffs + (j - 1) * stride.
 * For each a_j the nibble tables are built once (7 doublings and 22 XORs
 * per word), then each share adds the two entries chosen by x_i^j.  Those
 * indices are public: x_i^j is found from the logarithm of the share's
 * public x, e[i] = j * log(x_i) mod 255.  Lanes past blen stay zero.
 */
static void
split_block(struct block *restrict acc, const uint8_t *secret, size_t blen,
    const uint8_t *coeffs, size_t stride, unsigned k, unsigned n,
    const uint8_t *xs)
{
	struct block lo[16], hi[16]; /* secret: multiples of a_j */
	uint8_t e[SHAMIR_SHARES_MAX], p[SHAMIR_SHARES_MAX];

	memset(&lo[0], 0, sizeof(lo[0]));
	block_load(&lo[0], secret, blen);
	for (unsigned i = 0; i < n; i++) {
		acc[i] = lo[0];
		e[i] = 0;
	}
	memset(&lo[0], 0, 2 * sizeof(lo[0]));
	for (unsigned j = 1; j < k; j++) {
		block_load(&lo[1], coeffs + (size_t)(j - 1) * stride, blen);
		block_nibbles(lo, hi);
		for (unsigned i = 0; i < n; i++) {
			unsigned t = e[i] + gf256_log_vartime(xs[i]);

			p[i] = gf256_exp_vartime(t);
			e[i] =
			    (uint8_t)(t >= GF256_ORDER ? t - GF256_ORDER : t);
		}
		for (unsigned i = 0; i < n; i++) {
			const struct block *l4 = &lo[p[i] & 15],
			                   *h4 = &hi[p[i] >> 4];

			for (unsigned w = 0; w < BLOCK_WORDS; w++)
				acc[i].w[w] ^= l4->w[w] ^ h4->w[w];
		}
	}
	sodium_memzero(lo, sizeof(lo));
	sodium_memzero(hi, sizeof(hi));
}

/*
 * Splits block by block into out.  With coeffs, the coefficients come from
 * there (coefficient-major, stride len); without, from rnd, which already
 * holds the first block's and is refilled for every later block.
 */
static void
split_blocks(uint8_t *out, const uint8_t *secret, size_t len, unsigned k,
    unsigned n, const uint8_t *coeffs, uint8_t *rnd, const uint8_t *xs)
{
	struct block acc[SHAMIR_SHARES_MAX]; /* secret: every share's y */
	size_t blen;

	for (size_t off = 0; off < len; off += blen) {
		blen = block_len(len, off);
		if (coeffs != NULL)
			split_block(acc, secret + off, blen, coeffs + off, len,
			    k, n, xs);
		else {
			if (off > 0)
				randombytes_buf(rnd, (size_t)(k - 1) * blen);
			split_block(acc, secret + off, blen, rnd, blen, k, n,
			    xs);
		}
		for (unsigned i = 0; i < n; i++)
			block_store(out + i * (len + 1) + off, &acc[i], blen);
	}
	for (unsigned i = 0; i < n; i++)
		out[i * (len + 1) + len] = xs[i];
	sodium_memzero(acc, n * sizeof(acc[0]));
}

static int
split_check(const uint8_t *out, const uint8_t *secret, size_t len, unsigned k,
    unsigned n)
{
	if (out == NULL || secret == NULL || len == 0 || k < 2 || k > n ||
	    n > SHAMIR_SHARES_MAX)
		return -EINVAL;
	return 0;
}

int
shamir_split(uint8_t *out, const uint8_t *secret, size_t len, unsigned k,
    unsigned n)
{
	uint8_t rnd[RANDOM_BYTES]; /* secret: coefficients */
	uint8_t xs[SHAMIR_SHARES_MAX];
	size_t clen, rlen = 0;
	int rc;

	if ((rc = split_check(out, secret, len, k, n)) != 0)
		goto out;
	/*
	 * One draw covers the first block's coefficients and the x
	 * coordinates, so a secret of up to one block costs one call.
	 */
	clen = (size_t)(k - 1) * block_len(len, 0);
	rlen = clen + (size_t)n * XRAND_BYTES;
	randombytes_buf(rnd, rlen);
	xs_draw(xs, rnd + clen, n);
	split_blocks(out, secret, len, k, n, NULL, rnd, xs);
out:
	/* Later blocks refill at most the first block's clen bytes. */
	sodium_memzero(rnd, rlen);
	return rc;
}

int
shamir_split_with(uint8_t *out, const uint8_t *secret, size_t len, unsigned k,
    unsigned n, const uint8_t *coeffs, const uint8_t *xs)
{
	int rc;

	if ((rc = split_check(out, secret, len, k, n)) != 0)
		goto out;
	if (coeffs == NULL || xs == NULL) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = xs_check(xs, 1, n)) != 0)
		goto out;
	split_blocks(out, secret, len, k, n, coeffs, NULL, xs);
out:
	return rc;
}

/*
 * Computes the Lagrange coefficients for interpolation at x = 0,
 * L_i = prod_{m != i} x_m / (x_m + x_i), addition being XOR, in the log
 * domain: log L_i = sum_{m != i} log x_m - sum_{m != i} log(x_m + x_i),
 * mod 255.  Every x_m + x_i here is non-zero because the x are distinct,
 * and x_m is non-zero, so every logarithm exists.  The x are public, so
 * table lookups are allowed (see gf256.h).  Adding 255 * count keeps the
 * difference non-negative, since the subtracted sum has count - 1 terms
 * below 255; nothing comes near UINT_MAX with count <= 255.
 */
static void
lagrange(uint8_t *l, const uint8_t *xs, unsigned count)
{
	unsigned all = 0;

	for (unsigned m = 0; m < count; m++)
		all += gf256_log_vartime(xs[m]);
	for (unsigned i = 0; i < count; i++) {
		unsigned e =
		    all - gf256_log_vartime(xs[i]) + GF256_ORDER * count;

		for (unsigned m = 0; m < count; m++)
			if (m != i)
				e -= gf256_log_vartime(xs[m] ^ xs[i]);
		l[i] = gf256_exp_vartime(e % GF256_ORDER);
	}
}

/*
 * Interpolates one block: r = sum_i y[i] * L_i.  Rather than multiplying
 * every y[i] by its L_i (eight doublings per share), this runs Horner over
 * the bits of the L_i: r = r * 2 + (sum of the y[i] whose L_i has bit b),
 * for b = 7 down to 0, so the doublings are shared by all the shares.  The
 * bits become masks, not branches.
 */
static void
combine_block(struct block *r, const struct block *y, unsigned count,
    const uint8_t *l)
{
	struct block t; /* secret */

	memset(r, 0, sizeof(*r));
	for (int b = 7; b >= 0; b--) {
		block_double(&t, r);
		for (unsigned i = 0; i < count; i++) {
			uint64_t m = UINT64_C(0) - ((l[i] >> b) & 1);

			for (unsigned w = 0; w < BLOCK_WORDS; w++)
				t.w[w] ^= y[i].w[w] & m;
		}
		*r = t;
	}
	sodium_memzero(&t, sizeof(t));
}

int
shamir_combine(uint8_t *secret, const uint8_t *shares, size_t share_len,
    unsigned count)
{
	struct block y[SHAMIR_SHARES_MAX], r; /* secret: one block of each y */
	uint8_t xs[SHAMIR_SHARES_MAX], l[SHAMIR_SHARES_MAX];
	size_t len, blen;
	int rc;

	if (secret == NULL || shares == NULL || count < 2 || share_len < 2) {
		rc = -EINVAL;
		goto out;
	}
	len = share_len - 1;
	if ((rc = xs_check(shares + len, share_len, count)) != 0)
		goto out;
	/* xs_check passed, so count <= 255 and the arrays are large enough. */
	for (unsigned i = 0; i < count; i++)
		xs[i] = shares[i * share_len + len];
	lagrange(l, xs, count);
	for (size_t off = 0; off < len; off += blen) {
		blen = block_len(len, off);
		for (unsigned i = 0; i < count; i++) {
			if (blen < SHAMIR_BLOCK_BYTES)
				memset(&y[i], 0, sizeof(y[i]));
			block_load(&y[i], shares + i * share_len + off, blen);
		}
		combine_block(&r, y, count, l);
		block_store(secret + off, &r, blen);
	}
out:
	if (rc == 0)
		sodium_memzero(y, count * sizeof(y[0]));
	sodium_memzero(&r, sizeof(r));
	if (rc != 0 && secret != NULL && share_len >= 2)
		sodium_memzero(secret, share_len - 1);
	return rc;
}
