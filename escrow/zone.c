/* SPDX-License-Identifier: ISC */
/*
 * The zone registry: a sorted table from zone name to its in-memory
 * state, the lifecycle of zones (create, delete, list) and the locking
 * that lets the hot path find a zone with one short mutex hold.  A zone
 * enters the table on first use, with its config read from the store (no
 * key needed, so this works sealed); its version keys are decrypted only
 * when an operation needs them, and zones_wipe drops them all.  Zones are
 * reference counted: the table holds one reference and each caller one
 * while it works, so a delete never frees a zone under a running call; it
 * marks the zone deleted under the zone's write lock, and whoever holds it
 * afterwards sees -ENOENT and never touches its (removed) environment.
 */
#include "escrow/zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/seal.h"
#include "escrow/zone_priv.h"

const char *
zone_type_name(enum zone_type t)
{
	switch (t) {
	case ZONE_XCHACHA20_POLY1305:
		return "xchacha20-poly1305";
	case ZONE_CHACHA20_POLY1305:
		return "chacha20-poly1305";
	default:
		return NULL;
	}
}

enum zone_type
zone_type_parse(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "xchacha20-poly1305") == 0)
		return ZONE_XCHACHA20_POLY1305;
	if (strcmp(name, "chacha20-poly1305") == 0)
		return ZONE_CHACHA20_POLY1305;
	return 0;
}

/* ---- zones --------------------------------------------------------- */

static void
zone_free(struct zone *z)
{
	if (z == NULL)
		return;
	sodium_free(z->keys); /* wipes */
	free(z->use);
	pthread_rwlock_destroy(&z->lock);
	pthread_mutex_destroy(&z->flush_mu);
	free(z);
}

static void
zone_put(struct zone *z)
{
	if (z != NULL &&
	    atomic_fetch_sub_explicit(&z->refs, 1, memory_order_acq_rel) == 1)
		zone_free(z);
}

/* Read zone `name` from the store into a new struct zone (one ref). */
static int
zone_new(struct zones *zs, const char *name, struct zone **out)
{
	struct zone *z;
	struct store_env *env;
	struct zone_config cfg;
	int rc;

	*out = NULL;
	if ((rc = store_zone_open(zs->st, name, false, &env)) != 0 ||
	    (rc = zone_config_load(env, &cfg)) != 0)
		return rc;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return -ENOMEM;
	if ((rc = pthread_rwlock_init(&z->lock, NULL)) != 0) {
		free(z);
		return -rc;
	}
	if ((rc = pthread_mutex_init(&z->flush_mu, NULL)) != 0) {
		pthread_rwlock_destroy(&z->lock);
		free(z);
		return -rc;
	}
	snprintf(z->name, sizeof(z->name), "%s", name);
	atomic_init(&z->refs, 1);
	z->env = env;
	z->cfg = cfg;
	z->base = zone_cfg_base(&cfg);
	z->nver = cfg.latest_version - z->base + 1;
	if ((z->use = zone_usage_new(z->nver)) == NULL) {
		zone_free(z);
		return -ENOMEM;
	}
	*out = z;
	return 0;
}

/* Binary search: the index of `name`, or where it would go. */
static size_t
tab_find(const struct zones *zs, const char *name, bool *found)
{
	size_t lo = 0, hi = zs->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(zs->tab[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The zone named `name` with a new reference, or NULL if not open. */
static struct zone *
tab_ref(struct zones *zs, const char *name)
{
	struct zone *z = NULL;
	bool found;
	size_t i;

	pthread_mutex_lock(&zs->mu);
	i = tab_find(zs, name, &found);
	if (found) {
		z = zs->tab[i];
		atomic_fetch_add_explicit(&z->refs, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&zs->mu);
	return z;
}

/* Take z out of the table (under ddl) and drop the table's reference. */
static void
tab_remove(struct zones *zs, struct zone *z)
{
	bool found;
	size_t i;

	pthread_mutex_lock(&zs->mu);
	i = tab_find(zs, z->name, &found);
	if (found && zs->tab[i] == z) {
		memmove(&zs->tab[i], &zs->tab[i + 1],
		    (zs->n - i - 1) * sizeof(*zs->tab));
		zs->n--;
	} else
		found = false;
	pthread_mutex_unlock(&zs->mu);
	if (found)
		zone_put(z);
}

/*
 * Find or open zone `name`, the caller holding zs->ddl: only under ddl do
 * zones enter or leave the table, so a zone being deleted cannot be opened
 * again half-way through its removal.
 */
static int
zone_get_ddl(struct zones *zs, const char *name, struct zone **out)
{
	struct zone *z;
	bool found;
	size_t i;
	int rc;

	if ((*out = tab_ref(zs, name)) != NULL)
		return 0;
	if (zs->n >= zs->limit)
		return -ENOSPC;
	if ((rc = zone_new(zs, name, &z)) != 0)
		return rc;
	atomic_fetch_add_explicit(&z->refs, 1, memory_order_relaxed);
	pthread_mutex_lock(&zs->mu);
	i = tab_find(zs, name, &found);
	memmove(&zs->tab[i + 1], &zs->tab[i], (zs->n - i) * sizeof(*zs->tab));
	zs->tab[i] = z;
	zs->n++;
	pthread_mutex_unlock(&zs->mu);
	*out = z;
	return 0;
}

static int
zone_get(struct zones *zs, const char *name, struct zone **out)
{
	int rc;

	*out = NULL;
	if (!store_zone_name_valid(name))
		return -ENOENT;
	if ((*out = tab_ref(zs, name)) != NULL)
		return 0;
	pthread_mutex_lock(&zs->ddl);
	rc = zone_get_ddl(zs, name, out);
	pthread_mutex_unlock(&zs->ddl);
	return rc;
}

/*
 * The keys are loaded under the write lock, which the caller then keeps
 * for this one operation instead of trading it for a shared lock: a wipe
 * could slip in between, and pthread_rwlock_unlock releases either kind.
 */
int
zone_acquire(struct zones *zs, const char *name, enum zone_hold hold,
    struct zone **out)
{
	struct zone *z;
	int rc;

	*out = NULL;
	if ((rc = zone_get(zs, name, &z)) != 0)
		return rc;
	if (hold == ZONE_HOLD_WRITE)
		pthread_rwlock_wrlock(&z->lock);
	else
		pthread_rwlock_rdlock(&z->lock);
	if (!z->deleted && hold == ZONE_HOLD_READ_KEYS && z->keys == NULL) {
		pthread_rwlock_unlock(&z->lock);
		pthread_rwlock_wrlock(&z->lock);
		if (!z->deleted && z->keys == NULL)
			rc = zone_keys_load(zs->s, z);
	}
	if (rc == 0 && z->deleted)
		rc = -ENOENT;
	if (rc != 0) {
		pthread_rwlock_unlock(&z->lock);
		zone_put(z);
		return rc;
	}
	*out = z;
	return 0;
}

void
zone_release(struct zone *z)
{
	if (z == NULL)
		return;
	pthread_rwlock_unlock(&z->lock);
	zone_put(z);
}

void
zones_limit_set(struct zones *zs, size_t limit)
{
	pthread_mutex_lock(&zs->ddl);
	zs->limit = limit < ZONES_OPEN_MAX ? limit : ZONES_OPEN_MAX;
	pthread_mutex_unlock(&zs->ddl);
}

int
zone_unsealed(struct seal *s)
{
	uint32_t term;
	uint64_t installed;
	int rc = seal_keyring_status(s, &term, &installed);

	/* Nothing is unsealed before init either. */
	return rc == -ESC_EUNINIT ? -ESC_ESEALED : rc;
}

/* ---- the registry -------------------------------------------------- */

int
zones_open(struct zones **out, struct store *st, struct seal *s)
{
	struct zones *zs;

	*out = NULL;
	if ((zs = calloc(1, sizeof(*zs))) == NULL)
		return -ENOMEM;
	if ((zs->tab = calloc(ZONES_OPEN_MAX, sizeof(*zs->tab))) == NULL)
		goto fail;
	if (pthread_mutex_init(&zs->ddl, NULL) != 0)
		goto fail;
	if (pthread_mutex_init(&zs->mu, NULL) != 0) {
		pthread_mutex_destroy(&zs->ddl);
		goto fail;
	}
	zs->st = st;
	zs->s = s;
	zs->limit = ZONES_OPEN_MAX;
	*out = zs;
	return 0;
fail:
	free(zs->tab);
	free(zs);
	return -ENOMEM;
}

void
zones_close(struct zones *zs)
{
	int rc;

	if (zs == NULL)
		return;
	/* Best effort: a close has no one to report a failed flush to. */
	rc = zones_flush(zs);
	(void)rc;
	for (size_t i = 0; i < zs->n; i++)
		zone_put(zs->tab[i]);
	pthread_mutex_destroy(&zs->mu);
	pthread_mutex_destroy(&zs->ddl);
	free(zs->tab);
	free(zs);
}

void
zones_wipe(struct zones *zs)
{
	if (zs == NULL)
		return;
	/* Under ddl the table cannot change, so no zone is missed. */
	pthread_mutex_lock(&zs->ddl);
	for (size_t i = 0; i < zs->n; i++) {
		struct zone *z = zs->tab[i];

		pthread_rwlock_wrlock(&z->lock);
		sodium_free(z->keys);
		z->keys = NULL;
		pthread_rwlock_unlock(&z->lock);
	}
	pthread_mutex_unlock(&zs->ddl);
}

int
zones_flush(struct zones *zs)
{
	struct zone **snap;
	size_t n;
	int rc = 0, r;

	/* Flush from a snapshot, so that no zone lock is taken under mu. */
	pthread_mutex_lock(&zs->mu);
	n = zs->n;
	if ((snap = malloc((n > 0 ? n : 1) * sizeof(*snap))) != NULL)
		for (size_t i = 0; i < n; i++) {
			snap[i] = zs->tab[i];
			atomic_fetch_add_explicit(&snap[i]->refs, 1,
			    memory_order_relaxed);
		}
	pthread_mutex_unlock(&zs->mu);
	if (snap == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((r = zone_flush(snap[i])) != 0 && rc == 0)
			rc = r;
		zone_put(snap[i]);
	}
	free(snap);
	return rc;
}

/* ---- create, delete, list ------------------------------------------ */

struct create {
	struct zone_config cfg;
	struct zone_vrec vrec;
};

static int
create_fn(struct store_txn *txn, void *arg)
{
	const struct create *c = arg;
	uint8_t crec[ZONE_CONFIG_BYTES], vrec[ZONE_VREC_BYTES], k[4];
	const void *v;
	size_t vl;
	int rc;

	if ((rc = store_get(txn, "meta", "config", 6, &v, &vl)) != -ENOENT)
		return rc == 0 ? -EEXIST : rc;
	zone_config_encode(&c->cfg, crec);
	zone_vrec_encode(&c->vrec, vrec);
	zone_be32(k, 1);
	if ((rc = store_put(txn, "versions", k, 4, vrec, sizeof(vrec))) != 0)
		return rc;
	return store_put(txn, "meta", "config", 6, crec, sizeof(crec));
}

int
zone_create(struct zones *zs, const char *name, enum zone_type type,
    uint64_t now)
{
	struct create c = { .cfg = { .type = type,
		                .latest_version = 1,
		                .min_decryption_version = 1,
		                .created = now } };
	struct store_env *env;
	uint8_t key[ZONE_KEY_BYTES]; /* secret */
	bool made = false;
	int rc;

	if (!store_zone_name_valid(name) || zone_type_name(type) == NULL)
		return -EINVAL;
	randombytes_buf(key, sizeof(key));
	if ((rc = zone_vkey_seal(zs->s, name, 1, now, key, &c.vrec)) != 0)
		goto out;
	pthread_mutex_lock(&zs->ddl);
	/* A file without a config (a create that failed) is taken over. */
	rc = store_zone_open(zs->st, name, false, &env);
	if (rc == -ENOENT) {
		made = true;
		rc = store_zone_open(zs->st, name, true, &env);
	}
	if (rc == 0)
		rc = store_write(env, create_fn, &c);
	if (rc != 0 && made && store_zone_remove(zs->st, name) != 0) {
		/* An empty zone file stays; the next create takes it over. */
	}
	pthread_mutex_unlock(&zs->ddl);
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
zone_delete(struct zones *zs, const char *name)
{
	struct zone *z = NULL;
	int rc;

	if (!store_zone_name_valid(name))
		return -EINVAL;
	if ((rc = zone_unsealed(zs->s)) != 0)
		return rc;
	pthread_mutex_lock(&zs->ddl);
	if ((rc = zone_get_ddl(zs, name, &z)) != 0)
		goto out;
	pthread_rwlock_wrlock(&z->lock);
	if (z->deleted)
		rc = -ENOENT;
	else if (!z->cfg.deletion_allowed)
		rc = -ESC_EPERM;
	else {
		z->deleted = true;
		sodium_free(z->keys);
		z->keys = NULL;
	}
	pthread_rwlock_unlock(&z->lock);
	if (rc != 0)
		goto out;
	/* No one touches a deleted zone's environment: safe to remove. */
	tab_remove(zs, z);
	rc = store_zone_remove(zs->st, name);
out:
	pthread_mutex_unlock(&zs->ddl);
	zone_put(z);
	return rc;
}

int
zone_foreach(struct zones *zs, int (*fn)(void *arg, const char *name),
    void *arg)
{
	return store_zone_foreach(zs->st, fn, arg);
}
