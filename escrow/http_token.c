/* SPDX-License-Identifier: ISC */
/*
 * Token endpoints (auth/token/create, lookup-self, revoke-self) and the
 * one policy check every authenticated handler goes through.  A token is
 * looked up by hash (auth.h); only its accessor and policies ever appear
 * in a response.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/store.h"

bool
http_authorize(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *const *pol, size_t npol,
    struct auth_token_info *info)
{
	struct auth_token_info tmp, *ti = info != NULL ? info : &tmp;
	int rc;

	if (req->token == NULL) {
		http_reply_error(resp, 403, "permission denied");
		return false;
	}
	rc = auth_token_lookup(app->st, req->now, req->token, ti);
	if (rc != 0) {
		if (rc == -ESC_EPERM)
			http_reply_error(resp, 403, "permission denied");
		else
			http_reply_rc(resp, rc, "token lookup");
		return false;
	}
	if (auth_has_policy(ti, "root"))
		return true;
	for (size_t i = 0; i < npol; i++)
		if (auth_has_policy(ti, pol[i]))
			return true;
	http_reply_error(resp, 403, "permission denied");
	return false;
}

static json_t *
policies_json(const struct auth_token_info *info)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < info->npolicies; i++)
		json_array_append_new(a, json_string(info->policies[i]));
	return a;
}

void
http_token_create(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	static const char *const may[] = { "operator" };
	const char *pol[AUTH_POLICIES_MAX];
	char token[AUTH_TOKEN_MAX + 1];
	struct auth_token_info caller, info;
	uint64_t ttl;
	size_t n = 0;
	int rc;

	if (!http_authorize(app, req, resp, may, 1, &caller))
		return;
	if (http_field_strv(req, resp, "policies", AUTH_POLICIES_MAX, pol,
	        &n) != 0)
		return;
	if (n == 0) {
		http_reply_error(resp, 400,
		    "'policies' must name at least one "
		    "policy");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!auth_policy_name_valid(pol[i])) {
			http_reply_error(resp, 400,
			    "'policies' entry %zu is not a valid policy name",
			    i);
			return;
		}
		/* A child token never holds more than its parent. */
		if (!auth_has_policy(&caller, "root") &&
		    !auth_has_policy(&caller, pol[i])) {
			http_reply_error(resp, 403,
			    "permission denied: a token may only grant "
			    "policies it holds");
			return;
		}
	}
	if ((rc = http_duration(json_object_get(req->body, "ttl"), &ttl)) !=
	    0) {
		http_reply_error(resp, 400,
		    "'ttl' must be seconds, or digits with s, m, h or d");
		return;
	}
	rc = auth_token_create(app->st, req->now, pol, (unsigned)n, ttl, token,
	    &info);
	if (rc != 0) {
		http_reply_rc(resp, rc, "token create");
		return;
	}
	resp->secret = true;
	http_reply(resp, 200,
	    json_pack("{s:s, s:b, s:i, s:n, s:n, s:{s:s, s:s, s:o, s:o, s:I, "
	              "s:b, s:n}}",
	        "lease_id", "", "renewable", 0, "lease_duration", 0, "data",
	        "wrap_info", "auth", "client_token", token, "accessor",
	        info.accessor, "policies", policies_json(&info),
	        "token_policies", policies_json(&info), "lease_duration",
	        (json_int_t)ttl, "renewable", 0, "metadata"));
	sodium_memzero(token, sizeof(token));
}

static void
iso8601(uint64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
http_token_lookup_self(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	struct auth_token_info info;
	char expire[32] = "";
	json_t *exp;
	uint64_t left = 0;

	/* Any live token may look itself up, whatever its policies. */
	if (req->token == NULL ||
	    auth_token_lookup(app->st, req->now, req->token, &info) != 0) {
		http_reply_error(resp, 403, "permission denied");
		return;
	}
	if (info.ttl != 0) {
		iso8601(info.created + info.ttl, expire, sizeof(expire));
		left = info.created + info.ttl - req->now;
		exp = json_string(expire);
	} else
		exp = json_null();
	http_reply(resp, 200,
	    json_pack("{s:{s:s, s:o, s:I, s:I, s:I, s:o, s:s}}", "data",
	        "accessor", info.accessor, "policies", policies_json(&info),
	        "creation_time", (json_int_t)info.created, "creation_ttl",
	        (json_int_t)info.ttl, "ttl", (json_int_t)left, "expire_time",
	        exp, "id", ""));
}

void
http_token_revoke_self(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	int rc;

	if (req->token == NULL) {
		http_reply_error(resp, 403, "permission denied");
		return;
	}
	rc = auth_token_revoke(app->st, req->token);
	if (rc == -ESC_EPERM)
		http_reply_error(resp, 403, "permission denied");
	else if (rc != 0)
		http_reply_rc(resp, rc, "token revoke");
	else
		http_reply(resp, 204, NULL);
}
