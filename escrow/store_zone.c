/* SPDX-License-Identifier: ISC */
/*
 * Zone names and the zone directory listing.  A zone exists when
 * zones/<name>.mdb exists, so listing zones is reading that directory:
 * entries that are not <valid name>.mdb (LMDB's "-lock" files, editor
 * droppings, anything an operator left there) are skipped, and names come
 * back sorted so that callers and tests see a stable order.  Nothing here
 * touches LMDB; opening and removing zones lives in store.c with the other
 * environment code.  A reader's data directory may lack zones/ entirely,
 * which lists as no zones.
 */
#include "escrow/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_SUFFIX ".mdb"

bool
store_zone_name_valid(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n > STORE_ZONE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		/* A leading '-' or '_' would read as an option or be hidden. */
		if (!alnum && (i == 0 || (c != '_' && c != '-')))
			return false;
	}
	return true;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether directory entry `entry` is <valid zone name>.mdb. */
static bool
entry_is_zone(const char *entry)
{
	char name[STORE_ZONE_NAME_MAX + 1];
	size_t n = strlen(entry), s = strlen(ZONE_SUFFIX);

	if (n <= s || n - s > STORE_ZONE_NAME_MAX ||
	    strcmp(entry + n - s, ZONE_SUFFIX) != 0)
		return false;
	memcpy(name, entry, n - s);
	name[n - s] = '\0';
	return store_zone_name_valid(name);
}

/*
 * Collect every zone name first and call fn only after closedir, so that
 * fn may create or remove zones without disturbing the walk.
 */
int
store_zone_foreach(struct store *st, int (*fn)(void *arg, const char *name),
    void *arg)
{
	DIR *d = NULL;
	struct dirent *de;
	char *zdir = NULL, **names = NULL, **grown;
	size_t n = 0, cap = 0;
	int rc = 0;

	if ((zdir = malloc(strlen(store_dir(st)) + sizeof("/zones"))) == NULL)
		return -ENOMEM;
	sprintf(zdir, "%s/zones", store_dir(st));
	if ((d = opendir(zdir)) == NULL) {
		rc = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (!entry_is_zone(de->d_name))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			names = grown;
		}
		names[n] = strndup(de->d_name,
		    strlen(de->d_name) - strlen(ZONE_SUFFIX));
		if (names[n] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (errno != 0) {
		rc = -errno;
		goto out;
	}
	closedir(d);
	d = NULL;
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(arg, names[i]);
out:
	if (d != NULL)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(zdir);
	return rc;
}
