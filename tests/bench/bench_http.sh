#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Requests per second of escrowd's two cheapest endpoints against a
# do-nothing libmicrohttpd server run in exactly escrowd's mode
# (mhd_baseline), measured interleaved in the same run on the same machine:
# baseline, seal-status, baseline, health, three rounds.  Prints the
# medians and the ratio of each endpoint's median to the baseline's, and
# fails when a ratio is below MIN_RATIO (0.80), i.e. when the HTTP layer
# and the handlers cost more than a fifth of MHD's own throughput.
#
# Usage: bench_http.sh BINDIR [BENCHDIR]
#   BINDIR holds escrowd; BENCHDIR holds mhd_baseline (build/rel/bench).
# Environment: ROUNDS (3), DURATION (3s), THREADS (2), CONNS (32),
# MIN_RATIO (0.80).
set -eu

BINDIR=${1:?usage: bench_http.sh BINDIR [BENCHDIR]}
BENCHDIR=${2:-build/rel/bench}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
MIN_RATIO=${MIN_RATIO:-0.80}
me=bench_http.sh

die() {
	echo "$me: $*" >&2
	exit 1
}

[ -x "$BINDIR/escrowd" ] ||
	die "$BINDIR/escrowd is missing: build escrowd (escrow/escrowd.c) first"
[ -x "$BENCHDIR/mhd_baseline" ] ||
	die "$BENCHDIR/mhd_baseline is missing: make $BENCHDIR/mhd_baseline"
for tool in wrk curl ss; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-http.XXXXXX")
base_pid=
escrowd_pid=
cleanup() {
	for pid in $base_pid $escrowd_pid; do
		kill "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# A port nothing listens on now, from a random start (escrowd takes a
# fixed --listen; the baseline picks its own with port 0).
free_port() {
	p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
	tries=0
	while ss -Htln "sport = :$p" | grep -q .; do
		p=$((p + 1))
		tries=$((tries + 1))
		[ "$tries" -lt 1000 ] || die "no free port found"
	done
	echo "$p"
}

# The baseline prints its bound port.
"$BENCHDIR/mhd_baseline" 0 >"$work/baseline.out" 2>"$work/baseline.err" &
base_pid=$!
i=0
while ! grep -q 'listening on' "$work/baseline.out"; do
	kill -0 "$base_pid" 2>/dev/null ||
		die "mhd_baseline exited: $(cat "$work/baseline.err")"
	i=$((i + 1))
	[ "$i" -lt 300 ] || die "mhd_baseline did not start within 30 s"
	sleep 0.1
done
base_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	"$work/baseline.out")

port=$(free_port)
mkdir -m 700 "$work/data"
"$BINDIR/escrowd" --dev --data "$work/data" --listen "127.0.0.1:$port" \
	>"$work/escrowd.out" 2>"$work/escrowd.err" &
escrowd_pid=$!
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

# One wrk run; appends "NAME RPS" to results.  Non-2xx answers void it.
run() {
	name=$1
	url=$2
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$url" >"$work/wrk.out" 2>&1 ||
		die "wrk failed on $url: $(cat "$work/wrk.out")"
	if grep -q 'Non-2xx' "$work/wrk.out"; then
		die "$name answered non-2xx: $(grep 'Non-2xx' "$work/wrk.out")"
	fi
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out")
	[ -n "$rps" ] || die "no Requests/sec from wrk on $url"
	echo "$name $rps" >>"$work/results"
	printf '  %-12s %12s req/s\n' "$name" "$rps"
}

: >"$work/results"
base="http://127.0.0.1:$base_port/v1/sys/seal-status"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS"
	run baseline "$base"
	run seal-status "http://127.0.0.1:$port/v1/sys/seal-status"
	run baseline "$base"
	run health "http://127.0.0.1:$port/v1/sys/health"
	r=$((r + 1))
done

median() {
	awk -v n="$1" '$1 == n { print $2 }' "$work/results" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

b=$(median baseline)
status=0
printf '\n%-12s %5s %14s %7s\n' endpoint runs 'median req/s' ratio
for name in baseline seal-status health; do
	m=$(median "$name")
	runs=$(awk -v n="$name" '$1 == n' "$work/results" | wc -l)
	ratio=$(awk -v m="$m" -v b="$b" 'BEGIN { printf "%.3f", m / b }')
	printf '%-12s %5d %14.0f %7s\n' "$name" "$runs" "$m" "$ratio"
	if awk -v r="$ratio" -v min="$MIN_RATIO" 'BEGIN { exit !(r < min) }'
	then
		echo "$me: $name runs at $ratio of the baseline" \
			"(minimum $MIN_RATIO)" >&2
		status=1
	fi
done
exit "$status"
