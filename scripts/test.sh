#!/usr/bin/env bash
# Full test run against real services: start them (scripts/services-up.sh) unless they
# already run, go vet, go test -race, then stop whatever this script started (also on
# failure or Ctrl-C). Exits with the exit code of go vet / go test.
#   scripts/test.sh                 # ./...
#   scripts/test.sh ./relay/...     # other packages / extra go test flags
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO_ROOT"
: "${FERRY_SERVICES_DIR:=$REPO_ROOT/.services}"
export FERRY_SERVICES_DIR

pg_was_up=0
kafka_was_up=0
kafka_secure_was_up=0
"$SCRIPT_DIR/pg.sh" status >/dev/null 2>&1 && pg_was_up=1
"$SCRIPT_DIR/kafka.sh" status >/dev/null 2>&1 && kafka_was_up=1
"$SCRIPT_DIR/kafka-secure.sh" status >/dev/null 2>&1 && kafka_secure_was_up=1

# shellcheck disable=SC2329 # used by trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$kafka_secure_was_up" = 0 ]; then "$SCRIPT_DIR/kafka-secure.sh" stop || true; fi
	if [ "$kafka_was_up" = 0 ]; then "$SCRIPT_DIR/kafka.sh" stop || true; fi
	if [ "$pg_was_up" = 0 ]; then "$SCRIPT_DIR/pg.sh" stop || true; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A broker this script starts holds only the topics of earlier test runs:
# start it on an empty log directory (not exported: the fault tests restart
# the broker and must find their topics again).
fresh=0
[ "$kafka_was_up" = 0 ] && fresh=1
FERRY_KAFKA_FRESH=$fresh "$SCRIPT_DIR/services-up.sh"
# shellcheck disable=SC1091
. "$FERRY_SERVICES_DIR/env"

if [ $# -eq 0 ]; then set -- ./...; fi

# Prometheus for the dashboard's test (deploy/monitoring_test.go), from Debian's
# packages like PostgreSQL; the test runs the binary itself.
FERRY_PROMETHEUS_BIN="$("$SCRIPT_DIR/prometheus.sh" bin)"
export FERRY_PROMETHEUS_BIN

echo "test: go vet" >&2
go vet ./...
rc=0
# The generated SQL Server and Oracle SQL against real T-SQL and PL/SQL
# grammars: a module of its own (its parsers take minutes to compile), run
# once and without -race. See sql/grammar/doc.go.
echo "test: SQL grammar check (sql/grammar)" >&2
(cd sql/grammar && go vet ./... && go test -count=1 ./...) || rc=$?
if [ "${FERRY_SKIP_FAULTS:-}" != 1 ]; then
	# Tests that stop and restart the shared PostgreSQL and Kafka run alone,
	# first, so that the full suite's results close the log.
	echo "test: fault injection (restarts the services): go test -race -p 1 -run Fault" >&2
	FERRY_TEST_FAULTS=1 go test -race -count=1 -p 1 -timeout 30m -run 'Fault' "$@" || rc=$?
	"$SCRIPT_DIR/services-up.sh" >/dev/null
fi
echo "test: go test -race -count=1 -timeout 60m $*" >&2
go test -race -count=1 -timeout 60m "$@" || rc=$?
exit "$rc"
