# Ferry - common tasks. Real services for tests come from scripts/services-up.sh
# (PostgreSQL + Kafka without Docker); docker-compose.yml is the Docker alternative.
GO ?= go

# The build says which release and commit it is (ferry version, the envelope's
# source.version, ferry_build_info); see internal/version.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
LDFLAGS := -X github.com/ferry-cdc/ferry/internal/version.version=$(VERSION) \
	-X github.com/ferry-cdc/ferry/internal/version.commit=$(COMMIT)

.PHONY: all build image vet test test-mssql test-oracle services-up services-down demo bench

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ferry ./cmd/ferry

# the Docker image, with the same version and commit (.git is not in its context)
image:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t ferry:$(VERSION) .

vet:
	$(GO) vet ./...

# starts the services if needed, vet + race tests, stops what it started
test:
	scripts/test.sh

# SQL Server's tests against a real server, which no machine Ferry is
# developed on runs: start one (docker compose --profile mssql up -d) and set
# FERRY_TEST_MSSQL_DSN (docker-compose.yml has it). Then the end-to-end
# pairs with SQL Server on either side (sql/dialecttest/e2e), through Kafka
# (FERRY_TEST_KAFKA_BROKERS) and, for the pairs with PostgreSQL,
# FERRY_TEST_PG_ADMIN_DSN. Never run here yet.
test-mssql:
	@test -n "$$FERRY_TEST_MSSQL_DSN" || { echo "make test-mssql: set FERRY_TEST_MSSQL_DSN (docker-compose.yml, profile mssql)" >&2; exit 2; }
	@test -n "$$FERRY_TEST_KAFKA_BROKERS" || { echo "make test-mssql: set FERRY_TEST_KAFKA_BROKERS for the end-to-end tests (docker-compose.yml)" >&2; exit 2; }
	$(GO) test -race -count=1 -v -run Integration ./sql/sqlserver/
	$(GO) test -race -count=1 -v -run 'TestE2E/sqlserver' ./sql/dialecttest/e2e/

# Oracle's tests against a real server, likewise: docker compose --profile
# oracle up -d, then FERRY_TEST_ORACLE_DSN (a user that may create users and
# grant, e.g. SYSTEM on FREEPDB1), and the end-to-end pairs with Oracle on
# either side, as for SQL Server. Never run here yet.
test-oracle:
	@test -n "$$FERRY_TEST_ORACLE_DSN" || { echo "make test-oracle: set FERRY_TEST_ORACLE_DSN (docker-compose.yml, profile oracle)" >&2; exit 2; }
	@test -n "$$FERRY_TEST_KAFKA_BROKERS" || { echo "make test-oracle: set FERRY_TEST_KAFKA_BROKERS for the end-to-end tests (docker-compose.yml)" >&2; exit 2; }
	$(GO) test -race -count=1 -v -run '^TestOracle' ./sql/oracle/
	$(GO) test -race -count=1 -v -run 'TestE2E/oracle' ./sql/dialecttest/e2e/

services-up:
	scripts/services-up.sh

services-down:
	scripts/services-down.sh

# the main job end to end: services, databases, config, relay + apply, a 30s
# workload with a live view, then target vs source and the DLQ (see demo/demo.sh;
# DEMO_DURATION=60s, DEMO_NO_RULES=1). Leaves the services running.
demo:
	demo/demo.sh

bench:
	@if [ -f scripts/bench.sh ]; then bash scripts/bench.sh; \
	else echo "make bench: scripts/bench.sh does not exist yet, nothing to run" >&2; fi
