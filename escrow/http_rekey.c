/* SPDX-License-Identifier: ISC */
/*
 * Vault's rekey endpoints: sys/rekey/init (status, start, cancel),
 * sys/rekey/update (a current share) and sys/rekey/verify (a new share).
 * Unlike Vault's, every one needs a root or operator token as well as the
 * shares, and a cancel needs the rekey's nonce: the unauthenticated
 * cancel and restart Vault's users complain of (vault#844) is not
 * possible.  Custodian-mode rekeys take E2EE submissions at escrow/rekey;
 * these endpoints take Vault-style plaintext shares where allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/seal.h"

static const char *const may[] = { "operator" };

/* The object GET sys/rekey/init returns (and PUT, and update below t). */
static json_t *
rekey_status(struct escrowd *app, uint64_t now)
{
	struct seal_attempt_info rk, vf;
	struct seal_status ss;
	json_t *o;

	seal_status_get(app->seal, &ss);
	seal_attempt_peek(app->seal, CUSTODIAN_PURPOSE_REKEY, now, &rk);
	memset(&vf, 0, sizeof(vf));
	if (ss.rekey_pending)
		if (seal_attempt_get(app->seal, CUSTODIAN_PURPOSE_VERIFY, now,
		        &vf) != 0)
			memset(&vf, 0, sizeof(vf));
	o = json_pack("{s:b, s:o, s:i, s:i, s:i, s:i, s:n, s:b, s:b, s:I}",
	    "started", rk.active || ss.rekey_pending, "nonce",
	    http_nonce_json(&rk), "t", (int)rk.new_k, "n", (int)rk.new_n,
	    "progress", (int)rk.progress, "required", (int)ss.k,
	    "pgp_fingerprints", "backup", 0, "verification_required",
	    rk.require_verification || ss.rekey_pending, "expires",
	    (json_int_t)rk.expires);
	if (ss.rekey_pending)
		json_object_set_new(o, "verification_nonce",
		    http_nonce_json(&vf));
	return o;
}

/* A nonce as clients echo it back: 32 hex digits. */
static int
parse_nonce(const char *hex, uint8_t out[static CUSTODIAN_NONCE_BYTES])
{
	const char *end = NULL;
	size_t n = 0;

	if (hex == NULL ||
	    sodium_hex2bin(out, CUSTODIAN_NONCE_BYTES, hex, strlen(hex), NULL,
	        &n, &end) != 0 ||
	    end != hex + strlen(hex) || n != CUSTODIAN_NONCE_BYTES)
		return -EINVAL;
	return 0;
}

static void
rekey_start(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	const char *names[SEAL_SHARES_MAX];
	unsigned n = 0, k = 0;
	bool verify = false, backup = false, has_n, has_k;
	struct seal_attempt_info ai;
	size_t nn = 0;
	json_t *pgp = json_object_get(req->body, "pgp_keys");
	int rc;

	if (http_field_uint(req, resp, "secret_shares", SEAL_SHARES_MAX, &n,
	        &has_n) != 0 ||
	    http_field_uint(req, resp, "secret_threshold", SEAL_SHARES_MAX, &k,
	        &has_k) != 0 ||
	    http_field_bool(req, resp, "require_verification", &verify) != 0 ||
	    http_field_bool(req, resp, "backup", &backup) != 0 ||
	    http_field_strv(req, resp, "custodians", SEAL_SHARES_MAX, names,
	        &nn) != 0)
		return;
	if (backup ||
	    (pgp != NULL && !json_is_null(pgp) && json_array_size(pgp) != 0)) {
		http_reply_error(resp, 400,
		    "pgp_keys and backup are not supported: name registered "
		    "custodians in 'custodians'");
		return;
	}
	if (!has_n || !has_k || k < 2 || k > n || (nn != 0 && nn != n)) {
		http_reply_error(resp, 400,
		    "need 2 <= secret_threshold <= secret_shares <= %d, and "
		    "one custodian per share when 'custodians' is given",
		    SEAL_SHARES_MAX);
		return;
	}
	rc = seal_rekey_start(app->seal, req->now, k, n, nn ? names : NULL,
	    verify, &ai);
	if (rc == -ENOENT)
		http_reply_error(resp, 400,
		    "every name in 'custodians' must be a registered "
		    "custodian");
	else if (rc == -ESC_EPLAINTEXT)
		http_reply_error(resp, 400,
		    "name the custodians of the new shares in 'custodians' "
		    "(plaintext shares are not allowed on this server)");
	else if (rc != 0)
		http_reply_rc(resp, rc, "rekey");
	else
		http_reply(resp, 200, rekey_status(app, req->now));
}

void
http_rekey_init(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	uint8_t nonce[CUSTODIAN_NONCE_BYTES];
	const char *hex = http_req_query(req, "nonce");
	int rc;

	if (!http_need_unsealed(app, resp) ||
	    !http_authorize(app, req, resp, may, 1, NULL))
		return;
	if (req->method == HTTP_PUT) {
		rekey_start(app, req, resp);
		return;
	}
	if (req->method != HTTP_DELETE) {
		http_reply(resp, 200, rekey_status(app, req->now));
		return;
	}
	if (http_field_str(req, resp, "nonce", 64, &hex) != 0)
		return;
	if (parse_nonce(hex, nonce) != 0) {
		http_reply_error(resp, 400,
		    "cancelling a rekey needs its 'nonce' (32 hex digits)");
		return;
	}
	rc = seal_attempt_reset(app->seal, CUSTODIAN_PURPOSE_REKEY, nonce,
	    req->now);
	if (rc != 0)
		http_reply_rc(resp, rc, "rekey cancel");
	else
		http_reply(resp, 204, NULL);
}

/* Submit a plaintext share to the rekey or verify attempt named by nonce. */
static int
submit_plain(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, enum custodian_purpose p, struct seal_progress *pr)
{
	uint8_t share[SEAL_SHARE_BYTES], nonce[CUSTODIAN_NONCE_BYTES];
	char who[CUSTODIAN_NAME_MAX + 1] = "";
	const char *key = NULL, *hex = NULL;
	int rc;

	if (http_field_str(req, resp, "key", 256, &key) != 0 ||
	    http_field_str(req, resp, "nonce", 64, &hex) != 0)
		return -EINVAL;
	if (key == NULL || parse_nonce(hex, nonce) != 0) {
		http_reply_error(resp, 400,
		    "'key' (a share) and 'nonce' (32 hex digits) are "
		    "required");
		return -EINVAL;
	}
	if (!app->allow_plaintext) {
		http_reply_error(resp, 400,
		    "plaintext shares are not allowed on this server: submit "
		    "end-to-end encrypted shares with 'escrowctl rekey'");
		return -EINVAL;
	}
	if (http_decode_share(key, share) != 0) {
		http_reply_error(resp, 400,
		    "'key' must be a valid hex or base64 string");
		return -EINVAL;
	}
	rc = seal_submit_plaintext(app->seal, p, req->now, nonce, share,
	    sizeof(share), who, pr);
	sodium_memzero(share, sizeof(share));
	if (rc != 0)
		http_refusal(resp, rc, who);
	return rc;
}

void
http_rekey_update(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	struct seal_attempt_info rk, vf;
	struct seal_progress pr;
	struct seal_status ss;
	uint8_t *plain = NULL;
	unsigned n = 0;
	json_t *o;

	if (!http_need_unsealed(app, resp) ||
	    !http_authorize(app, req, resp, may, 1, NULL))
		return;
	seal_attempt_peek(app->seal, CUSTODIAN_PURPOSE_REKEY, req->now, &rk);
	if (submit_plain(app, req, resp, CUSTODIAN_PURPOSE_REKEY, &pr) != 0)
		return;
	if (!pr.complete) {
		http_reply(resp, 200, rekey_status(app, req->now));
		return;
	}
	plain = sodium_allocarray(SEAL_SHARES_MAX, SEAL_SHARE_BYTES);
	if (plain == NULL ||
	    seal_rekey_take_plain(app->seal, plain,
	        (size_t)SEAL_SHARES_MAX * SEAL_SHARE_BYTES, &n) != 0)
		n = 0; /* custodian mode: fetch sealed shares per custodian */
	seal_status_get(app->seal, &ss);
	memset(&vf, 0, sizeof(vf));
	if (ss.rekey_pending)
		if (seal_attempt_get(app->seal, CUSTODIAN_PURPOSE_VERIFY,
		        req->now, &vf) != 0)
			memset(&vf, 0, sizeof(vf));
	o = json_pack("{s:b, s:o, s:o, s:o, s:n, s:b, s:b}", "complete", 1,
	    "keys", http_shares_json(plain, n, false), "keys_base64",
	    http_shares_json(plain, n, true), "nonce", http_nonce_json(&rk),
	    "pgp_fingerprints", "backup", 0, "verification_required",
	    ss.rekey_pending);
	if (ss.rekey_pending)
		json_object_set_new(o, "verification_nonce",
		    http_nonce_json(&vf));
	resp->secret = true;
	http_reply(resp, 200, o);
	sodium_free(plain);
}

static json_t *
verify_status(struct escrowd *app, uint64_t now)
{
	struct seal_attempt_info vf;
	struct seal_status ss;

	seal_status_get(app->seal, &ss);
	memset(&vf, 0, sizeof(vf));
	if (ss.rekey_pending)
		if (seal_attempt_get(app->seal, CUSTODIAN_PURPOSE_VERIFY, now,
		        &vf) != 0)
			memset(&vf, 0, sizeof(vf));
	return json_pack("{s:b, s:o, s:i, s:i, s:i}", "started", vf.active,
	    "nonce", http_nonce_json(&vf), "t", (int)ss.pending_k, "n",
	    (int)ss.pending_n, "progress", (int)vf.progress);
}

void
http_rekey_verify(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	struct seal_attempt_info vf;
	struct seal_progress pr;
	int rc;

	if (!http_need_unsealed(app, resp) ||
	    !http_authorize(app, req, resp, may, 1, NULL))
		return;
	if (req->method == HTTP_DELETE) {
		rc = seal_attempt_reset(app->seal, CUSTODIAN_PURPOSE_VERIFY,
		    NULL, req->now);
		if (rc != 0)
			http_reply_rc(resp, rc, "verification");
		else
			http_reply(resp, 200, verify_status(app, req->now));
		return;
	}
	if (req->method != HTTP_PUT) {
		http_reply(resp, 200, verify_status(app, req->now));
		return;
	}
	seal_attempt_peek(app->seal, CUSTODIAN_PURPOSE_VERIFY, req->now, &vf);
	if (submit_plain(app, req, resp, CUSTODIAN_PURPOSE_VERIFY, &pr) != 0)
		return;
	if (!pr.complete)
		http_reply(resp, 200, verify_status(app, req->now));
	else
		http_reply(resp, 200,
		    json_pack("{s:o, s:b}", "nonce", http_nonce_json(&vf),
		        "complete", 1));
}
