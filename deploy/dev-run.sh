#!/bin/sh
# SPDX-License-Identifier: ISC
#
# `make run`: escrowd in dev mode, in the foreground, on 127.0.0.1:8200 with
# its data under ./var/dev.  The first run creates three dev custodians
# (key files in ./var/dev/custodians), initialises 2-of-3 and unseals;
# later runs reuse the data and unseal again with the dev custodians.
# Stop it with Ctrl-C (it drains requests and wipes its keys).
set -eu
bin=${1:?usage: dev-run.sh BINDIR}
exec "$bin/escrowd" --dev
