#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR # the source= paths below are relative to this file
# The local stack the plugin runs and is tested on: a private MariaDB, Debian's WordPress, php-fpm (with
# or without the native extension) and nginx, with no Docker and no systemd. Everything it starts and
# writes lives in one run folder, except one file: Debian's /usr/share/wordpress/wp-config.php only reads
# /etc/wordpress/config-<host>.php, so `start` writes /etc/wordpress/config-$LPAPI_HOST.php (and the
# same as config-localhost.php): a small map from the port in HTTP_HOST to the wp-config.php in the run
# folder of the stack on that port, so that stacks on other ports can run side by side. `clean` takes
# its line out again (and the file, once empty).
#
# This file is the entry point: settings and commands. The rest is in scripts/stack/lib-*.sh
# (processes, install, MariaDB, Redis, WordPress, PHP, nginx), and every configuration file the stack
# writes comes from scripts/stack/templates/, rendered by lib-common.sh's render with the values given.
#
# Run `scripts/stack.sh help` for the subcommands and the environment variables.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_LIB="$ROOT/scripts/stack"
TEMPLATES="$STACK_LIB/templates"
PACKAGES=(mariadb-server php-mysql wordpress wordpress-theme-twentytwentythree php-fpm nginx-light
  php-curl php-apcu php-mbstring php-xml curl)
DEBIAN_WP_ROOT=/usr/share/wordpress
PLUGIN_SRC="$ROOT/wp-plugin/latepoint-api-keys"
PLUGIN_FILE=latepoint-api-keys/latepoint-api-keys.php
DB_NAME=wordpress
DB_USER=wordpress
ADMIN_EMAIL=admin@example.com
# Every service the stack can run, in start order (stop goes back to front). redis runs only with
# LPAPI_REDIS=1, php-fpm-b (a second php-fpm master) only with LPAPI_SERVERS=2: see wanted.
SERVICES=(mariadb redis php-fpm php-fpm-b nginx)
READY_TIMEOUT=30

# The parts of this script; they only define functions and variables. The source= directives tell
# "shellcheck -x" which files these paths name.
# shellcheck source=stack/lib-common.sh
source "$STACK_LIB/lib-common.sh"
# shellcheck source=stack/lib-processes.sh
source "$STACK_LIB/lib-processes.sh"
# shellcheck source=stack/lib-install.sh
source "$STACK_LIB/lib-install.sh"
# shellcheck source=stack/lib-mariadb.sh
source "$STACK_LIB/lib-mariadb.sh"
# shellcheck source=stack/lib-redis.sh
source "$STACK_LIB/lib-redis.sh"
# shellcheck source=stack/lib-wordpress.sh
source "$STACK_LIB/lib-wordpress.sh"
# shellcheck source=stack/lib-php.sh
source "$STACK_LIB/lib-php.sh"
# shellcheck source=stack/lib-nginx.sh
source "$STACK_LIB/lib-nginx.sh"

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

Services: ${SERVICES[*]}. redis runs only with LPAPI_REDIS=1, php-fpm-b (the
second php-fpm master) only with LPAPI_SERVERS=2; "stop php-fpm" and "start php-fpm" mean both
masters, "stop php-fpm-b" only the second (server b down, the site's port sends everything to a).

Environment (defaults in brackets). While the stack runs, the settings it was started with stick for
every command; a variable set explicitly overrides them (start then restarts what it affects).
  LPAPI_RUN_DIR         run folder: data, sockets, pids, logs, generated configs [$ROOT/.run]
  LPAPI_HOST            address nginx listens on, and the site's host name [127.0.0.1]
  LPAPI_HTTP_PORT       nginx port [8080]
  LPAPI_DB_PORT         MariaDB TCP port, bound to 127.0.0.1 [3307]
  LPAPI_FPM_WORKERS     php-fpm workers (pm = static) [4]
  LPAPI_OPCACHE_REVALIDATE  php-fpm's opcache.revalidate_freq in seconds: 0 sees every edit at once (a
                        development stack), PHP's default is 2 (benchmarks may say so) [0]
  LPAPI_NATIVE          1: php-fpm and "php" load the extension; 0: they do not (pure-PHP fallback);
                        system: as PHP's own configuration says (an installed package) [1]
  LPAPI_EXT             the extension [$ROOT/target/release/liblpapi.so]; start builds nothing
  WP_ENVIRONMENT_TYPE   local, development, staging or production [local]
  LPAPI_ADMIN_USER      WordPress administrator [admin]
  LPAPI_ADMIN_PASSWORD  its password [generated once, kept in the run folder]
  LPAPI_WP              debian: Debian's WordPress 6.1.9; or a release 6.2..6.5, which start fetches once
                        into the cache with scripts/get-wordpress.sh (real LatePoint needs 6.5) [debian]
  LPAPI_LATEPOINT_DIR   real LatePoint's plugin folder (scripts/get-latepoint.sh puts it there); when it
                        holds latepoint.php and LPAPI_WP is 6.5, start installs and activates it
                        [\$LPAPI_CACHE_DIR/latepoint]
  LPAPI_LATEPOINT_STAND_IN  1: where real LatePoint is not installed, the tests' stand-in LatePoint models
                        (tests/php/stand-ins/) are a must-use plugin, so API writes work on the stand-in
                        tables; 0: writes answer 503 latepoint_inactive without LatePoint [0]
  LPAPI_CACHE_DIR       downloads and unpacked releases [\${XDG_CACHE_HOME:-~/.cache}/latepoint-api-keys]
  LPAPI_SERVERS         1 or 2 php-fpm masters, like two web servers [1]. With 2, the second (php-fpm-b)
                        has its own pool, socket and shared-memory table (lpapi.shm_name <name>-b); the
                        site's port sends PHP requests to both in turn, and every response from PHP
                        names the one that answered: "X-LPAPI-Server: a" or "b"
  LPAPI_HTTP_PORT_A     with LPAPI_SERVERS=2: a port that reaches server a only [LPAPI_HTTP_PORT+10]
  LPAPI_HTTP_PORT_B     with LPAPI_SERVERS=2: a port that reaches server b only [LPAPI_HTTP_PORT+20]
  LPAPI_REDIS           1: a private redis-server (127.0.0.1, a generated password, no persistence) that
                        the rate limits may count in; with LPAPI_NATIVE=1 each php-fpm master (and
                        "php") gets -d lpapi.redis_url and -d lpapi.redis_down; with LPAPI_NATIVE=0,
                        WordPress's config defines LPAPI_REDIS_URL and LPAPI_REDIS_DOWN for the
                        plugin's pure-PHP fallback [0]
  LPAPI_REDIS_PORT      its port [LPAPI_HTTP_PORT+1000]
  LPAPI_REDIS_DOWN      local or refuse: what the rate limits do while Redis does not answer, handed on
                        as lpapi.redis_down / LPAPI_REDIS_DOWN [local]
  LPAPI_WEBHOOKS_RETRY_SCHEDULE  the delays in seconds between webhook delivery attempts ("1,1,2"),
                        for tests: wp-config.php's LPAPI_WEBHOOKS_RETRY_SCHEDULE; empty: the plugin's
                        own schedule (about three days) []
  LPAPI_PLUGIN_SRC      the plugin folder linked into the site as wp-content/plugins/latepoint-api-keys
                        (another release's, for the upgrade test), or "none": no plugin and no db-error
                        drop-in (a site that installs the plugin's zip itself) [wp-plugin/latepoint-api-keys]
  LPAPI_LEAN_LANE       0 or 1: wp-config.php defines LPAPI_LEAN_LANE as false or true (the lean lane
                        turned off or on whatever the plugin's setting says); empty: not defined, the
                        setting decides []
WordPress's config of every stack defines LPAPI_WEBHOOKS_ALLOW_LOCAL as true (webhooks may go to the
loopback and private addresses: this is a development site).
"env" also exports, for these: LPAPI_REST_URL_A and _B (with one server, _A is LPAPI_REST_URL and _B
is empty), LPAPI_HTTP_PORT_A and _B, LPAPI_SHM_NAME_B, and LPAPI_REDIS_URL
(redis://:<password>@127.0.0.1:<port>/0?prefix=<LPAPI_SHM_NAME>:), LPAPI_REDIS_PORT and
LPAPI_REDIS_PASSWORD; each is empty when its server does not run.

Written outside the run folder: /etc/wordpress/config-<LPAPI_HOST>.php and config-localhost.php, as
a map from port to <run>/conf/wp-config.php, because Debian's WordPress reads only those; stacks with
their own LPAPI_RUN_DIR and ports can run side by side. Tests may add constants in
<run>/wp-extra-config.php; it is loaded before every default, so it can override them.
The files start writes (nginx.conf, php-fpm.conf, wp-config.php, the /etc/wordpress map, must-use
plugins) are made from scripts/stack/templates/: edit those, not the copies.
EOF
}

# ---------------------------------------------------------------------------------------------------
# Settings

RUN_DIR="$(realpath -m -- "${LPAPI_RUN_DIR:-$ROOT/.run}")"
case "$RUN_DIR" in
  *[\'\"\\\$[:space:]]*) die "LPAPI_RUN_DIR must not contain quotes, backslashes, \$ or spaces" ;;
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
# The named shared-memory table of this stack's php-fpm (lpapi.shm_name): one per run folder, so
# stacks side by side never share a table; it outlives stop and start (as it does for a real
# php-fpm), and clean removes it.
SHM_NAME="lpapi-stack-$(printf '%s' "$RUN_DIR" | sha256sum | cut -c1-12)"
# With LPAPI_SERVERS=2, the second php-fpm master ("server B") has its own socket and table, as a
# second web server would.
FPM_SOCKET_B="$RUN_DIR/php-fpm-b.sock"
SHM_NAME_B="$SHM_NAME-b"
# With LPAPI_REDIS=1: its private folder (no persistence: nothing is written there), and the prefix of
# this stack's keys, one per run folder like the shared-memory table's name.
REDIS_DIR="$RUN_DIR/redis"
REDIS_PREFIX="$SHM_NAME:"

# Resolves every setting: an explicit environment variable, else what the running stack was started
# with, else the default.
load_settings() {
  local ST_HOST='' ST_HTTP_PORT='' ST_DB_PORT='' ST_FPM_WORKERS='' ST_NATIVE='' ST_EXT='' ST_ENV_TYPE=''
  local ST_ADMIN_USER='' ST_ADMIN_PASSWORD='' ST_WP='' ST_WP_ROOT='' ST_LATEPOINT_DIR='' ST_STAND_IN=''
  local ST_SERVERS='' ST_HTTP_PORT_A='' ST_HTTP_PORT_B='' ST_REDIS='' ST_REDIS_PORT='' ST_REDIS_DOWN=''
  local ST_WEBHOOK_RETRIES='' ST_LEAN_LANE='' ST_OPCACHE_REVALIDATE='' ST_PLUGIN_SRC=''
  if [[ -f $STATE_FILE ]] && any_alive; then
    # shellcheck source=/dev/null # written at run time, by save_state
    source "$STATE_FILE"
  fi
  HOST="${LPAPI_HOST:-${ST_HOST:-127.0.0.1}}"
  HTTP_PORT="${LPAPI_HTTP_PORT:-${ST_HTTP_PORT:-8080}}"
  DB_PORT="${LPAPI_DB_PORT:-${ST_DB_PORT:-3307}}"
  FPM_WORKERS="${LPAPI_FPM_WORKERS:-${ST_FPM_WORKERS:-4}}"
  OPCACHE_REVALIDATE="${LPAPI_OPCACHE_REVALIDATE:-${ST_OPCACHE_REVALIDATE:-0}}"
  [[ $OPCACHE_REVALIDATE =~ ^[0-9]{1,4}$ ]] || die "LPAPI_OPCACHE_REVALIDATE must be 0 to 9999 seconds, not '$OPCACHE_REVALIDATE'"
  NATIVE="${LPAPI_NATIVE:-${ST_NATIVE:-1}}"
  EXT="$(realpath -m -- "${LPAPI_EXT:-${ST_EXT:-$ROOT/target/release/liblpapi.so}}")"
  ENV_TYPE="${WP_ENVIRONMENT_TYPE:-${ST_ENV_TYPE:-local}}"
  ADMIN_USER="${LPAPI_ADMIN_USER:-${ST_ADMIN_USER:-admin}}"
  ADMIN_PASSWORD="${LPAPI_ADMIN_PASSWORD:-${ST_ADMIN_PASSWORD:-}}"
  CACHE_DIR="${LPAPI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latepoint-api-keys}"
  WP_RELEASE="${LPAPI_WP:-${ST_WP:-debian}}"
  STAND_IN="${LPAPI_LATEPOINT_STAND_IN:-${ST_STAND_IN:-0}}"
  [[ $STAND_IN == 0 || $STAND_IN == 1 ]] || die "LPAPI_LATEPOINT_STAND_IN must be 0 or 1, not '$STAND_IN'"
  LATEPOINT_DIR="$(realpath -m -- "${LPAPI_LATEPOINT_DIR:-${ST_LATEPOINT_DIR:-$CACHE_DIR/latepoint}}")"
  [[ $WP_RELEASE =~ ^(debian|6\.[2-5])$ ]] || die "LPAPI_WP must be debian or one of 6.2 6.3 6.4 6.5, not '$WP_RELEASE'"
  SERVERS="${LPAPI_SERVERS:-${ST_SERVERS:-1}}"
  [[ $SERVERS == 1 || $SERVERS == 2 ]] || die "LPAPI_SERVERS must be 1 or 2, not '$SERVERS'"
  REDIS="${LPAPI_REDIS:-${ST_REDIS:-0}}"
  [[ $REDIS == 0 || $REDIS == 1 ]] || die "LPAPI_REDIS must be 0 or 1, not '$REDIS'"
  REDIS_DOWN="${LPAPI_REDIS_DOWN:-${ST_REDIS_DOWN:-local}}"
  [[ $REDIS_DOWN == local || $REDIS_DOWN == refuse ]] || die "LPAPI_REDIS_DOWN must be local or refuse, not '$REDIS_DOWN'"
  WEBHOOK_RETRIES="${LPAPI_WEBHOOKS_RETRY_SCHEDULE-${ST_WEBHOOK_RETRIES:-}}"
  [[ -z $WEBHOOK_RETRIES || $WEBHOOK_RETRIES =~ ^[0-9]{1,6}(,[0-9]{1,6}){0,19}$ ]] ||
    die "LPAPI_WEBHOOKS_RETRY_SCHEDULE must be empty or 1 to 20 comma-separated seconds, not '$WEBHOOK_RETRIES'"
  LEAN_LANE="${LPAPI_LEAN_LANE-${ST_LEAN_LANE:-}}"
  PLUGIN_SRC="${LPAPI_PLUGIN_SRC:-${ST_PLUGIN_SRC:-$PLUGIN_SRC}}"
  [[ $PLUGIN_SRC == none ]] || PLUGIN_SRC="$(realpath -m -- "$PLUGIN_SRC")"
  [[ -z $LEAN_LANE || $LEAN_LANE == 0 || $LEAN_LANE == 1 ]] || die "LPAPI_LEAN_LANE must be empty, 0 or 1, not '$LEAN_LANE'"
  # Ports whose default follows LPAPI_HTTP_PORT: the state keeps only a port that was given, so a
  # stack moved to another HTTP port takes the others along.
  HTTP_PORT_A_SET="${LPAPI_HTTP_PORT_A:-${ST_HTTP_PORT_A:-}}"
  HTTP_PORT_B_SET="${LPAPI_HTTP_PORT_B:-${ST_HTTP_PORT_B:-}}"
  REDIS_PORT_SET="${LPAPI_REDIS_PORT:-${ST_REDIS_PORT:-}}"
  if [[ $REDIS == 1 ]]; then PACKAGES+=(redis-server php-redis); fi
  # Where WordPress is: Debian's, or the release's folder in the cache (resolved, and fetched if
  # needed, by resolve_wp_root when the stack starts).
  WP_ROOT="$DEBIAN_WP_ROOT"
  if [[ $WP_RELEASE != debian ]]; then
    WP_ROOT="${ST_WP_ROOT:-}"
    [[ ${ST_WP:-} == "$WP_RELEASE" ]] || WP_ROOT=''
    [[ -n $WP_ROOT ]] || WP_ROOT="$(cached_wp_root)"
  fi

  local v
  for v in "$HTTP_PORT" "$DB_PORT" "$HTTP_PORT_A_SET" "$HTTP_PORT_B_SET" "$REDIS_PORT_SET"; do
    [[ -n $v ]] || continue
    if ! [[ $v =~ ^[0-9]+$ ]] || ((v < 1 || v > 65535)); then die "not a port: $v"; fi
  done
  HTTP_PORT_A="${HTTP_PORT_A_SET:-$((HTTP_PORT + 10))}"
  HTTP_PORT_B="${HTTP_PORT_B_SET:-$((HTTP_PORT + 20))}"
  REDIS_PORT="${REDIS_PORT_SET:-$((HTTP_PORT + 1000))}"
  # The ports this stack listens on, each once.
  local -a ports=("$HTTP_PORT" "$DB_PORT") names=(LPAPI_HTTP_PORT LPAPI_DB_PORT)
  [[ $SERVERS == 1 ]] || { ports+=("$HTTP_PORT_A" "$HTTP_PORT_B") && names+=(LPAPI_HTTP_PORT_A LPAPI_HTTP_PORT_B); }
  [[ $REDIS == 0 ]] || { ports+=("$REDIS_PORT") && names+=(LPAPI_REDIS_PORT); }
  local i j
  for ((i = 0; i < ${#ports[@]}; i++)); do
    ((ports[i] <= 65535)) || die "${names[i]} would be ${ports[i]}, not a port: set it"
    for ((j = 0; j < i; j++)); do
      ((ports[i] != ports[j])) || die "${names[j]} and ${names[i]} are both ${ports[i]}"
    done
  done
  if ! [[ $FPM_WORKERS =~ ^[0-9]+$ ]] || ((FPM_WORKERS < 1)); then
    die "LPAPI_FPM_WORKERS must be a positive number"
  fi
  [[ $NATIVE == 0 || $NATIVE == 1 || $NATIVE == system ]] || die "LPAPI_NATIVE must be 0, 1 or system, not '$NATIVE'"
  [[ $ENV_TYPE =~ ^(local|development|staging|production)$ ]] ||
    die "WP_ENVIRONMENT_TYPE must be local, development, staging or production, not '$ENV_TYPE'"
  [[ $HOST =~ ^[A-Za-z0-9.-]+$ ]] || die "LPAPI_HOST must be an IPv4 address or a host name: '$HOST'"
  [[ $ADMIN_USER =~ ^[A-Za-z0-9._@-]+$ ]] || die "LPAPI_ADMIN_USER: letters, digits and ._@- only"
  SITE_URL="http://$HOST:$HTTP_PORT"
  SITE_URL_A="http://$HOST:$HTTP_PORT_A"
  SITE_URL_B="http://$HOST:$HTTP_PORT_B"
  DB_HOST="127.0.0.1:$DB_PORT"
  ETC_CONFIGS=("/etc/wordpress/config-$HOST.php")
  [[ $HOST == localhost ]] || ETC_CONFIGS+=(/etc/wordpress/config-localhost.php)
}

# Generated once per run folder: the database and Redis passwords, and the admin password unless one
# is given.
load_secrets() {
  local DB_PASSWORD_SAVED='' ADMIN_PASSWORD_SAVED='' REDIS_PASSWORD_SAVED=''
  DB_PASSWORD='' REDIS_PASSWORD='' REDIS_URL=''
  if [[ -f $SECRETS_FILE ]]; then
    # shellcheck source=/dev/null # written at run time, below
    source "$SECRETS_FILE"
  fi
  if [[ -z $DB_PASSWORD_SAVED || -z $ADMIN_PASSWORD_SAVED || -z $REDIS_PASSWORD_SAVED ]]; then
    [[ -d $RUN_DIR ]] || return 0 # nothing started yet: nothing to read
    DB_PASSWORD_SAVED="${DB_PASSWORD_SAVED:-$(random_secret)}"
    ADMIN_PASSWORD_SAVED="${ADMIN_PASSWORD_SAVED:-$(random_secret)}"
    REDIS_PASSWORD_SAVED="${REDIS_PASSWORD_SAVED:-$(random_secret)}"
    (umask 077 && printf 'DB_PASSWORD_SAVED=%s\nADMIN_PASSWORD_SAVED=%s\nREDIS_PASSWORD_SAVED=%s\n' \
      "$DB_PASSWORD_SAVED" "$ADMIN_PASSWORD_SAVED" "$REDIS_PASSWORD_SAVED" >"$SECRETS_FILE")
  fi
  DB_PASSWORD="$DB_PASSWORD_SAVED"
  ADMIN_PASSWORD="${ADMIN_PASSWORD:-$ADMIN_PASSWORD_SAVED}"
  REDIS_PASSWORD="$REDIS_PASSWORD_SAVED"
  REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0?prefix=$REDIS_PREFIX"
}

random_secret() { od -An -tx1 -N12 /dev/urandom | tr -d ' \n'; }

save_state() {
  (umask 077 && {
    printf 'ST_%s=%q\n' HOST "$HOST" HTTP_PORT "$HTTP_PORT" DB_PORT "$DB_PORT" \
      FPM_WORKERS "$FPM_WORKERS" NATIVE "$NATIVE" EXT "$EXT" ENV_TYPE "$ENV_TYPE" \
      ADMIN_USER "$ADMIN_USER" ADMIN_PASSWORD "$ADMIN_PASSWORD" WP "$WP_RELEASE" WP_ROOT "$WP_ROOT" \
      LATEPOINT_DIR "$LATEPOINT_DIR" STAND_IN "$STAND_IN" SERVERS "$SERVERS" HTTP_PORT_A "$HTTP_PORT_A_SET" \
      HTTP_PORT_B "$HTTP_PORT_B_SET" REDIS "$REDIS" REDIS_PORT "$REDIS_PORT_SET" REDIS_DOWN "$REDIS_DOWN" \
      WEBHOOK_RETRIES "$WEBHOOK_RETRIES" LEAN_LANE "$LEAN_LANE" OPCACHE_REVALIDATE "$OPCACHE_REVALIDATE" \
      PLUGIN_SRC "$PLUGIN_SRC"
  } >"$STATE_FILE")
}

# ---------------------------------------------------------------------------------------------------
# Commands

lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock -w 120 9 || die "another scripts/stack.sh is busy with $RUN_DIR"
}

selected() { # SERVICE, then the services asked for (none = all; php-fpm means php-fpm-b too)
  local s="$1"
  shift
  (($# == 0)) && return 0
  local a
  for a in "$@"; do [[ $a == "$s" || ($a == php-fpm && $s == php-fpm-b) ]] && return 0; done
  return 1
}

# Whether the current settings run SERVICE: redis only with LPAPI_REDIS=1, php-fpm-b only with
# LPAPI_SERVERS=2.
wanted() {
  case "$1" in
    redis) [[ $REDIS == 1 ]] ;;
    php-fpm-b) [[ $SERVERS == 2 ]] ;;
    *) return 0 ;;
  esac
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
  resolve_wp_root
  lock
  # Before anything is started or written: a port another program holds stops us here.
  if selected mariadb "$@" && ! alive mariadb && port_in_use 127.0.0.1 "$DB_PORT"; then
    die "port 127.0.0.1:$DB_PORT is taken by another program (set LPAPI_DB_PORT)"
  fi
  if selected redis "$@" && wanted redis && ! alive redis && port_in_use 127.0.0.1 "$REDIS_PORT"; then
    die "port 127.0.0.1:$REDIS_PORT is taken by another program (set LPAPI_REDIS_PORT)"
  fi
  if selected nginx "$@" && ! alive nginx; then check_nginx_ports; fi
  mkdir -p "$LOG_DIR" "$PID_DIR" "$CONF_DIR"
  touch "$MARKER"
  load_secrets
  save_state
  # The services start side by side; WordPress is set up once the database answers. A service the
  # settings no longer want (redis, php-fpm-b) is stopped by its start_ function.
  selected mariadb "$@" && start_mariadb
  selected redis "$@" && start_redis
  write_wp_config
  prepare_content
  selected php-fpm "$@" && start_fpm
  selected php-fpm-b "$@" && start_fpm_b
  selected nginx "$@" && start_nginx
  alive mariadb || die "mariadb is not running: scripts/stack.sh start mariadb"
  wait_mariadb
  if wanted redis; then
    alive redis || die "redis is not running: scripts/stack.sh start redis"
    wait_redis
  fi
  setup_wordpress
  local s
  for s in php-fpm php-fpm-b nginx; do
    if wanted "$s" && ! alive "$s"; then die "$s is not running: scripts/stack.sh start"; fi
  done
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
    environment   $ENV_TYPE, $FPM_WORKERS php-fpm workers$([[ $SERVERS == 1 ]] || echo " in each of 2 servers")$(summary_servers)
    native ext.   $([[ $NATIVE == 1 ]] && echo "on: $EXT" || echo "off (the plugin's pure-PHP fallback)")
    WordPress     $(wp_version_of "$WP_ROOT") ($WP_ROOT)
    LatePoint     $LATEPOINT_STATUS
    plugin        $PLUGIN_STATUS
                  $(plugin_location)
    database      mysql://$DB_USER:$DB_PASSWORD@$DB_HOST/$DB_NAME (root: mariadb -S $DB_SOCKET)$(summary_redis)
    logs          $LOG_DIR/ (wp-debug.log, php-error.log, php-fpm*.log, nginx-*.log, mariadb.log$([[ $REDIS == 0 ]] || echo ", redis.log"))
    test exports  eval "\$(scripts/stack.sh env)"
EOF
}

summary_servers() { # the summary's line for LPAPI_SERVERS=2, after a newline
  [[ $SERVERS == 2 ]] || return 0
  printf '\n    servers       a and b in turn on %s/ (header X-LPAPI-Server); a only: %s/, b only: %s/' \
    "$SITE_URL" "$SITE_URL_A" "$SITE_URL_B"
}

summary_redis() { # the summary's line for LPAPI_REDIS=1, after a newline
  [[ $REDIS == 1 ]] || return 0
  printf '\n    redis         %s (down: %s; redis-cli -p %s -a %s)' "$REDIS_URL" "$REDIS_DOWN" \
    "$REDIS_PORT" "$REDIS_PASSWORD"
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
  if ! alive php-fpm-b; then rm -f "$FPM_SOCKET_B"; fi
}

cmd_status() {
  local s pid down=0 detail native w=8
  native="native extension $([[ $NATIVE == 1 ]] && echo "on ($EXT)" || echo off)"
  [[ $SERVERS == 1 ]] || w=9
  for s in "${SERVICES[@]}"; do
    case "$s" in
      mariadb) detail="127.0.0.1:$DB_PORT, socket $DB_SOCKET" ;;
      redis) detail="127.0.0.1:$REDIS_PORT, no persistence, when down: $REDIS_DOWN" ;;
      php-fpm) detail="$FPM_WORKERS workers, $native$([[ $SERVERS == 1 ]] || echo ", server a, table $SHM_NAME")" ;;
      php-fpm-b) detail="$FPM_WORKERS workers, $native, server b, table $SHM_NAME_B" ;;
      nginx) detail="$SITE_URL/$([[ $SERVERS == 1 ]] || echo " (a and b), a: $SITE_URL_A/, b: $SITE_URL_B/")" ;;
    esac
    if pid="$(live_pid "$s")"; then
      wanted "$s" || detail="not wanted by the current settings (LPAPI_REDIS, LPAPI_SERVERS): start stops it"
      printf '%-*s running  pid %-7s %s\n' "$w" "$s" "$pid" "$detail"
    elif wanted "$s"; then
      printf '%-*s stopped\n' "$w" "$s"
      down=1
    fi
  done
  if ((down == 0)); then
    local code url urls=("$SITE_URL")
    [[ $SERVERS == 1 ]] || urls+=("$SITE_URL_A" "$SITE_URL_B")
    for url in "${urls[@]}"; do
      code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/wp-json/" || true)"
      printf '%-*s %s/wp-json/ answers %s\n' "$w" site "$url" "${code:-nothing}"
    done
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
    LPAPI_SERVERS "$SERVERS"
    LPAPI_HTTP_PORT_A "$([[ $SERVERS == 1 ]] || echo "$HTTP_PORT_A")"
    LPAPI_HTTP_PORT_B "$([[ $SERVERS == 1 ]] || echo "$HTTP_PORT_B")"
    LPAPI_REST_URL_A "$([[ $SERVERS == 1 ]] && echo "$SITE_URL/wp-json" || echo "$SITE_URL_A/wp-json")"
    LPAPI_REST_URL_B "$([[ $SERVERS == 1 ]] || echo "$SITE_URL_B/wp-json")"
    LPAPI_ADMIN_URL "$SITE_URL/wp-admin/"
    LPAPI_ADMIN_USER "$ADMIN_USER"
    LPAPI_ADMIN_PASSWORD "$ADMIN_PASSWORD"
    LPAPI_NATIVE "$NATIVE"
    LPAPI_EXT "$EXT"
    LPAPI_FPM_WORKERS "$FPM_WORKERS"
    LPAPI_OPCACHE_REVALIDATE "$OPCACHE_REVALIDATE"
    LPAPI_SHM_NAME "$SHM_NAME"
    LPAPI_SHM_NAME_B "$([[ $SERVERS == 1 ]] || echo "$SHM_NAME_B")"
    LPAPI_REDIS "$REDIS"
    LPAPI_REDIS_PORT "$([[ $REDIS == 0 ]] || echo "$REDIS_PORT")"
    LPAPI_REDIS_PASSWORD "$([[ $REDIS == 0 ]] || echo "$REDIS_PASSWORD")"
    LPAPI_REDIS_URL "$([[ $REDIS == 0 ]] || echo "$REDIS_URL")"
    LPAPI_REDIS_DOWN "$REDIS_DOWN"
    LPAPI_LEAN_LANE "$LEAN_LANE"
    WP_ENVIRONMENT_TYPE "$ENV_TYPE"
    LPAPI_WP_ROOT "$WP_ROOT"
    LPAPI_WP "$WP_RELEASE"
    LPAPI_LATEPOINT_DIR "$LATEPOINT_DIR"
    LPAPI_LATEPOINT_ACTIVE "$(latepoint_wanted && echo 1 || echo 0)"
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
    LPAPI_FPM_B_PID_FILE "$([[ $SERVERS == 1 ]] || pid_file php-fpm-b)"
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
  local shm
  for shm in "$SHM_NAME" "$SHM_NAME_B"; do
    if [[ -e /dev/shm/$shm ]]; then
      rm -f "/dev/shm/$shm"
      say "removed the rate-limit table /dev/shm/$shm"
    fi
  done
}

main() {
  local cmd="${1:-help}"
  (($# == 0)) || shift
  case "$cmd" in
    install) load_settings && cmd_install ;;
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
