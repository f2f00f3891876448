#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Transit encrypt throughput: PUT /v1/transit/encrypt/transactions of one
# fixed 64-byte plaintext with a zone token (policy zone-transactions-user,
# not root), wrk -t2 -c32 through tests/bench/encrypt.lua, against the
# do-nothing libmicrohttpd baseline (mhd_baseline, escrowd's MHD mode and
# limits) sent the very same requests, interleaved in the same run:
# baseline, escrowd, ROUNDS times.  Prints the medians of requests/s, their
# ratio and the median of escrowd's per-round p99 latency, and fails when
# the ratio is below MIN_RATIO (0.60), when the p99 is not below
# MAX_P99_MS (10), or when any answer was not 200.  Each round also shows
# the cores each server's MHD workers used and the busiest worker's share.
#
# Usage: bench_transit.sh BINDIR [BENCHDIR]
#   BINDIR holds escrowd; BENCHDIR holds mhd_baseline (build/rel/bench).
# Environment: ROUNDS (5), DURATION (3, seconds a run), THREADS (2),
# CONNS (32), MIN_RATIO (0.60), MAX_P99_MS (10), PERF_DIR (unset: when set,
# one more run under `perf record -g` of escrowd, top symbols printed).
set -eu

BINDIR=${1:?usage: bench_transit.sh BINDIR [BENCHDIR]}
BENCHDIR=${2:-build/rel/bench}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-3}
DURATION=${DURATION%s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
MIN_RATIO=${MIN_RATIO:-0.60}
MAX_P99_MS=${MAX_P99_MS:-10}
ZONE=transactions
me=bench_transit.sh
here=$(dirname "$0")
. "$here/lib/transit.sh"
lua=$here/encrypt.lua

[ -x "$BINDIR/escrowd" ] ||
	die "$BINDIR/escrowd is missing: build escrowd (escrow/escrowd.c) first"
[ -x "$BENCHDIR/mhd_baseline" ] ||
	die "$BENCHDIR/mhd_baseline is missing: make $BENCHDIR/mhd_baseline"
need_tools wrk curl
bench_init bench-transit

start_baseline "$BENCHDIR"
start_escrowd "$BINDIR"
zone_token "$ZONE"

# One request by hand first: the zone token may encrypt, and the answer is
# a ciphertext, so that the runs below measure real work.
plaintext=$(sed -n 's/^local plaintext = "\([A-Za-z0-9+/=]*\)"$/\1/p' "$lua")
[ -n "$plaintext" ] || die "no plaintext line in $lua"
printf '{"plaintext":"%s"}' "$plaintext" >"$work/one.json"
code=$(api PUT "transit/encrypt/$ZONE" "$token" "$work/one.json" \
	"$work/one.out")
[ "$code" = 200 ] && grep -q '"ciphertext" *: *"vault:v1:' "$work/one.out" ||
	die "encrypt with the zone token answered $code: $(cat "$work/one.out")"

url="http://127.0.0.1:$port/v1/transit/encrypt/$ZONE"
base="http://127.0.0.1:$base_port/v1/transit/encrypt/$ZONE"
echo "transit encrypt, 64-byte plaintext, zone token, wrk -t$THREADS" \
	"-c$CONNS, ${DURATION}s runs"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	wrk_run baseline "$base" "$lua" "$CONNS" "$base_pid"
	wrk_run encrypt "$url" "$lua" "$CONNS" "$escrowd_pid"
	printf '  round %d/%d  baseline %6.0f req/s (%s cores, busiest %s%%)' \
		"$r" "$ROUNDS" "$(last baseline 2)" "$(last baseline 4)" \
		"$(last baseline 5)"
	printf '  encrypt %6.0f req/s (%s cores, busiest %s%%) p99 %.2f ms\n' \
		"$(last encrypt 2)" "$(last encrypt 4)" "$(last encrypt 5)" \
		"$(last encrypt 3 | awk '{ print $1 / 1000 }')"
	r=$((r + 1))
done

b=$(median baseline 2)
e=$(median encrypt 2)
ratio=$(awk -v e="$e" -v b="$b" 'BEGIN { printf "%.3f", e / b }')
p99=$(awk -v u="$(median encrypt 3)" 'BEGIN { printf "%.2f", u / 1000 }')
p99max=$(awk -v u="$(maximum encrypt 3)" 'BEGIN { printf "%.2f", u / 1000 }')
bp99=$(awk -v u="$(median baseline 3)" 'BEGIN { printf "%.2f", u / 1000 }')
printf '\n%-9s %5s %14s %7s %14s\n' server runs 'median req/s' ratio \
	'median p99 ms'
printf '%-9s %5d %14.0f %7s %14s\n' baseline "$ROUNDS" "$b" 1.000 "$bp99"
printf '%-9s %5d %14.0f %7s %14s  (worst %s)\n' encrypt "$ROUNDS" "$e" \
	"$ratio" "$p99" "$p99max"

perf_profile "$url" "$lua" "$CONNS"

status=0
if below "$ratio" "$MIN_RATIO"; then
	echo "$me: FAIL: encrypt runs at $ratio of the baseline" \
		"(minimum $MIN_RATIO)" >&2
	status=1
fi
if ! below "$p99" "$MAX_P99_MS"; then
	echo "$me: FAIL: encrypt p99 latency is $p99 ms" \
		"(must be below $MAX_P99_MS ms)" >&2
	status=1
fi
failures_report || status=1
[ "$status" != 0 ] || echo "ok: ratio $ratio >= $MIN_RATIO," \
	"p99 $p99 ms < $MAX_P99_MS ms"
exit "$status"
