# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: nginx (its configuration: templates/nginx.conf.tmpl), and waiting until
# the site answers.

start_nginx() {
  local temp="$RUN_DIR/nginx" temps='' t fp nl=$'\n'
  mkdir -p "$temp"
  # nginx-light lacks some modules; only name the temp paths of those it has.
  for t in client_body proxy fastcgi uwsgi scgi; do
    if [[ $t == client_body ]] || ! nginx -V 2>&1 | grep -q -- "--without-http_${t}_module"; then
      mkdir -p "$temp/$t"
      temps+="${temps:+$nl}    ${t}_temp_path $temp/$t;"
    fi
  done
  render_to "$CONF_DIR/nginx.conf" nginx.conf.tmpl PID_DIR="$PID_DIR" LOG_DIR="$LOG_DIR" \
    TEMP_PATHS="$temps" HOST="$HOST" HTTP_PORT="$HTTP_PORT" WP_ROOT="$WP_ROOT" CONTENT_DIR="$CONTENT_DIR" \
    FPM_SOCKET="$FPM_SOCKET" || true
  fp="$(fingerprint "$CONF_DIR/nginx.conf")"
  if alive nginx && settings_changed nginx "$fp"; then
    say "nginx: configuration changed, restarting"
    stop_service nginx
  fi
  if alive nginx; then
    say "nginx: running (pid $(live_pid nginx)) on $HOST:$HTTP_PORT"
    return 0
  fi
  port_in_use "$HOST" "$HTTP_PORT" && die "port $HOST:$HTTP_PORT is taken by another program (set LPAPI_HTTP_PORT)"
  nginx -t -q -p "$temp" -e "$LOG_DIR/nginx-error.log" -c "$CONF_DIR/nginx.conf" >"$LOG_DIR/nginx-test.out" 2>&1 ||
    { show_logs "$LOG_DIR/nginx-test.out"; die "nginx rejects $CONF_DIR/nginx.conf"; }
  say "nginx: starting on $HOST:$HTTP_PORT"
  spawn nginx nginx -p "$temp" -e "$LOG_DIR/nginx-error.log" -c "$CONF_DIR/nginx.conf"
  echo "$fp" >"$CONF_DIR/nginx.started"
}

wait_http() {
  local url="$SITE_URL/wp-json/" deadline code='' s failing_since=''
  deadline=$(($(date +%s) + READY_TIMEOUT))
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)"
    [[ $code == 200 ]] && return 0
    for s in php-fpm nginx; do
      alive "$s" || { all_logs; die "$s exited (see the logs above)"; }
    done
    # 502-504: php-fpm not answering yet. Another status is PHP's own answer: a few seconds of it and
    # the site is broken, not starting.
    if [[ $code =~ ^[0-9]+$ && $code != 000 && $code != 50[234] ]]; then
      failing_since="${failing_since:-$(date +%s)}"
    else
      failing_since=''
    fi
    if (($(date +%s) >= deadline)) || [[ -n $failing_since && $(($(date +%s) - failing_since)) -ge 3 ]]; then
      all_logs
      die "$url answers ${code:-nothing}, not 200 (the logs above say why)"
    fi
    sleep 0.05
  done
}
