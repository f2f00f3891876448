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

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "escrow/err.h"

#define CMD_INPUT_MAX      (1024 * 1024) /* bytes read from stdin, at most */
#define CMD_PASSPHRASE_MAX 1024          /* bytes of a passphrase, at most */

int cmd_custodian_main(int argc, char **argv);
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
 * Read a passphrase into a new sodium_malloc buffer, NUL-terminated and
 * without its line ending; *len is its length in bytes.
 *
 * With `file` non-NULL, the passphrase is the first line of that file, up
 * to '\n' or the end of the file, less one trailing '\r'; the rest of the
 * file is ignored, and `prompt` and `confirm` are unused.  A regular file
 * that group or others may read or write is refused, as ssh refuses such a
 * private key: a passphrase file is as secret as the key.  Pipes
 * (/dev/stdin, /dev/fd/N) are accepted.
 *
 * Without `file`, `prompt` is written to /dev/tty and the passphrase read
 * there with echo off; with `confirm` it is asked for again and must
 * match.  The terminal is restored on every path, also when SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT arrives at the prompt: the signal is caught
 * and the function returns -EINTR rather than leaving echo off.
 *
 * Returns 0, or
 *   -EINVAL           the passphrase is empty;
 *   -EFBIG            it is longer than CMD_PASSPHRASE_MAX bytes;
 *   -ESC_EPERM        `file` is accessible by group or others;
 *   -ESC_EPASSPHRASE  the confirmation does not match;
 *   -ENXIO            no `file` and no terminal to ask on;
 *   -EINTR            a signal interrupted the prompt;
 *   -ENOMEM, or -errno from opening or reading `file` or the terminal.
 * On failure *out is NULL and *len 0.
 * Not thread-safe: it changes signal dispositions while it prompts.
 * Secrets: *out is a secret; free it with sodium_free, which wipes it.
 */
ESC_MUST_CHECK int cmd_passphrase_read(const char *prompt, bool confirm,
    const char *file, char **out, size_t *len);

/**
 * Print "escrowctl <verb>: <message>" and a newline on stderr.  The message
 * must not contain a secret.
 */
void cmd_errorf(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* ESCROW_CMD_H */
