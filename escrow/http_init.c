/* SPDX-License-Identifier: ISC */
/*
 * Setting up custody: registering custodians' public keys, sys/init, and
 * handing each custodian its sealed share.  Before init there is no token
 * at all, so registration is open until init and needs the root token
 * after it.  Sealed shares are public by construction: only the
 * custodian's own key opens one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/seal.h"

static bool
initialised(struct escrowd *app)
{
	struct seal_status ss;

	seal_status_get(app->seal, &ss);
	return ss.state != SEAL_STATE_UNINIT;
}

/* Fields Vault clients send that escrow cannot honour must be unset. */
static int
refuse_vault_only(const struct http_req *req, struct http_resp *resp)
{
	static const char *const zeros[] = { "stored_shares", "recovery_shares",
		"recovery_threshold" };
	const char *s = NULL;
	json_t *v;

	v = json_object_get(req->body, "pgp_keys");
	if (v != NULL && !json_is_null(v) &&
	    !(json_is_array(v) && json_array_size(v) == 0)) {
		http_reply_error(resp, 400,
		    "pgp_keys are not supported: register custodians at "
		    "/v1/escrow/custodians and name them in 'custodians'");
		return -EINVAL;
	}
	if (http_field_str(req, resp, "root_token_pgp_key", 8192, &s) != 0)
		return -EINVAL;
	if (s != NULL && *s != '\0') {
		http_reply_error(resp, 400,
		    "root_token_pgp_key is not "
		    "supported");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++) {
		unsigned n = 0;

		if (http_field_uint(req, resp, zeros[i], 255, &n, NULL) != 0)
			return -EINVAL;
		if (n != 0 && strcmp(zeros[i], "stored_shares") != 0) {
			http_reply_error(resp, 400,
			    "'%s' is for auto-unseal, which escrow does not "
			    "have",
			    zeros[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static void
init_put(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	const char *names[SEAL_SHARES_MAX];
	char token[SEAL_TOKEN_MAX + 1];
	unsigned n = 0, k = 0;
	bool has_n, has_k;
	uint8_t *plain = NULL;
	size_t nn = 0;
	json_t *body;
	int rc;

	if (http_field_uint(req, resp, "secret_shares", SEAL_SHARES_MAX, &n,
	        &has_n) != 0 ||
	    http_field_uint(req, resp, "secret_threshold", SEAL_SHARES_MAX, &k,
	        &has_k) != 0 ||
	    http_field_strv(req, resp, "custodians", SEAL_SHARES_MAX, names,
	        &nn) != 0 ||
	    refuse_vault_only(req, resp) != 0)
		return;
	if (!has_n || !has_k || k < 2 || k > n) {
		http_reply_error(resp, 400,
		    "need secret_threshold t and secret_shares n with "
		    "2 <= t <= n <= %d (escrow splits custody: no 1-of-1)",
		    SEAL_SHARES_MAX);
		return;
	}
	if (initialised(app)) {
		http_reply_error(resp, 400, "Vault is already initialized");
		return;
	}
	if (nn != 0 && nn != n) {
		http_reply_error(resp, 400,
		    "'custodians' names %zu custodians, secret_shares is %u",
		    nn, n);
		return;
	}
	if (nn == 0 && !app->allow_plaintext) {
		http_reply_error(resp, 400,
		    "name the custodians to seal shares to in 'custodians' "
		    "(plaintext shares are not allowed on this server)");
		return;
	}
	if (nn == 0 &&
	    (plain = sodium_allocarray(n, SEAL_SHARE_BYTES)) == NULL) {
		http_reply_rc(resp, -ENOMEM, "init");
		return;
	}
	rc = seal_init(app->seal, req->now, k, n, nn != 0 ? names : NULL, plain,
	    token);
	if (rc == -ENOENT)
		http_reply_error(resp, 400,
		    "every name in 'custodians' must be a registered "
		    "custodian");
	else if (rc != 0)
		http_reply_rc(resp, rc, "init");
	else {
		body = json_pack("{s:o, s:o, s:s}", "keys",
		    http_shares_json(plain, nn == 0 ? n : 0, false),
		    "keys_base64",
		    http_shares_json(plain, nn == 0 ? n : 0, true),
		    "root_token", token);
		if (nn != 0) {
			json_t *c = json_array();

			for (size_t i = 0; i < nn; i++)
				json_array_append_new(c, json_string(names[i]));
			json_object_set_new(body, "custodians", c);
		}
		resp->secret = true;
		http_reply(resp, 200, body);
	}
	sodium_memzero(token, sizeof(token));
	sodium_free(plain);
}

void
http_sys_init(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	if (req->method == HTTP_PUT)
		init_put(app, req, resp);
	else
		http_reply(resp, 200,
		    json_pack("{s:b}", "initialized", initialised(app)));
}

static int
list_one(void *arg, const struct custodian_pub *pub, bool holds)
{
	char line[CUSTODIAN_LINE_MAX + 1], fpr[CUSTODIAN_FPR_CHARS + 1];
	json_t *a = arg;

	if (custodian_pub_format(pub, line, sizeof(line)) != 0)
		return -ESC_ECORRUPT;
	custodian_pub_fingerprint(pub, fpr);
	return json_array_append_new(a,
	           json_pack("{s:s, s:s, s:s, s:b}", "name", pub->name,
	               "fingerprint", fpr, "public_key", line, "holds_share",
	               holds)) == 0
	    ? 0
	    : -ENOMEM;
}

static void
custodian_register(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	static const char *const known[] = { "public_key", NULL };
	char fpr[CUSTODIAN_FPR_CHARS + 1];
	struct custodian_pub pub;
	const char *line = NULL;
	int rc;

	if (initialised(app) && !http_authorize(app, req, resp, NULL, 0, NULL))
		return;
	if (http_fields_only(req, resp, known) != 0 ||
	    http_field_str(req, resp, "public_key", CUSTODIAN_LINE_MAX,
	        &line) != 0)
		return;
	if (line == NULL ||
	    custodian_pub_parse(&pub, line, strlen(line)) != 0) {
		http_reply_error(resp, 400,
		    "'public_key' must be one line as 'escrowctl custodian "
		    "keygen' prints it");
		return;
	}
	rc = seal_custodian_add(app->seal, &pub);
	if (rc == -EEXIST) {
		http_reply_error(resp, 409,
		    "custodian %s is registered with other keys", pub.name);
		return;
	}
	if (rc != 0) {
		http_reply_rc(resp, rc, "custodian register");
		return;
	}
	custodian_pub_fingerprint(&pub, fpr);
	http_reply(resp, 200,
	    json_pack("{s:s, s:s}", "name", pub.name, "fingerprint", fpr));
}

void
http_custodians(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	json_t *a;
	int rc;

	if (req->method == HTTP_PUT) {
		custodian_register(app, req, resp);
		return;
	}
	a = json_array();
	if ((rc = seal_custodian_foreach(app->seal, list_one, a)) != 0) {
		json_decref(a);
		http_reply_rc(resp, rc, "custodian list");
		return;
	}
	http_reply(resp, 200, json_pack("{s:o}", "custodians", a));
}

void
http_custodian_share(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	char b64[sodium_base64_ENCODED_LEN(SEAL_SEALED_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	uint8_t sealed[SEAL_SEALED_BYTES], commitment[SEAL_HASH_BYTES];
	char chex[2 * SEAL_HASH_BYTES + 1];
	const char *name = req->params[0], *p = http_req_query(req, "pending");
	bool pending = p != NULL && (strcmp(p, "true") == 0 || !strcmp(p, "1"));
	struct seal_status ss;
	int rc;

	rc = seal_share_get(app->seal, name, pending, sealed, commitment);
	if (rc == -ENOENT) {
		http_reply_error(resp, 404, "custodian %.32s holds no %sshare",
		    custodian_name_valid(name) ? name : "(invalid name)",
		    pending ? "pending " : "");
		return;
	}
	if (rc != 0) {
		http_reply_rc(resp, rc, "share");
		return;
	}
	seal_status_get(app->seal, &ss);
	sodium_bin2base64(b64, sizeof(b64), sealed, sizeof(sealed),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2hex(chex, sizeof(chex), commitment, sizeof(commitment));
	http_reply(resp, 200,
	    json_pack("{s:s, s:s, s:s, s:I, s:b}", "name", name, "sealed_share",
	        b64, "commitment", chex, "generation",
	        (json_int_t)(ss.generation + (pending ? 1 : 0)), "pending",
	        pending));
}
