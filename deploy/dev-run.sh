#!/bin/sh
# SPDX-License-Identifier: ISC
#
# `make run`: what exists of escrow, run for real.  Until the daemon lands
# this demonstrates the Shamir layer that everything rests on: a fresh
# random 32-byte master key is split 2-of-3 into Vault-format shares, and
# every pair of shares is recombined and checked against the key.
set -eu
bin=${1:?usage: dev-run.sh BINDIR}
ctl="$bin/escrowctl"
secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
shares=$(echo "$secret" | "$ctl" shamir split -k 2 -n 3)
echo "escrow dev run: split a fresh random 32-byte key 2-of-3 with"
echo "  echo KEY | $ctl shamir split -k 2 -n 3"
echo "shares (Vault format: 32 y bytes, then the x byte):"
echo "$shares" | sed 's/^/  /'
for pair in "1 2" "1 3" "2 3"; do
	set -- $pair
	got=$(echo "$shares" | sed -n "${1}p;${2}p" | "$ctl" shamir combine)
	if [ "$got" = "$secret" ]; then
		echo "shares $1+$2 recombine to the key: ok"
	else
		echo "shares $1+$2 gave a different key" >&2
		exit 1
	fi
done
echo "Try: echo 4253 | $ctl shamir split -k 2 -n 3 | head -2 | $ctl shamir combine"
