#!/usr/bin/env bash
# A second, separate Kafka broker for the security tests: SASL_SSL only (SCRAM-SHA-512
# over TLS) with ACLs on (KRaft's StandardAuthorizer), on ports and in a data directory
# of its own, so that the plain broker on 59092, which others share, is never touched.
# It is scripts/kafka.sh with FERRY_KAFKA_SECURE=1:
#
#   scripts/kafka-secure.sh start|stop|restart|status
#   scripts/kafka-secure.sh tool acls --bootstrap-server 127.0.0.1:59094 \
#       --command-config "$FERRY_SERVICES_DIR/kafka-secure/admin.properties" --list
#
# TLS: the broker's certificate, for 127.0.0.1 and localhost, is signed by the services'
# test CA ($FERRY_SERVICES_DIR/tls/ca.crt; scripts/lib.sh makes both with openssl).
# SCRAM: one user, admin, a super user and the broker's own inter-broker identity, is
# made when the storage is formatted, with a random password kept in
# $FERRY_SERVICES_DIR/kafka-secure/admin.password. Tests make their own users and ACLs
# with it (internal/kafkatest: Secure).
#
# Settings: FERRY_KAFKA_SECURE_PORT (59094), FERRY_KAFKA_SECURE_CONTROLLER_PORT (59095).
set -euo pipefail

SERVICE=kafka-secure
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${FERRY_KAFKA_SECURE_PORT:=59094}"
: "${FERRY_KAFKA_SECURE_CONTROLLER_PORT:=59095}"
# Set here, not taken from the env file, which names the plain broker's.
export FERRY_KAFKA_PORT="$FERRY_KAFKA_SECURE_PORT"
export FERRY_KAFKA_CONTROLLER_PORT="$FERRY_KAFKA_SECURE_CONTROLLER_PORT"
export FERRY_KAFKA_CONFIG="$FERRY_SERVICES_DIR/kafka-secure/server.properties"
export FERRY_KAFKA_SECURE=1 SERVICE FERRY_SERVICES_DIR
# A smaller heap than the plain broker's: the security tests move little data.
export FERRY_KAFKA_HEAP_OPTS="${FERRY_KAFKA_SECURE_HEAP_OPTS:--Xms128m -Xmx512m}"
exec "$SCRIPT_DIR/kafka.sh" "$@"
