# Ferry - common tasks. Real services for tests come from scripts/services-up.sh
# (PostgreSQL + Kafka without Docker); docker-compose.yml is the Docker alternative.
GO ?= go

.PHONY: all build vet test services-up services-down demo bench

all: build

build:
	$(GO) build -o bin/ferry ./cmd/ferry

vet:
	$(GO) vet ./...

# starts the services if needed, vet + race tests, stops what it started
test:
	scripts/test.sh

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
