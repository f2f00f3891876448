/* SPDX-License-Identifier: ISC */
/*
 * escrowctl: the command-line client of escrow.  main() only sets up
 * libsodium, libcurl, jansson and the process, then dispatches through one
 * table of verbs; each verb lives in its own cmd_<verb>.c.  stdout is
 * unbuffered from the start, so that a token or share printed by a verb
 * never lingers in a stdio buffer.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/client.h"
#include "escrow/cmd.h"

#define ESCROW_VERSION "0.1.0"

static const struct cmd_verb verbs[] = {
	{ "status", cmd_status_main, "show whether the service is sealed" },
	{ "init", cmd_init_main,
	    "register the custodians and initialise the service" },
	{ "unseal", cmd_unseal_main,
	    "submit your share to unseal the service" },
	{ "seal", cmd_seal_main, "seal the service (wipes its keys)" },
	{ "token", cmd_token_main, "create a token" },
	{ "rekey", cmd_rekey_main,
	    "replace the shares: start, submit, verify, cancel" },
	{ "custodian", cmd_custodian_main,
	    "custodian keys, registration and your own share" },
	{ "shamir", cmd_shamir_main,
	    "split a secret into Vault-format shares, or combine them" },
	{ "zone", cmd_zone_main,
	    "database zones (transit keys): create, list, show, rotate, ..." },
	{ "encrypt", cmd_encrypt_main, "encrypt stdin with a zone's key" },
	{ "decrypt", cmd_decrypt_main,
	    "decrypt a ciphertext from stdin with a zone's key" },
};

static void
usage(FILE *f)
{
	fputs("usage: escrowctl [--help] [--version] VERB [ARGS...]\n"
	      "\n"
	      "The command-line client of escrow, a split-custody key escrow\n"
	      "and rotation service.  Verbs:\n\n",
	    f);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n'escrowctl VERB --help' describes a verb.\n"
	      "Exit status: 0 success; 1 failure; 2 service sealed or "
	      "unreachable.\n",
	    f);
}

static int
dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("escrowctl " ESCROW_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].main(argc - 1, argv + 1);
	fprintf(stderr, "escrowctl: unknown verb '%s' (see --help)\n", argv[1]);
	return 1;
}

int
main(int argc, char **argv)
{
	int ret;

	if (sodium_init() < 0) {
		fputs("escrowctl: libsodium failed to initialise\n", stderr);
		return 1;
	}
	/* The CLI handles shares and keys: never leave them in a core. */
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	setvbuf(stdout, NULL, _IONBF, 0);
	if (client_global_init() != 0) {
		fputs("escrowctl: libcurl failed to initialise\n", stderr);
		return 1;
	}
	ret = dispatch(argc, argv);
	client_global_cleanup();
	return ret;
}
