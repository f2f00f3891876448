# SPDX-License-Identifier: ISC
#
# Sourced by tests/bench/bench_transit.sh and bench_rewrap.sh (kept out of
# tests/bench/*.sh, which `make bench-run` runs): a work directory removed
# on exit, escrowd --dev on a kernel-chosen port, the do-nothing MHD
# baseline, a zone token, wrk runs through a Lua script, medians.
# Expects `me` to be set.  Every wait is bounded (30 s).

# The wrk scripts load their shared counting from here.
export BENCH_LUA_LIB="${BENCH_LUA_LIB:-$(cd "$(dirname "$0")" && pwd)/lib/count.lua}"

die() {
	echo "$me: $*" >&2
	exit 1
}

# fail MESSAGE: a failure that failures_report names at the end.
fail() {
	echo "$*" >>"$work/failures"
}

# Prints the failures; false if there were any.
failures_report() {
	[ -s "$work/failures" ] || return 0
	while IFS= read -r line; do
		echo "$me: FAIL: $line" >&2
	done <"$work/failures"
	return 1
}

need_tools() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is not installed"
	done
}

work=
base_pid=
escrowd_pid=
perf_pid=

# Stops a process we started: TERM, up to 10 s, then KILL.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	n=0
	while kill -0 "$1" 2>/dev/null && [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -9 "$1" 2>/dev/null || :
	wait "$1" 2>/dev/null || :
}

bench_cleanup() {
	stop_pid "$perf_pid"
	stop_pid "$base_pid"
	stop_pid "$escrowd_pid"
	[ -z "$work" ] || rm -rf "$work"
}

bench_init() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	: >"$work/results"
}

# Waits up to 30 s for PATTERN (grep -E) in FILE while PID lives.
wait_for_line() {
	i=0
	while ! grep -Eq "$3" "$2" 2>/dev/null; do
		kill -0 "$1" 2>/dev/null ||
			die "$4 exited: $(tail -n 5 "$5" 2>/dev/null)"
		i=$((i + 1))
		[ "$i" -lt 300 ] || die "$4 did not print '$3' within 30 s"
		sleep 0.1
	done
}

# Sets base_port.
start_baseline() {
	"$1/mhd_baseline" 0 >"$work/baseline.out" 2>"$work/baseline.err" &
	base_pid=$!
	wait_for_line "$base_pid" "$work/baseline.out" 'listening on' \
		mhd_baseline "$work/baseline.err"
	base_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		"$work/baseline.out")
	[ -n "$base_port" ] || die "no port in mhd_baseline's output"
}

# Sets port and root (the dev root token), once sys/health answers 200.
start_escrowd() {
	mkdir -m 700 "$work/data"
	bindir=$(cd "$1" && pwd)
	# In the work directory: --dev also makes ./var, whatever --data says.
	(cd "$work" && exec "$bindir/escrowd" --dev --data "$work/data" \
		--listen 127.0.0.1:0 >"$work/escrowd.out" \
		2>"$work/escrowd.err") &
	escrowd_pid=$!
	wait_for_line "$escrowd_pid" "$work/escrowd.out" \
		'listening on 127\.0\.0\.1:[0-9]+' escrowd "$work/escrowd.err"
	wait_for_line "$escrowd_pid" "$work/escrowd.out" \
		'dev: root token: ' escrowd "$work/escrowd.err"
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		"$work/escrowd.out" | head -n 1)
	root=$(sed -n 's/.*dev: root token: \([^ ]*\).*/\1/p' \
		"$work/escrowd.out" | head -n 1)
	[ -n "$port" ] && [ -n "$root" ] ||
		die "no port or root token in escrowd's output"
	i=0
	while [ "$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$port/v1/sys/health")" != 200 ]; do
		kill -0 "$escrowd_pid" 2>/dev/null ||
			die "escrowd exited: $(tail -n 5 "$work/escrowd.err")"
		i=$((i + 1))
		[ "$i" -lt 300 ] ||
			die "escrowd's sys/health did not answer 200 within 30 s"
		sleep 0.1
	done
}

# api METHOD PATH TOKEN BODYFILE OUTFILE: prints the HTTP status.
api() {
	curl -s -m 30 -o "$5" -w '%{http_code}' -X "$1" \
		-H "X-Vault-Token: $3" -H 'Content-Type: application/json' \
		--data-binary "@$4" "http://127.0.0.1:$port/v1/$2"
}

# Sets token: a token of zone ZONE's user policy only, made with root.
zone_token() {
	printf '{"policies":["zone-%s-user"]}' "$1" >"$work/token.json"
	code=$(api PUT auth/token/create "$root" "$work/token.json" \
		"$work/token.out")
	[ "$code" = 200 ] ||
		die "auth/token/create answered $code: $(cat "$work/token.out")"
	token=$(sed -n 's/.*"client_token" *: *"\([^"]*\)".*/\1/p' \
		"$work/token.out")
	[ -n "$token" ] && [ "$token" != "$root" ] ||
		die "no client_token in $(cat "$work/token.out")"
}

# worker_ticks PID: "TID TICKS" (user + system) of each MHD pool thread.
worker_ticks() {
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = MHD-worker ] || continue
		awk -v t="${t##*/}" '{ print t, $14 + $15 }' "$t/stat" \
			2>/dev/null || :
	done | sort
}

# wrk_run NAME URL SCRIPT CONNS SERVER_PID: one run of wrk with the Lua
# script (token in ESCROW_TOKEN), appending "NAME REQ/S P99_US CORES
# BUSIEST" to results: the CPU the server's MHD workers used, in cores,
# and the busiest worker's share of it in percent (MHD's pool threads
# accept from one listening socket, so one worker may get every
# connection and the server then runs on one core).  Any answer but 200,
# or any socket error (wrk's default 2 s timeout included), fails the
# benchmark, at the end: the rounds go on.
wrk_run() {
	worker_ticks "$5" >"$work/ticks.before"
	ESCROW_TOKEN=$token wrk -t"$THREADS" -c"$4" -d"${DURATION}s" \
		--latency -s "$3" "$2" >"$work/wrk.out" 2>&1 ||
		die "wrk failed on $2: $(cat "$work/wrk.out")"
	worker_ticks "$5" >"$work/ticks.after"
	cpu=$(join "$work/ticks.before" "$work/ticks.after" |
		awk -v hz="$(getconf CLK_TCK)" -v d="$DURATION" '
			{ t = $3 - $2; sum += t; if (t > max) max = t }
			END { printf "%.2f %.0f", sum / hz / d,
				(sum > 0 ? 100 * max / sum : 0) }')
	n=$(awk '$1 == "bench:" && $2 == "non200" { print $3 }' \
		"$work/wrk.out")
	[ -n "$n" ] || die "no count from $3: $(cat "$work/wrk.out")"
	[ "$n" = 0 ] || fail "$1: $n answers were not 200; first:" \
		"$(sed -n 's/^bench: first_bad //p' "$work/wrk.out")"
	if grep -q 'Socket errors' "$work/wrk.out"; then
		if [ "$5" = "$escrowd_pid" ]; then err=$work/escrowd.err
		else err=$work/baseline.err; fi
		fail "$1: wrk $(grep 'Socket errors' "$work/wrk.out" |
			sed 's/^ *//'); server stderr: $(tail -n 3 "$err")"
	fi
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out")
	p99=$(awk '$1 == "bench:" && $2 == "p99_us" { print $3 }' \
		"$work/wrk.out")
	[ -n "$rps" ] && [ -n "$p99" ] ||
		die "no Requests/sec or p99 from wrk on $2"
	echo "$1 $rps $p99 $cpu" >>"$work/results"
}

# median NAME COLUMN (2 = req/s, 3 = p99 us; more columns may follow).
median() {
	awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$work/results" |
		sort -g | awk '{ v[NR] = $1 } END {
			if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# last NAME COLUMN: the latest run's figure.
last() {
	awk -v n="$1" -v c="$2" '$1 == n { v = $c } END { print v }' \
		"$work/results"
}

# maximum NAME COLUMN
maximum() {
	awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$work/results" |
		sort -g | tail -n 1
}

# below A B: true when A < B (decimals).
below() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# perf_profile URL SCRIPT CONNS: with PERF_DIR set, one more wrk run
# while perf samples escrowd with call graphs; saves perf.data there and
# prints the top symbols (self time).
perf_profile() {
	[ -n "${PERF_DIR:-}" ] || return 0
	need_tools perf
	mkdir -p "$PERF_DIR"
	perf record -q -g -p "$escrowd_pid" -o "$PERF_DIR/perf.data" \
		>"$PERF_DIR/record.log" 2>&1 &
	perf_pid=$!
	sleep 0.5
	ESCROW_TOKEN=$token wrk -t"$THREADS" -c"$3" -d"${DURATION}s" \
		-s "$2" "$1" >"$PERF_DIR/wrk.out" 2>&1 || :
	kill -INT "$perf_pid" 2>/dev/null || :
	wait "$perf_pid" 2>/dev/null || :
	perf_pid=
	echo "perf: top symbols of escrowd (self), $PERF_DIR/perf.data:"
	perf report -i "$PERF_DIR/perf.data" --no-children --stdio \
		--percent-limit 1 --sort dso,symbol -g none 2>/dev/null |
		awk '/^ *[0-9.]+%/ { printf "  %7s  %-24s %s\n", $1, $2, $4 }' |
		head -n 30
}
