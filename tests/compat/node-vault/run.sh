# SPDX-License-Identifier: ISC
#
# Drives a real escrowd with the npm client node-vault 0.12.0, unchanged:
# initialized, init (plaintext shares, as Vault returns them), status,
# unseal to completion, health with its code overrides, transit (create,
# encrypt, decrypt, rotate, read, rewrap, list), seal.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../npm-install.sh"
npm_install "$COMPAT_WORK" node-vault@0.12.0
T=$(mktemp -d)
LOG="$T/escrowd.log"
"$ESCROW_BIN/escrowd" --data "$T/data" --listen 127.0.0.1:0 \
    --allow-plaintext-shares >"$LOG" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
until grep -q 'listening on' "$LOG"; do
	i=$((i + 1))
	[ $i -lt 300 ] || { cat "$LOG"; echo "escrowd did not start"; exit 1; }
	kill -0 $PID 2>/dev/null || { cat "$LOG"; exit 1; }
	sleep 0.1
done
addr="http://$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$LOG" | head -n 1)"
NODE_PATH="$COMPAT_WORK/node_modules" VAULT_ADDR="$addr" node "$here/test.js"
