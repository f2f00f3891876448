/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl rekey VERB`: replacing the shares.  An operator starts a
 * rekey naming the new custodians and threshold; a quorum of holders of
 * CURRENT shares submits them (`submit`); the service then makes a new
 * master key and seals a new share to each new custodian.  With
 * verification required, the new shares stay pending, the old ones valid,
 * until a quorum of the NEW custodians has opened and submitted theirs
 * (`verify`): so no rekey can leave the service with shares nobody can
 * open.  `cancel` needs the rekey's nonce, read from the service first.
 * Every call needs a root or operator token as well as the shares.
 */
#include "escrow/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define NONCE_PATH_MAX 64 /* sys/rekey/init?nonce=HEX */

enum { OPT_VERIFY = 0x200, OPT_PRINT };

static int start_main(int argc, char **argv);
static int status_main(int argc, char **argv);
static int submit_main(int argc, char **argv);
static int cancel_main(int argc, char **argv);

static const struct cmd_verb verbs[] = {
	{ "start", start_main, "start a rekey to new custodians" },
	{ "status", status_main, "show the rekey in progress" },
	{ "submit", submit_main, "submit your CURRENT share to the rekey" },
	{ "verify", submit_main, "submit your NEW share to verify it" },
	{ "cancel", cancel_main, "cancel the rekey in progress" },
};

static const char start_usage_head[] =
    "usage: escrowctl rekey start -t THRESHOLD --custodian NAME...\n"
    "           [--require-verification] [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "Start replacing the shares: a new master key will be split so that\n"
    "any THRESHOLD of the named (registered) custodians can unseal.  A\n"
    "quorum of the current custodians then runs 'escrowctl rekey submit'.\n"
    "\n"
    "  -t, --threshold THRESHOLD       new shares needed to unseal (2..N)\n"
    "  -c, --custodian NAME            a custodian of the new shares, once\n"
    "                                  per share, in share order\n"
    "      --require-verification      keep the old shares until a quorum\n"
    "                                  of the new custodians has verified\n"
    "                                  theirs ('escrowctl rekey verify')\n";

static const char usage_tail[] =
    "\n"
    "Exit status: 0 on success; 2 if the service is sealed or\n"
    "unreachable; 1 on any other error (one line on stderr).\n";

static const char *const start_usage[2] = { start_usage_head, usage_tail };

static const char status_usage_head[] =
    "usage: escrowctl rekey status|cancel [--json] [--addr URL]\n"
    "           [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "status  show the rekey in progress: its nonce, the new threshold,\n"
    "        the current shares submitted, and the verification.\n"
    "cancel  cancel it (the service wants the rekey's nonce, which is\n"
    "        read from it first); the current shares stay in force.\n"
    "\n";

static const char *const status_usage[2] = { status_usage_head, usage_tail };

static const char submit_usage_head[] =
    "usage: escrowctl rekey submit|verify --key KEYFILE\n"
    "           [--passphrase-file FILE] [--print-submission] [--json]\n"
    "           [--addr URL] [--token TOKEN] [--ca-cert FILE]\n"
    "\n"
    "submit  submit your CURRENT share to the rekey in progress.\n"
    "verify  open your NEW (pending) share and submit it, to prove that\n"
    "        the new shares work before they replace the old ones.\n"
    "The share is fetched sealed, opened with KEYFILE, checked against\n"
    "its commitment, sealed to the attempt's key and signed.\n"
    "\n"
    "  -K, --key KEYFILE               your custodian key file\n"
    "  -p, --passphrase-file FILE      the passphrase is the first line of\n"
    "                                  FILE (mode 0600), not asked for\n"
    "      --print-submission          print the signed submission as JSON\n"
    "                                  instead of sending it\n";

static const char *const submit_usage[2] = { submit_usage_head, usage_tail };

static void
usage(FILE *f)
{
	fputs("usage: escrowctl rekey VERB [OPTIONS]\n\nVerbs:\n", f);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n'escrowctl rekey VERB --help' describes a verb.\n"
	      "Every verb needs a root or operator token.\n"
	      "Exit status: 0 on success; 2 if the service is sealed or\n"
	      "unreachable; 1 on any other error (one line on stderr).\n",
	    f);
}

/* Parse the options of a verb; returns -1 after --help, 1 on error. */
static int
parse(struct cmd_net *n, int argc, char **argv, const char *shorts,
    const struct option *opts, const char *const usage[2],
    int (*take)(void *arg, int c, const char *val), void *arg)
{
	int c;

	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(n->verb, argc, argv, shorts, opts)) != -1) {
		if (cmd_net_option(n, c, optarg))
			continue;
		if (c == 'h') {
			cmd_net_usage(usage[0], usage[1]);
			return -1;
		}
		if (c == '?' || take == NULL || take(arg, c, optarg) != 0)
			return 1;
	}
	if (optind < argc) {
		cmd_errorf(n->verb, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return 0;
}

struct start_args {
	unsigned t;
	bool verify;
	json_t *names;
};

static int
start_take(void *arg, int c, const char *val)
{
	struct start_args *a = arg;

	switch (c) {
	case 't':
		if (!cmd_parse_uint(val, 2, SEAL_SHARES_MAX, &a->t)) {
			cmd_errorf("rekey start", "-t must be 2..%d, not '%s'",
			    SEAL_SHARES_MAX, val);
			return 1;
		}
		return 0;
	case 'c':
		if (!custodian_name_valid(val)) {
			cmd_errorf("rekey start",
			    "'%s' is not a custodian name", val);
			return 1;
		}
		return json_array_append_new(a->names, json_string(val));
	case OPT_VERIFY:
		a->verify = true;
		return 0;
	default:
		return 1;
	}
}

static int
start(struct cmd_net *n, const struct start_args *a)
{
	json_t *body, *resp = NULL;
	unsigned required = 0;
	int ret;

	body = json_pack("{s:i, s:i, s:O, s:b}", "secret_shares",
	    (int)json_array_size(a->names), "secret_threshold", (int)a->t,
	    "custodians", a->names, "require_verification", a->verify);
	if (body == NULL) {
		cmd_errorf(n->verb, "out of memory");
		return 1;
	}
	if ((ret = cmd_net_open(n, true)) != 0 ||
	    (ret = cmd_net_call(n, "PUT", "sys/rekey/init", body, &resp)) != 0)
		goto out;
	if (n->json) {
		ret = cmd_json_print(resp) == 0 ? 0 : 1;
		goto out;
	}
	(void)cmd_json_uint(resp, "required", &required);
	printf("Rekey started: any %u of %zu new custodians will unseal%s.\n"
	       "Nonce: %s\n"
	       "Now %u holders of current shares run 'escrowctl rekey "
	       "submit --key KEYFILE'.\n",
	    a->t, json_array_size(a->names), a->verify ? ", once verified" : "",
	    cmd_json_str(resp, "nonce") != NULL ? cmd_json_str(resp, "nonce")
	                                        : "?",
	    required);
out:
	json_decref(resp);
	json_decref(body);
	cmd_net_close(n);
	return ret;
}

static int
start_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "custodian", required_argument, NULL, 'c' },
		{ "require-verification", no_argument, NULL, OPT_VERIFY },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct start_args a = { .names = json_array() };
	struct cmd_net n = { .verb = "rekey start" };
	int ret;

	ret =
	    parse(&n, argc, argv, ":t:c:h", opts, start_usage, start_take, &a);
	if (ret != 0) {
		ret = ret < 0 ? 0 : 1;
	} else if (a.t == 0 || json_array_size(a.names) < a.t) {
		cmd_errorf(n.verb,
		    "need -t THRESHOLD and at least THRESHOLD --custodian "
		    "names (see --help)");
		ret = 1;
	} else
		ret = start(&n, &a);
	json_decref(a.names);
	return ret;
}

/* The verification's own progress, when new shares await it. */
static void
print_verification(struct cmd_net *n)
{
	json_t *v = NULL;
	unsigned t = 0, progress = 0;

	if (cmd_net_call(n, "GET", "sys/rekey/verify", NULL, &v) != 0)
		return;
	(void)cmd_json_uint(v, "t", &t);
	(void)cmd_json_uint(v, "progress", &progress);
	printf("%-20s%u/%u new shares verified\n", "Verification", progress, t);
	json_decref(v);
}

/* The new custodians, when the service names them. */
static void
print_names(const json_t *names)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(names))
		return;
	printf("%-20s", "New custodians");
	json_array_foreach(names, i, v)
	{
		if (json_is_string(v))
			printf("%s%s", i > 0 ? ", " : "", json_string_value(v));
	}
	printf("\n");
}

static void
print_status(struct cmd_net *n, const json_t *st)
{
	unsigned t = 0, nn = 0, progress = 0, required = 0;
	const char *nonce = cmd_json_str(st, "nonce");
	const char *vnonce = cmd_json_str(st, "verification_nonce");

	(void)cmd_json_uint(st, "t", &t);
	(void)cmd_json_uint(st, "n", &nn);
	(void)cmd_json_uint(st, "progress", &progress);
	(void)cmd_json_uint(st, "required", &required);
	printf("%-20s%s\n", "Started",
	    cmd_json_true(st, "started") ? "true" : "false");
	if (nonce != NULL && *nonce != '\0') {
		printf("%-20s%s\n", "Nonce", nonce);
		printf("%-20s%u of %u\n", "New threshold", t, nn);
		print_names(json_object_get(st, "custodians"));
		printf("%-20s%u/%u current shares\n", "Progress", progress,
		    required);
	}
	printf("%-20s%s\n", "Verify new shares",
	    cmd_json_true(st, "verification_required") ? "required"
	                                               : "not required");
	if (vnonce != NULL && *vnonce != '\0') {
		printf("%-20s%s\n", "Verification nonce", vnonce);
		print_verification(n);
	}
}

static int
status_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = "rekey status" };
	json_t *st = NULL;
	int ret;

	if ((ret = parse(&n, argc, argv, ":h", opts, status_usage, NULL,
	         NULL)) != 0)
		return ret < 0 ? 0 : 1;
	if ((ret = cmd_net_open(&n, true)) != 0 ||
	    (ret = cmd_net_call(&n, "GET", "sys/rekey/init", NULL, &st)) != 0)
		goto out;
	if (n.json)
		ret = cmd_json_print(st) == 0 ? 0 : 1;
	else
		print_status(&n, st);
out:
	json_decref(st);
	cmd_net_close(&n);
	return ret;
}

/*
 * The nonce that names what a cancel ends: the rekey attempt collecting
 * current shares, or else the verification of pending new shares.
 */
static const char *
cancel_nonce(const json_t *st)
{
	const char *nonce = cmd_json_str(st, "nonce");

	if (nonce != NULL && *nonce != '\0')
		return nonce;
	nonce = cmd_json_str(st, "verification_nonce");
	return nonce != NULL && *nonce != '\0' ? nonce : NULL;
}

static int
cancel_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_net n = { .verb = "rekey cancel" };
	uint8_t bin[CUSTODIAN_NONCE_BYTES];
	char path[NONCE_PATH_MAX];
	json_t *st = NULL, *resp = NULL;
	const char *nonce;
	int ret;

	if ((ret = parse(&n, argc, argv, ":h", opts, status_usage, NULL,
	         NULL)) != 0)
		return ret < 0 ? 0 : 1;
	if ((ret = cmd_net_open(&n, true)) != 0 ||
	    (ret = cmd_net_call(&n, "GET", "sys/rekey/init", NULL, &st)) != 0)
		goto out;
	if (!cmd_json_true(st, "started") ||
	    (nonce = cancel_nonce(st)) == NULL) {
		cmd_errorf(n.verb, "no rekey is in progress");
		ret = 1;
		goto out;
	}
	/* The nonce goes into a URL: it must be what it claims to be. */
	if (!cmd_hex_exact(nonce, bin, sizeof(bin))) {
		ret = cmd_net_bad_answer(&n, "'nonce' is not 32 hex digits");
		goto out;
	}
	snprintf(path, sizeof(path), "sys/rekey/init?nonce=%s", nonce);
	if ((ret = cmd_net_call(&n, "DELETE", path, NULL, &resp)) != 0)
		goto out;
	printf("%s\n", n.json ? "{\"cancelled\":true}" : "rekey cancelled");
out:
	json_decref(resp);
	json_decref(st);
	cmd_net_close(&n);
	return ret;
}

struct submit_args {
	const char *keyfile, *pfile;
	bool print_only;
};

static int
submit_take(void *arg, int c, const char *val)
{
	struct submit_args *a = arg;

	switch (c) {
	case 'K':
		a->keyfile = val;
		return 0;
	case 'p':
		a->pfile = val;
		return 0;
	case OPT_PRINT:
		a->print_only = true;
		return 0;
	default:
		return 1;
	}
}

/* After the last current share: say what happens to the new ones. */
static void
print_submitted(struct cmd_net *n, const json_t *r, bool verify)
{
	unsigned progress = 0, threshold = 0;
	json_t *st = NULL;

	(void)cmd_json_uint(r, "progress", &progress);
	(void)cmd_json_uint(r, "threshold", &threshold);
	if (!cmd_json_true(r, "complete")) {
		printf("%u/%u %s shares; %s in progress\n", progress, threshold,
		    verify ? "new" : "current",
		    verify ? "verification" : "rekey");
		return;
	}
	if (verify) {
		printf("%u/%u new shares verified; they are now in force\n",
		    threshold, threshold);
		return;
	}
	printf("%u/%u current shares; rekey complete: ", threshold, threshold);
	if (cmd_net_call(n, "GET", "sys/rekey/init", NULL, &st) != 0)
		printf("see 'escrowctl rekey status'\n");
	else if (cmd_json_true(st, "verification_required"))
		printf("the new shares await verification\n"
		       "(each new custodian runs 'escrowctl rekey verify "
		       "--key KEYFILE')\n");
	else
		printf("the new shares are in force\n");
	json_decref(st);
}

static int
submit_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "print-submission", no_argument, NULL, OPT_PRINT },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool verify = strcmp(argv[0], "verify") == 0;
	struct cmd_net n = { .verb = verify ? "rekey verify" : "rekey submit" };
	struct custodian_key *key = NULL;
	struct submit_args a = { 0 };
	json_t *result = NULL;
	int ret;

	if ((ret = parse(&n, argc, argv, ":K:p:h", opts, submit_usage,
	         submit_take, &a)) != 0)
		return ret < 0 ? 0 : 1;
	if (a.keyfile == NULL) {
		cmd_errorf(n.verb, "--key is required (see --help)");
		return 1;
	}
	if ((ret = cmd_key_readable(n.verb, a.keyfile)) != 0 ||
	    (ret = cmd_net_open(&n, true)) != 0 ||
	    (ret = cmd_key_load(n.verb, a.keyfile, a.pfile, &key)) != 0)
		goto out;
	ret = cmd_submit(&n, key,
	    verify ? CUSTODIAN_PURPOSE_VERIFY : CUSTODIAN_PURPOSE_REKEY,
	    a.print_only, &result);
	if (ret != 0 || a.print_only)
		goto out;
	if (n.json)
		ret = cmd_json_print(result) == 0 ? 0 : 1;
	else
		print_submitted(&n, result, verify);
out:
	json_decref(result);
	custodian_key_free(key);
	cmd_net_close(&n);
	return ret;
}

int
cmd_rekey_main(int argc, char **argv)
{
	return cmd_dispatch("rekey", verbs, sizeof(verbs) / sizeof(verbs[0]),
	    argc, argv, usage);
}
