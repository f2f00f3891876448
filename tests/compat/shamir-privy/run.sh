# SPDX-License-Identifier: ISC
#
# Interoperability with an independent implementation of Vault's share
# format: npm shamir-secret-sharing 0.0.4 (privy-io), which uses Vault's own
# field tables.  Its shares must combine with escrowctl, and escrowctl's
# shares must combine with it, for several secret sizes and thresholds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../npm-install.sh"
npm_install "$COMPAT_WORK" shamir-secret-sharing@0.0.4
CTL="$ESCROW_BIN/escrowctl"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
js="$here/privy.js"
run() { NODE_PATH="$COMPAT_WORK/node_modules" node "$js" "$@"; }

checks=0
for spec in "1 2 2" "16 2 3" "32 3 5" "32 5 10" "33 4 7" "64 10 20" "32 2 255"; do
	set -- $spec
	len=$1 k=$2 n=$3
	# privy splits, escrowctl combines a random k-subset.
	run split "$len" "$k" "$n" >"$T/p"
	secret=$(head -n 1 "$T/p")
	tail -n +2 "$T/p" | shuf -n "$k" >"$T/pk"
	got=$("$CTL" shamir combine <"$T/pk")
	[ "$got" = "$secret" ] || { echo "privy->escrow $spec: $got"; exit 1; }
	# escrowctl splits, privy combines a random k-subset.
	secret=$(od -An -tx1 -N"$len" /dev/urandom | tr -d ' \n')
	echo "$secret" | "$CTL" shamir split -k "$k" -n "$n" | shuf -n "$k" >"$T/e"
	got=$(run combine <"$T/e")
	[ "$got" = "$secret" ] || { echo "escrow->privy $spec: $got"; exit 1; }
	checks=$((checks + 2))
done
echo "shamir-privy: $checks cross-implementation round trips agree"
