/* SPDX-License-Identifier: ISC */
/*
 * `escrowctl custodian show-share|verify-share`: a custodian looks at
 * their own share without taking part in any ceremony.  The sealed share
 * comes from the service (online), from its data directory opened
 * read-only (--data, which works beside a running daemon: LMDB readers
 * never block its writer), or from a file holding the base64 sealed share
 * as the share endpoint returns it (--sealed).  It is opened with the
 * custodian's key and checked against its commitment: offline by
 * seal_share_verify on the store, online against the commitment the
 * service sent.  show-share prints the share's x coordinate, the check
 * and a fingerprint (the commitment's first half: public, and what the
 * service shows); only --reveal prints the share itself, as Vault's hex.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/store.h"

#define SEALED_FILE_MAX 4096 /* bytes of a --sealed file */
#define FPR_BYTES       16   /* of the commitment, shown as hex */

enum { OPT_DATA = 0x200, OPT_SEALED, OPT_PENDING, OPT_REVEAL };

enum check { CHECK_MATCH, CHECK_MISMATCH, CHECK_NONE };

static const char show_usage_head[] =
    "usage: escrowctl custodian show-share --key KEYFILE [--pending]\n"
    "           [--reveal] [--data DIR | --sealed FILE | --addr URL]\n"
    "           [--passphrase-file FILE] [--json] [--ca-cert FILE]\n"
    "\n"
    "Open your own sealed share and describe it: its x coordinate, whether\n"
    "it matches its commitment, and a fingerprint (the first half of the\n"
    "commitment).  The share itself is printed only with --reveal, as\n"
    "Vault's hex (y bytes, then x).\n"
    "\n"
    "  -K, --key KEYFILE               your custodian key file\n"
    "  -p, --passphrase-file FILE      the passphrase is the first line of\n"
    "                                  FILE (mode 0600), not asked for\n"
    "      --data DIR                  read the share from the service's\n"
    "                                  data directory (read-only)\n"
    "      --sealed FILE               read the base64 sealed share from\n"
    "                                  FILE ('-' = stdin); no commitment\n"
    "      --pending                   the new share of a rekey awaiting\n"
    "                                  verification\n"
    "      --reveal                    print the plaintext share\n";

static const char show_usage_tail[] =
    "\n"
    "Without --data or --sealed the share is fetched from the service.\n"
    "Exit status: 0 on success; 1 if the share does not match its\n"
    "commitment, or on any error; 2 if the service is unreachable.\n";

static const char verify_usage_head[] =
    "usage: escrowctl custodian verify-share --key KEYFILE [--pending]\n"
    "           [--data DIR | --addr URL] [--passphrase-file FILE]\n"
    "           [--json] [--ca-cert FILE]\n"
    "\n"
    "Check that your sealed share opens with your key and matches its\n"
    "commitment, without revealing it.  Prints \"share OK\".\n"
    "\n"
    "  -K, --key KEYFILE               your custodian key file\n"
    "  -p, --passphrase-file FILE      the passphrase is the first line of\n"
    "                                  FILE (mode 0600), not asked for\n"
    "      --data DIR                  read the share from the service's\n"
    "                                  data directory (read-only)\n"
    "      --pending                   the new share of a rekey awaiting\n"
    "                                  verification\n";

static const char verify_usage_tail[] =
    "\n"
    "Exit status: 0 share OK; 1 share does NOT match, or any error; 2 if\n"
    "the service is unreachable.\n";

/* Where the sealed share comes from, and what the options asked. */
struct source {
	const char *verb;
	const char *keyfile, *pfile, *data, *sealed;
	bool pending, reveal;
	struct cmd_net net;
	struct store *st;
	struct seal *seal;
};

/* Open the store read-only, or the client; a --sealed file needs neither. */
static int
source_open(struct source *s)
{
	const struct store_opts ro = { .flags = STORE_RDONLY };
	int rc;

	if (s->sealed != NULL)
		return 0;
	if (s->data == NULL)
		return cmd_net_open(&s->net, false);
	if ((rc = store_open(&s->st, s->data, &ro)) != 0 ||
	    (rc = seal_open(&s->seal, s->st, NULL)) != 0) {
		cmd_errorf(s->verb, "data directory '%s': %s", s->data,
		    err_str(rc));
		return 1;
	}
	return 0;
}

static void
source_close(struct source *s)
{
	seal_close(s->seal);
	store_close(s->st);
	cmd_net_close(&s->net);
}

static int
sealed_file(struct source *s, struct cmd_share *out)
{
	FILE *f = strcmp(s->sealed, "-") == 0 ? stdin : fopen(s->sealed, "r");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (f == NULL) {
		cmd_errorf(s->verb, "cannot read '%s': %s", s->sealed,
		    err_str(-errno));
		return 1;
	}
	rc = cmd_input_read(f, SEALED_FILE_MAX, &buf, &len);
	if (f != stdin)
		(void)fclose(f);
	if (rc != 0) {
		cmd_errorf(s->verb, "reading '%s': %s", s->sealed, err_str(rc));
		return 1;
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		buf[--len] = '\0';
	rc = cmd_b64_exact(buf, out->sealed, sizeof(out->sealed)) ? 0 : 1;
	if (rc != 0)
		cmd_errorf(s->verb,
		    "'%s' does not hold a base64 sealed share of %d bytes",
		    s->sealed, SEAL_SEALED_BYTES);
	sodium_free(buf);
	return rc;
}

static int
source_share(struct source *s, const char *name, struct cmd_share *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (s->sealed != NULL)
		return sealed_file(s, out);
	if (s->data == NULL)
		return cmd_share_fetch(&s->net, name, s->pending, out);
	rc = seal_share_get(s->seal, name, s->pending, out->sealed,
	    out->commitment);
	if (rc == -ENOENT)
		cmd_errorf(s->verb, "custodian %s holds no %sshare in '%s'",
		    name, s->pending ? "pending " : "", s->data);
	else if (rc != 0)
		cmd_errorf(s->verb, "data directory '%s': %s", s->data,
		    err_str(rc));
	out->has_commitment = rc == 0;
	return rc == 0 ? 0 : 1;
}

/* Offline, the store decides (seal_share_verify); online, we compare. */
static int
source_check(struct source *s, const char *name, const struct cmd_share *sh,
    const uint8_t share[static SEAL_SHARE_BYTES], enum check *out)
{
	int rc;

	*out = CHECK_NONE;
	if (!sh->has_commitment)
		return 0;
	if (s->seal == NULL) {
		*out = cmd_share_matches(share, sh->commitment)
		    ? CHECK_MATCH
		    : CHECK_MISMATCH;
		return 0;
	}
	rc = seal_share_verify(s->seal, name, s->pending, share,
	    SEAL_SHARE_BYTES);
	if (rc == 0 || rc == -ESC_EBADSHARE) {
		*out = rc == 0 ? CHECK_MATCH : CHECK_MISMATCH;
		return 0;
	}
	cmd_errorf(s->verb, "checking the share: %s", err_str(rc));
	return 1;
}

static const char *const check_words[] = {
	[CHECK_MATCH] = "matches",
	[CHECK_MISMATCH] = "does NOT match",
	[CHECK_NONE] = "not checked (no commitment with --sealed)",
};

/* The description of a share; with reveal, the share as hex. */
static int
show(const struct source *s, const char *name,
    const uint8_t share[static SEAL_SHARE_BYTES], enum check chk)
{
	char hex[2 * SEAL_SHARE_BYTES + 1]; /* secret */
	char fpr[2 * FPR_BYTES + 1];
	uint8_t c[SEAL_HASH_BYTES];
	json_t *o = NULL;
	int rc = 0;

	seal_share_commitment(share, c);
	sodium_bin2hex(fpr, sizeof(fpr), c, FPR_BYTES);
	sodium_bin2hex(hex, sizeof(hex), share, SEAL_SHARE_BYTES);
	if (s->net.json) {
		o = json_pack("{s:s, s:b, s:i, s:s, s:s}", "custodian", name,
		    "pending", s->pending, "x", (int)share[SEAL_MK_BYTES],
		    "commitment",
		    chk == CHECK_MATCH      ? "matches"
		        : chk == CHECK_NONE ? "unchecked"
		                            : "mismatch",
		    "fingerprint", fpr);
		if (o != NULL && s->reveal && chk != CHECK_MISMATCH)
			json_object_set_new(o, "share", json_string(hex));
		rc = o != NULL ? cmd_json_print(o) : -ENOMEM;
	} else if (s->reveal && chk != CHECK_MISMATCH) {
		rc = cmd_secret_printf("%s\n", hex);
	} else if (!s->reveal) {
		printf("%-12s%s\n%-12s%s\n%-12s%u\n%-12s%s\n%-12s%s\n",
		    "Custodian", name, "Share",
		    s->pending ? "pending (awaiting verification)" : "current",
		    "x", (unsigned)share[SEAL_MK_BYTES], "Commitment",
		    check_words[chk], "Fingerprint", fpr);
	}
	json_decref(o); /* jansson's allocator wipes the hex */
	sodium_memzero(hex, sizeof(hex));
	if (rc != 0) {
		cmd_errorf(s->verb, "writing stdout: %s", err_str(rc));
		return 1;
	}
	return 0;
}

/* One custodian's share: fetch, open, check, then show or judge. */
static int
run(struct source *s, bool verify_only)
{
	uint8_t share[SEAL_SHARE_BYTES]; /* secret */
	struct custodian_key *key = NULL;
	struct cmd_share sh;
	enum check chk = CHECK_NONE;
	const char *name;
	int ret;

	if ((ret = cmd_key_readable(s->verb, s->keyfile)) != 0 ||
	    (ret = source_open(s)) != 0 ||
	    (ret = cmd_key_load(s->verb, s->keyfile, s->pfile, &key)) != 0)
		goto out;
	name = custodian_key_pub(key)->name;
	if ((ret = source_share(s, name, &sh)) != 0 ||
	    (ret = cmd_share_open(s->verb, key, &sh, share)) != 0 ||
	    (ret = source_check(s, name, &sh, share, &chk)) != 0)
		goto out;
	if (!verify_only)
		ret = show(s, name, share, chk);
	else if (s->net.json)
		ret =
		    printf("{\"custodian\":\"%s\",\"pending\":%s,\"ok\":%s}\n",
		        name, s->pending ? "true" : "false",
		        chk == CHECK_MATCH ? "true" : "false") < 0;
	else if (chk == CHECK_MATCH)
		printf("share OK\n");
	if (ret == 0 && chk == CHECK_MISMATCH) {
		cmd_errorf(s->verb, "share does NOT match its commitment");
		ret = 1;
	}
out:
	sodium_memzero(share, sizeof(share));
	custodian_key_free(key);
	source_close(s);
	return ret;
}

static bool
args_ok(const struct source *s, bool verify_only)
{
	if (s->keyfile == NULL) {
		cmd_errorf(s->verb, "--key is required (see --help)");
		return false;
	}
	if (verify_only && (s->sealed != NULL || s->reveal)) {
		cmd_errorf(s->verb,
		    "--sealed and --reveal are for show-share (see --help)");
		return false;
	}
	if (s->data != NULL && s->sealed != NULL) {
		cmd_errorf(s->verb, "give --data or --sealed, not both");
		return false;
	}
	return true;
}

static int
share_main(int argc, char **argv, bool verify_only)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "sealed", required_argument, NULL, OPT_SEALED },
		{ "pending", no_argument, NULL, OPT_PENDING },
		{ "reveal", no_argument, NULL, OPT_REVEAL },
		CMD_NET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct source s = { .verb = verify_only ? "custodian verify-share"
		                                : "custodian show-share" };
	int c;

	s.net.verb = s.verb;
	optind = 0; /* glibc: start a fresh scan of the new argv */
	while ((c = cmd_getopt(s.verb, argc, argv, ":K:p:h", opts)) != -1) {
		if (cmd_net_option(&s.net, c, optarg))
			continue;
		switch (c) {
		case 'K':
			s.keyfile = optarg;
			break;
		case 'p':
			s.pfile = optarg;
			break;
		case OPT_DATA:
			s.data = optarg;
			break;
		case OPT_SEALED:
			s.sealed = optarg;
			break;
		case OPT_PENDING:
			s.pending = true;
			break;
		case OPT_REVEAL:
			s.reveal = true;
			break;
		case 'h':
			if (verify_only)
				cmd_net_usage(verify_usage_head,
				    verify_usage_tail);
			else
				cmd_net_usage(show_usage_head, show_usage_tail);
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc) {
		cmd_errorf(s.verb, "unexpected argument '%s'", argv[optind]);
		return 1;
	}
	return args_ok(&s, verify_only) ? run(&s, verify_only) : 1;
}

int
cmd_custodian_show_share_main(int argc, char **argv)
{
	return share_main(argc, argv, false);
}

int
cmd_custodian_verify_share_main(int argc, char **argv)
{
	return share_main(argc, argv, true);
}
