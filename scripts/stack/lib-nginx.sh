# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: nginx (its configuration: templates/nginx.conf.tmpl, with a server block
# from templates/nginx-server.conf.tmpl for each port, and with LPAPI_SERVERS=2 the upstream of both
# php-fpm masters from templates/nginx-upstream.conf.tmpl), and waiting until the site answers.

# The ports nginx listens on: the site's, and with LPAPI_SERVERS=2 server a's and server b's.
nginx_ports() {
  echo "$HTTP_PORT"
  [[ $SERVERS == 1 ]] || printf '%s\n' "$HTTP_PORT_A" "$HTTP_PORT_B"
}

check_nginx_ports() {
  local p
  for p in $(nginx_ports); do
    port_in_use "$HOST" "$p" && die "port $HOST:$p is taken by another program (set $(port_setting "$p"))"
  done
  return 0
}

port_setting() { # PORT: the setting it comes from
  case "$1" in
    "$HTTP_PORT") echo LPAPI_HTTP_PORT ;;
    "$HTTP_PORT_A") echo LPAPI_HTTP_PORT_A ;;
    *) echo LPAPI_HTTP_PORT_B ;;
  esac
}

# The http block's server blocks (and upstream), for render's {{PHP_UPSTREAM}} and {{SERVERS}}.
nginx_servers() {
  local nl=$'\n' srv=(WP_ROOT="$WP_ROOT" CONTENT_DIR="$CONTENT_DIR")
  NGINX_UPSTREAM='' NGINX_SERVERS=''
  if [[ $SERVERS == 1 ]]; then
    render nginx-server.conf.tmpl "${srv[@]}" LISTEN="$HOST:$HTTP_PORT" HOST_PORT="\$server_port" \
      PHP_PASS="unix:$FPM_SOCKET" SERVER_HEADER=''
    NGINX_SERVERS="$nl$RENDERED"
    return 0
  fi
  render nginx-upstream.conf.tmpl FPM_SOCKET="$FPM_SOCKET" FPM_SOCKET_B="$FPM_SOCKET_B"
  NGINX_UPSTREAM="$RENDERED"
  local header="$nl        add_header X-LPAPI-Server \$lpapi_server always;"
  render nginx-server.conf.tmpl "${srv[@]}" LISTEN="$HOST:$HTTP_PORT" HOST_PORT="\$server_port" \
    PHP_PASS=lpapi_php SERVER_HEADER="$nl        # the site: php-fpm a and b in turn$header"
  NGINX_SERVERS+="$nl$RENDERED"
  local name sock port
  for name in a b; do
    sock="$FPM_SOCKET" port="$HTTP_PORT_A"
    [[ $name == a ]] || sock="$FPM_SOCKET_B" port="$HTTP_PORT_B"
    # HTTP_HOST names the site's port: the one WordPress and the /etc/wordpress map know.
    render nginx-server.conf.tmpl "${srv[@]}" LISTEN="$HOST:$port" HOST_PORT="$HTTP_PORT" \
      PHP_PASS="unix:$sock" SERVER_HEADER="$nl        # server $name alone; PHP sees the site's port in HTTP_HOST$header"
    NGINX_SERVERS+="$nl$RENDERED"
  done
}

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
  nginx_servers
  render_to "$CONF_DIR/nginx.conf" nginx.conf.tmpl PID_DIR="$PID_DIR" LOG_DIR="$LOG_DIR" \
    TEMP_PATHS="$temps" PHP_UPSTREAM="$NGINX_UPSTREAM" SERVERS="$NGINX_SERVERS" || true
  fp="$(fingerprint "$CONF_DIR/nginx.conf")"
  if alive nginx && settings_changed nginx "$fp"; then
    say "nginx: configuration changed, restarting"
    stop_service nginx
  fi
  if alive nginx; then
    say "nginx: running (pid $(live_pid nginx)) on $HOST:$(nginx_ports | paste -sd,)"
    return 0
  fi
  check_nginx_ports
  nginx -t -q -p "$temp" -e "$LOG_DIR/nginx-error.log" -c "$CONF_DIR/nginx.conf" >"$LOG_DIR/nginx-test.out" 2>&1 ||
    { show_logs "$LOG_DIR/nginx-test.out"; die "nginx rejects $CONF_DIR/nginx.conf"; }
  say "nginx: starting on $HOST:$(nginx_ports | paste -sd,)"
  spawn nginx nginx -p "$temp" -e "$LOG_DIR/nginx-error.log" -c "$CONF_DIR/nginx.conf"
  echo "$fp" >"$CONF_DIR/nginx.started"
}

# Until the site answers; with LPAPI_SERVERS=2, until server a's and b's ports do too.
wait_http() {
  local url
  wait_http_url "$SITE_URL/wp-json/"
  [[ $SERVERS == 1 ]] || for url in "$SITE_URL_A" "$SITE_URL_B"; do wait_http_url "$url/wp-json/"; done
}

wait_http_url() {
  local url="$1" deadline code='' s failing_since=''
  deadline=$(($(date +%s) + READY_TIMEOUT))
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)"
    [[ $code == 200 ]] && return 0
    for s in php-fpm php-fpm-b nginx; do
      if wanted "$s" && ! alive "$s"; then all_logs; die "$s exited (see the logs above)"; fi
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
