/* SPDX-License-Identifier: ISC */
/* Shared test fixtures: temporary directories and file contents. */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS, memmem */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tests/fixture.h"

const char *
fixture_tmpdir(void)
{
	static char path[4096];
	const char *base = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/escrow-test-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p) == 0 ? 0 : 0;
}

void
fixture_rmtree(const char *path)
{
	if (path != NULL && *path != '\0')
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint8_t *
fixture_slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_ptr_nonnull(buf = malloc((size_t)st.st_size + 1));
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

bool
fixture_file_contains(const char *path, const void *needle, size_t nlen)
{
	size_t len;
	uint8_t *buf = fixture_slurp(path, &len);
	bool found;

	if (buf == NULL)
		return false;
	found = memmem(buf, len, needle, nlen) != NULL;
	free(buf);
	return found;
}
