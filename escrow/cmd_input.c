/* SPDX-License-Identifier: ISC */
/*
 * Input and diagnostics shared by escrowctl's verbs.  Anything read here
 * may be a secret (a key, a share), so it goes straight into guarded,
 * locked memory and never through stdio's own line buffers: stdin is read
 * unbuffered in blocks.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <sodium.h>

#include "escrow/cmd.h"

int
cmd_input_read(FILE *f, size_t max, char **out, size_t *len)
{
	char *buf;
	size_t n = 0, got;
	int rc = 0;

	*out = NULL;
	*len = 0;
	if ((buf = sodium_malloc(max + 2)) == NULL)
		return -ENOMEM;
	/* No stdio buffer: a secret must not linger in a heap block. */
	setvbuf(f, NULL, _IONBF, 0);
	while ((got = fread(buf + n, 1, max + 1 - n, f)) > 0) {
		n += got;
		if (n > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	if (ferror(f)) {
		rc = errno != 0 ? -errno : -EIO;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	sodium_free(buf);
	return rc;
}

void
cmd_errorf(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "escrowctl %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
