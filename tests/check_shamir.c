/* SPDX-License-Identifier: ISC */
/*
 * shamir and gf256: the field against an independent slow reference, split
 * and combine against Vault's known answer, a hand-computed vector and the
 * same reference, round trips over many shapes, and every documented error
 * with its promise about the output buffer.  The reference multiplies with
 * log/exp tables to the base 0xE5, as Vault's old tables.go did, and
 * evaluates and interpolates the slow way (Horner, Lagrange).
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "shamir/gf256.h"
#include "shamir/shamir.h"
#include "shamir/shamir_internal.h"
#include "tests/suites.h"

#define LEN_MAX      100
#define SHARE_MAX    (LEN_MAX + SHAMIR_OVERHEAD)
#define PATTERN      0xa5
#define SPLIT_BUFLEN (SHAMIR_SHARES_MAX * SHARE_MAX)

/* The reference field: 0xE5 generates the group of GF(2^8) over 0x11B. */
static uint8_t ref_exp[2 * 255], ref_log[256];

/*
 * Builds the tables, powering 0xE5 by shift-and-add multiplication with
 * branches: obviously right, and slow.
 */
static void
ref_init(void)
{
	unsigned v = 1;

	for (unsigned i = 0; i < 2 * 255; i++) {
		unsigned x = v, r = 0;

		ref_exp[i] = (uint8_t)v;
		if (i < 255)
			ref_log[v] = (uint8_t)i;
		for (unsigned b = 0xe5; b != 0; b >>= 1) {
			if (b & 1)
				r ^= x;
			x <<= 1;
			if (x & 0x100)
				x ^= 0x11b;
		}
		v = r;
	}
}

static uint8_t
ref_mul(uint8_t a, uint8_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return ref_exp[ref_log[a] + ref_log[b]];
}

static uint8_t
ref_div(uint8_t a, uint8_t b)
{
	if (a == 0)
		return 0;
	return ref_exp[ref_log[a] + 255 - ref_log[b]];
}

/* Horner per byte, with coefficients laid out as shamir_split_with's. */
static void
ref_split(uint8_t *out, const uint8_t *secret, size_t len, unsigned k,
    unsigned n, const uint8_t *coeffs, const uint8_t *xs)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *sh = out + i * (len + 1);

		for (size_t t = 0; t < len; t++) {
			uint8_t y = 0;

			for (unsigned j = k - 1; j >= 1; j--)
				y = ref_mul(y, xs[i]) ^
				    coeffs[(j - 1) * len + t];
			sh[t] = ref_mul(y, xs[i]) ^ secret[t];
		}
		sh[len] = xs[i];
	}
}

/* Lagrange at 0 per byte, dividing afresh for every term. */
static void
ref_combine(uint8_t *secret, const uint8_t *shares, size_t share_len,
    unsigned count)
{
	size_t len = share_len - 1;

	for (size_t t = 0; t < len; t++) {
		uint8_t acc = 0;

		for (unsigned i = 0; i < count; i++) {
			uint8_t xi = shares[i * share_len + len];
			uint8_t term = shares[i * share_len + t];

			for (unsigned m = 0; m < count; m++) {
				uint8_t xm = shares[m * share_len + len];

				if (m != i)
					term =
					    ref_mul(term, ref_div(xm, xm ^ xi));
			}
			acc ^= term;
		}
		secret[t] = acc;
	}
}

/* Split with random coefficients and x, then check against ref_split. */
static void
split_with_random(uint8_t *out, const uint8_t *secret, size_t len, unsigned k,
    unsigned n, const uint8_t seed[randombytes_SEEDBYTES])
{
	static uint8_t coeffs[(SHAMIR_SHARES_MAX - 1) * LEN_MAX],
	    ref[SPLIT_BUFLEN];
	uint8_t xs[255], pool[255], rnd[255], s[randombytes_SEEDBYTES];

	memcpy(s, seed, sizeof(s));
	s[sizeof(s) - 1] ^= 1;
	randombytes_buf_deterministic(coeffs, (k - 1) * len, s);
	s[sizeof(s) - 1] ^= 2;
	randombytes_buf_deterministic(rnd, sizeof(rnd), s);
	for (unsigned i = 0; i < 255; i++)
		pool[i] = (uint8_t)(i + 1);
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i + rnd[i] % (255 - i);
		uint8_t t = pool[j];

		pool[j] = pool[i];
		pool[i] = xs[i] = t;
	}
	ck_assert_int_eq(shamir_split_with(out, secret, len, k, n, coeffs, xs),
	    0);
	ref_split(ref, secret, len, k, n, coeffs, xs);
	ck_assert_mem_eq(out, ref, n * (len + 1));
}

START_TEST(test_shamir_gf256_mul_matches_reference)
{
	/* The first entries of Vault's tables.go (log(1) written 0xff). */
	static const uint8_t vault_exp[8] = { 0x01, 0xe5, 0x4c, 0xb5, 0xfb,
		0x9f, 0xfc, 0x12 };
	static const uint8_t vault_log[8] = { 0x00, 0x00, 0xc8, 0x08, 0x91,
		0x10, 0xd0, 0x36 };

	ref_init();
	ck_assert_mem_eq(ref_exp, vault_exp, sizeof(vault_exp));
	ck_assert_mem_eq(ref_log, vault_log, sizeof(vault_log));
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			uint8_t got = gf256_mul((uint8_t)a, (uint8_t)b);
			uint8_t want = ref_mul((uint8_t)a, (uint8_t)b);

			if (got != want)
				ck_abort_msg("mul(%u, %u) = %u, want %u", a, b,
				    got, want);
		}
	}
}
END_TEST

START_TEST(test_shamir_gf256_mul_field_laws)
{
	static const uint8_t cs[] = { 0x00, 0x01, 0x02, 0x1b, 0x53, 0x80, 0xca,
		0xff };

	/* Identity, zero, commutativity, associativity, distributivity. */
	for (unsigned a = 0; a < 256; a++) {
		ck_assert_uint_eq(gf256_mul((uint8_t)a, 1), a);
		ck_assert_uint_eq(gf256_mul((uint8_t)a, 0), 0);
		for (unsigned b = 0; b < 256; b++) {
			uint8_t ab = gf256_mul((uint8_t)a, (uint8_t)b);
			unsigned bad = ab != gf256_mul((uint8_t)b, (uint8_t)a);

			for (size_t i = 0; i < sizeof(cs); i++) {
				uint8_t c = cs[i];

				bad |= gf256_mul(ab, c) !=
				    gf256_mul((uint8_t)a,
				        gf256_mul((uint8_t)b, c));
				bad |=
				    gf256_mul((uint8_t)a, (uint8_t)(b ^ c)) !=
				    (ab ^ gf256_mul((uint8_t)a, c));
			}
			if (bad)
				ck_abort_msg("field law fails at a %u b %u", a,
				    b);
		}
	}
}
END_TEST

START_TEST(test_shamir_gf256_mul_vault_facts)
{
	/* shamir_test.go, Vault and OpenBao alike; add is XOR. */
	ck_assert_uint_eq(16 ^ 16, 0);
	ck_assert_uint_eq(3 ^ 4, 7);
	ck_assert_uint_eq(gf256_mul(3, 7), 9);
	ck_assert_uint_eq(gf256_mul(3, 0), 0);
	ck_assert_uint_eq(gf256_mul(0, 3), 0);
	ck_assert_uint_eq(gf256_div(0, 7), 0);
	ck_assert_uint_eq(gf256_div(3, 3), 1);
	ck_assert_uint_eq(gf256_div(6, 3), 2);
	/* FIPS-197 section 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}. */
	ck_assert_uint_eq(gf256_mul(0x57, 0x83), 0xc1);
	ck_assert_uint_eq(gf256_mul(0x57, 0x13), 0xfe);
}
END_TEST

START_TEST(test_shamir_gf256_inv_every_nonzero)
{
	ck_assert_uint_eq(gf256_inv(0), 0);
	for (unsigned a = 1; a < 256; a++)
		ck_assert_uint_eq(gf256_mul((uint8_t)a, gf256_inv((uint8_t)a)),
		    1);
}
END_TEST

START_TEST(test_shamir_gf256_div_undoes_mul)
{
	for (unsigned a = 0; a < 256; a++) {
		ck_assert_uint_eq(gf256_div((uint8_t)a, 0), 0);
		for (unsigned b = 1; b < 256; b++) {
			uint8_t q = gf256_div((uint8_t)a, (uint8_t)b);

			if (gf256_mul(q, (uint8_t)b) != a)
				ck_abort_msg("div(%u, %u) * %u != %u", a, b, b,
				    a);
		}
	}
}
END_TEST

/* Word w of the test holds the bytes 8w .. 8w + 7 in its lanes. */
static uint64_t
lanes_load(unsigned w)
{
	uint8_t b[8];
	uint64_t v;

	for (unsigned l = 0; l < 8; l++)
		b[l] = (uint8_t)(8 * w + l);
	memcpy(&v, b, sizeof(v));
	return v;
}

START_TEST(test_shamir_gf256_x8_matches_scalar)
{
	for (unsigned c = 0; c < 256; c++) {
		ck_assert_uint_eq(gf256_x8_splat((uint8_t)c),
		    UINT64_C(0x0101010101010101) * c);
		for (unsigned w = 0; w < 32; w++) {
			uint64_t v[2] = { gf256_x8_double(lanes_load(w)),
				gf256_x8_mulc(lanes_load(w), (uint8_t)c) };
			uint8_t b[2][8];

			memcpy(b, v, sizeof(b));
			for (unsigned l = 0; l < 8; l++) {
				uint8_t x = (uint8_t)(8 * w + l);

				if (b[0][l] != gf256_mul(x, 2) ||
				    b[1][l] != gf256_mul(x, (uint8_t)c))
					ck_abort_msg("lane %u: x %u c %u", l, x,
					    c);
			}
		}
	}
}
END_TEST

START_TEST(test_shamir_gf256_vartime_tables_match_mul)
{
	uint8_t v = 1;

	for (unsigned e = 0; e < 2 * GF256_ORDER; e++) {
		ck_assert_uint_eq(gf256_exp_vartime(e), v);
		if (e < GF256_ORDER)
			ck_assert_uint_eq(gf256_log_vartime(v), e);
		v = gf256_mul(v, 3);
	}
}
END_TEST

START_TEST(test_shamir_split_with_vault_kat)
{
	static const uint8_t secret[2] = { 0x42, 0x53 };
	static const uint8_t coeffs[2] = { 0x01, 0x10 };
	static const uint8_t xs[3] = { 1, 2, 3 };
	static const uint8_t want[9] = { 0x43, 0x43, 0x01, 0x40, 0x73, 0x02,
		0x41, 0x63, 0x03 };
	uint8_t out[9], sub[6], got[2];

	ck_assert_int_eq(shamir_split_with(out, secret, 2, 2, 3, coeffs, xs),
	    0);
	ck_assert_mem_eq(out, want, sizeof(want));
	/* Any two of them, in either order. */
	for (unsigned a = 0; a < 3; a++) {
		for (unsigned b = 0; b < 3; b++) {
			if (a == b)
				continue;
			memcpy(sub, want + 3 * a, 3);
			memcpy(sub + 3, want + 3 * b, 3);
			ck_assert_int_eq(shamir_combine(got, sub, 3, 2), 0);
			ck_assert_mem_eq(got, secret, 2);
		}
	}
}
END_TEST

START_TEST(test_shamir_split_with_hand_kat)
{
	/*
	 * k = 4.  Byte 0: f(x) = x + x^2 + x^3; byte 1: f(x) = 1 + x^3.
	 * Powers by hand, reducing x^8 = x^4 + x^3 + x + 1 (0x1B):
	 *   x = 02: 04, 08.  x = 04: 10, 40.  x = 03 = x + 1: 05, 0F.
	 *   x = 80 = x^7: x^14 = 9A, x^21 = 35, from x^8 = 1B by doubling.
	 * So f0 = 0E, 54, 2F, 09 and f1 = 09, 41, 34, 0E.
	 */
	static const uint8_t secret[2] = { 0x00, 0x01 };
	static const uint8_t coeffs[6] = { 0x01, 0x00, 0x01, 0x00, 0x01, 0x01 };
	static const uint8_t xs[4] = { 0x02, 0x04, 0x80, 0x03 };
	static const uint8_t want[12] = { 0x0e, 0x09, 0x02, 0x54, 0x41, 0x04,
		0x2f, 0x34, 0x80, 0x09, 0x0e, 0x03 };
	uint8_t out[12], got[2];

	ck_assert_int_eq(shamir_split_with(out, secret, 2, 4, 4, coeffs, xs),
	    0);
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_int_eq(shamir_combine(got, want, 3, 4), 0);
	ck_assert_mem_eq(got, secret, sizeof(secret));
}
END_TEST

START_TEST(test_shamir_split_with_matches_reference)
{
	static const size_t lens[] = { 1, 7, 8, 31, 32, 33, 64, 70, LEN_MAX };
	static const unsigned kn[][2] = { { 4, 4 }, { 4, 9 }, { 5, 7 },
		{ 7, 12 }, { 16, 40 }, { 33, 33 } };
	static uint8_t out[SPLIT_BUFLEN];
	uint8_t seed[randombytes_SEEDBYTES] = { 0 }, secret[LEN_MAX];
	uint8_t got[LEN_MAX], ref[LEN_MAX];

	ref_init();
	for (size_t c = 0; c < sizeof(kn) / sizeof(kn[0]); c++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			unsigned k = kn[c][0], n = kn[c][1];
			size_t len = lens[l], sl = len + 1;

			seed[0] = (uint8_t)c;
			seed[1] = (uint8_t)l;
			randombytes_buf_deterministic(secret, len, seed);
			split_with_random(out, secret, len, k, n, seed);
			/* The last k shares, through both interpolations. */
			ck_assert_int_eq(
			    shamir_combine(got, out + (n - k) * sl, sl, k), 0);
			ref_combine(ref, out + (n - k) * sl, sl, k);
			ck_assert_mem_eq(ref, secret, len);
			ck_assert_mem_eq(got, secret, len);
		}
	}
}
END_TEST

START_TEST(test_shamir_split_with_interpolates_every_intercept)
{
	/* Vault's TestInterpolate_Rand: degree 2, x = 1, 2, 3. */
	static const uint8_t xs[3] = { 1, 2, 3 };
	uint8_t coeffs[2], out[6], got;

	for (unsigned s = 0; s < 256; s++) {
		uint8_t secret = (uint8_t)s;

		randombytes_buf(coeffs, sizeof(coeffs));
		ck_assert_int_eq(
		    shamir_split_with(out, &secret, 1, 3, 3, coeffs, xs), 0);
		ck_assert_int_eq(shamir_combine(&got, out, 2, 3), 0);
		ck_assert_uint_eq(got, s);
	}
}
END_TEST

START_TEST(test_shamir_split_with_rejects_bad_x)
{
	static const uint8_t secret[4] = { 1, 2, 3, 4 };
	static const uint8_t coeffs[8] = { 0 };
	static const uint8_t zero[3] = { 1, 0, 3 }, dup[3] = { 7, 9, 7 };
	static const uint8_t ok[3] = { 1, 2, 3 };
	uint8_t out[15], pat[15];

	memset(pat, PATTERN, sizeof(pat));
	memcpy(out, pat, sizeof(out));
	ck_assert_int_eq(shamir_split_with(out, secret, 4, 3, 3, coeffs, zero),
	    -EDOM);
	ck_assert_int_eq(shamir_split_with(out, secret, 4, 3, 3, coeffs, dup),
	    -EEXIST);
	ck_assert_int_eq(shamir_split_with(out, secret, 4, 3, 3, NULL, ok),
	    -EINVAL);
	ck_assert_int_eq(shamir_split_with(out, secret, 4, 3, 3, coeffs, NULL),
	    -EINVAL);
	ck_assert_int_eq(shamir_split_with(out, secret, 4, 4, 3, coeffs, ok),
	    -EINVAL);
	ck_assert_mem_eq(out, pat, sizeof(out));
}
END_TEST

/* Splits and recombines from the last k shares; returns the share set. */
static void
roundtrip(uint8_t *out, size_t len, unsigned k, unsigned n)
{
	uint8_t secret[LEN_MAX], got[LEN_MAX];
	size_t sl = len + 1;

	randombytes_buf(secret, len);
	ck_assert_int_eq(shamir_split(out, secret, len, k, n), 0);
	ck_assert_int_eq(shamir_combine(got, out + (n - k) * sl, sl, k), 0);
	ck_assert_msg(memcmp(got, secret, len) == 0, "len %zu k %u n %u", len,
	    k, n);
	ck_assert_int_eq(shamir_combine(got, out, sl, n), 0);
	ck_assert_msg(memcmp(got, secret, len) == 0, "all n: len %zu k %u n %u",
	    len, k, n);
}

START_TEST(test_shamir_split_roundtrip_many_shapes)
{
	static const unsigned kn[][2] = { { 2, 2 }, { 2, 3 }, { 3, 5 },
		{ 5, 10 }, { 10, 20 }, { 17, 17 }, { 2, 255 }, { 128, 255 },
		{ 255, 255 } };
	static uint8_t out[SPLIT_BUFLEN];

	for (size_t c = 0; c < sizeof(kn) / sizeof(kn[0]); c++) {
		size_t step = kn[c][1] > 100 ? 9 : 1;

		for (size_t len = 1; len <= 64; len += step)
			roundtrip(out, len, kn[c][0], kn[c][1]);
		roundtrip(out, 64, kn[c][0], kn[c][1]);
		roundtrip(out, LEN_MAX, kn[c][0], kn[c][1]);
	}
}
END_TEST

START_TEST(test_shamir_split_every_k_subset_recombines)
{
	enum { LEN = 19, SL = LEN + 1 };
	uint8_t secret[LEN], out[6 * SL], sub[6 * SL], got[LEN];

	for (unsigned n = 2; n <= 6; n++) {
		for (unsigned k = 2; k <= n; k++) {
			randombytes_buf(secret, LEN);
			ck_assert_int_eq(shamir_split(out, secret, LEN, k, n),
			    0);
			for (unsigned set = 1; set < (1U << n); set++) {
				unsigned c = 0;

				for (unsigned i = 0; i < n; i++)
					if (set & (1U << i))
						memcpy(sub + SL * c++,
						    out + SL * i, SL);
				if (c < 2 || c + 1 < k)
					continue;
				ck_assert_int_eq(
				    shamir_combine(got, sub, SL, c), 0);
				/* k - 1 shares give a wrong secret. */
				ck_assert_int_eq(memcmp(got, secret, LEN) == 0,
				    c >= k);
			}
		}
	}
}
END_TEST

START_TEST(test_shamir_split_fewer_than_k_give_wrong_secret)
{
	enum { LEN = 32, SL = LEN + 1 };
	static const unsigned kn[][2] = { { 3, 5 }, { 5, 10 }, { 10, 20 },
		{ 255, 255 } };
	static uint8_t out[255 * SL];
	uint8_t secret[LEN], got[LEN];

	for (size_t c = 0; c < sizeof(kn) / sizeof(kn[0]); c++) {
		unsigned k = kn[c][0], n = kn[c][1];

		randombytes_buf(secret, LEN);
		ck_assert_int_eq(shamir_split(out, secret, LEN, k, n), 0);
		ck_assert_int_eq(shamir_combine(got, out, SL, k - 1), 0);
		ck_assert(memcmp(got, secret, LEN) != 0);
		ck_assert_int_eq(shamir_combine(got, out + (n - k) * SL, SL, k),
		    0);
		ck_assert_mem_eq(got, secret, LEN);
	}
}
END_TEST

START_TEST(test_shamir_split_x_distinct_nonzero)
{
	static const unsigned ns[] = { 2, 5, 20, 254, 255 };
	static uint8_t out[255 * 2];
	unsigned first[256] = { 0 };
	uint8_t secret = 0x5a;

	for (size_t c = 0; c < sizeof(ns) / sizeof(ns[0]); c++) {
		for (unsigned rep = 0; rep < 20; rep++) {
			unsigned seen[256] = { 0 };

			ck_assert_int_eq(
			    shamir_split(out, &secret, 1, 2, ns[c]), 0);
			for (unsigned i = 0; i < ns[c]; i++)
				seen[out[2 * i + 1]]++;
			ck_assert_uint_eq(seen[0], 0);
			for (unsigned x = 1; x < 256; x++)
				ck_assert_uint_le(seen[x], 1);
		}
	}
	/*
	 * Every x can come first: all 255 appear in 6000 draws but for odds
	 * of 255 * (254/255)^6000, about 2^-26.
	 */
	for (unsigned rep = 0; rep < 6000; rep++) {
		ck_assert_int_eq(shamir_split(out, &secret, 1, 2, 2), 0);
		first[out[1]]++;
	}
	for (unsigned x = 1; x < 256; x++)
		ck_assert_uint_gt(first[x], 0);
}
END_TEST

START_TEST(test_shamir_split_is_randomized)
{
	enum { LEN = 32, SL = LEN + 1 };
	uint8_t secret[LEN], a[5 * SL], b[5 * SL];

	randombytes_buf(secret, LEN);
	ck_assert_int_eq(shamir_split(a, secret, LEN, 3, 5), 0);
	ck_assert_int_eq(shamir_split(b, secret, LEN, 3, 5), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	/* And no share is the secret itself. */
	for (unsigned i = 0; i < 5; i++)
		ck_assert(memcmp(a + i * SL, secret, LEN) != 0);
}
END_TEST

START_TEST(test_shamir_split_rejects_bad_args)
{
	static uint8_t out[256 * 5], pat[256 * 5];
	uint8_t secret[4] = { 1, 2, 3, 4 };

	memset(pat, PATTERN, sizeof(pat));
	memcpy(out, pat, sizeof(out));
	ck_assert_int_eq(shamir_split(out, secret, 4, 0, 3), -EINVAL);
	ck_assert_int_eq(shamir_split(out, secret, 4, 1, 3), -EINVAL);
	ck_assert_int_eq(shamir_split(out, secret, 4, 4, 3), -EINVAL);
	ck_assert_int_eq(shamir_split(out, secret, 4, 2, 256), -EINVAL);
	ck_assert_int_eq(shamir_split(out, secret, 4, 256, 256), -EINVAL);
	ck_assert_int_eq(shamir_split(out, secret, 0, 2, 3), -EINVAL);
	ck_assert_int_eq(shamir_split(out, NULL, 4, 2, 3), -EINVAL);
	ck_assert_int_eq(shamir_split(NULL, secret, 4, 2, 3), -EINVAL);
	ck_assert_mem_eq(out, pat, sizeof(out));
	/* The limits themselves are fine. */
	ck_assert_int_eq(shamir_split(out, secret, 4, 2, 2), 0);
	ck_assert_int_eq(shamir_split(out, secret, 4, 255, 255), 0);
}
END_TEST

/* Runs shamir_combine on a PATTERN-filled output; checks rc and zeroing. */
static void
combine_fails(const uint8_t *shares, size_t sl, unsigned count, int want)
{
	uint8_t got[LEN_MAX + 1];

	memset(got, PATTERN, sizeof(got));
	ck_assert_int_eq(shamir_combine(got, shares, sl, count), want);
	for (size_t i = 0; i < sizeof(got); i++)
		ck_assert_uint_eq(got[i], i + 1 < sl ? 0 : PATTERN);
}

START_TEST(test_shamir_combine_rejects_bad_args)
{
	uint8_t shares[3 * 5], secret[4] = { 9, 8, 7, 6 };

	ck_assert_int_eq(shamir_split(shares, secret, 4, 2, 3), 0);
	combine_fails(shares, 5, 0, -EINVAL);
	combine_fails(shares, 5, 1, -EINVAL);
	combine_fails(shares, 1, 3, -EINVAL);
	combine_fails(shares, 0, 3, -EINVAL);
	combine_fails(NULL, 5, 3, -EINVAL);
	ck_assert_int_eq(shamir_combine(NULL, shares, 5, 3), -EINVAL);
}
END_TEST

START_TEST(test_shamir_combine_rejects_zero_x)
{
	uint8_t shares[3 * 5], secret[4] = { 9, 8, 7, 6 };

	ck_assert_int_eq(shamir_split(shares, secret, 4, 2, 3), 0);
	shares[2 * 5 + 4] = 0;
	combine_fails(shares, 5, 3, -EDOM);
	combine_fails(shares + 5, 5, 2, -EDOM);
}
END_TEST

START_TEST(test_shamir_combine_rejects_duplicate_x)
{
	uint8_t shares[3 * 5], secret[4] = { 9, 8, 7, 6 };
	static uint8_t many[256 * 2];

	ck_assert_int_eq(shamir_split(shares, secret, 4, 2, 3), 0);
	shares[2 * 5 + 4] = shares[4];
	combine_fails(shares, 5, 3, -EEXIST);
	/* 256 shares cannot all have distinct non-zero x. */
	for (unsigned i = 0; i < 256; i++)
		many[2 * i + 1] = (uint8_t)(i % 255 + 1);
	combine_fails(many, 2, 256, -EEXIST);
}
END_TEST

Suite *
shamir_suite(void)
{
	Suite *s = suite_create("shamir");
	TCase *gf = tcase_create("gf256");
	TCase *sw = tcase_create("split_with");
	TCase *sp = tcase_create("split");
	TCase *co = tcase_create("combine");

	tcase_add_test(gf, test_shamir_gf256_mul_matches_reference);
	tcase_add_test(gf, test_shamir_gf256_mul_field_laws);
	tcase_add_test(gf, test_shamir_gf256_mul_vault_facts);
	tcase_add_test(gf, test_shamir_gf256_inv_every_nonzero);
	tcase_add_test(gf, test_shamir_gf256_div_undoes_mul);
	tcase_add_test(gf, test_shamir_gf256_x8_matches_scalar);
	tcase_add_test(gf, test_shamir_gf256_vartime_tables_match_mul);
	tcase_add_test(sw, test_shamir_split_with_vault_kat);
	tcase_add_test(sw, test_shamir_split_with_hand_kat);
	tcase_add_test(sw, test_shamir_split_with_matches_reference);
	tcase_add_test(sw, test_shamir_split_with_interpolates_every_intercept);
	tcase_add_test(sw, test_shamir_split_with_rejects_bad_x);
	tcase_add_test(sp, test_shamir_split_roundtrip_many_shapes);
	tcase_add_test(sp, test_shamir_split_every_k_subset_recombines);
	tcase_add_test(sp, test_shamir_split_fewer_than_k_give_wrong_secret);
	tcase_add_test(sp, test_shamir_split_x_distinct_nonzero);
	tcase_add_test(sp, test_shamir_split_is_randomized);
	tcase_add_test(sp, test_shamir_split_rejects_bad_args);
	tcase_add_test(co, test_shamir_combine_rejects_bad_args);
	tcase_add_test(co, test_shamir_combine_rejects_zero_x);
	tcase_add_test(co, test_shamir_combine_rejects_duplicate_x);
	suite_add_tcase(s, gf);
	suite_add_tcase(s, sw);
	suite_add_tcase(s, sp);
	suite_add_tcase(s, co);
	return s;
}
