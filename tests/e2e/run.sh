#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Runs every end-to-end test (tests/e2e/t_*.sh) against the binaries in the
# directory given as $1, each in its own temporary directory, and prints a
# closing line "e2e: N passed, M failed".  Exit status 1 if any failed.
set -u
bin=$(cd "${1:?usage: run.sh BINDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
failed=""
for t in "$here"/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log=$(mktemp)
	if ESCROW_BIN="$bin" bash "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "e2e: PASS $name"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "e2e: FAIL $name; its output:"
		sed 's/^/    /' "$log"
	fi
	rm -f "$log"
done
[ -z "$failed" ] || echo "e2e: failed:$failed"
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
