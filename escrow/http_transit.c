/* SPDX-License-Identifier: ISC */
/*
 * Vault's transit engine with a zone as the key name: encrypt, decrypt,
 * rewrap and datakey, each also in batches.  A zone token (policy
 * zone-<z>-user) works on its own zone only: a request for another zone is
 * a 403 that changes nothing.  Bodies come back in Vault's logical
 * envelope.  Plaintexts are base64 in both directions and never reach a
 * log; decrypted bytes live in wiped stack buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow/escrowd.h"
#include "escrow/store.h"
#include "escrow/zone.h"

#define BATCH_MAX 10000 /* items in one batch_input */

enum item_op { OP_ENCRYPT, OP_DECRYPT, OP_REWRAP };

/* The outcome of one item: 0, or an error whose status decides the batch. */
struct item {
	int rc;
	const char *msg; /* set with rc for input errors */
};

/* Decode an optional base64 field into buf; -1 with msg on bad input. */
static int
b64_opt(json_t *obj, const char *name, uint8_t *buf, size_t cap, size_t *len,
    struct item *it)
{
	json_t *v = json_object_get(obj, name);
	const char *s, *end = NULL;

	*len = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		it->msg = "a base64 field is not a string";
		return -1;
	}
	s = json_string_value(v);
	if (sodium_base642bin(buf, cap, s, json_string_length(v), NULL, len,
	        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + json_string_length(v)) {
		it->msg = cap <= ZONE_AD_MAX
		    ? "associated_data or context is not base64 or too long"
		    : "plaintext is not base64 or too long";
		return -1;
	}
	return 0;
}

/* The associated data: associated_data, else context (not both). */
static int
item_ad(json_t *obj, uint8_t *ad, size_t *adlen, struct item *it)
{
	size_t a = 0, c = 0;

	if (b64_opt(obj, "associated_data", ad, ZONE_AD_MAX, &a, it) != 0)
		return -1;
	if (a == 0 && b64_opt(obj, "context", ad, ZONE_AD_MAX, &c, it) != 0)
		return -1;
	if (a != 0 && json_object_get(obj, "context") != NULL &&
	    !json_is_null(json_object_get(obj, "context"))) {
		it->msg = "give associated_data or context, not both";
		return -1;
	}
	*adlen = a != 0 ? a : c;
	return 0;
}

static int
item_version(json_t *obj, uint32_t *v, struct item *it)
{
	json_t *j = json_object_get(obj, "key_version");

	*v = 0;
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    json_integer_value(j) > ZONE_VERSIONS_MAX) {
		it->msg = "key_version must be a non-negative integer";
		return -1;
	}
	*v = (uint32_t)json_integer_value(j);
	return 0;
}

static const char *
item_ciphertext(json_t *obj, struct item *it)
{
	json_t *c = json_object_get(obj, "ciphertext");

	if (!json_is_string(c) || json_string_length(c) == 0) {
		it->msg = "missing ciphertext to decrypt";
		return NULL;
	}
	return json_string_value(c);
}

/* Encrypt one item into out; 0, or -1 with it set. */
static int
encrypt_raw(struct escrowd *app, const char *zone, json_t *obj, struct item *it,
    char *out, size_t cap, uint32_t *used)
{
	uint8_t ad[ZONE_AD_MAX];
	size_t len = 0, adlen = 0;
	uint32_t ver;

	if (!json_is_string(json_object_get(obj, "plaintext"))) {
		it->msg = "missing plaintext to encrypt";
		it->rc = -EINVAL;
		return -1;
	}
	if (item_ad(obj, ad, &adlen, it) != 0 ||
	    item_version(obj, &ver, it) != 0) {
		it->rc = -EINVAL;
		return -1;
	}
	{
		/* The decoded plaintext: on this thread's stack, wiped. */
		uint8_t buf[ZONE_PLAINTEXT_MAX];

		if (b64_opt(obj, "plaintext", buf, sizeof(buf), &len, it) !=
		    0) {
			it->rc = -EINVAL;
			return -1;
		}
		it->rc = zone_encrypt(app->zones, zone, ver, buf, len, ad,
		    adlen, out, cap, used);
		sodium_memzero(buf, len);
	}
	return it->rc == 0 ? 0 : -1;
}

/* Rewrap one item into out; 0, or -1 with it set. */
static int
rewrap_raw(struct escrowd *app, const char *zone, json_t *obj, struct item *it,
    char *out, size_t cap, uint32_t *used)
{
	uint8_t ad[ZONE_AD_MAX];
	const char *ct = item_ciphertext(obj, it);
	size_t adlen = 0;
	uint32_t ver;

	if (ct == NULL || item_ad(obj, ad, &adlen, it) != 0 ||
	    item_version(obj, &ver, it) != 0) {
		it->rc = -EINVAL;
		return -1;
	}
	it->rc =
	    zone_rewrap(app->zones, zone, ct, ad, adlen, ver, out, cap, used);
	return it->rc == 0 ? 0 : -1;
}

static json_t *
encrypt_one(struct escrowd *app, const char *zone, json_t *obj, struct item *it)
{
	char out[ZONE_CIPHERTEXT_MAX];
	uint32_t used;

	if (encrypt_raw(app, zone, obj, it, out, sizeof(out), &used) != 0)
		return NULL;
	return json_pack("{s:s, s:i}", "ciphertext", out, "key_version",
	    (int)used);
}

static json_t *
decrypt_one(struct escrowd *app, const char *zone, json_t *obj, struct item *it)
{
	uint8_t ad[ZONE_AD_MAX], pt[ZONE_PLAINTEXT_MAX];
	char b64[sodium_base64_ENCODED_LEN(ZONE_PLAINTEXT_MAX,
	    sodium_base64_VARIANT_ORIGINAL)];
	const char *ct = item_ciphertext(obj, it);
	size_t adlen = 0, len = 0;
	uint32_t ver;
	json_t *r;

	if (ct == NULL || item_ad(obj, ad, &adlen, it) != 0) {
		it->rc = -EINVAL;
		return NULL;
	}
	it->rc = zone_decrypt(app->zones, zone, ct, ad, adlen, pt, sizeof(pt),
	    &len, &ver);
	if (it->rc != 0)
		return NULL;
	/* The exact length: the rest of b64 would be zero-filled. */
	sodium_bin2base64(b64,
	    sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), pt,
	    len, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(pt, len);
	r = json_pack("{s:s}", "plaintext", b64);
	sodium_memzero(b64, strlen(b64));
	return r;
}

static json_t *
rewrap_one(struct escrowd *app, const char *zone, json_t *obj, struct item *it)
{
	char out[ZONE_CIPHERTEXT_MAX];
	uint32_t used;

	if (rewrap_raw(app, zone, obj, it, out, sizeof(out), &used) != 0)
		return NULL;
	return json_pack("{s:s, s:i}", "ciphertext", out, "key_version",
	    (int)used);
}

/* An item's error text: the input message, or the code's text. */
static const char *
item_error(const struct item *it)
{
	if (it->msg != NULL)
		return it->msg;
	switch (it->rc) {
	case -ESC_ECRYPTO:
		return "cipher: message authentication failed";
	case -ESC_EMALFORMED:
		return "invalid ciphertext";
	case -ENOENT:
		return "encryption key not found";
	default:
		return err_str(it->rc);
	}
}

/* The status an item's error gives: 400 for bad input, else the map. */
static unsigned
item_status(const struct item *it)
{
	if (it->msg != NULL || it->rc == -ESC_ECRYPTO)
		return 400;
	return http_status(it->rc);
}

static json_t *(*const ops[])(struct escrowd *, const char *, json_t *,
    struct item *) = {
	[OP_ENCRYPT] = encrypt_one,
	[OP_DECRYPT] = decrypt_one,
	[OP_REWRAP] = rewrap_one,
};

/* A growing buffer for a batch answer serialised by hand (public data). */
struct outbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void
out_put(struct outbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap == 0 ? 64 * 1024 : b->cap;
		char *np;

		while (cap - b->len < n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
out_str(struct outbuf *b, const char *s)
{
	out_put(b, s, strlen(s));
}

/* An error text into JSON: our own constant texts, made safe anyway. */
static void
out_text(struct outbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = *s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ||
		        (unsigned char)*s > 0x7e
		    ? '?'
		    : *s;

		out_put(b, &c, 1);
	}
}

static bool
any_reference(json_t *items)
{
	size_t i;
	json_t *e;

	json_array_foreach(items, i, e)
	{
		if (json_is_object(e) &&
		    json_object_get(e, "reference") != NULL)
			return true;
	}
	return false;
}

/*
 * A batch of encrypts or rewraps without references, serialised by hand:
 * every result is "vault:v<N>:" with base64, a number, or one of our error
 * texts.  The same results, order and status as batch() gives.
 */
static void
batch_fast(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp, const char *zone, enum item_op op, json_t *items,
    unsigned partial)
{
	struct outbuf b = { 0 };
	char ct[ZONE_CIPHERTEXT_MAX], num[32];
	unsigned status = 200;
	size_t i, ok = 0;
	json_t *e;

	out_str(&b, "{\"request_id\":\"");
	out_str(&b, req->request_id);
	out_str(&b,
	    "\",\"lease_id\":\"\",\"renewable\":false,"
	    "\"lease_duration\":0,\"data\":{\"batch_results\":[");
	json_array_foreach(items, i, e)
	{
		struct item it = { 0 };
		uint32_t used;
		int rc = -1;

		if (!json_is_object(e))
			it.msg = "batch item is not an object", it.rc = -EINVAL;
		else if (op == OP_ENCRYPT)
			rc = encrypt_raw(app, zone, e, &it, ct, sizeof(ct),
			    &used);
		else
			rc = rewrap_raw(app, zone, e, &it, ct, sizeof(ct),
			    &used);
		out_str(&b, i == 0 ? "{" : ",{");
		if (rc == 0) {
			snprintf(num, sizeof(num), "%u", used);
			out_str(&b, "\"ciphertext\":\"");
			out_str(&b, ct);
			out_str(&b, "\",\"key_version\":");
			out_str(&b, num);
			ok++;
		} else {
			unsigned st = item_status(&it);

			out_str(&b, "\"error\":\"");
			out_text(&b, item_error(&it));
			out_str(&b, "\"");
			if (st > status || status == 200)
				status = st;
		}
		out_str(&b, "}");
	}
	out_str(&b, "]},\"wrap_info\":null,\"warnings\":null,\"auth\":null}");
	if (status != 200 && ok > 0 && partial >= 100)
		status = partial;
	if (b.failed)
		http_reply_rc(resp, -ENOMEM, "batch");
	else
		http_reply_raw(resp, status, b.p, b.len);
	free(b.p);
}

/*
 * Run a batch: results in input order, each item's error in its own
 * result.  The status is 200 when all succeeded, else the worst item's
 * (Vault: 400 for input errors), or partial_failure_response_code when at
 * least one item succeeded and the caller set it.
 */
static void
batch(struct escrowd *app, const struct http_req *req, struct http_resp *resp,
    const char *zone, enum item_op op, json_t *items)
{
	unsigned status = 200, partial = 0;
	size_t i, ok = 0;
	json_t *results = json_array(), *e;

	if (json_array_size(items) == 0 || json_array_size(items) > BATCH_MAX) {
		json_decref(results);
		http_reply_error(resp, 400,
		    "batch_input must hold 1 to %d items", BATCH_MAX);
		return;
	}
	if (http_field_uint(req, resp, "partial_failure_response_code", 599,
	        &partial, NULL) != 0) {
		json_decref(results);
		return;
	}
	if (op != OP_DECRYPT && !any_reference(items)) {
		json_decref(results);
		batch_fast(app, req, resp, zone, op, items, partial);
		return;
	}
	json_array_foreach(items, i, e)
	{
		struct item it = { 0 };
		json_t *r =
		    json_is_object(e) ? ops[op](app, zone, e, &it) : NULL;
		json_t *ref =
		    json_is_object(e) ? json_object_get(e, "reference") : NULL;

		if (!json_is_object(e))
			it.msg = "batch item is not an object", it.rc = -EINVAL;
		if (r == NULL) {
			unsigned st = item_status(&it);

			r = json_pack("{s:s}", "error", item_error(&it));
			if (st > status || status == 200)
				status = st;
		} else
			ok++;
		if (json_is_string(ref))
			json_object_set(r, "reference", ref);
		json_array_append_new(results, r);
	}
	if (status != 200 && ok > 0 && partial >= 100)
		status = partial;
	resp->secret = op == OP_DECRYPT;
	http_reply(resp, status,
	    http_envelope(req, json_pack("{s:o}", "batch_results", results)));
}

/*
 * The answer to one encrypt or rewrap, serialised by hand: it is the hot
 * path, and every byte of it is a request id (a UUID), "vault:v<N>:" with
 * base64, or a number, none of which needs escaping.
 */
static void
reply_ciphertext(const struct http_req *req, struct http_resp *resp, json_t *r)
{
	char buf[ZONE_CIPHERTEXT_MAX + 256];
	json_t *ref = json_object_get(req->body, "reference");
	int n;

	if (ref != NULL && !json_is_null(ref)) {
		/* A reference is the caller's text: let jansson escape it. */
		json_object_set(r, "reference", ref);
		http_reply(resp, 200, http_envelope(req, r));
		return;
	}
	n = snprintf(buf, sizeof(buf),
	    "{\"request_id\":\"%s\",\"lease_id\":\"\",\"renewable\":false,"
	    "\"lease_duration\":0,\"data\":{\"ciphertext\":\"%s\","
	    "\"key_version\":%lld},\"wrap_info\":null,\"warnings\":null,"
	    "\"auth\":null}",
	    req->request_id,
	    json_string_value(json_object_get(r, "ciphertext")),
	    (long long)json_integer_value(json_object_get(r, "key_version")));
	json_decref(r);
	http_reply_raw(resp, 200, buf, (size_t)n);
}

static void
crypt(struct escrowd *app, const struct http_req *req, struct http_resp *resp,
    enum item_op op)
{
	const char *zone = req->params[0];
	json_t *items = json_object_get(req->body, "batch_input"), *r;
	struct item it = { 0 };

	if (!http_authorize_zone(app, req, resp, zone, HTTP_ZONE_USER))
		return;
	if (items != NULL && !json_is_null(items)) {
		if (!json_is_array(items)) {
			http_reply_error(resp, 400,
			    "batch_input must be an "
			    "array");
			return;
		}
		batch(app, req, resp, zone, op, items);
		return;
	}
	if ((r = ops[op](app, zone, req->body, &it)) == NULL) {
		http_reply_error(resp, item_status(&it), "%s", item_error(&it));
		return;
	}
	if (op != OP_DECRYPT)
		reply_ciphertext(req, resp, r);
	else {
		resp->secret = true;
		http_reply(resp, 200, http_envelope(req, r));
	}
}

void
http_transit_encrypt(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	crypt(app, req, resp, OP_ENCRYPT);
}

void
http_transit_decrypt(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	crypt(app, req, resp, OP_DECRYPT);
}

void
http_transit_rewrap(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	crypt(app, req, resp, OP_REWRAP);
}

/*
 * datakey/plaintext|wrapped/:z: a fresh random key of `bits` (128, 256 or
 * 512), encrypted under the zone like any plaintext; the plaintext form
 * is returned only on the "plaintext" path.
 */
void
http_transit_datakey(struct escrowd *app, const struct http_req *req,
    struct http_resp *resp)
{
	const char *kind = req->params[0], *zone = req->params[1];
	uint8_t key[64], ad[ZONE_AD_MAX];
	char out[ZONE_CIPHERTEXT_MAX],
	    b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	unsigned bits = 256;
	size_t adlen = 0;
	uint32_t ver, used;
	struct item it = { 0 };
	bool plain = strcmp(kind, "plaintext") == 0;
	json_t *data;

	if (!plain && strcmp(kind, "wrapped") != 0) {
		http_reply_error(resp, 400,
		    "datakey type must be 'plaintext' or 'wrapped'");
		return;
	}
	if (!http_authorize_zone(app, req, resp, zone, HTTP_ZONE_USER))
		return;
	if (http_field_uint(req, resp, "bits", 512, &bits, NULL) != 0)
		return;
	if (bits != 128 && bits != 256 && bits != 512) {
		http_reply_error(resp, 400, "bits must be 128, 256 or 512");
		return;
	}
	if (item_ad(req->body, ad, &adlen, &it) != 0 ||
	    item_version(req->body, &ver, &it) != 0) {
		http_reply_error(resp, 400, "%s", it.msg);
		return;
	}
	randombytes_buf(key, bits / 8);
	it.rc = zone_encrypt(app->zones, zone, ver, key, bits / 8, ad, adlen,
	    out, sizeof(out), &used);
	if (it.rc != 0) {
		sodium_memzero(key, sizeof(key));
		http_reply_error(resp, item_status(&it), "%s", item_error(&it));
		return;
	}
	data = json_pack("{s:s, s:i}", "ciphertext", out, "key_version",
	    (int)used);
	if (plain) {
		sodium_bin2base64(b64, sizeof(b64), key, bits / 8,
		    sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(data, "plaintext", json_string(b64));
		sodium_memzero(b64, sizeof(b64));
		resp->secret = true;
	}
	sodium_memzero(key, sizeof(key));
	http_reply(resp, 200, http_envelope(req, data));
}
