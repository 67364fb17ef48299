# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: WordPress. Its configuration (templates/wp-config.php.tmpl, and the port map
# in /etc/wordpress: templates/etc-config.php.tmpl), its content folder (with the must-use plugins in
# templates/mu-plugins/), its installation.

# The cached tree of WordPress $WP_RELEASE (scripts/get-wordpress.sh), or nothing.
cached_wp_root() {
  local d found=''
  for d in "$CACHE_DIR/wordpress-$WP_RELEASE".*/; do
    [[ -f $d/.lpapi-complete ]] && found="${d%/}"
  done
  echo "$found"
}

# LPAPI_WP: Debian's WordPress, or a release fetched into the cache once.
resolve_wp_root() {
  [[ $WP_RELEASE != debian ]] || return 0
  WP_ROOT="$(LPAPI_CACHE_DIR="$CACHE_DIR" "$ROOT/scripts/get-wordpress.sh" "$WP_RELEASE")" ||
    die "WordPress $WP_RELEASE could not be fetched (scripts/get-wordpress.sh $WP_RELEASE)"
}

# The version of the WordPress tree in DIR.
wp_version_of() { grep -oP "\\\$wp_version = '\K[^']+" "$1/wp-includes/version.php" | head -n 1; }

# Real LatePoint runs where it is there and the WordPress is one it supports (6.5+).
latepoint_wanted() { [[ $WP_RELEASE == 6.5 && -f $LATEPOINT_DIR/latepoint.php ]]; }

write_wp_config() {
  if [[ $WP_ROOT != "$DEBIAN_WP_ROOT" ]]; then
    # A release's tree has no Debian wp-config.php: this one does what Debian's does (the port map
    # in /etc/wordpress, then wp-settings.php), for every stack that uses the tree.
    render_to "$WP_ROOT/wp-config.php" wp-root-config.php.tmpl ROOT="$ROOT" || true
  fi
  render_to "$CONF_DIR/wp-config.php" wp-config.php.tmpl WP_ROOT="$WP_ROOT" EXTRA_CONFIG="$EXTRA_CONFIG" \
    DB_NAME="$DB_NAME" DB_USER="$DB_USER" DB_PASSWORD="$DB_PASSWORD" DB_HOST="$DB_HOST" \
    SITE_URL="$SITE_URL" CONTENT_DIR="$CONTENT_DIR" CONTENT_URL="$SITE_URL/wp-content" ENV_TYPE="$ENV_TYPE" \
    WP_DEBUG_LOG="$LOG_DIR/wp-debug.log" REDIS_CONSTANTS="$(redis_constants)" \
    WEBHOOK_CONSTANTS="$(webhook_constants)" LANE_CONSTANTS="$(lane_constants)" || true
  local etc
  for etc in "${ETC_CONFIGS[@]}"; do
    update_etc_config "$etc" add
  done
}

# wp-config.php's Redis constants (PHP), for the pure-PHP fallback: only with LPAPI_REDIS=1 and
# LPAPI_NATIVE=0.
redis_constants() {
  [[ $REDIS == 1 && $NATIVE == 0 ]] || return 0
  printf "defined('%s') || define('%s', %s);\n" LPAPI_REDIS_URL LPAPI_REDIS_URL "$(php_q "$REDIS_URL")" \
    LPAPI_REDIS_DOWN LPAPI_REDIS_DOWN "$(php_q "$REDIS_DOWN")"
}

# wp-config.php's webhook retry schedule (LPAPI_WEBHOOKS_RETRY_SCHEDULE), when one was given.
webhook_constants() {
  [[ -n $WEBHOOK_RETRIES ]] || return 0
  printf "defined('%s') || define('%s', %s);\n" LPAPI_WEBHOOKS_RETRY_SCHEDULE LPAPI_WEBHOOKS_RETRY_SCHEDULE "$(php_q "$WEBHOOK_RETRIES")"
}

# wp-config.php's LPAPI_LEAN_LANE (LPAPI_LEAN_LANE=0 or 1), when one was given.
lane_constants() {
  [[ -n $LEAN_LANE ]] || return 0
  printf "defined('%s') || define('%s', %s);\n" LPAPI_LEAN_LANE LPAPI_LEAN_LANE "$([[ $LEAN_LANE == 1 ]] && echo true || echo false)"
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
    local map='' i nl=$'\n'
    for ((i = 0; i < ${#entries[@]}; i += 2)); do
      map+="${map:+$nl}	${entries[i]} => $(php_q "${entries[i + 1]}"),"
    done
    # PORT_MAP is PHP already: its file names are quoted above.
    if render_to "$etc" etc-config.php.tmpl ROOT="$ROOT" PORT_MAP="$map"; then
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
    # A real folder: the plugin installed from its zip (LPAPI_PLUGIN_SRC=none), or put there by hand.
    [[ $PLUGIN_SRC == none ]] || warn "$link is a real folder, not a link to $PLUGIN_SRC: leaving it"
  elif [[ $PLUGIN_SRC == none ]]; then
    rm -f "$link"
  else
    ln -sfn "$PLUGIN_SRC" "$link"
  fi
  for theme in "$WP_ROOT"/wp-content/themes/*/; do
    [[ -d $theme ]] || continue
    theme="${theme%/}"
    [[ -e $CONTENT_DIR/themes/$(basename "$theme") ]] || ln -s "$theme" "$CONTENT_DIR/themes/"
  done
  # Real LatePoint, when it is there and supported; otherwise the tests' stand-in tables.
  local lp="$CONTENT_DIR/plugins/latepoint"
  if latepoint_wanted; then
    [[ -e $lp && ! -L $lp ]] || ln -sfn "$LATEPOINT_DIR" "$lp"
  elif [[ -L $lp ]]; then
    rm -f "$lp"
  fi
  local stand_in_link="$CONTENT_DIR/mu-plugins/lpapi-stand-in-latepoint-models.php"
  if [[ $STAND_IN == 1 ]] && ! latepoint_wanted; then
    ln -sfn "$ROOT/tests/php/stand-ins/latepoint-models.php" "$stand_in_link"
  else
    rm -f "$stand_in_link"
  fi
  # The plugin's drop-in: API requests get a 503 JSON envelope while the database is down.
  if [[ $PLUGIN_SRC == none ]]; then
    [[ ! -L $CONTENT_DIR/db-error.php ]] || rm -f "$CONTENT_DIR/db-error.php"
  else
    ln -sfn "$PLUGIN_SRC/drop-ins/db-error.php" "$CONTENT_DIR/db-error.php"
  fi
  # Must-use plugins of the stack, copied as they are.
  local mu
  for mu in "$TEMPLATES"/mu-plugins/*.php; do
    write_if_changed "$CONTENT_DIR/mu-plugins/${mu##*/}" <"$mu" || true
  done
}

# Installs WordPress once per database (wp_installed), then makes sure of the admin user, the
# permalinks and the plugin, which exists only once someone has written it.
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
  if latepoint_wanted; then
    LATEPOINT_STATUS="$(sed -n 's/^==> wordpress: \(LatePoint .*\)$/\1/p' <<<"$out" | tail -n 1)"
    LATEPOINT_STATUS="${LATEPOINT_STATUS:-not active} ($LATEPOINT_DIR)"
  elif [[ -f $LATEPOINT_DIR/latepoint.php ]]; then
    LATEPOINT_STATUS="not installed: real LatePoint ($LATEPOINT_DIR) needs WordPress 6.5 (LPAPI_WP=6.5); resource writes answer 503 without it"
  else
    LATEPOINT_STATUS="not installed: resource writes need LatePoint. Add it with scripts/get-latepoint.sh GIT_DIR (a git directory of LatePoint's public repository) and start with LPAPI_WP=6.5"
  fi
  if [[ $STAND_IN == 1 ]] && ! latepoint_wanted; then
    LATEPOINT_STATUS="the tests' stand-in models (LPAPI_LATEPOINT_STAND_IN=1); real LatePoint: $LATEPOINT_STATUS"
  fi
}
