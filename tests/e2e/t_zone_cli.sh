# SPDX-License-Identifier: ISC
#
# Zones from the command line: escrowctl zone create|list|show|rotate|
# config|trim|delete and escrowctl encrypt|decrypt against a dev daemon
# (which has zones profiles, transactions and audit).  Binary round trips
# compared with cmp, old ciphertexts after a rotation, Vault's "too old"
# refusal, a zone token kept to its zone, trim, deletion only once allowed,
# and the CLI's own errors: one line on stderr, exit 1, or 2 when the
# service is sealed or unreachable.
. "$(dirname "$0")/lib.sh"

start_escrowd "$T/data" --dev
ROOT=$(sed -n 's/.*dev: root token: \(esc\.[A-Za-z0-9_-]*\).*/\1/p' "$LOG")
[ -n "$ROOT" ] || die "no root token printed"
export ESCROW_TOKEN="$ROOT"

# row VERSION: the row of that version in `zone show orders` (fields:
# version state date time encryptions decryptions rewraps last-use...).
row() {
	"$CTL" zone show orders >"$T/show" || die "zone show orders"
	awk -v v="$1" '$1 == v' "$T/show"
}

# Every verb has its --help.
"$CTL" --help | grep -q '^  zone ' || die "zone not in escrowctl --help"
for v in create list show rotate config trim delete; do
	"$CTL" zone "$v" --help | grep -q "^usage: escrowctl zone $v" ||
	    die "zone $v --help"
done
for v in encrypt decrypt; do
	"$CTL" "$v" --help | grep -q "^usage: escrowctl $v --zone" ||
	    die "$v --help"
done

# create: new, again (left unchanged, exit 0), the other type, a refused type.
[ "$("$CTL" zone create orders)" = \
    "zone orders created (xchacha20-poly1305, version 1)" ] ||
    die "zone create orders"
"$CTL" zone create orders >"$T/out" || die "zone create again"
grep -q '^zone orders already exists; left unchanged' "$T/out" ||
    die "create again: $(cat "$T/out")"
"$CTL" zone create legacy --type chacha20-poly1305 >"$T/out" ||
    die "create chacha20-poly1305"
grep -q '(chacha20-poly1305, version 1)' "$T/out" || die "legacy: $(cat "$T/out")"
expect_fail "refused type" "zone create: zone 'bad': key type aes256-gcm96 is not supported" \
    "$CTL" zone create bad --type aes256-gcm96
expect_exit 1 "exit code of a refused type" \
    "$CTL" zone create bad --type aes256-gcm96

# list: every zone in name order; --json.
"$CTL" zone list >"$T/list" || die "zone list"
printf '%s\n' audit legacy orders profiles transactions | diff - "$T/list" ||
    die "zone list"
"$CTL" zone list --json | grep -q '^{"keys":\["audit","legacy","orders",' ||
    die "zone list --json"

# show: the config, one active version, --json.
"$CTL" zone show orders >"$T/show" || die "zone show"
grep -q '^Type  *xchacha20-poly1305$' "$T/show" || die "show: $(cat "$T/show")"
grep -q '^Deletion allowed  *false$' "$T/show" || die "show: $(cat "$T/show")"
[ "$(row 1 | cut -c1-24)" = "      1  active        2" ] ||
    die "show row 1: $(row 1)"
[ "$("$CTL" zone show orders --json | json_num latest_version)" = 1 ] ||
    die "show --json"

# Round trip of 1000 random bytes (NULs and newlines included).
head -c 1000 /dev/urandom >"$T/pt"
"$CTL" encrypt --zone orders <"$T/pt" >"$T/ct1" || die "encrypt"
[ "$(wc -l <"$T/ct1")" -eq 1 ] || die "ciphertext is not one line"
grep -q '^vault:v1:[A-Za-z0-9+/=]*$' "$T/ct1" || die "ct1: $(cat "$T/ct1")"
"$CTL" decrypt --zone orders <"$T/ct1" >"$T/pt1" || die "decrypt"
cmp "$T/pt" "$T/pt1" || die "round trip differs"
# The largest plaintext, and one byte more.
head -c 32768 /dev/urandom >"$T/big"
"$CTL" encrypt -z orders <"$T/big" | "$CTL" decrypt -z orders >"$T/big1" ||
    die "32 KiB round trip"
cmp "$T/big" "$T/big1" || die "32 KiB round trip differs"
head -c 32769 /dev/urandom >"$T/huge"
expect_fail "too big" "encrypt: zone 'orders': the plaintext on stdin is longer than 32768 bytes" \
    "$CTL" encrypt --zone orders <"$T/huge"
# --json both ways.
"$CTL" encrypt --zone orders --json <"$T/pt" >"$T/ct.json" || die "encrypt --json"
grep -q '^{"ciphertext":"vault:v1:[^"]*","key_version":1}$' "$T/ct.json" ||
    die "encrypt --json: $(cat "$T/ct.json")"
"$CTL" decrypt --zone orders --json <"$T/ct1" >"$T/pt.json" || die "decrypt --json"
[ "$(json_str plaintext <"$T/pt.json")" = "$(base64 -w0 <"$T/pt")" ] ||
    die "decrypt --json: $(cat "$T/pt.json")"

# Associated data: needed to decrypt, as text or as base64 alike.
"$CTL" encrypt --zone orders --associated-data 'row 7' <"$T/pt" >"$T/ct_ad" ||
    die "encrypt with associated data"
expect_fail "without associated data" "decrypt: zone 'orders': cipher: message authentication failed" \
    "$CTL" decrypt --zone orders <"$T/ct_ad"
"$CTL" decrypt --zone orders --context "$(printf 'row 7' | base64)" \
    <"$T/ct_ad" >"$T/pt_ad" || die "decrypt with --context"
cmp "$T/pt" "$T/pt_ad" || die "associated data round trip differs"
# Another zone's key does not open it.
expect_fail "other zone" "decrypt: zone 'legacy': cipher: message authentication failed" \
    "$CTL" decrypt --zone legacy <"$T/ct1"

# The counters: one encryption of the 1000 bytes, the 32 KiB and the
# --json one, one with associated data; decryptions likewise.
enc=$(row 1 | awk '{print $5}')
dec=$(row 1 | awk '{print $6}')
[ "$enc" = 4 ] || die "v1 encryptions: $(row 1)"
[ "$dec" -ge 4 ] || die "v1 decryptions: $(row 1)"

# rotate: new ciphertexts are v2, v1 ones still decrypt, --key-version 1.
[ "$("$CTL" zone rotate orders)" = \
    "zone orders rotated: version 2 is the latest" ] || die "rotate"
"$CTL" encrypt --zone orders <"$T/pt" >"$T/ct2" || die "encrypt v2"
grep -q '^vault:v2:' "$T/ct2" || die "ct2: $(cat "$T/ct2")"
"$CTL" decrypt --zone orders <"$T/ct1" | cmp - "$T/pt" || die "v1 after rotate"
"$CTL" decrypt --zone orders <"$T/ct2" | cmp - "$T/pt" || die "v2"
"$CTL" encrypt --zone orders --key-version 1 <"$T/pt" | grep -q '^vault:v1:' ||
    die "--key-version 1"
[ "$(row 1 | awk '{print $2}')" = decrypt-only ] || die "v1: $(row 1)"
[ "$(row 2 | awk '{print $2}')" = active ] || die "v2: $(row 2)"

# config: v1 ciphertexts become too old for decryption.
"$CTL" zone config orders --min-decryption-version 2 >"$T/out" ||
    die "config --min-decryption-version"
grep -q '^Min decryption version  *2$' "$T/out" || die "config: $(cat "$T/out")"
expect_fail "too old" "decrypt: zone 'orders': ciphertext or signature version is disallowed by policy (too old)" \
    "$CTL" decrypt --zone orders <"$T/ct1"
expect_exit 1 "exit code of too old" "$CTL" decrypt --zone orders <"$T/ct1"
"$CTL" decrypt --zone orders <"$T/ct2" | cmp - "$T/pt" || die "v2 after config"
expect_fail "bad bool" "--deletion-allowed must be true or false, not 'yes'" \
    "$CTL" zone config orders --deletion-allowed yes
expect_fail "config without options" "give at least one option" \
    "$CTL" zone config orders
"$CTL" zone config orders --auto-rotate-period 24h --json >"$T/out" ||
    die "config --auto-rotate-period"
[ "$(json_num auto_rotate_period <"$T/out")" = 86400 ] ||
    die "auto_rotate_period: $(cat "$T/out")"
# Below 1h is refused (the service's words for it vary: match the zone).
expect_fail "short period" "zone config: zone 'orders': " \
    "$CTL" zone config orders --auto-rotate-period 5m
expect_exit 1 "exit code of a short period" \
    "$CTL" zone config orders --auto-rotate-period 5m

# A token of zone profiles works there, and nowhere else.
"$CTL" token create --policy zone-profiles-user --json >"$T/tok.json" ||
    die "token create"
ZTOK=$(json_str client_token <"$T/tok.json")
[ -n "$ZTOK" ] || die "no zone token: $(cat "$T/tok.json")"
ESCROW_TOKEN="$ZTOK" "$CTL" encrypt --zone profiles <"$T/pt" >"$T/ctp" ||
    die "zone token: encrypt in its zone"
ESCROW_TOKEN="$ZTOK" "$CTL" decrypt --zone profiles <"$T/ctp" | cmp - "$T/pt" ||
    die "zone token: decrypt in its zone"
expect_fail "zone token, other zone" "encrypt: zone 'transactions': permission denied" \
    env ESCROW_TOKEN="$ZTOK" "$CTL" encrypt --zone transactions <"$T/pt"
expect_exit 1 "exit code of permission denied" \
    env ESCROW_TOKEN="$ZTOK" "$CTL" encrypt --zone transactions <"$T/pt"
expect_fail "zone token, rotate" "zone rotate: zone 'profiles': permission denied" \
    env ESCROW_TOKEN="$ZTOK" "$CTL" zone rotate profiles
[ "$(ESCROW_TOKEN="$ZTOK" "$CTL" zone list)" = profiles ] ||
    die "zone token sees other zones"
# A token that may use no zone lists nothing, and succeeds.
"$CTL" token create --policy zone-ghost-user --json >"$T/tok2.json" ||
    die "token create ghost"
GTOK=$(json_str client_token <"$T/tok2.json")
expect_exit 0 "list of no zones" env ESCROW_TOKEN="$GTOK" "$CTL" zone list
[ ! -s "$T/out" ] || die "list of no zones printed: $(cat "$T/out")"

# trim: version 1 is destroyed, and trimming back is refused.
[ "$("$CTL" zone trim orders --min-available-version 2)" = \
    "zone orders trimmed: versions 2 to 2 remain" ] || die "trim"
[ -z "$(row 1)" ] || die "v1 survived the trim: $(row 1)"
[ -n "$(row 2)" ] || die "v2 lost in the trim"
expect_fail "trim back" "zone trim: zone 'orders': " \
    "$CTL" zone trim orders --min-available-version 1
expect_fail "trim without N" "--min-available-version is required" \
    "$CTL" zone trim orders

# delete: refused until the config allows it.
expect_fail "delete refused" "zone delete: zone 'orders': deletion is not allowed for this key" \
    "$CTL" zone delete orders
"$CTL" zone show orders >/dev/null || die "orders gone after a refused delete"
"$CTL" zone config orders --deletion-allowed true >/dev/null ||
    die "config --deletion-allowed true"
[ "$("$CTL" zone delete orders)" = "zone orders deleted" ] || die "delete"
"$CTL" zone list | grep -qx orders && die "orders still listed"
expect_fail "show deleted" "zone show: zone 'orders': no such zone" \
    "$CTL" zone show orders

# Usage errors: one line, exit 1, before any call.
expect_fail "no --zone" "encrypt: --zone is required" "$CTL" encrypt </dev/null
expect_exit 1 "exit code of no --zone" "$CTL" decrypt </dev/null
expect_fail "bad zone name" "invalid zone name 'Orders/x'" \
    "$CTL" encrypt --zone 'Orders/x' </dev/null
expect_fail "no NAME" "zone show: missing the zone NAME" "$CTL" zone show
expect_fail "two NAMEs" "unexpected argument 'b'" "$CTL" zone show a b
expect_fail "unknown zone verb" "unknown verb 'frob'" "$CTL" zone frob
expect_fail "both ad options" "give --context or --associated-data, not both" \
    "$CTL" encrypt --zone profiles --context cm93 --associated-data row </dev/null
expect_fail "not a ciphertext" "stdin must hold one ciphertext line" \
    "$CTL" decrypt --zone profiles <"$T/pt"
expect_fail "no token" "a token is required" \
    env -u ESCROW_TOKEN "$CTL" zone list
# An unknown zone: a clear line naming it, exit 1.
expect_fail "unknown zone: encrypt" "encrypt: zone 'nope': " \
    "$CTL" encrypt --zone nope <"$T/pt"
expect_exit 1 "exit code of an unknown zone" "$CTL" encrypt --zone nope <"$T/pt"
expect_fail "unknown zone: show" "zone show: zone 'nope': no such zone" \
    "$CTL" zone show nope
expect_exit 1 "exit code of show of an unknown zone" "$CTL" zone show nope

# Sealed: exit 2.
"$CTL" seal >/dev/null || die "seal"
expect_exit 2 "encrypt while sealed" "$CTL" encrypt --zone profiles <"$T/pt"
grep -q 'sealed' "$T/err" || die "sealed: $(cat "$T/err")"

# Unreachable: one line naming the address, exit 2.
stop_escrowd
expect_fail "unreachable: list" "cannot reach $ADDR: " "$CTL" zone list
expect_exit 2 "exit code when unreachable: list" "$CTL" zone list
expect_exit 2 "exit code when unreachable: show" "$CTL" zone show profiles
expect_exit 2 "exit code when unreachable: encrypt" \
    "$CTL" encrypt --zone profiles <"$T/pt"
expect_exit 2 "exit code when unreachable: decrypt" \
    "$CTL" decrypt --zone profiles <"$T/ct2"
exit 0
