/* SPDX-License-Identifier: ISC */
/*
 * The store's engine room: LMDB environments, their named tables, the zone
 * registry and transactions.  This is the only file that includes <lmdb.h>;
 * err_from_mdb() is the only place where an MDB_* code becomes an escrow
 * code.  Each environment carries a reader-writer lock that every
 * transaction holds for reading while it lives, so that growing or adopting
 * the map (which remaps it under any open transaction) can wait, with the
 * lock held for writing, until this process has no transaction left on it.
 * Table handles are opened once per environment, at open, and shared.
 *
 * Choices made here that store.h leaves open:
 *  - A symlink in place of the data directory or of zones/ is refused with
 *    -ENOTDIR (it is opened O_NOFOLLOW): the 0700 check must be about the
 *    directory we actually use, with no window between check and use.
 *  - A reader (STORE_RDONLY) accepts a directory without zones/: it simply
 *    has no zones.
 *  - A del of an absent key returns -ENOENT without failing the write
 *    transaction; it changed nothing.  Every other put or del failure,
 *    including a bad key or an unknown table, is sticky.  Reads in a failed
 *    write transaction return its sticky error too.
 *  - A transaction must end on the thread that began it (pthread rwlocks
 *    are owned by threads).  A thread that holds a transaction on an
 *    environment whose map must be grown or adopted cannot wait for
 *    itself, so that call returns -EDEADLK; so does store_write from
 *    inside a write transaction on the same environment, which LMDB
 *    would otherwise hang on.
 */
#include "escrow/store.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#define TABLES_MAX 5  /* named tables per environment */
#define RETRY_MAX  40 /* map doublings plus adoptions per call */
#define MAP_LIMIT  ((uint64_t)64 << 30) /* bytes of address space per map */
#define ENV_FIXED  3                    /* core, auth, audit */

_Static_assert(STORE_AUDIT + 1 == ENV_FIXED, "one schema per fixed env");
_Static_assert(STORE_MAP_DEFAULT <= MAP_LIMIT, "default map within limit");

struct schema {
	const char *file; /* NULL for zones: the file is named after the zone */
	const char *tables[TABLES_MAX + 1];
};

static const struct schema schemas[ENV_FIXED] = {
	[STORE_CORE] = { "core.mdb",
	    { "meta", "custodians", "shares", "pending", "sessions" } },
	[STORE_AUTH] = { "auth.mdb", { "tokens", "accessors" } },
	[STORE_AUDIT] = { "audit.mdb",
	    { "entries", "tree", "checkpoints", "meta" } },
};

static const struct schema zone_schema = { NULL,
	{ "meta", "versions", "usage" } };

struct store_env {
	struct store *st;
	const struct schema *schema;
	MDB_env *mdb;
	MDB_dbi dbi[TABLES_MAX]; /* valid once open; shared by all txns */
	pthread_rwlock_t lock;   /* read: any txn; write: remapping */
	bool lock_init;
	char *name;             /* zone name; NULL for the fixed envs */
	struct store_env *next; /* zone registry */
};

struct store {
	char *dir;
	char *zdir; /* dir/zones */
	unsigned flags;
	size_t map_size; /* for new environments */
	struct store_env *envs[ENV_FIXED];
	pthread_mutex_t zlock; /* guards zones */
	bool zlock_init;
	struct store_env *zones;
};

struct store_txn {
	struct store_env *env;
	MDB_txn *txn;
	bool rdonly;
	int failed;     /* sticky error of a write txn, or 0 */
	size_t mapsize; /* map size seen at begin */
	struct store_txn *held_next;
};

/*
 * The transactions the calling thread holds, on any environment.  Before
 * taking an environment's lock for writing we look here: waiting for the
 * lock while holding it for reading ourselves would never end.
 */
static _Thread_local struct store_txn *held;

static int
err_from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -ESC_EMAPFULL;
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_PAGE_NOTFOUND:
	case MDB_INCOMPATIBLE: /* a table name that is not a table */
		return -ESC_ECORRUPT;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED: /* only when adopting kept failing */
		return -EAGAIN;
	case MDB_BAD_VALSIZE:
		return -EINVAL;
	default:
		/* LMDB passes system failures through as positive errno. */
		return rc > 0 ? -rc : -EIO;
	}
}

__attribute__((format(printf, 2, 3))) static int
path_fmt(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (*out = malloc((size_t)n + 1)) == NULL)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(*out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return 0;
}

/* Make a directory entry (a new file or subdirectory) durable. */
static int
dir_sync(const char *path)
{
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(fd) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

static int
parent_sync(const char *path)
{
	char *copy, *slash;
	int rc;

	if ((copy = strdup(path)) == NULL)
		return -ENOMEM;
	for (slash = copy + strlen(copy); slash > copy + 1 && slash[-1] == '/';)
		*--slash = '\0';
	if ((slash = strrchr(copy, '/')) == NULL)
		rc = dir_sync(".");
	else {
		slash[slash == copy ? 1 : 0] = '\0';
		rc = dir_sync(copy);
	}
	free(copy);
	return rc;
}

/*
 * Create `path` (mode 0700) if asked and missing, then check what is there
 * through a descriptor opened O_NOFOLLOW, so that the mode we check is the
 * mode of the directory we use: a symlink fails with ELOOP and becomes
 * -ENOTDIR, like a file.
 */
static int
dir_check(const char *path, bool create, bool *created)
{
	struct stat sb;
	int fd = -1, rc = 0;

	*created = false;
	if (create) {
		if (mkdir(path, 0700) == 0)
			*created = true;
		else if (errno != EEXIST)
			return -errno;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		rc = errno == ELOOP ? -ENOTDIR : -errno;
		goto out;
	}
	if (fstat(fd, &sb) == -1) {
		rc = -errno;
		goto out;
	}
	if ((sb.st_mode & 077) != 0)
		rc = -EPERM;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

static int
dir_prepare(struct store *st)
{
	bool rdonly = (st->flags & STORE_RDONLY) != 0, made;
	int rc;

	if ((rc = dir_check(st->dir, !rdonly, &made)) != 0)
		return rc;
	if (made && (rc = parent_sync(st->dir)) != 0)
		return rc;
	rc = dir_check(st->zdir, !rdonly, &made);
	if (rc == -ENOENT && rdonly)
		return 0;
	if (rc == 0 && made)
		rc = dir_sync(st->dir);
	return rc;
}

static bool
held_here(const struct store_env *env, bool writer)
{
	for (const struct store_txn *t = held; t != NULL; t = t->held_next)
		if (t->env == env && (!writer || !t->rdonly))
			return true;
	return false;
}

static void
held_drop(const struct store_txn *txn)
{
	for (struct store_txn **pp = &held; *pp != NULL; pp = &(*pp)->held_next)
		if (*pp == txn) {
			*pp = txn->held_next;
			break;
		}
}

/*
 * Remap env: adopt the size another process recorded (grow false), or
 * double ours (grow true) unless someone grew it past `seen` meanwhile.
 * LMDB requires that no transaction of this process be open on the env,
 * which the write lock guarantees.
 */
static int
env_remap(struct store_env *env, bool grow, size_t seen)
{
	MDB_envinfo ei;
	size_t size = 0;
	int rc = 0, e;

	if (held_here(env, false))
		return -EDEADLK;
	if ((e = pthread_rwlock_wrlock(&env->lock)) != 0)
		return -e;
	if (grow) {
		if ((e = mdb_env_info(env->mdb, &ei)) != 0) {
			rc = err_from_mdb(e);
			goto out;
		}
		if (ei.me_mapsize > seen)
			goto out;
		if ((uint64_t)ei.me_mapsize > MAP_LIMIT / 2 ||
		    ei.me_mapsize > SIZE_MAX / 2) {
			rc = -ESC_EMAPFULL;
			goto out;
		}
		size = ei.me_mapsize * 2;
	}
	rc = err_from_mdb(mdb_env_set_mapsize(env->mdb, size));
out:
	pthread_rwlock_unlock(&env->lock);
	return rc;
}

static int
txn_begin(struct store_env *env, bool rdonly, struct store_txn **out)
{
	struct store_txn *t;
	MDB_envinfo ei;
	int rc = 0, e;

	*out = NULL;
	/* LMDB's writer mutex is not recursive: refuse rather than hang. */
	if (!rdonly && held_here(env, true))
		return -EDEADLK;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->env = env;
	t->rdonly = rdonly;
	for (int tries = 0;; tries++) {
		if ((e = pthread_rwlock_rdlock(&env->lock)) != 0) {
			rc = -e;
			goto out;
		}
		e = mdb_txn_begin(env->mdb, NULL, rdonly ? MDB_RDONLY : 0,
		    &t->txn);
		if (e == 0)
			break;
		pthread_rwlock_unlock(&env->lock);
		t->txn = NULL;
		if (e != MDB_MAP_RESIZED || tries >= RETRY_MAX) {
			rc = err_from_mdb(e);
			goto out;
		}
		if ((rc = env_remap(env, false, 0)) != 0)
			goto out;
	}
	/* Under the read lock the map size cannot change under us. */
	t->mapsize = mdb_env_info(env->mdb, &ei) == 0 ? ei.me_mapsize : 0;
	t->held_next = held;
	held = t;
	*out = t;
	t = NULL;
out:
	free(t);
	return rc;
}

static void
txn_abort(struct store_txn *t)
{
	mdb_txn_abort(t->txn);
	held_drop(t);
	pthread_rwlock_unlock(&t->env->lock);
	free(t);
}

/* mdb_txn_commit frees the txn even when it fails: never abort after it. */
static int
txn_commit(struct store_txn *t)
{
	int rc = err_from_mdb(mdb_txn_commit(t->txn));

	held_drop(t);
	pthread_rwlock_unlock(&t->env->lock);
	free(t);
	return rc;
}

/* Mark a write txn failed; later puts, dels and reads return `rc`. */
static int
txn_fail(struct store_txn *t, int rc)
{
	if (rc != 0 && t->failed == 0)
		t->failed = rc;
	return rc;
}

static int
table_dbi(const struct store_txn *t, const char *table, MDB_dbi *dbi)
{
	const struct schema *sc = t->env->schema;

	if (table == NULL)
		return -ENOENT;
	for (size_t i = 0; i < TABLES_MAX && sc->tables[i] != NULL; i++)
		if (strcmp(sc->tables[i], table) == 0) {
			*dbi = t->env->dbi[i];
			return 0;
		}
	return -ENOENT;
}

static int
key_check(size_t klen)
{
	return klen == 0 || klen > STORE_KEY_MAX ? -EINVAL : 0;
}

static int
tables_create(struct store_txn *t, void *arg)
{
	const struct schema *sc = t->env->schema;
	int e;

	(void)arg;
	for (size_t i = 0; i < TABLES_MAX && sc->tables[i] != NULL; i++) {
		e = mdb_dbi_open(t->txn, sc->tables[i], MDB_CREATE,
		    &t->env->dbi[i]);
		if (e != 0)
			return txn_fail(t, err_from_mdb(e));
	}
	return 0;
}

/*
 * A reader cannot create tables, so a missing one means the file is not
 * ours.  Committing the read txn is what keeps the handles open.
 */
static int
tables_find(struct store_env *env)
{
	const struct schema *sc = env->schema;
	struct store_txn *t;
	int rc, e;

	if ((rc = txn_begin(env, true, &t)) != 0)
		return rc;
	for (size_t i = 0; i < TABLES_MAX && sc->tables[i] != NULL; i++) {
		e = mdb_dbi_open(t->txn, sc->tables[i], 0, &env->dbi[i]);
		if (e != 0) {
			rc =
			    e == MDB_NOTFOUND ? -ESC_ECORRUPT : err_from_mdb(e);
			goto out;
		}
	}
out:
	if (rc != 0)
		txn_abort(t);
	else
		rc = txn_commit(t);
	return rc;
}

static void
env_close(struct store_env *env)
{
	if (env == NULL)
		return;
	if (env->mdb != NULL)
		mdb_env_close(env->mdb);
	if (env->lock_init)
		pthread_rwlock_destroy(&env->lock);
	free(env->name);
	free(env);
}

/* Create and open env->mdb on `path`; the caller closes it on failure. */
static int
env_mdb_open(struct store_env *env, const char *path, bool fresh)
{
	unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
	int e, dead;

	if (env->st->flags & STORE_RDONLY)
		flags |= MDB_RDONLY;
	if ((e = mdb_env_create(&env->mdb)) != 0)
		return err_from_mdb(e);
	e = mdb_env_set_maxdbs(env->mdb, TABLES_MAX);
	/*
	 * An existing file keeps the map size it records (LMDB takes the
	 * meta page's size when none is set), so only a new file gets ours.
	 */
	if (e == 0 && fresh)
		e = mdb_env_set_mapsize(env->mdb, env->st->map_size);
	if (e == 0)
		e = mdb_env_open(env->mdb, path, flags, 0600);
	/* Free the reader slots of processes that died inside a txn. */
	if (e == 0)
		e = mdb_reader_check(env->mdb, &dead);
	return err_from_mdb(e);
}

/*
 * Open the environment in file `path` inside directory `dirpath`.  A
 * missing file is created only with `create`, and never by a read-only
 * store (-EROFS).  Its tables are opened, or created, once, here.
 */
static int
env_open(struct store *st, const char *dirpath, const char *path,
    const struct schema *sc, bool create, struct store_env **out)
{
	struct store_env *env = NULL;
	struct stat sb;
	bool rdonly = (st->flags & STORE_RDONLY) != 0, fresh = false;
	int rc = 0, e;

	*out = NULL;
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT)
			return -errno;
		if (!create)
			return -ENOENT;
		if (rdonly)
			return -EROFS;
		fresh = true;
	}
	if ((env = calloc(1, sizeof(*env))) == NULL)
		return -ENOMEM;
	env->st = st;
	env->schema = sc;
	if ((e = pthread_rwlock_init(&env->lock, NULL)) != 0) {
		rc = -e;
		goto out;
	}
	env->lock_init = true;
	if ((rc = env_mdb_open(env, path, fresh)) != 0)
		goto out;
	rc = rdonly ? tables_find(env) : store_write(env, tables_create, NULL);
	if (rc != 0)
		goto out;
	/* The commit synced the data; the new name needs its directory. */
	if (fresh && (rc = dir_sync(dirpath)) != 0)
		goto out;
	*out = env;
	env = NULL;
out:
	env_close(env);
	return rc;
}

static size_t
map_round(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;

	if (size == 0)
		size = STORE_MAP_DEFAULT;
	if ((uint64_t)size > MAP_LIMIT)
		size = (size_t)MAP_LIMIT;
	if (size > SIZE_MAX - p)
		return SIZE_MAX / p * p;
	return (size + p - 1) / p * p;
}

int
store_open(struct store **out, const char *dir, const struct store_opts *opts)
{
	struct store *st = NULL;
	char *path = NULL;
	int rc = 0, e;

	*out = NULL;
	if (dir == NULL || *dir == '\0')
		return -EINVAL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->flags = opts != NULL ? opts->flags & STORE_RDONLY : 0;
	st->map_size = map_round(opts != NULL ? opts->map_size : 0);
	if ((st->dir = strdup(dir)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = path_fmt(&st->zdir, "%s/zones", dir)) != 0)
		goto out;
	if ((e = pthread_mutex_init(&st->zlock, NULL)) != 0) {
		rc = -e;
		goto out;
	}
	st->zlock_init = true;
	if ((rc = dir_prepare(st)) != 0)
		goto out;
	for (int i = 0; i < ENV_FIXED; i++) {
		if ((rc = path_fmt(&path, "%s/%s", dir, schemas[i].file)) != 0)
			goto out;
		rc = env_open(st, st->dir, path, &schemas[i],
		    !(st->flags & STORE_RDONLY), &st->envs[i]);
		free(path);
		path = NULL;
		if (rc != 0)
			goto out;
	}
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	struct store_env *z;

	if (st == NULL)
		return;
	while ((z = st->zones) != NULL) {
		st->zones = z->next;
		env_close(z);
	}
	for (int i = ENV_FIXED - 1; i >= 0; i--)
		env_close(st->envs[i]);
	if (st->zlock_init)
		pthread_mutex_destroy(&st->zlock);
	free(st->zdir);
	free(st->dir);
	free(st);
}

bool
store_is_rdonly(const struct store *st)
{
	return (st->flags & STORE_RDONLY) != 0;
}

const char *
store_dir(const struct store *st)
{
	return st->dir;
}

struct store_env *
store_env_get(struct store *st, enum store_env_id id)
{
	return st->envs[id];
}

static struct store_env **
zone_slot(struct store *st, const char *name)
{
	struct store_env **pp;

	for (pp = &st->zones; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			break;
	return pp;
}

int
store_zone_open(struct store *st, const char *name, bool create,
    struct store_env **out)
{
	struct store_env **slot, *env = NULL;
	char *path = NULL;
	int rc = 0, e;

	*out = NULL;
	if (!store_zone_name_valid(name))
		return -EINVAL;
	/* Held across the open: the same env must never be opened twice. */
	if ((e = pthread_mutex_lock(&st->zlock)) != 0)
		return -e;
	if (*(slot = zone_slot(st, name)) != NULL) {
		*out = *slot;
		goto out;
	}
	if ((rc = path_fmt(&path, "%s/%s.mdb", st->zdir, name)) != 0)
		goto out;
	if ((rc = env_open(st, st->zdir, path, &zone_schema, create, &env)) !=
	    0)
		goto out;
	if ((env->name = strdup(name)) == NULL) {
		env_close(env);
		rc = -ENOMEM;
		goto out;
	}
	*slot = *out = env;
out:
	pthread_mutex_unlock(&st->zlock);
	free(path);
	return rc;
}

int
store_zone_remove(struct store *st, const char *name)
{
	struct store_env **slot, *env;
	char *data = NULL, *lock = NULL;
	int rc = 0, e;

	if (!store_zone_name_valid(name))
		return -EINVAL;
	if (st->flags & STORE_RDONLY)
		return -EROFS;
	if ((e = pthread_mutex_lock(&st->zlock)) != 0)
		return -e;
	if ((env = *(slot = zone_slot(st, name))) != NULL) {
		*slot = env->next;
		env_close(env);
	}
	if ((rc = path_fmt(&data, "%s/%s.mdb", st->zdir, name)) != 0 ||
	    (rc = path_fmt(&lock, "%s-lock", data)) != 0)
		goto out;
	/* The data file goes first: it is what makes the zone exist. */
	if (unlink(data) == -1) {
		rc = -errno;
		goto out;
	}
	if (unlink(lock) == -1 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	rc = dir_sync(st->zdir);
out:
	pthread_mutex_unlock(&st->zlock);
	free(lock);
	free(data);
	return rc;
}

int
store_read_begin(struct store_env *env, struct store_txn **out)
{
	return txn_begin(env, true, out);
}

void
store_txn_end(struct store_txn *txn)
{
	/* A write txn belongs to store_write, which ends it. */
	if (txn == NULL || !txn->rdonly)
		return;
	txn_abort(txn);
}

/*
 * A map-full failure, whether from a put (sticky) or from the commit,
 * aborts the whole attempt; the map is doubled with no transaction of
 * ours open and fn runs again from the start.
 */
int
store_write(struct store_env *env, store_write_fn fn, void *arg)
{
	struct store_txn *t;
	size_t seen;
	bool full;
	int rc;

	if (env->st->flags & STORE_RDONLY)
		return -EROFS;
	for (int tries = 0;; tries++) {
		if ((rc = txn_begin(env, false, &t)) != 0)
			break;
		seen = t->mapsize;
		rc = fn(t, arg);
		if (t->failed != 0)
			rc = t->failed;
		if (rc != 0) {
			full = t->failed == -ESC_EMAPFULL;
			txn_abort(t);
		} else {
			rc = txn_commit(t);
			full = rc == -ESC_EMAPFULL;
		}
		if (!full || tries >= RETRY_MAX)
			break;
		if ((rc = env_remap(env, true, seen)) != 0)
			break;
	}
	return rc;
}

int
store_get(struct store_txn *txn, const char *table, const void *key,
    size_t klen, const void **val, size_t *vlen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)(uintptr_t)key };
	MDB_val v;
	MDB_dbi dbi;
	int rc;

	*val = NULL;
	*vlen = 0;
	if ((rc = txn->failed) != 0 ||
	    (rc = table_dbi(txn, table, &dbi)) != 0 ||
	    (rc = key_check(klen)) != 0)
		return rc;
	if ((rc = err_from_mdb(mdb_get(txn->txn, dbi, &k, &v))) != 0)
		return rc;
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 0;
}

int
store_put(struct store_txn *txn, const char *table, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)(uintptr_t)key };
	MDB_val v = { .mv_size = vlen, .mv_data = (void *)(uintptr_t)val };
	MDB_dbi dbi;
	int rc;

	if (txn->rdonly)
		return -EROFS;
	if ((rc = txn->failed) != 0)
		return rc;
	if ((rc = table_dbi(txn, table, &dbi)) == 0 &&
	    (rc = key_check(klen)) == 0)
		rc = err_from_mdb(mdb_put(txn->txn, dbi, &k, &v, 0));
	return txn_fail(txn, rc);
}

int
store_del(struct store_txn *txn, const char *table, const void *key,
    size_t klen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)(uintptr_t)key };
	MDB_dbi dbi;
	int rc, e;

	if (txn->rdonly)
		return -EROFS;
	if ((rc = txn->failed) != 0)
		return rc;
	if ((rc = table_dbi(txn, table, &dbi)) != 0 ||
	    (rc = key_check(klen)) != 0)
		return txn_fail(txn, rc);
	/* An absent key leaves the transaction intact: not sticky. */
	if ((e = mdb_del(txn->txn, dbi, &k, NULL)) == MDB_NOTFOUND)
		return -ENOENT;
	return txn_fail(txn, err_from_mdb(e));
}

int
store_foreach(struct store_txn *txn, const char *table, const void *prefix,
    size_t plen, store_iter_fn fn, void *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k = { .mv_size = plen, .mv_data = (void *)(uintptr_t)prefix };
	MDB_val v;
	MDB_cursor_op op = plen > 0 ? MDB_SET_RANGE : MDB_FIRST;
	MDB_dbi dbi;
	int rc, e;

	if ((rc = txn->failed) != 0 || (rc = table_dbi(txn, table, &dbi)) != 0)
		goto out;
	/* No key is longer than STORE_KEY_MAX, so nothing could match. */
	if (plen > STORE_KEY_MAX)
		goto out;
	if ((e = mdb_cursor_open(txn->txn, dbi, &cur)) != 0) {
		rc = err_from_mdb(e);
		goto out;
	}
	while ((e = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		/* Keys sort bytewise: the first mismatch ends the prefix. */
		if (k.mv_size < plen ||
		    (plen > 0 && memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if ((rc = fn(arg, k.mv_data, k.mv_size, v.mv_data,
		         v.mv_size)) != 0)
			goto out;
	}
	if (e != 0 && e != MDB_NOTFOUND)
		rc = err_from_mdb(e);
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

int
store_last(struct store_txn *txn, const char *table, const void **key,
    size_t *klen, const void **val, size_t *vlen)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_dbi dbi;
	int rc;

	*key = *val = NULL;
	*klen = *vlen = 0;
	if ((rc = txn->failed) != 0 || (rc = table_dbi(txn, table, &dbi)) != 0)
		goto out;
	if ((rc = err_from_mdb(mdb_cursor_open(txn->txn, dbi, &cur))) != 0 ||
	    (rc = err_from_mdb(mdb_cursor_get(cur, &k, &v, MDB_LAST))) != 0)
		goto out;
	/* The data stays in the map (or the txn's pages) after the close. */
	*key = k.mv_data;
	*klen = k.mv_size;
	*val = v.mv_data;
	*vlen = v.mv_size;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

int
store_count(struct store_txn *txn, const char *table, size_t *count)
{
	MDB_stat ms;
	MDB_dbi dbi;
	int rc;

	*count = 0;
	if ((rc = txn->failed) != 0 || (rc = table_dbi(txn, table, &dbi)) != 0)
		return rc;
	if ((rc = err_from_mdb(mdb_stat(txn->txn, dbi, &ms))) != 0)
		return rc;
	*count = ms.ms_entries;
	return 0;
}
