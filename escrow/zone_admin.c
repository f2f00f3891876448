/* SPDX-License-Identifier: ISC */
/*
 * Changing a zone: its config, a new version (rotate), and dropping old
 * versions for good (trim).  Each change is one write transaction in the
 * zone's environment, taken under the zone's write lock, and the memory
 * it needs afterwards (the new key arena and usage counters) is allocated
 * before the transaction: once the store has committed, the in-memory
 * zone is brought level with it without any step that can fail.  A
 * change that breaks a rule changes nothing, in the store or in memory.
 */
#include "escrow/zone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/zone_priv.h"

static int
config_put(struct store_txn *txn, const struct zone_config *c)
{
	uint8_t rec[ZONE_CONFIG_BYTES];

	zone_config_encode(c, rec);
	return store_put(txn, "meta", "config", 6, rec, sizeof(rec));
}

static int
config_fn(struct store_txn *txn, void *arg)
{
	return config_put(txn, arg);
}

/* Copy `n` usage entries; the caller holds the write lock. */
static void
usage_copy(struct zone_usage *dst, struct zone_usage *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		atomic_store(&dst[i].encrypts, atomic_load(&src[i].encrypts));
		atomic_store(&dst[i].decrypts, atomic_load(&src[i].decrypts));
		atomic_store(&dst[i].rewraps, atomic_load(&src[i].rewraps));
		atomic_store(&dst[i].last_used, atomic_load(&src[i].last_used));
	}
}

int
zone_config_set(struct zones *zs, const char *name,
    const struct zone_config_change *ch)
{
	struct zone *z = NULL;
	struct zone_config c;
	int rc;

	if ((rc = zone_unsealed(zs->s)) != 0 ||
	    (rc = zone_acquire(zs, name, ZONE_HOLD_WRITE, &z)) != 0)
		return rc;
	c = z->cfg;
	if (ch->has_min_decryption_version) /* Vault: 0 reads as 1 */
		c.min_decryption_version = ch->min_decryption_version == 0
		    ? 1
		    : ch->min_decryption_version;
	if (ch->has_min_encryption_version)
		c.min_encryption_version = ch->min_encryption_version;
	if (ch->has_deletion_allowed)
		c.deletion_allowed = ch->deletion_allowed;
	if (ch->has_auto_rotate_period)
		c.auto_rotate_period = ch->auto_rotate_period;
	/* The stored config kept every rule, so the new one must too. */
	if (!zone_config_valid(&c))
		rc = -EINVAL;
	else if ((rc = store_write(z->env, config_fn, &c)) == 0)
		z->cfg = c;
	zone_release(z);
	return rc;
}

/* ---- rotate -------------------------------------------------------- */

struct rotate {
	const struct zone_config *cfg; /* with the new latest version */
	const struct zone_vrec *vrec;  /* the new version's record */
};

static int
rotate_fn(struct store_txn *txn, void *arg)
{
	const struct rotate *r = arg;
	struct zone_vrec prev;
	uint8_t k[4], rec[ZONE_VREC_BYTES];
	const void *v;
	size_t vl;
	int rc;

	/* The previous latest version becomes decrypt-only. */
	zone_be32(k, r->cfg->latest_version - 1);
	if ((rc = store_get(txn, "versions", k, 4, &v, &vl)) != 0)
		return rc == -ENOENT ? -ESC_ECORRUPT : rc;
	if ((rc = zone_vrec_decode(&prev, v, vl)) != 0)
		return rc;
	prev.state = ZONE_VERSION_DECRYPT_ONLY;
	zone_vrec_encode(&prev, rec);
	if ((rc = store_put(txn, "versions", k, 4, rec, sizeof(rec))) != 0)
		return rc;
	zone_be32(k, r->cfg->latest_version);
	zone_vrec_encode(r->vrec, rec);
	if ((rc = store_put(txn, "versions", k, 4, rec, sizeof(rec))) != 0)
		return rc;
	return config_put(txn, r->cfg);
}

/*
 * The new key is drawn straight into the new arena, which already holds a
 * copy of the old keys (loaded first if they were not cached), so it is
 * never on the stack; the old arena is freed (wiped) only after commit.
 */
int
zone_rotate(struct zones *zs, const char *name, uint64_t now)
{
	struct zone *z = NULL;
	struct zone_config c;
	struct zone_vrec vrec;
	struct zone_usage *use = NULL, *old_use;
	uint8_t *keys = NULL, *old_keys, *fresh; /* secret */
	int rc;

	if ((rc = zone_unsealed(zs->s)) != 0 ||
	    (rc = zone_acquire(zs, name, ZONE_HOLD_WRITE, &z)) != 0)
		return rc;
	if (z->cfg.latest_version >= ZONE_VERSIONS_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	if (z->keys == NULL && (rc = zone_keys_load(zs->s, z)) != 0)
		goto out;
	c = z->cfg;
	c.latest_version++;
	if ((use = zone_usage_new(z->nver + 1)) == NULL ||
	    (keys = sodium_allocarray(z->nver + 1, ZONE_KEY_BYTES)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(keys, z->keys, (size_t)z->nver * ZONE_KEY_BYTES);
	fresh = keys + (size_t)z->nver * ZONE_KEY_BYTES;
	randombytes_buf(fresh, ZONE_KEY_BYTES);
	if ((rc = zone_vkey_seal(zs->s, name, c.latest_version, now, fresh,
	         &vrec)) != 0 ||
	    (rc = store_write(z->env, rotate_fn,
	         &(struct rotate){ .cfg = &c, .vrec = &vrec })) != 0)
		goto out;
	sodium_mprotect_readonly(keys);
	usage_copy(use, z->use, z->nver);
	/* Swap: the old arena and counters are freed below. */
	old_keys = z->keys;
	old_use = z->use;
	z->keys = keys;
	z->use = use;
	keys = old_keys;
	use = old_use;
	z->cfg = c;
	z->nver++;
out:
	sodium_free(keys);
	free(use);
	zone_release(z);
	return rc == -ESC_EUNINIT ? -ESC_ESEALED : rc;
}

/* ---- trim ---------------------------------------------------------- */

struct trim {
	const struct zone_config *cfg;
	uint32_t from, to; /* versions [from, to) go */
};

static int
trim_fn(struct store_txn *txn, void *arg)
{
	const struct trim *t = arg;
	uint8_t k[4];
	int rc;

	for (uint32_t v = t->from; v < t->to; v++) {
		zone_be32(k, v);
		if ((rc = store_del(txn, "versions", k, 4)) != 0 ||
		    ((rc = store_del(txn, "usage", k, 4)) != 0 &&
		        rc != -ENOENT))
			return rc == -ENOENT ? -ESC_ECORRUPT : rc;
	}
	return config_put(txn, t->cfg);
}

int
zone_trim(struct zones *zs, const char *name, uint32_t min_available)
{
	struct zone *z = NULL;
	struct zone_config c;
	struct zone_usage *use = NULL;
	uint8_t *keys = NULL; /* secret */
	uint32_t base, nver, drop, limit;
	int rc;

	if ((rc = zone_unsealed(zs->s)) != 0 ||
	    (rc = zone_acquire(zs, name, ZONE_HOLD_WRITE, &z)) != 0)
		return rc;
	c = z->cfg;
	limit = c.min_encryption_version != 0 ? c.min_encryption_version
	                                      : c.latest_version;
	if (limit > c.min_decryption_version)
		limit = c.min_decryption_version;
	if (min_available == 0 || min_available > limit ||
	    min_available < c.min_available_version) {
		rc = -EINVAL;
		goto out;
	}
	c.min_available_version = min_available;
	base = zone_cfg_base(&c);
	nver = c.latest_version - base + 1;
	drop = base - z->base;
	if ((use = zone_usage_new(nver)) == NULL ||
	    (z->keys != NULL &&
	        (keys = sodium_allocarray(nver, ZONE_KEY_BYTES)) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	if (keys != NULL)
		memcpy(keys, z->keys + (size_t)drop * ZONE_KEY_BYTES,
		    (size_t)nver * ZONE_KEY_BYTES);
	if ((rc = store_write(z->env, trim_fn,
	         &(struct trim){ .cfg = &c, .from = z->base, .to = base })) !=
	    0)
		goto out;
	usage_copy(use, z->use + drop, nver);
	free(z->use);
	z->use = use;
	use = NULL;
	if (keys != NULL)
		sodium_mprotect_readonly(keys);
	sodium_free(z->keys); /* the dropped keys are wiped here */
	z->keys = keys;
	keys = NULL;
	z->cfg = c;
	z->base = base;
	z->nver = nver;
out:
	sodium_free(keys);
	free(use);
	zone_release(z);
	return rc;
}
