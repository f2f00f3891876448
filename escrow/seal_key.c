/* SPDX-License-Identifier: ISC */
/*
 * The master key's life: making a new M with its shares, KCV and keyring
 * blob (for init and rekey), installing its records, init itself,
 * sealing, and the keyring operations that need M.  Every path wipes the
 * plaintext shares and any copy of M it made.
 */
#include "escrow/seal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/auth.h"
#include "escrow/seal_priv.h"
#include "shamir/shamir.h"

void
seal_newkey_clear(struct seal_newkey *nk)
{
	if (nk == NULL)
		return;
	free(nk->blob);
	nk->blob = NULL;
	nk->bloblen = 0;
}

/* Seal one share to its custodian, or name it for plaintext hand-out. */
static int
newkey_share(struct seal *s, struct seal_share_rec *r, const uint8_t *share,
    const char *name)
{
	struct custodian_pub pub;
	int rc;

	r->x = share[SEAL_MK_BYTES];
	seal_share_commitment(share, r->commitment);
	if (name == NULL) {
		snprintf(r->name, sizeof(r->name), SEAL_PLAIN_NAME_FMT, r->x);
		r->has_sealed = false;
		return 0;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	if ((rc = seal_custodian_get(s, name, &pub)) != 0)
		return rc;
	r->has_sealed = true;
	return custodian_share_seal(r->sealed, pub.box_pk, share,
	    SEAL_SHARE_BYTES);
}

int
seal_newkey_make(struct seal *s, uint64_t now, unsigned k, unsigned n,
    const char names[][CUSTODIAN_NAME_MAX + 1], bool plaintext,
    uint32_t generation, uint8_t *mk_out, uint8_t *plain,
    struct seal_newkey *nk)
{
	uint8_t *shares;
	int rc;

	memset(&nk->conf, 0, sizeof(nk->conf));
	nk->blob = NULL;
	nk->bloblen = 0;
	if ((shares = sodium_allocarray(n, SEAL_SHARE_BYTES)) == NULL)
		return -ENOMEM;
	randombytes_buf(mk_out, SEAL_MK_BYTES);
	if ((rc = shamir_split(shares, mk_out, SEAL_MK_BYTES, k, n)) != 0)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		rc = newkey_share(s, &nk->recs[i],
		    shares + i * SEAL_SHARE_BYTES, plaintext ? NULL : names[i]);
		if (rc != 0)
			goto out;
	}
	if (plaintext)
		memcpy(plain, shares, (size_t)n * SEAL_SHARE_BYTES);
	nk->conf.plaintext = plaintext;
	nk->conf.k = k;
	nk->conf.n = n;
	nk->conf.generation = generation;
	nk->conf.created = now;
	seal_kcv(mk_out, nk->conf.kcv);
out:
	sodium_free(shares); /* wipes every plaintext share */
	if (rc != 0)
		sodium_memzero(mk_out, SEAL_MK_BYTES);
	return rc;
}

/* Collects the keys of a table so they can be deleted after the walk. */
struct keylist {
	unsigned count;
	uint8_t keys[SEAL_SHARES_MAX + 2][8];
	size_t lens[SEAL_SHARES_MAX + 2];
};

static int
collect_fn(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct keylist *l = arg;

	(void)v;
	(void)vl;
	if (kl > sizeof(l->keys[0]) || l->count == SEAL_SHARES_MAX + 2)
		return -ESC_ECORRUPT;
	memcpy(l->keys[l->count], k, kl);
	l->lens[l->count++] = kl;
	return 0;
}

int
seal_table_clear(struct store_txn *txn, const char *table)
{
	struct keylist *l;
	int rc;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	rc = store_foreach(txn, table, NULL, 0, collect_fn, l);
	for (unsigned i = 0; rc == 0 && i < l->count; i++)
		rc = store_del(txn, table, l->keys[i], l->lens[i]);
	free(l);
	return rc;
}

int
seal_install_records(struct store_txn *txn, const struct seal_newkey *nk,
    bool pending)
{
	uint8_t conf[SEAL_CONF_BYTES], rec[SEAL_SHARE_REC_MAX];
	const char *t = pending ? "pending" : "meta";
	int rc;

	if ((rc = seal_table_clear(txn, pending ? "pending" : "shares")) != 0)
		return rc;
	seal_conf_encode(&nk->conf, conf);
	if ((rc = store_put(txn, t, "config", 6, conf, sizeof(conf))) != 0 ||
	    (rc = store_put(txn, t, "keyring", 7, nk->blob, nk->bloblen)) != 0)
		return rc;
	for (unsigned i = 0; i < nk->conf.n; i++) {
		const struct seal_share_rec *r = &nk->recs[i];
		uint8_t key[7] = { 's', 'h', 'a', 'r', 'e', '/', r->x };
		size_t len = seal_share_encode(r, rec);

		rc = pending ? store_put(txn, "pending", key, 7, rec, len)
		             : store_put(txn, "shares", &r->x, 1, rec, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
init_fn(struct store_txn *txn, void *arg)
{
	const void *v;
	size_t vlen;
	int rc;

	rc = store_get(txn, "meta", "config", 6, &v, &vlen);
	if (rc == 0)
		return -ESC_EINITED;
	if (rc != -ENOENT)
		return rc;
	if ((rc = seal_table_clear(txn, "pending")) != 0)
		return rc;
	return seal_install_records(txn, arg, false);
}

int
seal_init(struct seal *s, uint64_t now, unsigned k, unsigned n,
    const char *const *names, uint8_t *plain,
    char token[static SEAL_TOKEN_MAX + 1])
{
	char(*copy)[CUSTODIAN_NAME_MAX + 1] = NULL;
	struct seal_newkey *nk = NULL;
	struct keyring *kr = NULL;
	uint8_t *mk = NULL;
	bool plaintext = names == NULL;
	int rc;

	sodium_memzero(token, SEAL_TOKEN_MAX + 1);
	if (k < 2 || k > n || n > SEAL_SHARES_MAX || (plaintext && !plain))
		return -EINVAL;
	if (plaintext && !s->cfg.allow_plaintext)
		return -ESC_EPLAINTEXT;
	pthread_mutex_lock(&s->mu);
	if (s->state != SEAL_STATE_UNINIT) {
		rc = -ESC_EINITED;
		goto out;
	}
	nk = calloc(1, sizeof(*nk));
	copy = calloc(SEAL_SHARES_MAX, sizeof(*copy));
	mk = sodium_malloc(SEAL_MK_BYTES);
	if (nk == NULL || copy == NULL || mk == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (!plaintext && (rc = seal_names_check(s, names, n, copy)) != 0)
		goto out;
	if ((rc = seal_newkey_make(s, now, k, n, copy, plaintext, 1, mk, plain,
	         nk)) != 0 ||
	    (rc = keyring_new(&kr, now)) != 0 ||
	    (rc = keyring_seal(kr, mk, &nk->blob, &nk->bloblen)) != 0)
		goto out;
	/* The root token first: a crash before the core records leaves an
	 * uninitialised store whose next init drops that token again. */
	if ((rc = auth_root_issue(s->st, now, token)) != 0)
		goto out;
	if ((rc = store_write(store_env_get(s->st, STORE_CORE), init_fn, nk)) !=
	    0)
		goto out;
	s->conf = nk->conf;
	s->pending = false;
	s->state = SEAL_STATE_SEALED;
out:
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		sodium_memzero(token, SEAL_TOKEN_MAX + 1);
		if (plaintext && plain != NULL)
			sodium_memzero(plain, (size_t)n * SEAL_SHARE_BYTES);
	}
	keyring_free(kr);
	sodium_free(mk);
	seal_newkey_clear(nk);
	free(nk);
	free(copy);
	return rc;
}

int
seal_seal(struct seal *s)
{
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	if (s->state == SEAL_STATE_UNINIT)
		rc = -ESC_EUNINIT;
	else if (s->state == SEAL_STATE_SEALED)
		rc = -ESC_ESEALED;
	else {
		seal_wipe(s);
		s->state = SEAL_STATE_SEALED;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Unsealed-only guard, under the mutex. */
static int
need_unsealed(const struct seal *s)
{
	if (s->state == SEAL_STATE_UNINIT)
		return -ESC_EUNINIT;
	return s->state == SEAL_STATE_SEALED ? -ESC_ESEALED : 0;
}

struct blob_put {
	const uint8_t *blob;
	size_t len;
};

static int
keyring_put_fn(struct store_txn *txn, void *arg)
{
	const struct blob_put *b = arg;

	return store_put(txn, "meta", "keyring", 7, b->blob, b->len);
}

int
seal_keyring_rotate(struct seal *s, uint64_t now)
{
	struct keyring *next = NULL;
	struct blob_put b = { 0 };
	uint8_t *blob = NULL;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&s->mu);
	if ((rc = need_unsealed(s)) != 0)
		goto out;
	/* Rotate a copy, so a failed write leaves memory as the store is. */
	seal_mk_open(s);
	rc = keyring_seal(s->kr, s->mk, &blob, &len);
	if (rc == 0)
		rc = keyring_open(&next, s->mk, blob, len);
	free(blob);
	blob = NULL;
	if (rc == 0 && (rc = keyring_rotate(next, now)) == 0)
		rc = keyring_seal(next, s->mk, &blob, &len);
	seal_mk_close(s);
	if (rc != 0)
		goto out;
	b.blob = blob;
	b.len = len;
	if ((rc = store_write(store_env_get(s->st, STORE_CORE), keyring_put_fn,
	         &b)) != 0)
		goto out;
	keyring_free(s->kr);
	s->kr = next;
	next = NULL;
out:
	pthread_mutex_unlock(&s->mu);
	keyring_free(next);
	free(blob);
	return rc;
}

int
seal_keyring_status(struct seal *s, uint32_t *term, uint64_t *install_time)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	if ((rc = need_unsealed(s)) == 0) {
		*term = keyring_term(s->kr);
		*install_time = keyring_install_time(s->kr);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
seal_derive(struct seal *s, uint32_t term, const char *purpose,
    const char *name, uint8_t out[static 32])
{
	int rc;

	sodium_memzero(out, 32);
	pthread_mutex_lock(&s->mu);
	if ((rc = need_unsealed(s)) == 0)
		rc = keyring_derive(s->kr,
		    term == 0 ? keyring_term(s->kr) : term, purpose, name, out);
	pthread_mutex_unlock(&s->mu);
	return rc;
}
