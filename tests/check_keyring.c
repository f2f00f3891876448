/* SPDX-License-Identifier: ISC */
/*
 * keyring: terms, rotation, the blob under M (round trip, every way it can
 * be damaged), and derivation (independence, stability, every error).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/keyring.h"
#include "tests/suites.h"

static uint8_t mk[KEYRING_MK_BYTES];

static void
setup(void)
{
	randombytes_buf(mk, sizeof(mk));
}

START_TEST(test_keyring_new_has_term_one)
{
	struct keyring *kr;

	ck_assert_int_eq(keyring_new(&kr, 1000), 0);
	ck_assert_uint_eq(keyring_term(kr), 1);
	ck_assert_uint_eq(keyring_install_time(kr), 1000);
	keyring_free(kr);
	keyring_free(NULL);
}
END_TEST

START_TEST(test_keyring_rotate_adds_terms_and_keeps_old)
{
	struct keyring *kr;
	uint8_t a[32], b[32], c[32];

	ck_assert_int_eq(keyring_new(&kr, 1), 0);
	ck_assert_int_eq(keyring_derive(kr, 1, "zone-kek", "tx", a), 0);
	ck_assert_int_eq(keyring_rotate(kr, 2), 0);
	ck_assert_uint_eq(keyring_term(kr), 2);
	ck_assert_uint_eq(keyring_install_time(kr), 2);
	ck_assert_int_eq(keyring_derive(kr, 1, "zone-kek", "tx", b), 0);
	ck_assert_mem_eq(a, b, 32);
	ck_assert_int_eq(keyring_derive(kr, 2, "zone-kek", "tx", c), 0);
	ck_assert(sodium_memcmp(a, c, 32) != 0);
	keyring_free(kr);
}
END_TEST

START_TEST(test_keyring_rotate_enospc_at_max)
{
	struct keyring *kr;

	ck_assert_int_eq(keyring_new(&kr, 1), 0);
	for (unsigned i = 1; i < KEYRING_TERMS_MAX; i++)
		ck_assert_int_eq(keyring_rotate(kr, i), 0);
	ck_assert_uint_eq(keyring_term(kr), KEYRING_TERMS_MAX);
	ck_assert_int_eq(keyring_rotate(kr, 99999), -ENOSPC);
	ck_assert_uint_eq(keyring_term(kr), KEYRING_TERMS_MAX);
	ck_assert_uint_eq(keyring_install_time(kr), KEYRING_TERMS_MAX - 1);
	keyring_free(kr);
}
END_TEST

START_TEST(test_keyring_seal_open_round_trip)
{
	struct keyring *kr, *back;
	uint8_t *blob, a[32], b[32];
	size_t len;

	ck_assert_int_eq(keyring_new(&kr, 5), 0);
	ck_assert_int_eq(keyring_rotate(kr, 6), 0);
	ck_assert_int_eq(keyring_rotate(kr, 7), 0);
	ck_assert_int_eq(keyring_seal(kr, mk, &blob, &len), 0);
	ck_assert_uint_eq(len, KEYRING_BLOB_HEADER + 8 + 3 * 44 + 16);
	ck_assert_int_eq(keyring_open(&back, mk, blob, len), 0);
	ck_assert_uint_eq(keyring_term(back), 3);
	ck_assert_uint_eq(keyring_install_time(back), 7);
	for (uint32_t t = 1; t <= 3; t++) {
		ck_assert_int_eq(keyring_derive(kr, t, "p", "n", a), 0);
		ck_assert_int_eq(keyring_derive(back, t, "p", "n", b), 0);
		ck_assert_mem_eq(a, b, 32);
	}
	free(blob);
	keyring_free(kr);
	keyring_free(back);
}
END_TEST

START_TEST(test_keyring_seal_uses_fresh_nonces)
{
	struct keyring *kr;
	uint8_t *b1, *b2;
	size_t l1, l2;

	ck_assert_int_eq(keyring_new(&kr, 5), 0);
	ck_assert_int_eq(keyring_seal(kr, mk, &b1, &l1), 0);
	ck_assert_int_eq(keyring_seal(kr, mk, &b2, &l2), 0);
	ck_assert_uint_eq(l1, l2);
	ck_assert(memcmp(b1, b2, l1) != 0);
	free(b1);
	free(b2);
	keyring_free(kr);
}
END_TEST

START_TEST(test_keyring_open_rejects_every_damage)
{
	struct keyring *kr, *back = (struct keyring *)&back;
	uint8_t *blob, other[KEYRING_MK_BYTES];
	size_t len;

	ck_assert_int_eq(keyring_new(&kr, 5), 0);
	ck_assert_int_eq(keyring_seal(kr, mk, &blob, &len), 0);
	/* A flipped bit in any byte is caught. */
	for (size_t i = 0; i < len; i++) {
		blob[i] ^= 0x01;
		ck_assert_int_eq(keyring_open(&back, mk, blob, len),
		    -ESC_ECORRUPT);
		ck_assert_ptr_null(back);
		blob[i] ^= 0x01;
	}
	for (size_t l = 0; l < len; l++)
		ck_assert_int_eq(keyring_open(&back, mk, blob, l),
		    -ESC_ECORRUPT);
	randombytes_buf(other, sizeof(other));
	ck_assert_int_eq(keyring_open(&back, other, blob, len), -ESC_ECORRUPT);
	ck_assert_int_eq(keyring_open(&back, mk, blob, len), 0);
	keyring_free(back);
	free(blob);
	keyring_free(kr);
}
END_TEST

/* A blob that authenticates but whose plaintext breaks the layout. */
static void
forge(const uint8_t *plain, size_t plen, uint8_t *blob, size_t *len)
{
	static const char ad[] = "escrow-keyring-v1";

	blob[0] = 1;
	randombytes_buf(blob + 1, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 25, NULL, plain, plen,
	    (const uint8_t *)ad, sizeof(ad) - 1, NULL, blob + 1, mk);
	*len = 25 + plen + 16;
}

START_TEST(test_keyring_open_rejects_malformed_plaintext)
{
	uint8_t plain[8 + 2 * 44] = { 'E', 'K', 'R', '1', 0, 0, 0, 2 };
	uint8_t blob[256];
	struct keyring *kr;
	size_t len;

	plain[8 + 3] = 1;      /* term 1 */
	plain[8 + 44 + 3] = 2; /* term 2 */
	forge(plain, sizeof(plain), blob, &len);
	ck_assert_int_eq(keyring_open(&kr, mk, blob, len), 0);
	keyring_free(kr);
	plain[8 + 44 + 3] = 3; /* a gap in the terms */
	forge(plain, sizeof(plain), blob, &len);
	ck_assert_int_eq(keyring_open(&kr, mk, blob, len), -ESC_ECORRUPT);
	plain[8 + 44 + 3] = 2;
	plain[7] = 3; /* count says 3, two are present */
	forge(plain, sizeof(plain), blob, &len);
	ck_assert_int_eq(keyring_open(&kr, mk, blob, len), -ESC_ECORRUPT);
	plain[7] = 0; /* no terms */
	forge(plain, 8, blob, &len);
	ck_assert_int_eq(keyring_open(&kr, mk, blob, len), -ESC_ECORRUPT);
	plain[7] = 2;
	plain[0] = 'X'; /* wrong magic */
	forge(plain, sizeof(plain), blob, &len);
	ck_assert_int_eq(keyring_open(&kr, mk, blob, len), -ESC_ECORRUPT);
}
END_TEST

START_TEST(test_keyring_derive_separates_labels)
{
	struct keyring *kr;
	uint8_t k[4][32];

	ck_assert_int_eq(keyring_new(&kr, 1), 0);
	ck_assert_int_eq(keyring_derive(kr, 1, "zone-kek", "ab", k[0]), 0);
	ck_assert_int_eq(keyring_derive(kr, 1, "zone-kek", "ac", k[1]), 0);
	ck_assert_int_eq(keyring_derive(kr, 1, "zone-keka", "b", k[2]), 0);
	ck_assert_int_eq(keyring_derive(kr, 1, "audit-hmac", "", k[3]), 0);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < i; j++)
			ck_assert(memcmp(k[i], k[j], 32) != 0);
	ck_assert_int_eq(keyring_derive(kr, 1, "zone-kek", "ab", k[1]), 0);
	ck_assert_mem_eq(k[0], k[1], 32);
	keyring_free(kr);
}
END_TEST

START_TEST(test_keyring_derive_errors_zero_output)
{
	char longl[KEYRING_LABEL_MAX + 2];
	struct keyring *kr;
	uint8_t out[32];

	memset(longl, 'a', sizeof(longl) - 1);
	longl[sizeof(longl) - 1] = '\0';
	ck_assert_int_eq(keyring_new(&kr, 1), 0);
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(keyring_derive(kr, 2, "p", "n", out), -ENOENT);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(keyring_derive(kr, 0, "p", "n", out), -ENOENT);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	ck_assert_int_eq(keyring_derive(kr, 1, "", "n", out), -EINVAL);
	ck_assert_int_eq(keyring_derive(kr, 1, longl, "n", out), -EINVAL);
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(keyring_derive(kr, 1, "p", longl, out), -EINVAL);
	ck_assert(sodium_is_zero(out, sizeof(out)));
	longl[KEYRING_LABEL_MAX] = '\0'; /* exactly the limit is fine */
	ck_assert_int_eq(keyring_derive(kr, 1, longl, longl, out), 0);
	keyring_free(kr);
}
END_TEST

Suite *
keyring_suite(void)
{
	Suite *s = suite_create("keyring");
	TCase *tc;

	tc = tcase_create("new_rotate");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_keyring_new_has_term_one);
	tcase_add_test(tc, test_keyring_rotate_adds_terms_and_keeps_old);
	tcase_add_test(tc, test_keyring_rotate_enospc_at_max);
	suite_add_tcase(s, tc);
	tc = tcase_create("seal_open");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_keyring_seal_open_round_trip);
	tcase_add_test(tc, test_keyring_seal_uses_fresh_nonces);
	tcase_add_test(tc, test_keyring_open_rejects_every_damage);
	tcase_add_test(tc, test_keyring_open_rejects_malformed_plaintext);
	suite_add_tcase(s, tc);
	tc = tcase_create("derive");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_keyring_derive_separates_labels);
	tcase_add_test(tc, test_keyring_derive_errors_zero_output);
	suite_add_tcase(s, tc);
	return s;
}
