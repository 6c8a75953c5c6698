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
