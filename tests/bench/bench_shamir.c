/* SPDX-License-Identifier: ISC */
/*
 * Throughput of escrow's constant-time Shamir against libgfshare, the
 * table-driven C library Debian ships.  For a 32-byte secret at several
 * (k, n), each implementation splits into n shares and combines k of them,
 * used as a caller would (libgfshare gets a fresh context per operation and
 * the same CSPRNG, libsodium's, as escrow).  The machine is shared and
 * noisy, so the two implementations alternate in short rounds and the
 * medians are compared.  Exits 1 when escrow is not at least SPLIT_TARGET
 * times as fast at splitting and COMBINE_TARGET times at combining, or
 * when either implementation fails to recombine its own shares.
 */
#include <errno.h>
#include <libgfshare.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "shamir/shamir.h"

#define SECRET_BYTES   32
#define SHARE_BYTES    (SECRET_BYTES + SHAMIR_OVERHEAD)
#define ROUNDS         7
#define ROUND_SECONDS  0.2
#define SPLIT_TARGET   2.5
#define COMBINE_TARGET 5.0
#define N_MAX          20

struct bench_case {
	unsigned k, n;
};

/* What one timed operation works on; filled once per (k, n). */
struct bench_state {
	unsigned k, n;
	uint8_t secret[SECRET_BYTES];
	uint8_t shares[N_MAX * SHARE_BYTES];    /* escrow's layout */
	uint8_t gf_shares[N_MAX][SECRET_BYTES]; /* libgfshare's, x apart */
	uint8_t gf_xs[N_MAX];
	uint8_t out[SECRET_BYTES];
};

typedef int (*bench_op_fn)(struct bench_state *);

static const struct bench_case cases[] = {
	{ 3, 5 },
	{ 5, 10 },
	{ 10, 20 },
};

static void
bench_fill_rand(unsigned char *buf, unsigned int len)
{
	randombytes_buf(buf, len);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
escrow_split(struct bench_state *st)
{
	return shamir_split(st->shares, st->secret, SECRET_BYTES, st->k, st->n);
}

static int
escrow_combine(struct bench_state *st)
{
	return shamir_combine(st->out, st->shares, SHARE_BYTES, st->k);
}

static int
gfshare_split(struct bench_state *st)
{
	gfshare_ctx *ctx;

	ctx = gfshare_ctx_init_enc(st->gf_xs, st->n, (unsigned char)st->k,
	    SECRET_BYTES);
	if (ctx == NULL)
		return -ENOMEM;
	gfshare_ctx_enc_setsecret(ctx, st->secret);
	for (unsigned i = 0; i < st->n; i++)
		gfshare_ctx_enc_getshare(ctx, (unsigned char)i,
		    st->gf_shares[i]);
	gfshare_ctx_free(ctx);
	return 0;
}

static int
gfshare_combine(struct bench_state *st)
{
	gfshare_ctx *ctx;

	ctx = gfshare_ctx_init_dec(st->gf_xs, st->k, SECRET_BYTES);
	if (ctx == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < st->k; i++)
		gfshare_ctx_dec_giveshare(ctx, (unsigned char)i,
		    st->gf_shares[i]);
	gfshare_ctx_dec_extract(ctx, st->out);
	gfshare_ctx_free(ctx);
	return 0;
}

/*
 * Checks that each implementation's shares recombine: escrow's from the
 * first k and from the last k shares, libgfshare's from the first k.  The
 * shares left in st are then valid input for the combine benchmarks.
 */
static int
bench_verify(struct bench_state *st)
{
	uint8_t shifted[N_MAX * SHARE_BYTES];
	size_t skip = (size_t)(st->n - st->k) * SHARE_BYTES;

	if (escrow_split(st) != 0 || escrow_combine(st) != 0 ||
	    memcmp(st->out, st->secret, SECRET_BYTES) != 0)
		return -1;
	memcpy(shifted, st->shares + skip, (size_t)st->k * SHARE_BYTES);
	if (shamir_combine(st->out, shifted, SHARE_BYTES, st->k) != 0 ||
	    memcmp(st->out, st->secret, SECRET_BYTES) != 0)
		return -1;
	memset(st->out, 0, sizeof(st->out));
	if (gfshare_split(st) != 0 || gfshare_combine(st) != 0 ||
	    memcmp(st->out, st->secret, SECRET_BYTES) != 0)
		return -1;
	return 0;
}

/* Runs op for about ROUND_SECONDS; returns operations per second, or -1. */
static double
bench_round(bench_op_fn op, struct bench_state *st)
{
	double start = now(), elapsed;
	unsigned long ops = 0;

	do {
		for (unsigned i = 0; i < 64; i++)
			if (op(st) != 0)
				return -1;
		ops += 64;
		elapsed = now() - start;
	} while (elapsed < ROUND_SECONDS);
	return (double)ops / elapsed;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/*
 * Times escrow's op against libgfshare's in alternating rounds and prints
 * one row.  Returns 0 if the ratio of the medians meets target, 1 if not,
 * -1 if an operation failed.
 */
static int
bench_pair(const char *what, bench_op_fn ours, bench_op_fn theirs,
    struct bench_state *st, double target)
{
	double a[ROUNDS], b[ROUNDS], ma, mb, ratio;

	for (unsigned r = 0; r < ROUNDS; r++) {
		a[r] = bench_round(ours, st);
		b[r] = bench_round(theirs, st);
		if (a[r] < 0 || b[r] < 0)
			return -1;
	}
	ma = median(a, ROUNDS);
	mb = median(b, ROUNDS);
	ratio = ma / mb;
	printf("%-8s (%2u,%2u) %12.0f %12.0f %7.2fx %6.1fx  %s\n", what, st->k,
	    st->n, ma, mb, ratio, target, ratio >= target ? "ok" : "BELOW");
	return ratio >= target ? 0 : 1;
}

/*
 * Verifies and times one (k, n).  Returns 0 if both targets are met, 1 if
 * one is not (saying which), -1 if an implementation is broken.
 */
static int
bench_case_run(struct bench_state *st, const struct bench_case *c)
{
	int rs, rc;

	st->k = c->k;
	st->n = c->n;
	randombytes_buf(st->secret, sizeof(st->secret));
	/* libgfshare's x: 1..n, its easiest case. */
	for (unsigned i = 0; i < st->n; i++)
		st->gf_xs[i] = (uint8_t)(i + 1);
	if (bench_verify(st) != 0) {
		fprintf(stderr, "bench_shamir: (%u,%u) does not recombine\n",
		    st->k, st->n);
		return -1;
	}
	rs = bench_pair("split", escrow_split, gfshare_split, st, SPLIT_TARGET);
	rc = bench_pair("combine", escrow_combine, gfshare_combine, st,
	    COMBINE_TARGET);
	fflush(stdout);
	if (rs < 0 || rc < 0) {
		fprintf(stderr, "bench_shamir: (%u,%u) operation failed\n",
		    st->k, st->n);
		return -1;
	}
	if (rs > 0)
		fprintf(stderr,
		    "bench_shamir: FAIL: split at (%u,%u) is "
		    "below %.1fx libgfshare\n",
		    st->k, st->n, SPLIT_TARGET);
	if (rc > 0)
		fprintf(stderr,
		    "bench_shamir: FAIL: combine at (%u,%u) is "
		    "below %.1fx libgfshare\n",
		    st->k, st->n, COMBINE_TARGET);
	return rs > 0 || rc > 0;
}

int
main(void)
{
	static struct bench_state st;
	int failed = 0, r;

	if (sodium_init() < 0) {
		fprintf(stderr, "bench_shamir: sodium_init failed\n");
		return EXIT_FAILURE;
	}
	gfshare_fill_rand = bench_fill_rand;
	printf("%d-byte secret, median of %d interleaved rounds of %.1f s\n",
	    SECRET_BYTES, ROUNDS, ROUND_SECONDS);
	printf("%-8s %-7s %12s %12s %8s %7s\n", "op", "(k,n)", "escrow/s",
	    "gfshare/s", "ratio", "target");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		if ((r = bench_case_run(&st, &cases[c])) < 0)
			return EXIT_FAILURE;
		failed |= r;
	}
	sodium_memzero(&st, sizeof(st));
	printf("%s\n", failed ? "FAIL: below target" : "ok: all targets met");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
