# SPDX-License-Identifier: ISC
#
# escrowctl shamir split|combine: round trips in hex and base64, every
# k-subset recombines, fewer shares do not, Vault's known answer, and each
# documented error gives one clear line and a non-zero exit.
. "$(dirname "$0")/lib.sh"

secret=$(random_hex 32)
echo "$secret" | "$CTL" shamir split -k 3 -n 5 >"$T/shares"
[ "$(wc -l <"$T/shares")" -eq 5 ] || die "split did not print 5 lines"
# Each share is 33 bytes: 66 hex digits.
while read -r s; do
	[ ${#s} -eq 66 ] || die "share has ${#s} hex digits, not 66"
done <"$T/shares"

# Every 3-subset of the 5 shares gives the secret back.
for a in 1 2 3 4 5; do for b in 1 2 3 4 5; do for c in 1 2 3 4 5; do
	[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] || continue
	got=$(sed -n "${a}p;${b}p;${c}p" "$T/shares" | "$CTL" shamir combine)
	[ "$got" = "$secret" ] || die "subset $a,$b,$c gave $got"
done; done; done
# Two shares give something else (and no error: shares carry no MAC).
got=$(sed -n '1p;2p' "$T/shares" | "$CTL" shamir combine)
[ "$got" != "$secret" ] || die "2 of a 3-threshold split recovered the secret"
# All five, in any order, work too.
got=$(sort -r "$T/shares" | "$CTL" shamir combine)
[ "$got" = "$secret" ] || die "all five shares gave $got"

# Base64 in and out, 1-byte and 64-byte secrets, n = 255.
b64=$(head -c 64 /dev/urandom | base64 -w0)
echo "$b64" | "$CTL" shamir split --base64 -k 4 -n 6 >"$T/b64"
got=$(tail -n 4 "$T/b64" | "$CTL" shamir combine --base64)
[ "$got" = "$b64" ] || die "base64 round trip gave $got"
echo 7f | "$CTL" shamir split -k 2 -n 255 >"$T/many"
[ "$(sort -u "$T/many" | wc -l)" -eq 255 ] || die "n=255 shares not distinct"
got=$(sed -n '100p;255p' "$T/many" | "$CTL" shamir combine)
[ "$got" = 7f ] || die "n=255 round trip gave $got"

# Vault's known answer: secret 4253, x = 1, 2, 3 (vault-api.md section 3).
got=$(printf '434301\n416303\n' | "$CTL" shamir combine)
[ "$got" = 4253 ] || die "Vault KAT gave $got"

# Errors: one line on stderr, non-zero exit, nothing on stdout.
expect_fail "bad hex" "not valid hex" sh -c "echo zz | '$CTL' shamir split -k 2 -n 3"
expect_fail "odd hex" "not valid hex" sh -c "echo abc | '$CTL' shamir split -k 2 -n 3"
expect_fail "empty" "no secret" sh -c "printf '' | '$CTL' shamir split -k 2 -n 3"
expect_fail "two secrets" "found more" sh -c "printf 'aa\nbb\n' | '$CTL' shamir split -k 2 -n 3"
expect_fail "k > n" "larger than" sh -c "echo aa | '$CTL' shamir split -k 4 -n 3"
expect_fail "k = 1" "-k must be" sh -c "echo aa | '$CTL' shamir split -k 1 -n 3"
expect_fail "n = 256" "-n must be" sh -c "echo aa | '$CTL' shamir split -k 2 -n 256"
expect_fail "no -k" "required" sh -c "echo aa | '$CTL' shamir split -n 3"
expect_fail "junk -k" "-k must be" sh -c "echo aa | '$CTL' shamir split -k 2x -n 3"
expect_fail "too long" "1 to 1024" sh -c "random_hex() { od -An -tx1 -N1025 /dev/urandom | tr -d ' \n'; }; random_hex | '$CTL' shamir split -k 2 -n 3"
expect_fail "mixed lengths" "line 2: share is" sh -c "printf '434301\n40730200\n' | '$CTL' shamir combine"
expect_fail "duplicate" "duplicate of the share on line 1" sh -c "printf '434301\n434301\n' | '$CTL' shamir combine"
expect_fail "same x" "x = 1" sh -c "printf '434301\n999901\n' | '$CTL' shamir combine"
expect_fail "x = 0" "x coordinate 0" sh -c "printf '434300\n407302\n' | '$CTL' shamir combine"
expect_fail "one share" "at least 2 shares, got 1" sh -c "printf '434301\n' | '$CTL' shamir combine"
expect_fail "bad share" "line 2: not a valid hex" sh -c "printf '434301\nxyz\n' | '$CTL' shamir combine"
expect_fail "short share" "line 1: not a valid hex" sh -c "printf '43\n4073\n' | '$CTL' shamir combine"
expect_fail "unknown verb" "unknown verb" "$CTL" shamir splat
expect_fail "unknown top verb" "unknown verb" "$CTL" frobnicate
expect_fail "stray arg" "unexpected argument" "$CTL" shamir combine extra

"$CTL" --help | grep -q shamir || die "escrowctl --help lacks shamir"
"$CTL" shamir --help | grep -q 'split -k K -n N' || die "shamir --help"
"$CTL" shamir split --help | grep -q 'combine' || die "shamir split --help"
