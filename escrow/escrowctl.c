/* SPDX-License-Identifier: ISC */
/*
 * escrowctl: the command-line client of escrow.  main() only sets up
 * libsodium and the process, then dispatches through one table of verbs;
 * each verb lives in its own cmd_<verb>.c.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/cmd.h"

#define ESCROW_VERSION "0.1.0"

static const struct cmd_verb {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "custodian", cmd_custodian_main,
	    "create a custodian key file, or print its public line" },
	{ "shamir", cmd_shamir_main,
	    "split a secret into Vault-format shares, or combine them" },
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

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fputs("escrowctl: libsodium failed to initialise\n", stderr);
		return 1;
	}
	/* The CLI handles shares and keys: never leave them in a core. */
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
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
