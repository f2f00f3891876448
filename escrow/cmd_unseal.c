/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl unseal --key KEYFILE`: one custodian's part in unsealing.
 * The service's state is read first, so that nobody types a passphrase
 * for a service that is already unsealed or cannot be reached; then the
 * key file is opened and the share submitted end to end encrypted
 * (cmd_submit).  `--print-submission` prints the signed submission
 * instead of sending it, for custodians who carry it to the service by
 * other means, and for tests that replay or tamper with it.
 */
#include "escrow/cmd.h"

#include <getopt.h>
#include <stdio.h>

#define VERB "unseal"

static const char usage_head[] =
    "usage: escrowctl unseal --key KEYFILE [--passphrase-file FILE]\n"
    "           [--print-submission] [--json] [--addr URL] [--ca-cert FILE]\n"
    "\n"
    "Submit your share to the unseal attempt in progress.  Your sealed\n"
    "share is fetched from the service and opened with KEYFILE, checked\n"
    "against its commitment, sealed to the attempt's key and signed; the\n"
    "plaintext share never leaves this process.  Prints the progress.\n"
    "\n"
    "  -K, --key KEYFILE               your custodian key file\n"
    "  -p, --passphrase-file FILE      take the passphrase from the first\n"
    "                                  line of FILE (mode 0600) instead of\n"
    "                                  asking on the terminal\n"
    "      --print-submission          print the signed submission as JSON\n"
    "                                  instead of sending it\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success (also when already unsealed); 2 if the\n"
    "service is unreachable; 1 on any other error, a refused share\n"
    "included (one line on stderr, naming the reason).\n";

enum { OPT_PRINT = 0x200 };

/* Sealed and initialised: go on (0); otherwise say why and stop. */
static int
precheck(struct cmd_net *n, bool print_only, bool *done)
{
	json_t *st = NULL;
	int ret;

	*done = false;
	if ((ret = cmd_net_call(n, "GET", "sys/seal-status", NULL, &st)) != 0)
		return ret;
	if (!cmd_json_true(st, "initialized")) {
		cmd_errorf(VERB,
		    "the service is not initialised (see 'escrowctl init')");
		ret = 1;
	} else if (!cmd_json_true(st, "sealed")) {
		*done = true;
		if (print_only) {
			cmd_errorf(VERB, "already unsealed: nothing to submit");
			ret = 1;
		} else if (n->json)
			ret = cmd_json_print(st) == 0 ? 0 : 1;
		else
			printf("already unsealed\n");
	}
	json_decref(st);
	return ret;
}

static void
print_progress(const json_t *r)
{
	unsigned progress = 0, threshold = 0;
	bool complete = cmd_json_true(r, "complete");

	(void)cmd_json_uint(r, "progress", &progress);
	(void)cmd_json_uint(r, "threshold", &threshold);
	if (complete)
		progress = threshold; /* the attempt is over and wiped */
	printf("%u/%u shares; %s\n", progress, threshold,
	    cmd_json_true(r, "sealed") ? "still sealed" : "unsealed");
}

static int
unseal(struct cmd_net *n, const char *keyfile, const char *pfile,
    bool print_only)
{
	struct custodian_key *key = NULL;
	json_t *result = NULL;
	bool done;
	int ret;

	if ((ret = cmd_key_readable(VERB, keyfile)) != 0 ||
	    (ret = cmd_net_open(n, false)) != 0 ||
	    (ret = precheck(n, print_only, &done)) != 0 || done)
		goto out;
	if ((ret = cmd_key_load(VERB, keyfile, pfile, &key)) != 0)
		goto out;
	ret = cmd_submit(n, key, CUSTODIAN_PURPOSE_UNSEAL, print_only, &result);
	if (ret != 0 || print_only)
		goto out;
	if (n->json)
		ret = cmd_json_print(result) == 0 ? 0 : 1;
	else
		print_progress(result);
out:
	json_decref(result);
	custodian_key_free(key);
	cmd_net_close(n);
	return ret;
}

int
cmd_unseal_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "print-submission", no_argument, NULL, OPT_PRINT },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = VERB };
	const char *keyfile = NULL, *pfile = NULL;
	bool print_only = false;
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(VERB, argc, argv, ":K:p:h", opts)) != -1) {
		if (cmd_net_option(&n, c, optarg))
			continue;
		switch (c) {
		case 'K':
			keyfile = optarg;
			break;
		case 'p':
			pfile = optarg;
			break;
		case OPT_PRINT:
			print_only = true;
			break;
		case 'h':
			cmd_net_usage(usage_head, usage_tail);
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc) {
		cmd_errorf(VERB, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	if (keyfile == NULL) {
		cmd_errorf(VERB, "--key is required (see --help)");
		return 1;
	}
	return unseal(&n, keyfile, pfile, print_only);
}
