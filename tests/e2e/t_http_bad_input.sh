# SPDX-License-Identifier: ISC
#
# Hostile and malformed HTTP input against a real escrowd: each gets a
# clear {"errors":[...]} with the right status, the daemon keeps serving,
# and nothing on disk changes.
. "$(dirname "$0")/lib.sh"

start_escrowd "$T/data" --allow-plaintext-shares
expect_status 200 PUT sys/init '{"secret_shares":3,"secret_threshold":2}'
TOKEN=$(sed 's/.*"root_token":"\([^"]*\)".*/\1/' "$T/body")
sums() { sha256sum "$T"/data/*.mdb; }
sums >"$T/before"

errors_body() {
	grep -q '^{"errors":\["' "$T/body" || die "not an errors body: $(cat "$T/body")"
}
bad() { # bad CODE METHOD PATH [JSON]
	expect_status "$@"
	errors_body
}

# Malformed JSON, wrong shapes, wrong types, unknown fields where strict.
bad 400 PUT sys/unseal '{"key":'
bad 400 PUT sys/unseal '[1,2]'
bad 400 PUT sys/unseal '"x"'
bad 400 PUT sys/unseal '{"key":"aa","key":"bb"}'
bad 400 PUT sys/unseal '{"key":12}'
bad 400 PUT sys/unseal '{"reset":"yes"}'
bad 400 PUT sys/unseal '{"key":"zz"}'
bad 400 PUT escrow/unseal '{"custodian":"a","bogus":1}'
bad 400 PUT escrow/custodians '{"public_key":"nope"}'
bad 400 PUT escrow/custodians '{"public_key":"x","extra":true}'
deep=$(printf '%0.s[' $(seq 1 100))
bad 400 PUT sys/unseal "{\"key\":$deep"
bad 400 PUT sys/unseal "$(printf '{"key":"\\ud800"}')"
bad 400 PUT auth/token/create '{"policies":"root"}'
bad 400 PUT auth/token/create '{"policies":["Root!"]}'
bad 400 PUT auth/token/create '{"policies":["x"],"ttl":"5y"}'
# Unknown paths and verbs.
bad 404 GET no/such/path
bad 404 GET sys/seal-status/extra
bad 405 DELETE sys/seal-status
bad 405 GET sys/unseal
code=$(curl -s -o "$T/body" -w '%{http_code}' -X PATCH "$ADDR/v1/sys/health")
[ "$code" = 405 ] || die "PATCH: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$ADDR/nov1/sys/health")
[ "$code" = 404 ] || die "outside /v1: $code"
# No token, a wrong token.
TOKEN_SAVE=$TOKEN
TOKEN=""
bad 403 PUT auth/token/create '{"policies":["operator"]}'
TOKEN="esc.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
bad 403 PUT auth/token/create '{"policies":["operator"]}'
bad 403 GET auth/token/lookup-self
bad 503 PUT sys/seal
TOKEN=$TOKEN_SAVE
# Oversized body (declared and chunked) and an oversized header.
head -c 4300000 /dev/zero | tr '\0' 'a' >"$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$T/big" "$ADDR/v1/sys/unseal")
[ "$code" = 413 ] || die "big body: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$ADDR/v1/sys/unseal")
[ "$code" = 413 ] || die "big chunked body: $code"
big=$(head -c 100000 /dev/zero | tr '\0' 'h')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$ADDR/v1/sys/health")
[ "$code" = 431 ] || [ "$code" = 400 ] || [ "$code" = 000 ] || die "huge header: $code"
# A slow client holding a half-sent request does not block anyone.
exec 3<>"/dev/tcp/127.0.0.1/${ADDR##*:}"
printf 'PUT /v1/sys/unseal HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"k' >&3
expect_status 503 GET sys/health
exec 3>&-

# Still serving, still sealed, nothing written.
expect_status 200 GET sys/seal-status
grep -q '"sealed":true' "$T/body" || die "state changed"
sums >"$T/after"
cmp -s "$T/before" "$T/after" || die "data files changed: $(diff "$T/before" "$T/after")"
stop_escrowd
