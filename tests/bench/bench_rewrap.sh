#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Transit rewrap throughput: batches of BATCH (1,000) ciphertexts of random
# 64-byte plaintexts, PUT /v1/transit/rewrap/transactions with a zone token
# (policy zone-transactions-user), wrk through tests/bench/rewrap.lua,
# against bench_rewrap's bare libsodium loop (decrypt, then encrypt with a
# new random nonce, one thread), interleaved in the same run: loop, HTTP,
# ROUNDS times.  The ciphertexts come from one batch encrypt.  HTTP items/s
# are requests/s times BATCH.  Prints both medians and their ratio, and
# fails when the ratio is below MIN_RATIO (0.35) or when any answer was not
# 200 (a batch is 200 only when every item succeeded).  Each round also
# shows the cores escrowd's MHD workers used and the busiest one's share.
#
# Usage: bench_rewrap.sh BINDIR [BENCHDIR]
#   BINDIR holds escrowd; BENCHDIR holds bench_rewrap (build/rel/bench).
# Environment: ROUNDS (5), DURATION (3, seconds a run), THREADS (2),
# CONNS (16: with fewer, libmicrohttpd often hands every connection to one of
# its two worker threads and the server runs on one core), BATCH (1000), MIN_RATIO (0.35), PERF_DIR (unset: when set, one
# more HTTP run under `perf record -g` of escrowd, top symbols printed).
set -eu

BINDIR=${1:?usage: bench_rewrap.sh BINDIR [BENCHDIR]}
BENCHDIR=${2:-build/rel/bench}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-3}
DURATION=${DURATION%s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
BATCH=${BATCH:-1000}
MIN_RATIO=${MIN_RATIO:-0.35}
ZONE=transactions
me=bench_rewrap.sh
here=$(dirname "$0")
. "$here/lib/transit.sh"
lua=$here/rewrap.lua

[ -x "$BINDIR/escrowd" ] ||
	die "$BINDIR/escrowd is missing: build escrowd (escrow/escrowd.c) first"
[ -x "$BENCHDIR/bench_rewrap" ] ||
	die "$BENCHDIR/bench_rewrap is missing: make $BENCHDIR/bench_rewrap"
need_tools wrk curl
bench_init bench-rewrap

start_escrowd "$BINDIR"
zone_token "$ZONE"

# The batch, encrypted once; its ciphertexts make the rewrap body.
"$BENCHDIR/bench_rewrap" batch "$BATCH" >"$work/encrypt.json" ||
	die "bench_rewrap batch $BATCH failed"
code=$(api PUT "transit/encrypt/$ZONE" "$token" "$work/encrypt.json" \
	"$work/encrypt.out")
[ "$code" = 200 ] ||
	die "batch encrypt answered $code: $(head -c 300 "$work/encrypt.out")"
grep -o '"ciphertext" *: *"vault:v[0-9]*:[^"]*"' "$work/encrypt.out" |
	sed 's/^"ciphertext" *: */"ciphertext":/' |
	awk 'BEGIN { printf "{\"batch_input\":[" }
		{ printf "%s{%s}", (NR > 1 ? "," : ""), $0 }
		END { print "]}" }' >"$work/rewrap.json"
n=$(grep -o '"ciphertext":' "$work/rewrap.json" | wc -l)
[ "$n" -eq "$BATCH" ] ||
	die "batch encrypt gave $n ciphertexts for $BATCH plaintexts"

# One rewrap by hand: 200 and BATCH new ciphertexts.
code=$(api PUT "transit/rewrap/$ZONE" "$token" "$work/rewrap.json" \
	"$work/rewrap.out")
[ "$code" = 200 ] ||
	die "batch rewrap answered $code: $(head -c 300 "$work/rewrap.out")"
n=$(grep -o '"ciphertext" *: *"vault:v' "$work/rewrap.out" | wc -l)
[ "$n" -eq "$BATCH" ] ||
	die "batch rewrap gave $n ciphertexts for $BATCH"

url="http://127.0.0.1:$port/v1/transit/rewrap/$ZONE"
echo "transit rewrap, $BATCH x 64-byte plaintexts a batch" \
	"($(wc -c <"$work/rewrap.json") bytes), zone token," \
	"wrk -t$THREADS -c$CONNS, ${DURATION}s runs; libsodium loop, 1 thread"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	"$BENCHDIR/bench_rewrap" round "$DURATION" >"$work/loop.out" ||
		die "bench_rewrap round failed: $(cat "$work/loop.out")"
	awk '$1 == "items/s" { print "loop", $2, 0 }' "$work/loop.out" \
		>>"$work/results"
	[ -n "$(last loop 2)" ] || die "no items/s from bench_rewrap"
	REWRAP_BODY=$work/rewrap.json
	export REWRAP_BODY
	wrk_run rewrap "$url" "$lua" "$CONNS" "$escrowd_pid"
	printf '  round %d/%d  loop %7.0f items/s  rewrap %7.0f items/s' \
		"$r" "$ROUNDS" "$(last loop 2)" \
		"$(last rewrap 2 | awk -v b="$BATCH" '{ print $1 * b }')"
	printf ' (%.1f req/s, p99 %.0f ms, %s cores, busiest %s%%)\n' \
		"$(last rewrap 2)" "$(last rewrap 3 | awk '{ print $1 / 1000 }')" \
		"$(last rewrap 4)" "$(last rewrap 5)"
	r=$((r + 1))
done

l=$(median loop 2)
h=$(awk -v r="$(median rewrap 2)" -v b="$BATCH" 'BEGIN { print r * b }')
ratio=$(awk -v h="$h" -v l="$l" 'BEGIN { printf "%.3f", h / l }')
printf '\n%-26s %5s %15s %7s\n' '' runs 'median items/s' ratio
printf '%-26s %5d %15.0f %7s\n' 'libsodium loop, 1 thread' "$ROUNDS" "$l" 1.000
printf '%-26s %5d %15.0f %7s\n' "HTTP rewrap, $BATCH a batch" "$ROUNDS" \
	"$h" "$ratio"

perf_profile "$url" "$lua" "$CONNS"

status=0
if below "$ratio" "$MIN_RATIO"; then
	echo "$me: FAIL: HTTP rewrap runs at $ratio of the libsodium loop" \
		"(minimum $MIN_RATIO)" >&2
	status=1
fi
failures_report || status=1
[ "$status" != 0 ] || echo "ok: ratio $ratio >= $MIN_RATIO"
exit "$status"
