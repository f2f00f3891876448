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
#include "escrow/zone.h"

#define BUILD_DATE "2026-12-03T00:00:00Z"

#define STATUS_TEXT_MAX (512 + SEAL_SHARES_MAX * (CUSTODIAN_NAME_MAX + 3))

/*
 * The seal-status object, also the answer of sys/unseal, serialised by
 * hand: it is what every client polls, and every value in it is a number,
 * a boolean, a constant, hex, or a custodian name of [a-z0-9._-], none of
 * which needs escaping.  Returns its length in buf (STATUS_TEXT_MAX).
 */
static size_t
seal_status_text(struct escrowd *app, uint64_t now, char *buf)
{
	char hex[2 * CUSTODIAN_NONCE_BYTES + 1] = "";
	struct seal_attempt_info ai;
	struct seal_status ss;
	size_t n;

	seal_status_get(app->seal, &ss);
	if (seal_attempt_peek(app->seal, CUSTODIAN_PURPOSE_UNSEAL, now, &ai) !=
	    0)
		ai.active = false;
	if (ai.active)
		sodium_bin2hex(hex, sizeof(hex), ai.nonce, sizeof(ai.nonce));
	n = (size_t)snprintf(buf, STATUS_TEXT_MAX,
	    "{\"type\":\"shamir\",\"initialized\":%s,\"sealed\":%s,"
	    "\"t\":%u,\"n\":%u,\"progress\":%u,\"nonce\":\"%s\","
	    "\"version\":\"" ESCROW_VERSION "\",\"build_date\":\"" BUILD_DATE
	    "\",\"migration\":false,\"recovery_seal\":false,"
	    "\"storage_type\":\"lmdb\",\"expires\":%llu,\"submitted\":[",
	    ss.state != SEAL_STATE_UNINIT ? "true" : "false",
	    ss.state != SEAL_STATE_UNSEALED ? "true" : "false", ss.k, ss.n,
	    ai.active ? ai.progress : 0, hex,
	    (unsigned long long)(ai.active ? ai.expires : 0));
	for (unsigned i = 0; ai.active && i < ai.progress; i++)
		n += (size_t)snprintf(buf + n, STATUS_TEXT_MAX - n, "%s\"%s\"",
		    i == 0 ? "" : ",", ai.submitted[i]);
	n += (size_t)snprintf(buf + n, STATUS_TEXT_MAX - n, "]}");
	return n;
}

static void
reply_status(struct escrowd *app, uint64_t now, struct http_resp *resp)
{
	char buf[STATUS_TEXT_MAX];

	http_reply_raw(resp, 200, buf, seal_status_text(app, now, buf));
}

void
http_sys_seal_status(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	reply_status(app, req->now, resp);
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
		reply_status(app, req->now, resp);
		return;
	}
	if (key == NULL) {
		http_reply_error(resp, 400,
		    "'key' must be specified in request body as JSON, or "
		    "'reset' set to true");
		return;
	}
	if (ss.state == SEAL_STATE_UNSEALED) {
		reply_status(app, req->now, resp);
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
		reply_status(app, req->now, resp);
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
	if ((rc = seal_seal(app->seal)) == 0 || rc == -ESC_ESEALED) {
		zones_wipe(app->zones); /* cached zone keys go with M */
		http_reply(resp, 204, NULL);
	} else
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
	char buf[512];
	int n;

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
	/* Serialised by hand, like seal-status: numbers and constants only. */
	n = snprintf(buf, sizeof(buf),
	    "{\"initialized\":%s,\"sealed\":%s,\"standby\":false,"
	    "\"performance_standby\":false,"
	    "\"replication_performance_mode\":\"disabled\","
	    "\"replication_dr_mode\":\"disabled\",\"server_time_utc\":%llu,"
	    "\"version\":\"" ESCROW_VERSION "\",\"enterprise\":false}",
	    ss.state != SEAL_STATE_UNINIT ? "true" : "false",
	    ss.state != SEAL_STATE_UNSEALED ? "true" : "false",
	    (unsigned long long)req->now);
	http_reply_raw(resp, code, buf, (size_t)n);
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
