/* SPDX-License-Identifier: ISC */
/*
 * Ceremonies: unseal, rekey and verification attempts, the checks every
 * submission goes through, and what happens at the threshold.  An
 * attempt's ephemeral secret key and the shares it collected live in
 * sodium_malloc memory and are wiped when the attempt completes, fails at
 * the threshold, expires, is reset, or the domain is sealed.
 */
#include "escrow/seal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/seal_priv.h"
#include "shamir/shamir.h"

void
seal_attempt_clear(struct seal_attempt *a)
{
	sodium_free(a->sk); /* wipes */
	sodium_free(a->shares);
	memset(a, 0, sizeof(*a)); /* the rest is public */
}

/* Wipe an expired attempt but remember its nonce for a clear refusal. */
static void
attempt_expire(struct seal_attempt *a)
{
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];

	memcpy(nonce, a->nonce, sizeof(nonce));
	seal_attempt_clear(a);
	memcpy(a->nonce, nonce, sizeof(nonce));
	a->expired = true;
}

int
seal_attempt_begin(struct seal *s, struct seal_attempt *a, uint64_t now,
    unsigned threshold)
{
	seal_attempt_clear(a);
	a->sk = sodium_malloc(CUSTODIAN_BOX_PK_BYTES);
	a->shares = sodium_allocarray(SEAL_SHARES_MAX, SEAL_SHARE_BYTES);
	if (a->sk == NULL || a->shares == NULL) {
		seal_attempt_clear(a);
		return -ENOMEM;
	}
	if (crypto_box_keypair(a->pk, a->sk) != 0) {
		seal_attempt_clear(a);
		return -ESC_ECRYPTO;
	}
	randombytes_buf(a->nonce, sizeof(a->nonce));
	a->started = now;
	a->expires = now + s->cfg.attempt_ttl;
	a->threshold = threshold;
	a->active = true;
	return 0;
}

struct seal_attempt *
seal_attempt_slot(struct seal *s, enum custodian_purpose purpose)
{
	switch (purpose) {
	case CUSTODIAN_PURPOSE_UNSEAL:
	case CUSTODIAN_PURPOSE_REKEY:
	case CUSTODIAN_PURPOSE_VERIFY:
		return &s->att[purpose - 1];
	case CUSTODIAN_PURPOSE_DRILL:
	default:
		return NULL;
	}
}

int
seal_state_check(const struct seal *s, enum custodian_purpose purpose)
{
	if (s->state == SEAL_STATE_UNINIT)
		return -ESC_EUNINIT;
	if (purpose == CUSTODIAN_PURPOSE_UNSEAL)
		return s->state == SEAL_STATE_UNSEALED ? -ESC_EUNSEALED : 0;
	return s->state == SEAL_STATE_SEALED ? -ESC_ESEALED : 0;
}

void
seal_attempt_expire_due(struct seal_attempt *a, uint64_t now)
{
	if (a->active && now >= a->expires)
		attempt_expire(a);
}

/*
 * Clear an info record cheaply: everything but the 255 name slots, which
 * readers only look at below `progress` (and one empty slot after).
 */
static void
info_clear(struct seal_attempt_info *out, enum custodian_purpose purpose)
{
	memset(out, 0, offsetof(struct seal_attempt_info, submitted));
	out->submitted[0][0] = '\0';
	out->purpose = purpose;
}

void
seal_attempt_info_fill(const struct seal_attempt *a,
    enum custodian_purpose purpose, struct seal_attempt_info *out)
{
	info_clear(out, purpose);
	out->active = a->active;
	if (!a->active)
		return;
	memcpy(out->nonce, a->nonce, sizeof(out->nonce));
	memcpy(out->pk, a->pk, sizeof(out->pk));
	out->started = a->started;
	out->expires = a->expires;
	out->threshold = a->threshold;
	out->progress = a->count;
	memcpy(out->submitted, a->names, a->count * sizeof(a->names[0]));
	if (a->count < SEAL_SHARES_MAX)
		out->submitted[a->count][0] = '\0';
	out->new_k = a->new_k;
	out->new_n = a->new_n;
	out->require_verification = a->verify;
}

/* Start the attempt a caller may start implicitly; others are refused. */
int
seal_attempt_ensure(struct seal *s, enum custodian_purpose purpose,
    struct seal_attempt *a, uint64_t now)
{
	struct seal_conf pc;
	int rc;

	seal_attempt_expire_due(a, now);
	if (a->active)
		return 0;
	if (purpose == CUSTODIAN_PURPOSE_UNSEAL)
		return seal_attempt_begin(s, a, now, s->conf.k);
	if (purpose == CUSTODIAN_PURPOSE_VERIFY && s->pending) {
		/* Verification survives a restart: its nonce does not. */
		if ((rc = seal_pending_conf(s, &pc)) != 0)
			return rc;
		return seal_attempt_begin(s, a, now, pc.k);
	}
	return -ESC_ENOATTEMPT;
}

int
seal_attempt_get(struct seal *s, enum custodian_purpose purpose, uint64_t now,
    struct seal_attempt_info *out)
{
	struct seal_attempt *a = seal_attempt_slot(s, purpose);
	int rc;

	info_clear(out, purpose);
	if (a == NULL)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	if ((rc = seal_state_check(s, purpose)) == 0 &&
	    (rc = seal_attempt_ensure(s, purpose, a, now)) == 0)
		seal_attempt_info_fill(a, purpose, out);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
seal_attempt_peek(struct seal *s, enum custodian_purpose purpose, uint64_t now,
    struct seal_attempt_info *out)
{
	struct seal_attempt *a = seal_attempt_slot(s, purpose);

	info_clear(out, purpose);
	if (a == NULL)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	seal_attempt_expire_due(a, now);
	seal_attempt_info_fill(a, purpose, out);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* ---- completion ---------------------------------------------------- */

static int
read_blob(struct seal *s, const char *table, uint8_t **blob, size_t *len)
{
	struct store_txn *txn = NULL;
	const void *v;
	int rc;

	*blob = NULL;
	if ((rc = store_read_begin(store_env_get(s->st, STORE_CORE), &txn)) !=
	    0)
		return rc;
	if ((rc = store_get(txn, table, "keyring", 7, &v, len)) == 0) {
		if ((*blob = malloc(*len)) == NULL)
			rc = -ENOMEM;
		else
			memcpy(*blob, v, *len);
	}
	store_txn_end(txn);
	return rc;
}

static int
finish_unseal(struct seal *s, uint8_t *mk)
{
	uint8_t *blob;
	size_t len;
	int rc;

	if ((rc = read_blob(s, "meta", &blob, &len)) != 0)
		return rc;
	rc = keyring_open(&s->kr, mk, blob, len);
	free(blob);
	if (rc != 0)
		return rc;
	s->mk = mk;
	seal_mk_close(s);
	s->state = SEAL_STATE_UNSEALED;
	return 0;
}

/* Make the pending key current: config, keyring and shares move over. */
static int
promote_fn(struct store_txn *txn, void *arg)
{
	struct seal_newkey *nk = arg;
	const void *v;
	size_t vlen;
	int rc;

	/* Values read in a write transaction may move on the next put, so
	 * everything is decoded into nk before anything is written. */
	nk->blob = NULL;
	if ((rc = store_get(txn, "pending", "config", 6, &v, &vlen)) != 0 ||
	    (rc = seal_conf_decode(&nk->conf, v, vlen)) != 0 ||
	    (rc = store_get(txn, "pending", "keyring", 7, &v, &vlen)) != 0)
		return rc;
	if ((nk->blob = malloc(vlen)) == NULL)
		return -ENOMEM;
	memcpy(nk->blob, v, vlen);
	nk->bloblen = vlen;
	for (unsigned i = 0; i < nk->conf.n; i++)
		nk->recs[i].x = 0;
	for (unsigned x = 1, i = 0; x <= SEAL_SHARES_MAX; x++) {
		uint8_t key[7] = { 's', 'h', 'a', 'r', 'e', '/', (uint8_t)x };

		rc = store_get(txn, "pending", key, 7, &v, &vlen);
		if (rc == -ENOENT)
			continue;
		if (rc != 0 || i == nk->conf.n ||
		    (rc = seal_share_decode(&nk->recs[i++], v, vlen)) != 0)
			return rc != 0 ? rc : -ESC_ECORRUPT;
	}
	if ((rc = seal_install_records(txn, nk, false)) != 0)
		return rc;
	return seal_table_clear(txn, "pending");
}

static int
finish_verify(struct seal *s, uint8_t *mk)
{
	struct seal_newkey *nk;
	uint8_t kcv[SEAL_HASH_BYTES];
	int rc;

	if ((nk = calloc(1, sizeof(*nk))) == NULL)
		return -ENOMEM;
	if ((rc = store_write(store_env_get(s->st, STORE_CORE), promote_fn,
	         nk)) != 0)
		goto out;
	/* The KCV was checked against the pending config by the caller; the
	 * keyring under the new M holds the same terms as memory does. */
	seal_kcv(mk, kcv);
	s->conf = nk->conf;
	s->pending = false;
	sodium_free(s->mk);
	s->mk = mk;
	seal_mk_close(s);
out:
	seal_newkey_clear(nk);
	free(nk);
	return rc;
}

struct rekey_write {
	struct seal_newkey *nk;
	bool pending;
};

static int
rekey_fn(struct store_txn *txn, void *arg)
{
	struct rekey_write *w = arg;

	return seal_install_records(txn, w->nk, w->pending);
}

static int
finish_rekey(struct seal *s, struct seal_attempt *a, uint64_t now)
{
	struct rekey_write w = { .pending = a->verify };
	uint8_t *mk = NULL, *plain = NULL;
	int rc;

	mk = sodium_malloc(SEAL_MK_BYTES);
	w.nk = calloc(1, sizeof(*w.nk));
	if (a->plaintext)
		plain = sodium_allocarray(a->new_n, SEAL_SHARE_BYTES);
	if (mk == NULL || w.nk == NULL || (a->plaintext && plain == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = seal_newkey_make(s, now, a->new_k, a->new_n, a->new_names,
	         a->plaintext, s->conf.generation + 1, mk, plain, w.nk)) != 0 ||
	    (rc = keyring_seal(s->kr, mk, &w.nk->blob, &w.nk->bloblen)) != 0 ||
	    (rc = store_write(store_env_get(s->st, STORE_CORE), rekey_fn,
	         &w)) != 0)
		goto out;
	if (a->verify) {
		s->pending = true;
		rc = seal_attempt_begin(s,
		    &s->att[CUSTODIAN_PURPOSE_VERIFY - 1], now, a->new_k);
	} else {
		s->conf = w.nk->conf;
		sodium_free(s->mk);
		s->mk = mk;
		mk = NULL;
		seal_mk_close(s);
	}
	if (plain != NULL) {
		sodium_free(s->rekey_plain);
		s->rekey_plain = plain;
		s->rekey_plain_n = a->new_n;
		plain = NULL;
	}
out:
	sodium_free(mk);
	sodium_free(plain);
	seal_newkey_clear(w.nk);
	free(w.nk);
	return rc;
}

/*
 * The threshold is reached: combine, check the KCV of the set the attempt
 * collects, and act.  The attempt is wiped whatever happens; the caller
 * passes the expected KCV (current or pending config).
 */
int
seal_attempt_complete(struct seal *s, enum custodian_purpose purpose,
    struct seal_attempt *a, uint64_t now)
{
	struct seal_conf pc;
	uint8_t kcv[SEAL_HASH_BYTES];
	uint8_t *mk;
	int rc;

	if ((mk = sodium_malloc(SEAL_MK_BYTES)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = shamir_combine(mk, a->shares, SEAL_SHARE_BYTES, a->count);
	if (rc != 0) {
		rc = -ESC_EKCV;
		goto out;
	}
	seal_kcv(mk, kcv);
	if (purpose == CUSTODIAN_PURPOSE_VERIFY) {
		if ((rc = seal_pending_conf(s, &pc)) != 0)
			goto out;
	} else
		pc = s->conf;
	if (sodium_memcmp(kcv, pc.kcv, SEAL_HASH_BYTES) != 0) {
		rc = -ESC_EKCV;
		goto out;
	}
	switch (purpose) {
	case CUSTODIAN_PURPOSE_UNSEAL:
		if ((rc = finish_unseal(s, mk)) == 0)
			mk = NULL;
		break;
	case CUSTODIAN_PURPOSE_VERIFY:
		if ((rc = finish_verify(s, mk)) == 0)
			mk = NULL;
		break;
	case CUSTODIAN_PURPOSE_REKEY:
		rc = finish_rekey(s, a, now);
		break;
	case CUSTODIAN_PURPOSE_DRILL:
	default:
		rc = -EINVAL;
		break;
	}
out:
	sodium_free(mk);
	/* The rekey attempt's successor (verify) was begun in its own slot. */
	seal_attempt_clear(a);
	return rc;
}
