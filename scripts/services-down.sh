#!/usr/bin/env bash
# Stop the Kafka brokers and PostgreSQL started by scripts/services-up.sh (idempotent).
#   --purge   also delete $FERRY_SERVICES_DIR (data, logs, env file); the jar cache
#             in $FERRY_CACHE_DIR is kept.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
: "${FERRY_SERVICES_DIR:=$REPO_ROOT/.services}"
export FERRY_SERVICES_DIR

purge=0
for arg in "$@"; do
	case "$arg" in
	--purge) purge=1 ;;
	*)
		echo "usage: $0 [--purge]" >&2
		exit 2
		;;
	esac
done

rc=0
if [ -d "$FERRY_SERVICES_DIR" ]; then
	"$SCRIPT_DIR/kafka-secure.sh" stop || rc=$?
	"$SCRIPT_DIR/kafka.sh" stop || rc=$?
	if [ -d "$FERRY_SERVICES_DIR/pg" ] || [ -f "$FERRY_SERVICES_DIR/env" ]; then
		"$SCRIPT_DIR/pg.sh" stop || rc=$?
	fi
else
	echo "services: nothing to stop ($FERRY_SERVICES_DIR does not exist)" >&2
fi

if [ "$purge" = 1 ] && [ -d "$FERRY_SERVICES_DIR" ]; then
	[ "$rc" = 0 ] || { echo "services: not purging $FERRY_SERVICES_DIR: a service failed to stop" >&2; exit "$rc"; }
	case "$FERRY_SERVICES_DIR" in
	/ | "$HOME" | "$REPO_ROOT") echo "services: refusing to delete $FERRY_SERVICES_DIR" >&2; exit 1 ;;
	esac
	rm -rf "$FERRY_SERVICES_DIR"
	echo "services: purged $FERRY_SERVICES_DIR" >&2
fi
exit "$rc"
