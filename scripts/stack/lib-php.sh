# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: PHP CLI, and php-fpm (its configuration: templates/php-fpm.conf.tmpl).
#
# The extension is loaded by php-fpm's pool and by "php" only when LPAPI_NATIVE=1. If PHP's own
# configuration already loads it (e.g. after "make install"), that ini file is left out of a private
# scan dir, so LPAPI_NATIVE=0 really means the fallback and LPAPI_NATIVE=1 means this build of it.

PHP_VERSION=''
php_version() {
  [[ -z $PHP_VERSION ]] || return 0
  local bin
  bin="$(readlink -f "$(command -v php)")" # Debian: /usr/bin/php8.2, without starting PHP
  if [[ $bin =~ /php([0-9]+\.[0-9]+)$ ]]; then
    PHP_VERSION="${BASH_REMATCH[1]}"
  else
    PHP_VERSION="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
  fi
}

scan_dir_for() { # SAPI: prints a PHP_INI_SCAN_DIR that leaves out inis loading lpapi, or nothing
  local sapi="$1" src dest new f
  php_version
  # LPAPI_NATIVE=system: PHP's own configuration, as it is (the extension's package, or make install).
  [[ $NATIVE != system ]] || return 0
  src="/etc/php/$PHP_VERSION/$sapi/conf.d"
  grep -qilE '^[[:space:]]*(zend_)?extension[[:space:]]*=.*lpapi' "$src"/*.ini 2>/dev/null || return 0
  dest="$CONF_DIR/php-$sapi-conf.d"
  new="$(mktemp -d "$dest.XXXXXX")"
  for f in "$src"/*.ini; do
    grep -qiE '^[[:space:]]*(zend_)?extension[[:space:]]*=.*lpapi' "$f" || ln -s "$f" "$new/"
  done
  # Replaced only when PHP's list changed: "php" may run many times at once.
  if [[ -d $dest && $(ls "$new") == "$(ls "$dest")" ]]; then
    rm -rf "$new"
  else
    rm -rf "$dest" && mv "$new" "$dest"
  fi
  echo "$dest"
}

check_extension() {
  [[ $NATIVE == 1 ]] || return 0
  [[ -f $EXT ]] || die "LPAPI_NATIVE=1 but the extension $EXT does not exist: build it first (make build, i.e. cargo build --release), or start with LPAPI_NATIVE=0"
}

# Runs PHP CLI in the site's WordPress through scripts/stack/wp-cli.php.
run_php() {
  local -a php_args=() redis_args=() env_args=("LPAPI_STACK_HTTP_HOST=$HOST:$HTTP_PORT" "LPAPI_STACK_WP_ROOT=$WP_ROOT"
    "LPAPI_STACK_LATEPOINT=$(latepoint_wanted && echo 1 || echo 0)")
  local scan
  php_version
  scan="$(scan_dir_for cli)"
  [[ -z $scan ]] || env_args+=("PHP_INI_SCAN_DIR=$scan")
  if [[ $NATIVE == 1 ]]; then
    php_args+=(-d "extension=$EXT")
    mapfile -t redis_args < <(native_redis_args)
    php_args+=("${redis_args[@]}")
  fi
  # Compiled scripts cached on disk: each run loads WordPress in about 0.15 s instead of 0.25 s.
  # One cache per LPAPI_NATIVE setting: compiled code differs with and without the extension
  # (opcache folds function_exists() checks at compile time).
  mkdir -p "$RUN_DIR/opcache-cli-native$NATIVE"
  php_args+=(-d opcache.enable_cli=1 -d "opcache.file_cache=$RUN_DIR/opcache-cli-native$NATIVE" -d opcache.file_cache_only=1
    -d opcache.validate_timestamps=1 -d opcache.revalidate_freq=0)
  while [[ ${1:-} == -d ]]; do
    php_args+=(-d "$2")
    shift 2
  done
  env "${env_args[@]}" LPAPI_ADMIN_USER="$ADMIN_USER" LPAPI_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    LPAPI_ADMIN_EMAIL="$ADMIN_EMAIL" LPAPI_STACK_PLUGIN="$PLUGIN_FILE" \
    php "${php_args[@]}" "$STACK_LIB/wp-cli.php" "$@"
}

# The php-fpm master(s): "php-fpm" (server A) always, "php-fpm-b" (server B) with LPAPI_SERVERS=2.
start_fpm() { start_fpm_server php-fpm "$FPM_SOCKET" "$SHM_NAME"; }

start_fpm_b() {
  if ! wanted php-fpm-b; then
    if alive php-fpm-b; then
      say "php-fpm-b: not wanted any more (LPAPI_SERVERS=1), stopping it"
      stop_service php-fpm-b
    fi
    rm -f "$FPM_SOCKET_B"
    return 0
  fi
  start_fpm_server php-fpm-b "$FPM_SOCKET_B" "$SHM_NAME_B"
}

# The -d options of the master besides the extension's own, with LPAPI_NATIVE=1: where the rate
# limits count with LPAPI_REDIS=1. (With LPAPI_NATIVE=0 they are constants in wp-config.php.) The
# values are INI strings in double quotes: unquoted, the "=" in the URL's query is a syntax error.
native_redis_args() {
  [[ $NATIVE != 0 && $REDIS == 1 ]] || return 0
  printf '%s\n' -d "lpapi.redis_url=\"$REDIS_URL\"" -d "lpapi.redis_down=\"$REDIS_DOWN\""
}

start_fpm_server() { # NAME SOCKET SHM_NAME
  local name="$1" socket="$2" shm="$3" bin scan fp ext_args=() redis_args=()
  php_version
  bin="/usr/sbin/php-fpm$PHP_VERSION"
  [[ -x $bin ]] || die "$bin not found (scripts/stack.sh install)"
  scan="$(scan_dir_for fpm)"
  # The extension is loaded by the master process (-d on its command line), never per pool
  # (php_admin_value[extension] loads it in each worker after the fork): its MINIT must map the
  # shared rate-limit table before php-fpm forks, or every worker counts on its own. Each master has
  # a table of its own, as two web servers would.
  if [[ $NATIVE == 1 ]]; then
    ext_args=(-d "extension=$EXT" -d "lpapi.shm_name=$shm")
  elif [[ $NATIVE == system ]]; then
    ext_args=(-d "lpapi.shm_name=$shm") # PHP's configuration loads it, or not
  fi
  if [[ $NATIVE != 0 ]]; then
    mapfile -t redis_args < <(native_redis_args)
    ext_args+=("${redis_args[@]}")
  fi
  render_to "$CONF_DIR/$name.conf" php-fpm.conf.tmpl NAME="$name" PID_DIR="$PID_DIR" LOG_DIR="$LOG_DIR" \
    FPM_SOCKET="$socket" FPM_WORKERS="$FPM_WORKERS" OPCACHE_REVALIDATE="$OPCACHE_REVALIDATE" || true
  # The fingerprint covers the extension file itself: a rebuilt .so needs a fresh php-fpm.
  fp="$({
    cat "$CONF_DIR/$name.conf"
    echo "$scan ${ext_args[*]}"
    [[ $NATIVE != 1 ]] || stat -c '%s %Y %i' "$EXT"
    # With PHP's own configuration: a package installed or removed needs a fresh php-fpm too.
    [[ $NATIVE != system ]] || ls -l "/etc/php/$PHP_VERSION/fpm/conf.d/" "$(php-config --extension-dir)/lpapi.so" 2>&1 || true
  } | fingerprint)"
  if alive "$name" && settings_changed "$name" "$fp"; then
    say "$name: settings or extension changed, restarting"
    stop_service "$name"
  fi
  if alive "$name"; then
    say "$name: running (pid $(live_pid "$name"))"
    return 0
  fi
  say "$name: starting $FPM_WORKERS workers, native extension $(case $NATIVE in 1) echo "on ($EXT)" ;; system) echo "as PHP's configuration says" ;; *) echo off ;; esac)"
  rm -f "$socket"
  "$bin" "${ext_args[@]}" -R -t -y "$CONF_DIR/$name.conf" >"$LOG_DIR/$name-test.out" 2>&1 ||
    { show_logs "$LOG_DIR/$name-test.out"; die "php-fpm rejects $CONF_DIR/$name.conf"; }
  if [[ -n $scan ]]; then
    spawn "$name" env PHP_INI_SCAN_DIR="$scan" "$bin" "${ext_args[@]}" -R -F -y "$CONF_DIR/$name.conf" -p "$RUN_DIR"
  else
    spawn "$name" "$bin" "${ext_args[@]}" -R -F -y "$CONF_DIR/$name.conf" -p "$RUN_DIR"
  fi
  echo "$fp" >"$CONF_DIR/$name.started"
}
