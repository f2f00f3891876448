#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Installs every Debian package that building, running and testing escrow
# needs.  Idempotent: a package that is already installed is skipped, and
# `apt-get update` runs only when something is missing.  Run as root (or
# through sudo) on Debian 12.
set -eu

# Build and runtime libraries, the test and benchmark tools, and the
# third-party clients used by the compatibility tests.
PKGS="build-essential pkg-config
libsodium-dev libmicrohttpd-dev liblmdb-dev lmdb-utils libjansson-dev
check libsubunit-dev
valgrind clang clang-format libclang-rt-14-dev
libgfshare-dev
curl libcurl4-gnutls-dev wrk
ca-certificates openssl"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

# node-vault runs on Node.js.  A node that already brings its own npm (as
# NodeSource's build does) is used as it is; otherwise Debian's packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
