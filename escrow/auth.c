/* SPDX-License-Identifier: ISC */
/*
 * Token issue, lookup and revocation over auth.mdb.  A token record is
 * keyed by the token's hash and holds: version, accessor, created, ttl,
 * policy count, then each policy as a length-prefixed name.  The accessors
 * table maps an accessor to the token hash.
 */
#include "escrow/auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "escrow/store.h"

#define TOKEN_PREFIX    "esc."
#define TOKEN_RAW_BYTES 32
#define HASH_BYTES      32
#define REC_VERSION     1
#define REC_MAX                                                                \
	(1 + AUTH_ACCESSOR_CHARS + 8 + 8 + 1 +                                 \
	    AUTH_POLICIES_MAX * (1 + AUTH_POLICY_MAX))

_Static_assert(sizeof(TOKEN_PREFIX) - 1 +
            sodium_base64_ENCODED_LEN(TOKEN_RAW_BYTES,
                sodium_base64_VARIANT_URLSAFE_NO_PADDING) -
            1 <=
        AUTH_TOKEN_MAX,
    "a token fits AUTH_TOKEN_MAX");

bool
auth_policy_name_valid(const char *name)
{
	size_t n = strnlen(name, AUTH_POLICY_MAX + 1);

	if (n == 0 || n > AUTH_POLICY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void
token_hash(const char *token, size_t len, uint8_t out[HASH_BYTES])
{
	static const char dom[] = "escrow-token-v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)dom, sizeof(dom) - 1);
	crypto_generichash_update(&st, (const uint8_t *)token, len);
	crypto_generichash_final(&st, out, HASH_BYTES);
	sodium_memzero(&st, sizeof(st));
}

static size_t
rec_encode(const struct auth_token_info *info, uint8_t *buf)
{
	size_t o = 0;

	buf[o++] = REC_VERSION;
	memcpy(buf + o, info->accessor, AUTH_ACCESSOR_CHARS);
	o += AUTH_ACCESSOR_CHARS;
	for (int i = 7; i >= 0; i--)
		buf[o++] = (uint8_t)(info->created >> (8 * i));
	for (int i = 7; i >= 0; i--)
		buf[o++] = (uint8_t)(info->ttl >> (8 * i));
	buf[o++] = (uint8_t)info->npolicies;
	for (unsigned i = 0; i < info->npolicies; i++) {
		size_t n = strlen(info->policies[i]);

		buf[o++] = (uint8_t)n;
		memcpy(buf + o, info->policies[i], n);
		o += n;
	}
	return o;
}

static int
rec_decode(struct auth_token_info *info, const uint8_t *p, size_t len)
{
	size_t o = 1 + AUTH_ACCESSOR_CHARS + 16 + 1;

	memset(info, 0, sizeof(*info));
	if (len < o || p[0] != REC_VERSION)
		return -ESC_ECORRUPT;
	memcpy(info->accessor, p + 1, AUTH_ACCESSOR_CHARS);
	for (int i = 0; i < 8; i++) {
		info->created =
		    info->created << 8 | p[1 + AUTH_ACCESSOR_CHARS + i];
		info->ttl = info->ttl << 8 | p[1 + AUTH_ACCESSOR_CHARS + 8 + i];
	}
	info->npolicies = p[o - 1];
	if (info->npolicies > AUTH_POLICIES_MAX)
		return -ESC_ECORRUPT;
	for (unsigned i = 0; i < info->npolicies; i++) {
		size_t n;

		if (o >= len || (n = p[o++]) > AUTH_POLICY_MAX || o + n > len)
			return -ESC_ECORRUPT;
		memcpy(info->policies[i], p + o, n);
		o += n;
	}
	return o == len ? 0 : -ESC_ECORRUPT;
}

struct issue {
	bool reset; /* drop every token first (init) */
	uint8_t hash[HASH_BYTES];
	const struct auth_token_info *info;
};

/* Deletes every record of a table, collecting keys first. */
static int
drop_all(struct store_txn *txn, const char *table)
{
	const void *k, *v;
	size_t kl, vl;
	uint8_t key[STORE_KEY_MAX];
	int rc;

	/* Repeatedly delete the last record: bounded by the table's size. */
	while ((rc = store_last(txn, table, &k, &kl, &v, &vl)) == 0) {
		memcpy(key, k, kl);
		if ((rc = store_del(txn, table, key, kl)) != 0)
			return rc;
	}
	return rc == -ENOENT ? 0 : rc;
}

static int
issue_fn(struct store_txn *txn, void *arg)
{
	struct issue *is = arg;
	uint8_t rec[REC_MAX];
	int rc;

	if (is->reset &&
	    ((rc = drop_all(txn, "tokens")) != 0 ||
	        (rc = drop_all(txn, "accessors")) != 0))
		return rc;
	if ((rc = store_put(txn, "tokens", is->hash, HASH_BYTES, rec,
	         rec_encode(is->info, rec))) != 0)
		return rc;
	return store_put(txn, "accessors", is->info->accessor,
	    AUTH_ACCESSOR_CHARS, is->hash, HASH_BYTES);
}

static int
issue(struct store *st, bool reset, struct auth_token_info *info,
    char token[static AUTH_TOKEN_MAX + 1])
{
	uint8_t raw[TOKEN_RAW_BYTES], acc[AUTH_ACCESSOR_CHARS / 2];
	struct issue is = { .reset = reset, .info = info };
	size_t plen = sizeof(TOKEN_PREFIX) - 1;
	int rc;

	randombytes_buf(raw, sizeof(raw));
	randombytes_buf(acc, sizeof(acc));
	sodium_bin2hex(info->accessor, sizeof(info->accessor), acc,
	    sizeof(acc));
	memcpy(token, TOKEN_PREFIX, plen);
	sodium_bin2base64(token + plen, AUTH_TOKEN_MAX + 1 - plen, raw,
	    sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	token_hash(token, strlen(token), is.hash);
	rc = store_write(store_env_get(st, STORE_AUTH), issue_fn, &is);
	if (rc != 0)
		sodium_memzero(token, AUTH_TOKEN_MAX + 1);
	return rc;
}

int
auth_root_issue(struct store *st, uint64_t now,
    char token[static AUTH_TOKEN_MAX + 1])
{
	struct auth_token_info info = { .created = now, .npolicies = 1 };

	snprintf(info.policies[0], sizeof(info.policies[0]), "root");
	return issue(st, true, &info, token);
}

int
auth_token_create(struct store *st, uint64_t now, const char *const *policies,
    unsigned npolicies, uint64_t ttl, char token[static AUTH_TOKEN_MAX + 1],
    struct auth_token_info *info)
{
	sodium_memzero(token, AUTH_TOKEN_MAX + 1);
	memset(info, 0, sizeof(*info));
	if (npolicies == 0 || npolicies > AUTH_POLICIES_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < npolicies; i++) {
		if (policies[i] == NULL || !auth_policy_name_valid(policies[i]))
			return -EINVAL;
		snprintf(info->policies[i], sizeof(info->policies[i]), "%s",
		    policies[i]);
	}
	info->npolicies = npolicies;
	info->created = now;
	info->ttl = ttl;
	return issue(st, false, info, token);
}

/* A well-formed token: the prefix and 43 base64url characters. */
static bool
token_well_formed(const char *token, size_t *len)
{
	size_t plen = sizeof(TOKEN_PREFIX) - 1;

	*len = strnlen(token, AUTH_TOKEN_MAX + 1);
	return *len > plen && *len <= AUTH_TOKEN_MAX &&
	    strncmp(token, TOKEN_PREFIX, plen) == 0;
}

struct revoke {
	uint8_t hash[HASH_BYTES];
	char accessor[AUTH_ACCESSOR_CHARS + 1];
};

static int
revoke_fn(struct store_txn *txn, void *arg)
{
	struct revoke *r = arg;
	struct auth_token_info info;
	const void *v;
	size_t vl;
	int rc;

	if ((rc = store_get(txn, "tokens", r->hash, HASH_BYTES, &v, &vl)) != 0)
		return rc == -ENOENT ? -ESC_EPERM : rc;
	if ((rc = rec_decode(&info, v, vl)) != 0)
		return rc;
	if ((rc = store_del(txn, "tokens", r->hash, HASH_BYTES)) != 0)
		return rc;
	rc = store_del(txn, "accessors", info.accessor, AUTH_ACCESSOR_CHARS);
	return rc == -ENOENT ? 0 : rc;
}

int
auth_token_lookup(struct store *st, uint64_t now, const char *token,
    struct auth_token_info *out)
{
	struct store_txn *txn = NULL;
	uint8_t hash[HASH_BYTES];
	const void *v;
	size_t vl, len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!token_well_formed(token, &len))
		return -ESC_EPERM;
	token_hash(token, len, hash);
	if ((rc = store_read_begin(store_env_get(st, STORE_AUTH), &txn)) != 0)
		return rc;
	rc = store_get(txn, "tokens", hash, HASH_BYTES, &v, &vl);
	if (rc == 0)
		rc = rec_decode(out, v, vl);
	store_txn_end(txn);
	if (rc == -ENOENT)
		return -ESC_EPERM;
	if (rc == 0 && out->ttl != 0 && now >= out->created + out->ttl) {
		/* Expired: gone for good, whoever noticed first. */
		struct revoke r;

		memcpy(r.hash, hash, HASH_BYTES);
		memset(out, 0, sizeof(*out));
		rc = store_write(store_env_get(st, STORE_AUTH), revoke_fn, &r);
		return rc == 0 || rc == -ESC_EPERM ? -ESC_EPERM : rc;
	}
	return rc;
}

int
auth_token_revoke(struct store *st, const char *token)
{
	struct revoke r;
	size_t len;

	if (!token_well_formed(token, &len))
		return -ESC_EPERM;
	token_hash(token, len, r.hash);
	return store_write(store_env_get(st, STORE_AUTH), revoke_fn, &r);
}

bool
auth_has_policy(const struct auth_token_info *info, const char *name)
{
	for (unsigned i = 0; i < info->npolicies; i++)
		if (strcmp(info->policies[i], name) == 0)
			return true;
	return false;
}
