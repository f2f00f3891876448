#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Runs every compatibility test (tests/compat/*/run.sh) against the
# binaries in $1.  Each test installs the pinned third-party client it
# drives into build/compat/<name>/, a folder of its own, and prints a
# closing line "compat: N passed, M failed".
set -u
bin=$(cd "${1:?usage: run.sh BINDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pass=0
fail=0
for t in "$here"/*/run.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$(dirname "$t")")
	work="$top/build/compat/$name"
	mkdir -p "$work"
	log=$(mktemp)
	if ESCROW_BIN="$bin" COMPAT_WORK="$work" sh "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "compat: PASS $name"
		sed 's/^/    /' "$log"
	else
		fail=$((fail + 1))
		echo "compat: FAIL $name; its output:"
		sed 's/^/    /' "$log"
	fi
	rm -f "$log"
done
echo "compat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
