# Sourced by run.sh and wordpress.sh: progress lines, and the background
# processes they start (each in its own process group, its pid in a pid file).

T0=${EPOCHREALTIME//[.,]/}

# log MESSAGE: a progress line on stderr, with the milliseconds since the script started.
log() { printf '[%s %5dms] %s\n' "${0##*/}" $(( (${EPOCHREALTIME//[.,]/} - T0) / 1000 )) "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# alive PID: the process exists and is not a zombie (the daemons' new parent, pid 1, may take
# a second or more to reap them).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# running PIDFILE COMM_PATTERN: the pid in PIDFILE is alive and still the program we started
# (not a recycled pid).
running() {
  local pid comm
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  # shellcheck disable=SC2053  # $2 is a glob on purpose
  [[ "$comm" == $2 ]]
}

# stop PIDFILE COMM_PATTERN: TERM the process group (php -S and runserver fork workers) and
# wait for it.
stop() {
  local pid
  if running "$1" "$2"; then
    pid=$(cat "$1")
    log "stopping $(cat "/proc/$pid/comm") (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then log "pid $pid ignored TERM for 30 s, sending KILL"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
