/* SPDX-License-Identifier: ISC */
/*
 * escrowctl's subcommands and the few input and output helpers they share.
 *
 * Each cmd_<verb>_main() takes the arguments after the verb (argv[0] is the
 * verb itself), parses them with getopt_long, prints one clear line on
 * stderr when something is wrong, and returns the process exit code:
 *   0  success;
 *   1  failure, including a usage error (the message names --help);
 *   2  the service is sealed or unreachable (for verbs that talk to it).
 * They never call exit().  Secrets read from stdin or a terminal live in
 * sodium_malloc memory and are wiped before the function returns.
 */
#ifndef ESCROW_CMD_H
#define ESCROW_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "escrow/err.h"

#define CMD_INPUT_MAX (1024 * 1024) /* bytes read from stdin, at most */

int cmd_shamir_main(int argc, char **argv);

/**
 * Read all of `f` (at most `max` bytes) into a new sodium_malloc buffer,
 * NUL-terminated.  On success *out owns the buffer (free with
 * sodium_free) and *len is the byte count without the NUL.
 *
 * Returns 0, -EFBIG if the input exceeds `max`, -ENOMEM, or -errno from
 * the read.  On failure *out is NULL.
 * Secrets: the buffer may hold secrets; sodium_free wipes it.
 */
ESC_MUST_CHECK int cmd_input_read(FILE *f, size_t max, char **out, size_t *len);

/**
 * Print "escrowctl <verb>: <message>" and a newline on stderr.  The message
 * must not contain a secret.
 */
void cmd_errorf(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* ESCROW_CMD_H */
