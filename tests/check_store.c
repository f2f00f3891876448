/* SPDX-License-Identifier: ISC */
/*
 * store: environments, files and modes, zones, transactions and records.
 * Every test gets a fresh mkdtemp directory from the fixture; the store's
 * data directory is "data" inside it, so that store_open creates it.
 * Tests that need a second process fork before the test opens the store
 * (never fork with a store open) and talk to the child over pipes, so no
 * test sleeps; children report through their exit status, never through
 * Check.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "escrow/store.h"
#include "tests/suites.h"

#define SMALL_MAP   ((size_t)64 << 10)
#define BULK_N      500
#define BULK_VBYTES 1000

static char tmp[64];  /* the fixture's mkdtemp directory */
static char dir[128]; /* the store's data directory inside it */

static void
rmtree_at(int dfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (unlinkat(dfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rmtree_at(dirfd(d), de->d_name);
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

static void
setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/data", tmp);
}

static void
teardown(void)
{
	rmtree_at(AT_FDCWD, tmp);
}

/* dir/rel in a caller's buffer of 256 bytes. */
static const char *
in_dir(char *buf, const char *rel)
{
	snprintf(buf, 256, "%s/%s", dir, rel);
	return buf;
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static void
write_file(const char *path, int byte, size_t len)
{
	char buf[4096];
	int fd;

	memset(buf, byte, sizeof(buf));
	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    -1);
	for (size_t n = 0; n < len; n += sizeof(buf))
		ck_assert_int_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
	ck_assert_int_eq(close(fd), 0);
}

static struct store *
open_with(unsigned flags, size_t map_size)
{
	struct store_opts opts = { .flags = flags, .map_size = map_size };
	struct store *st = NULL;

	ck_assert_int_eq(store_open(&st, dir, &opts), 0);
	ck_assert_ptr_nonnull(st);
	return st;
}

static struct store_env *
core(struct store *st)
{
	return store_env_get(st, STORE_CORE);
}

struct kv {
	const char *table;
	const char *key;
	const char *val;
};

static int
put_kv(struct store_txn *txn, void *arg)
{
	const struct kv *kv = arg;

	return store_put(txn, kv->table, kv->key, strlen(kv->key), kv->val,
	    strlen(kv->val));
}

static int
put_str(struct store_env *env, const char *table, const char *key,
    const char *val)
{
	struct kv kv = { table, key, val };

	return store_write(env, put_kv, &kv);
}

/* Copy a value out inside the txn: it lives in the map only until then. */
static int
get_str(struct store_env *env, const char *table, const char *key, char *buf,
    size_t len)
{
	struct store_txn *txn;
	const void *v;
	size_t vlen;
	int rc;

	buf[0] = '\0';
	if ((rc = store_read_begin(env, &txn)) != 0)
		return rc;
	if ((rc = store_get(txn, table, key, strlen(key), &v, &vlen)) == 0) {
		if (vlen >= len)
			vlen = len - 1;
		memcpy(buf, v, vlen);
		buf[vlen] = '\0';
	}
	store_txn_end(txn);
	return rc;
}

static int
count_of(struct store_env *env, const char *table, size_t *n)
{
	struct store_txn *txn;
	int rc;

	*n = 0;
	if ((rc = store_read_begin(env, &txn)) != 0)
		return rc;
	rc = store_count(txn, table, n);
	store_txn_end(txn);
	return rc;
}

struct bulk {
	int calls;    /* how often store_write ran fn */
	int first_rc; /* the first failed put, across runs */
};

/* BULK_N values of BULK_VBYTES under keys k0000.., enough to grow a map. */
static int
put_bulk(struct store_txn *txn, void *arg)
{
	struct bulk *b = arg;
	char key[16], val[BULK_VBYTES];
	int rc;

	b->calls++;
	for (int i = 0; i < BULK_N; i++) {
		snprintf(key, sizeof(key), "k%04d", i);
		memset(val, 'a' + i % 26, sizeof(val));
		rc = store_put(txn, "shares", key, strlen(key), val,
		    sizeof(val));
		if (rc != 0) {
			if (b->first_rc == 0)
				b->first_rc = rc;
			return rc;
		}
	}
	return 0;
}

static int
check_bulk(struct store_env *env)
{
	struct store_txn *txn;
	char key[16], want[BULK_VBYTES];
	const void *v;
	size_t vlen;
	int rc;

	if ((rc = store_read_begin(env, &txn)) != 0)
		return rc;
	for (int i = 0; i < BULK_N && rc == 0; i++) {
		snprintf(key, sizeof(key), "k%04d", i);
		memset(want, 'a' + i % 26, sizeof(want));
		if ((rc = store_get(txn, "shares", key, strlen(key), &v,
		         &vlen)) == 0 &&
		    (vlen != sizeof(want) || memcmp(v, want, vlen) != 0))
			rc = -EBADMSG;
	}
	store_txn_end(txn);
	return rc;
}

/* A child's exit status, or minus the signal that killed it. */
static int
child_status(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* store_open */

START_TEST(test_store_open_creates_files_and_modes)
{
	const char *files[] = { "core.mdb", "auth.mdb", "audit.mdb" };
	struct store *st = open_with(0, 0);
	char p[256];

	ck_assert_uint_eq(mode_of(dir), 0700);
	ck_assert_uint_eq(mode_of(in_dir(p, "zones")), 0700);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ck_assert_uint_eq(mode_of(in_dir(p, files[i])), 0600);
	}
	ck_assert(!store_is_rdonly(st));
	ck_assert_str_eq(store_dir(st), dir);
	ck_assert_ptr_nonnull(store_env_get(st, STORE_CORE));
	ck_assert_ptr_ne(store_env_get(st, STORE_CORE),
	    store_env_get(st, STORE_AUTH));
	ck_assert_ptr_ne(store_env_get(st, STORE_AUTH),
	    store_env_get(st, STORE_AUDIT));
	store_close(st);
}
END_TEST

START_TEST(test_store_open_tables_per_environment)
{
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(put_str(core(st), "sessions", "k", "1"), 0);
	ck_assert_int_eq(put_str(core(st), "tokens", "k", "1"), -ENOENT);
	ck_assert_int_eq(
	    put_str(store_env_get(st, STORE_AUTH), "accessors", "k", "2"), 0);
	ck_assert_int_eq(
	    put_str(store_env_get(st, STORE_AUDIT), "checkpoints", "k", "3"),
	    0);
	ck_assert_int_eq(
	    get_str(store_env_get(st, STORE_AUDIT), "meta", "k", v, sizeof(v)),
	    -ENOENT);
	store_close(st);
}
END_TEST

START_TEST(test_store_open_reopens_existing_data)
{
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(put_str(core(st), "meta", "k", "v"), 0);
	store_close(st);
	st = open_with(0, 0);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v");
	store_close(st);
	st = open_with(STORE_RDONLY, 0);
	ck_assert(store_is_rdonly(st));
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v");
	store_close(st);
}
END_TEST

START_TEST(test_store_open_rejects_null_and_empty_dir)
{
	struct store *st = (struct store *)&st;

	ck_assert_int_eq(store_open(&st, NULL, NULL), -EINVAL);
	ck_assert_ptr_null(st);
	st = (struct store *)&st;
	ck_assert_int_eq(store_open(&st, "", NULL), -EINVAL);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_store_open_refuses_group_accessible_dir)
{
	struct store *st = (struct store *)&st;
	char p[256];

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(store_open(&st, dir, NULL), -EPERM);
	ck_assert_ptr_null(st);
	ck_assert(!exists(in_dir(p, "core.mdb")));
	ck_assert_int_eq(chmod(dir, 0701), 0);
	ck_assert_int_eq(store_open(&st, dir, NULL), -EPERM);
}
END_TEST

START_TEST(test_store_open_refuses_group_accessible_zones_dir)
{
	struct store *st = open_with(0, 0);
	char p[256];

	store_close(st);
	ck_assert_int_eq(chmod(in_dir(p, "zones"), 0750), 0);
	ck_assert_int_eq(store_open(&st, dir, NULL), -EPERM);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_store_open_refuses_file_as_dir)
{
	struct store *st = (struct store *)&st;

	write_file(dir, 0, 0);
	ck_assert_int_eq(store_open(&st, dir, NULL), -ENOTDIR);
	ck_assert_ptr_null(st);
	st = (struct store *)&st;
	ck_assert_int_eq(
	    store_open(&st, dir, &(struct store_opts){ .flags = STORE_RDONLY }),
	    -ENOTDIR);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_store_open_refuses_symlink_dir)
{
	struct store *st = (struct store *)&st;
	char real[160];

	snprintf(real, sizeof(real), "%s/real", tmp);
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(symlink(real, dir), 0);
	ck_assert_int_eq(store_open(&st, dir, NULL), -ENOTDIR);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_store_open_rdonly_missing_dir_creates_nothing)
{
	struct store *st = (struct store *)&st;

	ck_assert_int_eq(
	    store_open(&st, dir, &(struct store_opts){ .flags = STORE_RDONLY }),
	    -ENOENT);
	ck_assert_ptr_null(st);
	ck_assert(!exists(dir));
}
END_TEST

START_TEST(test_store_open_rdonly_missing_file)
{
	struct store *st = open_with(0, 0);
	char p[256];

	store_close(st);
	ck_assert_int_eq(unlink(in_dir(p, "audit.mdb")), 0);
	ck_assert_int_eq(
	    store_open(&st, dir, &(struct store_opts){ .flags = STORE_RDONLY }),
	    -ENOENT);
	ck_assert_ptr_null(st);
	ck_assert(!exists(p));
}
END_TEST

START_TEST(test_store_open_missing_parent)
{
	struct store *st = (struct store *)&st;

	snprintf(dir, sizeof(dir), "%s/no/data", tmp);
	ck_assert_int_eq(store_open(&st, dir, NULL), -ENOENT);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_store_open_corrupt_file)
{
	struct store *st = open_with(0, 0);
	char p[256];

	ck_assert_int_eq(put_str(core(st), "meta", "k", "v"), 0);
	store_close(st);
	write_file(in_dir(p, "core.mdb"), 0x5a, 64 << 10);
	ck_assert_int_eq(store_open(&st, dir, NULL), -ESC_ECORRUPT);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(
	    store_open(&st, dir, &(struct store_opts){ .flags = STORE_RDONLY }),
	    -ESC_ECORRUPT);
	ck_assert_ptr_null(st);
}
END_TEST

/* A zone file is valid LMDB but lacks core's tables; a reader must say so. */
START_TEST(test_store_open_rdonly_missing_table)
{
	struct store *st = open_with(0, 0);
	struct store_env *z;
	char from[256], to[256];

	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	store_close(st);
	ck_assert_int_eq(
	    rename(in_dir(from, "zones/z.mdb"), in_dir(to, "core.mdb")), 0);
	ck_assert_int_eq(unlink(in_dir(to, "core.mdb-lock")), 0);
	ck_assert_int_eq(
	    store_open(&st, dir, &(struct store_opts){ .flags = STORE_RDONLY }),
	    -ESC_ECORRUPT);
	ck_assert_ptr_null(st);
}
END_TEST

/* A one-byte map cannot even hold the tables: open grows it. */
START_TEST(test_store_open_tiny_map_grows)
{
	struct store *st = open_with(0, 1);
	char v[8];

	ck_assert_int_eq(put_str(core(st), "meta", "k", "v"), 0);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_close_accepts_null)
{
	store_close(NULL);
}
END_TEST

/* store_zone_name_valid */

static const char *const bad_zone_names[] = { "", "A", "../x", "a/b", ".x",
	"-x", "_x", "a.b", "a b", "z\n",
	"0123456789012345678901234567890123456789012345678901234567890123" };

START_TEST(test_store_zone_name_valid_accepts_and_refuses)
{
	ck_assert(store_zone_name_valid("a"));
	ck_assert(store_zone_name_valid("0"));
	ck_assert(store_zone_name_valid("prod-eu_1"));
	ck_assert(store_zone_name_valid(
	    "012345678901234567890123456789012345678901234567890123456789012"));
	ck_assert(!store_zone_name_valid(NULL));
	for (size_t i = 0; i < sizeof(bad_zone_names) / sizeof(char *); i++)
		ck_assert_msg(!store_zone_name_valid(bad_zone_names[i]),
		    "accepted '%s'", bad_zone_names[i]);
}
END_TEST

/* store_zone_open */

START_TEST(test_store_zone_open_rejects_invalid_names)
{
	struct store *st = open_with(0, 0);
	struct store_env *z;

	for (size_t i = 0; i < sizeof(bad_zone_names) / sizeof(char *); i++) {
		z = core(st);
		ck_assert_int_eq(
		    store_zone_open(st, bad_zone_names[i], true, &z), -EINVAL);
		ck_assert_ptr_null(z);
	}
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_open_missing_without_create)
{
	struct store *st = open_with(0, 0);
	struct store_env *z = core(st);
	char p[256];

	ck_assert_int_eq(store_zone_open(st, "z", false, &z), -ENOENT);
	ck_assert_ptr_null(z);
	ck_assert(!exists(in_dir(p, "zones/z.mdb")));
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_open_creates_once)
{
	struct store *st = open_with(0, 0);
	struct store_env *z, *again;
	char p[256], v[8];

	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	ck_assert_uint_eq(mode_of(in_dir(p, "zones/z.mdb")), 0600);
	ck_assert_int_eq(store_zone_open(st, "z", false, &again), 0);
	ck_assert_ptr_eq(z, again);
	ck_assert_int_eq(put_str(z, "versions", "k", "v"), 0);
	ck_assert_int_eq(put_str(z, "shares", "k", "v"), -ENOENT);
	store_close(st);
	st = open_with(0, 0);
	ck_assert_int_eq(store_zone_open(st, "z", false, &z), 0);
	ck_assert_int_eq(get_str(z, "versions", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v");
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_open_isolates_zones)
{
	struct store *st = open_with(0, 0);
	struct store_env *a, *b;
	char v[8];

	ck_assert_int_eq(store_zone_open(st, "a", true, &a), 0);
	ck_assert_int_eq(store_zone_open(st, "b", true, &b), 0);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(put_str(a, "usage", "k", "from-a"), 0);
	ck_assert_int_eq(put_str(b, "usage", "k", "from-b"), 0);
	ck_assert_int_eq(put_str(a, "meta", "only-a", "1"), 0);
	ck_assert_int_eq(get_str(a, "usage", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "from-a");
	ck_assert_int_eq(get_str(b, "usage", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "from-b");
	ck_assert_int_eq(get_str(b, "meta", "only-a", v, sizeof(v)), -ENOENT);
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_open_rdonly)
{
	struct store *st = open_with(0, 0);
	struct store_env *z;
	char p[256], v[8];

	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	ck_assert_int_eq(put_str(z, "meta", "k", "v"), 0);
	store_close(st);
	st = open_with(STORE_RDONLY, 0);
	z = core(st);
	ck_assert_int_eq(store_zone_open(st, "new", true, &z), -EROFS);
	ck_assert_ptr_null(z);
	ck_assert(!exists(in_dir(p, "zones/new.mdb")));
	ck_assert_int_eq(store_zone_open(st, "new", false, &z), -ENOENT);
	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	ck_assert_int_eq(get_str(z, "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v");
	ck_assert_int_eq(put_str(z, "meta", "k", "w"), -EROFS);
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_open_zones_not_a_dir)
{
	struct store *st = open_with(0, 0);
	struct store_env *z = core(st);
	char p[256];

	ck_assert_int_eq(rmdir(in_dir(p, "zones")), 0);
	write_file(p, 'x', 1);
	ck_assert_int_eq(store_zone_open(st, "z", true, &z), -ENOTDIR);
	ck_assert_ptr_null(z);
	ck_assert_int_eq(store_zone_remove(st, "z"), -ENOTDIR);
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_open_corrupt_file)
{
	struct store *st = open_with(0, 0);
	struct store_env *z = core(st);
	char p[256];

	write_file(in_dir(p, "zones/bad.mdb"), 0x5a, 64 << 10);
	ck_assert_int_eq(store_zone_open(st, "bad", false, &z), -ESC_ECORRUPT);
	ck_assert_ptr_null(z);
	store_close(st);
}
END_TEST

/* store_zone_foreach */

struct names {
	char buf[8][STORE_ZONE_NAME_MAX + 1];
	int n;
	int stop_at; /* return 7 on this call; 0 = never */
};

static int
collect_name(void *arg, const char *name)
{
	struct names *nm = arg;

	ck_assert_int_lt(nm->n, 8);
	snprintf(nm->buf[nm->n++], sizeof(nm->buf[0]), "%s", name);
	return nm->n == nm->stop_at ? 7 : 0;
}

START_TEST(test_store_zone_foreach_sorted_skipping_others)
{
	const char *zones[] = { "b", "c-1", "a", "a0" };
	struct store *st = open_with(0, 0);
	struct names nm = { .n = 0 };
	struct store_env *z;
	char p[256];

	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(store_zone_open(st, zones[i], true, &z), 0);
	write_file(in_dir(p, "zones/README"), 'x', 1);
	write_file(in_dir(p, "zones/Bad.mdb"), 'x', 1);
	write_file(in_dir(p, "zones/.mdb"), 'x', 1);
	write_file(in_dir(p, "zones/orphan.mdb-lock"), 'x', 1);
	write_file(in_dir(p, "zones/a.mdb.bak"), 'x', 1);
	ck_assert_int_eq(store_zone_foreach(st, collect_name, &nm), 0);
	ck_assert_int_eq(nm.n, 4);
	ck_assert_str_eq(nm.buf[0], "a");
	ck_assert_str_eq(nm.buf[1], "a0");
	ck_assert_str_eq(nm.buf[2], "b");
	ck_assert_str_eq(nm.buf[3], "c-1");
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_foreach_stops_early)
{
	struct store *st = open_with(0, 0);
	struct names nm = { .stop_at = 2 };
	struct store_env *z;

	ck_assert_int_eq(store_zone_open(st, "x", true, &z), 0);
	ck_assert_int_eq(store_zone_open(st, "y", true, &z), 0);
	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	ck_assert_int_eq(store_zone_foreach(st, collect_name, &nm), 7);
	ck_assert_int_eq(nm.n, 2);
	ck_assert_str_eq(nm.buf[1], "y");
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_foreach_empty_and_missing_dir)
{
	struct store *st = open_with(0, 0);
	struct names nm = { .n = 0 };
	char p[256];

	ck_assert_int_eq(store_zone_foreach(st, collect_name, &nm), 0);
	ck_assert_int_eq(nm.n, 0);
	store_close(st);
	/* A reader accepts a directory without zones/: it has none. */
	ck_assert_int_eq(rmdir(in_dir(p, "zones")), 0);
	st = open_with(STORE_RDONLY, 0);
	ck_assert_int_eq(store_zone_foreach(st, collect_name, &nm), 0);
	ck_assert_int_eq(nm.n, 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_foreach_unreadable_dir)
{
	struct store *st = open_with(0, 0);
	struct names nm = { .n = 0 };
	char p[256];

	ck_assert_int_eq(rmdir(in_dir(p, "zones")), 0);
	write_file(p, 'x', 1);
	ck_assert_int_eq(store_zone_foreach(st, collect_name, &nm), -ENOTDIR);
	ck_assert_int_eq(nm.n, 0);
	store_close(st);
}
END_TEST

/* store_zone_remove */

START_TEST(test_store_zone_remove_deletes_both_files)
{
	struct store *st = open_with(0, 0);
	struct names nm = { .n = 0 };
	struct store_env *z;
	char p[256];
	size_t n;

	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	ck_assert_int_eq(put_str(z, "meta", "k", "v"), 0);
	ck_assert(exists(in_dir(p, "zones/z.mdb-lock")));
	ck_assert_int_eq(store_zone_remove(st, "z"), 0);
	ck_assert(!exists(in_dir(p, "zones/z.mdb")));
	ck_assert(!exists(in_dir(p, "zones/z.mdb-lock")));
	ck_assert_int_eq(store_zone_foreach(st, collect_name, &nm), 0);
	ck_assert_int_eq(nm.n, 0);
	ck_assert_int_eq(store_zone_open(st, "z", false, &z), -ENOENT);
	/* Created again, it starts empty. */
	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	ck_assert_int_eq(count_of(z, "meta", &n), 0);
	ck_assert_uint_eq(n, 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_zone_remove_errors)
{
	struct store *st = open_with(0, 0);
	struct store_env *z;

	ck_assert_int_eq(store_zone_remove(st, "missing"), -ENOENT);
	ck_assert_int_eq(store_zone_remove(st, "../core"), -EINVAL);
	ck_assert_int_eq(store_zone_remove(st, ""), -EINVAL);
	ck_assert_int_eq(store_zone_open(st, "z", true, &z), 0);
	store_close(st);
	st = open_with(STORE_RDONLY, 0);
	ck_assert_int_eq(store_zone_remove(st, "z"), -EROFS);
	ck_assert_int_eq(store_zone_open(st, "z", false, &z), 0);
	store_close(st);
}
END_TEST

/* store_read_begin, store_txn_end */

START_TEST(test_store_read_begin_sees_a_snapshot)
{
	struct store *st = open_with(0, 0);
	struct store_txn *old;
	const void *v;
	size_t vlen;
	char buf[8];

	ck_assert_int_eq(store_read_begin(core(st), &old), 0);
	ck_assert_int_eq(put_str(core(st), "meta", "k", "v"), 0);
	ck_assert_int_eq(store_get(old, "meta", "k", 1, &v, &vlen), -ENOENT);
	ck_assert_int_eq(get_str(core(st), "meta", "k", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "v");
	store_txn_end(old);
	store_close(st);
}
END_TEST

START_TEST(test_store_read_begin_readers_full)
{
	struct store *st = open_with(0, 0);
	struct store_txn *txn[1024];
	int n, rc = 0;

	for (n = 0; n < 1024; n++)
		if ((rc = store_read_begin(core(st), &txn[n])) != 0)
			break;
	ck_assert_int_eq(rc, -EAGAIN);
	ck_assert_ptr_null(txn[n]);
	ck_assert_int_gt(n, 0);
	/* Slots are per environment. */
	ck_assert_int_eq(
	    put_str(store_env_get(st, STORE_AUTH), "tokens", "k", "v"), 0);
	store_txn_end(txn[--n]);
	ck_assert_int_eq(store_read_begin(core(st), &txn[n]), 0);
	while (n >= 0)
		store_txn_end(txn[n--]);
	store_close(st);
}
END_TEST

START_TEST(test_store_txn_end_accepts_null)
{
	store_txn_end(NULL);
}
END_TEST

/*
 * The child: opens read-only once the writer has committed "k", reads it,
 * then after the writer grew its map far beyond the child's, reads the
 * bulk records (its next begin has to adopt the new size).
 */
static int
reader_child(int rfd, int wfd)
{
	struct store_opts opts = { .flags = STORE_RDONLY };
	struct store_txn *old = NULL, *txn = NULL;
	struct store *st = NULL;
	char c, v[8];
	int code = 10;

	if (read(rfd, &c, 1) != 1)
		goto out;
	code = 11;
	if (store_open(&st, dir, &opts) != 0)
		goto out;
	code = 12;
	if (get_str(core(st), "meta", "k", v, sizeof(v)) != 0 ||
	    strcmp(v, "v1") != 0 || store_read_begin(core(st), &old) != 0)
		goto out;
	code = 13;
	if (write(wfd, "r", 1) != 1 || read(rfd, &c, 1) != 1)
		goto out;
	/* Adopting the new size needs our own old reader gone first. */
	code = 14;
	if (store_read_begin(core(st), &txn) != -EDEADLK || txn != NULL)
		goto out;
	store_txn_end(old);
	old = NULL;
	code = 15;
	if (check_bulk(core(st)) != 0)
		goto out;
	code = 0;
out:
	store_txn_end(old);
	store_close(st);
	return code;
}

START_TEST(test_store_read_begin_rdonly_process_beside_writer)
{
	struct bulk b = { 0 };
	struct store *st;
	int p2c[2], c2p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(p2c), 0);
	ck_assert_int_eq(pipe(c2p), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		close(p2c[1]);
		close(c2p[0]);
		_exit(reader_child(p2c[0], c2p[1]));
	}
	close(p2c[0]);
	close(c2p[1]);
	st = open_with(0, SMALL_MAP);
	ck_assert_int_eq(put_str(core(st), "meta", "k", "v1"), 0);
	ck_assert_int_eq(write(p2c[1], "g", 1), 1);
	ck_assert_int_eq(read(c2p[0], &c, 1), 1);
	ck_assert_int_eq(store_write(core(st), put_bulk, &b), 0);
	ck_assert_int_gt(b.calls, 1);
	ck_assert_int_eq(write(p2c[1], "g", 1), 1);
	ck_assert_int_eq(child_status(pid), 0);
	close(p2c[1]);
	close(c2p[0]);
	store_close(st);
}
END_TEST

/* store_write */

static int
put_then_fail(struct store_txn *txn, void *arg)
{
	(void)arg;
	ck_assert_int_eq(store_put(txn, "meta", "k", 1, "new", 3), 0);
	ck_assert_int_eq(store_put(txn, "meta", "other", 5, "x", 1), 0);
	return -EIO;
}

START_TEST(test_store_write_fn_error_aborts)
{
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(put_str(core(st), "meta", "k", "old"), 0);
	ck_assert_int_eq(store_write(core(st), put_then_fail, NULL), -EIO);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "old");
	ck_assert_int_eq(get_str(core(st), "meta", "other", v, sizeof(v)),
	    -ENOENT);
	store_close(st);
	st = open_with(0, 0);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "old");
	store_close(st);
}
END_TEST

static int
not_called(struct store_txn *txn, void *arg)
{
	(void)txn;
	(void)arg;
	ck_abort_msg("fn ran on a read-only store");
	return 0;
}

#define THREADS     4
#define THREAD_PUTS 60

struct worker {
	struct store_env *env;
	int id;
	int rc;
};

static int
put_worker(struct store_txn *txn, void *arg)
{
	const struct worker *w = arg;
	char key[16], val[BULK_VBYTES];
	int rc = 0;

	memset(val, 'a' + w->id, sizeof(val));
	for (int i = 0; i < THREAD_PUTS && rc == 0; i++) {
		snprintf(key, sizeof(key), "t%d-%03d", w->id, i);
		rc = store_put(txn, "shares", key, strlen(key), val,
		    sizeof(val));
	}
	return rc;
}

/* Write, then read back between the other threads' writes and growths. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct store_txn *txn;
	const void *v;
	size_t vlen;
	char key[16];

	for (int round = 0; round < 3 && w->rc == 0; round++) {
		if ((w->rc = store_write(w->env, put_worker, w)) != 0 ||
		    (w->rc = store_read_begin(w->env, &txn)) != 0)
			break;
		for (int i = 0; i < THREAD_PUTS && w->rc == 0; i++) {
			snprintf(key, sizeof(key), "t%d-%03d", w->id, i);
			w->rc = store_get(txn, "shares", key, strlen(key), &v,
			    &vlen);
			if (w->rc == 0 &&
			    (vlen != BULK_VBYTES ||
			        *(const char *)v != 'a' + w->id))
				w->rc = -EBADMSG;
		}
		store_txn_end(txn);
	}
	return NULL;
}

/* Threads share one env while its map grows from 64 KiB several times. */
START_TEST(test_store_write_threads_share_growing_map)
{
	struct store *st = open_with(0, SMALL_MAP);
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	size_t n;

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .env = core(st), .id = i };
		ck_assert_int_eq(
		    pthread_create(&tid[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
		ck_assert_int_eq(w[i].rc, 0);
	}
	ck_assert_int_eq(count_of(core(st), "shares", &n), 0);
	ck_assert_uint_eq(n, THREADS * THREAD_PUTS);
	store_close(st);
}
END_TEST

START_TEST(test_store_write_rdonly_store)
{
	struct store *st = open_with(0, 0);

	store_close(st);
	st = open_with(STORE_RDONLY, 0);
	ck_assert_int_eq(store_write(core(st), not_called, NULL), -EROFS);
	store_close(st);
}
END_TEST

START_TEST(test_store_write_grows_map)
{
	struct bulk b = { 0 };
	struct store *st = open_with(0, SMALL_MAP);
	struct stat sb;
	char p[256];
	size_t n;

	ck_assert_int_eq(store_write(core(st), put_bulk, &b), 0);
	/* The first runs failed on a full map; each rerun started afresh. */
	ck_assert_int_gt(b.calls, 1);
	ck_assert_int_eq(b.first_rc, -ESC_EMAPFULL);
	store_close(st);
	ck_assert_int_eq(stat(in_dir(p, "core.mdb"), &sb), 0);
	ck_assert_int_gt(sb.st_size, SMALL_MAP);
	st = open_with(0, SMALL_MAP);
	ck_assert_int_eq(check_bulk(core(st)), 0);
	ck_assert_int_eq(count_of(core(st), "shares", &n), 0);
	ck_assert_uint_eq(n, BULK_N);
	store_close(st);
}
END_TEST

/* Growing needs every txn of this process gone, our own reader included. */
START_TEST(test_store_write_cannot_grow_under_own_reader)
{
	struct bulk b = { 0 };
	struct store *st = open_with(0, SMALL_MAP);
	struct store_txn *reader;
	size_t n;

	ck_assert_int_eq(store_read_begin(core(st), &reader), 0);
	ck_assert_int_eq(store_write(core(st), put_bulk, &b), -EDEADLK);
	ck_assert_int_eq(b.calls, 1);
	store_txn_end(reader);
	ck_assert_int_eq(count_of(core(st), "shares", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_write(core(st), put_bulk, &b), 0);
	ck_assert_int_eq(check_bulk(core(st)), 0);
	store_close(st);
}
END_TEST

static int
write_nested(struct store_txn *txn, void *arg)
{
	struct kv kv = { "meta", "inner", "x" };

	ck_assert_int_eq(store_put(txn, "meta", "outer", 5, "x", 1), 0);
	return store_write(arg, put_kv, &kv);
}

START_TEST(test_store_write_nested_same_env_refused)
{
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(store_write(core(st), write_nested, core(st)),
	    -EDEADLK);
	ck_assert_int_eq(get_str(core(st), "meta", "outer", v, sizeof(v)),
	    -ENOENT);
	/* A different environment is a different writer lock. */
	ck_assert_int_eq(
	    store_write(core(st), write_nested, store_env_get(st, STORE_AUDIT)),
	    0);
	ck_assert_int_eq(get_str(store_env_get(st, STORE_AUDIT), "meta",
	                     "inner", v, sizeof(v)),
	    0);
	store_close(st);
}
END_TEST

static int
sticky_fn(struct store_txn *txn, void *arg)
{
	char big[STORE_KEY_MAX + 1];
	const void *v;
	size_t vlen;

	(void)arg;
	memset(big, 'k', sizeof(big));
	ck_assert_int_eq(store_put(txn, "meta", "a", 1, "1", 1), 0);
	ck_assert_int_eq(store_put(txn, "meta", big, sizeof(big), "1", 1),
	    -EINVAL);
	ck_assert_int_eq(store_put(txn, "meta", "b", 1, "2", 1), -EINVAL);
	ck_assert_int_eq(store_del(txn, "meta", "a", 1), -EINVAL);
	ck_assert_int_eq(store_get(txn, "meta", "a", 1, &v, &vlen), -EINVAL);
	return 0; /* ignoring the failure does not get it committed */
}

START_TEST(test_store_write_sticky_failure)
{
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(store_write(core(st), sticky_fn, NULL), -EINVAL);
	ck_assert_int_eq(get_str(core(st), "meta", "a", v, sizeof(v)), -ENOENT);
	ck_assert_int_eq(get_str(core(st), "meta", "b", v, sizeof(v)), -ENOENT);
	store_close(st);
}
END_TEST

static int
put_then_die(struct store_txn *txn, void *arg)
{
	(void)arg;
	if (store_put(txn, "meta", "k", 1, "new", 3) != 0 ||
	    store_put(txn, "meta", "other", 5, "x", 1) != 0)
		return -EIO;
	raise(SIGKILL);
	return 0;
}

/* The child opens its own store: never fork with one open. */
static int
killed_writer_child(void)
{
	struct store *st;
	int rc;

	if (store_open(&st, dir, NULL) != 0)
		return 10;
	rc = store_write(core(st), put_then_die, NULL);
	store_close(st);
	return rc == 0 ? 11 : 12;
}

START_TEST(test_store_write_killed_writer_leaves_old_state)
{
	struct store *st = open_with(0, 0);
	pid_t pid;
	char v[8];

	ck_assert_int_eq(put_str(core(st), "meta", "k", "old"), 0);
	store_close(st);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0)
		_exit(killed_writer_child());
	ck_assert_int_eq(child_status(pid), -SIGKILL);
	st = open_with(0, 0);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "old");
	ck_assert_int_eq(get_str(core(st), "meta", "other", v, sizeof(v)),
	    -ENOENT);
	/* The dead writer's lock was robust: a new writer gets through. */
	ck_assert_int_eq(put_str(core(st), "meta", "k", "newer"), 0);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "newer");
	store_close(st);
}
END_TEST

/* store_get */

START_TEST(test_store_get_roundtrip_copy_outlives_txn)
{
	struct store *st = open_with(0, 0);
	struct store_txn *txn;
	char copy[16];
	const void *v;
	size_t vlen;

	ck_assert_int_eq(put_str(core(st), "custodians", "alice", "pk-a"), 0);
	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_get(txn, "custodians", "alice", 5, &v, &vlen),
	    0);
	ck_assert_uint_eq(vlen, 4);
	memcpy(copy, v, vlen);
	store_txn_end(txn);
	ck_assert_mem_eq(copy, "pk-a", 4);
	store_close(st);
}
END_TEST

START_TEST(test_store_get_errors)
{
	struct store *st = open_with(0, 0);
	char big[STORE_KEY_MAX + 1];
	struct store_txn *txn;
	const void *v = big;
	size_t vlen = 1;

	memset(big, 'k', sizeof(big));
	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_get(txn, "meta", "nope", 4, &v, &vlen), -ENOENT);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(vlen, 0);
	ck_assert_int_eq(store_get(txn, "nope", "k", 1, &v, &vlen), -ENOENT);
	ck_assert_int_eq(store_get(txn, NULL, "k", 1, &v, &vlen), -ENOENT);
	ck_assert_int_eq(store_get(txn, "meta", "k", 0, &v, &vlen), -EINVAL);
	ck_assert_int_eq(store_get(txn, "meta", big, sizeof(big), &v, &vlen),
	    -EINVAL);
	ck_assert_int_eq(store_get(txn, "meta", big, STORE_KEY_MAX, &v, &vlen),
	    -ENOENT);
	store_txn_end(txn);
	store_close(st);
}
END_TEST

/* store_put */

struct put_case {
	const char *table;
	size_t klen;
	int want;
};

static int
put_case(struct store_txn *txn, void *arg)
{
	const struct put_case *pc = arg;
	static const char key[STORE_KEY_MAX + 1];

	ck_assert_int_eq(store_put(txn, pc->table, key, pc->klen, "", 0),
	    pc->want);
	return 0;
}

START_TEST(test_store_put_validates_table_and_key)
{
	const struct put_case cases[] = {
		{ "meta", STORE_KEY_MAX, 0 },
		{ "meta", 1, 0 },
		{ "nope", 1, -ENOENT },
		{ NULL, 1, -ENOENT },
		{ "meta", 0, -EINVAL },
		{ "meta", STORE_KEY_MAX + 1, -EINVAL },
	};
	struct store *st = open_with(0, 0);
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_int_eq(store_write(core(st), put_case,
		                     (void *)(uintptr_t)&cases[i]),
		    cases[i].want);
	ck_assert_int_eq(count_of(core(st), "meta", &n), 0);
	ck_assert_uint_eq(n, 2);
	store_close(st);
}
END_TEST

START_TEST(test_store_put_replaces_value)
{
	struct store *st = open_with(0, 0);
	char v[8];
	size_t n;

	ck_assert_int_eq(put_str(core(st), "pending", "k", "one"), 0);
	ck_assert_int_eq(put_str(core(st), "pending", "k", "two"), 0);
	ck_assert_int_eq(get_str(core(st), "pending", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "two");
	ck_assert_int_eq(count_of(core(st), "pending", &n), 0);
	ck_assert_uint_eq(n, 1);
	store_close(st);
}
END_TEST

START_TEST(test_store_put_rdonly_txn)
{
	struct store *st = open_with(0, 0);
	struct store_txn *txn;

	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_put(txn, "meta", "k", 1, "v", 1), -EROFS);
	ck_assert_int_eq(store_del(txn, "meta", "k", 1), -EROFS);
	store_txn_end(txn);
	store_close(st);
}
END_TEST

/* store_del */

static int
del_kv(struct store_txn *txn, void *arg)
{
	const struct kv *kv = arg;

	return store_del(txn, kv->table, kv->key, strlen(kv->key));
}

START_TEST(test_store_del_removes)
{
	struct store *st = open_with(0, 0);
	struct kv kv = { "shares", "k", NULL };
	char v[8];

	ck_assert_int_eq(put_str(core(st), "shares", "k", "v"), 0);
	ck_assert_int_eq(store_write(core(st), del_kv, &kv), 0);
	ck_assert_int_eq(get_str(core(st), "shares", "k", v, sizeof(v)),
	    -ENOENT);
	ck_assert_int_eq(store_write(core(st), del_kv, &kv), -ENOENT);
	store_close(st);
}
END_TEST

static int
del_absent_then_put(struct store_txn *txn, void *arg)
{
	(void)arg;
	ck_assert_int_eq(store_del(txn, "meta", "absent", 6), -ENOENT);
	return store_put(txn, "meta", "k", 1, "v", 1);
}

/* An absent key changes nothing, so it does not fail the transaction. */
START_TEST(test_store_del_absent_is_not_sticky)
{
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(store_write(core(st), del_absent_then_put, NULL), 0);
	ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v");
	store_close(st);
}
END_TEST

static int
del_bad(struct store_txn *txn, void *arg)
{
	static const char big[STORE_KEY_MAX + 1];
	const int *which = arg;

	switch (*which) {
	case 0:
		ck_assert_int_eq(store_del(txn, "meta", "k", 1), 0);
		ck_assert_int_eq(store_del(txn, "nope", "k", 1), -ENOENT);
		break;
	case 1:
		ck_assert_int_eq(store_del(txn, "meta", "k", 1), 0);
		ck_assert_int_eq(store_del(txn, "meta", big, 0), -EINVAL);
		break;
	default:
		ck_assert_int_eq(store_del(txn, "meta", "k", 1), 0);
		ck_assert_int_eq(store_del(txn, "meta", big, sizeof(big)),
		    -EINVAL);
		break;
	}
	/* Sticky: the valid del above is never committed. */
	ck_assert_int_ne(store_put(txn, "meta", "k2", 2, "v", 1), 0);
	return 0;
}

START_TEST(test_store_del_errors_are_sticky)
{
	const int want[] = { -ENOENT, -EINVAL, -EINVAL };
	struct store *st = open_with(0, 0);
	char v[8];

	ck_assert_int_eq(put_str(core(st), "meta", "k", "v"), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(store_write(core(st), del_bad, &i), want[i]);
		ck_assert_int_eq(get_str(core(st), "meta", "k", v, sizeof(v)),
		    0);
		ck_assert_int_eq(get_str(core(st), "meta", "k2", v, sizeof(v)),
		    -ENOENT);
	}
	store_close(st);
}
END_TEST

/* store_foreach */

struct seen {
	char keys[8][8];
	int n;
	int stop_at;
};

static int
collect_key(void *arg, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	ck_assert_uint_lt(klen, sizeof(s->keys[0]));
	ck_assert_uint_eq(vlen, 1);
	ck_assert_int_eq(*(const char *)val, *(const char *)key);
	memcpy(s->keys[s->n], key, klen);
	s->keys[s->n][klen] = '\0';
	return ++s->n == s->stop_at ? 42 : 0;
}

static int
put_keys(struct store_txn *txn, void *arg)
{
	const char *const *keys = arg;
	int rc = 0;

	for (; *keys != NULL && rc == 0; keys++)
		rc = store_put(txn, "sessions", *keys, strlen(*keys), *keys, 1);
	return rc;
}

static struct seen
walk(struct store *st, const char *prefix, int stop_at, int want)
{
	struct seen s = { .stop_at = stop_at };
	struct store_txn *txn;

	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_foreach(txn, "sessions", prefix,
	                     prefix != NULL ? strlen(prefix) : 0, collect_key,
	                     &s),
	    want);
	store_txn_end(txn);
	return s;
}

static struct store *
keyed_store(void)
{
	static const char *const keys[] = { "b", "ab2", "ab1", "abc", "aa", "a",
		"ac", NULL };
	struct store *st = open_with(0, 0);

	ck_assert_int_eq(
	    store_write(core(st), put_keys, (void *)(uintptr_t)keys), 0);
	return st;
}

START_TEST(test_store_foreach_all_in_order)
{
	static const char *const want[] = { "a", "aa", "ab1", "ab2", "abc",
		"ac", "b" };
	struct store *st = keyed_store();
	struct seen s = walk(st, NULL, 0, 0);

	ck_assert_int_eq(s.n, 7);
	for (int i = 0; i < 7; i++)
		ck_assert_str_eq(s.keys[i], want[i]);
	store_close(st);
}
END_TEST

START_TEST(test_store_foreach_prefix)
{
	struct store *st = keyed_store();
	struct seen s = walk(st, "ab", 0, 0);
	char long_prefix[STORE_KEY_MAX + 2];

	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.keys[0], "ab1");
	ck_assert_str_eq(s.keys[1], "ab2");
	ck_assert_str_eq(s.keys[2], "abc");
	ck_assert_int_eq(walk(st, "abz", 0, 0).n, 0);
	ck_assert_int_eq(walk(st, "c", 0, 0).n, 0);
	ck_assert_int_eq(walk(st, "b", 0, 0).n, 1);
	memset(long_prefix, 'a', sizeof(long_prefix) - 1);
	long_prefix[sizeof(long_prefix) - 1] = '\0';
	ck_assert_int_eq(walk(st, long_prefix, 0, 0).n, 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_foreach_stops_early)
{
	struct store *st = keyed_store();
	struct seen s = walk(st, NULL, 2, 42);

	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.keys[1], "aa");
	ck_assert_int_eq(walk(st, "ab", 1, 42).n, 1);
	store_close(st);
}
END_TEST

START_TEST(test_store_foreach_empty_and_unknown_table)
{
	struct store *st = open_with(0, 0);
	struct seen s = { .n = 0 };
	struct store_txn *txn;

	ck_assert_int_eq(walk(st, NULL, 0, 0).n, 0);
	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_foreach(txn, "nope", NULL, 0, collect_key, &s),
	    -ENOENT);
	store_txn_end(txn);
	store_close(st);
}
END_TEST

/* store_last */

START_TEST(test_store_last_greatest_key)
{
	struct store *st = keyed_store();
	struct store_txn *txn;
	const void *k, *v;
	size_t klen, vlen;

	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_last(txn, "sessions", &k, &klen, &v, &vlen), 0);
	ck_assert_uint_eq(klen, 1);
	ck_assert_mem_eq(k, "b", 1);
	ck_assert_uint_eq(vlen, 1);
	ck_assert_mem_eq(v, "b", 1);
	store_txn_end(txn);
	store_close(st);
}
END_TEST

START_TEST(test_store_last_empty_and_unknown_table)
{
	struct store *st = open_with(0, 0);
	struct store_txn *txn;
	const void *k = &k, *v = &v;
	size_t klen = 1, vlen = 1;

	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_last(txn, "sessions", &k, &klen, &v, &vlen),
	    -ENOENT);
	ck_assert_ptr_null(k);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(klen + vlen, 0);
	ck_assert_int_eq(store_last(txn, "nope", &k, &klen, &v, &vlen),
	    -ENOENT);
	store_txn_end(txn);
	store_close(st);
}
END_TEST

/* store_count */

START_TEST(test_store_count_counts)
{
	struct store *st = keyed_store();
	struct store_txn *txn;
	size_t n = 99;

	ck_assert_int_eq(count_of(core(st), "sessions", &n), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(count_of(core(st), "meta", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_read_begin(core(st), &txn), 0);
	ck_assert_int_eq(store_count(txn, "nope", &n), -ENOENT);
	store_txn_end(txn);
	store_close(st);
}
END_TEST

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

/* Environments, files and zones. */
static void
add_env_cases(Suite *s)
{
	TCase *tc;

	tc = tcase(s, "open");
	tcase_add_test(tc, test_store_open_creates_files_and_modes);
	tcase_add_test(tc, test_store_open_tables_per_environment);
	tcase_add_test(tc, test_store_open_reopens_existing_data);
	tcase_add_test(tc, test_store_open_rejects_null_and_empty_dir);
	tcase_add_test(tc, test_store_open_refuses_group_accessible_dir);
	tcase_add_test(tc, test_store_open_refuses_group_accessible_zones_dir);
	tcase_add_test(tc, test_store_open_refuses_file_as_dir);
	tcase_add_test(tc, test_store_open_refuses_symlink_dir);
	tcase_add_test(tc, test_store_open_rdonly_missing_dir_creates_nothing);
	tcase_add_test(tc, test_store_open_rdonly_missing_file);
	tcase_add_test(tc, test_store_open_missing_parent);
	tcase_add_test(tc, test_store_open_corrupt_file);
	tcase_add_test(tc, test_store_open_rdonly_missing_table);
	tcase_add_test(tc, test_store_open_tiny_map_grows);
	tc = tcase(s, "close");
	tcase_add_test(tc, test_store_close_accepts_null);
	tc = tcase(s, "zone_name_valid");
	tcase_add_test(tc, test_store_zone_name_valid_accepts_and_refuses);
	tc = tcase(s, "zone_open");
	tcase_add_test(tc, test_store_zone_open_rejects_invalid_names);
	tcase_add_test(tc, test_store_zone_open_missing_without_create);
	tcase_add_test(tc, test_store_zone_open_creates_once);
	tcase_add_test(tc, test_store_zone_open_isolates_zones);
	tcase_add_test(tc, test_store_zone_open_rdonly);
	tcase_add_test(tc, test_store_zone_open_corrupt_file);
	tcase_add_test(tc, test_store_zone_open_zones_not_a_dir);
	tc = tcase(s, "zone_foreach");
	tcase_add_test(tc, test_store_zone_foreach_sorted_skipping_others);
	tcase_add_test(tc, test_store_zone_foreach_stops_early);
	tcase_add_test(tc, test_store_zone_foreach_empty_and_missing_dir);
	tcase_add_test(tc, test_store_zone_foreach_unreadable_dir);
	tc = tcase(s, "zone_remove");
	tcase_add_test(tc, test_store_zone_remove_deletes_both_files);
	tcase_add_test(tc, test_store_zone_remove_errors);
}

/* Transactions and records. */
static void
add_txn_cases(Suite *s)
{
	TCase *tc;

	tc = tcase(s, "read_begin");
	tcase_add_test(tc, test_store_read_begin_sees_a_snapshot);
	tcase_add_test(tc, test_store_read_begin_readers_full);
	tcase_add_test(tc, test_store_read_begin_rdonly_process_beside_writer);
	tc = tcase(s, "txn_end");
	tcase_add_test(tc, test_store_txn_end_accepts_null);
	tc = tcase(s, "write");
	tcase_add_test(tc, test_store_write_fn_error_aborts);
	tcase_add_test(tc, test_store_write_rdonly_store);
	tcase_add_test(tc, test_store_write_grows_map);
	tcase_add_test(tc, test_store_write_threads_share_growing_map);
	tcase_add_test(tc, test_store_write_cannot_grow_under_own_reader);
	tcase_add_test(tc, test_store_write_nested_same_env_refused);
	tcase_add_test(tc, test_store_write_sticky_failure);
	tc = tcase(s, "write_crash");
	tcase_set_tags(tc, "needs-fork");
	tcase_add_test(tc, test_store_write_killed_writer_leaves_old_state);
	tc = tcase(s, "get");
	tcase_add_test(tc, test_store_get_roundtrip_copy_outlives_txn);
	tcase_add_test(tc, test_store_get_errors);
	tc = tcase(s, "put");
	tcase_add_test(tc, test_store_put_validates_table_and_key);
	tcase_add_test(tc, test_store_put_replaces_value);
	tcase_add_test(tc, test_store_put_rdonly_txn);
	tc = tcase(s, "del");
	tcase_add_test(tc, test_store_del_removes);
	tcase_add_test(tc, test_store_del_absent_is_not_sticky);
	tcase_add_test(tc, test_store_del_errors_are_sticky);
	tc = tcase(s, "foreach");
	tcase_add_test(tc, test_store_foreach_all_in_order);
	tcase_add_test(tc, test_store_foreach_prefix);
	tcase_add_test(tc, test_store_foreach_stops_early);
	tcase_add_test(tc, test_store_foreach_empty_and_unknown_table);
	tc = tcase(s, "last");
	tcase_add_test(tc, test_store_last_greatest_key);
	tcase_add_test(tc, test_store_last_empty_and_unknown_table);
	tc = tcase(s, "count");
	tcase_add_test(tc, test_store_count_counts);
}

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");

	add_env_cases(s);
	add_txn_cases(s);
	return s;
}
