#!/usr/bin/env bash
# Benchmarks against the real services (docs/benchmarks.md records the results).
#   scripts/bench.sh                      # every benchmark, 5 runs each
#   BENCH=Capture COUNT=3 scripts/bench.sh
#   BENCH=none scripts/bench.sh           # only the million-row snapshot test (below)
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/services-up.sh"
# shellcheck disable=SC1091
. "${FERRY_SERVICES_DIR:-$REPO_ROOT/.services}/env"
mkdir -p out
go test -run '^$' -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-3s}" -count "${COUNT:-5}" -timeout 0 ./... | tee out/bench.txt
# The snapshot under load with 10+ relay SIGKILLs, on 1,000,000 rows (the
# normal suite runs it on 50,000 with 3).
FERRY_TEST_SNAPSHOT_MILLION=1 go test -count 1 -timeout 60m -run 'TestSnapshotUnderLoadWithRelayKills' -v ./applier/ | tee out/snapshot-million.txt
# Pausing one of two routes for 30 s under a steady workload (the normal suite
# pauses for 5 s), then the other route's end-to-end latency with and without
# a pause (BenchmarkPauseOtherRouteLatency ran above).
FERRY_TEST_PAUSE_LONG=1 go test -count 1 -timeout 10m -run 'TestPauseOneOfTwoRoutes' -v ./applier/ | tee out/pause-long.txt
