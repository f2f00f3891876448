/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl custodian VERB`: a custodian's side of escrow, run on the
 * custodian's own machine.  `keygen` creates the identity and its
 * passphrase-protected key file and prints the public line to register;
 * `pub` prints that line again from the key file.  The verbs that talk to
 * the service (register, list) and those that open the custodian's own
 * share (show-share, verify-share) live in cmd_register.c and
 * cmd_share.c; all sit in one small table here, each with its own options
 * and --help.  Passphrases are read by cmd_passphrase_read into guarded
 * memory; the key file's format and every cryptographic step belong to
 * custodian.c.
 */
#include "escrow/cmd.h"
/* cmd.h comes first and alone: it must compile on its own. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/custodian.h"

#define PROMPT_MAX 512 /* "Passphrase for PATH: " */

static int keygen_main(int argc, char **argv);
static int pub_main(int argc, char **argv);

static const struct cmd_verb verbs[] = {
	{ "keygen", keygen_main,
	    "create a key file and print its public line" },
	{ "pub", pub_main, "print the public line of an existing key file" },
	{ "register", cmd_custodian_register_main,
	    "register public lines with the service" },
	{ "list", cmd_custodian_list_main,
	    "list the custodians the service knows" },
	{ "show-share", cmd_custodian_show_share_main,
	    "decrypt your own sealed share and describe it" },
	{ "verify-share", cmd_custodian_verify_share_main,
	    "check your share against its commitment" },
};

/* Argon2id costs for --kdf; "interactive" keeps tests and dev mode fast. */
static const struct kdf_cost {
	const char *name;
	unsigned long long opslimit;
	size_t memlimit;
} kdf_costs[] = {
	{ "interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE },
	{ "moderate", crypto_pwhash_OPSLIMIT_MODERATE,
	    crypto_pwhash_MEMLIMIT_MODERATE },
	{ "sensitive", crypto_pwhash_OPSLIMIT_SENSITIVE,
	    crypto_pwhash_MEMLIMIT_SENSITIVE },
};
#define KDF_DEFAULT (&kdf_costs[1])

static const char keygen_usage[] =
    "usage: escrowctl custodian keygen --name NAME --out FILE\n"
    "           [--passphrase-file FILE] [--kdf COST]\n"
    "\n"
    "Create a custodian identity (an X25519 key to receive sealed shares\n"
    "and an Ed25519 key to sign submissions) and write it to FILE, a new\n"
    "file of mode 0600, encrypted under a passphrase.  An existing FILE is\n"
    "never overwritten.  Prints the public line, to register with escrow,\n"
    "on stdout, and its fingerprint, to compare out of band, on stderr.\n"
    "\n"
    "  -n, --name NAME             1 to 32 of a-z 0-9 . _ -, starting with\n"
    "                              a letter or a digit\n"
    "  -o, --out FILE              the key file to create\n"
    "  -p, --passphrase-file FILE  take the passphrase from the first line\n"
    "                              of FILE (mode 0600 or stricter) instead\n"
    "                              of asking twice on the terminal\n"
    "  -k, --kdf COST              Argon2id cost: interactive (64 MiB),\n"
    "                              moderate (256 MiB, the default) or\n"
    "                              sensitive (1 GiB)\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0 on success, 1 on any error (one line on stderr).\n";

static const char pub_usage[] =
    "usage: escrowctl custodian pub --key FILE [--passphrase-file FILE]\n"
    "\n"
    "Print the public line of the key file FILE on stdout, and its\n"
    "fingerprint on stderr.  The file is decrypted, which proves that the\n"
    "passphrase still opens it.\n"
    "\n"
    "  -K, --key FILE              the key file\n"
    "  -p, --passphrase-file FILE  take the passphrase from the first line\n"
    "                              of FILE (mode 0600 or stricter) instead\n"
    "                              of asking on the terminal\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0 on success, 1 on any error (one line on stderr).\n";

static void
usage(FILE *f)
{
	fputs("usage: escrowctl custodian VERB [OPTIONS]\n"
	      "\n"
	      "A custodian's identity: an X25519 key to receive sealed shares\n"
	      "and an Ed25519 key to sign submissions, kept in a key file\n"
	      "encrypted under a passphrase.  Verbs:\n\n",
	    f);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n'escrowctl custodian VERB --help' describes a verb.\n"
	      "Exit status: 0 on success, 1 on any error (one line on "
	      "stderr),\n2 when the service is unreachable.\n",
	    f);
}

/* The public line on stdout, the fingerprint on stderr. */
static int
print_pub(const char *verb, const struct custodian_pub *pub)
{
	char line[CUSTODIAN_LINE_MAX + 1], fpr[CUSTODIAN_FPR_CHARS + 1];
	int rc;

	if ((rc = custodian_pub_format(pub, line, sizeof(line))) != 0) {
		cmd_errorf(verb, "formatting the public line: %s", err_str(rc));
		return 1;
	}
	custodian_pub_fingerprint(pub, fpr);
	if (printf("%s\n", line) < 0 || fflush(stdout) != 0) {
		cmd_errorf(verb, "writing stdout: %s", strerror(errno));
		return 1;
	}
	fprintf(stderr, "fingerprint: %s\n", fpr);
	return 0;
}

static const struct kdf_cost *
kdf_cost_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kdf_costs) / sizeof(kdf_costs[0]); i++)
		if (strcmp(name, kdf_costs[i].name) == 0)
			return &kdf_costs[i];
	return NULL;
}

static int
keygen(const char *name, const char *path, const char *pfile,
    const struct kdf_cost *cost)
{
	struct custodian_key *key = NULL;
	char prompt[PROMPT_MAX], *pw = NULL;
	size_t pwlen = 0;
	int rc, ret = 1;

	snprintf(prompt, sizeof(prompt),
	    "Passphrase for the new key %s: ", path);
	if ((rc = cmd_passphrase_read(prompt, true, pfile, &pw, &pwlen)) != 0) {
		cmd_passphrase_error("custodian keygen", pfile, rc);
		goto out;
	}
	if ((rc = custodian_key_generate(&key, name)) != 0) {
		cmd_errorf("custodian keygen", "%s", err_str(rc));
		goto out;
	}
	rc = custodian_key_save(key, path, pw, pwlen, cost->opslimit,
	    cost->memlimit);
	if (rc == -EEXIST) {
		cmd_errorf("custodian keygen",
		    "'%s' already exists; refusing to overwrite it", path);
		goto out;
	}
	if (rc != 0) {
		cmd_errorf("custodian keygen", "writing '%s': %s", path,
		    err_str(rc));
		goto out;
	}
	ret = print_pub("custodian keygen", custodian_key_pub(key));
out:
	custodian_key_free(key);
	sodium_free(pw); /* wipes */
	return ret;
}

/* The checks that need no passphrase, so that they come before it. */
static bool
keygen_args_ok(const char *name, const char *out)
{
	struct stat st;

	if (name == NULL || out == NULL) {
		cmd_errorf("custodian keygen",
		    "--name and --out are required (see --help)");
		return false;
	}
	if (!custodian_name_valid(name)) {
		cmd_errorf("custodian keygen",
		    "invalid name '%s': 1 to %d of a-z 0-9 . _ -, starting "
		    "with a letter or a digit",
		    name, CUSTODIAN_NAME_MAX);
		return false;
	}
	/* Refuse early, before asking for a passphrase; O_EXCL decides. */
	if (lstat(out, &st) == 0) {
		cmd_errorf("custodian keygen",
		    "'%s' already exists; refusing to overwrite it", out);
		return false;
	}
	return true;
}

static int
keygen_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "kdf", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *out = NULL, *pfile = NULL;
	const struct kdf_cost *cost = KDF_DEFAULT;
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt("custodian keygen", argc, argv, ":n:o:p:k:h",
	            opts)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			pfile = optarg;
			break;
		case 'k':
			if ((cost = kdf_cost_find(optarg)) == NULL) {
				cmd_errorf("custodian keygen",
				    "--kdf must be interactive, moderate or "
				    "sensitive, not '%s'",
				    optarg);
				return 1;
			}
			break;
		case 'h':
			fputs(keygen_usage, stdout);
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc) {
		cmd_errorf("custodian keygen", "unexpected argument '%s'",
		    argv[optind]);
		return 1;
	}
	if (!keygen_args_ok(name, out))
		return 1;
	return keygen(name, out, pfile, cost);
}

static int
pub(const char *path, const char *pfile)
{
	struct custodian_key *key = NULL;
	int ret;

	if ((ret = cmd_key_load("custodian pub", path, pfile, &key)) == 0)
		ret = print_pub("custodian pub", custodian_key_pub(key));
	custodian_key_free(key);
	return ret;
}

static int
pub_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *pfile = NULL;
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt("custodian pub", argc, argv, ":K:p:h", opts)) !=
	    -1) {
		switch (c) {
		case 'K':
			path = optarg;
			break;
		case 'p':
			pfile = optarg;
			break;
		case 'h':
			fputs(pub_usage, stdout);
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc) {
		cmd_errorf("custodian pub", "unexpected argument '%s'",
		    argv[optind]);
		return 1;
	}
	if (path == NULL) {
		cmd_errorf("custodian pub", "--key is required (see --help)");
		return 1;
	}
	return pub(path, pfile);
}

int
cmd_custodian_main(int argc, char **argv)
{
	return cmd_dispatch("custodian", verbs,
	    sizeof(verbs) / sizeof(verbs[0]), argc, argv, usage);
}
