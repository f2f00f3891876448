# SPDX-License-Identifier: ISC
#
# The Vault-compatible endpoints with curl, in plaintext-share mode: init,
# unseal, health codes, leader, tokens (create, subset rule, lookup,
# revoke, TTL), rotate and key-status, rekey with verification through
# sys/rekey/*, and the refusals Vault does not have (no blind cancel).
. "$(dirname "$0")/lib.sh"

j() { # j KEY: a top-level string or number from $T/body
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$T/body" | head -n 1
}
keys() { # the hex shares of a "keys" array in $T/body, one per line
	sed 's/.*"keys":\[\([^]]*\)\].*/\1/' "$T/body" | tr -d '"' | tr ',' '\n'
}

start_escrowd "$T/data" --allow-plaintext-shares
expect_status 501 GET sys/health
expect_status 299 GET "sys/health?uninitcode=299"
expect_status 400 GET "sys/health?uninitcode=abc"
expect_status 200 GET sys/init
grep -q '"initialized":false' "$T/body" || die "init status"
bad='{"secret_shares":1,"secret_threshold":1}'
expect_status 400 PUT sys/init "$bad"
expect_status 400 PUT sys/init '{"secret_shares":3,"secret_threshold":2,"pgp_keys":["x","y","z"]}'
expect_status 400 PUT sys/init '{"secret_shares":3,"secret_threshold":2,"custodians":["nobody","b","c"]}'
expect_status 200 PUT sys/init '{"secret_shares":3,"secret_threshold":2,"root_token_pgp_key":null,"stored_shares":0}'
ROOT=$(j root_token)
keys >"$T/keys"
[ "$(wc -l <"$T/keys")" -eq 3 ] || die "three keys"
expect_status 400 PUT sys/init '{"secret_shares":3,"secret_threshold":2}'
grep -q 'already initialized' "$T/body" || die "re-init message"
expect_status 503 GET sys/health
expect_status 299 GET "sys/health?sealedcode=299&standbycode=299&drsecondarycode=299&performancestandbycode=299&removedcode=299&uninitcode=299"
expect_status 503 GET sys/leader
expect_status 400 PUT sys/unseal '{}'
expect_status 200 PUT sys/unseal "{\"key\":\"$(sed -n 1p "$T/keys")\"}"
grep -q '"progress":1' "$T/body" || die "progress 1"
expect_status 200 PUT sys/unseal '{"reset":true}'
grep -q '"progress":0' "$T/body" || die "reset"
for i in 2 3; do
	expect_status 200 PUT sys/unseal "{\"key\":\"$(sed -n ${i}p "$T/keys")\"}"
done
grep -q '"sealed":false' "$T/body" || die "unsealed"
expect_status 200 GET sys/health
expect_status 200 GET sys/leader
grep -q '"ha_enabled":false' "$T/body" || die "leader"
curl -sS -I "$ADDR/v1/sys/health" | head -n 1 | grep -q 200 || die "HEAD health"

# Tokens.
TOKEN=$ROOT
expect_status 200 PUT auth/token/create '{"policies":["operator"],"ttl":"1h"}'
OP=$(j client_token)
expect_status 200 PUT auth/token/create '{"policies":["auditor"],"ttl":2}'
AUD=$(j client_token)
TOKEN=$OP
expect_status 200 GET auth/token/lookup-self
grep -q '"policies":\["operator"\]' "$T/body" || die "lookup-self policies"
grep -q "$OP" "$T/body" && die "lookup-self echoed the token"
expect_status 403 PUT auth/token/create '{"policies":["root"]}'
expect_status 403 PUT auth/token/create '{"policies":["auditor"]}'
expect_status 200 PUT auth/token/create '{"policies":["operator"]}'
expect_status 403 PUT sys/rotate
TOKEN=$AUD
expect_status 200 GET sys/key-status
expect_status 403 PUT sys/seal
TOKEN=$ROOT
expect_status 204 PUT sys/rotate
expect_status 200 GET sys/key-status
[ "$(j term)" = 2 ] || die "term after rotate: $(cat "$T/body")"
grep -q '"data":{"term":2' "$T/body" || die "key-status data copy"

# Rekey 2-of-3 -> 3-of-4 with verification, all through sys/rekey/*.
TOKEN=""
expect_status 403 PUT sys/rekey/init '{"secret_shares":4,"secret_threshold":3}'
TOKEN=$OP
expect_status 200 PUT sys/rekey/init '{"secret_shares":4,"secret_threshold":3,"require_verification":true}'
NONCE=$(j nonce)
[ ${#NONCE} -eq 32 ] || die "rekey nonce: $NONCE"
expect_status 409 PUT sys/rekey/init '{"secret_shares":4,"secret_threshold":3}'
expect_status 400 DELETE sys/rekey/init
expect_status 400 DELETE "sys/rekey/init?nonce=00000000000000000000000000000000"
expect_status 400 PUT sys/rekey/update "{\"key\":\"$(sed -n 1p "$T/keys")\",\"nonce\":\"00000000000000000000000000000000\"}"
grep -q 'nonce does not match' "$T/body" || die "wrong nonce: $(cat "$T/body")"
expect_status 200 PUT sys/rekey/update "{\"key\":\"$(sed -n 1p "$T/keys")\",\"nonce\":\"$NONCE\"}"
grep -q '"progress":1' "$T/body" || die "rekey progress"
expect_status 200 PUT sys/rekey/update "{\"key\":\"$(sed -n 3p "$T/keys")\",\"nonce\":\"$NONCE\"}"
grep -q '"complete":true' "$T/body" || die "rekey complete"
grep -q '"verification_required":true' "$T/body" || die "verification"
VNONCE=$(j verification_nonce)
keys >"$T/new"
[ "$(wc -l <"$T/new")" -eq 4 ] || die "four new keys"
# Until verified, the old shares still unseal.
TOKEN=$ROOT
expect_status 204 PUT sys/seal
TOKEN=""
for i in 1 2; do
	expect_status 200 PUT sys/unseal "{\"key\":\"$(sed -n ${i}p "$T/keys")\"}"
done
grep -q '"sealed":false' "$T/body" || die "old shares during verification"
TOKEN=$OP
expect_status 200 GET sys/rekey/verify
VNONCE=$(j nonce)
for i in 1 2 4; do
	expect_status 200 PUT sys/rekey/verify "{\"key\":\"$(sed -n ${i}p "$T/new")\",\"nonce\":\"$VNONCE\"}"
done
grep -q '"complete":true' "$T/body" || die "verify complete: $(cat "$T/body")"
TOKEN=$ROOT
expect_status 204 PUT sys/seal
expect_status 200 GET sys/seal-status
grep -q '"t":3,"n":4' "$T/body" || die "new config: $(cat "$T/body")"
TOKEN=""
expect_status 400 PUT sys/unseal "{\"key\":\"$(sed -n 1p "$T/keys")\"}"
# Its x is either gone (no holder) or another share's (wrong commitment).
grep -q 'custodian share-[0-9]*: share does not match\|holds no current share' \
    "$T/body" || die "old share: $(cat "$T/body")"
for i in 2 3 4; do
	expect_status 200 PUT sys/unseal "{\"key\":\"$(sed -n ${i}p "$T/new")\"}"
done
grep -q '"sealed":false' "$T/body" || die "new shares unseal"

# A revoked token is gone; an expired one too.
TOKEN=$OP
expect_status 204 PUT auth/token/revoke-self
expect_status 403 GET auth/token/lookup-self
sleep 3
TOKEN=$AUD
expect_status 403 GET auth/token/lookup-self
stop_escrowd
