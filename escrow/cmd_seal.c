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
	return cmd_net_simple(VERB, argc, argv, usage_head, usage_tail, seal);
}
