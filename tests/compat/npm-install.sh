# SPDX-License-Identifier: ISC
#
# Sourced by compatibility tests: npm_install DIR PACKAGE@VERSION... installs
# the pinned packages into DIR (a folder of the test's own), once; a second
# run reuses them.  Retries once, because a registry hiccup must not fail
# the suite, and prints npm's own words if it still fails.
npm_install() {
	dir=$1
	shift
	stamp="$dir/.installed-$(echo "$*" | tr ' /@' '_._')"
	[ -e "$stamp" ] && return 0
	mkdir -p "$dir"
	[ -e "$dir/package.json" ] || echo '{"private":true}' >"$dir/package.json"
	for try in 1 2; do
		if (cd "$dir" && npm install --no-audit --no-fund \
		    --no-package-lock --loglevel=error "$@") >"$dir/npm.log" 2>&1
		then
			touch "$stamp"
			return 0
		fi
		sleep $((try * 2))
	done
	cat "$dir/npm.log" >&2
	return 1
}
