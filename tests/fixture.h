/* SPDX-License-Identifier: ISC */
/*
 * Test fixtures shared by the suites: private temporary directories and
 * reading whole files.  Failures abort the test with a message.
 */
#ifndef TESTS_FIXTURE_H
#define TESTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mkdtemp a 0700 directory under $TMPDIR (or /tmp); returns a static
 * buffer valid until the next call. */
const char *fixture_tmpdir(void);
/* Remove a directory tree; ignores errors. */
void fixture_rmtree(const char *path);
/* Read a whole file into a malloc'd buffer; *len its size.  NULL if the
 * file does not exist. */
uint8_t *fixture_slurp(const char *path, size_t *len);
/* Whether `needle` (nlen bytes) occurs anywhere in the file. */
bool fixture_file_contains(const char *path, const void *needle, size_t nlen);

#endif /* TESTS_FIXTURE_H */
