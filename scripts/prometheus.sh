#!/usr/bin/env bash
# Prometheus for Ferry's monitoring test (deploy/monitoring_test.go), from Debian's
# packages, the way scripts/pg.sh installs PostgreSQL. The package's own service is
# never used: the test runs the binary itself, with a temporary config and data dir.
#
#   scripts/prometheus.sh bin     print the directory of prometheus and promtool
#                                 (apt-get install -y prometheus when they are missing)
set -euo pipefail

SERVICE=prometheus
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_bin() {
	local p
	for p in "${FERRY_PROMETHEUS_BIN:-}" /usr/bin /usr/local/bin; do
		if [ -n "$p" ] && [ -x "$p/prometheus" ] && [ -x "$p/promtool" ]; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

# The package starts its service where a service manager runs; a policy-rc.d that
# refuses every start keeps it from doing so while it installs (Debian's own
# mechanism, policy-rc.d(8)), and is removed after. Recommends (node exporter) are
# not needed.
install_prometheus() {
	[ "$(id -u)" = 0 ] || die "Prometheus is not installed and we are not root: run 'apt-get install -y --no-install-recommends prometheus' first"
	log "prometheus: not installed, running apt-get install -y --no-install-recommends prometheus"
	export DEBIAN_FRONTEND=noninteractive
	local policy=/usr/sbin/policy-rc.d ours=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		ours=1
	fi
	local rc=0
	{ apt-get install -y -qq --no-install-recommends prometheus >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends prometheus >&2; }; } || rc=$?
	if [ "$ours" = 1 ]; then rm -f "$policy"; fi
	[ "$rc" = 0 ] || die "apt-get install -y prometheus failed"
}

case "${1:-}" in
bin)
	if ! find_bin; then
		install_prometheus
		find_bin || die "prometheus installed but prometheus and promtool are not in /usr/bin"
	fi
	;;
*)
	echo "usage: $0 bin" >&2
	exit 2
	;;
esac
