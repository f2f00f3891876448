/* SPDX-License-Identifier: ISC */
/*
 * A custodian's share and its way into a ceremony, shared by `unseal`,
 * `rekey submit` and `rekey verify`.  The service holds each custodian's
 * share sealed to that custodian's key, with a commitment to it.  The
 * custodian fetches the sealed share, opens it here with the key file,
 * checks it against the commitment (a share that does not match is never
 * submitted), then seals it again, to the attempt's ephemeral key, and
 * signs it for that attempt's nonce and purpose (custodian.h).  So the
 * plaintext share exists only in this process, on the stack, and is wiped
 * before the function returns; what crosses the network is sealed.
 */
#include "escrow/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define SHARE_PATH_MAX 96 /* escrow/custodians/NAME/share?pending=true */
#define B64_CHARS(n)                                                           \
	sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)

/* Where each kind of ceremony takes submissions. */
static const struct ceremony {
	enum custodian_purpose purpose;
	const char *path;
	bool pending; /* submits the share awaiting verification */
	const char *none;
} ceremonies[] = {
	{ CUSTODIAN_PURPOSE_UNSEAL, "escrow/unseal", false,
	    "no unseal attempt is in progress" },
	{ CUSTODIAN_PURPOSE_REKEY, "escrow/rekey", false,
	    "no rekey is in progress (see 'escrowctl rekey start')" },
	{ CUSTODIAN_PURPOSE_VERIFY, "escrow/rekey/verify", true,
	    "no new shares await verification" },
};

/* The attempt a submission is made for: its nonce and ephemeral key. */
struct attempt {
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];
	uint8_t pk[CUSTODIAN_BOX_PK_BYTES];
};

int
cmd_share_fetch(struct cmd_net *n, const char *name, bool pending,
    struct cmd_share *out)
{
	char path[SHARE_PATH_MAX];
	json_t *resp = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "escrow/custodians/%s/share%s", name,
	    pending ? "?pending=true" : "");
	if ((ret = cmd_net_call(n, "GET", path, NULL, &resp)) != 0)
		return ret;
	if (!cmd_b64_exact(cmd_json_str(resp, "sealed_share"), out->sealed,
	        sizeof(out->sealed)))
		ret = cmd_net_bad_answer(n,
		    "'sealed_share' is not base64 of a sealed share");
	else if (!cmd_hex_exact(cmd_json_str(resp, "commitment"),
	             out->commitment, sizeof(out->commitment)))
		ret =
		    cmd_net_bad_answer(n, "'commitment' is not 64 hex digits");
	else
		out->has_commitment = true;
	json_decref(resp);
	return ret;
}

int
cmd_share_open(const char *verb, const struct custodian_key *key,
    const struct cmd_share *sh, uint8_t share[static SEAL_SHARE_BYTES])
{
	if (custodian_share_open(key, share, SEAL_SHARE_BYTES, sh->sealed,
	        sizeof(sh->sealed)) != 0) {
		cmd_errorf(verb,
		    "the sealed share does not open with the key of %s: it "
		    "is sealed to another key, or damaged",
		    custodian_key_pub(key)->name);
		return 1;
	}
	return 0;
}

bool
cmd_share_matches(const uint8_t share[static SEAL_SHARE_BYTES],
    const uint8_t commitment[static SEAL_HASH_BYTES])
{
	uint8_t c[SEAL_HASH_BYTES];

	seal_share_commitment(share, c);
	return sodium_memcmp(c, commitment, SEAL_HASH_BYTES) == 0;
}

static const struct ceremony *
ceremony_of(enum custodian_purpose purpose)
{
	for (size_t i = 0; i < sizeof(ceremonies) / sizeof(ceremonies[0]); i++)
		if (ceremonies[i].purpose == purpose)
			return &ceremonies[i];
	return NULL;
}

/* GET the attempt: it must be live, with a nonce and a key. */
static int
attempt_get(struct cmd_net *n, const struct ceremony *cer, struct attempt *at)
{
	json_t *resp = NULL;
	int ret;

	if ((ret = cmd_net_call(n, "GET", cer->path, NULL, &resp)) != 0)
		return ret;
	if (!cmd_json_true(resp, "started")) {
		cmd_errorf(n->verb, "%s", cer->none);
		ret = 1;
	} else if (!cmd_hex_exact(cmd_json_str(resp, "nonce"), at->nonce,
	               sizeof(at->nonce)))
		ret = cmd_net_bad_answer(n, "'nonce' is not 32 hex digits");
	else if (!cmd_b64_exact(cmd_json_str(resp, "attempt_key"), at->pk,
	             sizeof(at->pk)))
		ret = cmd_net_bad_answer(n,
		    "'attempt_key' is not base64 of 32 bytes");
	json_decref(resp);
	return ret;
}

/* Seal and sign `share` for the attempt; *out is the JSON to PUT. */
static int
submission(struct cmd_net *n, const struct custodian_key *key,
    enum custodian_purpose purpose, const struct attempt *at,
    const uint8_t share[static SEAL_SHARE_BYTES], json_t **out)
{
	uint8_t sealed[SEAL_SEALED_BYTES], sig[CUSTODIAN_SIG_BYTES];
	char nonce[2 * CUSTODIAN_NONCE_BYTES + 1];
	char sealed64[B64_CHARS(SEAL_SEALED_BYTES)];
	char sig64[B64_CHARS(CUSTODIAN_SIG_BYTES)];
	int rc;

	*out = NULL;
	rc = custodian_submission_make(key, purpose, at->nonce, at->pk, share,
	    SEAL_SHARE_BYTES, sealed, sig);
	if (rc != 0) {
		cmd_errorf(n->verb, "sealing the share to the attempt: %s",
		    err_str(rc));
		return 1;
	}
	sodium_bin2hex(nonce, sizeof(nonce), at->nonce, sizeof(at->nonce));
	sodium_bin2base64(sealed64, sizeof(sealed64), sealed, sizeof(sealed),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	*out = json_pack("{s:s, s:s, s:s, s:s}", "custodian",
	    custodian_key_pub(key)->name, "nonce", nonce, "sealed_share",
	    sealed64, "signature", sig64);
	if (*out == NULL) {
		cmd_errorf(n->verb, "out of memory");
		return 1;
	}
	return 0;
}

int
cmd_submit(struct cmd_net *n, const struct custodian_key *key,
    enum custodian_purpose purpose, bool print_only, json_t **result)
{
	const struct ceremony *cer = ceremony_of(purpose);
	uint8_t share[SEAL_SHARE_BYTES]; /* secret */
	struct cmd_share sh;
	struct attempt at;
	json_t *sub = NULL;
	int ret;

	*result = NULL;
	if (cer == NULL) {
		cmd_errorf(n->verb, "%s", err_str(-EINVAL));
		return 1;
	}
	if ((ret = cmd_share_fetch(n, custodian_key_pub(key)->name,
	         cer->pending, &sh)) != 0 ||
	    (ret = cmd_share_open(n->verb, key, &sh, share)) != 0)
		goto out;
	if (!cmd_share_matches(share, sh.commitment)) {
		cmd_errorf(n->verb,
		    "your share does not match its commitment; not "
		    "submitting it");
		ret = 1;
		goto out;
	}
	if ((ret = attempt_get(n, cer, &at)) != 0 ||
	    (ret = submission(n, key, purpose, &at, share, &sub)) != 0)
		goto out;
	sodium_memzero(share, sizeof(share));
	if (print_only) {
		if (cmd_json_print(sub) != 0) {
			cmd_errorf(n->verb, "writing stdout failed");
			ret = 1;
		}
		goto out;
	}
	ret = cmd_net_call(n, "PUT", cer->path, sub, result);
out:
	sodium_memzero(share, sizeof(share));
	json_decref(sub);
	return ret;
}
