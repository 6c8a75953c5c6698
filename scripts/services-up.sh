#!/usr/bin/env bash
# Start the real services Ferry's tests run against, without Docker:
#   - PostgreSQL (newest installed major; apt-get installs it if missing) on 127.0.0.1:55432
#     with role ferry/ferry and databases ferry_source, ferry_target
#     with TLS on (sslmode=verify-full against the test CA; plain connections keep working)
#   - Apache Kafka 4.x, single KRaft node, on 127.0.0.1:59092, from Maven Central jars
#   - a second, secured Kafka broker (SASL_SSL with SCRAM-SHA-512, ACLs on) on
#     127.0.0.1:59094, for the security tests (scripts/kafka-secure.sh)
# and write $FERRY_SERVICES_DIR/env (shell exports for the tests). Idempotent: when the
# services are already up it only re-writes the env file.
#
# Settings (environment): FERRY_SERVICES_DIR (default <repo>/.services),
#   FERRY_CACHE_DIR (default ~/.cache/ferry; jar cache), FERRY_PG_PORT (55432),
#   FERRY_KAFKA_PORT (59092), FERRY_KAFKA_CONTROLLER_PORT (59093),
#   FERRY_KAFKA_SECURE_PORT (59094), FERRY_KAFKA_SECURE_CONTROLLER_PORT (59095),
#   FERRY_KAFKA_VERSION (pin a Kafka version instead of "newest of 4.1.1 4.1.0 4.0.0").
# Restart mid-test: scripts/pg.sh restart, scripts/kafka.sh restart. Stop: scripts/services-down.sh
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

: "${FERRY_SERVICES_DIR:=$REPO_ROOT/.services}"
mkdir -p "$FERRY_SERVICES_DIR"
FERRY_SERVICES_DIR="$(cd "$FERRY_SERVICES_DIR" && pwd)"
: "${FERRY_CACHE_DIR:=${HOME:-/root}/.cache/ferry}"
: "${FERRY_PG_PORT:=55432}"
: "${FERRY_PG_DATA:=$FERRY_SERVICES_DIR/pg/data}"
: "${FERRY_KAFKA_PORT:=59092}"
: "${FERRY_KAFKA_CONTROLLER_PORT:=59093}"
: "${FERRY_KAFKA_CONFIG:=$FERRY_SERVICES_DIR/kafka/server.properties}"
: "${FERRY_KAFKA_SECURE_PORT:=59094}"
: "${FERRY_KAFKA_SECURE_CONTROLLER_PORT:=59095}"
export FERRY_SERVICES_DIR FERRY_CACHE_DIR FERRY_PG_PORT FERRY_PG_DATA \
	FERRY_KAFKA_PORT FERRY_KAFKA_CONTROLLER_PORT FERRY_KAFKA_CONFIG \
	FERRY_KAFKA_SECURE_PORT FERRY_KAFKA_SECURE_CONTROLLER_PORT

start=$SECONDS

# PostgreSQL
FERRY_PG_BIN="$("$SCRIPT_DIR/pg.sh" bin)"
export FERRY_PG_BIN
"$SCRIPT_DIR/pg.sh" start
"$SCRIPT_DIR/pg.sh" setup
"$SCRIPT_DIR/pg.sh" secure

# Kafka (jar directory first: it decides the version written to the env file)
FERRY_KAFKA_LIBS="$("$SCRIPT_DIR/kafka.sh" libs)"
FERRY_KAFKA_VERSION="$(basename "$(dirname "$FERRY_KAFKA_LIBS")")"
FERRY_KAFKA_VERSION="${FERRY_KAFKA_VERSION#kafka-}"
export FERRY_KAFKA_LIBS FERRY_KAFKA_VERSION
"$SCRIPT_DIR/kafka.sh" start
"$SCRIPT_DIR/kafka-secure.sh" start

# env file (written atomically)
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
pg_url="postgres://ferry:ferry@127.0.0.1:$FERRY_PG_PORT"
env_file="$FERRY_SERVICES_DIR/env"
{
	echo "# Written by scripts/services-up.sh - source it: . $env_file"
	echo "export FERRY_TEST_PG_DSN=$(sq "$pg_url/ferry_source?sslmode=disable")"
	echo "export FERRY_TEST_PG_TARGET_DSN=$(sq "$pg_url/ferry_target?sslmode=disable")"
	echo "export FERRY_TEST_PG_ADMIN_DSN=$(sq "$pg_url/postgres?sslmode=disable")"
	echo "export FERRY_TEST_KAFKA_BROKERS=$(sq "127.0.0.1:$FERRY_KAFKA_PORT")"
	echo "export FERRY_SERVICES_DIR=$(sq "$FERRY_SERVICES_DIR")"
	echo "export FERRY_CACHE_DIR=$(sq "$FERRY_CACHE_DIR")"
	echo "export FERRY_PG_BIN=$(sq "$FERRY_PG_BIN")"
	echo "export FERRY_PG_DATA=$(sq "$FERRY_PG_DATA")"
	echo "export FERRY_PG_PORT=$(sq "$FERRY_PG_PORT")"
	echo "export FERRY_KAFKA_VERSION=$(sq "$FERRY_KAFKA_VERSION")"
	echo "export FERRY_KAFKA_LIBS=$(sq "$FERRY_KAFKA_LIBS")"
	echo "export FERRY_KAFKA_CONFIG=$(sq "$FERRY_KAFKA_CONFIG")"
	echo "export FERRY_KAFKA_PORT=$(sq "$FERRY_KAFKA_PORT")"
	echo "export FERRY_KAFKA_CONTROLLER_PORT=$(sq "$FERRY_KAFKA_CONTROLLER_PORT")"
	echo "# TLS: one test CA signs PostgreSQL's and the secured broker's certificates"
	echo "export FERRY_TEST_PG_CA=$(sq "$FERRY_SERVICES_DIR/tls/ca.crt")"
	echo "export FERRY_TEST_KAFKA_SECURE_BROKERS=$(sq "127.0.0.1:$FERRY_KAFKA_SECURE_PORT")"
	echo "export FERRY_TEST_KAFKA_SECURE_CA=$(sq "$FERRY_SERVICES_DIR/tls/ca.crt")"
	echo "export FERRY_TEST_KAFKA_SECURE_ADMIN_PASSWORD_FILE=$(sq "$FERRY_SERVICES_DIR/kafka-secure/admin.password")"
	echo "export FERRY_KAFKA_SECURE_PORT=$(sq "$FERRY_KAFKA_SECURE_PORT")"
	echo "export FERRY_KAFKA_SECURE_CONTROLLER_PORT=$(sq "$FERRY_KAFKA_SECURE_CONTROLLER_PORT")"
	echo "# restart mid-test: $SCRIPT_DIR/pg.sh restart ; $SCRIPT_DIR/kafka.sh restart"
	echo "export FERRY_PG_CTL=$(sq "$SCRIPT_DIR/pg.sh")"
	echo "export FERRY_KAFKA_CTL=$(sq "$SCRIPT_DIR/kafka.sh")"
	echo "export FERRY_KAFKA_SECURE_CTL=$(sq "$SCRIPT_DIR/kafka-secure.sh")"
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"

echo "services: up in $((SECONDS - start))s (postgres 127.0.0.1:$FERRY_PG_PORT, kafka $FERRY_KAFKA_VERSION 127.0.0.1:$FERRY_KAFKA_PORT, SASL_SSL 127.0.0.1:$FERRY_KAFKA_SECURE_PORT); env: . $env_file" >&2
