#!/usr/bin/env bash
# Benchmarks against the real services (docs/benchmarks.md records the results).
#   scripts/bench.sh                      # every benchmark, 5 runs each
#   BENCH=Capture COUNT=3 scripts/bench.sh
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/services-up.sh"
# shellcheck disable=SC1091
. "${FERRY_SERVICES_DIR:-$REPO_ROOT/.services}/env"
mkdir -p out
go test -run '^$' -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-3s}" -count "${COUNT:-5}" ./... | tee out/bench.txt
