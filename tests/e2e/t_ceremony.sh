# SPDX-License-Identifier: ISC
#
# The whole custody ceremony with escrowctl against a real escrowd: three
# custodians make keys, init 2-of-3, the daemon restarts sealed, two
# custodians unseal, seal and unseal again, each custodian checks their
# share online and offline (--data on the live daemon's directory, and a
# --sealed file), a rekey with verification replaces every share, the new
# shares unseal, a rekey is cancelled, and a token is created.
. "$(dirname "$0")/lib.sh"

for c in alice bob carol; do
	new_custodian "$c"
done
start_escrowd "$T/data"

# Uninitialised: status says so and exits 2.
expect_exit 2 "status before init" "$CTL" status
grep -q '^Initialized *false' "$T/out" || die "status: $(cat "$T/out")"

# Init 2-of-3: registers the three, prints the root token once.
"$CTL" init -t 2 --json "$T/alice.pub" "$T/bob.pub" "$T/carol.pub" \
    >"$T/init.json" || die "init failed"
ROOT=$(json_str root_token <"$T/init.json")
[ -n "$ROOT" ] || die "init: no root token: $(cat "$T/init.json")"
grep -q '"custodians":\["alice","bob","carol"\]' "$T/init.json" ||
    die "init: custodians: $(cat "$T/init.json")"
expect_fail "init again" "already initialized" \
    "$CTL" init -t 2 "$T/alice.pub" "$T/bob.pub"
# Registering again is a no-op, now with the root token; '-' is stdin.
"$CTL" custodian register --token "$ROOT" - <"$T/bob.pub" >"$T/out" ||
    die "register again"
grep -q '^registered bob  fingerprint [0-9a-f]\{32\}$' "$T/out" ||
    die "register: $(cat "$T/out")"
"$CTL" custodian list >"$T/out" || die "custodian list"
[ "$(grep -c ' yes$' "$T/out")" -eq 3 ] || die "list: $(cat "$T/out")"

# Restart: the daemon comes back sealed.
stop_escrowd
start_escrowd "$T/data"
expect_exit 2 "status while sealed" "$CTL" status
grep -q '^Sealed *true' "$T/out" || die "status: $(cat "$T/out")"
grep -q '^Threshold *2 of 3' "$T/out" || die "status: $(cat "$T/out")"

# Each custodian can check their share before any ceremony.
for c in alice bob carol; do
	out=$("$CTL" custodian verify-share --key "$T/$c.key" -p "$T/$c.pw") ||
	    die "verify-share $c"
	[ "$out" = "share OK" ] || die "verify-share $c: $out"
done

unseal() { # unseal NAME EXPECTED-LINE
	out=$("$CTL" unseal --key "$T/$1.key" --passphrase-file "$T/$1.pw") ||
	    die "unseal $1 failed"
	[ "$out" = "$2" ] || die "unseal $1: '$out', expected '$2'"
}

unseal alice "1/2 shares; still sealed"
expect_exit 2 "status after one share" "$CTL" status
grep -q '^Unseal progress *1/2' "$T/out" || die "status: $(cat "$T/out")"
grep -q '^Submitted *alice$' "$T/out" || die "status: $(cat "$T/out")"
"$CTL" status --json >"$T/out" && die "status --json exits 0 while sealed"
grep -q '"submitted":\["alice"\]' "$T/out" || die "status --json: $(cat "$T/out")"
unseal bob "2/2 shares; unsealed"
expect_exit 0 "status unsealed" "$CTL" status
grep -q '^Sealed *false' "$T/out" || die "status: $(cat "$T/out")"
unseal carol "already unsealed"

# Seal with the root token, then unseal with another pair.
export ESCROW_TOKEN="$ROOT"
[ "$("$CTL" seal)" = sealed ] || die "seal"
expect_exit 2 "status after seal" "$CTL" status
expect_exit 2 "seal while sealed" "$CTL" seal
grep -q 'sealed' "$T/err" || die "seal twice: $(cat "$T/err")"
unseal carol "1/2 shares; still sealed"
unseal bob "2/2 shares; unsealed"
expect_exit 0 "status unsealed again" "$CTL" status

# show-share: online, offline on the live daemon's directory, and from a
# --sealed file agree; nothing but --reveal prints the share.
show() { # show NAME [ARGS...]: show-share's output in $T/out
	n=$1
	shift
	"$CTL" custodian show-share --key "$T/$n.key" -p "$T/$n.pw" "$@" \
	    >"$T/out" || die "show-share $n $*"
}
show alice
grep -q '^Commitment  matches$' "$T/out" || die "show-share: $(cat "$T/out")"
grep -q '^x  *[0-9]' "$T/out" || die "show-share: $(cat "$T/out")"
grep -q '[0-9a-f]\{66\}' "$T/out" && die "show-share printed the share"
cp "$T/out" "$T/show.online"
show alice --data "$T/data"
cmp -s "$T/out" "$T/show.online" || die "show-share --data differs: $(cat "$T/out")"
show alice --reveal
grep -q '^[0-9a-f]\{66\}$' "$T/out" || die "reveal: $(cat "$T/out")"
cp "$T/out" "$T/alice.share"
show alice --reveal --data "$T/data"
cmp -s "$T/out" "$T/alice.share" || die "reveal --data differs"
api GET escrow/custodians/alice/share | sed '$d' | json_str sealed_share \
    >"$T/alice.sealed"
show alice --reveal --sealed "$T/alice.sealed"
cmp -s "$T/out" "$T/alice.share" || die "reveal --sealed differs"
show alice --sealed "$T/alice.sealed"
grep -q '^Commitment  not checked' "$T/out" || die "--sealed: $(cat "$T/out")"
show alice --json
grep -q '"commitment":"matches"' "$T/out" || die "show --json: $(cat "$T/out")"
grep -q '"share"' "$T/out" && die "show --json printed the share"
out=$("$CTL" custodian verify-share --key "$T/bob.key" -p "$T/bob.pw" \
    --data "$T/data") || die "verify-share --data"
[ "$out" = "share OK" ] || die "verify-share --data: $out"
# Any two of the three shares give the same secret.
show bob --reveal
cp "$T/out" "$T/bob.share"
show carol --reveal --data "$T/data"
cp "$T/out" "$T/carol.share"
m1=$(cat "$T/alice.share" "$T/bob.share" | "$CTL" shamir combine)
m2=$(cat "$T/bob.share" "$T/carol.share" | "$CTL" shamir combine)
[ ${#m1} -eq 64 ] && [ "$m1" = "$m2" ] || die "shares do not agree"

# Rekey with verification: two current shares, then two new ones.
"$CTL" rekey start -t 2 --custodian alice --custodian bob \
    --custodian carol --require-verification >"$T/out" || die "rekey start"
expect_fail "rekey start twice" "in progress" \
    "$CTL" rekey start -t 2 -c alice -c bob
"$CTL" rekey status >"$T/out" || die "rekey status"
grep -q '^Started *true' "$T/out" || die "rekey status: $(cat "$T/out")"
grep -q '^Progress *0/2' "$T/out" || die "rekey status: $(cat "$T/out")"
out=$("$CTL" rekey submit --key "$T/alice.key" -p "$T/alice.pw") ||
    die "rekey submit alice"
[ "$out" = "1/2 current shares; rekey in progress" ] || die "rekey: $out"
"$CTL" rekey submit --key "$T/bob.key" -p "$T/bob.pw" >"$T/out" ||
    die "rekey submit bob"
grep -q 'rekey complete: the new shares await verification' "$T/out" ||
    die "rekey: $(cat "$T/out")"
# Pending shares open and match, online and offline; the old still hold.
show carol --pending
grep -q '^Share *pending' "$T/out" || die "pending: $(cat "$T/out")"
grep -q '^Commitment  matches$' "$T/out" || die "pending: $(cat "$T/out")"
out=$("$CTL" custodian verify-share --pending --key "$T/alice.key" \
    -p "$T/alice.pw" --data "$T/data") || die "verify-share --pending"
[ "$out" = "share OK" ] || die "verify-share --pending: $out"
show alice --reveal
cmp -s "$T/out" "$T/alice.share" || die "old share changed before verification"
out=$("$CTL" rekey verify --key "$T/alice.key" -p "$T/alice.pw") ||
    die "rekey verify alice"
[ "$out" = "1/2 new shares; verification in progress" ] || die "verify: $out"
out=$("$CTL" rekey verify --key "$T/carol.key" -p "$T/carol.pw") ||
    die "rekey verify carol"
[ "$out" = "2/2 new shares verified; they are now in force" ] ||
    die "verify: $out"
"$CTL" rekey status >"$T/out" || die "rekey status after"
grep -q '^Started *false' "$T/out" || die "rekey status: $(cat "$T/out")"
expect_fail "no pending share" "holds no pending share" \
    "$CTL" custodian verify-share --pending --key "$T/bob.key" -p "$T/bob.pw"
# New shares: different, consistent, and they unseal.
show alice --reveal
cmp -s "$T/out" "$T/alice.share" && die "alice's share did not change"
cp "$T/out" "$T/alice.new"
show bob --reveal --data "$T/data"
n1=$(cat "$T/alice.new" "$T/out" | "$CTL" shamir combine)
[ ${#n1} -eq 64 ] && [ "$n1" != "$m1" ] || die "new shares: same secret"
[ "$("$CTL" seal)" = sealed ] || die "seal after rekey"
unseal bob "1/2 shares; still sealed"
unseal carol "2/2 shares; unsealed"

# A rekey can be cancelled (the nonce is read from the service).
"$CTL" rekey start -t 2 -c alice -c bob >/dev/null || die "rekey start 2"
[ "$("$CTL" rekey cancel)" = "rekey cancelled" ] || die "rekey cancel"
"$CTL" rekey status >"$T/out" || die "rekey status after cancel"
grep -q '^Started *false' "$T/out" || die "cancel: $(cat "$T/out")"
expect_fail "cancel nothing" "no rekey is in progress" "$CTL" rekey cancel
# So can new shares awaiting verification; the current ones stay.
"$CTL" rekey start -t 2 -c alice -c bob --require-verification >/dev/null ||
    die "rekey start 3"
for c in alice carol; do
	"$CTL" rekey submit --key "$T/$c.key" -p "$T/$c.pw" >/dev/null ||
	    die "rekey submit $c (3)"
done
"$CTL" rekey status >"$T/out" || die "rekey status (3)"
grep -q '^Verification nonce *[0-9a-f]\{32\}$' "$T/out" ||
    die "rekey status (3): $(cat "$T/out")"
[ "$("$CTL" rekey cancel)" = "rekey cancelled" ] || die "cancel verification"
expect_fail "pending share after cancel" "holds no pending share" \
    "$CTL" custodian verify-share --pending --key "$T/alice.key" -p "$T/alice.pw"
show alice --reveal
cmp -s "$T/out" "$T/alice.new" || die "cancel changed the current share"

# Tokens: an operator token may seal.
"$CTL" token create --policy operator --ttl 1h --json >"$T/tok.json" \
    2>"$T/err" || die "token create: $(cat "$T/err")"
OP=$(json_str client_token <"$T/tok.json")
[ -n "$OP" ] || die "token create: $(cat "$T/tok.json")"
"$CTL" token create --policy operator >"$T/out" || die "token create (text)"
grep -q '^Token: *esc\.' "$T/out" || die "token create: $(cat "$T/out")"
[ "$("$CTL" seal --token "$OP")" = sealed ] || die "seal with operator token"
expect_exit 2 "status at the end" "$CTL" status
