/* SPDX-License-Identifier: ISC */
/*
 * Zone keys through Vault's transit key endpoints (transit/keys,
 * transit/keys/:z, transit/keys/:z/{config,rotate,trim}), the zone policy
 * check every transit handler goes through, and Vault's logical envelope.
 * Key info never includes key material: versions, their creation times,
 * states and usage counters only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "escrow/escrowd.h"
#include "escrow/store.h"
#include "escrow/zone.h"

json_t *
http_envelope(const struct http_req *req, json_t *data)
{
	return json_pack("{s:s, s:s, s:b, s:i, s:o, s:n, s:n, s:n}",
	    "request_id", req->request_id, "lease_id", "", "renewable", 0,
	    "lease_duration", 0, "data", data, "wrap_info", "warnings", "auth");
}

bool
http_authorize_zone(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *zone, enum http_zone_need need)
{
	char user[AUTH_POLICY_MAX + 1], admin[AUTH_POLICY_MAX + 1];
	const char *pol[4];
	size_t n = 0;

	if (!store_zone_name_valid(zone)) {
		http_reply_error(resp, 400,
		    "invalid zone name: 1 to %d of [a-z0-9_-]",
		    STORE_ZONE_NAME_MAX);
		return false;
	}
	snprintf(user, sizeof(user), "zone-%s-user", zone);
	snprintf(admin, sizeof(admin), "zone-%s-admin", zone);
	switch (need) {
	case HTTP_ZONE_USER:
		pol[n++] = user;
		break;
	case HTTP_ZONE_READ:
		pol[n++] = admin;
		pol[n++] = "operator";
		pol[n++] = "auditor";
		break;
	case HTTP_ZONE_ROTATE:
		pol[n++] = "rotator";
		/* FALLTHROUGH */
	case HTTP_ZONE_ADMIN:
		pol[n++] = admin;
		/* FALLTHROUGH */
	case HTTP_ZONE_MANAGE:
	default:
		pol[n++] = "operator";
		break;
	}
	return http_authorize(app, req, resp, pol, n, NULL);
}

struct versions {
	json_t *keys, *detail;
};

static const char *const state_names[] = { "", "active", "decrypt-only",
	"retired", "destroyed" };

static int
version_json(void *arg, const struct zone_version_info *v)
{
	struct versions *vs = arg;
	char key[16];

	snprintf(key, sizeof(key), "%u", v->version);
	json_object_set_new(vs->keys, key,
	    json_integer((json_int_t)v->created));
	json_object_set_new(vs->detail, key,
	    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "state",
	        v->state <= ZONE_VERSION_DESTROYED ? state_names[v->state] : "",
	        "created", (json_int_t)v->created, "encryptions",
	        (json_int_t)v->encrypts, "decryptions", (json_int_t)v->decrypts,
	        "rewraps", (json_int_t)v->rewraps, "last_used",
	        (json_int_t)v->last_used));
	return 0;
}

/* Vault's key info object, plus escrow's per-version detail. */
static int
key_info(struct escrowd *app, const char *zone, json_t **out)
{
	struct versions vs = { json_object(), json_object() };
	struct zone_config c;
	int rc;

	*out = NULL;
	if ((rc = zone_read(app->zones, zone, &c, version_json, &vs)) != 0) {
		json_decref(vs.keys);
		json_decref(vs.detail);
		return rc;
	}
	*out = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:o, s:i, s:i, s:i, "
	                 "s:i, s:b, s:b, s:b, s:b, s:I, s:b, s:o}",
	    "name", zone, "type", zone_type_name(c.type), "derived", 0,
	    "deletion_allowed", c.deletion_allowed, "exportable", 0,
	    "allow_plaintext_backup", 0, "keys", vs.keys, "latest_version",
	    (int)c.latest_version, "min_available_version",
	    (int)c.min_available_version, "min_decryption_version",
	    (int)c.min_decryption_version, "min_encryption_version",
	    (int)c.min_encryption_version, "supports_encryption", 1,
	    "supports_decryption", 1, "supports_derivation", 0,
	    "supports_signing", 0, "auto_rotate_period",
	    (json_int_t)c.auto_rotate_period, "imported_key", 0, "versions",
	    vs.detail);
	return 0;
}

static void
reply_info(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *zone, const char *warning)
{
	json_t *info, *env;
	int rc;

	if ((rc = key_info(app, zone, &info)) != 0) {
		if (rc == -ENOENT)
			http_reply_error(resp, 404, "zone %s not found", zone);
		else
			http_reply_rc(resp, rc, "key");
		return;
	}
	env = http_envelope(req, info);
	if (warning != NULL)
		json_object_set_new(env, "warnings", json_pack("[s]", warning));
	http_reply(resp, 200, env);
}

struct visible {
	struct escrowd *app;
	const struct http_req *req;
	struct auth_token_info *tok;
	json_t *names;
};

static int
list_one(void *arg, const char *name)
{
	struct visible *v = arg;
	char user[AUTH_POLICY_MAX + 1], admin[AUTH_POLICY_MAX + 1];

	snprintf(user, sizeof(user), "zone-%s-user", name);
	snprintf(admin, sizeof(admin), "zone-%s-admin", name);
	/* A zone token sees its own zone only. */
	if (auth_has_policy(v->tok, "root") ||
	    auth_has_policy(v->tok, "operator") ||
	    auth_has_policy(v->tok, "auditor") ||
	    auth_has_policy(v->tok, "rotator") ||
	    auth_has_policy(v->tok, user) || auth_has_policy(v->tok, admin))
		json_array_append_new(v->names, json_string(name));
	return 0;
}

void
http_transit_keys(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	struct auth_token_info tok;
	struct visible v = { app, req, &tok, NULL };
	int rc;

	if (req->token == NULL ||
	    auth_token_lookup(app->st, req->now, req->token, &tok) != 0) {
		http_reply_error(resp, 403, "permission denied");
		return;
	}
	v.names = json_array();
	if ((rc = zone_foreach(app->zones, list_one, &v)) != 0) {
		json_decref(v.names);
		http_reply_rc(resp, rc, "keys");
		return;
	}
	if (json_array_size(v.names) == 0) {
		json_decref(v.names);
		http_reply(resp, 404, json_pack("{s:[]}", "errors"));
		return;
	}
	http_reply(resp, 200,
	    http_envelope(req, json_pack("{s:o}", "keys", v.names)));
}

static void
key_create(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *zone)
{
	static const char *const unsupported[] = { "derived",
		"convergent_encryption", "exportable",
		"allow_plaintext_backup" };
	const char *tname = NULL;
	enum zone_type type = ZONE_XCHACHA20_POLY1305;
	bool flag = false;
	int rc;

	if (http_field_str(req, resp, "type", 64, &tname) != 0)
		return;
	if (tname != NULL && (type = zone_type_parse(tname)) == 0) {
		http_reply_error(resp, 400,
		    "key type %.32s is not supported: use xchacha20-poly1305 "
		    "or chacha20-poly1305",
		    tname);
		return;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported);
	     i++) {
		if (http_field_bool(req, resp, unsupported[i], &flag) != 0)
			return;
		if (flag) {
			http_reply_error(resp, 400, "%s is not supported",
			    unsupported[i]);
			return;
		}
	}
	rc = zone_create(app->zones, zone, type, req->now);
	if (rc == -EEXIST) {
		reply_info(app, req, resp, zone, "key already existed");
		return;
	}
	if (rc != 0) {
		http_reply_rc(resp, rc, "key create");
		return;
	}
	reply_info(app, req, resp, zone, NULL);
}

void
http_transit_key(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	const char *zone = req->params[0];
	int rc;

	if (req->method == HTTP_GET) {
		if (http_authorize_zone(app, req, resp, zone, HTTP_ZONE_READ))
			reply_info(app, req, resp, zone, NULL);
		return;
	}
	if (!http_authorize_zone(app, req, resp, zone, HTTP_ZONE_MANAGE))
		return;
	if (req->method == HTTP_PUT) {
		key_create(app, req, resp, zone);
		return;
	}
	rc = zone_delete(app->zones, zone);
	if (rc == -ENOENT)
		http_reply_error(resp, 404, "zone %s not found", zone);
	else if (rc == -ESC_EPERM)
		http_reply_error(resp, 400,
		    "deletion is not allowed for this key");
	else if (rc != 0)
		http_reply_rc(resp, rc, "key delete");
	else
		http_reply(resp, 204, NULL);
}

static int
config_change(const struct http_req *req, struct http_resp *resp,
    struct zone_config_change *ch)
{
	unsigned v;
	bool flag = false;
	json_t *p;

	memset(ch, 0, sizeof(*ch));
	if (http_field_uint(req, resp, "min_decryption_version",
	        ZONE_VERSIONS_MAX, &v, &ch->has_min_decryption_version) != 0)
		return -EINVAL;
	ch->min_decryption_version = v;
	if (http_field_uint(req, resp, "min_encryption_version",
	        ZONE_VERSIONS_MAX, &v, &ch->has_min_encryption_version) != 0)
		return -EINVAL;
	ch->min_encryption_version = v;
	if ((p = json_object_get(req->body, "deletion_allowed")) != NULL &&
	    !json_is_null(p)) {
		if (http_field_bool(req, resp, "deletion_allowed",
		        &ch->deletion_allowed) != 0)
			return -EINVAL;
		ch->has_deletion_allowed = true;
	}
	if (http_field_bool(req, resp, "exportable", &flag) != 0 ||
	    http_field_bool(req, resp, "allow_plaintext_backup", &flag) != 0)
		return -EINVAL;
	if (flag) {
		http_reply_error(resp, 400, "keys are never exportable");
		return -EINVAL;
	}
	p = json_object_get(req->body, "auto_rotate_period");
	if (p != NULL && !json_is_null(p) &&
	    !(json_is_string(p) && json_string_length(p) == 0)) {
		if (http_duration(p, &ch->auto_rotate_period) != 0 ||
		    (ch->auto_rotate_period != 0 &&
		        ch->auto_rotate_period < 3600)) {
			http_reply_error(resp, 400,
			    "auto_rotate_period must be 0 or a duration of at "
			    "least 1h");
			return -EINVAL;
		}
		ch->has_auto_rotate_period = true;
	}
	return 0;
}

void
http_transit_key_action(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	const char *zone = req->params[0], *action = req->params[1];
	struct zone_config_change ch;
	unsigned min = 0;
	bool has_min = false;
	int rc;

	if (strcmp(action, "rotate") == 0) {
		if (!http_authorize_zone(app, req, resp, zone,
		        HTTP_ZONE_ROTATE))
			return;
		rc = zone_rotate(app->zones, zone, req->now);
	} else if (strcmp(action, "config") == 0) {
		if (!http_authorize_zone(app, req, resp, zone,
		        HTTP_ZONE_ADMIN) ||
		    config_change(req, resp, &ch) != 0)
			return;
		rc = zone_config_set(app->zones, zone, &ch);
	} else if (strcmp(action, "trim") == 0) {
		if (!http_authorize_zone(app, req, resp, zone,
		        HTTP_ZONE_ADMIN) ||
		    http_field_uint(req, resp, "min_available_version",
		        ZONE_VERSIONS_MAX, &min, &has_min) != 0)
			return;
		if (!has_min) {
			http_reply_error(resp, 400,
			    "missing min_available_version");
			return;
		}
		rc = zone_trim(app->zones, zone, min);
	} else {
		http_reply_error(resp, 404, "no such key action");
		return;
	}
	if (rc == -ENOENT)
		http_reply_error(resp, 404, "zone %s not found", zone);
	else if (rc == -EINVAL)
		http_reply_error(resp, 400,
		    "%s: the requested versions break the key's version rules",
		    action);
	else if (rc != 0)
		http_reply_rc(resp, rc, action);
	else
		reply_info(app, req, resp, zone, NULL);
}
