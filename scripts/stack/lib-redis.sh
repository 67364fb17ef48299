# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: Redis (LPAPI_REDIS=1), Debian's redis-server with a configuration of its
# own (templates/redis.conf.tmpl): 127.0.0.1 only, a generated password, no persistence.

redis_cli() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

start_redis() {
  local fp
  if ! wanted redis; then
    if alive redis; then
      say "redis: not wanted any more (LPAPI_REDIS=0), stopping it"
      stop_service redis
    fi
    return 0
  fi
  mkdir -p "$REDIS_DIR"
  render_to "$CONF_DIR/redis.conf" redis.conf.tmpl REDIS_PORT="$REDIS_PORT" REDIS_PASSWORD="$REDIS_PASSWORD" \
    REDIS_DIR="$REDIS_DIR" PID_DIR="$PID_DIR" LOG_DIR="$LOG_DIR" || true
  fp="$(fingerprint "$CONF_DIR/redis.conf")"
  if alive redis && settings_changed redis "$fp"; then
    say "redis: port or configuration changed, restarting"
    stop_service redis
  fi
  if alive redis; then
    say "redis: running (pid $(live_pid redis)) on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  port_in_use 127.0.0.1 "$REDIS_PORT" && die "port 127.0.0.1:$REDIS_PORT is taken by another program (set LPAPI_REDIS_PORT)"
  say "redis: starting on 127.0.0.1:$REDIS_PORT (no persistence)"
  spawn redis redis-server "$CONF_DIR/redis.conf"
  echo "$fp" >"$CONF_DIR/redis.started"
}

wait_redis() {
  local deadline
  deadline=$(($(date +%s) + READY_TIMEOUT))
  until [[ $(redis_cli ping 2>/dev/null) == PONG ]]; do
    alive redis || { show_logs "$LOG_DIR/redis.log" "$LOG_DIR/redis.out"; die "redis exited"; }
    (($(date +%s) < deadline)) || { show_logs "$LOG_DIR/redis.log"; die "redis not ready after ${READY_TIMEOUT}s"; }
    sleep 0.05
  done
}
