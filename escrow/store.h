/* SPDX-License-Identifier: ISC */
/*
 * The store: escrow's only door to LMDB, and the only module that includes
 * <lmdb.h>.  Callers see environments, transactions over named tables and
 * plain byte values; never an LMDB type.  A replicated backend could later
 * stand behind this header without touching its callers.
 *
 * A data directory (mode 0700) holds one LMDB environment per concern, each
 * its own file (MDB_NOSUBDIR, mode 0600, a "-lock" file beside it):
 *
 *   core.mdb            tables meta, custodians, shares, pending, sessions
 *   auth.mdb            tables tokens, accessors
 *   audit.mdb           tables entries, tree, checkpoints, meta
 *   zones/<zone>.mdb    tables meta, versions, usage    (one per zone)
 *
 * Each file is physically separate: a bug in one zone's code path cannot
 * read another zone's file through the same handle.  There is no atomic
 * transaction across environments; every state change is one write
 * transaction in one environment.  Values are whatever the caller stores:
 * the store never sees a plaintext secret (callers store only ciphertext,
 * hashes and public data), and it never sets MDB_NOMEMINIT.
 *
 * Durability: a commit that returned 0 is on stable storage (no MDB_NOSYNC,
 * no MDB_NOMETASYNC).  The directory is fsynced after a file is created.
 * Stale reader slots left by crashed processes are cleared at open.  When a
 * map is full it is doubled and the write transaction is run again; when
 * another process grew it, the new size is adopted.
 *
 * Another process (escrowctl) may open the same directory with
 * STORE_RDONLY while the daemon runs; it needs the daemon's uid because
 * LMDB readers write to the lock file.
 *
 * Thread-safety: a struct store and its environments may be shared by
 * threads.  A transaction belongs to the thread that began it, which also
 * ends it.  Never fork() with a store open.  Needs sodium_init() (for
 * wiping) first.
 */
#ifndef ESCROW_STORE_H
#define ESCROW_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "escrow/err.h"

#define STORE_RDONLY  0x1u /* open existing files read-only */
#define STORE_KEY_MAX 511  /* bytes, LMDB's default key limit */
#define STORE_ZONE_NAME_MAX                                                    \
	63 /* [a-z0-9][a-z0-9_-]*, see store_zone_name_valid */
#define STORE_MAP_DEFAULT ((size_t)8 << 20)

struct store;
struct store_env;
struct store_txn;

enum store_env_id {
	STORE_CORE,
	STORE_AUTH,
	STORE_AUDIT,
};

struct store_opts {
	unsigned flags;  /* STORE_RDONLY or 0 */
	size_t map_size; /* initial map size of new environments in bytes;
	                    0 = STORE_MAP_DEFAULT; rounded up to a page */
};

/**
 * Open the data directory `dir` and its core, auth and audit environments.
 * Without STORE_RDONLY, creates `dir` and `dir/zones` (mode 0700) and any
 * missing environment file (mode 0600), and refuses a directory that group
 * or others may access.  `opts` may be NULL for the defaults.
 *
 * Returns 0, or
 *   -EINVAL     dir is NULL or empty;
 *   -ENOENT     STORE_RDONLY and the directory or a file does not exist;
 *   -EPERM      dir is accessible to group or others (mode & 077);
 *   -ENOTDIR    dir exists and is not a directory;
 *   -ESC_ECORRUPT  a file is not a valid LMDB environment or lacks a table;
 *   -ENOMEM, or another -errno from the file system.
 * On failure *out is NULL.
 */
ESC_MUST_CHECK int store_open(struct store **out, const char *dir,
    const struct store_opts *opts);

/** Close every environment and free the store.  Accepts NULL. */
void store_close(struct store *st);

/** Whether the store was opened with STORE_RDONLY. */
bool store_is_rdonly(const struct store *st);

/** The directory the store was opened on; owned by the store. */
const char *store_dir(const struct store *st);

/** One of the three fixed environments; never NULL. */
struct store_env *store_env_get(struct store *st, enum store_env_id id);

/**
 * Whether `name` is a valid zone name: 1..STORE_ZONE_NAME_MAX bytes of
 * [a-z0-9_-], starting with a letter or digit.  Such a name is safe as a
 * file name.
 */
bool store_zone_name_valid(const char *name);

/**
 * The environment of zone `name` (zones/<name>.mdb), opened on first use
 * and kept open until store_close.  With `create`, a missing zone file is
 * created (not with STORE_RDONLY).
 *
 * Returns 0, or -EINVAL for an invalid name, -ENOENT if the zone does not
 * exist and `create` is false, -EROFS if `create` is asked of a read-only
 * store for a missing zone, -ESC_ECORRUPT, or -errno.
 */
ESC_MUST_CHECK int store_zone_open(struct store *st, const char *name,
    bool create, struct store_env **out);

/**
 * Call fn(arg, name) for each zone file in zones/, in name order.  A
 * non-zero return from fn stops the walk and is returned.
 *
 * Returns 0, fn's non-zero value, or -errno from reading the directory.
 */
ESC_MUST_CHECK int store_zone_foreach(struct store *st,
    int (*fn)(void *arg, const char *name), void *arg);

/**
 * Remove zone `name`: close its environment and unlink its data and lock
 * files.  The caller guarantees no transaction on it is open.
 *
 * Returns 0, or -EINVAL, -ENOENT, -EROFS (read-only store), or -errno.
 */
ESC_MUST_CHECK int store_zone_remove(struct store *st, const char *name);

/**
 * Begin a read-only transaction on `env`.  Many may run at once, also
 * beside a writer.  End it with store_txn_end().
 *
 * Returns 0, or -EAGAIN when every reader slot is taken, -ESC_ECORRUPT,
 * -EDEADLK if another process grew the map and the calling thread still
 * holds a transaction on `env` (the map cannot be remapped under it), or
 * -errno.  On failure *out is NULL.
 */
ESC_MUST_CHECK int store_read_begin(struct store_env *env,
    struct store_txn **out);

/** End a read transaction begun with store_read_begin.  Accepts NULL. */
void store_txn_end(struct store_txn *txn);

typedef int (*store_write_fn)(struct store_txn *txn, void *arg);

/**
 * Run fn(txn, arg) in one write transaction on `env` and commit it if fn
 * returns 0; if fn returns non-zero the transaction is aborted and that
 * value returned.  Writers are serialised, across threads and processes.
 *
 * When the map fills (in fn's puts or in the commit) the transaction is
 * aborted, the map doubled, and fn run again from the start, so fn must
 * have no effect outside the transaction other than filling its own
 * outputs.  After a failed put or del (a del of an absent key is not a
 * failure), the transaction is failed: further puts and dels return the
 * same error and it is never committed (sticky).
 *
 * Returns 0, fn's non-zero value, -EROFS on a read-only store,
 * -ESC_EMAPFULL if the map cannot grow further, -EDEADLK if the calling
 * thread already holds a transaction on `env` (a nested store_write, or a
 * read transaction while the map must be grown or adopted), or -errno from
 * the commit.
 */
ESC_MUST_CHECK int store_write(struct store_env *env, store_write_fn fn,
    void *arg);

/**
 * Look up `key` in `table`.  *val points into the map and is valid only
 * until the transaction ends; copy what you keep.
 *
 * Returns 0, -ENOENT if the key or the table does not exist, -EINVAL for an
 * empty or oversize key (> STORE_KEY_MAX), or another store error.
 */
ESC_MUST_CHECK int store_get(struct store_txn *txn, const char *table,
    const void *key, size_t klen, const void **val, size_t *vlen);

/**
 * Insert or replace `key` in `table` (write transactions only).
 *
 * Returns 0, -EROFS in a read transaction, -ENOENT for an unknown table,
 * -EINVAL for an empty or oversize key, -ESC_EMAPFULL (store_write then
 * grows the map and retries), or the sticky error of an earlier failure.
 */
ESC_MUST_CHECK int store_put(struct store_txn *txn, const char *table,
    const void *key, size_t klen, const void *val, size_t vlen);

/**
 * Delete `key` from `table` (write transactions only).
 *
 * Returns 0, -ENOENT if absent (which does not fail the transaction) or
 * unknown table, -EROFS, -EINVAL, or the sticky error of an earlier
 * failure.
 */
ESC_MUST_CHECK int store_del(struct store_txn *txn, const char *table,
    const void *key, size_t klen);

typedef int (*store_iter_fn)(void *arg, const void *key, size_t klen,
    const void *val, size_t vlen);

/**
 * Call fn for each record of `table` whose key starts with `prefix` (plen
 * bytes; plen 0 = all), in key order (bytewise).  A non-zero return from
 * fn stops the walk and is returned.  Pointers are valid only during fn.
 *
 * Returns 0, fn's non-zero value, -ENOENT for an unknown table, or another
 * store error.
 */
ESC_MUST_CHECK int store_foreach(struct store_txn *txn, const char *table,
    const void *prefix, size_t plen, store_iter_fn fn, void *arg);

/**
 * The record with the greatest key in `table`.  Pointers are valid until
 * the transaction ends.
 *
 * Returns 0, -ENOENT if the table is empty or unknown, or a store error.
 */
ESC_MUST_CHECK int store_last(struct store_txn *txn, const char *table,
    const void **key, size_t *klen, const void **val, size_t *vlen);

/**
 * Number of records in `table`.
 *
 * Returns 0, -ENOENT for an unknown table, or a store error.
 */
ESC_MUST_CHECK int store_count(struct store_txn *txn, const char *table,
    size_t *count);

#endif /* ESCROW_STORE_H */
