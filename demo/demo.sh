#!/usr/bin/env bash
# demo/demo.sh - `make demo`: Ferry's main job end to end, on real PostgreSQL
# and Kafka started without Docker (scripts/services-up.sh).
#
#   1. starts the services and builds bin/ferry and the demo's load program;
#   2. (re)creates the databases demo_source and demo_target (demo/source.sql,
#      demo/target.sql) and a new Kafka topic prefix, demo<unix time>;
#   3. writes demo/ferry.demo.yaml from demo/ferry.demo.yaml.in (routes, a
#      lookup, four rules) and runs ferry check on it;
#   4. runs ferry migrate up, starts ferry relay and ferry apply in the
#      background (logs in demo/.run/), and writes a mixed workload to the
#      source for DEMO_DURATION while showing, once a second, what the
#      pipeline has done with it;
#   5. waits for the pipeline to drain, runs ferry verify (every difference
#      must be explained by a DLQ entry, a held change or a rule), checks each
#      kind of change the workload made against ferry verify's report, and
#      shows the DLQ with ferry dlq list;
#   6. stops relay and apply. Ctrl-C at any point stops everything the demo
#      started; the services keep running (make services-down stops them).
#
# Settings (environment):
#   DEMO_DURATION  how long the workload writes (default 30s)
#   DEMO_RATE      statements per second (default 200)
#   DEMO_NO_RULES  1: leave the rules and the lookup out of the config
#   DEMO_RELAY_PORT, DEMO_APPLY_PORT  metrics ports (default 59464, 59465)
# Exit status: 0 when the target matches the source as the config says it
# should, 1 otherwise, 130 when interrupted.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO_ROOT"

: "${DEMO_DURATION:=30s}"
: "${DEMO_RATE:=200}"
: "${DEMO_NO_RULES:=0}"
: "${DEMO_RELAY_PORT:=59464}"
: "${DEMO_APPLY_PORT:=59465}"
: "${GO:=go}"

RUN_DIR="demo/.run"
CONFIG="demo/ferry.demo.yaml"
FERRY="bin/ferry"
LOAD="$RUN_DIR/load"
started=$SECONDS

if [ -t 1 ]; then
	bold=$'\033[1m' red=$'\033[31m' green=$'\033[32m' off=$'\033[0m'
else
	bold='' red='' green='' off=''
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
note() { printf '   %s\n' "$*"; }
die() {
	printf '%sdemo: %s%s\n' "$red" "$*" "$off" >&2
	exit 1
}

# --- stopping what the demo started -----------------------------------------
relay_pid='' apply_pid='' load_pid=''

# stop PID NAME: SIGTERM (ferry finishes its batch in flight and exits), then
# SIGKILL if it is still there after 15s.
stop() {
	local pid=$1 name=$2 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		printf '   %s did not stop within 15s of SIGTERM: killing it\n' "$name" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

stop_all() {
	stop "$load_pid" "the workload"
	load_pid=''
	if [ -n "$relay_pid$apply_pid" ]; then
		stop "$apply_pid" "ferry apply"
		stop "$relay_pid" "ferry relay"
		relay_pid='' apply_pid=''
		note "stopped ferry relay and ferry apply"
	fi
}

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	if [ "$rc" -eq 130 ]; then
		printf '\n%sdemo: interrupted after %ds; stopped what it started.%s Logs: %s/. PostgreSQL and Kafka keep running: make services-down stops them.\n' \
			"$red" "$((SECONDS - started))" "$off" "$RUN_DIR" >&2
	elif [ "$rc" -ne 0 ]; then
		printf '\n%sdemo: stopped (exit %d) after %ds.%s Logs: %s/. PostgreSQL and Kafka keep running: make services-down stops them.\n' \
			"$red" "$rc" "$((SECONDS - started))" "$off" "$RUN_DIR" >&2
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# wait_fg: wait for the load program, started in the background as
# load_pid. `wait` returns as soon as a trapped signal arrives, where a
# foreground command would delay the trap until it ended.
wait_fg() {
	local rc=0
	wait "$load_pid" || rc=$?
	load_pid=''
	return "$rc"
}

# http_get PORT PATH: print the body of a plain HTTP/1.0 GET on 127.0.0.1,
# with bash alone (a fresh machine may lack curl).
http_get() {
	local port=$1 path=$2 resp
	resp="$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$port" &&
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3 &&
		timeout 2 cat <&3)" || return 1
	printf '%s' "${resp#*$'\r\n\r\n'}"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ready NAME PID PORT WORD LOG: wait until /healthz says WORD, or fail
# with the log's end if the process exits or 60s pass.
wait_ready() {
	local name=$1 pid=$2 port=$3 word=$4 log=$5 i body='' rc
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			rc=0
			wait "$pid" || rc=$?
			printf '%s%s exited with status %d before it was ready; the end of %s:%s\n' "$red" "$name" "$rc" "$log" "$off" >&2
			tail -n 15 "$log" >&2
			if [ "$rc" -eq 3 ]; then
				die "$name says a part it needs is not implemented yet (exit 3). With rules and lookups not yet built into ferry apply, run: DEMO_NO_RULES=1 make demo"
			fi
			die "$name failed to start"
		fi
		body="$(http_get "$port" /healthz || true)"
		if [[ $body == *"$word"* ]]; then
			note "$name is ready: $body"
			return 0
		fi
		sleep 0.1
	done
	tail -n 15 "$log" >&2
	die "$name not ready after 60s (its /healthz on port $port says: ${body:-nothing})"
}

# --- 1. services and binaries ------------------------------------------------
step "1. PostgreSQL and Kafka (scripts/services-up.sh), bin/ferry"
scripts/services-up.sh
# shellcheck disable=SC1091
. "${FERRY_SERVICES_DIR:-$REPO_ROOT/.services}/env"
command -v "$GO" >/dev/null 2>&1 || die "go not found: Go 1.26 is needed to build bin/ferry"
mkdir -p "$RUN_DIR" bin
rm -f "$RUN_DIR"/*.log "$RUN_DIR/workload.json" "$RUN_DIR/verify.json"
note "building bin/ferry and $LOAD"
"$GO" build -o "$FERRY" ./cmd/ferry
"$GO" build -o "$LOAD" ./demo/load
PSQL="$FERRY_PG_BIN/psql"
[ -x "$PSQL" ] || PSQL="$(command -v psql)" || die "psql not found"

rules_mode="rules and lookup on"
if [ "$DEMO_NO_RULES" = 1 ]; then
	rules_mode="DEMO_NO_RULES=1: rules and lookup left out"
elif "$FERRY" apply --help 2>/dev/null | grep -q "Not built yet: rules and lookups"; then
	note "${red}note: this bin/ferry says rules and lookups are not built into ferry apply yet; it will refuse the demo's config (DEMO_NO_RULES=1 runs the demo without them)${off}"
fi

# --- 2. databases -----------------------------------------------------------
step "2. databases demo_source and demo_target, recreated"
admin="$FERRY_TEST_PG_ADMIN_DSN"
SOURCE_DSN="${admin/\/postgres\?//demo_source?}"
TARGET_DSN="${admin/\/postgres\?//demo_target?}"
[ "$SOURCE_DSN" != "$admin" ] || die "cannot derive the demo's DSNs from FERRY_TEST_PG_ADMIN_DSN ($admin)"
"$PSQL" "$admin" -X -q -v ON_ERROR_STOP=1 \
	-c 'DROP DATABASE IF EXISTS demo_source WITH (FORCE)' \
	-c 'DROP DATABASE IF EXISTS demo_target WITH (FORCE)' \
	-c 'CREATE DATABASE demo_source' \
	-c 'CREATE DATABASE demo_target'
"$PSQL" "$SOURCE_DSN" -X -q -v ON_ERROR_STOP=1 -f demo/source.sql
"$PSQL" "$TARGET_DSN" -X -q -v ON_ERROR_STOP=1 -f demo/target.sql
note "source: departments(id, name, city_code), employees(id, dept_id, name, email, phone, salary, born)"
note "target: departments(id, name, city_id), employees(...), cities(code, id): $("$PSQL" "$TARGET_DSN" -X -At -c "SELECT string_agg(code || '=' || id, ' ' ORDER BY code) FROM cities")"

# --- 3. config ----------------------------------------------------------------
PREFIX="demo$(date +%s)"
step "3. $CONFIG (topic prefix $PREFIX; $rules_mode)"
keep=full drop=norules
if [ "$DEMO_NO_RULES" = 1 ]; then keep=norules drop=full; fi
BROKERS="${FERRY_TEST_KAFKA_BROKERS//,/, }"
SOURCE_DSN="$SOURCE_DSN" TARGET_DSN="$TARGET_DSN" BROKERS="$BROKERS" PREFIX="$PREFIX" \
	awk -v keep="$keep" -v drop="$drop" '
	NR == 1 { print "# Generated by demo/demo.sh from demo/ferry.demo.yaml.in; rewritten on every run." }
	$0 == "#>" drop { skip = 1; next }
	$0 == "#<" drop { skip = 0; next }
	$0 == "#>" keep || $0 == "#<" keep { next }
	skip { next }
	{
		gsub(/@SOURCE_DSN@/, ENVIRON["SOURCE_DSN"]); gsub(/@TARGET_DSN@/, ENVIRON["TARGET_DSN"])
		gsub(/@BROKERS@/, ENVIRON["BROKERS"]); gsub(/@PREFIX@/, ENVIRON["PREFIX"])
		print
	}' demo/ferry.demo.yaml.in >"$CONFIG.tmp"
mv "$CONFIG.tmp" "$CONFIG"
grep -q '@[A-Z_]*@' "$CONFIG" && die "$CONFIG still has a placeholder: $(grep -m1 '@[A-Z_]*@' "$CONFIG")"
sed -n '/^routes:/,/^relay:/p' "$CONFIG" | sed '$d' | sed 's/^/   | /'
"$FERRY" check -c "$CONFIG"

# --- 4. capture, relay, apply, workload ------------------------------------
step "4. ferry migrate up; ferry relay and ferry apply in the background; the workload"
"$FERRY" migrate up -c "$CONFIG" --log-format text 2>&1 | sed 's/^/   /'
for port in "$DEMO_RELAY_PORT" "$DEMO_APPLY_PORT"; do
	port_busy "$port" && die "port $port is in use (a demo still running?); set DEMO_RELAY_PORT / DEMO_APPLY_PORT"
done
"$FERRY" relay -c "$CONFIG" --metrics-addr "127.0.0.1:$DEMO_RELAY_PORT" --log-format text >"$RUN_DIR/relay.log" 2>&1 &
relay_pid=$!
"$FERRY" apply -c "$CONFIG" --metrics-addr "127.0.0.1:$DEMO_APPLY_PORT" --log-format text >"$RUN_DIR/apply.log" 2>&1 &
apply_pid=$!
note "ferry relay pid $relay_pid, metrics http://127.0.0.1:$DEMO_RELAY_PORT/metrics, log $RUN_DIR/relay.log"
note "ferry apply pid $apply_pid, metrics http://127.0.0.1:$DEMO_APPLY_PORT/metrics, log $RUN_DIR/apply.log"
wait_ready "ferry relay" "$relay_pid" "$DEMO_RELAY_PORT" leading "$RUN_DIR/relay.log"
wait_ready "ferry apply" "$apply_pid" "$DEMO_APPLY_PORT" applying "$RUN_DIR/apply.log"

load_args=(
	-source "$SOURCE_DSN" -target "$TARGET_DSN" -brokers "$FERRY_TEST_KAFKA_BROKERS"
	-prefix "$PREFIX" -apply-group "$PREFIX-apply-demo_branch"
	-relay-metrics "http://127.0.0.1:$DEMO_RELAY_PORT/metrics"
	-apply-metrics "http://127.0.0.1:$DEMO_APPLY_PORT/metrics"
	-state "$RUN_DIR/workload.json"
)
[ "$DEMO_NO_RULES" = 1 ] && load_args+=(-rules=false)
note "lag: relay = changes captured but not yet in Kafka; apply = Kafka messages the target has not stored an offset past"
"$LOAD" run "${load_args[@]}" -duration "$DEMO_DURATION" -rate "$DEMO_RATE" &
load_pid=$!
wait_fg

# --- 5. drain, ferry verify, DLQ -----------------------------------------------
step "5. drain, then ferry verify -c $CONFIG: the target against the source, through the routes"
verify_rc=0
"$LOAD" drain "${load_args[@]}" &
load_pid=$!
wait_fg || verify_rc=$?
if [ "$verify_rc" -eq 0 ]; then
	"$FERRY" verify -c "$CONFIG" --list 6 --log-level warn || verify_rc=$?
	"$FERRY" verify -c "$CONFIG" --json --recheck-after 0s --log-level error >"$RUN_DIR/verify.json" || true
	"$LOAD" check "${load_args[@]}" -verify "$RUN_DIR/verify.json" || verify_rc=1
fi
for p in "$relay_pid" "$apply_pid"; do
	kill -0 "$p" 2>/dev/null || note "${red}ferry $([ "$p" = "$relay_pid" ] && echo relay || echo apply) has exited: see $RUN_DIR/$([ "$p" = "$relay_pid" ] && echo relay || echo apply).log${off}"
done

step "ferry dlq list -c $CONFIG"
"$FERRY" dlq list -c "$CONFIG" || note "${red}ferry dlq list failed${off}"
# One entry in full: a salary_cap rejection if there is one, else the first.
entries="$("$FERRY" dlq list -c "$CONFIG" --entries 2>/dev/null || true)"
first="$(awk 'NR > 1 && $1 ~ /\// && /salary_cap/ { print $1; exit }' <<<"$entries")"
[ -n "$first" ] || first="$(awk 'NR > 1 && $1 ~ /\// { print $1; exit }' <<<"$entries")"
if [ -n "$first" ]; then
	step "ferry dlq show -c $CONFIG $first   (one entry: why, and the change itself)"
	"$FERRY" dlq show -c "$CONFIG" "$first" | sed 's/^/   /' || note "${red}ferry dlq show failed${off}"
fi

# --- 6. stop ------------------------------------------------------------------
step "6. stopping ferry relay and ferry apply"
stop_all
if [ "$verify_rc" -eq 0 ]; then
	printf '\n%sdemo: done in %ds: the target matches the source, except for what the rules and the lookup sent to the DLQ or hold.%s\n' "$green" "$((SECONDS - started))" "$off"
else
	printf '\n%sdemo: done in %ds, but the check FAILED (see above).%s\n' "$red" "$((SECONDS - started))" "$off"
fi
cat <<EOF
   Look around:  bin/ferry dlq list -c $CONFIG --entries
                 bin/ferry dlq show -c $CONFIG <ID>
                 $PSQL '$TARGET_DSN'   (ferry.apply_held, ferry.apply_blocked)
                 every differing key with its explanation: $RUN_DIR/verify.json
                 bin/ferry verify -c $CONFIG   (again, any time)
                 logs in $RUN_DIR/; the workload's record in $RUN_DIR/workload.json
   PostgreSQL and Kafka are still running: make services-down stops them.
EOF
exit "$verify_rc"
