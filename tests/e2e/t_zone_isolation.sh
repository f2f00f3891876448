# SPDX-License-Identifier: ISC
#
# Zone isolation, as a matrix: for every zone endpoint and every ordered
# pair of zones (A, B), a zone-A token (user or admin) gets 403 on zone B
# and the refused call changes nothing; a ciphertext of A never decrypts
# under B, nor under other associated data, nor below
# min_decryption_version.
. "$(dirname "$0")/lib.sh"

start_escrowd "$T/data" --dev
ROOT=$(sed -n 's/.*dev: root token: \(esc\.[A-Za-z0-9_-]*\).*/\1/p' "$LOG")
zones="profiles transactions audit"
tok() { # tok POLICY: a new token holding POLICY
	TOKEN=$ROOT
	expect_status 200 PUT auth/token/create "{\"policies\":[\"$1\"]}"
	sed 's/.*"client_token":"\([^"]*\)".*/\1/' "$T/body"
}
info() { # info ZONE: its key info as root, without volatile counters
	TOKEN=$ROOT
	expect_status 200 GET "transit/keys/$1"
	sed 's/"request_id":"[^"]*"//; s/"versions":{.*}}/"versions"/' "$T/body"
}
pt=$(printf 'card 4111-1111-1111-1111' | base64 -w0)
for z in $zones; do
	eval "U_$z=\$(tok zone-$z-user)"
	eval "A_$z=\$(tok zone-$z-admin)"
	TOKEN=$(eval echo "\$U_$z")
	expect_status 200 PUT "transit/encrypt/$z" "{\"plaintext\":\"$pt\"}"
	eval "CT_$z=\$(sed 's/.*\"ciphertext\":\"\\([^\"]*\\)\".*/\\1/' \"\$T/body\")"
done

checks=0
for a in $zones; do for b in $zones; do
	[ "$a" = "$b" ] && continue
	ct=$(eval echo "\$CT_$b")
	before=$(info "$b")
	for who in U A; do
		TOKEN=$(eval echo "\$${who}_$a")
		for call in \
		    "PUT transit/encrypt/$b {\"plaintext\":\"$pt\"}" \
		    "PUT transit/decrypt/$b {\"ciphertext\":\"$ct\"}" \
		    "PUT transit/rewrap/$b {\"ciphertext\":\"$ct\"}" \
		    "PUT transit/datakey/plaintext/$b {}" \
		    "PUT transit/datakey/wrapped/$b {}" \
		    "PUT transit/encrypt/$b {\"batch_input\":[{\"plaintext\":\"$pt\"}]}" \
		    "GET transit/keys/$b" \
		    "PUT transit/keys/$b {}" \
		    "DELETE transit/keys/$b" \
		    "PUT transit/keys/$b/rotate {}" \
		    "PUT transit/keys/$b/config {\"deletion_allowed\":true}" \
		    "PUT transit/keys/$b/trim {\"min_available_version\":1}"; do
			m=${call%% *}
			rest=${call#* }
			p=${rest%% *}
			body=${rest#"$p"}
			body=${body# }
			if [ -n "$body" ]; then
				expect_status 403 "$m" "$p" "$body"
			else
				expect_status 403 "$m" "$p"
			fi
			grep -q 'permission denied' "$T/body" || die "$who $a -> $m $p: $(cat "$T/body")"
			checks=$((checks + 1))
		done
	done
	after=$(info "$b")
	[ "$before" = "$after" ] || die "zone $b changed by refused calls from $a"
	# A's ciphertext under B: never, not even with root.
	TOKEN=$ROOT
	cta=$(eval echo "\$CT_$a")
	expect_status 400 PUT "transit/decrypt/$b" "{\"ciphertext\":\"$cta\"}"
	grep -q 'message authentication failed' "$T/body" || die "cross-zone decrypt: $(cat "$T/body")"
done; done

# Other associated data, then an old version.
TOKEN=$U_profiles
ad=$(printf 'row 7' | base64 -w0)
expect_status 200 PUT transit/encrypt/profiles "{\"plaintext\":\"$pt\",\"associated_data\":\"$ad\"}"
ctad=$(sed 's/.*"ciphertext":"\([^"]*\)".*/\1/' "$T/body")
expect_status 200 PUT transit/decrypt/profiles "{\"ciphertext\":\"$ctad\",\"associated_data\":\"$ad\"}"
expect_status 400 PUT transit/decrypt/profiles "{\"ciphertext\":\"$ctad\",\"associated_data\":\"$(printf 'row 8' | base64 -w0)\"}"
expect_status 400 PUT transit/decrypt/profiles "{\"ciphertext\":\"$ctad\"}"
TOKEN=$A_profiles
expect_status 200 PUT transit/keys/profiles/rotate '{}'
expect_status 200 PUT transit/keys/profiles/config '{"min_decryption_version":2}'
TOKEN=$U_profiles
expect_status 400 PUT transit/decrypt/profiles "{\"ciphertext\":\"$CT_profiles\"}"
grep -q 'disallowed by policy (too old)' "$T/body" || die "too old: $(cat "$T/body")"
expect_status 400 PUT transit/decrypt/profiles '{"ciphertext":"vault:v9:AAAA"}'
grep -q 'version is too new' "$T/body" || die "too new: $(cat "$T/body")"
echo "isolation: $checks refused calls checked"
stop_escrowd
