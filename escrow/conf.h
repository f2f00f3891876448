/* SPDX-License-Identifier: ISC */
/*
 * escrowd's configuration: defaults, a config file, then command-line
 * flags, each overriding the one before.  The file is lines of
 * "key = value"; '#' starts a comment; blank lines are ignored; unknown
 * keys and bad values are errors that name the line.  Keys:
 *
 *   listen                  ADDR:PORT           (127.0.0.1:8200)
 *   data                    DIR                 (/var/lib/escrowd)
 *   tls_cert, tls_key       PEM files           (none: plain HTTP)
 *   allow_plaintext_shares  true | false        (false)
 *   attempt_ttl             seconds, 1..86400   (600)
 *   threads                 1..64               (2)
 *
 * Not thread-safe; main() fills it once before starting threads.
 */
#ifndef ESCROW_CONF_H
#define ESCROW_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "escrow/err.h"

#define CONF_PATH_MAX 1024

struct conf {
	char listen[128];
	char data[CONF_PATH_MAX];
	char tls_cert[CONF_PATH_MAX];
	char tls_key[CONF_PATH_MAX];
	bool allow_plaintext;
	unsigned attempt_ttl;
	unsigned threads;
	bool dev;
};

/** Fill `c` with the defaults. */
void conf_defaults(struct conf *c);

/**
 * Set one key from its text value, as the file and the flags do.
 *
 * Returns 0, or -ENOENT for an unknown key, -EINVAL for a bad value,
 * -ENAMETOOLONG for a value that does not fit.
 */
ESC_MUST_CHECK int conf_set(struct conf *c, const char *key, const char *value);

/**
 * Read a config file into `c`.  On error `line` receives the line number
 * at fault (0 when the file could not be read).
 *
 * Returns 0, or -errno when the file cannot be read, -EFBIG above 64 KiB,
 * -ESC_EMALFORMED for a line that is not "key = value", or conf_set's
 * errors.
 */
ESC_MUST_CHECK int conf_load(struct conf *c, const char *path, unsigned *line);

/**
 * Describe an error of conf_set or conf_load: "unknown key", "bad value",
 * "value too long", "not a 'key = value' line"; for a file that cannot be
 * read (line == 0), err_str(rc).  Never NULL.
 */
const char *conf_str(int rc, unsigned line);

#endif /* ESCROW_CONF_H */
