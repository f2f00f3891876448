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

DAEMON="$ESCROW_BIN/escrowd"
PID=""
ADDR=""

# start_escrowd DATADIR [FLAGS...]: start escrowd on a free loopback port
# (port 0, read back from its log) and wait, at most 30 s, until it
# listens.  Sets PID, ADDR (http://127.0.0.1:PORT) and LOG.
start_escrowd() {
	data=$1
	shift
	LOG="$T/escrowd.$$.$(date +%s%N).log"
	"$DAEMON" --data "$data" --listen 127.0.0.1:0 "$@" >"$LOG" 2>&1 &
	PID=$!
	i=0
	while [ $i -lt 300 ]; do
		line=$(grep -m1 'listening on' "$LOG" 2>/dev/null || true)
		if [ -n "$line" ]; then
			ADDR="http://$(echo "$line" | sed 's/.*listening on \([^ ]*\).*/\1/')"
			export ESCROW_ADDR="$ADDR"
			return 0
		fi
		kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; die "escrowd exited"; }
		sleep 0.1
		i=$((i + 1))
	done
	cat "$LOG" >&2
	die "escrowd did not listen within 30 s"
}

# stop_escrowd: SIGTERM, then wait (at most 15 s) for a clean exit.
stop_escrowd() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	i=0
	while kill -0 "$PID" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null || true
		die "escrowd did not stop on SIGTERM"
	fi
	wait "$PID" 2>/dev/null || true
	PID=""
}

trap 'stop_escrowd >/dev/null 2>&1 || true; rm -rf "$T"' EXIT INT TERM

# api METHOD PATH [JSON]: curl the daemon; prints the body, then the status
# on a last line of its own.
api() {
	m=$1
	p=$2
	shift 2
	if [ $# -gt 0 ]; then
		curl -sS -m 30 -X "$m" -H 'Content-Type: application/json' \
		    ${TOKEN:+-H "X-Vault-Token: $TOKEN"} --data-binary "$1" \
		    -w '\n%{http_code}\n' "$ADDR/v1/$p"
	else
		curl -sS -m 30 -X "$m" ${TOKEN:+-H "X-Vault-Token: $TOKEN"} \
		    -w '\n%{http_code}\n' "$ADDR/v1/$p"
	fi
}

# expect_status CODE METHOD PATH [JSON]: the call answers CODE; its body
# is left in $T/body.
expect_status() {
	code=$1
	shift
	api "$@" >"$T/resp" || die "curl failed: $*"
	got=$(tail -n 1 "$T/resp")
	sed '$d' "$T/resp" >"$T/body"
	[ "$got" = "$code" ] || die "$*: status $got, expected $code: $(cat "$T/body")"
}

# expect_exit CODE WHAT CMD...: CMD must exit with status CODE; its stdout
# and stderr are left in $T/out and $T/err.
expect_exit() {
	want=$1
	what=$2
	shift 2
	got=0
	"$@" >"$T/out" 2>"$T/err" || got=$?
	[ "$got" -eq "$want" ] ||
	    die "$what: exit $got, expected $want: $(cat "$T/out" "$T/err")"
}

# json_str KEY: the string value of KEY in the compact JSON on stdin (the
# first one, at any depth; our values hold no quotes).
json_str() {
	sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1
}

# json_num KEY: the integer value of KEY in the JSON on stdin.
json_num() {
	sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" | head -n 1
}

# new_custodian NAME: a key file $T/NAME.key (cheap Argon2id), its
# passphrase file $T/NAME.pw (0600) and its public line $T/NAME.pub.
new_custodian() {
	(umask 077 && echo "passphrase of $1 $(random_hex 8)" >"$T/$1.pw")
	"$CTL" custodian keygen --name "$1" --out "$T/$1.key" \
	    --passphrase-file "$T/$1.pw" --kdf interactive \
	    >"$T/$1.pub" 2>/dev/null || die "keygen $1"
}

# seal_progress: the unseal attempt's progress, as sys/seal-status says.
seal_progress() {
	expect_status 200 GET sys/seal-status
	json_num progress <"$T/body"
}
