# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: processes. Each server runs in its own session; its pid file holds the
# server's own pid (the shell writes $$ and execs it), so it is stopped by that pid, never by name.

# Debian's redis-server is a link to redis-check-rdb (one program; the name it is called by picks
# what it does): its processes' executable is that.
REDIS_PROGRAM="$(basename "$(readlink -f "$(command -v redis-server || echo redis-server)")")"

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

program_of() {
  case "$1" in
    mariadb) echo mariadbd ;;
    redis) echo "$REDIS_PROGRAM" ;;
    php-fpm | php-fpm-b) echo php-fpm ;;
    nginx) echo nginx ;;
  esac
}

# Prints the pid of a live (not zombie) process of the service's program, from its pid file.
live_pid() {
  local f pid exe state
  f="$(pid_file "$1")"
  [[ -s $f ]] || return 1
  pid="$(<"$f")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state="$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)" || return 1
  [[ -n $state && $state != Z && $state != X ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ $(basename "$exe") == "$(program_of "$1")"* ]] || return 1
  echo "$pid"
}

alive() { live_pid "$1" >/dev/null; }

any_alive() {
  local s
  for s in "${SERVICES[@]}"; do alive "$s" && return 0; done
  return 1
}

# Live processes still in the session (process group) a service was started in. Pure bash: no fork
# per process, and no dependence on procps.
group_pids() {
  local pgid="$1" f line
  local -a fields
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    read -r -a fields <<<"${line##*) }" # after the command: state ppid pgrp ...
    [[ ${fields[2]:-} == "$pgid" && ${fields[0]} != Z ]] || continue
    f="${f%/stat}"
    echo "${f#/proc/}"
  done
}

spawn() { # NAME COMMAND...: starts a server in the background, its output in logs/NAME.out
  local name="$1" f i
  shift
  f="$(pid_file "$name")"
  rm -f "$f"
  # shellcheck disable=SC2016 # $$ is the inner shell's pid, on purpose
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$f" "$@" </dev/null >>"$LOG_DIR/$name.out" 2>&1 9>&- &
  # Until the shell has written its pid and exec'd the server.
  for ((i = 0; i < 250; i++)); do
    alive "$name" && return 0
    sleep 0.02
  done
  show_logs "$LOG_DIR/$name.out"
  die "$name did not start (see $LOG_DIR/$name.out)"
}

stop_service() {
  local name="$1" pid i f
  local -a left=()
  f="$(pid_file "$name")"
  if ! pid="$(live_pid "$name")"; then
    rm -f "$f"
    return 0
  fi
  printf '==> stopping %s (pid %s)' "$name" "$pid"
  # Graceful: php-fpm's workers finish their request and run the extensions' shutdown (the audit
  # writer flushes there) while the database is still up; nginx finishes its requests.
  case "$name" in
    php-fpm | php-fpm-b | nginx) kill -QUIT "$pid" 2>/dev/null || true ;;
    *) kill -TERM "$pid" 2>/dev/null || true ;;
  esac
  for ((i = 0; i < 300; i++)); do
    alive "$name" || break
    sleep 0.05
  done
  if alive "$name"; then
    printf ' ... still running after 15 s, killing it'
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Workers it leaves behind (it should leave none) belong to the session it was started in.
  for ((i = 0; i < 40; i++)); do
    mapfile -t left < <(group_pids "$pid")
    ((${#left[@]} == 0)) && break
    ((i == 20)) && kill -KILL "${left[@]}" 2>/dev/null
    sleep 0.05
  done
  ((${#left[@]} == 0)) || printf ' ... WARNING: processes %s remain' "${left[*]}"
  rm -f "$f"
  printf ' ... stopped\n'
}

port_in_use() { (: <"/dev/tcp/$1/$2") 2>/dev/null; }

show_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf '\n----- last lines of %s -----\n' "$f" >&2
    tail -n 25 "$f" >&2
  done
}

all_logs() {
  show_logs "$LOG_DIR/mariadb.log" "$LOG_DIR/redis.log" "$LOG_DIR/php-fpm.log" "$LOG_DIR/php-fpm.out" \
    "$LOG_DIR/php-fpm-b.log" "$LOG_DIR/php-fpm-b.out" "$LOG_DIR/php-error.log" "$LOG_DIR/nginx-error.log" \
    "$LOG_DIR/nginx.out" "$LOG_DIR/wp-debug.log" "$LOG_DIR/wp-setup.log"
}
