/* SPDX-License-Identifier: ISC */
/*
 * Constant-time check of libshamir, ctgrind-style: the secret, the
 * polynomial coefficients and the shares' y bytes are marked undefined for
 * valgrind's memcheck, which then reports every conditional jump and every
 * memory address that depends on them.  The x bytes stay defined: they are
 * public by contract.  Results are marked defined again only after the
 * calls, to check that they are right.  `make ctcheck` runs this program
 * under `valgrind -q --error-exitcode=9`; it must report nothing.  Built at
 * the shipping optimisation level, since compilers can add branches.
 *
 * Built with -DCTCHECK_SELFTEST it also runs leaky code (a secret-indexed
 * table lookup and a secret-dependent branch), and memcheck must then
 * report errors; that proves the check can fail.  By hand:
 *   cc -O2 -g -std=c11 -I. -DCTCHECK_SELFTEST tests/ctcheck_shamir.c \
 *       shamir/libshamir.a -lsodium -o /tmp/ctcheck_selftest
 *   valgrind -q --error-exitcode=9 /tmp/ctcheck_selftest; echo $?
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <valgrind/memcheck.h>

#include "shamir/gf256.h"
#include "shamir/shamir.h"
#include "shamir/shamir_internal.h"

#define CT_SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define CT_PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

#define LEN_MAX    70
#define SHARE_MAX  (LEN_MAX + SHAMIR_OVERHEAD)
#define SHARES_MAX 255

struct ct_case {
	unsigned k, n;
	size_t len;
};

/* len not a multiple of 8, of the block, and more than one block. */
static const struct ct_case cases[] = {
	{ 2, 2, 1 },
	{ 3, 5, 32 },
	{ 5, 10, 33 },
	{ 10, 20, 7 },
	{ 4, 9, 70 },
	{ 255, 255, 13 },
};

static uint8_t secret[LEN_MAX], coeffs[(SHARES_MAX - 1) * LEN_MAX];
static uint8_t shares[SHARES_MAX * SHARE_MAX], got[LEN_MAX];

/* Public, distinct, non-zero x coordinates. */
static void
xs_make(uint8_t *xs, unsigned n)
{
	uint8_t pool[255];

	for (unsigned i = 0; i < 255; i++)
		pool[i] = (uint8_t)(i + 1);
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i + randombytes_uniform(255 - i);
		uint8_t t = pool[j];

		pool[j] = pool[i];
		pool[i] = xs[i] = t;
	}
}

/*
 * Combines the last k shares with their y bytes tainted, then declassifies
 * and checks the result.  Returns 0 if it is the secret.
 */
static int
ct_combine(size_t len, unsigned k, unsigned n)
{
	uint8_t *first = shares + (size_t)(n - k) * (len + 1);
	int rc;

	for (unsigned i = 0; i < k; i++)
		CT_SECRET(first + i * (len + 1), len);
	rc = shamir_combine(got, first, len + 1, k);
	CT_PUBLIC(got, len);
	CT_PUBLIC(first, (size_t)k * (len + 1));
	if (rc != 0 || memcmp(got, secret, len) != 0)
		return -1;
	return 0;
}

/* Splits with a tainted secret (and coefficients), both ways; combines. */
static int
ct_case_run(const struct ct_case *c)
{
	uint8_t xs[SHARES_MAX];
	int rc;

	randombytes_buf(secret, c->len);
	randombytes_buf(coeffs, (c->k - 1) * c->len);
	xs_make(xs, c->n);

	CT_SECRET(secret, c->len);
	CT_SECRET(coeffs, (c->k - 1) * c->len);
	rc = shamir_split_with(shares, secret, c->len, c->k, c->n, coeffs, xs);
	CT_PUBLIC(shares, c->n * (c->len + 1));
	CT_PUBLIC(secret, c->len);
	if (rc != 0 || ct_combine(c->len, c->k, c->n) != 0)
		return -1;

	CT_SECRET(secret, c->len);
	rc = shamir_split(shares, secret, c->len, c->k, c->n);
	CT_PUBLIC(shares, c->n * (c->len + 1));
	CT_PUBLIC(secret, c->len);
	if (rc != 0 || ct_combine(c->len, c->k, c->n) != 0)
		return -1;
	return 0;
}

/* The constant-time field functions, on tainted operands. */
static int
ct_gf256(void)
{
	uint8_t in[4], out[4], wb[8], rb[2][8];
	uint64_t w, r[2];

	randombytes_buf(in, sizeof(in));
	randombytes_buf(&w, sizeof(w));
	CT_SECRET(in, sizeof(in));
	CT_SECRET(&w, sizeof(w));
	out[0] = gf256_mul(in[0], in[1]);
	out[1] = gf256_inv(in[2]);
	out[2] = gf256_div(in[3], in[0]);
	out[3] = gf256_mul(in[2], out[1]);
	r[0] = gf256_x8_double(w);
	r[1] = gf256_x8_mulc(w, in[1]);
	CT_PUBLIC(in, sizeof(in));
	CT_PUBLIC(out, sizeof(out));
	CT_PUBLIC(&w, sizeof(w));
	CT_PUBLIC(r, sizeof(r));
	if (out[0] != gf256_mul(in[1], in[0]) || (in[2] != 0 && out[3] != 1) ||
	    gf256_mul(out[2], in[0]) != (in[0] != 0 ? in[3] : 0))
		return -1;
	memcpy(wb, &w, sizeof(wb));
	memcpy(rb, r, sizeof(rb));
	for (unsigned l = 0; l < 8; l++)
		if (rb[0][l] != gf256_mul(wb[l], 2) ||
		    rb[1][l] != gf256_mul(wb[l], in[1]))
			return -1;
	return 0;
}

#ifdef CTCHECK_SELFTEST
/*
 * Deliberately leaky: a _vartime table lookup on a secret byte (memcheck:
 * "Use of uninitialised value of size 8") and a branch on one
 * ("Conditional jump or move depends on uninitialised value(s)").
 */
static int
ct_selftest(void)
{
	volatile unsigned sink = 0;

	randombytes_buf(secret, 2);
	CT_SECRET(secret, 2);
	sink = gf256_log_vartime(secret[0]);
	if (secret[1] & 1)
		sink++;
	CT_PUBLIC(secret, 2);
	return sink > 1000 ? -1 : 0;
}
#endif

int
main(void)
{
	int failed = 0;

	if (sodium_init() < 0) {
		fprintf(stderr, "ctcheck_shamir: sodium_init failed\n");
		return EXIT_FAILURE;
	}
	if (!RUNNING_ON_VALGRIND)
		fprintf(stderr,
		    "ctcheck_shamir: not under valgrind, "
		    "checking results only\n");
	if (ct_gf256() != 0) {
		fprintf(stderr, "ctcheck_shamir: gf256 results wrong\n");
		failed = 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ct_case_run(&cases[i]) != 0) {
			fprintf(stderr,
			    "ctcheck_shamir: (%u,%u) len %zu "
			    "does not recombine\n",
			    cases[i].k, cases[i].n, cases[i].len);
			failed = 1;
		}
	}
#ifdef CTCHECK_SELFTEST
	fprintf(stderr, "ctcheck_shamir: self-test, expect memcheck errors\n");
	failed |= ct_selftest() != 0;
#endif
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
