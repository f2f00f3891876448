/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl token create`: ask the service for a new token with the
 * given policies and lifetime.  The token comes back once and is printed
 * once, from guarded memory; the service keeps only its hash, and its
 * accessor is what to name it by afterwards.  Needs a root or operator
 * token, which may only grant policies it holds itself.
 */
#include "escrow/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define VERB         "token create"
#define POLICIES_MAX 16 /* the service's limit too */

static const char usage_head[] =
    "usage: escrowctl token create --policy POLICY [--policy POLICY...]\n"
    "           [--ttl TTL] [--json] [--addr URL] [--token TOKEN]\n"
    "           [--ca-cert FILE]\n"
    "\n"
    "Create a token holding the POLICYs (root, operator, auditor, ...)\n"
    "and print it, once, with its accessor.  Needs a root or operator\n"
    "token, which may only grant policies it holds itself.\n"
    "\n"
    "  -P, --policy POLICY             a policy of the new token; repeat\n"
    "                                  for more (at most 16)\n"
    "  -T, --ttl TTL                   lifetime: seconds, or digits with s,\n"
    "                                  m, h or d (default: no expiry)\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is sealed or\n"
    "unreachable; 1 on any other error (one line on stderr).\n";

static int
print_human(const json_t *auth)
{
	const json_t *pol = json_object_get(auth, "policies"), *v;
	unsigned ttl = 0;
	size_t i;

	if (cmd_secret_printf("Token:     %s\n",
	        cmd_json_str(auth, "client_token")) != 0)
		return 1;
	printf("Accessor:  %s\nPolicies:  ",
	    cmd_json_str(auth, "accessor") != NULL
	        ? cmd_json_str(auth, "accessor")
	        : "?");
	json_array_foreach(pol, i, v)
	{
		printf("%s%s", i > 0 ? ", " : "", json_string_value(v));
	}
	if (cmd_json_uint(auth, "lease_duration", &ttl) && ttl > 0)
		printf("\nTTL:       %u s\n", ttl);
	else
		printf("\nTTL:       none (never expires)\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
create(struct cmd_net *n, json_t *policies, const char *ttl)
{
	json_t *body, *resp = NULL, *auth;
	int ret;

	body = json_pack("{s:O}", "policies", policies);
	if (body != NULL && ttl != NULL)
		json_object_set_new(body, "ttl", json_string(ttl));
	if (body == NULL) {
		cmd_errorf(VERB, "out of memory");
		return 1;
	}
	if ((ret = cmd_net_open(n, true)) != 0 ||
	    (ret = cmd_net_call(n, "PUT", "auth/token/create", body, &resp)) !=
	        0)
		goto out;
	auth = json_object_get(resp, "auth");
	if (cmd_json_str(auth, "client_token") == NULL) {
		ret = cmd_net_bad_answer(n, "no 'auth.client_token'");
		goto out;
	}
	if (n->json)
		ret = cmd_json_print(resp) == 0 ? 0 : 1;
	else
		ret = print_human(auth);
	if (ret != 0)
		cmd_errorf(VERB, "writing the token failed");
out:
	json_decref(resp); /* jansson's allocator wipes the token */
	json_decref(body);
	cmd_net_close(n);
	return ret;
}

static int
create_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "ttl", required_argument, NULL, 'T' },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = VERB };
	json_t *policies = json_array();
	const char *ttl = NULL;
	int c, ret = 1;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(VERB, argc, argv, ":P:T:h", opts)) != -1) {
		if (cmd_net_option(&n, c, optarg))
			continue;
		switch (c) {
		case 'P':
			if (json_array_size(policies) == POLICIES_MAX) {
				cmd_errorf(VERB, "at most %d policies",
				    POLICIES_MAX);
				goto out;
			}
			json_array_append_new(policies, json_string(optarg));
			break;
		case 'T':
			ttl = optarg;
			break;
		case 'h':
			cmd_net_usage(usage_head, usage_tail);
			ret = 0;
			goto out;
		default:
			goto out;
		}
	}
	if (optind < argc)
		cmd_errorf(VERB, "unexpected argument '%s'", argv[optind]);
	else if (json_array_size(policies) == 0)
		cmd_errorf(VERB, "--policy is required (see --help)");
	else
		ret = create(&n, policies, ttl);
out:
	json_decref(policies);
	return ret;
}

int
cmd_token_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return create_main(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cmd_net_usage(usage_head, usage_tail);
		return 0;
	}
	if (argc < 2)
		cmd_errorf("token", "missing verb: create (see --help)");
	else
		cmd_errorf("token", "unknown verb '%s' (see --help)", argv[1]);
	return 1;
}
