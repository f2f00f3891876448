/* SPDX-License-Identifier: ISC */
/*
 * The floor that bench_rewrap.sh holds escrowd's transit rewrap against:
 * a bare libsodium loop doing what a rewrap does to each item, and nothing
 * else.  BATCH ciphertexts of 64-byte plaintexts under one key are kept in
 * memory; each item is opened with crypto_aead_xchacha20poly1305_ietf_
 * decrypt and sealed again under the key with a new random nonce
 * (randombytes_buf, as any rewrap must draw one), in place, so that every
 * decrypt works on the previous pass's output.  One thread.  After timing,
 * every item is opened once more and compared with its plaintext.
 *
 * Usage:
 *   bench_rewrap                 ROUNDS rounds of ROUND_SECONDS; prints
 *                                each round and the median items/s
 *   bench_rewrap round SECONDS   one round; prints "items/s N"
 *   bench_rewrap batch N         prints a transit encrypt body of N random
 *                                64-byte plaintexts: {"batch_input":[...]}
 * bench_rewrap.sh interleaves "round" with its HTTP rounds.  Exits 1 if an
 * item fails to open or to match, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define PLAINTEXT_BYTES 64
#define NONCE_BYTES     crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES       crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEALED_BYTES    (NONCE_BYTES + PLAINTEXT_BYTES + TAG_BYTES)
#define BATCH           1000 /* items, as in the HTTP batches */
#define ROUNDS          7
#define ROUND_SECONDS   0.5
#define BATCH_ITEMS_MAX 10000 /* transit's batch_input limit */

struct bench_state {
	unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char plain[BATCH][PLAINTEXT_BYTES]; /* the originals */
	unsigned char sealed[BATCH][SEALED_BYTES];   /* nonce || c || tag */
	unsigned char scratch[PLAINTEXT_BYTES];      /* one opened item */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seals pt into out (nonce || ciphertext || tag) with a new nonce. */
static int
seal_item(unsigned char *out, const unsigned char *pt, const unsigned char *key)
{
	unsigned long long clen;

	randombytes_buf(out, NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_BYTES, &clen,
	        pt, PLAINTEXT_BYTES, NULL, 0, NULL, out, key) != 0 ||
	    clen != PLAINTEXT_BYTES + TAG_BYTES)
		return -1;
	return 0;
}

/* Opens in (nonce || ciphertext || tag) into pt. */
static int
open_item(unsigned char *pt, const unsigned char *in, const unsigned char *key)
{
	unsigned long long mlen;

	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &mlen, NULL,
	        in + NONCE_BYTES, SEALED_BYTES - NONCE_BYTES, NULL, 0, in,
	        key) != 0 ||
	    mlen != PLAINTEXT_BYTES)
		return -1;
	return 0;
}

/* One rewrap: decrypt, then encrypt in place with a new nonce. */
static int
rewrap_item(struct bench_state *st, size_t i)
{
	if (open_item(st->scratch, st->sealed[i], st->key) != 0)
		return -1;
	return seal_item(st->sealed[i], st->scratch, st->key);
}

static int
bench_setup(struct bench_state *st)
{
	crypto_aead_xchacha20poly1305_ietf_keygen(st->key);
	randombytes_buf(st->plain, sizeof(st->plain));
	for (size_t i = 0; i < BATCH; i++)
		if (seal_item(st->sealed[i], st->plain[i], st->key) != 0)
			return -1;
	return 0;
}

/* Every item still opens to its original plaintext. */
static int
bench_verify(struct bench_state *st)
{
	for (size_t i = 0; i < BATCH; i++)
		if (open_item(st->scratch, st->sealed[i], st->key) != 0 ||
		    sodium_memcmp(st->scratch, st->plain[i], PLAINTEXT_BYTES) !=
		        0)
			return -1;
	return 0;
}

/* Rewraps whole batches for about `seconds`; items per second, or -1. */
static double
bench_round(struct bench_state *st, double seconds)
{
	double start = now(), elapsed;
	unsigned long long items = 0;

	do {
		for (size_t i = 0; i < BATCH; i++)
			if (rewrap_item(st, i) != 0)
				return -1;
		items += BATCH;
		elapsed = now() - start;
	} while (elapsed < seconds);
	return (double)items / elapsed;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Prints {"batch_input":[{"plaintext":"..."},...]} with n items. */
static int
print_batch(unsigned long n)
{
	unsigned char pt[PLAINTEXT_BYTES];
	char b64[sodium_base64_ENCODED_LEN(PLAINTEXT_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];

	fputs("{\"batch_input\":[", stdout);
	for (unsigned long i = 0; i < n; i++) {
		randombytes_buf(pt, sizeof(pt));
		sodium_bin2base64(b64, sizeof(b64), pt, sizeof(pt),
		    sodium_base64_VARIANT_ORIGINAL);
		printf("%s{\"plaintext\":\"%s\"}", i ? "," : "", b64);
	}
	fputs("]}\n", stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

static int
usage(void)
{
	fputs("usage: bench_rewrap [round SECONDS | batch N]\n", stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	static struct bench_state st;
	double rates[ROUNDS], seconds = ROUND_SECONDS;
	unsigned long n = 0;
	char *end = NULL;
	int rounds = ROUNDS;

	if (argc == 3 && strcmp(argv[1], "round") == 0) {
		errno = 0;
		seconds = strtod(argv[2], &end);
		if (errno != 0 || *end != '\0' || end == argv[2] ||
		    !(seconds > 0 && seconds <= 600))
			return usage();
		rounds = 1;
	} else if (argc == 3 && strcmp(argv[1], "batch") == 0) {
		errno = 0;
		n = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[2] || n == 0 ||
		    n > BATCH_ITEMS_MAX || argv[2][0] == '-')
			return usage();
	} else if (argc != 1) {
		return usage();
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_rewrap: sodium_init failed\n");
		return EXIT_FAILURE;
	}
	if (n != 0)
		return print_batch(n) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (bench_setup(&st) != 0) {
		fprintf(stderr, "bench_rewrap: cannot seal the batch\n");
		return EXIT_FAILURE;
	}
	for (int r = 0; r < rounds; r++) {
		if ((rates[r] = bench_round(&st, seconds)) < 0) {
			fprintf(stderr, "bench_rewrap: an item did not open\n");
			return EXIT_FAILURE;
		}
		if (rounds > 1)
			printf("  round %d/%d %12.0f items/s\n", r + 1, rounds,
			    rates[r]);
	}
	if (bench_verify(&st) != 0) {
		fprintf(stderr,
		    "bench_rewrap: the batch does not open to its "
		    "plaintexts after rewrapping\n");
		return EXIT_FAILURE;
	}
	sodium_memzero(&st, sizeof(st));
	if (rounds == 1) {
		printf("items/s %.0f\n", rates[0]);
	} else {
		qsort(rates, (size_t)rounds, sizeof(rates[0]), cmp_double);
		printf("libsodium rewrap loop, %d-byte plaintexts, 1 thread: "
		       "median %.0f items/s of %d rounds of %.1f s\n",
		    PLAINTEXT_BYTES, rates[rounds / 2], rounds, seconds);
	}
	return EXIT_SUCCESS;
}
