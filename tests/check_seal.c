/* SPDX-License-Identifier: ISC */
/*
 * seal: every state transition, every refusal of a submission (and that a
 * refusal leaves the attempt's progress as it was), the KCV catching a
 * wrong reconstruction, rekey with and without verification, plaintext
 * mode, aborted writes, and a byte scan of every store file for secrets.
 * Four custodians are registered; alice, bob and carol hold shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/auth.h"
#include "escrow/custodian.h"
#include "escrow/seal.h"
#include "escrow/seal_priv.h"
#include "escrow/store.h"
#include "shamir/shamir.h"
#include "tests/fixture.h"
#include "tests/suites.h"

#define T0    1000000u
#define ALICE 0
#define BOB   1
#define CAROL 2
#define DAVE  3

static const char *const names[] = { "alice", "bob", "carol", "dave" };
static char dir[4096];
static struct store *st;
static struct seal *sl;
static struct custodian_key *keys[4];
static char token[SEAL_TOKEN_MAX + 1];

static void
open_all(bool plaintext)
{
	struct seal_config c = { .attempt_ttl = 600,
		.allow_plaintext = plaintext };

	ck_assert_int_eq(store_open(&st, dir, NULL), 0);
	ck_assert_int_eq(seal_open(&sl, st, &c), 0);
}

static void
close_all(void)
{
	seal_close(sl);
	sl = NULL;
	store_close(st);
	st = NULL;
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", fixture_tmpdir());
	open_all(false);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(custodian_key_generate(&keys[i], names[i]), 0);
		ck_assert_int_eq(
		    seal_custodian_add(sl, custodian_key_pub(keys[i])), 0);
	}
}

static void
teardown(void)
{
	close_all();
	for (int i = 0; i < 4; i++)
		custodian_key_free(keys[i]);
	fixture_rmtree(dir);
}

static void
init_2_of_3(void)
{
	const char *set[] = { "alice", "bob", "carol" };

	ck_assert_int_eq(seal_init(sl, T0, 2, 3, set, NULL, token), 0);
}

/* Custodian i's plaintext share, opened with its own key. */
static void
share_of(int i, bool pending, uint8_t share[SEAL_SHARE_BYTES])
{
	uint8_t sealed[SEAL_SEALED_BYTES];

	ck_assert_int_eq(seal_share_get(sl, names[i], pending, sealed, NULL),
	    0);
	ck_assert_int_eq(custodian_share_open(keys[i], share, SEAL_SHARE_BYTES,
	                     sealed, sizeof(sealed)),
	    0);
}

static int
submit_share(int i, enum custodian_purpose p, uint64_t now,
    const uint8_t *share, struct seal_progress *pr)
{
	struct seal_attempt_info ai;
	uint8_t sealed[SEAL_SEALED_BYTES], sig[CUSTODIAN_SIG_BYTES];

	ck_assert_int_eq(seal_attempt_get(sl, p, now, &ai), 0);
	ck_assert_int_eq(custodian_submission_make(keys[i], p, ai.nonce, ai.pk,
	                     share, SEAL_SHARE_BYTES, sealed, sig),
	    0);
	return seal_submit(sl, p, now, names[i], ai.nonce, sealed,
	    sizeof(sealed), sig, pr);
}

static int
submit(int i, enum custodian_purpose p, struct seal_progress *pr)
{
	uint8_t share[SEAL_SHARE_BYTES];
	int rc;

	share_of(i, p == CUSTODIAN_PURPOSE_VERIFY, share);
	rc = submit_share(i, p, T0, share, pr);
	sodium_memzero(share, sizeof(share));
	return rc;
}

static unsigned
progress(enum custodian_purpose p)
{
	struct seal_attempt_info ai;

	ck_assert_int_eq(seal_attempt_get(sl, p, T0, &ai), 0);
	return ai.progress;
}

static enum seal_state
state(void)
{
	struct seal_status ss;

	seal_status_get(sl, &ss);
	return ss.state;
}

static void
unseal(int a, int b)
{
	struct seal_progress pr;

	ck_assert_int_eq(submit(a, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert(!pr.complete);
	ck_assert_int_eq(submit(b, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert(pr.complete);
	ck_assert_int_eq(state(), SEAL_STATE_UNSEALED);
}

START_TEST(test_seal_open_fresh_is_uninit)
{
	struct seal_status ss;
	struct seal_attempt_info ai;
	uint8_t out[32];

	seal_status_get(sl, &ss);
	ck_assert_int_eq(ss.state, SEAL_STATE_UNINIT);
	ck_assert_uint_eq(ss.k, 0);
	ck_assert_uint_eq(ss.n, 0);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai),
	    -ESC_EUNINIT);
	ck_assert_int_eq(seal_seal(sl), -ESC_EUNINIT);
	ck_assert_int_eq(seal_derive(sl, 0, "p", "n", out), -ESC_EUNINIT);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0), -ESC_EUNINIT);
}
END_TEST

START_TEST(test_seal_custodian_add_get_foreach)
{
	struct custodian_pub pub;
	struct custodian_key *other;

	ck_assert_int_eq(seal_custodian_get(sl, "bob", &pub), 0);
	ck_assert_mem_eq(pub.sign_pk, custodian_key_pub(keys[BOB])->sign_pk,
	    CUSTODIAN_SIGN_PK_BYTES);
	ck_assert_int_eq(seal_custodian_get(sl, "zed", &pub), -ENOENT);
	ck_assert_int_eq(seal_custodian_get(sl, "Bad!", &pub), -EINVAL);
	/* The same keys again: a no-op; other keys under the name: refused. */
	ck_assert_int_eq(seal_custodian_add(sl, custodian_key_pub(keys[BOB])),
	    0);
	ck_assert_int_eq(custodian_key_generate(&other, "bob"), 0);
	ck_assert_int_eq(seal_custodian_add(sl, custodian_key_pub(other)),
	    -EEXIST);
	custodian_key_free(other);
	pub = *custodian_key_pub(keys[BOB]);
	snprintf(pub.name, sizeof(pub.name), "Bob");
	ck_assert_int_eq(seal_custodian_add(sl, &pub), -EINVAL);
}
END_TEST

static int
count_holders(void *arg, const struct custodian_pub *pub, bool holds)
{
	unsigned *counts = arg;

	(void)pub;
	counts[holds ? 1 : 0]++;
	return 0;
}

START_TEST(test_seal_custodian_foreach_marks_holders)
{
	unsigned counts[2] = { 0, 0 };

	init_2_of_3();
	ck_assert_int_eq(seal_custodian_foreach(sl, count_holders, counts), 0);
	ck_assert_uint_eq(counts[0], 1); /* dave */
	ck_assert_uint_eq(counts[1], 3);
}
END_TEST

START_TEST(test_seal_init_refuses_bad_arguments)
{
	const char *three[] = { "alice", "bob", "carol" };
	const char *unknown[] = { "alice", "bob", "zed" };
	const char *invalid[] = { "alice", "bob", "Bad!" };
	const char *twice[] = { "alice", "bob", "alice" };
	uint8_t plain[3 * SEAL_SHARE_BYTES];

	memset(token, 'x', sizeof(token));
	ck_assert_int_eq(seal_init(sl, T0, 1, 3, three, NULL, token), -EINVAL);
	ck_assert(sodium_is_zero((uint8_t *)token, sizeof(token)));
	ck_assert_int_eq(seal_init(sl, T0, 4, 3, three, NULL, token), -EINVAL);
	ck_assert_int_eq(seal_init(sl, T0, 2, 256, three, NULL, token),
	    -EINVAL);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, unknown, NULL, token),
	    -ENOENT);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, invalid, NULL, token),
	    -EINVAL);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, twice, NULL, token), -EINVAL);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, NULL, NULL, token), -EINVAL);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, NULL, plain, token),
	    -ESC_EPLAINTEXT);
	ck_assert_int_eq(state(), SEAL_STATE_UNINIT);
	/* Nothing was stored: a fresh domain over the store agrees. */
	close_all();
	open_all(false);
	ck_assert_int_eq(state(), SEAL_STATE_UNINIT);
	init_2_of_3();
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, three, NULL, token),
	    -ESC_EINITED);
}
END_TEST

START_TEST(test_seal_init_stores_only_sealed_shares)
{
	struct auth_token_info info;
	struct seal_status ss;
	uint8_t share[SEAL_SHARE_BYTES], sealed[SEAL_SEALED_BYTES];
	uint8_t xs[3];

	init_2_of_3();
	seal_status_get(sl, &ss);
	ck_assert_int_eq(ss.state, SEAL_STATE_SEALED);
	ck_assert_uint_eq(ss.k, 2);
	ck_assert_uint_eq(ss.n, 3);
	ck_assert_uint_eq(ss.generation, 1);
	ck_assert(!ss.plaintext);
	for (int i = 0; i < 3; i++) {
		share_of(i, false, share);
		xs[i] = share[SEAL_MK_BYTES];
		ck_assert_int_ne(xs[i], 0);
		ck_assert_int_eq(seal_share_verify(sl, names[i], false, share,
		                     sizeof(share)),
		    0);
		share[0] ^= 1;
		ck_assert_int_eq(seal_share_verify(sl, names[i], false, share,
		                     sizeof(share)),
		    -ESC_EBADSHARE);
		ck_assert_int_eq(seal_share_verify(sl, names[i], false, share,
		                     sizeof(share) - 1),
		    -ESC_EMALFORMED);
	}
	ck_assert(xs[0] != xs[1] && xs[1] != xs[2] && xs[0] != xs[2]);
	/* Only the custodian's own key opens its sealed share. */
	ck_assert_int_eq(seal_share_get(sl, "alice", false, sealed, NULL), 0);
	ck_assert_int_eq(custodian_share_open(keys[BOB], share, sizeof(share),
	                     sealed, sizeof(sealed)),
	    -ESC_ECRYPTO);
	ck_assert_int_eq(seal_share_get(sl, "dave", false, sealed, NULL),
	    -ENOENT);
	ck_assert_int_eq(seal_share_get(sl, "alice", true, sealed, NULL),
	    -ENOENT);
	ck_assert_int_eq(
	    seal_share_verify(sl, "dave", false, share, sizeof(share)),
	    -ENOENT);
	/* The root token works, and only as a token. */
	ck_assert_int_eq(strncmp(token, "esc.", 4), 0);
	ck_assert_int_eq(auth_token_lookup(st, T0, token, &info), 0);
	ck_assert(auth_has_policy(&info, "root"));
}
END_TEST

START_TEST(test_seal_init_aborted_write_leaves_uninit)
{
	struct store_opts ro = { .flags = STORE_RDONLY };
	const char *three[] = { "alice", "bob", "carol" };

	close_all();
	ck_assert_int_eq(store_open(&st, dir, &ro), 0);
	ck_assert_int_eq(seal_open(&sl, st, NULL), 0);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, three, NULL, token), -EROFS);
	ck_assert(sodium_is_zero((uint8_t *)token, sizeof(token)));
	close_all();
	open_all(false);
	ck_assert_int_eq(state(), SEAL_STATE_UNINIT);
}
END_TEST

START_TEST(test_seal_submit_unseals_at_threshold)
{
	struct seal_attempt_info ai;
	struct seal_progress pr;
	uint32_t term;
	uint64_t when;

	init_2_of_3();
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	ck_assert(ai.active);
	ck_assert_uint_eq(ai.threshold, 2);
	ck_assert_uint_eq(ai.progress, 0);
	ck_assert_uint_eq(ai.expires, T0 + 600);
	ck_assert_int_eq(submit(CAROL, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert_uint_eq(pr.progress, 1);
	ck_assert_uint_eq(pr.threshold, 2);
	ck_assert(!pr.complete);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	ck_assert_str_eq(ai.submitted[0], "carol");
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert(pr.complete);
	ck_assert_int_eq(state(), SEAL_STATE_UNSEALED);
	ck_assert_int_eq(seal_keyring_status(sl, &term, &when), 0);
	ck_assert_uint_eq(term, 1);
	ck_assert_uint_eq(when, T0);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai),
	    -ESC_EUNSEALED);
}
END_TEST

/* A submission by custodian `as` signed with `signer`'s key over `share`,
 * sealed to `pk` (the attempt's unless given). */
struct sub {
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];
	uint8_t sealed[SEAL_SEALED_BYTES];
	uint8_t sig[CUSTODIAN_SIG_BYTES];
};

static void
make_sub(struct sub *sb, int signer, const uint8_t *share, const uint8_t *pk)
{
	struct seal_attempt_info ai;

	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	memcpy(sb->nonce, ai.nonce, sizeof(sb->nonce));
	ck_assert_int_eq(custodian_submission_make(keys[signer],
	                     CUSTODIAN_PURPOSE_UNSEAL, sb->nonce,
	                     pk != NULL ? pk : ai.pk, share, SEAL_SHARE_BYTES,
	                     sb->sealed, sb->sig),
	    0);
}

static int
send_sub(const struct sub *sb, const char *as)
{
	struct seal_progress pr;

	return seal_submit(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, as, sb->nonce,
	    sb->sealed, sizeof(sb->sealed), sb->sig, &pr);
}

START_TEST(test_seal_submit_refusals_keep_progress)
{
	uint8_t a[SEAL_SHARE_BYTES], b[SEAL_SHARE_BYTES], pk[32], sk[32];
	struct seal_progress pr;
	struct seal_attempt_info ai;
	struct sub sb;

	init_2_of_3();
	share_of(ALICE, false, a);
	share_of(BOB, false, b);
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	/* Carol signs bob's share and claims to be bob. */
	make_sub(&sb, CAROL, b, NULL);
	ck_assert_int_eq(send_sub(&sb, "bob"), -ESC_EBADSIG);
	/* Unknown, invalid, and registered-without-share names. */
	make_sub(&sb, BOB, b, NULL);
	ck_assert_int_eq(send_sub(&sb, "zed"), -ESC_ECUSTODIAN);
	ck_assert_int_eq(send_sub(&sb, "Bad!"), -ESC_ECUSTODIAN);
	make_sub(&sb, DAVE, b, NULL);
	ck_assert_int_eq(send_sub(&sb, "dave"), -ESC_ECUSTODIAN);
	/* Alice again. */
	make_sub(&sb, ALICE, a, NULL);
	ck_assert_int_eq(send_sub(&sb, "alice"), -ESC_EDUPLICATE);
	/* A nonce of no attempt, correctly signed over. */
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	memcpy(sb.nonce, ai.nonce, sizeof(sb.nonce));
	sb.nonce[0] ^= 1;
	ck_assert_int_eq(custodian_submission_make(keys[BOB],
	                     CUSTODIAN_PURPOSE_UNSEAL, sb.nonce, ai.pk, b,
	                     SEAL_SHARE_BYTES, sb.sealed, sb.sig),
	    0);
	ck_assert_int_eq(send_sub(&sb, "bob"), -ESC_ENONCE);
	/* Tampered sealed share: the signature no longer covers it. */
	make_sub(&sb, BOB, b, NULL);
	sb.sealed[40] ^= 1;
	ck_assert_int_eq(send_sub(&sb, "bob"), -ESC_EBADSIG);
	/* Wrong length. */
	make_sub(&sb, BOB, b, NULL);
	ck_assert_int_eq(seal_submit(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, "bob",
	                     sb.nonce, sb.sealed, sizeof(sb.sealed) - 1, sb.sig,
	                     &pr),
	    -ESC_EMALFORMED);
	/* Sealed to some other key, correctly signed. */
	crypto_box_keypair(pk, sk);
	make_sub(&sb, BOB, b, pk);
	ck_assert_int_eq(send_sub(&sb, "bob"), -ESC_EMALFORMED);
	/* Bob submits alice's share, or garbage: not his commitment. */
	make_sub(&sb, BOB, a, NULL);
	ck_assert_int_eq(send_sub(&sb, "bob"), -ESC_EBADSHARE);
	b[5] ^= 0x40;
	make_sub(&sb, BOB, b, NULL);
	ck_assert_int_eq(send_sub(&sb, "bob"), -ESC_EBADSHARE);
	b[5] ^= 0x40;
	/* A bad purpose. */
	ck_assert_int_eq(seal_submit(sl, CUSTODIAN_PURPOSE_DRILL, T0, "bob",
	                     sb.nonce, sb.sealed, sizeof(sb.sealed), sb.sig,
	                     &pr),
	    -EINVAL);
	/* None of it moved the attempt. */
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	ck_assert_uint_eq(ai.progress, 1);
	ck_assert_str_eq(ai.submitted[0], "alice");
	ck_assert_str_eq(ai.submitted[1], "");
	ck_assert_int_eq(state(), SEAL_STATE_SEALED);
	/* And the honest submission still completes it. */
	make_sub(&sb, BOB, b, NULL);
	ck_assert_int_eq(send_sub(&sb, "bob"), 0);
	ck_assert_int_eq(state(), SEAL_STATE_UNSEALED);
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
}
END_TEST

START_TEST(test_seal_submit_replay_into_later_attempt)
{
	uint8_t b[SEAL_SHARE_BYTES];
	struct seal_attempt_info ai;
	struct sub old;

	init_2_of_3();
	share_of(BOB, false, b);
	make_sub(&old, BOB, b, NULL);
	ck_assert_int_eq(send_sub(&old, "bob"), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_UNSEAL, NULL, T0), 0);
	ck_assert_uint_eq(progress(CUSTODIAN_PURPOSE_UNSEAL), 0);
	ck_assert_int_eq(send_sub(&old, "bob"), -ESC_ENONCE);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	ck_assert_uint_eq(ai.progress, 0);
	ck_assert(memcmp(ai.nonce, old.nonce, sizeof(ai.nonce)) != 0);
}
END_TEST

START_TEST(test_seal_submit_expired_attempt)
{
	uint8_t b[SEAL_SHARE_BYTES];
	struct seal_progress pr;
	struct seal_attempt_info ai;
	struct sub sb;

	init_2_of_3();
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	share_of(BOB, false, b);
	make_sub(&sb, BOB, b, NULL);
	ck_assert_int_eq(seal_submit(sl, CUSTODIAN_PURPOSE_UNSEAL, T0 + 599,
	                     "carol", sb.nonce, sb.sealed, sizeof(sb.sealed),
	                     sb.sig, &pr),
	    -ESC_EBADSIG); /* still live at 599 s */
	ck_assert_int_eq(seal_submit(sl, CUSTODIAN_PURPOSE_UNSEAL, T0 + 600,
	                     "bob", sb.nonce, sb.sealed, sizeof(sb.sealed),
	                     sb.sig, &pr),
	    -ESC_EEXPIRED);
	ck_assert_int_eq(state(), SEAL_STATE_SEALED);
	/* The next look starts a fresh attempt with nothing collected. */
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0 + 601, &ai), 0);
	ck_assert_uint_eq(ai.progress, 0);
	ck_assert_uint_eq(ai.expires, T0 + 601 + 600);
	ck_assert_int_eq(seal_submit(sl, CUSTODIAN_PURPOSE_UNSEAL, T0 + 601,
	                     "bob", sb.nonce, sb.sealed, sizeof(sb.sealed),
	                     sb.sig, &pr),
	    -ESC_ENONCE);
}
END_TEST

static int
kcv_tamper_fn(struct store_txn *txn, void *arg)
{
	struct seal_conf c;
	uint8_t buf[SEAL_CONF_BYTES];
	const void *v;
	size_t len;
	int rc;

	(void)arg;
	if ((rc = store_get(txn, "meta", "config", 6, &v, &len)) != 0 ||
	    (rc = seal_conf_decode(&c, v, len)) != 0)
		return rc;
	c.kcv[0] ^= 1;
	seal_conf_encode(&c, buf);
	return store_put(txn, "meta", "config", 6, buf, sizeof(buf));
}

START_TEST(test_seal_submit_kcv_catches_wrong_reconstruction)
{
	struct seal_progress pr;

	init_2_of_3();
	ck_assert_int_eq(
	    store_write(store_env_get(st, STORE_CORE), kcv_tamper_fn, NULL), 0);
	seal_close(sl);
	ck_assert_int_eq(seal_open(&sl, st, NULL), 0);
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert_int_eq(submit(BOB, CUSTODIAN_PURPOSE_UNSEAL, &pr), -ESC_EKCV);
	ck_assert_int_eq(state(), SEAL_STATE_SEALED);
	ck_assert_uint_eq(progress(CUSTODIAN_PURPOSE_UNSEAL), 0);
}
END_TEST

START_TEST(test_seal_attempt_get_and_reset_errors)
{
	struct seal_attempt_info ai;
	uint8_t nonce[CUSTODIAN_NONCE_BYTES] = { 0 };

	init_2_of_3();
	ck_assert_int_eq(seal_attempt_get(sl, CUSTODIAN_PURPOSE_REKEY, T0, &ai),
	    -ESC_ESEALED);
	ck_assert_int_eq(seal_attempt_get(sl, CUSTODIAN_PURPOSE_DRILL, T0, &ai),
	    -EINVAL);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_UNSEAL, NULL, T0),
	    -ESC_ENOATTEMPT);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_UNSEAL, T0, &ai), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_UNSEAL, nonce, T0),
	    -ESC_ENONCE);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_UNSEAL, ai.nonce, T0), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_DRILL, NULL, T0), -EINVAL);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_VERIFY, NULL, T0),
	    -ESC_ENOATTEMPT);
	unseal(ALICE, BOB);
	ck_assert_int_eq(seal_attempt_get(sl, CUSTODIAN_PURPOSE_REKEY, T0, &ai),
	    -ESC_ENOATTEMPT);
	ck_assert(!ai.active);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_VERIFY, T0, &ai),
	    -ESC_ENOATTEMPT);
}
END_TEST

START_TEST(test_seal_seal_wipes_and_restart_unseals_again)
{
	uint8_t k1[32], k2[32];

	init_2_of_3();
	ck_assert_int_eq(seal_seal(sl), -ESC_ESEALED);
	unseal(ALICE, BOB);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k1), 0);
	ck_assert_int_eq(seal_seal(sl), 0);
	ck_assert_int_eq(state(), SEAL_STATE_SEALED);
	ck_assert_int_eq(seal_seal(sl), -ESC_ESEALED);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k2),
	    -ESC_ESEALED);
	ck_assert(sodium_is_zero(k2, sizeof(k2)));
	close_all();
	open_all(false);
	ck_assert_int_eq(state(), SEAL_STATE_SEALED);
	unseal(BOB, CAROL);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k2), 0);
	ck_assert_mem_eq(k1, k2, 32);
}
END_TEST

START_TEST(test_seal_keyring_rotate_persists)
{
	uint8_t k1[32], k2[32];
	uint32_t term;
	uint64_t when;

	init_2_of_3();
	ck_assert_int_eq(seal_keyring_status(sl, &term, &when), -ESC_ESEALED);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 5), -ESC_ESEALED);
	unseal(ALICE, CAROL);
	ck_assert_int_eq(seal_derive(sl, 1, "zone-kek", "tx", k1), 0);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 5), 0);
	ck_assert_int_eq(seal_keyring_status(sl, &term, &when), 0);
	ck_assert_uint_eq(term, 2);
	ck_assert_uint_eq(when, T0 + 5);
	close_all();
	open_all(false);
	unseal(ALICE, BOB);
	ck_assert_int_eq(seal_keyring_status(sl, &term, &when), 0);
	ck_assert_uint_eq(term, 2);
	ck_assert_int_eq(seal_derive(sl, 1, "zone-kek", "tx", k2), 0);
	ck_assert_mem_eq(k1, k2, 32);
	ck_assert_int_eq(seal_derive(sl, 3, "zone-kek", "tx", k2), -ENOENT);
}
END_TEST

START_TEST(test_seal_rekey_without_verification)
{
	const char *three[] = { "alice", "bob", "carol" };
	uint8_t k1[32], k2[32], old[SEAL_SHARE_BYTES], neu[SEAL_SHARE_BYTES];
	struct seal_attempt_info ai;
	struct seal_progress pr;
	struct seal_status ss;

	init_2_of_3();
	unseal(ALICE, BOB);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k1), 0);
	share_of(ALICE, false, old);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 3, 3, three, false, &ai), 0);
	ck_assert(ai.active);
	ck_assert_uint_eq(ai.threshold, 2); /* the current threshold */
	ck_assert_uint_eq(ai.new_k, 3);
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_REKEY, &pr), 0);
	ck_assert_int_eq(submit(CAROL, CUSTODIAN_PURPOSE_REKEY, &pr), 0);
	ck_assert(pr.complete);
	seal_status_get(sl, &ss);
	ck_assert_uint_eq(ss.generation, 2);
	ck_assert_uint_eq(ss.k, 3);
	ck_assert(!ss.rekey_pending);
	share_of(ALICE, false, neu);
	ck_assert(memcmp(old, neu, sizeof(old)) != 0);
	/* The old share is dead; the three new ones unseal. */
	ck_assert_int_eq(seal_seal(sl), 0);
	ck_assert_int_eq(
	    submit_share(ALICE, CUSTODIAN_PURPOSE_UNSEAL, T0, old, &pr),
	    -ESC_EBADSHARE);
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert_int_eq(submit(BOB, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert(!pr.complete);
	ck_assert_int_eq(submit(CAROL, CUSTODIAN_PURPOSE_UNSEAL, &pr), 0);
	ck_assert_int_eq(state(), SEAL_STATE_UNSEALED);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k2), 0);
	ck_assert_mem_eq(k1, k2, 32);
}
END_TEST

START_TEST(test_seal_rekey_with_verification)
{
	const char *two[] = { "bob", "carol" };
	struct seal_attempt_info ai;
	struct seal_progress pr;
	struct seal_status ss;
	uint8_t k1[32], k2[32], old[SEAL_SHARE_BYTES];

	init_2_of_3();
	unseal(ALICE, BOB);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k1), 0);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, two, true, &ai), 0);
	ck_assert(ai.require_verification);
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_REKEY, &pr), 0);
	ck_assert_int_eq(submit(BOB, CUSTODIAN_PURPOSE_REKEY, &pr), 0);
	ck_assert(pr.complete);
	seal_status_get(sl, &ss);
	ck_assert(ss.rekey_pending);
	ck_assert_uint_eq(ss.generation, 1);
	/* A second rekey waits for this one. */
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, two, true, &ai),
	    -ESC_EINPROGRESS);
	/* The old shares stay valid until verification, across a restart. */
	close_all();
	open_all(false);
	seal_status_get(sl, &ss);
	ck_assert(ss.rekey_pending);
	unseal(ALICE, CAROL);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_VERIFY, T0, &ai), 0);
	ck_assert_uint_eq(ai.threshold, 2);
	/* Alice holds no new share: her old one is refused by name. */
	share_of(ALICE, false, old);
	ck_assert_int_eq(
	    submit_share(ALICE, CUSTODIAN_PURPOSE_VERIFY, T0, old, &pr),
	    -ESC_ECUSTODIAN);
	/* Bob's old share is not his new one. */
	share_of(BOB, false, old);
	ck_assert_int_eq(
	    submit_share(BOB, CUSTODIAN_PURPOSE_VERIFY, T0, old, &pr),
	    -ESC_EBADSHARE);
	ck_assert_uint_eq(progress(CUSTODIAN_PURPOSE_VERIFY), 0);
	ck_assert_int_eq(submit(BOB, CUSTODIAN_PURPOSE_VERIFY, &pr), 0);
	ck_assert_int_eq(submit(CAROL, CUSTODIAN_PURPOSE_VERIFY, &pr), 0);
	ck_assert(pr.complete);
	seal_status_get(sl, &ss);
	ck_assert(!ss.rekey_pending);
	ck_assert_uint_eq(ss.generation, 2);
	ck_assert_uint_eq(ss.n, 2);
	/* Alice holds nothing now; bob and carol unseal with new shares. */
	ck_assert_int_eq(seal_seal(sl), 0);
	ck_assert_int_eq(seal_share_get(sl, "alice", false,
	                     (uint8_t[SEAL_SEALED_BYTES]){ 0 }, NULL),
	    -ENOENT);
	unseal(BOB, CAROL);
	ck_assert_int_eq(seal_derive(sl, 0, "zone-kek", "tx", k2), 0);
	ck_assert_mem_eq(k1, k2, 32);
}
END_TEST

START_TEST(test_seal_rekey_start_and_cancel_errors)
{
	const char *two[] = { "bob", "carol" };
	const char *unknown[] = { "bob", "zed" };
	struct seal_attempt_info ai, vi;
	struct seal_progress pr;
	struct seal_status ss;
	uint8_t bad[CUSTODIAN_NONCE_BYTES] = { 0 };

	init_2_of_3();
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, two, false, &ai),
	    -ESC_ESEALED);
	unseal(ALICE, BOB);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 3, 2, two, false, &ai),
	    -EINVAL);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, unknown, false, &ai),
	    -ENOENT);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, NULL, false, &ai),
	    -ESC_EPLAINTEXT);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, two, true, &ai), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_REKEY, NULL, T0),
	    -ESC_ENONCE);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_REKEY, bad, T0),
	    -ESC_ENONCE);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_REKEY, ai.nonce, T0), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_REKEY, ai.nonce, T0),
	    -ESC_ENOATTEMPT);
	/* Cancelling a rekey that awaits verification drops the new set. */
	ck_assert_int_eq(seal_rekey_start(sl, T0, 2, 2, two, true, &ai), 0);
	ck_assert_int_eq(submit(ALICE, CUSTODIAN_PURPOSE_REKEY, &pr), 0);
	ck_assert_int_eq(submit(CAROL, CUSTODIAN_PURPOSE_REKEY, &pr), 0);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_VERIFY, T0, &vi), 0);
	/* Restarting verification gives a new nonce. */
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_VERIFY, NULL, T0), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_REKEY, vi.nonce, T0),
	    -ESC_ENONCE);
	ck_assert_int_eq(
	    seal_attempt_get(sl, CUSTODIAN_PURPOSE_VERIFY, T0, &vi), 0);
	ck_assert_int_eq(
	    seal_attempt_reset(sl, CUSTODIAN_PURPOSE_REKEY, vi.nonce, T0), 0);
	seal_status_get(sl, &ss);
	ck_assert(!ss.rekey_pending);
	ck_assert_uint_eq(ss.generation, 1);
	ck_assert_int_eq(seal_seal(sl), 0);
	unseal(ALICE, BOB); /* the old shares still rule */
}
END_TEST

START_TEST(test_seal_plaintext_mode)
{
	uint8_t *plain, wrong[SEAL_SHARE_BYTES];
	char who[CUSTODIAN_NAME_MAX + 1], expect[CUSTODIAN_NAME_MAX + 1];
	struct seal_progress pr;
	struct seal_status ss;
	int x;

	close_all();
	open_all(true);
	plain = sodium_allocarray(3, SEAL_SHARE_BYTES);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, NULL, plain, token), 0);
	seal_status_get(sl, &ss);
	ck_assert(ss.plaintext);
	x = plain[SEAL_SHARE_BYTES - 1];
	snprintf(expect, sizeof(expect), "share-%d", x);
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, plain, SEAL_SHARE_BYTES, who, &pr),
	    0);
	ck_assert_str_eq(who, expect);
	ck_assert_uint_eq(pr.progress, 1);
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, plain, SEAL_SHARE_BYTES, who, &pr),
	    -ESC_EDUPLICATE);
	memcpy(wrong, plain + SEAL_SHARE_BYTES, sizeof(wrong));
	wrong[3] ^= 1;
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, wrong, sizeof(wrong), who, &pr),
	    -ESC_EBADSHARE);
	snprintf(expect, sizeof(expect), "share-%d", wrong[32]);
	ck_assert_str_eq(who, expect); /* the refusal names the holder */
	/* An x that no share has. */
	for (wrong[32] = 1; wrong[32] == plain[32] || wrong[32] == plain[65] ||
	     wrong[32] == plain[98];
	     wrong[32]++)
		;
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, wrong, sizeof(wrong), who, &pr),
	    -ESC_ECUSTODIAN);
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, wrong, sizeof(wrong) - 1, who, &pr),
	    -ESC_EMALFORMED);
	ck_assert_uint_eq(progress(CUSTODIAN_PURPOSE_UNSEAL), 1);
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, plain + 2 * SEAL_SHARE_BYTES,
	                     SEAL_SHARE_BYTES, who, &pr),
	    0);
	ck_assert(pr.complete);
	ck_assert_int_eq(state(), SEAL_STATE_UNSEALED);
	sodium_free(plain);
}
END_TEST

START_TEST(test_seal_plaintext_refused_unless_allowed)
{
	uint8_t share[SEAL_SHARE_BYTES] = { 1 };
	char who[CUSTODIAN_NAME_MAX + 1];
	struct seal_progress pr;

	init_2_of_3();
	ck_assert_int_eq(seal_submit_plaintext(sl, CUSTODIAN_PURPOSE_UNSEAL, T0,
	                     NULL, share, sizeof(share), who, &pr),
	    -ESC_EPLAINTEXT);
}
END_TEST

START_TEST(test_seal_plaintext_rekey_hands_out_shares_once)
{
	uint8_t *plain, *fresh;
	char who[CUSTODIAN_NAME_MAX + 1];
	struct seal_attempt_info ai;
	struct seal_progress pr;
	unsigned n;

	close_all();
	open_all(true);
	plain = sodium_allocarray(3, SEAL_SHARE_BYTES);
	fresh = sodium_allocarray(4, SEAL_SHARE_BYTES);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, NULL, plain, token), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(seal_submit_plaintext(sl,
		                     CUSTODIAN_PURPOSE_UNSEAL, T0, NULL,
		                     plain + i * SEAL_SHARE_BYTES,
		                     SEAL_SHARE_BYTES, who, &pr),
		    0);
	ck_assert_int_eq(seal_rekey_take_plain(sl, fresh, 4 * 33, &n), -ENOENT);
	ck_assert_int_eq(seal_rekey_start(sl, T0, 3, 4, NULL, false, &ai), 0);
	for (int i = 1; i < 3; i++)
		ck_assert_int_eq(seal_submit_plaintext(sl,
		                     CUSTODIAN_PURPOSE_REKEY, T0, NULL,
		                     plain + i * SEAL_SHARE_BYTES,
		                     SEAL_SHARE_BYTES, who, &pr),
		    0);
	ck_assert(pr.complete);
	ck_assert_int_eq(seal_rekey_take_plain(sl, fresh, 3 * 33, &n), -ENOSPC);
	ck_assert_int_eq(seal_rekey_take_plain(sl, fresh, 4 * 33, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(seal_rekey_take_plain(sl, fresh, 4 * 33, &n), -ENOENT);
	ck_assert_int_eq(seal_seal(sl), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(seal_submit_plaintext(sl,
		                     CUSTODIAN_PURPOSE_UNSEAL, T0, NULL,
		                     fresh + i * SEAL_SHARE_BYTES,
		                     SEAL_SHARE_BYTES, who, &pr),
		    0);
	ck_assert_int_eq(state(), SEAL_STATE_UNSEALED);
	sodium_free(fresh);
	sodium_free(plain);
}
END_TEST

/* No store file contains `secret` (nor, for a 32+ byte one, its hex). */
static void
assert_nowhere(const void *secret, size_t len, const char *what)
{
	static const char *const files[] = { "core.mdb", "auth.mdb",
		"audit.mdb", "core.mdb-lock", "auth.mdb-lock",
		"audit.mdb-lock" };
	char path[4200], hex[2 * 64 + 1];

	ck_assert_uint_le(len, 64);
	sodium_bin2hex(hex, sizeof(hex), secret, len);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		ck_assert_msg(!fixture_file_contains(path, secret, len),
		    "%s found in %s", what, files[i]);
		ck_assert_msg(!fixture_file_contains(path, hex, 2 * len),
		    "%s (hex) found in %s", what, files[i]);
	}
}

/* Decrypt the stored keyring with M, per the layout keyring.h documents,
 * and check that no term key is on disk. */
static void
assert_terms_nowhere(const uint8_t *mk)
{
	static const char ad[] = "escrow-keyring-v1";
	struct store_txn *txn;
	const void *v;
	uint8_t blob[1024], plain[1024];
	unsigned long long plen;
	size_t len;
	uint32_t count;

	ck_assert_int_eq(store_read_begin(store_env_get(st, STORE_CORE), &txn),
	    0);
	ck_assert_int_eq(store_get(txn, "meta", "keyring", 7, &v, &len), 0);
	ck_assert_uint_le(len, sizeof(blob));
	memcpy(blob, v, len);
	store_txn_end(txn);
	ck_assert_int_eq(crypto_aead_xchacha20poly1305_ietf_decrypt(plain,
	                     &plen, NULL, blob + 25, len - 25,
	                     (const uint8_t *)ad, sizeof(ad) - 1, blob + 1, mk),
	    0);
	count = (uint32_t)plain[7];
	ck_assert_uint_eq(count, 2);
	for (uint32_t i = 0; i < count; i++)
		assert_nowhere(plain + 8 + i * 44 + 12, 32, "a keyring term");
	sodium_memzero(plain, sizeof(plain));
}

static void
assert_token_nowhere(void)
{
	uint8_t raw[64];
	size_t rawlen;

	assert_nowhere(token, strlen(token), "the root token");
	ck_assert_int_eq(sodium_base642bin(raw, sizeof(raw), token + 4,
	                     strlen(token) - 4, NULL, &rawlen, NULL,
	                     sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	    0);
	assert_nowhere(raw, rawlen, "the root token's bytes");
}

START_TEST(test_seal_store_holds_no_secret_plaintext_mode)
{
	uint8_t *plain, mk[SEAL_MK_BYTES];
	char who[CUSTODIAN_NAME_MAX + 1];
	struct seal_progress pr;

	close_all();
	open_all(true);
	plain = sodium_allocarray(3, SEAL_SHARE_BYTES);
	ck_assert_int_eq(seal_init(sl, T0, 2, 3, NULL, plain, token), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(seal_submit_plaintext(sl,
		                     CUSTODIAN_PURPOSE_UNSEAL, T0, NULL,
		                     plain + i * SEAL_SHARE_BYTES,
		                     SEAL_SHARE_BYTES, who, &pr),
		    0);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 1), 0);
	ck_assert_int_eq(shamir_combine(mk, plain, SEAL_SHARE_BYTES, 2), 0);
	assert_nowhere(mk, sizeof(mk), "M");
	for (int i = 0; i < 3; i++) {
		assert_nowhere(plain + i * SEAL_SHARE_BYTES, SEAL_SHARE_BYTES,
		    "a share");
		assert_nowhere(plain + i * SEAL_SHARE_BYTES, SEAL_MK_BYTES,
		    "a share's y bytes");
	}
	assert_terms_nowhere(mk);
	assert_token_nowhere();
	sodium_memzero(mk, sizeof(mk));
	sodium_free(plain);
}
END_TEST

START_TEST(test_seal_store_holds_no_secret_custodian_mode)
{
	uint8_t shares[3 * SEAL_SHARE_BYTES], mk[SEAL_MK_BYTES];

	init_2_of_3();
	unseal(BOB, CAROL);
	ck_assert_int_eq(seal_keyring_rotate(sl, T0 + 1), 0);
	for (int i = 0; i < 3; i++)
		share_of(i, false, shares + i * SEAL_SHARE_BYTES);
	ck_assert_int_eq(shamir_combine(mk, shares, SEAL_SHARE_BYTES, 3), 0);
	assert_nowhere(mk, sizeof(mk), "M");
	for (int i = 0; i < 3; i++)
		assert_nowhere(shares + i * SEAL_SHARE_BYTES, SEAL_SHARE_BYTES,
		    "a share");
	assert_terms_nowhere(mk);
	assert_token_nowhere();
	sodium_memzero(mk, sizeof(mk));
	sodium_memzero(shares, sizeof(shares));
}
END_TEST

Suite *
seal_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *tc;

	tc = tcase_create("init");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seal_open_fresh_is_uninit);
	tcase_add_test(tc, test_seal_custodian_add_get_foreach);
	tcase_add_test(tc, test_seal_custodian_foreach_marks_holders);
	tcase_add_test(tc, test_seal_init_refuses_bad_arguments);
	tcase_add_test(tc, test_seal_init_stores_only_sealed_shares);
	tcase_add_test(tc, test_seal_init_aborted_write_leaves_uninit);
	suite_add_tcase(s, tc);
	tc = tcase_create("submit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seal_submit_unseals_at_threshold);
	tcase_add_test(tc, test_seal_submit_refusals_keep_progress);
	tcase_add_test(tc, test_seal_submit_replay_into_later_attempt);
	tcase_add_test(tc, test_seal_submit_expired_attempt);
	tcase_add_test(tc, test_seal_submit_kcv_catches_wrong_reconstruction);
	tcase_add_test(tc, test_seal_attempt_get_and_reset_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("seal_keyring");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seal_seal_wipes_and_restart_unseals_again);
	tcase_add_test(tc, test_seal_keyring_rotate_persists);
	suite_add_tcase(s, tc);
	tc = tcase_create("rekey");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seal_rekey_without_verification);
	tcase_add_test(tc, test_seal_rekey_with_verification);
	tcase_add_test(tc, test_seal_rekey_start_and_cancel_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("plaintext");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seal_plaintext_mode);
	tcase_add_test(tc, test_seal_plaintext_refused_unless_allowed);
	tcase_add_test(tc, test_seal_plaintext_rekey_hands_out_shares_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("at_rest");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seal_store_holds_no_secret_plaintext_mode);
	tcase_add_test(tc, test_seal_store_holds_no_secret_custodian_mode);
	suite_add_tcase(s, tc);
	return s;
}
