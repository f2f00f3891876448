/* SPDX-License-Identifier: ISC */
/*
 * Submissions to a ceremony and the operator's controls over it: the
 * checks each share goes through (in the order seal.h documents, so that
 * a refusal names the first thing wrong), starting and cancelling a
 * rekey, restarting verification, and handing out plaintext rekey shares.
 * A refusal never touches the attempt; only an accepted share is added.
 */
#include "escrow/seal.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "escrow/seal_priv.h"

static bool
already_submitted(const struct seal_attempt *a, const char *name)
{
	for (unsigned i = 0; i < a->count; i++)
		if (strcmp(a->names[i], name) == 0)
			return true;
	return false;
}

/*
 * The attempt a submission names by its nonce, or why there is none.  An
 * E2EE submission never starts an attempt: it was sealed to the key of
 * one that the custodian saw.
 */
static int
attempt_named(struct seal_attempt *a, enum custodian_purpose purpose,
    const uint8_t *nonce, uint64_t now)
{
	seal_attempt_expire_due(a, now);
	if (!a->active) {
		if (a->expired &&
		    sodium_memcmp(a->nonce, nonce, CUSTODIAN_NONCE_BYTES) == 0)
			return -ESC_EEXPIRED;
		return purpose == CUSTODIAN_PURPOSE_UNSEAL ? -ESC_ENONCE
		                                           : -ESC_ENOATTEMPT;
	}
	if (sodium_memcmp(a->nonce, nonce, CUSTODIAN_NONCE_BYTES) != 0)
		return -ESC_ENONCE;
	return 0;
}

/* Check the commitment, add the share, and complete at the threshold. */
static int
accept(struct seal *s, enum custodian_purpose purpose, struct seal_attempt *a,
    const struct seal_share_rec *rec, const uint8_t *share, uint64_t now,
    struct seal_progress *out)
{
	uint8_t c[SEAL_HASH_BYTES];

	seal_share_commitment(share, c);
	if (sodium_memcmp(c, rec->commitment, SEAL_HASH_BYTES) != 0)
		return -ESC_EBADSHARE;
	memcpy(a->shares + (size_t)a->count * SEAL_SHARE_BYTES, share,
	    SEAL_SHARE_BYTES);
	memcpy(a->names[a->count], rec->name, sizeof(a->names[0]));
	a->count++;
	out->threshold = a->threshold;
	out->progress = a->count;
	out->complete = false;
	if (a->count < a->threshold)
		return 0;
	out->complete = true;
	out->progress = 0;
	return seal_attempt_complete(s, purpose, a, now);
}

int
seal_submit(struct seal *s, enum custodian_purpose purpose, uint64_t now,
    const char *name, const uint8_t nonce[static CUSTODIAN_NONCE_BYTES],
    const uint8_t *sealed, size_t sealed_len,
    const uint8_t sig[static CUSTODIAN_SIG_BYTES], struct seal_progress *out)
{
	struct seal_attempt *a = seal_attempt_slot(s, purpose);
	struct custodian_pub pub;
	struct seal_share_rec rec;
	uint8_t share[SEAL_SHARE_BYTES]; /* secret */
	int rc;

	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return -EINVAL;
	if (sealed_len != SEAL_SEALED_BYTES)
		return -ESC_EMALFORMED;
	if (!custodian_name_valid(name))
		return -ESC_ECUSTODIAN;
	pthread_mutex_lock(&s->mu);
	if ((rc = seal_state_check(s, purpose)) != 0)
		goto out;
	rc = seal_custodian_get(s, name, &pub);
	if (rc == 0)
		rc = seal_share_load_name(s,
		    purpose == CUSTODIAN_PURPOSE_VERIFY, name, &rec);
	if (rc == -ENOENT)
		rc = -ESC_ECUSTODIAN;
	if (rc != 0 || (rc = attempt_named(a, purpose, nonce, now)) != 0)
		goto out;
	if (custodian_submission_verify(&pub, purpose, nonce, sealed,
	        sealed_len, sig) != 0) {
		rc = -ESC_EBADSIG;
		goto out;
	}
	if (already_submitted(a, name)) {
		rc = -ESC_EDUPLICATE;
		goto out;
	}
	if (crypto_box_seal_open(share, sealed, sealed_len, a->pk, a->sk) !=
	    0) {
		rc = -ESC_EMALFORMED;
		goto out;
	}
	rc = accept(s, purpose, a, &rec, share, now, out);
out:
	pthread_mutex_unlock(&s->mu);
	sodium_memzero(share, sizeof(share));
	return rc;
}

int
seal_submit_plaintext(struct seal *s, enum custodian_purpose purpose,
    uint64_t now, const uint8_t nonce[CUSTODIAN_NONCE_BYTES],
    const uint8_t *share, size_t len, char who[static CUSTODIAN_NAME_MAX + 1],
    struct seal_progress *out)
{
	struct seal_attempt *a = seal_attempt_slot(s, purpose);
	struct seal_share_rec rec;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(who, 0, CUSTODIAN_NAME_MAX + 1);
	if (a == NULL)
		return -EINVAL;
	if (!s->cfg.allow_plaintext)
		return -ESC_EPLAINTEXT;
	if (len != SEAL_SHARE_BYTES)
		return -ESC_EMALFORMED;
	pthread_mutex_lock(&s->mu);
	if ((rc = seal_state_check(s, purpose)) != 0)
		goto out;
	/* x is public: it names the share, and so its holder. */
	rc = seal_share_load_x(s, purpose == CUSTODIAN_PURPOSE_VERIFY,
	    share[SEAL_MK_BYTES], &rec);
	if (rc == -ENOENT)
		rc = -ESC_ECUSTODIAN;
	if (rc != 0)
		goto out;
	memcpy(who, rec.name, CUSTODIAN_NAME_MAX + 1);
	if (nonce != NULL)
		rc = attempt_named(a, purpose, nonce, now);
	else
		rc = seal_attempt_ensure(s, purpose, a, now);
	if (rc != 0)
		goto out;
	if (already_submitted(a, rec.name)) {
		rc = -ESC_EDUPLICATE;
		goto out;
	}
	rc = accept(s, purpose, a, &rec, share, now, out);
out:
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
pending_drop_fn(struct store_txn *txn, void *arg)
{
	(void)arg;
	return seal_table_clear(txn, "pending");
}

/* Cancel a rekey: its attempt, or the verification of its new shares. */
static int
rekey_cancel(struct seal *s, const uint8_t *nonce, uint64_t now)
{
	struct seal_attempt *rk = &s->att[CUSTODIAN_PURPOSE_REKEY - 1];
	struct seal_attempt *vf = &s->att[CUSTODIAN_PURPOSE_VERIFY - 1];
	int rc;

	seal_attempt_expire_due(rk, now);
	if (rk->active) {
		if (nonce == NULL ||
		    sodium_memcmp(rk->nonce, nonce, CUSTODIAN_NONCE_BYTES) != 0)
			return -ESC_ENONCE;
		seal_attempt_clear(rk);
		return 0;
	}
	if (!s->pending)
		return -ESC_ENOATTEMPT;
	if ((rc = seal_attempt_ensure(s, CUSTODIAN_PURPOSE_VERIFY, vf, now)) !=
	    0)
		return rc;
	if (nonce == NULL ||
	    sodium_memcmp(vf->nonce, nonce, CUSTODIAN_NONCE_BYTES) != 0)
		return -ESC_ENONCE;
	if ((rc = store_write(store_env_get(s->st, STORE_CORE), pending_drop_fn,
	         NULL)) != 0)
		return rc;
	s->pending = false;
	seal_attempt_clear(vf);
	sodium_free(s->rekey_plain);
	s->rekey_plain = NULL;
	s->rekey_plain_n = 0;
	return 0;
}

int
seal_attempt_reset(struct seal *s, enum custodian_purpose purpose,
    const uint8_t nonce[CUSTODIAN_NONCE_BYTES], uint64_t now)
{
	struct seal_attempt *a = seal_attempt_slot(s, purpose);
	int rc = 0;

	if (a == NULL)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	switch (purpose) {
	case CUSTODIAN_PURPOSE_UNSEAL:
		seal_attempt_expire_due(a, now);
		if (!a->active)
			rc = -ESC_ENOATTEMPT;
		else if (nonce != NULL &&
		    sodium_memcmp(a->nonce, nonce, CUSTODIAN_NONCE_BYTES) != 0)
			rc = -ESC_ENONCE;
		else
			seal_attempt_clear(a);
		break;
	case CUSTODIAN_PURPOSE_REKEY:
		rc = rekey_cancel(s, nonce, now);
		break;
	case CUSTODIAN_PURPOSE_VERIFY:
		if (!s->pending) {
			rc = -ESC_ENOATTEMPT;
			break;
		}
		seal_attempt_clear(a);
		rc = seal_attempt_ensure(s, purpose, a, now);
		break;
	case CUSTODIAN_PURPOSE_DRILL:
	default:
		rc = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
seal_rekey_start(struct seal *s, uint64_t now, unsigned k, unsigned n,
    const char *const *names, bool require_verification,
    struct seal_attempt_info *out)
{
	struct seal_attempt *a = &s->att[CUSTODIAN_PURPOSE_REKEY - 1];
	bool plaintext = names == NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->purpose = CUSTODIAN_PURPOSE_REKEY;
	if (k < 2 || k > n || n > SEAL_SHARES_MAX)
		return -EINVAL;
	if (plaintext && !s->cfg.allow_plaintext)
		return -ESC_EPLAINTEXT;
	pthread_mutex_lock(&s->mu);
	if ((rc = seal_state_check(s, CUSTODIAN_PURPOSE_REKEY)) != 0)
		goto out;
	seal_attempt_expire_due(a, now);
	if (a->active || s->pending) {
		rc = -ESC_EINPROGRESS;
		goto out;
	}
	if ((rc = seal_attempt_begin(s, a, now, s->conf.k)) != 0)
		goto out;
	if (!plaintext &&
	    (rc = seal_names_check(s, names, n, a->new_names)) != 0) {
		seal_attempt_clear(a);
		goto out;
	}
	a->new_k = k;
	a->new_n = n;
	a->verify = require_verification;
	a->plaintext = plaintext;
	seal_attempt_info_fill(a, CUSTODIAN_PURPOSE_REKEY, out);
out:
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
seal_rekey_take_plain(struct seal *s, uint8_t *plain, size_t cap, unsigned *n)
{
	int rc = 0;

	*n = 0;
	pthread_mutex_lock(&s->mu);
	if (s->rekey_plain == NULL)
		rc = -ENOENT;
	else if (cap < (size_t)s->rekey_plain_n * SEAL_SHARE_BYTES)
		rc = -ENOSPC;
	else {
		memcpy(plain, s->rekey_plain,
		    (size_t)s->rekey_plain_n * SEAL_SHARE_BYTES);
		*n = s->rekey_plain_n;
		sodium_free(s->rekey_plain);
		s->rekey_plain = NULL;
		s->rekey_plain_n = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}
