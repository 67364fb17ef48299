# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: MariaDB, its data directory, server, database and user.

db_root() { mariadb --no-defaults --socket="$DB_SOCKET" --user=root "$@"; }

# WordPress is installed only once per database.
wp_installed() {
  [[ -n $(db_root -N -e "SELECT 1 FROM \`$DB_NAME\`.wp_options WHERE option_name = 'siteurl'" 2>/dev/null) ]]
}

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
  # A temporary folder of its own: servers of other stacks on this machine clean theirs at start, and
  # a shared /tmp would lose this one's temporary tables ("Error on delete of '/tmp/#sql-temptable…'").
  mkdir -p "$RUN_DIR/mariadb-tmp"
  spawn mariadb mariadbd --no-defaults --user=root --datadir="$DATA_DIR" --socket="$DB_SOCKET" --tmpdir="$RUN_DIR/mariadb-tmp" \
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
