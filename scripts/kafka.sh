#!/usr/bin/env bash
# Local Apache Kafka 4.x broker (single KRaft node: broker + controller) for Ferry's
# tests, run straight from the Kafka jars on Maven Central (no Docker, no tarball).
#
#   scripts/kafka.sh start     fetch jars (first run only), format storage (first run
#                              only), start in the background, wait until it answers
#   scripts/kafka.sh stop      SIGTERM (controlled shutdown), wait for exit (idempotent)
#   scripts/kafka.sh restart   stop + start
#   scripts/kafka.sh status    exit 0 if running, 3 if not
#   scripts/kafka.sh libs      print the jar directory (fetching it if needed)
#   scripts/kafka.sh tool <name|main-class> [args...]
#                              run a Kafka CLI tool from the same jars, e.g.
#                                scripts/kafka.sh tool topics --bootstrap-server 127.0.0.1:59092 --list
#                              names: topics, console-producer, console-consumer,
#                              consumer-groups, transactions, producer-perf-test,
#                              metadata-quorum, storage, get-offsets
#
# Settings come from the environment, then from $FERRY_SERVICES_DIR/env (written by
# scripts/services-up.sh), then from the defaults below. FERRY_KAFKA_SECURE=1 makes the
# broker SASL_SSL only, with ACLs on: scripts/kafka-secure.sh runs it that way, as a
# second broker beside the plain one.
set -euo pipefail

SERVICE="${SERVICE:-kafka}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${FERRY_KAFKA_PORT:=59092}"
: "${FERRY_KAFKA_CONTROLLER_PORT:=59093}"
: "${FERRY_CACHE_DIR:=${HOME:-/root}/.cache/ferry}"
: "${FERRY_KAFKA_CONFIG:=$FERRY_SERVICES_DIR/kafka/server.properties}"
# Newest first; the first one Maven can resolve wins. Set FERRY_KAFKA_VERSION to pin one.
KAFKA_VERSIONS="${FERRY_KAFKA_VERSION:-4.1.1 4.1.0 4.0.0}"
KAFKA_HEAP_OPTS="${FERRY_KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
START_TIMEOUT="${FERRY_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${FERRY_KAFKA_STOP_TIMEOUT:-60}"

KAFKA_HOST=127.0.0.1
KAFKA_DIR="$(dirname "$FERRY_KAFKA_CONFIG")"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_LOG4J="$KAFKA_DIR/log4j2.properties"
TOOLS_LOG4J="$KAFKA_DIR/tools-log4j2.properties"
PID_FILE="$KAFKA_DIR/kafka.pid"
BOOTSTRAP="$KAFKA_HOST:$FERRY_KAFKA_PORT"
POM="$SCRIPT_DIR/kafka/pom.xml"
SECURE="${FERRY_KAFKA_SECURE:-0}"
# Secured broker only: the admin's password (SCRAM, a super user, also the broker's own
# inter-broker identity), the keystore's, and client settings for the CLI tools as admin.
ADMIN_PASSWORD_FILE="$KAFKA_DIR/admin.password"
ADMIN_CONFIG="$KAFKA_DIR/admin.properties"
KEYSTORE="$KAFKA_DIR/broker.p12"
TOOL_ARGS=()

# --- jars -----------------------------------------------------------------------

jar_has_class() { # <jar> <path/of/Class.class>
	if command -v unzip >/dev/null 2>&1; then
		unzip -Z1 "$1" 2>/dev/null | grep -qxF "$2"
	elif command -v jar >/dev/null 2>&1; then
		jar tf "$1" 2>/dev/null | grep -qxF "$2"
	else
		return 2
	fi
}

# Which StorageTool main class this Kafka version ships (Scala one in core up to at
# least 4.1, a Java one in org.apache.kafka.tools in later versions).
detect_storage_tool() { # <libs>
	local libs="$1" cls j
	for cls in org.apache.kafka.tools.StorageTool kafka.tools.StorageTool; do
		for j in "$libs"/kafka*.jar; do
			if jar_has_class "$j" "${cls//.//}.class"; then
				echo "$cls"
				return 0
			fi
		done
	done
	echo kafka.tools.StorageTool # cannot inspect jars: assume the 4.0/4.1 location
}

# Sets FERRY_KAFKA_LIBS and FERRY_KAFKA_VERSION; downloads on first use only.
resolve_libs() {
	local v dir tmp
	if [ -n "${FERRY_KAFKA_LIBS:-}" ] && [ -f "$FERRY_KAFKA_LIBS/.complete" ]; then
		load_libs_meta
		return 0
	fi
	for v in $KAFKA_VERSIONS; do
		if [ -f "$FERRY_CACHE_DIR/kafka-$v/libs/.complete" ]; then
			FERRY_KAFKA_LIBS="$FERRY_CACHE_DIR/kafka-$v/libs"
			load_libs_meta
			return 0
		fi
	done
	command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven is needed once to fetch the Kafka jars"
	for v in $KAFKA_VERSIONS; do
		dir="$FERRY_CACHE_DIR/kafka-$v"
		tmp="$dir/libs.tmp.$$"
		mkdir -p "$dir"
		rm -rf "$tmp"
		log "$SERVICE: fetching jars for Kafka $v from Maven Central (first run only)"
		if mvn -q -B -f "$POM" -Dkafka.version="$v" dependency:copy-dependencies \
			-DoutputDirectory="$tmp" >"$dir/mvn.log" 2>&1 && [ -f "$tmp/kafka_2.13-$v.jar" ]; then
			{
				echo "FERRY_KAFKA_VERSION=$v"
				echo "FERRY_KAFKA_STORAGE_TOOL=$(detect_storage_tool "$tmp")"
			} >"$tmp/.complete"
			rm -rf "$dir/libs"
			mv "$tmp" "$dir/libs"
			FERRY_KAFKA_LIBS="$dir/libs"
			load_libs_meta
			return 0
		fi
		rm -rf "$tmp"
		log "$SERVICE: Kafka $v cannot be resolved by mvn (see $dir/mvn.log), trying the next version"
	done
	die "could not fetch the jars of any Kafka version in: $KAFKA_VERSIONS"
}

load_libs_meta() {
	local line
	while IFS= read -r line; do
		case "$line" in
		FERRY_KAFKA_VERSION=*) FERRY_KAFKA_VERSION="${line#*=}" ;;
		FERRY_KAFKA_STORAGE_TOOL=*) KAFKA_STORAGE_TOOL="${line#*=}" ;;
		esac
	done <"$FERRY_KAFKA_LIBS/.complete"
	: "${KAFKA_STORAGE_TOOL:=kafka.tools.StorageTool}"
	export FERRY_KAFKA_LIBS FERRY_KAFKA_VERSION
}

# --- config ---------------------------------------------------------------------

write_tools_log4j() {
	mkdir -p "$KAFKA_DIR"
	cat >"$TOOLS_LOG4J" <<'EOF'
# CLI tools: warnings and errors to stderr only.
status = error
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

# listener_config: the plain broker's listeners, or the secured one's: SASL_SSL with
# SCRAM-SHA-512 for clients and for the broker itself, ACLs by KRaft's StandardAuthorizer,
# nothing allowed without an ACL. The controller listener stays PLAINTEXT on 127.0.0.1;
# its principal, ANONYMOUS, is the broker registering with its own controller, which
# must be a super user.
listener_config() {
	if [ "$SECURE" != 1 ]; then
		cat <<EOF
listeners=PLAINTEXT://$KAFKA_HOST:$FERRY_KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$FERRY_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$FERRY_KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
EOF
		return
	fi
	cat <<EOF
listeners=SASL_SSL://$KAFKA_HOST:$FERRY_KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$FERRY_KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$KAFKA_HOST:$FERRY_KAFKA_PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$ADMIN_PASSWORD_FILE")";
ssl.keystore.type=PKCS12
ssl.keystore.location=$KEYSTORE
ssl.keystore.password=$(cat "$KAFKA_DIR/keystore.password")
ssl.truststore.type=PEM
ssl.truststore.location=$FERRY_TLS_DIR/ca.crt
ssl.endpoint.identification.algorithm=https
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
EOF
}

# secure_material: the broker's keystore from the certificate the services' CA signs,
# the admin's password, and the tools' client settings; made once.
secure_material() {
	[ "$SECURE" = 1 ] || return 0
	mkdir -p "$KAFKA_DIR"
	tls_cert kafka
	(
		umask 077
		[ -s "$ADMIN_PASSWORD_FILE" ] || openssl rand -hex 16 >"$ADMIN_PASSWORD_FILE"
		[ -s "$KAFKA_DIR/keystore.password" ] || openssl rand -hex 16 >"$KAFKA_DIR/keystore.password"
		if [ ! -s "$KEYSTORE" ] || [ "$FERRY_TLS_DIR/kafka.crt" -nt "$KEYSTORE" ]; then
			openssl pkcs12 -export -in "$FERRY_TLS_DIR/kafka.crt" -inkey "$FERRY_TLS_DIR/kafka.key" \
				-certfile "$FERRY_TLS_DIR/ca.crt" -name broker -out "$KEYSTORE.tmp" \
				-passout "file:$KAFKA_DIR/keystore.password" && mv "$KEYSTORE.tmp" "$KEYSTORE"
		fi
		cat >"$ADMIN_CONFIG" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$ADMIN_PASSWORD_FILE")";
ssl.truststore.type=PEM
ssl.truststore.location=$FERRY_TLS_DIR/ca.crt
EOF
	) || die "could not make the secured broker's keystore and admin settings"
	TOOL_ARGS=(--command-config "$ADMIN_CONFIG")
}

# Rewritten on every start so ports/paths always follow the current settings.
write_config() {
	mkdir -p "$KAFKA_DIR" "$KAFKA_DATA" "$KAFKA_LOGS"
	cat >"$FERRY_KAFKA_CONFIG" <<EOF
# Written by scripts/kafka.sh - do not edit, it is overwritten on start.
# Single-node KRaft cluster (combined broker + controller) for tests.
node.id=1
process.roles=broker,controller
$(listener_config)
controller.listener.names=CONTROLLER
controller.quorum.voters=1@$KAFKA_HOST:$FERRY_KAFKA_CONTROLLER_PORT
log.dirs=$KAFKA_DATA

# single replica everywhere
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=3
group.initial.rebalance.delay.ms=0

# small machine
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216

# small segments, bounded retention (tests create many short-lived topics)
log.segment.bytes=16777216
log.retention.hours=24
log.retention.bytes=268435456
log.retention.check.interval.ms=60000
log.segment.delete.delay.ms=1000
EOF
	# The secured broker's config holds the admin's and the keystore's passwords.
	if [ "$SECURE" = 1 ]; then chmod 600 "$FERRY_KAFKA_CONFIG"; fi
	cat >"$KAFKA_LOG4J" <<EOF
# Broker logging: to files under $KAFKA_LOGS, nothing on the terminal.
status = warn
name = ferry-kafka
appender.server.type = RollingFile
appender.server.name = SERVER
appender.server.fileName = $KAFKA_LOGS/server.log
appender.server.filePattern = $KAFKA_LOGS/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 50MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 4
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = SERVER
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.netclient.name = org.apache.kafka.clients.NetworkClient
logger.netclient.level = WARN
EOF
	write_tools_log4j
}

# --- process helpers --------------------------------------------------------------

run_tool_class() { # <main-class> [args...]
	[ -f "$TOOLS_LOG4J" ] || write_tools_log4j
	java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$FERRY_KAFKA_LIBS/*" "$@"
}

tool_class() {
	case "$1" in
	topics) echo org.apache.kafka.tools.TopicCommand ;;
	console-producer) echo org.apache.kafka.tools.ConsoleProducer ;;
	console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
	consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
	transactions) echo org.apache.kafka.tools.TransactionsCommand ;;
	producer-perf-test) echo org.apache.kafka.tools.ProducerPerformance ;;
	metadata-quorum) echo org.apache.kafka.tools.MetadataQuorumCommand ;;
	get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
	storage) echo "$KAFKA_STORAGE_TOOL" ;;
	*) echo "$1" ;;
	esac
}

kafka_pid() { # prints the pid of our broker if it is running
	local pid
	[ -f "$PID_FILE" ] || return 1
	pid="$(cat "$PID_FILE" 2>/dev/null || true)"
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# guard against pid reuse: it must be a kafka.Kafka JVM with our config
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $FERRY_KAFKA_CONFIG" || return 1
	echo "$pid"
}

port_open() { # <port>
	(exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

log_tail() {
	local f
	for f in "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log"; do
		[ -s "$f" ] || continue
		log "---- last lines of $f ----"
		tail -n 40 "$f" >&2 || true
	done
	log "-------------------------------"
}

format_storage() {
	[ -f "$KAFKA_DATA/meta.properties" ] && return 0
	local id out
	id="$(run_tool_class "$KAFKA_STORAGE_TOOL" random-uuid 2>"$KAFKA_LOGS/format.log" | tail -n 1)" ||
		{ cat "$KAFKA_LOGS/format.log" >&2; die "$KAFKA_STORAGE_TOOL random-uuid failed"; }
	log "$SERVICE: formatting storage in $KAFKA_DATA (cluster id $id)"
	local scram=()
	if [ "$SECURE" = 1 ]; then
		# SCRAM credentials live in the cluster's metadata: the first user is made here.
		scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(cat "$ADMIN_PASSWORD_FILE")]")
	fi
	if ! out="$(run_tool_class "$KAFKA_STORAGE_TOOL" format --ignore-formatted \
		--cluster-id "$id" --config "$FERRY_KAFKA_CONFIG" "${scram[@]}" 2>&1)"; then
		printf '%s\n' "$out" >&2
		die "$KAFKA_STORAGE_TOOL format failed"
	fi
}

wait_ready() { # <pid>
	local pid="$1" deadline=$((SECONDS + START_TIMEOUT)) out=""
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log_tail
			die "broker process $pid exited during startup"
		fi
		if port_open "$FERRY_KAFKA_PORT"; then
			# a real metadata round trip, not just an open port
			if out="$(timeout 30 java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
				-Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$FERRY_KAFKA_LIBS/*" \
				org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "${TOOL_ARGS[@]}" --list 2>&1)"; then
				return 0
			fi
		fi
		sleep 1
	done
	[ -n "$out" ] && printf 'last topic listing attempt:\n%s\n' "$out" >&2
	log_tail
	die "broker did not answer a metadata request on $BOOTSTRAP within ${START_TIMEOUT}s"
}

# --- commands -----------------------------------------------------------------------

cmd_start() {
	local pid
	resolve_libs
	if pid="$(kafka_pid)"; then
		if port_open "$FERRY_KAFKA_PORT"; then
			log "$SERVICE: already running on $BOOTSTRAP (pid $pid)"
			return 0
		fi
		secure_material
		wait_ready "$pid"
		log "$SERVICE: ready"
		return 0
	fi
	rm -f "$PID_FILE"
	port_open "$FERRY_KAFKA_PORT" && die "port $FERRY_KAFKA_PORT is already in use by another process (not our broker)"
	port_open "$FERRY_KAFKA_CONTROLLER_PORT" && die "port $FERRY_KAFKA_CONTROLLER_PORT is already in use by another process (not our controller)"
	command -v java >/dev/null 2>&1 || die "java not found (Kafka needs Java 17+)"
	secure_material
	write_config
	if [ "${FERRY_KAFKA_FRESH:-0}" = 1 ] && [ -d "$KAFKA_DATA" ]; then
		# Throwaway topics (tests): a broker loading thousands of old partitions
		# can take minutes to answer, so start on an empty log directory.
		log "$SERVICE: FERRY_KAFKA_FRESH=1, removing $KAFKA_DATA"
		rm -rf "$KAFKA_DATA"
	fi
	format_storage
	log "$SERVICE: starting Kafka $FERRY_KAFKA_VERSION on $BOOTSTRAP (controller $KAFKA_HOST:$FERRY_KAFKA_CONTROLLER_PORT)"
	# setsid + nohup: the broker survives the calling shell/terminal (and make's
	# process group); bash writes its own pid then execs java, so the pid is java's.
	# shellcheck disable=SC2086,SC2016
	nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
		java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
		-Djava.awt.headless=true -Dkafka.logs.dir="$KAFKA_LOGS" \
		-Dlog4j2.configurationFile="$KAFKA_LOG4J" \
		-cp "$FERRY_KAFKA_LIBS/*" kafka.Kafka "$FERRY_KAFKA_CONFIG" \
		</dev/null >"$KAFKA_LOGS/kafka.out" 2>&1 &
	for _ in $(seq 1 50); do
		[ -s "$PID_FILE" ] && break
		sleep 0.1
	done
	pid="$(cat "$PID_FILE" 2>/dev/null || true)"
	[[ $pid =~ ^[0-9]+$ ]] || { log_tail; die "could not launch the broker (no pid file)"; }
	wait_ready "$pid"
	log "$SERVICE: ready"
}

cmd_stop() {
	local pid deadline
	if ! pid="$(kafka_pid)"; then
		rm -f "$PID_FILE"
		log "$SERVICE: not running"
		return 0
	fi
	log "$SERVICE: stopping (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + STOP_TIMEOUT))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			log "$SERVICE: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 1
			break
		fi
		sleep 0.2
	done
	rm -f "$PID_FILE"
	log "$SERVICE: stopped"
}

cmd_status() {
	local pid
	if pid="$(kafka_pid)"; then
		log "$SERVICE: running on $BOOTSTRAP (pid $pid)"
		return 0
	fi
	log "$SERVICE: stopped"
	return 3
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
restart)
	cmd_stop
	cmd_start
	;;
status) cmd_status ;;
libs)
	resolve_libs
	printf '%s\n' "$FERRY_KAFKA_LIBS"
	;;
tool)
	[ $# -ge 2 ] || die "usage: $0 tool <name|main-class> [args...]"
	resolve_libs
	cls="$(tool_class "$2")"
	shift 2
	run_tool_class "$cls" "$@"
	;;
*)
	echo "usage: $0 {start|stop|restart|status|libs|tool <name> [args...]}" >&2
	exit 2
	;;
esac
