#!/usr/bin/env bash
# Run the API locally on a SQLite file (data.db), with a local WordPress to
# authenticate against, both in the background. Returns once the API answers,
# printing the stop command and curl commands to paste; run again, it reuses what is up.
#
#   bash scripts/run.sh [--verbose]   start (or reuse) WordPress and the API
#   bash scripts/run.sh stop          stop the API and WordPress (the data stays)
#
#   PORT=8000 (API port)   WP_PORT=8082 (WordPress port)   DATABASE_PATH=data.db
#   WP_STATE_DIR (see scripts/wordpress.sh)   VERBOSE=1 (as --verbose: every step's output)
# `stop` needs the same PORT, WP_PORT, WP_STATE_DIR and TMPDIR: the printed stop line carries them.
# The API's log: ${TMPDIR:-/tmp}/restart-registry-api-$PORT/server.log
set -euo pipefail
CALLER_DIR=$PWD
cd "$(dirname "$0")/.."
# log, die, alive, running, stop, port_in_use
. scripts/daemons.sh

PORT="${PORT:-8000}"
VERBOSE="${VERBOSE:-0}"
export WP_PORT="${WP_PORT:-8082}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number"
API_URL="http://127.0.0.1:$PORT"
STATE_DIR="${TMPDIR:-/tmp}/restart-registry-api-$PORT"
PIDFILE="$STATE_DIR/server.pid"
LOGFILE="$STATE_DIR/server.log"
# What the running API was started with (WordPress port, database, checkout): a change restarts it.
STARTED_WITH="$STATE_DIR/started-with"
API_COMM='python*'
export ADMIN_ENABLED=true   # the read-only admin, for local inspection (off by default and on Lambda)

mkdir -p "$STATE_DIR"
# One run.sh at a time per port: a second one waits for the first to finish starting. Every
# process started in the background gets `9>&-`: one holding the lock would block the next run.
exec 9>"$STATE_DIR/lock"
flock 9

api_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$API_URL/health")" = 200 ]; }

cmd_stop() {
  stop "$PIDFILE" "$API_COMM"
  rm -f "$STARTED_WITH"
  bash scripts/wordpress.sh down
  log "stopped"
}

cmd_start() {
  local database wanted
  database=$(printf '%s' "${DATABASE_URL:-${DATABASE_PATH:-data.db}}" | sha256sum)  # no password in the file
  wanted="WP_PORT=$WP_PORT database=${database:0:16} checkout=$PWD"
  if running "$PIDFILE" "$API_COMM" && [ "$(cat "$STARTED_WITH" 2>/dev/null)" != "$wanted" ]; then
    log "the API on port $PORT runs another checkout, WordPress or database: restarting it"
    stop "$PIDFILE" "$API_COMM"
  fi
  if ! running "$PIDFILE" "$API_COMM" && port_in_use "$PORT"; then
    die "port $PORT is in use by a process this script did not start (PORT=... picks another)"
  fi

  # WordPress starts meanwhile: the API needs it only once requests come. Its steps go to its
  # log, shown if it fails.
  local wp_log="$STATE_DIR/wordpress.log"
  log "starting WordPress on port $WP_PORT (scripts/wordpress.sh, which installs its Debian packages if missing; log: $wp_log)"
  if [ "$VERBOSE" != 0 ]; then
    bash scripts/wordpress.sh up >"$STATE_DIR/wordpress.out" 9>&- &
  else
    bash scripts/wordpress.sh up >"$STATE_DIR/wordpress.out" 2>"$wp_log" 9>&- &
  fi
  local wordpress=$! credentials
  log "syncing .venv with uv.lock (what the API needs to run; test.sh adds the test tools)"
  . scripts/venv.sh
  local extras=()
  [ -z "${DATABASE_URL:-}" ] || extras=(--extra postgres)   # psycopg (docs/postgresql.md)
  ensure_venv --runtime "${extras[@]}"
  export WP_BASE_URL="http://127.0.0.1:$WP_PORT"   # where scripts/wordpress.sh serves it
  # A key of this machine's own, kept with the server's state: the API refuses a weak one.
  [ -s "$STATE_DIR/secret-key" ] || (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$STATE_DIR/secret-key")
  SECRET_KEY="${SECRET_KEY:-$(cat "$STATE_DIR/secret-key")}"
  export SECRET_KEY

  if running "$PIDFILE" "$API_COMM"; then
    log "the API is already running (pid $(cat "$PIDFILE")): reusing it"
  else
    log "migrating the database"
    .venv/bin/python manage.py migrate --verbosity 0
    log "starting the API (manage.py runserver; log: $LOGFILE)"
    # Its own process group (setsid), which `stop` signals: runserver's autoreloader forks the
    # server. --insecure: serve the admin's static files without DEBUG.
    setsid .venv/bin/python manage.py runserver --insecure "127.0.0.1:$PORT" </dev/null >>"$LOGFILE" 2>&1 9>&- &
    echo $! >"$PIDFILE"
    echo "$wanted" >"$STARTED_WITH"
  fi
  if ! wait "$wordpress"; then
    [ "$VERBOSE" != 0 ] || tail -20 "$wp_log" >&2
    die "scripts/wordpress.sh up failed (log: $wp_log; \`run.sh stop\` stops the API)"
  fi
  credentials=$(tail -n 1 "$STATE_DIR/wordpress.out")
  # shellcheck disable=SC1090
  . "$credentials"
  # alive, not running: a server started a moment ago may not have become python yet.
  local api
  api=$(cat "$PIDFILE")
  for _ in $(seq 600); do
    api_answers && break
    alive "$api" || { tail -20 "$LOGFILE" >&2; die "the API stopped (log: $LOGFILE)"; }
    sleep 0.1
  done
  api_answers || die "the API does not answer at $API_URL/health (log: $LOGFILE)"
  log "the API answers at $API_URL"

  log "WordPress answers at $WP_URL"

  cat <<INFO

Restart Registry API on $API_URL   (docs: $API_URL/docs; log: $LOGFILE)
WordPress on $WP_URL   (its users and application passwords: $credentials)
Admin (read-only inspection, WordPress administrators only): $API_URL/admin/
  login $WP_ADMIN_USER, password $WP_ADMIN_APP_PASSWORD (a WordPress application password)

Stop both: $(stop_command)

Try it: paste these lines into bash (alice creates a registry and an item, reads it, reserves and buys it with a note, reads her thank-you list, lists her items):

INFO
  printf 'export API=%q AUTH=%q\n' "$API_URL" "$WP_ALICE_USER:$WP_ALICE_APP_PASSWORD"
  # What the README's "Calling the API" shows too; --fail-with-body: an error shows its detail and stops a script.
  cat <<'TRY'
REGISTRY=$(curl --fail-with-body -sS -u "$AUTH" -H 'Content-Type: application/json' \
  -d '{"title": "Our wedding", "username": "alice"}' "$API/registries" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ITEM=$(curl --fail-with-body -sS -u "$AUTH" -H 'Content-Type: application/json' \
  -d '{"registry_id": '"$REGISTRY"', "name": "Stand mixer", "url": "https://example.com/mixer", "price": 199.5}' \
  "$API/items" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
curl --fail-with-body -sS -w '\n' -u "$AUTH" "$API/items/$ITEM"
# Reserve it ("I'm getting this"), then buy it with the reservation and a note for the owner.
RESERVATION=$(curl --fail-with-body -sS -u "$AUTH" -H 'Content-Type: application/json' -d '{"quantity": 1}' \
  "$API/items/$ITEM/reservations" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
curl --fail-with-body -sS -w '\n' -u "$AUTH" -H 'Content-Type: application/json' \
  -d '{"quantity": 1, "reservation_id": '"$RESERVATION"', "from": "Aunt May", "message": "Congratulations!"}' \
  "$API/items/$ITEM/purchase"
curl --fail-with-body -sS -w '\n' -u "$AUTH" "$API/registries/$REGISTRY/gifts"
curl --fail-with-body -sS -w '\n' -u "$AUTH" "$API/items"
TRY
}

# The command that stops this stack: every setting `stop` needs, from any directory.
stop_command() {
  local settings="" script=scripts/run.sh
  [ "$PORT" = 8000 ] || settings+="PORT=$PORT "
  [ "$WP_PORT" = 8082 ] || settings+="WP_PORT=$WP_PORT "
  [ -z "${WP_STATE_DIR:-}" ] || settings+="WP_STATE_DIR=$(printf %q "$(realpath -m "$WP_STATE_DIR")") "
  [ -z "${TMPDIR:-}" ] || settings+="TMPDIR=$(printf %q "$TMPDIR") "
  [ "$CALLER_DIR" = "$PWD" ] || script=$(printf %q "$PWD/scripts/run.sh")
  echo "${settings}bash $script stop"
}

command=start
for arg in "$@"; do
  case "$arg" in
    start|stop) command=$arg ;;
    -v|--verbose) VERBOSE=1 ;;
    *) echo "usage: $0 [start | stop] [--verbose]" >&2; exit 2 ;;
  esac
done
export VERBOSE
case "$command" in
  start) cmd_start ;;
  stop) cmd_stop ;;
esac
