/* SPDX-License-Identifier: ISC */
/*
 * The seal domain: its stored records, init, the custodian registry, the
 * master key in memory, and the keyring operations that need it.  The
 * ceremonies (attempts and submissions) are in seal_ceremony.c.
 *
 * M lives in one sodium_malloc page that is PROT_NONE except inside
 * seal_mk_open/seal_mk_close, which run under the domain's mutex.
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

_Static_assert(SEAL_TOKEN_MAX == AUTH_TOKEN_MAX, "root token fits");
_Static_assert(SEAL_MK_BYTES == KEYRING_MK_BYTES, "M is the keyring key");
_Static_assert(SEAL_SHARE_BYTES <= CUSTODIAN_SHARE_MAX, "share is sealable");

#define CUST_REC_BYTES (1 + CUSTODIAN_BOX_PK_BYTES + CUSTODIAN_SIGN_PK_BYTES)

/* ---- record codecs ------------------------------------------------- */

static void
put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t
get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

size_t
seal_conf_encode(const struct seal_conf *c, uint8_t *buf)
{
	buf[0] = REC_VERSION;
	buf[1] = c->plaintext ? 1 : 0;
	buf[2] = (uint8_t)c->k;
	buf[3] = (uint8_t)c->n;
	put_be(buf + 4, c->generation, 4);
	put_be(buf + 8, c->created, 8);
	memcpy(buf + 16, c->kcv, SEAL_HASH_BYTES);
	return SEAL_CONF_BYTES;
}

int
seal_conf_decode(struct seal_conf *c, const void *val, size_t len)
{
	const uint8_t *p = val;

	if (len != SEAL_CONF_BYTES || p[0] != REC_VERSION || p[1] > 1 ||
	    p[2] < 2 || p[2] > p[3])
		return -ESC_ECORRUPT;
	c->plaintext = p[1] == 1;
	c->k = p[2];
	c->n = p[3];
	c->generation = (uint32_t)get_be(p + 4, 4);
	c->created = get_be(p + 8, 8);
	memcpy(c->kcv, p + 16, SEAL_HASH_BYTES);
	return 0;
}

size_t
seal_share_encode(const struct seal_share_rec *r, uint8_t *buf)
{
	size_t nl = strlen(r->name), o = 0;

	buf[o++] = REC_VERSION;
	buf[o++] = r->x;
	memcpy(buf + o, r->commitment, SEAL_HASH_BYTES);
	o += SEAL_HASH_BYTES;
	buf[o++] = (uint8_t)nl;
	memcpy(buf + o, r->name, nl);
	o += nl;
	buf[o++] = r->has_sealed ? 1 : 0;
	if (r->has_sealed) {
		memcpy(buf + o, r->sealed, SEAL_SEALED_BYTES);
		o += SEAL_SEALED_BYTES;
	}
	return o;
}

int
seal_share_decode(struct seal_share_rec *r, const void *val, size_t len)
{
	const uint8_t *p = val;
	size_t o = 2 + SEAL_HASH_BYTES, nl;

	memset(r, 0, sizeof(*r));
	if (len < o + 2 || p[0] != REC_VERSION || p[1] == 0)
		return -ESC_ECORRUPT;
	r->x = p[1];
	memcpy(r->commitment, p + 2, SEAL_HASH_BYTES);
	nl = p[o++];
	if (nl == 0 || nl > CUSTODIAN_NAME_MAX || len < o + nl + 1)
		return -ESC_ECORRUPT;
	memcpy(r->name, p + o, nl);
	o += nl;
	r->has_sealed = p[o++] == 1;
	if (len != o + (r->has_sealed ? SEAL_SEALED_BYTES : 0) ||
	    !custodian_name_valid(r->name))
		return -ESC_ECORRUPT;
	if (r->has_sealed)
		memcpy(r->sealed, p + o, SEAL_SEALED_BYTES);
	return 0;
}

/* ---- public helpers ------------------------------------------------ */

void
seal_kcv(const uint8_t mk[static SEAL_MK_BYTES],
    uint8_t out[static SEAL_HASH_BYTES])
{
	static const char msg[] = "escrow-kcv-v1";

	crypto_generichash(out, SEAL_HASH_BYTES, (const uint8_t *)msg,
	    sizeof(msg) - 1, mk, SEAL_MK_BYTES);
}

void
seal_share_commitment(const uint8_t share[static SEAL_SHARE_BYTES],
    uint8_t out[static SEAL_HASH_BYTES])
{
	static const char dom[] = "escrow-share-v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SEAL_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)dom, sizeof(dom) - 1);
	crypto_generichash_update(&st, share, SEAL_SHARE_BYTES);
	crypto_generichash_final(&st, out, SEAL_HASH_BYTES);
	sodium_memzero(&st, sizeof(st));
}

/* ---- loading ------------------------------------------------------- */

static int
read_conf(struct store *st, const char *table, struct seal_conf *c)
{
	struct store_txn *txn = NULL;
	const void *v;
	size_t vlen;
	int rc;

	if ((rc = store_read_begin(store_env_get(st, STORE_CORE), &txn)) != 0)
		return rc;
	if ((rc = store_get(txn, table, "config", 6, &v, &vlen)) == 0)
		rc = seal_conf_decode(c, v, vlen);
	store_txn_end(txn);
	return rc;
}

int
seal_pending_conf(struct seal *s, struct seal_conf *out)
{
	return read_conf(s->st, "pending", out);
}

/* Reload config and pending state from the store (under the mutex). */
static int
reload(struct seal *s)
{
	struct seal_conf pc;
	int rc;

	rc = read_conf(s->st, "meta", &s->conf);
	if (rc == -ENOENT) {
		s->state = SEAL_STATE_UNINIT;
		s->pending = false;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (s->state == SEAL_STATE_UNINIT)
		s->state = SEAL_STATE_SEALED;
	rc = read_conf(s->st, "pending", &pc);
	if (rc != 0 && rc != -ENOENT)
		return rc;
	s->pending = rc == 0;
	return 0;
}

int
seal_open(struct seal **out, struct store *st, const struct seal_config *cfg)
{
	struct seal *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return -ENOMEM;
	}
	s->st = st;
	if (cfg != NULL)
		s->cfg = *cfg;
	if (s->cfg.attempt_ttl == 0)
		s->cfg.attempt_ttl = SEAL_TTL_DEFAULT;
	s->state = SEAL_STATE_UNINIT;
	if ((rc = reload(s)) != 0) {
		seal_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
seal_wipe(struct seal *s)
{
	sodium_free(s->mk); /* wipes, also from PROT_NONE */
	s->mk = NULL;
	keyring_free(s->kr);
	s->kr = NULL;
	for (int i = 0; i < ATTEMPTS; i++)
		seal_attempt_clear(&s->att[i]);
	sodium_free(s->rekey_plain);
	s->rekey_plain = NULL;
	s->rekey_plain_n = 0;
}

void
seal_close(struct seal *s)
{
	if (s == NULL)
		return;
	seal_wipe(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void
seal_status_get(struct seal *s, struct seal_status *out)
{
	pthread_mutex_lock(&s->mu);
	memset(out, 0, sizeof(*out));
	out->state = s->state;
	if (s->state != SEAL_STATE_UNINIT) {
		out->k = s->conf.k;
		out->n = s->conf.n;
		out->generation = s->conf.generation;
		out->plaintext = s->conf.plaintext;
		out->rekey_pending = s->pending;
	}
	if (s->pending) {
		struct seal_conf pc;

		if (seal_pending_conf(s, &pc) == 0) {
			out->pending_k = pc.k;
			out->pending_n = pc.n;
		}
	}
	pthread_mutex_unlock(&s->mu);
}

void
seal_mk_open(struct seal *s)
{
	sodium_mprotect_readonly(s->mk);
}

void
seal_mk_close(struct seal *s)
{
	sodium_mprotect_noaccess(s->mk);
}

/* ---- custodians ---------------------------------------------------- */

static int
cust_decode(struct custodian_pub *pub, const char *name, size_t nlen,
    const void *val, size_t len)
{
	const uint8_t *p = val;

	if (len != CUST_REC_BYTES || p[0] != REC_VERSION ||
	    nlen > CUSTODIAN_NAME_MAX)
		return -ESC_ECORRUPT;
	memset(pub, 0, sizeof(*pub));
	memcpy(pub->name, name, nlen);
	memcpy(pub->box_pk, p + 1, CUSTODIAN_BOX_PK_BYTES);
	memcpy(pub->sign_pk, p + 1 + CUSTODIAN_BOX_PK_BYTES,
	    CUSTODIAN_SIGN_PK_BYTES);
	return custodian_name_valid(pub->name) ? 0 : -ESC_ECORRUPT;
}

static int
cust_get_txn(struct store_txn *txn, const char *name, struct custodian_pub *out)
{
	const void *v;
	size_t vlen;
	int rc;

	if ((rc = store_get(txn, "custodians", name, strlen(name), &v,
	         &vlen)) != 0)
		return rc;
	return cust_decode(out, name, strlen(name), v, vlen);
}

static int
cust_add_fn(struct store_txn *txn, void *arg)
{
	const struct custodian_pub *pub = arg;
	struct custodian_pub old;
	uint8_t rec[CUST_REC_BYTES];
	int rc;

	rc = cust_get_txn(txn, pub->name, &old);
	if (rc == 0)
		return sodium_memcmp(old.box_pk, pub->box_pk,
		           CUSTODIAN_BOX_PK_BYTES) == 0 &&
		        sodium_memcmp(old.sign_pk, pub->sign_pk,
		            CUSTODIAN_SIGN_PK_BYTES) == 0
		    ? 0
		    : -EEXIST;
	if (rc != -ENOENT)
		return rc;
	rec[0] = REC_VERSION;
	memcpy(rec + 1, pub->box_pk, CUSTODIAN_BOX_PK_BYTES);
	memcpy(rec + 1 + CUSTODIAN_BOX_PK_BYTES, pub->sign_pk,
	    CUSTODIAN_SIGN_PK_BYTES);
	return store_put(txn, "custodians", pub->name, strlen(pub->name), rec,
	    sizeof(rec));
}

int
seal_custodian_add(struct seal *s, const struct custodian_pub *pub)
{
	if (!custodian_name_valid(pub->name))
		return -EINVAL;
	return store_write(store_env_get(s->st, STORE_CORE), cust_add_fn,
	    (void *)(uintptr_t)pub);
}

int
seal_custodian_get(struct seal *s, const char *name, struct custodian_pub *out)
{
	struct store_txn *txn = NULL;
	int rc;

	if (!custodian_name_valid(name))
		return -EINVAL;
	if ((rc = store_read_begin(store_env_get(s->st, STORE_CORE), &txn)) !=
	    0)
		return rc;
	rc = cust_get_txn(txn, name, out);
	store_txn_end(txn);
	return rc;
}

struct cust_walk {
	struct seal *s;
	struct store_txn *txn;
	int (*fn)(void *, const struct custodian_pub *, bool);
	void *arg;
};

static int
holds_share_fn(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	const char *name = arg;
	struct seal_share_rec r;

	(void)k;
	(void)kl;
	if (seal_share_decode(&r, v, vl) != 0)
		return -ESC_ECORRUPT;
	return strcmp(r.name, name) == 0 ? 1 : 0;
}

static int
cust_walk_fn(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct cust_walk *w = arg;
	struct custodian_pub pub;
	char name[CUSTODIAN_NAME_MAX + 1] = { 0 };
	int rc;

	if (kl > CUSTODIAN_NAME_MAX)
		return -ESC_ECORRUPT;
	memcpy(name, k, kl);
	if ((rc = cust_decode(&pub, name, kl, v, vl)) != 0)
		return rc;
	rc = store_foreach(w->txn, "shares", NULL, 0, holds_share_fn, name);
	if (rc < 0)
		return rc;
	return w->fn(w->arg, &pub, rc == 1);
}

int
seal_custodian_foreach(struct seal *s,
    int (*fn)(void *arg, const struct custodian_pub *pub, bool holds_share),
    void *arg)
{
	struct cust_walk w = { .s = s, .fn = fn, .arg = arg };
	int rc;

	if ((rc = store_read_begin(store_env_get(s->st, STORE_CORE), &w.txn)) !=
	    0)
		return rc;
	rc = store_foreach(w.txn, "custodians", NULL, 0, cust_walk_fn, &w);
	store_txn_end(w.txn);
	return rc;
}

int
seal_names_check(struct seal *s, const char *const *names, unsigned n,
    char out[][CUSTODIAN_NAME_MAX + 1])
{
	struct custodian_pub pub;
	int rc;

	for (unsigned i = 0; i < n; i++) {
		if (names[i] == NULL || !custodian_name_valid(names[i]))
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return -EINVAL;
		if ((rc = seal_custodian_get(s, names[i], &pub)) != 0)
			return rc;
		snprintf(out[i], CUSTODIAN_NAME_MAX + 1, "%s", names[i]);
	}
	return 0;
}

/* ---- shares -------------------------------------------------------- */

struct share_find {
	const char *name;
	struct seal_share_rec *out;
};

static int
share_find_fn(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct share_find *f = arg;
	int rc;

	(void)k;
	(void)kl;
	if ((rc = seal_share_decode(f->out, v, vl)) != 0)
		return rc;
	return strcmp(f->out->name, f->name) == 0 ? 1 : 0;
}

int
seal_share_load_name(struct seal *s, bool pending, const char *name,
    struct seal_share_rec *out)
{
	struct share_find f = { .name = name, .out = out };
	struct store_txn *txn = NULL;
	int rc;

	if ((rc = store_read_begin(store_env_get(s->st, STORE_CORE), &txn)) !=
	    0)
		return rc;
	rc = pending
	    ? store_foreach(txn, "pending", "share/", 6, share_find_fn, &f)
	    : store_foreach(txn, "shares", NULL, 0, share_find_fn, &f);
	store_txn_end(txn);
	if (rc == 1)
		return 0;
	return rc == 0 ? -ENOENT : rc;
}

int
seal_share_load_x(struct seal *s, bool pending, uint8_t x,
    struct seal_share_rec *out)
{
	struct store_txn *txn = NULL;
	uint8_t key[7] = { 's', 'h', 'a', 'r', 'e', '/', x };
	const void *v;
	size_t vlen;
	int rc;

	if ((rc = store_read_begin(store_env_get(s->st, STORE_CORE), &txn)) !=
	    0)
		return rc;
	rc = pending ? store_get(txn, "pending", key, 7, &v, &vlen)
	             : store_get(txn, "shares", &x, 1, &v, &vlen);
	if (rc == 0)
		rc = seal_share_decode(out, v, vlen);
	store_txn_end(txn);
	if (rc == 0 && out->x != x)
		rc = -ESC_ECORRUPT;
	return rc;
}

int
seal_share_get(struct seal *s, const char *name, bool pending,
    uint8_t sealed[static SEAL_SEALED_BYTES],
    uint8_t commitment[SEAL_HASH_BYTES])
{
	struct seal_share_rec r;
	int rc;

	if (!custodian_name_valid(name))
		return -ENOENT;
	pthread_mutex_lock(&s->mu);
	if (s->state == SEAL_STATE_UNINIT)
		rc = -ESC_EUNINIT;
	else if ((rc = seal_share_load_name(s, pending, name, &r)) == 0 &&
	    !r.has_sealed)
		rc = -ENOENT;
	if (rc == 0) {
		memcpy(sealed, r.sealed, SEAL_SEALED_BYTES);
		if (commitment != NULL)
			memcpy(commitment, r.commitment, SEAL_HASH_BYTES);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
seal_share_verify(struct seal *s, const char *name, bool pending,
    const uint8_t *share, size_t len)
{
	struct seal_share_rec r;
	uint8_t c[SEAL_HASH_BYTES];
	int rc;

	if (len != SEAL_SHARE_BYTES)
		return -ESC_EMALFORMED;
	if (!custodian_name_valid(name))
		return -ENOENT;
	pthread_mutex_lock(&s->mu);
	if (s->state == SEAL_STATE_UNINIT)
		rc = -ESC_EUNINIT;
	else
		rc = seal_share_load_name(s, pending, name, &r);
	pthread_mutex_unlock(&s->mu);
	if (rc != 0)
		return rc;
	seal_share_commitment(share, c);
	return sodium_memcmp(c, r.commitment, SEAL_HASH_BYTES) == 0
	    ? 0
	    : -ESC_EBADSHARE;
}
