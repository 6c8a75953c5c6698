#!/usr/bin/env bash
# Local PostgreSQL for Ferry's tests (no Docker needed).
#
#   scripts/pg.sh start     initdb on first use, start, wait until it answers
#   scripts/pg.sh stop      fast shutdown (idempotent)
#   scripts/pg.sh restart   stop + start
#   scripts/pg.sh crash     immediate stop (what a power cut leaves: WAL not yet flushed
#                           is lost, recovery runs at start) + start
#   scripts/pg.sh status    exit 0 if running, 3 if not
#   scripts/pg.sh setup     (re)create role ferry and databases ferry_source/ferry_target
#   scripts/pg.sh secure    turn TLS and password checks on, by a reload, no restart: a
#                           certificate for 127.0.0.1 signed by the services' test CA
#                           ($FERRY_SERVICES_DIR/tls/ca.crt), for sslmode=verify-full, and
#                           scram-sha-256 for members of the role ferry_password; plain
#                           connections and everyone else's trust keep working
#   scripts/pg.sh bin       print the PostgreSQL bin dir (installs postgresql via apt if missing)
#
# Settings come from the environment, then from $FERRY_SERVICES_DIR/env (written by
# scripts/services-up.sh), then from the defaults below. The server runs as the
# `postgres` OS user when invoked as root (PostgreSQL refuses to run as root).
set -euo pipefail

SERVICE=postgres
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${FERRY_PG_PORT:=55432}"
: "${FERRY_PG_DATA:=$FERRY_SERVICES_DIR/pg/data}"
PG_ROOT="$(dirname "$FERRY_PG_DATA")"
PG_SOCKET_DIR="$PG_ROOT/run"
PG_LOG="$PG_ROOT/postgresql.log"
PG_TLS="$PG_ROOT/tls"
PG_HOST=127.0.0.1

if [ "$(id -u)" = 0 ]; then
	PG_OS_USER=postgres
	as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }
else
	PG_OS_USER="$(id -un)"
	as_pg() { "$@"; }
fi

# --- binaries -----------------------------------------------------------------

newest_pg_bin() {
	local p
	# shellcheck disable=SC2012
	p="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)"
	[ -n "$p" ] && dirname "$p"
}

install_postgresql() {
	[ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and we are not root: run 'apt-get install -y postgresql' first"
	log "postgres: not installed, running apt-get install -y postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || die "apt-get update failed"
	apt-get install -y -qq postgresql >&2 || die "apt-get install -y postgresql failed"
}

resolve_pg_bin() {
	# An existing cluster must be run by the binaries of its major version.
	if [ -s "$FERRY_PG_DATA/PG_VERSION" ]; then
		local v
		v="$(cat "$FERRY_PG_DATA/PG_VERSION")"
		if [ -x "/usr/lib/postgresql/$v/bin/postgres" ]; then
			FERRY_PG_BIN="/usr/lib/postgresql/$v/bin"
			return
		fi
		if [ -n "${FERRY_PG_BIN:-}" ] && [ -x "$FERRY_PG_BIN/postgres" ] &&
			"$FERRY_PG_BIN/postgres" --version | grep -q " ${v}[.]"; then
			return
		fi
		die "cluster in $FERRY_PG_DATA is PostgreSQL $v but its binaries are not installed; run scripts/services-down.sh --purge"
	fi
	if [ -n "${FERRY_PG_BIN:-}" ] && [ -x "$FERRY_PG_BIN/postgres" ]; then
		return
	fi
	FERRY_PG_BIN="$(newest_pg_bin || true)"
	if [ -z "$FERRY_PG_BIN" ]; then
		install_postgresql
		FERRY_PG_BIN="$(newest_pg_bin || true)"
		[ -n "$FERRY_PG_BIN" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
	fi
}

# --- helpers --------------------------------------------------------------------

# PostgreSQL runs as $PG_OS_USER: every parent of the data dir must be traversable.
ensure_traversable() {
	[ "$(id -u)" = 0 ] || return 0
	local d="$1" dirs=() i
	while [ "$d" != "/" ] && [ -n "$d" ]; do
		dirs+=("$d")
		d="$(dirname "$d")"
	done
	# top-down, so each check only fails because of the directory itself
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		d="${dirs[i]}"
		if [ -d "$d" ] && ! runuser -u "$PG_OS_USER" -- test -x "$d" 2>/dev/null; then
			log "postgres: chmod o+x $d (so the $PG_OS_USER user can reach the data dir)"
			chmod o+x "$d"
		fi
	done
}

log_tail() {
	if [ -f "$PG_LOG" ]; then
		log "---- last lines of $PG_LOG ----"
		tail -n 40 "$PG_LOG" >&2 || true
		log "-------------------------------"
	fi
}

is_running() {
	[ -s "$FERRY_PG_DATA/PG_VERSION" ] || return 1
	as_pg "$FERRY_PG_BIN/pg_ctl" status -D "$FERRY_PG_DATA" >/dev/null 2>&1
}

psql_admin() {
	PGCONNECT_TIMEOUT=5 "$FERRY_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$PG_HOST" -p "$FERRY_PG_PORT" -U postgres -d postgres "$@"
}

wait_ready() {
	local i
	for i in $(seq 1 60); do
		if "$FERRY_PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$FERRY_PG_PORT" -U postgres -d postgres -t 2 &&
			psql_admin -Atc 'select 1' >/dev/null 2>&1; then
			return 0
		fi
		if ! is_running; then
			log_tail
			die "server process exited while waiting for it to accept connections on $PG_HOST:$FERRY_PG_PORT"
		fi
		sleep 0.5
	done
	log_tail
	die "server does not answer on $PG_HOST:$FERRY_PG_PORT after 30s"
}

init_cluster() {
	[ -s "$FERRY_PG_DATA/PG_VERSION" ] && return 0
	log "postgres: initdb $FERRY_PG_DATA ($("$FERRY_PG_BIN/postgres" --version))"
	mkdir -p "$PG_ROOT"
	ensure_traversable "$PG_ROOT"
	chmod 755 "$PG_ROOT"
	rm -rf "$FERRY_PG_DATA" # a half-initialised directory from an interrupted run
	mkdir -p "$FERRY_PG_DATA" "$PG_SOCKET_DIR"
	chmod 700 "$FERRY_PG_DATA"
	chown "$PG_OS_USER": "$PG_ROOT" "$FERRY_PG_DATA" "$PG_SOCKET_DIR"
	if ! as_pg "$FERRY_PG_BIN/initdb" -D "$FERRY_PG_DATA" -U postgres --auth=trust \
		--encoding=UTF8 --no-locale --no-instructions >"$PG_ROOT/initdb.log" 2>&1; then
		cat "$PG_ROOT/initdb.log" >&2
		rm -rf "$FERRY_PG_DATA"
		die "initdb failed"
	fi
	as_pg sh -c "printf '\n# Ferry test settings (rewritten by scripts/pg.sh on every start)\ninclude_if_exists = %s\n' \"'ferry.conf'\" >> '$FERRY_PG_DATA/postgresql.conf'"
}

# Rewritten on every start so port/paths always follow the current settings.
write_config() {
	mkdir -p "$PG_SOCKET_DIR"
	chown "$PG_OS_USER": "$PG_SOCKET_DIR" 2>/dev/null || true
	as_pg tee "$FERRY_PG_DATA/ferry.conf" >/dev/null <<EOF
# Written by scripts/pg.sh - do not edit, it is overwritten on start.
listen_addresses = '$PG_HOST'
port = $FERRY_PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
max_prepared_transactions = 0
fsync = on
synchronous_commit = on
full_page_writes = on
# Ferry captures with triggers and never reads the WAL: the server keeps
# PostgreSQL's default wal_level, as a production source would.
timezone = 'UTC'
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
	write_hba
}

# Trust on loopback (IPv4) and the private socket, except for members of the role
# ferry_password, who must give their password (tests of a wrong one). A host line
# takes TLS and plain connections alike.
write_hba() {
	as_pg tee "$FERRY_PG_DATA/pg_hba.conf" >/dev/null <<EOF
# Written by scripts/pg.sh - do not edit, it is overwritten on start and by "pg.sh secure".
# TYPE  DATABASE     USER             ADDRESS       METHOD
local   all          all                            trust
local   replication  all                            trust
host    all          +ferry_password  127.0.0.1/32  scram-sha-256
host    all          all              127.0.0.1/32  trust
host    replication  all              127.0.0.1/32  trust
EOF
}

# --- commands -------------------------------------------------------------------

# The server's copy of its certificate and key, owned by the server's user (PostgreSQL
# refuses a key others can read). Made before every start: once TLS is on, the server
# does not start without them.
install_tls_files() {
	tls_cert postgres
	mkdir -p "$PG_TLS"
	chown "$PG_OS_USER": "$PG_TLS" 2>/dev/null || true
	chmod 700 "$PG_TLS"
	install -m 600 "$FERRY_TLS_DIR/postgres.crt" "$PG_TLS/server.crt"
	install -m 600 "$FERRY_TLS_DIR/postgres.key" "$PG_TLS/server.key"
	chown "$PG_OS_USER": "$PG_TLS/server.crt" "$PG_TLS/server.key" 2>/dev/null || true
}

cmd_start() {
	resolve_pg_bin
	init_cluster
	if is_running; then
		wait_ready
		log "postgres: already running on $PG_HOST:$FERRY_PG_PORT"
		return 0
	fi
	ensure_traversable "$PG_ROOT"
	write_config
	install_tls_files
	touch "$PG_LOG" && chown "$PG_OS_USER": "$PG_LOG"
	log "postgres: starting on $PG_HOST:$FERRY_PG_PORT"
	if ! as_pg "$FERRY_PG_BIN/pg_ctl" start -D "$FERRY_PG_DATA" -l "$PG_LOG" -w -t 60 >/dev/null 2>&1; then
		log_tail
		die "pg_ctl start failed (data dir $FERRY_PG_DATA, port $FERRY_PG_PORT; is the port already in use?)"
	fi
	wait_ready
	log "postgres: ready"
}

cmd_stop() {
	if [ ! -s "$FERRY_PG_DATA/PG_VERSION" ]; then
		log "postgres: not running (no cluster in $FERRY_PG_DATA)"
		return 0
	fi
	resolve_pg_bin
	if ! is_running; then
		log "postgres: not running"
		return 0
	fi
	log "postgres: stopping"
	if ! as_pg "$FERRY_PG_BIN/pg_ctl" stop -D "$FERRY_PG_DATA" -m fast -w -t 60 >/dev/null 2>&1; then
		log_tail
		die "pg_ctl stop failed"
	fi
	log "postgres: stopped"
}

cmd_status() {
	if [ ! -s "$FERRY_PG_DATA/PG_VERSION" ]; then
		log "postgres: stopped (no cluster in $FERRY_PG_DATA)"
		return 3
	fi
	resolve_pg_bin
	if is_running; then
		log "postgres: running on $PG_HOST:$FERRY_PG_PORT (pid $(head -n 1 "$FERRY_PG_DATA/postmaster.pid" 2>/dev/null || echo '?'), data $FERRY_PG_DATA)"
		return 0
	fi
	log "postgres: stopped"
	return 3
}

cmd_setup() {
	resolve_pg_bin
	wait_ready
	psql_admin <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry') THEN
		CREATE ROLE ferry LOGIN SUPERUSER REPLICATION PASSWORD 'ferry';
	ELSE
		ALTER ROLE ferry LOGIN SUPERUSER REPLICATION PASSWORD 'ferry';
	END IF;
END
$$;
SELECT 'CREATE DATABASE ferry_source OWNER ferry'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ferry_source') \gexec
SELECT 'CREATE DATABASE ferry_target OWNER ferry'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ferry_target') \gexec
SQL
}

# TLS and pg_hba.conf by reload, so that a running server shared by others is not
# restarted: the TLS settings go to postgresql.auto.conf (ALTER SYSTEM), where they
# outlive restarts; pg_hba.conf is rewritten as a start writes it. Idempotent.
cmd_secure() {
	resolve_pg_bin
	wait_ready
	install_tls_files
	write_hba
	psql_admin >/dev/null <<SQL
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry_password') THEN
		CREATE ROLE ferry_password NOLOGIN;
	END IF;
END
\$\$;
ALTER SYSTEM SET ssl_cert_file = '$PG_TLS/server.crt';
ALTER SYSTEM SET ssl_key_file = '$PG_TLS/server.key';
ALTER SYSTEM SET ssl = on;
SELECT pg_reload_conf();
SQL
	local i ssl=""
	for i in $(seq 1 20); do
		ssl="$(PGCONNECT_TIMEOUT=5 "$FERRY_PG_BIN/psql" -X -Atc 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' \
			"host=$PG_HOST port=$FERRY_PG_PORT user=postgres dbname=postgres sslmode=verify-full sslrootcert=$FERRY_TLS_DIR/ca.crt" 2>&1 || true)"
		[ "$ssl" = t ] && break
		sleep 0.5
	done
	[ "$ssl" = t ] || { log_tail; die "TLS is not on after a reload (psql sslmode=verify-full said: $ssl)"; }
	log "postgres: TLS on (sslmode=verify-full with sslrootcert=$FERRY_TLS_DIR/ca.crt)"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
restart)
	cmd_stop
	cmd_start
	;;
crash)
	resolve_pg_bin
	if is_running; then
		log "postgres: crashing (immediate stop)"
		as_pg "$FERRY_PG_BIN/pg_ctl" stop -D "$FERRY_PG_DATA" -m immediate -w -t 60 >/dev/null 2>&1 || { log_tail; die "immediate stop failed"; }
	fi
	cmd_start
	;;
status) cmd_status ;;
setup) cmd_setup ;;
secure) cmd_secure ;;
bin)
	resolve_pg_bin
	printf '%s\n' "$FERRY_PG_BIN"
	;;
*)
	echo "usage: $0 {start|stop|restart|crash|status|setup|secure|bin}" >&2
	exit 2
	;;
esac
