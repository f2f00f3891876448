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
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "escrow/client.h"
#include "escrow/custodian.h"
#include "escrow/err.h"
#include "escrow/seal.h"

#define CMD_INPUT_MAX      (1024 * 1024) /* bytes read from stdin, at most */
#define CMD_PASSPHRASE_MAX 1024          /* bytes of a passphrase, at most */

struct option;

/* The verbs of escrowctl's table (escrowctl.c). */
int cmd_custodian_main(int argc, char **argv);
int cmd_decrypt_main(int argc, char **argv);
int cmd_encrypt_main(int argc, char **argv);
int cmd_init_main(int argc, char **argv);
int cmd_rekey_main(int argc, char **argv);
int cmd_seal_main(int argc, char **argv);
int cmd_shamir_main(int argc, char **argv);
int cmd_status_main(int argc, char **argv);
int cmd_token_main(int argc, char **argv);
int cmd_unseal_main(int argc, char **argv);
int cmd_zone_main(int argc, char **argv);

/* The `custodian` verbs that live outside cmd_custodian.c. */
int cmd_custodian_register_main(int argc, char **argv);
int cmd_custodian_list_main(int argc, char **argv);
int cmd_custodian_show_share_main(int argc, char **argv);
int cmd_custodian_verify_share_main(int argc, char **argv);

/* A verb of a verb table (escrowctl's, or a verb's own sub-verbs). */
struct cmd_verb {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

/**
 * Dispatch argv[1] to the matching verb of `verbs` (n entries), passing
 * argc - 1, argv + 1.  No verb: usage on stderr, 1; --help, -h or help:
 * usage on stdout, 0; an unknown verb: one line naming `who`, 1.
 */
int cmd_dispatch(const char *who, const struct cmd_verb *verbs, size_t n,
    int argc, char **argv, void (*usage)(FILE *f));

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

/**
 * getopt_long over argv (argv[0] is the verb), with opterr off: a bad
 * option or a missing argument prints one line naming it and --help, and
 * returns '?'.  `shorts` should start with ':'.  Set optind = 0 before the
 * first call for a new argv.
 */
int cmd_getopt(const char *verb, int argc, char **argv, const char *shorts,
    const struct option *longs);

/**
 * Parse a decimal number in [lo, hi], digits only.  Returns false on
 * anything else.
 */
bool cmd_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);

/**
 * Decode `s` (NULL allowed) as hex, or as standard base64 with padding,
 * of exactly `len` bytes into `out`.  Returns false, with `out` zeroed,
 * for anything else.
 */
bool cmd_hex_exact(const char *s, uint8_t *out, size_t len);
bool cmd_b64_exact(const char *s, uint8_t *out, size_t len);

/* Key files (cmd_key.c). */

/** Print the one line that describes a cmd_passphrase_read failure. */
void cmd_passphrase_error(const char *verb, const char *file, int rc);

/**
 * Check that the key file `path` can be opened, so that a wrong path is
 * reported before anyone types a passphrase or the service is called.
 * Returns the exit code: 0, or 1 with one line printed.
 */
int cmd_key_readable(const char *verb, const char *path);

/**
 * Load the custodian key file `path`, asking for its passphrase on the
 * terminal or taking it from `pfile` (see cmd_passphrase_read).  The file
 * is checked to be readable before the passphrase is asked for.  Prints
 * one line on failure.
 *
 * Returns the exit code: 0 with *out set (free it with
 * custodian_key_free), or 1 with *out NULL.
 * Secrets: the passphrase is wiped before returning; *out holds keys.
 */
int cmd_key_load(const char *verb, const char *path, const char *pfile,
    struct custodian_key **out);

/* Talking to the service (cmd_net.c). */

/* Long-only options of every verb that talks to the service. */
enum cmd_net_opt {
	CMD_OPT_ADDR = 0x100,
	CMD_OPT_TOKEN,
	CMD_OPT_CA_CERT,
	CMD_OPT_JSON,
};

/* One option per line reads better than clang-format's layout. */
/* clang-format off */
#define CMD_NET_OPTIONS                                                        \
	{ "addr", required_argument, NULL, CMD_OPT_ADDR },                     \
	{ "token", required_argument, NULL, CMD_OPT_TOKEN },                   \
	{ "ca-cert", required_argument, NULL, CMD_OPT_CA_CERT },               \
	{ "json", no_argument, NULL, CMD_OPT_JSON }
/* clang-format on */

/**
 * Print a verb's --help on stdout: `head` (synopsis, description and the
 * verb's own options), then CMD_NET_OPTIONS and --help, then `tail`.
 */
void cmd_net_usage(const char *head, const char *tail);

/* One verb's connection: options as parsed, then the open client. */
struct cmd_net {
	const char *verb; /* for messages: "unseal", "rekey start" */
	struct client_opts opts;
	bool json;
	struct client *c;
};

/**
 * Take one of the CMD_NET_OPTIONS; returns false if `opt` is not one.
 * `arg` is borrowed (from argv).
 */
bool cmd_net_option(struct cmd_net *n, int opt, const char *arg);

/**
 * Open the client; with `need_token`, refuse to go on without a token.
 * Returns the exit code: 0, or 1 with one line printed.
 */
int cmd_net_open(struct cmd_net *n, bool need_token);

/**
 * The whole main of a verb whose only options are CMD_NET_OPTIONS and
 * --help: parse them, print usage (head, tail) on --help, refuse stray
 * arguments, then return run(&n)'s exit code.
 */
int cmd_net_simple(const char *verb, int argc, char **argv, const char *head,
    const char *tail, int (*run)(struct cmd_net *));

/** Close the client.  Accepts a never-opened one. */
void cmd_net_close(struct cmd_net *n);

/**
 * Call the service (see client_call).  A 2xx answer returns 0 with *resp
 * set (NULL for an empty body; the caller json_decref()s it).  Anything
 * else prints one line and returns the exit code with *resp NULL:
 *   2  the service could not be reached ("cannot reach ADDR: REASON") or
 *      answered 503 (sealed, or not initialised);
 *   1  any other status (the server's message, which names the object at
 *      fault), a body that is not JSON, or a local failure.
 */
int cmd_net_call(struct cmd_net *n, const char *method, const char *path,
    const json_t *body, json_t **resp);

/**
 * Print that the service's answer lacks or mangles `what`; returns 1.
 */
int cmd_net_bad_answer(const struct cmd_net *n, const char *what);

/** A string member of `o`, or NULL. */
const char *cmd_json_str(const json_t *o, const char *key);

/** An integer member of `o` in [0, UINT_MAX], or false. */
bool cmd_json_uint(const json_t *o, const char *key, unsigned *out);

/** A boolean member of `o` (absent or not boolean: false). */
bool cmd_json_true(const json_t *o, const char *key);

/* Output of secrets: unbuffered stdout, one whole line at a time. */

/**
 * Print `j` as one line of compact JSON on stdout, serialised in guarded
 * memory, so that a token or share in it never sits in a stdio buffer.
 * Returns 0, or -ENOMEM, -EIO.
 */
ESC_MUST_CHECK int cmd_json_print(const json_t *j);

/**
 * printf into guarded memory (at most 4 KiB) and write the result to
 * stdout in one piece.  Returns 0, or -ENOMEM, -EFBIG, -EIO.
 */
ESC_MUST_CHECK int cmd_secret_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Custodians (cmd_register.c). */

/**
 * Register the custodian whose public line is in each of the `count`
 * `files` ("-" = stdin, at most once), in order, stopping at the first
 * failure.  `names` (a JSON array) receives each name; `answers` (a JSON
 * array, or NULL to print one line per custodian unless n->json) each
 * answer {"name","fingerprint"}.  A file that holds no public line, a name
 * given twice, or an answer whose fingerprint is not the file's is
 * refused.
 *
 * Returns the exit code, as cmd_net_call.
 */
int cmd_register_files(struct cmd_net *n, char *const *files, int count,
    json_t *names, json_t *answers);

/* A custodian's own share (cmd_submit.c). */

/* The sealed share the service holds for one custodian. */
struct cmd_share {
	uint8_t sealed[SEAL_SEALED_BYTES]; /* sealed to the custodian */
	uint8_t commitment[SEAL_HASH_BYTES];
	bool has_commitment; /* false: read from a file (--sealed) */
};

/**
 * GET escrow/custodians/NAME/share (?pending=true with `pending`) into
 * *out.  Returns the exit code, as cmd_net_call.
 */
int cmd_share_fetch(struct cmd_net *n, const char *name, bool pending,
    struct cmd_share *out);

/**
 * Open sh->sealed with `key` into `share`.  Returns the exit code: 0, or 1
 * with one line printed (the share is not sealed to this key) and `share`
 * zeroed.
 * Secrets: `share` is the plaintext share; the caller wipes it.
 */
int cmd_share_open(const char *verb, const struct custodian_key *key,
    const struct cmd_share *sh, uint8_t share[static SEAL_SHARE_BYTES]);

/** Whether `share` matches `commitment` (constant time). */
bool cmd_share_matches(const uint8_t share[static SEAL_SHARE_BYTES],
    const uint8_t commitment[static SEAL_HASH_BYTES]);

/**
 * A custodian's submission to the ceremony of kind `purpose` (UNSEAL,
 * REKEY: a current share; VERIFY: the pending share): fetch the
 * custodian's sealed share and its commitment, open it, refuse it if it
 * does not match ("your share does not match its commitment"), fetch the
 * attempt (escrow/unseal, escrow/rekey or escrow/rekey/verify), seal the
 * share to it and sign.  With `print_only` the submission is printed as
 * JSON on stdout and not sent; otherwise it is PUT and *result receives
 * the service's answer ({"progress","threshold","complete","sealed"}).
 *
 * Returns the exit code, as cmd_net_call; a refusal prints the service's
 * message (which names the custodian and the reason) and returns 1.
 * Secrets: the plaintext share lives on the stack and is wiped; it never
 * leaves the process unsealed.
 */
int cmd_submit(struct cmd_net *n, const struct custodian_key *key,
    enum custodian_purpose purpose, bool print_only, json_t **result);

/* Zones, the service's transit keys (cmd_zone.c). */

/* "VERB: zone 'NAME'": what a zone verb's messages start with. */
#define CMD_ZONE_LABEL_MAX 128

/**
 * Check that `name` is a zone name as the service accepts it (see
 * store_zone_name_valid), so that it can go into a path as it is; if not,
 * print one line for `verb` and return false.
 */
bool cmd_zone_name_ok(const char *verb, const char *name);

/**
 * Write "VERB: zone 'NAME'" into `label` (at most CMD_ZONE_LABEL_MAX
 * bytes with the NUL), to serve as a cmd_net's verb, so that every line
 * the call prints names the zone.  `name` must have passed
 * cmd_zone_name_ok.
 */
void cmd_zone_label(char label[static CMD_ZONE_LABEL_MAX], const char *verb,
    const char *name);

/* Key info for people (cmd_zone_show.c); `data` is transit/keys/NAME's. */

/**
 * Print the zone's name, type, version limits, deletion_allowed and
 * auto_rotate_period on stdout, one "Label  value" line each.
 */
void cmd_zone_print_config(const json_t *data);

/**
 * Print a table on stdout: a header, then one row per key version in
 * data.versions, oldest first: version, state, created (UTC), encryptions,
 * decryptions, rewraps, last use (UTC, or "never").
 */
void cmd_zone_print_versions(const json_t *data);

#endif /* ESCROW_CMD_H */
