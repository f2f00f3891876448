# SPDX-License-Identifier: ISC
#
# Every way a share submission is refused: a 4xx naming the custodian and
# the reason, with the attempt's progress unchanged (read from
# sys/seal-status before and after).  Submissions are captured with
# `escrowctl unseal --print-submission`, then forged, repeated, tampered
# with, replayed into a later attempt or sent after their attempt expired.
# Then escrowctl's own usage errors: one line on stderr, exit 1, and exit 2
# when the service cannot be reached.
. "$(dirname "$0")/lib.sh"

for c in alice bob carol; do
	new_custodian "$c"
done
start_escrowd "$T/data"
"$CTL" init -t 2 --json "$T/alice.pub" "$T/bob.pub" "$T/carol.pub" \
    >"$T/init.json" || die "init failed"

# submission NAME FILE: NAME's signed submission to the current attempt.
submission() {
	"$CTL" unseal --key "$T/$1.key" -p "$T/$1.pw" --print-submission \
	    >"$2" || die "print-submission $1"
	grep -q "^{\"custodian\":\"$1\",\"nonce\":\"[0-9a-f]\{32\}\"" "$2" ||
	    die "submission $1: $(cat "$2")"
}

# refused WHAT PATTERN FILE: PUT FILE to escrow/unseal; it must get a 400
# whose message matches PATTERN, and leave the progress as it was.
refused() {
	before=$(seal_progress)
	expect_status 400 PUT escrow/unseal "$(cat "$3")"
	grep -q "^{\"errors\":\[\"$2" "$T/body" ||
	    die "$1: expected '$2': $(cat "$T/body")"
	after=$(seal_progress)
	[ "$before" = "$after" ] ||
	    die "$1: progress went from $before to $after"
}

# alice's share is in: progress 1 of 2.
[ "$("$CTL" unseal --key "$T/alice.key" -p "$T/alice.pw")" = \
    "1/2 shares; still sealed" ] || die "unseal alice"
[ "$(seal_progress)" = 1 ] || die "progress after alice"

# A submission signed with bob's key, claiming to be carol's.
submission bob "$T/bob.sub"
sed 's/"custodian":"bob"/"custodian":"carol"/' "$T/bob.sub" >"$T/forged.sub"
refused "wrong key" "custodian carol: signature does not verify" "$T/forged.sub"

# alice again: through the CLI (exit 1, the server's reason on one line)
# and as a fresh submission sent by hand.
expect_fail "duplicate (CLI)" "custodian alice: already submitted" \
    "$CTL" unseal --key "$T/alice.key" -p "$T/alice.pw"
expect_exit 1 "exit code of a refusal" \
    "$CTL" unseal --key "$T/alice.key" -p "$T/alice.pw"
[ "$(seal_progress)" = 1 ] || die "progress after duplicate"
submission alice "$T/alice.sub"
refused "duplicate" "custodian alice: already submitted" "$T/alice.sub"

# bob's sealed share with one base64 character changed.
sealed=$(json_str sealed_share <"$T/bob.sub")
first=$(printf %s "$sealed" | cut -c1)
if [ "$first" = A ]; then swap=B; else swap=A; fi
sed "s|\"sealed_share\":\"$first|\"sealed_share\":\"$swap|" "$T/bob.sub" \
    >"$T/tampered.sub"
cmp -s "$T/bob.sub" "$T/tampered.sub" && die "tampering changed nothing"
refused "tampered sealed share" "custodian bob: " "$T/tampered.sub"

# bob's untouched submission, replayed after the attempt was reset.
expect_status 200 PUT escrow/unseal '{"reset":true}'
[ "$(seal_progress)" = 0 ] || die "progress after reset"
refused "replay" "custodian bob: nonce does not match the current attempt" \
    "$T/bob.sub"

# A submission sent after its attempt expired (attempts live 2 s here;
# the wait leaves a margin of at least 1 s).
stop_escrowd
start_escrowd "$T/data" --attempt-ttl 2
submission carol "$T/carol.sub"
sleep 3
expect_status 400 PUT escrow/unseal "$(cat "$T/carol.sub")"
grep -q '^{"errors":\["custodian carol: attempt has expired"' "$T/body" ||
    die "expired: $(cat "$T/body")"
[ "$(seal_progress)" = 0 ] || die "progress after an expired submission"

# escrowctl's own errors: one line on stderr, nothing on stdout, exit 1.
(umask 077 && echo "not the passphrase" >"$T/wrong.pw")
expect_fail "unknown verb" "unknown verb 'frobnicate'" "$CTL" frobnicate
expect_fail "unknown sub-verb" "unknown verb 'frob'" "$CTL" rekey frob
expect_fail "missing --key" "--key is required" "$CTL" unseal
expect_fail "missing --key (rekey)" "--key is required" "$CTL" rekey submit
expect_fail "unreadable key file" "cannot read key file '$T/nope.key'" \
    "$CTL" unseal --key "$T/nope.key" -p "$T/alice.pw"
expect_fail "not a key file" "is not a custodian key file" \
    "$CTL" unseal --key "$T/alice.pub" -p "$T/alice.pw"
expect_fail "wrong passphrase" "wrong passphrase for '$T/alice.key'" \
    "$CTL" unseal --key "$T/alice.key" -p "$T/wrong.pw"
chmod 644 "$T/wrong.pw"
expect_fail "open passphrase file" "accessible by group or others" \
    "$CTL" unseal --key "$T/alice.key" -p "$T/wrong.pw"
expect_fail "bad option" "bad option or missing argument: '--frob'" \
    "$CTL" unseal --frob
expect_fail "threshold" "-t must be 2..255" "$CTL" init -t 1 "$T/alice.pub"
expect_fail "no token" "a token is required" "$CTL" seal
expect_fail "bad address" "bad address 'ftp://x'" "$CTL" status --addr ftp://x
expect_fail "bad token" "permission denied" \
    "$CTL" custodian register --token esc.not-a-token "$T/alice.pub"

# Unreachable: one line naming the address, exit 2.
stop_escrowd
for verb in status "custodian list" "rekey status --token x"; do
	# shellcheck disable=SC2086 # the verb's words split on purpose
	expect_fail "unreachable: $verb" "cannot reach $ADDR: " "$CTL" $verb
	expect_exit 2 "exit code when unreachable: $verb" "$CTL" $verb
done
expect_fail "unreachable: unseal" "cannot reach $ADDR: " \
    "$CTL" unseal --key "$T/alice.key" -p "$T/alice.pw"
expect_exit 2 "exit code when unreachable: unseal" \
    "$CTL" unseal --key "$T/alice.key" -p "$T/alice.pw"
