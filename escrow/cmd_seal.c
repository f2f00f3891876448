/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl seal`: seal the service, which wipes its master key and
 * keyring from memory and drops every attempt; unsealing again takes a
 * quorum of custodians.  Needs a root or operator token.
 */
#include "escrow/cmd.h"

#include <getopt.h>
#include <stdio.h>

#define VERB "seal"

static const char usage_head[] =
    "usage: escrowctl seal [--json] [--addr URL] [--token TOKEN]\n"
    "           [--ca-cert FILE]\n"
    "\n"
    "Seal the service: it wipes its keys from memory and serves nothing\n"
    "but its status until a quorum of custodians unseals it again.\n"
    "Needs a root or operator token.\n"
    "\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is already sealed or\n"
    "unreachable; 1 on any other error (one line on stderr).\n";

static int
seal(struct cmd_net *n)
{
	json_t *resp = NULL;
	int ret;

	if ((ret = cmd_net_open(n, true)) != 0 ||
	    (ret = cmd_net_call(n, "PUT", "sys/seal", NULL, &resp)) != 0)
		goto out;
	if (n->json) {
		json_t *o = json_pack("{s:b}", "sealed", 1);

		ret = o != NULL && cmd_json_print(o) == 0 ? 0 : 1;
		json_decref(o);
	} else
		printf("sealed\n");
out:
	json_decref(resp);
	cmd_net_close(n);
	return ret;
}

int
cmd_seal_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = VERB };
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(VERB, argc, argv, ":h", opts)) != -1) {
		if (cmd_net_option(&n, c, optarg))
			continue;
		if (c == 'h') {
			cmd_net_usage(usage_head, usage_tail);
			return 0;
		}
		return 1;
	}
	if (optind < argc) {
		cmd_errorf(VERB, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return seal(&n);
}
