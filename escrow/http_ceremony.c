/* SPDX-License-Identifier: ISC */
/*
 * Ceremonies over HTTP: escrow's end-to-end encrypted submissions
 * (escrow/unseal, escrow/rekey, escrow/rekey/verify) and Vault's
 * sys/rekey/{init,update,verify}.  Rekey is authenticated twice: by a
 * root or operator token, and by the quorum of shares; no one cancels a
 * rekey without its nonce.  A refused share is a 400 that names the
 * custodian and the reason, and leaves the attempt as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/seal.h"

static const char *const rekey_may[] = { "operator" };

static enum custodian_purpose
purpose_of(const struct http_req *req)
{
	if (strcmp(req->path, "escrow/unseal") == 0)
		return CUSTODIAN_PURPOSE_UNSEAL;
	if (strcmp(req->path, "escrow/rekey") == 0 ||
	    strcmp(req->path, "sys/rekey/init") == 0 ||
	    strcmp(req->path, "sys/rekey/update") == 0)
		return CUSTODIAN_PURPOSE_REKEY;
	return CUSTODIAN_PURPOSE_VERIFY;
}

static json_t *
attempt_json(const struct seal_attempt_info *ai, bool sealed)
{
	char pk[sodium_base64_ENCODED_LEN(CUSTODIAN_BOX_PK_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)] = "";
	json_t *names = json_array(), *o;

	if (ai->active)
		sodium_bin2base64(pk, sizeof(pk), ai->pk, sizeof(ai->pk),
		    sodium_base64_VARIANT_ORIGINAL);
	for (unsigned i = 0; ai->active && i < ai->progress; i++)
		json_array_append_new(names, json_string(ai->submitted[i]));
	o = json_pack("{s:b, s:o, s:s, s:I, s:I, s:i, s:i, s:o, s:b}",
	    "started", ai->active, "nonce", http_nonce_json(ai), "attempt_key",
	    pk, "started_at", (json_int_t)ai->started, "expires",
	    (json_int_t)ai->expires, "threshold", (int)ai->threshold,
	    "progress", (int)ai->progress, "submitted", names, "sealed",
	    sealed);
	if (ai->purpose == CUSTODIAN_PURPOSE_REKEY) {
		json_object_set_new(o, "new_t", json_integer(ai->new_k));
		json_object_set_new(o, "new_n", json_integer(ai->new_n));
		json_object_set_new(o, "require_verification",
		    json_boolean(ai->require_verification));
	}
	return o;
}

static bool
authorized_for(struct escrowd *app, enum custodian_purpose p,
    const struct http_req *req, struct http_resp *resp)
{
	if (p == CUSTODIAN_PURPOSE_UNSEAL)
		return true;
	return http_need_unsealed(app, resp) &&
	    http_authorize(app, req, resp, rekey_may, 1, NULL);
}

/* Decode a base64 field of exactly `len` bytes. */
static int
b64_field(const struct http_req *req, struct http_resp *resp, const char *name,
    uint8_t *out, size_t len)
{
	const char *s = NULL, *end = NULL;
	size_t n = 0;

	if (http_field_str(req, resp, name, 4 * len, &s) != 0)
		return -EINVAL;
	if (s == NULL ||
	    sodium_base642bin(out, len, s, strlen(s), NULL, &n, &end,
	        sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + strlen(s) || n != len) {
		http_reply_error(resp, 400,
		    "'%s' must be standard base64 of %zu bytes", name, len);
		return -EINVAL;
	}
	return 0;
}

static void
submit(struct escrowd *app, enum custodian_purpose p,
    const struct http_req *req, struct http_resp *resp)
{
	static const char *const known[] = { "custodian", "nonce",
		"sealed_share", "signature", NULL };
	uint8_t nonce[CUSTODIAN_NONCE_BYTES], sealed[SEAL_SEALED_BYTES];
	uint8_t sig[CUSTODIAN_SIG_BYTES];
	const char *name = NULL, *hex = NULL, *end = NULL;
	struct seal_progress pr;
	struct seal_status ss;
	size_t n = 0;
	int rc;

	if (http_fields_only(req, resp, known) != 0 ||
	    http_field_str(req, resp, "custodian", CUSTODIAN_NAME_MAX, &name) !=
	        0 ||
	    http_field_str(req, resp, "nonce", 64, &hex) != 0)
		return;
	if (name == NULL || !custodian_name_valid(name)) {
		http_reply_error(resp, 400,
		    "'custodian' must name a custodian");
		return;
	}
	if (hex == NULL ||
	    sodium_hex2bin(nonce, sizeof(nonce), hex, strlen(hex), NULL, &n,
	        &end) != 0 ||
	    end != hex + strlen(hex) || n != sizeof(nonce)) {
		http_reply_error(resp, 400,
		    "custodian %s: 'nonce' must be %d "
		    "hex digits",
		    name, 2 * CUSTODIAN_NONCE_BYTES);
		return;
	}
	if (b64_field(req, resp, "sealed_share", sealed, sizeof(sealed)) != 0 ||
	    b64_field(req, resp, "signature", sig, sizeof(sig)) != 0)
		return;
	rc = seal_submit(app->seal, p, req->now, name, nonce, sealed,
	    sizeof(sealed), sig, &pr);
	if (rc != 0) {
		http_refusal(resp, rc, name);
		return;
	}
	seal_status_get(app->seal, &ss);
	http_reply(resp, 200,
	    json_pack("{s:i, s:i, s:b, s:b}", "progress", (int)pr.progress,
	        "threshold", (int)pr.threshold, "complete", pr.complete,
	        "sealed", ss.state != SEAL_STATE_UNSEALED));
}

void
http_ceremony(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	enum custodian_purpose p = purpose_of(req);
	struct seal_attempt_info ai;
	struct seal_status ss;
	bool reset = false;
	int rc;

	if (!authorized_for(app, p, req, resp))
		return;
	if (req->method == HTTP_PUT) {
		if (p == CUSTODIAN_PURPOSE_UNSEAL &&
		    json_object_get(req->body, "reset") != NULL) {
			static const char *const known[] = { "reset", NULL };

			if (http_fields_only(req, resp, known) != 0 ||
			    http_field_bool(req, resp, "reset", &reset) != 0)
				return;
			if (reset)
				rc = seal_attempt_reset(app->seal, p, NULL,
				    req->now);
			/* Nothing to reset (-ESC_ENOATTEMPT) is fine. */
			(void)rc;
		} else {
			submit(app, p, req, resp);
			return;
		}
	}
	rc = seal_attempt_get(app->seal, p, req->now, &ai);
	if (rc == -ESC_EUNSEALED) {
		http_reply_error(resp, 400, "already unsealed");
		return;
	}
	if (rc != 0 && rc != -ESC_ENOATTEMPT) {
		http_reply_rc(resp, rc, "attempt");
		return;
	}
	seal_status_get(app->seal, &ss);
	http_reply(resp, 200,
	    attempt_json(&ai, ss.state != SEAL_STATE_UNSEALED));
}
