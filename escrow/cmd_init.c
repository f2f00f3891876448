/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl init -t THRESHOLD PUBFILE...`: set up custody in one step.
 * Each custodian's public line is registered (idempotent on the service),
 * then sys/init splits the master key THRESHOLD-of-N, one share sealed to
 * each custodian in the order the files are given.  No share ever reaches
 * this process: each custodian fetches and opens its own.  The root token
 * comes back once; it is printed once, from guarded memory, with a
 * warning, and the service keeps only its hash.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define VERB "init"

static const char usage_head[] =
    "usage: escrowctl init -t THRESHOLD [--json] [--addr URL]\n"
    "           [--ca-cert FILE] PUBFILE...\n"
    "\n"
    "Register the custodians whose public lines are in the PUBFILEs ('-'\n"
    "for stdin), then initialise the service: the master key is split so\n"
    "that any THRESHOLD of the custodians can unseal, and each share is\n"
    "sealed to its custodian's key.  Prints the root token, once.\n"
    "\n"
    "  -t, --threshold THRESHOLD       shares needed to unseal (2..N, N =\n"
    "                                  the number of PUBFILEs)\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is unreachable; 1 on any\n"
    "other error (one line on stderr).\n";

static int
print_human(const json_t *resp, const json_t *names, unsigned t)
{
	const char *token = cmd_json_str(resp, "root_token");
	const json_t *v;
	size_t i;

	printf("Initialised: any %u of these %zu custodians can unseal:\n  ", t,
	    json_array_size(names));
	json_array_foreach(names, i, v)
	{
		printf("%s%s", i > 0 ? ", " : "", json_string_value(v));
	}
	printf("\nThe service is sealed.  Each custodian checks and submits "
	       "their share with\n"
	       "  escrowctl custodian verify-share --key KEYFILE\n"
	       "  escrowctl unseal --key KEYFILE\n\n");
	if (cmd_secret_printf("Root token: %s\n", token) != 0)
		return -EIO;
	printf("\nStore the root token safely now: it is shown only this "
	       "once, and the\nservice keeps only its hash.\n");
	return fflush(stdout) == 0 ? 0 : -EIO;
}

/* Refuse before registering anything: after init that needs a token. */
static int
not_yet(struct cmd_net *n)
{
	json_t *st = NULL;
	int ret;

	if ((ret = cmd_net_call(n, "GET", "sys/init", NULL, &st)) != 0)
		return ret;
	if (!json_is_boolean(json_object_get(st, "initialized")))
		ret = cmd_net_bad_answer(n, "no 'initialized' in sys/init");
	else if (cmd_json_true(st, "initialized")) {
		cmd_errorf(VERB, "the service is already initialized");
		ret = 1;
	}
	json_decref(st);
	return ret;
}

static int
init(struct cmd_net *n, unsigned t, char *const *files, int count)
{
	json_t *names = json_array(), *answers = json_array();
	json_t *body = NULL, *resp = NULL;
	int ret, rc;

	if ((ret = cmd_net_open(n, false)) != 0 || (ret = not_yet(n)) != 0)
		goto out;
	/* With answers collected, registration prints nothing itself. */
	if ((ret = cmd_register_files(n, files, count, names,
	         n->json ? answers : NULL)) != 0)
		goto out;
	body = json_pack("{s:i, s:i, s:O}", "secret_shares", count,
	    "secret_threshold", (int)t, "custodians", names);
	if (body == NULL) {
		cmd_errorf(VERB, "out of memory");
		ret = 1;
		goto out;
	}
	if ((ret = cmd_net_call(n, "PUT", "sys/init", body, &resp)) != 0)
		goto out;
	if (cmd_json_str(resp, "root_token") == NULL) {
		ret = cmd_net_bad_answer(n, "no 'root_token'");
		goto out;
	}
	rc = n->json ? cmd_json_print(resp) : print_human(resp, names, t);
	if (rc != 0) {
		/* The token may be lost: say so, it cannot be shown again. */
		cmd_errorf(VERB,
		    "initialised, but writing the root token failed: %s",
		    err_str(rc));
		ret = 1;
	}
out:
	json_decref(resp); /* jansson's allocator wipes the token */
	json_decref(body);
	json_decref(answers);
	json_decref(names);
	cmd_net_close(n);
	return ret;
}

int
cmd_init_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = VERB };
	unsigned t = 0;
	int c, count;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(VERB, argc, argv, ":t:h", opts)) != -1) {
		if (cmd_net_option(&n, c, optarg))
			continue;
		switch (c) {
		case 't':
			if (!cmd_parse_uint(optarg, 2, SEAL_SHARES_MAX, &t)) {
				cmd_errorf(VERB, "-t must be 2..%d, not '%s'",
				    SEAL_SHARES_MAX, optarg);
				return 1;
			}
			break;
		case 'h':
			cmd_net_usage(usage_head, usage_tail);
			return 0;
		default:
			return 1;
		}
	}
	count = argc - optind;
	if (t == 0) {
		cmd_errorf(VERB, "-t THRESHOLD is required (see --help)");
		return 1;
	}
	if (count < (int)t || count > SEAL_SHARES_MAX) {
		cmd_errorf(VERB,
		    "need from THRESHOLD (%u) to %d PUBFILEs, one per "
		    "custodian; got %d",
		    t, SEAL_SHARES_MAX, count);
		return 1;
	}
	return init(&n, t, argv + optind, count);
}
