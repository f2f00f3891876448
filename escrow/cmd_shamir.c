/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl shamir split|combine`: Shamir splitting and recombination on
 * the command line, in HashiCorp Vault's share format, so that operators
 * can move shares between the two and check them with independent tools.
 * Secrets and shares are read from stdin into guarded memory and written
 * to an unbuffered stdout one whole line at a time.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shamir/shamir.h"

#define SECRET_MAX     1024 /* bytes; the master key is 32 */
#define SHARE_MAX      (SECRET_MAX + SHAMIR_OVERHEAD)
#define LINE_MAX_CHARS (2 * SHARE_MAX + 1) /* hex and its NUL */

_Static_assert(LINE_MAX_CHARS >=
        sodium_base64_ENCODED_LEN(SHARE_MAX, sodium_base64_VARIANT_ORIGINAL),
    "a share's base64 line is no longer than its hex line");

static const char usage_text[] =
    "usage: escrowctl shamir split -k K -n N [--base64]\n"
    "       escrowctl shamir combine [--base64]\n"
    "\n"
    "Split a secret into N shares, any K of which recover it, or combine\n"
    "shares back into the secret.  Shares use HashiCorp Vault's format: the\n"
    "y bytes followed by one x byte, GF(2^8) with the AES polynomial.\n"
    "\n"
    "split    reads the secret (1 to 1024 bytes) as one hex string on stdin\n"
    "         and prints one share per line.\n"
    "combine  reads one share per line on stdin and prints the secret.\n"
    "         Shares carry no integrity: fewer shares than the threshold,\n"
    "         or a wrong share, give a wrong secret, not an error.\n"
    "\n"
    "  -k, --threshold K  shares needed to recover (2..N)\n"
    "  -n, --shares N     shares to make (K..255)\n"
    "  -b, --base64       standard base64 instead of hex, in and out\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 on success, 1 on any error (one line on stderr).\n";

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Decode one trimmed token into out (at most max bytes).  Returns the
 * decoded length, or -1 if the token is not valid in the chosen encoding
 * or does not fit.
 */
static long
decode(uint8_t *out, size_t max, const char *tok, size_t toklen, bool b64)
{
	const char *end = NULL;
	size_t n = 0;
	int rc;

	if (toklen == 0)
		return -1;
	if (b64)
		rc = sodium_base642bin(out, max, tok, toklen, NULL, &n, &end,
		    sodium_base64_VARIANT_ORIGINAL);
	else
		rc = sodium_hex2bin(out, max, tok, toklen, NULL, &n, &end);
	if (rc != 0 || end != tok + toklen)
		return -1;
	return (long)n;
}

/* Write bin as one hex or base64 line, assembled in guarded memory. */
static int
print_line(const uint8_t *bin, size_t len, bool b64)
{
	char *line;
	size_t cap = LINE_MAX_CHARS + 2, n;
	int rc = 0;

	if ((line = sodium_malloc(cap)) == NULL)
		return -ENOMEM;
	if (b64)
		sodium_bin2base64(line, cap, bin, len,
		    sodium_base64_VARIANT_ORIGINAL);
	else
		sodium_bin2hex(line, cap, bin, len);
	n = strlen(line);
	line[n++] = '\n';
	if (fwrite(line, 1, n, stdout) != n)
		rc = -EIO;
	sodium_free(line);
	return rc;
}

/* Returns the next non-empty trimmed line of *p, or NULL at the end. */
static const char *
next_line(char **p, size_t *len, unsigned *lineno)
{
	while (**p != '\0') {
		char *s = *p, *e = strchr(s, '\n');

		if (e == NULL)
			e = s + strlen(s);
		*p = *e == '\n' ? e + 1 : e;
		(*lineno)++;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if (e > s) {
			*len = (size_t)(e - s);
			return s;
		}
	}
	return NULL;
}

static int
split(unsigned k, unsigned n, bool b64)
{
	char *in = NULL, *p;
	uint8_t *secret = NULL, *shares = NULL;
	const char *tok;
	size_t inlen, toklen;
	unsigned lineno = 0;
	long len;
	int rc, ret = 1;

	if ((rc = cmd_input_read(stdin, CMD_INPUT_MAX, &in, &inlen)) != 0) {
		cmd_errorf("shamir split", "reading stdin: %s", err_str(rc));
		goto out;
	}
	p = in;
	if ((tok = next_line(&p, &toklen, &lineno)) == NULL) {
		cmd_errorf("shamir split", "no secret on stdin");
		goto out;
	}
	if (next_line(&p, &(size_t){ 0 }, &lineno) != NULL) {
		cmd_errorf("shamir split",
		    "expected one secret on stdin, found more on line %u",
		    lineno);
		goto out;
	}
	secret = sodium_malloc(SECRET_MAX);
	shares = sodium_allocarray(n, SHARE_MAX);
	if (secret == NULL || shares == NULL) {
		cmd_errorf("shamir split", "out of memory");
		goto out;
	}
	if ((len = decode(secret, SECRET_MAX, tok, toklen, b64)) <= 0) {
		cmd_errorf("shamir split",
		    "secret is not valid %s of 1 to %d bytes",
		    b64 ? "base64" : "hex", SECRET_MAX);
		goto out;
	}
	if ((rc = shamir_split(shares, secret, (size_t)len, k, n)) != 0) {
		cmd_errorf("shamir split", "%s", err_str(rc));
		goto out;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	for (unsigned i = 0; i < n; i++) {
		size_t slen = (size_t)len + SHAMIR_OVERHEAD;

		if ((rc = print_line(shares + i * slen, slen, b64)) != 0) {
			cmd_errorf("shamir split", "writing: %s", err_str(rc));
			goto out;
		}
	}
	ret = 0;
out:
	sodium_free(shares); /* sodium_free wipes */
	sodium_free(secret);
	sodium_free(in);
	return ret;
}

/*
 * Decode every share line into one contiguous array, checking lengths,
 * x coordinates and duplicates here so that each error can name its line.
 */
static int
parse_shares(char *in, bool b64, uint8_t *shares, unsigned *count,
    size_t *share_len)
{
	unsigned lineno = 0, first_line[SHAMIR_SHARES_MAX + 1] = { 0 };
	const char *tok;
	size_t toklen, slen = 0;
	char *p = in;
	long len;

	*count = 0;
	while ((tok = next_line(&p, &toklen, &lineno)) != NULL) {
		uint8_t *sh = shares + (size_t)*count * SHARE_MAX;
		uint8_t x;

		if (*count == SHAMIR_SHARES_MAX) {
			cmd_errorf("shamir combine",
			    "line %u: more than %d shares", lineno,
			    SHAMIR_SHARES_MAX);
			return -1;
		}
		len = decode(sh, SHARE_MAX, tok, toklen, b64);
		if (len < 2) {
			cmd_errorf("shamir combine",
			    "line %u: not a valid %s share of 2 to %d bytes",
			    lineno, b64 ? "base64" : "hex", SHARE_MAX);
			return -1;
		}
		if (slen != 0 && (size_t)len != slen) {
			cmd_errorf("shamir combine",
			    "line %u: share is %ld bytes, earlier shares are "
			    "%zu",
			    lineno, len, slen);
			return -1;
		}
		slen = (size_t)len;
		x = sh[slen - 1]; /* x is public */
		if (x == 0) {
			cmd_errorf("shamir combine",
			    "line %u: share has x coordinate 0", lineno);
			return -1;
		}
		if (first_line[x] != 0) {
			cmd_errorf("shamir combine",
			    "line %u: duplicate of the share on line %u "
			    "(x = %u)",
			    lineno, first_line[x], x);
			return -1;
		}
		first_line[x] = lineno;
		(*count)++;
	}
	*share_len = slen;
	return 0;
}

static int
combine(bool b64)
{
	char *in = NULL;
	uint8_t *shares = NULL, *packed = NULL, *secret = NULL;
	size_t inlen, slen = 0;
	unsigned count = 0;
	int rc, ret = 1;

	if ((rc = cmd_input_read(stdin, CMD_INPUT_MAX, &in, &inlen)) != 0) {
		cmd_errorf("shamir combine", "reading stdin: %s", err_str(rc));
		goto out;
	}
	shares = sodium_allocarray(SHAMIR_SHARES_MAX, SHARE_MAX);
	packed = sodium_allocarray(SHAMIR_SHARES_MAX, SHARE_MAX);
	secret = sodium_malloc(SHARE_MAX);
	if (shares == NULL || packed == NULL || secret == NULL) {
		cmd_errorf("shamir combine", "out of memory");
		goto out;
	}
	if (parse_shares(in, b64, shares, &count, &slen) != 0)
		goto out;
	if (count < 2) {
		cmd_errorf("shamir combine", "need at least 2 shares, got %u",
		    count);
		goto out;
	}
	for (unsigned i = 0; i < count; i++)
		memcpy(packed + i * slen, shares + i * SHARE_MAX, slen);
	if ((rc = shamir_combine(secret, packed, slen, count)) != 0) {
		cmd_errorf("shamir combine", "%s", err_str(rc));
		goto out;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if ((rc = print_line(secret, slen - SHAMIR_OVERHEAD, b64)) != 0) {
		cmd_errorf("shamir combine", "writing: %s", err_str(rc));
		goto out;
	}
	ret = 0;
out:
	sodium_free(secret);
	sodium_free(packed);
	sodium_free(shares);
	sodium_free(in);
	return ret;
}

/* Parses a decimal count in [lo, hi]; returns false on anything else. */
static bool
parse_count(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

int
cmd_shamir_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 'k' },
		{ "shares", required_argument, NULL, 'n' },
		{ "base64", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned k = 0, n = 0;
	bool b64 = false, is_split;
	const char *verb;
	int c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	verb = argv[1];
	if (strcmp(verb, "split") != 0 && strcmp(verb, "combine") != 0) {
		cmd_errorf("shamir", "unknown verb '%s' (see --help)", verb);
		return 1;
	}
	is_split = strcmp(verb, "split") == 0;
	optind = 0; /* glibc: start a fresh scan of the new argv */
	while (
	    (c = getopt_long(argc - 1, argv + 1, "k:n:bh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (!parse_count(optarg, 2, SHAMIR_SHARES_MAX, &k)) {
				cmd_errorf("shamir", "-k must be 2..%d",
				    SHAMIR_SHARES_MAX);
				return 1;
			}
			break;
		case 'n':
			if (!parse_count(optarg, 2, SHAMIR_SHARES_MAX, &n)) {
				cmd_errorf("shamir", "-n must be 2..%d",
				    SHAMIR_SHARES_MAX);
				return 1;
			}
			break;
		case 'b':
			b64 = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			cmd_errorf("shamir", "bad option (see --help)");
			return 1;
		}
	}
	if (optind + 1 < argc) {
		cmd_errorf("shamir", "unexpected argument '%s'",
		    argv[optind + 1]);
		return 1;
	}
	if (!is_split) {
		if (k != 0 || n != 0) {
			cmd_errorf("shamir combine", "-k and -n are for split");
			return 1;
		}
		return combine(b64);
	}
	if (k == 0 || n == 0) {
		cmd_errorf("shamir split", "-k and -n are required");
		return 1;
	}
	if (k > n) {
		cmd_errorf("shamir split",
		    "threshold -k %u is larger than -n %u", k, n);
		return 1;
	}
	return split(k, n, b64);
}
