/* SPDX-License-Identifier: ISC */
/*
 * Tokens: who may call what.  A token is "esc." followed by 43 characters
 * of unpadded base64url (32 random bytes).  It is never stored: auth.mdb
 * keeps BLAKE2b-256("escrow-token-v1" || token) as the key of its record
 * (accessor, policies, creation time, TTL), and an accessor -> hash index
 * so a token can be named in logs and audit entries and revoked without
 * knowing it.  Lookups compare hashes, never tokens.
 *
 * Policies are names (root, operator, rotator, auditor, zone-<z>-user,
 * zone-<z>-admin); what they grant is decided by the callers' policy
 * checks, not here.
 *
 * Thread-safe (the store serialises writers).  Needs sodium_init() first.
 */
#ifndef ESCROW_AUTH_H
#define ESCROW_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "escrow/err.h"

#define AUTH_TOKEN_MAX      64 /* chars, without NUL; tokens are 47 */
#define AUTH_ACCESSOR_CHARS 24 /* hex of 12 bytes */
#define AUTH_POLICIES_MAX   16
#define AUTH_POLICY_MAX     80 /* chars of one policy name */

struct store;

struct auth_token_info {
	char accessor[AUTH_ACCESSOR_CHARS + 1];
	uint64_t created;
	uint64_t ttl; /* seconds; 0 = no expiry */
	unsigned npolicies;
	char policies[AUTH_POLICIES_MAX][AUTH_POLICY_MAX + 1];
};

/** Whether `name` is a valid policy name: 1..AUTH_POLICY_MAX of
 * [a-z0-9_-]. */
bool auth_policy_name_valid(const char *name);

/**
 * Drop every token and issue a new root token (policy "root", no expiry).
 * Used once, at init.
 *
 * Returns 0 or a store error.  On failure `token` is zeroed.
 * Secrets: `token` is a credential; the caller wipes it.
 */
ESC_MUST_CHECK int auth_root_issue(struct store *st, uint64_t now,
    char token[static AUTH_TOKEN_MAX + 1]);

/**
 * Issue a token with the given policies and TTL (0 = none).
 *
 * Returns 0, -EINVAL for no policies, more than AUTH_POLICIES_MAX or an
 * invalid name, or a store error.  On failure `token` is zeroed.
 * Secrets: `token` is a credential; the caller wipes it.
 */
ESC_MUST_CHECK int auth_token_create(struct store *st, uint64_t now,
    const char *const *policies, unsigned npolicies, uint64_t ttl,
    char token[static AUTH_TOKEN_MAX + 1], struct auth_token_info *info);

/**
 * Look up a presented token.  An expired token is deleted and reported as
 * unknown.
 *
 * Returns 0, -ESC_EPERM if the token is unknown, malformed or expired,
 * -ESC_ECORRUPT if its record does not parse, or a store error.
 */
ESC_MUST_CHECK int auth_token_lookup(struct store *st, uint64_t now,
    const char *token, struct auth_token_info *out);

/**
 * Revoke a token, by the token itself.
 *
 * Returns 0, -ESC_EPERM if unknown, or a store error.
 */
ESC_MUST_CHECK int auth_token_revoke(struct store *st, const char *token);

/** Whether `info` carries policy `name`. */
bool auth_has_policy(const struct auth_token_info *info, const char *name);

#endif /* ESCROW_AUTH_H */
