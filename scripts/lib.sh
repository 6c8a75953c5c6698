# Shared by scripts/pg.sh and scripts/kafka.sh; source it after setting
# SERVICE (the name that prefixes errors).
# shellcheck shell=bash

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
: "${FERRY_SERVICES_DIR:=$REPO_ROOT/.services}"

log() { printf '%s\n' "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$SERVICE" "$*" >&2; exit 1; }

# Fill variables that are not already set from the env file written by services-up.sh.
load_env_file() {
	local f="$FERRY_SERVICES_DIR/env" line name
	[ -f "$f" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ ^export[[:space:]]+([A-Za-z_][A-Za-z0-9_]*)= ]] || continue
		name=${BASH_REMATCH[1]}
		[ -n "${!name+x}" ] && continue
		eval "$line"
	done <"$f"
}
load_env_file

# --- TLS ------------------------------------------------------------------------
# One test CA for the services ($FERRY_SERVICES_DIR/tls/ca.crt), and certificates
# it signs for 127.0.0.1 and localhost: PostgreSQL's (sslmode=verify-full) and the
# secured Kafka broker's (SASL_SSL). Made once with openssl, kept with the services.
: "${FERRY_TLS_DIR:=$FERRY_SERVICES_DIR/tls}"

need_openssl() {
	command -v openssl >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || die "openssl is not installed and we are not root: run 'apt-get install -y openssl' first"
	log "$SERVICE: openssl not installed, running apt-get install -y openssl"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2 ||
		die "apt-get install -y openssl failed"
}

# tls_ca: make the CA unless it exists.
tls_ca() {
	need_openssl
	mkdir -p "$FERRY_TLS_DIR"
	[ -s "$FERRY_TLS_DIR/ca.crt" ] && [ -s "$FERRY_TLS_DIR/ca.key" ] && return 0
	log "$SERVICE: making the test CA in $FERRY_TLS_DIR"
	(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=Ferry test CA" -keyout "$FERRY_TLS_DIR/ca.key.tmp" -out "$FERRY_TLS_DIR/ca.crt.tmp" 2>/dev/null) ||
		die "openssl could not make the CA"
	mv "$FERRY_TLS_DIR/ca.key.tmp" "$FERRY_TLS_DIR/ca.key"
	mv "$FERRY_TLS_DIR/ca.crt.tmp" "$FERRY_TLS_DIR/ca.crt"
	chmod 644 "$FERRY_TLS_DIR/ca.crt"
}

# tls_cert <name>: make <name>.key and <name>.crt for 127.0.0.1 and localhost,
# signed by the CA, unless they exist and the CA signed them.
tls_cert() {
	local name="$1" ext
	tls_ca
	if [ -s "$FERRY_TLS_DIR/$name.crt" ] && [ -s "$FERRY_TLS_DIR/$name.key" ] &&
		openssl verify -CAfile "$FERRY_TLS_DIR/ca.crt" "$FERRY_TLS_DIR/$name.crt" >/dev/null 2>&1; then
		return 0
	fi
	log "$SERVICE: making the $name certificate for 127.0.0.1 and localhost"
	ext="$FERRY_TLS_DIR/$name.ext"
	printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
		"keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth,clientAuth" >"$ext"
	(umask 077 && openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=127.0.0.1" \
		-keyout "$FERRY_TLS_DIR/$name.key" -out "$FERRY_TLS_DIR/$name.csr" 2>/dev/null &&
		openssl x509 -req -sha256 -days 3650 -in "$FERRY_TLS_DIR/$name.csr" -CA "$FERRY_TLS_DIR/ca.crt" \
			-CAkey "$FERRY_TLS_DIR/ca.key" -CAcreateserial -extfile "$ext" -out "$FERRY_TLS_DIR/$name.crt" 2>/dev/null) ||
		die "openssl could not make the $name certificate"
	rm -f "$FERRY_TLS_DIR/$name.csr" "$ext"
	chmod 644 "$FERRY_TLS_DIR/$name.crt"
}
