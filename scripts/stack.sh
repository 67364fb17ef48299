#!/usr/bin/env bash
# The local stack the plugin runs and is tested on: a private MariaDB, Debian's WordPress, php-fpm (with
# or without the native extension) and nginx, with no Docker and no systemd. Everything it starts and
# writes lives in one run folder, except one file: Debian's /usr/share/wordpress/wp-config.php only reads
# /etc/wordpress/config-<host>.php, so `start` writes /etc/wordpress/config-$LPAPI_HOST.php (and the
# same as config-localhost.php): a small map from the port in HTTP_HOST to the wp-config.php in the run
# folder of the stack on that port, so that stacks on other ports can run side by side. `clean` takes
# its line out again (and the file, once empty).
#
# Run `scripts/stack.sh help` for the subcommands and the environment variables.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_LIB="$ROOT/scripts/stack"
PACKAGES=(mariadb-server php-mysql wordpress wordpress-theme-twentytwentythree php-fpm nginx-light
  php-curl php-apcu php-mbstring php-xml curl)
WP_ROOT=/usr/share/wordpress
PLUGIN_SRC="$ROOT/wp-plugin/latepoint-api-keys"
PLUGIN_FILE=latepoint-api-keys/latepoint-api-keys.php
DB_NAME=wordpress
DB_USER=wordpress
ADMIN_EMAIL=admin@example.com
SERVICES=(mariadb php-fpm nginx)
READY_TIMEOUT=30

usage() {
  cat <<EOF
Usage: scripts/stack.sh COMMAND

  install        apt-get what the stack needs, if anything is missing (apt-get update only then)
  start [SVC..]  start what is not running (install, database, WordPress install, plugin activation);
                 a running service whose settings changed (LPAPI_NATIVE, a rebuilt extension, ports,
                 workers) is restarted; waits until WordPress answers, then prints a summary
  stop [SVC..]   stop what start started (all, or e.g. "stop mariadb" to test a database outage),
                 by the pids in the run folder; waits for every process to exit
  restart        stop, then start with the current environment
  status         each service's pid and liveness (exit status 3 if any is down)
  env            shell exports for tests: eval "\$(scripts/stack.sh env)"
  php ARGS       PHP CLI inside the site's WordPress (wp-load.php required, HTTP_HOST set, the extension
                 loaded as in php-fpm): php -r 'CODE' [ARG..] | php FILE [ARG..]; leading -d options
                 go to PHP
  clean          stop, delete the run folder, and take its line out of the /etc/wordpress files
  help           this text

Services: ${SERVICES[*]}.

Environment (defaults in brackets). While the stack runs, the settings it was started with stick for
every command; a variable set explicitly overrides them (start then restarts what it affects).
  LPAPI_RUN_DIR         run folder: data, sockets, pids, logs, generated configs [$ROOT/.run]
  LPAPI_HOST            address nginx listens on, and the site's host name [127.0.0.1]
  LPAPI_HTTP_PORT       nginx port [8080]
  LPAPI_DB_PORT         MariaDB TCP port, bound to 127.0.0.1 [3307]
  LPAPI_FPM_WORKERS     php-fpm workers (pm = static) [4]
  LPAPI_NATIVE          1: php-fpm and "php" load the extension; 0: they do not (pure-PHP fallback) [1]
  LPAPI_EXT             the extension [$ROOT/target/release/liblpapi.so]; start builds nothing
  WP_ENVIRONMENT_TYPE   local, development, staging or production [local]
  LPAPI_ADMIN_USER      WordPress administrator [admin]
  LPAPI_ADMIN_PASSWORD  its password [generated once, kept in the run folder]

Written outside the run folder: /etc/wordpress/config-<LPAPI_HOST>.php and config-localhost.php, as
a map from port to <run>/conf/wp-config.php, because Debian's WordPress reads only those; stacks with
their own LPAPI_RUN_DIR and ports can run side by side. Tests may add constants in
<run>/wp-extra-config.php; it is loaded before every default, so it can override them.
EOF
}

say() { printf '==> %s\n' "$*"; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }
die() { printf '==> ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------------------------------------------
# Settings

RUN_DIR="$(realpath -m -- "${LPAPI_RUN_DIR:-$ROOT/.run}")"
case "$RUN_DIR" in
  *[\'\"\\\$[:space:]]*) echo "==> ERROR: LPAPI_RUN_DIR must not contain quotes, backslashes, \$ or spaces" >&2 && exit 1 ;;
esac
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
CONF_DIR="$RUN_DIR/conf"
DATA_DIR="$RUN_DIR/mysql"
CONTENT_DIR="$RUN_DIR/wp-content"
DB_SOCKET="$RUN_DIR/mysqld.sock"
FPM_SOCKET="$RUN_DIR/php-fpm.sock"
STATE_FILE="$RUN_DIR/stack.state"
SECRETS_FILE="$RUN_DIR/secrets.env"
EXTRA_CONFIG="$RUN_DIR/wp-extra-config.php"
MARKER="$RUN_DIR/.lpapi-stack"

# Resolves every setting: an explicit environment variable, else what the running stack was started
# with, else the default.
load_settings() {
  local ST_HOST='' ST_HTTP_PORT='' ST_DB_PORT='' ST_FPM_WORKERS='' ST_NATIVE='' ST_EXT='' ST_ENV_TYPE=''
  local ST_ADMIN_USER='' ST_ADMIN_PASSWORD=''
  if [[ -f $STATE_FILE ]] && any_alive; then
    # shellcheck source=/dev/null
    source "$STATE_FILE"
  fi
  HOST="${LPAPI_HOST:-${ST_HOST:-127.0.0.1}}"
  HTTP_PORT="${LPAPI_HTTP_PORT:-${ST_HTTP_PORT:-8080}}"
  DB_PORT="${LPAPI_DB_PORT:-${ST_DB_PORT:-3307}}"
  FPM_WORKERS="${LPAPI_FPM_WORKERS:-${ST_FPM_WORKERS:-4}}"
  NATIVE="${LPAPI_NATIVE:-${ST_NATIVE:-1}}"
  EXT="$(realpath -m -- "${LPAPI_EXT:-${ST_EXT:-$ROOT/target/release/liblpapi.so}}")"
  ENV_TYPE="${WP_ENVIRONMENT_TYPE:-${ST_ENV_TYPE:-local}}"
  ADMIN_USER="${LPAPI_ADMIN_USER:-${ST_ADMIN_USER:-admin}}"
  ADMIN_PASSWORD="${LPAPI_ADMIN_PASSWORD:-${ST_ADMIN_PASSWORD:-}}"

  local v
  for v in "$HTTP_PORT" "$DB_PORT"; do
    if ! [[ $v =~ ^[0-9]+$ ]] || ((v < 1 || v > 65535)); then die "not a port: $v"; fi
  done
  if ! [[ $FPM_WORKERS =~ ^[0-9]+$ ]] || ((FPM_WORKERS < 1)); then
    die "LPAPI_FPM_WORKERS must be a positive number"
  fi
  [[ $NATIVE == 0 || $NATIVE == 1 ]] || die "LPAPI_NATIVE must be 0 or 1, not '$NATIVE'"
  [[ $ENV_TYPE =~ ^(local|development|staging|production)$ ]] ||
    die "WP_ENVIRONMENT_TYPE must be local, development, staging or production, not '$ENV_TYPE'"
  [[ $HOST =~ ^[A-Za-z0-9.-]+$ ]] || die "LPAPI_HOST must be an IPv4 address or a host name: '$HOST'"
  [[ $ADMIN_USER =~ ^[A-Za-z0-9._@-]+$ ]] || die "LPAPI_ADMIN_USER: letters, digits and ._@- only"
  SITE_URL="http://$HOST:$HTTP_PORT"
  DB_HOST="127.0.0.1:$DB_PORT"
  ETC_CONFIGS=("/etc/wordpress/config-$HOST.php")
  [[ $HOST == localhost ]] || ETC_CONFIGS+=(/etc/wordpress/config-localhost.php)
}

# Generated once per run folder: the database password, and the admin password unless one is given.
load_secrets() {
  local DB_PASSWORD_SAVED='' ADMIN_PASSWORD_SAVED=''
  DB_PASSWORD=''
  if [[ -f $SECRETS_FILE ]]; then
    # shellcheck source=/dev/null
    source "$SECRETS_FILE"
  fi
  if [[ -z $DB_PASSWORD_SAVED || -z $ADMIN_PASSWORD_SAVED ]]; then
    [[ -d $RUN_DIR ]] || return 0 # nothing started yet: nothing to read
    DB_PASSWORD_SAVED="${DB_PASSWORD_SAVED:-$(random_secret)}"
    ADMIN_PASSWORD_SAVED="${ADMIN_PASSWORD_SAVED:-$(random_secret)}"
    (umask 077 && printf 'DB_PASSWORD_SAVED=%s\nADMIN_PASSWORD_SAVED=%s\n' \
      "$DB_PASSWORD_SAVED" "$ADMIN_PASSWORD_SAVED" >"$SECRETS_FILE")
  fi
  DB_PASSWORD="$DB_PASSWORD_SAVED"
  ADMIN_PASSWORD="${ADMIN_PASSWORD:-$ADMIN_PASSWORD_SAVED}"
}

random_secret() { od -An -tx1 -N12 /dev/urandom | tr -d ' \n'; }

save_state() {
  (umask 077 && {
    printf 'ST_%s=%q\n' HOST "$HOST" HTTP_PORT "$HTTP_PORT" DB_PORT "$DB_PORT" \
      FPM_WORKERS "$FPM_WORKERS" NATIVE "$NATIVE" EXT "$EXT" ENV_TYPE "$ENV_TYPE" \
      ADMIN_USER "$ADMIN_USER" ADMIN_PASSWORD "$ADMIN_PASSWORD"
  } >"$STATE_FILE")
}

# ---------------------------------------------------------------------------------------------------
# Processes: each server runs in its own session; its pid file holds the server's own pid (the shell
# writes $$ and execs it), so it is stopped by that pid, never by name.

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

program_of() {
  case "$1" in
    mariadb) echo mariadbd ;;
    php-fpm) echo php-fpm ;;
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
    php-fpm | nginx) kill -QUIT "$pid" 2>/dev/null || true ;;
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
  show_logs "$LOG_DIR/mariadb.log" "$LOG_DIR/php-fpm.log" "$LOG_DIR/php-fpm.out" "$LOG_DIR/php-error.log" \
    "$LOG_DIR/nginx-error.log" "$LOG_DIR/nginx.out" "$LOG_DIR/wp-debug.log" "$LOG_DIR/wp-setup.log"
}

# Writes stdin to FILE only if it differs; returns 0 when it changed.
write_if_changed() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
}

# A service runs with the settings it was started with; when they differ from now, start restarts it.
fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
settings_changed() { [[ $(cat "$CONF_DIR/$1.started" 2>/dev/null) != "$2" ]]; }

# ---------------------------------------------------------------------------------------------------
# install

cmd_install() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    say "Debian packages present: ${PACKAGES[*]}"
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root"
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start their own services (apache2 and nginx would fight over port 80, and a
  # system MariaDB is not ours): a policy-rc.d that forbids it, for the length of the install only.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local status=0
  say "apt-get update"
  apt-get update -qq || status=$?
  if ((status == 0)); then
    say "apt-get install -y --no-install-recommends ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >"/tmp/lpapi-stack-apt.log" 2>&1 ||
      status=$?
  fi
  if ((added_policy)); then
    rm -f "$policy"
    trap - EXIT
  fi
  if ((status != 0)); then
    tail -n 30 /tmp/lpapi-stack-apt.log >&2 || true
    die "apt-get failed (full log: /tmp/lpapi-stack-apt.log)"
  fi
  say "installed: ${missing[*]}"
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || echo "$p"
  done
}

# One dpkg-query for all of them: start runs this every time.
packages_present() {
  [[ $(dpkg-query -W -f='${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -cx installed) == "${#PACKAGES[@]}" ]]
}

# ---------------------------------------------------------------------------------------------------
# MariaDB

db_root() { mariadb --no-defaults --socket="$DB_SOCKET" --user=root "$@"; }

start_mariadb() {
  local fp
  fp="$(echo "$DB_PORT $DATA_DIR" | fingerprint)"
  if alive mariadb && settings_changed mariadb "$fp"; then
    say "mariadb: port changed, restarting"
    stop_service mariadb
  fi
  if alive mariadb; then
    say "mariadb: running (pid $(live_pid mariadb)) on 127.0.0.1:$DB_PORT"
    return 0
  fi
  if [[ ! -d $DATA_DIR/mysql ]]; then
    say "mariadb: creating a data directory in $DATA_DIR (mariadb-install-db)"
    rm -rf "$DATA_DIR" "$DATA_DIR.tmp"
    mariadb-install-db --no-defaults --user=root --datadir="$DATA_DIR.tmp" --skip-test-db \
      --auth-root-authentication-method=socket >"$LOG_DIR/mariadb-install.log" 2>&1 ||
      { show_logs "$LOG_DIR/mariadb-install.log"; die "mariadb-install-db failed"; }
    mv "$DATA_DIR.tmp" "$DATA_DIR"
  fi
  port_in_use 127.0.0.1 "$DB_PORT" && die "port 127.0.0.1:$DB_PORT is taken by another program (set LPAPI_DB_PORT)"
  say "mariadb: starting on 127.0.0.1:$DB_PORT (socket $DB_SOCKET)"
  rm -f "$DB_SOCKET"
  spawn mariadb mariadbd --no-defaults --user=root --datadir="$DATA_DIR" --socket="$DB_SOCKET" \
    --port="$DB_PORT" --bind-address=127.0.0.1 --pid-file="$PID_DIR/mariadbd.self.pid" \
    --log-error="$LOG_DIR/mariadb.log" --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --skip-name-resolve
  echo "$fp" >"$CONF_DIR/mariadb.started"
}

wait_mariadb() {
  local deadline
  deadline=$(($(date +%s) + READY_TIMEOUT))
  until mariadb-admin --no-defaults --socket="$DB_SOCKET" --user=root ping >/dev/null 2>&1; do
    alive mariadb || { show_logs "$LOG_DIR/mariadb.log" "$LOG_DIR/mariadb.out"; die "mariadb exited"; }
    (($(date +%s) < deadline)) ||
      { show_logs "$LOG_DIR/mariadb.log"; die "mariadb not ready after ${READY_TIMEOUT}s"; }
    sleep 0.05
  done
  db_root <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
SQL
}

# ---------------------------------------------------------------------------------------------------
# WordPress: configuration, content folder, installation

php_q() { # a PHP single-quoted string literal
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\\\'}"
}

write_wp_config() {
  write_if_changed "$CONF_DIR/wp-config.php" <<EOF || true
<?php
/*
 * WordPress configuration of the local stack, generated by scripts/stack.sh on every start (edit the
 * script, not this file). Debian's $WP_ROOT/wp-config.php requires /etc/wordpress/config-<host>.php,
 * which requires this file; Debian's defaults apply to anything not defined here.
 *
 * Tests add or override constants in $(php_q "$EXTRA_CONFIG"): it is loaded first.
 */
if (file_exists($(php_q "$EXTRA_CONFIG"))) {
	require $(php_q "$EXTRA_CONFIG");
}

defined('DB_NAME') || define('DB_NAME', $(php_q "$DB_NAME"));
defined('DB_USER') || define('DB_USER', $(php_q "$DB_USER"));
defined('DB_PASSWORD') || define('DB_PASSWORD', $(php_q "$DB_PASSWORD"));
defined('DB_HOST') || define('DB_HOST', $(php_q "$DB_HOST"));
defined('DB_CHARSET') || define('DB_CHARSET', 'utf8mb4');
defined('DB_COLLATE') || define('DB_COLLATE', '');

defined('WP_HOME') || define('WP_HOME', $(php_q "$SITE_URL"));
defined('WP_SITEURL') || define('WP_SITEURL', $(php_q "$SITE_URL"));
defined('WP_CONTENT_DIR') || define('WP_CONTENT_DIR', $(php_q "$CONTENT_DIR"));
defined('WP_CONTENT_URL') || define('WP_CONTENT_URL', $(php_q "$SITE_URL/wp-content"));
defined('WP_ENVIRONMENT_TYPE') || define('WP_ENVIRONMENT_TYPE', $(php_q "$ENV_TYPE"));

defined('WP_DEBUG') || define('WP_DEBUG', true);
defined('WP_DEBUG_LOG') || define('WP_DEBUG_LOG', $(php_q "$LOG_DIR/wp-debug.log"));
// WordPress 6.1 on PHP 8.2 prints deprecation notices: displayed, they would break JSON responses.
defined('WP_DEBUG_DISPLAY') || define('WP_DEBUG_DISPLAY', false);
defined('DISABLE_WP_CRON') || define('DISABLE_WP_CRON', false);
defined('FS_METHOD') || define('FS_METHOD', 'direct');
defined('AUTOMATIC_UPDATER_DISABLED') || define('AUTOMATIC_UPDATER_DISABLED', true);
// Traffic stays on the loopback: WordPress's outgoing HTTP (update checks, dashboard feeds, plugin
// directory pages) may reach this site and localhost only.
defined('WP_HTTP_BLOCK_EXTERNAL') || define('WP_HTTP_BLOCK_EXTERNAL', true);
defined('WP_ACCESSIBLE_HOSTS') || define('WP_ACCESSIBLE_HOSTS', 'localhost,127.0.0.1');
EOF
  local etc
  for etc in "${ETC_CONFIGS[@]}"; do
    update_etc_config "$etc" add
  done
}

# /etc/wordpress/config-<host>.php maps the port in HTTP_HOST to the wp-config.php of the stack
# listening there, so stacks with their own run folders and ports can run side by side. Each line
# "PORT => 'FILE'," is one stack's; start adds its own, clean removes it, and lines whose file is gone
# are dropped.
update_etc_config() { # FILE add|remove; returns 1 if the file is not ours
  local etc="$1" action="$2" line port file ours="$CONF_DIR/wp-config.php"
  local -a entries=()
  mkdir -p /etc/wordpress
  exec 8</etc/wordpress
  flock -w 30 8 || die "/etc/wordpress is locked by another scripts/stack.sh"
  if [[ -e $etc ]] && ! grep -q 'scripts/stack\.sh' "$etc"; then
    exec 8<&-
    [[ $action == add ]] || return 1
    die "$etc exists and was not written by scripts/stack.sh: move it away or set LPAPI_HOST"
  fi
  if [[ -f $etc ]]; then
    while IFS= read -r line; do
      [[ $line =~ ^[[:space:]]*([0-9]+)\ =\>\ \'([^\']*)\',$ ]] || continue
      port="${BASH_REMATCH[1]}" file="${BASH_REMATCH[2]}"
      [[ $file == "$ours" || ($action == add && $port == "$HTTP_PORT") || ! -f $file ]] && continue
      entries+=("$port" "$file")
    done <"$etc"
  fi
  [[ $action == remove ]] || entries+=("$HTTP_PORT" "$ours")
  if ((${#entries[@]} == 0)); then
    if [[ -e $etc ]]; then
      rm -f "$etc"
      say "removed $etc"
    fi
  else
    local map='' i
    for ((i = 0; i < ${#entries[@]}; i += 2)); do
      map+="	${entries[i]} => $(php_q "${entries[i + 1]}"),"$'\n'
    done
    if write_if_changed "$etc" <<EOF; then
<?php
// Written by the local test stack, $ROOT/scripts/stack.sh.
// Debian's WordPress reads only /etc/wordpress/config-<host>.php; this sends each port to the run
// folder of the stack listening on it. "scripts/stack.sh clean" removes its line, and the file.
\$lpapi_stacks = [
$map];
\$lpapi_stack_port = (int) (parse_url('http://' . (\$_SERVER['HTTP_HOST'] ?? ''), PHP_URL_PORT) ?: 80);
if (!isset(\$lpapi_stacks[\$lpapi_stack_port])) {
	header('HTTP/1.0 404 Not Found');
	echo "No local stack (scripts/stack.sh) serves port \$lpapi_stack_port; see " . __FILE__ . "\\n";
	exit(1);
}
require \$lpapi_stacks[\$lpapi_stack_port];
EOF
      if [[ $action == add ]]; then
        say "wrote $etc (port $HTTP_PORT -> $ours)"
      else
        say "removed this stack's line from $etc"
      fi
    fi
  fi
  exec 8<&-
}

prepare_content() {
  mkdir -p "$CONTENT_DIR"/{plugins,uploads,themes,mu-plugins,upgrade}
  local link="$CONTENT_DIR/plugins/latepoint-api-keys" theme
  if [[ -e $link && ! -L $link ]]; then
    warn "$link is a real folder, not a link to $PLUGIN_SRC: leaving it"
  else
    ln -sfn "$PLUGIN_SRC" "$link"
  fi
  for theme in "$WP_ROOT"/wp-content/themes/*/; do
    [[ -d $theme ]] || continue
    theme="${theme%/}"
    [[ -e $CONTENT_DIR/themes/$(basename "$theme") ]] || ln -s "$theme" "$CONTENT_DIR/themes/"
  done
  # The plugin's drop-in: API requests get a 503 JSON envelope while the database is down.
  ln -sfn "$PLUGIN_SRC/drop-ins/db-error.php" "$CONTENT_DIR/db-error.php"
  write_if_changed "$CONTENT_DIR/mu-plugins/lpapi-stack-no-mail.php" <<'EOF' || true
<?php
/**
 * Plugin Name: Local stack: no outgoing mail
 * Description: Written by scripts/stack.sh. There is no mail transport here: wp_mail() returns false at once.
 */
add_filter('pre_wp_mail', '__return_false');
EOF
  write_if_changed "$CONTENT_DIR/mu-plugins/lpapi-stack-loopback-only.php" <<'EOF' || true
<?php
/**
 * Plugin Name: Local stack: the loopback only
 * Description: Written by scripts/stack.sh. Pages ask for nothing outside this site: no emoji images
 * from a CDN, no avatars (show_avatars is off too); WP_HTTP_BLOCK_EXTERNAL stops outgoing HTTP.
 */
remove_action('wp_head', 'print_emoji_detection_script', 7);
remove_action('admin_print_scripts', 'print_emoji_detection_script');
add_filter('pre_option_show_avatars', static fn() => '0');
EOF
}

# The plugin exists only once someone has written it; WordPress is installed only once per database.
wp_installed() {
  [[ -n $(db_root -N -e "SELECT 1 FROM \`$DB_NAME\`.wp_options WHERE option_name = 'siteurl'" 2>/dev/null) ]]
}

setup_wordpress() {
  local out
  if ! wp_installed; then
    say "wordpress: installing (wp_install, admin user '$ADMIN_USER')"
    out="$(LPAPI_STACK_WP_INSTALLING=1 run_php "$STACK_LIB/wp-setup.php" install 2>&1)" ||
      { echo "$out" | tee -a "$LOG_DIR/wp-setup.log" >&2; die "WordPress installation failed"; }
    echo "$out" >>"$LOG_DIR/wp-setup.log"
    [[ -z $out ]] || echo "$out"
  fi
  local status=0 warm
  PLUGIN_STATUS=''
  # The first request compiles WordPress into php-fpm's opcache (about 0.4 s): it runs meanwhile.
  curl -s -o /dev/null --max-time 10 "$SITE_URL/wp-json/" &
  warm=$!
  out="$(run_php "$STACK_LIB/wp-setup.php" ensure 2>&1)" || status=$?
  wait "$warm" || true
  echo "$out" >>"$LOG_DIR/wp-setup.log"
  [[ -z $out ]] || echo "$out"
  case "$status" in
    0) if grep -qE '^==> wordpress: plugin .* (active|activated)$' <<<"$out"; then PLUGIN_STATUS=active; fi ;;
    3) PLUGIN_STATUS="NOT ACTIVE: $(sed -n 's/^==> WARNING: plugin [^ ]* NOT activated: //p' <<<"$out" | head -n 1)" ;;
    *) die "WordPress setup (admin user, permalinks, plugin) failed: see the error above; if it is in the active plugin, fix it (or deactivate it) and start again" ;;
  esac
  [[ -n $PLUGIN_STATUS ]] || PLUGIN_STATUS="not there yet ($PLUGIN_SRC/latepoint-api-keys.php)"
}

# ---------------------------------------------------------------------------------------------------
# PHP: the extension is loaded by php-fpm's pool and by "php" only when LPAPI_NATIVE=1. If PHP's own
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
  local -a php_args=() env_args=("LPAPI_STACK_HTTP_HOST=$HOST:$HTTP_PORT")
  local scan
  php_version
  scan="$(scan_dir_for cli)"
  [[ -z $scan ]] || env_args+=("PHP_INI_SCAN_DIR=$scan")
  [[ $NATIVE != 1 ]] || php_args+=(-d "extension=$EXT")
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

start_fpm() {
  local bin scan fp ext_args=()
  php_version
  bin="/usr/sbin/php-fpm$PHP_VERSION"
  [[ -x $bin ]] || die "$bin not found (scripts/stack.sh install)"
  scan="$(scan_dir_for fpm)"
  # The extension is loaded by the master process (-d on its command line), never per pool
  # (php_admin_value[extension] loads it in each worker after the fork): its MINIT must map the
  # shared rate-limit table before php-fpm forks, or every worker counts on its own.
  [[ $NATIVE != 1 ]] || ext_args=(-d "extension=$EXT")
  write_if_changed "$CONF_DIR/php-fpm.conf" <<EOF || true
; Generated by scripts/stack.sh on every start.
[global]
pid = $PID_DIR/php-fpm.self.pid
error_log = $LOG_DIR/php-fpm.log
daemonize = no
; a graceful stop (SIGQUIT) waits this long for busy workers, then terminates them
process_control_timeout = 10s

[lpapi]
listen = $FPM_SOCKET
listen.mode = 0666
pm = static
pm.max_children = $FPM_WORKERS
; keep the environment (e.g. WP_ENVIRONMENT_TYPE, test switches) for getenv()
clear_env = no
catch_workers_output = yes
decorate_workers_output = no
; Until WordPress sends errors to WP_DEBUG_LOG (logs/wp-debug.log), and for what is not WordPress.
; Not php_admin_*: WordPress and wp-extra-config.php must be able to change them.
php_flag[log_errors] = on
php_flag[display_errors] = off
php_value[error_log] = $LOG_DIR/php-error.log
; edits to the plugin are seen by the next request
php_admin_value[opcache.revalidate_freq] = 0
php_value[upload_max_filesize] = 16M
php_value[post_max_size] = 16M
EOF
  # The fingerprint covers the extension file itself: a rebuilt .so needs a fresh php-fpm.
  fp="$({
    cat "$CONF_DIR/php-fpm.conf"
    echo "$scan ${ext_args[*]}"
    [[ $NATIVE != 1 ]] || stat -c '%s %Y %i' "$EXT"
  } | fingerprint)"
  if alive php-fpm && settings_changed php-fpm "$fp"; then
    say "php-fpm: settings or extension changed, restarting"
    stop_service php-fpm
  fi
  if alive php-fpm; then
    say "php-fpm: running (pid $(live_pid php-fpm))"
    return 0
  fi
  say "php-fpm: starting $FPM_WORKERS workers, native extension $([[ $NATIVE == 1 ]] && echo "on ($EXT)" || echo off)"
  rm -f "$FPM_SOCKET"
  "$bin" "${ext_args[@]}" -R -t -y "$CONF_DIR/php-fpm.conf" >"$LOG_DIR/php-fpm-test.out" 2>&1 ||
    { show_logs "$LOG_DIR/php-fpm-test.out"; die "php-fpm rejects $CONF_DIR/php-fpm.conf"; }
  if [[ -n $scan ]]; then
    spawn php-fpm env PHP_INI_SCAN_DIR="$scan" "$bin" "${ext_args[@]}" -R -F -y "$CONF_DIR/php-fpm.conf" -p "$RUN_DIR"
  else
    spawn php-fpm "$bin" "${ext_args[@]}" -R -F -y "$CONF_DIR/php-fpm.conf" -p "$RUN_DIR"
  fi
  echo "$fp" >"$CONF_DIR/php-fpm.started"
}

# ---------------------------------------------------------------------------------------------------
# nginx

start_nginx() {
  local temp="$RUN_DIR/nginx" temps='' t fp
  mkdir -p "$temp"
  # nginx-light lacks some modules; only name the temp paths of those it has.
  for t in client_body proxy fastcgi uwsgi scgi; do
    if [[ $t == client_body ]] || ! nginx -V 2>&1 | grep -q -- "--without-http_${t}_module"; then
      mkdir -p "$temp/$t"
      temps+="    ${t}_temp_path $temp/$t;"$'\n'
    fi
  done
  write_if_changed "$CONF_DIR/nginx.conf" <<EOF || true
# Generated by scripts/stack.sh on every start.
daemon off;
user root;
worker_processes auto;
pid $PID_DIR/nginx.self.pid;
error_log $LOG_DIR/nginx-error.log warn;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # No API key in the log: the path without its query string (a key in the URL is refused with
    # 400 key_in_query, and must not be written here either), and whatever a client puts in the
    # path, the User-Agent, the Referer or a Basic-auth user name cut before the first key.
    map \$request_uri \$lpapi_log_path {
        "~^(?<path>[^?]*)" \$path;
    }
    map \$lpapi_log_path \$lpapi_log_uri {
        "~^(?<before>.*?)lp(_|%5[Ff])(live|test)(_|%5[Ff])[0-9A-Za-z]{38}" "\${before}[API key removed]";
        default \$lpapi_log_path;
    }
    map \$http_user_agent \$lpapi_log_agent {
        "~^(?<before>.*?)lp_(live|test)_[0-9A-Za-z]{38}" "\${before}[API key removed]";
        default \$http_user_agent;
    }
    map \$http_referer \$lpapi_log_referer {
        "~^(?<before>[^?]*?)lp(_|%5[Ff])(live|test)(_|%5[Ff])[0-9A-Za-z]{38}" "\${before}[API key removed]";
        "~^(?<before>[^?]*)[?]" "\${before}?[query removed]";
        default \$http_referer;
    }
    map \$remote_user \$lpapi_log_user {
        "~lp_(live|test)_" "[API key removed]";
        default \$remote_user;
    }
    log_format lpapi_no_keys '\$remote_addr - \$lpapi_log_user [\$time_local] "\$request_method \$lpapi_log_uri \$server_protocol" \$status \$body_bytes_sent "\$lpapi_log_referer" "\$lpapi_log_agent" \$request_time';
    access_log $LOG_DIR/nginx-access.log lpapi_no_keys;
$temps
    sendfile on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    # large enough that tests of huge bodies reach PHP and the plugin answers them
    client_max_body_size 16m;
    fastcgi_buffers 16 16k;
    fastcgi_buffer_size 32k;

    server {
        listen $HOST:$HTTP_PORT;
        server_name _;
        root $WP_ROOT;
        index index.php;

        # WP_CONTENT_DIR is the run folder's, outside the WordPress root.
        location ^~ /wp-content/ {
            alias $CONTENT_DIR/;
            location ~ \.php\$ {
                include /etc/nginx/fastcgi_params;
                fastcgi_param SCRIPT_FILENAME \$request_filename;
                fastcgi_param HTTP_HOST \$host:\$server_port;
                fastcgi_param LPAPI_FIRST_X_API_KEY \$http_x_api_key if_not_empty;
                fastcgi_pass unix:$FPM_SOCKET;
            }
        }

        location / {
            try_files \$uri \$uri/ /index.php?\$args;
        }

        location ~ \.php\$ {
            try_files \$fastcgi_script_name =404;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            # Debian's fastcgi_params sends the host without the port; WordPress needs both.
            fastcgi_param HTTP_HOST \$host:\$server_port;
            # nginx 1.22 hands PHP only the last copy of a header sent twice; the first copy of X-API-Key
            # beside it lets the plugin refuse two different keys (400 ambiguous_credentials). nginx
            # 1.23 and later join the copies with ", " instead; a repeated Authorization nginx refuses.
            fastcgi_param LPAPI_FIRST_X_API_KEY \$http_x_api_key if_not_empty;
            fastcgi_pass unix:$FPM_SOCKET;
        }
    }
}
EOF
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

# ---------------------------------------------------------------------------------------------------
# Commands

lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock -w 120 9 || die "another scripts/stack.sh is busy with $RUN_DIR"
}

selected() { # SERVICE, then the services asked for (none = all)
  local s="$1"
  shift
  (($# == 0)) && return 0
  local a
  for a in "$@"; do [[ $a == "$s" ]] && return 0; done
  return 1
}

check_services() {
  local a
  for a in "$@"; do
    selected "$a" "${SERVICES[@]}" || die "unknown service '$a' (services: ${SERVICES[*]})"
  done
}

cmd_start() {
  check_services "$@"
  local t0
  t0="$(now)"
  packages_present || cmd_install
  check_extension
  lock
  # Before anything is started or written: a port another program holds stops us here.
  if selected mariadb "$@" && ! alive mariadb && port_in_use 127.0.0.1 "$DB_PORT"; then
    die "port 127.0.0.1:$DB_PORT is taken by another program (set LPAPI_DB_PORT)"
  fi
  if selected nginx "$@" && ! alive nginx && port_in_use "$HOST" "$HTTP_PORT"; then
    die "port $HOST:$HTTP_PORT is taken by another program (set LPAPI_HTTP_PORT)"
  fi
  mkdir -p "$LOG_DIR" "$PID_DIR" "$CONF_DIR"
  touch "$MARKER"
  load_secrets
  save_state
  # mariadb, php-fpm and nginx start side by side; WordPress is set up once the database answers.
  selected mariadb "$@" && start_mariadb
  write_wp_config
  prepare_content
  selected php-fpm "$@" && start_fpm
  selected nginx "$@" && start_nginx
  alive mariadb || die "mariadb is not running: scripts/stack.sh start mariadb"
  wait_mariadb
  setup_wordpress
  if ! alive php-fpm || ! alive nginx; then die "php-fpm or nginx is not running: scripts/stack.sh start"; fi
  wait_http
  summary "$(elapsed "$t0")"
}

plugin_location() {
  local link="$CONTENT_DIR/plugins/latepoint-api-keys"
  if [[ -L $link ]]; then
    echo "$link -> $(readlink "$link")"
  else
    echo "$link (a folder of its own, not the repository's)"
  fi
}

summary() {
  cat <<EOF
==> ready in $1 s
    site          $SITE_URL/
    REST API      $SITE_URL/wp-json/
    admin         $SITE_URL/wp-admin/   login: $ADMIN_USER / $ADMIN_PASSWORD
    environment   $ENV_TYPE, $FPM_WORKERS php-fpm workers
    native ext.   $([[ $NATIVE == 1 ]] && echo "on: $EXT" || echo "off (the plugin's pure-PHP fallback)")
    plugin        $PLUGIN_STATUS
                  $(plugin_location)
    database      mysql://$DB_USER:$DB_PASSWORD@$DB_HOST/$DB_NAME (root: mariadb -S $DB_SOCKET)
    logs          $LOG_DIR/ (wp-debug.log, php-error.log, php-fpm.log, nginx-*.log, mariadb.log)
    test exports  eval "\$(scripts/stack.sh env)"
EOF
}

cmd_stop() {
  check_services "$@"
  [[ -d $RUN_DIR ]] || { say "nothing to stop ($RUN_DIR does not exist)"; return 0; }
  lock
  local s stopped=0 i
  # Front to back: nginx first, the database last.
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    s="${SERVICES[i]}"
    selected "$s" "$@" || continue
    if alive "$s"; then
      stop_service "$s"
      stopped=1
    else
      rm -f "$(pid_file "$s")"
    fi
  done
  ((stopped)) || say "nothing was running"
  if ! alive php-fpm; then rm -f "$FPM_SOCKET"; fi
}

cmd_status() {
  local s pid down=0 detail
  for s in "${SERVICES[@]}"; do
    case "$s" in
      mariadb) detail="127.0.0.1:$DB_PORT, socket $DB_SOCKET" ;;
      php-fpm) detail="$FPM_WORKERS workers, native extension $([[ $NATIVE == 1 ]] && echo "on ($EXT)" || echo off)" ;;
      nginx) detail="$SITE_URL/" ;;
    esac
    if pid="$(live_pid "$s")"; then
      printf '%-8s running  pid %-7s %s\n' "$s" "$pid" "$detail"
    else
      printf '%-8s stopped\n' "$s"
      down=1
    fi
  done
  if ((down == 0)); then
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SITE_URL/wp-json/" || true)"
    printf '%-8s %s/wp-json/ answers %s\n' site "$SITE_URL" "${code:-nothing}"
  fi
  ((down == 0)) || return 3
}

cmd_env() {
  local kv=(
    LPAPI_RUN_DIR "$RUN_DIR"
    LPAPI_HOST "$HOST"
    LPAPI_HTTP_PORT "$HTTP_PORT"
    LPAPI_SITE_URL "$SITE_URL"
    LPAPI_REST_URL "$SITE_URL/wp-json"
    LPAPI_ADMIN_URL "$SITE_URL/wp-admin/"
    LPAPI_ADMIN_USER "$ADMIN_USER"
    LPAPI_ADMIN_PASSWORD "$ADMIN_PASSWORD"
    LPAPI_NATIVE "$NATIVE"
    LPAPI_EXT "$EXT"
    LPAPI_FPM_WORKERS "$FPM_WORKERS"
    WP_ENVIRONMENT_TYPE "$ENV_TYPE"
    LPAPI_WP_ROOT "$WP_ROOT"
    LPAPI_WP_CONTENT_DIR "$CONTENT_DIR"
    LPAPI_WP_EXTRA_CONFIG "$EXTRA_CONFIG"
    LPAPI_DB_PORT "$DB_PORT"
    LPAPI_DB_HOST "$DB_HOST"
    LPAPI_DB_NAME "$DB_NAME"
    LPAPI_DB_USER "$DB_USER"
    LPAPI_DB_PASSWORD "$DB_PASSWORD"
    LPAPI_DB_SOCKET "$DB_SOCKET"
    LPAPI_LOG_DIR "$LOG_DIR"
    LPAPI_WP_DEBUG_LOG "$LOG_DIR/wp-debug.log"
    LPAPI_PHP_ERROR_LOG "$LOG_DIR/php-error.log"
    LPAPI_NGINX_ACCESS_LOG "$LOG_DIR/nginx-access.log"
    LPAPI_FPM_PID_FILE "$(pid_file php-fpm)"
    LPAPI_DB_PID_FILE "$(pid_file mariadb)"
  )
  local i
  for ((i = 0; i < ${#kv[@]}; i += 2)); do
    printf 'export %s=%q\n' "${kv[i]}" "${kv[i + 1]}"
  done
}

cmd_php() {
  (($# > 0)) || die "usage: scripts/stack.sh php [-d KEY=VALUE].. (-r 'CODE' | FILE) [ARG..]"
  alive mariadb || die "the stack is not running (scripts/stack.sh start)"
  [[ $NATIVE != 1 || -f $EXT ]] || die "LPAPI_NATIVE=1 but $EXT does not exist"
  load_secrets
  run_php "$@"
}

cmd_clean() {
  cmd_stop
  local etc
  for etc in /etc/wordpress/config-*.php; do
    if [[ -f $etc ]] && grep -qF "'$CONF_DIR/wp-config.php'" "$etc"; then
      update_etc_config "$etc" remove || true
    fi
  done
  if [[ -d $RUN_DIR ]]; then
    [[ -e $MARKER || -z $(ls -A "$RUN_DIR") || $(ls -A "$RUN_DIR") == .lock ]] ||
      die "$RUN_DIR has no $(basename "$MARKER") marker: not deleting it"
    rm -rf "$RUN_DIR"
    say "removed $RUN_DIR"
  fi
}

main() {
  local cmd="${1:-help}"
  (($# == 0)) || shift
  case "$cmd" in
    install) cmd_install ;;
    start) load_settings && cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    restart) cmd_stop && load_settings && cmd_start ;;
    status) load_settings && cmd_status ;;
    env) load_settings && load_secrets && cmd_env ;;
    php) load_settings && cmd_php "$@" ;;
    clean) load_settings && cmd_clean ;;
    help | -h | --help) usage ;;
    *) usage >&2 && exit 2 ;;
  esac
}

main "$@"
