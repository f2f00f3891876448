# SPDX-License-Identifier: ISC
#
# The daemon itself: hardened at start (no core dumps), HTTPS with TLS 1.2+
# only, a clean exit on SIGTERM, a clear refusal of a bad config, and dev
# mode that initialises once and unseals again on every start.
. "$(dirname "$0")/lib.sh"

# Dev mode, twice over the same data.
start_escrowd "$T/dev" --dev
grep -q 'dev: initialised 2-of-3' "$LOG" || die "dev did not initialise"
tok1=$(sed -n 's/.*dev: root token: \(esc\.[A-Za-z0-9_-]*\).*/\1/p' "$LOG")
[ -n "$tok1" ] || die "no root token printed"
expect_status 200 GET sys/health
# Core dumps off: the soft and hard limits are 0.
grep -q '^Max core file size *0 *0 ' "/proc/$PID/limits" ||
    die "core dumps not disabled: $(grep core "/proc/$PID/limits")"
stop_escrowd
grep -q 'draining requests' "$LOG" || die "no drain on SIGTERM"
start_escrowd "$T/dev" --dev
grep -q 'dev: initialised' "$LOG" && die "dev initialised twice"
grep -q 'dev: unsealed by' "$LOG" || die "dev did not unseal again"
tok2=$(sed -n 's/.*dev: root token: \(esc\.[A-Za-z0-9_-]*\).*/\1/p' "$LOG")
[ "$tok1" = "$tok2" ] || die "dev root token changed"
TOKEN=$tok2
expect_status 200 GET auth/token/lookup-self
stop_escrowd

# HTTPS: a self-signed P-256 certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
chmod 600 "$T/key.pem"
start_escrowd "$T/tls" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
grep -q '(https)' "$LOG" || die "not serving https"
port=${ADDR##*:}
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" \
    "https://127.0.0.1:$port/v1/sys/health")
[ "$code" = 501 ] || die "https health: $code"
# TLS 1.1 and below are refused.
if curl -s -o /dev/null --cacert "$T/cert.pem" --tlsv1.0 --tls-max 1.1 \
    "https://127.0.0.1:$port/v1/sys/health"; then
	die "TLS 1.1 was accepted"
fi
# Plain HTTP to the TLS port gets nothing useful.
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 \
    "http://127.0.0.1:$port/v1/sys/health" || true)
[ "$code" != 200 ] && [ "$code" != 501 ] || die "plain http served on tls"
stop_escrowd

# Bad configuration: one clear line, non-zero exit, nothing started.
echo "threds = 4" >"$T/bad.conf"
if "$DAEMON" --config "$T/bad.conf" --data "$T/x" >"$T/out" 2>&1; then
	die "bad config accepted"
fi
grep -q 'bad.conf:1: unknown key' "$T/out" || die "config: $(cat "$T/out")"
if "$DAEMON" --attempt-ttl 0 --data "$T/x" >"$T/out" 2>&1; then
	die "--attempt-ttl 0 accepted"
fi
grep -q "attempt_ttl '0': bad value" "$T/out" || die "ttl: $(cat "$T/out")"
[ ! -e "$T/x" ] || die "data dir created despite bad config"
if "$DAEMON" --tls-cert "$T/cert.pem" --data "$T/y" >"$T/out" 2>&1; then
	die "--tls-cert without --tls-key accepted"
fi
grep -q 'go together' "$T/out" || die "tls pair: $(cat "$T/out")"
mkdir -m 755 "$T/open"
if "$DAEMON" --data "$T/open" --listen 127.0.0.1:0 >"$T/out" 2>&1; then
	die "a 0755 data dir was accepted"
fi
grep -q 'must be mode 0700' "$T/out" || die "mode: $(cat "$T/out")"
