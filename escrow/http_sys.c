/* SPDX-License-Identifier: ISC */
/*
 * Vault's sys/ endpoints for the seal: init, seal-status, unseal, seal,
 * health, leader, rotate and key-status.  Bodies are bare JSON objects, as
 * Vault's raw sys handlers send them, with Vault's field names and status
 * codes, so stock Vault clients work unchanged.  Where escrow does better
 * (a wrong share is refused at once, naming its holder) the difference is
 * in the message, never in the shape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/seal.h"

#define BUILD_DATE "2026-12-03T00:00:00Z"

/* The attempt nonce as clients see it: 32 hex digits ("" if none). */
static json_t *
nonce_json(const struct seal_attempt_info *ai)
{
	char hex[2 * CUSTODIAN_NONCE_BYTES + 1] = "";

	if (ai->active)
		sodium_bin2hex(hex, sizeof(hex), ai->nonce, sizeof(ai->nonce));
	return json_string(hex);
}

static json_t *
names_json(const struct seal_attempt_info *ai)
{
	json_t *a = json_array();

	for (unsigned i = 0; ai->active && i < ai->progress; i++)
		json_array_append_new(a, json_string(ai->submitted[i]));
	return a;
}

/* The seal-status object, also the answer of sys/unseal. */
static json_t *
seal_status_json(struct escrowd *app, uint64_t now)
{
	struct seal_status ss;
	struct seal_attempt_info ai;

	seal_status_get(app->seal, &ss);
	if (seal_attempt_peek(app->seal, CUSTODIAN_PURPOSE_UNSEAL, now, &ai) !=
	    0)
		memset(&ai, 0, sizeof(ai));
	return json_pack("{s:s, s:b, s:b, s:i, s:i, s:i, s:o, s:s, s:s, s:b, "
	                 "s:b, s:s, s:I, s:o}",
	    "type", "shamir", "initialized", ss.state != SEAL_STATE_UNINIT,
	    "sealed", ss.state != SEAL_STATE_UNSEALED, "t", (int)ss.k, "n",
	    (int)ss.n, "progress", (int)(ai.active ? ai.progress : 0), "nonce",
	    nonce_json(&ai), "version", ESCROW_VERSION, "build_date",
	    BUILD_DATE, "migration", 0, "recovery_seal", 0, "storage_type",
	    "lmdb", "expires", (json_int_t)(ai.active ? ai.expires : 0),
	    "submitted", names_json(&ai));
}

void
http_sys_seal_status(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	http_reply(resp, 200, seal_status_json(app, req->now));
}

int
http_decode_share(const char *key, uint8_t share[static SEAL_SHARE_BYTES])
{
	size_t n = 0, len = strlen(key);
	const char *end = NULL;

	if (sodium_hex2bin(share, SEAL_SHARE_BYTES, key, len, NULL, &n, &end) ==
	        0 &&
	    end == key + len && n == SEAL_SHARE_BYTES)
		return 0;
	if (sodium_base642bin(share, SEAL_SHARE_BYTES, key, len, NULL, &n, &end,
	        sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    end == key + len && n == SEAL_SHARE_BYTES)
		return 0;
	sodium_memzero(share, SEAL_SHARE_BYTES);
	return -EINVAL;
}

void
http_refusal(struct http_resp *resp, int rc, const char *who)
{
	unsigned status = http_status(rc);

	if (status >= 500 || who == NULL || *who == '\0')
		http_reply_rc(resp, rc, "share");
	else
		http_reply_error(resp, status, "custodian %s: %s", who,
		    err_str(rc));
}

void
http_sys_unseal(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	uint8_t share[SEAL_SHARE_BYTES]; /* secret */
	char who[CUSTODIAN_NAME_MAX + 1] = "";
	struct seal_progress pr;
	struct seal_status ss;
	const char *key = NULL;
	bool reset = false;
	int rc;

	if (http_field_bool(req, resp, "reset", &reset) != 0 ||
	    http_field_str(req, resp, "key", 256, &key) != 0)
		return;
	seal_status_get(app->seal, &ss);
	if (ss.state == SEAL_STATE_UNINIT) {
		http_reply_error(resp, 400, "Vault is not initialized");
		return;
	}
	if (reset) {
		if (ss.state == SEAL_STATE_UNSEALED) {
			http_reply_error(resp, 400, "vault is unsealed");
			return;
		}
		rc = seal_attempt_reset(app->seal, CUSTODIAN_PURPOSE_UNSEAL,
		    NULL, req->now);
		/* Nothing to reset (-ESC_ENOATTEMPT) is fine. */
		(void)rc;
		http_reply(resp, 200, seal_status_json(app, req->now));
		return;
	}
	if (key == NULL) {
		http_reply_error(resp, 400,
		    "'key' must be specified in request body as JSON, or "
		    "'reset' set to true");
		return;
	}
	if (ss.state == SEAL_STATE_UNSEALED) {
		http_reply(resp, 200, seal_status_json(app, req->now));
		return;
	}
	if (!app->allow_plaintext) {
		http_reply_error(resp, 400,
		    "plaintext shares are not allowed on this server: submit "
		    "end-to-end encrypted shares with 'escrowctl unseal'");
		return;
	}
	if (http_decode_share(key, share) != 0) {
		http_reply_error(resp, 400,
		    "'key' must be a valid hex or base64 string");
		return;
	}
	rc = seal_submit_plaintext(app->seal, CUSTODIAN_PURPOSE_UNSEAL,
	    req->now, NULL, share, sizeof(share), who, &pr);
	sodium_memzero(share, sizeof(share));
	if (rc != 0)
		http_refusal(resp, rc, who);
	else
		http_reply(resp, 200, seal_status_json(app, req->now));
}

bool
http_need_unsealed(struct escrowd *app, struct http_resp *resp)
{
	struct seal_status ss;

	seal_status_get(app->seal, &ss);
	if (ss.state == SEAL_STATE_UNSEALED)
		return true;
	http_reply_error(resp, 503, "Vault is sealed");
	return false;
}

void
http_sys_seal(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	static const char *const may[] = { "operator" };
	int rc;

	if (!http_need_unsealed(app, resp) ||
	    !http_authorize(app, req, resp, may, 1, NULL))
		return;
	if ((rc = seal_seal(app->seal)) == 0 || rc == -ESC_ESEALED)
		http_reply(resp, 204, NULL);
	else
		http_reply_rc(resp, rc, "seal");
}

/* One *code query parameter: absent, or an integer status 100..599. */
static int
code_param(const struct http_req *req, const char *name, unsigned *code)
{
	const char *v = http_req_query(req, name);
	char *end;
	long c;

	if (v == NULL)
		return 0;
	c = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || c < 100 || c > 599)
		return -EINVAL;
	*code = (unsigned)c;
	return 0;
}

void
http_sys_health(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	static const char *const others[] = { "standbycode", "drsecondarycode",
		"haunhealthycode", "performancestandbycode", "removedcode",
		"haunhealhtycode" };
	unsigned active = 200, sealed = 503, uninit = 501, ignored = 0;
	struct seal_status ss;
	unsigned code;

	if (code_param(req, "activecode", &active) != 0 ||
	    code_param(req, "sealedcode", &sealed) != 0 ||
	    code_param(req, "uninitcode", &uninit) != 0) {
		http_reply_error(resp, 400, "bad code parameter");
		return;
	}
	/* Never a standby: those codes are checked, then unused. */
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (code_param(req, others[i], &ignored) != 0) {
			http_reply_error(resp, 400, "bad code parameter");
			return;
		}
	seal_status_get(app->seal, &ss);
	code = ss.state == SEAL_STATE_UNINIT ? uninit
	    : ss.state == SEAL_STATE_SEALED  ? sealed
	                                     : active;
	http_reply(resp, code,
	    json_pack("{s:b, s:b, s:b, s:b, s:s, s:s, s:I, s:s, s:b}",
	        "initialized", ss.state != SEAL_STATE_UNINIT, "sealed",
	        ss.state != SEAL_STATE_UNSEALED, "standby", 0,
	        "performance_standby", 0, "replication_performance_mode",
	        "disabled", "replication_dr_mode", "disabled",
	        "server_time_utc", (json_int_t)req->now, "version",
	        ESCROW_VERSION, "enterprise", 0));
}

void
http_sys_leader(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	(void)req;
	if (!http_need_unsealed(app, resp))
		return;
	http_reply(resp, 200,
	    json_pack("{s:b, s:b, s:s, s:s, s:s, s:b}", "ha_enabled", 0,
	        "is_self", 0, "active_time", "0001-01-01T00:00:00Z",
	        "leader_address", "", "leader_cluster_address", "",
	        "performance_standby", 0));
}

void
http_sys_rotate(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	int rc;

	if (!http_need_unsealed(app, resp) ||
	    !http_authorize(app, req, resp, NULL, 0, NULL))
		return;
	if ((rc = seal_keyring_rotate(app->seal, req->now)) != 0)
		http_reply_rc(resp, rc, "rotate");
	else
		http_reply(resp, 204, NULL);
}

void
http_sys_key_status(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	static const char *const may[] = { "operator", "auditor" };
	char when[32];
	uint32_t term;
	uint64_t installed;
	time_t t;
	struct tm tm;
	int rc;

	if (!http_need_unsealed(app, resp) ||
	    !http_authorize(app, req, resp, may, 2, NULL))
		return;
	if ((rc = seal_keyring_status(app->seal, &term, &installed)) != 0) {
		http_reply_rc(resp, rc, "key-status");
		return;
	}
	t = (time_t)installed;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	http_reply(resp, 200,
	    json_pack("{s:i, s:s, s:i, s:{s:i, s:s, s:i}}", "term", (int)term,
	        "install_time", when, "encryptions", 0, "data", "term",
	        (int)term, "install_time", when, "encryptions", 0));
}
