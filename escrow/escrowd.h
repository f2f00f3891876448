/* SPDX-License-Identifier: ISC */
/*
 * The daemon's application: what every HTTP handler is given.  It holds
 * the store and the seal domain (both thread-safe) and the configuration,
 * all set up by main() before the HTTP server starts and torn down after
 * it stops.  Handlers read it; none writes it.
 *
 * Also the handlers' shared helpers: policy checks on the presented token
 * and typed access to JSON body fields.
 */
#ifndef ESCROW_ESCROWD_H
#define ESCROW_ESCROWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "escrow/auth.h"
#include "escrow/http.h"

#define ESCROW_VERSION "0.1.0"

struct store;
struct seal;
struct zones;

struct escrowd {
	struct store *st;
	struct seal *seal;
	struct zones *zones;
	bool allow_plaintext;
	uint64_t started; /* unix seconds */
	char listen[128];
};

extern const struct http_route escrowd_routes[];
extern const size_t escrowd_nroutes;

/**
 * Check that the request carries a live token holding one of the
 * `npol` policies in `pol` (root always passes).  On failure the response
 * is set (403 "permission denied") and false returned.  `info` receives
 * the token's record on success (may be NULL).
 */
bool http_authorize(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *const *pol, size_t npol,
    struct auth_token_info *info);

/*
 * Typed body fields.  Each returns 0 when the field is absent (leaving
 * *out as it was) or valid, or sets a 400 response naming the field and
 * returns -EINVAL.  JSON null counts as absent (hvac sends nulls).
 */
int http_field_uint(const struct http_req *req, struct http_resp *resp,
    const char *name, unsigned max, unsigned *out, bool *present);
int http_field_bool(const struct http_req *req, struct http_resp *resp,
    const char *name, bool *out);
int http_field_str(const struct http_req *req, struct http_resp *resp,
    const char *name, size_t max, const char **out);
/* An array of at most `max` strings; *out points into the body. */
int http_field_strv(const struct http_req *req, struct http_resp *resp,
    const char *name, size_t max, const char **out, size_t *n);
/**
 * A duration: JSON integer seconds, or "90", "90s", "15m", "24h", "7d"; at
 * most ten years; absent or null is 0.  Returns 0, -EINVAL or -ERANGE.
 */
int http_duration(const json_t *v, uint64_t *out);
/* Refuse any field not in `known` (NULL-terminated): strict places. */
int http_fields_only(const struct http_req *req, struct http_resp *resp,
    const char *const *known);

/* What a request needs on one zone. */
enum http_zone_need {
	HTTP_ZONE_USER,   /* encrypt, decrypt, rewrap, datakey */
	HTTP_ZONE_READ,   /* read the key's info */
	HTTP_ZONE_ADMIN,  /* config, trim */
	HTTP_ZONE_ROTATE, /* rotate */
	HTTP_ZONE_MANAGE, /* create, delete */
};

/**
 * Check the token for `need` on zone `zone`: zone-<z>-user for USER;
 * zone-<z>-admin for READ, ADMIN and ROTATE; rotator for ROTATE; operator
 * for everything but USER; auditor for READ; root for all.  An invalid
 * zone name is a 400.  On failure the response is set (403 "permission
 * denied" for a token of another zone: nothing is done) and false
 * returned.
 */
bool http_authorize_zone(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *zone, enum http_zone_need need);

/** Wrap `data` in Vault's logical envelope (request_id, lease_id, ...). */
json_t *http_envelope(const struct http_req *req, json_t *data);

/**
 * Set a refusal of a share: 4xx "custodian NAME: REASON" (NAME = who), or
 * the plain rc mapping when no holder is known or the error is internal.
 */
void http_refusal(struct http_resp *resp, int rc, const char *who);

/**
 * Sealed or uninitialised: set Vault's 503 "Vault is sealed" and return
 * false; unsealed: return true.
 */
bool http_need_unsealed(struct escrowd *app, struct http_resp *resp);

/**
 * Decode a Vault-style share (hex first, else standard base64) of exactly
 * SEAL_SHARE_BYTES (33).  Returns 0 or -EINVAL (out zeroed).
 */
int http_decode_share(const char *key, uint8_t out[static 33]);

struct seal_attempt_info;

/** n plaintext shares (33 bytes each) as a JSON array of hex or base64. */
json_t *http_shares_json(const uint8_t *plain, unsigned n, bool b64);

/** An attempt's nonce as 32 hex digits ("" when no attempt is live). */
json_t *http_nonce_json(const struct seal_attempt_info *ai);

/* Handlers, one file per resource. */
void http_sys_init(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_seal_status(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_unseal(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_seal(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_health(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_leader(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_rotate(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_sys_key_status(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_rekey_init(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_rekey_update(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_rekey_verify(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_token_create(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_token_lookup_self(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_token_revoke_self(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_custodians(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_custodian_share(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_ceremony(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_keys(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_key(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_key_action(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_encrypt(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_decrypt(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_rewrap(struct escrowd *, const struct http_req *,
    struct http_resp *);
void http_transit_datakey(struct escrowd *, const struct http_req *,
    struct http_resp *);

#endif /* ESCROW_ESCROWD_H */
