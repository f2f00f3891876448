# SPDX-License-Identifier: ISC
#
# Shared helpers for the end-to-end tests; sourced, not run.  Each test
# gets a private temporary directory ($T) removed on exit, and fails on the
# first broken expectation with a message saying what was expected.

set -eu
: "${ESCROW_BIN:?ESCROW_BIN must name the directory of the binaries}"
CTL="$ESCROW_BIN/escrowctl"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_fail WHAT PATTERN CMD...: CMD must exit non-zero and print a line
# matching PATTERN on stderr, and nothing on stdout.
expect_fail() {
	what=$1
	pat=$2
	shift 2
	if "$@" >"$T/out" 2>"$T/err"; then
		die "$what: succeeded, expected failure"
	fi
	grep -q -- "$pat" "$T/err" ||
	    die "$what: stderr lacks '$pat': $(cat "$T/err")"
	[ ! -s "$T/out" ] || die "$what: printed on stdout: $(cat "$T/out")"
	[ "$(wc -l <"$T/err")" -eq 1 ] ||
	    die "$what: expected one line on stderr: $(cat "$T/err")"
}

# random_hex N: N random bytes as lowercase hex.
random_hex() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}
