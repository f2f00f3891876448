# SPDX-License-Identifier: ISC
#
# Transit under bad input and at scale: bad base64, empty and oversized
# plaintexts, unknown zones, bad versions, wrong types, a 10,000-item batch
# and mixed valid and invalid items (order kept, per-item errors, Vault's
# status codes and partial_failure_response_code).  Nothing a refused
# request sends changes the zone.
. "$(dirname "$0")/lib.sh"

start_escrowd "$T/data" --dev
TOKEN=$(sed -n 's/.*dev: root token: \(esc\.[A-Za-z0-9_-]*\).*/\1/p' "$LOG")
pt=$(printf 'hello' | base64 -w0)

expect_status 200 PUT transit/encrypt/transactions "{\"plaintext\":\"$pt\"}"
ct=$(sed 's/.*"ciphertext":"\([^"]*\)".*/\1/' "$T/body")
case $ct in vault:v1:*) ;; *) die "ciphertext format: $ct" ;; esac
expect_status 200 PUT transit/decrypt/transactions "{\"ciphertext\":\"$ct\"}"
grep -q "\"plaintext\":\"$pt\"" "$T/body" || die "round trip"

bad() { expect_status "$@"; grep -q '"errors":\["' "$T/body" || die "no errors body: $(cat "$T/body")"; }
bad 400 PUT transit/encrypt/transactions '{"plaintext":"not base64!"}'
bad 400 PUT transit/encrypt/transactions '{}'
bad 400 PUT transit/encrypt/transactions '{"plaintext":12}'
bad 400 PUT transit/encrypt/transactions "{\"plaintext\":\"$pt\",\"key_version\":-1}"
bad 400 PUT transit/encrypt/transactions "{\"plaintext\":\"$pt\",\"key_version\":7}"
bad 400 PUT transit/encrypt/transactions "{\"plaintext\":\"$pt\",\"associated_data\":\"%%%\"}"
big=$(head -c 40000 /dev/zero | base64 -w0)
bad 400 PUT transit/encrypt/transactions "{\"plaintext\":\"$big\"}"
# An empty plaintext is a valid (empty) message, as in Vault.
expect_status 200 PUT transit/encrypt/transactions '{"plaintext":""}'
bad 404 PUT transit/encrypt/nosuchzone "{\"plaintext\":\"$pt\"}"
bad 400 PUT transit/encrypt/Bad.Zone "{\"plaintext\":\"$pt\"}"
bad 400 PUT transit/decrypt/transactions '{"ciphertext":"vault:v1:@@@@"}'
bad 400 PUT transit/decrypt/transactions '{"ciphertext":"nonsense"}'
bad 400 PUT transit/decrypt/transactions '{"ciphertext":"vault:vX:AAAA"}'
bad 400 PUT transit/decrypt/transactions '{"ciphertext":"vault:v99:AAAA"}'
grep -q 'version is too new' "$T/body" || die "too new"
bad 400 PUT transit/decrypt/transactions '{"ciphertext":""}'
bad 400 PUT transit/encrypt/transactions '{"batch_input":"x"}'
bad 400 PUT transit/encrypt/transactions '{"batch_input":[]}'
bad 400 PUT transit/keys/newzone '{"type":"aes256-gcm96"}'
bad 400 PUT transit/keys/newzone '{"derived":true}'
bad 400 PUT transit/datakey/other/transactions '{}'
bad 400 PUT transit/datakey/plaintext/transactions '{"bits":100}'
bad 400 PUT transit/keys/transactions/config '{"min_encryption_version":5}'
bad 400 PUT transit/keys/transactions/config '{"auto_rotate_period":"10m"}'
grep -q 'at least 1h' "$T/body" || die "auto_rotate_period: $(cat "$T/body")"
bad 404 PUT transit/keys/nosuchzone/rotate '{}'
grep -q 'zone nosuchzone not found' "$T/body" || die "unknown zone: $(cat "$T/body")"
bad 404 GET transit/keys/nosuchzone
bad 404 DELETE transit/keys/nosuchzone
bad 400 PUT transit/keys/transactions/trim '{"min_available_version":3}'
bad 400 DELETE transit/keys/transactions
expect_status 200 GET transit/keys/transactions
grep -q '"latest_version":1' "$T/body" || die "zone changed: $(cat "$T/body")"

# Mixed batch: order kept, per-item errors, 400 overall, then 207 on request.
good="{\"plaintext\":\"$pt\",\"reference\":\"a\"}"
batch="{\"batch_input\":[$good,{\"plaintext\":\"!!\",\"reference\":\"b\"},$good]}"
expect_status 400 PUT transit/encrypt/transactions "$batch"
grep -q '"batch_results":\[{"ciphertext":"vault:v1:[^"]*","key_version":1,"reference":"a"},{"error":"[^"]*","reference":"b"},{"ciphertext"' "$T/body" ||
    die "mixed batch: $(cat "$T/body")"
# The same without references (the hand-serialised path): same answer.
batch="{\"batch_input\":[{\"plaintext\":\"$pt\"},{\"plaintext\":\"!!\"},7,{\"plaintext\":\"$pt\",\"key_version\":9}]}"
expect_status 400 PUT transit/encrypt/transactions "$batch"
grep -q '"batch_results":\[{"ciphertext":"vault:v1:[^"]*","key_version":1},{"error":"plaintext is not base64 or too long"},{"error":"batch item is not an object"},{"error":"[^"]*"}\]' "$T/body" ||
    die "fast mixed batch: $(cat "$T/body")"
expect_status 400 PUT transit/rewrap/transactions "{\"batch_input\":[{\"ciphertext\":\"$ct\"},{\"ciphertext\":\"vault:v1:AAAA\"}]}"
grep -q '"batch_results":\[{"ciphertext":"vault:v1:[^"]*","key_version":1},{"error":"' "$T/body" ||
    die "fast rewrap batch: $(cat "$T/body")"
batch="{\"partial_failure_response_code\":207,\"batch_input\":[$good,{\"plaintext\":\"!!\"}]}"
expect_status 207 PUT transit/encrypt/transactions "$batch"

# 10,000 items in one batch, then decrypt them all back.
{
	printf '{"batch_input":['
	i=0
	while [ $i -lt 10000 ]; do
		[ $i -gt 0 ] && printf ','
		printf '{"plaintext":"%s"}' "$pt"
		i=$((i + 1))
	done
	printf ']}'
} >"$T/batch.json"
curl -sS -m 120 -X PUT -H "X-Vault-Token: $TOKEN" --data-binary @"$T/batch.json" \
    -o "$T/enc.json" -w '%{http_code}' "$ADDR/v1/transit/encrypt/transactions" >"$T/code"
[ "$(cat "$T/code")" = 200 ] || die "10k batch encrypt: $(cat "$T/code")"
n=$(grep -o '"ciphertext"' "$T/enc.json" | wc -l)
[ "$n" -eq 10000 ] || die "10k batch gave $n results"
sed -e 's/,"key_version":1//g' -e 's/^.*"batch_results":\[/{"batch_input":[/' \
    -e 's/\]},"wrap_info".*$/]}/' "$T/enc.json" >"$T/dec.json"
curl -sS -m 120 -X PUT -H "X-Vault-Token: $TOKEN" --data-binary @"$T/dec.json" \
    -o "$T/out.json" -w '%{http_code}' "$ADDR/v1/transit/decrypt/transactions" >"$T/code"
[ "$(cat "$T/code")" = 200 ] || die "10k batch decrypt: $(cat "$T/code") $(head -c 300 "$T/out.json")"
n=$(grep -o "\"plaintext\":\"$pt\"" "$T/out.json" | wc -l)
[ "$n" -eq 10000 ] || die "10k decrypt gave $n plaintexts"
# 10,001 items is refused whole.
sed 's/\]}$/,{"plaintext":""}]}/' "$T/batch.json" >"$T/big.json"
code=$(curl -sS -m 120 -X PUT -H "X-Vault-Token: $TOKEN" --data-binary @"$T/big.json" \
    -o /dev/null -w '%{http_code}' "$ADDR/v1/transit/encrypt/transactions")
[ "$code" = 400 ] || die "10,001 items: $code"
stop_escrowd
