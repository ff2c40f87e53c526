#!/usr/bin/env bash
# scripts/postgres.sh: a private PostgreSQL on 127.0.0.1 for development, tests and benchmarks.
#
#   scripts/postgres.sh up              start (installing Debian's postgresql if missing); prints
#                                       the DATABASE_URL (postgres://...) as the last line of stdout
#   scripts/postgres.sh url             the same, for DATABASE_URL=$(scripts/postgres.sh url)
#   scripts/postgres.sh down [--purge]  stop the cluster; --purge also deletes its state dir
#   scripts/postgres.sh status          exit 0 if the cluster accepts the URL's credentials
#
# Its own cluster (initdb) in PG_STATE_DIR, started with pg_ctl: no systemd, no Debian
# pg_ctlcluster, nothing in /etc. It listens on 127.0.0.1:PG_PORT and on a unix socket inside
# the state dir. Role and database `registry`; the role may CREATEDB because Django's test runner
# creates (and drops) test_registry. The password is kept in the state dir, so the URL is the same
# on every run. A re-run against a running cluster takes a fraction of a second.
# See docs/postgresql.md.
#
# Environment:
#   PG_PORT       port on 127.0.0.1                         (default 55432, clear of a system 5432)
#   PG_STATE_DIR  data dir, socket, log, password           (default ${TMPDIR:-/tmp}/restart-registry-pg-$PG_PORT)
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || { echo "PG_PORT must be a number" >&2; exit 2; }
PG_STATE_DIR=$(realpath -m "${PG_STATE_DIR:-${TMPDIR:-/tmp}/restart-registry-pg-$PG_PORT}")
# pg_ctl passes the socket directory to the server inside one option string.
[[ "$PG_STATE_DIR" =~ [[:space:]] ]] && { echo "PG_STATE_DIR must not contain spaces" >&2; exit 2; }

DATA="$PG_STATE_DIR/data"
SOCKDIR="$PG_STATE_DIR/run"
LOGFILE="$PG_STATE_DIR/postgres.log"
SECRET="$PG_STATE_DIR/password"
ROLE=registry
DATABASE=registry
T0=${EPOCHREALTIME//[.,]/}

log() { printf '[postgres.sh %5dms] %s\n' $(( (${EPOCHREALTIME//[.,]/} - T0) / 1000 )) "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The newest installed server's binaries (Debian keeps them out of PATH, per major version).
find_bindir() {
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_packages() {
  BIN=$(find_bindir) && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and we are not root (apt-get install postgresql)"
  mkdir -p "$PG_STATE_DIR"
  log "installing postgresql (apt-get; log in $PG_STATE_DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get install -y -q --no-install-recommends postgresql)
  # An image's apt lists may be missing or stale: update once, only if the install needs it.
  if ! "${apt[@]}" >"$PG_STATE_DIR/apt.log" 2>&1 \
     && ! { apt-get update -q && "${apt[@]}"; } >>"$PG_STATE_DIR/apt.log" 2>&1; then
    tail -20 "$PG_STATE_DIR/apt.log" >&2
    die "apt-get install postgresql failed"
  fi
  BIN=$(find_bindir) || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb"
  log "installed $("$BIN/postgres" --version)"
}

# The server refuses to run as root: as root, it runs as Debian's `postgres` user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Superuser SQL over the private socket (local connections are trusted; the socket's directory
# is readable by the cluster's owner only).
superuser_sql() {
  "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PG_PORT" -U postgres -d postgres "$@"
}

url() { echo "postgres://$ROLE:$(cat "$SECRET")@127.0.0.1:$PG_PORT/$DATABASE"; }

# The role's password works over TCP, as the application connects.
url_works() {
  [ -s "$SECRET" ] && "$BIN/psql" -X -q -At -d "$(url)" -c 'SELECT 1' >/dev/null 2>&1
}

running() { [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  log "initialising a cluster in $DATA"
  rm -rf "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$PG_STATE_DIR/initdb.log" 2>&1 \
    || { tail -20 "$PG_STATE_DIR/initdb.log" >&2; die "initdb failed"; }
}

start_cluster() {
  running && return 0
  if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
    die "port $PG_PORT is in use by a process this script did not start (set PG_PORT)"
  fi
  log "starting postgres on 127.0.0.1:$PG_PORT"
  # Address, port and socket on the command line rather than in postgresql.conf, so they
  # follow PG_PORT / PG_STATE_DIR. -l: the server's output goes to the log, not to our
  # stdout (callers that capture it, like $(...), would otherwise wait for the daemon).
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $SOCKDIR" start >/dev/null \
    || { tail -20 "$LOGFILE" >&2; die "postgres did not start"; }
}

create_role_and_database() {
  [ -s "$SECRET" ] || (umask 077; od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$SECRET")
  log "creating role and database $ROLE"
  superuser_sql -v role="$ROLE" -v db="$DATABASE" -v pass="$(cat "$SECRET")" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" PASSWORD :'pass';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

cmd_up() {
  if BIN=$(find_bindir) && running && url_works; then
    log "already running on 127.0.0.1:$PG_PORT"
    url
    return 0
  fi
  install_packages
  mkdir -p "$PG_STATE_DIR" "$SOCKDIR"
  chmod 755 "$PG_STATE_DIR"
  chmod 700 "$SOCKDIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_STATE_DIR" "$SOCKDIR"
  init_cluster
  start_cluster
  create_role_and_database
  url_works || die "the role cannot log in over TCP (see $LOGFILE)"
  log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') is up on 127.0.0.1:$PG_PORT"
  url
}

cmd_down() {
  case "${1:-}" in ''|--purge) ;; *) die "usage: $0 down [--purge]";; esac
  if BIN=$(find_bindir) && running; then
    log "stopping postgres on 127.0.0.1:$PG_PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  if [ "${1:-}" = --purge ]; then
    log "removing $PG_STATE_DIR"
    rm -rf -- "$PG_STATE_DIR"
  fi
}

cmd_status() {
  if BIN=$(find_bindir) && running && url_works; then
    echo "PostgreSQL is running on 127.0.0.1:$PG_PORT (state: $PG_STATE_DIR)"
  else
    echo "PostgreSQL is not running on 127.0.0.1:$PG_PORT"
    return 1
  fi
}

case "${1:-}" in
  up|url) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  *) echo "usage: $0 up | url | down [--purge] | status" >&2; exit 2 ;;
esac
