#!/usr/bin/env bash
# scripts/wordpress.sh: a real WordPress on 127.0.0.1 for development and integration tests.
#
#   scripts/wordpress.sh up             start (installing whatever is missing); prints the
#                                       credentials file's path as the last line of stdout
#   scripts/wordpress.sh down [--purge] stop what `up` started; --purge also deletes the state dir
#   scripts/wordpress.sh status         exit 0 if the instance answers /wp-json/
#   scripts/wordpress.sh creds          print the credentials file's path
#
# Debian's `wordpress` package, a private MariaDB (unix socket only, its own datadir) and PHP's
# built-in server, installed headlessly (no wp-cli), with the project's must-use plugin
# (wordpress/mu-plugins/restart-registry.php, symlinked, so edits apply at once). Its PHP
# (wp-config.php, the router, the installer) is in wordpress/local/.
# Users: admin (administrator); alice, bob, carol, dave (registry_user); one application
# password each. See docs/wordpress.md.
#
# Environment:
#   WP_PORT         port on 127.0.0.1                          (default 8082, the API's WP_BASE_URL)
#   WP_STATE_DIR    docroot, database, logs, credentials       (default ${TMPDIR:-/tmp}/restart-registry-wp-$WP_PORT)
#   WP_CREDS_FILE   credentials output, KEY=VALUE lines        (default $WP_STATE_DIR/credentials.env)
#   WP_PHP_WORKERS  parallel PHP workers                       (default 4)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PLUGIN_SRC="$REPO/wordpress/mu-plugins/restart-registry.php"
LOCAL_PHP="$REPO/wordpress/local"   # wp-config.php, router.php, setup.php and the generators
WP_PORT="${WP_PORT:-8082}"
[[ "$WP_PORT" =~ ^[0-9]+$ ]] || { echo "WP_PORT must be a number" >&2; exit 2; }
WP_STATE_DIR=$(realpath -m "${WP_STATE_DIR:-${TMPDIR:-/tmp}/restart-registry-wp-$WP_PORT}")
WP_CREDS_FILE=$(realpath -m "${WP_CREDS_FILE:-$WP_STATE_DIR/credentials.env}")
WP_PHP_WORKERS="${WP_PHP_WORKERS:-4}"

URL="http://127.0.0.1:$WP_PORT"
# PHP: the extensions WordPress's Site Health recommends (the `wordpress` package brings gd
# and only suggests the rest). Plugins call them without core's fallbacks: the Restart
# Registry plugin's mb_strpos() is a fatal error without php-mbstring.
PKGS=(wordpress wordpress-theme-twentytwentythree mariadb-server php-cli php-mysql
      php-mbstring php-xml php-curl php-zip php-intl curl)
DOCROOT="$WP_STATE_DIR/docroot"
PLUGIN_DST="$DOCROOT/wp-content/mu-plugins/restart-registry.php"
DBDIR="$WP_STATE_DIR/mysql"
SOCK="$DBDIR/mysqld.sock"
DB_PIDFILE="$DBDIR/mariadbd.pid"
PHP_PIDFILE="$WP_STATE_DIR/php-server.pid"
ROOT_SQL=(mariadb --no-defaults --socket="$SOCK" -uroot)   # root authenticates by unix socket
# credentials-file key, login, role
USERS=(ADMIN:admin:administrator ALICE:alice:registry_user BOB:bob:registry_user
       CAROL:carol:registry_user DAVE:dave:registry_user)
# log, die, alive, running, stop, port_in_use
. "$REPO/scripts/daemons.sh"

declare -A CREDS=()
load_creds() {
  local k v
  [ -s "$WP_CREDS_FILE" ] || return 0
  while IFS='=' read -r k v; do [[ "$k" =~ ^WP_[A-Z0-9_]+$ ]] && CREDS[$k]="$v"; done <"$WP_CREDS_FILE"
}

# Every user's application password from the credentials file still logs in.
creds_work() {
  local spec k
  [ "${CREDS[WP_URL]:-}" = "$URL" ] || return 1
  for spec in "${USERS[@]}"; do
    k=${spec%%:*}
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "${CREDS[WP_${k}_USER]:-}:${CREDS[WP_${k}_APP_PASSWORD]:-}" \
         "$URL/wp-json/wp/v2/users/me")" = 200 ] || return 1
  done
}

packages_installed() {
  local installed
  installed=$(dpkg-query -W -f='${Status} ${Package}\n' "${PKGS[@]}" 2>/dev/null | grep -c '^install ok installed ' || true)
  [ "$installed" = "${#PKGS[@]}" ]
}

install_packages() {
  packages_installed && return 0
  [ "$(id -u)" = 0 ] || die "packages missing (${PKGS[*]}) and not root"
  log "installing ${PKGS[*]} (apt-get; log in $WP_STATE_DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get install -y -q --no-install-recommends "${PKGS[@]}")
  # An image's apt lists may be missing or stale: update once, only if the install needs it.
  if ! "${apt[@]}" >"$WP_STATE_DIR/apt.log" 2>&1 \
     && ! { apt-get update -q && "${apt[@]}"; } >>"$WP_STATE_DIR/apt.log" 2>&1; then
    tail -20 "$WP_STATE_DIR/apt.log" >&2
    die "apt-get install failed"
  fi
  log "packages installed"
}

start_mariadb() {
  local as_mysql=()
  [ "$(id -u)" = 0 ] && as_mysql=(--user=mysql)   # mariadbd refuses to run as root
  mkdir -p "$DBDIR"
  if ! running "$DB_PIDFILE" 'mariadbd'; then
    [ "$(id -u)" = 0 ] && chown mysql:mysql "$DBDIR"
    if [ ! -d "$DBDIR/data/mysql" ]; then
      log "initialising the MariaDB datadir"
      rm -rf "$DBDIR/data"
      mariadb-install-db --no-defaults --datadir="$DBDIR/data" "${as_mysql[@]}" --skip-test-db \
        --auth-root-authentication-method=socket --skip-name-resolve >"$DBDIR/install-db.log" 2>&1 \
        || { tail -20 "$DBDIR/install-db.log" >&2; die "mariadb-install-db failed (can the mysql user reach $WP_STATE_DIR?)"; }
    fi
    log "starting mariadbd"
    # setsid: its own process group, which `down` signals; stdio redirected so that callers
    # capturing our output (subprocess.run) are not kept waiting by the daemon.
    setsid /usr/sbin/mariadbd --no-defaults --datadir="$DBDIR/data" --socket="$SOCK" "${as_mysql[@]}" \
      --skip-networking --skip-name-resolve --pid-file="$DBDIR/mariadbd.server.pid" \
      --log-error="$DBDIR/error.log" --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      </dev/null >/dev/null 2>&1 &
    echo $! >"$DB_PIDFILE"
  fi
  for _ in $(seq 300); do
    "${ROOT_SQL[@]}" -e 'select 1' >/dev/null 2>&1 && return 0
    running "$DB_PIDFILE" 'mariadbd' || break
    sleep 0.1
  done
  tail -20 "$DBDIR/error.log" >&2 2>/dev/null || true
  die "MariaDB did not come up"
}

write_docroot() {
  local db_pass=$1 src_ver
  src_ver=$(dpkg-query -W -f='${Package}=${Version} ' wordpress wordpress-theme-twentytwentythree)
  if [ ! -f "$DOCROOT/wp-settings.php" ] || [ "$(cat "$WP_STATE_DIR/wordpress.version" 2>/dev/null)" != "$src_ver" ]; then
    log "copying /usr/share/wordpress to $DOCROOT"
    mkdir -p "$DOCROOT"
    # A copy, not symlinks: wp-admin/*.php find wp-load.php through __DIR__, which resolves
    # symlinks and would load Debian's own wp-config.php (which wants /etc/wordpress/config-HOST.php).
    # Hard links where the file system allows (no data copied: 59 MB, a first run's slowest disk
    # work). Nothing writes through them: WordPress writes no core file (DISALLOW_FILE_MODS), the
    # files this script writes are removed and created anew, and --remove-destination makes cp
    # replace an existing file rather than write into it.
    cp -al --remove-destination /usr/share/wordpress/. "$DOCROOT/" 2>/dev/null \
      || cp -a --remove-destination /usr/share/wordpress/. "$DOCROOT/"
    rm -f "$DOCROOT/wp-config.php" "$DOCROOT/.htaccess"
    echo "$src_ver" >"$WP_STATE_DIR/wordpress.version"
  fi
  mkdir -p "$DOCROOT/wp-content/mu-plugins" "$DOCROOT/wp-content/uploads"
  ln -sfn "$PLUGIN_SRC" "$PLUGIN_DST"

  [ -s "$WP_STATE_DIR/salts.php" ] || (umask 077; php "$LOCAL_PHP/make-salts.php" >"$WP_STATE_DIR/salts.php")
  # Written aside and renamed: a running server may be reading them.
  (umask 077; RRWP_DB_PASSWORD=$db_pass RRWP_DB_SOCKET=$SOCK RRWP_URL=$URL \
     php "$LOCAL_PHP/make-local-config.php" >"$WP_STATE_DIR/local-config.php.tmp")
  mv "$WP_STATE_DIR/local-config.php.tmp" "$WP_STATE_DIR/local-config.php"
  # Copied, not included: the template finds the state dir's files through its own __DIR__.
  cp "$LOCAL_PHP/wp-config.php" "$DOCROOT/wp-config.php.tmp"
  mv "$DOCROOT/wp-config.php.tmp" "$DOCROOT/wp-config.php"
}

start_php() {
  running "$PHP_PIDFILE" 'php*' && return 0
  log "starting php -S 127.0.0.1:$WP_PORT ($WP_PHP_WORKERS workers)"
  # opcache (on by default for php -S) makes a REST call ~5x faster; revalidate_freq=0 so that
  # an edited mu-plugin applies to the next request.
  PHP_CLI_SERVER_WORKERS="$WP_PHP_WORKERS" setsid php \
    -d opcache.enable=1 -d opcache.validate_timestamps=1 -d opcache.revalidate_freq=0 \
    -d memory_limit=256M -d display_errors=0 -d log_errors=1 -d error_log="$WP_STATE_DIR/php-errors.log" \
    -S "127.0.0.1:$WP_PORT" -t "$DOCROOT" "$LOCAL_PHP/router.php" \
    </dev/null >>"$WP_STATE_DIR/php-server.log" 2>&1 &
  echo $! >"$PHP_PIDFILE"
}

cmd_up() {
  load_creds
  if ! packages_installed; then
    # A server started before a package was added lacks its PHP extension: restart it.
    stop "$PHP_PIDFILE" 'php*'
  elif running "$PHP_PIDFILE" 'php*' && running "$DB_PIDFILE" 'mariadbd' \
     && [ "$(readlink "$PLUGIN_DST")" = "$PLUGIN_SRC" ] && creds_work; then
    log "already running at $URL"
    echo "$WP_CREDS_FILE"
    return 0
  fi

  [ -f "$PLUGIN_SRC" ] || die "$PLUGIN_SRC not found"
  [[ "$WP_STATE_DIR" =~ [[:space:]] ]] && die "WP_STATE_DIR must not contain spaces: mariadb-install-db cannot handle them"
  if running "$PHP_PIDFILE" 'php*'; then
    grep -qaF "127.0.0.1:$WP_PORT" "/proc/$(cat "$PHP_PIDFILE")/cmdline" \
      || die "the instance in $WP_STATE_DIR serves another port: run '$0 down' with that WP_PORT first"
  elif port_in_use "$WP_PORT"; then
    die "port $WP_PORT is in use by a process this script did not start"
  fi
  mkdir -p "$WP_STATE_DIR"
  chmod 755 "$WP_STATE_DIR"   # mariadbd runs as the mysql user
  install_packages

  start_mariadb
  [ -s "$WP_STATE_DIR/db.secret" ] || (umask 077; php -r 'echo bin2hex(random_bytes(12));' >"$WP_STATE_DIR/db.secret")
  local db_pass; db_pass=$(cat "$WP_STATE_DIR/db.secret")
  "${ROOT_SQL[@]}" <<SQL
CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'wp'@'localhost' IDENTIFIED BY '$db_pass';
ALTER USER 'wp'@'localhost' IDENTIFIED BY '$db_pass';
GRANT ALL PRIVILEGES ON wordpress.* TO 'wp'@'localhost';
SQL
  write_docroot "$db_pass"
  start_php   # before the install, so that it is ready by the time the users are

  local spec k login role keys=()
  for spec in "${USERS[@]}"; do
    IFS=: read -r k login role <<<"$spec"
    keys+=("$k")
    export "RRWP_${k}_USER=$login" "RRWP_${k}_ROLE=$role" "RRWP_${k}_EMAIL=$login@example.test"
    export "RRWP_${k}_PASSWORD=${CREDS[WP_${k}_PASSWORD]:-$(php -r 'echo bin2hex(random_bytes(10));')}"
    export "RRWP_${k}_OLD_APP_PASSWORD=${CREDS[WP_${k}_APP_PASSWORD]:-}"
  done
  export RRWP_URL="$URL" RRWP_DOCROOT="$DOCROOT" RRWP_KEYS="${keys[*]}"
  local setup=(php -d display_errors=stderr "$LOCAL_PHP/setup.php") out users
  out=$("${setup[@]}" install) || die "wp_install failed (see $WP_STATE_DIR/debug.log)"
  log "WordPress $out"
  users=$("${setup[@]}" provision) || die "creating users / application passwords failed (see $WP_STATE_DIR/debug.log)"

  mkdir -p "$(dirname "$WP_CREDS_FILE")"
  (umask 077; printf 'WP_URL=%s\nWP_API_URL=%s\nWP_PORT=%s\nWP_STATE_DIR=%s\n%s\n' \
     "$URL" "$URL/wp-json" "$WP_PORT" "$WP_STATE_DIR" "$users" >"$WP_CREDS_FILE.tmp")
  mv "$WP_CREDS_FILE.tmp" "$WP_CREDS_FILE"

  CREDS=(); load_creds
  for _ in $(seq 100); do
    creds_work && { log "WordPress is up at $URL"; echo "$WP_CREDS_FILE"; return 0; }
    running "$PHP_PIDFILE" 'php*' || break
    sleep 0.1
  done
  tail -20 "$WP_STATE_DIR/php-server.log" >&2 2>/dev/null || true
  die "WordPress does not accept the new application passwords at $URL"
}

cmd_down() {
  case "${1:-}" in ''|--purge) ;; *) die "usage: $0 down [--purge]";; esac
  stop "$PHP_PIDFILE" 'php*'
  stop "$DB_PIDFILE" 'mariadbd'
  if [ "${1:-}" = --purge ]; then
    log "removing $WP_STATE_DIR"
    rm -rf -- "$WP_STATE_DIR"
    rm -f -- "$WP_CREDS_FILE"
  fi
}

cmd_status() {
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/wp-json/")" = 200 ]; then
    echo "WordPress is running at $URL (state: $WP_STATE_DIR)"
  else
    echo "WordPress is not answering at $URL"
    return 1
  fi
}

cmd_creds() {
  [ -s "$WP_CREDS_FILE" ] || { echo "no credentials file at $WP_CREDS_FILE (run '$0 up')" >&2; return 1; }
  echo "$WP_CREDS_FILE"
}

case "${1:-}" in
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  creds) cmd_creds ;;
  *) echo "usage: $0 up | down [--purge] | status | creds" >&2; exit 2 ;;
esac
