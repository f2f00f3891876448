/* SPDX-License-Identifier: ISC */
/*
 * Reading a zone (its config and live versions with their usage) and
 * writing the usage counters back.  The hot path only adds to per-version
 * atomics; a flush snapshots the non-zero ones, adds them to the stored
 * counts inside one write transaction (computed afresh from the stored
 * values each time the store runs the callback), and subtracts the
 * snapshot from memory only once the commit has succeeded, so a failed or
 * repeated transaction neither loses nor double-counts a use.  A zone's
 * flush_mu keeps two flushes, or a flush and a read, from seeing the same
 * deltas both in memory and in the store.
 */
#include "escrow/zone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "escrow/zone_priv.h"

struct flush_item {
	uint8_t key[4];
	struct zone_usage *use;
	uint64_t encrypts, decrypts, rewraps, last_used; /* the snapshot */
};

struct flush {
	struct flush_item *items;
	size_t n;
};

static uint64_t
max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static int
usage_get(struct store_txn *txn, const uint8_t k[4], struct zone_urec *u)
{
	const void *v;
	size_t vl;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((rc = store_get(txn, "usage", k, 4, &v, &vl)) == -ENOENT)
		return 0; /* never flushed: all zero */
	return rc != 0 ? rc : zone_urec_decode(u, v, vl);
}

static int
flush_fn(struct store_txn *txn, void *arg)
{
	const struct flush *f = arg;
	uint8_t rec[ZONE_USAGE_BYTES];
	struct zone_urec u;
	int rc;

	for (size_t i = 0; i < f->n; i++) {
		const struct flush_item *it = &f->items[i];

		if ((rc = usage_get(txn, it->key, &u)) != 0)
			return rc;
		u.encrypts += it->encrypts;
		u.decrypts += it->decrypts;
		u.rewraps += it->rewraps;
		u.last_used = max64(u.last_used, it->last_used);
		zone_urec_encode(&u, rec);
		if ((rc = store_put(txn, "usage", it->key, 4, rec,
		         sizeof(rec))) != 0)
			return rc;
	}
	return 0;
}

static bool
usage_pending(struct zone_usage *u)
{
	return atomic_load_explicit(&u->encrypts, memory_order_relaxed) != 0 ||
	    atomic_load_explicit(&u->decrypts, memory_order_relaxed) != 0 ||
	    atomic_load_explicit(&u->rewraps, memory_order_relaxed) != 0;
}

/* Snapshot the versions with uses since the last flush. */
static int
flush_snapshot(struct zone *z, struct flush *f)
{
	size_t n = 0;

	f->n = 0;
	for (uint32_t i = 0; i < z->nver; i++)
		n += usage_pending(&z->use[i]) ? 1 : 0;
	if (n == 0)
		return 0;
	if ((f->items = calloc(n, sizeof(*f->items))) == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < z->nver && f->n < n; i++) {
		struct zone_usage *u = &z->use[i];
		struct flush_item *it = &f->items[f->n];

		if (!usage_pending(u))
			continue;
		zone_be32(it->key, z->base + i);
		it->use = u;
		it->encrypts = atomic_load(&u->encrypts);
		it->decrypts = atomic_load(&u->decrypts);
		it->rewraps = atomic_load(&u->rewraps);
		it->last_used = atomic_load(&u->last_used);
		f->n++;
	}
	return 0;
}

int
zone_flush(struct zone *z)
{
	struct flush f = { 0 };
	int rc = 0;

	pthread_rwlock_rdlock(&z->lock);
	pthread_mutex_lock(&z->flush_mu);
	if (z->deleted || (rc = flush_snapshot(z, &f)) != 0 || f.n == 0)
		goto out;
	if ((rc = store_write(z->env, flush_fn, &f)) != 0)
		goto out;
	/* Uses counted since the snapshot stay for the next flush. */
	for (size_t i = 0; i < f.n; i++) {
		struct flush_item *it = &f.items[i];

		atomic_fetch_sub(&it->use->encrypts, it->encrypts);
		atomic_fetch_sub(&it->use->decrypts, it->decrypts);
		atomic_fetch_sub(&it->use->rewraps, it->rewraps);
	}
out:
	pthread_mutex_unlock(&z->flush_mu);
	free(f.items);
	pthread_rwlock_unlock(&z->lock);
	return rc;
}

/* ---- read ---------------------------------------------------------- */

/* Stored record plus in-memory deltas of live version v. */
static int
version_info(struct zone *z, struct store_txn *txn, uint32_t v,
    struct zone_version_info *out)
{
	struct zone_usage *m = &z->use[v - z->base];
	struct zone_vrec r;
	struct zone_urec u;
	uint8_t k[4];
	const void *val;
	size_t vl;
	int rc;

	zone_be32(k, v);
	if ((rc = store_get(txn, "versions", k, 4, &val, &vl)) != 0)
		return rc == -ENOENT ? -ESC_ECORRUPT : rc;
	if ((rc = zone_vrec_decode(&r, val, vl)) != 0 ||
	    (rc = usage_get(txn, k, &u)) != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->version = v;
	out->created = r.created;
	out->state =
	    v < z->cfg.min_decryption_version ? ZONE_VERSION_RETIRED : r.state;
	out->encrypts = u.encrypts + atomic_load(&m->encrypts);
	out->decrypts = u.decrypts + atomic_load(&m->decrypts);
	out->rewraps = u.rewraps + atomic_load(&m->rewraps);
	out->last_used = max64(u.last_used, atomic_load(&m->last_used));
	return 0;
}

/*
 * fn runs under the zone's shared lock and inside a read transaction: it
 * must not call back into the zone registry.
 */
int
zone_read(struct zones *zs, const char *name, struct zone_config *cfg,
    int (*fn)(void *arg, const struct zone_version_info *v), void *arg)
{
	struct zone_version_info info;
	struct store_txn *txn = NULL;
	struct zone *z = NULL;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!store_zone_name_valid(name))
		return -EINVAL;
	if ((rc = zone_acquire(zs, name, ZONE_HOLD_READ, &z)) != 0)
		return rc;
	*cfg = z->cfg;
	if (fn == NULL)
		goto out;
	pthread_mutex_lock(&z->flush_mu);
	if ((rc = store_read_begin(z->env, &txn)) == 0)
		for (uint32_t i = 0; i < z->nver && rc == 0; i++)
			if ((rc = version_info(z, txn, z->base + i, &info)) ==
			    0)
				rc = fn(arg, &info);
	store_txn_end(txn);
	pthread_mutex_unlock(&z->flush_mu);
out:
	zone_release(z);
	return rc;
}
